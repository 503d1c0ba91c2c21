"""The date grammar through the real commands (today fixed at Wednesday 2 December 2026),
`log --month`, `log --chart`, shell completion of contact names and REFs, and usage errors."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from datetime import date

import pytest
from clitools import assert_one_error, coworking, invoke, seed_listing, solomo_command

from solomo_cli import dates
from solomo_cli.config import get_paths

SMOOTH = coworking("node/12155174562", "Smooth", 45.7514387, 4.8451483)
CORDEE = coworking("node/8795134202", "La cordée - Jean Macé", 45.7496347, 4.8432509)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dates, "current_day", lambda: date(2026, 12, 2))
    seed_listing([SMOOTH, CORDEE])


def days_logged() -> list[str]:
    conn = sqlite3.connect(get_paths().user_db)
    try:
        return [row[0] for row in conn.execute("SELECT day FROM visits ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("yesterday", "2026-12-01"),
        ("hier", "2026-12-01"),
        ("lundi", "2026-11-30"),
        ("monday", "2026-11-30"),
        ("20/11/2026", "2026-11-20"),
        ("3d", "2026-11-29"),
        ("avant-hier", "2026-11-30"),
    ],
)
def test_visit_date_reads_the_grammar(text: str, day: str) -> None:
    result = invoke(["visit", "1", "--date", text])
    assert result.exit_code == 0, result.output
    assert days_logged() == [day]


def test_contact_met_and_visit_edit_read_it_too() -> None:
    assert invoke(["visit", "1", "--date", "2026-11-01"]).exit_code == 0
    assert invoke(["visit", "edit", "1", "--date", "demain"]).exit_code == 0
    assert days_logged() == ["2026-12-03"]
    assert invoke(["contact", "add", "Jeanne", "--at", "1", "--date", "mardi"]).exit_code == 0
    shown = json.loads(invoke(["contact", "show", "jeanne", "--format", "json"]).stdout)
    assert "2026-12-01" in json.dumps(shown)


def _log(*days: str) -> None:
    for n, day in enumerate(days):
        assert invoke(["visit", str(n % 2 + 1), "--date", day]).exit_code == 0


def _json_days(*args: str) -> list[str]:
    result = invoke(["log", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return sorted(v["date"] for v in json.loads(result.stdout)["visits"])


def test_log_month_since_and_until_read_the_grammar() -> None:
    _log("2026-10-31", "2026-11-01", "2026-11-23", "2026-11-29", "2026-11-30", "2026-12-01")
    assert _json_days("--month", "2026-11") == [
        "2026-11-01",
        "2026-11-23",
        "2026-11-29",
        "2026-11-30",
    ]
    assert _json_days("--month", "le mois dernier") == _json_days("--month", "11/2026")
    assert _json_days("--since", "last week", "--until", "last week") == [
        "2026-11-23",
        "2026-11-29",
    ]
    assert _json_days("--since", "2d") == ["2026-11-30", "2026-12-01"]
    assert _json_days("--until", "2026-10") == ["2026-10-31"]


def test_log_month_title_names_the_month() -> None:
    _log("2026-11-02")
    result = invoke(["log", "--month", "2026-11"])
    assert result.stdout.splitlines()[0].strip() == "Visits since 2026-11-01 until 2026-11-30"


@pytest.mark.parametrize("other", [["--since", "2026-11-01"], ["--until", "2026-11-30"]])
def test_month_with_since_or_until_is_a_usage_error(other: list[str]) -> None:
    result = invoke(["log", "--month", "2026-11", *other])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "--month and --since/--until contradict each other")


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (
            ["log", "--month", "last week"],
            "bad month 'last week' (not a month)",
            "accepted: 2026-11",
        ),
        (["log", "--since", "someday"], "bad --since date 'someday' (not a date)", "last week"),
        (["visit", "1", "--date", "2026-11"], "bad date '2026-11' (more than one day", "hier"),
        (["contact", "list", "--stale", "soon"], "bad duration 'soon' (not a duration)", "30j"),
        (
            ["near", "Lyon", "--offline", "--open-at", "lundi"],
            "bad --open-at value 'lundi' (a day: give a time too)",
            "lundi à 9h",
        ),
    ],
)
def test_every_date_error_is_one_line_with_the_forms(
    args: list[str], message: str, hint: str
) -> None:
    result = invoke(args)
    assert result.exit_code == 2, result.output
    stderr = assert_one_error(result.stderr, message, hint)
    assert stderr.splitlines()[1].startswith("  accepted: ")


def test_stale_reads_a_day_as_the_days_since() -> None:
    assert invoke(["contact", "add", "Old", "--at", "1", "--date", "2026-06-01"]).exit_code == 0
    assert invoke(["contact", "add", "New", "--at", "1", "--date", "hier"]).exit_code == 0
    result = invoke(["contact", "list", "--stale", "le mois dernier", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [c["name"] for c in json.loads(result.stdout)] == ["Old"]


@pytest.mark.parametrize("option", ["--date", "--since", "--until", "--month", "--stale"])
def test_each_date_option_help_points_at_the_grammar(option: str) -> None:
    command = {
        "--date": ["visit", "add"],
        "--since": ["log"],
        "--stale": ["contact", "list"],
    }.get(option, ["log"])
    page = " ".join(invoke([*command, "--help"]).stdout.split())
    assert option in page
    if option in ("--date", "--since", "--stale"):
        assert "Any date form: see Dates in solomo --help." in page
    top = invoke(["--help"]).stdout
    assert "Dates, for --date, --since, --until, --month, --stale and --open-at:" in top
    assert "la semaine dernière" in top


# -- log --chart ----------------------------------------------------------------------------


def test_chart_on_a_pipe_is_plain_bars_that_fit() -> None:
    _log("2026-09-03", "2026-09-04", "2026-11-02", "2026-11-03", "2026-11-30")
    result = invoke(["log", "--chart"], env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "\x1b" not in result.stdout
    assert all(len(line) <= 60 for line in lines)
    months = lines[1:4]
    assert [m.split()[0] for m in months] == ["2026-09", "2026-10", "2026-11"]
    bars = [m.split()[1] if m.split()[1].startswith("#") else "" for m in months]
    assert [len(b) for b in bars][1] == 0 and months[1].endswith(" 0")  # October: none
    assert len(bars[2]) > len(bars[0]) > 0  # 3 days > 2 days
    assert months[2].endswith(" 3") and months[0].endswith(" 2")
    places = lines[lines.index("Days worked per place") + 1 :][:2]
    assert places[0].startswith("Smooth") and places[0].endswith(" 3")
    assert places[1].startswith("La cordée") and places[1].endswith(" 2")
    assert lines[-1] == "Total: 5 days worked"


def test_chart_with_month_and_a_hostile_name_stays_text() -> None:
    seed_listing([coworking("node/9", "[bold red]Evil[/]\x1b[31m", 45.75, 4.84)])
    _log("2026-11-02")
    result = invoke(["log", "--chart", "--month", "2026-11"])
    assert result.exit_code == 0, result.output
    assert "[bold red]Evil[/]" in result.stdout and "\x1b" not in result.stdout


def test_chart_with_nothing_logged_says_so() -> None:
    result = invoke(["log", "--chart", "--since", "hier"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "No visits logged since 2026-12-01."


def test_chart_is_for_the_terminal_not_a_format() -> None:
    result = invoke(["log", "--chart", "--format", "json"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "--chart draws on the terminal, not as json")


# -- completion ------------------------------------------------------------------------------


def complete(words: str, cword: int) -> list[str]:
    """What the installed `solomo` answers to bash's completion request (click's protocol)."""
    env = {
        **os.environ,
        "_SOLOMO_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
    }
    done = subprocess.run(solomo_command(), env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_completion_of_contact_names_reads_the_store() -> None:
    for name in ("Jeanne Martin", "Jérôme Léger", "Karim Benali", "Evil\x1b[31m\nName"):
        assert invoke(["contact", "add", name]).exit_code == 0
    assert complete("solomo contact show J", 3) == ["Jeanne Martin", "Jérôme Léger"]
    assert complete("solomo contact met K", 3) == ["Karim Benali"]
    assert complete("solomo contact edit E", 3) == ["Evil Name"]  # one line, no escape


def test_completion_of_refs_gives_ranks_then_names() -> None:
    assert complete("solomo show ", 2) == ["1", "2"]
    assert complete("solomo visit add Sm", 3) == ["Smooth"]
    assert complete("solomo log --place La", 3) == ["La cordée - Jean Macé"]


def test_completion_without_a_store_completes_nothing_and_creates_nothing() -> None:
    assert complete("solomo contact show ", 3) == []
    assert not get_paths().user_db.exists()


def test_completion_options_are_on_the_top_level_only() -> None:
    assert "--install-completion" in invoke(["--help"]).stdout
    assert "--install-completion" not in invoke(["log", "--help"]).stdout


# -- usage errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["near", "Lyon", "--radus", "1km"], "no such option: --radus (did you mean --radius?)"),
        (["log", "--sinc", "3d"], "no such option: --sinc (did you mean --since?)"),
        (["nera", "Lyon"], "no such command: nera (did you mean near?)"),
        (["contact", "lst"], "no such command: lst (did you mean list?)"),
        (["near", "Lyon", "--xyz"], "no such option: --xyz"),
        (
            ["log", "--limit", "x"],
            "invalid value for '--limit' / '-n': 'x' is not a valid int range",
        ),
    ],
)
def test_usage_errors_are_one_plain_line(args: list[str], line: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    stderr = assert_one_error(result.stderr)
    assert stderr.splitlines()[0] == f"solomo: error: {line}"
    assert stderr.splitlines()[1].endswith("(see --help)")
    assert "╭" not in stderr and "│" not in stderr


def test_a_bare_radius_above_the_maximum_asks_if_metres_were_meant() -> None:
    result = invoke(["near", "Lyon", "--offline", "-r", "500"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "radius '500' is too large", "500 km? write 500m for metres")
    result = invoke(["near", "Lyon", "--offline", "-r", "60km"])
    assert "write 60m" not in result.stderr


def test_chart_on_a_terminal_draws_blocks_that_fit_its_width() -> None:
    from test_pty import on_a_terminal

    _log("2026-09-03", "2026-09-04", "2026-11-02")
    status, shown, _ = on_a_terminal("log", "--chart")  # a pty of 120 columns
    assert status == 0, shown
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    bars = [line for line in plain.splitlines() if "█" in line]
    assert len(bars) == 4 and "#" not in plain  # 3 months with days, 2 places
    assert all(len(line.rstrip("\r")) <= 120 for line in plain.splitlines())
    assert "\x1b[" in shown  # in colour
