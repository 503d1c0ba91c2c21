"""hours: OSM opening_hours evaluated in each place's own zone and country; --open-at parsing."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solomo_cli.search import hours
from solomo_cli.search.hours import HoursInfo, When, check, evaluate, parse_when

PARIS = ZoneInfo("Europe/Paris")
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK_CAFE = (40.7128, -74.0060)
TOKYO_CAFE = (35.6812, 139.7671)
LYON = (45.7640, 4.8357)
WEEKDAYS = "Mo-Fr 08:00-17:00"
# Tuesday 22 December 2026, 14:00 UTC: 09:00 in New York, 23:00 in Tokyo.
INSTANT = datetime(2026, 12, 22, 14, tzinfo=timezone.utc)


@functools.cache
def _elements(path: Path) -> dict[str, dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {f"{e['type']}/{e['id']}": e for e in data["elements"]}


def _place(shared_data: Path, file: str, osm_id: str) -> tuple[str, float, float]:
    """(opening_hours, lat, lon) of one element of the shared Overpass data, read in place."""
    element = _elements(shared_data / "overpass" / file)[osm_id]
    where = element.get("center", element)
    return element["tags"]["opening_hours"], where["lat"], where["lon"]


@pytest.fixture(scope="module", autouse=True)
def _library_loaded() -> None:
    """Pay the library's one-time geographic set-up here, not inside a hypothesis deadline."""
    evaluate("24/7", *LYON)


@pytest.fixture
def process_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone (TZ + tzset), restored after the test."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is not available on this platform")

    def set_tz(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_tz
    monkeypatch.undo()
    time.tzset()


# --- real values from the shared data, read against the rule ------------------------------------

# (file, element, place-local wall clock, state, next change in place-local time, phrase)
REAL_CASES = [
    # "Mo-Fr 09:00-18:00; PH,Sa,Su off" (Paris): French public holidays are off.
    (
        "paris_coworking.json",
        "node/5462686021",
        datetime(2026, 12, 22, 10),
        "open",
        datetime(2026, 12, 22, 18),
        "open · closes 18:00",
    ),
    (
        "paris_coworking.json",
        "node/5462686021",
        datetime(2026, 12, 25, 10),
        "closed",
        datetime(2026, 12, 28, 9),
        "closed · opens Mon 09:00",
    ),  # Christmas, a Friday
    (
        "paris_coworking.json",
        "node/5462686021",
        datetime(2026, 5, 14, 10),
        "closed",
        datetime(2026, 5, 15, 9),
        "closed · opens Fri 09:00",
    ),  # Ascension Thursday
    (
        "paris_coworking.json",
        "node/5462686021",
        datetime(2026, 7, 14, 10),
        "closed",
        datetime(2026, 7, 15, 9),
        "closed · opens Wed 09:00",
    ),  # Bastille Day, a Tuesday
    # Lyon library: "Mo off; Tu,We 10:00-12:00,13:00-19:00; Th-Fr 13:00-19:00;
    # Sa 10:00-13:00,14:00-17:00; Su off; PH off"
    (
        "lyon_libraries.json",
        "node/246742410",
        datetime(2026, 12, 22, 12, 30),
        "closed",
        datetime(2026, 12, 22, 13),
        "closed · opens 13:00",
    ),  # lunch break
    (
        "lyon_libraries.json",
        "node/246742410",
        datetime(2026, 12, 26, 17, 30),
        "closed",
        datetime(2026, 12, 29, 10),
        "closed · opens Tue 10:00",
    ),  # Sunday and Monday off
    (
        "lyon_libraries.json",
        "node/246742410",
        datetime(2026, 12, 25, 14),
        "closed",
        datetime(2026, 12, 26, 10),
        "closed · opens Sat 10:00",
    ),  # Christmas on a Friday
    (
        "lyon_libraries.json",
        "node/246742410",
        datetime(2026, 11, 11, 11),
        "closed",
        datetime(2026, 11, 12, 13),
        "closed · opens Thu 13:00",
    ),  # Armistice Day, a Wednesday
    # Lyon library with summer hours: "...; We 10:00-13:00,14:00-19:00; Sa 10:00-18:00; ...;
    # Jul 09-Aug 31 Tu-We off; Jul 09-Aug 31 Th-Fr 13:00-19:00; Jul 09-Aug 31 Sa 10:00-13:00;
    # Aug 13-17 off"
    (
        "lyon_libraries.json",
        "way/48227770",
        datetime(2026, 12, 5, 11),
        "open",
        datetime(2026, 12, 5, 18),
        "open · closes 18:00",
    ),  # winter Saturday
    (
        "lyon_libraries.json",
        "way/48227770",
        datetime(2026, 7, 25, 11),
        "open",
        datetime(2026, 7, 25, 13),
        "open · closes 13:00",
    ),  # summer Saturday
    (
        "lyon_libraries.json",
        "way/48227770",
        datetime(2026, 12, 2, 11),
        "open",
        datetime(2026, 12, 2, 13),
        "open · closes 13:00",
    ),  # winter Wednesday
    (
        "lyon_libraries.json",
        "way/48227770",
        datetime(2026, 7, 22, 11),
        "closed",
        datetime(2026, 7, 23, 13),
        "closed · opens Thu 13:00",
    ),  # summer Wednesday
    (
        "lyon_libraries.json",
        "way/48227770",
        datetime(2026, 8, 14, 14),
        "closed",
        datetime(2026, 8, 20, 13),
        "closed · opens Thu 13:00",
    ),  # Aug 13-17 off, then Tu-We off
    # "...; Su,PH off; 2024 Jun 04-2024 Sep 28 off": closed for the whole summer of 2024, so no
    # change within the 8-day horizon; open as usual on a Wednesday morning of 2026.
    ("lyon_libraries.json", "node/2956398528", datetime(2024, 7, 10, 11), "closed", None, "closed"),
    (
        "lyon_libraries.json",
        "node/2956398528",
        datetime(2026, 7, 8, 11),
        "open",
        datetime(2026, 7, 8, 12),
        "open · closes 12:00",
    ),
    # "Mo-Fr 09:00-01:00; Sa-Su 10:00-01:00": hours past midnight.
    (
        "lyon_cafes.json",
        "node/80078832",
        datetime(2026, 12, 22, 23),
        "open",
        datetime(2026, 12, 23, 1),
        "open · closes Wed 01:00",
    ),
    (
        "lyon_cafes.json",
        "node/80078832",
        datetime(2026, 12, 23, 0, 30),
        "open",
        datetime(2026, 12, 23, 1),
        "open · closes 01:00",
    ),
    # "Mo-Fr 08:00-00:00": closing at midnight reads as 24:00.
    (
        "paris_coworking.json",
        "node/9806638449",
        datetime(2026, 12, 22, 10),
        "open",
        datetime(2026, 12, 23, 0),
        "open · closes 24:00",
    ),
    (
        "lyon_coworking.json",
        "node/3989498385",
        datetime(2026, 12, 22, 10),
        "open",
        None,
        "open 24/7",
    ),  # "24/7"
    (
        "lyon_coworking.json",
        "node/10132442484",
        datetime(2026, 12, 25, 10),
        "open",
        None,
        "open 24/7",
    ),  # "PH,Mo-Su 00:00-24:00" on Christmas
    # Comment-only modifier: unknown during the rule (OSM spec), closed outside it.
    (
        "paris_coworking.json",
        "node/13094560498",
        datetime(2026, 12, 22, 10),
        "unknown",
        None,
        "unknown · on appointment",
    ),  # 'Mo-Fr 09:00-19:00 "on appointment"'
    (
        "paris_coworking.json",
        "node/13094560498",
        datetime(2026, 12, 22, 20),
        "closed",
        datetime(2026, 12, 23, 9),
        "closed · until Wed 09:00",
    ),
    (
        "lyon_cafes.json",
        "node/2217052950",
        datetime(2026, 12, 22, 10),
        "unknown",
        None,
        "unknown · ouverture peu précise ni régulière",
    ),  # the whole value is a comment
    # '...; Su 12:00-21:00 open "snack" || We-Sa 19:00-21:30 open "bistrot"': explicit open.
    (
        "lyon_cafes.json",
        "node/2600438743",
        datetime(2026, 12, 27, 13),
        "open",
        datetime(2026, 12, 27, 21),
        "open · closes 21:00",
    ),
]


@pytest.mark.parametrize(
    ("file", "osm_id", "at", "state", "change", "phrase"),
    REAL_CASES,
    ids=[f"{c[1]}@{c[2]:%Y-%m-%dT%H:%M}" for c in REAL_CASES],
)
def test_real_value_state_next_change_and_phrase(
    shared_data: Path,
    file: str,
    osm_id: str,
    at: datetime,
    state: str,
    change: datetime | None,
    phrase: str,
) -> None:
    value, lat, lon = _place(shared_data, file, osm_id)
    info = evaluate(value, lat, lon, at)
    expected_change = change.replace(tzinfo=PARIS) if change else None
    assert (info.state, info.next_change, info.phrase) == (state, expected_change, phrase)


def test_real_next_change_is_in_the_place_zone(shared_data: Path) -> None:
    value, lat, lon = _place(shared_data, "paris_coworking.json", "node/5462686021")
    change = evaluate(value, lat, lon, datetime(2026, 12, 22, 10)).next_change
    assert change is not None
    assert (str(change.tzinfo), change.utcoffset()) == ("Europe/Paris", timedelta(hours=1))


def test_real_comment_is_reported(shared_data: Path) -> None:
    value, lat, lon = _place(shared_data, "lyon_cafes.json", "node/2600438743")
    assert evaluate(value, lat, lon, datetime(2026, 12, 27, 13)).comment == "snack"


UNPARSABLE_REAL = [
    ("paris_cafes.json", "node/12874250750"),  # en dashes: "Mo-Fr 08:00–12:00,..."
    ("lyon_cafes.json", "node/2216958187"),  # "Sun"
    ("paris_cafes.json", "node/12880562229"),  # trailing ";"
]


@pytest.mark.parametrize(("file", "osm_id"), UNPARSABLE_REAL, ids=[c[1] for c in UNPARSABLE_REAL])
def test_real_unparsable_value_is_unknown_with_error(
    shared_data: Path, file: str, osm_id: str
) -> None:
    value, lat, lon = _place(shared_data, file, osm_id)
    info = evaluate(value, lat, lon, datetime(2026, 12, 22, 10))
    assert (info.state, info.phrase, info.next_change) == ("unknown", "hours unknown", None)
    assert info.error and info.error == check(value)


def test_check_accepts_real_values(shared_data: Path) -> None:
    values = [
        e["tags"]["opening_hours"]
        for e in _elements(shared_data / "overpass" / "lyon_libraries.json").values()
        if "opening_hours" in e.get("tags", {})
    ]
    assert [v for v in values if check(v) is not None] == []


# --- unknown, unparsable, odd -------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_value_is_unknown_without_error(value: str | None) -> None:
    assert evaluate(value, *LYON) == HoursInfo("unknown", None, "hours unknown")


@pytest.mark.parametrize("value", ["Mo-Fr 25:00-26:00", "24/24", "garbage", "Mo-Fr 9-18", "\ud800"])
def test_unparsable_value_is_unknown_with_error(value: str) -> None:
    info = evaluate(value, *LYON, datetime(2026, 12, 22, 10))
    assert (info.state, info.phrase, info.next_change) == ("unknown", "hours unknown", None)
    assert info.error


def test_parser_error_is_one_line_with_column() -> None:
    assert check("Mo-Fr 25:00-26:00") == (
        "invalid opening_hours at column 7: expected EOI, any_rule_separator, rules_modifier,"
        " timespan, or holiday"
    )


@pytest.mark.parametrize("value", ["24/7", "Mo-Fr 09:00-18:00; PH off", '"on appointment"'])
def test_check_returns_none_for_valid_values(value: str) -> None:
    assert check(value) is None


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("Mo-Fr 09:00-18:00 unknown", "hours unknown"),
        ('Mo-Fr 09:00-18:00 unknown "call first"', "unknown · call first"),
        ('"on appointment"', "unknown · on appointment"),
    ],
)
def test_unknown_state_phrase_shows_the_comment(value: str, phrase: str) -> None:
    info = evaluate(value, *LYON, datetime(2026, 12, 22, 10))
    assert (info.state, info.next_change, info.phrase) == ("unknown", None, phrase)


def test_long_comment_is_shortened_in_phrase_only() -> None:
    comment = "ouvert en fonction du climat et de la fréquentation du lieu"
    info = evaluate(f'"{comment}"', *LYON)
    assert info.phrase == "unknown · ouvert en fonction du climat et de la…"
    assert info.comment == comment


@pytest.mark.parametrize(
    ("value", "at", "phrase"),
    [
        (
            "Mo-Fr 09:00-18:00, Mo-Fr 18:00-20:00 unknown",
            datetime(2026, 12, 22, 10),
            "open · until 18:00",
        ),
        ("Mo 10:00-12:00", datetime(2026, 12, 21, 13), "closed · opens Mon 28 Dec 10:00"),
        ("off", datetime(2026, 12, 21, 13), "closed"),
    ],
)
def test_phrase_for_other_changes(value: str, at: datetime, phrase: str) -> None:
    assert evaluate(value, *LYON, at).phrase == phrase


def test_next_change_ignores_comment_only_changes() -> None:
    # The library's next_change stops at Sunday 00:00, where only the comment changes.
    info = evaluate(
        'Mo-Fr 09:00-18:00; Sa off "closed saturdays"', *LYON, datetime(2026, 12, 26, 10)
    )
    assert (info.next_change, info.comment) == (
        datetime(2026, 12, 28, 9, tzinfo=PARIS),
        "closed saturdays",
    )


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (float("nan"), 0.0)])
def test_invalid_coordinates_raise_value_error(lat: float, lon: float) -> None:
    with pytest.raises(ValueError, match="invalid coordinates"):
        evaluate("24/7", lat, lon)


FRAGMENTS = [
    "Mo",
    "Tu",
    "We",
    "Th",
    "Fr",
    "Sa",
    "Su",
    "PH",
    "SH",
    "24/7",
    "off",
    "closed",
    "open",
    "unknown",
    '"',
    '"on appointment"',
    "00:00",
    "09:00-18:00",
    "24:00",
    "48:00",
    "99:99",
    "+",
    "/",
    "-",
    ",",
    ";",
    " ",
    "||",
    ":",
    "[",
    "]",
    "Jan",
    "Dec",
    "week",
    "53",
    "easter",
    "sunrise",
    "sunset",
    "(",
    ")",
    "+1 days",
    "2099",
    "9999",
    "0",
    "1-99999999",
    "1900-9999/1",
    "00:00-24:00/00:01",
    "Mo[-1]",
    "Feb 29",
    "99999999999999999999",
    "\x00",
    "\n",
    "\t",
    "\x7f",
    "\x1b[31m",
    "😀",
    "🕘",
    "\u200b",
    "\ufeff",
    "\ud800",
    "SH",
    "SH off",
    "SH Mo-Fr",
    '"SH"',
    "sunrise-sunset",
    "(sunset-01:00)",
]
odd_values = st.one_of(
    st.none(),
    st.text(),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=40).map("".join),
)
places = st.sampled_from([LYON, NEW_YORK_CAFE, TOKYO_CAFE, (0.0, 0.0), (-89.9, 0.0)])


@settings(max_examples=200, deadline=timedelta(seconds=1))
@given(value=odd_values, place=places)
def test_any_value_gives_a_valid_result(value: str | None, place: tuple[float, float]) -> None:
    info = evaluate(value, *place, INSTANT)
    assert info.state in ("open", "closed", "unknown") and info.phrase
    assert info.error is None or (info.state, info.phrase) == ("unknown", "hours unknown")


@settings(max_examples=200, deadline=timedelta(seconds=1))
@given(value=odd_values.filter(lambda v: v is not None and v.strip() != ""))
def test_evaluate_error_matches_check(value: str) -> None:
    assert evaluate(value, *LYON, INSTANT).error == check(value)


# --- the place's zone, whatever the machine's ---------------------------------------------------

NY_OPEN = (
    "open",
    datetime(2026, 12, 22, 17, tzinfo=ZoneInfo("America/New_York")),
    "open · closes 17:00",
)
TOKYO_CLOSED = ("closed", datetime(2026, 12, 23, 8, tzinfo=TOKYO), "closed · opens Wed 08:00")
TOKYO_OPEN = ("open", datetime(2026, 12, 22, 17, tzinfo=TOKYO), "open · closes 17:00")
ZONE_CASES = [
    # an instant: 09:00 in New York, 23:00 in Tokyo
    (NEW_YORK_CAFE, INSTANT, NY_OPEN),
    (TOKYO_CAFE, INSTANT, TOKYO_CLOSED),
    (TOKYO_CAFE, INSTANT.astimezone(timezone(timedelta(hours=-5))), TOKYO_CLOSED),
    # a naive datetime and a date-and-time When: 09:00 on each place's own clock
    (NEW_YORK_CAFE, datetime(2026, 12, 22, 9), NY_OPEN),
    (TOKYO_CAFE, datetime(2026, 12, 22, 9), TOKYO_OPEN),
    (TOKYO_CAFE, When(clock=clock(9), day=date(2026, 12, 22)), TOKYO_OPEN),
    # now (pinned to INSTANT below)
    (NEW_YORK_CAFE, None, NY_OPEN),
    (TOKYO_CAFE, None, TOKYO_CLOSED),
]


@pytest.mark.parametrize(
    "machine_tz", ["UTC", "Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati"]
)
@pytest.mark.parametrize(("place", "at", "expected"), ZONE_CASES)
def test_result_does_not_depend_on_machine_zone(
    process_tz: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
    machine_tz: str,
    place: tuple[float, float],
    at: When | datetime | None,
    expected: tuple,
) -> None:
    process_tz(machine_tz)
    monkeypatch.setattr(hours, "_utcnow", lambda: INSTANT)
    info = evaluate(WEEKDAYS, *place, at)
    assert (info.state, info.next_change, info.phrase) == expected


def test_result_is_the_same_in_a_process_in_auckland() -> None:
    script = f"""
import json
from datetime import datetime, timezone
from solomo_cli.search import hours
instant = datetime(2026, 12, 22, 14, tzinfo=timezone.utc)
hours._utcnow = lambda: instant
out = []
for place in ({NEW_YORK_CAFE!r}, {TOKYO_CAFE!r}):
    for at in (instant, None, datetime(2026, 12, 22, 9)):
        info = hours.evaluate({WEEKDAYS!r}, *place, at)
        out.append([info.state, info.next_change.isoformat(), info.phrase])
print(json.dumps(out))
"""
    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "TZ": "Pacific/Auckland",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    expected = [
        [state, change.isoformat(), phrase]
        for state, change, phrase in (
            NY_OPEN,
            NY_OPEN,
            NY_OPEN,
            TOKYO_CLOSED,
            TOKYO_CLOSED,
            TOKYO_OPEN,
        )
    ]
    assert json.loads(done.stdout) == expected


# --- parse_when (the date grammar of solomo_cli/dates.py; more forms in test_dates.py) ------


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("2026-12-01T09:00", When(clock=clock(9), day=date(2026, 12, 1))),
        ("2026-12-01 09:00", When(clock=clock(9), day=date(2026, 12, 1))),
        ("2026-12-01T09:00:30", When(clock=clock(9, 0, 30), day=date(2026, 12, 1))),
        ("2026-12-01T09:00+01:00", When(instant=datetime(2026, 12, 1, 8, tzinfo=timezone.utc))),
        ("2026-12-01T08:00Z", When(instant=datetime(2026, 12, 1, 8, tzinfo=timezone.utc))),
        ("tomorrow 9:00", When(clock=clock(9), days_ahead=1)),
        ("today 14:30", When(clock=clock(14, 30), days_ahead=0)),
        ("now", When()),
        ("NOW", When()),
        ("mon 9:00", When(clock=clock(9), weekday=0)),
        ("Monday 09:00", When(clock=clock(9), weekday=0)),
        ("fri 18h", When(clock=clock(18), weekday=4)),
        ("Tu 18h30", When(clock=clock(18, 30), weekday=1)),
        ("sun at 10:00", When(clock=clock(10), weekday=6)),
        ("9:00", When(clock=clock(9), days_ahead=0)),
        ("  21h  ", When(clock=clock(21), days_ahead=0)),
    ],
)
def test_parse_when_accepts(text: str, when: When) -> None:
    assert parse_when(text) == when


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-13-45T09:00", "no such month"),
        ("2026-02-30T09:00", "no such day"),
        ("25:00", "hour must be in 0..23"),
        ("mon 9:75", "minute must be in 0..59"),
        ("2026-12-01T09:00+25:00", "offset +25:00 out of range"),
        ("9999-12-31T23:59Z", "the year must be between 1900 and 2999"),
        ("0001-01-01T00:00", "the year must be between 1900 and 2999"),
        ("someday", None),
        ("", None),
        ("tomorrow", None),
        ("m 9:00", None),
        ("2026-12-01", None),
        ("next mon 9:00", None),
    ],
)
def test_parse_when_rejects_with_accepted_forms(text: str, reason: str | None) -> None:
    with pytest.raises(ValueError) as caught:
        parse_when(text)
    message = str(caught.value)
    assert repr(text) in message
    assert "tomorrow 9:00" in message and "2026-12-01T09:00+01:00" in message
    assert reason is None or reason in message


# Monday 30 November 2026, 22:30 UTC: 23:30 Monday in Paris, 07:30 Tuesday in Tokyo.
NOW = datetime(2026, 11, 30, 22, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "paris", "tokyo"),
    [
        ("tomorrow 9:00", datetime(2026, 12, 1, 9), datetime(2026, 12, 2, 9)),
        ("today 14:30", datetime(2026, 11, 30, 14, 30), datetime(2026, 12, 1, 14, 30)),
        ("9:00", datetime(2026, 11, 30, 9), datetime(2026, 12, 1, 9)),
        ("tue 9:00", datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 9)),  # today in Tokyo
        ("mon 23:00", datetime(2026, 12, 7, 23), datetime(2026, 12, 7, 23)),  # passed in Paris
        ("2026-12-01T09:00", datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 9)),
    ],
)
def test_wall_clock_when_resolves_in_each_zone(text: str, paris: datetime, tokyo: datetime) -> None:
    when = parse_when(text)
    assert (when.resolve(PARIS, NOW), when.resolve(TOKYO, NOW)) == (
        paris.replace(tzinfo=PARIS),
        tokyo.replace(tzinfo=TOKYO),
    )


def test_same_wall_clock_is_a_different_instant_per_zone() -> None:
    when = parse_when("2026-12-01T09:00")
    assert when.resolve(PARIS, NOW) - when.resolve(TOKYO, NOW) == timedelta(hours=8)


@pytest.mark.parametrize("text", ["2026-12-01T09:00+01:00", "now"])
def test_instant_when_is_the_same_instant_in_every_zone(text: str) -> None:
    when = parse_when(text)
    assert when.resolve(PARIS, NOW) == when.resolve(TOKYO, NOW)


def test_resolve_defaults_to_the_real_clock() -> None:
    before = datetime.now(timezone.utc)
    resolved = parse_when("now").resolve(TOKYO)
    assert before <= resolved <= datetime.now(timezone.utc) and resolved.tzinfo is TOKYO


def test_weekday_when_today_counts_if_still_ahead() -> None:
    morning = datetime(2026, 11, 30, 7, tzinfo=PARIS)  # Monday 07:00
    assert parse_when("mon 9:00").resolve(PARIS, morning) == datetime(2026, 11, 30, 9, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("tomorrow 9:00", "tomorrow 09:00"),
        ("today 14:30", "today 14:30"),
        ("fri 18h", "Fri 18:00"),
        ("now", "now"),
        ("2099-12-01T09:00", "Tue 1 Dec 2099 09:00"),
        ("2099-12-01T09:00+01:00", "Tue 1 Dec 2099 09:00 UTC+01:00"),
        ("2099-12-01T08:00Z", "Tue 1 Dec 2099 08:00 UTC"),
    ],
)
def test_describe(text: str, title: str) -> None:
    assert parse_when(text).describe() == title


def test_describe_leaves_out_the_current_year() -> None:
    day = date(datetime.now(timezone.utc).year, 12, 1)
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[day.weekday()]
    assert parse_when(f"{day}T09:00").describe() == f"{weekday} 1 Dec 09:00"


def test_describe_in_a_zone_gives_the_resolved_date() -> None:
    assert parse_when("2099-12-01T08:00Z").describe(TOKYO) == "Tue 1 Dec 2099 17:00"


# --- how long an answer holds (what search's memo relies on) -------------------------------------

HOLDING_VALUES = [
    "24/7",
    "Mo-Fr 08:30-19:00",
    "Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-13:00; PH off",
    "Mo-Fr 09:00-01:00; Sa-Su 10:00-01:00",
    "Tu 14:00-18:00",
    "Mo-Fr 09:00-18:00; Dec 24-Jan 02 off",
    "Jun-Aug Mo-Fr 10:00-16:00; Sep-May off",
    'Mo-Fr 09:00-18:00 open "book first"',
    "Mo 10:00-12:00; Dec 20-Jan 05 off",
    "sunrise-sunset",
    'Mo-Fr 09:00-18:00 "on appointment"',
    "Mo-Fr 09:00-",
    "off",
]


@settings(max_examples=300, deadline=timedelta(seconds=1))
@given(
    value=st.sampled_from(HOLDING_VALUES),
    place=st.sampled_from([LYON, NEW_YORK_CAFE, TOKYO_CAFE]),
    start=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)),
    later=st.floats(0, 1),
)
def test_an_answer_holds_until_valid_until(
    value: str, place: tuple[float, float], start: datetime, later: float
) -> None:
    at = start.replace(tzinfo=timezone.utc)
    first = evaluate(value, *place, at)
    if first.valid_until is None:
        assert first.state == "unknown" and first.comment  # only a commented unknown
        return
    assert first.valid_until > at
    assert first.valid_until <= at + timedelta(days=1, hours=1)  # at most the local day's end
    if first.next_change is not None:
        assert first.valid_until <= first.next_change
    then = at + (first.valid_until - at) * later
    if then >= first.valid_until:
        return
    again = evaluate(value, *place, then)
    assert (again.state, again.next_change, again.phrase, again.error) == (
        first.state,
        first.next_change,
        first.phrase,
        first.error,
    )


def test_an_answer_no_longer_holds_once_the_day_ends() -> None:
    # Closed all of December's end: the phrase names no day, but it is only valid for the day.
    info = evaluate("Mo-Fr 09:00-18:00", *LYON, datetime(2026, 12, 22, 20, tzinfo=PARIS))
    assert info.phrase == "closed · opens Wed 09:00"
    assert info.valid_until == datetime(2026, 12, 23, 0, tzinfo=PARIS)
    after = evaluate("Mo-Fr 09:00-18:00", *LYON, datetime(2026, 12, 23, 0, 30, tzinfo=PARIS))
    assert after.phrase == "closed · opens 09:00"
    assert after.valid_until == datetime(2026, 12, 23, 9, tzinfo=PARIS)


def test_an_unparsable_value_holds_for_the_day_and_keeps_its_error() -> None:
    info = evaluate("Mo-Fr 25:00-26:00", *LYON, datetime(2026, 12, 22, 20, tzinfo=PARIS))
    assert info.state == "unknown" and info.error
    assert info.valid_until == datetime(2026, 12, 23, 0, tzinfo=PARIS)


@pytest.mark.parametrize("hour", [0, 6, 12, 23])
def test_the_horizon_is_the_same_all_day(hour: int) -> None:
    # Closed from September to May; opens Monday 1 June 2026 at 10:00, 8 days and some hours
    # after Sunday 24 May. Every hour of that Sunday must give the same answer.
    value = "Jun-Aug Mo-Fr 10:00-16:00; Sep-May off"
    info = evaluate(value, *LYON, datetime(2026, 5, 24, hour, 30, tzinfo=PARIS))
    assert info.next_change == datetime(2026, 6, 1, 10, tzinfo=PARIS)
    assert info.phrase == "closed · opens Mon 1 Jun 10:00"
    assert info.valid_until == datetime(2026, 5, 25, tzinfo=PARIS)


@pytest.mark.parametrize("at", [datetime(9999, 12, 31, 23, 59), datetime(1, 1, 1, 0, 0)])
@pytest.mark.parametrize("place", [NEW_YORK_CAFE, TOKYO_CAFE])
def test_the_calendars_ends_give_an_answer(at: datetime, place: tuple[float, float]) -> None:
    # Wall-clock times that cannot be shifted to UTC still evaluate (in the place's zone).
    info = evaluate(WEEKDAYS, *place, at)
    assert info.state in ("open", "closed")
    assert info.phrase.startswith(info.state)


# -- sun times with a stored zone; school holidays ------------------------------------------

PARIS_CENTRE = (48.8566, 2.3522)  # sunset on Wed 2 Dec 2026 at 16:56, sunrise on the 3rd 08:25
STORED = {"tz": "Europe/Paris", "country": "FR"}


@pytest.mark.parametrize("zone", [STORED, {}], ids=["stored zone", "inferred zone"])
@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (
            17,
            30,
            ("closed", datetime(2026, 12, 3, 8, 25, tzinfo=PARIS), "closed · opens Thu 08:25"),
        ),
        (16, 30, ("open", datetime(2026, 12, 2, 16, 56, tzinfo=PARIS), "open · closes 16:56")),
    ],
)
def test_sun_times_come_from_the_coordinates(
    zone: dict[str, str], hour: int, minute: int, expected: tuple
) -> None:
    # With a stored zone the library used to drop the coordinates and take sunset as 19:00.
    at = datetime(2026, 12, 2, hour, minute, tzinfo=PARIS)
    info = evaluate("sunrise-sunset", *PARIS_CENTRE, at, **zone)
    assert (info.state, info.next_change, info.phrase) == expected


# Peak RSS of the process itself: /proc's VmHWM starts afresh at exec, unlike ru_maxrss, which
# a child forked from the (large) test process inherits.
PEAK_MB = """
def peak_mb():
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmHWM:"))
    return int(line.split()[1]) // 1024
"""
ZONE_PROBE = (
    PEAK_MB
    + """
import json, sys
from datetime import datetime
from solomo_cli.search import hours
if len(sys.argv) > 2:  # the library's own inference, which loads its zone data
    hours._zone(48.8566, 2.3522)
info = hours.evaluate("sunrise-sunset", 48.8566, 2.3522, datetime(2026, 12, 2, 17, 30), **json.loads(sys.argv[1]))
print(json.dumps([info.state, info.phrase, peak_mb()]))
"""
)


def test_a_stored_zone_loads_no_zone_data() -> None:
    """The library's zone data costs ~110 MB of peak RSS: a stored zone must not need it (141
    vs 23 MB), nor a zone found now (tzfpy's data, ~30 MB)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux's /proc to read a process's peak RSS")
    runs = {}
    for name, zone, *library in (
        ("stored", STORED),
        ("inferred", {}),
        ("library", {}, "library"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", ZONE_PROBE, json.dumps(zone), *library],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        runs[name] = json.loads(done.stdout)
    assert runs["stored"][:2] == runs["inferred"][:2] == ["closed", "closed · opens Thu 08:25"]
    assert runs["stored"][2] < 60, runs
    assert runs["library"][2] - runs["stored"][2] > 50, runs  # the probe can tell them apart
    assert runs["library"][2] - runs["inferred"][2] > 50, runs  # no library zone data either


WEEKDAYS_SH = "Mo-Fr 08:00-18:00; SH off"
WED_11 = datetime(2026, 12, 23, 11, tzinfo=PARIS)
SAT_11 = datetime(2026, 12, 26, 11, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("value", "at", "state", "phrase"),
    [
        (WEEKDAYS_SH, WED_11, "unknown", "uncertain · open, closed in school holidays"),
        ("Mo-Fr 08:00-18:00; PH,SH off", WED_11, "unknown", "uncertain · open, closed in school holidays"),
        ("Mo-Fr 08:00-18:00; Sa,SH off", WED_11, "unknown", "uncertain · open, closed in school holidays"),
        ("Mo-Fr 08:00-12:00; SH 14:00-16:00", WED_11, "unknown", "uncertain · open, closed in school holidays"),
        # the same state either way, but the next opening may be a school holiday
        (WEEKDAYS_SH, SAT_11, "closed", "closed · opens Mon 08:00 unless school holidays"),
        (WEEKDAYS_SH, datetime(2026, 12, 23, 7, tzinfo=PARIS), "closed", "closed · opens 08:00 unless school holidays"),
        # SH cannot change these answers
        ("Mo-Fr 08:00-18:00; SH Mo-Fr 08:00-18:00", WED_11, "open", "open · closes 18:00"),
        ("Mo-Fr 08:00-18:00; SH 08:00-18:00", WED_11, "open", "open · closes 18:00"),
        # "SH" in a comment is no school-holiday rule
        ('Mo-Fr 08:00-18:00 "no SH closing"', WED_11, "unknown", "unknown · no SH closing"),
        ('Mo-Fr 08:00-18:00; Sa open "SH"', WED_11, "open", "open · closes 18:00"),
    ],
)  # fmt: skip
def test_school_holidays_make_an_answer_uncertain(
    value: str, at: datetime, state: str, phrase: str
) -> None:
    for zone in (STORED, {}):
        info = evaluate(value, *LYON, at, **zone)
        assert (info.state, info.phrase) == (state, phrase), zone
        if state == "unknown":
            assert info.next_change is None


def test_an_uncertain_answer_holds_only_until_either_calendar_changes() -> None:
    info = evaluate(WEEKDAYS_SH, *LYON, WED_11, **STORED)
    assert info.valid_until == datetime(2026, 12, 23, 18, tzinfo=PARIS)
    # closed either way on Saturday; Monday 08:00 opens only without school holidays
    saturday = evaluate(WEEKDAYS_SH, *LYON, SAT_11, **STORED)
    assert saturday.next_change == datetime(2026, 12, 28, 8, tzinfo=PARIS)
    assert saturday.valid_until == datetime(2026, 12, 27, tzinfo=PARIS)


ZONED_PLACES = [
    (LYON, "Europe/Paris", "FR"),
    (NEW_YORK_CAFE, "America/New_York", "US"),
    (TOKYO_CAFE, "Asia/Tokyo", "JP"),
]


RULES = [
    "sunrise-sunset",
    "(sunrise+01:00)-(sunset-01:00)",
    "dusk-dawn",
    "Sa 10:00-sunset",
    "Mo-Fr 08:00-18:00",
    "Su off",
    "SH off",
    "PH off",
    "Dec 24 off",
    "24/7",
]
rule_values = st.lists(st.sampled_from(RULES), min_size=1, max_size=4).map("; ".join)


@settings(max_examples=150, deadline=timedelta(seconds=1))
@given(
    value=st.one_of(rule_values, odd_values),
    zoned=st.sampled_from(ZONED_PLACES),
    at=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)),
)
def test_a_stored_zone_gives_the_inferred_answer(
    value: str | None, zoned: tuple[tuple[float, float], str, str], at: datetime
) -> None:
    """The fast path (zone and country stored with the place) is the inference's answer."""
    place, tz, country = zoned
    assert evaluate(value, *place, at, tz=tz, country=country) == evaluate(value, *place, at)


# -- a place's zone, found when it is fetched --------------------------------------------------

# City centres on every continent and on each side of the date line, and points at sea.
ZONE_POINTS = [
    (48.8566, 2.3522, "Europe/Paris"),
    (45.7640, 4.8357, "Europe/Paris"),
    (50.8503, 4.3517, "Europe/Brussels"),
    (52.3676, 4.9041, "Europe/Amsterdam"),
    (51.5072, -0.1276, "Europe/London"),
    (40.4168, -3.7038, "Europe/Madrid"),
    (50.4501, 30.5234, "Europe/Kyiv"),
    (35.6762, 139.6503, "Asia/Tokyo"),
    (28.6139, 77.2090, "Asia/Kolkata"),
    (-33.8688, 151.2093, "Australia/Sydney"),
    (-36.8485, 174.7633, "Pacific/Auckland"),
    (40.7128, -74.0060, "America/New_York"),
    (19.4326, -99.1332, "America/Mexico_City"),
    (-23.5505, -46.6333, "America/Sao_Paulo"),
    (6.5244, 3.3792, "Africa/Lagos"),
    (-1.2921, 36.8219, "Africa/Nairobi"),
    (0.0, -30.0, "Etc/GMT+2"),  # the Atlantic: a nautical zone
]


@pytest.mark.parametrize(("lat", "lon", "zone"), ZONE_POINTS)
def test_a_places_zone_is_the_one_opening_hours_py_infers(
    lat: float, lon: float, zone: str
) -> None:
    key, country = hours.place_zone(lat, lon)
    assert key == zone == getattr(hours._zone(lat, lon), "key", None)
    assert country == hours._zone_countries().get(zone)


def test_every_real_places_zone_is_the_one_opening_hours_py_infers(shared_data: Path) -> None:
    found = 0
    for path in sorted((shared_data / "overpass").glob("*.json")):
        for element in json.loads(path.read_text(encoding="utf-8")).get("elements", []):
            where = element.get("center", element)
            if "lat" not in where or "opening_hours" not in element.get("tags", {}):
                continue
            lat, lon = round(where["lat"], 4), round(where["lon"], 4)
            assert hours.place_zone(lat, lon) == ("Europe/Paris", "FR")
            assert getattr(hours._zone(lat, lon), "key", None) == "Europe/Paris"
            found += 1
    assert found > 100


@pytest.mark.parametrize("answer", ["Mars/Olympus_Mons", ""])
def test_a_zone_pythons_database_does_not_know_is_the_librarys_inference(
    monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    monkeypatch.setattr(hours, "_finder", lambda: lambda lon, lat: answer)
    assert hours.place_zone(35.6762, 139.6503) == ("Asia/Tokyo", "JP")
    assert not hours._known_zone("Mars/Olympus_Mons") and hours._known_zone("Asia/Tokyo")


@pytest.mark.parametrize(("lat", "lon"), [(90, 180), (-90, -180), (90, -180), (-90, 0), (0, 0)])
def test_a_zone_at_the_poles_and_the_date_line_is_one_python_knows(lat: float, lon: float) -> None:
    key, _ = hours.place_zone(lat, lon)
    assert hours._known_zone(key)
    assert ZoneInfo(key).utcoffset(datetime(2026, 12, 1)) is not None


@pytest.mark.parametrize("country", sorted(set(hours._zone_countries().values())))
def test_a_place_in_any_country_of_zone_tab_is_evaluated(country: str) -> None:
    """About 120 of zone.tab's countries have no holiday calendar in the library (India,
    Thailand, Antarctica…): their places are evaluated, their public holidays unknown."""
    zone = next(z for z, c in sorted(hours._zone_countries().items()) if c == country)
    at = datetime(2026, 12, 2, 12)  # a Wednesday
    info = evaluate("Mo-Fr 09:00-18:00; PH off", 0.0, 0.0, at, tz=zone, country=country)
    assert (info.state, info.error) == ("open", None)
    assert info.next_change is not None and info.next_change.tzinfo == ZoneInfo(zone)


def test_a_place_in_india_is_evaluated_the_same_with_or_without_its_stored_zone() -> None:
    at = datetime(2026, 12, 2, 12)
    stored = evaluate(
        "Mo-Fr 09:00-18:00; PH off", 12.9716, 77.5946, at, tz="Asia/Kolkata", country="IN"
    )
    assert stored == evaluate("Mo-Fr 09:00-18:00; PH off", 12.9716, 77.5946, at)
    assert stored.phrase == "open · closes 18:00"


def test_a_stored_zone_this_machine_does_not_know_is_found_again() -> None:
    # A cache copied from a machine with newer zone data may name a zone missing here.
    at = datetime(2026, 12, 2, 12)
    found = evaluate("Mo-Fr 09:00-18:00; PH off", 48.8566, 2.3522, at)
    unknown = evaluate(
        "Mo-Fr 09:00-18:00; PH off", 48.8566, 2.3522, at, tz="Mars/Olympus_Mons", country="FR"
    )
    assert unknown == found
    assert unknown.next_change is not None and unknown.next_change.tzinfo == ZoneInfo(
        "Europe/Paris"
    )
