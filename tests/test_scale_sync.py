"""`sync` streams the Overpass answer: what it stores equals what the whole-body path stored,
on real and generated answers, for any chunking; a failure midway (a remark at the end, a cut,
the cap, the deadline) leaves the store as it was; the count is the rows written."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from clitools import invoke
from fakeservers import (
    DEFAULT_OSM_BASE,
    LYON_LAT,
    LYON_LON,
    PARIS_BOX,
    FakeServices,
    synthetic_answer,
    synthetic_elements,
    write_synthetic_answer,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st

from solomo_cli import db
from solomo_cli.boundary import MAX_OSM_VALUE, BadInput, clean, excerpt, osm_tags, timestamp
from solomo_cli.cache.store import _UPSERT_PLACE, Cache, _place_row
from solomo_cli.config import load_settings
from solomo_cli.errors import BadResponse, QueryFailed, ServiceError
from solomo_cli.geo import distance_m
from solomo_cli.kinds import parse_kinds
from solomo_cli.match import _fold_once, fold
from solomo_cli.model import Place
from solomo_cli.net import Limits, make_client
from solomo_cli.search.hours import add_zones
from solomo_cli.search.near import sync
from solomo_cli.sources import overpass
from solomo_cli.sources.base import Answer
from solomo_cli.sources.osm import element_to_place

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PARIS = (48.8566, 2.3522)
KINDS = parse_kinds("all")
REAL_ANSWERS = {
    "lyon_coworking.json": (LYON_LAT, LYON_LON),
    "lyon_libraries.json": (LYON_LAT, LYON_LON),
    "lyon_cafes.json": (LYON_LAT, LYON_LON),
    "paris_coworking.json": PARIS,
    "paris_cafes.json": PARIS,
    "ways_without_center.json": PARIS,
}


# -- the whole-body path as it was (the oracle) ------------------------------------------------


def old_parse(
    body: bytes, content_type: str = "application/json"
) -> tuple[list[Place], str | None]:
    """parse_answer before streaming: json.loads of the body, then the checks, then the places."""
    host = "127.0.0.1"
    wrong = overpass._not_json(body, content_type, host)
    if wrong is not None:
        raise wrong
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadResponse(
            f"Overpass at {host} sent a truncated or invalid JSON answer",
            hint=overpass.OTHER_SERVER,
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise BadResponse(f"Overpass at {host} sent JSON without an element list")
    if data.get("remark"):
        raise QueryFailed(
            f"Overpass at {host} could not complete the query: {excerpt(data['remark'], 200)}"
        )
    places = [p for p in map(element_to_place, data["elements"]) if isinstance(p, Place)]
    osm3s = data.get("osm3s")
    try:
        base = timestamp(osm3s.get("timestamp_osm_base")) if isinstance(osm3s, dict) else None
    except BadInput:
        base = None
    return places, base


def old_import(
    path: Path, body: bytes, lat: float, lon: float, radius_m: float, endpoint: str
) -> None:
    """The whole-body import as it was: every place in a list, then one upsert per row."""
    places, base = old_parse(body)
    add_zones(places)
    cache = Cache(path)
    conn = cache.conn
    fetched_at = 1.0
    with db.transaction(conn):
        for place in places:
            conn.execute(_UPSERT_PLACE, _place_row(place, fetched_at)).fetchone()
        conn.execute(
            "INSERT INTO coverage (lat, lon, radius_m, kinds, fetched_at, osm_base, endpoint) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (lat, lon, radius_m, ",".join(KINDS), fetched_at, base, endpoint),
        )
    cache.close()


def dump(path: Path, times: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the store holds (with `times=False`, fetch times blanked: runs differ)."""
    conn = sqlite3.connect(path)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(places)")]
        when = columns.index("fetched_at")
        places = [
            row if times else (*row[:when], None, *row[when + 1 :])
            for row in conn.execute("SELECT * FROM places ORDER BY rid")
        ]
        coverage = conn.execute(
            "SELECT lat, lon, radius_m, kinds, osm_base, endpoint"
            + (", fetched_at" if times else "")
            + " FROM coverage ORDER BY id"
        ).fetchall()
        return {
            "places": places,
            "schema": conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
            ).fetchall(),
            "coverage": coverage,
            "hours_memo": conn.execute("SELECT * FROM hours_memo ORDER BY osm_id").fetchall(),
        }
    finally:
        conn.close()


def cache_path() -> Path:
    return load_settings().paths.cache_db


def run_sync(centre: tuple[float, float], radius_m: float, refresh: bool = False) -> int:
    return sync(f"{centre[0]},{centre[1]}", radius_m, "all", refresh=refresh).places


# -- the same rows as the whole-body path ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REAL_ANSWERS))
def test_streamed_import_stores_what_the_whole_body_path_stored(
    services: FakeServices, shared_data: Path, tmp_path: Path, name: str
) -> None:
    source = shared_data / "overpass" / name
    centre = REAL_ANSWERS[name]
    services.serve_overpass_file(source, chunk_size=4096)
    written = run_sync(centre, 20_000)
    old = tmp_path / "old.db"
    old_import(old, source.read_bytes(), *centre, 20_000, services.overpass_url)
    streamed = dump(cache_path(), times=False)
    assert streamed == dump(old, times=False)
    assert written == len(streamed["places"]) == len(old_parse(source.read_bytes())[0])
    assert len(streamed["places"]) > 0 or name == "ways_without_center.json"


@pytest.mark.parametrize(("n", "seed"), [(1, 0), (2500, 1), (7001, 2)])
def test_streamed_import_of_generated_answers(
    services: FakeServices, tmp_path: Path, n: int, seed: int
) -> None:
    answer = tmp_path / "answer.json"
    write_synthetic_answer(answer, n, seed=seed)
    services.serve_overpass_file(answer)
    written = run_sync(PARIS, 50_000)
    old = tmp_path / "old.db"
    old_import(old, answer.read_bytes(), *PARIS, 50_000, services.overpass_url)
    stored = dump(cache_path(), times=False)
    assert stored == dump(old, times=False)
    assert written == n == len(stored["places"])  # every element a place
    assert stored["coverage"][0][4] == DEFAULT_OSM_BASE


def test_sync_reports_the_rows_written_and_a_fresh_area_is_counted_in_sql(
    services: FakeServices, tmp_path: Path
) -> None:
    answer = tmp_path / "answer.json"
    write_synthetic_answer(answer, 3000, seed=5)
    services.serve_overpass_file(answer)
    result = invoke(["sync", f"{PARIS[0]},{PARIS[1]}", "--radius", "50km"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("3000 places (coworking, hackerspace, library, cafe)")
    assert "fetched" in result.stdout
    requests = services.count("/api/interpreter")
    # Fresh now: nothing fetched, the places within a smaller circle counted from coordinates.
    result = invoke(["sync", f"{PARIS[0]},{PARIS[1]}", "--radius", "5km"])
    assert result.exit_code == 0, result.stderr
    assert services.count("/api/interpreter") == requests
    inside = sum(
        1
        for e in synthetic_elements(3000, seed=5)
        if distance_m(
            *PARIS, *((e["lat"], e["lon"]) if "lat" in e else tuple(e["center"].values()))
        )
        <= 5000
    )
    assert 0 < inside < 3000
    assert result.stdout.startswith(f"{inside} places")
    assert "already up to date" in result.stdout


def test_count_within_equals_places_within(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.db")
    places, _ = old_parse(synthetic_answer(2000, seed=9))
    cache.save_fetch(places, *PARIS, 50_000, KINDS, None, "test")
    for radius in (500, 3000, 12_000, 40_000):
        for kinds in (("cafe",), ("coworking", "library"), KINDS):
            assert cache.count_within(*PARIS, radius, kinds) == len(
                cache.places_within(*PARIS, radius, kinds)
            )
    assert cache.count_within(*PARIS, 40_000, ()) == 0


# -- a failure midway leaves the store as it was ----------------------------------------------


@pytest.fixture(params=["here", "writer"])
def filled(
    services: FakeServices, tmp_path: Path, request: pytest.FixtureRequest
) -> dict[str, list[tuple[Any, ...]]]:
    """A store holding a first sync of 3000 generated places, and its rows; each test that
    uses it runs twice: with the answers written here, and by the writer process (cache.writer,
    which a big answer gets) from the 1000th place on."""
    if request.param == "writer":
        request.getfixturevalue("monkeypatch").setattr(Cache, "_WRITER_AFTER", 1000)
    first = tmp_path / "first.json"
    write_synthetic_answer(first, 3000, seed=11)
    services.serve_overpass_file(first)
    assert run_sync(PARIS, 50_000) == 3000
    return dump(cache_path())


def refresh_fails(services: FakeServices, path: Path, **serve: Any) -> ServiceError:
    services.serve_overpass_file(path, **serve)
    with pytest.raises(ServiceError) as caught:
        run_sync(PARIS, 50_000, refresh=True)
    return caught.value


def test_a_remark_after_the_elements_rolls_the_whole_answer_back(
    services: FakeServices, filled: dict[str, Any], tmp_path: Path
) -> None:
    bad = tmp_path / "remark.json"
    write_synthetic_answer(bad, 5000, seed=12, remark="runtime error: Query ran out of memory")
    error = refresh_fails(services, bad)
    assert isinstance(error, QueryFailed)
    assert "could not complete the query: runtime error: Query ran out of memory" in error.message
    assert dump(cache_path()) == filled


@pytest.mark.parametrize("where", [0.01, 0.5, 0.999])
def test_a_body_cut_midway_leaves_the_store_as_it_was(
    services: FakeServices, filled: dict[str, Any], tmp_path: Path, where: float
) -> None:
    bad = tmp_path / "cut.json"
    size = write_synthetic_answer(bad, 5000, seed=13)
    error = refresh_fails(services, bad, cut_at=int(size * where), chunked=where > 0.5)
    assert "Overpass" in error.message
    assert dump(cache_path()) == filled


def test_a_truncated_but_complete_http_body_leaves_the_store_as_it_was(
    services: FakeServices, filled: dict[str, Any], tmp_path: Path
) -> None:
    whole = synthetic_answer(5000, seed=14)
    bad = tmp_path / "truncated.json"
    bad.write_bytes(whole[: len(whole) * 2 // 3])
    error = refresh_fails(services, bad)
    assert "truncated or invalid JSON" in error.message
    assert dump(cache_path()) == filled


def stream_into_cache(
    url: str, limits: Limits, seen: list[int]
) -> tuple[int, list[tuple[str, bool]]]:
    """overpass.fetch_into with an explicit cap and deadline, saving into the cache; `seen`
    counts the places that reached the store before any failure."""
    settings = load_settings()
    cache = Cache(settings.paths.cache_db)
    notices: list[tuple[str, bool]] = []

    def notify(message: str, *, waiting: bool = False) -> None:
        notices.append((message, waiting))

    def counted(places: Iterable[Place]) -> Iterator[Place]:
        for place in places:
            seen[0] += 1
            yield place

    def save(answer: Answer) -> int:
        return cache.save_fetch(
            counted(answer.places), *PARIS, 50_000, KINDS, lambda: answer.osm_base, "x"
        )

    try:
        with make_client(settings) as client:
            written = overpass.fetch_into(
                client, (url,), *PARIS, 50_000, KINDS, save, notify, limits
            )
        return written, notices
    finally:
        cache.close()


def test_the_cap_met_midway_leaves_the_store_as_it_was(
    services: FakeServices, filled: dict[str, Any], tmp_path: Path
) -> None:
    bad = tmp_path / "big.json"
    size = write_synthetic_answer(bad, 5000, seed=15)
    services.serve_overpass_file(bad, chunked=True)  # no length announced: met while reading
    seen = [0]
    with pytest.raises(BadResponse, match="sent more than 1 MB"):
        stream_into_cache(services.overpass_url, Limits(1024 * 1024, 60.0), seen)
    assert size > 1024 * 1024 and seen[0] > 2000  # places were written before the cap was met
    assert dump(cache_path()) == filled


def test_the_deadline_met_midway_leaves_the_store_as_it_was(
    services: FakeServices, filled: dict[str, Any], tmp_path: Path
) -> None:
    bad = tmp_path / "slow.json"
    write_synthetic_answer(bad, 5000, seed=16)
    services.serve_overpass_file(bad, chunk_size=16 * 1024, pause=0.05)
    seen = [0]
    with pytest.raises(ServiceError, match="did not answer within 1 s"):
        stream_into_cache(services.overpass_url, Limits(1024 * 1024 * 1024, 1.0), seen)
    assert seen[0] > 0
    assert dump(cache_path()) == filled


def test_a_big_answer_says_how_many_places_have_come(
    services: FakeServices, tmp_path: Path
) -> None:
    answer = tmp_path / "answer.json"
    write_synthetic_answer(answer, 25_000, seed=17)
    services.serve_overpass_file(answer, chunked=True)
    written, notices = stream_into_cache(services.overpass_url, Limits(2**30, 120.0), [0])
    assert written == 25_000
    assert notices == [
        ("10,000 places received from OpenStreetMap…", False),
        ("20,000 places received from OpenStreetMap…", False),
    ]


def test_vanished_places_beyond_sqlites_variable_limit_are_deleted(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.db")
    places, _ = old_parse(synthetic_answer(3000, seed=18))
    cache.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)
    assert cache.save_fetch(places, *PARIS, 50_000, KINDS, None, "a", fetched_at=1.0) == 3000
    assert cache.save_fetch(places[:10], *PARIS, 50_000, KINDS, None, "a", fetched_at=2.0) == 10
    rows = cache.conn.execute("SELECT osm_id FROM places ORDER BY rid").fetchall()
    assert [r[0] for r in rows] == [p.id for p in places[:10]]
    assert cache.count_within(*PARIS, 50_000, KINDS) == 10


@pytest.mark.parametrize("kept", [9_000, 10_500])  # found through the index, and by a scan
def test_vanished_places_are_deleted_in_the_circle_only(tmp_path: Path, kept: int) -> None:
    cache = Cache(tmp_path / "c.db")
    places, _ = old_parse(synthetic_answer(16_000, seed=19))
    far = Place("node/1", "Far", "cafe", 45.75, 4.85, {"amenity": "cafe"})
    other = Place("node/2", "Other kind", "library", *PARIS, {"amenity": "library"})
    cache.save_fetch(
        [far, other], 45.75, 4.85, 1000, ["cafe", "library"], None, "a", fetched_at=0.5
    )
    cafes = [p for p in places if p.kind != "library"]
    cache.save_fetch(
        cafes, *PARIS, 50_000, ("coworking", "hackerspace", "cafe"), None, "a", fetched_at=1.0
    )
    written = cache.save_fetch(
        cafes[:kept],
        *PARIS,
        50_000,
        ("coworking", "hackerspace", "cafe"),
        None,
        "a",
        fetched_at=2.0,
    )
    assert written == kept
    assert len(cafes) > kept + 1000
    rows = cache.conn.execute("SELECT osm_id FROM places ORDER BY rid").fetchall()
    assert [r[0] for r in rows] == ["node/1", "node/2", *(p.id for p in cafes[:kept])]
    assert cache.count_within(*PARIS, 50_000, ("coworking", "hackerspace", "cafe")) == kept


# -- the reader: any chunking, hostile input bounded -------------------------------------------


def outcome(chunks: Iterable[bytes], content_type: str = "application/json") -> object:
    reader = overpass.AnswerReader(chunks, content_type, "127.0.0.1")
    try:
        places = list(reader.places())
    except ServiceError as exc:
        return type(exc).__name__, exc.message
    return [(p.id, p.name, p.kind, p.lat, p.lon, p.tags) for p in places], reader.osm_base


def expected(body: bytes, content_type: str = "application/json") -> object:
    try:
        places, base = old_parse(body, content_type)
    except ServiceError as exc:
        return type(exc).__name__, exc.message
    return [(p.id, p.name, p.kind, p.lat, p.lon, p.tags) for p in places], base


def split(body: bytes, sizes: list[int]) -> Iterator[bytes]:
    pos, i = 0, 0
    while pos < len(body):
        size = sizes[i % len(sizes)]
        yield body[pos : pos + size]
        pos, i = pos + size, i + 1


BODIES = {
    "answer": synthetic_answer(300, seed=20),
    "remark": synthetic_answer(300, seed=21, remark="runtime error: Query timed out"),
    "cut": synthetic_answer(300, seed=22)[:40_000],
    "no base": synthetic_answer(50, seed=23, osm_base=None),
    "numbers": b'{"version": 0.6, "elements": [{"type": "node", "id": 12345, "lat": 45.75, '
    b'"lon": 4.85, "tags": {"amenity": "library"}}], "osm3s": 123456789}   ',
    "trailing": b'{"elements": []} x',
    "no list": b'{"elements": {"a": 1}, "remark": "x"}',
    "list later": b'{"elements": 3, "elements": []}',
    "array": b'[{"elements": []}]',
    "utf-16": '{"elements": [{"type": "node", "id": 7, "lat": 1.5, "lon": 2.5, '
    '"tags": {"amenity": "library", "name": "Bibliothèque"}}]}'.encode("utf-16"),
    "bom": b'\xef\xbb\xbf{"elements": []}',
    "html": b"<html><head><title>Too busy</title></head><body>x</body></html>",
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_one_byte_chunks_give_the_whole_body_result(name: str) -> None:
    body = BODIES[name]
    assert outcome(split(body, [1])) == outcome([body]) == expected(body)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(sorted(BODIES)),
    st.lists(st.integers(1, 70_000), min_size=1, max_size=30),
)
def test_any_chunking_gives_the_whole_body_result(name: str, sizes: list[int]) -> None:
    body = BODIES[name]
    assert outcome(split(body, sizes)) == expected(body)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4096), st.sampled_from(sorted(REAL_ANSWERS)))
def test_real_answers_in_any_chunk_size(size: int, name: str) -> None:
    path = SHARED_DATA / "overpass" / name
    if not path.exists():
        pytest.skip("no shared data")
    body = path.read_bytes()
    assert outcome(split(body, [size])) == expected(body)


def endless(head: bytes, filler: bytes, consumed: list[int]) -> Iterator[bytes]:
    yield head
    while True:
        consumed[0] += len(filler)
        yield filler


@pytest.mark.parametrize(
    ("head", "filler"),
    [
        (b'{"elements": [{"type": "node", "tags": {"name": "', b"x" * 65536),  # a huge string
        (b'{"elements": [', b"[" * 65536),  # nesting without end
        (b'{"elements": [{"type": "node", "id": 1, "tags": {', b'"k": "v", ' * 6000),
        (b'{"generator": "', b"y" * 65536),  # a value other than the elements
    ],
)
def test_an_endless_value_is_refused_within_bounds(head: bytes, filler: bytes) -> None:
    consumed = [0]
    result = outcome(endless(head, filler, consumed))
    assert result == (
        "BadResponse",
        "Overpass at 127.0.0.1 sent a truncated or invalid JSON answer",
    )
    assert consumed[0] <= 3 * overpass.MAX_VALUE_CHARS


def test_many_small_elements_need_no_more_than_one_element_of_memory() -> None:
    consumed = [0]

    def elements() -> Iterator[bytes]:
        yield b'{"elements": ['
        element = json.dumps(next(synthetic_elements(1, seed=3, box=PARIS_BOX))).encode()
        for _ in range(20_000):
            consumed[0] += 1
            yield element + b","
        yield element + b"]}"

    reader = overpass.AnswerReader(elements(), "application/json", "h")
    places = reader.places()
    next(places)
    # The first place comes after the head (256 KB), not after the whole body.
    assert consumed[0] < 20_000 // 4
    assert sum(1 for _ in places) == 20_000


def test_parse_answer_keeps_its_checks() -> None:
    response = httpx.Response(
        200, content=BODIES["remark"], headers={"content-type": "application/json"}
    )
    with pytest.raises(QueryFailed, match="could not complete the query"):
        overpass.parse_answer(response, "http://127.0.0.1/api/interpreter")


# -- the fast paths equal the rules they skip -------------------------------------------------


def osm_tags_cleaning_every_pair(value: dict[Any, Any]) -> dict[str, str]:
    """boundary.osm_tags as it was: every key and value through clean."""
    tags: dict[str, str] = {}
    for key, val in value.items():
        if not isinstance(key, str) or not isinstance(val, str):
            continue
        key, val = clean(key[: MAX_OSM_VALUE * 4]), clean(val[: MAX_OSM_VALUE * 4])
        if key and val:
            tags[key[:MAX_OSM_VALUE]] = val[:MAX_OSM_VALUE]
    return tags


_ANY_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from("ab \u00a0\x1b[m\t\u200b\u202e;é"), max_size=12),
    st.integers(1, 1100).map(lambda n: "x" * (n - 1) + " "),  # past OSM's 255 characters
    st.integers(1, 1100).map(lambda n: "\u00a0" + "y" * n + "\x07"),
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.one_of(_ANY_TEXT, st.integers()), st.one_of(_ANY_TEXT, st.none())))
def test_osm_tags_fast_path_cleans_as_every_pair_cleaned(value: dict[Any, Any]) -> None:
    assert list(osm_tags(value).items()) == list(osm_tags_cleaning_every_pair(value).items())


# -- a big answer: the light index built once, at the end, inside the transaction --------------


def seeded_store(tmp_path: Path, n: int, seed: int, first: int) -> tuple[Path, Cache, list[Place]]:
    """A store holding the first `first` of n generated places (fetched at 1.0), and them all."""
    path = tmp_path / "c.db"
    cache = Cache(path)
    places, _ = old_parse(synthetic_answer(n, seed=seed))
    cache.save_fetch(places[:first], *PARIS, 50_000, KINDS, None, "a", fetched_at=1.0)
    return path, cache, places


def test_a_failure_after_the_indexes_were_dropped_leaves_them_and_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Cache, "_REBUILD_AFTER", 2000)
    path, cache, places = seeded_store(tmp_path, 6000, 21, 3000)
    before = dump(path)

    def failing() -> Iterator[Place]:
        yield from places[3000:]
        raise ServiceError("the connection broke")

    with pytest.raises(ServiceError):
        cache.save_fetch(failing(), *PARIS, 50_000, KINDS, None, "a", fetched_at=2.0)
    assert dump(path) == before  # the rows, and the schema with places_light
    assert cache.count_within(*PARIS, 50_000, KINDS) == 3000


def test_a_big_answer_into_a_full_store_rebuilds_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Cache, "_REBUILD_AFTER", 2000)
    cache = Cache(tmp_path / "c.db")
    places, _ = old_parse(synthetic_answer(6000, seed=22))
    cache.save_fetch(places[:100], *PARIS, 50_000, KINDS, None, "a", fetched_at=1.0)
    schema = dump(tmp_path / "c.db")["schema"]
    assert cache.save_fetch(places, *PARIS, 50_000, KINDS, None, "a", fetched_at=2.0) == 6000
    assert dump(tmp_path / "c.db")["schema"] == schema
    expected = [p.id for p in cache.places_within(*PARIS, 50_000, KINDS)]
    assert len(expected) == cache.count_within(*PARIS, 50_000, KINDS) == 6000
    assert sorted(expected) == sorted(p.id for p in places)


def test_a_big_answer_empties_the_count_memo_once_and_keeps_its_triggers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The memo's triggers are dropped while a big answer is written (they run once per row)
    # and the memo is emptied instead; a failed write leaves memo, triggers and rows as they were.
    monkeypatch.setattr(Cache, "_REBUILD_AFTER", 2000)
    path, cache, places = seeded_store(tmp_path, 6000, 23, 3000)
    memo = "SELECT count(*) FROM count_memo"
    assert cache.count_within(*PARIS, 5_000, KINDS) < 3000
    assert cache.conn.execute(memo).fetchone()[0] == 1
    before = dump(path)

    def failing() -> Iterator[Place]:
        yield from places
        raise ServiceError("the connection broke")

    with pytest.raises(ServiceError):
        cache.save_fetch(failing(), *PARIS, 50_000, KINDS, None, "a", fetched_at=2.0)
    assert dump(path) == before and cache.conn.execute(memo).fetchone()[0] == 1

    assert cache.save_fetch(places, *PARIS, 50_000, KINDS, None, "a", fetched_at=2.0) == 6000
    assert cache.conn.execute(memo).fetchone()[0] == 0
    assert dump(path)["schema"] == before["schema"]  # the triggers are back
    counted = cache.count_within(*PARIS, 50_000, KINDS)
    assert counted == cache._count_within(*PARIS, 50_000, KINDS, ()) == 6000
    # A small write later still empties the memo through the triggers.
    cache.save_fetch(places[:10], *PARIS, 1_000_000, KINDS, None, "a", fetched_at=3.0)
    assert cache.conn.execute(memo).fetchone()[0] == 0
    assert cache.count_within(*PARIS, 50_000, KINDS) == 10


def fold_until_still(text: str) -> str:
    """match.fold without its ASCII shortcut: passes until nothing moves."""
    folded = _fold_once(text)
    for _ in range(4):
        again = _fold_once(folded)
        if again == folded:
            break
        folded = again
    return folded


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(alphabet=st.characters(max_codepoint=127)), st.text()))
def test_fold_of_ascii_in_one_pass_equals_fold_until_still(text: str) -> None:
    assert fold(text) == fold_until_still(text)


@pytest.mark.parametrize("code", range(128))
def test_each_ascii_character_folds_as_the_full_fold_folds_it(code: int) -> None:
    """fold's table for ASCII names, character by character: alone, between words, doubled."""
    char = chr(code)
    for text in (char, f"Ab{char}Cd", f" {char}{char} x", f"{char}Z"):
        assert fold(text) == fold_until_still(text)


# -- the per-place shortcuts of a sync equal the checks and rules they stand for ---------------


def element_to_place_checked(element: dict[str, Any]) -> Place | None:
    """sources.osm.element_to_place as it was: every id and coordinate through the boundary."""
    from solomo_cli.boundary import latlon, osm_id
    from solomo_cli.kinds import classify

    if element.get("type") not in ("node", "way", "relation"):
        return None
    try:
        eid = osm_id(element.get("id"))
        tags = osm_tags(element.get("tags"))
    except BadInput:
        return None
    kind = classify(tags)
    point = element if "lat" in element else element.get("center")
    if kind is None or not isinstance(point, dict):
        return None
    lat, lon = point.get("lat"), point.get("lon")
    if not (isinstance(lat, (int, float)) and isinstance(lon, (int, float))):
        return None
    try:
        lat, lon = latlon(lat, lon)
    except BadInput:
        return None
    return Place(f"{element['type']}/{eid}", tags.get("name"), kind, lat, lon, tags)


_COORD = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-200, 200),
    st.integers(-200, 200),
    st.sampled_from([90.0, -90.0, 180.0, -180.0, 90.0000001, -0.0, True, "48.8", None]),
)
_IDS = st.one_of(
    st.integers(-3, 2**64),
    st.sampled_from([0, 1, 2**63 - 1, 2**63, True, 1.0, "12", None]),
)


@settings(max_examples=600, deadline=None)
@given(_IDS, _COORD, _COORD, st.booleans())
def test_element_fast_checks_equal_the_boundarys(eid: Any, lat: Any, lon: Any, way: bool) -> None:
    tags = {"amenity": "library", "name": "B"}
    point = {"lat": lat, "lon": lon}
    element = (
        {"type": "way", "id": eid, "center": point, "tags": tags}
        if way
        else {"type": "node", "id": eid, **point, "tags": tags}
    )
    got, want = element_to_place(element), element_to_place_checked(element)
    assert (got is None) == (want is None)
    if got is not None and want is not None:
        assert (got.id, got.kind, got.lat, got.lon, got.tags) == (
            want.id,
            want.kind,
            want.lat,
            want.lon,
            want.tags,
        )
        assert type(got.lat) is type(want.lat) and type(got.lon) is type(want.lon)


_SIGNAL_KEYS = st.sampled_from(
    [
        "check_date",
        "check_date:opening_hours",
        "check_date:x",
        "survey:date",
        "xcheck_date",
        "socket:schuko",
        "socket:type2:count",
        "socket",
        "power_supply",
        "service:electricity",
        "name",
        "a\ncheck_date",
    ]
)
_SIGNAL_VALUES = st.one_of(
    st.sampled_from(["2024-05-01", "2023", "2025-13", "2019-02-03", "", " 2021-01 ", "no", "yes"]),
    st.sampled_from(["0", "plenty", "none", "\u200b2020-01-01"]),
    st.text(max_size=12),
)


@settings(max_examples=800, deadline=None)
@given(st.dictionaries(_SIGNAL_KEYS, _SIGNAL_VALUES, max_size=6))
def test_key_search_shortcuts_equal_the_loops(tags: dict[str, str]) -> None:
    from solomo_cli import signals as rules

    keys = rules._keys(tags)
    assert rules._latest_check(tags, keys) == rules._latest_check(tags, None)
    assert rules._power(tags, keys) == rules._power(tags, None)


def test_keys_that_are_not_text_take_the_loops() -> None:
    from solomo_cli import signals as rules

    # (as before, such tags fail in the loops: none crosses the boundary, osm_tags)
    assert rules._keys({1: "x", "check_date": "2024-01-02"}) is None  # type: ignore[dict-item]
    assert rules._keys({"a": "x", "check_date": "2024-01-02"}) == "a\ncheck_date"


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(_ANY_TEXT, _ANY_TEXT))
@example({"name": "Caf\u00e9 \u2028 \x7f", "note": 'a\nb\t\x00"\\'})
@example({"name": "\ud800"})  # a lone surrogate: orjson refuses it, json writes it
def test_tags_are_stored_as_compact_json_dumps_writes_them(tags: dict[str, str]) -> None:
    from solomo_cli.cache.store import _dump_tags

    text = _dump_tags(tags)
    assert text == json.dumps(tags, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(text) == tags


def test_a_tag_key_that_is_not_text_is_written_by_json_as_text() -> None:
    from solomo_cli.cache.store import _dump_tags

    # (none crosses the boundary, osm_tags: orjson refuses it, json writes it as text)
    assert _dump_tags({1: "a", "b": "c"}) == '{"1":"a","b":"c"}'  # type: ignore[dict-item]


def test_tags_stored_by_an_older_version_with_spaces_read_back_the_same() -> None:
    from solomo_cli.cache.store import _STORED_COLS, _completed, _dump_tags, _plain_row

    tags = {"amenity": "cafe", "name": "Le Bar", "internet_access": "wlan"}
    place = Place("node/1", "Le Bar", "cafe", 45.0, 4.0, tags)
    new = _plain_row(place, 1.0)
    old = (*new[:5], json.dumps(tags, ensure_ascii=False), *new[6:])
    assert (
        new[5] == _dump_tags(tags) == '{"amenity":"cafe","name":"Le Bar","internet_access":"wlan"}'
    )
    done_old, done_new = _completed([old])[0], _completed([new])[0]
    assert done_old[:5] == done_new[:5] and done_old[6:] == done_new[6:]
    assert dict(zip(_STORED_COLS, done_new, strict=True))["internet"] is not None  # derived


# -- a big answer's SQLite work in the writer process (cache.writer) ---------------------------


def save_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, steps: list[tuple[bytes, float, float]]
) -> tuple[Path, Path]:
    """The same saves (answer, radius, fetch time) into two stores: here, and by the writer."""
    paths = tmp_path / "here.db", tmp_path / "writer.db"
    for path, after in zip(paths, (10**9, 1000), strict=True):
        monkeypatch.setattr(Cache, "_WRITER_AFTER", after)
        cache = Cache(path)
        for body, radius_m, fetched_at in steps:
            places, base = old_parse(body)
            add_zones(places)
            written = cache.save_fetch(places, *PARIS, radius_m, KINDS, base, "e", fetched_at)
            assert written == len(places)
        cache.close()
    return paths


def test_the_writer_process_stores_what_is_written_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first answer, then another over it in a smaller circle: upserts and vanished places.
    steps = [(synthetic_answer(4000, seed=31), 50_000.0, 1.0)]
    steps.append((synthetic_answer(2500, seed=32), 8_000.0, 2.0))
    here, writer = save_both_ways(tmp_path, monkeypatch, steps)
    assert dump(writer) == dump(here)
    assert len(dump(writer)["places"]) > 2500
    assert len(dump(writer)["coverage"]) == 2


@pytest.mark.parametrize("behind_s", [-1.0, float("inf")])
def test_signals_derived_here_when_the_writer_is_behind_are_the_writers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, behind_s: float
) -> None:
    """Each send waits longer than -1 s (the writer is always behind: every batch after the
    first has its signals derived here) or never longer than forever (never behind: the writer
    derives them all). Either way, the store holds what is written in this process."""
    from solomo_cli.cache import writer

    derived_here: list[int] = []
    full_rows = writer._full_rows

    def counted(places: list[Place], fetched_at: float) -> list[tuple[Any, ...]]:
        derived_here.append(len(places))
        return full_rows(places, fetched_at)

    monkeypatch.setattr(writer, "_BEHIND_S", behind_s)
    monkeypatch.setattr(writer, "_full_rows", counted)
    steps = [(synthetic_answer(5000, seed=41), 50_000.0, 1.0)]
    steps.append((synthetic_answer(3000, seed=42), 8_000.0, 2.0))
    here, elsewhere = save_both_ways(tmp_path, monkeypatch, steps)
    assert dump(elsewhere) == dump(here)
    # the batches of 2,000 places (Cache._SAVE_BATCH), all but each answer's first
    assert derived_here == ([2000, 1000, 1000] if behind_s < 0 else [])


def child_processes() -> list[str]:
    """This process's living children (Linux), to show that no writer outlives a save."""
    found = []
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            status = Path(f"/proc/{pid}/status")
            if status.exists() and "State:\tZ" not in status.read_text():
                found.append(pid)
    return found


@pytest.mark.parametrize("failure", [KeyboardInterrupt, ServiceError])
def test_a_failure_while_the_writer_writes_rolls_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    monkeypatch.setattr(Cache, "_WRITER_AFTER", 1000)
    path, cache, places = seeded_store(tmp_path, 5000, 33, 1500)
    before = dump(path)

    def failing() -> Iterator[Place]:
        yield from places[1500:4500]
        raise failure("stop")

    with pytest.raises(failure):
        cache.save_fetch(failing(), *PARIS, 50_000, KINDS, None, "a", fetched_at=2.0)
    assert child_processes() == []
    assert dump(path) == before
    assert cache.count_within(*PARIS, 50_000, KINDS) == 1500


def test_an_sqlite_error_in_the_writer_is_a_store_error_and_rolls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from solomo_cli.errors import StoreError

    monkeypatch.setattr(Cache, "_WRITER_AFTER", 1000)
    path, cache, places = seeded_store(tmp_path, 3000, 34, 500)
    cache.conn.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON places WHEN NEW.osm_id = ? "
        "BEGIN SELECT RAISE(ABORT, 'no room for this row'); END".replace(
            "?", f"'{places[2500].id}'"
        )
    )
    before = dump(path)
    with pytest.raises(StoreError) as caught:
        cache.save_fetch(places, *PARIS, 50_000, KINDS, None, "a", fetched_at=2.0)
    assert "no room for this row" in caught.value.message
    assert caught.value.hint == "'solomo cache clear' rebuilds it (it holds nothing of yours)"
    assert child_processes() == []
    assert dump(path) == before


def test_a_writer_killed_midway_is_a_store_error_and_nothing_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal
    import time

    from solomo_cli.errors import StoreError

    monkeypatch.setattr(Cache, "_WRITER_AFTER", 1000)
    path, cache, places = seeded_store(tmp_path, 3000, 36, 500)
    before = dump(path)
    killed: list[str] = []

    def killing() -> Iterator[Place]:
        for i, place in enumerate(places):
            if i == 2500:  # as the out-of-memory killer would
                killed.extend(child_processes())
                for pid in killed:
                    os.kill(int(pid), signal.SIGKILL)
                while child_processes():
                    time.sleep(0.01)
            yield place

    with pytest.raises(StoreError) as caught:
        cache.save_fetch(killing(), *PARIS, 50_000, KINDS, None, "a", fetched_at=2.0)
    assert len(killed) == 1
    assert caught.value.message == (
        "the cache's writer process was stopped (signal 9): nothing of this answer was stored"
    )
    assert caught.value.hint == "run the same sync again"
    assert dump(path) == before


KILLED_SYNC = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from fakeservers import synthetic_answer
from test_scale_sync import KINDS, PARIS, old_parse
from solomo_cli.cache.store import Cache

Cache._WRITER_AFTER = 1000
places, _ = old_parse(synthetic_answer(4000, seed=35))
def slow():
    for i, place in enumerate(places):
        if i == 3000:
            Path({marker!r}).write_text("written")
            time.sleep(60)
        yield place
Cache(Path({db!r})).save_fetch(slow(), *PARIS, 50_000, KINDS, None, "b", fetched_at=2.0)
"""


def test_kill_9_of_a_sync_with_a_writer_leaves_the_store_intact(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    marker = tmp_path / "marker"
    path, cache, _ = seeded_store(tmp_path, 4000, 35, 200)
    cache.close()
    before = dump(path)
    tests = str(Path(__file__).resolve().parent)
    code = KILLED_SYNC.format(tests=tests, marker=str(marker), db=str(path))
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the sync never reached its 3000th place"
    writers = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert len(writers) == 1  # the writer, holding 2000 rows in its transaction
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for _ in range(600):  # its pipe closed: the writer rolls back and ends
        if not Path(f"/proc/{writers[0]}").exists():
            break
        status = Path(f"/proc/{writers[0]}/status").read_text()
        if "State:\tZ" in status:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the writer outlived its sync")
    assert dump(path) == before


def test_without_a_writer_process_the_answer_is_written_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setattr(Cache, "_WRITER_AFTER", 1000)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    path, cache, places = seeded_store(tmp_path, 3000, 36, 3000)
    assert cache.count_within(*PARIS, 50_000, KINDS) == 3000
    monkeypatch.setattr(Cache, "_WRITER_AFTER", 10**9)
    here = tmp_path / "here"
    here.mkdir()
    seeded_store(here, 3000, 36, 3000)
    assert dump(path) == dump(here / "c.db")


def test_the_writer_ignores_modules_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shadow = tmp_path / "cwd" / "solomo_cli"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise SystemExit('the wrong solomo_cli')\n")
    (shadow.parent / "json.py").write_text("raise SystemExit('the wrong json')\n")
    monkeypatch.chdir(shadow.parent)
    monkeypatch.setattr(Cache, "_WRITER_AFTER", 1000)
    path, cache, _ = seeded_store(tmp_path, 2500, 37, 2500)
    assert cache.count_within(*PARIS, 50_000, KINDS) == 2500


def test_the_writer_reads_the_pipe_ahead_of_what_it_writes() -> None:
    # The process deriving the places sends its batches at its own pace: while the writer is
    # busy (here: not taking any), its thread reads on, past what the pipe itself can hold.
    import os
    import pickle
    import threading

    from solomo_cli.cache import writer

    read_end, write_end = os.pipe()
    source, out = os.fdopen(read_end, "rb"), os.fdopen(write_end, "wb")
    batch = [(f"{i:04d}" * 250, i) for i in range(60)]  # 60 kB pickled: a pipe holds one
    messages = [("rows", batch)] * 10 + [("end", "2026-12-01T00:00:00Z")]

    def send() -> None:
        for message in messages:
            writer._send(out, message)
            out.flush()
        out.close()

    assert len(pickle.dumps(messages[0], protocol=pickle.HIGHEST_PROTOCOL)) > 60_000
    receive = writer._read_ahead(source)
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    sender.join(30)
    assert not sender.is_alive()  # all sent before one was taken: read ahead, not held up
    assert [receive() for _ in messages] == messages
    source.close()


def test_a_pipe_closed_midway_is_no_message_for_the_writer() -> None:
    import os

    from solomo_cli.cache import writer

    read_end, write_end = os.pipe()
    source, out = os.fdopen(read_end, "rb"), os.fdopen(write_end, "wb")
    writer._send(out, ("rows", [(1,)]))
    out.write(b"\x10\x00\x00\x00\x00\x00\x00\x00half")  # a message cut short
    out.close()
    receive = writer._read_ahead(source)
    assert receive() == ("rows", [(1,)])
    assert receive() is None  # the writer rolls back
    source.close()


def test_a_message_the_writer_cannot_read_is_raised_where_it_writes() -> None:
    # What the reading thread meets (here a payload that is no pickle) is raised in the
    # writer's own thread, which answers it as a bug: nothing is written from it.
    import os
    import pickle

    from solomo_cli.cache import writer

    read_end, write_end = os.pipe()
    source, out = os.fdopen(read_end, "rb"), os.fdopen(write_end, "wb")
    out.write(writer._LENGTH.pack(4) + b"\x00bad")
    out.close()
    receive = writer._read_ahead(source)
    with pytest.raises(pickle.UnpicklingError):
        receive()
    source.close()


@pytest.mark.parametrize(
    ("name", "tags_name"),
    [
        ("Regus Part-Dieu", "Regus Part-Dieu"),
        ("Le Bar", "Regus Part-Dieu"),
        ("Regus Part-Dieu", None),
    ],
)
def test_a_writers_chain_is_the_one_its_tags_give(name: str, tags_name: str | None) -> None:
    """The writer reads a place's folded name from its row instead of folding it again, only
    where that name is its tags' name."""
    from solomo_cli.cache.store import _STORED_COLS, _completed, _plain_row
    from solomo_cli.signals import signals_of

    tags = {"office": "coworking", **({"name": tags_name} if tags_name else {})}
    place = Place("node/1", name, "coworking", 48.85, 2.35, tags)
    derived = dict(zip(_STORED_COLS, _completed([_plain_row(place, 1.0)])[0], strict=True))
    expected = signals_of(Place("node/1", name, "coworking", 48.85, 2.35, dict(tags)))
    assert derived["chain"] == expected.chain == (1 if tags_name else 0)
