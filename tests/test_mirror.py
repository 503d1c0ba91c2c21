"""`solomo mirror`: the vdir tree written, read back by vobject and icalendar, and synced both
ways against edits, deletions and conflicts made in the tree (real files, the real CLI)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
import time
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest
import vobject
from clitools import HARRYCOW, LIBRARY_7E, assert_one_error, invoke, seed_listing
from hypothesis import given, settings
from hypothesis import strategies as st

from solomo_cli.config import get_paths
from solomo_cli.errors import StoreError
from solomo_cli.formats.vdir import contact_card, read_card, read_event
from solomo_cli.mydata import mirror as core
from solomo_cli.mydata import store
from solomo_cli.mydata.store import UserData


def run(*args: str) -> tuple[int, str, str]:
    result = invoke(["mirror", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def data() -> None:
    """A contact met at a coworking space (with a tag and a note), and a visit with a rating,
    a note and a cost."""
    seed_listing([HARRYCOW, LIBRARY_7E])
    for args in (
        ["contact", "add", "Jeanne Martin", "--at", "1", "--tag", "client", "--note", "UX, Lyon"],
        ["contact", "add", "Paul Durand", "--email", "paul@example.org"],
        [
            "visit",
            "1",
            "--date",
            "2026-11-20",
            "--rating",
            "4",
            "--note",
            "quiet",
            "--cost",
            "20 EUR",
        ],
        ["visit", "2", "--date", "2026-11-21"],
    ):
        result = invoke(args)
        assert result.exit_code == 0, result.stderr


def files(tree: Path, folder: str) -> list[Path]:
    return sorted((tree / folder).glob("*.*"))


def user() -> UserData:
    return UserData(get_paths().user_db)


def contact(name: str) -> dict[str, object]:
    with user() as u:
        c = u.find_contact(name)
        return {
            "note": c.note,
            "email": c.email,
            "tags": c.tags,
            "uid": c.uid,
            "met": len(c.encounters),
        }


def test_the_tree_is_written_and_read_by_vobject_and_icalendar(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    status, out, err = run(str(tree))
    assert status == 0, err
    assert out.strip() == "4 out."
    cards = files(tree, "contacts")
    events = files(tree, "visits")
    assert len(cards) == 2 and len(events) == 2
    for path in cards + events:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    jeanne_uid = contact("Jeanne Martin")["uid"]
    card = vobject.readOne((tree / "contacts" / f"{jeanne_uid}.vcf").read_text())
    assert card.version.value == "4.0"
    assert card.fn.value == "Jeanne Martin"
    assert card.categories.value == ["client"]
    assert card.note.value.startswith("UX, Lyon\nMet ")
    assert "at HarryCow" in card.note.value
    encounter = card.contents["x-solomo-encounter"][0]
    assert encounter.params["X-PLACE"] == ["node/9000"]
    by_day = {}
    for path in events:
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        (event,) = cal.walk("VEVENT")
        by_day[str(event.decoded("DTSTART"))] = event
    quiet = by_day["2026-11-20"]
    assert str(quiet["SUMMARY"]) == "HarryCow"
    assert quiet.decoded("DTEND").isoformat() == "2026-11-21"
    assert quiet["GEO"].latitude == pytest.approx(45.76)
    assert str(quiet["URL"]) == "https://www.openstreetmap.org/node/9000"
    assert str(quiet["DESCRIPTION"]) == "quiet\nRating: 4/5\nCost: 20 EUR"
    assert str(by_day["2026-11-21"]["SUMMARY"]) == "Bibliothèque du 7e Guillotière"


def test_a_second_run_with_nothing_changed_is_silent(data: None, tmp_path: Path) -> None:
    assert run(str(tmp_path / "t"))[0] == 0
    assert run(str(tmp_path / "t")) == (0, "", "")


def test_what_solomo_writes_reads_back_the_same(data: None, tmp_path: Path) -> None:
    run(str(tmp_path / "t"))
    uid = contact("Jeanne Martin")["uid"]
    card = read_card((tmp_path / "t" / "contacts" / f"{uid}.vcf").read_bytes())
    assert (card.name, card.note, card.tags) == ("Jeanne Martin", "UX, Lyon", ["client"])
    assert card.encounters is not None and card.encounters[0]["place_id"] == "node/9000"
    assert card.encounters[0]["place_name"] == "HarryCow"
    events = [read_event(p.read_bytes()) for p in files(tmp_path / "t", "visits")]
    quiet = next(e for e in events if e.day == "2026-11-20")
    assert (quiet.place_id, quiet.note, quiet.rating, quiet.cost, quiet.currency) == (
        "node/9000",
        "quiet",
        4,
        "20",
        "EUR",
    )


def later_stamp() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() + 120))


def test_an_edit_made_in_the_tree_comes_in(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    uid = contact("Paul Durand")["uid"]
    # As another tool writes it back: vCard 3.0, its own PRODID, a new e-mail and note.
    (tree / "contacts" / f"{uid}.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Other//EN\r\nUID:" + uid + "\r\n"
        "FN:Paul Durand\r\nN:Durand;Paul;;;\r\nEMAIL;TYPE=work:paul@durand.example\r\n"
        "NOTE:met at a meetup\\, again\r\nREV:" + later_stamp() + "\r\nEND:VCARD\r\n"
    )
    status, out, _ = run(str(tree))
    assert (status, out.strip()) == (0, "1 in.")
    assert contact("Paul Durand")["email"] == "paul@durand.example"
    assert contact("Paul Durand")["note"] == "met at a meetup, again"
    assert run(str(tree)) == (0, "", "")  # the other tool's file is left as it is


def test_an_edit_here_goes_out(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    assert invoke(["contact", "edit", "Paul", "--note", "ships on Fridays"]).exit_code == 0
    status, out, _ = run(str(tree))
    assert (status, out.strip()) == (0, "1 out.")
    uid = contact("Paul")["uid"]
    assert vobject.readOne((tree / "contacts" / f"{uid}.vcf").read_text()).note.value == (
        "ships on Fridays"
    )


def test_a_file_removed_there_deletes_the_record_here_for_good(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    path = next(p for p in files(tree, "visits") if read_event(p.read_bytes()).day == "2026-11-21")
    old = path.read_bytes()
    uid = read_event(old).uid
    path.unlink()
    status, out, _ = run(str(tree))
    assert (status, out.strip()) == (0, "1 deleted here.")
    with user() as u:
        assert [v.day for v in u.visits()] == ["2026-11-20"]
        assert u.is_tombstoned(str(uid))
    path.write_bytes(old)  # an old copy put back (a backup, a stale device)
    status, out, _ = run(str(tree))
    assert (status, out.strip()) == (0, "1 deleted there.")
    assert not path.exists()
    with user() as u:
        assert len(u.visits()) == 1


def test_a_record_deleted_here_removes_its_file(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    with user() as u:
        visit_id = next(v.id for v in u.visits() if v.day == "2026-11-21")
    assert invoke(["visit", "rm", str(visit_id)]).exit_code == 0
    status, out, _ = run(str(tree))
    assert (status, out.strip()) == (0, "1 deleted there.")
    assert [read_event(p.read_bytes()).day for p in files(tree, "visits")] == ["2026-11-20"]


def test_a_forgotten_contact_file_is_removed_and_never_comes_back(
    data: None, tmp_path: Path
) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    uid = contact("Jeanne Martin")["uid"]
    path = tree / "contacts" / f"{uid}.vcf"
    old = path.read_bytes()
    assert invoke(["contact", "forget", "Jeanne Martin", "--yes"]).exit_code == 0
    assert run(str(tree))[1].strip() == "1 deleted there."
    assert not path.exists()
    (tree / "contacts" / "copy.vcf").write_bytes(old)  # a synced copy, under another name
    assert run(str(tree))[1].strip() == "1 deleted there."
    assert not (tree / "contacts" / "copy.vcf").exists()
    with user() as u:
        assert [c.name for c in u.contacts()] == ["Paul Durand"]
    everything = b"".join(p.read_bytes() for p in tree.rglob("*") if p.is_file())
    assert b"Jeanne" not in everything


def test_a_conflict_goes_to_the_newer_side_and_is_listed(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    uid = contact("Paul")["uid"]
    assert invoke(["contact", "edit", "Paul", "--note", "older, here"]).exit_code == 0
    path = tree / "contacts" / f"{uid}.vcf"
    text = path.read_text().replace("END:VCARD", "NOTE:newer\\, there\r\nEND:VCARD")
    text = "".join(
        f"REV:{later_stamp()}\r\n" if line.startswith("REV:") else line
        for line in text.splitlines(keepends=True)
    )
    path.write_text(text)
    status, out, _ = run(str(tree))
    assert status == 0
    assert out.strip() == "1 in, 1 conflict (newest kept): Paul Durand (the file)."
    assert contact("Paul")["note"] == "newer, there"


def test_a_conflict_with_an_older_file_keeps_this_copy(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    uid = contact("Paul")["uid"]
    path = tree / "contacts" / f"{uid}.vcf"
    text = path.read_text().replace("REV:", "NOTE:from the file\r\nREV:")
    text = "".join(
        "REV:20200101T000000Z\r\n" if line.startswith("REV:") else line
        for line in text.splitlines(keepends=True)
    )
    path.write_text(text)
    assert invoke(["contact", "edit", "Paul", "--note", "newer, here"]).exit_code == 0
    status, out, _ = run(str(tree))
    assert out.strip() == "1 out, 1 conflict (newest kept): Paul Durand (this copy)."
    assert vobject.readOne(path.read_text()).note.value == "newer, here"


def test_a_file_that_does_not_parse_is_named_once_and_never_crashes(
    data: None, tmp_path: Path
) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    (tree / "contacts" / "broken.vcf").write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n")
    (tree / "visits" / "meeting.ics").write_bytes(
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:m1\r\nDTSTART:20261120T100000Z\r\n"
        b"SUMMARY:Standup\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (tree / "visits" / "garbage.ics").write_bytes(os.urandom(300))
    status, out, err = run(str(tree))
    assert status == 0 and out == ""
    assert "skipped contacts/broken.vcf: the VCARD is cut short" in err
    assert "skipped visits/meeting.ics: not a solomo visit" in err
    assert "visits/garbage.ics" in err and "Traceback" not in err
    assert run(str(tree)) == (0, "", "")  # named once, while they stay as they are


def test_a_card_added_there_from_a_phone_comes_in(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    (tree / "contacts" / "phone-1.vcf").write_bytes(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:L=C3=A9a;Ch=\r\n"
        b"ristine;;;\r\nTEL;CELL;PREF:+33 6 12 34 56 78\r\nEND:VCARD\r\n"
    )
    status, out, _ = run(str(tree))
    assert (status, out.strip()) == (0, "1 in.")
    with user() as u:
        found = u.find_contact("Christine Léa")
    assert (found.uid, found.phone) == ("phone-1", "+33 6 12 34 56 78")
    assert run(str(tree)) == (0, "", "")


def test_an_emptied_folder_deletes_nothing_without_force_delete(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    for path in files(tree, "contacts"):
        path.unlink()
    result = invoke(["mirror", str(tree)])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "is empty, but 2 item(s) had been mirrored", "--force-delete")
    with user() as u:
        assert len(u.contacts()) == 2
    status, out, _ = run(str(tree), "--force-delete")
    assert (status, out.strip()) == (0, "2 deleted here.")
    with user() as u:
        assert u.contacts() == []


def test_dir_from_the_config_file_or_the_environment(
    data: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = invoke(["mirror"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "say which folder to mirror to", "mirror_dir")
    config = get_paths().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'mirror_dir = "{tmp_path / "conf"}"\n')
    assert run()[0:2] == (0, "4 out.\n")
    assert len(files(tmp_path / "conf", "contacts")) == 2
    monkeypatch.setenv("SOLOMO_MIRROR_DIR", str(tmp_path / "env"))
    assert run()[0:2] == (0, "4 out.\n")
    assert len(files(tmp_path / "env", "visits")) == 2


def test_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    result = invoke(["mirror", str(tmp_path / "f")])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "is not a folder")


def test_two_runs_never_interleave(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    fd = os.open(tree / core.LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with user() as u, pytest.raises(StoreError, match="another solomo mirror is running"):
            core.mirror(u, tree, lock_wait_s=0.3)
        assert files(tree, "contacts") == []
    finally:
        os.close(fd)
    with user() as u:
        assert core.mirror(u, tree).out == 4


def test_reminders_are_written_as_vtodos_and_removed_when_no_longer_due(
    data: None, tmp_path: Path
) -> None:
    tree = tmp_path / "t"
    assert run(str(tree))[1] == "4 out.\n"
    assert files(tree, "reminders") == []  # nobody has a cadence yet
    assert invoke(["contact", "edit", "Paul", "--every", "1w"]).exit_code == 0
    assert invoke(["contact", "edit", "Jeanne", "--every", "2w"]).exit_code == 0
    # (The cards go out again only if their REV moved on: the cadence is not in them.)
    assert run(str(tree))[1].endswith("2 reminders updated.\n")
    assert run(str(tree)) == (0, "", "")  # the same reminders: nothing rewritten
    todos = {}
    for path in files(tree, "reminders"):
        (todo,) = icalendar.Calendar.from_ical(path.read_bytes()).walk("VTODO")
        todos[str(todo["SUMMARY"])] = todo
    paul = todos["Get back in touch with Paul Durand"]
    assert paul.decoded("DUE") == date.today() + timedelta(days=7)
    assert "paul@example.org" in str(paul["DESCRIPTION"])
    jeanne = todos["Get back in touch with Jeanne Martin"]
    assert "at HarryCow" in str(jeanne["DESCRIPTION"])
    jeanne_uid = contact("Jeanne")["uid"]
    assert invoke(["contact", "forget", "Jeanne Martin", "--yes"]).exit_code == 0
    assert run(str(tree))[1] == "1 deleted there, 1 reminder updated.\n"
    assert [p.name for p in files(tree, "reminders")] == [f"{contact('Paul')['uid']}.ics"]
    assert not any(jeanne_uid in p.name for p in tree.rglob("*"))


def test_write_reminders_is_the_entry_point_for_a_list_of_due_contacts(
    data: None, tmp_path: Path
) -> None:
    from solomo_cli.mydata.keep import due_contacts

    assert invoke(["contact", "edit", "Paul", "--every", "1w"]).exit_code == 0
    with user() as u:
        due = due_contacts(u, date.today())
        assert [d.contact.name for d in due] == ["Paul Durand"]
        assert core.write_reminders(u, tmp_path / "t", due) == 1
        assert core.write_reminders(u, tmp_path / "t", due) == 0
        assert core.write_reminders(u, tmp_path / "t", []) == 1
    assert files(tmp_path / "t", "reminders") == []


def test_m009_adds_the_status_table_and_keeps_every_row(
    data: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = get_paths().user_db
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE mirror_status")
        conn.execute("DELETE FROM _migrations WHERE name = 'm009_mirror_status'")
    before = {
        t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("contacts", "visits", "encounters", "contact_tags")
    }
    conn.close()
    with UserData(path) as u:
        assert u.counts()["contacts"] == before["contacts"] == 2
        assert u.counts()["visits"] == before["visits"] == 2
        assert u._read("SELECT count(*) FROM mirror_status") == [(0,)]
    assert "m009_mirror_status" in [m.__name__ for m in store.MIGRATIONS]


def test_status_rows_hold_no_name(data: None, tmp_path: Path) -> None:
    run(str(tmp_path / "t"))
    with user() as u:
        rows = u._read("SELECT * FROM mirror_status")
    assert len(rows) == 4
    assert not any("Jeanne" in str(value) or "Paul" in str(value) for row in rows for value in row)


def test_what_is_not_a_plain_item_in_the_tree_is_left_alone_or_named(
    data: None, tmp_path: Path
) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    outside = tmp_path / "outside.vcf"
    outside.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Outsider\r\nEND:VCARD\r\n")
    (tree / "contacts" / "link.vcf").symlink_to(outside)  # never followed
    os.mkfifo(tree / "contacts" / "pipe.vcf")  # never opened (it would hang)
    (tree / "contacts" / "folder.vcf").mkdir()
    (tree / "contacts" / "huge.vcf").write_bytes(b"BEGIN:VCARD\r\n" + b"X" * (6 * 1024 * 1024))
    status, out, err = run(str(tree))
    assert (status, out) == (0, "")
    assert "skipped contacts/huge.vcf" in err and "too large" in err
    assert "Outsider" not in err and "Traceback" not in err
    with user() as u:
        assert sorted(c.name for c in u.contacts()) == ["Jeanne Martin", "Paul Durand"]


def test_a_folder_of_the_tree_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "contacts").write_text("not a folder")
    result = invoke(["mirror", str(tree)])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "contacts is not a folder")


TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), min_size=1, max_size=80
).filter(lambda s: s.strip() == s and "  " not in s and s)


@settings(max_examples=60, deadline=None)
@given(name=TEXT, note=TEXT, tag=TEXT.filter(lambda s: "," not in s), place=TEXT)
def test_a_card_reads_back_what_was_written(name: str, note: str, tag: str, place: str) -> None:
    record = {
        "uid": "u-1",
        "name": name,
        "org": None,
        "email": None,
        "phone": None,
        "tags": [tag],
        "note": note,
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-02T10:00:00Z",
        "encounters": [
            {
                "uid": "e-1",
                "date": "2026-11-02",
                "place_id": "node/5",
                "place_name": place,
                "kind": "coworking",
                "lat": 45.5,
                "lon": 4.25,
                "note": note,
            }
        ],
    }
    card = read_card(contact_card(record, "2026-11-03T10:00:00Z").encode("utf-8"))
    assert card.name == " ".join(name.split())
    assert card.tags == [" ".join(tag.split())]
    assert card.rev == "2026-11-03T10:00:00Z"
    assert card.encounters is not None
    (met,) = card.encounters
    assert (met["uid"], met["date"], met["place_id"], met["note"]) == (
        "e-1",
        "2026-11-02",
        "node/5",
        note,
    )
    assert met["place_name"] == place.replace('"', "'")
    assert (met["lat"], met["lon"]) == (45.5, 4.25)
    if not note.startswith("Met "):
        assert card.note == note


def test_a_new_version_of_solomo_does_not_rewrite_the_tree(
    data: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    monkeypatch.setattr("solomo_cli.formats.vcard.__version__", "9.9.9")
    monkeypatch.setattr("solomo_cli.formats.vdir.PRODID", "-//solomo//solomo 9.9.9//EN")
    assert run(str(tree)) == (0, "", "")
    assert invoke(["contact", "edit", "Paul", "--note", "new"]).exit_code == 0
    assert run(str(tree))[1] == "1 out.\n"
    uid = contact("Paul")["uid"]
    assert "solomo 9.9.9" in (tree / "contacts" / f"{uid}.vcf").read_text()


def test_a_mirrored_file_damaged_there_deletes_nothing_here(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    run(str(tree))
    uid = contact("Paul")["uid"]
    path = tree / "contacts" / f"{uid}.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Paul Dur")  # cut short by a crash
    status, out, err = run(str(tree))
    assert (status, out) == (0, "")
    assert f"skipped contacts/{uid}.vcf: the VCARD is cut short" in err
    assert contact("Paul")["email"] == "paul@example.org"
    assert invoke(["contact", "edit", "Paul", "--note", "later"]).exit_code == 0
    assert run(str(tree))[1] == ""  # its file is left as it is while it cannot be read
    path.unlink()
    assert run(str(tree))[1] == "1 out, 1 conflict (newest kept): Paul Durand (this copy).\n"


def test_field_notes_go_out_and_come_back(data: None, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    result = invoke(["visit", "edit", "1", "--power", "plenty", "--wifi", "40mbps"])
    assert result.exit_code == 0, result.stderr
    run(str(tree))
    with user() as u:
        uid = u.visit(1).uid
    path = tree / "visits" / f"{uid}.ics"
    event = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    described = str(event["DESCRIPTION"]).split("\n")
    assert described == ["quiet", "Rating: 4/5", "Cost: 20 EUR", "Power: plenty", "Wi-Fi: 40mbps"]
    # A calendar app edits the description: a fact changed, one added, one not a fact.
    text = path.read_text("utf-8")
    text = text.replace("Power: plenty", "Power: few").replace(
        "Wi-Fi: 40mbps", "Wi-Fi: 40mbps\\nCalls: ok\\nNoise: deafening"
    )
    text = text.replace("LAST-MODIFIED:", "LAST-MODIFIED:" + later_stamp() + "\r\nX-OLD-LM:")
    path.write_text(text, "utf-8")
    status, out, _ = run(str(tree))
    assert (status, out.strip()) == (0, "1 in.")
    with user() as u:
        visit = u.visit(1)
    assert (visit.facts.power, visit.facts.wifi, visit.facts.calls, visit.facts.noise) == (
        "few",
        "40mbps",
        "ok",
        None,
    )
    assert visit.note == "quiet\nNoise: deafening"  # not a field note: kept as written
