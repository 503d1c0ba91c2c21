"""The house table never breaks a token: at every width from 40 to 200, a URL, a phone number
or an e-mail appears whole, shortened to its host, or elided with "…" — never split across
lines — and no line is longer than the width. Room goes by priority, empty columns are left
out. On real OSM data (`../shared/data`, read in place) and on crafted long tokens."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from clitools import LYON, coworking
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from solomo_cli.geo import distance_m
from solomo_cli.model import Place
from solomo_cli.render.near import table
from solomo_cli.render.table import HouseColumn, add_house_row, house_table, short_url
from solomo_cli.search.near import NearQuery, NearResult, Origin
from solomo_cli.sources.osm import element_to_place

WIDTHS = range(40, 201)


def drawn(grid: object, width: int) -> list[str]:
    """The lines as the terminal would get them (raw segments: the console would crop a line
    that is too long, and hide it)."""
    console = Console(width=width, file=io.StringIO(), color_system=None)
    return "".join(seg.text for seg in console.render(grid)).splitlines()  # type: ignore[arg-type]


def listing(places: list[Place], origin: tuple[float, float] = LYON) -> NearResult:
    phrases = [("open", "open · closes 19:00"), ("closed", "closed · opens Mon 08:30")]
    for i, place in enumerate(places):
        place.distance_m = distance_m(*origin, place.lat, place.lon)
        place.score = 100.0 - i
        place.reasons = [("distance", 30.0), ("community coworking", 30.0)]
        state, phrase = phrases[i % 2] if place.opening_hours else ("unknown", None)
        place.extra |= {"open_state": state, "hours_phrase": phrase}
    return NearResult(Origin("Lyon", "Lyon, France", *origin), NearQuery("Lyon"), places,
                      len(places), 0.0, None)  # fmt: skip


def real_places(shared_data: Path, name: str, near: tuple[float, float], n: int) -> list[Place]:
    data = json.loads((shared_data / "overpass" / name).read_text("utf-8"))
    places = [p for p in map(element_to_place, data["elements"]) if p is not None]
    places.sort(key=lambda p: distance_m(*near, p.lat, p.lon))
    return places[:n]


def tokens(places: list[Place]) -> set[str]:
    """Every URL, phone number and e-mail the listing may show."""
    found = set()
    for place in places:
        for value in (place.website, place.phone, place.email):
            if value:
                found.add(value)
    return found


def assert_no_token_broken(lines: list[str], all_tokens: set[str], width: int) -> None:
    assert max(cell_len(line) for line in lines) <= width, width
    # Columns are two spaces apart; a token holds at most single spaces.
    pieces = {piece for line in lines for piece in re.split(r"\s{2,}", line.strip()) if piece}
    whole = all_tokens | {short_url(token) for token in all_tokens}  # shown as they should be
    for token in all_tokens:
        for piece in pieces:
            if piece in whole or piece.endswith("…") or len(piece) < 3:
                continue
            broken = (token.startswith(piece) or token.endswith(piece)) and piece != token
            assert not broken, (width, token, piece)


# -- real data ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "near"),
    [("lyon_coworking.json", LYON), ("paris_coworking.json", (48.8566, 2.3522))],
)
def test_real_listings_never_break_a_token_at_any_width(
    shared_data: Path, name: str, near: tuple[float, float]
) -> None:
    places = real_places(shared_data, name, near, 25)
    result, all_tokens = listing(places, near), tokens(places)
    assert len(all_tokens) >= 10  # the real data has websites, phones and e-mails
    for width in WIDTHS:
        assert_no_token_broken(drawn(table(result), width), all_tokens, width)


def test_real_cafes_with_explain_never_break_a_token(shared_data: Path) -> None:
    places = real_places(shared_data, "lyon_cafes.json", LYON, 30)
    result, all_tokens = listing(places), tokens(places)
    for width in WIDTHS:
        assert_no_token_broken(drawn(table(result, explain_scores=True), width), all_tokens, width)


def test_at_80_columns_the_real_lyon_contacts_show_whole(shared_data: Path) -> None:
    """The issue's case: at 80 columns, the default on a pipe, `coworking-piscine.com` and
    `+33 6 33 04 18 04` were cut mid-token."""
    places = real_places(shared_data, "lyon_coworking.json", LYON, 20)
    shown = "\n".join(drawn(table(listing(places)), 80))
    assert "coworking-piscine.com" in shown.splitlines()[7] or "coworking-piscine.com" in shown
    assert "+33 6 33 04 18 04" in shown
    assert "Contact" in shown and "Hours" in shown


# -- crafted long tokens ------------------------------------------------------------------------

LONG = [
    coworking("node/1", "Espace", *LYON, {
        "website": "https://www.un-nom-de-domaine-vraiment-tres-long-pour-un-coworking.example.org/fr/accueil",
        "phone": "+33 4 78 38 89 29;+33 6 33 04 18 04",
    }),
    coworking("node/2", "Bureau", *LYON, {"email": "contact.reservation@espace-de-travail-partage.example.fr"}),
    coworking("node/3", "Supercalifragilisticexpialidocious-Coworking-Lyon-Part-Dieu", *LYON, {
        "contact:website": "http://x.fr", "contact:phone": "+33 (0)4 72 00 00 00",
    }),
    coworking("node/4", "Court", *LYON, {"website": "www.court.fr", "addr:street": "Rue Dugas-Montbel",
                                          "addr:housenumber": "11bis", "addr:city": "Lyon"}),
]  # fmt: skip


def test_crafted_long_tokens_are_whole_shortened_or_elided_at_every_width() -> None:
    result, all_tokens = listing(LONG), tokens(LONG)
    for width in WIDTHS:
        for explain in (False, True):
            lines = drawn(table(result, explain), width)
            assert_no_token_broken(lines, all_tokens, width)
            shown = "\n".join(lines)
            if "Contact" in shown:
                assert "+33 4 78 38 89 29;+33 6 33 04 18 04" in shown or "…" in shown


@settings(max_examples=60, deadline=None)
@given(
    token=st.text(st.sampled_from("abcdefghijk.-/:@+0123456789é中"), min_size=1, max_size=70),
    words=st.lists(st.text("abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=25), max_size=6),
    width=st.integers(40, 200),
)
def test_any_token_in_any_house_table(token: str, words: list[str], width: int) -> None:
    """A whole-lines column never shows part of its token on one line and the rest on the
    next; a word column never folds a word; no line is wider than the terminal."""
    grid = house_table(
        Text("T"),
        HouseColumn("#", priority=0, whole_lines=True, justify="right"),
        HouseColumn("Name", priority=10),
        HouseColumn("Reach", priority=20, whole_lines=True),
        HouseColumn("Note", priority=30),
    )
    for i in range(3):
        add_house_row(grid, Text(str(i)), Text(" ".join(words)), Text(token), Text(" ".join(words)))
    lines = drawn(grid, width)
    assert max(cell_len(line) for line in lines) <= width
    text = "\n".join(lines)
    if len(token) >= 3:
        assert token in text or "…" in text or "Reach" not in text
    for word in words:
        assert word in text or "…" in text or "Name" not in text


# -- room by priority, empty columns, hosts -----------------------------------------------------


def test_an_address_column_empty_in_every_row_is_left_out() -> None:
    bare = [coworking("node/1", "Smooth", *LYON, {"website": "https://smooth.example/"})]
    assert "Address" not in "\n".join(drawn(table(listing(bare)), 200))
    addressed = [*bare, LONG[3]]
    assert "Address" in "\n".join(drawn(table(listing(addressed)), 200))


def test_a_url_is_shortened_to_its_host_only_when_it_must_be() -> None:
    place = [
        coworking("node/1", "Smooth", *LYON, {"website": "https://www.smooth-lyon.example/fr/"})
    ]
    wide = "\n".join(drawn(table(listing(place)), 200))
    assert "https://www.smooth-lyon.example/fr/" in wide
    narrow = "\n".join(drawn(table(listing(place * 3)), 64))
    assert "smooth-lyon.example" in narrow and "https://" not in narrow


def test_the_lowest_priority_columns_are_dropped_first(shared_data: Path) -> None:
    places = real_places(shared_data, "lyon_coworking.json", LYON, 20)
    headers = {}
    for width in (40, 48, 80, 200):
        head = next(line for line in drawn(table(listing(places)), width) if "Name" in line)
        headers[width] = head.split()
    assert headers[40] == ["#", "Name", "Dist"]  # a long name's long word keeps its room
    assert headers[48] == ["#", "Name", "Dist", "Hours"]
    assert headers[80] == ["#", "Name", "Kind", "Dist", "Contact", "Hours"]
    assert headers[200] == ["#", "Name", "Kind", "Dist", "Address", "Contact", "Hours"]


def test_the_log_and_contact_tables_fit_too(tmp_path: Path) -> None:
    """Every house table fits: a contact's e-mail and phone stay whole in `contact list`."""
    from clitools import invoke

    added = invoke(["contact", "add", "Jeanne Martin", "--email",
                    "jeanne.martin@cabinet-de-conseil-independant.example.fr",
                    "--phone", "+33 6 12 34 56 78"])  # fmt: skip
    assert added.exit_code == 0, added.stderr
    for width in (40, 60, 80, 120):
        shown = invoke(["contact", "list"], env={"COLUMNS": str(width)})
        assert shown.exit_code == 0, shown.stderr
        lines = shown.stdout.splitlines()
        assert max(cell_len(line) for line in lines) <= width
        assert_no_token_broken(
            lines,
            {"jeanne.martin@cabinet-de-conseil-independant.example.fr", "+33 6 12 34 56 78"},
            width,
        )
        assert "+33 6 12 34 56 78" in shown.stdout or width < 60
