"""The disposable local cache on a real SQLite file: R*Tree radius queries, coverage areas,
vanished places, migrations, geocodes, and clearing."""

from __future__ import annotations

import json
import math
import os
import random
import sqlite3
import time
from pathlib import Path

import pytest
from clitools import assert_one_error, invoke

from solomo_cli import db
from solomo_cli.cache.store import MIGRATIONS, Cache, HoursAnswer
from solomo_cli.errors import StoreError
from solomo_cli.geo import EARTH_RADIUS_M, distance_m
from solomo_cli.model import Place

DAY = 86400.0


@pytest.fixture
def cache(solomo_home: Path) -> Cache:
    store = Cache(solomo_home / "cache" / "cache.db")
    yield store  # type: ignore[misc]
    store.close()


def place(
    ident: int,
    lat: float,
    lon: float,
    kind: str = "coworking",
    name: str | None = None,
    etype: str = "node",
) -> Place:
    tags = {"office": "coworking"} if kind == "coworking" else {"amenity": kind}
    return Place(f"{etype}/{ident}", name or f"P{ident}", kind, lat, lon, tags)


def offset(lat: float, lon: float, metres: float, bearing_deg: float) -> tuple[float, float]:
    """The point `metres` away from (lat, lon) at `bearing_deg` on the sphere."""
    d = metres / EARTH_RADIUS_M
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    lon2 = (math.degrees(l2) + 540.0) % 360.0 - 180.0
    return math.degrees(p2), lon2


# -- R*Tree radius queries --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clat", "clon", "radius"),
    [
        (45.74906, 4.84789, 2000.0),  # Lyon
        (45.74906, 4.84789, 15000.0),
        (-33.8688, 151.2093, 5000.0),  # southern hemisphere
        (0.0, 0.0, 3000.0),  # equator and Greenwich
        (69.6496, 18.956, 8000.0),  # Tromsø: degrees of longitude are short
        (-16.8, 179.99, 10000.0),  # Fiji, on the antimeridian
        (65.0, -179.995, 20000.0),  # Chukotka / Bering strait, the other side
        (89.99, 10.0, 5000.0),  # a circle around the North Pole
    ],
)
def test_places_within_matches_brute_force(
    cache: Cache, clat: float, clon: float, radius: float
) -> None:
    rng = random.Random(f"{clat},{clon},{radius}")
    points = [
        offset(clat, clon, rng.uniform(0, radius * 2), rng.uniform(0, 360)) for _ in range(400)
    ]
    # And a few right at the edge, on both sides of it.
    points += [offset(clat, clon, radius * f, rng.uniform(0, 360)) for f in (0.999, 1.001) * 10]
    places = [place(i, lat, lon) for i, (lat, lon) in enumerate(points)]
    cache.save_fetch(places, clat, clon, radius * 3, ["coworking"], None, "test")

    found = cache.places_within(clat, clon, radius, ["coworking"])
    expected = {p.id for p in places if distance_m(clat, clon, p.lat, p.lon) <= radius}
    assert {p.id for p in found} == expected
    assert 0 < len(expected) < len(places)


def test_places_within_is_sorted_by_distance_and_sets_it(cache: Cache) -> None:
    cache.save_fetch(
        [place(1, 45.76, 4.85), place(2, 45.75, 4.848), place(3, 45.752, 4.85)],
        45.75,
        4.848,
        5000,
        ["coworking"],
        None,
        "test",
    )
    found = cache.places_within(45.75, 4.848, 3000, ["coworking"])
    assert [p.id for p in found] == ["node/2", "node/3", "node/1"]
    assert found[0].distance_m == pytest.approx(0.0, abs=0.01)
    assert found[2].distance_m == pytest.approx(distance_m(45.75, 4.848, 45.76, 4.85))


def test_places_within_filters_by_kind(cache: Cache) -> None:
    cache.save_fetch(
        [place(1, 45.75, 4.85), place(2, 45.75, 4.85, "library")],
        45.75,
        4.85,
        5000,
        ["coworking", "library"],
        None,
        "test",
    )
    assert [p.id for p in cache.places_within(45.75, 4.85, 1000, ["library"])] == ["node/2"]
    assert len(cache.places_within(45.75, 4.85, 1000, ["coworking", "library"])) == 2
    assert cache.places_within(45.75, 4.85, 1000, ["cafe"]) == []


def test_saved_place_keeps_its_tags(cache: Cache) -> None:
    saved = Place(
        "way/9",
        "Café «Ô»",
        "cafe",
        45.75,
        4.85,
        {"amenity": "cafe", "internet_access": "wlan", "name": "Café «Ô»"},
    )
    cache.save_fetch([saved], 45.75, 4.85, 1000, ["cafe"], None, "test")
    again = cache.get_place("way/9")
    assert again is not None
    assert (again.name, again.kind, again.tags) == (saved.name, "cafe", saved.tags)


def test_upsert_replaces_a_moved_place(cache: Cache) -> None:
    cache.save_fetch(
        [place(1, 45.75, 4.85)], 45.75, 4.85, 5000, ["coworking"], None, "a", fetched_at=1000.0
    )
    cache.save_fetch(
        [place(1, 45.77, 4.85, name="Moved")],
        45.75,
        4.85,
        5000,
        ["coworking"],
        None,
        "b",
        fetched_at=2000.0,
    )
    assert cache.places_within(45.75, 4.85, 500, ["coworking"]) == []
    (moved,) = cache.places_within(45.77, 4.85, 500, ["coworking"])
    assert moved.name == "Moved"
    assert cache.info()["places"] == 1


# -- coverage ---------------------------------------------------------------------------------


@pytest.fixture
def covered(cache: Cache) -> tuple[Cache, float]:
    """A 4 km circle around Lyon covered for coworking, fetched one day ago."""
    fetched = time.time() - DAY
    cache.save_fetch(
        [], 45.75, 4.85, 4000, ["coworking"], "2026-11-20T10:00:00Z", "test", fetched_at=fetched
    )
    return cache, fetched


def test_coverage_inside_a_fresh_area(covered: tuple[Cache, float]) -> None:
    cache, fetched = covered
    inside = offset(45.75, 4.85, 1500, 45)
    have = cache.coverage(*inside, 2000, ["coworking"], 7 * DAY)
    assert have.missing == ()
    assert have.fetched_at == pytest.approx(fetched)
    assert have.osm_base == "2026-11-20T10:00:00Z"


def test_coverage_same_circle_again(covered: tuple[Cache, float]) -> None:
    cache, _ = covered
    assert cache.coverage(45.75, 4.85, 4000, ["coworking"], 7 * DAY).missing == ()


def test_coverage_partly_outside(covered: tuple[Cache, float]) -> None:
    cache, _ = covered
    edge = offset(45.75, 4.85, 3000, 90)
    assert cache.coverage(*edge, 2000, ["coworking"], 7 * DAY).missing == ("coworking",)
    assert cache.coverage(45.75, 4.85, 4100, ["coworking"], 7 * DAY).missing == ("coworking",)


def test_coverage_other_kinds_are_missing(covered: tuple[Cache, float]) -> None:
    cache, _ = covered
    have = cache.coverage(45.75, 4.85, 1000, ["coworking", "library", "cafe"], 7 * DAY)
    assert have.missing == ("library", "cafe")


def test_coverage_stale_after_fresh_days(covered: tuple[Cache, float]) -> None:
    cache, fetched = covered
    assert (
        cache.coverage(45.75, 4.85, 1000, ["coworking"], 7 * DAY, now=fetched + 6.9 * DAY).missing
        == ()
    )
    assert cache.coverage(
        45.75, 4.85, 1000, ["coworking"], 7 * DAY, now=fetched + 7.1 * DAY
    ).missing == ("coworking",)
    # Offline, any age will do.
    assert (
        cache.coverage(45.75, 4.85, 1000, ["coworking"], math.inf, now=fetched + 400 * DAY).missing
        == ()
    )


def test_coverage_kinds_from_different_fetches_report_the_oldest(cache: Cache) -> None:
    now = time.time()
    cache.save_fetch([], 45.75, 4.85, 4000, ["coworking"], None, "a", fetched_at=now - 3 * DAY)
    cache.save_fetch([], 45.75, 4.85, 4000, ["library"], None, "a", fetched_at=now - DAY)
    have = cache.coverage(45.75, 4.85, 2000, ["coworking", "library"], 7 * DAY)
    assert have.missing == ()
    assert have.fetched_at == pytest.approx(now - 3 * DAY)


def test_nothing_covered_in_an_empty_store(cache: Cache) -> None:
    have = cache.coverage(45.75, 4.85, 1000, ["coworking"], 7 * DAY)
    assert (have.missing, have.fetched_at) == (("coworking",), None)


# -- vanished places --------------------------------------------------------------------------


def test_save_fetch_drops_places_vanished_from_the_circle_only(cache: Cache) -> None:
    centre = (45.75, 4.85)
    inside, outside = offset(*centre, 500, 0), offset(*centre, 3000, 0)
    cache.save_fetch(
        [place(1, *inside), place(2, *outside), place(3, *inside, kind="library")],
        *centre,
        5000,
        ["coworking", "library"],
        None,
        "a",
        fetched_at=1000.0,
    )
    # A later coworking fetch of a 1 km circle no longer has node/1.
    cache.save_fetch([], *centre, 1000, ["coworking"], None, "a", fetched_at=2000.0)
    assert cache.get_place("node/1") is None
    assert cache.get_place("node/2") is not None  # outside the new circle: kept
    assert cache.get_place("node/3") is not None  # another kind: kept
    ids = {p.id for p in cache.places_within(*centre, 5000, ["coworking", "library"])}
    assert ids == {"node/2", "node/3"}


def test_save_fetch_keeps_places_still_there(cache: Cache) -> None:
    cache.save_fetch(
        [place(1, 45.75, 4.85)], 45.75, 4.85, 1000, ["coworking"], None, "a", fetched_at=1000.0
    )
    cache.save_fetch(
        [place(1, 45.75, 4.85)], 45.75, 4.85, 1000, ["coworking"], None, "a", fetched_at=2000.0
    )
    assert [p.id for p in cache.places_within(45.75, 4.85, 1000, ["coworking"])] == ["node/1"]


def test_save_fetch_is_all_or_nothing(cache: Cache) -> None:
    broken = place(2, 45.75, 4.85)
    broken.tags = {"bad": object()}  # type: ignore[dict-item]  # json.dumps fails mid-way
    with pytest.raises(TypeError):
        cache.save_fetch(
            [place(1, 45.75, 4.85), broken], 45.75, 4.85, 1000, ["coworking"], None, "a"
        )
    assert cache.get_place("node/1") is None
    assert cache.coverage(45.75, 4.85, 500, ["coworking"], 7 * DAY).missing == ("coworking",)


# -- migrations, file handling ------------------------------------------------------------------


def test_migrations_are_recorded(cache: Cache) -> None:
    cache.info()  # opens (and creates) the file
    names = [r[0] for r in cache.conn.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == sorted(m.__name__ for m in MIGRATIONS)
    assert names[0] == "m001_initial"


def test_migrations_run_once(cache: Cache) -> None:
    cache.save_fetch([place(1, 45.75, 4.85)], 45.75, 4.85, 1000, ["coworking"], None, "a")
    cache.close()
    conn = db.connect(cache.path)
    try:
        assert db.migrate(conn, MIGRATIONS) == 0
        assert conn.execute("SELECT count(*) FROM places").fetchone()[0] == 1
    finally:
        conn.close()


def test_cache_file_is_a_real_sqlite_file(cache: Cache) -> None:
    cache.save_fetch([place(1, 45.75, 4.85)], 45.75, 4.85, 1000, ["coworking"], None, "a")
    cache.close()
    assert cache.path.read_bytes()[:16] == b"SQLite format 3\x00"
    conn = sqlite3.connect(cache.path)
    try:
        (row,) = conn.execute("SELECT osm_id, tags FROM places").fetchall()
    finally:
        conn.close()
    assert row[0] == "node/1" and json.loads(row[1]) == {"office": "coworking"}


def test_clear_deletes_the_file(cache: Cache) -> None:
    cache.save_fetch([place(1, 45.75, 4.85)], 45.75, 4.85, 1000, ["coworking"], None, "a")
    assert cache.path.exists()
    assert cache.clear() is True
    leftovers = list(cache.path.parent.glob("cache.db*"))
    assert leftovers == []
    assert cache.clear() is False
    assert cache.info()["exists"] is False


def test_store_is_usable_after_clear(cache: Cache) -> None:
    cache.save_fetch([place(1, 45.75, 4.85)], 45.75, 4.85, 1000, ["coworking"], None, "a")
    cache.clear()
    assert cache.places_within(45.75, 4.85, 1000, ["coworking"]) == []
    assert cache.info()["places"] == 0


def test_info_counts(cache: Cache) -> None:
    cache.save_fetch(
        [place(1, 45.75, 4.85), place(2, 45.75, 4.86)],
        45.75,
        4.85,
        3000,
        ["coworking"],
        None,
        "a",
        fetched_at=1000.0,
    )
    cache.save_fetch([], 45.75, 4.85, 3000, ["library"], None, "a", fetched_at=3000.0)
    cache.put_geocode("lyon|", "Lyon", 45.75, 4.85, {"lat": "45.75"})
    info = cache.info()
    assert (info["places"], info["areas"], info["geocodes"]) == (2, 2, 1)
    assert (info["oldest_fetch"], info["newest_fetch"]) == (1000.0, 3000.0)
    assert info["size_bytes"] > 0


def test_a_file_that_is_not_a_database_is_rebuilt(solomo_home: Path) -> None:
    path = solomo_home / "cache" / "cache.db"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database, just some text" * 200)
    cache = Cache(path)
    assert cache.coverage(45.75, 4.85, 1000, ["coworking"], DAY).missing == ("coworking",)
    cache.close()
    assert path.read_bytes().startswith(b"SQLite format 3\x00")


# -- geocodes ---------------------------------------------------------------------------------


def test_geocode_round_trip(cache: Cache) -> None:
    assert cache.get_geocode("lyon|") is None
    cache.put_geocode("lyon|", "Lyon, France", 45.74906, 4.84789, {"display_name": "Lyon"})
    hit = cache.get_geocode("lyon|")
    assert hit is not None
    assert (hit.display_name, hit.lat, hit.lon) == ("Lyon, France", 45.74906, 4.84789)
    assert hit.fetched_at == pytest.approx(time.time(), abs=5)


def test_geocode_expires(cache: Cache) -> None:
    cache.put_geocode("lyon|", "Lyon", 45.75, 4.85, {})
    cache.conn.execute("UPDATE geocodes SET fetched_at = fetched_at - ?", (100 * DAY,))
    assert cache.get_geocode("lyon|") is None  # default: 90 days
    assert cache.get_geocode("lyon|", max_age_s=math.inf) is not None


def test_geocode_keys_are_distinct(cache: Cache) -> None:
    cache.put_geocode("paris|", "Paris, France", 48.85, 2.35, {})
    cache.put_geocode("paris|us", "Paris, Texas", 33.66, -95.55, {})
    assert cache.get_geocode("paris|").display_name == "Paris, France"  # type: ignore[union-attr]
    assert cache.get_geocode("paris|us").lat == 33.66  # type: ignore[union-attr]


def test_state_round_trip(cache: Cache) -> None:
    assert cache.get_state("last_listing") is None
    cache.set_state("last_listing", {"places": [{"id": "node/1", "name": "Ça"}]})
    assert cache.get_state("last_listing") == {"places": [{"id": "node/1", "name": "Ça"}]}


def test_an_unchanged_state_is_not_written_again(cache: Cache) -> None:
    cache.set_state("last_listing", {"places": [1]})
    writes = cache.conn.total_changes
    cache.set_state("last_listing", {"places": [1]})
    assert cache.conn.total_changes == writes
    cache.set_state("last_listing", {"places": [2]})
    assert cache.conn.total_changes == writes + 1
    assert cache.get_state("last_listing") == {"places": [2]}


FIRST_OPEN = """
import sys, time
from pathlib import Path
from solomo_cli import db
from solomo_cli.cache.store import MIGRATIONS
base, start, rounds = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
for k in range(rounds):
    time.sleep(max(0.0, start + k * 0.08 - time.time()))
    conn = db.connect(base / f"{k}.db")
    db.migrate(conn, MIGRATIONS)
    conn.close()
"""


def test_processes_opening_a_new_store_at_once(tmp_path: Path) -> None:
    # Two commands started together on a fresh SOLOMO_HOME: both must get a working store
    # (SQLite's switch to WAL and the first migration both race).
    import subprocess
    import sys

    rounds = 10
    start = str(time.time() + 1.0)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_OPEN, str(tmp_path), start, str(rounds)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    for k in range(rounds):
        conn = sqlite3.connect(tmp_path / f"{k}.db")
        try:
            names = [r[0] for r in conn.execute("SELECT name FROM _migrations")]
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        finally:
            conn.close()
        assert sorted(names) == sorted(m.__name__ for m in MIGRATIONS)
        assert mode == "wal"


def test_a_first_schema_cache_gains_the_hours_memo_and_keeps_its_places(
    solomo_home: Path,
) -> None:
    path = solomo_home / "cache" / "cache.db"
    conn = db.connect(path)
    db.migrate(conn, MIGRATIONS[:1])  # a cache written by the first release, with one place
    conn.execute(
        "INSERT INTO places (rid, osm_id, name, kind, lat, lon, tags, fetched_at) "
        "VALUES (1, 'node/1', 'P1', 'coworking', 45.75, 4.85, '{}', 0)"
    )
    conn.execute("INSERT INTO places_rtree VALUES (1, 45.75, 45.75, 4.85, 4.85)")
    conn.close()
    cache = Cache(path)
    try:
        assert [p.id for p in cache.places_within(45.75, 4.85, 100, ["coworking"])] == ["node/1"]
        names = [r[0] for r in cache.conn.execute("SELECT name FROM _migrations ORDER BY name")]
        assert names == sorted(m.__name__ for m in MIGRATIONS)
        assert cache.conn.execute("SELECT name_key FROM places").fetchall() == [("p1",)]
        assert cache.hours_answers(["node/1"], time.time()) == {}
    finally:
        cache.close()


def answer(osm_id: str, computed_at: float, valid_until: float, value: str = "24/7") -> HoursAnswer:
    return HoursAnswer(
        osm_id, value, 45.75, 4.85, "Europe/Paris", "FR", computed_at, valid_until,
        "open", None, "open 24/7", None,
    )  # fmt: skip


def test_hours_answers_are_only_those_that_hold_now(cache: Cache) -> None:
    now = 1_800_000_000.0
    cache.save_hours_answers(
        [
            answer("node/1", now - 60, now + 60),  # holds
            answer("node/2", now - 120, now - 60),  # expired
            answer("node/3", now + 60, now + 120),  # computed "later": a clock set back
        ]
    )
    found = cache.hours_answers(["node/1", "node/2", "node/3", "node/4"], now)
    assert list(found) == ["node/1"]
    assert found["node/1"] == answer("node/1", now - 60, now + 60)
    assert cache.hours_answers([], now) == {}


def test_a_new_hours_answer_replaces_the_old(cache: Cache) -> None:
    now = 1_800_000_000.0
    cache.save_hours_answers([answer("node/1", now - 60, now + 60)])
    cache.save_hours_answers([answer("node/1", now, now + 600, value="Mo-Fr 09:00-18:00")])
    assert cache.hours_answers(["node/1"], now + 300)["node/1"].value == "Mo-Fr 09:00-18:00"


def test_hours_answers_of_vanished_places_go_with_them(cache: Cache) -> None:
    now = time.time()
    cache.save_fetch(
        [place(1, 45.75, 4.85), place(2, 45.751, 4.85)], 45.75, 4.85, 1000, ["coworking"], None, "a"
    )
    cache.save_hours_answers([answer("node/1", now, now + 600), answer("node/2", now, now + 600)])
    cache.save_fetch([place(1, 45.75, 4.85)], 45.75, 4.85, 1000, ["coworking"], None, "a")
    assert list(cache.hours_answers(["node/1", "node/2"], now + 1)) == ["node/1"]


# -- a private, self-repairing cache ------------------------------------------------------


def filled(path: Path, count: int = 2000) -> None:
    cache = Cache(path)
    places = [place(i, 45.75 + i * 1e-5, 4.85, name=f"Place numéro {i}") for i in range(count)]
    cache.save_fetch(places, 45.75, 4.85, 5000, ["coworking"], None, "test")
    cache.close()
    assert not Path(f"{path}-wal").exists()


def test_the_cache_is_private_whatever_the_umask(solomo_home: Path) -> None:
    folder = solomo_home / "cache"
    folder.mkdir(parents=True, mode=0o755)
    folder.chmod(0o755)
    old = os.umask(0)
    try:
        cache = Cache(folder / "cache.db")
        cache.set_state("last", {"query": "Lyon"})
        modes = {
            p.name: p.stat().st_mode & 0o777 for p in folder.iterdir() if p.name.startswith("c")
        }
        cache.close()
    finally:
        os.umask(old)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert modes["cache.db"] == 0o600
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes


def test_a_truncated_cache_is_rebuilt(solomo_home: Path) -> None:
    path = solomo_home / "cache" / "cache.db"
    filled(path)
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    cache = Cache(path)
    try:
        assert cache.places_within(45.75, 4.85, 5000, ["coworking"]) == []
        assert cache.coverage(45.75, 4.85, 100, ["coworking"], DAY).missing == ("coworking",)
        assert cache.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        cache.close()


def name_lookup_error(path: Path, text: str) -> StoreError:
    """The error a name lookup in the cache at `path` raises."""
    cache = Cache(path)
    try:
        with pytest.raises(StoreError) as err:
            cache.find_places_by_name(text)
    finally:
        cache.close()
    return err.value


def test_a_cache_of_another_layout_is_a_store_error_that_names_the_fix(
    solomo_home: Path,
) -> None:
    path = solomo_home / "cache" / "cache.db"
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE places (osm_id TEXT)")
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    conn.executemany("INSERT INTO _migrations VALUES (?, '')", [(m.__name__,) for m in MIGRATIONS])
    conn.commit()
    conn.close()
    error = name_lookup_error(path, "P1")
    assert "no such column" in error.message
    assert "solomo cache clear" in (error.hint or "")
    result = invoke(["show", "P1"])
    assert result.exit_code == 5
    assert_one_error(result.stderr, "solomo cache clear")


def corrupt_places_table(path: Path) -> None:
    """Garbage over the root page of the places table: the file still opens."""
    conn = sqlite3.connect(path)
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'places'").fetchone()
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with open(path, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xffgarbage" * (page_size // 8))


def test_damage_found_later_is_a_store_error_that_names_the_fix(solomo_home: Path) -> None:
    path = solomo_home / "cache" / "cache.db"
    filled(path)
    corrupt_places_table(path)
    error = name_lookup_error(path, "numero 7")
    assert "malformed" in error.message
    assert "solomo cache clear" in (error.hint or "")


def test_a_damaged_cache_is_status_5_with_the_fix_and_the_fix_works(solomo_home: Path) -> None:
    path = solomo_home / "cache" / "cache.db"
    filled(path)
    corrupt_places_table(path)
    result = invoke(["show", "numero 7"])
    assert result.exit_code == 5
    assert_one_error(result.stderr, "cache", "solomo cache clear")
    assert invoke(["cache", "clear"]).exit_code == 0
    result = invoke(["show", "numero 7"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "no known place matches")


def test_cache_names_are_matched_folded_and_literally(cache: Cache) -> None:
    names = ["Bibliothèque du 7e Guillotière", "HarryCow", "La Cordée", "La cordée - Jean Macé"]
    cache.save_fetch(
        [place(i, 45.75, 4.85, name=n) for i, n in enumerate(names)],
        45.75,
        4.85,
        1000,
        ["coworking"],
        None,
        "test",
    )
    assert [p.name for p in cache.find_places_by_name("bibliotheque du 7e guillotiere")] == [
        names[0]
    ]
    assert cache.find_places_by_name("Harry%") == cache.find_places_by_name("_") == []
    assert [p.name for p in cache.find_places_by_name("LA CORDEE")] == names[2:]  # exact first
