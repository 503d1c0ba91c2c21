"""Records a consultant needs: `log` totals per currency (costs without one apart, with a hint
said once), `note edit|rm`, and `contact forget` listing the own notes that still name the
person; and migration m007 from the previous schema with data in it."""

from __future__ import annotations

import json
import sqlite3

import pytest
from clitools import assert_one_error, coworking, invoke, seed_listing, write_config
from clitools import run_ok as ok

from solomo_cli import db
from solomo_cli.config import get_paths
from solomo_cli.mydata import store
from solomo_cli.mydata.keep import name_parts
from solomo_cli.mydata.store import UserData

CORDEE = coworking("node/8795134202", "La cordée - Jean Macé", 45.7496347, 4.8432509)
SMOOTH = coworking("node/12155174562", "Smooth", 45.7514387, 4.8451483)
HINT = "kept without a currency"


@pytest.fixture(autouse=True)
def listing() -> None:
    seed_listing([CORDEE, SMOOTH])


def totals() -> dict:
    return json.loads(ok("log", "-f", "json"))["totals"]


# -- totals per currency --------------------------------------------------------------------


def test_log_totals_each_currency_apart_and_costs_without_one_as_no_currency() -> None:
    ok("visit", "1", "--cost", "20 EUR", "--date", "2026-11-02")
    ok("visit", "1", "--cost", "$15", "--date", "2026-11-03")
    ok("visit", "2", "--cost", "12", "--date", "2026-11-04")
    ok("visit", "2", "--cost", "8.50 EUR", "--date", "2026-11-05")
    out = " ".join(ok("log").split())
    assert "Total: 4 days worked, 4 visits, cost 28.50 EUR, 15 USD, 12 (no currency)" in out
    assert "Smooth 2 2 8.50 EUR, 12 (no currency)" in out
    # In JSON, amounts without a currency are under "" (never added to a currency's).
    assert totals()["cost"] == {"": "12", "EUR": "28.50", "USD": "15"}


def test_a_cost_without_currency_hints_once_and_is_stored_without_one() -> None:
    first = invoke(["visit", "1", "--cost", "20"])
    assert first.exit_code == 0
    assert HINT in first.stderr and "(no currency)" in first.stderr
    second = invoke(["visit", "2", "--cost", "12"])
    assert second.exit_code == 0 and HINT not in second.stderr
    edit = invoke(["visit", "edit", "1", "--cost", "25"])
    assert edit.exit_code == 0 and HINT not in edit.stderr
    with UserData(get_paths().user_db) as user:
        assert [(v.cost, v.currency) for v in user.visits()] == [("12", None), ("25", None)]
        assert user.conn.execute("SELECT key FROM notices").fetchall() == [
            ("cost without a currency",)
        ]


def test_with_a_configured_currency_no_hint_and_the_cost_takes_it() -> None:
    write_config('currency = "EUR"\n')
    result = invoke(["visit", "1", "--cost", "20"])
    assert result.exit_code == 0 and HINT not in result.stderr
    assert "20 EUR" in result.stdout


# -- note edit / rm -------------------------------------------------------------------------


def test_show_gives_note_ids_and_note_edit_replaces_the_text() -> None:
    ok("note", "1", "Ask for the quiet room upstairs")
    ok("note", "add", "2", "Loud at lunch")
    assert "#1 " in ok("show", "1")
    out = ok("note", "edit", "1", "The quiet room is upstairs, left")
    assert out.strip() == "Note #1 is now: The quiet room is upstairs, left"
    assert "The quiet room is upstairs, left" in " ".join(ok("show", "1").split())
    with UserData(get_paths().user_db) as user:
        assert [n.text for n in user.notes()] == [
            "The quiet room is upstairs, left",
            "Loud at lunch",
        ]


def test_note_rm_deletes_the_row_for_good_and_says_what_it_removed() -> None:
    ok("note", "1", "Jeanne's favourite desk")
    out = ok("note", "rm", "1")
    assert out.strip().endswith("on node/8795134202: Jeanne's favourite desk")
    assert out.startswith("Deleted note #1 of ")
    with UserData(get_paths().user_db) as user:
        assert user.conn.execute("SELECT count(*) FROM place_notes").fetchone() == (0,)
    user_db = get_paths().user_db
    con = sqlite3.connect(user_db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    assert b"favourite desk" not in user_db.read_bytes()  # secure_delete zeroed it


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["note", "rm", "9"], "there is no note #9"),
        (["note", "edit", "9", "text"], "there is no note #9"),
        (["note", "rm", "zero"], "'zero' is not a valid int"),
        (["note", "edit", "1", "  "], "the note is empty"),
    ],
)
def test_note_edit_and_rm_refuse_what_is_not_there(args: list[str], fragment: str) -> None:
    ok("note", "1", "keep me")
    result = invoke(args)
    assert result.exit_code == 2
    assert_one_error(result.stderr, fragment)
    with UserData(get_paths().user_db) as user:
        assert [n.text for n in user.notes()] == ["keep me"]


# -- forget lists what still mentions the person --------------------------------------------


def test_name_parts_are_folded_words_of_three_letters_or_more() -> None:
    assert name_parts("Jeanne de Martin-Roux") == ["jeanne", "martin", "roux"]
    assert name_parts("Li Wu") == []
    assert name_parts("Élodie") == ["elodie"]


def test_forget_lists_each_note_and_visit_that_still_names_them_with_its_command() -> None:
    ok("contact", "add", "Jeanne Martin-Roux", "--at", "1")
    ok("visit", "1", "--note", "lunch with JEANNE, talked about the bank")
    ok("visit", "2", "--note", "met Martine there")  # another person: not a word of the name
    ok("note", "2", "ask Roux about the meeting room")
    ok("note", "1", "quiet")
    result = invoke(["contact", "forget", "Jeanne Martin-Roux", "--yes"])
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[0] == "solomo: 2 notes of your own still mention them; edit if needed:"
    assert lines[1].startswith("  visit #1 (") and lines[1].endswith(
        "“lunch with JEANNE, talked about the bank”: solomo visit edit 1 --note …"
    )
    assert lines[2].endswith("“ask Roux about the meeting room”: solomo note edit 1 …")
    assert len(lines) == 3


def test_forget_of_a_name_with_only_short_parts_lists_nothing() -> None:
    ok("contact", "add", "Li Wu", "--at", "1")
    ok("visit", "1", "--note", "li wu was there")
    result = invoke(["contact", "forget", "Li Wu", "--yes"])
    assert result.exit_code == 0
    assert "still mention" not in result.stderr


# -- migration ------------------------------------------------------------------------------


def test_m007_keeps_every_row_of_a_file_of_the_previous_schema() -> None:
    path = get_paths().user_db
    conn = db.connect(path, private=True)
    db.migrate(conn, store.MIGRATIONS[:5])
    conn.execute(
        "INSERT INTO places VALUES ('node/1', 'Smooth', 'coworking', 45.75, 4.84, '{}', '')"
    )
    conn.execute(
        "INSERT INTO contacts (uid, name, name_key, created_at, updated_at) "
        "VALUES ('u1', 'Jeanne', 'jeanne', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
    )
    conn.execute(
        "INSERT INTO visits (uid, place_id, day, cost, created_at) "
        "VALUES ('v1', 'node/1', '2026-11-02', '20', '2026-11-02T00:00:00Z')"
    )
    conn.execute(
        "INSERT INTO place_notes (uid, place_id, created_at, text) "
        "VALUES ('n1', 'node/1', '2026-11-02T00:00:00Z', 'quiet')"
    )
    conn.close()
    with UserData(path) as user:
        assert db.pending(user.conn, store.MIGRATIONS) == []
        assert user.counts() == {
            "places": 1,
            "visits": 1,
            "place_notes": 1,
            "contacts": 1,
            "contact_tags": 0,
            "encounters": 0,
        }
        jeanne = user.find_contact("Jeanne")
        assert (jeanne.uid, user.cadence(jeanne.id)) == ("u1", None)
        assert user.trips() == []
        user.set_cadence(jeanne.id, 14)
        assert user.cadence(jeanne.id) == 14
    assert path.stat().st_mode & 0o777 == 0o600
