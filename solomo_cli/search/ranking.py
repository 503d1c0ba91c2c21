"""The ranking score: distance combined with work-friendliness, every point explained.

score = distance (0–40, linear from 40 at the search point to 0 at the radius)
      + kind     (community coworking 30, hackerspace 22, library 18, chain coworking 12, café 10)
      + each signal of SIGNALS below: its points when yes, when no, and nothing when unknown
      + opening hours known                           +6
      + a contact known (website, phone or e-mail)    +6
      + your rating (★1 … ★5)                         (rating − 3) × 6   (−12 … +12)
      + your visits                                   +2 each, at most +8
      + your field notes (power and Wi-Fi replace OSM's; noise and calls are yours alone)
      + open at the time asked (--open-now/--open-at) +15

`confidence` is how much of what matters is known: the share of the signals' weight (each
signal weighs its largest points, hours and contact their 6) whose value is known, from OSM
or from your field notes, 0 to 1.

The points are computed from a place's signals (solomo_cli.signals), which the cache also keeps
as columns: `points` is the one rule, whether it reads a Place (`score`) or a cache row, and
`points_sql` is built from the same table.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, NamedTuple

from solomo_cli.kinds import CHAIN_POINTS, KINDS
from solomo_cli.model import Place
from solomo_cli.signals import NO_FACTS as NO_FACTS  # this module's API too
from solomo_cli.signals import ROOMY_SEATS, Fact, check_day, signals_of
from solomo_cli.signals import Facts as Facts  # this module's API too
from solomo_cli.words import count

DISTANCE_POINTS = 40.0
STALE_AFTER_DAYS = 730
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


class Signal:
    """One OSM signal of the score: its column, how it reads, and its points when yes or no.
    (A plain class, not a NamedTuple: this module is imported by every listing.)"""

    __slots__ = ("column", "label", "yes", "no", "yes_points", "no_points")

    def __init__(
        self, column: str, label: str, yes: str, no: str, yes_points: float, no_points: float
    ) -> None:
        self.column, self.label, self.yes, self.no = column, label, yes, no  # yes: the word for 1
        self.yes_points, self.no_points = yes_points, no_points

    @property
    def weight(self) -> float:
        return max(abs(self.yes_points), abs(self.no_points))


# The signals, in the order the explanation gives them (the README's ranking table).
SIGNALS = (
    Signal("power", "power", "yes", "no", 8.0, -6.0),
    Signal("internet", "Wi-Fi", "yes", "no", 8.0, -8.0),
    Signal("free_wifi", "Wi-Fi fee", "free", "paid", 3.0, -2.0),
    Signal("fee_free", "entry", "free", "paid", 2.0, 0.0),
    Signal("bookable", "booking", "yes", "no", 2.0, 0.0),
    Signal("roomy", "seats", f"{ROOMY_SEATS}+", f"under {ROOMY_SEATS}", 2.0, 0.0),
    Signal("community", "run by", "community", "company", 5.0, -3.0),
    Signal("checked", "checked", "recently", "long ago", CHECKED_POINTS, 0.0),
    Signal("wheelchair", "wheelchair", "yes", "no", 2.0, -2.0),
    Signal("outdoor", "outdoor seats", "yes", "no", 1.0, 0.0),
    Signal("aircon", "air con", "yes", "no", 2.0, 0.0),
)
# Known or not (no "no"): hours and a contact.
KNOWN_WEIGHT = HOURS_POINTS + CONTACT_POINTS
TOTAL_WEIGHT = sum(s.weight for s in SIGNALS) + KNOWN_WEIGHT


class Traits(NamedTuple):
    """What the score reads of a place besides the user's own marks (the cache's columns)."""

    kind: str
    chain: int | bool
    internet: int | bool | None
    hours_known: int | bool
    contact_known: int | bool
    check_day: int | None  # a date ordinal
    free_wifi: int | None = None
    wheelchair: int | None = None
    power: int | None = None
    fee_free: int | None = None
    bookable: int | None = None
    roomy: int | None = None
    community: int | None = None
    outdoor: int | None = None
    aircon: int | None = None


POWER_FACTS = {"plenty": 8.0, "few": 4.0, "none": -6.0}
WIFI_FACTS = {"good": 8.0, "ok": 4.0, "bad": -4.0}
NOISE_FACTS = {"quiet": 3.0, "lively": 0.0, "loud": -3.0}
CALLS_FACTS = {"ok": 2.0, "no": -2.0}
GOOD_MBPS, OK_MBPS = 25, 5  # a measured speed: at least this is good, at least this ok


def wifi_grade(value: str) -> str:
    """'good', 'ok', 'bad', or a speed ('40mbps') graded as one of them."""
    if value.endswith("mbps"):
        mbps = float(value[:-4])
        return "good" if mbps >= GOOD_MBPS else "ok" if mbps >= OK_MBPS else "bad"
    return value


def points(
    s: Traits,
    distance_m: float,
    radius_m: float,
    today: int,
    rating: float | None = None,
    visits: int = 0,
    open_then: bool = False,
    facts: Facts = NO_FACTS,
) -> tuple[float, list[tuple[str, float]]]:
    """The score and its reasons (`today` as a date ordinal): the one rule, for a Place
    (`score`) and for a cache row alike (a listing orders its candidates by it)."""
    near = distance_points(distance_m, radius_m)
    rest, rest_total = _reasons(_key(s, today), rating or None, visits, open_then, facts)
    return round(near + rest_total, 1), [("distance", near), *rest]


def total_points(
    s: Traits,
    distance_m: float,
    radius_m: float,
    today: int,
    rating: float | None = None,
    visits: int = 0,
    open_then: bool = False,
    facts: Facts = NO_FACTS,
) -> float:
    """`points`' score alone, without listing its reasons: what a listing orders its
    candidates by (it may score hundreds of thousands)."""
    near = distance_points(distance_m, radius_m)
    return round(near + _total(_key(s, today), rating or None, visits, open_then, facts), 1)


def osm_scorer(radius_m: float, today: int) -> Callable[[tuple[Any, ...], float], float]:
    """`total_points` of places the user has not marked (no rating, visit or field note, no
    time asked), as a function of (traits in Traits' order, any tuple; distance): what a
    listing scores its candidates by, each combination of traits worked out once."""
    rests: dict[tuple[Any, ...], float] = {}

    def score(s: tuple[Any, ...], distance_m: float) -> float:
        key = _key(s, today)
        rest = rests.get(key)
        if rest is None:
            rest = rests[key] = _total(key, None, 0, False, NO_FACTS)
        return round(distance_points(distance_m, radius_m) + rest, 1)

    return score


_CHECK_AT = Traits._fields.index("check_day")
# Where each signal's value is in a _key (Traits' order; "checked" in check_day's place).
_SIGNAL_AT = tuple(
    _CHECK_AT if s.column == "checked" else Traits._fields.index(s.column) for s in SIGNALS
)


def _key(s: tuple[Any, ...], today: int) -> tuple[Any, ...]:
    """The traits as the reasons depend on them: the check day as checked recently (1), long
    ago (0) or never (None). A plain tuple, made in C: a listing scores every candidate."""
    day: int | None = s[_CHECK_AT]  # type: ignore[assignment]
    checked = None if day is None else int(today - day <= STALE_AFTER_DAYS)
    return s[:_CHECK_AT] + (checked,) + s[_CHECK_AT + 1 :]


def confidence(s: Traits, today: int, facts: Facts = NO_FACTS) -> float:
    """How much of what matters is known of a place, 0 to 1 (see the module's docstring)."""
    return _confidence(_key(s, today), facts.power is not None, facts.wifi is not None)


@functools.lru_cache(maxsize=4096)
def _confidence(key: tuple[Any, ...], my_power: bool, my_wifi: bool) -> float:
    known = HOURS_POINTS * bool(key[3]) + CONTACT_POINTS * bool(key[4])
    for signal, at in zip(SIGNALS, _SIGNAL_AT, strict=True):
        mine = (signal.column == "power" and my_power) or (signal.column == "internet" and my_wifi)
        if key[at] is not None or mine:
            known += signal.weight
    return round(known / TOTAL_WEIGHT, 2)


def _mine(what: str, fact: Fact, value: float, worded: bool = True) -> tuple[str, float]:
    return (f"{what}: {fact[0]} (your visit, {fact[1]})" if worded else "", value)


def _reasons(
    key: tuple[Any, ...], rating: float | None, visits: int, open_then: bool, facts: Facts
) -> tuple[tuple[tuple[str, float], ...], float]:
    """Every reason but distance, and their total (added in their order, so that every path
    rounds alike): the combinations met, each worked out once."""
    return _worked_out(key, rating, visits, open_then, facts, True)


def _total(
    key: tuple[Any, ...], rating: float | None, visits: int, open_then: bool, facts: Facts
) -> float:
    """_reasons' total alone, without wording the reasons: what a listing orders its candidates
    by (hundreds of combinations, most never shown)."""
    return _worked_out(key, rating, visits, open_then, facts, False)[1]


@functools.lru_cache(maxsize=8192)
def _worked_out(
    key: tuple[Any, ...],
    rating: float | None,
    visits: int,
    open_then: bool,
    facts: Facts,
    worded: bool,
) -> tuple[tuple[tuple[str, float], ...], float]:
    """The reasons (each label "" unless `worded`) and their total, added in their order."""
    kind, chain, _, hours_known, contact_known = key[:5]
    reasons = [kind_reason(kind, chain)]
    for signal, at in zip(SIGNALS, _SIGNAL_AT, strict=True):
        value = key[at]
        if signal.column == "power" and facts.power is not None:
            reasons.append(
                _mine("power", facts.power, POWER_FACTS.get(facts.power[0], 0.0), worded)
            )
        elif signal.column == "internet" and facts.wifi is not None:
            grade = WIFI_FACTS.get(wifi_grade(facts.wifi[0]), 0.0)
            reasons.append(_mine("Wi-Fi", facts.wifi, grade, worded))
        elif value is None:
            reasons.append((f"{signal.label}: unknown" if worded else "", 0.0))
        elif value:
            reasons.append(
                (f"{signal.label}: {signal.yes} (OSM)" if worded else "", signal.yes_points)
            )
        else:
            reasons.append(
                (f"{signal.label}: {signal.no} (OSM)" if worded else "", signal.no_points)
            )
    if facts.noise is not None:
        noise = NOISE_FACTS.get(facts.noise[0], 0.0)
        reasons.append(_mine("noise", facts.noise, noise, worded))
    if facts.calls is not None:
        calls = CALLS_FACTS.get(facts.calls[0], 0.0)
        reasons.append(_mine("calls", facts.calls, calls, worded))
    reasons.append(("hours known", HOURS_POINTS) if hours_known else ("hours: unknown", 0.0))
    if contact_known:
        reasons.append(("contact known", CONTACT_POINTS))
    else:
        reasons.append(("contact: unknown", 0.0))
    if rating:
        said = f"your rating ★{rating:g}" if worded else ""
        reasons.append((said, round((float(rating) - 3.0) * 6.0, 1)))
    if visits:
        said = count(visits, "visits") if worded else ""
        reasons.append((said, min(2.0 * visits, MAX_VISIT_POINTS)))
    if open_then:
        reasons.append(("open then", OPEN_POINTS))
    total = 0.0
    for _, value in reasons:
        total += value
    return tuple(reasons), total


def unknowns(reasons: Sequence[tuple[str, float]]) -> list[str]:
    """The signals an explanation names as unknown."""
    return [label.removesuffix(": unknown") for label, _ in reasons if label.endswith(": unknown")]


def best_points(kinds: Sequence[str], time_asked: bool = False) -> float:
    """The most points a place of these kinds can get besides distance and the user's own
    rating and visits: what a place farther than the places already found could still reach."""
    top = max((kind_reason(k, False)[1] for k in kinds), default=0.0)
    top += sum(max(s.yes_points, s.no_points, 0.0) for s in SIGNALS) + KNOWN_WEIGHT
    return top + (OPEN_POINTS if time_asked else 0.0)


def base_points_sql() -> str:
    """SQL over the cache's signal columns for the points `points` gives besides distance, the
    user's own marks, "open then" and "checked" (the one term that depends on the day): the
    expression of the cache's indexed column `base_points` (migration m011_points_column).
    Literals only (a generated column takes no parameters); built from the same table."""
    kinds = " ".join(
        f"WHEN '{name}' THEN {kind_reason(name, False)[1]!r}"
        for name in KINDS
        if name != "coworking"
    )
    terms = [
        f"(CASE kind WHEN 'coworking' THEN (CASE WHEN chain THEN {CHAIN_POINTS!r} "
        f"ELSE {KINDS['coworking'].points!r} END) {kinds} ELSE 0.0 END)"
    ]
    for signal in SIGNALS:
        if signal.column != "checked":
            terms.append(
                f"(CASE {signal.column} WHEN 1 THEN {signal.yes_points!r} "
                f"WHEN 0 THEN {signal.no_points!r} ELSE 0.0 END)"
            )
    terms.append(f"hours_known * {HOURS_POINTS!r} + contact_known * {CONTACT_POINTS!r}")
    return "(" + " + ".join(terms) + ")"


_CHECKED = next(s for s in SIGNALS if s.column == "checked")
_CHECKED_SQL = (
    f"(CASE WHEN check_day IS NULL THEN 0.0 WHEN ? - check_day <= {STALE_AFTER_DAYS} "
    f"THEN {_CHECKED.yes_points!r} ELSE {_CHECKED.no_points!r} END)"
)
# The most and the least the day-dependent term adds to base_points.
_CHECKED_MOST = max(_CHECKED.yes_points, _CHECKED.no_points, 0.0)


def points_sql(today: int) -> tuple[str, list[Any]]:
    """SQL over the cache's signal columns for the points `points` gives besides distance and
    the user's own marks (and "open then"): a store's best (Cache.best_points). Built from the
    same table and constants (a test checks they agree). The points are whole numbers, so
    their sum is exact in any order."""
    return f"({base_points_sql()} + {_CHECKED_SQL})", [today]


def reach_sql(today: int, value: float, radius_m: float) -> tuple[str, list[Any], str, list[Any]]:
    """How a cache row's score can reach `value` within a search of `radius_m`: (a condition
    on the indexed column base_points alone, its args, the SQL distance in metres within which
    the row's own points and distance points reach `value`, its args). A margin of 0.1 point
    covers the rounding of distance points; the row's exact score is worked out after."""
    need = value - 0.1
    per_point = radius_m / DISTANCE_POINTS  # R × (1 − (need − points) / 40), made linear
    return (
        "base_points >= ?",
        [need - DISTANCE_POINTS - _CHECKED_MOST],
        f"(? + ? * (base_points + {_CHECKED_SQL}))",
        [radius_m - per_point * need, per_point, today],
    )


def score(
    place: Place, radius_m: float, *, time_asked: bool = False, today: date | None = None
) -> tuple[float, list[tuple[str, float]]]:
    traits = traits_of(place)
    day = (today or date.today()).toordinal()
    facts = place.extra.get("facts") or NO_FACTS
    place.extra["confidence"] = confidence(traits, day, facts)
    return points(
        traits,
        place.distance_m,
        radius_m,
        day,
        place.extra.get("my_rating"),
        int(place.extra.get("visits") or 0),
        time_asked and place.extra.get("open_state") == "open",
        facts,
    )


def traits_of(place: Place) -> Traits:
    s = signals_of(place)
    return Traits(
        place.kind,
        s.chain,
        s.internet,
        s.hours_known,
        s.contact_known,
        s.check_day,
        s.free_wifi,
        s.wheelchair,
        s.power,
        s.fee_free,
        s.bookable,
        s.roomy,
        s.community,
        s.outdoor,
        s.aircon,
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
    """The reasons that gave points, then the signals unknown and the confidence."""
    parts = [f"{label} {points:+g}" for label, points in place.reasons if points]
    missing = unknowns(place.reasons)
    if missing:
        parts.append("unknown: " + ", ".join(missing))
    known = place.extra.get("confidence")
    if known is not None:
        parts.append(f"confidence {known:.0%}")
    return sep.join(parts)
