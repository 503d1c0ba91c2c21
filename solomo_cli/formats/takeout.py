"""Google Takeout's "Saved Places.json" (Google Maps): a GeoJSON FeatureCollection, in its older
`Location`/`Title` form or its 2023+ `location` form. The current form often puts [0, 0] in the
geometry and the real position only in `google_maps_url` (`…?q=41.99,5.32`)."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from solomo_cli import boundary
from solomo_cli.boundary import BadInput
from solomo_cli.kinds import SAVED_KIND
from solomo_cli.model import Place
from solomo_cli.mydata.base import now_utc

_QUERY_POINT = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def _object(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInput(f"{what} should be an object")
    return value


def _text(value: Any, what: str) -> str | None:
    return boundary.text(value, what, max_len=2000) if value not in (None, "") else None


def _position(
    geometry: dict[str, Any], geo: dict[str, Any], query: dict[str, list[str]]
) -> tuple[float, float] | None:
    """(lat, lon), or None when Google gave no position."""
    candidates: list[tuple[Any, Any]] = []
    if geo:
        candidates.append((geo.get("Latitude"), geo.get("Longitude")))
    coords = geometry.get("coordinates")
    if isinstance(coords, list) and len(coords) >= 2:
        candidates.append((coords[1], coords[0]))
    for value in query.get("q", [])[:1]:
        found = _QUERY_POINT.match(value)
        if found:
            candidates.append((found.group(1), found.group(2)))
    for lat, lon in candidates:
        try:
            point = boundary.latlon(lat, lon)
        except BadInput:
            continue
        if point != (0.0, 0.0):  # Google's "no location"
            return point
    return None


def google_place(feature: Any) -> tuple[Place, str] | None:
    """One feature → (place, when it was saved); None when it has no position."""
    feature = _object(feature, "a feature")
    if not isinstance(feature, dict) or not feature:
        raise BadInput("a feature should be an object")
    props = _object(feature.get("properties"), "properties")
    geometry = _object(feature.get("geometry"), "geometry")
    loc = _object(props.get("location") or props.get("Location"), "location")
    geo = _object(loc.get("Geo Coordinates"), "Geo Coordinates")
    url = _text(props.get("google_maps_url") or props.get("Google Maps URL"), "google_maps_url")
    query = parse_qs(urlsplit(url).query) if url else {}
    point = _position(geometry, geo, query)
    if point is None:
        return None
    lat, lon = point
    address = _text(loc.get("address") or loc.get("Address"), "address")
    name = _text(loc.get("name") or loc.get("Business Name") or props.get("Title"), "name")
    name = name or (address.split(",")[0] if address else None)
    found = query.get("cid") or query.get("ftid")
    # Same place, same id: importing the file again finds what it imported before.
    key = boundary.text(found[0], "cid", max_len=100) if found else None
    if not key or "/" in key or " " in key:
        key = hashlib.sha1(f"{name}|{lat:.6f}|{lon:.6f}".encode()).hexdigest()[:16]
    country = _text(loc.get("country_code") or loc.get("Country Code"), "country code")
    tags = {
        k: v
        for k, v in (
            ("name", name),
            ("addr:full", address),
            ("addr:country", country),
            ("google_maps_url", url),
        )
        if v
    }
    seen = props.get("date") or props.get("Updated") or props.get("Published")
    seen_at = boundary.timestamp(seen, "date") if seen else now_utc()
    return Place(f"google/{key}", name, SAVED_KIND, lat, lon, tags), seen_at
