"""`solomo contact add|met|list|show|edit|forget` through the real app."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from clitools import assert_one_error, coworking, invoke, seed_listing
from fakeservers import FakeServices, nominatim_result

from solomo_cli.config import get_paths
from solomo_cli.errors import ExitStatus

CORDEE = coworking("node/8795134202", "La cordée - Jean Macé", 45.7496347, 4.8432509)
SMOOTH = coworking("node/12155174562", "Smooth", 45.7514387, 4.8451483)
VILLEFRANCHE = coworking("node/777", "Cowork Villefranche", 45.9897, 4.7186)  # 29 km from Lyon


@pytest.fixture(autouse=True)
def listing() -> None:
    seed_listing([CORDEE, SMOOTH, VILLEFRANCHE], radius_m=50000)


def ok(*args: str) -> str:
    result = invoke(list(args))
    assert result.exit_code == 0, result.stderr
    return " ".join(result.stdout.split())


def names() -> list[str]:
    return [c["name"] for c in json.loads(invoke(["contact", "list", "-f", "json"]).stdout)]


def people() -> None:
    long_ago = (date.today() - timedelta(days=200)).isoformat()
    ok(
        "contact",
        "add",
        "Jeanne Martin",
        "--at",
        "1",
        "--note",
        "UX freelance, open to a joint mission",
        "--email",
        "jeanne@example.org",
        "--org",
        "Studio JM",
        "--tag",
        "ux",
        "--tag",
        "freelance",
    )
    ok("contact", "add", "Karim Benali", "--at", "smooth", "--date", long_ago, "--tag", "dev")
    ok("contact", "add", "Paul Grenier", "--at", "3", "--tag", "UX")
    ok("contact", "add", "Élodie Roux", "--phone", "+33 6 12 34 56 78")


def test_add_says_where_and_when() -> None:
    text = ok("contact", "add", "Jeanne Martin", "--at", "1", "--date", "2026-11-03")
    assert text == (
        "Added contact #1: Jeanne Martin "
        "(met at La cordée - Jean Macé [node/8795134202] on 2026-11-03)."
    )


def test_add_twice_is_refused() -> None:
    ok("contact", "add", "Jeanne Martin")
    result = invoke(["contact", "add", "jeanne MARTIN"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "already a contact called 'Jeanne Martin'", "contact met")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["contact", "add", "X", "--at", "9"], "no #9"),
        (["contact", "add", "X", "--date", "2026-11-03"], "--date needs --at"),
        (["contact", "add", "X", "--at", "1", "--date", "2026-13-45"], "bad date"),
        (["contact", "add", "X", "--email", "nope"], "bad e-mail"),
        (["contact", "add", "X", "--tag", "a,b"], "bad tag"),
        (["contact", "add", "  "], "name is empty"),
    ],
)
def test_add_errors_write_nothing(args: list[str], fragment: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert not get_paths().user_db.exists()


def test_met_records_an_encounter() -> None:
    people()
    text = ok("contact", "met", "jeanne", "--at", "2", "--note", "coffee", "--date", "2026-11-20")
    assert (
        text
        == "Met Jeanne Martin at Smooth [node/12155174562] on 2026-11-20 (2 encounters in all)."
    )
    result = invoke(["contact", "met", "Jeanne", "--at", "node/1"])
    assert result.exit_code == 2
    result = invoke(["contact", "met", "nobody", "--at", "1"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "no contact called 'nobody'")


def test_list_all_by_name() -> None:
    people()
    data = json.loads(invoke(["contact", "list", "--format", "json"]).stdout)
    assert [c["name"] for c in data] == [
        "Élodie Roux",
        "Jeanne Martin",
        "Karim Benali",
        "Paul Grenier",
    ]
    jeanne = data[1]
    assert (jeanne["email"], jeanne["org"], jeanne["tags"]) == (
        "jeanne@example.org",
        "Studio JM",
        ["freelance", "ux"],
    )
    assert jeanne["encounters"][0]["place_id"] == CORDEE.id


def test_list_near_coordinates_with_radius() -> None:
    people()
    data = json.loads(invoke(["contact", "list", "--near", "45.75,4.85", "-f", "json"]).stdout)
    assert [c["name"] for c in data] == ["Karim Benali", "Jeanne Martin"]
    assert all(c["distance_m"] < 1000 for c in data)
    data = json.loads(
        invoke(["contact", "list", "--near", "45.75,4.85", "--radius", "50km", "-f", "json"]).stdout
    )
    assert [c["name"] for c in data][-1] == "Paul Grenier"


def test_list_near_a_name_geocodes_once_then_uses_the_cache(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    services.set_geocode(
        "Villefranche-sur-Saône", [nominatim_result("Villefranche-sur-Saône", 45.9864, 4.7259)]
    )
    people()
    text = ok("contact", "list", "--near", "Villefranche-sur-Saône")
    assert "Paul Grenier" in text and "Jeanne" not in text
    assert "within 25.0 km of Villefranche-sur-Saône" in text
    assert services.count("/search") == 1
    ok("contact", "list", "--near", "Villefranche-sur-Saône")
    assert services.count("/search") == 1


def test_list_by_tag_and_stale() -> None:
    people()
    data = json.loads(invoke(["contact", "list", "--tag", "UX", "-f", "json"]).stdout)
    assert [c["name"] for c in data] == ["Jeanne Martin", "Paul Grenier"]
    text = ok("contact", "list", "--stale", "90d")
    assert "Karim Benali" in text and "Jeanne" not in text and "not seen for 90d" in text
    assert invoke(["contact", "list", "--stale", "soon"]).exit_code == 2
    assert "No contacts not seen for 1y" in ok("contact", "list", "--stale", "1y")


def test_list_csv() -> None:
    people()
    text = invoke(["contact", "list", "--format", "csv"]).stdout
    assert text.splitlines()[0].startswith("id,uid,name,org,email,phone,tags")
    assert "'+33 6 12 34 56 78" in text


def test_show() -> None:
    people()
    ok(
        "contact",
        "met",
        "Jeanne Martin",
        "--at",
        "2",
        "--note",
        "talked about a bank",
        "--date",
        "2026-11-20",
    )
    text = ok("contact", "show", "jeanne")
    for fragment in (
        "Jeanne Martin contact #1",
        "Studio JM",
        "jeanne@example.org",
        "freelance, ux",
        "UX freelance, open to a joint mission",
        "Encounters (2)",
        "Smooth [node/12155174562] — talked about a bank",
        "La cordée - Jean Macé [node/8795134202]",
        "Met at 2 places",
    ):
        assert fragment in text, fragment
    data = json.loads(invoke(["contact", "show", "Jeanne", "-f", "json"]).stdout)
    dates = [e["date"] for e in data["encounters"]]
    assert dates == sorted(dates, reverse=True) and "2026-11-20" in dates  # newest first
    assert {e["place_id"] for e in data["encounters"]} == {CORDEE.id, SMOOTH.id}
    assert data["last_seen"] == dates[0]


def test_show_ambiguous_name() -> None:
    people()
    result = invoke(["contact", "show", "e"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "matches 4 contacts", "Élodie Roux", "give more of the name")


def test_edit() -> None:
    people()
    text = ok(
        "contact",
        "edit",
        "jeanne",
        "--name",
        "Jeanne Martin-Roux",
        "--untag",
        "freelance",
        "--tag",
        "bank",
        "--phone",
        "+33 7",
        "--email",
        "",
    )
    assert text == "Updated contact #1: Jeanne Martin-Roux (bank, ux)."
    data = json.loads(invoke(["contact", "show", "martin-roux", "-f", "json"]).stdout)
    assert (data["phone"], data["email"]) == ("+33 7", None)
    assert invoke(["contact", "edit", "jeanne"]).exit_code == 2
    assert invoke(["contact", "edit", "jeanne", "--name", "Karim Benali"]).exit_code == 2


def everything_in_the_file() -> bytes:
    path = get_paths().user_db
    return b"".join(
        Path(f"{path}{s}").read_bytes() for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )


def test_forget_asks_first_and_then_erases_every_trace() -> None:
    people()
    ok("contact", "met", "Jeanne Martin", "--at", "2", "--note", "zqx secret project")
    ok("visit", "2", "--note", "lunch with Jeanne Martin")
    result = invoke(["contact", "forget", "Jeanne Martin"], env=None)
    assert result.exit_code == ExitStatus.DECLINED == 7  # no terminal to ask on: nothing done
    assert result.stdout == ""
    assert result.stderr == "solomo: Jeanne Martin kept: no terminal to confirm on (use --yes)\n"
    assert "Jeanne Martin" in names()
    result = invoke(["contact", "forget", "jeanne martin", "--yes"])
    assert result.exit_code == 0
    assert " ".join(result.stdout.split()) == (
        "Erased Jeanne Martin: the contact, 2 encounters and 2 tags."
    )
    assert "visit #1" in result.stderr  # her name is still in one of the user's own notes
    assert names() == ["Élodie Roux", "Karim Benali", "Paul Grenier"]
    conn = sqlite3.connect(get_paths().user_db)
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for row in conn.execute(f"SELECT * FROM {table}"):
            text = repr(row)
            assert (
                "jeanne@example.org" not in text and "zqx" not in text and "Studio JM" not in text
            )
    conn.close()
    data = everything_in_the_file()
    assert (
        b"jeanne@example.org" not in data and b"zqx secret" not in data and b"Studio JM" not in data
    )


def test_forget_is_not_confirmed_by_a_pipe() -> None:
    """A "y" on a stdin that is not a terminal is not the user's answer (the interactive
    confirmation is tested under a real pty: test_pty.py)."""
    people()
    from typer.testing import CliRunner

    from solomo_cli.cli.app import app

    result = CliRunner().invoke(app, ["contact", "forget", "Karim Benali"], input="y\n")
    assert result.exit_code == 7
    assert result.stdout == ""
    assert "Karim Benali" in names()


def test_forget_needs_the_full_name() -> None:
    people()
    result = invoke(["contact", "forget", "jeanne", "--yes"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "no contact is called exactly 'jeanne'", "Jeanne Martin")
    assert "Jeanne Martin" in names()


# -- names: the one matcher --------------------------------------------------------------------


def test_a_contact_is_found_whatever_the_dashes_accents_and_case() -> None:
    ok("contact", "add", "Jean-Marc Éluard")
    for name in ("jean marc eluard", "JEAN–MARC ÉLUARD", "marc elu"):
        result = invoke(["contact", "show", name, "-f", "json"])
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["name"] == "Jean-Marc Éluard"


def test_the_same_person_spelt_with_a_space_is_refused() -> None:
    ok("contact", "add", "Jean-Marc Éluard")
    result = invoke(["contact", "add", "jean marc eluard"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "already a contact called 'Jean-Marc Éluard'")


@pytest.mark.parametrize("name", ["Jean%", "J_an", "%"])
def test_a_wildcard_in_a_contact_name_is_literal(name: str) -> None:
    ok("contact", "add", "Jean Dupont")
    result = invoke(["contact", "show", name])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "no contact called")
