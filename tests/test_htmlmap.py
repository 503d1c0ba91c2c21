"""The map page (formats/htmlmap.py) as text: its data escaped for a <script>, its links
checked, Leaflet inlined; and the commands that write it (near, log, --open). The page in a
real browser is test_map_browser.py."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
from browsertools import record_browser
from clitools import assert_one_error, coworking, invoke, seed_listing
from hypothesis import given
from hypothesis import strategies as st

from solomo_cli.formats import htmlmap
from solomo_cli.model import Place

HOSTILE = "<img src=x onerror=alert(1)></script><script>alert(2)</script> [bold]b[/bold] &amp;"
SMOOTH = coworking(
    "node/1",
    "Smooth",
    45.7500,
    4.8500,
    {
        "website": "smooth.example/day-pass",
        "phone": "+33 6 33 04 18 04",
        "email": "hello@smooth.example",
        "opening_hours": "24/7",
    },
)
EVIL = coworking(
    "node/2", HOSTILE, 45.7520, 4.8480, {"website": "javascript:alert(3)", "brand": "Regus"}
)


@pytest.fixture
def browser_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return record_browser(tmp_path, monkeypatch)


def data_of(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="solomo-data">(.*?)</script>', page)
    assert found, "the page has no data element"
    return json.loads(found.group(1))


@given(st.text())
def test_script_json_never_closes_its_element_and_reads_back(value: str) -> None:
    text = htmlmap.script_json({"name": value})
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"name": value}


def test_only_checked_links_are_made() -> None:
    place = htmlmap.listing_place(
        {
            "rank": 1,
            "name": "A",
            "kind": "coworking",
            "lat": 1,
            "lon": 2,
            "website": "javascript:alert(1)",
            "email": "a@b.example",
            "phone": "+33 6 33 04 18 04",
            "osm_url": "https://www.openstreetmap.org/node/1",
        }
    )
    assert [link["href"] for link in place["links"]] == ["mailto:a@b.example", "tel:+33633041804"]
    bare = htmlmap.listing_place({"rank": 2, "kind": "cafe", "lat": 1, "lon": 2, "website": "x.fr"})
    assert bare["links"] == [{"href": "https://x.fr", "text": "x.fr"}]
    assert bare["name"] == "unnamed café" and bare["distance"] == "0 m"


def test_visits_become_one_marker_per_place_with_dates_and_costs() -> None:
    def visit(place: str, day: str, cost: str | None, rating: int | None = None) -> dict:
        return {
            "place_id": place,
            "place_name": place.upper(),
            "kind": "coworking",
            "lat": 45.7,
            "lon": 4.8,
            "date": day,
            "cost": cost,
            "currency": "EUR" if cost else None,
            "rating": rating,
            "url": f"https://www.openstreetmap.org/{place}",
        }

    places = htmlmap.visited_places(
        [
            visit("node/2", "2026-11-20", "20", 4),
            visit("node/1", "2026-11-18", None),
            visit("node/2", "2026-11-10", "12.50", 2),
            {**visit("node/3", "2026-11-01", None), "lat": None},
        ]
    )
    assert [(p["rank"], p["name"], p["visits"]) for p in places] == [
        (1, "NODE/2", 2),
        (2, "NODE/1", 1),
    ]
    assert places[0]["dates"] == ["2026-11-20", "2026-11-10"]
    assert places[0]["costs"] == ["32.50 EUR"] and places[0]["rating"] == 3.0
    assert places[1]["costs"] == [] and places[1]["rating"] is None


def test_the_page_inlines_leaflet_and_loads_nothing_but_tiles() -> None:
    page = htmlmap.page("T", [], search=None, attribution="© OpenStreetMap contributors")
    assert 'version="1.9.3"' in page  # Leaflet itself, inlined
    assert "sourceMappingURL" not in page and "images/marker-icon.png" not in page
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page)  # no CDN, no file beside it
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "script-src 'sha256-" in policy and "unsafe-inline" not in policy.split("script-src")[1]
    assert htmlmap.TILES in page and "openstreetmap.org/copyright" in page


# -- near --------------------------------------------------------------------------------------


def test_near_format_html_writes_the_listing_to_stdout(fast: object) -> None:
    result = invoke(["near", "45.75,4.85", "--format", "html"])
    assert result.exit_code == 0, result.stderr
    data = data_of(result.stdout)
    assert [p["name"] for p in data["places"]] == ["Smooth"]
    assert data["search"]["radius_m"] == 2000 and data["search"]["lat"] == 45.75
    assert "OpenStreetMap contributors" in data["attribution"]


def test_near_o_map_html_is_private_and_keeps_hostile_names_as_data(tmp_path: Path) -> None:
    seed_listing([SMOOTH, EVIL])
    target = tmp_path / "map.html"
    result = invoke(["near", "45.7506,4.8495", "--offline", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert "Wrote" in result.stderr and "(html)" in result.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    page = target.read_text(encoding="utf-8")
    assert "<img src=x" not in page and "</script><script>alert(2)" not in page
    assert page.count("<script") == 4  # the collector, the data, Leaflet, the page's own
    places = data_of(page)["places"]
    assert [p["rank"] for p in places] == [1, 2]
    evil = next(p for p in places if p["name"] != "Smooth")
    assert evil["name"] == HOSTILE and evil["chain"] is True and evil["links"] == []
    smooth = next(p for p in places if p["name"] == "Smooth")
    assert smooth["hours_phrase"] == "open 24/7"
    assert {link["href"] for link in smooth["links"]} == {
        "https://smooth.example/day-pass",
        "mailto:hello@smooth.example",
        "tel:+33633041804",
    }


def test_near_open_opens_the_written_page(tmp_path: Path, browser_log: Path) -> None:
    seed_listing([SMOOTH])
    target = tmp_path / "m.html"
    result = invoke(["near", "45.75,4.85", "--offline", "-o", str(target), "--open"])
    assert result.exit_code == 0, result.stderr
    assert browser_log.read_text().split() == [target.resolve().as_uri()]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--open"], "-o FILE"),
        (["--open", "-o", "x.csv"], "not csv"),
        (["--map", "--format", "json"], "--map draws under the table"),
        (["--map", "-o", "x.txt"], "--map draws under the table"),
    ],
)
def test_map_options_that_cannot_work_are_refused_first(
    args: list[str], fragment: str, tmp_path: Path
) -> None:
    os.chdir(tmp_path)
    result = invoke(["near", "45.75,4.85", "--offline", *args])
    assert result.exit_code == 2
    assert_one_error(result.stderr, fragment)
    assert not list(tmp_path.iterdir())


def test_no_browser_says_so_with_the_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER", str(tmp_path / "no-such-browser"))
    seed_listing([SMOOTH])
    target = tmp_path / "m.html"
    result = invoke(["near", "45.75,4.85", "--offline", "-o", str(target), "--open"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[-2] == f"solomo: error: no browser could be opened for {target.resolve().as_uri()}"
    assert lines[-1].startswith("  open the URL yourself") and "Traceback" not in result.stderr
    assert target.is_file()  # the page is written all the same


# -- log ---------------------------------------------------------------------------------------


def test_log_format_html_maps_where_you_worked(tmp_path: Path, browser_log: Path) -> None:
    seed_listing([SMOOTH, EVIL])
    for args in (["1", "--date", "2026-11-02", "--cost", "20 EUR"], ["1"], ["2", "--rating", "2"]):
        assert invoke(["visit", *args]).exit_code == 0
    target = tmp_path / "worked.html"
    result = invoke(["log", "-o", str(target), "--open", "--since", "2026-11-01"])
    assert result.exit_code == 0, result.stderr
    page = target.read_text(encoding="utf-8")
    data = data_of(page)
    assert data["title"].startswith("Where you worked, since 2026-11-01")
    assert data["search"] is None and "OpenStreetMap contributors" in data["attribution"]
    by_name = {p["name"]: p for p in data["places"]}
    assert by_name["Smooth"]["visits"] == 2 and by_name["Smooth"]["costs"] == ["20 EUR"]
    assert by_name[HOSTILE]["rating"] == 2.0
    assert browser_log.read_text().split() == [target.resolve().as_uri()]
    stdout = invoke(["log", "--format", "html"]).stdout
    assert data_of(stdout)["title"] == "Where you worked"
    assert data_of(stdout)["places"] == data["places"]


def test_log_o_needs_a_suffix_it_knows(tmp_path: Path) -> None:
    result = invoke(["log", "-o", str(tmp_path / "worked.txt")])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "cannot tell the format")


def test_unnamed_and_chain_places_are_told_apart() -> None:
    unnamed = Place("node/5", None, "library", 45.0, 4.0, {"amenity": "library"})
    record = htmlmap.listing_place(
        {"rank": 1, "name": unnamed.name, "kind": "library", "lat": 45.0, "lon": 4.0, "chain": 1}
    )
    assert record["name"] == "unnamed library" and record["chain"] is True
