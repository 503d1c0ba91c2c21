"""One grammar for the dates, durations and moments the user writes, in English and French.

Pure: no clock is read here unless the caller leaves `today` out, nothing is printed, no CLI
flag is named. Every option that takes a date (`--date`, `--since`, `--until`, `--month`,
`--stale`, `--open-at`) reads its argument through this module (via cli/params.py).

The forms (case and accents folded, so `Hier`, `la semaine derniere` and `LUNDI` are read):

- a day: `today`, `yesterday`, `tomorrow` (`aujourd'hui`, `hier`, `demain`, `avant-hier`,
  `après-demain`); a weekday (`monday`, `mon`, `lundi`, `lun`: the last such day, today
  included; `last monday` / `lundi dernier`: strictly before today); `2026-11-20`;
  `20/11/2026`; a duration back from today: `30d` (`30j`), `6w` (`6s`, `6sem`), `3m`, `1y`
  (`1a`), also written out (`3 weeks ago`, `il y a 3 semaines`). A month counts 30 days, a
  year 365.
- a longer span, where a span is meant (`--since` takes its first day, `--until` its last):
  `2026-11` or `11/2026` (a month), `2026` (a year), `this week`, `last week` (Monday to
  Sunday), `this month`, `last month` (`cette semaine`, `la semaine dernière`, `ce mois-ci`,
  `le mois dernier`).
- a moment (`--open-at`): a time `9:00`, `18h`, `18h30` (today at that time), or a day and a
  time: `tomorrow 9:00`, `demain 9h`, `monday 9:00` / `lundi 9h` (the *next* such day, today
  included while the time is ahead), `2026-12-01 9:00`, `20/11/2026 9h`; `now`
  (`maintenant`); an exact instant `2026-12-01T09:00+01:00`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple

from solomo_cli.boundary import quoted

MIN_YEAR, MAX_YEAR = 1900, 2999
MAX_DAYS = 100 * 365  # the longest duration: further back than any day solomo keeps
MAX_TEXT = 60  # longer arguments are refused before any pattern runs

# The accepted forms, one line each, for the error messages (the README says more).
DAY_FORMS = (
    "today, yesterday, tomorrow, monday (the last one), 2026-11-20, 20/11/2026, "
    "30d or 6w ago; in French: aujourd'hui, hier, demain, lundi, 30j"
)
SPAN_FORMS = (
    "today, yesterday, monday, 2026-11-20, 20/11/2026, 2026-11, 30d, 6w, 3m, last week, "
    "last month; in French: hier, lundi, 30j, la semaine dernière, le mois dernier"
)
MONTH_FORMS = "2026-11, 11/2026, this month, last month; in French: ce mois-ci, le mois dernier"
DURATION_FORMS = "30d, 6w, 3m (30 days), 1y; in French: 30j, 6s, 3m, 1a"
AGE_FORMS = "30d, 6w, 3m (30 days), 1y, or a day such as 2026-06-01; in French: 30j, 6s, 3m, 1a"
MOMENT_FORMS = (
    "9:00, 18h, 18h30, tomorrow 9:00, monday 9:00 (the next one), 2026-12-01 9:00, "
    "2026-12-01T09:00+01:00, now; in French: demain 9h, lundi à 9h, maintenant"
)


class DateError(ValueError):
    """A date the grammar cannot read: `text` as given, `reason` why (short), `forms` what it
    reads (one line)."""

    def __init__(self, text: object, reason: str, forms: str) -> None:
        super().__init__(f"cannot read {quoted(text, 40)} ({reason}); accepted: {forms}")
        self.text = text
        self.reason = reason
        self.forms = forms


class Span(NamedTuple):
    """The days from `start` to `end`, both included."""

    start: date
    end: date


class Moment(NamedTuple):
    """A moment as the user meant it, before any time zone (search/hours.When has the same
    fields): a wall-clock `clock` on a `day`, `days_ahead` of today or the next `weekday`; an
    exact `instant`; or nothing set: now."""

    clock: time | None = None
    day: date | None = None
    days_ahead: int | None = None
    weekday: int | None = None  # 0 is Monday
    instant: datetime | None = None


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_RELATIVE_DAYS = {
    "today": 0,
    "aujourd'hui": 0,
    "aujourdhui": 0,
    "auj": 0,
    "yesterday": -1,
    "hier": -1,
    "tomorrow": 1,
    "demain": 1,
    "avant-hier": -2,
    "avant hier": -2,
    "apres-demain": 2,
    "apres demain": 2,
}
_NOW = ("now", "maintenant")
_THIS_WEEK = ("this week", "cette semaine")
_LAST_WEEK = ("last week", "la semaine derniere", "semaine derniere", "la semaine passee")
_THIS_MONTH = ("this month", "ce mois", "ce mois-ci", "ce mois ci")
_LAST_MONTH = ("last month", "le mois dernier", "mois dernier", "le mois passe")
_UNITS = {
    **dict.fromkeys(("d", "day", "days", "j", "jour", "jours"), 1),
    **dict.fromkeys(("w", "week", "weeks", "s", "sem", "semaine", "semaines"), 7),
    **dict.fromkeys(("m", "month", "months", "mois"), 30),
    **dict.fromkeys(("y", "year", "years", "a", "an", "ans", "annee", "annees"), 365),
}


class _Pattern:
    """A pattern compiled on its first use (ASCII): most runs, a listing, read no date."""

    __slots__ = ("_source", "_compiled")

    def __init__(self, source: str) -> None:
        self._source = source
        self._compiled: re.Pattern[str] | None = None

    def fullmatch(self, text: str) -> re.Match[str] | None:
        if self._compiled is None:
            self._compiled = re.compile(self._source, re.ASCII)
        return self._compiled.fullmatch(text)


_DURATION = _Pattern(r"(?:il y a\s*)?(\d{1,6})\s*([a-z]+)(?:\s+ago)?")
_ISO_DAY = _Pattern(r"(\d{4})-(\d{2})-(\d{2})")
_DMY = _Pattern(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_ISO_MONTH = _Pattern(r"(\d{4})-(\d{2})")
_MY = _Pattern(r"(\d{1,2})/(\d{4})")
_YEAR = _Pattern(r"\d{4}")
_CLOCK = _Pattern(r"(\d{1,2})(?::(\d{2})|h(\d{2})?)")
_INSTANT = _Pattern(
    r"(\d{4})-(\d{2})-(\d{2})[t ]\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(z|[+-]\d{2}:?\d{2})?",
)


def current_day() -> date:
    """The machine's today: what `today` means when the caller gives none."""
    return date.today()


def fold(text: str) -> str:
    """Lower case, accents off, one space between words, one kind of apostrophe."""
    decomposed = unicodedata.normalize("NFD", text.replace("’", "'").replace("ʼ", "'"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(bare.lower().split())


def _weekday(name: str) -> int | None:
    """'mon', 'Monday', 'lun', 'lundi' → 0; two letters at least ('m' could be mardi)."""
    if len(name) < 2:
        return None
    for names in (WEEKDAYS, JOURS):
        for number, full in enumerate(names):
            if full.startswith(name):
                return number
    return None


def _real_day(year: int, month: int, day: int, text: str, forms: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateError(text, f"the year must be between {MIN_YEAR} and {MAX_YEAR}", forms)
    if not 1 <= month <= 12:
        raise DateError(text, "no such month", forms)
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(text, "no such day", forms) from None


def _month_span(year: int, month: int, text: str, forms: str) -> Span:
    first = _real_day(year, month, 1, text, forms)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Span(first, following - timedelta(days=1))


def duration_days(text: str, forms: str = AGE_FORMS) -> int | None:
    """'30d', '6w', '3m', '1y', '30j', '6s', '3 weeks ago', 'il y a 3 semaines' → days; None
    when TEXT is no duration. DateError when it is one, but too long."""
    words = fold(text)
    match = _DURATION.fullmatch(words)
    if match is None or match[2] not in _UNITS:
        return None
    days = int(match[1]) * _UNITS[match[2]]
    if days > MAX_DAYS:
        raise DateError(text, "too long ago: at most 100y", forms)
    return days


def _text(text: object, forms: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise DateError(text, "empty", forms)
    if len(text) > MAX_TEXT:
        raise DateError(text, "too long", forms)
    return fold(text)


def read_span(text: str, today: date | None = None, forms: str = SPAN_FORMS) -> Span:
    """Any day or span form → the days it covers (one day for a day)."""
    words = _text(text, forms)
    today = today or current_day()
    if words in _RELATIVE_DAYS:
        day = today + timedelta(days=_RELATIVE_DAYS[words])
        return Span(day, day)
    monday = today - timedelta(days=today.weekday())
    if words in _THIS_WEEK:
        return Span(monday, monday + timedelta(days=6))
    if words in _LAST_WEEK:
        return Span(monday - timedelta(days=7), monday - timedelta(days=1))
    if words in _THIS_MONTH:
        return _month_span(today.year, today.month, text, forms)
    if words in _LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return _month_span(last.year, last.month, text, forms)
    parts = words.split()
    strictly = len(parts) == 2 and (parts[0] == "last" or parts[1] in ("dernier", "passe"))
    number = _weekday(parts[1] if parts[0] == "last" else parts[0]) if strictly else None
    if number is None and len(parts) == 1:
        number = _weekday(words)
    if number is not None:
        back = (today.weekday() - number) % 7 or (7 if strictly else 0)
        day = today - timedelta(days=back)
        return Span(day, day)
    if match := _ISO_DAY.fullmatch(words):
        day = _real_day(int(match[1]), int(match[2]), int(match[3]), text, forms)
        return Span(day, day)
    if match := _DMY.fullmatch(words):
        day = _real_day(int(match[3]), int(match[2]), int(match[1]), text, forms)
        return Span(day, day)
    if match := _ISO_MONTH.fullmatch(words):
        return _month_span(int(match[1]), int(match[2]), text, forms)
    if match := _MY.fullmatch(words):
        return _month_span(int(match[2]), int(match[1]), text, forms)
    if _YEAR.fullmatch(words):
        first = _real_day(int(words), 1, 1, text, forms)
        return Span(first, first.replace(month=12, day=31))
    days = duration_days(words, forms)
    if days is not None:
        day = today - timedelta(days=days)
        return Span(day, day)
    raise DateError(text, "not a date", forms)


def read_day(text: str, today: date | None = None) -> date:
    """One day (a span of several is refused: `--date 2026-11` is ambiguous)."""
    span = read_span(text, today, DAY_FORMS)
    if span.start != span.end:
        raise DateError(text, "more than one day: give one", DAY_FORMS)
    return span.start


def read_month(text: str, today: date | None = None) -> Span:
    """A month: `2026-11`, `last month`…, or the month of a day (`today`: this month)."""
    span = read_span(text, today, MONTH_FORMS)
    start = span.start.replace(day=1)
    whole = _month_span(start.year, start.month, text, MONTH_FORMS)
    if span.start != span.end and span != whole:
        raise DateError(text, "not a month", MONTH_FORMS)
    return whole


def read_age(text: str, today: date | None = None) -> int:
    """How long ago, in days: a duration (`90d`), or the days since a day (`2026-06-01`)."""
    days = duration_days(_text(text, AGE_FORMS))
    if days is not None:
        return days
    today = today or current_day()
    try:
        start = read_span(text, today, AGE_FORMS).start
    except DateError as exc:
        reason = "not a duration" if exc.reason == "not a date" else exc.reason
        raise DateError(text, reason, AGE_FORMS) from None
    if start > today:
        raise DateError(text, "in the future", AGE_FORMS)
    return (today - start).days


def read_moment(text: str) -> Moment:
    """A moment for opening hours: a time, a day and a time, now, or an exact instant. The
    day of a weekday is left for the place's own zone to settle (the next such day)."""
    words = _text(text, MOMENT_FORMS)
    if words in _NOW:
        return Moment()
    try:
        return _moment(text, words)
    except ValueError as exc:  # out of range: 25:00, 9:75, offset +25:00
        if isinstance(exc, DateError):
            raise
        raise DateError(text, str(exc), MOMENT_FORMS) from None


def _moment(text: str, words: str) -> Moment:
    if match := _INSTANT.fullmatch(words):
        day = _real_day(int(match[1]), int(match[2]), int(match[3]), text, MOMENT_FORMS)
        clock = time(int(match[4]), int(match[5]), int(match[6] or 0))
        if match[7] is None:
            return Moment(clock=clock, day=day)
        return Moment(instant=datetime.combine(day, clock, tzinfo=_offset(match[7])))
    parts = words.split()
    if len(parts) == 3 and parts[1] in ("at", "a"):  # 'monday at 9:00', 'lundi à 9h'
        del parts[1]
    if len(parts) == 3 and parts[0] in ("last", "next", "ce", "this"):
        raise DateError(text, "not a time", MOMENT_FORMS)
    match = _CLOCK.fullmatch(parts[-1])
    if match is None or len(parts) > 2:
        day_alone = len(parts) == 1 and _day_part(parts[0]) is not None
        raise DateError(text, "a day: give a time too" if day_alone else "not a time", MOMENT_FORMS)
    clock = time(int(match[1]), int(match[2] or match[3] or 0))
    if len(parts) == 1:
        return Moment(clock=clock, days_ahead=0)
    found = _day_part(parts[0])
    if found is None:
        raise DateError(text, "not a time", MOMENT_FORMS)
    kind, value = found
    if kind == "weekday":
        return Moment(clock=clock, weekday=value)
    if kind == "relative":
        return Moment(clock=clock, days_ahead=value)
    return Moment(clock=clock, day=read_span(parts[0], forms=MOMENT_FORMS).start)


def _day_part(word: str) -> tuple[str, int] | None:
    if word in _RELATIVE_DAYS:
        return "relative", _RELATIVE_DAYS[word]
    number = _weekday(word)
    if number is not None:
        return "weekday", number
    if _ISO_DAY.fullmatch(word) or _DMY.fullmatch(word):
        return "day", 0
    return None


def _offset(text: str) -> timezone:
    if text == "z":
        return timezone.utc
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError(f"offset {text} out of range")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)
