"""The `near` listing for people: the Rich table (JSON, CSV and GeoJSON are formats/).

Every string that came from OSM goes through `boundary.clean` (no escape sequences reach the
terminal) and into Rich as `Text` (never parsed as markup)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable

from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text

from solomo_cli.boundary import clean, mail_link, tel_link, web_link
from solomo_cli.formats.registry import OSM_ATTRIBUTION as ATTRIBUTION
from solomo_cli.geo import format_distance
from solomo_cli.kinds import label
from solomo_cli.model import Place, place_url
from solomo_cli.render.table import HouseColumn, HouseTable, add_house_row, house_table, url_hosts
from solomo_cli.render.table import short_url as short_url  # this module's API too
from solomo_cli.search.near import NearResult
from solomo_cli.search.ranking import SIGNALS, Facts, confidence, explain, traits_of
from solomo_cli.words import age_phrase as age_phrase  # this module's API too
from solomo_cli.words import count

# (what to try when nothing is found, how to see the rest): worded by the command, which knows
# its options' names.
Hints = tuple[str | None, str | None]


def credit(result: NearResult) -> str:
    """OpenStreetMap's attribution, and the gazetteer's when the place name came from it."""
    return " · ".join(filter(None, (ATTRIBUTION, result.origin.credit)))


def title(result: NearResult) -> str:
    q = result.query
    kinds = ", ".join(label(k) for k in q.kinds)
    when = result.data_time[:10] if result.data_time else "unknown date"
    parts = [
        f"{kinds.capitalize()} within {format_distance(q.radius_m)} of {result.origin.label}",
        f"data of {when} ({age_phrase(result.fetched_at)})",
    ]
    if q.open_at is not None:
        parts.insert(1, f"open {q.open_at.describe()} (place's local time)")
    return " · ".join(parts)


def _link(text: str, target: str | None, style: str = "") -> Text:
    """`text`, a hyperlink to `target` on a terminal that shows links (`target` is checked
    in boundary.py; on a pipe, where Rich writes no styles, none is made: see `table`)."""
    return Text(text, style=Style.parse(style) + Style(link=target) if target else style)


# The one tag a signal reads, shown as tagged beside what it means ("yes (OSM: wlan)"); the
# signals read from several tags (power, run by) say "(OSM)" alone.
_SIGNAL_TAGS = {
    "internet": "internet_access",
    "free_wifi": "internet_access:fee",
    "fee_free": "fee",
    "bookable": "reservation",
    "roomy": "capacity",
    "wheelchair": "wheelchair",
    "outdoor": "outdoor_seating",
    "aircon": "air_conditioning",
}


def signal_rows(place: Place, facts: Facts, today: int) -> list[tuple[str, Text]]:
    """`solomo show`'s lines of the score's signals: OSM's value (or unknown) beside your
    latest field note, the brand recognised, and the confidence."""
    from solomo_cli.kinds import brand_of
    from solomo_cli.signals import place_country

    traits = traits_of(place)
    values = traits._asdict()
    mine = {"power": facts.power, "internet": facts.wifi}
    rows = []
    for signal in SIGNALS:
        if signal.column == "checked":  # show's own "Checked" line says it, with the date
            continue
        value = values[signal.column]
        word = "unknown" if value is None else (signal.yes if value else signal.no)
        text = Text(word, style="dim" if value is None else "")
        if value is not None:
            raw = clean(place.tags.get(_SIGNAL_TAGS.get(signal.column, "")))
            text.append(f" (OSM: {raw})" if raw and raw != word else " (OSM)", style="dim")
        fact = mine.get(signal.column)
        if fact is not None:
            text.append(f" · yours: {fact[0]} ({fact[1]})", style="magenta")
        rows.append((signal.label[:1].upper() + signal.label[1:], text))
    for name, fact in (("Noise", facts.noise), ("Calls", facts.calls)):
        if fact is not None:
            rows.append((name, Text(f"yours: {fact[0]} ({fact[1]})", style="magenta")))
    brand = brand_of(place.tags, lambda: place_country(place))
    if brand is not None:
        what = "business centre" if brand.is_chain else "community network, not a chain"
        rows.append(("Chain" if brand.is_chain else "Network", Text(f"{brand.name} ({what})")))
    known = confidence(traits, today, facts)
    rows.append(("Confidence", Text(f"{known:.0%} of what matters is known")))
    return rows


def _contact(place: Place, links: bool) -> Text:
    texts = place.texts()
    lines = []
    if texts.website:
        lines.append(_link(texts.website, web_link(texts.website) if links else None))
    if texts.phone:
        lines.append(_link(texts.phone, tel_link(texts.phone) if links else None))
    if not lines and texts.email:
        lines.append(_link(texts.email, mail_link(texts.email) if links else None))
    return Text("\n").join(lines)


def _name_cell(place: Place, links: bool) -> Text:
    text = _link(place.display_name, place_url(place) if links else None, "bold")
    rating, visits = place.extra.get("my_rating"), place.extra.get("visits") or 0
    mine = []
    if rating:
        mine.append(f"★{rating:g}")
    if visits:
        mine.append(count(visits, "visits"))
    if mine:
        text.append("\n" + " · ".join(mine), style="magenta")
    return text


def _hours_cell(place: Place) -> Text:
    state = place.extra.get("open_state", "unknown")
    style = {"open": "green", "closed": "red"}.get(state, "dim")
    return Text(clean(place.extra.get("hours_phrase") or "hours unknown"), style=style)


def _kind_cell(place: Place) -> Text:
    kind = label(place.kind) + ("\nchain" if place.chain else "")
    return Text(kind, style="dim" if place.chain else "cyan")


# A column of the listing: how it fits (HouseColumn: header, priority…) and its cell for
# (rank, place, whether links show). Room goes by priority (lowest first; the highest is
# dropped first): name, distance, hours, contact, kind, address. A new column is one more entry.
Cell = Callable[[int, Place, bool], Text]
COLUMNS: list[tuple[HouseColumn, Cell]] = [
    (
        HouseColumn("#", justify="right", no_wrap=True, priority=0, whole_lines=True),
        lambda rank, *_: Text(str(rank)),
    ),
    (HouseColumn("Name", priority=10, min_fit=12), lambda _, p, links: _name_cell(p, links)),
    (
        HouseColumn("Kind", no_wrap=True, priority=50, whole_lines=True),
        lambda _, p, __: _kind_cell(p),
    ),
    (
        HouseColumn("Dist", justify="right", no_wrap=True, priority=20, whole_lines=True),
        lambda _, p, __: Text(format_distance(p.distance_m)),
    ),
    (HouseColumn("Address", priority=60, min_fit=8), lambda _, p, __: Text(p.address or "")),
    (
        HouseColumn("Contact", priority=40, whole_lines=True, shorten=url_hosts),
        lambda _, p, links: _contact(p, links),
    ),
    (HouseColumn("Hours", priority=30, min_fit=13), lambda _, p, __: _hours_cell(p)),
]
# With --explain: the score and its reasons, given room right after the name and distance.
EXPLAIN_COLUMNS: list[tuple[HouseColumn, Cell]] = [
    (
        HouseColumn("Score", justify="right", no_wrap=True, priority=24, whole_lines=True),
        lambda _, p, __: Text(f"{p.score:g}"),
    ),
    (
        HouseColumn("Why", priority=26, whole_lines=True),  # one reason a line
        lambda _, p, __: Text(explain(p, "\n"), style="dim"),
    ),
]


def table(
    result: NearResult, explain_scores: bool = False, width: int | None = None, links: bool = True
) -> Table:
    """The listing as a table that fits the terminal it is drawn on (and `width` cells, when
    given), never breaking a URL, a phone number or an e-mail: see HouseColumn. `links`:
    names and contacts are hyperlinks (False where no style shows, a pipe or a file)."""
    chosen = COLUMNS + (EXPLAIN_COLUMNS if explain_scores else [])
    # Each table gets its own columns: house_table and the rows fill them in.
    columns = [dataclasses.replace(column, _cells=[]) for column, _ in chosen]
    grid = house_table(Text(title(result)), *columns, caption=credit(result))
    for rank, place in enumerate(result.places, 1):
        add_house_row(grid, *(cell(rank, place, links) for _, cell in chosen))
    if isinstance(grid, HouseTable):
        grid.fit_width = width
    return grid


def print_table(
    console: Console, result: NearResult, explain_scores: bool = False, hints: Hints = (None, None)
) -> None:
    empty_hint, more_hint = hints
    if not result.places:
        console.print(Text(title(result)))
        console.print(Text(" ".join(filter(None, ["No places found.", empty_hint]))))
        console.print(Text(credit(result), style="dim"))
        return
    # Rich writes a link only as a style: with no colour system (a pipe), none is made.
    links = console.color_system is not None
    console.print(table(result, explain_scores, console.width, links))
    if result.total > len(result.places):
        more = f"{result.total - len(result.places)} more"
        console.print(Text(f"{more}; {more_hint}." if more_hint else f"{more}.", style="dim"))


def plain_table(
    result: NearResult, explain_scores: bool = False, width: int = 160, hints: Hints = (None, None)
) -> str:
    """The table as plain text, for --output FILE."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        no_color=True,
        color_system=None,
        force_terminal=False,
        highlight=False,
        emoji=False,
        markup=False,
    )
    print_table(console, result, explain_scores, hints)
    return buffer.getvalue()
