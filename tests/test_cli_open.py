"""`solomo open REF [--site | --map | --directions]`, with BROWSER set to a script that writes
down the URL it was given; and `show`'s geo: URI and walking estimate."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from browsertools import record_browser
from clitools import LYON, assert_one_error, coworking, invoke, seed_listing, solomo_command

from solomo_cli.browser import directions_url
from solomo_cli.geo import walking_minutes

SITE = coworking("node/1", "Smooth", 45.7500, 4.8500, {"website": "https://smooth.example/"})
BARE = coworking("node/2", "Bare", 45.7510, 4.8510, {"website": "www.bare.example"})
NOSITE = coworking("way/3", "Plain", 45.7520, 4.8520)
EVIL = coworking("node/4", "Evil", 45.7530, 4.8530, {"website": "javascript:alert(1)"})


@pytest.fixture
def browser_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return record_browser(tmp_path, monkeypatch)


@pytest.fixture(autouse=True)
def listing() -> None:
    seed_listing([SITE, BARE, NOSITE, EVIL])


def opened(*args: str) -> tuple[str, str]:
    result = invoke(["open", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip(), result.stderr


@pytest.mark.parametrize(
    ("args", "url"),
    [
        (["Smooth"], "https://smooth.example/"),
        (["1", "--site"], "https://smooth.example/"),
        (["2"], "https://www.bare.example"),  # OSM's bare host, as https
        (["1", "--map"], "https://www.openstreetmap.org/node/1"),
        (["Plain"], "https://www.openstreetmap.org/way/3"),  # no website: its map page
        (["Evil"], "https://www.openstreetmap.org/node/4"),  # a website that is no web link
        (
            ["way/3", "--directions"],
            "https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot"
            f"&route={LYON[0]:.6f},{LYON[1]:.6f};45.752000,4.852000",
        ),
    ],
)
def test_open_prints_and_opens_the_url(args: list[str], url: str, browser_log: Path) -> None:
    stdout, _ = opened(*args)
    assert stdout == url
    assert browser_log.read_text().split() == [url]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["3", "--site"], "Plain has no website"),
        (["4", "--site"], "no http or https website"),
        (["1", "--site", "--map"], "choose one of"),
        (["99"], "99"),
    ],
)
def test_open_refuses_what_it_cannot_open(
    args: list[str], fragment: str, browser_log: Path
) -> None:
    result = invoke(["open", *args])
    assert result.exit_code == 2
    assert_one_error(result.stderr, fragment)
    assert not browser_log.exists()


def test_directions_need_a_search_point(browser_log: Path) -> None:
    from solomo_cli.cache.store import Cache
    from solomo_cli.config import get_paths

    assert invoke(["visit", "1"]).exit_code == 0  # known from your own data, after:
    cache = Cache(get_paths().cache_db)
    cache.clear()
    cache.close()
    result = invoke(["open", "node/1", "--directions"])
    assert result.exit_code == 2, result.stderr
    assert_one_error(result.stderr, "no search point", "solomo near")


def test_without_a_browser_the_url_is_still_given(tmp_path: Path) -> None:
    env = {"BROWSER": str(tmp_path / "nothing-here")}
    result = invoke(["open", "1"], env=env)
    assert result.exit_code == 2
    assert result.stdout.strip() == "https://smooth.example/"
    assert_one_error(result.stderr, "no browser could be opened for https://smooth.example/")


def test_the_installed_command_opens_through_browser(browser_log: Path) -> None:
    completed = subprocess.run(
        [*solomo_command(), "open", "1", "--map"], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert browser_log.read_text().split() == ["https://www.openstreetmap.org/node/1"]


def test_directions_url_is_the_osm_walking_route() -> None:
    assert directions_url((45.1, 4.2), (45.3, -4.4)) == (
        "https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot"
        "&route=45.100000,4.200000;45.300000,-4.400000"
    )


@pytest.mark.parametrize(("metres", "minutes"), [(0, 1), (100, 2), (1000, 16), (4800, 78)])
def test_walking_time_is_distance_times_detour_at_walking_pace(metres: float, minutes: int) -> None:
    assert walking_minutes(metres) == minutes


# -- show ------------------------------------------------------------------------------------


def test_show_prints_a_geo_uri_and_no_estimate_on_a_pipe() -> None:
    result = invoke(["show", "1"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    assert "geo:45.750000,4.850000" in result.stdout
    assert "on foot" not in result.stdout


def test_show_on_a_terminal_adds_the_walking_estimate() -> None:
    from test_pty import on_a_terminal

    status, shown, _ = on_a_terminal("show", "1")
    assert status == 0, shown
    from solomo_cli.geo import distance_m

    minutes = walking_minutes(distance_m(*LYON, 45.75, 4.85))
    assert f"about {minutes} min on foot (estimate)" in shown
    assert "geo:45.750000,4.850000" in shown
