"""Import is newest-wins per record, and what was deleted or forgotten never comes back: an old
export, re-imported, neither undoes a later edit nor brings back a forgotten person."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from clitools import coworking, invoke

from solomo_cli.config import get_paths
from solomo_cli.formats import registry
from solomo_cli.formats.imports import import_file
from solomo_cli.formats.records import export_document
from solomo_cli.mydata.store import UserData

SMOOTH = coworking("node/12155174562", "Smooth", 45.7514387, 4.8451483)
CORDEE = coworking("node/8795134202", "La cordée - Jean Macé", 45.7496347, 4.8432509)
LATER = "2030-01-01T00:00:00Z"


@pytest.fixture
def user(tmp_path: Path) -> UserData:
    data = UserData(tmp_path / "solomo.db")
    data.add_visit(SMOOTH, "2026-11-20", rating=3, note="noisy", cost="12", currency="EUR")
    data.add_visit(CORDEE, "2026-11-21", rating=4)
    data.add_note(SMOOTH, "quiet upstairs")
    data.add_contact("Jeanne Martin", email="jeanne@example.org", tags=["client"], at=CORDEE)
    yield data
    data.close()


def export_to(user: UserData, what: str, fmt: str, path: Path) -> Path:
    path.write_text(registry.render(export_document(user, what), fmt), encoding="utf-8")
    return path


def test_exports_carry_updated_at(user: UserData, tmp_path: Path) -> None:
    visits = json.loads(export_to(user, "visits", "json", tmp_path / "v.json").read_text())
    assert all(v["updated_at"] == v["created_at"] for v in visits["visits"])
    places = json.loads(export_to(user, "places", "json", tmp_path / "p.json").read_text())
    (note,) = [n for p in places["places"] for n in p["notes"]]
    assert note["updated_at"] == note["created_at"]
    contacts = json.loads(export_to(user, "contacts", "json", tmp_path / "c.json").read_text())
    (encounter,) = contacts["contacts"][0]["encounters"]
    assert encounter["updated_at"] == encounter["created_at"]
    rows = list(
        csv.DictReader(
            io.StringIO(export_to(user, "visits", "csv", tmp_path / "v.csv").read_text())
        )
    )
    assert rows and all(r["updated_at"] for r in rows)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_newer_copy_in_the_file_wins(user: UserData, tmp_path: Path, fmt: str) -> None:
    path = export_to(user, "visits", fmt, tmp_path / f"visits.{fmt}")
    text = path.read_text(encoding="utf-8")
    smooth = next(v for v in user.visits() if v.place.id == SMOOTH.id)
    # The same visit, changed later on another machine: rating 5, and its time.
    if fmt == "json":
        data = json.loads(text)
        for v in data["visits"]:
            if v["uid"] == smooth.uid:
                v.update(rating=5, note="quiet now", updated_at=LATER)
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
        for r in rows:
            if r["uid"] == smooth.uid:
                r.update(rating="5", note="quiet now", updated_at=LATER)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    report = import_file(user, path)
    assert (report.added, report.updated, report.known) == ({}, {"visits": 1}, {"visits": 1})
    after = user.visit(smooth.id)
    assert (after.rating, after.note, after.updated_at) == (5, "quiet now", LATER)
    assert (after.cost, after.currency) == ("12", "EUR")
    # Again: nothing changes the second time.
    again = import_file(user, path)
    assert (again.updated, again.known) == ({}, {"visits": 2})


def test_an_older_copy_never_undoes_a_later_edit(user: UserData, tmp_path: Path) -> None:
    path = export_to(user, "visits", "json", tmp_path / "visits.json")
    smooth = next(v for v in user.visits() if v.place.id == SMOOTH.id)
    with user.write() as conn:  # the export is from the past: its copy is older
        conn.execute("UPDATE visits SET updated_at = '2000-01-01T00:00:00Z'")
    data = json.loads(path.read_text())
    for v in data["visits"]:
        v["created_at"] = v["updated_at"] = "1999-01-01T00:00:00Z"
    path.write_text(json.dumps(data))
    user.edit_visit(smooth.id, rating=1, note="closed for works")
    report = import_file(user, path)
    assert report.updated == {} and report.known == {"visits": 2}
    assert (user.visit(smooth.id).rating, user.visit(smooth.id).note) == (1, "closed for works")


def test_a_file_without_updated_at_counts_as_written_when_created(
    user: UserData, tmp_path: Path
) -> None:
    # Exports made before updated_at existed: their records are as old as their created_at,
    # never "now" (which would win over every change made since).
    path = export_to(user, "visits", "json", tmp_path / "visits.json")
    data = json.loads(path.read_text())
    for v in data["visits"]:
        del v["updated_at"]
        v["rating"] = 2
    path.write_text(json.dumps(data))
    smooth = next(v for v in user.visits() if v.place.id == SMOOTH.id)
    with user.write() as conn:
        conn.execute("UPDATE visits SET updated_at = '2029-01-01T00:00:00Z'")
    report = import_file(user, path)
    assert report.updated == {} and user.visit(smooth.id).rating == 3


def test_a_deleted_visit_never_comes_back(user: UserData, tmp_path: Path) -> None:
    path = export_to(user, "visits", "csv", tmp_path / "visits.csv")
    smooth = next(v for v in user.visits() if v.place.id == SMOOTH.id)
    user.remove_visit(smooth.id)
    report = import_file(user, path)
    assert report.refused == {"visits": 1} and report.added == {}
    assert [v.place.id for v in user.visits()] == [CORDEE.id]


def test_an_offset_time_in_a_file_is_compared_in_utc(user: UserData, tmp_path: Path) -> None:
    path = export_to(user, "visits", "json", tmp_path / "visits.json")
    data = json.loads(path.read_text())
    for v in data["visits"]:
        v["updated_at"] = "2029-12-31T23:30:00-02:00"  # 2030-01-01T01:30:00Z
    path.write_text(json.dumps(data))
    import_file(user, path)
    assert {v.updated_at for v in user.visits()} == {"2030-01-01T01:30:00Z"}


def test_a_contact_newer_in_the_file_takes_its_fields_and_tags(
    user: UserData, tmp_path: Path
) -> None:
    path = export_to(user, "contacts", "json", tmp_path / "contacts.json")
    data: dict[str, Any] = json.loads(path.read_text())
    (jeanne,) = data["contacts"]
    jeanne.update(org="Acme", tags=["client", "friend"], updated_at=LATER)
    path.write_text(json.dumps(data))
    report = import_file(user, path)
    assert report.updated == {"contacts": 1}
    after = user.find_contact("Jeanne")
    assert (after.org, after.tags, after.updated_at) == ("Acme", ["client", "friend"], LATER)


def everything_in(path: Path) -> bytes:
    return b"".join(
        Path(f"{path}{s}").read_bytes() for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_forgotten_person_stays_forgotten_after_an_old_export(fmt: str) -> None:
    db = get_paths().user_db
    with UserData(db) as user:
        user.add_contact(
            "Zébulon Quaxwell",
            email="quaxwell@example.org",
            note="quaxwell private",
            tags=["quaxtag"],
            at=CORDEE,
        )
        user.meet("Zébulon Quaxwell", SMOOTH, "2026-11-22", note="quaxwell lunch")
        user.add_contact("Karim Benali", at=SMOOTH)
    old = get_paths().user_db.parent / f"old.{fmt}"
    assert invoke(["export", "contacts", str(old)]).exit_code == 0
    result = invoke(["contact", "forget", "Zébulon Quaxwell", "--yes"])
    assert result.exit_code == 0, result.stderr
    result = invoke(["import", str(old)])
    assert result.exit_code == 0, result.stderr
    assert "deleted or forgotten here, left out: 1 contact, 2 encounters" in result.stdout
    result = invoke(["import", str(old)])  # and again, just as well
    assert "left out: 1 contact, 2 encounters" in result.stdout
    with UserData(db) as user:
        assert [c.name for c in user.contacts()] == ["Karim Benali"]
        assert user.counts()["encounters"] == 1 and user.counts()["contact_tags"] == 0
        kinds = sorted(t.kind for t in user.tombstones())
        assert kinds == ["contact", "encounter", "encounter", "tag"]
        user.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        user.conn.execute("VACUUM")
    with sqlite3.connect(db) as conn:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            text = repr(conn.execute(f"SELECT * FROM {table}").fetchall()).lower()
            assert "quaxwell" not in text and "zébulon" not in text and "quaxtag" not in text
    data = everything_in(db).lower()
    assert b"quaxwell" not in data and "zébulon".encode() not in data and b"quaxtag" not in data
