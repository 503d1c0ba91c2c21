"""The listing from the cache's index and signal columns (top-k by growing rings, a SQL count,
tags decoded only for the places shown) equals the full computation: every candidate loaded
with its tags, filtered, scored by `ranking.rank` and cut, on real data and on random data."""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from clitools import invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solomo_cli.cache import store
from solomo_cli.cache.store import Cache, last_listing
from solomo_cli.config import get_paths, load_settings
from solomo_cli.geo import EARTH_RADIUS_M, distance_m
from solomo_cli.kinds import KINDS, WIFI_YES, classify
from solomo_cli.model import Place
from solomo_cli.mydata.store import UserData
from solomo_cli.search import near as near_module
from solomo_cli.search.hours import add_zones, annotate_hours, parse_when
from solomo_cli.search.near import (
    NearQuery,
    RankedPlaces,
    Session,
    add_freshness,
    remember_listing,
    run,
)
from solomo_cli.search.ranking import rank
from solomo_cli.signals import signals_of
from solomo_cli.sources.osm import element_to_place

ALL = tuple(KINDS)
LYON = (45.7640, 4.8357)
PARIS = (48.8566, 2.3522)
WHEN = parse_when("2026-12-01T10:30")  # a Tuesday morning, in each place's local time


def keep(place: Place, q: NearQuery) -> bool:
    """The filters as the options' help words them, on the tags."""
    tags = place.tags
    if (q.wifi or q.free_wifi) and tags.get("internet_access") not in WIFI_YES:
        return False
    if q.free_wifi and tags.get("internet_access:fee") not in ("no", "customers"):
        return False
    if q.power and signals_of(place).power != 1:
        return False
    return not (q.wheelchair and tags.get("wheelchair") not in ("yes", "limited", "designated"))


def full(session: Session, q: NearQuery, lat: float, lon: float) -> tuple[list[Place], int]:
    """The full computation: every candidate with its tags, then rank, then the limit."""
    cache, user_db = session.cache, session.settings.paths.user_db
    places = [p for p in cache.places_within(lat, lon, q.radius_m, q.kinds) if keep(p, q)]
    if q.open_at is not None:
        annotate_hours(places, q.open_at)
        allowed = ("open",) if q.strict_hours else ("open", "unknown")
        places = [p for p in places if p.extra["open_state"] in allowed]
    add_freshness(places)
    if user_db.exists():
        from solomo_cli.mydata.signals import personal_signals

        mine = personal_signals(user_db, [p.id for p in places])
        for p in places:
            p.extra["my_rating"], p.extra["visits"] = mine.get(p.id, (None, 0))
    ranked = rank(places, q.radius_m, q.sort, time_asked=q.open_at is not None)
    return (ranked[: q.limit] if q.limit else ranked), len(ranked)


def shape(places: Any) -> list[tuple[Any, ...]]:
    return [
        (p.id, p.score, p.reasons, p.distance_m, p.extra.get("open_state"), p.extra.get("stale"))
        for p in places
    ]


def check_same(q: NearQuery, lat: float, lon: float) -> int:
    with Session(load_settings()) as session:
        result = run(session, q)
        expected, total = full(session, q, lat, lon)
        if q.open_at is None:  # the hours shown: those of the places shown, as before
            annotate_hours(expected, None)
        assert result.total == total
        assert shape(result.places) == shape(expected)
        assert [p.extra.get("hours_phrase") for p in result.places] == [
            p.extra.get("hours_phrase") for p in expected
        ]
        return total


def store_places(places: list[Place], lat: float, lon: float, radius_m: float = 50_000) -> None:
    cache = Cache(get_paths().cache_db)
    try:
        cache.save_fetch(places, lat, lon, radius_m, ALL, None, "test")
    finally:
        cache.close()


# -- real data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real Lyon and Paris answers in one cache file (zones inferred once), for copying."""
    from conftest import SHARED_DATA

    folder = SHARED_DATA / "overpass"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    places = []
    for name in (
        "lyon_coworking",
        "lyon_libraries",
        "lyon_cafes",
        "paris_coworking",
        "paris_cafes",
    ):
        for element in json.loads((folder / f"{name}.json").read_text())["elements"]:
            place = element_to_place(element)
            if place is not None:
                places.append(place)
    add_zones(places)
    path = tmp_path_factory.mktemp("real") / "cache.db"
    cache = Cache(path)
    for lat, lon in (LYON, PARIS):
        mine = [p for p in places if distance_m(lat, lon, p.lat, p.lon) < 50_000]
        cache.save_fetch(mine, lat, lon, 100_000, ALL, None, "test")
    cache.close()
    return path


@pytest.fixture
def real(real_cache: Path) -> None:
    target = get_paths().cache_db
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(real_cache, target)


CENTRES = {
    "lyon": LYON,
    "part-dieu": (45.7606, 4.8593),
    "paris": PARIS,
    "republique": (48.8674, 2.3636),
}


@pytest.mark.parametrize("centre", sorted(CENTRES))
@pytest.mark.parametrize(
    ("radius_m", "kinds", "sort", "limit"),
    [
        (1000, ("coworking",), "score", 20),
        (3000, ALL, "score", 5),
        (3000, ALL, "distance", 7),
        (10_000, ("cafe", "library"), "score", 20),
        (20_000, ALL, "score", 1),
        (20_000, ALL, "score", 0),
        (50_000, ALL, "distance", 0),
    ],
)
@pytest.mark.parametrize("ring_rows", [2000, 3])
def test_real_data_same_listing_as_the_full_computation(
    real: None,
    monkeypatch: pytest.MonkeyPatch,
    centre: str,
    radius_m: float,
    kinds: tuple[str, ...],
    sort: str,
    limit: int,
    ring_rows: int,
) -> None:
    monkeypatch.setattr(near_module, "FIRST_RING_ROWS", ring_rows)  # rings even on a city
    lat, lon = CENTRES[centre]
    q = NearQuery(f"{lat},{lon}", radius_m, kinds, limit, sort, offline=True)
    assert check_same(q, lat, lon) > 0


@pytest.mark.parametrize(
    "filters",
    [
        {"wifi": True},
        {"free_wifi": True},
        {"wheelchair": True},
        {"wifi": True, "wheelchair": True},
        {"power": True},
    ],
)
def test_real_data_filters_from_the_columns(
    real: None, monkeypatch: pytest.MonkeyPatch, filters: dict[str, bool]
) -> None:
    monkeypatch.setattr(near_module, "FIRST_RING_ROWS", 3)
    q = NearQuery("paris", 8000, ALL, 10, offline=True, **filters)
    q = q._replace(place=f"{PARIS[0]},{PARIS[1]}")
    assert check_same(q, *PARIS) > 0


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("limit", [10, 0])
def test_real_data_open_at_evaluates_only_places_with_hours(
    real: None, monkeypatch: pytest.MonkeyPatch, strict: bool, limit: int
) -> None:
    from solomo_cli.search import hours

    evaluated: list[str] = []
    real_evaluate = hours.evaluate

    def counting(value: str, *args: Any, **kwargs: Any) -> Any:
        evaluated.append(value)
        return real_evaluate(value, *args, **kwargs)

    lat, lon = LYON
    q = NearQuery(f"{lat},{lon}", 5000, ALL, limit, offline=True, open_at=WHEN)
    q = q._replace(strict_hours=strict)
    with Session(load_settings()) as session:
        monkeypatch.setattr(hours, "evaluate", counting)
        result = run(session, q)
        shown = list(result.places)
        monkeypatch.setattr(hours, "evaluate", real_evaluate)
        with_hours = [
            p for p in session.cache.places_within(lat, lon, 5000, ALL) if p.opening_hours
        ]
    # Each value evaluated, once per zone and country (the places sharing it share its answer).
    assert set(evaluated) == {p.opening_hours for p in with_hours}
    assert len(evaluated) < len(with_hours)
    assert all(p.extra["open_state"] == "open" for p in shown if strict)
    assert check_same(q, lat, lon) == result.total


def test_a_personal_rating_and_visits_move_a_place_as_before(
    real: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(near_module, "FIRST_RING_ROWS", 3)
    lat, lon = LYON
    cache = Cache(get_paths().cache_db)
    far = cache.places_within(lat, lon, 9000, ALL)[-1]  # the farthest: rated up, visited
    near_one = cache.places_within(lat, lon, 9000, ALL)[0]  # the nearest: rated down
    cache.close()
    user = UserData(get_paths().user_db)
    for _ in range(5):
        user.add_visit(far, "2026-11-20", 5)
    user.add_visit(near_one, "2026-11-21", 1)
    user.close()
    for limit in (1, 3, 10):
        check_same(NearQuery(f"{lat},{lon}", 9000, ALL, limit, offline=True), lat, lon)
    with Session(load_settings()) as session:
        every = run(session, NearQuery(f"{lat},{lon}", 9000, ALL, 0, offline=True))
        reasons = {p.id: p.reasons for p in every.places}
    assert ("your rating ★5", 12.0) in reasons[far.id] and ("5 visits", 8.0) in reasons[far.id]
    assert ("your rating ★1", -12.0) in reasons[near_one.id]


# -- random data ----------------------------------------------------------------------------

TODAY = date.today()
TAG_CHOICES: dict[str, list[str | None]] = {
    "internet_access": [None, "yes", "wlan", "wired", "no", "terminal"],
    "internet_access:fee": [None, "no", "yes", "customers"],
    "wheelchair": [None, "yes", "limited", "no"],
    "opening_hours": [None, "24/7", "Mo-Fr 09:00-18:00", "Tu 14:00-16:00", "nonsense("],
    "website": [None, "https://example.org"],
    "phone": [None, "+33 1 23 45 67 89"],
    "brand": [None, "Regus", "WeWork"],
    "check_date": [
        None,
        (TODAY - timedelta(days=730)).isoformat(),
        (TODAY - timedelta(days=731)).isoformat(),
        str(TODAY.year - 1),
        "soon",
    ],
}
KIND_TAGS = {
    "coworking": {"office": "coworking"},
    "hackerspace": {"leisure": "hackerspace"},
    "library": {"amenity": "library"},
    "cafe": {"amenity": "cafe", "internet_access": "wlan"},
}


@st.composite
def random_place(draw: st.DrawFn, i: int, lat: float, lon: float, radius_m: float) -> Place:
    kind = draw(st.sampled_from(sorted(KIND_TAGS)))
    tags: dict[str, str] = {"name": f"P{i}", **KIND_TAGS[kind]}
    for key, values in TAG_CHOICES.items():
        value = draw(st.sampled_from(values))
        if value is not None:
            tags[key] = value
    kind = classify(tags) or kind
    if kind == "cafe" and tags.get("internet_access") not in ("yes", "wlan", "wired", "terminal"):
        tags["internet_access"] = "wlan"
    where = draw(st.sampled_from(["inside", "edge", "outside", "same"]))
    bearing = draw(st.floats(0, 2 * math.pi))
    share = {"inside": draw(st.floats(0, 1)), "edge": 1.0, "outside": 1.01, "same": 0.5}[where]
    if where == "same":
        bearing = 1.0  # several places at one distance and bearing: ties by id
    d = share * radius_m / EARTH_RADIUS_M
    plat = lat + math.degrees(d * math.cos(bearing))
    plon = lon + math.degrees(d * math.sin(bearing)) / math.cos(math.radians(lat))
    return Place(f"node/{i}", tags["name"], kind, plat, plon, tags)


@st.composite
def scene(draw: st.DrawFn) -> dict[str, Any]:
    lat = round(draw(st.floats(-70, 70)), 5)
    lon = round(draw(st.floats(-179, 179)), 5)
    radius_m = draw(st.sampled_from([500.0, 2000.0, 20_000.0, 50_000.0]))
    n = draw(st.integers(0, 60))
    places = [draw(random_place(i, lat, lon, radius_m)) for i in range(1, n + 1)]
    visits = draw(
        st.lists(
            st.tuples(st.integers(1, max(1, n)), st.sampled_from([None, 1, 2, 3, 4, 5])),
            max_size=8,
        )
    )
    q = NearQuery(
        f"{lat:.5f},{lon:.5f}",
        radius_m,
        tuple(draw(st.sets(st.sampled_from(ALL), min_size=1))),
        draw(st.sampled_from([0, 1, 3, 10])),
        draw(st.sampled_from(["score", "distance"])),
        offline=True,
        open_at=draw(st.sampled_from([None, None, WHEN])),
        wifi=draw(st.booleans()),
        free_wifi=draw(st.booleans()),
        wheelchair=draw(st.booleans()),
    )
    ring_rows = draw(st.sampled_from([1, 4, 2000]))
    guess = draw(st.sampled_from([0.0, 0.15, 0.5, 0.99]))  # a first guess that holds or fails
    return {
        "lat": lat,
        "lon": lon,
        "places": places,
        "visits": visits,
        "q": q,
        "ring": ring_rows,
        "guess": guess,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scene())
def test_random_data_same_listing_as_the_full_computation(data: dict[str, Any]) -> None:
    paths = get_paths()
    for path in (paths.cache_db, paths.user_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    lat, lon, q = data["lat"], data["lon"], data["q"]
    kinds = q.kinds
    q = q._replace(kinds=tuple(k for k in ALL if k in kinds))
    store_places(data["places"], lat, lon, q.radius_m * 1.2)
    if data["visits"]:
        user = UserData(paths.user_db)
        for index, rating in data["visits"]:
            if index <= len(data["places"]):
                user.add_visit(data["places"][index - 1], "2026-11-20", rating)
        user.close()
    saved = near_module.FIRST_RING_ROWS, near_module.GUESS_SHARE
    near_module.FIRST_RING_ROWS, near_module.GUESS_SHARE = data["ring"], data["guess"]
    try:
        check_same(q, lat, lon)
    finally:
        near_module.FIRST_RING_ROWS, near_module.GUESS_SHARE = saved


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-79, 79).map(lambda x: round(x, 5)),
    st.floats(-179, 179).map(lambda x: round(x, 5)),
    st.sampled_from([1.0, 900.0, 5000.0, 50_000.0]),
    st.lists(st.tuples(st.floats(0, 2 * math.pi), st.floats(0.98, 1.02)), max_size=30),
)
def test_the_count_is_exact_at_the_radius(
    lat: float, lon: float, radius_m: float, spots: list[tuple[float, float]]
) -> None:
    path = get_paths().cache_db
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    places = []
    for i, (bearing, share) in enumerate(spots):
        d = share * radius_m / EARTH_RADIUS_M
        plat = lat + math.degrees(d * math.cos(bearing))
        plon = lon + math.degrees(d * math.sin(bearing)) / math.cos(math.radians(lat))
        places.append(Place(f"node/{i}", None, "library", plat, max(-180, min(180, plon))))
    store_places(places, lat, lon, radius_m * 2)
    cache = Cache(path)
    try:
        expected = len(cache.places_within(lat, lon, radius_m, ALL))
        assert cache.count_within(lat, lon, radius_m, ALL) == expected
        assert len(cache.candidates(lat, lon, radius_m, ALL)) == expected
    finally:
        cache.close()


# -- no query binds one parameter per row -----------------------------------------------------


def test_a_listing_longer_than_sqlites_variable_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    lat, lon = LYON
    places = [
        Place(
            f"node/{i}",
            f"Place {i}",
            "coworking",
            lat + (i % 30) * 0.0004,
            lon + (i // 30) * 0.0004,
            {"office": "coworking", "name": f"Place {i}", "opening_hours": "24/7"},
            extra={"tz": "Europe/Paris", "country": "FR"},
        )
        for i in range(600)
    ]
    store_places(places, lat, lon, 10_000)
    opened = store._open

    def limited(path: Path) -> sqlite3.Connection:
        conn = opened(path)
        conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 250)  # fewer than the places
        return conn

    monkeypatch.setattr(store, "_open", limited)
    for extra in ([], ["--open-now"]):
        done = invoke(
            ["near", f"{lat},{lon}", "--offline", "-r", "5km", "--limit", "0", "-f", "json", *extra]
        )
        assert done.exit_code == 0, done.output
        rows = json.loads(done.stdout)
        assert len(rows) == 600 and [r["rank"] for r in rows] == list(range(1, 601))
    cache = Cache(get_paths().cache_db)
    try:
        listing = last_listing(cache)
    finally:
        cache.close()
    assert listing is not None
    assert [p["id"] for p in listing["places"]] == [r["id"] for r in rows]
    shown = invoke(["show", "600"])
    assert shown.exit_code == 0 and rows[-1]["name"] in shown.stdout


def test_limit_zero_is_built_in_chunks_as_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    lat, lon = LYON
    places = [
        Place(f"node/{i}", f"P{i}", "library", lat + i * 3e-5, lon, {"amenity": "library"})
        for i in range(1, 1201)
    ]
    store_places(places, lat, lon, 10_000)
    built: list[int] = []
    real_places_of = Cache.places_of

    def counting(self: Cache, rids: Any) -> list[Place]:
        built.append(len(rids))
        return real_places_of(self, rids)

    monkeypatch.setattr(Cache, "places_of", counting)
    q = NearQuery(f"{lat},{lon}", 5000, ALL, 0, "distance", offline=True)
    with Session(load_settings()) as session:
        result = run(session, q)
        assert isinstance(result.places, RankedPlaces) and built == []
        assert len(result.places) == result.total == 1200
        ids = [p.id for p in result.places]
        assert max(built) <= near_module.HOURS_CHUNK and sum(built) == 1200
        assert result.places[1199].id == ids[-1] == "node/1200"
        remember_listing(session.cache, result.origin, result.places)
        assert sum(built) == 1201  # the listing is copied in SQL, not built
    assert ids == [f"node/{i}" for i in range(1, 1201)]


def test_the_sql_bound_is_the_score_without_distance() -> None:
    """points_sql and points are one rule: for every kind, chain or not, and every signal
    yes, no and unknown (each alone, then in a thousand mixes), the same points."""
    import random

    from solomo_cli.search.ranking import Traits, points, points_sql

    today = TODAY.toordinal()
    sql, args = points_sql(today)
    conn = sqlite3.connect(":memory:")
    columns = [c for c in Traits._fields if c != "kind"]
    select = ", ".join(f"? AS {c}" for c in ["kind", *columns])
    tri = (None, 0, 1)
    days = (None, today - 730, today - 731, today + 3)
    values = {
        c: days
        if c == "check_day"
        else (0, 1)
        if c in ("chain", "hours_known", "contact_known")
        else tri
        for c in columns
    }
    rows = []
    for kind in [*KINDS, "saved"]:
        for column in columns:
            for value in values[column]:
                base = {
                    c: (0 if c in ("chain", "hours_known", "contact_known") else None)
                    for c in columns
                }
                rows.append((kind, base | {column: value}))
    rng = random.Random(14)
    for _ in range(1000):
        rows.append((rng.choice([*KINDS, "saved"]), {c: rng.choice(values[c]) for c in columns}))
    for kind, row in rows:
        (got,) = conn.execute(
            f"SELECT {sql} FROM (SELECT {select})", (*args, kind, *row.values())
        ).fetchone()
        total, _ = points(Traits(kind, **row), 1e9, 1.0, today)
        assert got == total, (kind, row)
