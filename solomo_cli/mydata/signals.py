"""What `solomo near` reads of the user's data: their ratings and visit counts per place, in
one read-only query that neither creates nor migrates the file (the columns read exist since
the first schema), without loading the rest of the user-data layer."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from solomo_cli import db
from solomo_cli.errors import StoreError
from solomo_cli.geo import bbox


def personal_signals(path: Path, ids: Sequence[str]) -> dict[str, tuple[float | None, int]]:
    """(average rating or None, visit count) per place id."""
    if not ids:
        return {}
    return _signals(
        path, "WHERE place_id IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),)
    )


def visited_signals(
    path: Path, near: tuple[float, float, float] | None = None
) -> dict[str, tuple[float | None, int]]:
    """`personal_signals` of every place the user has visited, or with `near` (lat, lon,
    radius in metres) of those whose remembered position is within a box around that circle,
    with a kilometre of margin for a place that has moved since (years of visits hold
    thousands of places: a listing reads only those it can show)."""
    if near is None:
        return _signals(path, "", ())
    lat, lon, radius_m = near
    min_lat, max_lat, min_lon, max_lon = bbox(lat, lon, radius_m + 1000.0)
    where, args = (
        "WHERE place_id IN (SELECT id FROM places WHERE lat BETWEEN ? AND ?",
        [
            min_lat,
            max_lat,
        ],
    )
    if min_lon >= -180.0 and max_lon <= 180.0:  # across the antimeridian: any longitude
        where += " AND lon BETWEEN ? AND ?"
        args += [min_lon, max_lon]
    return _signals(path, where + ")", tuple(args))


def _signals(
    path: Path, where: str, args: tuple[object, ...]
) -> dict[str, tuple[float | None, int]]:
    if not path.exists():
        return {}
    try:
        conn = db.connect_readonly(path)
    except StoreError:
        return {}
    try:
        rows = conn.execute(
            f"SELECT place_id, avg(rating), count(*) FROM visits {where} GROUP BY place_id", args
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # created by another process, not yet migrated
            return {}
        raise _unreadable(path, exc) from exc
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from exc
    finally:
        conn.close()
    return {pid: (shown_rating(avg), count) for pid, avg, count in rows}


def shown_rating(average: float | None) -> float | None:
    """An average rating as every view gives it (the listing, `show`): one decimal."""
    return None if average is None else round(average, 1)


def _unreadable(path: Path, exc: Exception) -> StoreError:
    from solomo_cli.mydata.base import unreadable  # the user-data layer, only for its error

    return unreadable(path, exc)
