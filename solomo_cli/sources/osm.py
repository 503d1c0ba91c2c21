"""OSM objects → places, with the kinds table's rules: shared by every source of OSM data.
Each element is checked at the boundary: whatever its shape, it becomes a Place or None."""

from __future__ import annotations

from solomo_cli.boundary import OSM_TYPES, SQLITE_MAX_INT, BadInput, latlon, osm_id, osm_tags
from solomo_cli.kinds import classify
from solomo_cli.model import Place


def element_to_place(element: object) -> Place | None:
    """One Overpass element → a Place, or None (malformed, no coordinates, not a work place)."""
    if not isinstance(element, dict):
        return None
    etype = element.get("type")
    if etype not in OSM_TYPES:
        return None
    eid = element.get("id")
    try:
        # The checks of osm_id and latlon below, inline for the values nearly every element
        # has (a sync reads hundreds of thousands); anything else goes through them.
        if not (type(eid) is int and 1 <= eid <= SQLITE_MAX_INT):
            eid = osm_id(eid)
        tags = osm_tags(element.get("tags"))
    except BadInput:
        return None
    kind = classify(tags)
    if kind is None:
        return None
    point = element if "lat" in element else element.get("center")
    if not isinstance(point, dict):
        return None
    lat, lon = point.get("lat"), point.get("lon")
    if not (isinstance(lat, (int, float)) and isinstance(lon, (int, float))):
        return None  # JSON numbers only: text, null or objects are not coordinates
    if not (
        type(lat) is float
        and type(lon) is float
        and -90.0 <= lat <= 90.0
        and -180.0 <= lon <= 180.0
    ):
        try:
            lat, lon = latlon(lat, lon)
        except BadInput:
            return None
    return Place(f"{etype}/{eid}", tags.get("name"), kind, lat, lon, tags)
