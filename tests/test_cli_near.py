"""`solomo near` and `solomo sync` through the real Typer app, against the loopback services
serving the real Lyon data: output formats, options, ranking, and — the heart of it — how many
requests each question costs."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from clitools import ESC, LYON_POINT, assert_one_error, invoke
from fakeservers import LYON_DISPLAY_NAME, LYON_LAT, LYON_LON, FakeServices
from typer.testing import Result

from solomo_cli.config import get_paths
from solomo_cli.geo import distance_m
from solomo_cli.kinds import INTERNET_YES

CONTRACT_KEYS = {
    "id",
    "name",
    "kind",
    "lat",
    "lon",
    "distance_m",
    "score",
    "address",
    "website",
    "phone",
    "email",
    "opening_hours",
}
NEAREST_THREE = ["Smooth", "La cordée - Jean Macé", "Supra cowork"]


@pytest.fixture
def lyon(lyon_services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeServices:
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    monkeypatch.setenv("COLUMNS", "250")
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    return lyon_services


def ok(args: list[str]) -> Result:
    result = invoke(args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def near_json(*args: str) -> list[dict[str, Any]]:
    return json.loads(ok(["near", *args, "--format", "json"]).stdout)


def counts(fake: FakeServices) -> tuple[int, int]:
    """(geocoding requests, Overpass requests) since the last reset."""
    return fake.count("/search"), fake.count("/api/interpreter")


def overpass_queries(fake: FakeServices) -> list[str]:
    return [r.overpass_query or "" for r in fake.requests if r.path == "/api/interpreter"]


# -- the table ---------------------------------------------------------------------------------


def test_table_says_which_place_was_understood(lyon: FakeServices) -> None:
    out = ok(["near", "Lyon"]).stdout
    assert "Coworking within 2.0 km of " + LYON_DISPLAY_NAME in out


def test_table_says_how_old_the_data_is(lyon: FakeServices) -> None:
    out = ok(["near", "Lyon"]).stdout
    assert "data of 2026-11-20 (just fetched)" in out


def test_table_carries_the_osm_attribution(lyon: FakeServices) -> None:
    assert "© OpenStreetMap contributors" in ok(["near", "Lyon"]).stdout


def test_table_lists_the_nearest_places(lyon: FakeServices) -> None:
    out = ok(["near", "Lyon", "--sort", "distance", "--limit", "3"]).stdout
    for name in NEAREST_THREE:
        assert name in out
    assert out.index("Smooth") < out.index("La cordée - Jean Macé") < out.index("Supra cowork")
    assert "339 m" in out


def test_table_says_how_many_more(lyon: FakeServices) -> None:
    assert "16 more; use --limit to see them." in ok(["near", "Lyon"]).stdout


def test_table_without_results_says_what_to_try(lyon: FakeServices) -> None:
    result = ok(["near", "0.0,0.0", "--radius", "1km"])
    assert "No places found" in result.stdout and "--radius" in result.stdout
    assert "© OpenStreetMap contributors" in result.stdout


def test_explain_adds_the_score_and_why_columns(lyon: FakeServices) -> None:
    plain = ok(["near", "Lyon", "--limit", "3"]).stdout
    explained = ok(["near", "Lyon", "--limit", "3", "--explain"]).stdout
    first = json.loads(ok(["near", "Lyon", "--limit", "1", "--format", "json"]).stdout)[0]
    score = f"{first['score']:g}"
    assert "Why" not in plain and "Score" not in plain and score not in plain
    assert "Why" in explained and "Score" in explained
    first_row = next(line for line in explained.splitlines() if line.lstrip().startswith("1 "))
    assert score in first_row.split()
    assert "community coworking +30" in explained and "distance +" in explained


@pytest.mark.parametrize("extra_env", [{}, {"NO_COLOR": "1"}])
def test_non_tty_output_has_no_escape_codes(
    lyon: FakeServices, monkeypatch: pytest.MonkeyPatch, extra_env: dict[str, str]
) -> None:
    for name, value in extra_env.items():
        monkeypatch.setenv(name, value)
    result = ok(["near", "Lyon", "--explain"])
    assert "Smooth" in result.stdout
    assert ESC not in result.stdout and ESC not in result.stderr


# -- JSON, CSV, GeoJSON, --output ---------------------------------------------------------------


def test_json_is_only_an_array_with_the_contract_keys(lyon: FakeServices) -> None:
    result = ok(["near", "Lyon", "--format", "json"])
    places = json.loads(result.stdout)  # nothing else on stdout
    assert isinstance(places, list) and len(places) == 20
    for place in places:
        assert CONTRACT_KEYS <= set(place)
        assert isinstance(place["distance_m"], int)
        assert isinstance(place["lat"], float) and isinstance(place["lon"], float)
        assert isinstance(place["score"], (int, float))
        assert place["kind"] == "coworking"
        assert place["id"].split("/")[0] in ("node", "way") and place["id"].split("/")[1].isdigit()
    assert "understood as " + LYON_DISPLAY_NAME in result.stderr


def test_json_unknown_values_are_null(lyon: FakeServices) -> None:
    smooth = next(p for p in near_json("Lyon") if p["name"] == "Smooth")
    assert smooth["address"] is None and smooth["website"] is None
    assert smooth["phone"] is None and smooth["email"] is None
    assert smooth["opening_hours"] == "Mo-Fr 10:00-20:00; Sa 11:00-18:00"
    assert smooth["id"] == "node/12155174562"


def test_json_distance_matches_the_coordinates(lyon: FakeServices) -> None:
    for place in near_json("Lyon", "--limit", "0"):
        expected = distance_m(LYON_LAT, LYON_LON, place["lat"], place["lon"])
        assert abs(place["distance_m"] - expected) <= 1


def test_sort_distance_gives_the_real_nearest_three(lyon: FakeServices) -> None:
    places = near_json("Lyon", "--sort", "distance")
    assert [p["name"] for p in places[:3]] == NEAREST_THREE
    assert [p["distance_m"] for p in places[:3]] == [339, 366, 447]
    distances = [p["distance_m"] for p in places]
    assert distances == sorted(distances)


def test_sort_score_is_by_score(lyon: FakeServices) -> None:
    scores = [p["score"] for p in near_json("Lyon", "--limit", "0")]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[-1]


@pytest.mark.parametrize(("radius", "count"), [("1km", 9), ("2km", 36), ("1000m", 9), ("2", 36)])
def test_radius_gives_the_real_counts(lyon: FakeServices, radius: str, count: int) -> None:
    places = near_json("Lyon", "--radius", radius, "--limit", "0")
    assert len(places) == count
    assert max(p["distance_m"] for p in places) <= (1000 if count == 9 else 2000)


def test_limit_cuts_the_list(lyon: FakeServices) -> None:
    assert len(near_json("Lyon", "--limit", "5")) == 5


def test_csv_parses_with_the_csv_module(lyon: FakeServices) -> None:
    out = ok(["near", "Lyon", "--format", "csv", "--sort", "distance"]).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 20
    assert CONTRACT_KEYS <= set(rows[0])
    assert [r["name"] for r in rows[:3]] == NEAREST_THREE
    assert rows[0]["distance_m"] == "339"
    assert float(rows[0]["lat"]) == pytest.approx(45.7514387)


def test_geojson_coordinates_are_lon_lat(lyon: FakeServices) -> None:
    out = ok(["near", "Lyon", "--format", "geojson", "--sort", "distance"]).stdout
    collection = json.loads(out)
    assert collection["type"] == "FeatureCollection"
    assert "OpenStreetMap contributors" in collection["attribution"]
    first = collection["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [4.8451483, 45.7514387]}
    assert first["properties"]["name"] == "Smooth"
    assert len(collection["features"]) == 20


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    return out


def test_output_writes_the_file(lyon: FakeServices, folder: Path) -> None:
    target = folder / "spots.json"
    result = ok(["near", "Lyon", "--format", "json", "--output", str(target)])
    assert result.stdout == ""
    assert f"Wrote {target}" in result.stderr
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 20
    assert [p.name for p in folder.iterdir()] == ["spots.json"]  # no temporary file left


def test_output_refuses_to_overwrite(lyon: FakeServices, folder: Path) -> None:
    target = folder / "spots.csv"
    target.write_text("precious\n")
    result = invoke(["near", "Lyon", "--format", "csv", "--output", str(target)])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "already exists", "--force")
    assert target.read_text() == "precious\n"


def test_output_force_replaces_atomically(lyon: FakeServices, folder: Path) -> None:
    target = folder / "spots.csv"
    target.write_text("old\n")
    before = os.stat(target).st_ino
    ok(["near", "Lyon", "--format", "csv", "--output", str(target), "--force"])
    # A new file renamed over the old one (never the old file rewritten in place).
    assert os.stat(target).st_ino != before
    assert target.read_text(encoding="utf-8").startswith("rank,id,name,")
    assert sorted(p.name for p in folder.iterdir()) == ["spots.csv"]


def test_output_table_is_plain_text(lyon: FakeServices, tmp_path: Path) -> None:
    target = tmp_path / "spots.txt"
    ok(["near", "Lyon", "--output", str(target)])
    text = target.read_text(encoding="utf-8")
    assert "Smooth" in text and "© OpenStreetMap contributors" in text
    assert ESC not in text


def test_output_into_a_missing_folder(lyon: FakeServices, tmp_path: Path) -> None:
    result = invoke(["near", "Lyon", "--format", "json", "-o", str(tmp_path / "no" / "x.json")])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "does not exist")


# -- kinds ---------------------------------------------------------------------------------------


def test_kind_all(lyon: FakeServices) -> None:
    kinds = {p["kind"] for p in near_json("Lyon", "--kind", "all", "--limit", "0")}
    assert {"coworking", "library", "cafe"} <= kinds


def test_kind_cafe_only_cafes_with_internet_access(lyon: FakeServices, shared_data: Path) -> None:
    places = near_json("Lyon", "--kind", "cafe", "--limit", "0")
    elements = json.loads((shared_data / "overpass" / "lyon_cafes.json").read_text("utf-8"))
    expected = {
        f"{e['type']}/{e['id']}"
        for e in elements["elements"]
        if e["tags"].get("internet_access") in INTERNET_YES
        and e["tags"].get("office") != "coworking"  # a coworking café is a coworking space
        and distance_m(LYON_LAT, LYON_LON, *position(e)) <= 2000
    }
    assert places and {p["id"] for p in places} == expected
    assert {p["kind"] for p in places} == {"cafe"}


def position(element: dict[str, Any]) -> tuple[float, float]:
    point = element if "lat" in element else element["center"]
    return point["lat"], point["lon"]


def test_kind_library(lyon: FakeServices) -> None:
    places = near_json("Lyon", "--kind", "library", "--limit", "0")
    assert places and {p["kind"] for p in places} == {"library"}


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--kind", "pub"], "unknown kind"),
        (["--kind", "coworking,bar"], "unknown kind"),
        (["--radius", "far"], "bad radius"),
        (["--radius", "0"], "more than zero"),
        (["--radius", "0.5m"], "at least 1 m"),  # the library's minimum too
        (["--radius", "500km"], "too large"),
        (["--country", "France"], "bad country code"),
        (["--offline", "--refresh"], "contradict"),
    ],
)
def test_bad_option_is_exit_2_with_one_line(
    lyon: FakeServices, args: list[str], fragment: str
) -> None:
    result = invoke(["near", "Lyon", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert_one_error(result.stderr, fragment)
    assert lyon.count() == 0


@pytest.mark.parametrize(
    ("place", "fragment"),
    [
        ("91,4.8", "out of range"),
        ("45.7,200", "out of range"),
        ("45.7,4.8,1", "bad coordinates"),
        ("45.7,", "bad coordinates"),
    ],
)
def test_bad_coordinates_are_exit_2(lyon: FakeServices, place: str, fragment: str) -> None:
    result = invoke(["near", place])
    assert result.exit_code == 2
    assert_one_error(result.stderr, fragment)
    assert lyon.count() == 0


@pytest.mark.parametrize(
    "args",
    [
        ["near", "Lyon", "--sort", "nearest"],
        ["near", "Lyon", "--limit", "-1"],
        ["near", "Lyon", "--format", "xml"],
        ["near", "Lyon", "--bogus"],
    ],
)
def test_click_usage_errors_are_exit_2(lyon: FakeServices, args: list[str]) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "Usage:" in result.stderr
    assert lyon.count() == 0


# -- ranking -------------------------------------------------------------------------------------


def test_community_coworking_ranks_above_a_chain_at_the_same_distance(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    services.add_elements(
        [
            {
                "type": "node",
                "id": 1,
                "lat": 45.7510,
                "lon": 4.8500,
                "tags": {"office": "coworking", "name": "Regus Bellecour", "brand": "Regus"},
            },
            {
                "type": "node",
                "id": 2,
                "lat": 45.7510,
                "lon": 4.8500,
                "tags": {"amenity": "coworking_space", "name": "La Ruche"},
            },
        ]
    )
    places = near_json("45.75,4.85")
    assert [p["name"] for p in places] == ["La Ruche", "Regus Bellecour"]
    assert places[0]["distance_m"] == places[1]["distance_m"]
    assert [p["chain"] for p in places] == [False, True]
    assert places[0]["score"] > places[1]["score"]


def test_chain_is_marked_in_the_table(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    services.add_elements(
        [
            {
                "type": "node",
                "id": 1,
                "lat": 45.7510,
                "lon": 4.8500,
                "tags": {"office": "coworking", "name": "Spaces", "brand": "Spaces"},
            }
        ]
    )
    lines = ok(["near", "45.75,4.85"]).stdout.splitlines()
    row = next(i for i, line in enumerate(lines) if "Spaces" in line)
    column = lines[row].index("coworking")
    assert lines[row + 1][column:].split()[0] == "chain"  # under the kind, in its column


# -- coverage and request counts -------------------------------------------------------------------


def test_new_area_costs_one_geocode_and_one_overpass_request(lyon: FakeServices) -> None:
    ok(["near", "Lyon"])
    assert counts(lyon) == (1, 1)


def test_same_question_again_costs_nothing(lyon: FakeServices) -> None:
    first = near_json("Lyon")
    lyon.reset_log()
    again = near_json("Lyon")
    assert lyon.count() == 0
    assert again == first


def test_table_from_local_data_costs_nothing(lyon: FakeServices) -> None:
    ok(["near", "Lyon"])
    lyon.reset_log()
    assert "Smooth" in ok(["near", "Lyon"]).stdout
    assert lyon.count() == 0


@pytest.mark.parametrize(
    "args",
    [
        ["Lyon", "--radius", "1km"],
        ["Lyon", "--radius", "800m"],
        ["45.755,4.85", "--radius", "1km"],
        [LYON_POINT],
    ],
)
def test_smaller_circle_inside_costs_nothing(lyon: FakeServices, args: list[str]) -> None:
    ok(["near", "Lyon"])  # 2 km asked, a wider circle fetched
    lyon.reset_log()
    assert near_json(*args)
    assert lyon.count() == 0


def test_circle_reaching_outside_fetches_again(lyon: FakeServices) -> None:
    ok(["near", "Lyon", "--radius", "1km"])
    lyon.reset_log()
    ok(["near", "Lyon", "--radius", "10km"])
    assert counts(lyon) == (0, 1)


def test_only_the_missing_kind_is_fetched(lyon: FakeServices) -> None:
    ok(["near", "Lyon"])
    lyon.reset_log()
    places = near_json("Lyon", "--kind", "coworking,library", "--limit", "0")
    assert counts(lyon) == (0, 1)
    (query,) = overpass_queries(lyon)
    assert '["amenity"="library"]' in query
    assert '"coworking' not in query
    assert {p["kind"] for p in places} == {"coworking", "library"}


def test_refresh_fetches_again(lyon: FakeServices) -> None:
    ok(["near", "Lyon"])
    lyon.reset_log()
    ok(["near", "Lyon", "--refresh"])
    assert lyon.count("/api/interpreter") == 1


def test_stale_area_is_fetched_again(lyon: FakeServices) -> None:
    ok(["near", "Lyon"])
    age_cache(days=8)
    lyon.reset_log()
    ok(["near", "Lyon"])
    assert counts(lyon) == (0, 1)


def test_coordinates_cost_no_geocoding(lyon: FakeServices) -> None:
    places = near_json(LYON_POINT, "--sort", "distance")
    assert counts(lyon) == (0, 1)
    assert [p["name"] for p in places[:3]] == NEAREST_THREE


def test_json_understood_line_only_for_names(lyon: FakeServices) -> None:
    result = ok(["near", LYON_POINT, "--format", "json"])
    assert "understood" not in result.stderr


# -- offline and sync ------------------------------------------------------------------------------


def age_cache(days: float) -> None:
    """Make every fetch in the local cache `days` older."""
    conn = sqlite3.connect(get_paths().cache_db)
    try:
        with conn:
            conn.execute("UPDATE coverage SET fetched_at = fetched_at - ?", (days * 86400,))
            conn.execute("UPDATE places SET fetched_at = fetched_at - ?", (days * 86400,))
    finally:
        conn.close()


@pytest.mark.parametrize("place", ["Lyon", LYON_POINT])
def test_offline_with_nothing_stored_says_to_sync(lyon: FakeServices, place: str) -> None:
    result = invoke(["near", place, "--offline"])
    assert result.exit_code == 6
    assert result.stdout == ""
    assert_one_error(result.stderr, "solomo sync")
    assert lyon.count() == 0


def test_sync_fetches_all_kinds_in_one_request(lyon: FakeServices) -> None:
    result = ok(["sync", "Lyon", "--radius", "20km"])
    assert counts(lyon) == (1, 1)
    (query,) = overpass_queries(lyon)
    for fragment in (
        '"office"="coworking"',
        '"amenity"="coworking_space"',
        '"leisure"="hackerspace"',
        '"amenity"="library"',
        '"amenity"="cafe"',
    ):
        assert fragment in query
    assert "(around:20000," in query
    assert "fetched" in result.stdout and "--offline" in result.stdout
    assert "© OpenStreetMap contributors" in result.stdout


def test_sync_twice_is_already_up_to_date(lyon: FakeServices) -> None:
    ok(["sync", "Lyon", "--radius", "20km"])
    lyon.reset_log()
    assert "already up to date" in ok(["sync", "Lyon", "--radius", "5km"]).stdout
    assert lyon.count() == 0


def test_offline_after_sync_needs_no_server(lyon: FakeServices) -> None:
    ok(["sync", "Lyon", "--radius", "20km"])
    expected = near_json("Lyon", "--kind", "all")
    lyon.reset_log()
    lyon.stop()  # nothing listens any more
    result = ok(["near", "Lyon", "--offline", "--kind", "all", "--format", "json"])
    assert json.loads(result.stdout) == expected
    assert lyon.count() == 0


def test_offline_table_says_how_old_the_data_is(lyon: FakeServices) -> None:
    ok(["sync", "Lyon", "--radius", "20km"])
    age_cache(days=30)  # too old to be fresh, still good offline
    lyon.stop()
    out = ok(["near", "Lyon", "--offline"]).stdout
    assert "30 days old" in out
    assert "Smooth" in out


def test_offline_json_says_how_old_the_data_is_on_stderr(lyon: FakeServices) -> None:
    ok(["sync", "Lyon", "--radius", "20km"])
    age_cache(days=3)
    lyon.stop()
    result = ok(["near", "Lyon", "--offline", "--format", "json"])
    assert len(json.loads(result.stdout)) == 20
    assert "3 days old" in result.stderr


def test_offline_with_a_kind_not_synced(lyon: FakeServices) -> None:
    ok(["sync", "Lyon", "--radius", "5km", "--kind", "coworking"])
    lyon.reset_log()
    result = invoke(["near", "Lyon", "--offline", "--kind", "coworking,library"])
    assert result.exit_code == 6
    assert_one_error(result.stderr, "no local data for library", "--kind coworking,library")
    assert lyon.count() == 0


def test_output_dash_is_stdout(
    lyon: FakeServices, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    result = ok(["near", "Lyon", "--format", "json", "--output", "-"])
    assert len(json.loads(result.stdout)) == 20
    assert list(folder.iterdir()) == []


def test_offline_outside_the_synced_area(lyon: FakeServices) -> None:
    ok(["sync", "Lyon", "--radius", "5km"])
    lyon.reset_log()
    result = invoke(["near", "48.85,2.35", "--offline"])
    assert result.exit_code == 6
    assert_one_error(result.stderr, "no local data", "solomo sync")
    assert lyon.count() == 0


def test_sync_with_coordinates(lyon: FakeServices) -> None:
    result = ok(["sync", LYON_POINT, "--radius", "3km", "--kind", "coworking"])
    assert counts(lyon) == (0, 1)
    assert result.stdout.startswith("48 places (coworking) within 3.0 km of 45.74906,4.84789")
    lyon.reset_log()
    assert len(near_json(LYON_POINT, "--offline", "--radius", "2km", "--limit", "0")) == 36


def test_sync_reports_the_place_count(lyon: FakeServices) -> None:
    out = ok(["sync", LYON_POINT, "--radius", "1km", "--kind", "coworking"]).stdout
    assert out.startswith("9 places (coworking) within 1.0 km of 45.74906,4.84789: fetched.")


def test_near_after_sync_costs_nothing_online(lyon: FakeServices) -> None:
    ok(["sync", "Lyon", "--radius", "20km"])
    lyon.reset_log()
    ok(["near", "Lyon", "--kind", "all"])
    assert lyon.count() == 0


def test_listing_is_remembered(lyon: FakeServices) -> None:
    from solomo_cli.cache.store import Cache
    from solomo_cli.search.near import last_listing

    ok(["near", "Lyon", "--sort", "distance", "--limit", "3"])
    cache = Cache(get_paths().cache_db)
    try:
        listing = last_listing(cache)
    finally:
        cache.close()
    assert listing is not None
    assert [p["name"] for p in listing["places"]] == NEAREST_THREE


def test_data_fetched_now_is_dated(lyon: FakeServices) -> None:
    started = time.time()
    ok(["near", "Lyon"])
    conn = sqlite3.connect(get_paths().cache_db)
    try:
        (fetched_at,) = conn.execute("SELECT max(fetched_at) FROM coverage").fetchone()
    finally:
        conn.close()
    assert started - 1 <= fetched_at <= time.time() + 1


# -- south of the equator, west of Greenwich -------------------------------------------------------

SOUTH = [
    {
        "type": "node",
        "id": 9,
        "lat": -33.8690,
        "lon": 151.2090,
        "tags": {"office": "coworking", "name": "Sydney Hub"},
    },
    {
        "type": "node",
        "id": 10,
        "lat": -12.0460,
        "lon": -77.0430,
        "tags": {"amenity": "coworking_space", "name": "Lima Cowork"},
    },
]


@pytest.mark.parametrize(
    ("place", "name"),
    [
        ("-33.8688,151.2093", "Sydney Hub"),
        ("-33.8688, 151.2093", "Sydney Hub"),
        ("-33.8688;151.2093", "Sydney Hub"),
        ("-12.0464,-77.0428", "Lima Cowork"),
    ],
)
def test_negative_coordinates_are_a_place_not_an_option(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch, place: str, name: str
) -> None:
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    services.add_elements(SOUTH)
    places = near_json(place, "--radius", "1km")
    assert [p["name"] for p in places] == [name]
    assert services.count("/search") == 0


def test_negative_coordinates_sync_then_offline(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    services.add_elements(SOUTH)
    result = invoke(["near", "-33.8688,151.2093", "--offline"])
    assert result.exit_code == 6
    assert "solomo sync -33.8688,151.2093 " in result.stderr  # a hint that works as written
    ok(["sync", "-33.8688,151.2093", "--radius", "5km"])
    services.stop()
    assert [p["name"] for p in near_json("-33.8688,151.2093", "--offline")] == ["Sydney Hub"]
