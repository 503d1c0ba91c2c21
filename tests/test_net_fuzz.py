"""Property tests of the network boundary: Overpass and Nominatim answer shapes built from their
schemas, valid and broken, fed to the parsers and served over loopback. The outcome is always
a result or a ServiceError (PlaceNotFound for Nominatim's empty answer), never another
exception, and what comes out is clean."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fakeservers import FakeServices
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solomo_cli import boundary
from solomo_cli.config import load_settings
from solomo_cli.errors import PlaceNotFound, ServiceError
from solomo_cli.geocoding import nominatim
from solomo_cli.search.near import Session
from solomo_cli.sources import overpass

URL = "http://127.0.0.1:9/api/interpreter"
ANY_CHAR = st.characters(codec=None, exclude_categories=())  # controls, surrogates, bidi
TEXT = st.text(ANY_CHAR, max_size=40) | st.sampled_from(["", "coworking", "2026-11-20T10:00:00Z"])
SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
)
JUNK = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
COORD = st.floats(min_value=-200, max_value=200) | JUNK
TAGS = st.dictionaries(
    st.sampled_from(["office", "amenity", "name", "opening_hours", "internet_access"]) | TEXT,
    st.sampled_from(["coworking", "coworking_space", "library", "cafe", "wlan"]) | JUNK,
    max_size=6,
)


@st.composite
def element(draw: st.DrawFn) -> Any:
    shape: dict[str, Any] = {
        "type": draw(st.sampled_from(["node", "way", "relation", "area"]) | JUNK),
        "id": draw(st.integers(min_value=-5, max_value=2**64) | JUNK),
        "tags": draw(TAGS | JUNK),
    }
    if draw(st.booleans()):
        shape.update(lat=draw(COORD), lon=draw(COORD))
    else:
        shape["center"] = draw(st.fixed_dictionaries({"lat": COORD, "lon": COORD}) | JUNK)
    return shape if draw(st.integers(0, 9)) else draw(JUNK)


@st.composite
def overpass_answer(draw: st.DrawFn) -> Any:
    answer: dict[str, Any] = {"version": 0.6, "elements": draw(st.lists(element(), max_size=6))}
    if draw(st.booleans()):
        answer["osm3s"] = draw(st.fixed_dictionaries({"timestamp_osm_base": TEXT | JUNK}) | JUNK)
    if draw(st.integers(0, 4)) == 0:
        answer["remark"] = draw(JUNK)
    if draw(st.integers(0, 9)) == 0:
        answer["elements"] = draw(JUNK)
    return answer if draw(st.integers(0, 9)) else draw(JUNK)


@st.composite
def nominatim_answer(draw: st.DrawFn) -> Any:
    result = st.fixed_dictionaries(
        {"lat": COORD.map(lambda v: str(v) if isinstance(v, float) else v), "lon": COORD},
        optional={
            "display_name": TEXT | JUNK,
            "osm_type": TEXT,
            "place_id": JUNK,
            "address": st.dictionaries(TEXT, JUNK, max_size=3) | JUNK,
        },
    )
    answer = draw(st.lists(result | JUNK, max_size=4))
    return answer if draw(st.integers(0, 9)) else draw(JUNK)


def served(payload: Any, content_type: str = "application/json") -> httpx.Response:
    return httpx.Response(
        200, content=json.dumps(payload).encode(), headers={"content-type": content_type}
    )


def assert_clean(text: str) -> None:
    """No control character, escape, bidi override, zero-width or lone surrogate; one line."""
    assert re.search(boundary._CONTROLS, text) is None and not set("\t\n\r") & set(text), repr(text)


@settings(max_examples=400, deadline=None)
@given(overpass_answer())
def test_any_overpass_answer_is_places_or_a_service_error(payload: Any) -> None:
    try:
        answer = overpass.parse_answer(served(payload), URL)
    except ServiceError as exc:
        assert_clean(exc.message)
        return
    assert answer.osm_base is None or answer.osm_base.isprintable()
    for place in answer.places:
        assert math.isfinite(place.lat) and -90 <= place.lat <= 90
        assert math.isfinite(place.lon) and -180 <= place.lon <= 180
        assert 1 <= int(place.id.split("/")[1]) < 2**63
        for key, value in place.tags.items():
            assert isinstance(value, str) and len(value) <= 255
            assert_clean(key)
            assert_clean(value)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(["application/json", "text/html", "text/csv", ""]))
def test_any_overpass_bytes_are_places_or_a_service_error(body: bytes, ctype: str) -> None:
    response = httpx.Response(200, content=body, headers={"content-type": ctype})
    try:
        overpass.parse_answer(response, URL)
    except ServiceError as exc:
        assert_clean(exc.message)


@settings(max_examples=400, deadline=None)
@given(nominatim_answer())
def test_any_nominatim_answer_is_checked_results_or_a_bad_response(payload: Any) -> None:
    try:
        results = nominatim.checked_results(payload)
    except ServiceError as exc:
        assert_clean(exc.message)
        return
    for result in results:
        lat, lon = float(result["lat"]), float(result["lon"])
        assert math.isfinite(lat) and -90 <= lat <= 90 and math.isfinite(lon)
        assert_clean(result["display_name"])
        json.dumps(result, ensure_ascii=False).encode("utf-8")  # storable as is


@pytest.fixture(scope="module")
def loopback() -> Iterator[FakeServices]:
    with FakeServices() as fake:
        yield fake


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(overpass=overpass_answer(), geocodes=nominatim_answer())
def test_served_answers_end_in_a_result_or_a_service_error(
    loopback: FakeServices,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    overpass: Any,
    geocodes: Any,
) -> None:
    monkeypatch.setenv("SOLOMO_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", loopback.overpass_url)
    monkeypatch.setenv("SOLOMO_NOMINATIM_URL", loopback.nominatim_url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setattr(nominatim, "MIN_INTERVAL_S", 0.0)
    loopback.clear_failures()
    loopback.fail_next("raw", path="/search", body=json.dumps(geocodes))
    loopback.fail_next("raw", body=json.dumps(overpass))
    with Session(load_settings()) as session:
        try:
            origin = session.locate("Somewhere", None, offline=False, refresh=False)
        except (ServiceError, PlaceNotFound) as exc:
            assert_clean(exc.message)
            origin = None
        if origin is not None:
            assert_clean(origin.label)
        try:
            session.ensure_area(
                origin or session.locate("45.75,4.85", None, False, False),
                1000,
                ("coworking",),
                offline=False,
                refresh=False,
            )
        except ServiceError as exc:
            assert_clean(exc.message)
