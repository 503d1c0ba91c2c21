"""Shared fixtures: isolated SOLOMO_HOME, fake Overpass/Nominatim servers, shared real data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakeservers import LYON_DISPLAY_NAME, LYON_LAT, LYON_LON, FakeServices, nominatim_result

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LYON_OVERPASS_FILES = ("lyon_coworking.json", "lyon_libraries.json", "lyon_cafes.json")


@pytest.fixture(autouse=True)
def solomo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point SOLOMO_HOME at a fresh (not yet created) directory and drop other SOLOMO_* settings."""
    for name in list(os.environ):
        if name.startswith("SOLOMO_") and name != "SOLOMO_REQUIRE_SHARED_DATA":
            monkeypatch.delenv(name)
    # The GeoNames gazetteer would answer "Lyon" before the fake Nominatim: tests of the
    # Nominatim path keep it off; test_gazetteer.py turns it on.
    monkeypatch.setenv("SOLOMO_GAZETTEER", "off")
    # One listing slot for the whole test, whether pytest runs in a terminal or not, and
    # whatever a subprocess's stdin is; the pty tests of test_listing_terminal.py unset it.
    monkeypatch.setenv("SOLOMO_SESSION", "tests")
    home = tmp_path / "home"
    monkeypatch.setenv("SOLOMO_HOME", str(home))
    return home


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServices]:
    """A started FakeServices, with SOLOMO_OVERPASS_URL / SOLOMO_NOMINATIM_URL pointing at it."""
    with FakeServices() as fake:
        monkeypatch.setenv("SOLOMO_OVERPASS_URL", fake.overpass_url)
        monkeypatch.setenv("SOLOMO_NOMINATIM_URL", fake.nominatim_url)
        # Keep loopback traffic away from any HTTP proxy configured in the environment.
        for var in ("NO_PROXY", "no_proxy"):
            current = os.environ.get(var, "")
            monkeypatch.setenv(var, ",".join(filter(None, [current, "127.0.0.1", "localhost"])))
        yield fake
    assert not fake.errors, "the fake server raised:\n" + "\n".join(fake.errors)


@pytest.fixture
def shared_data() -> Path:
    """The real data folder ``../shared/data`` beside the project (read in place, never copied)."""
    if not SHARED_DATA.is_dir():
        message = (
            "../shared/data is absent: real-data tests need the shared data folder"
            f" beside the project (looked for {SHARED_DATA})"
        )
        if os.environ.get("SOLOMO_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(message + " (SOLOMO_REQUIRE_SHARED_DATA=1)")
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture
def lyon_services(services: FakeServices, shared_data: Path) -> FakeServices:
    """``services`` with the real Lyon coworking/library/café data and the geocode "Lyon"."""
    for name in LYON_OVERPASS_FILES:
        services.load_overpass_file(shared_data / "overpass" / name)
    services.set_geocode(
        "Lyon", [nominatim_result("Lyon", LYON_LAT, LYON_LON, display_name=LYON_DISPLAY_NAME)]
    )
    return services


@pytest.fixture
def fast(services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeServices:
    """``services`` with one coworking space ("Smooth", node/1, near Lyon) and no geocoding pause."""
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    services.add_elements(
        [
            {
                "type": "node",
                "id": 1,
                "lat": 45.7500,
                "lon": 4.8500,
                "tags": {"office": "coworking", "name": "Smooth"},
            }
        ]
    )
    return services
