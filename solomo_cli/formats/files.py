"""Writing files safely: to a temporary file beside the target, then an atomic rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from solomo_cli.errors import Remedy, UsageError


def atomic_write(
    path: Path, data: str | bytes, *, overwrite: bool = False, mode: int = 0o644
) -> None:
    """Write `data` to `path` all at once; never leave a half-written file behind.

    Refuses to replace an existing file unless `overwrite` (the CLI's --force)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise UsageError(
            f"{path} already exists", hint="choose another name", remedies=[Remedy.OVERWRITE]
        )
    if path.is_dir():
        raise UsageError(f"{path} is a directory", hint="give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: the folder {parent} does not exist")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
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
