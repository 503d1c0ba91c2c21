"""`solomo show REF`: the place's details and hours, its freshness, the distance from the last
search, and the user's visits, notes, rating and people met there."""

from __future__ import annotations

import json
import re

import pytest
from clitools import (
    ESC,
    assert_one_error,
    clock_at,
    coworking,
    forget_hours_answers,
    invoke,
    seed_listing,
)

from solomo_cli.config import get_paths
from solomo_cli.model import Place
from solomo_cli.mydata.store import UserData

CORDEE = coworking(
    "node/8795134202",
    "La cordée - Jean Macé",
    45.7496347,
    4.8432509,
    {
        "opening_hours": "24/7",
        "website": "https://www.la-cordee.net/",
        "contact:email": "jeanmace@la-cordee.net",
        "contact:phone": "+33 4 00 00 00 00",
        "contact:mastodon": "@lacordee@mastodon.social",
        "addr:housenumber": "12",
        "addr:street": "Rue Jean Macé",
        "addr:postcode": "69007",
        "addr:city": "Lyon",
        "internet_access": "wlan",
        "internet_access:fee": "customers",
        "wheelchair": "yes",
        "check_date": "2019-04-02",
        "operator": "La Cordée",
    },
)
ODD = coworking(
    "node/2",
    "Bad \x1b[31mHours\x1b[0m Café",
    45.7514,
    4.8451,
    {
        "opening_hours": "Mo-Fr 9h-18h",
        "description": "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07 me "
        "[bold]not markup[/bold]",
        "check_date": "2026-10-01",
    },
)
BARE = Place("way/3", "Bare", "coworking", 45.7600, 4.8600, {"name": "Bare", "office": "coworking"})
WIDE = {"COLUMNS": "200"}


@pytest.fixture(autouse=True)
def listing() -> None:
    seed_listing([CORDEE, ODD, BARE])


def show(*args: str) -> str:
    result = invoke(["show", *args], env=WIDE)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_details_contacts_hours_and_freshness() -> None:
    text = show("1")
    lines = {line.split("  ")[0].strip(): line for line in text.splitlines() if line.strip()}
    assert re.fullmatch(r"#1 of your last search near Lyon, \d\d:\d\d", text.splitlines()[0])
    assert text.splitlines()[1].startswith("La cordée - Jean Macé  coworking · node/8795134202")
    assert "12 Rue Jean Macé, 69007 Lyon" in lines["Address"]
    assert "45.749635,4.843251 · 366 m from Lyon, France" in lines["Location"]
    assert "https://www.la-cordee.net/" in lines["Website"]
    assert "jeanmace@la-cordee.net" in lines["Email"]
    assert "+33 4 00 00 00 00" in lines["Phone"]
    assert "@lacordee@mastodon.social" in lines["Mastodon"]
    assert "24/7" in lines["Hours"] and "open 24/7" in text
    assert "possibly stale (last checked 2019)" in lines["Checked"]
    # each signal once, with the tag as tagged beside what it means
    assert "yes (OSM: wlan)" in lines["Wi-Fi"]
    assert "free (OSM: customers)" in lines["Wi-Fi fee"]
    assert "Internet" not in lines and "Internet fee" not in lines
    assert "La Cordée" in lines["Operator"]
    assert "https://www.openstreetmap.org/node/8795134202" in lines["Map"]
    assert "No visits yet." in text
    assert "© OpenStreetMap contributors" in text


def test_a_bad_hours_value_shows_the_parsers_message() -> None:
    text = show("2")
    assert "Mo-Fr 9h-18h" in text
    assert "hours unknown" in text
    assert "invalid opening_hours at column 7" in text
    assert "checked 2026-10-01" in text


def test_never_checked() -> None:
    text = show("way/3")
    assert "never checked by a mapper" in text
    assert "Hours" in text and "unknown" in text


def test_untrusted_text_is_cleaned_and_never_markup() -> None:
    text = show("2")
    assert ESC not in text and "\x07" not in text
    assert "Bad Hours Café" in text
    assert "[bold]not markup[/bold]" in text


def test_the_users_visits_notes_rating_and_people() -> None:
    for args in (
        ["1", "--date", "2026-11-18", "--rating", "4", "--cost", "20 EUR", "--note", "quiet"],
        ["1", "--date", "2026-11-19", "--rating", "5"],
        ["1", "--date", "2026-11-20"],
    ):
        assert invoke(["visit", *args]).exit_code == 0
    assert invoke(["note", "1", "Ask for the quiet room upstairs"]).exit_code == 0
    assert (
        invoke(["contact", "add", "Jeanne Martin", "--at", "1", "--date", "2026-11-19"]).exit_code
        == 0
    )
    text = show("cordée")
    assert "Your visits: 3 · average ★4.5 · last 2026-11-20" in text
    assert "#1 2026-11-18 ★4 20 EUR — quiet" in text
    assert "Ask for the quiet room upstairs" in text
    assert "2026-11-19  Jeanne Martin" in text


def test_json() -> None:
    invoke(["visit", "1", "--date", "2026-11-18", "--rating", "4"])
    invoke(["contact", "add", "Jeanne Martin", "--at", "1", "--date", "2026-11-19"])
    data = json.loads(show("1", "--format", "json"))
    assert data["id"] == "node/8795134202" and data["distance_m"] == 366
    assert (data["open_state"], data["hours_phrase"]) == ("open", "open 24/7")
    assert (data["check_date"], data["stale"]) == ("2019-04-02", True)
    assert (data["my_rating"], data["visits"]) == (4.0, 1)
    assert data["tags"]["contact:mastodon"] == "@lacordee@mastodon.social"
    assert [v["date"] for v in data["visit_list"]] == ["2026-11-18"]
    assert [(m["contact"], m["date"]) for m in data["met_here"]] == [
        ("Jeanne Martin", "2026-11-19")
    ]
    assert "OpenStreetMap contributors" in data["attribution"]


def test_show_writes_nothing() -> None:
    show("1")
    assert not get_paths().user_db.exists()


def test_a_place_only_in_the_users_data_after_the_cache_is_cleared() -> None:
    invoke(["visit", "1", "--date", "2026-11-18"])
    assert invoke(["cache", "clear"]).exit_code == 0
    text = show("node/8795134202")
    assert "La cordée - Jean Macé" in text and "12 Rue Jean Macé" in text
    assert "Your visits: 1" in text
    assert "from Lyon" not in text  # the last listing went with the cache


def test_an_imported_google_place() -> None:
    UserData(get_paths().user_db).remember(
        Place(
            "google/123",
            "Café Mokxa",
            "saved",
            45.764,
            4.832,
            {
                "name": "Café Mokxa",
                "addr:full": "3 Rue X, Lyon",
                "google_maps_url": "http://maps.google.com/?cid=123",
            },
        )
    )
    text = show("mokxa")
    assert "Café Mokxa  saved · google/123" in text
    assert "http://maps.google.com/?cid=123" in text
    assert "Checked" not in text and "OpenStreetMap" not in text


@pytest.mark.parametrize(
    ("ref", "fragment"),
    [("9", "no #9"), ("node/5", "not a place solomo knows"), ("Wojo", "no known place")],
)
def test_unknown_ref(ref: str, fragment: str) -> None:
    result = invoke(["show", ref])
    assert result.exit_code == 2
    assert_one_error(result.stderr, fragment)


# -- hours: the listings' evaluator, from the place's stored zone ---------------------------

SUN = coworking("node/40", "Sun desk", 45.7500, 4.8450, {"opening_hours": "sunrise-sunset"})
ZONED = Place(SUN.id, SUN.name, SUN.kind, SUN.lat, SUN.lon, SUN.tags, extra={"tz": "Europe/Paris", "country": "FR"})  # fmt: skip
# The installed command in a fresh helper: its children's peak RSS is the command's own (a
# child forked from the large test process would report the test's peak as its own).
PEAK_OF = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=60)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(json.dumps({"code": done.returncode, "out": done.stdout, "err": done.stderr, "mb": peak}))
"""


def show_in_a_process(*args: str) -> dict:
    import os
    import subprocess
    import sys

    from clitools import solomo_command

    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", PEAK_OF, *solomo_command(), "show", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["code"] == 0, report["err"]
    return report


@pytest.mark.skipif(
    not __import__("sys").platform.startswith("linux"), reason="ru_maxrss in kB: Linux"
)
def test_show_with_a_stored_zone_loads_no_zone_data_and_says_what_near_says() -> None:
    seed_listing([ZONED])
    listed = invoke(["near", "45.74906,4.84789", "--offline", "--format", "json"])
    assert listed.exit_code == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    table = invoke(["near", "45.74906,4.84789", "--offline"], env=WIDE).stdout
    forget_hours_answers()  # so that show evaluates, rather than reuse near's answer
    zoned = show_in_a_process("1", "--format", "json")
    record = json.loads(zoned["out"])
    assert record["open_state"] == row["open_state"] != "unknown"
    assert record["hours_phrase"] in table
    assert zoned["mb"] < 60, zoned["mb"]  # the 141 MB with the zone data, 23 without

    seed_listing([SUN])  # the same place with no stored zone: found now, by tzfpy (~30 MB)
    forget_hours_answers()
    inferred = show_in_a_process("1", "--format", "json")
    assert json.loads(inferred["out"])["hours_phrase"] == record["hours_phrase"]
    assert inferred["mb"] - zoned["mb"] < 50, (inferred["mb"], zoned["mb"])  # not the library's


def test_an_uncertain_school_holiday_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    school = coworking(
        "node/41", "School", 45.7501, 4.8451, {"opening_hours": "Mo-Fr 08:00-18:00; SH off"}
    )
    seed_listing([school])
    clock_at(monkeypatch, "2026-12-23T11:00+01:00")
    text = show("1")
    assert "Mo-Fr 08:00-18:00; SH off" in text
    assert "uncertain · open, closed in school holidays" in text
