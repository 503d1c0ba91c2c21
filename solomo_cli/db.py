"""SQLite plumbing shared by the disposable cache and the user's own data: connections,
transactions, and schema migrations as an ordered list of small functions."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from solomo_cli.errors import StoreError

Migration = Callable[[sqlite3.Connection], None]


def connect(path: Path, *, private: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) a database in WAL mode with a busy timeout.

    `private` files and their directory are created readable by their owner only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
        if private:
            # Create the file 0600 before SQLite does (its -wal/-shm files copy this mode).
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
            if os.name == "posix" and (path.stat().st_mode & 0o077):
                os.chmod(path, 0o600)
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        _set_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(
            f"cannot open {path}: {exc}",
            hint="check that the directory is writable (solomo paths shows where files live)",
        ) from exc
    return conn


def _set_wal(conn: sqlite3.Connection, attempts: int = 100) -> None:
    """Switch to WAL. SQLite answers "database is locked" at once, without its busy handler,
    when another process switches a new file at the same moment: wait and try again."""
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """All writes inside are one transaction; the write lock is taken at once (no upgrade
    deadlock between concurrent writers)."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise StoreError(f"the local store is busy or unwritable: {exc}") from exc
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"could not save to the local store: {exc}") from exc


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several `;`-separated statements inside the current transaction.

    (`Connection.executescript` would COMMIT first, breaking a migration's atomicity.)"""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> int:
    """Apply, in order and each in its own transaction, the migrations not yet recorded.

    Returns how many ran. A migration is identified by its function name, so new ones are
    appended to the list and old ones are never edited."""
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"the local store is unreadable: {exc}",
            hint="it may be damaged; for the cache, 'solomo cache clear' rebuilds it",
        ) from exc
    ran = 0
    for func in migrations:
        if func.__name__ in done:
            continue
        with transaction(conn):
            # Another process may have applied it since we looked (two first runs at once).
            applied = "SELECT 1 FROM _migrations WHERE name = ?"
            if conn.execute(applied, (func.__name__,)).fetchone():
                continue
            func(conn)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, datetime('now'))",
                (func.__name__,),
            )
        ran += 1
    return ran
