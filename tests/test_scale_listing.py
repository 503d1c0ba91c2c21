"""A listing without a limit at scale: the JSON writer writes at C speed the very bytes of
json.dumps(indent=2) made safe, and a place's record reads its tags once (Place.texts) with the
values the one-property-at-a-time rules gave."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_scale_streams import HOSTILE, SCALAR, TEXT, VALUE, reference_dumps

from solomo_cli.boundary import clean_or_none
from solomo_cli.formats.json import _safe, dumps, write_json
from solomo_cli.formats.records import place_record
from solomo_cli.model import _ADDRESS as ADDRESS
from solomo_cli.model import _FULL_ADDRESS as FULL_ADDRESS
from solomo_cli.model import CHECK_DATE, EMAIL, HOURS, INTERNET, PHONE, WEBSITE, Place
from solomo_cli.sources.osm import element_to_place

# -- the writer: every shape its fast paths take, against json.dumps -----------------------

KEY = st.one_of(TEXT, st.sampled_from(["null", '": null', "a\n", ",\n  ", "}", "{", "", "tags"]))
FLAT_DICT = st.dictionaries(KEY, SCALAR, min_size=1, max_size=4)
NESTED = st.recursive(
    st.one_of(SCALAR, st.lists(SCALAR, max_size=3), FLAT_DICT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(FLAT_DICT, min_size=1, max_size=4),  # a listing's explanation, notes
        st.dictionaries(KEY, inner, max_size=5),  # a record: flat members and nested ones
        st.tuples(inner, inner),
    ),
    max_leaves=20,
)


class Level(enum.IntEnum):
    LOW = 1


@settings(max_examples=400, deadline=None)
@given(st.one_of(NESTED, VALUE))
@example([{"a": 1}, {}, {"b": [1]}])
@example({"x": None, "null": [1], "y": {"null": None, "z": {}}})
@example({"k": [{"reason": "distance", "points": 1e-07}, {"reason": "}", "points": -0.0}]})
@example({"k": '"v": null', "v": [1, 2], "w": ["\ud800", "\x85"]})
@example({1: [1, 2], "1": None, 2.5: {"a": [float("nan")]}, None: [], False: {}})
@example([[[[1e300, 2**70, -(2**70), float("inf"), float("-inf")]]]])
@example(OrderedDict([("a", OrderedDict([("b", [1])])), ("c", 1)]))
@example({"e": Level.LOW, "f": [Level.LOW, {"g": Level.LOW}]})
@example([{"name": "Route 3e-4", "lat": 0.5}, {"name": "0.00001", "lon": 1.5e-4}, "e-5"])
@example([{"lat": 1e-05, "lon": -0.00012}, 5e-324, 1e16])
def test_the_writer_is_json_dumps_indented_and_made_safe(value: Any) -> None:
    assert dumps(value) == reference_dumps(value)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.dictionaries(KEY, NESTED, max_size=5), max_size=4))
def test_a_streamed_listing_is_json_dumps_of_its_list(records: list[dict[str, Any]]) -> None:
    import io

    out = io.StringIO()
    write_json(iter(records), out)
    assert out.getvalue() == reference_dumps(records)


@given(st.lists(st.one_of(HOSTILE, st.text(), st.characters()), max_size=8).map("".join))
@example("Data © OpenStreetMap \x7f")
@example("café \x9b")
@example("’ \u2028")
def test_the_fast_safety_check_escapes_what_the_regex_does(text: str) -> None:
    from solomo_cli.formats.json import _JSON_UNSAFE

    assert _safe(text) == _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def test_a_value_json_cannot_write_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(TypeError):
        dumps({"a": [1, {"b": object()}]})
    with pytest.raises(TypeError):
        dumps({"a": 1, "b": {"c": {1, 2}}})


# -- a place's texts: one pass, the values of the properties -------------------------------


def _first_reference(tags: dict[str, Any], *keys: str) -> str | None:
    """The rule as it was: each key's value cleaned, the first with text."""
    for key in keys:
        value = clean_or_none(tags.get(key))
        if value:
            return value
    return None


def _address_reference(tags: dict[str, Any]) -> str | None:
    for prefix in ("addr:", "contact:"):
        street = _first_reference(tags, prefix + "street", prefix + "place")
        number = _first_reference(tags, prefix + "housenumber")
        postcode = _first_reference(tags, prefix + "postcode")
        city = _first_reference(tags, prefix + "city")
        line1 = " ".join(p for p in (number, street) if p)
        line2 = " ".join(p for p in (postcode, city) if p)
        text = ", ".join(p for p in (line1, line2) if p)
        if text:
            return text
    return _first_reference(tags, "addr:full", "contact:full")


def texts_reference(tags: dict[str, Any]) -> tuple[str | None, ...]:
    return (
        _address_reference(tags),
        _first_reference(tags, "website", "contact:website", "url"),
        _first_reference(tags, "phone", "contact:phone", "contact:mobile"),
        _first_reference(tags, "email", "contact:email"),
        _first_reference(tags, "opening_hours"),
        _first_reference(tags, "internet_access"),
        _first_reference(tags, "internet_access:fee"),
        _first_reference(tags, "wheelchair"),
        _first_reference(tags, "check_date", "survey:date", "check_date:opening_hours"),
    )


def properties(place: Place) -> tuple[str | None, ...]:
    tags = place.tags
    return (
        place.address,
        place.website,
        place.phone,
        place.email,
        place.opening_hours,
        place.internet_access,
        clean_or_none(tags.get("internet_access:fee")),
        clean_or_none(tags.get("wheelchair")),
        place.check_date,
    )


TAG_KEYS = st.sampled_from(
    [
        *(key for parts in ADDRESS for keys in parts for key in keys),
        *FULL_ADDRESS,
        *WEBSITE,
        *PHONE,
        *EMAIL,
        *HOURS,
        *INTERNET,
        *CHECK_DATE,
        "internet_access:fee",
        "wheelchair",
        "name",
    ]
)
TAG_VALUE = st.one_of(
    TEXT, st.sampled_from([" ", "\xa0x\xa0", "\x1b[31m", "\u200b", "0"]), st.none(), st.integers()
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(TAG_KEYS, TAG_VALUE, max_size=10))
def test_texts_are_the_properties_on_any_tags(tags: dict[str, Any]) -> None:
    place = Place("node/1", "X", "cafe", 45.0, 4.0, tags)
    assert tuple(place.texts()) == texts_reference(tags) == properties(place)


def real_places(shared_data: Path) -> list[Place]:
    folder = shared_data / "overpass"
    places = []
    for path in sorted(folder.glob("*.json")):
        for element in json.loads(path.read_text(encoding="utf-8")).get("elements", []):
            place = element_to_place(element)
            if place is not None:
                places.append(place)
    return places


def test_texts_are_the_properties_on_real_data(shared_data: Path) -> None:
    places = real_places(shared_data)
    assert len(places) > 400
    for place in places:
        assert tuple(place.texts()) == texts_reference(place.tags) == properties(place)


def test_a_record_has_the_fields_of_the_properties_on_real_data(shared_data: Path) -> None:
    for place in real_places(shared_data)[:300]:
        place.score, place.reasons = 42.5, [("distance", 30.0), ("wifi", 12.5)]
        record = place_record(place, rank=3)
        assert record["address"] == place.address
        assert record["website"] == place.website
        assert record["check_date"] == place.check_date
        assert record["url"] == record["osm_url"] == f"https://www.openstreetmap.org/{place.id}"
        assert record["explain"] == [
            {"reason": "distance", "points": 30.0},
            {"reason": "wifi", "points": 12.5},
        ]
        assert dumps([record]) == reference_dumps([record])
