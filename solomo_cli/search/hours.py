"""Opening hours of a place, evaluated in the place's own time zone and country.

A thin layer over opening_hours_py (``import opening_hours``); the OSM syntax is never parsed
here. What opening_hours_py 2.1 does, as found by trying it:

- ``OpeningHours(value, coords=(lat, lon))`` infers the IANA zone and the country (for ``PH``,
  public holidays) from the coordinates. The first such call in a process costs about 0.25 s
  and 110 MB (it loads its geographic data); later ones take about 20 µs. Without coordinates
  nothing is inferred: times are taken as they come and ``PH`` never matches.
- How ``timezone=``, ``country=``, ``coords=`` and the ``auto_*`` flags interact (tried on
  ``sunrise-sunset`` in Paris, 2 December, sunset 16:56): the coordinates count for sun times
  only while ``auto_timezone`` is True; with ``auto_timezone=False`` they are dropped and sun
  events fall back to fixed times (sunset 19:00). A ``timezone`` given explicitly wins over
  inference and loads nothing, and so does a ``country`` given, or ``auto_country=False``;
  ``auto_country=True`` without a country loads the data. So the fast and right call for a place
  whose zone is stored is ``timezone=, country=, coords=, auto_country=False`` with
  ``auto_timezone`` left True (``_compile``).
- A bad value raises ``opening_hours.ParserError`` (its docstring says SyntaxError) with a
  multi-line pest message; bad coordinates (lat > 90, NaN...) raise ``InvalidCoordinatesError``;
  a lone surrogate in the value raises UnicodeEncodeError. The type stub omits these classes.
  Where no zone is found (e.g. lat 90, lon 180) it falls back to UTC and prints a line on stderr.
- A naive datetime is read as wall-clock time in the place's zone. An aware datetime is accepted
  only with a ``zoneinfo.ZoneInfo`` tzinfo (it reads ``.key``): ``datetime.timezone.utc`` raises
  TypeError. Results are aware datetimes in the place's ``ZoneInfo``.
- With no time given, it takes the *machine's* local wall clock as the place's wall clock, which
  is wrong whenever the two zones differ: this module always passes an explicit instant.
- ``state(t)`` gives ``(State, comment)``; ``State.OPEN/CLOSED/UNKNOWN`` print as ``open`` etc.
  and the comment is ``''`` when the matching rule has none.
- ``next_change(t)`` also stops at changes of comment only; with ``max_interval_days`` it returns
  None when the change lies beyond that horizon. ``intervals(start, end)`` yields
  ``(start, end, State, comment)``; without ``end`` and with ``max_interval_days`` it yields one
  interval ending None and then jumps far ahead, so an end is always given here.
- A rule whose only modifier is a comment (``"on appointment"``,
  ``Mo-Fr 09:00-18:00 "on appointment"``, ``... || "by appointment"``) evaluates as open; the
  OSM specification and opening_hours.js say unknown, which this module follows.
- Known quirks: after a closed part of a fallback rule (``A || B``) it may not see the next
  opening of ``A``; an open end (``20:00+``) is open until midnight; ``SH`` parses but never
  matches (no school-holiday calendar: ``evaluate`` says "uncertain" wherever an ``SH`` rule
  could change the answer). It rejects en dashes, ``Sun`` and a trailing ``;``, all seen in
  real data.
- Its ``ZoneInfo`` objects need the IANA database: on Windows that is the ``tzdata`` package.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from solomo_cli import native
from solomo_cli.dates import read_moment

if TYPE_CHECKING:
    from opening_hours import OpeningHours

    from solomo_cli.cache.store import Cache
    from solomo_cli.model import Place

__all__ = [
    "HoursInfo",
    "When",
    "add_zones",
    "annotate_hours",
    "check",
    "evaluate",
    "parse_when",
    "place_hours",
    "place_zone",
]

HORIZON_DAYS = 8
UNKNOWN_PHRASE = "hours unknown"
SCHOOL_HOLIDAYS = "school holidays"
# 4 decimals is about 11 m: same zone, country and sun times, and nearby lookups share the cache.
_COORD_DECIMALS = 4
_MAX_INTERVALS = 500
_MAX_COMMENT = 40
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# `SH` as a holiday selector, outside quoted comments; a weekday right after it (`SH Mo-Fr`,
# which the library reads as `SH,Mo-Fr`) becomes a list item. Patterns stay strings, compiled
# (and cached by `re`) on first use: a warm listing imports this module but matches nothing.
_SH = r'"[^"]*"|\bSH\b(\s+(?=(?:Mo|Tu|We|Th|Fr|Sa|Su)\b))?'


class HoursInfo(NamedTuple):
    """State of a place at one instant, ready for a table cell."""

    state: str  # "open" | "closed" | "unknown"
    next_change: datetime | None
    phrase: str
    error: str | None = None
    comment: str | None = None
    # Until when this answer holds for any later instant: the next change, or the end of the
    # place's local day (the phrase names days); None when unknown. The memo (place_hours) uses it.
    valid_until: datetime | None = None


def evaluate(
    value: str | None,
    lat: float,
    lon: float,
    at: When | datetime | None = None,
    *,
    tz: str | None = None,
    country: str | None = None,
) -> HoursInfo:
    """Evaluate an OSM ``opening_hours`` value for the place at (lat, lon).

    ``at``: None means now; an aware datetime is that instant; a naive one is wall-clock time in
    the place's zone; a ``When`` is resolved against the place's zone. A missing or unparsable
    value gives state "unknown" (with the parser message in ``error``). ``next_change`` is the
    next change of *state* before the end of the ``HORIZON_DAYS``-th local day after this one,
    in the place's zone, and None when there is none or the state is unknown. Raises ValueError
    for invalid coordinates.

    ``tz``/``country``: those ``place_zone`` gave when the place was fetched, stored with it
    (without them, ``place_zone`` is asked now: one rule for every place); the coordinates
    still give the sun times.

    Where school holidays (``SH``, which no calendar here knows) would give another state, the
    state is "unknown" and the phrase says "uncertain"; where they would only move the next
    change, the phrase ends "unless school holidays".
    """
    value = (value or "").strip()  # the library accepts some surrounding spaces, not all
    if not value:
        return HoursInfo("unknown", None, UNKNOWN_PHRASE)
    native.preload("opening_hours")
    import opening_hours

    lat, lon = round(lat, _COORD_DECIMALS), round(lon, _COORD_DECIMALS)
    try:
        if not tz or not _known_zone(tz):
            # The zone and country a place fetched now would store (one rule for both), also
            # for a stored zone this machine's zone database does not have (a cache copied
            # from a machine with newer zone data).
            tz, country = place_zone(lat, lon)
        compiled = _compile(value, lat, lon, tz, country)
        zone = _zoneinfo(tz)
    except opening_hours.InvalidCoordinatesError as exc:  # type: ignore[attr-defined]
        raise ValueError(f"invalid coordinates: {lat}, {lon}") from exc
    if isinstance(at, When):
        at = at.resolve(zone)
    local_at = _local(_utcnow() if at is None else at, zone)
    # The horizon ends with a local day, not HORIZON_DAYS after the instant: every instant of
    # one day then sees the same horizon, so an answer holds until `valid_until`.
    end = _day_start(local_at, HORIZON_DAYS + 1)
    day_end = _day_start(local_at, 1)
    if isinstance(compiled, str):
        return HoursInfo("unknown", None, UNKNOWN_PHRASE, error=compiled, valid_until=day_end)
    found = _walk(compiled, value, local_at, end)
    if found is None:
        return HoursInfo("unknown", None, UNKNOWN_PHRASE)
    if found.state == "unknown":
        return HoursInfo("unknown", None, _unknown_phrase(found.comment), comment=found.comment)
    holds = _earliest(found.change, day_end)
    phrase = _phrase(found.state, found.start, found.change, found.next_state)

    school_value = _school_holidays(value)
    if school_value is not None:
        other = _compile(school_value, lat, lon, tz, country)
        alt = None if isinstance(other, str) else _walk(other, school_value, local_at, end)
        if alt is None or alt.state != found.state:
            other_phrase = (
                f"unless {SCHOOL_HOLIDAYS}" if alt is None else f"{alt.state} in {SCHOOL_HOLIDAYS}"
            )
            return HoursInfo(
                "unknown",
                None,
                f"uncertain · {found.state}, {other_phrase}",
                comment=found.comment,
                valid_until=_earliest(holds, alt.change if alt else None),
            )
        if alt.change != found.change:
            phrase += f" unless {SCHOOL_HOLIDAYS}"
            holds = _earliest(holds, alt.change)
    return HoursInfo(found.state, found.change, phrase, comment=found.comment, valid_until=holds)


class _Found(NamedTuple):
    """What one compiled value says from an instant on (see ``_walk``)."""

    start: datetime  # the instant, as the library gives it back (aware, in the place's zone)
    state: str
    comment: str | None
    change: datetime | None  # next change of state within the horizon
    next_state: str | None


def _walk(
    compiled: OpeningHours, value: str, local_at: datetime, end: datetime | None
) -> _Found | None:
    """The state at ``local_at`` and its next change before ``end``; None if nothing is known."""
    intervals = itertools.islice(
        compiled.intervals(_library_time(local_at), None if end is None else _library_time(end)),
        _MAX_INTERVALS,
    )
    first = next(intervals, None)
    if first is None:
        return None
    start, first_end, first_state, raw_comment = first
    state = _effective_state(str(first_state), raw_comment, value)
    change: datetime | None = None
    next_state: str | None = None
    if state != "unknown" and first_end is not None:
        for change_start, change_end, st, cmt in intervals:
            candidate = _effective_state(str(st), cmt, value)
            if candidate != state:
                change, next_state = change_start, candidate
                break
            if change_end is None:
                break
    return _Found(start, state, raw_comment or None, change, next_state)


def _earliest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return min(known) if known else None


def _school_holidays(value: str) -> str | None:
    """``value`` as it reads on a school holiday (every ``SH`` matching), or None without SH."""
    seen = False

    def swap(match: re.Match[str]) -> str:
        nonlocal seen
        if match.group(0).startswith('"'):
            return match.group(0)
        seen = True
        return "Mo-Su," if match.group(1) else "Mo-Su"

    changed = re.sub(_SH, swap, value)
    return changed if seen else None


# -- the places of a listing or of `show`: one evaluator, one memo -------------------------


def place_hours(
    places: Sequence[Place], at: When | datetime | None = None, memo: Cache | None = None
) -> list[HoursInfo | None]:
    """Each place's hours at ``at`` (None: now), in its stored zone; None where it has none.

    For "now" with a ``memo`` (the cache), an answer that still holds (``HoursInfo.valid_until``)
    is reused and new ones are kept: a warm listing or ``show`` needs neither the parser nor the
    zone data. A place with no stored zone (only in the user's data) has it inferred."""
    return [
        None
        if found is None
        else found
        if isinstance(found, HoursInfo)
        else HoursInfo(
            found[0], datetime.fromisoformat(found[1]) if found[1] else None, found[2], found[3]
        )
        for found in _answers(places, at, memo)
    ]


# What the cache's memo gives back: (state, next change as ISO text, phrase, error).
_Stored = tuple[str, "str | None", str, "str | None"]


def _answers(
    places: Sequence[Place], at: When | datetime | None, memo: Cache | None
) -> list[HoursInfo | _Stored | None]:
    """place_hours' answers, those from the cache's memo as it holds them (their time as
    text: a listing writes it as text again)."""
    from solomo_cli.cache.store import HoursAnswer

    now = _utcnow()
    keys = [_hours_key(p) for p in places]
    use_memo = memo if at is None else None
    valued = [p.id for p, key in zip(places, keys, strict=True) if key[0]]
    known = use_memo.hours_answers(valued, now.timestamp()) if use_memo and valued else {}
    answers: list[HoursInfo | _Stored | None] = []
    fresh = []
    local: dict[tuple[Any, ...], tuple[datetime, HoursInfo]] = {}
    for place, key in zip(places, keys, strict=True):
        if not key[0]:
            answers.append(None)
            continue
        hit = known.get(place.id)
        if hit is not None and (hit.value, hit.lat, hit.lon, hit.tz, hit.country) == key:
            answers.append((hit.state, hit.next_change, hit.phrase, hit.error))
            continue
        info = _evaluated(key, now if at is None else at, now, local)
        answers.append(info)
        if use_memo is not None and info.valid_until is not None:
            change_text = info.next_change.isoformat() if info.next_change else None
            fresh.append(
                HoursAnswer(
                    place.id,
                    *key,
                    now.timestamp(),
                    info.valid_until.timestamp(),
                    info.state,
                    change_text,
                    info.phrase,
                    info.error,
                )
            )
    if use_memo is not None and fresh:
        use_memo.save_hours_answers(fresh)
    return answers


# Many places share an hours value ("Mo-Fr 09:00-18:00"): within a run, a value is evaluated
# once per zone and country (and per place only where the sun's times count), and its answer
# reused for as long as it holds (`valid_until`), as the cache's memo does across runs.
_SUN = r"(?i)sunrise|sunset|dawn|dusk"  # compiled on first use (a warm listing needs none)
_EVALUATED_MAX = 10_000
_evaluated_memo: dict[tuple[Any, ...], tuple[datetime, HoursInfo]] = {}


def _evaluated(
    key: tuple[str, float, float, str | None, str | None],
    at: When | datetime,
    now: datetime,
    local: dict[tuple[Any, ...], tuple[datetime, HoursInfo]],
) -> HoursInfo:
    """evaluate() of a place's (value, lat, lon, tz, country) at ``at``: ``now`` itself (an
    answer kept in the run's memo), or a time asked (kept in ``local``, one call's memo)."""
    value, lat, lon, tz, country = key
    # Without a stored zone the coordinates give it; with one, they give only sun times.
    where = (lat, lon) if not tz or re.search(_SUN, value) else None
    if at is now:  # "now": an answer holds for any later instant until valid_until
        memo_key: tuple[Any, ...] = (value, tz, country, where)
        found = _evaluated_memo.get(memo_key)
        if (
            found is not None
            and found[0] <= now
            and (found[1].valid_until is not None and now < found[1].valid_until)
        ):
            return found[1]
    else:  # a time asked: the answers of this call only (`local`)
        memo_key = (value, tz, country, where)
        found = local.get(memo_key)
        if found is not None:
            return found[1]
    info = evaluate(value, lat, lon, at, tz=tz, country=country)
    memo = _evaluated_memo if at is now else local
    if len(memo) >= _EVALUATED_MAX:
        memo.clear()
    memo[memo_key] = (now, info)
    return info


def annotate_hours(places: list[Place], at: When | None, cache: Cache | None = None) -> None:
    """open_state / next_change / hours phrase / error of each place, for listings (see
    ``place_hours``: `cache` is the memo, used for "now" only)."""
    for place, found in zip(places, _answers(places, at, cache), strict=True):
        if found is None:
            _set_hours(place, "unknown", None, None, None)
        elif isinstance(found, HoursInfo):
            change = found.next_change.isoformat() if found.next_change else None
            _set_hours(place, found.state, change, found.phrase, found.error)
        else:
            _set_hours(place, *found)


def _hours_key(place: Place) -> tuple[str, float, float, str | None, str | None]:
    """What an hours answer depends on besides the time: (value, lat, lon, tz, country)."""
    value = (place.opening_hours or "").strip()
    return (value, place.lat, place.lon, place.extra.get("tz"), place.extra.get("country"))


def _set_hours(
    place: Place, state: str, change: str | None, phrase: str | None, error: str | None
) -> None:
    place.extra["open_state"] = state
    place.extra["next_change"] = change
    place.extra["hours_phrase"] = phrase
    place.extra["hours_error"] = error


def add_zones(places: list[Place]) -> None:
    """Infer each place's time zone and country once, when fetched (only where hours exist)."""
    for place in places:
        if place.opening_hours:
            place.extra["tz"], place.extra["country"] = place_zone(place.lat, place.lon)


def _local(at: datetime, zone: tzinfo) -> datetime:
    """``at`` as an aware time in the place's zone (a naive ``at`` is wall-clock time there)."""
    if at.tzinfo is None or at.utcoffset() is None:
        return at.replace(tzinfo=zone)
    return at.astimezone(zone)


def _day_start(local: datetime, days: int) -> datetime | None:
    """Local midnight ``days`` days after ``local``'s day; None past the calendar's end."""
    try:
        return datetime.combine(local.date() + timedelta(days=days), time(0), tzinfo=local.tzinfo)
    except OverflowError:
        return None


def check(value: str) -> str | None:
    """Parser error message for an unparsable value, or None when it parses."""
    parsed = _parse(value.strip())
    return parsed if isinstance(parsed, str) else None


@functools.lru_cache(maxsize=2048)
def _compile(
    value: str, lat: float, lon: float, tz: str, country: str | None
) -> OpeningHours | str:
    """The parsed value for a place in its zone and country (cached), or the parser's message.
    A country the library has no holidays for (India, Thailand, Antarctica… about 120 of
    zone.tab's) is no country to it: its public holidays are unknown, as the library's own
    inference would leave them."""
    # auto_timezone stays True: only then do the coordinates give sun times; the explicit
    # zone wins over inference, and auto_country=False keeps the zone data unloaded.
    native.preload("opening_hours")
    import opening_hours

    options = {"coords": (lat, lon), "timezone": _zoneinfo(tz), "auto_country": False}
    try:
        return _parse(value, country=country, max_interval_days=HORIZON_DAYS, **options)
    except opening_hours.UnknownCountryError:  # type: ignore[attr-defined]
        return _parse(value, max_interval_days=HORIZON_DAYS, **options)


def _zoneinfo(key: str) -> tzinfo:
    """``ZoneInfo(key)``, imported only when hours are really evaluated (not on a memo hit)."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(key)


def place_zone(lat: float, lon: float) -> tuple[str, str | None]:
    """(IANA zone, ISO country code or None) of a place, computed once when it is fetched.

    The zone is tzfpy's: the Python binding of tzf-rs, the finder that opening_hours_py embeds
    to infer a zone, with borders simplified in the same way (a newer release). A place takes about
    3 µs, where asking opening_hours_py takes 12–35 µs: a sync asks for every place with
    hours. A zone Python's zone database does not know is the library's own inference. The
    country is the one tzdata's zone.tab gives for that zone (the library does not expose the
    country it infers)."""
    lat, lon = round(lat, _COORD_DECIMALS), round(lon, _COORD_DECIMALS)
    key = _found_zone(lat, lon)
    if key is None:
        key = getattr(_zone(lat, lon), "key", None) or "UTC"
    return key, _zone_countries().get(key)


def _found_zone(lat: float, lon: float) -> str | None:
    """tzfpy's zone at the point, if Python's zone database knows it (else None)."""
    key: str = _finder()(lon, lat)  # longitude first
    return key if key and _known_zone(key) else None


@functools.cache
def _finder() -> Callable[[float, float], str]:
    """tzfpy.get_tz, imported once (its data loads on the first call: ~0.1 s, ~30 MB)."""
    native.preload("tzfpy")
    from tzfpy import get_tz

    return get_tz  # type: ignore[no-any-return]


@functools.cache  # a few hundred zones at most
def _known_zone(key: str) -> bool:
    """Whether Python's zone database (the system's, or tzdata's) has this zone."""
    try:
        _zoneinfo(key)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


@functools.lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """IANA zone → country code, from zone.tab (tzdata package, else the system's copy)."""
    candidates = []
    try:
        from importlib.resources import files

        candidates.append(files("tzdata") / "zoneinfo" / "zone.tab")
    except (ModuleNotFoundError, TypeError):
        pass
    candidates.append(Path("/usr/share/zoneinfo/zone.tab"))
    for candidate in candidates:
        try:
            text = candidate.read_text(encoding="utf-8")
        except OSError:
            continue
        table = {}
        for line in text.splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and not line.startswith("#"):
                table[fields[2]] = fields[0]
        return table
    return {}


def _parse(value: str, **options: Any) -> OpeningHours | str:
    """``OpeningHours(value, **options)``, or a one-line message when the value is invalid."""
    native.preload("opening_hours")
    import opening_hours

    try:
        return opening_hours.OpeningHours(value, **options)
    except opening_hours.ParserError as exc:  # type: ignore[attr-defined]
        return _one_line(str(exc))
    except UnicodeEncodeError as exc:  # lone surrogates, e.g. from a JSON "\ud800" escape
        return f"invalid opening_hours: character {exc.start + 1} is not valid text"


@functools.cache
def _opening_hours() -> type[OpeningHours]:
    native.preload("opening_hours")
    import opening_hours

    return opening_hours.OpeningHours


_PROBE_DAY = (datetime(2000, 1, 1), datetime(2000, 1, 2))


@functools.lru_cache(maxsize=1024)
def _zone(lat: float, lon: float) -> tzinfo:
    """The place's time zone, as inferred by opening_hours_py."""
    # The zone alone: inferring the country too (auto_country) costs five times as much and
    # gives the same zone. A sync asks this for every place with hours: the class is called
    # directly ("24/7" always parses), which takes a third of the time _parse takes.
    probe = _opening_hours()(
        "24/7", coords=(lat, lon), auto_country=False, max_interval_days=HORIZON_DAYS
    )
    first = next(probe.intervals(*_PROBE_DAY))
    return first[0].tzinfo or _zoneinfo("UTC")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _library_time(at: datetime) -> datetime:
    """``at`` in a form opening_hours_py reads as meant (see the module docstring)."""
    if at.tzinfo is None or at.utcoffset() is None:
        return at.replace(tzinfo=None)
    try:
        return at.astimezone(_zoneinfo("UTC"))
    except OverflowError:  # at the calendar's ends: the wall-clock time in the place's zone
        return at.replace(tzinfo=None)


def _effective_state(state: str, comment: str, value: str) -> str:
    """The library's state, except that a rule whose only modifier is a comment is unknown."""
    if state == "open" and comment:
        explicit = r'\bopen\s+"' + re.escape(comment) + '"'
        if not re.search(explicit, value, re.IGNORECASE):
            return "unknown"
    return state


def _one_line(message: str) -> str:
    """A pest parser message reduced to one line: where it failed and what it expected."""
    where = re.search(r"-->\s*(\d+):(\d+)", message)
    expected = re.search(r"^\s*=\s*(.+?)\s*$", message, re.MULTILINE)
    if where is None or expected is None:
        return " ".join(message.split())
    line, column = where.groups()
    at = f"column {column}" if line == "1" else f"line {line}, column {column}"
    return f"invalid opening_hours at {at}: {expected.group(1)}"


def _unknown_phrase(comment: str | None) -> str:
    if not comment:
        return UNKNOWN_PHRASE
    text = " ".join(comment.split()) or "?"
    if len(text) > _MAX_COMMENT:
        cut = text[: _MAX_COMMENT - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip() + "…"
    return f"unknown · {text}"


def _phrase(state: str, local_at: datetime, change: datetime | None, next_state: str | None) -> str:
    if change is None:
        return "open 24/7" if state == "open" else "closed"
    days = (change.date() - local_at.date()).days
    if state == "open":
        verb = "closes" if next_state == "closed" else "until"
        if days == 1 and change.time() == time(0):
            return f"open · {verb} 24:00"
    else:
        verb = "opens" if next_state == "open" else "until"
    if days == 0:
        when = f"{change:%H:%M}"
    elif days < 7:
        when = f"{_DAYS[change.weekday()]} {change:%H:%M}"
    else:
        when = _day_and_time(change)
    return f"{state} · {verb} {when}"


def _day_and_time(moment: datetime, year: int | None = None) -> str:
    """'Tue 1 Dec 09:00', with the year when it is not ``year``."""
    text = f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]}"
    if year is not None and moment.year != year:
        text += f" {moment.year}"
    return f"{text} {moment:%H:%M}"


class When(NamedTuple):
    """A time the user asked about, interpreted in each place's own time zone.

    A wall-clock spec (``clock`` with ``day``, ``days_ahead`` or ``weekday``) is resolved
    against the place's local today; an absolute ``instant`` stays the same instant; a When
    with no field set means now.
    """

    clock: time | None = None
    day: date | None = None
    days_ahead: int | None = None
    weekday: int | None = None  # 0 is Monday
    instant: datetime | None = None

    def resolve(self, tz: tzinfo, now: datetime | None = None) -> datetime:
        """This time as an aware datetime in ``tz``; ``now`` (aware) defaults to the clock."""
        local_now = (now or datetime.now(timezone.utc)).astimezone(tz)
        if self.instant is not None:
            return self.instant.astimezone(tz)
        if self.clock is None:
            return local_now
        if self.day is not None:
            day = self.day
        elif self.weekday is not None:
            ahead = (self.weekday - local_now.weekday()) % 7
            if ahead == 0 and self.clock <= local_now.time():
                ahead = 7
            day = local_now.date() + timedelta(days=ahead)
        else:
            day = local_now.date() + timedelta(days=self.days_ahead or 0)
        return datetime.combine(day, self.clock, tzinfo=tz)

    def describe(self, tz: tzinfo | None = None) -> str:
        """A short title: 'Tue 1 Dec 09:00' when resolved in ``tz``, else as the user meant it."""
        this_year = datetime.now(timezone.utc).year
        if tz is not None:
            return _day_and_time(self.resolve(tz), this_year)
        if self.instant is not None:
            offset = self.instant.strftime("%z")
            offset = "" if offset in ("+0000", "-0000") else f"{offset[:3]}:{offset[3:]}"
            return f"{_day_and_time(self.instant, this_year)} UTC{offset}"
        if self.clock is None:
            return "now"
        clock = f"{self.clock:%H:%M}"
        if self.day is not None:
            return _day_and_time(datetime.combine(self.day, self.clock), this_year)
        if self.weekday is not None:
            return f"{_DAYS[self.weekday]} {clock}"
        return f"{'tomorrow' if self.days_ahead else 'today'} {clock}"


def parse_when(text: str) -> When:
    """Parse the user's ``--open-at`` argument with the one date grammar (solomo_cli/dates.py);
    its DateError (a ValueError) names the accepted forms."""
    return When(*read_moment(text))
