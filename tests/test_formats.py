"""The registry of formats and the files it writes: `near -o FILE` by suffix, export refusals
(solomo's own databases, FIFOs, devices), the place record shared by near/show/export, Google
Takeout's `?q=` positions, and vCard text values read back by vobject."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from pathlib import Path

import pytest
import vobject
from clitools import assert_one_error, coworking, invoke, seed_listing
from fakeservers import FakeServices

from solomo_cli.config import get_paths
from solomo_cli.formats import registry
from solomo_cli.formats.records import PLACE_FIELDS, place_record
from solomo_cli.formats.registry import OSM_LICENSE
from solomo_cli.mydata.store import UserData

SMOOTH = coworking("node/1", "Smooth", 45.75, 4.85, {"website": "https://smooth.example"})


# -- the registry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("listing", ["table", "json", "csv", "geojson", "html"]),
        ("places", ["json", "csv", "geojson"]),
        ("contacts", ["table", "json", "csv", "vcard"]),
        ("place", ["table", "json"]),
    ],
)
def test_choices_come_from_the_registry(what: str, expected: list[str]) -> None:
    assert registry.choices(what) == expected


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["near", "--help"], "table|json|csv|geojson"),
        (["log", "--help"], "table|json|csv|geojson"),
        (["show", "--help"], "table|json"),
        (["export", "--help"], "json|csv|geojson|vcard"),
        (["import", "--help"], "json|csv|geojson"),
    ],
)
def test_every_format_option_offers_the_registry_choices(command: list[str], expected: str) -> None:
    result = invoke(command, env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert expected in result.stdout.replace(" ", "")


def test_suffixes_name_formats() -> None:
    assert registry.by_suffix("a.CSV") == "csv" and registry.by_suffix("a.vcard") == "vcard"
    assert (
        registry.by_suffix("a.txt") == "table" and registry.by_suffix("a.txt", files=True) is None
    )
    assert registry.by_suffix("noext") is None


# -- near -o FILE ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".json", ".geojson"])
def test_near_output_takes_its_format_from_the_suffix(
    fast: FakeServices, tmp_path: Path, suffix: str
) -> None:
    target = tmp_path / f"lyon{suffix}"
    result = invoke(["near", "45.75,4.85", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"Wrote {target} ({suffix[1:]})" in result.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    text = target.read_text(encoding="utf-8")
    assert "┃" not in text and "│" not in text  # not the box-drawn table
    if suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [(r["rank"], r["id"], r["name"]) for r in rows] == [("1", "node/1", "Smooth")]
    elif suffix == ".json":
        (place,) = json.loads(text)
        assert (place["rank"], place["id"], place["name"]) == (1, "node/1", "Smooth")
        assert place["attribution"] == OSM_LICENSE
    else:
        data = json.loads(text)
        assert data["type"] == "FeatureCollection" and data["attribution"] == OSM_LICENSE
        assert data["features"][0]["geometry"]["coordinates"] == [4.85, 45.75]


def test_near_output_txt_is_the_plain_table_and_format_wins(
    fast: FakeServices, tmp_path: Path
) -> None:
    table = tmp_path / "lyon.txt"
    assert invoke(["near", "45.75,4.85", "-o", str(table)]).exit_code == 0
    assert "Smooth" in table.read_text(encoding="utf-8")
    with pytest.raises(json.JSONDecodeError):
        json.loads(table.read_text(encoding="utf-8"))
    forced = tmp_path / "lyon.csv"
    assert invoke(["near", "45.75,4.85", "-o", str(forced), "--format", "json"]).exit_code == 0
    assert json.loads(forced.read_text(encoding="utf-8"))[0]["id"] == "node/1"


@pytest.mark.parametrize("name", ["lyon.xyz", "lyon", "lyon.vcf"])
def test_near_output_with_an_unknown_suffix_is_a_usage_error(
    fast: FakeServices, tmp_path: Path, name: str
) -> None:
    target = tmp_path / name
    result = invoke(["near", "45.75,4.85", "-o", str(target)])
    assert result.exit_code == 2, (result.stderr, result.exception)
    fragments = (".txt, .json, .csv, .geojson", "--format")
    if name.endswith(".vcf"):
        fragments = ("listing cannot be written as vcard", "table, json, csv, geojson")
    assert_one_error(result.stderr, *fragments)
    assert not target.exists() and fast.requests == []


# -- one place record -----------------------------------------------------------------------


def test_one_place_shape_for_near_show_and_export(fast: FakeServices, tmp_path: Path) -> None:
    near = json.loads(invoke(["near", "45.75,4.85", "--format", "json"]).stdout)[0]
    assert invoke(["visit", "1", "--rating", "4"]).exit_code == 0
    show = json.loads(invoke(["show", "1", "--format", "json"]).stdout)
    out = tmp_path / "places.json"
    assert invoke(["export", "places", str(out)]).exit_code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))["places"][0]
    plain = set(place_record(SMOOTH))
    assert plain <= set(near) and plain <= set(show) and plain == set(exported)
    assert set(PLACE_FIELDS) <= plain
    listing_only = set(near) - plain
    assert listing_only == {
        "rank",
        "distance_m",
        "score",
        "open_state",
        "next_change",
        "stale",
        "explain",
    }
    for key in ("id", "name", "kind", "lat", "lon", "website", "url", "attribution"):
        assert near[key] == show[key] == exported[key], key
    assert (show["my_rating"], show["visits"], exported["my_rating"]) == (4, 1, 4)


# -- refusals of export --force -------------------------------------------------------------


def _filled() -> Path:
    seed_listing([SMOOTH])
    assert invoke(["visit", "1", "--rating", "5"]).exit_code == 0
    return get_paths().user_db


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_export_force_never_replaces_solomos_own_databases(suffix: str) -> None:
    db = _filled()
    before = _dump(db)
    for own in (Path(f"{db}{suffix}"), Path(f"{get_paths().cache_db}{suffix}")):
        result = invoke(["export", "visits", str(own), "--format", "json", "--force"])
        assert result.exit_code == 2
        assert_one_error(result.stderr, "solomo's own data files")
    assert _dump(db) == before
    assert invoke(["log", "--format", "json"]).exit_code == 0


def test_backup_never_replaces_the_user_data_file() -> None:
    db = _filled()
    result = invoke(["backup", str(db), "--force"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "solomo's own data files")


def test_export_force_refuses_a_fifo_and_a_device(tmp_path: Path) -> None:
    _filled()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (str(fifo), "/dev/null"):
        result = invoke(["export", "visits", target, "--format", "csv", "--force"])
        assert result.exit_code == 2
        assert_one_error(result.stderr, "not a regular file")
    assert os.path.exists("/dev/null") and not Path("/dev/null").is_file()
    result = invoke(["export", "visits", str(tmp_path), "--format", "csv", "--force"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "is a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "pipe"]


@pytest.mark.parametrize("command", [["export", "visits"], ["backup"]])
def test_force_never_replaces_a_symbolic_link(tmp_path: Path, command: list[str]) -> None:
    _filled()
    target = tmp_path / "t.csv"
    target.write_text("mine", encoding="utf-8")
    link = tmp_path / "l.csv"
    link.symlink_to(target.name)
    dangling = tmp_path / "gone.csv"
    dangling.symlink_to("nowhere.csv")
    for path in (link, dangling):
        result = invoke([*command, str(path), "--force"])
        assert result.exit_code == 2
        assert_one_error(result.stderr, "is a symbolic link: give the file itself, or - for stdout")
        assert path.is_symlink()
    assert target.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gone.csv", "home", "l.csv", "t.csv"]


@pytest.mark.parametrize("command", [["export", "visits", "--format", "json"], ["backup"]])
def test_force_never_replaces_the_config_file(command: list[str]) -> None:
    _filled()
    config = get_paths().config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('currency = "CHF"\n', encoding="utf-8")
    for target in (str(config), os.path.relpath(config)):
        result = invoke([*command[:2], target, *command[2:], "--force"])
        assert result.exit_code == 2
        assert_one_error(result.stderr, "solomo's own data files")
    assert config.read_text(encoding="utf-8") == 'currency = "CHF"\n'
    assert invoke(["log"]).exit_code == 0


def test_export_refuses_without_force_and_says_how(tmp_path: Path) -> None:
    _filled()
    out = tmp_path / "v.json"
    out.write_text("mine", encoding="utf-8")
    result = invoke(["export", "visits", str(out)])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "already exists", "--force")
    assert out.read_text(encoding="utf-8") == "mine"


# -- Google Takeout -------------------------------------------------------------------------

TAKEOUT_NOW = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [0, 0]},
            "properties": {
                "date": "2024-07-02T10:11:12Z",
                "google_maps_url": "http://maps.google.com/?q=41.99,5.32",
                "location": {"name": "Calanque bar", "address": "Port, Cassis"},
            },
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [0, 0]},
            "properties": {
                "date": "2024-07-03T10:11:12Z",
                "google_maps_url": "http://maps.google.com/?q=Le+Bistrot+Lyon",
            },
        },
    ],
}


def test_takeout_position_from_the_maps_url(tmp_path: Path) -> None:
    path = tmp_path / "Saved Places.json"
    path.write_text(json.dumps(TAKEOUT_NOW), encoding="utf-8")
    result = invoke(["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "1 place; 1 without a location skipped" in result.stdout
    user = UserData(get_paths().user_db)
    try:
        (place,) = user.places()
        assert (place.name, place.lat, place.lon) == ("Calanque bar", 41.99, 5.32)
        assert place.id.startswith("google/")
    finally:
        user.close()


# -- vCard ----------------------------------------------------------------------------------


def test_vcard_text_values_keep_semicolons(tmp_path: Path) -> None:
    assert (
        invoke(
            ["contact", "add", "Smith; John", "--note", "likes a;b", "--org", "Acme; Sons"]
        ).exit_code
        == 0
    )
    out = tmp_path / "c.vcf"
    assert invoke(["export", "contacts", str(out)]).exit_code == 0
    text = out.read_bytes().decode("utf-8")  # CRLF kept
    assert "FN:Smith; John\r\n" in text and "NOTE:likes a;b" in text
    assert "ORG:Acme\\; Sons\r\n" in text  # a compound value: ';' separates its components
    (card,) = vobject.readComponents(text)
    assert card.fn.value == "Smith; John"
    assert card.note.value == "likes a;b"
    assert card.org.value == ["Acme; Sons"]


def test_log_and_contact_list_write_every_format_the_registry_gives() -> None:
    _filled()
    assert invoke(["contact", "add", "Jeanne Martin", "--at", "1"]).exit_code == 0
    geo = json.loads(invoke(["log", "--format", "geojson"]).stdout)
    assert geo["type"] == "FeatureCollection" and geo["attribution"] == OSM_LICENSE
    assert [f["properties"]["place_id"] for f in geo["features"]] == ["node/1"]
    rows = list(csv.DictReader(io.StringIO(invoke(["log", "--format", "csv"]).stdout)))
    assert [(r["place_id"], r["rating"]) for r in rows] == [("node/1", "5")]
    cards = invoke(["contact", "list", "--format", "vcard"]).stdout
    (card,) = vobject.readComponents(cards)
    assert card.fn.value == "Jeanne Martin" and "Met " in card.note.value


def test_near_refuses_an_existing_output_before_searching(
    fast: FakeServices, tmp_path: Path
) -> None:
    target = tmp_path / "spots.csv"
    target.write_text("mine\n", encoding="utf-8")
    result = invoke(["near", "Lyon", "--output", str(target)])
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert fast.requests == []  # neither geocoded nor fetched
    assert target.read_text(encoding="utf-8") == "mine\n"
