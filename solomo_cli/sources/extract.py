"""An OSM extract file (.osm.pbf, .osm, .osm.bz2, .osm.gz) read with pyosmium into places, with
the kinds table's rules (sources/osm.element_to_place), and its download from a URL.

The C++ side of pyosmium does the heavy part: a tag filter made from the kinds table drops
every object that no kind could match before it reaches Python, and a node-location index
gives ways their nodes' positions. Centres are the middle of the bounding box of a way's nodes,
or of a multipolygon's outer ways: that is what Overpass' `out center` gives, so the same place
keeps the same position (and distance) whichever source it came from."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solomo_cli import native
from solomo_cli.boundary import BadInput, quoted, timestamp
from solomo_cli.cache.store import Box
from solomo_cli.errors import ServiceError, UsageError
from solomo_cli.kinds import KINDS
from solomo_cli.model import Place
from solomo_cli.sources.osm import element_to_place

if TYPE_CHECKING:
    import httpx

SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
# Below this size the node-location index lives in memory (flex_mem: ~16 bytes per node, so
# ~150 MB for a 64 MB file); above it, in a sparse file beside the cache, which the kernel
# pages in and out, so that a country (~600 M nodes, a 9 GB index) keeps a bounded RSS.
IN_MEMORY_MAX_BYTES = 64 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024**3  # larger than any country extract (France: ~4.5 GB)

# (phase, bytes read, bytes in all, places found)
Progress = Callable[[str, int, int, int], None]
_FILTER_PAIR = re.compile(r'^\["([^"]+)"="([^"]+)"\]')


def kind_tags() -> tuple[tuple[str, str], ...]:
    """The key=value pairs of which any object of a kind has at least one, read from the kinds
    table's Overpass filters (their first condition): the C++ pre-filter."""
    pairs = []
    for kind in KINDS.values():
        for tag_filter in kind.filters:
            found = _FILTER_PAIR.match(tag_filter)
            if found is None:  # a filter not of that form: the pre-filter would miss its kind
                raise ValueError(f"kind {kind.name}: filter {tag_filter} has no key=value first")
            pairs.append((found[1], found[2]))
    return tuple(dict.fromkeys(pairs))


class BadExtract(UsageError):
    """The file is not a readable OSM extract (broken, truncated, another format)."""


@dataclass
class Extract:
    places: list[Place]
    box: Box  # the area the file covers
    data_time: float  # the data's date (Unix seconds)
    osm_base: str | None  # the same, as ISO 8601, when the file states it
    source: str  # the region's name (the file's name without its suffix)


def region_name(path: Path) -> str:
    name = path.name
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def check_extract_path(path: Path) -> None:
    if not any(path.name.endswith(s) for s in SUFFIXES):
        raise BadExtract(
            f"{quoted(str(path))} is not an OSM extract",
            hint=f"give a file ending in {', '.join(SUFFIXES)}",
        )
    if not path.is_file():
        raise BadExtract(f"no file {quoted(str(path))}")


def _bad(path: Path, exc: BaseException) -> BadExtract:
    detail = str(exc).split("\n", 1)[0][:200]
    return BadExtract(
        f"cannot read the extract {quoted(str(path))}: {detail or type(exc).__name__}",
        hint="download it again (a broken or truncated file is refused; the cache is unchanged)",
    )


def _fd_position(path: Path, size: int) -> Callable[[], int]:
    """How far the reader has got into the file: the offset of pyosmium's own descriptor for
    it (Linux /proc). Asked only once objects come out, so a descriptor that is not there has
    been closed at the end of the file (what remains is being decoded): then `size`."""
    real = os.path.realpath(path)
    found: list[str] = []

    def position() -> int:
        try:
            if not found:
                for fd in os.listdir("/proc/self/fd"):
                    if os.path.realpath(f"/proc/self/fd/{fd}") == real:
                        found.append(fd)
                        break
            if found:
                with open(f"/proc/self/fdinfo/{found[0]}") as info:
                    return int(info.readline().split()[1])
        except (OSError, ValueError, IndexError):
            found.clear()
        return size

    return position


@contextmanager
def _location_index(path: Path, work_dir: Path) -> Iterator[Any]:
    native.preload("osmium.index")
    import osmium.index

    if path.stat().st_size <= IN_MEMORY_MAX_BYTES:
        yield osmium.index.create_map("flex_mem")
        return
    work_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="extract-", suffix=".nodes", dir=work_dir)
    os.close(handle)
    try:
        yield osmium.index.create_map(f"sparse_file_array,{name}")
    finally:
        Path(name).unlink(missing_ok=True)


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _bbox_centre(
    locations: Iterator[tuple[float, float]],
) -> tuple[float, float, float, float] | None:
    """(min_lat, max_lat, min_lon, max_lon) of valid locations, or None."""
    lats, lons = [], []
    for lat, lon in locations:
        lats.append(lat)
        lons.append(lon)
    if not lats:
        return None
    return min(lats), max(lats), min(lons), max(lons)


def _way_points(way: Any) -> Iterator[tuple[float, float]]:
    for node in way.nodes:
        loc = node.location
        if loc.valid():
            yield loc.lat, loc.lon


def read_extract(path: Path, work_dir: Path, progress: Progress | None = None) -> Extract:
    """Every place of every kind in the file. Raises BadExtract for a broken or truncated file;
    `work_dir` holds the node-location index of a big file while it is read."""
    native.preload("osmium", "osmium.filter", "osmium.io", "osmium.osm")
    import osmium
    import osmium.filter
    import osmium.io
    import osmium.osm

    check_extract_path(path)
    size = path.stat().st_size
    position = _fd_position(path, size)
    places: list[Place] = []
    newest = 0.0
    # multipolygon id → (tags, outer way ids); way id → its nodes' box
    relations: dict[int, tuple[dict[str, str], list[int]]] = {}
    last = [0.0]

    def report(phase: str, force: bool = False) -> None:
        now = time.monotonic()
        if progress and (force or now - last[0] > 0.1):
            last[0] = now
            progress(phase, position() if not force else size, size, len(places))

    def keep(element: dict[str, Any], stamp: Any) -> None:
        nonlocal newest
        place = element_to_place(element)
        if place is not None:
            places.append(place)
            newest = max(newest, stamp.timestamp() if stamp is not None else 0.0)

    try:
        header = osmium.io.Reader(str(path), osmium.osm.NOTHING).header()
        with _location_index(path, work_dir) as index:
            reading = "reading"
            tag_filter = osmium.filter.TagFilter(*kind_tags())
            processor = (
                osmium.FileProcessor(str(path)).with_locations(index).with_filter(tag_filter)
            )
            obj: Any
            for obj in processor:
                tags = dict(obj.tags)
                stamp = obj.timestamp if obj.timestamp.year > 1970 else None
                if obj.is_node():
                    loc = obj.location
                    if loc.valid():
                        keep(
                            {
                                "type": "node",
                                "id": obj.id,
                                "tags": tags,
                                "lat": loc.lat,
                                "lon": loc.lon,
                            },
                            stamp,
                        )
                elif obj.is_way():
                    box = _bbox_centre(_way_points(obj))
                    if box is not None:
                        centre = {"lat": (box[0] + box[1]) / 2, "lon": (box[2] + box[3]) / 2}
                        keep({"type": "way", "id": obj.id, "tags": tags, "center": centre}, stamp)
                elif obj.is_relation() and tags.get("type") == "multipolygon":
                    ways = [m.ref for m in obj.members if m.type == "w"]
                    outer = [m.ref for m in obj.members if m.type == "w" and m.role == "outer"]
                    relations[obj.id] = (tags, outer or ways)
                    newest = max(newest, stamp.timestamp() if stamp is not None else 0.0)
                report(reading)
            report(reading, force=True)
            if relations:
                _relation_centres(path, index, relations, places, report)
    except (RuntimeError, ValueError, OSError) as exc:
        raise _bad(path, exc) from exc

    box = _header_box(header) or _places_box(places)
    if box is None:
        raise BadExtract(
            f"the extract {quoted(str(path))} has no bounding box and no place of any kind",
            hint="give a region's extract (Geofabrik, BBBike, openstreetmap.fr)",
        )
    osm_base = _replication_time(header)
    if osm_base is not None:
        data_time = datetime.fromisoformat(osm_base.replace("Z", "+00:00")).timestamp()
    elif newest > 0:
        data_time, osm_base = newest, _iso(newest)
    else:
        data_time = path.stat().st_mtime
    return Extract(places, box, data_time, osm_base, region_name(path))


def _relation_centres(
    path: Path,
    index: Any,
    relations: dict[int, tuple[dict[str, str], list[int]]],
    places: list[Place],
    report: Callable[..., None],
) -> None:
    """A second pass over the ways only, for the outer ways of the kept multipolygons (their
    tags did not pass the filter): each relation's centre is the middle of their box."""
    native.preload("osmium", "osmium.filter", "osmium.io", "osmium.osm")
    import osmium
    import osmium.filter
    import osmium.io
    import osmium.osm

    wanted = {way for _, ways in relations.values() for way in ways}
    boxes: dict[int, tuple[float, float, float, float]] = {}
    locations = osmium.NodeLocationsForWays(index)
    locations.ignore_errors()
    id_filter = osmium.filter.IdFilter(wanted)
    phase = "reading the outer ways of areas"
    with osmium.io.Reader(str(path), osmium.osm.WAY) as reader:
        # The nodes were indexed in the first pass: here only ways are read.
        for way in osmium.OsmFileIterator(reader, locations, id_filter):
            box = _bbox_centre(_way_points(way))
            if box is not None:
                boxes[way.id] = box
            report(phase)
    report(phase, force=True)
    for rel_id, (tags, ways) in relations.items():
        parts = [boxes[w] for w in ways if w in boxes]
        if not parts:
            continue
        lat = (min(p[0] for p in parts) + max(p[1] for p in parts)) / 2
        lon = (min(p[2] for p in parts) + max(p[3] for p in parts)) / 2
        element = {
            "type": "relation",
            "id": rel_id,
            "tags": tags,
            "center": {"lat": lat, "lon": lon},
        }
        place = element_to_place(element)
        if place is not None:
            places.append(place)


def _header_box(header: Any) -> Box | None:
    box = header.box()
    if not box.valid():
        return None
    low, high = box.bottom_left, box.top_right
    return Box(low.lat, high.lat, low.lon, high.lon)


def _places_box(places: list[Place]) -> Box | None:
    if not places:
        return None
    lats, lons = [p.lat for p in places], [p.lon for p in places]
    return Box(min(lats), max(lats), min(lons), max(lons))


def _replication_time(header: Any) -> str | None:
    """The header's osmosis_replication_timestamp, checked (an unreadable one is dropped)."""
    value = header.get("osmosis_replication_timestamp", "")
    if not value:
        return None
    try:
        return timestamp(value)
    except BadInput:
        return None


# -- download -------------------------------------------------------------------------------


def is_extract_url(text: str) -> bool:
    return text.startswith(("https://", "http://")) and any(
        text.split("?", 1)[0].endswith(s) for s in SUFFIXES
    )


def download(
    client: httpx.Client,
    url: str,
    folder: Path,
    progress: Progress | None = None,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
) -> Path:
    """Stream `url` into `folder` (a `.part` file first, resumed with Range after a cut),
    capped at `max_bytes`; returns the finished file. Raises ServiceError."""
    import httpx

    from solomo_cli.net import host_of

    name = url.split("?", 1)[0].rsplit("/", 1)[-1]
    if not name or not any(name.endswith(s) for s in SUFFIXES) or "/" in name or name[0] == ".":
        raise UsageError(f"{quoted(url)} does not name an extract file")
    folder.mkdir(parents=True, exist_ok=True)
    target, part = folder / name, folder / f"{name}.part"
    have = part.stat().st_size if part.exists() else 0
    host = host_of(url)
    headers = {"Range": f"bytes={have}-", "Accept-Encoding": "identity"} if have else {}
    headers.setdefault("Accept-Encoding", "identity")
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 416 and have:  # the .part is already whole
                part.replace(target)
                return target
            if response.is_redirect:  # not followed: the one client never changes host unasked
                raise ServiceError(
                    f"{host} redirects the extract to another address",
                    hint=f"give that address: {quoted(response.headers.get('location', ''), 200)}",
                )
            if response.status_code not in (200, 206):
                raise ServiceError(
                    f"{host} answered HTTP {response.status_code} for the extract",
                    hint="check the URL, or try again later",
                )
            if "html" in response.headers.get("content-type", "").lower():
                raise ServiceError(
                    f"{host} sent an HTML page instead of the extract (a Wi-Fi login page?)",
                    hint="open a browser to log in, then try again",
                )
            resumed = response.status_code == 206
            done = have if resumed else 0
            total = int(response.headers.get("content-length", 0) or 0) + done
            if total > max_bytes:
                raise ServiceError(
                    f"the extract at {host} is {total // 1024**2} MB, more than the "
                    f"{max_bytes // 1024**2} MB allowed"
                )
            with open(part, "ab" if resumed else "wb") as out:
                for chunk in response.iter_raw():  # as it arrives: a cut keeps all
                    done += len(chunk)
                    if done > max_bytes:
                        raise ServiceError(f"the extract at {host} is larger than allowed")
                    out.write(chunk)
                    if progress:
                        progress("downloading", done, total, 0)
            if total and done != total:
                raise ServiceError(
                    f"the download from {host} was cut at {done} of {total} bytes",
                    hint="run the same command again: it resumes where it stopped",
                )
    except httpx.HTTPError as exc:
        raise ServiceError(
            f"the download from {host} failed: {type(exc).__name__}",
            hint="run the same command again: it resumes where it stopped",
        ) from exc
    part.replace(target)
    return target
