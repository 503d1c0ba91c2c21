"""`near` with opening hours and work-friendly filters: --open-now, --open-at, --strict-hours,
--wifi, --free-wifi, --wheelchair, open_state/next_change/stale in JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from typing import Any

import pytest
from clitools import assert_one_error, clock_at, forget_hours_answers, invoke, solomo_command
from fakeservers import FakeServices
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LYON = (45.74906, 4.84789)
NEW_YORK = (40.7411, -73.9897)
POINT = "45.74906,4.84789"


def node(id_: int, lat: float, lon: float, **tags: str) -> dict[str, Any]:
    return {"type": "node", "id": id_, "lat": lat, "lon": lon, "tags": tags}


def near_json(*args: str) -> list[dict[str, Any]]:
    result = invoke(["near", *args, "--format", "json", "--limit", "0"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def lyon_hours(services: FakeServices) -> FakeServices:
    """Five coworking spaces around Lyon with known, unknown and unparsable hours."""
    lat, lon = LYON
    services.add_elements(
        [
            node(
                1,
                lat + 0.001,
                lon,
                name="Weekdays",
                office="coworking",
                opening_hours="Mo-Fr 09:00-18:00; PH off",
                internet_access="wlan",
                **{"internet_access:fee": "no"},
                wheelchair="yes",
                check_date="2026-01-10",
            ),
            node(
                2,
                lat + 0.002,
                lon,
                name="Weekends",
                office="coworking",
                opening_hours="Sa,Su 10:00-16:00",
                internet_access="yes",
                **{"internet_access:fee": "customers"},
                wheelchair="no",
            ),
            node(
                3,
                lat + 0.003,
                lon,
                name="No hours",
                office="coworking",
                internet_access="wlan",
                **{"internet_access:fee": "yes"},
                wheelchair="limited",
            ),
            node(
                4,
                lat + 0.004,
                lon,
                name="Broken hours",
                amenity="coworking_space",
                opening_hours="Mo-Fr 9h à 18h sauf jours fériés",
                check_date="2019-05-01",
            ),
            node(
                5,
                lat + 0.005,
                lon,
                name="Always",
                office="coworking",
                opening_hours="24/7",
                internet_access="no",
            ),
        ]
    )
    return services


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in rows}


def test_open_at_weekday_keeps_open_and_unknown_drops_closed(lyon_hours: FakeServices) -> None:
    rows = by_name(near_json(POINT, "--open-at", "2026-12-01T10:00"))  # a Tuesday
    assert set(rows) == {"Weekdays", "No hours", "Broken hours", "Always"}
    assert rows["Weekdays"]["open_state"] == "open"
    assert rows["Weekdays"]["next_change"] == "2026-12-01T18:00:00+01:00"
    assert rows["No hours"]["open_state"] == "unknown"
    assert rows["No hours"]["next_change"] is None


def test_strict_hours_drops_unknown(lyon_hours: FakeServices) -> None:
    rows = near_json(POINT, "--open-at", "2026-12-01T10:00", "--strict-hours")
    assert sorted(r["name"] for r in rows) == ["Always", "Weekdays"]
    assert {r["open_state"] for r in rows} == {"open"}


def test_public_holiday_closes_a_weekday_place(lyon_hours: FakeServices) -> None:
    rows = by_name(near_json(POINT, "--open-at", "2026-12-25T10:00", "--strict-hours"))
    assert "Weekdays" not in rows  # Christmas is a public holiday in France: PH off
    assert "Always" in rows


def test_weekend_time(lyon_hours: FakeServices) -> None:
    rows = by_name(near_json(POINT, "--open-at", "2026-11-28T11:00", "--strict-hours"))
    assert set(rows) == {"Weekends", "Always"}
    assert rows["Weekends"]["next_change"] == "2026-11-28T16:00:00+01:00"


def test_being_open_adds_to_the_score(lyon_hours: FakeServices) -> None:
    plain = by_name(near_json(POINT))
    timed = by_name(near_json(POINT, "--open-at", "2026-12-01T10:00"))
    assert timed["Weekdays"]["score"] == pytest.approx(plain["Weekdays"]["score"] + 15)
    assert timed["No hours"]["score"] == pytest.approx(plain["No hours"]["score"])


def test_unparsable_hours_never_crash_and_show_unknown(lyon_hours: FakeServices) -> None:
    rows = by_name(near_json(POINT))
    assert rows["Broken hours"]["open_state"] == "unknown"
    assert rows["Broken hours"]["opening_hours"] == "Mo-Fr 9h à 18h sauf jours fériés"
    table = invoke(["near", POINT, "--limit", "0"], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert "hours unknown" in table.stdout


def test_table_phrases(lyon_hours: FakeServices) -> None:
    result = invoke(
        ["near", POINT, "--open-at", "2026-12-01T10:00", "--limit", "0"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.stderr
    assert "open · closes 18:00" in result.stdout
    assert "open 24/7" in result.stdout
    assert "hours unknown" in result.stdout


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("--wifi", {"Weekdays", "Weekends", "No hours"}),  # whatever internet_access:fee says
        ("--free-wifi", {"Weekdays", "Weekends"}),  # fee=no or customers
        ("--wheelchair", {"Weekdays", "No hours"}),  # yes or limited
    ],
)
def test_work_friendly_filters(lyon_hours: FakeServices, flag: str, expected: set[str]) -> None:
    assert {r["name"] for r in near_json(POINT, flag)} == expected


def test_stale_and_check_date_in_json(lyon_hours: FakeServices) -> None:
    rows = by_name(near_json(POINT))
    assert rows["Weekdays"]["check_date"] == "2026-01-10"
    assert rows["Weekdays"]["stale"] is False
    assert rows["Broken hours"]["stale"] is True  # checked in 2019
    assert rows["No hours"]["stale"] is True  # never checked


def test_open_state_in_csv(lyon_hours: FakeServices) -> None:
    result = invoke(["near", POINT, "--open-at", "2026-12-01T10:00", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["Weekdays"]["open_state"] == "open"
    assert rows["Weekdays"]["next_change"] == "2026-12-01T18:00:00+01:00"
    assert rows["No hours"]["next_change"] == ""


def test_data_age_uses_overpass_timestamp(lyon_hours: FakeServices) -> None:
    lyon_hours.osm_base = "2026-10-02T08:00:00Z"
    result = invoke(["near", POINT], env={"COLUMNS": "200"})
    assert "data of 2026-10-02" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--open-at", "2026-13-45T09:00"], "--open-at"),
        (["--open-at", "someday"], "--open-at"),
        (["--open-now", "--open-at", "mon 9:00"], "contradict"),
        (["--strict-hours"], "--strict-hours"),
    ],
)
def test_bad_hours_options(lyon_hours: FakeServices, args: list[str], fragment: str) -> None:
    result = invoke(["near", POINT, *args])
    assert result.exit_code == 2
    assert_one_error(result.stderr, fragment)
    assert lyon_hours.count() == 0  # rejected before any request


def test_other_timezone_from_a_machine_in_another_zone(services: FakeServices) -> None:
    """A New York café evaluated from a process whose clock zone is Tokyo: New York's hours."""
    lat, lon = NEW_YORK
    services.add_elements(
        [node(10, lat, lon, name="NY desk", office="coworking", opening_hours="Mo-Fr 08:00-17:00")]
    )
    point = f"{lat},{lon}"
    env = {**os.environ, "TZ": "Asia/Tokyo", "NO_COLOR": "1"}
    outputs = []
    for when in ("2026-12-01T09:00", "2026-12-01T18:00"):  # 09:00 and 18:00 in New York
        done = subprocess.run(
            [*solomo_command(), "near", point, "--open-at", when, "--format", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    morning, evening = outputs
    assert [r["open_state"] for r in morning] == ["open"]
    assert morning[0]["next_change"] == "2026-12-01T17:00:00-05:00"
    assert evening == []  # closed at 18:00 New York time, and closed places are dropped


# -- one evaluator for listings and show: sun times, school holidays -------------------------

PARIS_POINT = "48.8566,2.3522"  # sunset on Wed 2 Dec 2026 at 16:56, sunrise on the 3rd 08:25
SUNNY = node(20, 48.8566, 2.3522, name="Sunny", office="coworking", opening_hours="sunrise-sunset")


@pytest.mark.parametrize(
    ("now", "state", "change", "phrase"),
    [
        ("2026-12-02T17:30+01:00", "closed", "2026-12-03T08:25:00+01:00", "closed · opens Thu 08:25"),
        ("2026-12-02T16:30+01:00", "open", "2026-12-02T16:56:00+01:00", "open · closes 16:56"),
    ],
)  # fmt: skip
def test_sun_times_in_the_listing_and_in_show_agree(
    services: FakeServices,
    monkeypatch: pytest.MonkeyPatch,
    now: str,
    state: str,
    change: str,
    phrase: str,
) -> None:
    services.add_elements([SUNNY])
    clock_at(monkeypatch, now)
    table = invoke(["near", PARIS_POINT], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.stderr
    assert phrase in table.stdout
    [row] = near_json(PARIS_POINT)
    assert (row["open_state"], row["next_change"]) == (state, change)
    forget_hours_answers()  # show evaluates on its own, from the listing's stored zone
    shown = invoke(["show", "1", "--format", "json"])
    assert shown.exit_code == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert (record["open_state"], record["hours_phrase"]) == (state, phrase)


@pytest.mark.parametrize(
    ("when", "expected"),
    [("2026-12-02T17:30", []), ("2026-12-02T16:30", [("open", "2026-12-02T16:56:00+01:00")])],
)
def test_open_at_uses_the_real_sunset(
    services: FakeServices, when: str, expected: list[tuple[str, str]]
) -> None:
    services.add_elements([SUNNY])
    rows = near_json(PARIS_POINT, "--open-at", when)
    assert [(r["open_state"], r["next_change"]) for r in rows] == expected


SCHOOL = node(
    30, *LYON, name="School", office="coworking", opening_hours="Mo-Fr 08:00-18:00; SH off"
)


def test_school_holidays_are_uncertain_not_open(services: FakeServices) -> None:
    services.add_elements([SCHOOL])
    rows = near_json(POINT, "--open-at", "2026-12-23T11:00")  # a Wednesday
    assert [(r["name"], r["open_state"], r["next_change"]) for r in rows] == [
        ("School", "unknown", None)
    ]
    assert near_json(POINT, "--open-at", "2026-12-23T11:00", "--strict-hours") == []
    table = invoke(["near", POINT, "--open-at", "2026-12-23T11:00"], env={"COLUMNS": "200"})
    assert "uncertain · open, closed in school holidays" in table.stdout


def test_school_holidays_in_now_listings_and_show(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.add_elements([SCHOOL])
    clock_at(monkeypatch, "2026-12-26T11:00+01:00")  # a Saturday: closed either way
    table = invoke(["near", POINT], env={"COLUMNS": "200"})
    assert "closed · opens Mon 08:00 unless school holidays" in table.stdout
    clock_at(monkeypatch, "2026-12-23T11:00+01:00")
    record = json.loads(invoke(["show", "1", "--format", "json"]).stdout)
    assert (record["open_state"], record["hours_phrase"]) == (
        "unknown",
        "uncertain · open, closed in school holidays",
    )


ODD_FRAGMENTS = [
    "Mo-Fr",
    "08:00-12:00",
    "PH off",
    "; ",
    "||",
    '"on appointment"',
    "24/7",
    "sunrise-sunset",
    "Jan-Mar",
    "week 1-53/2",
    "2026 Dec 25",
    "off",
    "+",
    ",",
    "\x1b[31m",
    "\x00",
    "🙂",
    "99:99",
    "Su[-1]",
    "easter +2 days",
    "SH off",
    "SH Mo-Fr",
    '"SH"',
]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    value=st.one_of(
        st.text(max_size=60), st.lists(st.sampled_from(ODD_FRAGMENTS), max_size=8).map("".join)
    )
)
def test_no_opening_hours_string_crashes_a_listing(services: FakeServices, value: str) -> None:
    services.clear_elements()
    services.add_elements(
        [node(99, LYON[0], LYON[1], name="Odd", office="coworking", opening_hours=value)]
    )
    for fmt in ("table", "json"):
        result = invoke(["near", POINT, "--refresh", "--format", fmt, "--open-now"])
        assert result.exit_code == 0, (value, result.stderr)
        assert "\x1b" not in result.stdout
    rows = json.loads(result.stdout)
    assert len(rows) <= 1
    if rows:
        assert rows[0]["open_state"] in ("open", "unknown")
