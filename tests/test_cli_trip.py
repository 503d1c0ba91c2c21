"""`solomo trip add|list|show|rm`, `export trips`, and `solomo near` with no PLACE (the trip
under way, else home, else the last search), through the real app."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from clitools import LYON, assert_one_error, coworking, invoke, seed_listing
from clitools import run_ok as ok
from clitools import write_config as config
from fakeservers import FakeServices, nominatim_result

from solomo_cli.config import get_paths
from solomo_cli.mydata.trips import _label

CORDEE = coworking("node/8795134202", "La cordée - Jean Macé", 45.7496347, 4.8432509)
SMOOTH = coworking("node/12155174562", "Smooth", 45.7514387, 4.8451483)
FAR = coworking("node/777", "Cowork Villefranche", 45.9897, 4.7186)  # 29 km from Lyon
TODAY = date.today()
HERE = f"{LYON[0]},{LYON[1]}"


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture(autouse=True)
def listing() -> None:
    seed_listing([CORDEE, SMOOTH, FAR], radius_m=50_000)


def trips() -> list[dict]:
    return json.loads(ok("trip", "list", "-f", "json"))


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (date(2026, 12, 3), date(2026, 12, 7), "3–7 Dec"),
        (date(2026, 11, 28), date(2026, 12, 2), "28 Nov–2 Dec"),
        (date(2026, 12, 28), date(2027, 1, 3), "28 Dec 2026–3 Jan 2027"),
        (date(2026, 12, 3), date(2026, 12, 3), "3 Dec"),
    ],
)
def test_a_trips_days_are_said_short(start: date, end: date, label: str) -> None:
    assert _label(start, end) == label


def test_trip_add_geocodes_the_place_as_near_does_and_keeps_its_point(
    services: FakeServices,
) -> None:
    services.set_geocode(
        "Grenoble", [nominatim_result("Grenoble", 45.1875602, 5.7357819, "Grenoble, Isère, France")]
    )
    out = ok("trip", "add", "Grenoble", "--from", day(3), "--to", day(7), "--note", "client X")
    assert out.startswith("Added trip #1: Grenoble, Isère, France, ")
    assert services.count("/search") == 1
    (trip,) = trips()
    assert (trip["place"], trip["label"], trip["lat"], trip["lon"]) == (
        "Grenoble",
        "Grenoble, Isère, France",
        45.1875602,
        5.7357819,
    )
    assert (trip["from"], trip["to"], trip["note"]) == (day(3), day(7), "client X")
    # A second trip there: the geocode cache answers, as for `near`.
    ok("trip", "add", "Grenoble", "--from", day(30), "--to", day(31))
    assert services.count("/search") == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--from", day(5), "--to", day(2)], f"--to {day(2)} is before --from {day(5)}"),
        (["--from", "2026-13-01", "--to", day(2)], "bad --from date '2026-13-01'"),
        (["--from", day(1)], "Missing option '--to'"),
    ],
)
def test_bad_trip_dates_are_usage_errors_and_add_nothing(args: list[str], fragment: str) -> None:
    result = invoke(["trip", "add", HERE, *args])
    assert result.exit_code == 2
    assert_one_error(result.stderr, fragment)
    assert trips() == []


def test_trip_list_marks_the_one_under_way_and_rm_says_what_it_removed() -> None:
    assert "No trips yet" in ok("trip", "list")
    ok("trip", "add", HERE, "--from", day(10), "--to", day(12))
    ok("trip", "add", "45.1875,5.7357", "--from", day(-1), "--to", day(1), "--note", "now")
    table = " ".join(ok("trip", "list").split())
    assert table.index(day(-1)) < table.index(day(10))  # the earliest first
    assert "(now)" in table
    assert [t["id"] for t in trips()] == [2, 1]
    out = ok("trip", "rm", "2")
    assert out.strip().startswith("Deleted trip #2: 45.18750,5.73570, ")
    assert [t["id"] for t in trips()] == [1]
    result = invoke(["trip", "rm", "2"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "there is no trip #2", "solomo trip list")


def test_trip_show_lists_people_due_first_and_best_rated_places(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    ok("contact", "add", "Jeanne Martin", "--at", "1", "--date", day(-10))
    ok("contact", "add", "Karim Benali", "--at", "2", "--date", day(-300))  # stale, no cadence
    ok("contact", "add", "Paul Grenier", "--at", "2", "--date", day(-40))
    ok("contact", "edit", "Paul", "--every", "4w")  # 12 days overdue
    ok("contact", "add", "Far Away", "--at", "3")  # 29 km off: not in the area
    ok("visit", "1", "--rating", "3")
    ok("visit", "2", "--rating", "5")
    ok("visit", "3", "--rating", "5")
    ok("trip", "add", HERE, "--from", day(2), "--to", day(4))
    out = ok("trip", "show")
    lines = [line.strip() for line in out.splitlines()]
    assert lines[0].endswith(
        f"trip #1, {_label(TODAY + timedelta(2), TODAY + timedelta(4))} "
        f"({day(2)} → {day(4)}), in 2 days"
    )
    names = [n for n in ("Paul Grenier", "Karim Benali", "Jeanne Martin") if n in out]
    assert sorted(names, key=out.index) == ["Paul Grenier", "Karim Benali", "Jeanne Martin"]
    assert "12 days overdue" in out and "Far Away" not in out
    assert out.index("Smooth") < out.index("La cordée") and "Villefranche" not in out
    wide = ok("trip", "show", "1", "--radius", "40km")
    assert "Far Away" in wide and "Cowork Villefranche" in wide


def test_trip_show_without_a_trip_ahead_says_how_to_add_one() -> None:
    ok("trip", "add", HERE, "--from", day(-9), "--to", day(-5))
    result = invoke(["trip", "show"])
    assert result.exit_code == 0
    assert "No trip under way or ahead; add one: solomo trip add Lyon" in result.stdout
    assert "past" in ok("trip", "show", "1")


def test_export_trips_writes_all_day_vevents(tmp_path: Path) -> None:
    from icalendar import Calendar

    ok("trip", "add", HERE, "--from", day(3), "--to", day(7), "--note", "client X")
    target = tmp_path / "trips.ics"
    result = invoke(["export", "trips", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    (event,) = Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    assert event.decoded("DTSTART") == TODAY + timedelta(3)
    assert event.decoded("DTEND") == TODAY + timedelta(8)  # the day after the last
    assert str(event["DESCRIPTION"]) == "client X"
    assert str(event["UID"]) == f"{trips()[0]['uid']}-trip"
    assert (event["GEO"].latitude, event["GEO"].longitude) == pytest.approx(LYON)


# -- near with no PLACE ---------------------------------------------------------------------


def near_title(*args: str) -> str:
    result = invoke(["near", *args, "--offline"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()[0]


def test_near_without_place_searches_around_the_trip_under_way() -> None:
    config('home = "45.1875,5.7357"\n')
    ok("trip", "add", HERE, "--from", day(-1), "--to", day(1))
    label = _label(TODAY - timedelta(1), TODAY + timedelta(1))
    title = near_title()
    assert f"of {LYON[0]:.5f},{LYON[1]:.5f} (your trip, {label})" in title
    assert "Smooth" in ok("show", "1") or "La cordée" in ok("show", "1")


def test_near_without_place_nor_trip_under_way_searches_around_home() -> None:
    ok("trip", "add", "45.1875,5.7357", "--from", day(5), "--to", day(9))  # not yet
    config(f'home = "{HERE}"\n')
    assert f"of home ({HERE})" in near_title()


def test_near_without_place_trip_or_home_searches_around_the_last_search() -> None:
    assert "of your last search: Lyon, France" in near_title()
    # The listing it made keeps the search's name: the next one says the same.
    assert "of your last search: Lyon, France" in near_title()


def test_near_without_any_place_to_go_by_is_a_usage_error_that_says_how() -> None:
    get_paths().cache_db.unlink()
    result = invoke(["near", "--offline"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "no place to search around", 'home = "Lyon"', "trip add")


def test_a_bad_home_in_the_config_is_a_usage_error() -> None:
    config("home = 12\n")
    result = invoke(["near", "--offline"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "home should be text", "config file")
