"""What `solomo near` reads of the user's data: their ratings and visit counts per place, and
their latest field notes (power, Wi-Fi, noise, calls), each in one read-only query that neither
creates nor migrates the file, without loading the rest of the user-data layer. (The notes'
columns come with migration m008_field_notes: a file not yet migrated has no notes.)"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solomo_cli import db
from solomo_cli.errors import StoreError
from solomo_cli.geo import bbox
from solomo_cli.signals import NO_FACTS, Facts

if TYPE_CHECKING:
    from solomo_cli.mydata.store import UserData
    from solomo_cli.mydata.visits import Visit

FACTS = Facts._fields  # the visits' columns of field notes (migration m008_field_notes)


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
    where, args = _near(near)
    return _signals(path, where, args)


def visited_facts(path: Path, near: tuple[float, float, float] | None = None) -> dict[str, Facts]:
    """The latest field notes of each place visited (within `near`, as `visited_signals`):
    each fact from the latest visit that gave it."""
    where, args = _near(near)
    return _latest(_rows(path, _facts_sql(where), args))


def visited(
    path: Path, near: tuple[float, float, float] | None = None
) -> tuple[dict[str, tuple[float | None, int]], dict[str, Facts]]:
    """`visited_signals` and `visited_facts` at once, through one connection: what `near`
    reads of the user-data file on every run."""
    where, args = _near(near)
    signals_rows, facts_rows = _rows_of(
        path, [(_signals_sql(where), args), (_facts_sql(where), args)]
    )
    signals = {pid: (shown_rating(avg), count) for pid, avg, count in signals_rows}
    return signals, (_latest(facts_rows) if signals else {})


def _facts_sql(where: str) -> str:
    where = f"{where} AND" if where else "WHERE"
    return (
        f"SELECT place_id, day, {', '.join(FACTS)} FROM visits {where} "
        f"({' OR '.join(f'{f} IS NOT NULL' for f in FACTS)}) ORDER BY day, id"
    )


def _signals_sql(where: str) -> str:
    return f"SELECT place_id, avg(rating), count(*) FROM visits {where} GROUP BY place_id"


def latest_field_facts(user: UserData, place_id: str) -> dict[str, str]:
    """Your latest field notes of one place, for `solomo report`'s suggestions: `power`,
    `wifi`, `noise`, `calls` (those ever said, each from the newest visit that said it), each
    with its visit's day as `<name>_date`, and `day`, the newest of those days ({}: none)."""
    rows = user._read(
        f"SELECT place_id, day, {', '.join(FACTS)} FROM visits WHERE place_id = ? ORDER BY day, id",
        (place_id,),
    )
    facts = _latest(rows).get(place_id, NO_FACTS)
    found: dict[str, str] = {}
    for name, fact in facts._asdict().items():
        if fact is not None:
            found[name], found[f"{name}_date"] = fact
    days = [fact[1] for fact in facts if fact is not None]
    if days:
        found["day"] = max(days)
    return found


def facts_of_visits(visits: Sequence[Visit]) -> Facts:
    """The latest field notes among these visits (of one place): each from the newest visit
    that gave it (by day, then id)."""
    rows = [(v.place.id, v.day, *v.facts) for v in sorted(visits, key=lambda v: (v.day, v.id))]
    found = _latest(rows)
    return next(iter(found.values()), NO_FACTS)


def all_latest_facts(user: UserData) -> dict[str, Facts]:
    """The latest field notes of every place (for an export of the places)."""
    return _latest(
        user._read(
            f"SELECT place_id, day, {', '.join(FACTS)} FROM visits "
            f"WHERE {' OR '.join(f'{f} IS NOT NULL' for f in FACTS)} ORDER BY day, id"
        )
    )


def _latest(rows: Sequence[Sequence[Any]]) -> dict[str, Facts]:
    """Rows (place_id, day, *FACTS) oldest first → each place's latest value of each fact."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for pid, day, *values in rows:
        mine = found.setdefault(pid, {})
        for name, value in zip(FACTS, values, strict=True):
            if value is not None:
                mine[name] = (str(value), str(day))
    return {pid: Facts(**facts) for pid, facts in found.items() if facts}


def _near(near: tuple[float, float, float] | None) -> tuple[str, tuple[object, ...]]:
    if near is None:
        return "", ()
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
    return where + ")", tuple(args)


def _signals(
    path: Path, where: str, args: tuple[object, ...]
) -> dict[str, tuple[float | None, int]]:
    rows = _rows(path, _signals_sql(where), args)
    return {pid: (shown_rating(avg), count) for pid, avg, count in rows}


def _rows(path: Path, sql: str, args: tuple[object, ...]) -> list[Any]:
    return _rows_of(path, [(sql, args)])[0]


def _rows_of(path: Path, queries: Sequence[tuple[str, tuple[object, ...]]]) -> list[list[Any]]:
    """The rows of each query, read through one read-only connection ([] each when there is
    no file, or one another process has not migrated yet)."""
    nothing: list[list[Any]] = [[] for _ in queries]
    if not path.exists():
        return nothing
    try:
        conn = db.connect_readonly(path)
    except StoreError:
        return nothing
    try:
        return [conn.execute(sql, args).fetchall() for sql, args in queries]
    except sqlite3.OperationalError as exc:
        # Created by another process, not yet migrated (or without m008_field_notes' columns)
        if "no such table" in str(exc) or "no such column" in str(exc):
            return nothing
        raise _unreadable(path, exc) from exc
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from exc
    finally:
        conn.close()


def shown_rating(average: float | None) -> float | None:
    """An average rating as every view gives it (the listing, `show`): one decimal."""
    return None if average is None else round(average, 1)


def _unreadable(path: Path, exc: Exception) -> StoreError:
    from solomo_cli.mydata.base import unreadable  # the user-data layer, only for its error

    return unreadable(path, exc)
