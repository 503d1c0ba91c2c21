"""`solomo backup`: a consistent, checked, private copy of the user-data file."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

from solomo_cli import db
from solomo_cli.errors import StoreError, UsageError
from solomo_cli.mydata.base import refuse_empty


def backup(source: Path, target: Path, *, overwrite: bool = False) -> dict[str, int]:
    """A consistent copy of the user-data file made with SQLite's backup API (safe while other
    solomo processes write), checked, then renamed into place; readable by its owner only.

    Returns the row counts of the copy."""
    if not source.exists():
        raise UsageError(
            "there is no user data to back up yet", hint="solomo paths shows where it would be"
        )
    from solomo_cli.formats.files import check_target

    target = Path(target)
    parent = check_target(target, overwrite=overwrite)
    tmp = parent / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from exc
    src = dst = None
    try:
        refuse_empty(source)
        # Read-only: a copy can be made off a read-only file, folder or full disk.
        src = db.connect_readonly(source)
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
