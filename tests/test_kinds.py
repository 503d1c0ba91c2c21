"""OSM elements → places: coordinates, kinds, addresses, contacts, chains; `--kind` parsing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from solomo_cli.errors import ExitStatus, UsageError
from solomo_cli.kinds import KINDS, is_chain, parse_kinds
from solomo_cli.model import Place, format_address
from solomo_cli.sources.osm import element_to_place


def node(tags: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"type": "node", "id": 1, "lat": 45.75, "lon": 4.85, "tags": tags, **extra}


def place_of(tags: dict[str, str]) -> Place:
    place = element_to_place(node(tags))
    assert place is not None
    return place


# -- coordinates ------------------------------------------------------------------------------


def test_node_takes_its_lat_lon() -> None:
    place = element_to_place(
        {
            "type": "node",
            "id": 42,
            "lat": 45.7514387,
            "lon": 4.8451483,
            "tags": {"office": "coworking", "name": "Smooth"},
        }
    )
    assert place is not None
    assert (place.id, place.lat, place.lon) == ("node/42", 45.7514387, 4.8451483)
    assert place.name == "Smooth"


@pytest.mark.parametrize("etype", ["way", "relation"])
def test_way_and_relation_take_their_center(etype: str) -> None:
    place = element_to_place(
        {
            "type": etype,
            "id": 7,
            "center": {"lat": 45.76, "lon": 4.83},
            "tags": {"amenity": "coworking_space"},
        }
    )
    assert place is not None
    assert (place.id, place.lat, place.lon) == (f"{etype}/7", 45.76, 4.83)


@pytest.mark.parametrize(
    "element",
    [
        {"type": "way", "id": 7, "tags": {"office": "coworking"}},
        {"type": "way", "id": 7, "nodes": [1, 2, 3], "tags": {"office": "coworking"}},
        {"type": "relation", "id": 7, "center": {}, "tags": {"office": "coworking"}},
        {"type": "node", "id": 7, "tags": {"office": "coworking"}},
        {"type": "node", "id": 7, "lat": None, "lon": 4.8, "tags": {"office": "coworking"}},
        {"type": "node", "id": 7, "lat": "north", "lon": 4.8, "tags": {"office": "coworking"}},
        {"type": "node", "id": 7, "lat": 95.0, "lon": 4.8, "tags": {"office": "coworking"}},
    ],
    ids=[
        "way-no-center",
        "way-nodes-only",
        "empty-center",
        "node-no-coords",
        "null-lat",
        "text-lat",
        "lat-out-of-range",
    ],
)
def test_element_without_usable_coordinates_is_skipped(element: dict[str, Any]) -> None:
    assert element_to_place(element) is None


@pytest.mark.parametrize(
    "element",
    [
        {"type": "node", "id": 1, "lat": 45.0, "lon": 4.0},  # no tags at all
        {"type": "area", "id": 1, "lat": 45.0, "lon": 4.0, "tags": {"office": "coworking"}},
        {"type": "node", "id": "1", "lat": 45.0, "lon": 4.0, "tags": {"office": "coworking"}},
    ],
    ids=["untagged", "unknown-type", "string-id"],
)
def test_malformed_element_is_skipped(element: dict[str, Any]) -> None:
    assert element_to_place(element) is None


# -- kinds ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        {"office": "coworking"},
        {"amenity": "coworking_space"},
        {"office": "coworking", "amenity": "coworking_space"},
    ],
    ids=["office", "amenity", "both"],
)
def test_both_coworking_tags_make_a_coworking_place(tags: dict[str, str]) -> None:
    assert place_of(tags).kind == "coworking"


@pytest.mark.parametrize("other", ["cafe", "bar", "restaurant"])
def test_coworking_mixed_with_a_cafe_or_bar_is_coworking(other: str) -> None:
    assert place_of({"amenity": other, "office": "coworking"}).kind == "coworking"


@pytest.mark.parametrize(
    ("tags", "kind"),
    [
        ({"leisure": "hackerspace"}, "hackerspace"),
        ({"amenity": "library"}, "library"),
        ({"amenity": "cafe", "internet_access": "wlan"}, "cafe"),
        ({"amenity": "cafe", "internet_access": "yes"}, "cafe"),
        ({"amenity": "cafe", "internet_access": "wired"}, "cafe"),
        ({"amenity": "cafe", "internet_access": "terminal"}, "cafe"),
    ],
)
def test_other_third_places(tags: dict[str, str], kind: str) -> None:
    assert place_of(tags).kind == kind


@pytest.mark.parametrize("access", [None, "no"])
def test_cafe_without_declared_internet_access_is_not_a_work_place(access: str | None) -> None:
    tags = {"amenity": "cafe", "name": "Café"}
    if access:
        tags["internet_access"] = access
    assert element_to_place(node(tags)) is None


def test_cafe_with_paid_wifi_is_kept() -> None:
    # A Wi-Fi filter must not demand internet_access:fee=no.
    place = place_of({"amenity": "cafe", "internet_access": "wlan", "internet_access:fee": "yes"})
    assert place.kind == "cafe"


@pytest.mark.parametrize("tags", [{"amenity": "bar"}, {"shop": "books"}, {"office": "company"}])
def test_unrelated_element_is_skipped(tags: dict[str, str]) -> None:
    assert element_to_place(node(tags)) is None


def test_overpass_filters_cover_both_coworking_tags() -> None:
    assert KINDS["coworking"].filters == ('["office"="coworking"]', '["amenity"="coworking_space"]')


# -- addresses and contacts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (
            {
                "addr:housenumber": "2",
                "addr:street": "Rue du Professeur Zimmermann",
                "addr:postcode": "69007",
                "addr:city": "Lyon",
            },
            "2 Rue du Professeur Zimmermann, 69007 Lyon",
        ),
        (
            {
                "contact:housenumber": "11bis",
                "contact:street": "Rue Dugas-Montbel",
                "contact:postcode": "69002",
                "contact:city": "Lyon",
            },
            "11bis Rue Dugas-Montbel, 69002 Lyon",
        ),
        (
            {"contact:housenumber": "61", "contact:street": "Cours de la Liberté"},
            "61 Cours de la Liberté",
        ),
        ({"addr:full": "57 rue Président Edouard Herriot"}, "57 rue Président Edouard Herriot"),
        ({"addr:city": "Lyon"}, "Lyon"),
        ({"addr:street": "Rue X", "contact:street": "Rue Y"}, "Rue X"),
        ({}, None),
    ],
    ids=["addr", "contact", "contact-partial", "addr-full", "city-only", "addr-first", "none"],
)
def test_address(tags: dict[str, str], expected: str | None) -> None:
    assert format_address(tags) == expected


@pytest.mark.parametrize(
    ("field", "tags", "expected"),
    [
        ("website", {"website": "https://a.example"}, "https://a.example"),
        ("website", {"contact:website": "https://b.example"}, "https://b.example"),
        (
            "website",
            {"website": "https://a.example", "contact:website": "https://b.example"},
            "https://a.example",
        ),
        ("phone", {"phone": "+33 4 00 00 00 00"}, "+33 4 00 00 00 00"),
        ("phone", {"contact:phone": "+33 4 11 11 11 11"}, "+33 4 11 11 11 11"),
        ("email", {"email": "a@example.org"}, "a@example.org"),
        ("email", {"contact:email": "b@example.org"}, "b@example.org"),
        ("website", {}, None),
        ("phone", {}, None),
        ("email", {}, None),
    ],
)
def test_contact_details_from_plain_or_contact_keys(
    field: str, tags: dict[str, str], expected: str | None
) -> None:
    assert getattr(place_of({"office": "coworking", **tags}), field) == expected


def test_opening_hours_and_missing_name() -> None:
    place = place_of({"office": "coworking", "opening_hours": "Mo-Fr 09:00-18:00"})
    assert (place.opening_hours, place.name) == ("Mo-Fr 09:00-18:00", None)
    assert place.display_name == "(unnamed coworking)"


# -- chains -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        {"brand": "Regus"},
        {"operator": "Regus"},
        {"brand": "Spaces"},
        {"operator": "Spaces"},
        {"brand": "WeWork"},
        {"operator": "WeWork"},
        {"brand": "Morning"},
        {"operator": "Morning"},
        {"operator": "IWG plc"},
        {"name": "Regus - Lyon Part-Dieu"},
        {"name": "Business Centre Bellecour"},
    ],
)
def test_chain_is_detected(tags: dict[str, str]) -> None:
    assert is_chain({"office": "coworking", **tags}) is True


@pytest.mark.parametrize(
    "tags",
    [
        {"name": "La Cordée - Jean Macé", "operator": "La Cordée"},
        {"name": "Locaux Motiv'", "operator": "association Locaux Motiv'"},
        {"name": "Good Morning Coworking"},  # a generic word in a name is not a brand
        {"name": "Open Spaces Atelier"},
        {"name": "Smooth"},
    ],
)
def test_community_space_is_not_flagged_as_chain(tags: dict[str, str]) -> None:
    assert is_chain({"office": "coworking", **tags}) is False


# -- --kind -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ("coworking",)),
        ("", ("coworking",)),
        ("coworking", ("coworking",)),
        ("library,coworking", ("coworking", "library")),
        (" Cafe , LIBRARY ", ("library", "cafe")),
        ("all", ("coworking", "hackerspace", "library", "cafe")),
        ("cafe,all", ("coworking", "hackerspace", "library", "cafe")),
    ],
)
def test_parse_kinds(text: str | None, expected: tuple[str, ...]) -> None:
    assert parse_kinds(text) == expected


@pytest.mark.parametrize("text", ["pub", "coworking,pub", ",", "cafés"])
def test_parse_kinds_unknown_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_kinds(text)
    assert info.value.exit_status == ExitStatus.USAGE
    assert "coworking" in (info.value.hint or "")


# -- real data --------------------------------------------------------------------------------


def load_elements(shared_data: Path, name: str) -> list[dict[str, Any]]:
    return json.loads((shared_data / "overpass" / name).read_text(encoding="utf-8"))["elements"]


def test_every_real_lyon_coworking_element_becomes_a_place(shared_data: Path) -> None:
    elements = load_elements(shared_data, "lyon_coworking.json")
    places = [element_to_place(e) for e in elements]
    skipped = [e["id"] for e, p in zip(elements, places, strict=True) if p is None]
    assert len(elements) == 56
    assert skipped == []
    assert {p.kind for p in places if p} == {"coworking"}
    assert sorted(p.id.split("/")[0] for p in places if p).count("way") == 2


def test_real_lyon_data_facts(shared_data: Path) -> None:
    elements = load_elements(shared_data, "lyon_coworking.json")
    places = [p for p in map(element_to_place, elements) if p]
    assert sum(1 for p in places if p.name is None) == 1
    assert sum(1 for p in places if p.opening_hours) == 18
    assert any(
        not p.tags.get("addr:street") and p.tags.get("contact:street") and p.address for p in places
    )
    assert any(
        "website" not in p.tags and p.tags.get("contact:website") == p.website for p in places
    )


def test_real_cafe_with_coworking_tag_is_coworking(shared_data: Path) -> None:
    elements = load_elements(shared_data, "lyon_coworking.json")
    mixed = [e for e in elements if e["tags"].get("amenity") == "cafe"]
    assert mixed, "the Lyon file has a cafe+office=coworking element"
    assert all(element_to_place(e).kind == "coworking" for e in mixed)  # type: ignore[union-attr]


def test_real_lyon_cafes_only_with_internet_access(shared_data: Path) -> None:
    elements = load_elements(shared_data, "lyon_cafes.json")
    places = [p for p in map(element_to_place, elements) if p]
    declared = [
        e
        for e in elements
        if e["tags"].get("internet_access") in ("yes", "wlan", "wired", "terminal")
    ]
    assert len(places) == len(declared) < len(elements)
    # A café also tagged office=coworking (DK Gones) is a coworking space first.
    assert {p.kind for p in places} == {"cafe", "coworking"}
    assert all(p.kind == "cafe" for p in places if p.tags.get("office") != "coworking")


def test_real_ways_without_center_are_skipped(shared_data: Path) -> None:
    elements = load_elements(shared_data, "ways_without_center.json")
    ways = [e for e in elements if e["type"] == "way"]
    assert ways and all("center" not in w and "lat" not in w for w in ways)
    # Even tagged as a coworking space, a way with no center has no position: skipped.
    for way in ways:
        tagged = copy.deepcopy(way)
        tagged["tags"] = {**tagged.get("tags", {}), "office": "coworking"}
        assert element_to_place(tagged) is None
    assert [p for p in map(element_to_place, elements) if p] == []


@pytest.mark.parametrize("name", ["paris_coworking.json", "lyon_libraries.json"])
def test_other_real_files_become_places(shared_data: Path, name: str) -> None:
    elements = load_elements(shared_data, name)
    places = [p for p in map(element_to_place, elements) if p]
    assert len(places) == len(elements)
    assert all(-90 <= p.lat <= 90 and -180 <= p.lon <= 180 for p in places)


def test_cafe_filter_is_built_from_internet_yes() -> None:
    from solomo_cli.kinds import INTERNET_YES

    values = "|".join(sorted(INTERNET_YES))
    assert KINDS["cafe"].filters == (f'["amenity"="cafe"]["internet_access"~"^({values})$"]',)


@pytest.mark.parametrize(
    ("tags", "chain"),
    [
        ({"name": "Bureaux à Partager"}, True),
        ({"name": "Bureaux a Partager"}, True),
        ({"name": "BUREAUX-À-PARTAGER Lyon"}, True),
        ({"operator": "Régus"}, True),
        ({"brand": "Spaces"}, True),
        ({"name": "Spaces Part-Dieu"}, False),  # a generic word alone in a name
        ({"name": "Business Center Lyon"}, True),
        ({"name": "Centre d’Affaires Saxe"}, True),
        ({"name": "La Cordée"}, False),
    ],
)
def test_is_chain_compares_folded_names(tags: dict[str, str], chain: bool) -> None:
    assert is_chain(tags) is chain
