"""Yesterday's data when the network fails: `near` answers from local data of any age that
covers the query, says the data's age and the failure on stderr, and exits 0; with nothing
local it fails with status 4 and names both ways out (--offline now, sync later)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from clitools import LYON_POINT, assert_one_error, invoke
from fakeservers import FakeServices

from solomo_cli.cache.store import Cache
from solomo_cli.config import get_paths

DAYS_OLD = 11
STALE = "solomo: the network failed ("
ANSWERED = f"); answering from local data of 2026-11-20 ({DAYS_OLD} days old)"
NEAR_JSON = ["near", LYON_POINT, "--format", "json"]


def age_the_store(days: float = DAYS_OLD) -> None:
    """Make every fetched area `days` older than it is (past the default fresh_days)."""
    cache = Cache(get_paths().cache_db)
    try:
        with cache.conn:
            cache.conn.execute("UPDATE coverage SET fetched_at = fetched_at - ?", (days * 86400,))
    finally:
        cache.close()


def set_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def stale(fast: FakeServices) -> FakeServices:
    """`fast`, with the area around Lyon fetched once and now 11 days old."""
    first = invoke(NEAR_JSON)
    assert first.exit_code == 0, first.stderr
    age_the_store()
    fast.reset_log()
    return fast


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/api/interpreter"


# Every failure mode of the loopback server (tests/fakeservers.py FAILURE_MODES), with enough
# repeats to outlast the retries, and what the failure line names.
FAILURES: list[tuple[str, int, dict[str, Any], str]] = [
    ("429", 4, {"retry_after": 0}, "answered HTTP 429"),
    ("503", 4, {"retry_after": 0}, "answered HTTP 503"),
    ("504", 4, {"retry_after": 0}, "answered HTTP 504"),
    ("remark", 1, {}, "could not complete the query"),
    ("html", 1, {}, "sent an HTML page instead of data"),
    ("truncated", 1, {}, "truncated or invalid JSON"),
    ("reset", 1, {}, "cannot reach Overpass"),
    ("slow", 1, {"delay": 3}, "did not answer within 1 s"),
    ("trickle", 1, {"interval": 0.3}, "did not answer within 1 s"),
    ("raw", 1, {"body": b"\x00garbage", "content_type": "text/plain"}, "Overpass at 127.0.0.1"),
    ("gzip", 1, {}, "Overpass at 127.0.0.1"),
    ("redirect", 1, {"location": "http://elsewhere.invalid/x"}, "not followed"),
]


@pytest.mark.parametrize(("mode", "times", "opts", "says"), FAILURES, ids=[f[0] for f in FAILURES])
def test_every_failure_answers_from_older_local_data(
    stale: FakeServices,
    solomo_home: Path,
    mode: str,
    times: int,
    opts: dict[str, Any],
    says: str,
) -> None:
    set_config(solomo_home, "deadline = 1\n")
    stale.fail_next(mode, times=times, **opts)
    result = invoke(NEAR_JSON)
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith(STALE)]
    assert len(lines) == 1, result.stderr
    assert says in lines[0] and lines[0].endswith(ANSWERED), lines[0]
    assert "Traceback" not in result.stderr
    assert stale.count("/api/interpreter") == times  # it asked, then answered locally
    offline = invoke([*NEAR_JSON, "--offline"])
    assert offline.exit_code == 0
    assert json.loads(result.stdout) == json.loads(offline.stdout)
    assert [p["name"] for p in json.loads(result.stdout)] == ["Smooth"]


def test_an_unreachable_server_answers_from_older_local_data(
    stale: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", dead_url())
    result = invoke(NEAR_JSON)
    assert result.exit_code == 0, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(STALE + "cannot reach Overpass at 127.0.0.1") and line.endswith(ANSWERED)
    assert [p["name"] for p in json.loads(result.stdout)] == ["Smooth"]
    assert stale.count() == 0


def test_a_wifi_login_page_is_named_for_what_it_likely_is(stale: FakeServices) -> None:
    portal = "<html><head><title>Hotel Wi-Fi</title></head><body><h1>Log in</h1></body></html>"
    stale.fail_next("html", body=portal)
    result = invoke(NEAR_JSON)
    assert result.exit_code == 0, result.stderr
    (line,) = result.stderr.splitlines()
    assert "an HTML page instead of data (a Wi-Fi login page?)" in line
    assert line.endswith(ANSWERED)


def test_the_table_answers_too_and_its_title_says_the_age(stale: FakeServices) -> None:
    stale.fail_next("504", times=4, retry_after=0)
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 0, result.stderr
    assert "Smooth" in result.stdout
    assert f"data of 2026-11-20 ({DAYS_OLD} days old)" in " ".join(result.stdout.split())
    assert any(line.startswith(STALE) for line in result.stderr.splitlines())


def test_refresh_with_a_failing_network_falls_back_and_says_so(fast: FakeServices) -> None:
    assert invoke(NEAR_JSON).exit_code == 0  # fresh data
    fast.fail_next("remark")
    result = invoke([*NEAR_JSON, "--refresh"])
    assert result.exit_code == 0, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(STALE + "Overpass at 127.0.0.1:") and "could not complete" in line
    assert "answering from local data of 2026-11-20 (just fetched)" in line
    assert [p["name"] for p in json.loads(result.stdout)] == ["Smooth"]


def test_fresh_data_needs_no_network_and_says_nothing(stale: FakeServices) -> None:
    age_the_store(-DAYS_OLD)  # back to now
    stale.fail_next("504", times=4)
    result = invoke(NEAR_JSON)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert stale.count() == 0


@pytest.mark.parametrize(("mode", "times"), [("504", 4), ("html", 1), ("reset", 1)])
def test_nothing_local_is_status_4_naming_both_ways_out(
    fast: FakeServices, mode: str, times: int
) -> None:
    fast.fail_next(mode, times=times, retry_after=0)
    result = invoke(NEAR_JSON)
    assert result.exit_code == 4
    stderr = assert_one_error(result.stderr)
    hint = stderr.splitlines()[-1]
    assert hint.startswith("  ")
    assert "use --offline to answer from local data" in hint
    assert f"once the network is back, run: solomo sync {LYON_POINT} --radius 5km" in hint
    assert "--kind coworking" in hint
    assert STALE not in stderr


def test_other_kinds_than_the_stored_ones_are_not_answered(stale: FakeServices) -> None:
    stale.fail_next("504", times=4, retry_after=0)
    result = invoke([*NEAR_JSON, "--kind", "cafe"])
    assert result.exit_code == 4
    assert_one_error(result.stderr, "answered HTTP 504", "--kind cafe")


def test_sync_does_not_pretend_with_older_data(stale: FakeServices) -> None:
    stale.fail_next("504", times=4, retry_after=0)
    result = invoke(["sync", LYON_POINT, "--radius", "2km", "--kind", "coworking"])
    assert result.exit_code == 4
    assert_one_error(result.stderr, "answered HTTP 504")
    assert STALE not in result.stderr


def test_the_library_says_it_through_notify_and_the_result(stale: FakeServices) -> None:
    import solomo_cli

    said: list[str] = []

    def notify(message: str, *, waiting: bool = False) -> None:
        said.append(message)

    stale.fail_next("504", times=4, retry_after=0)
    result = solomo_cli.near(LYON_POINT, 2000, "coworking", notify=notify)
    assert [p.name for p in result.places] == ["Smooth"]
    assert result.network_failure is not None and "answered HTTP 504" in result.network_failure
    stale_lines = [m for m in said if m.startswith("the network failed (")]
    assert len(stale_lines) == 1 and stale_lines[0].endswith(ANSWERED[1:])
    assert result.data_time == "2026-11-20T10:00:00Z"


def test_a_fresh_answer_has_no_failure(fast: FakeServices) -> None:
    import solomo_cli

    result = solomo_cli.near(LYON_POINT, 2000, "coworking")
    assert result.network_failure is None
    assert [p.name for p in result.places] == ["Smooth"]
