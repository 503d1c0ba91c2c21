"""The installed `solomo` under a real terminal (a pty) and through real shell pipes: the
spinner, the confirmation prompt, and a reader that closes the pipe early."""

from __future__ import annotations

import fcntl
import os
import select
import shlex
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest
from clitools import LYON_POINT, solomo_command
from fakeservers import FakeServices, overpass_error_page

from solomo_cli.errors import ExitStatus

HOSTILE_PAGE = overpass_error_page("[/] [link=http://x]click me[/link] [bold]busy")


def environment(**extra: str) -> dict[str, str]:
    env = {**os.environ, "TERM": "xterm-256color", **extra}
    for var in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(var, None)
    return env


def on_a_terminal(
    *args: str, answer: bytes = b"", stdout_too: bool = True, timeout: float = 60
) -> tuple[int, str, str]:
    """Run solomo with stdin and stderr (and stdout, if `stdout_too`) on a new pty, 120 columns
    wide; type `answer`. Returns (status, what the terminal showed, stdout if it was a pipe)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [*solomo_command(), *args],
        stdin=slave,
        stdout=slave if stdout_too else subprocess.PIPE,
        stderr=slave,
        env=environment(),
        close_fds=True,
    )
    os.close(slave)
    if answer:
        os.write(master, answer)
    shown = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every end of the pty's other side is closed
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None and not select.select([master], [], [], 0.2)[0]:
            break
    os.close(master)
    stdout = process.stdout.read().decode() if process.stdout else ""
    status = process.wait(timeout=10)
    return status, shown.decode("utf-8", "replace"), stdout


# -- the spinner -----------------------------------------------------------------------------


def test_spinner_survives_a_hostile_error_page_and_tries_the_next_server(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same fake under two names: the first server sends the HTML page, the next the data.
    second = fast.overpass_url.replace("127.0.0.1", "localhost")
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", f"{fast.overpass_url},{second}")
    fast.fail_next("html", body=HOSTILE_PAGE)
    status, shown, _ = on_a_terminal("near", LYON_POINT)
    assert status == 0, shown
    assert "Smooth" in shown and "© OpenStreetMap contributors" in shown
    assert "Traceback" not in shown and "MarkupError" not in shown and "unexpected" not in shown
    # "[link=…]" made no hyperlink (the only links are the table's own, to OpenStreetMap).
    assert ";http://x\x1b" not in shown and "]8;id=" in shown
    assert fast.count("/api/interpreter") == 2
    # The move to the next server stays on the screen, not only in the passing spinner.
    assert "sent an HTML page instead of data" in shown
    assert "; trying the next Overpass server" in shown


def test_a_hostile_error_page_on_the_only_server_is_one_error_line(fast: FakeServices) -> None:
    fast.fail_next("html", body=HOSTILE_PAGE)
    status, shown, _ = on_a_terminal("near", LYON_POINT)
    assert status == ExitStatus.NETWORK
    assert "solomo: error: Overpass at 127.0.0.1" in shown
    assert "[/] [link=http://x]click me[/link] [bold]busy" in shown  # as text
    assert "\x1b]8;" not in shown and "Traceback" not in shown


# -- the confirmation ------------------------------------------------------------------------


@pytest.fixture
def jeanne() -> None:
    added = subprocess.run(
        [*solomo_command(), "contact", "add", "Jeanne Martin"],
        capture_output=True,
        env=environment(),
        timeout=60,
    )
    assert added.returncode == 0, added.stderr


def contacts() -> str:
    listed = subprocess.run(
        [*solomo_command(), "contact", "list", "--format", "csv"],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
    )
    return listed.stdout


def test_confirmed_on_the_terminal(jeanne: None) -> None:
    status, shown, stdout = on_a_terminal(
        "contact", "forget", "Jeanne Martin", answer=b"y\n", stdout_too=False
    )
    assert status == 0, shown
    assert "Erase Jeanne Martin and 0 encounters for good? [y/N]" in shown
    assert stdout.startswith("Erased Jeanne Martin")
    assert "Jeanne Martin" not in contacts()


@pytest.mark.parametrize("answer", [b"n\n", b"\x04"])  # no, end of input
def test_declined_on_the_terminal(jeanne: None, answer: bytes) -> None:
    status, shown, stdout = on_a_terminal(
        "contact", "forget", "Jeanne Martin", answer=answer, stdout_too=False
    )
    assert status == ExitStatus.DECLINED == 7, shown
    assert stdout == ""  # the prompt and the message are on the terminal (stderr), not stdout
    assert shown.rstrip().endswith("solomo: Jeanne Martin kept: not confirmed")
    assert "Jeanne Martin" in contacts()


# -- a reader that closes the pipe -----------------------------------------------------------


def piped(command: str, reader: str, tmp_path: Path) -> tuple[int, str, str]:
    """`solomo COMMAND | READER` in a real shell; (solomo's status, its stderr, what READER
    printed)."""
    status_file, err_file = tmp_path / "status", tmp_path / "stderr"
    solomo = " ".join(shlex.quote(part) for part in solomo_command())
    script = (
        f"{solomo} {command} 2>{shlex.quote(str(err_file))} | {reader}; "
        f'echo "${{PIPESTATUS[0]}}" > {shlex.quote(str(status_file))}'
    )
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=environment(), timeout=60
    )
    return int(status_file.read_text()), err_file.read_text(), done.stdout


# The reader closes its end at once: solomo's first write meets a closed pipe.
CLOSED_AT_ONCE = "sh -c 'exec 0<&-'"
COMMANDS = [
    "paths",  # print()
    "log",  # a Rich console of the command's
    "near --help",  # typer's Rich console, while parsing
    f"near {LYON_POINT}",  # the table
    f"near {LYON_POINT} --format csv",  # sys.stdout.write
]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_closed_pipe_is_quiet(fast: FakeServices, tmp_path: Path, command: str) -> None:
    status, stderr, _ = piped(command, CLOSED_AT_ONCE, tmp_path)
    assert status == ExitStatus.PIPE_CLOSED == 141, stderr
    assert stderr == ""


@pytest.mark.parametrize(
    ("command", "first"),
    [
        ("paths", "config:"),
        (f"near {LYON_POINT} --format csv", "rank,id,name,kind"),
    ],
)
def test_head_1(fast: FakeServices, tmp_path: Path, command: str, first: str) -> None:
    status, stderr, stdout = piped(command, "head -1", tmp_path)
    # Whether solomo had written everything before head left is up to the scheduler.
    assert status in (ExitStatus.OK, ExitStatus.PIPE_CLOSED), stderr
    assert stderr == ""
    assert stdout.startswith(first) and stdout.count("\n") == 1
