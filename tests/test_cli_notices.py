"""What a command says on stderr while it works, when stderr is not a terminal (a pipe, a log):
nothing routine, but one line for every wait, so a script's user knows why it is slow."""

from __future__ import annotations

import json
import socket

import pytest
from clitools import LYON_POINT, invoke
from fakeservers import FakeServices

BUSY = "solomo: Overpass is busy (HTTP 429); retrying in 0 s"


def test_routine_progress_is_not_printed(fast: FakeServices) -> None:
    result = invoke(["near", LYON_POINT, "--format", "json"])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert [p["name"] for p in json.loads(result.stdout)] == ["Smooth"]


def test_each_retry_wait_is_a_line(fast: FakeServices) -> None:
    fast.fail_next("429", times=2, retry_after=0)
    result = invoke(["near", LYON_POINT, "--format", "json"])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [BUSY, BUSY]
    assert [p["name"] for p in json.loads(result.stdout)] == ["Smooth"]


def test_a_switch_to_the_next_server_is_a_line(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/api/interpreter"
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", f"{dead},{fast.overpass_url}")
    result = invoke(["near", LYON_POINT, "--format", "json"])
    assert result.exit_code == 0
    (line,) = result.stderr.splitlines()
    assert line.startswith("solomo: cannot reach Overpass at 127.0.0.1")
    assert line.endswith("; trying the next Overpass server")
    assert fast.count("/api/interpreter") == 1


def test_waits_come_before_the_error_when_it_never_answers(fast: FakeServices) -> None:
    fast.fail_next("429", times=10, retry_after=0)
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 4
    lines = result.stderr.splitlines()
    assert lines[:3] == [BUSY] * 3  # MAX_RETRIES waits, then the error and its hint
    assert lines[3].startswith("solomo: error: Overpass at 127.0.0.1")
    assert len(lines) == 5
