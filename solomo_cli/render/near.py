"""The `near` listing for people: the Rich table (JSON, CSV and GeoJSON are formats/).

Every string that came from OSM goes through `boundary.clean` (no escape sequences reach the
terminal) and into Rich as `Text` (never parsed as markup)."""

from __future__ import annotations

import io

from rich.cells import cell_len
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from solomo_cli.boundary import clean
from solomo_cli.formats.registry import OSM_ATTRIBUTION as ATTRIBUTION
from solomo_cli.geo import format_distance
from solomo_cli.kinds import label
from solomo_cli.model import Place
from solomo_cli.render.table import add_house_row, house_table
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


def short_url(url: str) -> str:
    """'https://www.example.org/a/b/' → 'example.org' (the full URL is in JSON and `show`)."""
    host = url.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    return host[4:] if host.lower().startswith("www.") else host


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
        text = Text(
            "unknown" if value is None else (signal.yes if value else signal.no),
            style="dim" if value is None else "",
        )
        if value is not None:
            text.append(" (OSM)", style="dim")
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


def _contact(place: Place) -> Text:
    website = short_url(place.website) if place.website else None
    shown = [v for v in (website, place.phone) if v] or [place.email or ""]
    return Text("\n".join(shown))


def _name_cell(place: Place) -> Text:
    text = Text(place.display_name, style="bold")
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


_MIN_TEXT_WIDTH = 12  # room per text column (Name, Address…) for their minimum widths to hold


def table(result: NearResult, explain_scores: bool = False, width: int | None = None) -> Table:
    """The listing as a table for a terminal `width` cells wide (None: as wide as it needs)."""
    rows = []
    for rank, place in enumerate(result.places, 1):
        kind = label(place.kind) + ("\nchain" if place.chain else "")
        row = [
            Text(str(rank)),
            _name_cell(place),
            Text(kind, style="dim" if place.chain else "cyan"),
            Text(format_distance(place.distance_m)),
            Text(place.address or ""),
            _contact(place),
            _hours_cell(place),
        ]
        if explain_scores:
            row += [Text(f"{place.score:g}"), Text(explain(place, "\n"), style="dim")]
        rows.append(row)
    # The short columns get their exact width (Rich then need not measure their cells), and
    # minimum widths keep the headers whole and the names readable, when the terminal has room.
    # Rich shrinks the text columns to fit; but a column it shrinks below its minimum width, or
    # below its exact width, gets that width back, and the table overflows the terminal.
    short = {"#": 0, "Kind": 2, "Dist": 3} | ({"Score": 7} if explain_scores else {})
    exact: dict[str, int | None] = {name: _width(name, rows, i) for name, i in short.items()}
    mins: dict[str, int | None] = {"Name": 10, "Address": 8, "Contact": 8, "Hours": 8}
    texts = len(mins) + explain_scores  # the columns that wrap: these, and Why
    room = (width or 1000) - sum(filter(None, exact.values())) - 2 * (len(exact) + texts - 1)
    if room < texts * _MIN_TEXT_WIDTH:  # narrow: the text columns get every cell there is
        mins = dict.fromkeys(mins, None)
    if room < texts * 2:  # very narrow: even the short columns may be cut
        exact = dict.fromkeys(exact, None)
    columns = [
        Column("#", justify="right", no_wrap=True, width=exact["#"]),
        Column("Name", overflow="fold", min_width=mins["Name"]),
        Column("Kind", no_wrap=True, width=exact["Kind"]),
        Column("Dist", justify="right", no_wrap=True, width=exact["Dist"]),
        Column("Address", overflow="fold", min_width=mins["Address"]),
        Column("Contact", overflow="fold", min_width=mins["Contact"]),
        Column("Hours", overflow="fold", min_width=mins["Hours"]),
    ]
    if explain_scores:  # the order is the score's; the default table leaves the number out
        columns.append(Column("Score", justify="right", no_wrap=True, width=exact["Score"]))
        columns.append(Column("Why", overflow="fold"))
    grid = house_table(Text(title(result)), *columns, caption=credit(result))
    for row in rows:
        add_house_row(grid, *row)
    return grid


def _width(header: str, rows: list[list[Text]], column: int) -> int:
    """The widest line of a column, header included, in terminal cells."""
    lines = [header, *(line for row in rows for line in row[column].plain.split("\n"))]
    return max(cell_len(line) for line in lines)


def print_table(
    console: Console, result: NearResult, explain_scores: bool = False, hints: Hints = (None, None)
) -> None:
    empty_hint, more_hint = hints
    if not result.places:
        console.print(Text(title(result)))
        console.print(Text(" ".join(filter(None, ["No places found.", empty_hint]))))
        console.print(Text(credit(result), style="dim"))
        return
    console.print(table(result, explain_scores, console.width))
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
