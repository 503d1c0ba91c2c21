"""The disposable local cache: places fetched from OSM (indexed by kind and position), the areas each fetch
covered, geocoding answers, and the last listing. Deleting it loses nothing of the user's."""

import functools
import gc
import itertools
import json
import math
import os
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeVar

from solomo_cli import db
from solomo_cli.errors import StoreError
from solomo_cli.geo import EARTH_RADIUS_M, bbox, distance_from, distance_m
from solomo_cli.match import fold
from solomo_cli.model import Place
from solomo_cli.signals import COLUMNS as SIGNAL_COLUMNS
from solomo_cli.signals import signals_of

GEOCODE_MAX_AGE_S = 90 * 86400.0  # place names rarely move: months, not minutes


def m001_initial(conn: sqlite3.Connection) -> None:
    db.run_script(
        conn,
        """
        CREATE TABLE places (
            rid INTEGER PRIMARY KEY,
            osm_id TEXT NOT NULL UNIQUE,
            name TEXT,
            kind TEXT NOT NULL,
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            tags TEXT NOT NULL,
            fetched_at REAL NOT NULL,
            tz TEXT,       -- time zone and country, inferred once at fetch time: inferring
            country TEXT   -- them per listing would load ~110 MB of geographic data each time
        );
        CREATE VIRTUAL TABLE places_rtree USING rtree(rid, min_lat, max_lat, min_lon, max_lon);
        CREATE TABLE coverage (
            id INTEGER PRIMARY KEY,
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            radius_m REAL NOT NULL,
            kinds TEXT NOT NULL,
            fetched_at REAL NOT NULL,
            osm_base TEXT,
            endpoint TEXT
        );
        CREATE TABLE geocodes (
            key TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            raw TEXT NOT NULL,
            fetched_at REAL NOT NULL
        );
        CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    )


def m002_hours_memo(conn: sqlite3.Connection) -> None:
    # Each place's last opening-hours answer for "now", reused while it holds (see
    # search.hours.place_hours, for listings and show): a warm listing or show then needs
    # neither the parser nor the zone data.
    db.run_script(
        conn,
        """
        CREATE TABLE hours_memo (
            osm_id TEXT PRIMARY KEY,
            value TEXT NOT NULL,       -- what was evaluated: the answer is reused only for
            lat REAL NOT NULL,         -- the same value, position, zone and country
            lon REAL NOT NULL,
            tz TEXT,
            country TEXT,
            computed_at REAL NOT NULL,
            valid_until REAL NOT NULL,
            state TEXT NOT NULL,
            next_change TEXT,
            phrase TEXT NOT NULL,
            error TEXT
        );
        """,
    )


def m003_place_name_keys(conn: sqlite3.Connection) -> None:
    # Names are looked up folded (solomo_cli.match), so REF and NAME never depend on SQL LIKE.
    conn.execute("ALTER TABLE places ADD COLUMN name_key TEXT")
    rows = conn.execute("SELECT rid, name FROM places").fetchall()
    conn.executemany(
        "UPDATE places SET name_key = ? WHERE rid = ?", [(fold(name), rid) for rid, name in rows]
    )


def rederive(conn: sqlite3.Connection) -> None:
    """Recompute every place's signal columns from its tags (solomo_cli.signals), in one pass."""
    rows = conn.execute(f"SELECT rid, {_PLACE_COLS} FROM places").fetchall()
    sets = ", ".join(f"{c} = ?" for c in SIGNAL_COLUMNS)
    conn.executemany(
        f"UPDATE places SET {sets} WHERE rid = ?",
        ((*signals_of(_place(row[1:])), row[0]) for row in rows),
    )


def m004_signal_columns(conn: sqlite3.Connection) -> None:
    # What the score and the filters read (solomo_cli.signals), kept beside the tags so that a
    # listing scores its candidates without decoding their tags.
    for column in SIGNAL_COLUMNS:
        conn.execute(f"ALTER TABLE places ADD COLUMN {column} INTEGER")
    rederive(conn)


def m005_light_index_and_listing(conn: sqlite3.Connection) -> None:
    # A listing counts and scores its candidates from this index alone (kind, position and the
    # filters' columns), never reading the rows with their tags; and the last listing is a
    # table of ranks, written in one statement, instead of one JSON value with every tag.
    db.run_script(
        conn,
        """
        CREATE INDEX places_light ON places (kind, lat, lon, internet, free_wifi, wheelchair,
            chain, hours_known, contact_known, check_day, osm_id);
        CREATE TABLE listing (
            rank INTEGER PRIMARY KEY,
            osm_id TEXT NOT NULL,
            name TEXT,
            kind TEXT NOT NULL,
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            tags TEXT,  -- NULL: those the cache holds for osm_id (a long listing copies no tags)
            tz TEXT,
            country TEXT
        );
        DELETE FROM state WHERE key = 'last_listing';
        """,
    )


def m006_coverage_shapes(conn: sqlite3.Connection) -> None:
    # Areas covered by shape rather than by circle: an extract file's bounding box (or its
    # polygon's, when the file has one). `source` names the region, so that importing it
    # again replaces its rows.
    db.run_script(
        conn,
        """
        CREATE TABLE coverage_shapes (
            id INTEGER PRIMARY KEY,
            min_lat REAL NOT NULL,
            max_lat REAL NOT NULL,
            min_lon REAL NOT NULL,
            max_lon REAL NOT NULL,
            kinds TEXT NOT NULL,
            fetched_at REAL NOT NULL,  -- the data's date (the file's replication timestamp)
            osm_base TEXT,
            endpoint TEXT,
            source TEXT NOT NULL
        );
        """,
    )


def m007_drop_rtree(conn: sqlite3.Connection) -> None:
    # Every reading by position goes through places_light (kind, lat, lon…): the R*Tree only
    # cost a sync its upkeep (a fifth of a big one's time).
    conn.execute("DROP TABLE IF EXISTS places_rtree")


def m008_count_memo(conn: sqlite3.Connection) -> None:
    # How many places a listing's circle holds (its "N more"), remembered per query until any
    # place changes: the triggers empty the memo on every write, so a count never outlives the
    # rows it counted (counting 100,000 candidates reads each one's index entry: ~40 ms).
    conn.execute("CREATE TABLE count_memo (key TEXT PRIMARY KEY, total INTEGER NOT NULL)")
    for event in ("INSERT", "UPDATE", "DELETE"):  # one statement each: a trigger holds a `;`
        conn.execute(
            f"CREATE TRIGGER count_memo_{event.lower()} AFTER {event} ON places "
            "BEGIN DELETE FROM count_memo; END"
        )


def m009_more_signals(conn: sqlite3.Connection) -> None:
    # Power, Wi-Fi, money, booking, size, ownership, freshness and comfort (issue 14), each
    # yes, no or unknown (NULL): the new columns, the old ones re-derived (a missing tag was
    # "no"; it is now unknown), and the covering index rebuilt to hold them all.
    have = {row[1] for row in conn.execute("PRAGMA table_info(places)")}
    for column in SIGNAL_COLUMNS:
        if column not in have:
            conn.execute(f"ALTER TABLE places ADD COLUMN {column} INTEGER")
    rederive(conn)
    conn.execute("DROP INDEX IF EXISTS places_light")
    conn.execute(
        "CREATE INDEX places_light ON places (kind, lat, lon, internet, free_wifi, wheelchair, "
        "power, chain, hours_known, contact_known, check_day, fee_free, bookable, roomy, "
        "community, outdoor, aircon, osm_id)"
    )


def m010_listing_per_terminal(conn: sqlite3.Connection) -> None:
    # One last listing per terminal session (see `terminal`), so that `near` in another
    # terminal or in a script does not change what `visit 2` means here. The listing made
    # before this migration goes to the shared "no terminal" slot ('').
    db.run_script(
        conn,
        """
        CREATE TABLE listings (
            session TEXT PRIMARY KEY,
            origin TEXT NOT NULL,  -- JSON {query, label, lat, lon}
            count INTEGER NOT NULL,
            made_at REAL NOT NULL
        );
        INSERT INTO listings
            SELECT '', json(json_extract(value, '$.origin')), json_extract(value, '$.count'),
                   strftime('%s', 'now') + 0.0
            FROM state WHERE key = 'last_listing' AND json_valid(value)
                AND json_extract(value, '$.origin') IS NOT NULL;
        CREATE TABLE listed (
            session TEXT NOT NULL,
            rank INTEGER NOT NULL,
            osm_id TEXT NOT NULL,
            name TEXT,
            kind TEXT NOT NULL,
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            tags TEXT,  -- NULL: those the cache holds for osm_id (a long listing copies no tags)
            tz TEXT,
            country TEXT,
            PRIMARY KEY (session, rank)
        );
        INSERT INTO listed SELECT '', * FROM listing WHERE EXISTS (SELECT 1 FROM listings);
        DROP TABLE listing;
        ALTER TABLE listed RENAME TO listing;
        DELETE FROM state WHERE key = 'last_listing';
        """,
    )


def m011_points_column(conn: sqlite3.Connection) -> None:
    # The points a place gets besides distance, the user's marks and the day-dependent
    # "checked" (ranking.base_points_sql), as a virtual column under an index: a wide listing
    # finds the few rows that can reach its k-th score through the index, instead of scoring
    # every row of its circle in SQL. Virtual: computed by SQLite on write, nothing stored in
    # the table, nothing for a sync to do in Python. Should ranking's points change, a new
    # migration drops and adds the column again (a test compares it with ranking.points).
    from solomo_cli.search.ranking import base_points_sql

    conn.execute(
        f"ALTER TABLE places ADD COLUMN base_points REAL "
        f"GENERATED ALWAYS AS ({base_points_sql()}) VIRTUAL"
    )
    conn.execute("CREATE INDEX places_points ON places (kind, base_points, lat, lon, check_day)")


MIGRATIONS = [
    m001_initial,
    m002_hours_memo,
    m003_place_name_keys,
    m004_signal_columns,
    m005_light_index_and_listing,
    m006_coverage_shapes,
    m007_drop_rtree,
    m008_count_memo,
    m009_more_signals,
    m010_listing_per_terminal,
    m011_points_column,
]
COUNT_MEMO_SIZE = 64  # counts kept: the newest

CLEAR_HINT = "'solomo cache clear' rebuilds it (it holds nothing of yours)"


def _open(path: Path) -> sqlite3.Connection:
    """Open and migrate; a file that is not a database or is truncated raises db.Damaged. One
    that cannot be written (a read-only disk) is opened read-only. (A layout other than the
    migrations' is met by the first query: a StoreError naming the fix, see _reports_damage.)"""
    db.check_whole(path)
    read_only = path.exists() and not db.writable(path)
    conn = db.connect_readonly(path) if read_only else db.connect(path, private=True)
    try:
        if read_only and db.pending(conn, MIGRATIONS):
            raise StoreError(
                f"the cache {path} is read-only and out of date",
                hint="make it writable, or delete it (it holds nothing of yours)",
            )
        if not read_only:
            db.migrate(conn, MIGRATIONS)
    except sqlite3.Error as exc:
        conn.close()
        raise db.Damaged(f"the cache {path} is damaged: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _box(lat: float, lon: float, radius_m: float) -> tuple[float, float, list[tuple[float, float]]]:
    """The circle's bounding box: (min_lat, max_lat, longitude spans), in two spans across the
    antimeridian."""
    min_lat, max_lat, min_lon, max_lon = bbox(lat, lon, radius_m)
    if max_lon - min_lon >= 360.0:
        spans = [(-180.0, 180.0)]
    elif min_lon < -180.0:
        spans = [(min_lon + 360.0, 180.0), (-180.0, max_lon)]
    elif max_lon > 180.0:
        spans = [(min_lon, 180.0), (-180.0, max_lon - 360.0)]
    else:
        spans = [(min_lon, max_lon)]
    return min_lat, max_lat, spans


class Coverage(NamedTuple):
    """How much of a query circle the store covers with fresh data."""

    missing: tuple[str, ...]  # kinds that must be fetched
    fetched_at: float | None  # oldest fetch among the covering areas
    osm_base: str | None  # Overpass timestamp_osm_base of that fetch, when known


def geocode_key(query: str, country: str | None) -> str:
    """Cache key of a place name: case, accents' encoding and spacing don't matter."""
    text = " ".join(unicodedata.normalize("NFC", query).casefold().split())
    return f"{text}|{(country or '').lower()}"


class HoursAnswer(NamedTuple):
    """One place's opening-hours answer as the memo keeps it (times are Unix seconds)."""

    osm_id: str
    value: str
    lat: float
    lon: float
    tz: str | None
    country: str | None
    computed_at: float
    valid_until: float
    state: str
    next_change: str | None  # ISO 8601 in the place's zone, as in the JSON output
    phrase: str
    error: str | None


_MANY_ROWS = 100  # places_of decodes this many tags and more with orjson

# What a place row holds, in _place's order.
_PLACE_COLS = "osm_id, name, kind, lat, lon, tags, tz, country"


def _place(row: Sequence[Any], loads: Callable[[Any], Any] = json.loads) -> Place:
    """A place from a row of _PLACE_COLS; its stored zone and country travel in `extra`, so that
    hours are evaluated the same way wherever the place comes from (search.hours). `loads`:
    what reads its tags first (json reads whatever it does not)."""
    osm_id, name, kind, lat, lon, tags, tz, country = row
    extra = {"tz": tz, "country": country} if tz else {}
    return Place(
        osm_id,
        name,
        kind,
        lat,
        lon,
        _stored_json(tags, f"the tags of {osm_id}", loads),
        extra=extra,
    )


def _stored_json(text: Any, what: str, loads: Callable[[Any], Any] = json.loads) -> Any:
    """A JSON value the cache wrote; one that does not read back is a damaged row, reported as
    an SQLite error would be (_reports_damage: a StoreError with the cache-clear hint).
    `loads`: a faster reader to try first (orjson's); json has the last word."""
    try:
        return loads(text)
    except (TypeError, ValueError):
        if loads is not json.loads:
            return _stored_json(text, what)
        raise sqlite3.DatabaseError(f"a damaged row ({what}: not JSON)") from None


# Every stored column of a place but rid, in _place_row's order.
_STORED_COLS = (
    "osm_id",
    "name",
    "kind",
    "lat",
    "lon",
    "tags",
    "fetched_at",
    "tz",
    "country",
    "name_key",
    *SIGNAL_COLUMNS,
)
_UPSERT_PLACE = (
    f"INSERT INTO places ({', '.join(_STORED_COLS)}) VALUES ({', '.join('?' * len(_STORED_COLS))}) "
    "ON CONFLICT (osm_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _STORED_COLS[1:])
    + " RETURNING rid"
)
_INSERT_PLACE = _UPSERT_PLACE.removesuffix(" RETURNING rid")  # for executemany


@functools.cache
def _orjson() -> Any:
    """orjson, imported by the first place written or derived: a sync writes and reads every
    place's tags as JSON (each in a fifth of the time json takes: 0.9 against 5.1 µs to
    write, 1.1 against 6.0 µs to read), and the warm path does neither."""
    import orjson

    return orjson


def _dump_tags(tags: dict[str, str]) -> str:
    """A place's tags as the cache stores them: `json.dumps(tags, ensure_ascii=False,
    separators=(",", ":"))`'s text, written by orjson (a cache written before keeps json's
    spaces, and reads back the same). json writes what orjson refuses: a key that is not text
    (json writes it as text), a lone surrogate (which the sqlite3 module refuses in turn)."""
    try:
        text: str = _orjson().dumps(tags).decode()
    except TypeError:
        return json.dumps(tags, ensure_ascii=False, separators=(",", ":"))
    return text


def _place_row(place: Place, fetched_at: float) -> tuple[Any, ...]:
    """The values of _STORED_COLS for a place fetched at `fetched_at`."""
    return (*_plain_row(place, fetched_at)[:_SIGNALS_AT], *signals_of(place))


_SIGNALS_AT = len(_STORED_COLS) - len(SIGNAL_COLUMNS)  # where a row's signal columns begin


def _plain_row(place: Place, fetched_at: float) -> tuple[Any, ...]:
    """_place_row without the signal columns, and then the place's known chain (or None):
    what _completed needs to derive them (a big answer's signals are derived in the writer
    process, which has time to spare, see cache.writer)."""
    extra = place.extra
    return (
        place.id,
        place.name,
        place.kind,
        place.lat,
        place.lon,
        _dump_tags(place.tags),
        fetched_at,
        extra.get("tz"),
        extra.get("country"),
        fold(place.name),
        extra.get("chain"),
    )


def _completed(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """_plain_row's rows as _place_row's, their tags read back from the rows' JSON (the rows
    a writer process is sent, see cache.writer)."""
    loads = _orjson().loads  # the tags _dump_tags wrote, in this process or the parent
    return [_with_signals(row, loads(row[5])) for row in rows]


def _full_rows(places: list[Place], fetched_at: float) -> list[tuple[Any, ...]]:
    """_place_row's rows of places fetched at `fetched_at`, as _completed derives them from
    their plain rows: the same signals, whichever process derives them."""
    return [_with_signals(_plain_row(place, fetched_at), place.tags) for place in places]


def _with_signals(row: tuple[Any, ...], tags: dict[str, str]) -> tuple[Any, ...]:
    """A plain row completed with its signal columns: the place as signals_of sees it (its
    tags, country, chain and the cache's key of its name)."""
    osm_id, name, kind, lat, lon, _, _, _, country, name_key, chain = row
    extra = {"country": country, "chain": chain, "name_key": name_key}
    place = Place(osm_id, name, kind, lat, lon, tags, extra=extra)
    return (*row[:_SIGNALS_AT], *signals_of(place))


SIDES = ("north", "south", "east", "west")


class Box(NamedTuple):
    """A covered box in degrees (west <= east: an extract does not cross the antimeridian)."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def holds(self, other: "Box") -> bool:
        return all(self.holds_side(other, side) for side in SIDES)

    def holds_side(self, other: "Box", side: str) -> bool:
        """Whether `other` stays inside this box on that side (and meets it at all)."""
        meets = (
            other.max_lat >= self.min_lat
            and other.min_lat <= self.max_lat
            and other.max_lon >= self.min_lon
            and other.min_lon <= self.max_lon
        )
        inside = {
            "north": other.max_lat <= self.max_lat,
            "south": other.min_lat >= self.min_lat,
            "east": other.max_lon <= self.max_lon,
            "west": other.min_lon >= self.min_lon,
        }[side]
        return meets and inside


class PartialCoverage(NamedTuple):
    """A circle only partly inside the covered shapes."""

    outside: tuple[str, ...]  # the circle's sides that reach past every shape
    fetched_at: float  # the data's date
    osm_base: str | None
    source: str  # the region (an extract file's name)


def _write_batch(conn: sqlite3.Connection, batch: list[Place], fetched_at: float) -> str:
    """Upsert a batch of places; returns their ids as one JSON array (one parameter, not one
    `?` per place: SQLite allows 32,766 variables at most)."""
    conn.executemany(_INSERT_PLACE, [_place_row(p, fetched_at) for p in batch])
    return json.dumps([p.id for p in batch])


# A candidate of a listing as the index gives it (places_light: no tags read), then its
# distance: (rid, osm_id, kind, lat, lon, chain, internet, hours_known, contact_known,
# check_day, free_wifi, wheelchair, power, fee_free, bookable, roomy, community, outdoor,
# aircon, distance_m): ranking.Traits after the kind. Plain tuples: a listing may read
# hundreds of thousands.
_TRAIT_COLS = (
    "chain, internet, hours_known, contact_known, check_day, free_wifi, wheelchair, power, "
    "fee_free, bookable, roomy, community, outdoor, aircon"
)
_LIGHT_COLS = "rid, osm_id, kind, lat, lon, " + _TRAIT_COLS
Light = tuple[Any, ...]
LIGHT_DISTANCE: Final = 19  # the distance in a Light row
LIGHT_TRAITS: Final = slice(5, 19)  # the signal columns, in ranking.Traits' order after kind
# The signal columns a filter may require to be 1 (--wifi: internet, --free-wifi: free_wifi…).
FILTER_COLUMNS = frozenset({"internet", "free_wifi", "wheelchair", "power"})
# How far SQL's flat distance (_flat_sq) may be from the true one, as a share of the radius:
# below 1e-4 up to 80° of latitude and 50 km; the rows in that band are measured exactly.
_FLAT_ERROR = 1e-3
_FLAT_MAX_LAT = 80.0


def _box_sql(lat: float, lon: float, radius_m: float) -> tuple[str, list[float], bool]:
    """The condition on places' own lat/lon for the circle's bounding box (two spans across
    the antimeridian), and whether the flat distance holds there (not near a pole, no wrap)."""
    min_lat, max_lat, spans = _box(lat, lon, radius_m)
    lon_sql = " OR ".join("lon BETWEEN ? AND ?" for _ in spans)
    flat = len(spans) == 1 and max(abs(min_lat), abs(max_lat)) < _FLAT_MAX_LAT
    return (
        f"lat BETWEEN ? AND ? AND ({lon_sql})",
        [min_lat, max_lat, *(v for span in spans for v in span)],
        flat,
    )


def _flat_sq(lat: float, lon: float) -> tuple[str, list[float]]:
    """SQL for a row's squared distance to (lat, lon) in m², on a local flat map whose scale
    follows the latitude (arithmetic only: no SQLite math functions needed)."""
    k = EARTH_RADIUS_M * math.pi / 180.0
    c0, s0 = math.cos(math.radians(lat)), math.sin(math.radians(lat)) * math.pi / 360.0
    dy = "((lat - ?) * ?)"
    dx = "((lon - ?) * ? * (? - ? * (lat - ?)))"
    return f"({dy} * {dy} + {dx} * {dx})", [lat, k] * 2 + [lon, k, c0, s0, lat] * 2


def _measured(rows: list[Any], lat: float, lon: float, radius_m: float) -> list[Light]:
    """The rows within the circle, each with its distance appended."""
    to = distance_from(lat, lon)
    found = []
    for row in rows:
        d = to(row[3], row[4])
        if d <= radius_m:
            found.append((*row, d))
    return found


def _where(kinds: Sequence[str], required: Iterable[str], box: str) -> tuple[str, list[Any]]:
    needs = sorted(required)
    if not FILTER_COLUMNS.issuperset(needs):
        raise ValueError(f"not a filter column: {needs}")
    marks = ",".join("?" * len(kinds))
    sql = f"kind IN ({marks}) AND {box}" + "".join(f" AND {c} = 1" for c in needs)
    return sql, list(kinds)


class Geocode(NamedTuple):
    query: str
    display_name: str
    lat: float
    lon: float
    fetched_at: float


class Fetch(NamedTuple):
    """What a fetch covered: its circle, kinds, endpoint and time."""

    lat: float
    lon: float
    radius_m: float
    kinds: tuple[str, ...]
    endpoint: str
    fetched_at: float


class WriteLimits(NamedTuple):
    scan_after: int  # rows written beyond which vanished ones are found by a scan
    rebuild_after: int  # rows written beyond which the secondary indexes are built again
    cache_kb: int  # SQLite's page cache while an answer is written


def write_fetch(
    conn: sqlite3.Connection,
    fetch: Fetch,
    batches: Iterator[list[tuple[Any, ...]]],
    osm_base: Callable[[], str | None],
    limits: WriteLimits,
) -> int:
    """Cache.save_fetch's transaction, on rows of _place_row (here, or in cache.writer's
    process): upsert every batch, drop the vanished places, record the coverage."""
    count = 0
    rebuild: list[str] = []  # the dropped indexes' CREATE statements
    with db.transaction(conn):
        empty = conn.execute("SELECT 1 FROM places LIMIT 1").fetchone() is None
        for rows in batches:
            if not rebuild and (empty or count >= limits.rebuild_after):
                rebuild = _drop_upkeep(conn)
            conn.executemany(_INSERT_PLACE, rows)
            count += len(rows)
        if not empty:  # else every row is this fetch's: none has vanished
            _drop_vanished(conn, fetch, count > limits.scan_after)
        for sql in rebuild:  # in the transaction: a failure before leaves them as they were
            conn.execute(sql)
        conn.execute("DELETE FROM hours_memo WHERE osm_id NOT IN (SELECT osm_id FROM places)")
        conn.execute(
            "INSERT INTO coverage (lat, lon, radius_m, kinds, fetched_at, osm_base, endpoint) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                fetch.lat,
                fetch.lon,
                fetch.radius_m,
                ",".join(fetch.kinds),
                fetch.fetched_at,
                osm_base(),
                fetch.endpoint,
            ),
        )
    return count


def _drop_upkeep(conn: sqlite3.Connection) -> list[str]:
    """Drop what each written row of places keeps up: its own indexes (not osm_id's, which
    the upsert needs) and the count memo's triggers, once the memo they empty is empty (it
    stays empty: this transaction holds the write lock). Returns the statements that create
    them again, as the schema holds them. A trigger runs once per row: for a big answer, a
    quarter of the rows' insert time."""
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'places' AND sql IS NOT NULL "
        "AND (type = 'index' OR (type = 'trigger' AND name LIKE 'count~_memo~_%' ESCAPE '~'))"
    ).fetchall()
    if any(kind == "trigger" for kind, _, _ in rows):
        conn.execute("DELETE FROM count_memo")
    for kind, name, _ in rows:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    return [sql for _, _, sql in rows]


def _drop_vanished(conn: sqlite3.Connection, fetch: Fetch, scan: bool) -> None:
    """Delete the places of the fetch's kinds in its circle that it did not write: one pass
    reading coordinates only, one JSON parameter for the rows to delete."""
    lat, lon, radius_m = fetch.lat, fetch.lon, fetch.radius_m
    box, box_args, _ = _box_sql(lat, lon, radius_m)
    where, args = _where(fetch.kinds, (), box)
    # The box holds at least the places just written: past a few thousand (`scan`), one pass
    # over the table costs less than one random read of a row per place in the box (and the
    # index may be dropped for the rebuild, see write_fetch).
    source = "places NOT INDEXED" if scan else "places"
    stale = conn.execute(
        f"SELECT rid, lat, lon FROM {source} WHERE {where} AND fetched_at < ?",
        (*args, *box_args, fetch.fetched_at),
    )
    gone = json.dumps(
        [rid for rid, plat, plon in stale if distance_m(lat, lon, plat, plon) <= radius_m]
    )
    conn.execute("DELETE FROM places WHERE rid IN (SELECT value FROM json_each(?))", (gone,))


class Cache:
    """The cache file, private to its owner (it holds search history). One that is not a
    database or is truncated is deleted and rebuilt when opened; damage found later (a bad
    page, another layout) is a StoreError naming the fix."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self._conn = _open(self.path)
            except db.Damaged:
                self._remove_files()
                try:
                    self._conn = _open(self.path)
                except db.Damaged as exc:
                    raise StoreError(exc.message, hint=CLEAR_HINT) from exc
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- places ---------------------------------------------------------------------------

    def places_within(
        self, lat: float, lon: float, radius_m: float, kinds: Sequence[str]
    ) -> list[Place]:
        """Places of these kinds within the circle, each with its `distance_m`, nearest first
        (the full computation: every candidate's tags decoded)."""
        box, box_args, _ = _box_sql(lat, lon, radius_m)
        where, args = _where(kinds, (), box)
        rows = self.conn.execute(
            f"SELECT {_PLACE_COLS} FROM places INDEXED BY places_light WHERE {where}",
            (*args, *box_args),
        ).fetchall()
        found = []
        for row in rows:
            d = distance_m(lat, lon, row[3], row[4])
            if d <= radius_m:
                place = _place(row)
                place.distance_m = d
                found.append(place)
        found.sort(key=lambda p: p.distance_m)
        return found

    def candidates(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        kinds: Sequence[str],
        required: Iterable[str] = (),
        reach: tuple[str, Sequence[Any], str, Sequence[Any]] | None = None,
    ) -> list[Light]:
        """The light rows (see Light) of the places of these kinds within the circle whose
        `required` signal columns are 1, in no order: read from the index, no tags decoded.
        `reach` (ranking.reach_sql): only the rows that can reach a score, found through
        base_points' index, each row's reach checked on the index before its row is read."""
        box, box_args, flat = _box_sql(lat, lon, radius_m)
        where, args = _where(kinds, required, box)
        index = "places_light"
        more: list[Any] = []
        if reach is not None:
            floor, floor_args, within, within_args = reach
            index, where, more = "places_points", f"{where} AND {floor}", [*floor_args]
            if flat:
                # Within the row's reach (r), on the flat map, with its error as a margin:
                # d² <= r·|r| is d <= r, false for a negative reach, with r worked out twice.
                flat_sq, flat_args = _flat_sq(lat, lon)
                margin = radius_m * _FLAT_ERROR + 1.0
                reach_m = f"({within} + ?)"
                k = EARTH_RADIUS_M * math.pi / 180.0  # metres in a degree of latitude
                where += (
                    f" AND abs(lat - ?) * ? <= {reach_m}"  # cheap: most rows stop here
                    f" AND {flat_sq} <= {reach_m} * abs({reach_m})"
                )
                more += [lat, k, *within_args, margin]
                more += [*flat_args, *within_args, margin, *within_args, margin]
        rows = self.conn.execute(
            f"SELECT {_LIGHT_COLS} FROM places INDEXED BY {index} WHERE {where}",
            (*args, *box_args, *more),
        ).fetchall()
        return _measured(rows, lat, lon, radius_m)

    def candidates_by_id(
        self,
        osm_ids: Iterable[str],
        lat: float,
        lon: float,
        radius_m: float,
        kinds: Sequence[str],
        required: Iterable[str] = (),
    ) -> list[Light]:
        """Those of `candidates` among these places (one JSON parameter, whatever their number)."""
        box, box_args, _ = _box_sql(lat, lon, radius_m)
        where, args = _where(kinds, required, box)
        rows = self.conn.execute(
            f"SELECT {_LIGHT_COLS} FROM places WHERE osm_id IN "
            f"(SELECT value FROM json_each(?)) AND {where}",
            (json.dumps(list(osm_ids)), *args, *box_args),
        ).fetchall()
        return _measured(rows, lat, lon, radius_m)

    def count_within(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        kinds: Sequence[str],
        required: Iterable[str] = (),
    ) -> int:
        """How many places `candidates` would give, counted in SQL on the index: the rows that
        SQL's flat distance cannot place for sure (a thin band at the radius) are measured.
        The count is remembered until any place changes (migration m008's triggers)."""
        if not kinds:
            return 0
        required = tuple(required)
        key = json.dumps([lat, lon, radius_m, sorted(kinds), sorted(required)])
        return int(
            self._remembered(key, lambda: self._count_within(lat, lon, radius_m, kinds, required))
        )

    def best_points(self, kinds: Sequence[str], points: tuple[str, Sequence[Any]]) -> float:
        """The most a place of these kinds gets of `points` (ranking.points_sql: the score
        besides distance), over the whole store: a listing's bound for the places beyond the
        ring it has read, tighter than the most any place could get in theory. Remembered
        until any place changes, like the counts."""
        if not kinds:
            return 0.0
        sql, args = points
        marks = ",".join("?" * len(kinds))
        key = json.dumps(["best", sorted(kinds), sql, list(args)])

        def best() -> float:
            row = self.conn.execute(
                f"SELECT max({sql}) FROM places WHERE kind IN ({marks})", (*args, *kinds)
            ).fetchone()
            return float(row[0] or 0.0) if row else 0.0

        return self._remembered(key, best)

    def _remembered(self, key: str, compute: Callable[[], float]) -> float:
        """compute(), remembered under `key` in count_memo until any place changes."""
        row = self.conn.execute("SELECT total FROM count_memo WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return float(row[0])
        if self.conn.in_transaction:  # inside a write: computed, not remembered
            return compute()
        try:
            # Computed under the write lock, so that no other process can change the places
            # between the computation and its memo (the triggers would have nothing to empty).
            with db.transaction(self.conn):
                value = compute()
                self.conn.execute("INSERT OR REPLACE INTO count_memo VALUES (?, ?)", (key, value))
                self.conn.execute(
                    "DELETE FROM count_memo WHERE rowid NOT IN "
                    "(SELECT rowid FROM count_memo ORDER BY rowid DESC LIMIT ?)",
                    (COUNT_MEMO_SIZE,),
                )
        except (StoreError, sqlite3.Error):  # read-only or busy: computed, not remembered
            value = compute()
        return value

    def _count_within(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        kinds: Sequence[str],
        required: Iterable[str],
    ) -> int:
        box, box_args, flat = _box_sql(lat, lon, radius_m)
        where, args = _where(kinds, required, box)
        if not flat:  # near a pole or across the antimeridian: every row of the box is measured
            return len(self.candidates(lat, lon, radius_m, kinds, required))
        flat_sq, flat_args = _flat_sq(lat, lon)
        inner = max(0.0, radius_m * (1 - _FLAT_ERROR) - 1.0)
        outer = (radius_m * (1 + _FLAT_ERROR) + 1.0) ** 2
        # The square inscribed in the inner circle holds about half the box's rows: counted
        # without any arithmetic. Its longitudes are taken where a degree of longitude is
        # longest (its side nearest the equator), so that every corner is inside the circle.
        half = inner / math.sqrt(2.0) / (EARTH_RADIUS_M * math.pi / 180.0)
        widest = math.cos(math.radians(max(0.0, abs(lat) - half)))
        square = "(lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?)"
        square_args = [lat - half, lat + half, lon - half / widest, lon + half / widest]
        inside, band = self.conn.execute(
            f"SELECT total(CASE WHEN {square} THEN 1 WHEN {flat_sq} <= ? THEN 1 END), "
            f"total(CASE WHEN {square} THEN 0 WHEN {flat_sq} > ? AND {flat_sq} <= ? THEN 1 END) "
            f"FROM places INDEXED BY places_light WHERE {where}",
            (
                *square_args,
                *flat_args,
                inner * inner,
                *square_args,
                *flat_args,
                inner * inner,
                *flat_args,
                outer,
                *args,
                *box_args,
            ),
        ).fetchone()
        if not band:
            return int(inside)
        rows = self.conn.execute(
            f"SELECT lat, lon FROM places INDEXED BY places_light WHERE {where} "
            f"AND NOT {square} AND {flat_sq} > ? AND {flat_sq} <= ?",
            (*args, *box_args, *square_args, *flat_args, inner * inner, *flat_args, outer),
        ).fetchall()
        return int(inside) + sum(distance_m(lat, lon, a, b) <= radius_m for a, b in rows)

    def places_of(self, rids: Sequence[int]) -> list[Place]:
        """The places of these row ids, in their order (tags decoded: only for rows shown).
        Each carries the cache's key of its name (`name_key`): its brand is found without
        folding its name again (signals.place_brand)."""
        rows = self.conn.execute(
            f"SELECT j.key, p.name_key, {', '.join('p.' + c for c in _PLACE_COLS.split(', '))} "
            "FROM json_each(?) j CROSS JOIN places p ON p.rid = j.value",
            (json.dumps(list(rids)),),
        ).fetchall()
        rows.sort(key=lambda row: row[0])
        # Many rows (a listing without a limit, a chunk at a time): their tags read by orjson,
        # in a fifth of json's time. A screenful is read by json, which the warm path imports.
        loads = _orjson().loads if len(rows) >= _MANY_ROWS else json.loads
        places = []
        for row in rows:
            place = _place(row[2:], loads)
            if row[1] is not None:
                place.extra["name_key"] = row[1]
            places.append(place)
        return places

    def get_place(self, osm_id: str) -> Place | None:
        row = self.conn.execute(
            f"SELECT {_PLACE_COLS} FROM places WHERE osm_id = ?", (osm_id,)
        ).fetchone()
        return None if row is None else _place(row)

    def find_places_by_name(self, text: str, limit: int = 20) -> list[Place]:
        """Places whose folded name contains the folded `text` (solomo_cli.match), those
        called exactly that first."""
        key = fold(text)
        if not key:
            return []
        rows = self.conn.execute(
            f"SELECT {_PLACE_COLS} FROM places WHERE instr(name_key, ?) > 0 "
            "ORDER BY name_key != ?, name_key LIMIT ?",
            (key, key, limit),
        ).fetchall()
        return [_place(r) for r in rows]

    def coverage(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        kinds: Sequence[str],
        max_age_s: float,
        now: float | None = None,
    ) -> Coverage:
        now = time.time() if now is None else now
        rows = self.conn.execute(
            "SELECT lat, lon, radius_m, kinds, fetched_at, osm_base FROM coverage "
            "WHERE fetched_at >= ? ORDER BY fetched_at DESC",
            (now - max_age_s,),
        ).fetchall()
        missing = []
        used: list[tuple[float, str | None]] = []
        for kind in kinds:
            for clat, clon, cradius, ckinds, fetched_at, osm_base in rows:
                # 1 m of slack absorbs float noise when the same circle is asked again.
                if (
                    kind in ckinds.split(",")
                    and distance_m(lat, lon, clat, clon) + radius_m <= cradius + 1
                ):
                    used.append((fetched_at, osm_base))
                    break
            else:
                missing.append(kind)
        missing = self._uncovered_by_shapes(lat, lon, radius_m, missing, now - max_age_s, used)
        oldest = min(used, key=lambda u: u[0]) if used else (None, None)
        return Coverage(tuple(missing), oldest[0], oldest[1])

    _SAVE_BATCH = 2000  # places per executemany: memory stays flat in the answer's size
    _SAVE_CACHE_KB = 64 * 1024  # SQLite's page cache while an answer is saved
    _SCAN_AFTER = 10_000  # places written beyond which vanished ones are found by a scan
    # Places written beyond which (or into an empty store) the secondary indexes are dropped
    # and built again at the end: one sorted build costs far less than as many random inserts.
    _REBUILD_AFTER = 50_000
    # Places beyond which a writer process (cache.writer) does the SQLite work of the answer
    # while this one reads and derives the places: a third of a big sync's time, on a second core.
    _WRITER_AFTER = 20_000

    @staticmethod
    def _batches(places: Iterable[Place], size: int) -> Iterator[list[Place]]:
        batch: list[Place] = []
        for place in places:
            batch.append(place)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    def save_fetch(
        self,
        places: Iterable[Place],
        lat: float,
        lon: float,
        radius_m: float,
        kinds: Sequence[str],
        osm_base: str | None | Callable[[], str | None],
        endpoint: str,
        fetched_at: float | None = None,
    ) -> int:
        """Upsert a complete Overpass answer for the circle, drop places of those kinds that
        vanished from it, and record the area as covered — all in one transaction, whatever
        `places` raises midway. `places` may be a stream, written in batches as it comes;
        `osm_base` may be a callable, asked once they are all written (a streamed answer knows
        its timestamp only at its end). Returns how many places were written."""
        fetched_at = time.time() if fetched_at is None else fetched_at
        conn = self.conn  # opened and migrated here, whichever process writes
        fetch = Fetch(lat, lon, radius_m, tuple(kinds), endpoint, fetched_at)
        base = osm_base if callable(osm_base) else lambda: osm_base  # type: ignore[misc]
        # No cyclic garbage collection while the answer streams in: its places are freed as
        # each batch is written (they hold no cycles), and the collector would otherwise walk
        # every batch in progress a few times (a tenth of a big sync's time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            batches = self._batches(places, self._SAVE_BATCH)
            head: list[list[Place]] = []
            count = 0
            for batch in batches:  # nothing is written before the answer proves big or ends
                head.append(batch)
                count += len(batch)
                if count >= self._WRITER_AFTER:
                    from solomo_cli.cache.writer import NoWriter, write_elsewhere

                    try:
                        return write_elsewhere(
                            self.path, fetch, itertools.chain(head, batches), base, self._limits()
                        )
                    except NoWriter:
                        break  # written here, as a small answer is
            (cache_size,) = conn.execute("PRAGMA cache_size").fetchone()
            # The osm_id index's pages are touched at random: with SQLite's 2 MB page cache, a
            # 500k-place answer takes twice as long (the cache grows only as pages are used).
            conn.execute(f"PRAGMA cache_size = {-self._SAVE_CACHE_KB}")
            rows = (_full_rows(batch, fetched_at) for batch in itertools.chain(head, batches))
            try:
                return write_fetch(conn, fetch, rows, base, self._limits())
            finally:
                conn.execute(f"PRAGMA cache_size = {int(cache_size)}")
        finally:
            if collecting:
                gc.enable()

    def _limits(self) -> "WriteLimits":
        return WriteLimits(self._SCAN_AFTER, self._REBUILD_AFTER, self._SAVE_CACHE_KB)

    # -- opening-hours answers --------------------------------------------------------------

    def hours_answers(self, osm_ids: Sequence[str], now: float) -> dict[str, HoursAnswer]:
        """The memo's answers for these places that hold at `now`."""
        if not osm_ids:
            return {}
        # One JSON parameter, not one `?` per place: SQLite allows 32,766 variables at most.
        rows = self.conn.execute(
            f"SELECT {', '.join(HoursAnswer._fields)} FROM hours_memo WHERE osm_id IN "
            "(SELECT value FROM json_each(?)) AND computed_at <= ? AND ? < valid_until",
            (json.dumps(list(osm_ids)), now, now),
        ).fetchall()
        return {row[0]: HoursAnswer(*row) for row in rows}

    def save_hours_answers(self, answers: Iterable[HoursAnswer]) -> None:
        with db.transaction(self.conn):
            self.conn.executemany(
                f"INSERT OR REPLACE INTO hours_memo ({', '.join(HoursAnswer._fields)}) "
                f"VALUES ({', '.join('?' * len(HoursAnswer._fields))})",
                answers,
            )

    # -- coverage by shape (extract files) --------------------------------------------------

    def _shapes_meeting(
        self, lat: float, lon: float, radius_m: float, since: float
    ) -> list[tuple[Box, str, float, str | None, str]]:
        """Shapes (fresh since `since`) that meet the circle's bounding box, newest first."""
        min_lat, max_lat, min_lon, max_lon = bbox(lat, lon, radius_m)
        rows = self.conn.execute(
            "SELECT min_lat, max_lat, min_lon, max_lon, kinds, fetched_at, osm_base, source "
            "FROM coverage_shapes WHERE fetched_at >= ? AND max_lat >= ? AND min_lat <= ? "
            "AND max_lon >= ? AND min_lon <= ? ORDER BY fetched_at DESC",
            (since, min_lat, max_lat, min_lon, max_lon),
        ).fetchall()
        return [(Box(*r[:4]), r[4], r[5], r[6], r[7]) for r in rows]

    def _uncovered_by_shapes(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        missing: list[str],
        since: float,
        used: list[tuple[float, str | None]],
    ) -> list[str]:
        """The kinds of `missing` that no shape holds the whole circle of (appends to `used`)."""
        if not missing:
            return missing
        circle = Box(*bbox(lat, lon, radius_m))
        shapes = [s for s in self._shapes_meeting(lat, lon, radius_m, since) if s[0].holds(circle)]
        left = []
        for kind in missing:
            found = next((s for s in shapes if kind in s[1].split(",")), None)
            if found is None:
                left.append(kind)
            else:
                used.append((found[2], found[3]))
        return left

    def partial_coverage(
        self, lat: float, lon: float, radius_m: float, kinds: Sequence[str]
    ) -> PartialCoverage | None:
        """When shapes cover only part of the circle for every kind (at any age): which sides
        of it lie outside, and the data's date. None when no shape meets the circle."""
        shapes = [
            s
            for s in self._shapes_meeting(lat, lon, radius_m, 0.0)
            if all(k in s[1].split(",") for k in kinds)
        ]
        if not shapes:
            return None
        circle = Box(*bbox(lat, lon, radius_m))
        outside = [side for side in SIDES if not any(s[0].holds_side(circle, side) for s in shapes)]
        oldest = min(shapes, key=lambda s: s[2])
        return PartialCoverage(tuple(outside), oldest[2], oldest[3], oldest[4])

    def _write_recorded(self, places: Iterable[Place], fetched_at: float) -> int:
        """Upsert places in batches (in the caller's transaction), their ids kept in
        temp.written_ids so that the caller can find the places that vanished."""
        conn = self.conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS written_ids (osm_id TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM temp.written_ids")
        count = 0
        for batch in self._batches(places, self._SAVE_BATCH):
            ids = _write_batch(conn, batch, fetched_at)
            conn.execute(
                "INSERT OR IGNORE INTO temp.written_ids SELECT value FROM json_each(?)", (ids,)
            )
            count += len(batch)
        return count

    def save_extract(
        self,
        places: Iterable[Place],
        box: Box,
        kinds: Sequence[str],
        data_time: float,
        osm_base: str | None,
        source: str,
        endpoint: str,
    ) -> int:
        """Store a whole region read from an extract file, in one transaction: upsert its
        places, drop the places of those kinds inside the box that the file no longer has,
        and replace the region's coverage (same `source`, or a shape inside the new box)."""
        conn = self.conn
        with db.transaction(conn):
            count = self._write_recorded(places, data_time)
            marks = ",".join("?" * len(kinds))
            gone = conn.execute(
                f"""SELECT p.rid FROM places p
                    WHERE p.lat BETWEEN ? AND ? AND p.lon BETWEEN ? AND ?
                    AND p.kind IN ({marks})
                    AND p.osm_id NOT IN (SELECT osm_id FROM temp.written_ids)""",
                (box.min_lat, box.max_lat, box.min_lon, box.max_lon, *kinds),
            ).fetchall()
            conn.executemany("DELETE FROM places WHERE rid = ?", gone)
            conn.execute("DELETE FROM hours_memo WHERE osm_id NOT IN (SELECT osm_id FROM places)")
            conn.execute("DELETE FROM temp.written_ids")
            conn.execute(
                "DELETE FROM coverage_shapes WHERE source = ? OR (min_lat >= ? AND max_lat <= ? "
                "AND min_lon >= ? AND max_lon <= ?)",
                (source, box.min_lat, box.max_lat, box.min_lon, box.max_lon),
            )
            conn.execute(
                "INSERT INTO coverage_shapes (min_lat, max_lat, min_lon, max_lon, kinds, "
                "fetched_at, osm_base, endpoint, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*box, ",".join(kinds), data_time, osm_base, endpoint, source),
            )
        return count

    def save_piece(
        self,
        places: Iterable[Place],
        box: Box,
        kinds: Sequence[str],
        osm_base: Callable[[], str | None],
        endpoint: str,
        source: str,
        fetched_at: float,
    ) -> int:
        """Store one piece of a region fetched from Overpass (a country, or a tile of it), in
        one transaction: upsert its places in batches, record `box` as covered under
        `source` (replacing that source's shapes inside it), and drop the places of those
        kinds in the box that an earlier fetch of the same source wrote and this one no longer
        has. A place of the box outside the region (across a border) is never dropped: the
        region's query does not return it, and no earlier fetch of that source wrote it."""
        conn = self.conn
        with db.transaction(conn):
            count = self._write_recorded(places, fetched_at)
            inside = "min_lat >= ? AND max_lat <= ? AND min_lon >= ? AND max_lon <= ?"
            earlier = [
                t
                for (t,) in conn.execute(
                    "SELECT DISTINCT fetched_at FROM coverage_shapes WHERE source = ? "
                    "AND fetched_at < ? AND NOT (max_lat < ? OR min_lat > ? OR max_lon < ? "
                    "OR min_lon > ?)",
                    (source, fetched_at, box.min_lat, box.max_lat, box.min_lon, box.max_lon),
                )
            ]
            if earlier:
                marks = ",".join("?" * len(kinds))
                conn.execute(
                    f"""DELETE FROM places
                        WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? AND kind IN ({marks})
                        AND fetched_at IN (SELECT value FROM json_each(?))
                        AND osm_id NOT IN (SELECT osm_id FROM temp.written_ids)""",
                    (
                        box.min_lat,
                        box.max_lat,
                        box.min_lon,
                        box.max_lon,
                        *kinds,
                        json.dumps(earlier),
                    ),
                )
                conn.execute(
                    "DELETE FROM hours_memo WHERE osm_id NOT IN (SELECT osm_id FROM places)"
                )
            conn.execute("DELETE FROM temp.written_ids")
            conn.execute(
                f"DELETE FROM coverage_shapes WHERE source = ? AND {inside}",
                (source, *box),
            )
            conn.execute(
                "INSERT INTO coverage_shapes (min_lat, max_lat, min_lon, max_lon, kinds, "
                "fetched_at, osm_base, endpoint, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*box, ",".join(kinds), fetched_at, osm_base(), endpoint, source),
            )
        return count

    def count_fetched(self, fetched_at: float, kinds: Sequence[str]) -> int:
        """How many places of these kinds the fetch made at `fetched_at` holds (each once,
        however many of its pieces returned it)."""
        marks = ",".join("?" * len(kinds))
        (n,) = self.conn.execute(
            f"SELECT count(*) FROM places WHERE fetched_at = ? AND kind IN ({marks})",
            (fetched_at, *kinds),
        ).fetchone()
        return int(n)

    # -- geocodes -------------------------------------------------------------------------

    def get_geocode(self, key: str, max_age_s: float = GEOCODE_MAX_AGE_S) -> Geocode | None:
        row = self.conn.execute(
            "SELECT display_name, lat, lon, fetched_at FROM geocodes WHERE key = ? AND fetched_at >= ?",
            (key, time.time() - max_age_s),
        ).fetchone()
        return Geocode(key, row[0], row[1], row[2], row[3]) if row else None

    def put_geocode(self, key: str, display_name: str, lat: float, lon: float, raw: Any) -> None:
        with db.transaction(self.conn):
            self.conn.execute(
                "INSERT OR REPLACE INTO geocodes VALUES (?, ?, ?, ?, ?, ?)",
                (key, display_name, lat, lon, json.dumps(raw, ensure_ascii=False), time.time()),
            )

    # -- small state -------------------------------------------------------------------------

    def get_state(self, key: str) -> Any:
        row = self.conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return _stored_json(row[0], f"the state {key!r}") if row else None

    def set_state(self, key: str, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False)
        row = self.conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        if row is not None and row[0] == text:
            return  # unchanged: no write, so nothing to checkpoint when the store closes
        with db.transaction(self.conn):
            self.conn.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, text))

    # -- the last listing, one per terminal ------------------------------------------------

    def save_listing(
        self,
        origin: dict[str, Any],
        places: Sequence[Place] = (),
        rids: Sequence[int] = (),
        session: str | None = None,
    ) -> None:
        """Record the last listing of this terminal session (`terminal()` unless given):
        `places` as given, or the cached places of these row ids (copied in SQL in one
        statement, their tags left in the cache). Unchanged, it is not written again (no
        write, nothing to checkpoint when the store closes), but for its time once a minute."""
        conn = self.conn
        slot = terminal() if session is None else session
        n = len(rids) or len(places)
        head = json.dumps(origin, ensure_ascii=False)
        if rids:
            copy = (
                f"SELECT ?, j.key + 1, {_LISTED_COLS} FROM json_each(?) j CROSS "
                "JOIN places p ON p.rid = j.value ORDER BY j.key"
            )
            copy_args: tuple[Any, ...] = (slot, json.dumps(list(rids)))
            rows: list[tuple[Any, ...]] | None = None
        else:
            rows = [
                (
                    slot,
                    i,
                    p.id,
                    p.name,
                    p.kind,
                    p.lat,
                    p.lon,
                    json.dumps(p.tags, ensure_ascii=False),
                    p.extra.get("tz"),
                    p.extra.get("country"),
                )
                for i, p in enumerate(places, 1)
            ]
        now = time.time()
        old = conn.execute(
            "SELECT origin, count, made_at FROM listings WHERE session = ?", (slot,)
        ).fetchone()
        if old is not None and old[:2] == (head, n) and n <= _COMPARED_LISTING:
            if rows is None:
                rows = conn.execute(copy, copy_args).fetchall()
            listed = "SELECT * FROM listing WHERE session = ? ORDER BY rank"
            if conn.execute(listed, (slot,)).fetchall() == rows:
                if now - old[2] >= _LISTING_CLOCK_S:
                    with db.transaction(conn):
                        conn.execute(
                            "UPDATE listings SET made_at = ? WHERE session = ?", (now, slot)
                        )
                return
        with db.transaction(conn):
            conn.execute("DELETE FROM listing WHERE session = ?", (slot,))
            if rows is None:
                conn.execute(f"INSERT INTO listing {copy}", copy_args)
            else:
                conn.executemany(f"INSERT INTO listing VALUES ({', '.join('?' * 10)})", rows)
            conn.execute(
                "INSERT OR REPLACE INTO listings VALUES (?, ?, ?, ?)", (slot, head, n, now)
            )
            # Terminals come and go: the listings of the oldest ones are forgotten.
            stale = conn.execute(
                "SELECT session FROM listings ORDER BY made_at DESC LIMIT -1 OFFSET ?",
                (MAX_LISTINGS,),
            ).fetchall()
            for (gone,) in stale:
                conn.execute("DELETE FROM listing WHERE session = ?", (gone,))
                conn.execute("DELETE FROM listings WHERE session = ?", (gone,))

    def listing_head(self, session: str | None = None) -> dict[str, Any] | None:
        """{"origin": {query, label, lat, lon}, "count": n, "made_at": unix time} of this
        terminal's last listing, or None."""
        slot = terminal() if session is None else session
        row = self.conn.execute(
            "SELECT origin, count, made_at FROM listings WHERE session = ?", (slot,)
        ).fetchone()
        if row is None:
            return None
        origin = _stored_json(row[0], "the origin of the last listing")
        return {"origin": origin, "count": row[1], "made_at": row[2], "session": slot}

    def listed(
        self, rank: int | None = None, osm_id: str | None = None, session: str | None = None
    ) -> Place | None:
        """The place at this rank of this terminal's last listing, or with this id."""
        slot = terminal() if session is None else session
        where, arg = ("rank = ?", rank) if osm_id is None else ("osm_id = ?", osm_id)
        row = self.conn.execute(
            f"SELECT {_LISTED_PLACE} WHERE l.session = ? AND l.{where} ORDER BY l.rank LIMIT 1",
            (slot, arg),
        ).fetchone()
        return None if row is None else _place(row)

    def listed_rows(self, session: str | None = None) -> list[tuple[Any, ...]]:
        """Every row of this terminal's last listing as _place reads it, in rank order."""
        slot = terminal() if session is None else session
        return self.conn.execute(
            f"SELECT {_LISTED_PLACE} WHERE l.session = ? ORDER BY l.rank", (slot,)
        ).fetchall()

    def listed_names(self, session: str | None = None) -> list[tuple[int, str, str | None]]:
        """(rank, id, name) of every place of this terminal's last listing."""
        slot = terminal() if session is None else session
        return self.conn.execute(
            "SELECT rank, osm_id, name FROM listing WHERE session = ? ORDER BY rank", (slot,)
        ).fetchall()

    # -- maintenance ----------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        if not self.path.exists():
            return {
                "path": str(self.path),
                "exists": False,
                "places": 0,
                "areas": 0,
                "geocodes": 0,
                "size_bytes": 0,
                "oldest_fetch": None,
                "newest_fetch": None,
            }
        conn = self.conn
        places = conn.execute("SELECT count(*) FROM places").fetchone()[0]
        areas, oldest, newest = conn.execute(
            "SELECT count(*), min(fetched_at), max(fetched_at) FROM coverage"
        ).fetchone()
        geocodes = conn.execute("SELECT count(*) FROM geocodes").fetchone()[0]
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return {
            "path": str(self.path),
            "exists": True,
            "places": places,
            "areas": areas,
            "geocodes": geocodes,
            "size_bytes": size,
            "oldest_fetch": oldest,
            "newest_fetch": newest,
        }

    def clear(self) -> bool:
        """Delete the cache files. Returns whether there was anything to delete."""
        self.close()
        return self._remove_files()

    def _remove_files(self) -> bool:
        existed = False
        for suffix in ("", "-wal", "-shm"):
            target = Path(f"{self.path}{suffix}")
            try:
                target.unlink()
                existed = True
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise StoreError(f"cannot delete {target}: {exc.strerror}") from exc
        return existed


F = TypeVar("F", bound=Callable[..., Any])


def _reports_damage(method: F) -> F:
    """SQLite errors met while using the cache become one StoreError that names the fix."""

    @functools.wraps(method)
    def guarded(self: Cache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            if "readonly" in str(exc):  # a read-only disk: clearing would not help either
                hint = "make it and its folder writable (it holds nothing of yours)"
            else:
                hint = CLEAR_HINT
            raise StoreError(f"cannot use the cache {self.path}: {exc}", hint=hint) from exc

    return guarded  # type: ignore[return-value]


MAX_LISTINGS = 32  # terminal sessions whose last listing is kept: the most recent
_LISTING_CLOCK_S = 60.0  # an unchanged listing's time is renewed once a minute (it shows HH:MM)
NO_TERMINAL = ""  # the listing slot shared by everything run without a terminal


def terminal() -> str:
    """The terminal session whose last listing ranks refer to: $SOLOMO_SESSION when set (for
    scripts that want to share one), else the terminal of stdin, stdout or stderr (whichever
    is one) with its session's id, so that a terminal opened later on the same device starts
    afresh; else the shared "no terminal" slot."""
    chosen = os.environ.get("SOLOMO_SESSION")
    if chosen:
        return "env:" + chosen
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd):
                return f"{os.ttyname(fd)}:{os.getsid(0)}"
        except (OSError, AttributeError):  # closed, nameless, or no ttys here (Windows)
            continue
    return NO_TERMINAL


_LISTED_COLS = "p.osm_id, p.name, p.kind, p.lat, p.lon, NULL, p.tz, p.country"
# A listed place as _place reads it: its tags from the listing, else from the cache.
_LISTED_PLACE = (
    "l.osm_id, l.name, l.kind, l.lat, l.lon, coalesce(l.tags, p.tags, '{}'), l.tz, l.country "
    "FROM listing l LEFT JOIN places p ON l.tags IS NULL AND p.osm_id = l.osm_id"
)
_COMPARED_LISTING = 1000  # a longer listing is written again rather than compared


def last_listing(cache: Cache) -> dict[str, Any] | None:
    """The whole last listing of this terminal: {"origin": …, "places": [{id, name, kind, lat,
    lon, tags, tz, country}, …]} (for tests and small tools; `show N` reads one row with
    `Cache.listed`)."""
    head = cache.listing_head()
    if head is None:
        return None
    rows = cache.listed_rows(head["session"])
    keys = ("id", "name", "kind", "lat", "lon", "tags", "tz", "country")
    places = [dict(zip(keys, row, strict=True)) for row in rows]
    for place in places:
        place["tags"] = _stored_json(place["tags"], f"the listed tags of {place['id']}")
    return {"origin": head["origin"], "places": places}


# Every public method, including ones added later: none may let an SQLite error out as a bug.
for _name, _method in list(vars(Cache).items()):
    if not _name.startswith("_") and callable(_method) and _name not in ("close", "clear"):
        setattr(Cache, _name, _reports_damage(_method))
