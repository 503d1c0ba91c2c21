"""Chains and community networks from the name-suggestion-index (solomo_cli/data/chains.json):
found by Wikidata id, by name within the brand's locationSet and not outside it; a community
network is not a chain; and the shipped file is what scripts/update_chains.py makes."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

from solomo_cli.kinds import BUSINESS_CENTRE, COMMUNITY_NETWORK, brand_of, chains, is_chain
from solomo_cli.model import Place
from solomo_cli.signals import country_near, signals_of

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "solomo_cli" / "data" / "chains.json"
MINI = Path(__file__).parent / "fixtures" / "nsi-mini"
LYON = (45.7640, 4.8357)
BERLIN = (52.5200, 13.4050)
MUMBAI = (19.0760, 72.8777)
LONDON = (51.5072, -0.1276)
OSLO = (59.9139, 10.7522)


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "update_chains", ROOT / "scripts" / "update_chains.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def coworking(tags: dict[str, str], at: tuple[float, float] = LYON) -> Place:
    return Place(
        "node/1", tags.get("name"), "coworking", at[0], at[1], {"office": "coworking", **tags}
    )


def chain_at(tags: dict[str, str], at: tuple[float, float]) -> bool:
    return bool(signals_of(coworking(tags, at)).chain)


# -- matching -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        {"name": "Bureaux du centre", "brand:wikidata": "Q130240418"},  # Regus
        {"name": "Gare Part-Dieu", "operator:wikidata": "Q87629680"},  # Spaces
        {"name": "Anything", "brand:wikidata": "Q99;Q60747757"},  # Awfis, in a list
    ],
)
def test_found_by_wikidata_id_whatever_the_name_and_place(tags: dict[str, str]) -> None:
    assert chain_at(tags, LYON) and chain_at(tags, MUMBAI)


def test_a_wikidata_id_outranks_a_name() -> None:
    found = brand_of({"name": "Regus Centre", "brand:wikidata": "Q25205858"})
    assert found is not None and found.name == "Impact Hub"


@pytest.mark.parametrize(
    ("tags", "inside", "outside"),
    [
        ({"brand": "Awfis"}, MUMBAI, LYON),  # in: India
        ({"name": "Design Offices Berlin"}, BERLIN, LYON),  # in: Germany
        ({"operator": "Techspace"}, LONDON, LYON),  # gb-lon.geojson, de-be.geojson: GB, DE
        ({"brand": "Spaces"}, LYON, OSLO),  # the world but Scandinavia (another NSI entry)
    ],
)
def test_a_brand_counts_within_its_location_set_only(
    tags: dict[str, str], inside: tuple[float, float], outside: tuple[float, float]
) -> None:
    assert chain_at(tags, inside)
    if tags == {"brand": "Spaces"}:
        # Spaces in Norway is NSI's "Spaces (Scandinavia)": the same chain, so the country
        # need not even be looked up.
        asked: list[int] = []
        found = brand_of(tags, lambda: asked.append(1) or "NO")  # type: ignore[func-returns-value]
        assert found is not None and found.is_chain and asked == []
        assert chain_at(tags, outside)
    else:
        assert not chain_at(tags, outside)


def test_a_places_chain_property_agrees_with_its_score() -> None:
    assert coworking({"brand": "Awfis"}, MUMBAI).chain is True
    assert coworking({"brand": "Awfis"}, LYON).chain is False


def test_the_country_comes_from_the_stored_zone_first() -> None:
    place = coworking({"brand": "Awfis"}, LYON)
    place.extra["country"] = "IN"
    assert signals_of(place).chain == 1


def test_the_nearest_town_gives_the_country() -> None:
    assert (country_near(*LYON), country_near(*BERLIN), country_near(*MUMBAI)) == ("FR", "DE", "IN")
    assert country_near(0.0, -30.0) is None  # the middle of the Atlantic


def test_without_a_position_only_world_brands_count() -> None:
    assert is_chain({"brand": "Regus"}) and not is_chain({"brand": "Awfis"})


def test_a_community_network_is_not_a_chain() -> None:
    tags = {"name": "Impact Hub Lyon", "brand": "Impact Hub", "brand:wikidata": "Q25205858"}
    found = brand_of(tags)
    assert found is not None and found.type == COMMUNITY_NETWORK and not found.is_chain
    signals = signals_of(coworking(tags))
    assert (signals.chain, signals.community) == (0, 1)
    assert not is_chain(tags)


@pytest.mark.parametrize("name", ["Morning", "Wojo", "Kwerk", "Multiburo", "HQ", "IWG"])
def test_the_projects_own_business_centres_are_chains(name: str) -> None:
    found = brand_of({"operator": name})
    assert found is not None and found.type == BUSINESS_CENTRE and found.id.endswith("-solomo")


def test_a_generic_word_alone_in_a_name_is_no_brand() -> None:
    assert brand_of({"name": "Second Home Café"}) is None
    assert brand_of({"brand": "Second Home"}, lambda: "PT") is not None


# -- the shipped file -------------------------------------------------------------------------


def test_the_shipped_file_is_what_the_script_makes_from_its_release() -> None:
    """With SOLOMO_NSI_RELEASE (a tarball or unpacked package of the recorded version) the
    script is run on it and must give the shipped file byte for byte. Offline, what can be
    proven is that the file is in the script's own form (its dump), that its project part is
    applied as the script applies it, and that it records a release and its hash."""
    shipped = DATA.read_text(encoding="utf-8")
    data = json.loads(shipped)
    update = script()
    release = os.environ.get("SOLOMO_NSI_RELEASE")
    if release:
        raw = update.read_release(Path(release))
        assert hashlib.sha256(raw).hexdigest() == data["nsi"]["nsi_json_sha256"]
        assert update.dump(update.generate(raw, data["project"])) == shipped
    assert update.dump(data) == shipped
    assert data["nsi"]["package"] == "name-suggestion-index"
    assert data["nsi"]["version"].count(".") == 2
    assert len(data["nsi"]["nsi_json_sha256"]) == 64
    nsi = [b for b in data["brands"] if b["source"] == "nsi"]
    own = [b for b in data["brands"] if b["source"] == "solomo"]
    assert nsi == sorted(nsi, key=lambda b: b["id"]) and len(nsi) >= 20
    community = set(data["project"]["community_networks"])
    for brand in nsi:
        expected = "community_network" if set(brand["wikidata"]) & community else "business_centre"
        assert brand["type"] == expected, brand["id"]
    known = {n.casefold() for b in nsi for n in b["names"]}
    expected_own = [
        {**b, "source": "solomo"}
        for b in data["project"]["brands"]
        if not {n.casefold() for n in b["names"]} & known
    ]
    assert own == sorted(expected_own, key=lambda b: b["id"])
    assert len(chains().brands) == len(data["brands"])


def _tarball(tmp_path: Path) -> Path:
    path = tmp_path / "nsi.tgz"
    with tarfile.open(path, "w:gz") as tar:
        body = (MINI / "package" / "dist" / "json" / "nsi.json").read_bytes()
        info = tarfile.TarInfo("package/dist/json/nsi.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    return path


@pytest.mark.parametrize("form", ["tarball", "folder", "package folder"])
def test_the_script_reads_a_release_as_a_tarball_or_a_folder(tmp_path: Path, form: str) -> None:
    update = script()
    source = {
        "tarball": _tarball(tmp_path),
        "folder": MINI / "package",
        "package folder": MINI,
    }[form]
    project = {
        "community_networks": ["Q9000002"],
        "generic_names": [],
        "brands": [
            {
                "id": "worldwork-solomo",
                "name": "Worldwork",
                "type": "business_centre",
                "wikidata": [],
                "names": ["Worldwork"],
                "include": ["001"],
                "exclude": [],
            },
            {
                "id": "kwerk-solomo",
                "name": "Kwerk",
                "type": "business_centre",
                "wikidata": [],
                "names": ["Kwerk"],
                "include": ["001"],
                "exclude": [],
            },
        ],
    }
    (tmp_path / "current.json").write_text(json.dumps({"project": project}), encoding="utf-8")
    out = tmp_path / "chains.json"
    assert (
        update.main(
            [str(source), "--output", str(out), "--project", str(tmp_path / "current.json")]
        )
        == 0
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    by_id = {b["id"]: b for b in data["brands"]}
    assert data["nsi"]["version"] == "0.0.1-fixture"
    # Only the coworking trees; the project's Worldwork is dropped, NSI knows it.
    assert set(by_id) == {
        "deskhive-111111",
        "opencommons-222222",
        "worldwork-333333",
        "kwerk-solomo",
    }
    assert by_id["deskhive-111111"]["names"] == ["Deskhive", "desk hive"]
    assert by_id["deskhive-111111"]["include"] == ["de", "at"]
    assert by_id["worldwork-333333"]["exclude"] == ["fr", "gb-sct"]
    assert by_id["opencommons-222222"]["type"] == "community_network"
    assert by_id["opencommons-222222"]["names"] == ["Open Commons"]  # "(London)" dropped
    assert by_id["kwerk-solomo"]["source"] == "solomo"
    assert data["project"] == project
