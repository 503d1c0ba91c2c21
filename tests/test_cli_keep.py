"""Keep in touch: cadences (the contact's, its tags'), `solomo contact due` with --snooze, and
`solomo export reminders FILE.ics`, through the real app and a real user-data file."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from clitools import assert_one_error, coworking, invoke, seed_listing, solomo_command
from clitools import run_ok as ok
from clitools import write_config as config

from solomo_cli.config import get_paths
from solomo_cli.mydata.keep import cadence_of, due_contacts
from solomo_cli.mydata.store import UserData

CORDEE = coworking("node/8795134202", "La cordée - Jean Macé", 45.7496347, 4.8432509)
SMOOTH = coworking("node/12155174562", "Smooth", 45.7514387, 4.8451483)
TODAY = date.today()


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def ahead(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


@pytest.fixture(autouse=True)
def listing() -> None:
    seed_listing([CORDEE, SMOOTH])


def due_json(*args: str) -> list[dict]:
    return json.loads(ok("contact", "due", "-f", "json", *args))


def people() -> None:
    """Jeanne (client, met 50 days ago), Karim (friend, met 3 days ago), Paul (no tag, met 100
    days ago)."""
    ok("contact", "add", "Jeanne Martin", "--at", "1", "--date", ago(50), "--tag", "client")
    ok("contact", "edit", "Jeanne", "--email", "jeanne@example.org", "--phone", "+33 6 1")
    ok("contact", "add", "Karim Benali", "--at", "2", "--date", ago(3), "--tag", "friend")
    ok("contact", "add", "Paul Grenier", "--at", "2", "--date", ago(100))


# -- the cadence ----------------------------------------------------------------------------


def test_own_cadence_wins_over_tags_and_the_shortest_tag_wins_among_several() -> None:
    cadences = {"client": 21, "friend": 7, "ux": 42}
    assert cadence_of(60, ["client"], cadences) == (60, "")
    assert cadence_of(None, ["UX", "Client"], cadences) == (21, "Client")
    assert cadence_of(None, ["dev"], cadences) is None


def test_tag_cadences_come_from_the_config_and_overdue_come_first_most_overdue_first() -> None:
    people()
    config('[cadence]\nclient = "6w"\nfriend = "1w"\n')
    ok("contact", "edit", "Paul", "--every", "4w")
    found = due_json()
    # Paul: 100 - 28 = 72 days overdue; Jeanne: 50 - 42 = 8 overdue; Karim: due in 4 days.
    assert [(r["name"], r["days_left"]) for r in found] == [
        ("Paul Grenier", -72),
        ("Jeanne Martin", -8),
        ("Karim Benali", 4),
    ]
    assert [r["cadence_from"] for r in found] == [None, "client", "friend"]
    assert found[1]["due"] == ahead(-8)
    assert found[1]["last_met_place"] == "La cordée - Jean Macé"
    assert found[1]["last_met_day"] == ago(50)
    assert found[1]["email"] == "jeanne@example.org"


def test_only_those_due_within_two_weeks_unless_all() -> None:
    ok("contact", "add", "Jeanne Martin", "--at", "1", "--date", ago(1))
    ok("contact", "edit", "Jeanne", "--every", "15d")  # due in 14 days: listed
    ok("contact", "add", "Karim Benali", "--at", "1", "--date", ago(1))
    ok("contact", "edit", "Karim", "--every", "16d")  # due in 15 days: not yet
    assert [r["name"] for r in due_json()] == ["Jeanne Martin"]
    assert [r["name"] for r in due_json("--all")] == ["Jeanne Martin", "Karim Benali"]


def test_any_encounter_resets_the_clock() -> None:
    ok("contact", "add", "Jeanne Martin", "--at", "1", "--date", ago(30))
    ok("contact", "edit", "Jeanne", "--every", "3w")
    assert due_json()[0]["days_left"] == -9
    ok("contact", "met", "Jeanne", "--at", "2", "--date", ago(2))
    assert due_json() == []  # due in 19 days
    (row,) = due_json("--all")
    assert (row["days_left"], row["last_met_place"]) == (19, "Smooth")


def test_a_contact_never_met_is_due_from_the_day_it_was_added() -> None:
    ok("contact", "add", "Élodie Roux", "--phone", "+33 6 12 34 56 78")
    ok("contact", "edit", "elodie", "--every", "10d")
    (row,) = due_json()
    assert (row["due"], row["days_left"], row["last_met_day"]) == (ahead(10), 10, None)


def test_every_none_clears_the_contacts_own_cadence_back_to_its_tags() -> None:
    people()
    config('[cadence]\nclient = "6w"\n')
    out = ok("contact", "edit", "Jeanne", "--every", "1w")
    assert "Keep in touch every 1 week." in out
    assert due_json()[0]["cadence_days"] == 7
    out = ok("contact", "edit", "Jeanne", "--every", "none")
    assert "No cadence of its own." in out
    assert [(r["name"], r["cadence_days"]) for r in due_json()] == [("Jeanne Martin", 42)]


@pytest.mark.parametrize("every", ["6", "soon", "0d", "101y", "-1w"])
def test_a_bad_every_is_a_usage_error_and_changes_nothing(every: str) -> None:
    people()
    result = invoke(["contact", "edit", "Jeanne", "--every", every])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "bad --every duration", "accepted: 30d, 6w")
    assert due_json("--all") == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[cadence]\nclient = "soon"\n', "bad cadence.client duration 'soon'"),
        ('cadence = "3w"\n', "cadence should be a table"),
        ("[cadence]\nclient = 21\n", "bad cadence.client duration"),
    ],
)
def test_a_bad_cadence_in_the_config_is_a_usage_error_naming_the_file(
    text: str, fragment: str
) -> None:
    config(text)
    result = invoke(["contact", "due"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, fragment, "config file")


# -- contact due ----------------------------------------------------------------------------


def test_due_table_shows_where_last_met_and_how_to_reach_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    people()
    config('[cadence]\nclient = "6w"\n')
    out = " ".join(ok("contact", "due").split())
    assert "Keep in touch: 1 overdue" in out
    assert "Jeanne Martin" in out and "8 days overdue" in out
    assert ago(50) in out and "La cordée - Jean Macé" in out and "jeanne@example.org" in out
    assert "Karim" not in out


def test_nobody_due_is_a_friendly_line_and_exit_0() -> None:
    people()
    result = invoke(["contact", "due"])
    assert result.exit_code == 0
    assert "No one to keep in touch with yet" in result.stdout
    assert "--every 6w" in result.stdout
    ok("contact", "edit", "Karim", "--every", "1y")
    result = invoke(["contact", "due"])
    assert (result.exit_code, result.stdout.strip()) == (
        0,
        "No one is due within two weeks: you are in touch with everyone.",
    )


def test_snooze_pushes_the_due_day_and_an_encounter_after_it_counts_as_always() -> None:
    people()
    config('[cadence]\nclient = "6w"\n')
    out = ok("contact", "due", "Jeanne", "--snooze", "3w")
    assert out.strip() == f"Snoozed Jeanne Martin: next reminder on {ahead(21)} (in 21 days)."
    assert due_json() == []  # due in 21 days: beyond the two weeks
    assert due_json("--all")[0]["snoozed_until"] == ahead(21)
    ok("contact", "met", "Jeanne", "--at", "2")  # met today: due in 6 weeks, past the snooze
    assert due_json("--all")[0]["due"] == ahead(42)


def test_snooze_without_a_name_or_without_a_cadence_is_refused_and_writes_nothing() -> None:
    people()
    result = invoke(["contact", "due", "--snooze", "2w"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "--snooze needs the contact's NAME")
    result = invoke(["contact", "due", "Paul", "--snooze", "2w"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "Paul Grenier has no keep-in-touch cadence", "--every 6w")
    with UserData(get_paths().user_db) as user:
        assert user.conn.execute(
            "SELECT count(*) FROM contacts WHERE snoozed_until IS NOT NULL"
        ).fetchone() == (0,)


def test_due_for_one_name_shows_that_contact_only() -> None:
    people()
    config('[cadence]\nclient = "6w"\nfriend = "1w"\n')
    assert [r["name"] for r in due_json("karim")] == ["Karim Benali"]


def test_due_as_csv_has_one_header_and_a_row_per_contact() -> None:
    people()
    config('[cadence]\nclient = "6w"\n')
    rows = list(csv.DictReader(io.StringIO(ok("contact", "due", "-f", "csv"))))
    assert [(r["name"], r["days_left"], r["email"]) for r in rows] == [
        ("Jeanne Martin", "-8", "jeanne@example.org")
    ]


def test_due_contacts_is_the_core_function_the_mirror_writes() -> None:
    people()
    with UserData(get_paths().user_db) as user:
        jeanne = user.find_contact("Jeanne")
        user.set_cadence(jeanne.id, 30)
        due = due_contacts(user, TODAY, {"friend": 7})
    assert [(d.contact.name, d.days_left, d.cadence_from) for d in due] == [
        ("Jeanne Martin", -20, ""),
        ("Karim Benali", 4, "friend"),
    ]
    assert due[0].last_met is not None and due[0].last_met.place.id == CORDEE.id
    assert due[0].contact.uid  # what a VTODO's UID is made of


# -- export reminders -----------------------------------------------------------------------


def test_export_reminders_writes_a_vtodo_with_due_per_contact_due(tmp_path: Path) -> None:
    from icalendar import Calendar

    people()
    config('[cadence]\nclient = "6w"\nfriend = "1w"\n')
    target = tmp_path / "reminders.ics"
    result = invoke(["export", "reminders", str(target)])
    assert result.exit_code == 0, result.stderr
    assert f"Wrote 2 reminders to {target} (ics)." in result.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    cal = Calendar.from_ical(target.read_bytes())
    todos = [c for c in cal.walk("VTODO")]
    assert [str(t["SUMMARY"]) for t in todos] == [
        "Get back in touch with Jeanne Martin",
        "Get back in touch with Karim Benali",
    ]
    assert [t.decoded("DUE") for t in todos] == [TODAY - timedelta(days=8), TODAY + timedelta(4)]
    assert "La cordée - Jean Macé" in str(todos[0]["DESCRIPTION"])
    assert "jeanne@example.org" in str(todos[0]["DESCRIPTION"])
    with UserData(get_paths().user_db) as user:
        uid = user.find_contact("Jeanne").uid
    assert str(todos[0]["UID"]) == f"{uid}-keep-in-touch"
    # Never over an existing file without --force.
    again = invoke(["export", "reminders", str(target)])
    assert again.exit_code == 2
    assert invoke(["export", "reminders", str(target), "--force"]).exit_code == 0


def test_places_cannot_be_exported_as_ics(tmp_path: Path) -> None:
    result = invoke(["export", "places", str(tmp_path / "p.ics")])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "places cannot be written as ics")
    assert not (tmp_path / "p.ics").exists()


def test_installed_contact_due_imports_neither_httpx_nor_icalendar(tmp_path: Path) -> None:
    """The warm path: `contact due` from the installed command, and what it loads."""
    env = {**os.environ, "SOLOMO_HOME": str(get_paths().config_dir)}
    people()
    ok("contact", "edit", "Jeanne", "--every", "2w")
    done = subprocess.run(
        [*solomo_command(), "contact", "due"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "Jeanne Martin" in done.stdout and "36 days overdue" in done.stdout
    code = (
        "import sys\nfrom solomo_cli.cli.app import app\nfrom typer.testing import CliRunner\n"
        "r = CliRunner().invoke(app, ['contact', 'due'])\n"
        "print(r.exit_code, sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'geopy', 'icalendar')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "0 []"
