"""`solomo visit REF`, `visit edit ID`, `visit rm ID`, `log`, `note`, `export`, `import`, `backup`
through the real app."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from clitools import HARRYCOW, LIBRARY_7E, assert_one_error, coworking, invoke, seed_listing

from solomo_cli.config import get_paths
from solomo_cli.model import Place
from solomo_cli.mydata.store import UserData

CORDEE = coworking("node/8795134202", "La cordée - Jean Macé", 45.7496347, 4.8432509)
SMOOTH = coworking(
    "node/12155174562",
    "Smooth",
    45.7514387,
    4.8451483,
    {"addr:street": "Rue Chevreul", "addr:housenumber": "3", "addr:city": "Lyon"},
)
PERRACHE = Place(
    "node/3989498385",
    "La Cordée Perrache",
    "coworking",
    45.7506,
    4.8256,
    {"name": "La Cordée Perrache"},
)


@pytest.fixture(autouse=True)
def listing() -> None:
    """The last `solomo near Lyon` showed: 1 La cordée, 2 Smooth, 3 La Cordée Perrache."""
    seed_listing([CORDEE, SMOOTH, PERRACHE])


def visits() -> list[tuple]:
    path = get_paths().user_db
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT id, place_id, day, rating, note, cost, currency FROM visits ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def test_visit_by_rank_with_everything() -> None:
    result = invoke(
        [
            "visit",
            "2",
            "--rating",
            "4",
            "--note",
            "quiet, fast Wi-Fi",
            "--cost",
            "20 EUR",
            "--date",
            "2026-11-20",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert (
        "Logged visit #1: Smooth [node/12155174562], 2026-11-20, ★4, 20 EUR — quiet, fast Wi-Fi"
        in " ".join(result.stdout.split())
    )
    assert visits() == [(1, SMOOTH.id, "2026-11-20", 4, "quiet, fast Wi-Fi", "20", "EUR")]


def test_visit_defaults_to_today_by_id_and_by_name() -> None:
    assert invoke(["visit", "node/8795134202"]).exit_code == 0
    assert invoke(["visit", "perrache", "--cost", "12,50"]).exit_code == 0
    today = date.today().isoformat()
    assert visits() == [
        (1, CORDEE.id, today, None, None, None, None),
        (2, PERRACHE.id, today, None, None, "12.50", None),
    ]


def test_options_may_come_before_the_ref() -> None:
    result = invoke(["visit", "--rating", "5", "2"])
    assert result.exit_code == 0, result.stderr
    assert visits()[0][1:4] == (SMOOTH.id, date.today().isoformat(), 5)


def test_visit_add_is_the_same_command() -> None:
    assert invoke(["visit", "add", "1", "--rating", "3"]).exit_code == 0
    assert visits()[0][1] == CORDEE.id


def test_the_default_currency_comes_from_the_config(solomo_home: Path) -> None:
    solomo_home.mkdir(parents=True, exist_ok=True)
    (solomo_home / "config.toml").write_text('currency = "chf"\n', encoding="utf-8")
    assert invoke(["visit", "2", "--cost", "35"]).exit_code == 0
    assert visits()[0][5:] == ("35", "CHF")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["visit", "2", "--rating", "9"], "9 is not in the range"),
        (["visit", "2", "--rating", "0"], "0 is not in the range"),
        (["visit", "2", "--rating", "four"], "four"),
        (["visit", "2", "--date", "2026-13-45"], "bad date '2026-13-45'"),
        (["visit", "2", "--date", "20/13/2026"], "bad date '20/13/2026' (no such month)"),
        (["visit", "2", "--cost", "twenty"], "bad cost"),
        (["visit", "9"], "there is no #9"),
        (["visit", "node/999"], "node/999 is not a place solomo knows"),
        (["visit", "Wojo"], "no known place matches 'Wojo'"),
        (["visit", "cordée"], "matches 2 places"),
    ],
)
def test_bad_input_is_a_usage_error_and_writes_nothing(args: list[str], fragment: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    assert fragment.lower() in (result.stderr + result.stdout).lower()
    assert not get_paths().user_db.exists()  # not even an empty file


HUGE = "99999999999999999999999"  # more than SQLite's 64-bit integers


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["visit", "rm", HUGE], f"visit id {HUGE} is out of range"),
        (["visit", "edit", HUGE, "--rating", "3"], f"visit id {HUGE} is out of range"),
        (["visit", "rm", "0"], "visit id 0 is out of range"),
        (["visit", "99999999999999999999"], "rank 99999999999999999999 is out of range"),
        (["visit", f"node/{HUGE}"], f"node id {HUGE} is out of range"),
        (["visit", f"w{HUGE}"], f"way id {HUGE} is out of range"),
        (
            ["visit", "edit", "1", "--place", f"relation/{HUGE}"],
            f"relation id {HUGE} is out of range",
        ),
        (["show", f"https://www.openstreetmap.org/node/{HUGE}"], f"node id {HUGE}"),
        (["contact", "add", "X", "--at", f"node/{HUGE}"], f"node id {HUGE}"),
        (["near", "45.7,4.8", "--limit", HUGE], "not in the range 0<=x<=100000"),
    ],
)
def test_numbers_too_large_for_sqlite_are_usage_errors(args: list[str], fragment: str) -> None:
    assert invoke(["visit", "1"]).exit_code == 0
    result = invoke(args)
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert_one_error(result.stderr, fragment)


def test_an_ambiguous_name_lists_the_candidates_on_one_line() -> None:
    result = invoke(["visit", "cordée"])
    assert_one_error(
        result.stderr,
        "La cordée - Jean Macé [node/8795134202]",
        "La Cordée Perrache [node/3989498385]",
        "more precise",
    )


def test_edit_and_rm() -> None:
    invoke(
        [
            "visit",
            "2",
            "--rating",
            "3",
            "--note",
            "noisy",
            "--cost",
            "20 EUR",
            "--date",
            "2026-11-20",
        ]
    )
    result = invoke(["visit", "edit", "1", "--rating", "5", "--note", "", "--place", "1"])
    assert result.exit_code == 0, result.stderr
    assert "Visit #1 is now: La cordée - Jean Macé" in result.stdout
    assert visits() == [(1, CORDEE.id, "2026-11-20", 5, None, "20", "EUR")]
    assert (
        invoke(
            ["visit", "edit", "1", "--no-rating", "--cost", "", "--date", "2026-11-21"]
        ).exit_code
        == 0
    )
    assert visits() == [(1, CORDEE.id, "2026-11-21", None, None, None, None)]
    result = invoke(["visit", "rm", "1"])
    assert result.exit_code == 0
    assert "Deleted visit #1: La cordée - Jean Macé [node/8795134202], 2026-11-21" in result.stdout
    assert visits() == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["visit", "edit", "7", "--rating", "5"], "no visit #7"),
        (["visit", "rm", "7"], "no visit #7"),
        (["visit", "edit", "1"], "nothing to change"),
        (["visit", "edit", "1", "--date", "2026-13-45"], "bad date"),
        (["visit", "edit", "1", "--rating", "6"], "not in the range"),
        (["visit", "edit", "1", "--rating", "4", "--no-rating"], "contradict"),
    ],
)
def test_edit_errors_change_nothing(args: list[str], fragment: str) -> None:
    invoke(["visit", "2", "--rating", "3", "--date", "2026-11-20"])
    before = visits()
    result = invoke(args)
    assert result.exit_code == 2
    assert fragment in result.stderr + result.stdout
    assert visits() == before


def test_help_shows_all_three_forms() -> None:
    text = " ".join(invoke(["visit", "--help"]).stdout.split())
    assert "solomo visit REF" in text and "edit" in text and "rm" in text
    assert invoke(["visit", "edit", "--help"]).exit_code == 0
    assert "Delete a logged visit" in invoke(["visit", "rm", "--help"]).stdout


# -- log ------------------------------------------------------------------------------------


def fill() -> None:
    for args in (
        ["2", "--date", "2026-11-18", "--rating", "4", "--cost", "20 EUR"],
        ["2", "--date", "2026-11-19", "--rating", "5", "--cost", "20.50 EUR"],
        ["1", "--date", "2026-11-19", "--cost", "$12"],
        ["3", "--date", "2026-10-02", "--rating", "2", "--note", "=cold"],
    ):
        assert invoke(["visit", *args]).exit_code == 0


def test_log_table_with_totals() -> None:
    fill()
    result = invoke(["log"])
    assert result.exit_code == 0
    rows = [re.split(r"\s{2,}", line.strip()) for line in result.stdout.splitlines()]
    visits = [cells for cells in rows if cells[0].isdigit() and len(cells) > 2]
    assert visits[0][1] == "2026-11-19"  # newest first
    text = " ".join(result.stdout.split())
    assert "Total: 3 days worked, 4 visits, cost 40.50 EUR, 12 USD" in text
    assert ["2026-11", "2", "3", "40.50 EUR, 12 USD"] in rows
    assert ["Smooth", "2", "2", "40.50 EUR"] in rows


def test_log_json_and_filters() -> None:
    fill()
    result = invoke(["log", "--since", "2026-11-01", "--format", "json"])
    data = json.loads(result.stdout)
    assert [v["date"] for v in data["visits"]] == ["2026-11-19", "2026-11-19", "2026-11-18"]
    assert data["totals"]["days"] == 2 and data["totals"]["cost"] == {"EUR": "40.50", "USD": "12"}
    data = json.loads(invoke(["log", "--place", "smooth", "-f", "json"]).stdout)
    assert {v["place_id"] for v in data["visits"]} == {SMOOTH.id}
    data = json.loads(invoke(["log", "--until", "2026-10-31", "-f", "json"]).stdout)
    assert [(v["place_name"], v["rating"], v["note"]) for v in data["visits"]] == [
        ("La Cordée Perrache", 2, "=cold")
    ]


def test_log_csv_is_neutralised() -> None:
    fill()
    text = invoke(["log", "--format", "csv"]).stdout
    assert text.startswith("id,uid,date,place_id")
    assert ",'=cold," in text


def test_log_empty_and_bad_dates() -> None:
    result = invoke(["log"])
    assert result.exit_code == 0 and "No visits logged" in result.stdout
    assert not get_paths().user_db.exists()
    result = invoke(["log", "--since", "2026-11-31"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "bad --since date")
    assert invoke(["log", "--since", "2026-11-20", "--until", "2026-11-01"]).exit_code == 2


# -- note -----------------------------------------------------------------------------------


def test_note() -> None:
    result = invoke(["note", "2", "Ask for the quiet room upstairs"])
    assert result.exit_code == 0
    assert f"Noted on {date.today().isoformat()} for Smooth [node/12155174562]." in result.stdout
    assert [n.text for n in UserData(get_paths().user_db).notes(SMOOTH.id)] == [
        "Ask for the quiet room upstairs"
    ]
    assert invoke(["note", "2", "  "]).exit_code == 2


# -- export, import, backup -----------------------------------------------------------------


def test_export_writes_a_private_file_and_never_overwrites(tmp_path: Path) -> None:
    fill()
    out = tmp_path / "visits.csv"
    result = invoke(["export", "visits", str(out)])
    assert result.exit_code == 0
    assert "Wrote 4 visits" in result.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    first = out.read_text(encoding="utf-8")
    assert "node/12155174562" in first and "OpenStreetMap contributors" in first
    result = invoke(["export", "visits", str(out)])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "already exists", "--force")
    assert invoke(["export", "visits", str(out), "--force"]).exit_code == 0
    assert invoke(["export", "visits", str(tmp_path / "nodir" / "v.csv")]).exit_code == 2


def test_export_to_stdout_needs_a_format() -> None:
    fill()
    assert invoke(["export", "places", "-"]).exit_code == 2
    result = invoke(["export", "places", "-", "--format", "geojson"])
    assert json.loads(result.stdout)["type"] == "FeatureCollection"


def test_export_unknown_suffix_names_the_format_option_once(tmp_path: Path) -> None:
    fill()
    result = invoke(["export", "visits", str(tmp_path / "visits.txt")])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "cannot tell the format", "say which with --format")
    assert "; or use --format" not in result.stderr and "None" not in result.stderr
    assert not (tmp_path / "visits.txt").exists()


def test_export_import_round_trip_between_two_homes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill()
    invoke(["note", "1", "line one\nline two"])
    for what in ("places", "visits"):
        assert invoke(["export", what, str(tmp_path / f"{what}.json")]).exit_code == 0
    monkeypatch.setenv("SOLOMO_HOME", str(tmp_path / "other"))
    for what in ("places", "visits"):
        result = invoke(["import", str(tmp_path / f"{what}.json")])
        assert result.exit_code == 0, result.stderr
    assert "nothing new" in invoke(["import", str(tmp_path / "visits.json")]).stdout
    for what in ("places", "visits"):
        assert invoke(["export", what, str(tmp_path / f"{what}2.json")]).exit_code == 0
        a = json.loads((tmp_path / f"{what}.json").read_text(encoding="utf-8"))
        b = json.loads((tmp_path / f"{what}2.json").read_text(encoding="utf-8"))
        if what == "visits":  # row ids are the importing store's own, never the file's
            for record in a[what] + b[what]:
                del record["id"]
        assert a[what] == b[what]


def test_import_reports_what_it_did(tmp_path: Path) -> None:
    fill()
    invoke(["export", "visits", str(tmp_path / "v.csv")])
    result = invoke(["import", str(tmp_path / "v.csv")])
    assert result.exit_code == 0
    assert "nothing new; already there: 4 visits" in result.stdout


def test_import_of_a_bad_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"solomo_export": "visits", "visits": [{"uid": "x", "date": "2026-13-45"}]}',
        encoding="utf-8",
    )
    result = invoke(["import", str(bad)])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "visits record 1", "nothing was imported")
    result = invoke(["import", str(tmp_path / "missing.json")])
    assert result.exit_code == 2


def test_backup(tmp_path: Path) -> None:
    fill()
    out = tmp_path / "solomo-backup.db"
    result = invoke(["backup", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "4 visits" in result.stdout
    assert out.stat().st_mode & 0o777 == 0o600
    conn = sqlite3.connect(out)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM visits").fetchone() == (4,)
    conn.close()
    result = invoke(["backup", str(out)])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "already exists", "--force")  # the CLI names its flag
    assert invoke(["backup", str(out), "--force"]).exit_code == 0


def test_backup_without_data(tmp_path: Path) -> None:
    result = invoke(["backup", str(tmp_path / "b.db")])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "no user data to back up yet")


# -- names: one matcher (folded, no SQL wildcards) -------------------------------------------


def test_show_finds_a_name_written_without_accents() -> None:
    seed_listing([CORDEE, SMOOTH, PERRACHE, LIBRARY_7E])
    for ref in ("bibliotheque du 7e guillotiere", "Bibliothèque du 7e Guillotière"):
        result = invoke(["show", ref, "-f", "json"])
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["id"] == LIBRARY_7E.id


def test_visit_cordee_and_cordee_accented_list_the_same_candidates() -> None:
    listed = []
    for ref in ("cordee", "cordée"):
        result = invoke(["visit", ref])
        assert result.exit_code == 2
        assert_one_error(
            result.stderr, "matches 2 places", "[node/8795134202]", "[node/3989498385]"
        )
        listed.append(result.stderr.split("places: ", 1)[1])
    assert listed[0] == listed[1]
    assert visits() == []


@pytest.mark.parametrize("ref", ["Harry%", "Harr_Cow", "%"])
def test_a_wildcard_in_the_name_logs_nothing(ref: str) -> None:
    seed_listing([CORDEE, SMOOTH, HARRYCOW])
    result = invoke(["visit", ref])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "no known place matches")
    assert visits() == []
    assert invoke(["visit", "harrycow"]).exit_code == 0  # the name itself still works
    assert [v[1] for v in visits()] == [HARRYCOW.id]


def _damage(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql)
    finally:
        conn.close()


def test_a_damaged_place_row_in_the_user_data_is_a_store_error() -> None:
    assert invoke(["visit", "2"]).exit_code == 0
    _damage(get_paths().user_db, "UPDATE places SET tags = '{not json'")
    result = invoke(["log"])
    assert result.exit_code == 5, (result.stderr, result.exception)
    assert_one_error(result.stderr, "damaged row", "node/12155174562", "solomo backup")


def test_a_damaged_listing_in_the_cache_is_a_store_error() -> None:
    _damage(get_paths().cache_db, "UPDATE state SET value = '{not json'")
    result = invoke(["visit", "2"])
    assert result.exit_code == 5, (result.stderr, result.exception)
    assert_one_error(result.stderr, "damaged row", "cache clear")
    assert visits() == []


def test_a_damaged_place_row_in_the_cache_is_a_store_error() -> None:
    _damage(get_paths().cache_db, "UPDATE places SET tags = 'not json'")
    _damage(
        get_paths().cache_db, "DELETE FROM state"
    )  # no listing: the place is read from the cache
    result = invoke(["visit", "node/12155174562"])
    assert result.exit_code == 5, (result.stderr, result.exception)
    assert_one_error(result.stderr, "damaged row", "cache clear")


def test_an_empty_note_hints_at_quotes_on_the_command_line_only(tmp_path: Path) -> None:
    from solomo_cli.errors import UsageError

    result = invoke(["note", "2", " "])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "the note is empty", 'write it in quotes: solomo note 2 "')
    user = UserData(tmp_path / "mine.db")
    with pytest.raises(UsageError, match="the note is empty") as info:
        user.add_note(SMOOTH, " ")
    user.close()
    assert "solomo" not in (info.value.hint or "")
