"""Compiled extension modules (opening_hours_py, pyosmium), loaded with Ctrl-C held back.

A module built with pyo3 runs Python code while it starts (it imports ``logging``); a
KeyboardInterrupt raised there is not passed on but becomes a Rust panic
(``pyo3_runtime.PanicException``), a crash instead of an interruption. So the first import runs
with SIGINT only noted, and the interruption is raised once the module is whole.

Python runs its signal handlers in the main thread whichever thread the signal reaches, so
replacing the handler for the length of the import holds the interruption back even while a
progress bar's thread is running.
"""

from __future__ import annotations

import importlib
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


def preload(*names: str) -> None:
    """Import each named module not imported yet, Ctrl-C held back until all are loaded."""
    missing = [name for name in names if name not in sys.modules]
    if not missing:
        return
    with interrupts_held():
        for name in missing:
            importlib.import_module(name)


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Within the block a Ctrl-C (SIGINT) is only noted; it is raised as the block ends (as the
    handler that was in place would have raised it). Outside the main thread, where Python
    runs no signal handler, the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[tuple[int, FrameType | None]] = []

    def note(signum: int, frame: FrameType | None) -> None:
        caught.append((signum, frame))

    previous: Any = signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            _deliver(previous, *caught[0])


def _deliver(handler: Any, signum: int, frame: FrameType | None) -> None:
    if callable(handler):  # signal.default_int_handler raises KeyboardInterrupt
        handler(signum, frame)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)
    # SIG_IGN, or None (a handler not set from Python): nothing to deliver
