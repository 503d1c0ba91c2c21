"""Every documented exit status, each with one plain line on stderr and no traceback
(a traceback only with --debug)."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest
from clitools import LYON_POINT, assert_one_error, invoke
from fakeservers import FakeServices
from typer.testing import Result

from solomo_cli.cli import console as cli
from solomo_cli.config import get_paths
from solomo_cli.errors import ExitStatus, Remedy, ServiceError
from solomo_cli.search import near as search


@pytest.fixture
def no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    """--debug sets a module-level flag: restore it after the test (the CLI runs in-process)."""
    monkeypatch.setitem(cli._state, "debug", False)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_documented_values() -> None:
    assert {s.name: int(s) for s in ExitStatus} == {
        "OK": 0,
        "ERROR": 1,
        "USAGE": 2,
        "NOT_FOUND": 3,
        "NETWORK": 4,
        "STORE": 5,
        "NO_DATA": 6,
        "DECLINED": 7,
        "INTERRUPTED": 130,
        "PIPE_CLOSED": 141,
    }


# -- 0 -------------------------------------------------------------------------------------------


def test_0_success(fast: FakeServices) -> None:
    result = invoke(["near", "45.75,4.85", "--format", "json"])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert '"Smooth"' in result.stdout


def test_0_empty_result_is_a_valid_answer(fast: FakeServices) -> None:
    result = invoke(["near", "10.0,10.0", "--format", "json"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"


# -- 2 usage ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["near", "Lyon", "--radius", "nope"],
        ["near", "Lyon", "--kind", "pub"],
        ["near", "95,4"],
        ["sync", "Lyon", "--radius", "99km"],
        ["sync", "Lyon", "--kind", "bar"],
    ],
)
def test_2_usage(fast: FakeServices, args: list[str]) -> None:
    result = invoke(args)
    assert result.exit_code == ExitStatus.USAGE == 2
    assert_one_error(result.stderr)
    assert fast.count() == 0


def test_2_bad_config_file(fast: FakeServices, solomo_home: Path) -> None:
    solomo_home.mkdir()
    (solomo_home / "config.toml").write_text("overpass_url = [unclosed\n")
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "not valid TOML")


# -- 3 not found ---------------------------------------------------------------------------------


def test_3_place_not_found(fast: FakeServices) -> None:
    result = invoke(["near", "Atlantis"])
    assert result.exit_code == ExitStatus.NOT_FOUND == 3
    assert result.stdout == ""
    assert_one_error(result.stderr, "no place called 'Atlantis'")


def test_3_place_not_found_by_sync(fast: FakeServices) -> None:
    result = invoke(["sync", "Atlantis", "--radius", "5km"])
    assert result.exit_code == 3
    assert_one_error(result.stderr, "Atlantis")


# -- 4 network ------------------------------------------------------------------------------------


def test_4_overpass_unreachable(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", f"http://127.0.0.1:{closed_port}/api/interpreter")
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == ExitStatus.NETWORK == 4
    assert_one_error(result.stderr, "cannot reach Overpass", "--offline")


def test_4_nominatim_unreachable(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("SOLOMO_NOMINATIM_URL", f"http://127.0.0.1:{closed_port}")
    result = invoke(["near", "Lyon"])
    assert result.exit_code == 4
    assert_one_error(result.stderr, "cannot reach Nominatim")


def test_4_gateway_timeout_forever(fast: FakeServices) -> None:
    fast.fail_next("504", times=20, retry_after=0)
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 4
    assert_one_error(result.stderr, "HTTP 504")
    assert fast.count("/api/interpreter") == 4  # bounded retries


def test_4_rate_limited_forever(fast: FakeServices) -> None:
    fast.fail_next("429", times=20, retry_after=0)
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 4
    assert_one_error(result.stderr, "HTTP 429", "try again")


def test_4_remark(fast: FakeServices) -> None:
    fast.fail_next("remark")
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 4
    assert_one_error(result.stderr, "could not complete the query", "--radius")
    fast.reset_log()
    # Nothing was stored: the same question goes to the network again (and now succeeds).
    assert invoke(["near", LYON_POINT]).exit_code == 0
    assert fast.count("/api/interpreter") == 1


@pytest.mark.parametrize("mode", ["html", "truncated", "reset"])
def test_4_garbage_answers(fast: FakeServices, mode: str) -> None:
    fast.fail_next(mode)
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 4
    assert_one_error(result.stderr, "Overpass")


# -- 5 store -------------------------------------------------------------------------------------


def test_5_home_is_a_file(fast: FakeServices, solomo_home: Path) -> None:
    solomo_home.write_text("not a directory\n")
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == ExitStatus.STORE == 5
    assert_one_error(result.stderr, "cannot open", "solomo paths")


def test_5_home_is_a_file_for_a_name(fast: FakeServices, solomo_home: Path) -> None:
    solomo_home.write_text("not a directory\n")
    result = invoke(["near", "Lyon"])
    assert result.exit_code == 5
    assert_one_error(result.stderr)


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write into a read-only directory"
)
def test_5_unwritable_home(fast: FakeServices, solomo_home: Path) -> None:
    solomo_home.mkdir()
    solomo_home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        result = invoke(["near", LYON_POINT])
    finally:
        solomo_home.chmod(stat.S_IRWXU)
    assert result.exit_code == 5
    assert_one_error(result.stderr, "writable")


def test_5_cache_file_is_a_directory(fast: FakeServices) -> None:
    get_paths().cache_db.mkdir(parents=True)
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 5
    assert_one_error(result.stderr, "cannot open")


def test_a_corrupt_cache_file_is_rebuilt(fast: FakeServices) -> None:
    # The cache is disposable: a file that is not a database is replaced (MYDATA, issue #9).
    cache_db = get_paths().cache_db
    cache_db.parent.mkdir(parents=True)
    cache_db.write_bytes(b"\x00garbage, not SQLite\x00" * 500)
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 0, result.stderr
    assert cache_db.read_bytes().startswith(b"SQLite format 3\x00")


# -- 6 offline without data ------------------------------------------------------------------------


@pytest.mark.parametrize("place", ["Lyon", LYON_POINT])
def test_6_offline_without_data(fast: FakeServices, place: str) -> None:
    result = invoke(["near", place, "--offline"])
    assert result.exit_code == ExitStatus.NO_DATA == 6
    assert_one_error(result.stderr, "solomo sync")
    assert fast.count() == 0


# -- 1 unexpected, and --debug ----------------------------------------------------------------


def boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("kaboom")


def near_where_the_search(raises: object, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    """`solomo [ARGS] near LYON_POINT` with the search replaced by `raises`."""
    monkeypatch.setattr(search, "run", raises)
    return invoke([*args, "near", LYON_POINT])


def test_1_unexpected_error_is_one_line(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch, no_debug: None
) -> None:
    result = near_where_the_search(boom, monkeypatch)
    assert result.exit_code == ExitStatus.ERROR == 1
    assert_one_error(result.stderr, "unexpected RuntimeError: kaboom", "--debug")


def test_debug_shows_the_traceback_of_a_bug(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch, no_debug: None
) -> None:
    result = near_where_the_search(boom, monkeypatch, "--debug")
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: kaboom" in result.stderr
    assert result.stderr.rstrip().splitlines()[-2].startswith("solomo: error: unexpected")


def test_debug_shows_the_traceback_of_an_error(fast: FakeServices, no_debug: None) -> None:
    result = invoke(["--debug", "near", "Atlantis"])
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert "PlaceNotFound" in result.stderr


def test_solomo_debug_variable_shows_the_traceback(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch, no_debug: None
) -> None:
    monkeypatch.setenv("SOLOMO_DEBUG", "1")
    result = invoke(["near", "Atlantis"])
    assert result.exit_code == 3
    assert "Traceback" in result.stderr


def test_no_traceback_without_debug(fast: FakeServices, no_debug: None) -> None:
    result = invoke(["near", "Atlantis"])
    assert "Traceback" not in result.stderr


# -- 6: the CLI names the command and flags that would fix it --------------------------------


def test_6_hint_is_the_sync_command(fast: FakeServices) -> None:
    result = invoke(["near", LYON_POINT, "--offline", "--kind", "coworking,library"])
    assert result.exit_code == 6
    assert result.stderr.splitlines()[1] == (
        f"  with a connection, run: solomo sync {LYON_POINT} --radius 5km --kind coworking,library"
    )


def test_6_hint_for_a_name_never_looked_up(fast: FakeServices) -> None:
    result = invoke(["near", "Nowhere Town", "--offline"])
    assert result.exit_code == 6
    assert result.stderr.splitlines()[1] == (
        "  with a connection, run: solomo sync 'Nowhere Town' --radius 10km"
        " (or give coordinates as LAT,LON)"
    )


# -- remedies: the core says what would help, the CLI names its own flag for it --------------


def unreachable(*args: object, **kwargs: object) -> None:
    raise ServiceError("cannot reach X", hint="check your connection", remedies=[Remedy.OFFLINE])


def test_a_remedy_becomes_this_commands_flag(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = near_where_the_search(unreachable, monkeypatch)
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "solomo: error: cannot reach X",
        "  check your connection, or use --offline to answer from local data",
    ]


def test_a_remedy_without_a_flag_here_is_not_offered(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "_sync", unreachable)
    result = invoke(["sync", LYON_POINT])  # sync has no --offline
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "solomo: error: cannot reach X",
        "  check your connection",
    ]


# -- 7 declined ----------------------------------------------------------------------------------


def test_7_declined_without_a_terminal_changes_nothing() -> None:
    assert invoke(["contact", "add", "Jeanne Martin"]).exit_code == 0
    result = invoke(["contact", "forget", "Jeanne Martin"])
    assert result.exit_code == ExitStatus.DECLINED == 7
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "solomo: Jeanne Martin kept: no terminal to confirm on (use --yes)"
    ]
    assert "Jeanne Martin" in invoke(["contact", "list", "--format", "csv"]).stdout


# -- 130 interrupted, 141 pipe closed ------------------------------------------------------------


def interrupted(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def test_130_interrupted(fast: FakeServices, monkeypatch: pytest.MonkeyPatch) -> None:
    result = near_where_the_search(interrupted, monkeypatch)
    assert result.exit_code == ExitStatus.INTERRUPTED == 130
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    assert result.stderr.strip().endswith("solomo: interrupted")


def pipe_closed(*args: object, **kwargs: object) -> None:
    raise BrokenPipeError(32, "Broken pipe")


def rich_pipe_closed(*args: object, **kwargs: object) -> None:
    """What Rich's Console.on_broken_pipe does: SystemExit(1) while handling the error."""
    try:
        raise BrokenPipeError(32, "Broken pipe")
    except BrokenPipeError:
        raise SystemExit(1) from None


@pytest.mark.parametrize("writer", [pipe_closed, rich_pipe_closed])
def test_141_pipe_closed_is_quiet(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch, writer: object
) -> None:
    result = near_where_the_search(writer, monkeypatch)
    assert result.exit_code == ExitStatus.PIPE_CLOSED == 141
    assert result.stderr == ""


def test_other_system_exits_are_kept(fast: FakeServices, monkeypatch: pytest.MonkeyPatch) -> None:
    def exits(*args: object, **kwargs: object) -> None:
        raise SystemExit(9)

    assert near_where_the_search(exits, monkeypatch).exit_code == 9


# -- 2: click's own usage errors, in the house format ----------------------------------------


def test_2_click_usage_error_is_one_line_and_a_usage_hint() -> None:
    result = invoke(["near", "Lyon", "--bogus"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "solomo: error: no such option: --bogus",
        "  Usage: solomo near [OPTIONS] [PLACE] (see --help)",
    ]


def test_2_no_command_shows_the_help_once() -> None:
    result = invoke([])
    assert result.exit_code == 2
    assert result.stdout.count("Usage: solomo") == 1
    assert result.stderr == ""
