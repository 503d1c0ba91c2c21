"""Writing files safely: to a temporary file beside the target, then an atomic rename; never
over solomo's own databases, nor over anything that is not a regular file."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from solomo_cli.errors import Remedy, UsageError


class TargetExists(UsageError):
    """The target exists and replacing it was not allowed (the CLI says how to allow it)."""


def own_files() -> list[Path]:
    """solomo's databases, their SQLite companions and its config file: never to be replaced
    by an output."""
    from solomo_cli.config import get_paths

    paths = get_paths()
    return [paths.config_file] + [
        Path(f"{db}{suffix}")
        for db in (paths.user_db, paths.cache_db)
        for suffix in ("", "-wal", "-shm", "-journal")
    ]


def check_target(path: Path, *, overwrite: bool = False) -> Path:
    """Refuse a target that must not be written; returns the folder it goes in.

    An existing target is replaced only with `overwrite`, and only if it is a regular file
    that is none of solomo's own files (a device, FIFO, folder or symbolic link is never
    replaced: the rename would put the file where the link was, not where it points)."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise UsageError(f"{path} is a symbolic link: give the file itself, or - for stdout")
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{path} is a directory", hint="give a file name")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{path} is not a regular file", hint="give a file name")
    if any(_same(path, own) for own in own_files()):  # even absent: a -wal would be read
        raise UsageError(f"{path} is one of solomo's own data files", hint="choose another name")
    if info is not None and not overwrite:
        raise TargetExists(
            f"{path} already exists", hint="choose another name", remedies=[Remedy.OVERWRITE]
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: the folder {parent} does not exist")
    return parent


def _same(path: Path, other: Path) -> bool:
    try:
        if path.resolve() == other.resolve():
            return True
        return os.path.samefile(path, other)
    except (OSError, RuntimeError):
        return False


@contextmanager
def atomic_writer(path: Path, *, overwrite: bool = False, mode: int = 0o600) -> Iterator[IO[str]]:
    """A text file to write to; it replaces `path` at once when the block ends without error,
    and is removed otherwise (no half-written file is ever left)."""
    path = Path(path)
    parent = check_target(path, overwrite=overwrite)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
        raise
