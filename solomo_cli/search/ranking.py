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
"""

from __future__ import annotations

from datetime import date

from solomo_cli.kinds import CHAIN_POINTS, KINDS, WIFI_YES
from solomo_cli.model import Place
from solomo_cli.signals import check_day
from solomo_cli.words import count

DISTANCE_POINTS = 40.0
STALE_AFTER_DAYS = 730


def check_age_days(check_date: str | None, today: date | None = None) -> int | None:
    """Days since `check_date` (YYYY, YYYY-MM or YYYY-MM-DD), or None when absent or unreadable."""
    when = check_day(check_date)
    return None if when is None else ((today or date.today()) - when).days


def is_stale(check_date: str | None, today: date | None = None) -> bool:
    age = check_age_days(check_date, today)
    return age is None or age > STALE_AFTER_DAYS


def score(
    place: Place, radius_m: float, *, time_asked: bool = False, today: date | None = None
) -> tuple[float, list[tuple[str, float]]]:
    reasons: list[tuple[str, float]] = []
    near = DISTANCE_POINTS * max(0.0, 1.0 - place.distance_m / radius_m) if radius_m > 0 else 0.0
    reasons.append(("distance", round(near, 1)))
    if place.kind == "coworking" and place.chain:
        reasons.append(("chain / business centre", CHAIN_POINTS))
    elif place.kind == "coworking":
        reasons.append(("community coworking", KINDS["coworking"].points))
    else:
        known = KINDS.get(place.kind)
        reasons.append((place.kind, known.points if known else 0.0))
    if place.internet_access in WIFI_YES:
        reasons.append(("internet", 8.0))
    if place.opening_hours:
        reasons.append(("hours known", 6.0))
    if place.website or place.phone or place.email:
        reasons.append(("contact known", 6.0))
    if not is_stale(place.check_date, today):
        reasons.append(("recently checked", 5.0))
    rating = place.extra.get("my_rating")
    if rating:
        reasons.append((f"your rating ★{rating:g}", round((float(rating) - 3.0) * 6.0, 1)))
    visits = int(place.extra.get("visits") or 0)
    if visits:
        reasons.append((count(visits, "visits"), min(2.0 * visits, 8.0)))
    if time_asked and place.extra.get("open_state") == "open":
        reasons.append(("open then", 15.0))
    return round(sum(points for _, points in reasons), 1), reasons


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
