"""End to end: the installed `solomo` command in a subprocess, against the loopback services."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from clitools import ESC, LYON_POINT, solomo_command
from fakeservers import LYON_DISPLAY_NAME, FakeServices

from solomo_cli import __version__


def run(
    *args: str, env: dict[str, str] | None = None, command: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        full_env.pop(var, None)
    return subprocess.run(
        [*(command or solomo_command()), *args],
        env=full_env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


@pytest.fixture
def lyon(lyon_services: FakeServices) -> FakeServices:
    return lyon_services


def test_the_installed_command_is_used() -> None:
    command = solomo_command()
    assert Path(command[0]).name == "solomo", "the `solomo` script is not installed beside Python"


def test_near_lyon_table(lyon: FakeServices) -> None:
    result = run("near", "Lyon")
    assert result.returncode == 0, result.stderr
    assert LYON_DISPLAY_NAME.split(",")[0] in result.stdout
    assert "La cordée - Jean Macé" in result.stdout
    assert "© OpenStreetMap contributors" in result.stdout
    assert ESC not in result.stdout  # a pipe is not a terminal
    assert (lyon.count("/search"), lyon.count("/api/interpreter")) == (1, 1)


def test_near_json(lyon: FakeServices) -> None:
    result = run("near", "Lyon", "--format", "json", "--sort", "distance", "--limit", "3")
    assert result.returncode == 0, result.stderr
    places = json.loads(result.stdout)
    assert [p["name"] for p in places] == ["Smooth", "La cordée - Jean Macé", "Supra cowork"]
    assert "understood as" in result.stderr


def test_python_dash_m_version() -> None:
    result = run("--version", command=[sys.executable, "-m", "solomo_cli"])
    assert result.returncode == 0
    assert result.stdout.strip() == f"solomo {__version__}"


def test_script_version() -> None:
    assert run("--version").stdout.strip() == f"solomo {__version__}"


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("near", "sync", "paths", "cache"):
        assert command in result.stdout


def test_paths(solomo_home: Path) -> None:
    result = run("paths")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"{solomo_home / 'config.toml'}" in lines[0]
    assert f"{solomo_home / 'data' / 'solomo.db'}" in result.stdout
    assert f"{solomo_home / 'cache' / 'cache.db'}" in result.stdout
    assert not solomo_home.exists()  # showing paths creates nothing


def test_cache_info_empty(solomo_home: Path) -> None:
    result = run("cache", "info")
    assert result.returncode == 0, result.stderr
    assert "empty" in result.stdout
    assert not (solomo_home / "cache" / "cache.db").exists()


def test_cache_info_after_a_search(lyon: FakeServices) -> None:
    assert run("near", "Lyon").returncode == 0
    result = run("cache", "info")
    assert result.returncode == 0, result.stderr
    info = dict(line.split(":", 1) for line in result.stdout.splitlines() if ":" in line)
    assert int(info["places"]) > 50
    assert int(info["areas"]) == 1
    assert int(info["geocodes"]) == 1
    assert "just fetched" in info["newest"]


def test_cache_clear_keeps_the_user_data(lyon: FakeServices, solomo_home: Path) -> None:
    assert run("near", "Lyon").returncode == 0
    user_db = solomo_home / "data" / "solomo.db"
    user_db.parent.mkdir(parents=True, exist_ok=True)
    if not user_db.exists():
        conn = sqlite3.connect(user_db)
        with conn:
            conn.execute("CREATE TABLE visits (place TEXT, note TEXT)")
            conn.execute("INSERT INTO visits VALUES ('node/1', 'quiet')")
        conn.close()
    before = user_db.read_bytes()

    result = run("cache", "clear")
    assert result.returncode == 0, result.stderr
    assert "untouched" in result.stdout
    assert not (solomo_home / "cache" / "cache.db").exists()
    assert user_db.read_bytes() == before
    assert "empty" in run("cache", "info").stdout


def test_cache_clear_when_empty() -> None:
    result = run("cache", "clear")
    assert result.returncode == 0
    assert "already empty" in result.stdout


def test_sync_then_offline(lyon: FakeServices) -> None:
    synced = run("sync", "Lyon", "--radius", "20km")
    assert synced.returncode == 0, synced.stderr
    assert "fetched" in synced.stdout
    lyon.stop()  # no network from here on
    result = run("near", "Lyon", "--offline", "--kind", "all")
    assert result.returncode == 0, result.stderr
    assert "Smooth" in result.stdout
    assert "just fetched" in result.stdout  # how old the data is


def test_offline_without_data_exit_status() -> None:
    result = run("near", LYON_POINT, "--offline")
    assert result.returncode == 6
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("solomo: error: ") and "solomo sync" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_option_exit_status() -> None:
    result = run("near", "Lyon", "--radius", "far")
    assert result.returncode == 2
    assert result.stderr.startswith("solomo: error: bad radius")
    assert "Traceback" not in result.stderr


def test_debug_traceback_in_a_real_process() -> None:
    result = run("--debug", "near", LYON_POINT, "--offline")
    assert result.returncode == 6
    assert "Traceback (most recent call last)" in result.stderr


def test_a_piped_near_says_why_it_waits(lyon: FakeServices) -> None:
    lyon.fail_next("429", retry_after=0)
    result = run("near", LYON_POINT, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["solomo: Overpass is busy (HTTP 429); retrying in 0 s"]
    assert len(json.loads(result.stdout)) > 0


def test_the_library_api_in_a_real_process(lyon: FakeServices) -> None:
    code = (
        "from solomo_cli import near\n"
        "result = near('45.75,4.85', 1500, 'coworking', sort='distance', limit=2)\n"
        "print([p.name for p in result.places], result.network_requests)\n"
    )
    result = run("-c", code, command=[sys.executable])
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['Smooth', 'La cordée - Jean Macé'] 1\n"
    assert result.stderr == ""
