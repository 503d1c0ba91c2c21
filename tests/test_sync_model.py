"""The sync-ready model (mydata m006_sync_identity): uids and updated_at on every record, kept by
triggers on every write path; tombstones on deletion; newest-wins writes that never bring a
deleted record back."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from clitools import coworking

from solomo_cli import db
from solomo_cli.mydata import store
from solomo_cli.mydata.store import UserData

SMOOTH = coworking("node/12155174562", "Smooth", 45.7514387, 4.8451483)
UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SYNCED = [table for table, _kind in store.SYNCED]


@pytest.fixture
def user(tmp_path: Path) -> UserData:
    data = UserData(tmp_path / "solomo.db")
    yield data
    data.close()


def _old_file(path: Path) -> None:
    """A user-data file in the schema before m006 (m001–m005), with rows in every table."""
    conn = db.connect(path, private=True)
    db.migrate(conn, store.MIGRATIONS[:5])
    with db.transaction(conn):
        conn.execute(
            "INSERT INTO places VALUES ('node/1', 'Smooth', 'coworking', 45.75, 4.84, '{}', "
            "'2026-01-01T00:00:00Z')"
        )
        conn.executemany(
            "INSERT INTO visits (uid, place_id, day, rating, note, cost, currency, created_at) "
            "VALUES (?, 'node/1', ?, 4, 'good', '12.50', 'EUR', ?)",
            [(f"v-{i}", f"2026-01-{i:02d}", f"2026-01-{i:02d}T09:00:00Z") for i in range(1, 11)],
        )
        conn.execute(
            "INSERT INTO place_notes (uid, place_id, created_at, text) "
            "VALUES ('n-1', 'node/1', '2026-02-01T10:00:00Z', 'quiet upstairs')"
        )
        for i, name in enumerate(("Jeanne Martin", "Karim Benali"), 1):
            conn.execute(
                "INSERT INTO contacts (uid, name, name_key, email, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, '2026-03-01T08:00:00Z', ?)",
                (f"c-{i}", name, name.lower(), f"p{i}@example.org", f"2026-03-0{i}T08:00:00Z"),
            )
            conn.execute(
                "INSERT INTO contact_tags (contact_id, tag) VALUES (?, 'client'), (?, 'ux')",
                (i, i),
            )
            conn.execute(
                "INSERT INTO encounters (uid, contact_id, place_id, day, note, created_at) "
                "VALUES (?, ?, 'node/1', '2026-03-05', 'coffee', '2026-03-05T12:00:00Z')",
                (f"e-{i}", i),
            )
    conn.close()


def test_the_migration_keeps_every_row_and_gives_each_a_uid_and_a_time(tmp_path: Path) -> None:
    path = tmp_path / "solomo.db"
    _old_file(path)
    with sqlite3.connect(path) as before:
        rows_before = {
            t: before.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
            for t in ("places", *SYNCED)
        }
    user = UserData(path)
    assert db.pending(user.conn, store.MIGRATIONS) == []
    conn = user.conn
    for table, rows in rows_before.items():
        after = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        assert len(after) == len(rows) > 0, table
        # Every old column keeps its value (the new ones come after them).
        assert [r[: len(rows[0])] for r in after] == rows, table
    for table in SYNCED:
        for uid, updated in conn.execute(f"SELECT uid, updated_at FROM {table}"):
            assert uid and UTC.match(updated), (table, uid, updated)
    # Back-filled from created_at; tags from their contact's updated_at; contacts untouched.
    assert conn.execute("SELECT updated_at FROM visits WHERE uid = 'v-3'").fetchone() == (
        "2026-01-03T09:00:00Z",
    )
    assert conn.execute("SELECT updated_at FROM encounters WHERE uid = 'e-2'").fetchone() == (
        "2026-03-05T12:00:00Z",
    )
    assert conn.execute("SELECT updated_at FROM contacts WHERE uid = 'c-2'").fetchone() == (
        "2026-03-02T08:00:00Z",
    )
    tags = conn.execute("SELECT uid, updated_at FROM contact_tags WHERE contact_id = 2").fetchall()
    assert [t[1] for t in tags] == ["2026-03-02T08:00:00Z"] * 2
    assert all(UUID4.match(uid) for uid, _ in tags)
    assert len({uid for (uid,) in conn.execute("SELECT uid FROM contact_tags")}) == 4
    assert user.tombstones() == []
    user.close()


def test_every_write_path_gives_uid_and_updated_at(user: UserData) -> None:
    visit = user.add_visit(SMOOTH, "2026-11-20", rating=4)
    user.add_note(SMOOTH, "quiet")
    user.add_contact("Jeanne Martin", tags=["client"], at=SMOOTH)
    # A code path that knows nothing of sync (an INSERT without uid/updated_at) gets both.
    contact_id = user.find_contact("Jeanne").id
    with user.write() as conn:
        conn.execute("INSERT INTO contact_tags (contact_id, tag) VALUES (?, 'ux')", (contact_id,))
        conn.execute(
            "INSERT INTO visits (uid, place_id, day, created_at) "
            "VALUES ('raw', ?, '2026-11-21', '2026-11-21T10:00:00Z')",
            (SMOOTH.id,),
        )
    for table in SYNCED:
        rows = user.conn.execute(f"SELECT uid, updated_at FROM {table}").fetchall()
        assert rows, table
        for uid, updated in rows:
            assert uid and UTC.match(updated), (table, uid, updated)
    assert user.updated_at("visit", "raw") == "2026-11-21T10:00:00Z"
    assert user.updated_at("visit", visit.uid) == visit.created_at
    assert UUID4.match(
        user.conn.execute("SELECT uid FROM contact_tags WHERE tag = 'ux'").fetchone()[0]
    )


def test_an_update_bumps_updated_at_unless_it_sets_it(user: UserData) -> None:
    visit = user.add_visit(SMOOTH, "2026-11-20", rating=4)
    with user.write() as conn:
        conn.execute(
            "UPDATE visits SET updated_at = '2000-01-01T00:00:00Z' WHERE id = ?", (visit.id,)
        )
    assert user.updated_at("visit", visit.uid) == "2000-01-01T00:00:00Z"  # set: obeyed
    user.edit_visit(visit.id, rating=5)
    bumped = user.updated_at("visit", visit.uid)
    assert bumped is not None and bumped > "2026-01-01" and UTC.match(bumped)
    assert [c.uid for c in user.changed_since("2001-01-01T00:00:00Z")] == [visit.uid]


def test_a_deletion_leaves_a_tombstone_and_no_content(user: UserData) -> None:
    visit = user.add_visit(SMOOTH, "2026-11-20", note="lunch")
    user.remove_visit(visit.id)
    jeanne = user.add_contact(
        "Jeanne Martin", email="jeanne@example.org", tags=["client"], at=SMOOTH
    )
    tag_uid = user.conn.execute("SELECT uid FROM contact_tags").fetchone()[0]
    user.forget_contact(jeanne.id)
    stones = {(t.uid, t.kind) for t in user.tombstones()}
    assert stones == {
        (visit.uid, "visit"),
        (jeanne.uid, "contact"),
        (jeanne.encounters[0].uid, "encounter"),
        (tag_uid, "tag"),
    }
    for t in user.tombstones():
        assert UTC.match(t.deleted_at)
    rows = repr(user.conn.execute("SELECT * FROM tombstones").fetchall())
    assert "Jeanne" not in rows and "jeanne@" not in rows and "lunch" not in rows
    assert user.tombstones(since="9999") == []


def test_upsert_is_newest_wins_and_refuses_a_tombstone(user: UserData) -> None:
    record = {
        "uid": "c-remote",
        "name": "Ana Lima",
        "org": "Acme",
        "email": "ana@example.org",
        "phone": None,
        "note": None,
        "created_at": "2026-01-01T00:00:00Z",
        "tags": ["client", "ux"],
    }
    assert user.upsert_record("contact", record, "2026-05-01T00:00:00Z") == "added"
    assert user.find_contact("Ana").tags == ["client", "ux"]
    older = {**record, "org": "Old Co", "tags": ["client"]}
    assert user.upsert_record("contact", older, "2026-04-01T00:00:00Z") == "kept"
    assert user.upsert_record("contact", older, "2026-05-01T00:00:00Z") == "kept"  # a tie
    ana = user.find_contact("Ana")
    assert (ana.org, ana.tags) == ("Acme", ["client", "ux"])
    newer = {**record, "org": "New Co", "tags": ["client", "friend"]}
    assert user.upsert_record("contact", newer, "2026-06-01T00:00:00Z") == "updated"
    ana = user.find_contact("Ana")
    assert (ana.org, ana.tags, ana.updated_at) == (
        "New Co",
        ["client", "friend"],
        "2026-06-01T00:00:00Z",
    )
    assert [t.kind for t in user.tombstones()] == ["tag"]  # the "ux" tag that went
    meeting = {
        "uid": "e-remote",
        "contact_uid": "c-remote",
        "place_id": None,
        "day": "2026-06-01",
        "note": "met",
        "created_at": "2026-06-01T09:00:00Z",
    }
    assert user.upsert_record("encounter", meeting, "2026-06-01T09:00:00Z") == "added"
    assert user.delete_record("contact", "c-remote", "2026-07-01T00:00:00Z") is True
    assert user.upsert_record("contact", newer, "2027-01-01T00:00:00Z") == "tombstoned"
    assert user.upsert_record("encounter", meeting, "2027-01-01T00:00:00Z") == "tombstoned"
    assert user.counts()["contacts"] == 0
    assert ("c-remote", "contact", "2026-07-01T00:00:00Z") in user.tombstones()


def test_upsert_of_a_visit_needs_its_place_and_keeps_the_remote_time(user: UserData) -> None:
    with user.write():
        user.ensure_place(SMOOTH)
        visit = {
            "uid": "v-remote",
            "place_id": SMOOTH.id,
            "day": "2026-02-02",
            "rating": 3,
            "note": "ok",
            "cost": "9.00",
            "currency": "EUR",
            "created_at": "2026-02-02T08:00:00Z",
        }
        assert user.upsert_record("visit", visit, "2026-02-03T00:00:00Z") == "added"
        assert user.upsert_record("visit", {**visit, "rating": 5}, "2026-02-04T00:00:00Z") == (
            "updated"
        )
    (only,) = user.visits()
    assert (only.rating, only.uid) == (5, "v-remote")
    assert user.updated_at("visit", "v-remote") == "2026-02-04T00:00:00Z"
    with pytest.raises(LookupError):
        user.upsert_record(
            "tag", {"uid": "t-1", "contact_uid": "nobody", "tag": "x"}, "2026-01-01T00:00:00Z"
        )


def test_questions_before_the_file_exists_create_nothing(tmp_path: Path) -> None:
    data = UserData(tmp_path / "none.db")
    assert data.changed_since() == [] and data.tombstones() == []
    assert not (tmp_path / "none.db").exists()


def test_editing_and_removing_a_note_bump_it_and_leave_a_tombstone(user: UserData) -> None:
    note = user.add_note(SMOOTH, "quiet upstairs")
    with user.write() as conn:
        conn.execute("UPDATE place_notes SET updated_at = '2000-01-01T00:00:00Z'")
    edited = user.edit_note(note.id, "quiet upstairs, loud at noon")
    assert edited.updated_at > "2000-01-01T00:00:00Z" and UTC.match(edited.updated_at)
    user.remove_note(note.id)
    assert [(t.uid, t.kind) for t in user.tombstones()] == [(note.uid, "note")]
