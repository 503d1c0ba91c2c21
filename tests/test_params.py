"""cli/params.py: the one grammar of dates, durations and costs, and every command that reads
them through it (visit, visit edit, log, contact add/met/list)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from clitools import assert_one_error, coworking, invoke, seed_listing

from solomo_cli.cli.params import (
    DATE_HINT,
    parse_age,
    parse_cost,
    parse_day,
    parse_month,
    parse_span,
    require_change,
)
from solomo_cli.config import get_paths
from solomo_cli.errors import UsageError

SMOOTH = coworking("node/12155174562", "Smooth", 45.7514387, 4.8451483)


# -- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-11-20", "2026-11-20"),
        (" 2026-11-20 ", "2026-11-20"),
        ("2024-02-29", "2024-02-29"),
        ("20/11/2026", "2026-11-20"),
        ("2/1/2026", "2026-01-02"),
    ],
)
def test_parse_day_reads_the_date_grammar(text: str, day: str) -> None:
    assert parse_day(text) == day


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-13-45", "no such month"),
        ("2026-02-30", "no such day"),
        ("2025-02-29", "no such day"),
        ("2026-11-2", "not a date"),
        ("", "empty"),
        ("2026-11-20T10:00", "not a date"),
        (
            "２０２６-11-20",
            "not a date",
        ),  # full-width digits: \d would take them, the calendar does not
        ("2026-11", "more than one day: give one"),
    ],
)
def test_parse_day_refuses_anything_else(text: str, reason: str) -> None:
    with pytest.raises(UsageError, match="bad date") as info:
        parse_day(text)
    assert info.value.message.endswith(f"({reason})")
    assert info.value.hint == DATE_HINT
    assert DATE_HINT.startswith("accepted: today, yesterday, tomorrow, monday")


def test_a_bad_day_is_echoed_cleaned() -> None:
    with pytest.raises(UsageError) as info:
        parse_day("2026-11-20\x1b[31m")
    assert "\x1b" not in info.value.message
    assert info.value.message == "bad date '2026-11-20' (not a date)"


def test_span_is_two_days_in_order() -> None:
    assert parse_span("2026-11-01", "2026-11-30") == ("2026-11-01", "2026-11-30")
    assert parse_span(None, "2026-11-30") == (None, "2026-11-30")
    with pytest.raises(UsageError, match="--since 2026-11-30 is after --until 2026-11-01"):
        parse_span("2026-11-30", "2026-11-01")
    with pytest.raises(UsageError, match="bad --until date '2026-11-31' .no such day"):
        parse_span("2026-11-01", "2026-11-31")


def test_span_takes_the_first_day_of_since_and_the_last_of_until() -> None:
    assert parse_span("2026-11", "2026-11") == ("2026-11-01", "2026-11-30")
    assert parse_span("2026", "2027-02") == ("2026-01-01", "2027-02-28")


def test_month_is_its_first_and_last_days() -> None:
    assert parse_month("2026-02") == ("2026-02-01", "2026-02-28")
    with pytest.raises(UsageError) as info:
        parse_month("2026-13")
    assert info.value.message == "bad month '2026-13' (no such month)"
    assert (
        info.value.hint
        == "accepted: 2026-11, 11/2026, this month, last month; in French: ce mois-ci, le mois dernier"
    )


# Every date option: one parser, one message shape, exit 2, nothing written.
DATE_COMMANDS = [
    (["visit", "1", "--date", "2026-02-30"], "bad date '2026-02-30' (no such day)"),
    (["visit", "edit", "1", "--date", "2026-02-30"], "bad date '2026-02-30' (no such day)"),
    (["log", "--since", "2026-02-30"], "bad --since date '2026-02-30' (no such day)"),
    (["log", "--until", "30/02/2026"], "bad --until date '30/02/2026' (no such day)"),
    (["log", "--month", "2026-13"], "bad month '2026-13' (no such month)"),
    (
        ["contact", "add", "X", "--at", "1", "--date", "2026-02-30"],
        "bad date '2026-02-30' (no such day)",
    ),
    (
        ["contact", "met", "X", "--at", "1", "--date", "2026-02-30"],
        "bad date '2026-02-30' (no such day)",
    ),
]


@pytest.mark.parametrize(("args", "message"), DATE_COMMANDS)
def test_every_date_option_reads_one_grammar(args: list[str], message: str) -> None:
    seed_listing([SMOOTH])
    result = invoke(args)
    assert result.exit_code == 2, result.output
    stderr = assert_one_error(result.stderr, message, "accepted: ")
    assert stderr.splitlines()[0] == f"solomo: error: {message}"
    assert not get_paths().user_db.exists()


# -- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(  # the whole table is in test_dates.py
    ("text", "days"), [("90d", 90), ("6m", 180), ("100y", 36500), ("3 months", 90)]
)
def test_parse_age(text: str, days: int) -> None:
    assert parse_age(text) == days


@pytest.mark.parametrize("text", ["90", "d", "3 monts", "-1d", "1.5y", "101y", "9" * 30 + "d"])
def test_parse_age_refuses_garbage_and_ages_before_any_calendar(text: str) -> None:
    with pytest.raises(UsageError, match="bad duration"):
        parse_age(text)


def test_a_huge_stale_age_is_a_usage_error_not_a_crash() -> None:
    result = invoke(["contact", "list", "--stale", "9999y"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "bad duration '9999y'", "at most 100y")


# -- costs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20", ("20", None)),
        ("20.50", ("20.50", None)),
        ("20,50", ("20.50", None)),
        ("20 EUR", ("20", "EUR")),
        ("20eur", ("20", "EUR")),
        ("EUR 12.5", ("12.5", "EUR")),
        ("€15.50", ("15.50", "EUR")),
        ("15 €", ("15", "EUR")),
        ("$9", ("9", "USD")),
        ("£9", ("9", "GBP")),
        ("0", ("0", None)),
        ("1000000000", ("1000000000", None)),
    ],
)
def test_parse_cost(text: str, expected: tuple[str, str | None]) -> None:
    assert parse_cost(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "-5",
        "twenty",
        "20 EURO",
        "EUR 20 USD",
        "1e3",
        "",
        "20.5.1",
        "1000000001",  # over boundary.MAX_COST, as an imported cost would be
        "9" * 40,
        "1.1234567",  # more decimals than boundary.cost keeps
    ],
)
def test_parse_cost_refuses_garbage(text: str) -> None:
    with pytest.raises(UsageError, match="bad cost") as info:
        parse_cost(text)
    assert info.value.hint == "give an amount and optionally a currency: 20, 20.50, 20 EUR"


@pytest.mark.parametrize(
    "args",
    [
        ["visit", "1", "--cost", "1000000001"],
        ["visit", "edit", "1", "--cost", "1000000001"],
    ],
)
def test_visit_and_visit_edit_read_costs_alike(args: list[str]) -> None:
    seed_listing([SMOOTH])
    result = invoke(args)
    assert result.exit_code == 2
    assert_one_error(result.stderr, "bad cost 1000000001 (over 1000000000)", "20 EUR")


def _costs() -> list[tuple[str, str | None]]:
    conn = sqlite3.connect(get_paths().user_db)
    try:
        return conn.execute("SELECT cost, currency FROM visits ORDER BY id").fetchall()
    finally:
        conn.close()


def test_the_config_currency_fills_in_for_visit_and_visit_edit(solomo_home: Path) -> None:
    seed_listing([SMOOTH])
    solomo_home.mkdir(parents=True, exist_ok=True)
    (solomo_home / "config.toml").write_text('currency = " gbp "\n', encoding="utf-8")
    assert invoke(["visit", "1", "--cost", "12"]).exit_code == 0
    assert invoke(["visit", "1", "--cost", "$3"]).exit_code == 0
    assert invoke(["visit", "edit", "2", "--cost", "4,5"]).exit_code == 0
    assert _costs() == [("12", "GBP"), ("4.5", "GBP")]


# -- edits that change nothing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["visit", "edit", "1"], "give --date, --rating, --note, --cost or --place"),
        (
            ["contact", "edit", "Jeanne"],
            "give --name, --email, --phone, --org, --note, --tag, --untag or --every",
        ),
    ],
)
def test_an_edit_with_nothing_to_change_is_refused_alike(args: list[str], hint: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    stderr = assert_one_error(result.stderr, "nothing to change")
    assert stderr.splitlines() == ["solomo: error: nothing to change", f"  {hint}"]


@pytest.mark.parametrize("values", [(None, False, []), (None,), ([], None)])
def test_require_change_refuses_values_not_given(values: tuple[object, ...]) -> None:
    with pytest.raises(UsageError, match="nothing to change"):
        require_change(values, ["--a", "--b"])


@pytest.mark.parametrize("values", [("",), (None, True), (None, ["ux"]), (0,)])
def test_require_change_accepts_any_given_value(values: tuple[object, ...]) -> None:
    require_change(values, ["--a", "--b"])  # "" clears a field: that is a change
