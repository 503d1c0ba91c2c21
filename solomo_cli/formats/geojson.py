"""GeoJSON out (RFC 7946): one Point feature per record that has a position."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from solomo_cli.formats.json import dumps, write_json


def feature(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": record["id"],
        "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
        "properties": {k: v for k, v in record.items() if k not in ("lat", "lon")},
    }


def collection(records: Iterable[dict[str, Any]], head: dict[str, Any]) -> dict[str, Any]:
    """A FeatureCollection: `head`'s members (attribution, what it exports), then the features,
    made one at a time as they are written."""
    return {"type": "FeatureCollection", **head, "features": map(feature, records)}


def to_geojson(records: Iterable[dict[str, Any]], head: dict[str, Any]) -> str:
    return dumps(collection(records, head))


def write_geojson(records: Iterable[dict[str, Any]], head: dict[str, Any], out: IO[str]) -> None:
    write_json(collection(records, head), out)
