"""Small helpers shared by the tests of `near`, `sync`, `paths` and `cache`."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from solomo_cli.cache.store import Cache
from solomo_cli.cli.app import app
from solomo_cli.config import get_paths
from solomo_cli.model import Place
from solomo_cli.search.near import Origin, remember_listing

LYON = (45.74906, 4.84789)  # the GeoNames point of Lyon
LYON_POINT = "45.74906,4.84789"  # the same, as the command line takes it
ESC = "\x1b"


def invoke(args: Sequence[str], env: dict[str, str] | None = None) -> Result:
    """Run the real Typer app in-process (stdout and stderr kept apart)."""
    return CliRunner().invoke(app, list(args), env=env)


def run_ok(*args: str) -> str:
    """Run the app, check that it succeeded, and give its stdout."""
    result = invoke(list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def write_config(text: str) -> None:
    """Write the config file of the test's SOLOMO_HOME."""
    path = get_paths().config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def assert_one_error(stderr: str, *fragments: str) -> str:
    """The CLI's error report: one `solomo: error: ...` line, optionally followed by one indented
    hint line, and no traceback. Informational `solomo: ...` lines (such as which place was
    understood) may come before it. Returns stderr for further checks."""
    lines = error_lines(stderr)
    assert "Traceback" not in stderr
    errors = [i for i, line in enumerate(lines) if line.startswith("solomo: error: ")]
    assert len(errors) == 1, lines
    before, after = lines[: errors[0]], lines[errors[0] + 1 :]
    assert all(line.startswith("solomo: ") for line in before), lines
    assert len(after) <= 1 and all(line.startswith("  ") for line in after), lines
    for fragment in fragments:
        assert fragment.lower() in stderr.lower(), (fragment, stderr)
    return stderr


def solomo_command() -> list[str]:
    """The installed `solomo` script beside this Python, else `python -m solomo_cli`."""
    beside = Path(sys.executable).parent / "solomo"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("solomo", path=str(Path(sys.executable).parent))
    if found:
        return [found]
    return [sys.executable, "-m", "solomo_cli"]


def coworking(
    osm_id: str, name: str, lat: float, lon: float, tags: dict[str, str] | None = None
) -> Place:
    """A coworking place as the cache holds it: `name` and `office=coworking` plus `tags`."""
    return Place(
        osm_id, name, "coworking", lat, lon, {"name": name, "office": "coworking", **(tags or {})}
    )


def seed_listing(places: Sequence[Place], radius_m: float = 5000) -> None:
    """Store `places` as fetched around Lyon, and as the last listing (`solomo near Lyon`)."""
    cache = Cache(get_paths().cache_db)
    try:
        cache.save_fetch(places, *LYON, radius_m, ["coworking"], None, "test")
        remember_listing(cache, Origin("Lyon", "Lyon, France", *LYON), list(places))
    finally:
        cache.close()


def clock_at(monkeypatch: pytest.MonkeyPatch, iso: str) -> None:
    """Set "now" for opening hours: listings, show and the hours memo share this clock."""
    from datetime import datetime

    from solomo_cli.search import hours

    monkeypatch.setattr(hours, "_utcnow", lambda: datetime.fromisoformat(iso))


def forget_hours_answers() -> None:
    """Empty the cache's hours memo, so that the next command evaluates hours itself."""
    cache = Cache(get_paths().cache_db)
    try:
        with cache.conn:
            cache.conn.execute("DELETE FROM hours_memo")
    finally:
        cache.close()


# Names the one matcher must fold (accents, a dash typed or not) or take literally (% and _).
LIBRARY_7E = Place(
    "node/1688212012",
    "Bibliothèque du 7e Guillotière",
    "library",
    45.7551,
    4.8429,
    {"name": "Bibliothèque du 7e Guillotière", "amenity": "library"},
)
HARRYCOW = coworking("node/9000", "HarryCow", 45.7600, 4.8500)
