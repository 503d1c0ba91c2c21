"""Untrusted text from OSM and Nominatim: nothing reaches the terminal as escape sequences or
Rich markup, and nothing reaches a spreadsheet as a formula."""

from __future__ import annotations

import csv
import io
import json

import pytest
from clitools import ESC, invoke
from fakeservers import FakeServices, nominatim_result

from solomo_cli.boundary import clean, clean_or_none
from solomo_cli.formats.csv import csv_cell


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mRed\x1b[0m", "Red"),  # CSI colour
        ("\x1b[2J\x1b[HCleared", "Cleared"),  # CSI clear screen / cursor home
        ("a\x1b[38;2;255;0;0mb", "ab"),  # 24-bit colour
        ("\x1b]8;;http://evil.example\x07click\x1b]8;;\x07", "click"),  # OSC 8 hyperlink, BEL
        ("\x1b]0;pwned title\x1b\\Name", "Name"),  # OSC window title, ST
        ("\x9b31mC1 CSI", "C1 CSI"),  # 8-bit CSI
        ("\x9d0;title\x9cC1 OSC", "C1 OSC"),  # 8-bit OSC ... 8-bit ST
        ("\x1bPq#0;2;0;0;0\x1b\\Sixel", "Sixel"),  # DCS ... ST
        ("\x1bcReset", "Reset"),  # RIS (full reset)
        ("\x1b(BCharset", "Charset"),  # nF: designate a character set
        ("\x1b7saved\x1b8", "saved"),  # Fp: save / restore cursor
        ("bell\x07 and\x08 backspace\x7f", "bell and backspace"),
        ("nul\x00byte", "nulbyte"),
        ("two\nlines\r\nhere", "two lines here"),
        ("tab\there", "tab here"),
        ("\u202eevil\u202c.exe", "evil.exe"),  # RIGHT-TO-LEFT OVERRIDE / POP
        ("\u2066isolate\u2069 \u202aembed\u202c", "isolate embed"),
        ("line\u2028sep", "line sep"),
        ("  padded\n", "padded"),
    ],
)
def test_clean_strips_escapes_and_controls(raw: str, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(
    "text", ["La cordée - Jean Macé", "Café «Le Bal» 🙂", "東京コワーキング", "[bold]x[/]", ""]
)
def test_clean_keeps_ordinary_text(text: str) -> None:
    assert clean(text) == text


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), ("", None), ("\x1b[0m", None), ("x", "x"), (42, "42")]
)
def test_clean_or_none(value: object, expected: str | None) -> None:
    assert clean_or_none(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+33 4 78 00 00 00", "'+33 4 78 00 00 00"),
        ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\x1b[0m=1+1", "'=1+1"),  # an escape sequence does not hide a formula
        ("Smooth", "Smooth"),
        ("12 Rue X", "12 Rue X"),
        (None, ""),
    ],
)
def test_csv_cell_neutralises_formulas(value: object, expected: object) -> None:
    assert csv_cell(value) == expected


@pytest.mark.parametrize("number", [-0.5794, 4.84789, 0, 339, -12, 82.7])
def test_csv_cell_leaves_numbers_untouched(number: float) -> None:
    assert csv_cell(number) == number
    assert type(csv_cell(number)) is type(number)


# -- through the CLI ---------------------------------------------------------------------------

HOSTILE = [
    {
        "type": "node",
        "id": 1,
        "lat": 45.7500,
        "lon": 4.8500,
        "tags": {"office": "coworking", "name": "[bold red]X[/]"},
    },
    {
        "type": "node",
        "id": 2,
        "lat": 45.7501,
        "lon": 4.8501,
        "tags": {"office": "coworking", "name": "[link=http://evil]y[/link]"},
    },
    {
        "type": "node",
        "id": 3,
        "lat": 45.7502,
        "lon": 4.8502,
        "tags": {
            "office": "coworking",
            "name": "\x1b]8;;http://evil\x07Esc\x1b]8;;\x07\x1b[2J",
            "addr:street": "\x1b[31mRue\u202e Rouge",
            "website": "=cmd|' /C calc'!A0",
            "phone": "+33 4 00 00 00 00",
            "opening_hours": "Mo-Fr 09:00-18:00\x1b[5m",
        },
    },
    {
        "type": "node",
        "id": 4,
        "lat": 45.7503,
        "lon": -0.5794,  # far away: not in the results
        "tags": {"office": "coworking", "name": "West"},
    },
]
POINT = "45.75,4.85"


@pytest.fixture
def hostile(services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeServices:
    services.add_elements(HOSTILE)
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    monkeypatch.setenv("COLUMNS", "250")
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(var, raising=False)
    return services


def test_rich_markup_in_a_name_is_printed_literally(hostile: FakeServices) -> None:
    result = invoke(["near", POINT])
    assert result.exit_code == 0, result.stderr
    assert "[bold red]X[/]" in result.stdout
    assert "[link=http://evil]y[/link]" in result.stdout


def test_escape_sequences_never_reach_the_table(hostile: FakeServices) -> None:
    result = invoke(["near", POINT])
    assert result.exit_code == 0, result.stderr
    assert "Esc" in result.stdout and "Rue Rouge" in result.stdout
    assert ESC not in result.stdout and "\x07" not in result.stdout
    assert "\u202e" not in result.stdout and "\x9b" not in result.stdout


def test_escape_sequences_never_reach_json(hostile: FakeServices) -> None:
    result = invoke(["near", POINT, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    by_id = {p["id"]: p for p in json.loads(result.stdout)}
    assert by_id["node/3"]["name"] == "Esc"
    assert by_id["node/3"]["address"] == "Rue Rouge"
    assert by_id["node/3"]["opening_hours"] == "Mo-Fr 09:00-18:00"
    assert by_id["node/1"]["name"] == "[bold red]X[/]"


def test_csv_output_neutralises_formula_cells(hostile: FakeServices) -> None:
    result = invoke(["near", POINT, "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["node/3"]["website"] == "'=cmd|' /C calc'!A0"
    assert rows["node/3"]["phone"] == "'+33 4 00 00 00 00"
    assert rows["node/3"]["name"] == "Esc"
    assert ESC not in result.stdout


def test_csv_output_keeps_negative_coordinates_numeric(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    services.add_elements(HOSTILE)
    result = invoke(["near", "45.7503,-0.58", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["name"] == "West"
    assert row["lon"] == "-0.5794"
    assert float(row["distance_m"]) >= 0 and not row["distance_m"].startswith("'")


def test_hostile_place_understood_is_cleaned(
    services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    monkeypatch.setenv("COLUMNS", "250")
    services.add_elements(HOSTILE)
    services.set_geocode(
        "Evil",
        [
            nominatim_result(
                "Evil", 45.75, 4.85, display_name="\x1b]0;owned\x07Evil\u202eville [red]x[/red]"
            )
        ],
    )
    table = invoke(["near", "Evil"])
    assert table.exit_code == 0, table.stderr
    assert "Evilville [red]x[/red]" in table.stdout
    assert ESC not in table.stdout and "\u202e" not in table.stdout
    as_json = invoke(["near", "Evil", "--format", "json"])
    assert "understood as Evilville [red]x[/red]" in as_json.stderr
    assert ESC not in as_json.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("node/123", "node/123"),
        ("N123", "node/123"),
        ("w 42", "way/42"),
        ("https://www.openstreetmap.org/relation/7#map=19/45.7/4.8", "relation/7"),
        ("google/123", None),
        ("Smooth", None),
    ],
)
def test_osm_ref_is_the_one_grammar_of_osm_ids(text: str, expected: str | None) -> None:
    from solomo_cli.boundary import osm_ref

    assert osm_ref(text) == expected


def test_is_osm_id_decides_the_source_of_a_place() -> None:
    from solomo_cli.boundary import is_osm_id
    from solomo_cli.mydata.base import source_of

    assert is_osm_id("way/42") and not is_osm_id("google/42") and not is_osm_id("node/x")
    # Digits of other scripts are not an OSM number, here as everywhere else.
    assert not is_osm_id("node/\u0661\u0662") and source_of("node/\u0661\u0662") == "node"
    assert source_of("relation/7") == "osm"
