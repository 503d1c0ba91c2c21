"""solomo_cli/dates.py: the one grammar of dates, durations and moments, read at a fixed today
(Wednesday 2 December 2026), never the wall clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solomo_cli import dates
from solomo_cli.dates import DateError, Moment, Span, read_age, read_day, read_moment, read_month

TODAY = date(2026, 12, 2)  # a Wednesday
D = date


def day(y: int, m: int, d: int) -> Span:
    return Span(D(y, m, d), D(y, m, d))


SPANS = [
    ("today", day(2026, 12, 2)),
    ("Today", day(2026, 12, 2)),
    ("yesterday", day(2026, 12, 1)),
    ("tomorrow", day(2026, 12, 3)),
    ("aujourd'hui", day(2026, 12, 2)),
    ("Aujourd’hui", day(2026, 12, 2)),  # the typographic apostrophe
    ("hier", day(2026, 12, 1)),
    ("HIER", day(2026, 12, 1)),
    ("demain", day(2026, 12, 3)),
    ("avant-hier", day(2026, 11, 30)),
    ("après-demain", day(2026, 12, 4)),
    ("apres-demain", day(2026, 12, 4)),
    # weekdays: the last such day, today included; 'last …' strictly before today
    ("wednesday", day(2026, 12, 2)),
    ("monday", day(2026, 11, 30)),
    ("mon", day(2026, 11, 30)),
    ("thursday", day(2026, 11, 26)),
    ("lundi", day(2026, 11, 30)),
    ("lun", day(2026, 11, 30)),
    ("mercredi", day(2026, 12, 2)),
    ("dimanche", day(2026, 11, 29)),
    ("last wednesday", day(2026, 11, 25)),
    ("last monday", day(2026, 11, 30)),
    ("mercredi dernier", day(2026, 11, 25)),
    ("vendredi dernier", day(2026, 11, 27)),
    # calendar days
    ("2026-11-20", day(2026, 11, 20)),
    (" 2026-11-20 ", day(2026, 11, 20)),
    ("2024-02-29", day(2024, 2, 29)),
    ("20/11/2026", day(2026, 11, 20)),
    ("2/1/2026", day(2026, 1, 2)),  # day first, as in France
    ("20.11.2026", day(2026, 11, 20)),
    # durations back from today
    ("30d", day(2026, 11, 2)),
    ("30j", day(2026, 11, 2)),
    ("6w", day(2026, 10, 21)),
    ("6s", day(2026, 10, 21)),
    ("6sem", day(2026, 10, 21)),
    ("3m", day(2026, 9, 3)),  # a month counts 30 days
    ("1y", day(2025, 12, 2)),
    ("1a", day(2025, 12, 2)),
    ("3 weeks ago", day(2026, 11, 11)),
    ("il y a 3 semaines", day(2026, 11, 11)),
    ("2 jours", day(2026, 11, 30)),
    # spans
    ("2026-11", Span(D(2026, 11, 1), D(2026, 11, 30))),
    ("11/2026", Span(D(2026, 11, 1), D(2026, 11, 30))),
    ("2024-02", Span(D(2024, 2, 1), D(2024, 2, 29))),
    ("2026-12", Span(D(2026, 12, 1), D(2026, 12, 31))),
    ("2026", Span(D(2026, 1, 1), D(2026, 12, 31))),
    ("this week", Span(D(2026, 11, 30), D(2026, 12, 6))),
    ("cette semaine", Span(D(2026, 11, 30), D(2026, 12, 6))),
    ("last week", Span(D(2026, 11, 23), D(2026, 11, 29))),
    ("la semaine dernière", Span(D(2026, 11, 23), D(2026, 11, 29))),
    ("LA SEMAINE DERNIERE", Span(D(2026, 11, 23), D(2026, 11, 29))),
    ("this month", Span(D(2026, 12, 1), D(2026, 12, 31))),
    ("ce mois-ci", Span(D(2026, 12, 1), D(2026, 12, 31))),
    ("last month", Span(D(2026, 11, 1), D(2026, 11, 30))),
    ("le mois dernier", Span(D(2026, 11, 1), D(2026, 11, 30))),
]


@pytest.mark.parametrize(("text", "span"), SPANS)
def test_read_span(text: str, span: Span) -> None:
    assert dates.read_span(text, TODAY) == span


def test_last_month_in_january_is_december() -> None:
    assert dates.read_span("last month", D(2027, 1, 15)) == Span(D(2026, 12, 1), D(2026, 12, 31))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-13-45", "no such month"),
        ("2026-02-30", "no such day"),
        ("2025-02-29", "no such day"),
        ("31/04/2026", "no such day"),
        ("2026-13", "no such month"),
        ("0001-01-01", "the year must be between 1900 and 2999"),
        ("2026-11-2", "not a date"),
        ("someday", "not a date"),
        ("m", "not a date"),  # one letter: mardi or monday?
        ("next monday", "not a date"),
        ("", "empty"),
        ("   ", "empty"),
        ("9" * 70, "too long"),
        ("２０２６-11-20", "not a date"),  # full-width digits are not folded into a date
        ("101y", "too long ago: at most 100y"),
        ("30x", "not a date"),
        ("-1d", "not a date"),
    ],
)
def test_read_span_refuses_with_a_reason_and_the_forms(text: str, reason: str) -> None:
    with pytest.raises(DateError) as info:
        dates.read_span(text, TODAY)
    assert info.value.reason == reason
    assert info.value.forms == dates.SPAN_FORMS
    assert "accepted: today, yesterday" in str(info.value)


@pytest.mark.parametrize("text", ["2026-11", "last week", "2026", "le mois dernier"])
def test_a_day_is_one_day(text: str) -> None:
    with pytest.raises(DateError, match="more than one day"):
        read_day(text, TODAY)


def test_read_day_gives_the_day() -> None:
    assert read_day("hier", TODAY) == D(2026, 12, 1)
    assert read_day("lundi", TODAY) == D(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("2026-11", Span(D(2026, 11, 1), D(2026, 11, 30))),
        ("11/2026", Span(D(2026, 11, 1), D(2026, 11, 30))),
        ("last month", Span(D(2026, 11, 1), D(2026, 11, 30))),
        ("le mois dernier", Span(D(2026, 11, 1), D(2026, 11, 30))),
        ("this month", Span(D(2026, 12, 1), D(2026, 12, 31))),
        ("today", Span(D(2026, 12, 1), D(2026, 12, 31))),  # the month of a day
        ("2026-02-14", Span(D(2026, 2, 1), D(2026, 2, 28))),
    ],
)
def test_read_month(text: str, span: Span) -> None:
    assert read_month(text, TODAY) == span


@pytest.mark.parametrize("text", ["last week", "2026", "2026-13"])
def test_read_month_refuses_what_is_not_a_month(text: str) -> None:
    with pytest.raises(DateError) as info:
        read_month(text, TODAY)
    assert info.value.forms == dates.MONTH_FORMS


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("90d", 90),
        ("12w", 84),
        ("6m", 180),
        ("1y", 365),
        (" 2 D ", 2),
        ("100y", 36500),
        ("90j", 90),
        ("12s", 84),
        ("6 mois", 180),
        ("1 an", 365),
        ("3 months", 90),
        ("2026-11-02", 30),  # the days since a day
        ("last month", 31),  # since its first day
        ("hier", 1),
    ],
)
def test_read_age(text: str, days: int) -> None:
    assert read_age(text, TODAY) == days


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("90", "not a duration"),
        ("tomorrow", "in the future"),
        ("101y", "too long ago: at most 100y"),
        ("2026-13-01", "no such month"),
    ],
)
def test_read_age_refuses(text: str, reason: str) -> None:
    with pytest.raises(DateError) as info:
        read_age(text, TODAY)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("9:00", Moment(clock=time(9), days_ahead=0)),
        ("18h", Moment(clock=time(18), days_ahead=0)),
        ("18h30", Moment(clock=time(18, 30), days_ahead=0)),
        ("9H", Moment(clock=time(9), days_ahead=0)),
        ("demain 9h", Moment(clock=time(9), days_ahead=1)),
        ("Demain à 9h", Moment(clock=time(9), days_ahead=1)),
        ("hier 14:00", Moment(clock=time(14), days_ahead=-1)),
        ("aujourd'hui 14h30", Moment(clock=time(14, 30), days_ahead=0)),
        ("lundi 9h", Moment(clock=time(9), weekday=0)),
        ("lundi a 9h", Moment(clock=time(9), weekday=0)),
        ("ven 18h", Moment(clock=time(18), weekday=4)),
        ("monday at 9:00", Moment(clock=time(9), weekday=0)),
        ("20/11/2026 9h", Moment(clock=time(9), day=D(2026, 11, 20))),
        ("2026-11-20 9:00", Moment(clock=time(9), day=D(2026, 11, 20))),
        ("maintenant", Moment()),
        ("2026-12-01T09:00+01:00", Moment(instant=datetime(2026, 12, 1, 8, tzinfo=timezone.utc))),
    ],
)
def test_read_moment(text: str, moment: Moment) -> None:
    assert read_moment(text) == moment


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("demain", "a day: give a time too"),
        ("lundi", "a day: give a time too"),
        ("2026-12-01", "a day: give a time too"),
        ("25h", "hour must be in 0..23"),
        ("lundi 9h75", "minute must be in 0..59"),
        ("next mon 9:00", "not a time"),
        ("30/02/2026 9h", "no such day"),
    ],
)
def test_read_moment_refuses(text: str, reason: str) -> None:
    with pytest.raises(DateError) as info:
        read_moment(text)
    assert info.value.reason == reason
    assert "demain 9h" in info.value.forms


# -- round trips: a day written in each form reads back as that day -------------------------

DAYS = st.dates(min_value=D(1927, 1, 1), max_value=D(2999, 12, 31))
TODAYS = st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31))


@given(DAYS)
def test_iso_and_french_numeric_days_round_trip(d: date) -> None:
    assert read_day(d.isoformat(), TODAY) == d
    assert read_day(f"{d.day}/{d.month}/{d.year}", TODAY) == d
    assert read_day(f"{d:%d/%m/%Y}", TODAY) == d


@given(TODAYS, st.integers(min_value=0, max_value=36500), st.sampled_from(["d", "j", " days ago"]))
def test_a_day_written_as_days_ago_round_trips(today: date, back: int, unit: str) -> None:
    assert read_day(f"{back}{unit}", today) == today - timedelta(days=back)


@given(TODAYS, st.integers(min_value=0, max_value=6), st.booleans(), st.booleans())
def test_a_weekday_name_reads_back_as_the_last_such_day(
    today: date, back: int, french: bool, short: bool
) -> None:
    d = today - timedelta(days=back)
    name = (dates.JOURS if french else dates.WEEKDAYS)[d.weekday()]
    assert read_day(name[:3] if short else name.upper(), today) == d


@given(TODAYS, st.sampled_from([(-1, "yesterday"), (-1, "hier"), (1, "tomorrow"), (1, "demain")]))
def test_relative_words_round_trip(today: date, word: tuple[int, str]) -> None:
    offset, text = word
    assert read_day(text, today) == today + timedelta(days=offset)


@given(DAYS)
def test_a_month_written_either_way_round_trips(d: date) -> None:
    first = d.replace(day=1)
    for text in (f"{d:%Y-%m}", f"{d.month}/{d.year}"):
        span = read_month(text, TODAY)
        assert span.start == first and span.end.month == d.month
        assert (span.end + timedelta(days=1)).day == 1


@given(st.times(), st.sampled_from(["{h}:{m:02d}", "{h}h{m:02d}", "{h:02d}:{m:02d}"]))
def test_a_time_round_trips(t: time, form: str) -> None:
    text = form.format(h=t.hour, m=t.minute)
    assert read_moment(text) == Moment(clock=time(t.hour, t.minute), days_ahead=0)


@given(DAYS, st.times(), st.integers(min_value=0, max_value=6))
def test_a_day_and_time_round_trip(d: date, t: time, weekday: int) -> None:
    clock = time(t.hour, t.minute)
    assert read_moment(f"{d:%d/%m/%Y} {clock:%H}h{clock:%M}") == Moment(clock=clock, day=d)
    assert read_moment(f"{dates.JOURS[weekday]} à {clock:%H:%M}") == Moment(
        clock=clock, weekday=weekday
    )
