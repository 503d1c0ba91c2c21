"""One listing per terminal: ranks refer to the last listing made in this terminal session,
so that `near` in another terminal, or in a script on a pipe, does not change what `show 2`
means here. Real ptys (kept open for the whole test, as a terminal is) run the installed
`solomo` on a cache seeded with real Lyon data."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clitools import LYON, assert_one_error, invoke, solomo_command

from solomo_cli.cache.store import Cache
from solomo_cli.config import get_paths
from solomo_cli.sources.osm import element_to_place

NEAR = ["near", "45.74906,4.84789", "--offline", "--radius", "2km", "--sort", "distance"]
ELSEWHERE = ["near", "45.7640,4.8357", "--offline", "--radius", "1km", "--sort", "distance"]


@pytest.fixture
def lyon_cache(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real Lyon coworking spaces in the cache, covered for 10 km; no listing yet, and no
    shared session: each terminal has its own."""
    monkeypatch.delenv("SOLOMO_SESSION")
    data = json.loads((shared_data / "overpass" / "lyon_coworking.json").read_text("utf-8"))
    places = [p for p in map(element_to_place, data["elements"]) if p is not None]
    cache = Cache(get_paths().cache_db)
    try:
        cache.save_fetch(places, *LYON, 10_000, ["coworking"], None, "test")
    finally:
        cache.close()
    return get_paths().cache_db


class Terminal:
    """A pty that stays open between commands, as a terminal window does."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.name = os.ttyname(self.slave)

    def run(self, *args: str, **env: str) -> tuple[int, str]:
        environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "200"}
        for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
            environment.pop(name, None)
        environment.update(env)
        process = subprocess.Popen(
            [*solomo_command(), *args],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            env=environment,
            close_fds=True,
        )
        shown = bytearray()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.1)[0]:
                shown += os.read(self.master, 65536)
            elif process.poll() is not None:
                if not select.select([self.master], [], [], 0.2)[0]:
                    break
        return process.wait(timeout=10), shown.decode("utf-8", "replace").replace("\r\n", "\n")

    def close(self) -> None:
        os.close(self.slave)
        os.close(self.master)


@pytest.fixture
def terminals() -> Iterator[tuple[Terminal, Terminal]]:
    here, there = Terminal(), Terminal()
    yield here, there
    here.close()
    there.close()


def on_a_pipe(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A script's run: no terminal at all."""
    environment = {**os.environ, **env}
    return subprocess.run(
        [*solomo_command(), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


def plain(shown: str) -> str:
    """What the terminal shows, without its colours and links."""
    return re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", shown)


def first_name(shown: str) -> str:
    """The name of the place `show` shows: the line after the listing it came from."""
    lines = [line for line in plain(shown).splitlines() if line.strip()]
    at = next(i for i, line in enumerate(lines) if line.startswith("#1 of your last search"))
    return lines[at + 1].split("  ")[0]


def test_near_elsewhere_does_not_change_what_a_rank_means_here(
    lyon_cache: Path, terminals: tuple[Terminal, Terminal]
) -> None:
    here, there = terminals
    assert here.run(*NEAR)[0] == 0
    status, shown_here = here.run("show", "1")
    assert status == 0, shown_here
    assert first_name(shown_here) == "Smooth"  # the nearest to Lyon's point (real data)
    assert there.run(*ELSEWHERE)[0] == 0  # another terminal, another search
    scripted = on_a_pipe(*ELSEWHERE, "--format", "json")  # a script, without a terminal
    assert scripted.returncode == 0, scripted.stderr
    status, again = here.run("show", "1")
    assert status == 0 and first_name(again) == "Smooth", again
    status, shown_there = there.run("show", "1")
    assert status == 0, shown_there
    assert first_name(shown_there) == json.loads(scripted.stdout)[0]["name"] != "Smooth"
    assert "#1 of your last search near 45.7640,4.8357, " in plain(shown_there)


def test_a_terminal_without_a_listing_is_told_to_search_here(
    lyon_cache: Path, terminals: tuple[Terminal, Terminal]
) -> None:
    here, there = terminals
    assert here.run(*NEAR)[0] == 0
    status, shown = there.run("visit", "2")
    assert status == 2, shown
    assert "no listing in this terminal to take #2 from" in shown
    assert "run 'solomo near PLACE' here first" in shown
    assert "Traceback" not in shown


def test_scripts_share_the_no_terminal_listing_or_the_one_they_name(lyon_cache: Path) -> None:
    assert on_a_pipe(*NEAR, "--format", "json").returncode == 0
    shown = on_a_pipe("show", "1", "--format", "json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["name"] == "Smooth"
    # SOLOMO_SESSION names a listing that several scripts share, apart from the others.
    named = on_a_pipe(*ELSEWHERE, SOLOMO_SESSION="trip")
    assert named.returncode == 0, named.stderr
    nearest = on_a_pipe("show", "1", "--format", "json", SOLOMO_SESSION="trip")
    assert json.loads(nearest.stdout)["name"] != "Smooth"
    assert json.loads(on_a_pipe("show", "1", "--format", "json").stdout)["name"] == "Smooth"
    missing = on_a_pipe("show", "1", SOLOMO_SESSION="other")
    assert missing.returncode == 2
    assert_one_error(missing.stderr, "no listing in this terminal", "solomo near")


def test_the_oldest_terminals_listings_are_forgotten(lyon_cache: Path) -> None:
    from solomo_cli.cache.store import MAX_LISTINGS
    from solomo_cli.search.near import Origin, remember_listing

    cache = Cache(lyon_cache)
    try:
        [smooth] = cache.find_places_by_name("Smooth")
        origin = Origin("Lyon", "Lyon, France", *LYON)
        for n in range(MAX_LISTINGS + 3):
            os.environ["SOLOMO_SESSION"] = f"t{n}"
            remember_listing(cache, origin, [smooth])
        del os.environ["SOLOMO_SESSION"]
        kept = {s for (s,) in cache.conn.execute("SELECT DISTINCT session FROM listing")}
        heads = {s for (s,) in cache.conn.execute("SELECT session FROM listings")}
    finally:
        os.environ.pop("SOLOMO_SESSION", None)
        cache.close()
    assert kept == heads and len(kept) == MAX_LISTINGS
    assert "env:t0" not in kept and f"env:t{MAX_LISTINGS + 2}" in kept


def test_a_listing_made_before_the_upgrade_is_the_no_terminal_one(lyon_cache: Path) -> None:
    """m010 moves the one global listing of older versions to the "no terminal" slot."""
    import sqlite3

    from solomo_cli import db
    from solomo_cli.cache import store

    path = lyon_cache.with_name("old.db")
    conn = sqlite3.connect(path)
    db.migrate(conn, store.MIGRATIONS[: store.MIGRATIONS.index(store.m010_listing_per_terminal)])
    conn.execute(
        "INSERT INTO listing VALUES (1, 'node/1', 'Old', 'coworking', 45.7, 4.8, '{}', NULL, NULL)"
    )
    head = {"origin": {"query": "Lyon", "label": "Lyon", "lat": 45.7, "lon": 4.8}, "count": 1}
    conn.execute("INSERT INTO state VALUES ('last_listing', ?)", (json.dumps(head),))
    conn.commit()
    conn.close()
    cache = Cache(path)  # opening it applies m010
    try:
        listing = cache.listing_head(session="")
        assert listing is not None and listing["origin"]["query"] == "Lyon"
        assert listing["count"] == 1
        place = cache.listed(rank=1, session="")
        assert place is not None and place.name == "Old"
        assert cache.get_state("last_listing") is None
    finally:
        cache.close()


def test_in_process_commands_share_the_listing_of_their_session() -> None:
    """The CLI run in-process (CliRunner) and the seeding helper see the same listing."""
    from clitools import coworking, seed_listing

    seed_listing([coworking("node/5", "Cinq", *LYON)])
    shown = invoke(["show", "1", "--format", "json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["name"] == "Cinq"
