"""Radii, coordinates, and our haversine against geopy's great_circle."""

from __future__ import annotations

import random

import pytest
from geopy.distance import great_circle

from solomo_cli.errors import ExitStatus, UsageError
from solomo_cli.geo import (
    MAX_RADIUS_M,
    bbox,
    distance_m,
    format_distance,
    parse_latlon,
    parse_radius,
)


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("800m", 800.0),
        ("2km", 2000.0),
        ("1.5 km", 1500.0),
        ("2", 2000.0),
        ("1,5km", 1500.0),
        (" 300 M ", 300.0),
        ("2KM", 2000.0),
        ("1mi", 1609.344),
        ("50km", 50_000.0),
    ],
)
def test_parse_radius(text: str, metres: float) -> None:
    assert parse_radius(text) == pytest.approx(metres)


@pytest.mark.parametrize("text", ["", "km", "abc", "2 kms", "-1km", "2km3", "1.2.3km", "2 feet"])
def test_parse_radius_rejects_garbage(text: str) -> None:
    with pytest.raises(UsageError, match="bad radius") as info:
        parse_radius(text)
    assert info.value.exit_status == ExitStatus.USAGE


@pytest.mark.parametrize("text", ["0", "0m", "0.0 km"])
def test_parse_radius_rejects_zero(text: str) -> None:
    with pytest.raises(UsageError, match="more than zero"):
        parse_radius(text)


@pytest.mark.parametrize("text", ["51km", "100000m", "40mi"])
def test_parse_radius_rejects_too_large(text: str) -> None:
    with pytest.raises(UsageError, match="too large"):
        parse_radius(text)
    assert MAX_RADIUS_M == 50_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45.76,4.84", (45.76, 4.84)),
        ("45.76, 4.84", (45.76, 4.84)),
        (" -33.8688 , 151.2093 ", (-33.8688, 151.2093)),
        ("+48.85;2.35", (48.85, 2.35)),
        ("45 4", (45.0, 4.0)),
        ("90,180", (90.0, 180.0)),
        ("-90,-180", (-90.0, -180.0)),
    ],
)
def test_parse_latlon(text: str, expected: tuple[float, float]) -> None:
    assert parse_latlon(text) == expected


@pytest.mark.parametrize("text", ["91,4", "45,181", "-90.5,0", "4.84,245.76"])
def test_parse_latlon_out_of_range(text: str) -> None:
    with pytest.raises(UsageError, match="out of range") as info:
        parse_latlon(text)
    assert info.value.exit_status == ExitStatus.USAGE


@pytest.mark.parametrize("text", ["45.76,4.84,3", "45.76,", ",4.84", "45..76,4.84", "1-2,3"])
def test_parse_latlon_malformed(text: str) -> None:
    with pytest.raises(UsageError, match="bad coordinates"):
        parse_latlon(text)


@pytest.mark.parametrize(
    "text", ["Lyon", "Part-Dieu, Lyon", "45.76,4.84 Lyon", "Rue 12, Paris", "69007", "75011"]
)
def test_parse_latlon_place_name_is_none(text: str) -> None:
    # A place name (and a bare postcode) is for the geocoder.
    assert parse_latlon(text) is None


def random_pairs(count: int, seed: int) -> list[tuple[float, float, float, float]]:
    rng = random.Random(seed)
    return [
        (rng.uniform(-89, 89), rng.uniform(-180, 180), rng.uniform(-89, 89), rng.uniform(-180, 180))
        for _ in range(count)
    ]


@pytest.mark.parametrize(
    "points",
    [
        (45.74906, 4.84789, 45.7514387, 4.8451483),  # Lyon → Smooth, ~339 m
        (48.8566, 2.3522, 45.764, 4.8357),  # Paris → Lyon
        (51.5074, -0.1278, 40.7128, -74.006),  # London → New York
        (-33.8688, 151.2093, 35.6762, 139.6503),  # Sydney → Tokyo
        (0.0, 179.9, 0.0, -179.9),  # across the antimeridian
        (10.0, 10.0, 10.0, 10.00001),  # about a metre
        *random_pairs(50, seed=7),
    ],
)
def test_haversine_agrees_with_geopy_great_circle(
    points: tuple[float, float, float, float],
) -> None:
    ours = distance_m(*points)
    theirs = great_circle(points[:2], points[2:]).meters
    assert ours == pytest.approx(theirs, rel=1e-4)


def test_distance_to_self_is_zero() -> None:
    assert distance_m(45.75, 4.85, 45.75, 4.85) == 0.0


@pytest.mark.parametrize(("lat", "lon"), [(45.75, 4.85), (-60.0, 100.0), (0.0, 0.0)])
def test_bbox_contains_the_circle(lat: float, lon: float) -> None:
    radius = 5000.0
    min_lat, max_lat, min_lon, max_lon = bbox(lat, lon, radius)
    # The circle's extreme points (north, south, east, west) lie inside the box.
    assert distance_m(lat, lon, max_lat, lon) == pytest.approx(radius, rel=1e-6)
    assert distance_m(lat, lon, min_lat, lon) == pytest.approx(radius, rel=1e-6)
    assert distance_m(lat, lon, lat, max_lon) >= radius * 0.999
    assert distance_m(lat, lon, lat, min_lon) >= radius * 0.999


@pytest.mark.parametrize(
    ("metres", "text"), [(339.4, "339 m"), (1500, "1.5 km"), (20000, "20.0 km")]
)
def test_format_distance(metres: float, text: str) -> None:
    assert format_distance(metres) == text


@pytest.mark.parametrize(("lat", "radius"), [(89.9, 15000.0), (-89.95, 10000.0), (90.0, 1000.0)])
def test_bbox_of_a_circle_around_a_pole_spans_every_longitude(lat: float, radius: float) -> None:
    min_lat, max_lat, min_lon, max_lon = bbox(lat, 30.0, radius)
    assert (min_lon, max_lon) == (-180.0, 180.0)
    assert -90.0 <= min_lat < lat <= max_lat <= 90.0 or lat == 90.0


def test_bbox_across_the_antimeridian_runs_past_180() -> None:
    min_lat, max_lat, min_lon, max_lon = bbox(-16.8, 179.99, 10000.0)
    assert min_lon < 179.99 < 180.0 < max_lon


@pytest.mark.parametrize("text", ["0.5m", "0.9 m", ".0005km"])
def test_parse_radius_has_the_library_minimum(text: str) -> None:
    with pytest.raises(UsageError, match="at least 1 m"):
        parse_radius(text)
