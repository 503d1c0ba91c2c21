"""The ranking score: distance combined with work-friendliness, every point explained.

score = distance (0–40, linear from 40 at the search point to 0 at the radius)
      + kind     (community coworking 30, hackerspace 22, library 18, chain coworking 12, café 10)
      + internet access declared (yes/wlan/wired)     +8
      + opening hours known                           +6
      + a contact known (website, phone or e-mail)    +6
      + checked by a mapper in the last two years     +5
      + your rating (★1 … ★5)                         (rating − 3) × 6   (−12 … +12)
      + your visits                                   +2 each, at most +8
      + open at the time asked (--open-now/--open-at) +15

The points are computed from a place's signals (solomo_cli.signals), which the cache also keeps
as columns: `points` is the one rule, whether it reads a Place (`score`) or a cache row.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from solomo_cli.kinds import CHAIN_POINTS, KINDS
from solomo_cli.model import Place
from solomo_cli.signals import check_day, signals_of
from solomo_cli.words import count

DISTANCE_POINTS = 40.0
STALE_AFTER_DAYS = 730
INTERNET_POINTS = 8.0
HOURS_POINTS = 6.0
CONTACT_POINTS = 6.0
CHECKED_POINTS = 5.0
OPEN_POINTS = 15.0
MAX_VISIT_POINTS = 8.0


def check_age_days(check_date: str | None, today: date | None = None) -> int | None:
    """Days since `check_date` (YYYY, YYYY-MM or YYYY-MM-DD), or None when absent or unreadable."""
    when = check_day(check_date)
    return None if when is None else ((today or date.today()) - when).days


def is_stale(check_date: str | None, today: date | None = None) -> bool:
    day = check_day(check_date)
    return not recent(None if day is None else day.toordinal(), (today or date.today()).toordinal())


def recent(checked_day: int | None, today: int) -> bool:
    """Whether a mapper checked the place in the last two years (days as date ordinals)."""
    return checked_day is not None and today - checked_day <= STALE_AFTER_DAYS


def distance_points(distance_m: float, radius_m: float) -> float:
    return (
        round(DISTANCE_POINTS * max(0.0, 1.0 - distance_m / radius_m), 1) if radius_m > 0 else 0.0
    )


def kind_reason(kind: str, chain: int | bool) -> tuple[str, float]:
    if kind == "coworking":
        if chain:
            return ("chain / business centre", CHAIN_POINTS)
        return ("community coworking", KINDS["coworking"].points)
    known = KINDS.get(kind)
    return (kind, known.points if known else 0.0)


class Traits(NamedTuple):
    """What the score reads of a place besides the user's own marks (the cache's columns)."""

    kind: str
    chain: int | bool
    internet: int | bool
    hours_known: int | bool
    contact_known: int | bool
    check_day: int | None  # a date ordinal


def points(
    s: Traits,
    distance_m: float,
    radius_m: float,
    today: int,
    rating: float | None = None,
    visits: int = 0,
    open_then: bool = False,
) -> tuple[float, list[tuple[str, float]]]:
    """The score and its reasons (`today` as a date ordinal): the one rule, for a Place
    (`score`) and for a cache row alike (a listing orders its candidates by it)."""
    near = distance_points(distance_m, radius_m)
    rest = _rest(s, today, rating, visits, open_then)
    return _total(near, rest), [("distance", near), *rest]


def _rest(
    s: Traits, today: int, rating: float | None, visits: int, open_then: bool
) -> tuple[tuple[str, float], ...]:
    return _reasons(
        s.kind,
        bool(s.chain),
        bool(s.internet),
        bool(s.hours_known),
        bool(s.contact_known),
        recent(s.check_day, today),
        rating or None,
        visits,
        open_then,
    )


def _total(near: float, rest: tuple[tuple[str, float], ...]) -> float:
    total = near  # added in the reasons' order, so that every path rounds alike
    for _, value in rest:
        total += value
    return round(total, 1)


@functools.lru_cache(maxsize=4096)
def _reasons(
    kind: str,
    chain: bool,
    internet: bool,
    hours_known: bool,
    contact_known: bool,
    recent: bool,
    rating: float | None,
    visits: int,
    open_then: bool,
) -> tuple[tuple[str, float], ...]:
    """Every reason but distance: a few hundred combinations, each worked out once."""
    reasons = [kind_reason(kind, chain)]
    if internet:
        reasons.append(("internet", INTERNET_POINTS))
    if hours_known:
        reasons.append(("hours known", HOURS_POINTS))
    if contact_known:
        reasons.append(("contact known", CONTACT_POINTS))
    if recent:
        reasons.append(("recently checked", CHECKED_POINTS))
    if rating:
        reasons.append((f"your rating ★{rating:g}", round((float(rating) - 3.0) * 6.0, 1)))
    if visits:
        reasons.append((count(visits, "visits"), min(2.0 * visits, MAX_VISIT_POINTS)))
    if open_then:
        reasons.append(("open then", OPEN_POINTS))
    return tuple(reasons)


def best_points(kinds: Sequence[str], time_asked: bool = False) -> float:
    """The most points a place of these kinds can get besides distance and the user's own
    rating and visits: what a place farther than the places already found could still reach."""
    top = max((kind_reason(k, False)[1] for k in kinds), default=0.0)
    top += INTERNET_POINTS + HOURS_POINTS + CONTACT_POINTS + CHECKED_POINTS
    return top + (OPEN_POINTS if time_asked else 0.0)


def points_sql(today: int) -> tuple[str, list[Any]]:
    """SQL over the cache's signal columns for the points `points` gives besides distance and
    the user's own marks (and "open then"): how a search skips, in SQL, the rows that cannot
    reach a score. Built from the same table and constants (a test checks they agree)."""
    kinds = " ".join(
        f"WHEN ? THEN {kind_reason(name, False)[1]!r}" for name in KINDS if name != "coworking"
    )
    sql = (
        f"(CASE kind WHEN 'coworking' THEN (CASE WHEN chain THEN {CHAIN_POINTS!r} "
        f"ELSE {KINDS['coworking'].points!r} END) {kinds} ELSE 0.0 END"
        f" + internet * {INTERNET_POINTS!r} + hours_known * {HOURS_POINTS!r}"
        f" + contact_known * {CONTACT_POINTS!r}"
        f" + (CASE WHEN ? - check_day <= {STALE_AFTER_DAYS} THEN {CHECKED_POINTS!r} ELSE 0.0 END))"
    )
    return sql, [name for name in KINDS if name != "coworking"] + [today]


def score(
    place: Place, radius_m: float, *, time_asked: bool = False, today: date | None = None
) -> tuple[float, list[tuple[str, float]]]:
    s = signals_of(place)
    return points(
        Traits(place.kind, s.chain, s.internet, s.hours_known, s.contact_known, s.check_day),
        place.distance_m,
        radius_m,
        (today or date.today()).toordinal(),
        place.extra.get("my_rating"),
        int(place.extra.get("visits") or 0),
        time_asked and place.extra.get("open_state") == "open",
    )


def rank(
    places: list[Place], radius_m: float, sort: str = "score", *, time_asked: bool = False
) -> list[Place]:
    today = date.today()
    for place in places:
        place.score, place.reasons = score(place, radius_m, time_asked=time_asked, today=today)
    if sort == "distance":
        return sorted(places, key=lambda p: (p.distance_m, p.id))
    return sorted(places, key=lambda p: (-p.score, p.distance_m, p.id))


def explain(place: Place, sep: str = ", ") -> str:
    return sep.join(f"{label} {points:+g}" for label, points in place.reasons if points)
