"""Small geodesy for the warm path, and parsing of user-given radii and coordinates.

Distances use the great-circle (haversine) formula on the mean Earth radius, the same model as
geopy's `great_circle` (a test checks they agree); geopy itself costs ~80 ms to import, too much
for a command meant to answer in well under a second from the local store.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from solomo_cli.boundary import BadInput, latlon, number, quoted
from solomo_cli.errors import UsageError

EARTH_RADIUS_M = 6371009.0  # geopy.distance.EARTH_RADIUS (mean radius), in metres
MIN_RADIUS_M = 1.0  # the one range of a radius, from the command line or the library
MAX_RADIUS_M = 50_000


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return distance_from(lat1, lon1)(lat2, lon2)


def distance_from(lat1: float, lon1: float) -> Callable[[float, float], float]:
    """`distance_m` from one point, for measuring many rows from it (the same arithmetic, so
    the same result to the last bit, with the point's part worked out once)."""
    p1 = math.radians(lat1)
    c1 = math.cos(p1)
    sin, cos, asin, sqrt, radians = math.sin, math.cos, math.asin, math.sqrt, math.radians

    def to(lat2: float, lon2: float) -> float:
        p2 = radians(lat2)
        dp, dl = p2 - p1, radians(lon2 - lon1)
        a = sin(dp / 2) ** 2 + c1 * cos(p2) * sin(dl / 2) ** 2
        return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(a)))

    return to


def bbox(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box that contains the circle.

    Longitudes may run past ±180 when the circle crosses the antimeridian (the caller wraps);
    a circle that reaches a pole covers every longitude."""
    d = radius_m / EARTH_RADIUS_M
    dlat = math.degrees(d)
    if abs(lat) + dlat >= 90.0:
        return max(-90.0, lat - dlat), min(90.0, lat + dlat), -180.0, 180.0
    # Exact half-width of a spherical cap (d / cos(lat) is slightly too narrow).
    dlon = math.degrees(math.asin(min(1.0, math.sin(d) / math.cos(math.radians(lat)))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# Patterns as text: `re` compiles (and caches) only those a run uses.
_RADIUS = r"(?i)^\s*(\d+(?:[.,]\d+)?|[.,]\d+)\s*(km|m|mi)?\s*$"
_UNITS = {"m": 1.0, "km": 1000.0, "mi": 1609.344}


def parse_radius(text: str) -> float:
    """'800m', '2km', '1.5 km', '2' (km) → metres."""
    match = re.match(_RADIUS, text or "")
    if not match:
        raise UsageError(
            f"bad radius {quoted(text)}", hint="give a distance such as 800m, 2km or 1.5 km"
        )
    value = float(match.group(1).replace(",", "."))
    unit = (match.group(2) or "km").lower()
    metres = value * _UNITS[unit]
    if metres < MIN_RADIUS_M:
        raise UsageError(
            f"bad radius {quoted(text)}: it must be more than zero (at least {MIN_RADIUS_M:g} m)"
        )
    if metres > MAX_RADIUS_M:
        # A bare number is kilometres: `-r 500` most likely meant metres.
        meant = match.group(2) is None and value <= MAX_RADIUS_M
        raise UsageError(
            f"radius {quoted(text)} is too large (at most {MAX_RADIUS_M // 1000} km)",
            hint=f"{value:g} km? write {value:g}m for metres"
            if meant
            else "public Overpass servers are shared: sync smaller areas",
        )
    return metres


def check_radius(metres: object) -> float:
    """A radius in metres given by a library caller, in the range `parse_radius` allows."""
    try:
        return number(metres, "radius", MIN_RADIUS_M, MAX_RADIUS_M)
    except BadInput as exc:
        raise UsageError(str(exc)) from None


_LATLON = r"^\s*([-+]?\d+(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d+(?:\.\d+)?)\s*$"
_LOOKS_NUMERIC = r"^[\s\d.,;+-]+$"
_POSTCODE = r"^\s*\d+\s*$"  # "69007": a place name for the geocoder, not coordinates


def parse_latlon(text: str) -> tuple[float, float] | None:
    """'45.76,4.84' → (45.76, 4.84); None when the text is a place name.

    Raises UsageError for text that is clearly meant as coordinates but is not valid."""
    if not re.match(_LOOKS_NUMERIC, text or "") or re.match(_POSTCODE, text):
        return None
    match = re.match(_LATLON, text)
    if not match:
        raise UsageError(
            f"bad coordinates {quoted(text)}",
            hint="write them as LAT,LON in decimal degrees, e.g. 45.76,4.84",
        )
    try:
        return latlon(match.group(1), match.group(2))
    except BadInput:
        raise UsageError(
            f"coordinates out of range: {quoted(text)}",
            hint="latitude is between -90 and 90, longitude between -180 and 180 (LAT,LON order)",
        ) from None


def format_distance(metres: float) -> str:
    if metres < 1000:
        return f"{int(round(metres))} m"
    return f"{metres / 1000:.1f} km"


# Walking time is an estimate from the straight line: streets add about 30% (a common detour
# factor in towns), at 4.8 km/h, an unhurried walking pace.
WALK_DETOUR = 1.3
WALK_KMH = 4.8


def walking_minutes(metres: float) -> int:
    """About how many minutes on foot a straight-line distance takes (at least 1)."""
    return max(1, round(metres * WALK_DETOUR / (WALK_KMH * 1000 / 60)))
