"""Compiled modules load whole when Ctrl-C comes in the middle of their import (native.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from solomo_cli import native

# Sends SIGINT at the moment opening_hours_py (pyo3) imports `logging` while it starts: a plain
# `import opening_hours` then dies of a Rust panic (a crash, exit status 1), not of an
# interruption.
INTERRUPT_DURING_START = textwrap.dedent(
    """
    import os, signal, sys

    # Ctrl-C as in a terminal, even when this runs from a background job (which ignores it).
    signal.signal(signal.SIGINT, signal.default_int_handler)

    class InterruptOnLogging:
        def find_spec(self, name, path, target=None):
            if name == "logging":
                os.kill(os.getpid(), signal.SIGINT)
            return None

    sys.meta_path.insert(0, InterruptOnLogging())
    from solomo_cli import native
    try:
        native.preload("opening_hours")
    except KeyboardInterrupt:
        import opening_hours
        print("interrupted after the load:", callable(opening_hours.OpeningHours))
        sys.exit(130)
    print("not interrupted")
    """
)


def test_an_interrupt_while_opening_hours_starts_is_an_interruption_not_a_crash() -> None:
    run = subprocess.run(
        [sys.executable, "-c", INTERRUPT_DURING_START],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "PanicException" not in run.stderr
    assert run.stdout.strip() == "interrupted after the load: True"
    assert run.returncode == 130


def test_preload_imports_the_whole_module_then_raises_the_held_interrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "slow_start.py").write_text(
        "import os, signal\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "steps = [sum(range(1000)) for _ in range(50)]\n"  # bytecode after the signal
        "finished = True\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_start", raising=False)
    # Ctrl-C as Python handles it from a terminal (a background job starts with it ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            native.preload("slow_start")
        assert sys.modules["slow_start"].finished is True
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_the_held_interrupt_goes_to_the_handler_that_was_in_place() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        with native.interrupts_held():
            os.kill(os.getpid(), signal.SIGINT)
            assert seen == []
        assert seen == [signal.SIGINT]
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with native.interrupts_held():
            os.kill(os.getpid(), signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_module_already_loaded_is_not_imported_again(monkeypatch: pytest.MonkeyPatch) -> None:
    marker = object()
    monkeypatch.setitem(sys.modules, "solomo_test_loaded", marker)  # type: ignore[arg-type]
    native.preload("solomo_test_loaded")
    assert sys.modules["solomo_test_loaded"] is marker
