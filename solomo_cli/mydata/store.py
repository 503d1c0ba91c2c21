"""The user's own data — places as seen, visits, place notes, contacts and encounters — in a
private SQLite file that exists nowhere else: every command's writes are one transaction, every
migration keeps every row, and forgetting a person really erases them.

This module holds the file itself (connection, schema and migrations, places as seen, import
primitives, backup) and the read-only query of `solomo near`; visits.py and contacts.py hold
the rest of UserData."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solomo_cli import db
from solomo_cli.errors import Remedy, StoreError, UsageError
from solomo_cli.model import Place
from solomo_cli.mydata.base import PLACE_COLS, fold, now_utc, place_from_row
from solomo_cli.mydata.contacts import ENCOUNTER_SQL, ContactsPart, Encounter, encounter_from_row
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


MIGRATIONS = [m001_initial, m002_contact_name_keys]

# -- the store ------------------------------------------------------------------------------


@dataclass
class PlaceSummary:
    """What the user knows of one place: for `solomo show`."""

    place: Place | None  # the user's own snapshot, if they ever referred to it
    visits: list[Visit]
    notes: list[Note]
    encounters: list[Encounter]

    @property
    def rating(self) -> float | None:
        rated = [v.rating for v in self.visits if v.rating]
        return round(sum(rated) / len(rated), 1) if rated else None


class UserData(VisitsPart, ContactsPart):
    """The user-data file. Opened (created 0600, migrated) on first use; read-only questions
    asked before the file exists get empty answers and never create it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    @property
    def exists(self) -> bool:
        return self._conn is not None or self.path.exists()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = db.connect(self.path, private=True)
            # Deleted rows (a forgotten contact, a removed visit) are overwritten, not unlinked.
            conn.execute("PRAGMA secure_delete = ON")
            _migrate(conn)
            self._conn = conn
        return self._conn

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
            raise _unreadable(self.path, exc) from exc

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
        """The user's places whose name contains `text` (case- and accent-insensitive)."""
        key = fold(text)
        return [p for p in self.places() if key and key in fold(p.name)]

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

    def _free_id(self, table: str, wanted: int | None) -> int | None:
        """Keep the exported id when it is free here (a round trip gives the same ids)."""
        if wanted is None:
            return None
        taken = self.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (wanted,)).fetchone()
        return None if taken else wanted

    def counts(self) -> dict[str, int]:
        tables = ("places", "visits", "place_notes", "contacts", "contact_tags", "encounters")
        if not self.exists:
            return dict.fromkeys(tables, 0)
        return {t: self._read(f"SELECT count(*) FROM {t}")[0][0] for t in tables}


def _place_values(place: Place) -> tuple[object, ...]:
    """id, name, kind, lat, lon, tags: a place's columns in the user's places table."""
    tags = json.dumps(place.tags, ensure_ascii=False, sort_keys=True)
    return (place.id, place.name, place.kind, place.lat, place.lon, tags)


def _unreadable(path: Path, exc: Exception) -> StoreError:
    return StoreError(
        f"your data file {path} is unreadable: {exc}",
        hint="restore it from a copy made with 'solomo backup'",
    )


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


# -- for `solomo near` ----------------------------------------------------------------------


def personal_signals(path: Path, ids: Sequence[str]) -> dict[str, tuple[float | None, int]]:
    """(average rating or None, visit count) per place id, in one read-only query.

    Never creates the file, never migrates: the columns read exist since the first schema."""
    if not ids or not path.exists():
        return {}
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error:
        return {}
    try:
        rows = conn.execute(
            "SELECT place_id, avg(rating), count(*) FROM visits "
            "WHERE place_id IN (SELECT value FROM json_each(?)) GROUP BY place_id",
            (json.dumps(list(ids)),),
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # created by another process, not yet migrated
            return {}
        raise _unreadable(path, exc) from exc
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from exc
    finally:
        conn.close()
    return {pid: (None if avg is None else round(avg, 1), count) for pid, avg, count in rows}


# -- backup ---------------------------------------------------------------------------------


def backup(source: Path, target: Path, *, overwrite: bool = False) -> dict[str, int]:
    """A consistent copy of the user-data file made with SQLite's backup API (safe while other
    solomo processes write), checked, then renamed into place; readable by its owner only.

    Returns the row counts of the copy."""
    if not source.exists():
        raise UsageError(
            "there is no user data to back up yet", hint="solomo paths shows where it would be"
        )
    target = Path(target)
    if target.is_dir():
        raise UsageError(f"{target} is a directory", hint="give a file name")
    if target.exists() and not overwrite:
        raise UsageError(
            f"{target} already exists", hint="choose another name", remedies=[Remedy.OVERWRITE]
        )
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"cannot write {target}: the folder {parent} does not exist")
    tmp = parent / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from exc
    src = dst = None
    try:
        src = db.connect(source, private=True)
        dst = sqlite3.connect(tmp, isolation_level=None)
        src.backup(dst)
        # A self-contained file: no -wal beside the copy.
        dst.execute("PRAGMA journal_mode = DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise StoreError(
                f"the copy failed its integrity check: {check}",
                hint="your data file may be damaged; keep it and any older backup",
            )
        counts = {
            t: dst.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("places", "visits", "place_notes", "contacts", "encounters")
        }
        dst.close()
        dst = None
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException as exc:
        if dst is not None:
            dst.close()
        for leftover in (tmp, Path(f"{tmp}-journal")):
            try:
                leftover.unlink()
            except OSError:
                pass
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"backup failed: {exc}") from exc
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {target}: {exc.strerror}") from exc
        raise
    finally:
        if src is not None:
            src.close()
    return counts
