"""Tests of the fake Overpass/Nominatim server itself, over real loopback HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakeservers import LYON_DISPLAY_NAME, FakeServices, nominatim_result

LYON = "45.74906,4.84789"
COWORKING_AROUND = """[out:json][timeout:60];
(
nwr["office"="coworking"](around:{radius},{center});
nwr["amenity"="coworking_space"](around:{radius},{center});
);
out center tags;
"""
TOOL_QUERY = """[out:json][timeout:60];
(
nwr["office"="coworking"](around:4000,45.74906,4.84789);
nwr["amenity"="coworking_space"](around:4000,45.74906,4.84789);
nwr["leisure"="hackerspace"](around:4000,45.74906,4.84789);
nwr["amenity"="library"](around:4000,45.74906,4.84789);
nwr["amenity"="cafe"]["internet_access"~"^(yes|wlan|wired|terminal)$"](around:4000,45.74906,4.84789);
);
out center tags;
"""

SMALL_ELEMENTS: list[dict[str, Any]] = [
    {
        "type": "node",
        "id": 3,
        "lat": 45.7500,
        "lon": 4.8500,
        "tags": {"office": "coworking", "name": "C"},
    },
    {
        "type": "node",
        "id": 1,
        "lat": 45.7600,
        "lon": 4.8300,
        "tags": {"amenity": "coworking_space", "name": "A"},
    },
    {
        "type": "node",
        "id": 2,
        "lat": 45.7000,
        "lon": 4.9000,
        "tags": {"amenity": "cafe", "internet_access": "WLAN"},
    },
    {
        "type": "way",
        "id": 10,
        "center": {"lat": 45.7490, "lon": 4.8480},
        "nodes": [1, 2, 3],
        "tags": {"amenity": "coworking_space", "office": "coworking", "building": "yes"},
    },
    {"type": "way", "id": 11, "tags": {"office": "coworking", "name": "no coordinates"}},
]


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=5) as http:
        yield http


@pytest.fixture
def small(services: FakeServices) -> FakeServices:
    services.add_elements(SMALL_ELEMENTS)
    return services


def overpass(services: FakeServices, client: httpx.Client, query: str) -> list[dict[str, Any]]:
    response = client.post(services.overpass_url, data={"data": query})
    assert response.status_code == 200, response.text
    elements: list[dict[str, Any]] = response.json()["elements"]
    return elements


def ids(elements: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(e["type"], e["id"]) for e in elements]


# -- Overpass: query evaluation ---------------------------------------------------------------


def test_tag_filters_and_answer_envelope(small: FakeServices, client: httpx.Client) -> None:
    response = client.post(
        small.overpass_url, data={"data": '[out:json];nwr["office"="coworking"];out center tags;'}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    payload = response.json()
    assert payload["version"] == 0.6
    assert payload["generator"] == "Overpass API (fake)"
    assert payload["osm3s"]["timestamp_osm_base"] == "2026-11-20T10:00:00Z"
    assert "ODbL" in payload["osm3s"]["copyright"]
    assert ids(payload["elements"]) == [("node", 3), ("way", 10), ("way", 11)]

    amenity = overpass(small, client, "[out:json];nwr[amenity=coworking_space];out center tags;")
    assert ids(amenity) == [("node", 1), ("way", 10)]
    assert amenity[0] == {
        "type": "node",
        "id": 1,
        "lat": 45.76,
        "lon": 4.83,
        "tags": SMALL_ELEMENTS[1]["tags"],
    }
    # Ways carry their center, never nodes or geometry.
    assert amenity[1] == {
        "type": "way",
        "id": 10,
        "center": {"lat": 45.749, "lon": 4.848},
        "tags": SMALL_ELEMENTS[3]["tags"],
    }


def test_osm_base_none_omits_timestamp(small: FakeServices, client: httpx.Client) -> None:
    small.osm_base = None
    payload = client.post(small.overpass_url, data={"data": "[out:json];node(1);out;"}).json()
    assert "timestamp_osm_base" not in payload["osm3s"]
    assert ids(payload["elements"]) == [("node", 1)]


@pytest.mark.parametrize(
    ("tag_filter", "expected"),
    [
        ('["office"]', [("node", 3), ("way", 10), ("way", 11)]),
        ('[!"office"]', [("node", 1), ("node", 2)]),
        ('["amenity"!="cafe"]', [("node", 1), ("node", 3), ("way", 10), ("way", 11)]),
        ('["internet_access"~"^wlan$"]', []),
        ('["internet_access"~"^wlan$",i]', [("node", 2)]),
        ('["name"!~"^[AC]$"]', [("node", 2), ("way", 10), ("way", 11)]),
        ("[office=coworking][building=yes]", [("way", 10)]),
    ],
)
def test_tag_filter_forms(
    small: FakeServices, client: httpx.Client, tag_filter: str, expected: list[tuple[str, int]]
) -> None:
    assert ids(overpass(small, client, f"[out:json];nwr{tag_filter};out center tags;")) == expected


def test_type_selectors(small: FakeServices, client: httpx.Client) -> None:
    assert ids(overpass(small, client, "[out:json];way[office];out tags;")) == [
        ("way", 10),
        ("way", 11),
    ]
    assert ids(overpass(small, client, "[out:json];node[office];out tags;")) == [("node", 3)]
    assert overpass(small, client, "[out:json];relation[office];out tags;") == []


@pytest.mark.parametrize(("radius", "expected"), [(1000, 9), (2000, 36)])
def test_around_filter_on_real_lyon_coworking(
    services: FakeServices, client: httpx.Client, shared_data: Path, radius: int, expected: int
) -> None:
    assert services.load_overpass_file(shared_data / "overpass" / "lyon_coworking.json") == 56
    elements = overpass(services, client, COWORKING_AROUND.format(radius=radius, center=LYON))
    assert len(elements) == expected


def test_around_nearest_three_in_lyon(lyon_services: FakeServices, client: httpx.Client) -> None:
    elements = overpass(lyon_services, client, COWORKING_AROUND.format(radius=450, center=LYON))
    assert sorted(e["tags"]["name"] for e in elements) == [
        "La cordée - Jean Macé",
        "Smooth",
        "Supra cowork",
    ]


def test_spatial_filter_excludes_elements_without_coordinates(
    small: FakeServices, client: httpx.Client
) -> None:
    # Way 10's center is ~110 m from the point; nodes 3 and 1 are ~200 m and ~1.8 km away.
    near = overpass(small, client, "[out:json];nwr[office](around:300,45.7500,4.8480);out center;")
    assert ids(near) == [("node", 3), ("way", 10)]
    assert ("way", 11) in ids(overpass(small, client, "[out:json];nwr[office];out center;"))


def test_bbox_filter(small: FakeServices, client: httpx.Client) -> None:
    inside = overpass(small, client, "[out:json];nwr(45.74,4.84,45.755,4.86);out center;")
    assert ids(inside) == [("node", 3), ("way", 10)]
    global_bbox = overpass(small, client, "[out:json][bbox:45.69,4.89,45.71,4.91];node;out;")
    assert ids(global_bbox) == [("node", 2)]


def test_regex_on_real_cafe_internet_access(
    services: FakeServices, client: httpx.Client, shared_data: Path
) -> None:
    services.load_overpass_file(shared_data / "overpass" / "lyon_cafes.json")
    query = (
        '[out:json];nwr["amenity"="cafe"]["internet_access"~"^(yes|wlan|wired|terminal)$"];'
        "out center tags;"
    )
    elements = overpass(services, client, query)
    assert len(elements) == 42  # 32 "wlan" + 10 "yes"; the 5 "no" are left out
    assert {e["tags"]["internet_access"] for e in elements} == {"yes", "wlan"}


def test_union_deduplicates_in_stable_order(
    lyon_services: FakeServices, client: httpx.Client
) -> None:
    # Node 9772627599 (amenity=cafe + office=coworking) is in two files and matches both statements.
    query = (
        '[out:json];(node["office"="coworking"]["amenity"="cafe"];'
        'node["amenity"="cafe"]["office"];);out;'
    )
    assert ids(overpass(lyon_services, client, query)) == [("node", 9772627599)]

    elements = overpass(lyon_services, client, TOOL_QUERY)
    keys = ids(elements)
    assert len(keys) == len(set(keys))
    assert keys == sorted(keys, key=lambda k: ({"node": 0, "way": 1, "relation": 2}[k[0]], k[1]))
    assert overpass(lyon_services, client, TOOL_QUERY) == elements
    amenities = {e["tags"].get("amenity") for e in elements}
    assert {"library", "cafe", "coworking_space"} <= amenities


def test_way_center_computed_from_nodes(
    services: FakeServices, client: httpx.Client, shared_data: Path
) -> None:
    services.load_overpass_file(shared_data / "overpass" / "ways_without_center.json")
    (way,) = overpass(services, client, "[out:json];way(317146077);out center;")
    assert way["center"] == pytest.approx(
        {"lat": (50.7494187 + 50.7495516) / 2, "lon": (7.1756064 + 7.1758868) / 2}
    )
    assert "nodes" not in way


def test_get_and_raw_body_queries(small: FakeServices, client: httpx.Client) -> None:
    by_get = client.get(small.overpass_url, params={"data": "[out:json];node[office];out;"})
    raw_post = client.post(small.overpass_url, content="[out:json];node[office];out;")
    assert ids(by_get.json()["elements"]) == ids(raw_post.json()["elements"]) == [("node", 3)]


@pytest.mark.parametrize(
    "query", ["[out:json];nodex[office];out;", '[out:json];(node["office"="coworking";);out;', ""]
)
def test_unparsable_query_gives_400_html(
    small: FakeServices, client: httpx.Client, query: str
) -> None:
    response = client.post(small.overpass_url, data={"data": query})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>OSM3S Response</title>" in response.text
    assert "parse error" in response.text


# -- Overpass: misbehaviour -------------------------------------------------------------------


QUERY = "[out:json];node[office];out;"


def test_fail_429_then_normal(small: FakeServices, client: httpx.Client) -> None:
    small.fail_next("429", retry_after=7)
    first = client.post(small.overpass_url, data={"data": QUERY})
    assert first.status_code == 429
    assert first.headers["retry-after"] == "7"
    assert "Too Many Requests" in first.text
    second = client.post(small.overpass_url, data={"data": QUERY})
    assert second.status_code == 200
    assert small.pending_failures == 0


@pytest.mark.parametrize(
    ("mode", "reason"), [("503", "Service Unavailable"), ("504", "Gateway Timeout")]
)
def test_fail_5xx(small: FakeServices, client: httpx.Client, mode: str, reason: str) -> None:
    small.fail_next(mode, times=2)
    statuses = [client.post(small.overpass_url, data={"data": QUERY}) for _ in range(3)]
    assert [r.status_code for r in statuses] == [int(mode), int(mode), 200]
    assert reason in statuses[0].text
    assert statuses[0].headers["content-type"].startswith("text/plain")


def test_fail_remark_default_and_real_file(
    small: FakeServices, client: httpx.Client, shared_data: Path
) -> None:
    real = (shared_data / "overpass" / "remark_runtime_error.json").read_text(encoding="utf-8")
    small.fail_next("remark")
    small.fail_next("remark", body=real)
    default = client.post(small.overpass_url, data={"data": QUERY})
    assert default.status_code == 200
    assert default.json()["elements"] == []
    assert (
        default.json()["remark"]
        == 'runtime error: Query timed out in "query" at line 3 after 26 seconds.'
    )
    served = client.post(small.overpass_url, data={"data": QUERY})
    assert served.status_code == 200
    assert served.text == real
    assert served.json()["remark"].startswith("runtime error: Query timed out")


def test_fail_html(small: FakeServices, client: httpx.Client) -> None:
    small.fail_next("html")
    small.fail_next("html", status=429, body="<html><body>blocked</body></html>")
    first = client.post(small.overpass_url, data={"data": QUERY})
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/html")
    assert "too busy" in first.text
    second = client.post(small.overpass_url, data={"data": QUERY})
    assert (second.status_code, second.text) == (429, "<html><body>blocked</body></html>")


def test_fail_truncated(small: FakeServices, client: httpx.Client) -> None:
    full = client.post(small.overpass_url, data={"data": QUERY}).content
    small.fail_next("truncated")
    cut = client.post(small.overpass_url, data={"data": QUERY})
    assert cut.status_code == 200
    assert cut.headers["content-type"] == "application/json"
    assert int(cut.headers["content-length"]) == len(cut.content) == len(full) // 2
    assert full.startswith(cut.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)


def test_fail_reset(small: FakeServices, client: httpx.Client) -> None:
    small.fail_next("reset")
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        client.post(small.overpass_url, data={"data": QUERY})
    assert client.post(small.overpass_url, data={"data": QUERY}).status_code == 200
    assert small.count("/api/interpreter") == 2


def test_fail_slow(small: FakeServices, client: httpx.Client) -> None:
    small.fail_next("slow", delay=0.3)
    started = time.monotonic()
    response = client.post(small.overpass_url, data={"data": QUERY})
    assert time.monotonic() - started >= 0.3
    assert ids(response.json()["elements"]) == [("node", 3)]


def test_failures_only_hit_matching_paths(small: FakeServices, client: httpx.Client) -> None:
    small.fail_next("503", path="/search")
    assert client.post(small.overpass_url, data={"data": QUERY}).status_code == 200
    assert client.get(small.nominatim_url + "/search", params={"q": "x"}).status_code == 503
    assert client.get(small.nominatim_url + "/search", params={"q": "x"}).json() == []
    with pytest.raises(ValueError, match="unknown failure mode"):
        small.fail_next("418")


# -- request log and Nominatim ------------------------------------------------------------------


def test_request_log_and_counting(small: FakeServices, client: httpx.Client) -> None:
    client.post(small.overpass_url, data={"data": QUERY}, headers={"User-Agent": "solomo-test/1"})
    client.get(small.nominatim_url + "/search", params={"q": "Lyon", "format": "jsonv2"})
    client.get(small.base_url + "/api/status")
    assert small.count() == 3
    assert small.count("/api/") == 2
    assert small.count("/search") == 1
    post, search, _ = small.requests
    assert (post.method, post.path) == ("POST", "/api/interpreter")
    assert post.overpass_query == QUERY
    assert post.form == {"data": QUERY}
    assert post.headers["user-agent"] == "solomo-test/1"
    assert post.headers["content-type"] == "application/x-www-form-urlencoded"
    assert (search.method, search.path, search.params) == (
        "GET",
        "/search",
        {"q": "Lyon", "format": "jsonv2"},
    )
    assert search.body == ""
    assert post.time <= search.time
    small.reset_log()
    assert small.count() == 0
    assert small.requests == []


def test_geocode_answers_match_case_and_space_insensitively(
    services: FakeServices, client: httpx.Client
) -> None:
    paris = nominatim_result(
        "Paris", 48.8588897, 2.3200410, display_name="Paris, Île-de-France, France"
    )
    services.set_geocode("Paris, France", [paris])
    response = client.get(
        services.nominatim_url + "/search", params={"q": "  paris,   FRANCE ", "format": "jsonv2"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    (result,) = response.json()
    assert (result["lat"], result["lon"]) == ("48.8588897", "2.320041")
    assert result["display_name"] == "Paris, Île-de-France, France"
    assert result["category"] == "boundary"
    unknown = client.get(services.nominatim_url + "/search", params={"q": "Atlantis"})
    assert unknown.json() == []


def test_geocode_limit_and_countrycodes(
    services: FakeServices, client: httpx.Client, shared_data: Path
) -> None:
    brussels = json.loads(
        (shared_data / "nominatim" / "search_brussels_5_results.json").read_text(encoding="utf-8")
    )
    services.set_geocode("Brussels", brussels)
    url = services.nominatim_url + "/search"
    assert len(client.get(url, params={"q": "Brussels"}).json()) == 5
    limited = client.get(url, params={"q": "Brussels", "limit": "2", "countrycodes": "be"}).json()
    assert limited == brussels[:2]
    assert client.get(url, params={"q": "Brussels", "countrycodes": "fr"}).json() == []
    assert services.countrycodes_seen == [None, "be", "fr"]


def test_nominatim_result_helper() -> None:
    result = nominatim_result(
        "Lyon", 45.74906, 4.84789, display_name=LYON_DISPLAY_NAME, importance=0.9
    )
    assert (result["name"], result["lat"], result["lon"]) == ("Lyon", "45.74906", "4.84789")
    assert result["display_name"] == LYON_DISPLAY_NAME
    assert result["importance"] == 0.9
    assert isinstance(result["place_id"], int)
    south, north, west, east = (float(v) for v in result["boundingbox"])
    assert south < 45.74906 < north and west < 4.84789 < east
    assert nominatim_result("X", 1, 2)["display_name"] == "X"


def test_lyon_services_fixture(lyon_services: FakeServices, client: httpx.Client) -> None:
    (lyon,) = client.get(
        lyon_services.nominatim_url + "/search", params={"q": "lyon", "limit": "1"}
    ).json()
    assert lyon["display_name"] == LYON_DISPLAY_NAME
    assert (float(lyon["lat"]), float(lyon["lon"])) == (45.74906, 4.84789)
    assert len(lyon_services.elements) == 56 + 28 + 362 - 1  # one café-coworking is in two files
