"""Output of the user-data commands (visits, log, show, contacts, import, backup): pure functions
that take data and return Rich renderables, strings, or the JSON record of `solomo show`.

Untrusted text (names, notes, OSM tags) always goes through `boundary.clean` and into Rich as
`Text`, never parsed as markup."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from solomo_cli.boundary import clean, mail_link, tel_link, web_link
from solomo_cli.geo import format_distance, walking_minutes
from solomo_cli.model import EMAIL, PHONE, WEBSITE
from solomo_cli.mydata.base import source_of
from solomo_cli.render.table import HouseColumn, add_house_row, house_table, more_line
from solomo_cli.search.ranking import check_age_days, is_stale
from solomo_cli.signals import check_dates
from solomo_cli.words import count

if TYPE_CHECKING:
    from solomo_cli.mydata.contacts import Contact
    from solomo_cli.mydata.refs import Resolved
    from solomo_cli.mydata.visits import Totals, Visit

# -- pieces ---------------------------------------------------------------------------------


def table_count(n: int, table: str) -> str:
    """'3 visits', '1 note': a row count of one table of the user-data file."""
    return count(n, {"place_notes": "notes"}.get(table, table))


def untrusted(value: Any, style: str = "") -> Text:
    return Text(clean(value), style=style)


def line(*parts: Any) -> Text:
    """One line of parts; plain strings are cleaned, Text is kept as it is."""
    text = Text()
    for part in parts:
        text.append(part if isinstance(part, Text) else Text(clean(part)))
    return text


def place_text(place: Any) -> Text:
    text = untrusted(place.display_name, "bold")
    text.append(f" [{place.id}]", style="dim")
    return text


def local_day(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d")
    except ValueError:
        return iso[:10]


def money(amount: Any, currency: str | None) -> str:
    return f"{amount} {currency}" if currency else str(amount)


def money_totals(cost: dict[str, Any]) -> str:
    """One total per currency (never added together); amounts stored without a currency apart,
    last, as '(no currency)'."""
    return (
        ", ".join(
            money(amount, cur) if cur else f"{amount} (no currency)"
            for cur, amount in sorted(cost.items(), key=lambda item: (not item[0], item[0]))
        )
        or "—"
    )


def visit_line(v: Visit) -> Text:
    text = place_text(v.place)
    text.append(f", {v.day}")
    return _append_visit(text, v, ", ")


def _append_visit(text: Text, v: Visit, sep: str) -> Text:
    """The visit's rating, cost and note after `text`, each after `sep` (the note after —)."""
    if v.rating:
        text.append(f"{sep}★{v.rating}", style="magenta")
    if v.cost is not None:
        text.append(f"{sep}{money(v.cost, v.currency)}")
    for what, value in zip(("power", "Wi-Fi", "noise", "calls"), v.facts, strict=True):
        if value is not None:
            text.append(f"{sep}{what} {value}", style="magenta")
    if v.note:
        text.append(" — ")
        text.append_text(untrusted(v.note))
    return text


def _table(title: str | Text, *columns: tuple[Any, ...]) -> Table:
    """A house table of (header, justify, priority[, whole lines]) columns: it fits the
    terminal by priority (the highest number dropped first) and never breaks a token."""
    return house_table(
        title if not isinstance(title, str) else Text(title),
        *(
            HouseColumn(name, justify=justify, priority=priority, whole_lines=bool(whole))
            for name, justify, priority, *whole in columns
        ),
    )


def _ago(day: str) -> str:
    try:
        days = (date.today() - date.fromisoformat(day)).days
    except ValueError:
        return ""
    if days <= 0:
        return "today"
    if days < 60:
        return f"{count(days, 'days')} ago"
    if days < 730:
        return f"{count(days // 30, 'months')} ago"
    return f"{count(days // 365, 'years')} ago"


# -- solomo log -----------------------------------------------------------------------------


def log_view(
    visits: list[Visit],
    t: Totals,
    start: str | None,
    end: str | None,
    empty_hint: str = "",
    more_hint: str = "",
) -> list[RenderableType]:
    """`visits` may be the first of `t.visits`, and `t` hold the first rows per place and per
    month: a line under each table says how many more (`more_hint`: how to see them)."""
    span = " ".join(
        p for p in (f"since {start}" if start else "", f"until {end}" if end else "") if p
    )
    if not visits:
        empty = Text(f"No visits logged {span}.".replace("  ", " ").replace(" .", "."))
        return [empty, Text(empty_hint, style="dim")] if empty_hint else [empty]
    grid = _table(
        f"Visits {span}".strip(),
        ("ID", "right", 0, True),
        ("Date", "left", 10, True),
        ("Place", "left", 20),
        ("Rating", "left", 40, True),
        ("Cost", "right", 30, True),
        ("Note", "left", 50),
    )
    for v in visits:
        add_house_row(
            grid,
            Text(str(v.id)),
            Text(v.day),
            untrusted(v.place.display_name),
            Text(f"★{v.rating}" if v.rating else "", style="magenta"),
            Text(money(v.cost, v.currency) if v.cost is not None else ""),
            untrusted(v.note or ""),
        )
    by_place = _table(
        "Per place",
        ("Place", "left", 0),
        ("Days", "right", 10, True),
        ("Visits", "right", 20, True),
        ("Cost", "right", 30, True),
    )
    for row in t.by_place:
        add_house_row(
            by_place,
            untrusted(row["place"].display_name),
            Text(str(row["days"])),
            Text(str(row["visits"])),
            Text(money_totals(row["cost"])),
        )
    by_month = _table(
        "Per month",
        ("Month", "left", 0, True),
        ("Days", "right", 10, True),
        ("Visits", "right", 20, True),
        ("Cost", "right", 30, True),
    )
    for row in t.by_month:
        add_house_row(
            by_month,
            Text(row["month"]),
            Text(str(row["days"])),
            Text(str(row["visits"])),
            Text(money_totals(row["cost"])),
        )
    out: list[RenderableType] = [grid]
    out += more_line(t.visits - len(visits), more_hint)
    out.append(by_place)
    out += more_line(t.places - len(t.by_place), more_hint)
    out.append(by_month)
    out += more_line(t.months - len(t.by_month), more_hint)
    total = Text(
        f"Total: {count(t.days, 'days')} worked, {count(t.visits, 'visits')}, "
        f"cost {money_totals(t.cost)}",
        style="bold",
    )
    return [*out, total]


# -- solomo show ----------------------------------------------------------------------------


def _freshness(check_date: str | None) -> str:
    if not check_date:
        return "never checked by a mapper"
    age = check_age_days(check_date)
    if age is None:
        return f"check date {check_date} unreadable"
    if is_stale(check_date):
        return f"possibly stale (last checked {check_date[:4]})"
    return f"checked {check_date}"


# Tags worth showing beyond the address, contact and hours lines, and beyond the signals'
# lines (which show the Wi-Fi, fee, capacity, wheelchair… tags as tagged, beside their sense).
_DETAIL_TAGS = (
    ("internet_access:ssid", "Wi-Fi name"),
    ("charge", "Price"),
    ("access", "Access"),
    ("level", "Level"),
    ("operator", "Operator"),
    ("brand", "Brand"),
    ("description", "Description"),
    ("note", "OSM note"),
)
_CONTACT_KEYS = WEBSITE + PHONE + EMAIL  # the keys Place.website, .phone and .email read


def _contact_lines(tags: dict[str, str]) -> list[tuple[str, Text]]:
    lines = []
    for key in _CONTACT_KEYS:
        if tags.get(key):
            lines.append((key.split(":")[-1].capitalize(), linked(key, tags[key])))
    for key in sorted(tags):
        if key.startswith("contact:") and key not in _CONTACT_KEYS:
            lines.append((key.split(":", 1)[1].capitalize(), linked(key, tags[key])))
    return lines


def linked(key: str, value: str) -> Text:
    """A contact tag's value, cleaned; a hyperlink (on a terminal that shows them) when it is
    a website, a phone number or an e-mail that boundary.py accepts as a link."""
    if key in WEBSITE:
        target = web_link(value)
    elif key in PHONE:
        target = tel_link(value)
    elif key in EMAIL:
        target = mail_link(value)
    else:
        target = None
    return Text(clean(value), style=Style(link=target) if target else "")


def _is_osm(place_id: str) -> bool:
    return source_of(place_id) == "osm"


def from_listing(found: Resolved) -> str:
    """'#2 of your last search near Lyon, 14:02': which listing a rank was taken from (its
    date too when it was not made today)."""
    where = clean((found.origin or {}).get("query") or (found.origin or {}).get("label"))
    text = f"#{found.rank} of your last search" + (f" near {where}" if where else "")
    if found.listed_at is None:
        return text
    made = datetime.fromtimestamp(found.listed_at)
    same_day = made.date() == date.today()
    return text + ", " + made.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")


def show_record(found: Resolved, summary: Any, seen_at: str | None, hours: Any) -> dict[str, Any]:
    """`solomo show --format json`: the place record of exports, plus what show adds."""
    from solomo_cli.formats.records import encounter_record, place_record, visit_record

    place = found.place
    record = place_record(place, seen_at=seen_at, visits=summary.visits, notes=summary.notes)
    distance = found.distance_from_origin
    record.update(
        {
            "distance_m": None if distance is None else int(round(distance)),
            "from": found.origin.get("label") if found.origin else None,
            "check_date": check_dates(place.tags) or place.check_date,
            "stale": is_stale(check_dates(place.tags) or place.check_date),
            "open_state": hours.state if hours else "unknown",
            "hours_phrase": hours.phrase if hours else None,
            "hours_error": hours.error if hours else None,
            "visit_list": [visit_record(v) for v in summary.visits],
            "met_here": [
                {"contact": e.contact_name, **encounter_record(e)} for e in summary.encounters
            ],
        }
    )
    return record


def show_view(
    found: Resolved, summary: Any, hours: Any, more_visits: str = "", walk: bool = False
) -> list[RenderableType]:
    """`more_visits`: how to see the visits beyond the first ten (the command words it);
    `walk`: add an estimate of the walking time to the distance (for a terminal)."""
    from solomo_cli.formats.records import place_url
    from solomo_cli.formats.registry import OSM_LICENSE

    out: list[RenderableType] = []
    place = found.place
    if found.rank is not None:
        out.append(Text(from_listing(found), style="dim"))
    url = place_url(place)
    head = Text(place.display_name, style="bold")
    kind = place.kind + (" (chain)" if place.kind == "coworking" and place.chain else "")
    head.append(f"  {kind} · ", style="dim")
    head.append(place.id, style=Style(dim=True, link=web_link(url)) if url else "dim")
    out.append(head)
    rows: list[tuple[str, Any]] = []
    if place.address:
        rows.append(("Address", place.address))
    distance = found.distance_from_origin
    where = f"{place.lat:.6f},{place.lon:.6f}"
    if distance is not None:
        where += f" · {format_distance(distance)} from {clean(found.origin['label'])}"  # type: ignore[index]
        if walk:
            where += f" · about {walking_minutes(distance)} min on foot (estimate)"
    rows.append(("Location", where))
    rows.append(("Geo", f"geo:{place.lat:.6f},{place.lon:.6f}"))
    rows.extend(_contact_lines(place.tags))
    if place.opening_hours:
        value = Text(clean(place.opening_hours))
        if hours is not None:
            style = {"open": "green", "closed": "red"}.get(hours.state, "dim")
            value.append("\n" + clean(hours.phrase), style=style)
            if hours.error:
                value.append("\n" + clean(hours.error), style="yellow")
        rows.append(("Hours", value))
    else:
        rows.append(("Hours", Text("unknown", style="dim")))
    if _is_osm(place.id):
        rows.append(("Checked", _freshness(check_dates(place.tags) or place.check_date)))
    for key, label in _DETAIL_TAGS:
        if place.tags.get(key):
            rows.append((label, place.tags[key]))
    if _is_osm(place.id):
        from solomo_cli.mydata.signals import facts_of_visits
        from solomo_cli.render.near import signal_rows

        shown = {label for label, _ in rows}
        signals = signal_rows(place, facts_of_visits(summary.visits), date.today().toordinal())
        rows.extend(row for row in signals if row[0] not in shown)
    if url:
        rows.append(("Map", Text(url, style=Style(link=web_link(url)))))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(Text(label), value if isinstance(value, Text) else Text(clean(value)))
    out.append(grid)

    visits = summary.visits
    if visits:
        rating = f" · average ★{summary.rating:g}" if summary.rating else ""
        out.append(
            Text(
                f"\nYour visits: {len(visits)}{rating} · last {visits[0].day}", style="bold magenta"
            )
        )
        for v in visits[:10]:
            out.append(_append_visit(Text(f"  #{v.id} {v.day}"), v, " "))
        if len(visits) > 10:
            more = f"  … {len(visits) - 10} more"
            out.append(Text(f"{more}: {more_visits}" if more_visits else more, style="dim"))
    else:
        out.append(Text("\nNo visits yet.", style="dim"))
    if summary.notes:
        out.append(Text("\nYour notes", style="bold"))
        for n in summary.notes:
            text = Text(f"  #{n.id} {local_day(n.created_at)}  ")
            text.append_text(untrusted(n.text))
            out.append(text)
    if summary.encounters:
        out.append(Text("\nPeople met here", style="bold"))
        for e in summary.encounters:
            text = Text(f"  {e.day}  ")
            text.append_text(untrusted(e.contact_name, "bold"))
            if e.note:
                text.append(" — ")
                text.append_text(untrusted(e.note))
            out.append(text)
    if _is_osm(place.id):
        out.append(Text("\n" + OSM_LICENSE, style="dim"))
    return out


# -- solomo contact -------------------------------------------------------------------------


def contacts_view(
    found: list[Contact],
    near: str | None,
    radius_m: float | None,
    stale: str | None,
    empty_hint: str = "",
) -> list[RenderableType]:
    parts = []
    if near:
        parts.append(f"met within {format_distance(radius_m or 0)} of {clean(near)}")
    if stale:
        parts.append(f"not seen for {stale}")
    title = "Contacts" + (" " + ", ".join(parts) if parts else "")
    if not found:
        if parts:
            return [Text(f"No contacts {', '.join(parts)}.")]
        return [Text(" ".join(filter(None, ["No contacts yet.", empty_hint])))]
    columns = [
        ("Name", "left", 0),
        ("Org", "left", 40),
        ("Tags", "left", 50),
        ("Last seen", "left", 10),
        ("Where", "left", 30),
        ("Reach", "left", 20, True),  # an e-mail and a phone number, never broken
    ]
    if near:
        columns.insert(4, ("Dist", "right", 15, True))
    grid = _table(title, *columns)
    # A cell that many people share (an org, tags, a day, a place) is made once: the table
    # never changes its cells.
    made: dict[tuple[str, str], Text] = {}
    days: dict[tuple[str, str], Text] = {}

    def shared(value: str, style: str = "") -> Text:
        cell = made.get((value, style))
        if cell is None:
            cell = made[value, style] = untrusted(value, style)
        return cell

    for c in found:
        last = c.encounters[0] if c.encounters else None
        place = c.nearest_place if near else (last.place if last else None)
        day = c.last_seen
        added = "" if last else " (added)"
        seen = days.get((day, added))
        if seen is None:
            seen = days[day, added] = Text(day)
            seen.append(f"\n{_ago(day)}{added}", style="dim")
        row = [
            untrusted(c.name, "bold"),
            shared(c.org or ""),
            shared(", ".join(c.tags), "cyan"),
            seen,
            shared(place.display_name if place else ""),
            Text("\n".join([clean(v) for v in (c.email, c.phone) if v])),  # one a line
        ]
        if near:
            row.insert(4, Text(format_distance(c.distance_m or 0)))
        add_house_row(grid, *row)
    return [grid]


def contact_view(c: Contact, empty_hint: str = "") -> list[RenderableType]:
    head = untrusted(c.name, "bold")
    head.append(f"  contact #{c.id}", style="dim")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in (
        ("Org", c.org),
        ("E-mail", c.email),
        ("Phone", c.phone),
        ("Tags", ", ".join(c.tags)),
        ("Note", c.note),
        ("Added", local_day(c.created_at)),
        ("Last seen", f"{c.last_seen} ({_ago(c.last_seen)})"),
    ):
        if value:
            grid.add_row(Text(label), untrusted(value))
    out: list[RenderableType] = [head, grid]
    if not c.encounters:
        out.append(Text(" ".join(["\nNo encounters recorded.", empty_hint]).rstrip(), style="dim"))
        return out
    out.append(Text(f"\nEncounters ({len(c.encounters)})", style="bold"))
    for e in c.encounters:
        text = Text(f"  {e.day}  ")
        if e.place is not None:
            text.append_text(place_text(e.place))
        if e.note:
            text.append(" — ")
            text.append_text(untrusted(e.note))
        out.append(text)
    places = {e.place.id: e.place for e in c.encounters if e.place is not None}
    if len(places) > 1:
        out.append(Text(f"\nMet at {len(places)} places.", style="dim"))
    return out
