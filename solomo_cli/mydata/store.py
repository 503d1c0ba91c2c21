"""The user's own data — places as seen, visits, place notes, contacts and encounters — in a
private SQLite file that exists nowhere else: every command's writes are one transaction, every
migration keeps every row, and forgetting a person really erases them.

This module holds the file itself (connection, schema and migrations, places as seen, import
primitives); visits.py and contacts.py hold the rest of UserData, backup.py the copy, and
signals.py the read-only query of `solomo near`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from solomo_cli import db
from solomo_cli.errors import StoreError
from solomo_cli.match import fold, matches
from solomo_cli.model import Place
from solomo_cli.mydata.base import (
    PLACE_COLS,
    SQL_NOW,
    SQL_UUID,
    new_uid,
    now_utc,
    place_from_row,
    refuse_empty,
    unreadable,
)
from solomo_cli.mydata.contacts import ENCOUNTER_SQL, ContactsPart, Encounter, encounter_from_row
from solomo_cli.mydata.keep import KeepPart, m007_keep_in_touch
from solomo_cli.mydata.signals import shown_rating
from solomo_cli.mydata.sync import SyncPart
from solomo_cli.mydata.trips import TripsPart
from solomo_cli.mydata.visits import Note, Visit, VisitsPart

# -- schema ---------------------------------------------------------------------------------


def m001_initial(conn: sqlite3.Connection) -> None:
    # AUTOINCREMENT: the id of a removed visit or contact is never given to another one, so a
    # script or a note that says "visit 7" never ends up pointing at the wrong row.
    db.run_script(
        conn,
        """
        CREATE TABLE places (
            id TEXT PRIMARY KEY,          -- 'node/123', or 'google/<cid>' for imported places
            name TEXT,
            kind TEXT NOT NULL,
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            tags TEXT NOT NULL,           -- JSON object, as seen
            seen_at TEXT NOT NULL         -- when this snapshot was taken ('' for a stub)
        );
        CREATE TABLE visits (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            place_id TEXT NOT NULL REFERENCES places (id),
            day TEXT NOT NULL,
            rating INTEGER CHECK (rating BETWEEN 1 AND 5),
            note TEXT,
            cost TEXT,                    -- exact decimal amount, as text
            currency TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX visits_place ON visits (place_id, day);
        CREATE INDEX visits_day ON visits (day);
        CREATE TABLE place_notes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            place_id TEXT NOT NULL REFERENCES places (id),
            created_at TEXT NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX place_notes_place ON place_notes (place_id);
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            org TEXT,
            email TEXT,
            phone TEXT,
            note TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE contact_tags (
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (contact_id, tag)
        );
        CREATE TABLE encounters (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            place_id TEXT REFERENCES places (id),
            day TEXT NOT NULL,
            note TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX encounters_contact ON encounters (contact_id, day);
        CREATE INDEX encounters_place ON encounters (place_id);
        """,
    )


def m002_contact_name_keys(conn: sqlite3.Connection) -> None:
    # SQLite's NOCASE folds ASCII only: "ÉLODIE" would not find "Élodie". A folded key, computed
    # here for the rows already there, makes name lookups exact and indexed.
    conn.execute("ALTER TABLE contacts ADD COLUMN name_key TEXT")
    rows = conn.execute("SELECT id, name FROM contacts").fetchall()
    conn.executemany(
        "UPDATE contacts SET name_key = ? WHERE id = ?", [(fold(name), cid) for cid, name in rows]
    )
    conn.execute("CREATE INDEX contacts_name_key ON contacts (name_key)")


def m003_refold_contact_names(conn: sqlite3.Connection) -> None:
    # The matcher now also folds dashes and punctuation ("Jean-Marc" = "jean marc").
    rows = conn.execute("SELECT id, name FROM contacts").fetchall()
    conn.executemany(
        "UPDATE contacts SET name_key = ? WHERE id = ?", [(fold(name), cid) for cid, name in rows]
    )


# Ids this large came from a file (older versions kept an imported id), never from use; one
# at 2**63-1 made every later insert fail with "database or disk is full".
ABSURD_ID = 2**31
_ID_TABLES = ("visits", "place_notes", "contacts", "encounters")


def m004_renumber_absurd_ids(conn: sqlite3.Connection) -> None:
    # Rows keep everything but their id; references follow (checked at commit). The sequence
    # restarts after the largest sane id: ids of rows deleted above it may come back once.
    conn.execute("PRAGMA defer_foreign_keys = ON")
    for table in _ID_TABLES:
        (top,) = conn.execute(
            f"SELECT coalesce(max(id), 0) FROM {table} WHERE id < ?", (ABSURD_ID,)
        ).fetchone()
        absurd = conn.execute(
            f"SELECT id FROM {table} WHERE id >= ? ORDER BY id", (ABSURD_ID,)
        ).fetchall()
        for (old,) in absurd:
            top += 1
            conn.execute(f"UPDATE {table} SET id = ? WHERE id = ?", (top, old))
            if table == "contacts":
                for child in ("contact_tags", "encounters"):
                    conn.execute(
                        f"UPDATE {child} SET contact_id = ? WHERE contact_id = ?", (top, old)
                    )
        conn.execute(
            "UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq >= ?",
            (top, table, ABSURD_ID),
        )


def m005_totals_memo(conn: sqlite3.Connection) -> None:
    # The totals of `solomo log` per filter, kept only while exact: any change to the visits,
    # or to a place's name, kind or position, empties the memo (so nothing of a deleted visit
    # stays in it; secure_delete overwrites the rows).
    conn.execute("CREATE TABLE totals_memo (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for name, event in (
        ("visit_insert", "INSERT ON visits"),
        ("visit_update", "UPDATE ON visits"),
        ("visit_delete", "DELETE ON visits"),
        ("place_update", "UPDATE OF id, name, kind, lat, lon ON places"),
        ("place_delete", "DELETE ON places"),
    ):
        conn.execute(
            f"CREATE TRIGGER totals_memo_{name} AFTER {event} BEGIN DELETE FROM totals_memo; END"
        )


# What sync knows of each record: its table, and its kind in tombstones and change lists.
SYNCED = (
    ("visits", "visit"),
    ("place_notes", "note"),
    ("contacts", "contact"),
    ("encounters", "encounter"),
    ("contact_tags", "tag"),
)


def m006_sync_identity(conn: sqlite3.Connection) -> None:
    # Every record gets a stable uid and an updated_at, so that an import or a sync can take the
    # newer of two copies; a deleted one leaves a tombstone (its uid, kind and time: never a
    # name or any content) so that no older copy brings it back. Triggers, so that every write
    # path gets it: one that sets updated_at itself (a sync writing the remote's time) is obeyed.
    conn.execute("ALTER TABLE contact_tags ADD COLUMN uid TEXT")
    conn.execute("ALTER TABLE contact_tags ADD COLUMN updated_at TEXT")
    tags = conn.execute(
        "SELECT t.rowid, c.updated_at FROM contact_tags t JOIN contacts c ON c.id = t.contact_id"
    ).fetchall()
    conn.executemany(
        "UPDATE contact_tags SET uid = ?, updated_at = ? WHERE rowid = ?",
        [(new_uid(), updated, rowid) for rowid, updated in tags],
    )
    for table in ("visits", "place_notes", "encounters"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN updated_at TEXT")
        conn.execute(f"UPDATE {table} SET updated_at = created_at")
    conn.execute("CREATE UNIQUE INDEX contact_tags_uid ON contact_tags (uid)")
    conn.execute(
        "CREATE TABLE tombstones (uid TEXT PRIMARY KEY, kind TEXT NOT NULL, "
        "deleted_at TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX tombstones_deleted ON tombstones (deleted_at)")
    for table, kind in SYNCED:
        conn.execute(f"CREATE INDEX {table}_updated ON {table} (updated_at)")
        conn.execute(
            f"CREATE TRIGGER sync_{table}_touch AFTER UPDATE ON {table} "
            "WHEN NEW.updated_at IS OLD.updated_at "
            f"BEGIN UPDATE {table} SET updated_at = {SQL_NOW} WHERE rowid = NEW.rowid; END"
        )
        conn.execute(
            f"CREATE TRIGGER sync_{table}_tombstone AFTER DELETE ON {table} "
            "WHEN OLD.uid IS NOT NULL BEGIN "
            "INSERT OR REPLACE INTO tombstones (uid, kind, deleted_at) "
            f"VALUES (OLD.uid, '{kind}', {SQL_NOW}); END"
        )
    # A row inserted without them (a code path that does not know) still gets both.
    for table in ("visits", "place_notes", "encounters"):
        conn.execute(
            f"CREATE TRIGGER sync_{table}_born AFTER INSERT ON {table} "
            "WHEN NEW.updated_at IS NULL "
            f"BEGIN UPDATE {table} SET updated_at = NEW.created_at WHERE rowid = NEW.rowid; END"
        )
    conn.execute(
        "CREATE TRIGGER sync_contact_tags_born AFTER INSERT ON contact_tags "
        "WHEN NEW.uid IS NULL OR NEW.updated_at IS NULL BEGIN UPDATE contact_tags SET "
        f"uid = coalesce(NEW.uid, {SQL_UUID}), updated_at = coalesce(NEW.updated_at, {SQL_NOW}) "
        "WHERE rowid = NEW.rowid; END"
    )


def m008_field_notes(conn: sqlite3.Connection) -> None:
    # What the user found on a visit (issue 14): power, Wi-Fi (a word or a speed), noise and
    # calls, checked here as well as where they enter. NULL: not said.
    for column, check in (
        ("power", "power IN ('plenty', 'few', 'none')"),
        ("wifi", "wifi IN ('good', 'ok', 'bad') OR wifi GLOB '[0-9]*mbps'"),
        ("noise", "noise IN ('quiet', 'lively', 'loud')"),
        ("calls", "calls IN ('ok', 'no')"),
    ):
        conn.execute(f"ALTER TABLE visits ADD COLUMN {column} TEXT CHECK ({check})")


def m009_mirror_status(conn: sqlite3.Connection) -> None:
    # What `solomo mirror` last saw of each item, per tree, on both sides (vdirsyncer's status):
    # a hash of the record here and of its file there, so that a change, and a deletion, on
    # either side is told apart from a new item. Uids and hashes only: nothing identifying.
    conn.execute(
        "CREATE TABLE mirror_status (dir TEXT NOT NULL, kind TEXT NOT NULL, uid TEXT NOT NULL, "
        "hash_here TEXT NOT NULL, hash_there TEXT NOT NULL, href TEXT NOT NULL, "
        "PRIMARY KEY (dir, kind, uid))"
    )


def m010_near_indexes(conn: sqlite3.Connection) -> None:
    # What `near` reads of this file on every run (mydata/signals.py): the places around the
    # search point, by position, and the visits with field notes (few), without scanning all.
    conn.execute("CREATE INDEX places_position ON places (lat, lon)")
    conn.execute(
        "CREATE INDEX visits_facts ON visits (place_id, day) WHERE "
        "(power IS NOT NULL OR wifi IS NOT NULL OR noise IS NOT NULL OR calls IS NOT NULL)"
    )


def m011_near_ratings_index(conn: sqlite3.Connection) -> None:
    # What `near` reads of every visit around the search point on each run (the average rating
    # and the count, mydata/signals.py), from an index alone instead of one table row per
    # visit: years of visits are thousands of rows. Its prefix is visits_place's, so the
    # field notes' query keeps its partial index (visits_facts).
    conn.execute("CREATE INDEX visits_ratings ON visits (place_id, day, rating)")


MIGRATIONS = [
    m001_initial,
    m002_contact_name_keys,
    m003_refold_contact_names,
    m004_renumber_absurd_ids,
    m005_totals_memo,
    m006_sync_identity,
    m007_keep_in_touch,
    m008_field_notes,
    m009_mirror_status,
    m010_near_indexes,
    m011_near_ratings_index,
]

# -- the store ------------------------------------------------------------------------------


class PlaceSummary(NamedTuple):  # not a dataclass: see visits.Visit
    """What the user knows of one place: for `solomo show`."""

    place: Place | None  # the user's own snapshot, if they ever referred to it
    visits: list[Visit]
    notes: list[Note]
    encounters: list[Encounter]

    @property
    def rating(self) -> float | None:
        rated = [v.rating for v in self.visits if v.rating]
        return shown_rating(sum(rated) / len(rated)) if rated else None


class UserData(VisitsPart, ContactsPart, KeepPart, TripsPart, SyncPart):
    """The user-data file. Opened (created 0600, migrated) on first use; read-only questions
    asked before the file exists get empty answers and never create it.

    A file that cannot be written (0400, read-only folder or disk) is opened read-only, so that
    its data can still be read and copied off; any write is then refused."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self.read_only = False

    @property
    def exists(self) -> bool:
        return self._conn is not None or self.path.exists()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        refuse_empty(self.path)
        try:
            db.check_whole(self.path)
        except db.Damaged as exc:
            raise unreadable(self.path, exc) from exc
        if self.path.exists() and not db.writable(self.path):
            return self._open_read_only()
        try:
            conn = db.connect(self.path, private=True)
        except db.Damaged as exc:
            raise unreadable(self.path, exc) from exc
        try:
            # Deleted rows (a forgotten contact, a removed visit) are overwritten, not unlinked.
            conn.execute("PRAGMA secure_delete = ON")
            _migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        conn = db.connect_readonly(self.path)
        try:
            waiting = db.pending(conn, MIGRATIONS)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise unreadable(self.path, exc) from exc
        if waiting:
            conn.close()
            raise StoreError(
                f"your data file {self.path} is read-only and needs an upgrade to be read by "
                "this version of solomo",
                hint="make it and its folder writable (or copy it to a writable place and set "
                "SOLOMO_HOME there), then run the command again",
            )
        self.read_only = True
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> UserData:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction; nested uses join the outer one (an import is one transaction)."""
        conn = self.conn
        if self.read_only:
            raise StoreError(
                f"your data file {self.path} is read-only: nothing was changed",
                hint="make it and its folder writable, then run the command again",
            )
        if conn.in_transaction:
            yield conn
            return
        with db.transaction(conn):
            yield conn

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        if not self.exists:
            return []
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise unreadable(self.path, exc) from exc

    # -- places ---------------------------------------------------------------------------

    def remember(self, place: Place, seen_at: str | None = None) -> None:
        """Keep (or refresh) the user's snapshot of a place, so that history and exports stay
        complete after the cache is cleared or the place leaves OSM."""
        seen_at = now_utc() if seen_at is None else seen_at
        with self.write() as conn:
            conn.execute(
                """INSERT INTO places (id, name, kind, lat, lon, tags, seen_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                     lat = excluded.lat, lon = excluded.lon, tags = excluded.tags,
                     seen_at = excluded.seen_at
                   WHERE excluded.seen_at >= places.seen_at""",
                (*_place_values(place), seen_at),
            )

    def place(self, place_id: str) -> Place | None:
        rows = self._read(f"SELECT {PLACE_COLS} FROM places p WHERE p.id = ?", (place_id,))
        return place_from_row(rows[0]) if rows else None

    def seen_at(self, place_id: str) -> str | None:
        rows = self._read("SELECT seen_at FROM places WHERE id = ?", (place_id,))
        return rows[0][0] if rows else None

    def places(self) -> list[Place]:
        rows = self._read(f"SELECT {PLACE_COLS} FROM places p ORDER BY p.name COLLATE NOCASE, p.id")
        return [p for p in map(place_from_row, rows) if p is not None]

    def find_places(self, text: str) -> list[Place]:
        """The user's places whose name contains `text` (folded: case, accents, dashes)."""
        return [p for p in self.places() if matches(text, p.name)]

    def summary(self, place_id: str) -> PlaceSummary:
        return PlaceSummary(
            self.place(place_id),
            self.visits(place_id=place_id),
            self.notes(place_id),
            [
                encounter_from_row(r)
                for r in self._read(
                    ENCOUNTER_SQL + " WHERE e.place_id = ? ORDER BY e.day DESC, e.id DESC",
                    (place_id,),
                )
            ],
        )

    # -- import primitives: call inside one `write()`; records never overwrite local ones --

    def ensure_place(self, place: Place) -> bool:
        """Insert a stub (seen_at '') for a place known only from a visit or an encounter
        record; any full snapshot, imported later or seen in OSM, replaces it."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO places (id, name, kind, lat, lon, tags, seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?, '')",
            _place_values(place),
        )
        return cur.rowcount > 0

    def _has_uid(self, table: str, uid: str) -> bool:
        return (
            self.conn.execute(f"SELECT 1 FROM {table} WHERE uid = ?", (uid,)).fetchone() is not None
        )

    def counts(self) -> dict[str, int]:
        tables = ("places", "visits", "place_notes", "contacts", "contact_tags", "encounters")
        if not self.exists:
            return dict.fromkeys(tables, 0)
        return {t: self._read(f"SELECT count(*) FROM {t}")[0][0] for t in tables}


def _place_values(place: Place) -> tuple[object, ...]:
    """id, name, kind, lat, lon, tags: a place's columns in the user's places table."""
    tags = json.dumps(place.tags, ensure_ascii=False, sort_keys=True)
    return (place.id, place.name, place.kind, place.lat, place.lon, tags)


def _migrate(conn: sqlite3.Connection) -> None:
    # Processes started together may race to apply the same migration; the loser's transaction
    # is rolled back ("table already exists"), and a second look at _migrations skips it.
    for _attempt in range(len(MIGRATIONS) + 2):
        try:
            db.migrate(conn, MIGRATIONS)
            return
        except (sqlite3.OperationalError, sqlite3.IntegrityError) as exc:
            last = exc
        except StoreError:
            raise
    raise StoreError(f"cannot upgrade your data file: {last}")
