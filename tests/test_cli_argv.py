"""What the command line may carry: text stored from argv is held to the importer's rule (so that
an export always imports back), and arguments echoed or sent elsewhere are bounded."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from clitools import assert_one_error, coworking, invoke, seed_listing
from fakeservers import FakeServices
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solomo_cli.boundary import MAX_TEXT
from solomo_cli.config import get_paths

SMOOTH = coworking("node/12155174562", "Smooth", 45.7514387, 4.8451483)
TOO_LONG = "a" * (MAX_TEXT + 1)
INVISIBLE = "\u200b\u202e"


@pytest.fixture(autouse=True)
def listing() -> None:
    seed_listing([SMOOTH])


def ok(*args: str) -> None:
    result = invoke(list(args))
    assert result.exit_code == 0, result.stderr


# -- stored text: the importer's limits and emptiness rules ---------------------------------

# Each command stores its last argument (the "{}").
STORED = [
    ["contact", "add", "{}"],
    ["contact", "add", "X", "--note", "{}"],
    ["contact", "add", "X", "--org", "{}"],
    ["contact", "add", "X", "--email", "{}@example.org"],
    ["contact", "add", "X", "--phone", "{}"],
    ["contact", "add", "X", "--tag", "{}"],
    ["contact", "edit", "Bob", "--name", "{}"],
    ["contact", "edit", "Bob", "--note", "{}"],
    ["contact", "edit", "Bob", "--org", "{}"],
    ["contact", "edit", "Bob", "--email", "{}@example.org"],
    ["contact", "edit", "Bob", "--phone", "{}"],
    ["contact", "edit", "Bob", "--tag", "{}"],
    ["contact", "met", "Bob", "--at", "1", "--note", "{}"],
    ["visit", "1", "--note", "{}"],
    ["visit", "edit", "1", "--note", "{}"],
    ["note", "1", "{}"],
]


def _filled(args: list[str], value: str) -> list[str]:
    """`args` with VALUE in; "--" before it when it is an argument (it may start with "-")."""
    filled = [a.replace("{}", value) for a in args]
    return filled if args[-2].startswith("--") else [*filled[:-1], "--", filled[-1]]


def _setup() -> None:
    ok("contact", "add", "Bob")
    ok("visit", "1")


def _rows() -> list[str]:
    """Every row of the user-data file."""
    conn = sqlite3.connect(get_paths().user_db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _refused(args: list[str], value: str, message: str) -> None:
    """`args` with VALUE in: status 2, one error line saying `message`, nothing written."""
    _setup()
    before = _rows()
    result = invoke(_filled(args, value))
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert_one_error(result.stderr, message)
    assert _rows() == before


@pytest.mark.parametrize("args", STORED, ids=[" ".join(a) for a in STORED])
def test_a_stored_text_over_the_importers_limit_is_refused(args: list[str]) -> None:
    _refused(args, TOO_LONG, "too long (over")


@pytest.mark.parametrize(
    "args",
    [["contact", "add", "{}"], ["contact", "edit", "Bob", "--name", "{}"], ["note", "1", "{}"]],
)
@pytest.mark.parametrize("value", [INVISIBLE, "\x1b[2J\x07", "\ufeff"])
def test_a_name_or_note_of_invisible_characters_only_is_refused(
    args: list[str], value: str
) -> None:
    _refused(args, value, "is empty (only control or invisible characters)")


def test_a_stored_text_is_stored_cleaned() -> None:
    ok("contact", "add", "Eve\u202e\x1b[31m Roux", "--note", "a\x07\nb", "--tag", "u\u200bx")
    result = invoke(["contact", "show", "Eve", "--format", "json"])
    record = json.loads(result.stdout)
    assert (record["name"], record["note"], record["tags"]) == ("Eve Roux", "a\nb", ["ux"])


# Whatever the command line gives: controls, invisible characters, lone surrogates (invalid
# UTF-8 in argv, as Python reads it), spaces, and lengths around the limit.
ARGV_TEXT = st.one_of(
    st.text(st.characters(), max_size=30),
    st.text(st.sampled_from("a \u200b\x1b\x07\n\t\udcff\u202e,é@"), max_size=30),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["a", "\u200b", "é", " "]), st.integers(9990, 10010)
    ),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=st.sampled_from(STORED), value=ARGV_TEXT)
def test_whatever_the_command_line_stores_exports_and_imports_back(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    value: str,
) -> None:
    base = tmp_path_factory.mktemp("argv")
    monkeypatch.setenv("SOLOMO_HOME", str(base / "a"))
    seed_listing([SMOOTH])
    _setup()
    result = invoke(_filled(args, value))
    assert result.exit_code in (0, 2), (result.stderr, result.exception)
    for what in ("places", "visits", "contacts"):
        out = base / f"{what}.json"
        assert invoke(["export", what, str(out)]).exit_code == 0
    monkeypatch.setenv("SOLOMO_HOME", str(base / "b"))
    for what in ("places", "visits", "contacts"):
        imported = invoke(["import", str(base / f"{what}.json")])
        assert imported.exit_code == 0, (args, value[:80], imported.stderr)
    again = base / "again.json"
    assert invoke(["export", "contacts", str(again)]).exit_code == 0
    names = [c["name"] for c in json.loads(again.read_text(encoding="utf-8"))["contacts"]]
    assert len(names) == len(set(names)) and all(n.strip() for n in names)


# -- arguments to look up: bounded, and shortened where a message repeats them --------------

LONG = "b" * 1000


@pytest.mark.parametrize(
    "args",
    [
        ["show", LONG],
        ["visit", LONG],
        ["note", LONG, "quiet"],
        ["log", "--place", LONG],
        ["visit", "edit", "1", "--place", LONG],
        ["contact", "add", "X", "--at", LONG],
        ["contact", "met", "Bob", "--at", LONG],
    ],
    ids=lambda a: " ".join(x[:8] for x in a),
)
def test_a_ref_over_300_characters_is_refused(args: list[str]) -> None:
    _setup()
    result = invoke(args)
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert_one_error(result.stderr, "REF is too long (over 300 characters)")
    assert "b" * 61 not in result.stderr


@pytest.mark.parametrize("command", ["show", "met", "edit", "forget"])
def test_a_contact_name_over_300_characters_is_refused(command: str) -> None:
    _setup()
    extra = {"met": ["--at", "1"], "edit": ["--org", "x"], "forget": ["--yes"]}.get(command, [])
    result = invoke(["contact", command, LONG, *extra])
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert_one_error(result.stderr, "the name is too long (over 300 characters)")
    assert "b" * 61 not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["near", "a" * 100_000],
        ["near", "a" * 301, "--offline"],
        ["sync", "a" * 100_000],
        ["contact", "list", "--near", "a" * 100_000],
    ],
    ids=["near", "near-offline", "sync", "contact-list-near"],
)
def test_a_place_over_300_characters_is_refused_before_any_request(
    services: FakeServices, args: list[str]
) -> None:
    result = invoke(args)
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert_one_error(result.stderr, "the place is too long (over 300 characters)")
    assert "a" * 61 not in result.stderr
    assert services.requests == []


@pytest.mark.parametrize(
    "args",
    [
        ["show", "b" * 299],
        ["contact", "show", "b" * 299],
        ["near", "b" * 299, "--offline"],
        ["near", "1," + "2" * 290],
        ["near", "45.7,4.8", "--offline", "--radius", "9" * 200],
        ["near", "45.7,4.8", "--offline", "--kind", "b" * 200],
        ["near", "Lyon", "--offline", "--country", "b" * 200],
        ["near", "45.7,4.8", "--offline", "--open-at", "b" * 200],
        ["visit", "1", "--date", "b" * 200],
        ["export", "visits", "x." + "b" * 200],
    ],
    ids=lambda a: " ".join(x[:8] for x in a),
)
def test_a_value_echoed_in_an_error_is_cut_to_60_characters(args: list[str]) -> None:
    _setup()
    result = invoke(args)
    assert result.exit_code in (2, 3, 6), (result.stderr, result.exception)
    line = assert_one_error(result.stderr).splitlines()[0]
    assert "…" in line and not re.search(r"(.)\1{60}", line), line


# -- counts are worded by one rule: "1 contact", "2 contacts" -------------------------------


def test_a_count_of_one_is_singular_everywhere(tmp_path: Path) -> None:
    result = invoke(["contact", "add", "Ann", "--at", "1", "--tag", "ux"])
    assert result.exit_code == 0, result.stderr
    met = invoke(["contact", "met", "Ann", "--at", "1", "--date", "2026-01-02"])
    assert "(2 encounters in all)" in met.stdout
    out = tmp_path / "c.json"
    exported = invoke(["export", "contacts", str(out)])
    assert f"Wrote 1 contact to {out} (json)." in exported.stderr
    assert "1 visit" not in exported.stderr
    monkey_home = tmp_path / "other"
    imported = invoke(["import", str(out)], env={"SOLOMO_HOME": str(monkey_home)})
    assert imported.exit_code == 0, imported.stderr
    assert ": 1 contact, 1 place, 2 encounters." in imported.stdout
    backed = invoke(["backup", str(tmp_path / "b.db")])
    assert "1 place, 0 visits, 0 notes, 1 contact, 2 encounters" in backed.stdout
    gone = invoke(["contact", "forget", "Ann", "--yes"])
    assert "the contact, 2 encounters and 1 tag." in gone.stdout
    shown = invoke(["show", "9"])
    assert_one_error(shown.stderr, "the last listing has 1 place; there is no #9")
