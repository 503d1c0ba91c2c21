"""`solomo sync --extract`: a real extract written here with pyosmium's writer (nodes, closed
ways, multipolygons, every kind, odd tags, objects of no kind), imported into a real cache, then
answered from with zero requests; re-imports, broken files, interruptions, the XML forms, and
the download (streamed, resumed) from a loopback server."""

from __future__ import annotations

import http.server
import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import osmium
import osmium.io
import osmium.osm
import pytest
from clitools import assert_one_error, invoke, solomo_command
from fakeservers import FakeServices
from hypothesis import given, settings
from hypothesis import strategies as st
from osmium.osm.mutable import Node, Relation, Way

from solomo_cli.cache.store import Box, Cache
from solomo_cli.config import get_paths, load_settings
from solomo_cli.geo import bbox
from solomo_cli.kinds import KINDS, classify
from solomo_cli.search.extract import sync_extract
from solomo_cli.sources.extract import BadExtract, kind_tags, read_extract

BOX = (4.70, 45.60, 5.00, 45.90)  # west, south, east, north: a Lyon-sized region
REPLICATION = "2026-11-28T21:21:02Z"
STAMP = "2026-05-04T10:00:00Z"

# Every kind, as nodes, a closed way and a multipolygon, plus objects that are no kind.
NODES: list[dict[str, Any]] = [
    {"id": 1, "at": (4.8500, 45.7500), "tags": {"office": "coworking", "name": "La Cordée"}},
    {
        "id": 2,
        "at": (4.8520, 45.7510),
        "tags": {"amenity": "coworking_space", "name": "Now", "opening_hours": "Mo-Fr 09:00-18:00"},
    },
    {
        "id": 3,
        "at": (4.8400, 45.7400),
        "tags": {"amenity": "cafe", "internet_access": "wlan", "name": "Café \x1b[31mRouge\x07"},
    },
    {"id": 4, "at": (4.8410, 45.7410), "tags": {"amenity": "cafe", "name": "No Wi-Fi"}},
    {"id": 5, "at": (4.8600, 45.7600), "tags": {"amenity": "bench"}},
    {
        "id": 6,
        "at": (4.8300, 45.7300),
        "tags": {"leisure": "hackerspace", "name": "[bold]Fab[/]", "website": "x" * 300},
    },
]
WAY_NODES = {  # id → (lon, lat): a closed square for the library, two rings for the multipolygon
    **{
        10 + i: at
        for i, at in enumerate([(4.80, 45.70), (4.82, 45.70), (4.82, 45.72), (4.80, 45.72)])
    },
    **{
        20 + i: at
        for i, at in enumerate([(4.90, 45.80), (4.94, 45.80), (4.94, 45.84), (4.90, 45.84)])
    },
    **{
        30 + i: at
        for i, at in enumerate([(4.91, 45.81), (4.92, 45.81), (4.92, 45.82), (4.91, 45.82)])
    },
}
WAYS: list[dict[str, Any]] = [
    {
        "id": 100,
        "nodes": [10, 11, 12, 13, 10],
        "tags": {"amenity": "library", "name": "BM Part-Dieu"},
    },
    {"id": 101, "nodes": [20, 21, 22, 23, 20], "tags": {}},
    {"id": 102, "nodes": [30, 31, 32, 33, 30], "tags": {}},
    {"id": 103, "nodes": [10, 11, 12, 13, 10], "tags": {"building": "yes"}},
]
RELATIONS: list[dict[str, Any]] = [
    {
        "id": 200,
        "members": [("w", 101, "outer"), ("w", 102, "inner")],
        "tags": {"type": "multipolygon", "amenity": "coworking_space", "name": "Campus"},
    },
    {
        "id": 201,
        "members": [("w", 101, "outer")],
        "tags": {"type": "multipolygon", "landuse": "grass"},
    },
]
EXPECTED = {
    "node/1": "coworking",
    "node/2": "coworking",
    "node/3": "cafe",
    "node/6": "hackerspace",
    "way/100": "library",
    "relation/200": "coworking",
}


def write_extract(
    path: Path,
    *,
    drop: tuple[int, ...] = (),
    box: tuple[float, float, float, float] | None = BOX,
    replication: str | None = REPLICATION,
    stamps: bool = True,
    extra_nodes: int = 0,
    extra_places: int = 0,
) -> Path:
    """Write the region (less the node ids in `drop`) with pyosmium's writer; the suffix picks
    the format (.osm.pbf, .osm, .osm.gz, .osm.bz2)."""
    path.unlink(missing_ok=True)
    header = osmium.io.Header()
    if box is not None:
        header.add_box(osmium.osm.Box(*box))
    if replication is not None:
        header.set("osmosis_replication_timestamp", replication)
    common = {"version": 1, "timestamp": STAMP if stamps else None}
    xml = not path.name.endswith(".pbf")
    with osmium.SimpleWriter(str(path), header=header) as writer:
        for node in NODES:
            if node["id"] not in drop:
                tags = node["tags"]
                if xml:  # XML cannot carry control characters at all: only PBF brings them in
                    tags = {k: re.sub("[\x00-\x1f]", "", v) for k, v in tags.items()}
                writer.add_node(Node(id=node["id"], location=node["at"], tags=tags, **common))
        for node_id, at in WAY_NODES.items():
            writer.add_node(Node(id=node_id, location=at, **common))
        for i in range(extra_nodes):  # filler of no kind, to make the file long
            writer.add_node(Node(id=1000 + i, location=(4.75 + (i % 997) * 1e-4, 45.65), **common))
        for i in range(extra_places):  # many cafés, to make the import long
            tags = {"amenity": "cafe", "internet_access": "wlan", "name": f"Café {i}"}
            writer.add_node(
                Node(id=EXTRA + i, location=(4.75, 45.65 + i * 1e-6), tags=tags, **common)
            )
        for way in WAYS:
            writer.add_way(Way(id=way["id"], nodes=way["nodes"], tags=way["tags"], **common))
        for rel in RELATIONS:
            writer.add_relation(
                Relation(id=rel["id"], members=rel["members"], tags=rel["tags"], **common)
            )
    return path


EXTRA = 1_000_000  # first id of the extra places
MANY = 60_000  # places in the long import


@pytest.fixture(scope="module")
def long_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The region less node/1, with MANY more cafés: an import that takes seconds."""
    folder = tmp_path_factory.mktemp("long")
    return write_extract(folder / "region.osm.pbf", drop=(1,), extra_places=MANY)


@pytest.fixture
def region(tmp_path: Path) -> Path:
    return write_extract(tmp_path / "rhone-alpes.osm.pbf")


def stored_places() -> dict[str, tuple[str, float, float]]:
    cache = Cache(get_paths().cache_db)
    try:
        rows = cache.conn.execute("SELECT osm_id, kind, lat, lon FROM places").fetchall()
    finally:
        cache.close()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def cache_dump() -> list[str]:
    """Every row of the cache, for "the store is exactly as it was"."""
    conn = sqlite3.connect(get_paths().cache_db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def near_json(*args: str) -> tuple[list[dict[str, Any]], str]:
    result = invoke(["near", *args, "--kind", "all", "--format", "json", "--limit", "0"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


# -- reading ------------------------------------------------------------------------------


def test_kind_tags_come_from_the_kinds_table() -> None:
    pairs = kind_tags()
    assert ("office", "coworking") in pairs and ("amenity", "coworking_space") in pairs
    # every kind is reachable through the pre-filter: one of its pairs classifies as it
    for name in KINDS:
        extra = {"internet_access": "wlan"} if name == "cafe" else {}
        assert any(classify({k: v, **extra}) == name for k, v in pairs), name


def test_every_kind_read_with_centres_and_cleaned_tags(region: Path, tmp_path: Path) -> None:
    extract = read_extract(region, tmp_path)
    places = {p.id: p for p in extract.places}
    assert {pid: p.kind for pid, p in places.items()} == EXPECTED
    # a closed way: the middle of its nodes' box, as Overpass' `out center` gives it
    assert (places["way/100"].lat, places["way/100"].lon) == pytest.approx((45.71, 4.81))
    # a multipolygon: the middle of its outer ways' box
    assert (places["relation/200"].lat, places["relation/200"].lon) == pytest.approx((45.82, 4.92))
    assert places["node/3"].name == "Café Rouge"  # escape sequences cleaned at the boundary
    assert places["node/6"].name == "[bold]Fab[/]"  # kept as text (never read as markup)
    assert len(places["node/6"].tags["website"]) == 255  # OSM's length, as boundary.osm_tags cuts
    assert extract.box == Box(45.60, 45.90, 4.70, 5.00)
    assert extract.osm_base == REPLICATION
    assert extract.source == "rhone-alpes"


@pytest.mark.parametrize(
    ("replication", "stamps", "expected"),
    [
        (REPLICATION, True, REPLICATION),  # the header's replication timestamp
        (None, True, STAMP),  # else the newest object's
        (None, False, None),  # else the file's own time
    ],
)
def test_the_data_date(
    tmp_path: Path, replication: str | None, stamps: bool, expected: str | None
) -> None:
    path = write_extract(tmp_path / "r.osm.pbf", replication=replication, stamps=stamps)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    extract = read_extract(path, tmp_path)
    assert extract.osm_base == expected
    if expected is None:
        assert extract.data_time == 1_700_000_000


def test_without_a_header_box_the_places_box_is_covered(tmp_path: Path) -> None:
    extract = read_extract(write_extract(tmp_path / "r.osm.pbf", box=None), tmp_path)
    assert extract.box == pytest.approx(Box(45.71, 45.82, 4.81, 4.92))


@pytest.mark.parametrize("suffix", [".osm", ".osm.gz", ".osm.bz2"])
def test_xml_forms_give_the_same_places(tmp_path: Path, region: Path, suffix: str) -> None:
    other = write_extract(tmp_path / f"region{suffix}")
    ours = {p.id: (p.kind, p.lat, p.lon) for p in read_extract(region, tmp_path).places}
    theirs = {p.id: (p.kind, p.lat, p.lon) for p in read_extract(other, tmp_path).places}
    assert theirs == ours


def test_a_big_file_uses_a_file_backed_index(
    tmp_path: Path, region: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from solomo_cli.sources import extract as module

    monkeypatch.setattr(module, "IN_MEMORY_MAX_BYTES", 0)
    seen: list[list[str]] = []
    work = tmp_path / "work"
    extract = read_extract(
        region, work, lambda *a: seen.append(os.listdir(work)) if work.exists() else None
    )
    assert {p.id: p.kind for p in extract.places} == EXPECTED
    assert any(any(n.endswith(".nodes") for n in names) for names in seen)  # used while reading
    assert os.listdir(work) == []  # and removed afterwards


# -- importing and answering ------------------------------------------------------------------


def test_near_offline_answers_from_the_extract_with_zero_requests(
    region: Path, services: FakeServices
) -> None:
    result = invoke(["sync", "--extract", str(region)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("6 places (coworking 3, hackerspace 1, library 1, café 1)")
    assert "data of 2026-11-28" in result.stdout
    rows, stderr = near_json("45.7500,4.8500", "--offline", "--radius", "6km")
    assert {r["id"] for r in rows} == {"node/1", "node/2", "node/3", "node/6", "way/100"}
    assert "offline answer from local data of 2026-11-28" in stderr
    assert services.count() == 0


def test_a_town_in_the_region_is_answered_by_name_with_zero_requests(
    region: Path, services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's "done when": an imported region, a town's name, no network used."""
    from solomo_cli.geocoding import gazetteer

    monkeypatch.setenv("SOLOMO_GAZETTEER", "on")
    monkeypatch.setattr(gazetteer, "DATA_FILE", "cities15000.json")  # a build in ~2 s
    assert invoke(["sync", "--extract", str(region)]).exit_code == 0
    rows, stderr = near_json("Lyon", "--offline", "--radius", "6km")
    assert "'Lyon' understood as Lyon, Auvergne-Rhône-Alpes, France" in stderr
    assert {r["id"] for r in rows} == {"node/1", "node/2", "node/3", "node/6", "way/100"}
    assert services.count() == 0


def test_near_online_answers_from_a_fresh_extract_with_zero_requests(
    tmp_path: Path, services: FakeServices
) -> None:
    yesterday = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 86400))
    path = write_extract(tmp_path / "fresh.osm.pbf", replication=yesterday)
    assert invoke(["sync", "--extract", str(path)]).exit_code == 0
    rows, _ = near_json("45.7500,4.8500")
    assert {r["id"] for r in rows} == {"node/1", "node/2", "node/3"}
    assert services.count() == 0


def test_installed_command_imports_and_answers(region: Path, solomo_home: Path) -> None:
    env = {
        **os.environ,
        "SOLOMO_HOME": str(solomo_home),
        "SOLOMO_OVERPASS_URL": "http://127.0.0.1:9/",
    }
    done = subprocess.run(
        [*solomo_command(), "sync", "--extract", str(region)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no bar on a pipe
    near = subprocess.run(
        [
            *solomo_command(),
            "near",
            "45.72,4.82",
            "--offline",
            "--kind",
            "library",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert near.returncode == 0, near.stderr
    assert [r["id"] for r in json.loads(near.stdout)] == ["way/100"]


def test_hours_get_their_zone_at_import(region: Path) -> None:
    assert invoke(["sync", "--extract", str(region)]).exit_code == 0
    conn = sqlite3.connect(get_paths().cache_db)
    try:
        rows = dict(conn.execute("SELECT osm_id, tz FROM places").fetchall())
    finally:
        conn.close()
    assert rows["node/2"] == "Europe/Paris"  # it has opening_hours
    assert rows["node/1"] is None  # no hours: no zone needed


def test_a_circle_partly_outside_is_answered_with_a_notice(region: Path) -> None:
    assert invoke(["sync", "--extract", str(region)]).exit_code == 0
    # 7 km around a point 5.5 km inside the box's south edge
    rows, stderr = near_json("45.6500,4.8200", "--offline", "--radius", "7km")
    assert {r["id"] for r in rows} == {"way/100"}
    assert "covers only part of" in stderr and "around 45.65000,4.82000" in stderr
    assert "its south edge lies outside it" in stderr


def test_a_circle_wholly_outside_has_no_local_data(region: Path) -> None:
    assert invoke(["sync", "--extract", str(region)]).exit_code == 0
    result = invoke(["near", "48.85,2.35", "--offline", "--format", "json"])
    assert result.exit_code == 6
    assert_one_error(result.stderr, "no local data")


def test_reimport_replaces_the_region(tmp_path: Path, region: Path) -> None:
    settings = load_settings()
    cache = Cache(get_paths().cache_db)
    from clitools import coworking

    outside = coworking("node/9999", "Far away", 48.85, 2.35)
    cache.save_fetch([outside], 48.85, 2.35, 1000, ["coworking"], None, "test")
    cache.close()
    sync_extract(str(region), settings=settings)
    assert set(stored_places()) == {*EXPECTED, "node/9999"}
    # the same region again, with a coworking and a café deleted in OSM
    sync_extract(str(write_extract(region, drop=(1, 3))), settings=settings)
    assert set(stored_places()) == {*EXPECTED, "node/9999"} - {"node/1", "node/3"}
    conn = sqlite3.connect(get_paths().cache_db)
    try:
        shapes = conn.execute("SELECT source, osm_base FROM coverage_shapes").fetchall()
    finally:
        conn.close()
    assert shapes == [("rhone-alpes", REPLICATION)]


# -- failures: the store stays as it was ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.osm.pbf", b"this is not a PBF file at all\n" * 10),
        ("html.osm.pbf", b"<html><body>Wi-Fi login</body></html>"),
        ("cut.osm", None),  # XML cut in the middle of an element
        ("cut.osm.pbf", None),  # PBF cut in the middle of a block
    ],
)
def test_a_broken_file_is_refused_and_the_store_unchanged(
    tmp_path: Path, region: Path, name: str, content: bytes | None
) -> None:
    assert invoke(["sync", "--extract", str(region)]).exit_code == 0
    before = cache_dump()
    bad = tmp_path / name
    if content is None:
        whole = write_extract(tmp_path / f"whole-{name}", extra_nodes=20_000).read_bytes()
        content = whole[: len(whole) // 2]
    bad.write_bytes(content)
    result = invoke(["sync", "--extract", str(bad)])
    assert result.exit_code == 2, result.stderr
    assert_one_error(result.stderr, "cannot read the extract", "the cache is unchanged")
    assert cache_dump() == before


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["sync"], "missing PLACE"),
        (["sync", "Lyon", "--extract", "x.osm.pbf"], "not both"),
        (["sync", "--extract", "notes.txt"], "is not an OSM extract"),
        (["sync", "--extract", "nowhere.osm.pbf"], "no file"),
    ],
)
def test_usage_errors(args: list[str], fragment: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    assert_one_error(result.stderr, fragment)


def test_ctrl_c_while_reading_leaves_the_store_as_it_was(tmp_path: Path, region: Path) -> None:
    settings = load_settings()
    sync_extract(str(region), settings=settings)
    before = cache_dump()

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_extract(str(write_extract(region, drop=(1,))), settings=settings, progress=interrupt)
    assert cache_dump() == before


def test_ctrl_c_while_storing_leaves_the_store_as_it_was(
    region: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from solomo_cli.cache import store

    settings = load_settings()
    sync_extract(str(region), settings=settings)
    before = cache_dump()
    calls = []

    def interrupted(*args: Any) -> int:
        calls.append(args)
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "_write_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sync_extract(str(write_extract(region, drop=(1,))), settings=settings)
    assert calls and cache_dump() == before


def test_sigint_exits_130_and_leaves_the_store_as_it_was(
    region: Path, long_region: Path, solomo_home: Path
) -> None:
    assert invoke(["sync", "--extract", str(region)]).exit_code == 0
    before = cache_dump()
    env = {**os.environ, "SOLOMO_HOME": str(solomo_home)}
    # Started with Ctrl-C handled as from a terminal: a handler set here is reset to the
    # default in the child (a background job's ignored SIGINT would be inherited).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [*solomo_command(), "sync", "--extract", str(long_region)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the import finished before the signal")
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert cache_dump() == before


def test_kill_9_during_import_leaves_the_store_intact(
    region: Path, long_region: Path, solomo_home: Path
) -> None:
    assert invoke(["sync", "--extract", str(region)]).exit_code == 0
    before = set(stored_places())
    new = (before - {"node/1"}) | {f"node/{EXTRA + i}" for i in range(MANY)}
    big = long_region
    env = {**os.environ, "SOLOMO_HOME": str(solomo_home)}
    killed_at = []
    for delay in (1.0, 3.0, 5.0):  # while reading, and while storing
        proc = subprocess.Popen(
            [*solomo_command(), "sync", "--extract", str(big)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=30)
        killed_at.append(proc.returncode)
        conn = sqlite3.connect(get_paths().cache_db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            conn.close()
        after = set(stored_places())
        # all of the old import, or (had it committed) all of the new: never a mixture
        assert after == before or after == new
    assert -signal.SIGKILL in killed_at


# -- download -----------------------------------------------------------------------------


class _ExtractServer(http.server.ThreadingHTTPServer):
    body: bytes
    cut_at: int | None  # the first full answer stops after this many bytes
    ranges: list[str | None]
    content_type: str


class _ExtractHandler(http.server.BaseHTTPRequestHandler):
    server: _ExtractServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        srv = self.server
        if self.path.endswith("/moved.osm.pbf"):
            self.send_response(302)
            self.send_header("Location", "http://elsewhere.example/region.osm.pbf")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        wanted = self.headers.get("Range")
        srv.ranges.append(wanted)
        start = int(wanted.split("=")[1].split("-")[0]) if wanted else 0
        body = srv.body[start:]
        self.send_response(206 if wanted else 200)
        self.send_header("Content-Type", srv.content_type)
        self.send_header("Content-Length", str(len(body)))
        if wanted:
            self.send_header("Content-Range", f"bytes {start}-{len(srv.body) - 1}/{len(srv.body)}")
        self.end_headers()
        if srv.cut_at is not None and not wanted:
            self.wfile.write(body[: srv.cut_at])
            self.wfile.flush()
            srv.cut_at = None
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def extract_server(region: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[_ExtractServer]:
    server = _ExtractServer(("127.0.0.1", 0), _ExtractHandler)
    server.body, server.cut_at, server.ranges = region.read_bytes(), None, []
    server.content_type = "application/octet-stream"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _url(server: _ExtractServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/europe/rhone-alpes.osm.pbf"


def test_download_then_import(extract_server: _ExtractServer) -> None:
    result = invoke(["sync", "--extract", _url(extract_server)])
    assert result.exit_code == 0, result.stderr
    assert set(stored_places()) == set(EXPECTED)
    saved = get_paths().cache_dir / "extracts" / "rhone-alpes.osm.pbf"
    assert saved.read_bytes() == extract_server.body
    assert extract_server.ranges == [None]


def test_a_cut_download_resumes_where_it_stopped(extract_server: _ExtractServer) -> None:
    extract_server.cut_at = len(extract_server.body) // 3
    first = invoke(["sync", "--extract", _url(extract_server)])
    assert first.exit_code == 4, first.stderr
    assert_one_error(first.stderr, "resumes where it stopped")
    part = get_paths().cache_dir / "extracts" / "rhone-alpes.osm.pbf.part"
    assert part.stat().st_size == len(extract_server.body) // 3
    assert stored_places() == {} or not get_paths().cache_db.exists()
    second = invoke(["sync", "--extract", _url(extract_server)])
    assert second.exit_code == 0, second.stderr
    assert extract_server.ranges == [None, f"bytes={len(extract_server.body) // 3}-"]
    assert set(stored_places()) == set(EXPECTED)
    assert not part.exists()


def test_an_html_page_instead_of_the_extract(extract_server: _ExtractServer) -> None:
    extract_server.content_type = "text/html; charset=utf-8"
    result = invoke(["sync", "--extract", _url(extract_server)])
    assert result.exit_code == 4
    assert_one_error(result.stderr, "an HTML page instead of the extract (a Wi-Fi login page?)")


def test_a_redirect_is_named_not_followed(extract_server: _ExtractServer) -> None:
    url = _url(extract_server).replace("rhone-alpes", "moved")
    result = invoke(["sync", "--extract", url])
    assert result.exit_code == 4
    assert_one_error(result.stderr, "redirects the extract", "http://elsewhere.example/region")
    assert extract_server.ranges == []


def test_a_download_larger_than_allowed(tmp_path: Path, extract_server: _ExtractServer) -> None:
    tmp_path = tmp_path / "downloads"
    from solomo_cli.errors import ServiceError
    from solomo_cli.net import make_client
    from solomo_cli.sources.extract import download

    with make_client(load_settings()) as client, pytest.raises(ServiceError, match="more than"):
        download(client, _url(extract_server), tmp_path, max_bytes=100)
    assert not (tmp_path / "rhone-alpes.osm.pbf").exists()


def test_bad_extract_is_a_usage_error() -> None:
    assert BadExtract("x").exit_status == 2


# -- coverage by shape ----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(45.0, 46.5),
    lon=st.floats(4.0, 5.6),
    radius_m=st.floats(10.0, 60_000.0),
)
def test_a_circle_is_covered_by_a_box_exactly_when_inside_it(
    tmp_path_factory: pytest.TempPathFactory, lat: float, lon: float, radius_m: float
) -> None:
    cache = Cache(tmp_path_factory.mktemp("shape") / "cache.db")
    try:
        cache.save_extract(
            [], Box(45.60, 45.90, 4.70, 5.00), tuple(KINDS), time.time(), None, "r", "t"
        )
        south, north, west, east = bbox(lat, lon, radius_m)
        inside = south >= 45.60 and north <= 45.90 and west >= 4.70 and east <= 5.00
        meets = north >= 45.60 and south <= 45.90 and east >= 4.70 and west <= 5.00
        have = cache.coverage(lat, lon, radius_m, ("coworking", "cafe"), 86400.0)
        assert (have.missing == ()) is inside
        partial = cache.partial_coverage(lat, lon, radius_m, ("coworking",))
        assert (partial is not None) is meets
        if partial is not None:
            expected = {
                "north": north > 45.90,
                "south": south < 45.60,
                "east": east > 5.00,
                "west": west < 4.70,
            }
            assert set(partial.outside) == {side for side, out in expected.items() if out}
    finally:
        cache.close()


@pytest.mark.parametrize(
    ("outside", "said"),
    [
        ((), "a part lies outside it"),
        (("south",), "its south edge lies outside it"),
        (("north", "south"), "its north and south edges lie outside it"),
        (
            ("north", "south", "east", "west"),
            "its north, south, east and west edges lie outside it",
        ),
    ],
)
def test_the_partial_notice_names_the_sides_in_plain_words(
    outside: tuple[str, ...], said: str
) -> None:
    from solomo_cli.cache.store import PartialCoverage
    from solomo_cli.search.extract import partial_notice

    fields = {name: None for name in PartialCoverage._fields}
    partial = PartialCoverage(**{**fields, "source": "lyon", "outside": outside})
    line = partial_notice(partial, 2000.0, "Lyon")
    assert line == (
        f"the local data (lyon) covers only part of 2.0 km around Lyon: {said}, "
        "and places there are missing"
    )


def test_sync_without_a_place_names_every_way_to_say_one() -> None:
    result = invoke(["sync"])
    assert result.exit_code == 2
    assert "give a place name or LAT,LON, --country CC, or --extract FILE" in result.stderr
