"""The core of `solomo report`: how a note is composed from what the user states, what field
notes suggest, how the API's answer is read, and the `osm_api_url` setting."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solomo_cli import __version__
from solomo_cli.config import DEFAULT_OSM_API_URL, load_settings
from solomo_cli.errors import BadResponse, UsageError
from solomo_cli.model import Place
from solomo_cli.sources import osmnotes
from solomo_cli.sources.osmnotes import MAX_NOTE, Facts, compose, suggest

CORDEE = Place(
    "way/77",
    "La Cordée",
    "coworking",
    45.76,
    4.84,
    {"name": "La Cordée", "office": "coworking", "opening_hours": "Mo-Fr 09:00-19:00"},
)


# What the boundary removes, and what the OSM API refuses in a note (controls, noncharacters).
REFUSED = {chr(c) for c in (*range(0x00, 0x0A), *range(0x0B, 0x20), *range(0x7F, 0xA0))}
REFUSED |= {
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0xFDD0, 0xFDF0))
}
REFUSED |= {"\ufffe", "\uffff", "\u200b", "\ufeff"}


def lines(facts: Facts, place: Place = CORDEE) -> list[str]:
    return compose(place, facts).text.split("\n")


def test_a_note_names_the_object_and_the_place_and_ends_via_solomo() -> None:
    note = compose(CORDEE, Facts(exists=True))
    assert note.text.split("\n") == [
        "La Cordée (coworking): https://www.openstreetmap.org/way/77",
        "- still exists (seen on site)",
        "",
        f"via solomo {__version__}",
    ]
    assert (note.place_id, note.lat, note.lon, note.hours_problem) == ("way/77", 45.76, 4.84, None)
    assert note.fields() == {"lat": "45.7600000", "lon": "4.8400000", "text": note.text}


@pytest.mark.parametrize(
    ("facts", "line"),
    [
        (Facts(exists=False), "- closed: no longer here"),
        (Facts(sockets=True), "- power sockets for customers: yes"),
        (Facts(sockets=False), "- power sockets for customers: no"),
        (Facts(wifi="yes"), "- Wi-Fi: yes (internet_access=wlan)"),
        (Facts(wifi="no"), "- Wi-Fi: none (internet_access=no)"),
        (Facts(wifi="free"), "- Wi-Fi: yes, free (internet_access=wlan, internet_access:fee=no)"),
        (
            Facts(hours="Mo-Sa 08:00-20:00"),
            "- opening hours: Mo-Sa 08:00-20:00 "
            "(opening_hours=Mo-Sa 08:00-20:00; OSM has: Mo-Fr 09:00-19:00)",
        ),
        (
            Facts(hours="Mo-Fr 09:00-19:00"),
            "- opening hours: Mo-Fr 09:00-19:00 (as in OSM: confirmed)",
        ),
    ],
)
def test_each_fact_has_its_line(facts: Facts, line: str) -> None:
    assert lines(facts)[1] == line


def test_hours_of_a_place_without_hours_in_osm_name_the_tag() -> None:
    bare = Place("node/5", None, "cafe", 1.0, 2.0, {"amenity": "cafe"})
    got = lines(Facts(hours="24/7"), bare)
    assert got[0].endswith(": https://www.openstreetmap.org/node/5")
    assert got[0].startswith("(unnamed cafe)")
    assert got[1] == "- opening hours: 24/7 (opening_hours=24/7)"


def test_hours_not_in_osm_syntax_go_as_written_with_the_parsers_reason() -> None:
    note = compose(CORDEE, Facts(hours="lundi-vendredi 9h-18h"))
    assert note.text.split("\n")[1] == "- opening hours, as posted: lundi-vendredi 9h-18h"
    assert note.hours_problem is not None and note.hours_problem.startswith("invalid opening_hours")


def test_free_text_keeps_its_lines_after_the_facts() -> None:
    got = lines(Facts(exists=True, text="Day pass 15 EUR.\nQuiet room upstairs."))
    assert got[2:] == [
        "",
        "Day pass 15 EUR.",
        "Quiet room upstairs.",
        "",
        f"via solomo {__version__}",
    ]


def test_text_crosses_the_boundary() -> None:
    hostile = "ok\x1b]8;;http://x\x07link\x1b]8;;\x07 \u202eevil\u202c [bold]x[/bold]\ufffe\x00"
    text = compose(CORDEE, Facts(text=hostile)).text
    assert "\x1b" not in text and "\u202e" not in text and "\ufffe" not in text
    assert "\x00" not in text
    assert "oklink evil [bold]x[/bold]" in text  # markup stays literal text


def test_a_place_that_is_not_an_osm_object_is_refused() -> None:
    google = Place("google/123", "Imported café", "cafe", 1.0, 2.0)
    with pytest.raises(UsageError, match="is not an OpenStreetMap object"):
        compose(google, Facts(exists=True))


def test_nothing_to_report_is_refused() -> None:
    with pytest.raises(UsageError, match="nothing to report"):
        compose(CORDEE, Facts())


def test_a_note_over_the_apis_limit_is_refused_with_its_length() -> None:
    with pytest.raises(UsageError, match=r"too long \(20\d\d characters; .* at most 2000\)"):
        compose(CORDEE, Facts(text="x" * 1990))
    assert len(compose(CORDEE, Facts(text="x" * 1900)).text) <= MAX_NOTE


def test_hours_longer_than_an_osm_value_are_refused() -> None:
    with pytest.raises(UsageError, match="opening hours is too long"):
        compose(CORDEE, Facts(hours="Mo 09:00-10:00; " * 20))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=2500), hours=st.none() | st.text(max_size=80))
def test_any_text_makes_a_sendable_note_or_a_usage_error(text: str, hours: str | None) -> None:
    try:
        note = compose(CORDEE, Facts(text=text, hours=hours, exists=True))
    except UsageError as exc:
        assert exc.message.isprintable()
        return
    assert len(note.text) <= MAX_NOTE
    assert not REFUSED & set(note.text), note.text
    assert note.text.startswith("La Cordée (coworking): https://www.openstreetmap.org/way/77\n")
    assert note.text.endswith(f"\n\nvia solomo {__version__}")


# -- field notes as suggestions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "sockets", "wifi"),
    [
        ({"power": "plenty", "wifi": "good"}, True, "yes"),
        ({"power": "few", "wifi": "ok"}, True, "yes"),
        ({"power": "none", "wifi": "bad"}, False, "yes"),
        ({"wifi": "45mbps"}, None, "yes"),
        ({"wifi": "none"}, None, "no"),
        ({"noise": "quiet", "calls": "ok"}, None, None),  # impressions, never suggested
        ({"power": "lots", "wifi": "fast"}, None, None),  # unknown words: nothing
        ({"power": 3, "wifi": None}, None, None),
    ],
)
def test_field_notes_suggest_sockets_and_wifi(
    facts: dict[str, object], sockets: bool | None, wifi: str | None
) -> None:
    got = suggest(facts)
    assert (got.sockets, got.wifi, bool(got)) == (sockets, wifi, sockets is not None or bool(wifi))


def test_suggestions_say_which_notes_and_when() -> None:
    class Latest:  # an object with attributes works as a mapping does
        power, wifi, noise, day = "plenty", "12mbps", "loud", "2026-11-20"

    got = suggest(Latest())
    assert (got.because, got.day) == (("power: plenty", "wifi: 12mbps"), "2026-11-20")
    assert suggest(None) == osmnotes.Suggestion() and not suggest(None)
    assert suggest({"power": "few", "day": "yesterday"}).day is None


# -- the API's answer, and the note's page --------------------------------------------------------


def feature(ident: object) -> bytes:
    return json.dumps({"type": "Feature", "properties": {"id": ident, "status": "open"}}).encode()


def test_the_answer_gives_the_notes_id() -> None:
    assert osmnotes.note_id(feature(12345), "application/json", "h") == 12345


@pytest.mark.parametrize(
    ("body", "ctype", "says"),
    [
        (b"<html><title>Log in to the Wi-Fi</title></html>", "text/html", "Log in to the Wi-Fi"),
        (b'{"type": "Feature"', "application/json", "other than JSON"),
        (feature("12345"), "application/json", "without the note's id"),
        (feature(-1), "application/json", "without the note's id"),
        (feature(True), "application/json", "without the note's id"),
        (b"[1, 2]", "application/json", "without the note's id"),
        (b"[" * 100_000, "application/json", "other than JSON"),
    ],
)
def test_an_answer_without_a_note_is_a_bad_response(body: bytes, ctype: str, says: str) -> None:
    with pytest.raises(BadResponse, match="the OSM API at h answered") as info:
        osmnotes.note_id(body, ctype, "h")
    assert says in info.value.message and info.value.message.isprintable()


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://api.openstreetmap.org", "https://www.openstreetmap.org/note/7"),
        (
            "https://master.apis.dev.openstreetmap.org",
            "https://master.apis.dev.openstreetmap.org/note/7",
        ),
        ("http://me:secret@127.0.0.1:8080/osm", "http://127.0.0.1:8080/osm/note/7"),
    ],
)
def test_the_notes_page(base: str, url: str) -> None:
    assert osmnotes.note_url(base, 7) == url


# -- the setting ------------------------------------------------------------------------------


def test_osm_api_url_defaults_to_the_main_api() -> None:
    assert load_settings().osm_api_url == DEFAULT_OSM_API_URL == "https://api.openstreetmap.org"


def test_osm_api_url_from_the_environment_wins_over_the_file(
    solomo_home: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    home = Path(str(solomo_home))
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('osm_api_url = "https://file.example/"\n', encoding="utf-8")
    assert load_settings().osm_api_url == "https://file.example"
    monkeypatch.setenv("SOLOMO_OSM_API_URL", "https://master.apis.dev.openstreetmap.org/")
    assert load_settings().osm_api_url == "https://master.apis.dev.openstreetmap.org"


@pytest.mark.parametrize("value", ["ftp://api.example", "api.openstreetmap.org", "http://x y"])
def test_a_bad_osm_api_url_is_a_usage_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SOLOMO_OSM_API_URL", value)
    with pytest.raises(UsageError, match="^SOLOMO_OSM_API_URL ") as info:
        load_settings()
    assert info.value.hint == "give an http or https URL, e.g. https://api.openstreetmap.org"
