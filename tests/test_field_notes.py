"""Your own field notes (issue 14): `solomo visit REF --power --wifi --noise --calls` records
what you found; `show` lists them beside OSM's; they feed your ranking (`--explain` says whose
fact counted), go into exports and come back on import; migration m008_field_notes keeps what was there (m009_more_signals: test_signals)."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from clitools import (
    LYON,
    LYON_POINT,
    assert_one_error,
    coworking,
    invoke,
    seed_listing,
    solomo_command,
)

from solomo_cli import db
from solomo_cli.config import get_paths
from solomo_cli.mydata import store as user_store
from solomo_cli.mydata.signals import latest_field_facts, visited_facts
from solomo_cli.mydata.store import UserData
from solomo_cli.signals import Facts, FieldNotes

PLUGGED = coworking("node/11", "Plugged", LYON[0] + 0.001, LYON[1], {"power_supply": "no"})
QUIET = coworking("node/12", "Quiet", LYON[0] + 0.002, LYON[1], {"internet_access": "no"})


@pytest.fixture
def listed() -> None:
    seed_listing([PLUGGED, QUIET])


def ok(args: list[str]) -> str:
    result = invoke(args)
    assert result.exit_code == 0, (result.stderr, result.exception)
    return result.stdout + result.stderr


def test_a_visit_records_what_you_found(listed: None) -> None:
    said = ok(
        [
            "visit",
            "1",
            "--date",
            "2026-11-20",
            "--power",
            "plenty",
            "--wifi",
            "40 Mbps",
            "--noise",
            "quiet",
            "--calls",
            "ok",
        ]
    )
    assert "power plenty" in said and "Wi-Fi 40mbps" in said and "calls ok" in said
    with UserData(get_paths().user_db) as user:
        (visit,) = user.visits()
        assert visit.facts == FieldNotes("plenty", "40mbps", "quiet", "ok")
        facts = latest_field_facts(user, PLUGGED.id)
    day = "2026-11-20"
    assert facts == {
        "power": "plenty",
        "wifi": "40mbps",
        "noise": "quiet",
        "calls": "ok",
        **{f"{name}_date": day for name in ("power", "wifi", "noise", "calls")},
        "day": day,
    }


def test_the_latest_visit_that_said_it_counts_for_each_fact(listed: None) -> None:
    ok(["visit", "1", "--date", "2026-11-01", "--power", "none", "--noise", "loud"])
    ok(["visit", "1", "--date", "2026-11-20", "--power", "few"])
    ok(["visit", "1", "--date", "2026-11-10", "--power", "plenty", "--wifi", "bad"])
    with UserData(get_paths().user_db) as user:
        latest = latest_field_facts(user, PLUGGED.id)
        assert latest_field_facts(user, QUIET.id) == {}
    facts = Facts(("few", "2026-11-20"), ("bad", "2026-11-10"), ("loud", "2026-11-01"))
    assert visited_facts(get_paths().user_db) == {PLUGGED.id: facts}
    assert latest == {
        "power": "few",
        "power_date": "2026-11-20",
        "wifi": "bad",
        "wifi_date": "2026-11-10",
        "noise": "loud",
        "noise_date": "2026-11-01",
        "day": "2026-11-20",
    }


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("--power", "lots", "power must be plenty, few or none, not 'lots'"),
        ("--wifi", "superb", "Wi-Fi must be good, ok, bad, or a speed such as 40mbps"),
        ("--wifi", "0mbps", "not '0mbps'"),
        ("--wifi", "nanmbps", "not 'nanmbps'"),
        ("--noise", "silent", "noise must be quiet, lively or loud"),
        ("--calls", "maybe", "calls must be ok or no"),
    ],
)
def test_a_bad_field_note_is_one_usage_error_and_nothing_is_stored(
    listed: None, option: str, value: str, fragment: str
) -> None:
    result = invoke(["visit", "1", option, value])
    assert result.exit_code == 2
    assert_one_error(result.stderr, fragment)
    assert not get_paths().user_db.exists()


def test_visit_edit_changes_and_clears_field_notes(listed: None) -> None:
    ok(["visit", "1", "--power", "few", "--wifi", "ok"])
    said = ok(["visit", "edit", "1", "--power", "plenty", "--wifi", "", "--calls", "no"])
    assert "power plenty" in said and "Wi-Fi" not in said
    with UserData(get_paths().user_db) as user:
        assert user.visit(1).facts == FieldNotes("plenty", None, None, "no")
    result = invoke(["visit", "edit", "1", "--noise", "deafening"])
    assert result.exit_code == 2 and "noise must be" in result.stderr


def test_your_notes_outrank_osm_in_the_ranking_and_explain_says_whose(listed: None) -> None:
    ok(["visit", "2", "--date", "2026-11-20", "--wifi", "good"])
    ok(["visit", "1", "--date", "2026-11-21", "--power", "plenty"])
    rows = json.loads(invoke(["near", LYON_POINT, "--offline", "--format", "json"]).stdout)
    by_id = {r["id"]: r for r in rows}
    reasons = {e["reason"]: e["points"] for e in by_id[PLUGGED.id]["explain"]}
    assert reasons["power: plenty (your visit, 2026-11-21)"] == 8.0
    assert not any(r.startswith("power: no (OSM)") for r in reasons)
    reasons = {e["reason"]: e["points"] for e in by_id[QUIET.id]["explain"]}
    assert reasons["Wi-Fi: good (your visit, 2026-11-20)"] == 8.0
    assert by_id[QUIET.id]["my_wifi"] == "good"
    assert by_id[QUIET.id]["my_facts"] == {"wifi": {"value": "good", "date": "2026-11-20"}}
    table = invoke(["near", LYON_POINT, "--offline", "--explain"], env={"COLUMNS": "220"}).stdout
    assert "power: plenty (your visit, 2026-11-21) +8" in " ".join(table.split())


def test_show_lists_your_facts_beside_osms(listed: None) -> None:
    ok(["visit", "1", "--date", "2026-11-20", "--power", "plenty", "--noise", "lively"])
    text = invoke(["show", "1"], env={"COLUMNS": "120"}).stdout
    lines = {line.split("  ")[0].strip(): line for line in text.splitlines() if line.strip()}
    assert "no (OSM) · yours: plenty (2026-11-20)" in lines["Power"]
    assert "yours: lively (2026-11-20)" in lines["Noise"]
    assert "unknown" in lines["Wi-Fi"] and "Confidence" in lines
    record = json.loads(invoke(["show", "1", "--format", "json"]).stdout)
    assert record["my_facts"]["power"] == {"value": "plenty", "date": "2026-11-20"}
    assert record["power"] == "no" and record["visit_list"][0]["power"] == "plenty"


def test_field_notes_go_into_exports_and_come_back(listed: None, tmp_path: Path) -> None:
    ok(["visit", "1", "--date", "2026-11-20", "--power", "few", "--wifi", "12.5mbps"])
    log = json.loads(invoke(["log", "--format", "json"]).stdout)
    assert (log["visits"][0]["power"], log["visits"][0]["wifi"]) == ("few", "12.5mbps")
    rows = list(csv.DictReader(io.StringIO(invoke(["log", "--format", "csv"]).stdout)))
    assert (rows[0]["power"], rows[0]["wifi"], rows[0]["noise"]) == ("few", "12.5mbps", "")
    out = tmp_path / "visits.json"
    ok(["export", "visits", str(out)])
    places = tmp_path / "places.json"
    ok(["export", "places", str(places)])
    exported = json.loads(places.read_text(encoding="utf-8"))["places"]
    assert exported[0]["my_facts"]["power"] == {"value": "few", "date": "2026-11-20"}
    get_paths().user_db.unlink()
    ok(["import", str(out)])
    with UserData(get_paths().user_db) as user:
        assert user.visits()[0].facts == FieldNotes("few", "12.5mbps")


def test_an_import_with_a_bad_field_note_is_refused(listed: None, tmp_path: Path) -> None:
    ok(["visit", "1", "--power", "few"])
    out = tmp_path / "visits.json"
    ok(["export", "visits", str(out)])
    data = json.loads(out.read_text(encoding="utf-8"))
    data["visits"][0]["power"] = "\x1b[31mtons"
    out.write_text(json.dumps(data), encoding="utf-8")
    get_paths().user_db.unlink()
    result = invoke(["import", str(out)])
    assert (
        result.exit_code != 0 and "power must be" in result.stderr and "\x1b" not in result.stderr
    )


# -- migrations -------------------------------------------------------------------------------


def test_m008_field_notes_keeps_the_visits_of_an_older_file(tmp_path: Path) -> None:
    path = tmp_path / "solomo.db"
    conn = db.connect(path, private=True)
    names = [m.__name__ for m in user_store.MIGRATIONS]
    db.migrate(conn, user_store.MIGRATIONS[: names.index("m008_field_notes")])  # a file of before
    with db.transaction(conn):
        conn.execute("INSERT INTO places VALUES ('node/1', 'A', 'coworking', 45, 4, '{}', '')")
        conn.execute(
            "INSERT INTO visits (uid, place_id, day, rating, created_at) "
            "VALUES ('u', 'node/1', '2026-11-20', 4, 'now')"
        )
    conn.close()
    assert visited_facts(path) == {}  # an older file: read as it is, no notes
    with UserData(path) as user:
        (visit,) = user.visits()
        assert (visit.rating, visit.facts) == (4, FieldNotes())
        with pytest.raises(sqlite3.IntegrityError):
            with user.write() as c:
                c.execute("UPDATE visits SET power = 'tons'")


def test_the_installed_command_records_and_refuses_field_notes(listed: None) -> None:
    """End to end, through the installed `solomo` script in a subprocess."""
    env = {**os.environ, "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*solomo_command(), *args], env=env, capture_output=True, text=True, timeout=60
        )

    refused = run("visit", "1", "--calls", "sometimes")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.splitlines() == ["solomo: error: calls must be ok or no, not 'sometimes'"]
    logged = run("visit", "1", "--date", "2026-11-20", "--power", "none", "--calls", "no")
    assert logged.returncode == 0, logged.stderr
    rows = list(csv.DictReader(io.StringIO(run("log", "--format", "csv").stdout)))
    assert [(r["power"], r["calls"], r["wifi"]) for r in rows] == [("none", "no", "")]
