"""The house table draws the space between columns itself (no Rich Padding per cell): its output
must be exactly what Rich draws with cell padding, for any text, column options and width."""

from __future__ import annotations

import io
import re

import pytest
from clitools import LYON, coworking
from hypothesis import given, settings
from hypothesis import strategies as st
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.table import Column, Table
from rich.text import Text

from solomo_cli.render.near import table
from solomo_cli.render.table import add_house_row, house_table
from solomo_cli.search.near import NearQuery, NearResult, Origin

# Words of ASCII, accented, wide (CJK, emoji) and zero-width text, joined by spaces or new lines.
WORD = st.text(
    st.sampled_from(list("abcdefghijklmnopqrstuvwxyz0123456789-·éÀ") + ["中", "文", "☕", "é"]),
    min_size=0,
    max_size=14,
)
CELL = st.lists(WORD, max_size=6).flatmap(
    lambda words: st.lists(
        st.sampled_from([" ", "\n"]), min_size=len(words), max_size=len(words)
    ).map(lambda seps: "".join(w + s for w, s in zip(words, seps, strict=True)).strip())
)
STYLE = st.sampled_from(["", "bold", "cyan", "dim", "red on white"])


@st.composite
def column_specs(draw: st.DrawFn) -> dict[str, object]:
    spec: dict[str, object] = {
        "header": draw(st.sampled_from(["#", "Name", "Kind", "Dist", "Address", "Why", ""])),
        "justify": draw(st.sampled_from(["left", "right", "center"])),
        "no_wrap": draw(st.booleans()),
        "overflow": draw(st.sampled_from(["fold", "ellipsis", "crop"])),
    }
    limit = draw(st.sampled_from(["width", "min_width", "max_width", None]))
    if limit:
        spec[limit] = draw(st.integers(1, 12))
    return spec


def render(table: Table, width: int, color: bool) -> str:
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        force_terminal=color,
        color_system="truecolor" if color else None,
        legacy_windows=False,
    )
    console.print(table)
    return out.getvalue()


def styled_cells(table: Table, width: int) -> list[tuple[str, Style]]:
    """What a colour terminal shows: each character with its style, however the escape codes
    are grouped."""
    console = Console(width=width, force_terminal=True, color_system="truecolor")
    return [(char, seg.style or Style()) for seg in console.render(table) for char in seg.text]


def rich_padded(title: str, specs: list[dict[str, object]], rows: list[list[Text]]) -> Table:
    """The look as Rich draws it: one cell of padding on each side, collapsed, none at the edge."""
    table = Table(
        *(Column(**spec) for spec in specs),  # type: ignore[arg-type]
        title=Text(title),
        caption="© OpenStreetMap contributors",
        title_justify="left",
        caption_justify="right",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    for row in rows:
        table.add_row(*(cell.copy() for cell in row))
    return table


def house(title: str, specs: list[dict[str, object]], rows: list[list[Text]]) -> Table:
    table = house_table(
        Text(title),
        *(Column(**spec) for spec in specs),  # type: ignore[arg-type]
        caption="© OpenStreetMap contributors",
    )
    for row in rows:
        add_house_row(table, *(cell.copy() for cell in row))
    return table


@settings(max_examples=300, deadline=None)
@given(
    specs=st.lists(column_specs(), min_size=1, max_size=6),
    data=st.data(),
    width=st.integers(8, 130),
)
def test_house_table_draws_what_rich_draws_with_cell_padding(
    specs: list[dict[str, object]], data: st.DataObject, width: int
) -> None:
    rows = data.draw(
        st.lists(
            st.lists(st.tuples(CELL, STYLE), min_size=len(specs), max_size=len(specs)),
            max_size=5,
        )
    )
    texts = [[Text(value, style=style) for value, style in row] for row in rows]
    expected = rich_padded("Title of the table", specs, texts)
    drawn = house("Title of the table", specs, texts)
    assert render(drawn, width, color=False) == render(expected, width, color=False)
    assert styled_cells(drawn, width) == styled_cells(expected, width)


def test_two_spaces_between_columns_and_none_at_the_edges() -> None:
    specs: list[dict[str, object]] = [
        {"header": "#", "justify": "right"},
        {"header": "Name"},
        {"header": "Dist", "justify": "right"},
    ]
    rows = [[Text("1"), Text("Smooth"), Text("339 m")], [Text("12"), Text("Hévéa"), Text("1.0 km")]]
    lines = render(house("Places", specs, rows), 80, color=False).splitlines()
    assert [line.rstrip() for line in lines[:5]] == [
        "Places",
        " #  Name      Dist",
        "──────────────────",
        " 1  Smooth   339 m",
        "12  Hévéa   1.0 km",
    ]


def test_a_table_too_wide_for_the_terminal_wraps_like_rich() -> None:
    specs: list[dict[str, object]] = [{"header": "Name", "overflow": "fold"}] * 3
    rows = [[Text("a long name that wraps " * 3)] * 3]
    drawn = render(house("T", specs, rows), 40, color=False)
    assert drawn == render(rich_padded("T", specs, rows), 40, color=False)
    assert len(drawn.splitlines()) > 6 and max(map(len, drawn.splitlines())) == 40


# -- the near table in any terminal width -------------------------------------------------------


def near_result() -> NearResult:
    """Twenty places with what makes columns wide: long names and words, addresses, two-line
    contacts, chains, personal signals, every hours phrase."""
    phrases = [("open", "open 24/7"), ("closed", "closed · opens Mon 08:30"), ("unknown", None)]
    places = []
    for i in range(20):
        tags = {
            "website": f"https://www.coworking-{'x' * i}.example.org/",
            "phone": "+33 4 78 38 89 29",
        }
        if i % 3 == 0:
            tags |= {
                "addr:housenumber": "11bis",
                "addr:street": "Rue Dugas-Montbel",
                "addr:city": "Lyon",
            }
        if i % 4 == 0:
            tags["brand"] = "Regus"
        place = coworking(f"node/{i}", f"Lobster / Pôle de Musiques Actuelles {i}", *LYON, tags)
        place.distance_m, place.score = 150.0 * i, 90.0 - i
        place.reasons = [
            ("distance", 30.0 - i),
            ("community coworking", 30.0),
            ("contact known", 6.0),
        ]
        state, phrase = phrases[i % 3]
        place.extra |= {
            "open_state": state,
            "hours_phrase": phrase,
            "visits": i % 2,
            "my_rating": 4,
        }
        places.append(place)
    return NearResult(
        Origin("Lyon", "Lyon, France", *LYON), NearQuery("Lyon"), places, 25, 0.0, None
    )


@pytest.mark.parametrize("explain_scores", [False, True])
def test_the_near_table_fits_every_terminal_width(explain_scores: bool) -> None:
    result = near_result()
    for width in range(20, 161):
        console = Console(width=width, file=io.StringIO())
        grid = table(result, explain_scores, width)
        # Raw segments: the console would crop a line that is too long, and hide the overflow.
        lines = "".join(seg.text for seg in console.render(grid)).splitlines()
        assert max(cell_len(line) for line in lines) <= width, (width, explain_scores)
        # The hours are there (with --explain, the score's reasons get room before them).
        if width >= (80 if explain_scores else 60):
            assert "Mon" in "\n".join(lines), width


def test_title_caption_and_cells_are_never_markup() -> None:
    markup = "[bold]x[/bold] [/] [link=http://x]y[/link]"
    grid = house_table(Text(markup), Column("A"), Column("B"), caption=markup)
    add_house_row(grid, Text(markup), Text(markup))
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=True, color_system="truecolor").print(grid)
    shown = out.getvalue()
    assert shown.count(markup) == 4  # title, caption and both cells, as written
    assert "\x1b]8;" not in shown  # no hyperlink


def test_plain_table_console_reads_no_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    """--output FILE's console, like every other one, takes text as it is: "[/]" is no markup."""
    from solomo_cli.render import near as render_near

    def print_text(console: Console, *args: object) -> None:
        console.print("[bold]Café[/bold] [/]")

    monkeypatch.setattr(render_near, "print_table", print_text)
    assert render_near.plain_table(near_result()) == "[bold]Café[/bold] [/]\n"


def test_names_and_contacts_are_links_on_a_terminal_and_the_same_text_on_a_pipe() -> None:
    from solomo_cli.render.near import print_table

    def printed(color: bool) -> str:
        out = io.StringIO()
        console = Console(
            file=out,
            width=200,
            force_terminal=color,
            color_system="truecolor" if color else None,
        )
        print_table(console, near_result())
        return out.getvalue()

    terminal, pipe = printed(True), printed(False)
    links = terminal.count("\x1b]8;")
    assert links >= 2 * 20 * 3  # each row: its name, website and phone (opened and closed)
    assert "\x1b]8;id=" in terminal and "tel:+33478388929" in terminal
    assert "\x1b" not in pipe  # no link is made where none shows
    # What the terminal shows, its styles and links taken away, is what the pipe gets.
    shown = re.sub(r"\x1b\]8;[^\x1b]*\x1b\\|\x1b\[[0-9;]*m", "", terminal)
    assert shown == pipe
