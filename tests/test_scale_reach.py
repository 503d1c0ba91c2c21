"""A wide listing's second read (ranking.reach_sql through the cache's indexed column
base_points, migration m011_points_column) drops only rows that cannot reach the score asked:
the column is the one rule's points, the reach a superset of the rows that score enough, and
the read goes through the index."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scale_search import (
    ALL,
    CENTRES,
    LYON,
    TODAY,
    check_same,
    random_place,
    real,
    real_cache,
    store_places,
)

from solomo_cli.cache import store
from solomo_cli.cache.store import LIGHT_DISTANCE, Cache
from solomo_cli.config import get_paths
from solomo_cli.search import near as near_module
from solomo_cli.search.near import NearQuery, _traits
from solomo_cli.search.ranking import base_points_sql, points_sql, reach_sql, total_points

__all__ = ["real", "real_cache"]  # fixtures, used by name

FAR = 1e12  # a distance beyond any radius: no distance points


def fresh_cache() -> Cache:
    path = get_paths().cache_db
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return Cache(path)


def test_the_column_is_the_one_rule_on_real_data(real: None) -> None:
    """base_points (with the day's "checked" term: points_sql) equals ranking.points without
    distance, for every real place of Lyon and Paris, on several days."""
    cache = Cache(get_paths().cache_db)
    try:
        rows = cache.candidates(*LYON, 2_000_000, ALL)
        assert len(rows) > 400
        for today in (TODAY.toordinal(), TODAY.toordinal() + 400, TODAY.toordinal() + 2000):
            sql, args = points_sql(today)
            stored = dict(cache.conn.execute(f"SELECT rid, {sql} FROM places", args).fetchall())
            assert len(stored) == len(rows)
            for row in rows:
                assert stored[row[0]] == total_points(_traits(row), FAR, 1.0, today), row
    finally:
        cache.close()


def test_the_column_follows_a_changed_place(tmp_path: Path) -> None:
    """Virtual: what a write changes, the column and its index give at once."""
    from solomo_cli.model import Place

    cache = fresh_cache()
    try:
        bare = Place("node/1", "A", "library", 45.0, 4.0, {"amenity": "library", "name": "A"})
        cache.save_fetch([bare], 45.0, 4.0, 1000, ALL, None, "test")
        (before,) = cache.conn.execute("SELECT base_points FROM places").fetchone()
        tags = {**bare.tags, "internet_access": "wlan", "opening_hours": "Mo-Fr 09:00-18:00"}
        changed = Place("node/1", "A", "library", 45.0, 4.0, tags)
        cache.save_fetch([changed], 45.0, 4.0, 1000, ALL, None, "test")
        (after,) = cache.conn.execute(
            "SELECT base_points FROM places INDEXED BY places_points WHERE kind = 'library' "
            "AND base_points > ?",
            (before,),
        ).fetchone()
        assert (before, after) == (18.0, 18.0 + 8.0 + 6.0)
    finally:
        cache.close()


def test_the_migration_follows_the_signal_columns_and_its_sql_is_ranking_s() -> None:
    names = [m.__name__ for m in store.MIGRATIONS]
    assert names.index("m011_points_column") > names.index("m009_more_signals")
    cache = fresh_cache()
    try:
        (sql,) = cache.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'places'"
        ).fetchone()
        assert base_points_sql() in sql and "VIRTUAL" in sql
    finally:
        cache.close()


def test_the_reach_is_read_through_the_index(real: None) -> None:
    cache = Cache(get_paths().cache_db)
    seen: list[str] = []
    try:
        cache.conn.set_trace_callback(seen.append)
        reach = reach_sql(TODAY.toordinal(), 80.0, 50_000.0)
        got = cache.candidates(*LYON, 50_000.0, ALL, (), reach)
        cache.conn.set_trace_callback(None)
        (sql,) = [s for s in seen if "base_points" in s]
        plan = " ".join(str(r) for r in cache.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "USING INDEX places_points (kind=? AND base_points>?)" in plan, plan
        everything = cache.candidates(*LYON, 50_000.0, ALL)
        assert 0 < len(got) < len(everything) / 4
    finally:
        cache.close()


@st.composite
def reach_scene(draw: st.DrawFn) -> dict[str, Any]:
    lat = round(draw(st.floats(-85, 85)), 5)
    lon = round(draw(st.floats(-179.9, 179.9)), 5)
    radius_m = draw(st.sampled_from([300.0, 2000.0, 20_000.0, 50_000.0, 400_000.0]))
    n = draw(st.integers(1, 60))
    places = [draw(random_place(i, lat, lon, radius_m)) for i in range(1, n + 1)]
    value = draw(st.sampled_from([0.0, 20.0, 40.0, 55.0, 70.0, 85.0, 100.0]) | st.floats(0, 110))
    day = TODAY.toordinal() + draw(st.sampled_from([0, 365, 2000]))
    return {"lat": lat, "lon": lon, "r": radius_m, "places": places, "v": value, "day": day}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reach_scene())
def test_the_reach_keeps_every_row_that_scores_enough(data: dict[str, Any]) -> None:
    """Every row whose score reaches the value (ties included) is in the reach read, near
    the poles and across the antimeridian too; the reach read holds only candidates."""
    lat, lon, radius_m, value, day = data["lat"], data["lon"], data["r"], data["v"], data["day"]
    fresh_cache().close()
    store_places(data["places"], lat, lon, radius_m * 1.2)
    cache = Cache(get_paths().cache_db)
    try:
        every = cache.candidates(lat, lon, radius_m, ALL)
        reached = cache.candidates(lat, lon, radius_m, ALL, (), reach_sql(day, value, radius_m))
        scores = {
            row[0]: total_points(_traits(row), row[LIGHT_DISTANCE], radius_m, day) for row in every
        }
        assert {row[0] for row in reached} <= set(scores)
        enough = {rid for rid, s in scores.items() if s >= value}
        assert enough <= {row[0] for row in reached}
        assert not math.isnan(sum(scores.values()))
    finally:
        cache.close()


def test_near_reads_the_ratings_from_an_index_alone(tmp_path: Path) -> None:
    """User-data m011: the ratings and counts around the point come from a covering index
    (no visit row read), and the field notes keep their partial index."""
    from solomo_cli import db
    from solomo_cli.mydata.signals import _facts_sql, _near, _signals_sql
    from solomo_cli.mydata.store import MIGRATIONS

    conn = db.connect(tmp_path / "solomo.db", private=True)
    db.migrate(conn, MIGRATIONS)
    where, args = _near((45.76, 4.84, 1000.0))
    plans = [
        " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args))
        for sql in (_signals_sql(where), _facts_sql(where))
    ]
    conn.close()
    assert "USING COVERING INDEX visits_ratings (place_id=?)" in plans[0], plans
    assert "USING INDEX visits_facts (place_id=?)" in plans[1], plans


@pytest.mark.parametrize("centre", sorted(CENTRES))
@pytest.mark.parametrize(("radius_m", "limit"), [(20_000, 1), (20_000, 20), (50_000, 7)])
@pytest.mark.parametrize(("ring_rows", "guess"), [(3, 0.0), (3, 0.15), (30, 0.9), (300, 0.5)])
def test_real_data_every_guess_gives_the_full_computation(
    real: None,
    monkeypatch: pytest.MonkeyPatch,
    centre: str,
    radius_m: float,
    limit: int,
    ring_rows: int,
    guess: float,
) -> None:
    """Whether the first guess above the ring's k-th score holds or fails, the listing is the
    full computation's."""
    monkeypatch.setattr(near_module, "FIRST_RING_ROWS", ring_rows)
    monkeypatch.setattr(near_module, "GUESS_SHARE", guess)
    lat, lon = CENTRES[centre]
    q = NearQuery(f"{lat},{lon}", radius_m, ALL, limit, "score", offline=True)
    assert check_same(q, lat, lon) > 0
