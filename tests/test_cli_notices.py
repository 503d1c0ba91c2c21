"""What a command says on stderr while it works, when stderr is not a terminal (a pipe, a log):
nothing routine, but one line for every wait, so a script's user knows why it is slow."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from clitools import LYON_POINT, assert_one_error, invoke
from fakeservers import FakeServices, nominatim_result, overpass_error_page

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


NEXT = "; trying the next Overpass server"


@pytest.mark.parametrize(
    ("mode", "times", "says"),
    [
        ("remark", 1, "could not complete the query: runtime error: Query timed out"),
        ("html", 1, "sent an HTML page instead of data"),
        ("504", 4, "answered HTTP 504"),  # the first server's retries run out
        ("truncated", 1, "sent a truncated or invalid JSON answer"),
    ],
)
def test_every_move_to_the_next_server_is_one_line(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch, mode: str, times: int, says: str
) -> None:
    second = f"{fast.overpass_url}?mirror=2"
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", f"{fast.overpass_url},{second}")
    fast.fail_next(mode, times=times, retry_after=0)
    result = invoke(["near", LYON_POINT, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    moves = [line for line in result.stderr.splitlines() if line.endswith(NEXT)]
    assert len(moves) == 1, result.stderr
    assert moves[0].startswith("solomo: Overpass at 127.0.0.1") and says in moves[0]
    assert [p["name"] for p in json.loads(result.stdout)] == ["Smooth"]
    assert fast.pending_failures == 0


def test_the_installed_command_says_it_moves_on_through_a_pipe(
    fast: FakeServices, solomo_home: Path
) -> None:
    import os
    import subprocess

    from clitools import solomo_command

    fast.fail_next("remark")
    env = {
        **os.environ,
        "SOLOMO_HOME": str(solomo_home),
        "SOLOMO_OVERPASS_URL": f"{fast.overpass_url},{fast.overpass_url}?mirror=2",
    }
    done = subprocess.run(
        [*solomo_command(), "sync", LYON_POINT, "--radius", "1km"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    (line,) = done.stderr.splitlines()
    assert "could not complete the query" in line and line.endswith(NEXT)


def test_waits_come_before_the_error_when_it_never_answers(fast: FakeServices) -> None:
    fast.fail_next("429", times=10, retry_after=0)
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 4
    lines = result.stderr.splitlines()
    assert lines[:3] == [BUSY] * 3  # MAX_RETRIES waits, then the error and its hint
    assert lines[3].startswith("solomo: error: Overpass at 127.0.0.1")
    assert len(lines) == 5


# -- nothing from outside reaches the terminal as control codes, or is read as Rich markup ------

# ESC sequences (colour, screen clear, an OSC 8 hyperlink), BEL, C1 controls, bidi overrides
# and isolates, zero-width characters: none may reach stdout or stderr.
HOSTILE = (
    "\x1b[31mred\x1b[0m \x1b[2J \x1b]8;;http://evil.example/\x07link\x1b]8;;\x07 \x07\x9b31m"
    "\x85 \u202eRTL\u202c \u2066iso\u2069 zero\u200bwidth"
)
MARKUP = "[bold]B[/bold] [/] [link=http://x]L[/link]"
SHOWN_MARKUP = MARKUP[:18]  # what a message echoing it keeps: values are cut to 60 characters
FORBIDDEN = ["\x1b", "\x07", "\x9b", "\x85", "\u202e", "\u202c", "\u2066", "\u2069", "\u200b"]


def assert_clean(*streams: str) -> None:
    for stream in streams:
        found = [repr(c) for c in FORBIDDEN if c in stream]
        assert not found, (found, stream)


def test_hostile_place_names_are_shown_as_text(fast: FakeServices) -> None:
    fast.add_elements(
        [
            {
                "type": "node",
                "id": 2,
                "lat": 45.7501,
                "lon": 4.8501,
                "tags": {
                    "office": "coworking",
                    "name": f"Evil {HOSTILE} {MARKUP}",
                    "addr:street": f"Rue {MARKUP}",
                    "website": f"https://{HOSTILE}.example/",
                },
            }
        ]
    )
    result = invoke(["near", LYON_POINT], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.stderr
    assert_clean(result.stdout, result.stderr)
    assert f"Rue {MARKUP}" in result.stdout  # shown, not interpreted
    assert MARKUP in result.stdout.split("Evil", 1)[1].splitlines()[0]
    assert "Smooth" in result.stdout


def test_hostile_place_argument_is_cleaned_when_echoed(fast: FakeServices) -> None:
    argument = f"Atlantis {HOSTILE} {MARKUP}"
    result = invoke(["near", argument])
    assert result.exit_code == 3
    assert_clean(result.stdout, result.stderr)
    assert SHOWN_MARKUP in result.stderr
    assert result.stderr.startswith("solomo: error: no place called 'Atlantis ")


def test_hostile_geocoder_answer_is_cleaned_when_echoed(fast: FakeServices) -> None:
    fast.set_geocode(
        "Lyon",
        [
            nominatim_result("Lyon", 45.75, 4.85, display_name=f"Lyon {HOSTILE} {MARKUP}"),
            nominatim_result("Lyon", 45.0, 4.0, display_name=f"Other {HOSTILE}"),
        ],
    )
    result = invoke(["near", "Lyon", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert_clean(result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("solomo: 'Lyon' understood as Lyon red")
    assert lines[0].endswith(MARKUP)
    assert lines[1].startswith("solomo: 1 other place matches 'Lyon'")


def test_hostile_server_error_page_is_one_clean_line(fast: FakeServices) -> None:
    fast.fail_next("html", body=overpass_error_page(f"{HOSTILE} {MARKUP}"))
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 4
    assert_clean(result.stdout, result.stderr)
    assert "[/] [link=http://x]L[/link]" in result.stderr
    assert_one_error(result.stderr, "sent an HTML page")


def test_hostile_unknown_option_is_cleaned(fast: FakeServices) -> None:
    result = invoke(["near", "Lyon", f"--bogus{HOSTILE}"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert_clean(result.stderr)
    assert_one_error(result.stderr, "no such option: --bogus", "usage: solomo near")


def test_hostile_output_path_is_cleaned(fast: FakeServices, tmp_path: Path) -> None:
    target = tmp_path / "out\x1b[2J\u202e[bold]B[link=x].json"
    result = invoke(["near", LYON_POINT, "--format", "json", "--output", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.is_file()
    assert_clean(result.stderr)
    assert result.stderr.startswith("Wrote ") and "[bold]B[link=x]" in result.stderr


def test_spinner_messages_are_text_not_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal, notices go to the spinner: a server's "[/]" must not raise MarkupError,
    and "[link=…]" must not become a hyperlink (the real-terminal run is in test_pty.py)."""
    import io

    from rich.console import Console

    from solomo_cli.cli import console as cli_console

    out = io.StringIO()
    terminal = Console(file=out, force_terminal=True, width=100, markup=False, highlight=False)
    monkeypatch.setattr(cli_console, "err_console", lambda: terminal)
    with cli_console.progress() as notify:
        notify(f"Overpass said: {MARKUP} {HOSTILE}", waiting=True)
        notify("[/]")
    text = out.getvalue()
    assert "\x1b]8;" not in text  # no OSC 8 hyperlink
    assert "\u202e" not in text and "\x07" not in text


@pytest.mark.parametrize(
    "args",
    [
        ["show", f"nowhere {HOSTILE} {MARKUP}"],
        ["visit", f"nowhere {HOSTILE} {MARKUP}"],
        ["contact", "show", f"nobody {HOSTILE} {MARKUP}"],
        ["contact", "forget", f"nobody {HOSTILE} {MARKUP}", "--yes"],
    ],
)
def test_hostile_ref_or_name_in_an_error_is_cleaned(args: list[str]) -> None:
    result = invoke(args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert_clean(result.stderr)
    assert_one_error(result.stderr, SHOWN_MARKUP)
