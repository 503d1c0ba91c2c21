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


class Damaged(StoreError):
    """The file is not an SQLite database (garbage, truncated, or a schema solomo can't use)."""


def _is_damage(exc: sqlite3.Error) -> bool:
    # OperationalError covers "locked", "unable to open", "readonly"; the other DatabaseErrors
    # ("file is not a database", "database disk image is malformed") mean the bytes are wrong.
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


def connect(path: Path, *, private: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) a database in WAL mode with a busy timeout.

    `private` files are readable by their owner only, in a folder that is too."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
        if private and os.name == "posix":
            if path.parent.stat().st_mode & 0o077:
                os.chmod(path.parent, 0o700)
            # Create the file 0600 before SQLite does (its -wal/-shm files copy this mode).
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            _set_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error:
            conn.close()
            raise
    except sqlite3.Error as exc:
        if _is_damage(exc):
            raise Damaged(f"{path} is damaged: {exc}") from exc
        raise StoreError(
            f"cannot open {path}: {exc}",
            hint="check that the file and its folder are writable "
            "(solomo paths shows where files live)",
        ) from exc
    except OSError as exc:
        raise StoreError(
            f"cannot open {path}: {exc.strerror or exc}",
            hint="check that the file and its folder are writable "
            "(solomo paths shows where files live)",
        ) from exc
    return conn


def check_whole(path: Path) -> None:
    """Raise Damaged for a file that is not an SQLite database or is shorter than its header
    says (truncated); SQLite itself would only notice when it reads a missing page."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(100)
        size = path.stat().st_size
    except OSError:
        return  # missing, a folder, or unreadable: opening it says which
    if not head:
        return  # an empty file is an empty database
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        raise Damaged(f"{path} is not a database")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    # The page count is valid when the two counters agree; a WAL being checkpointed may grow
    # the file after its header: only a file without WAL is judged.
    if head[24:28] == head[92:96] and size < pages * page_size:
        if not Path(f"{path}-wal").exists():
            raise Damaged(f"{path} is truncated ({size} of {pages * page_size} bytes)")


def writable(path: Path) -> bool:
    """Whether SQLite can write the file and, for its WAL, create files beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open an existing database for reading only: nothing is created or changed.

    A file that cannot be written (0400, read-only folder or disk) and has no pending WAL is
    opened immutable, since SQLite could not create the -shm file a WAL reader needs."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    wal = Path(f"{path}-wal")
    if not writable(path) and not (wal.exists() and wal.stat().st_size):
        uri += "&immutable=1"
    try:
        conn = sqlite3.connect(
            uri, uri=True, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA busy_timeout = 30000")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path} to read it: {exc}") from exc
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


def pending(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> list[str]:
    """The names of the migrations not yet applied to this database (read only)."""
    try:
        done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        done = set()
    return [func.__name__ for func in migrations if func.__name__ not in done]


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
        if _is_damage(exc):
            raise Damaged(f"the local store is unreadable: {exc}") from exc
        raise StoreError(f"the local store is unreadable: {exc}") from exc
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
