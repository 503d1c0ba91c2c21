"""Keep in touch and trips for people: `contact due`, `trip list` and `trip show`, in the house
table. Names, notes and places are the user's or OSM's text: untrusted, never markup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text

from solomo_cli.geo import format_distance
from solomo_cli.render.mydata import _ago, _table, place_text, untrusted
from solomo_cli.render.table import add_house_row
from solomo_cli.words import count

if TYPE_CHECKING:
    from solomo_cli.mydata.keep import Due
    from solomo_cli.mydata.trips import Trip, TripArea


def every_words(days: int) -> str:
    """42 → '6 weeks', 60 → '2 months', 365 → '1 year', 10 → '10 days'."""
    for size, unit in ((365, "years"), (30, "months"), (7, "weeks")):
        if days % size == 0:
            return count(days // size, unit)
    return count(days, "days")


def when_due(days_left: int) -> str:
    if days_left < 0:
        return f"{count(-days_left, 'days')} overdue"
    if days_left == 0:
        return "due today"
    return f"in {count(days_left, 'days')}"


def _due_cells(d: Due) -> list[Text]:
    last = d.last_met
    due = Text(d.due.isoformat())
    due.append(f"\n{when_due(d.days_left)}", style="bold red" if d.days_left < 0 else "dim")
    if last is not None:
        met = Text(last.day)
        if last.place is not None:
            met.append("\n")
            met.append_text(untrusted(last.place.display_name))
    else:
        met = Text("never met", style="dim")
    every = Text(every_words(d.cadence_days))
    if d.cadence_from:
        every.append("\n")
        every.append_text(untrusted(f"(tag {d.cadence_from})", "dim"))
    return [
        untrusted(d.contact.name, "bold"),
        due,
        met,
        untrusted("\n".join(v for v in (d.contact.email, d.contact.phone) if v)),
        every,
    ]


def due_view(due: list[Due], title: str) -> list[RenderableType]:
    grid = _table(
        title,
        ("Name", "left"),
        ("Due", "left"),
        ("Last met", "left"),
        ("Reach", "left"),
        ("Every", "left"),
    )
    for d in due:
        add_house_row(grid, *_due_cells(d))
    return [grid]


def trips_view(trips: list[Trip], current: int | None) -> list[RenderableType]:
    from solomo_cli.mydata.trips import days_label

    grid = _table(
        "Your trips", ("#", "right"), ("Place", "left"), ("Days", "left"), ("Note", "left")
    )
    for t in trips:
        days = Text(f"{t.start} → {t.end}")
        days.append(f"\n{days_label(t)}" + (" (now)" if t.id == current else ""), style="dim")
        add_house_row(
            grid, Text(str(t.id)), untrusted(t.label, "bold"), days, untrusted(t.note or "")
        )
    return [grid]


def trip_view(area: TripArea, today_label: str) -> list[RenderableType]:
    from solomo_cli.mydata.trips import days_label

    t = area.trip
    head = untrusted(t.label, "bold")
    head.append(f"  trip #{t.id}, {days_label(t)} ({t.start} → {t.end}){today_label}", style="dim")
    out: list[RenderableType] = [head]
    if t.note:
        out.append(untrusted(t.note))
    within = format_distance(area.radius_m)
    if area.people:
        grid = _table(
            f"People you know within {within}",
            ("Name", "left"),
            ("Keep in touch", "left"),
            ("Last seen", "left"),
            ("Where", "left"),
            ("Reach", "left"),
        )
        for c, d in area.people:
            keep = Text(
                when_due(d.days_left) if d else "",
                style="bold red" if d and d.days_left < 0 else "",
            )
            seen = Text(c.last_seen)
            seen.append(f"\n{_ago(c.last_seen)}", style="dim")
            place = c.nearest_place
            add_house_row(
                grid,
                untrusted(c.name, "bold"),
                keep,
                seen,
                untrusted(place.display_name if place else ""),
                untrusted("\n".join(v for v in (c.email, c.phone) if v)),
            )
        out += [Text(""), grid]
    else:
        out.append(Text(f"\nNo one you met within {within}.", style="dim"))
    if area.places:
        grid = _table(
            f"Your best-rated places within {within}",
            ("Place", "left"),
            ("Rating", "right"),
            ("Visits", "right"),
            ("Last", "left"),
            ("Dist", "right"),
        )
        for r in area.places:
            add_house_row(
                grid,
                place_text(r.place),
                Text(f"{r.rating:.1f}"),
                Text(str(r.visits)),
                Text(r.last_day),
                Text(format_distance(r.distance_m)),
            )
        out += [Text(""), grid]
    else:
        out.append(Text(f"No rated place of yours within {within}.", style="dim"))
    return out
