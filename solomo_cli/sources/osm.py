"""OSM objects → places, with the kinds table's rules: shared by every source of OSM data."""

from __future__ import annotations

from typing import Any

from solomo_cli.kinds import classify
from solomo_cli.model import Place


def element_to_place(element: dict[str, Any]) -> Place | None:
    """One Overpass element → a Place, or None (no coordinates, or not a work place)."""
    etype, eid = element.get("type"), element.get("id")
    if etype not in ("node", "way", "relation") or not isinstance(eid, int):
        return None
    raw_tags = element.get("tags")
    if not isinstance(raw_tags, dict):
        return None
    tags = {str(k): str(v) for k, v in raw_tags.items()}
    kind = classify(tags)
    if kind is None:
        return None
    point = element if "lat" in element else element.get("center")
    try:
        lat, lon = float(point["lat"]), float(point["lon"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Place(f"{etype}/{eid}", tags.get("name"), kind, lat, lon, tags)
