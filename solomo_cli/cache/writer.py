"""A big answer's SQLite work in a second process: this one reads the places (Python, one
core), the writer derives their signals, upserts them and builds the indexes (another core),
in the one transaction of cache.store.write_fetch. Whenever the writer falls behind (this
process waited to send it a batch), this one derives the next batch's signals itself: the two
share the work at the pace of the slower, whichever that is on the machine.

The writer runs in its own session (a Ctrl-C in the terminal reaches only this process, which
then closes the pipe), and rolls back unless it was told the answer ended: if this process
dies, its pipe closes and nothing of the answer is stored."""

from __future__ import annotations

import gc
import pickle
import queue
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from solomo_cli import db
from solomo_cli.cache.store import (
    Fetch,
    WriteLimits,
    _completed,
    _full_rows,
    _plain_row,
    write_fetch,
)
from solomo_cli.errors import StoreError
from solomo_cli.model import Place

_LENGTH = struct.Struct("<Q")
# The writer's program: `python -c` puts the current folder first on sys.path, where a file
# named like a module (json.py, a checkout's solomo_cli) would be imported instead; it is
# taken off again (Python 3.11's -P, or PYTHONSAFEPATH, leave it off from the start).
_PROGRAM = (
    "import sys\n"
    "if not getattr(sys.flags, 'safe_path', False):\n"
    "    del sys.path[0]\n"
    "from solomo_cli.cache.writer import main\n"
    "main()\n"
)


class NoWriter(Exception):
    """The writer process could not be started: the caller writes the answer itself."""


_STOP_S = 60.0  # a writer told to stop rolls back in far less: beyond this it is killed


class _Ended(Exception):
    """The pipe closed before the answer's end: the writer rolls back."""


def _send(out: IO[bytes], message: tuple[Any, ...]) -> float:
    """Send a message; returns the seconds spent waiting for the pipe to take it."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    start = time.perf_counter()
    out.write(_LENGTH.pack(len(data)))
    out.write(data)
    return time.perf_counter() - start


def _receive(source: IO[bytes]) -> tuple[Any, ...] | None:
    """The next message, or None when the pipe closed (at a message's edge or midway)."""
    head = source.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = source.read(size)
    if len(data) < size:
        return None
    message: tuple[Any, ...] = pickle.loads(data)  # from this program's own parent
    return message


# A send that waits longer than this found the writer's read-ahead full: the writer is behind.
# (A batch the writer reads on time passes the pipe in about a millisecond; one it is behind
# on waits until it has written a batch, tens of milliseconds.)
_BEHIND_S = 0.005


def write_elsewhere(
    path: Path,
    fetch: Fetch,
    batches: Iterable[list[Place]],
    osm_base: Callable[[], str | None],
    limits: WriteLimits,
) -> int:
    """write_fetch in a writer process, fed with `batches` of places as they come; returns
    the rows written. Whatever `batches` raises, the writer rolls back before it is raised here.
    Raises NoWriter, before reading any batch, when no process can be started."""
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _PROGRAM],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except (OSError, ValueError) as exc:  # no interpreter to start (an embedded Python)
        raise NoWriter(str(exc)) from exc
    assert proc.stdin is not None and proc.stdout is not None
    try:
        try:
            _send(proc.stdin, ("open", str(path), fetch, limits))
            at, behind = fetch.fetched_at, False
            for places in batches:
                if behind:  # its signals derived here: the writer only stores them
                    message = ("full", _full_rows(places, at))
                else:
                    message = ("plain", [_plain_row(place, at) for place in places])
                behind = _send(proc.stdin, message) > _BEHIND_S
            _send(proc.stdin, ("end", osm_base()))
            proc.stdin.close()
        except BrokenPipeError:
            pass  # the writer stopped: its answer says why
        answer = _receive(proc.stdout)
    except BaseException:
        _stop(proc)
        raise
    proc.wait()
    if answer is not None and answer[0] == "ok":
        return int(answer[1])
    if answer is not None and answer[0] == "sqlite":
        raise sqlite3.DatabaseError(answer[1])  # as if met here (Cache's _reports_damage)
    if answer is not None and answer[0] == "store":
        raise StoreError(answer[1], hint=answer[2])
    if answer is None and proc.returncode < 0:  # killed (the out-of-memory killer, a kill)
        raise StoreError(
            f"the cache's writer process was stopped (signal {-proc.returncode}): "
            "nothing of this answer was stored",
            hint="run the same sync again",
        )
    raise RuntimeError(f"the cache writer failed: {answer[1] if answer else 'no answer'}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Close the writer's input (it rolls back) and wait until it has."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(_STOP_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


_AHEAD = 16  # batches read ahead of the one being written (a few MB): memory stays flat


def _read_ahead(source: IO[bytes]) -> Callable[[], tuple[Any, ...] | None]:
    """The messages on `source` as `_receive` gives them, read by a thread up to _AHEAD
    ahead: while SQLite writes a batch, the pipe is read on, so the parent deriving the next
    batches is not held up by a full pipe (a big sync is two processes at their own pace)."""
    waiting: queue.Queue[tuple[Any, ...] | BaseException | None] = queue.Queue(_AHEAD)

    def read() -> None:
        while True:
            try:
                message = _receive(source)
            except BaseException as exc:  # noqa: BLE001  (raised again in the main thread)
                waiting.put(exc)
                return
            waiting.put(message)
            if message is None or message[0] == "end":
                return

    threading.Thread(target=read, name="solomo-writer-read", daemon=True).start()

    def next_message() -> tuple[Any, ...] | None:
        message = waiting.get()
        if isinstance(message, BaseException):
            raise message
        return message

    return next_message


def main() -> None:
    """The writer process: messages on stdin, one answer on stdout."""
    source, out = sys.stdin.buffer, sys.stdout.buffer
    gc.disable()  # rows hold no cycles (as in Cache.save_fetch)
    opened = _receive(source)
    if opened is None or opened[0] != "open":
        return
    _, path, fetch, limits = opened
    ended: list[str | None] = []
    receive = _read_ahead(source)

    def batches() -> Iterator[list[tuple[Any, ...]]]:
        while True:
            message = receive()
            if message is None:
                raise _Ended
            if message[0] == "end":
                ended.append(message[1])
                return
            yield message[1] if message[0] == "full" else _completed(message[1])

    answer: tuple[Any, ...]
    try:
        conn = db.connect(Path(path), private=True)
        conn.execute(f"PRAGMA cache_size = {-int(limits.cache_kb)}")
        count = write_fetch(conn, fetch, batches(), lambda: ended[0], limits)
        conn.close()
        answer = ("ok", count)
    except _Ended:
        return
    except sqlite3.Error as exc:
        answer = ("sqlite", str(exc))
    except StoreError as exc:
        answer = ("store", exc.message, exc.hint)
    except Exception as exc:  # noqa: BLE001  (a bug: the parent raises it)
        answer = ("bug", repr(exc))
    _send(out, answer)
    out.flush()
