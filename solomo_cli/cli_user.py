"""Commands for the consultant's own layer: visits, place notes, one place in full, contacts met
at places, export, import and backup.

Thin like cli.py: parse the options, call one core function, render. The core (SQLite, REF
resolution, file formats) is imported inside each command so that `solomo near` does not pay
for it at start-up."""

import functools
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from solomo_cli.config import Paths
    from solomo_cli.refs import Resolved
    from solomo_cli.userdata import Contact, Totals, UserData, Visit

F = TypeVar("F", bound=Callable[..., Any])

REF_HELP = "The place: its rank in the last listing (2), its OSM id (node/123) or its name."
DATE_HELP = "The day, as YYYY-MM-DD (default: today)."


def guarded(func: F) -> F:
    """cli.handles_errors, looked up when the command runs (cli.py imports this module last)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from solomo_cli.cli import handles_errors

        return handles_errors(func)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class DefaultCommandGroup(TyperGroup):
    """A group whose first argument, when it names no subcommand, goes to the default one:
    `solomo visit 2 --rating 4` runs `solomo visit add 2 --rating 4`."""

    default_command = "add"

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


visit_app = typer.Typer(
    cls=DefaultCommandGroup,
    no_args_is_help=True,
    subcommand_metavar="REF [OPTIONS] | edit ID [OPTIONS] | rm ID",
    help="Log a day worked at a place: solomo visit REF [--date] [--rating] [--note] [--cost]. "
    "Change or delete one with: solomo visit edit ID …, solomo visit rm ID.",
)
contact_app = typer.Typer(
    no_args_is_help=True, help="Your small personal CRM: the people you met at places."
)


class ListFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class ShowFormat(str, Enum):
    table = "table"
    json = "json"


class ExportWhat(str, Enum):
    places = "places"
    visits = "visits"
    contacts = "contacts"


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"
    geojson = "geojson"
    vcard = "vcard"


class ImportFormat(str, Enum):
    csv = "csv"
    json = "json"
    geojson = "geojson"


# -- plumbing -------------------------------------------------------------------------------


def _open() -> "tuple[Paths, UserData]":
    from solomo_cli.config import get_paths
    from solomo_cli.userdata import UserData

    paths = get_paths()
    return paths, UserData(paths.user_db)


def _resolve(ref: str, paths: "Paths", user: "UserData") -> "Resolved":
    from solomo_cli.refs import resolve

    return resolve(ref, paths.cache_db, user)


def _console() -> "Console":
    from rich.console import Console

    return Console(highlight=False)


def _say(*parts: Any) -> None:
    """One line on stdout, untrusted parts as Text (never parsed as markup)."""
    from rich.text import Text

    from solomo_cli.sanitize import clean

    line = Text()
    for part in parts:
        line.append(part if isinstance(part, Text) else Text(clean(part)))
    _console().print(line, soft_wrap=True)


def _default_currency() -> str | None:
    from solomo_cli.config import load_settings

    value = load_settings().extra.get("currency")
    return str(value).upper() if value else None


# -- visits ---------------------------------------------------------------------------------


@visit_app.command("add")
@guarded
def visit_add(
    ref: Annotated[str, typer.Argument(metavar="REF", help=REF_HELP)],
    day: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD", help=DATE_HELP)] = None,
    rating: Annotated[
        int | None, typer.Option("--rating", min=1, max=5, help="How it was, 1 (bad) to 5 (great).")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note about the day there.")] = None,
    cost: Annotated[
        str | None,
        typer.Option("--cost", metavar="AMOUNT", help="What the day cost: 20, 20.50, '20 EUR'."),
    ] = None,
) -> None:
    """Log a day worked at a place (the default: solomo visit REF …)."""
    from solomo_cli.userdata import parse_cost, parse_day, today

    when = parse_day(day) if day else today()
    amount, currency = parse_cost(cost) if cost else (None, None)
    if amount is not None and currency is None:
        currency = _default_currency()
    paths, user = _open()
    with user:
        found = _resolve(ref, paths, user)
        visit = user.add_visit(
            found.place, when, rating, note, amount, currency, remember=found.known_from != "mine"
        )
    _say(f"Logged visit #{visit.id}: ", _visit_line(visit))


@visit_app.command("edit")
@guarded
def visit_edit(
    visit_id: Annotated[
        int, typer.Argument(metavar="ID", help="The visit's id (solomo log shows it).")
    ],
    day: Annotated[
        str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="New day.")
    ] = None,
    rating: Annotated[
        int | None, typer.Option("--rating", min=1, max=5, help="New rating, 1 to 5.")
    ] = None,
    no_rating: Annotated[bool, typer.Option("--no-rating", help="Remove the rating.")] = False,
    note: Annotated[str | None, typer.Option("--note", help='New note ("" removes it).')] = None,
    cost: Annotated[
        str | None, typer.Option("--cost", metavar="AMOUNT", help='New cost ("" removes it).')
    ] = None,
    place: Annotated[
        str | None, typer.Option("--place", metavar="REF", help="Move it to another place.")
    ] = None,
) -> None:
    """Change a logged visit."""
    from solomo_cli.errors import UsageError
    from solomo_cli.userdata import parse_cost, parse_day

    if rating is not None and no_rating:
        raise UsageError("--rating and --no-rating contradict each other")
    when = parse_day(day) if day else None
    price = None
    if cost:
        price = parse_cost(cost)
        if price[1] is None:
            price = (price[0], _default_currency())
    if all(v is None for v in (day, rating, note, cost, place)) and not no_rating:
        raise UsageError(
            "nothing to change", hint="give --date, --rating, --note, --cost or --place"
        )
    paths, user = _open()
    with user:
        moved = _resolve(place, paths, user).place if place else None
        visit = user.edit_visit(
            visit_id,
            place=moved,
            day=when,
            rating=rating,
            clear_rating=no_rating,
            note=note,
            cost=price,
            clear_cost=cost == "",
        )
    _say(f"Visit #{visit.id} is now: ", _visit_line(visit))


@visit_app.command("rm")
@guarded
def visit_rm(
    visit_id: Annotated[
        int, typer.Argument(metavar="ID", help="The visit's id (solomo log shows it).")
    ],
) -> None:
    """Delete a logged visit."""
    _, user = _open()
    with user:
        visit = user.remove_visit(visit_id)
    _say(f"Deleted visit #{visit.id}: ", _visit_line(visit))


@guarded
def log(
    since: Annotated[
        str | None, typer.Option("--since", metavar="YYYY-MM-DD", help="From this day on.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", metavar="YYYY-MM-DD", help="Up to this day.")
    ] = None,
    place: Annotated[
        str | None, typer.Option("--place", metavar="REF", help="Only the visits of this place.")
    ] = None,
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ListFormat.table,
) -> None:
    """Where you worked: visits newest first, with days per place and per month, and costs."""
    from solomo_cli.errors import UsageError
    from solomo_cli.userdata import parse_day, totals

    start = parse_day(since, "--since date") if since else None
    end = parse_day(until, "--until date") if until else None
    if start and end and start > end:
        raise UsageError(f"--since {start} is after --until {end}")
    paths, user = _open()
    with user:
        place_id = _resolve(place, paths, user).place.id if place else None
        visits = user.visits(start, end, place_id)
    if fmt is ListFormat.json:
        from solomo_cli.exchange import dumps, totals_record, visit_record

        sys.stdout.write(
            dumps(
                {
                    "visits": [visit_record(v) for v in visits],
                    "totals": totals_record(totals(visits)),
                }
            )
        )
    elif fmt is ListFormat.csv:
        from solomo_cli.exchange import VISIT_FIELDS, to_csv, visit_record

        sys.stdout.write(to_csv([visit_record(v) for v in visits], VISIT_FIELDS))
    else:
        _print_log(_console(), visits, totals(visits), start, end)


# -- places ---------------------------------------------------------------------------------


@guarded
def note(
    ref: Annotated[str, typer.Argument(metavar="REF", help=REF_HELP)],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The note (in quotes).")],
) -> None:
    """Add a dated note to a place; solomo show REF shows them."""
    paths, user = _open()
    with user:
        found = _resolve(ref, paths, user)
        added = user.add_note(found.place, text, remember=found.known_from != "mine")
    _say(f"Noted on {_local_day(added.created_at)} for ", _place_text(found.place), ".")


@guarded
def show(
    ref: Annotated[str, typer.Argument(metavar="REF", help=REF_HELP)],
    fmt: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ShowFormat.table,
) -> None:
    """Everything about one place: details, hours, your visits, notes, and people met there."""
    paths, user = _open()
    with user:
        found = _resolve(ref, paths, user)
        summary = user.summary(found.place.id)
        seen_at = user.seen_at(found.place.id)
    hours = _hours(found.place)
    if fmt is ShowFormat.json:
        from solomo_cli.exchange import dumps

        sys.stdout.write(dumps(_show_record(found, summary, seen_at, hours)))
        return
    _print_show(_console(), found, summary, hours)


# -- contacts -------------------------------------------------------------------------------


@contact_app.command("add")
@guarded
def contact_add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Their name, in quotes.")],
    at: Annotated[
        str | None,
        typer.Option("--at", metavar="REF", help="Where you met them (records an encounter)."),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="YYYY-MM-DD", help="When you met (with --at; default: today)."
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="What to remember about them.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="E-mail address.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Phone number.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Company or organisation.")] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", metavar="T", help="A tag (repeat for several): ux, freelance…"),
    ] = None,
) -> None:
    """Add a person to your contacts, optionally with where you met them."""
    from solomo_cli.errors import UsageError
    from solomo_cli.userdata import clean_tag, parse_day

    if day and not at:
        raise UsageError("--date needs --at (where you met them)")
    when = parse_day(day) if day else None
    tags = [clean_tag(t) for t in tag or []]
    paths, user = _open()
    with user:
        place = _resolve(at, paths, user) if at else None
        contact = user.add_contact(
            name,
            org=org,
            email=email,
            phone=phone,
            note=note,
            tags=tags,
            at=place.place if place else None,
            day=when,
            remember=place is not None and place.known_from != "mine",
        )
    where = [" (met at ", _place_text(place.place), f" on {contact.last_seen})"] if place else []
    _say(f"Added contact #{contact.id}: ", _untrusted(contact.name), *where, ".")


@contact_app.command("met")
@guarded
def contact_met(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The contact's name (or part of it).")
    ],
    at: Annotated[str, typer.Option("--at", metavar="REF", help="Where you met them.")],
    day: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD", help=DATE_HELP)] = None,
    note: Annotated[str | None, typer.Option("--note", help="What you talked about.")] = None,
) -> None:
    """Record that you met a contact at a place."""
    from solomo_cli.userdata import parse_day, today

    when = parse_day(day) if day else today()
    paths, user = _open()
    with user:
        found = _resolve(at, paths, user)
        contact = user.meet(name, found.place, when, note, remember=found.known_from != "mine")
    _say(
        "Met ",
        _untrusted(contact.name),
        " at ",
        _place_text(found.place),
        f" on {when} ({len(contact.encounters)} encounter"
        f"{'s' * (len(contact.encounters) > 1)} in all).",
    )


@contact_app.command("list")
@guarded
def contact_list(
    near: Annotated[
        str | None,
        typer.Option(
            "--near",
            metavar="PLACE",
            help="Only people met within --radius of PLACE (a name or LAT,LON).",
        ),
    ] = None,
    radius: Annotated[
        str, typer.Option("--radius", "-r", help="With --near: how far, e.g. 25km.")
    ] = "25km",
    tag: Annotated[
        str | None, typer.Option("--tag", metavar="T", help="Only people with this tag.")
    ] = None,
    stale: Annotated[
        str | None,
        typer.Option(
            "--stale", metavar="AGE", help="Only people not seen for AGE: 90d, 12w, 6m, 1y."
        ),
    ] = None,
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ListFormat.table,
) -> None:
    """Who you know: around a place, with a tag, or not seen for a while."""
    from solomo_cli.geo import parse_radius
    from solomo_cli.userdata import parse_age

    stale_days = parse_age(stale) if stale else None
    radius_m = parse_radius(radius)
    point = label = None
    if near:
        point, label = _locate(near)
    _, user = _open()
    with user:
        found = user.contacts(tag=tag, stale_days=stale_days, near=point, radius_m=radius_m)
    from solomo_cli.exchange import CONTACT_FIELDS, contact_record, dumps, to_csv

    if fmt is ListFormat.json:
        sys.stdout.write(dumps([contact_record(c) for c in found]))
    elif fmt is ListFormat.csv:
        sys.stdout.write(to_csv([contact_record(c) for c in found], CONTACT_FIELDS))
    else:
        _print_contacts(_console(), found, label, radius_m if near else None, stale)


@contact_app.command("show")
@guarded
def contact_show(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The contact's name (or part of it).")
    ],
    fmt: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ShowFormat.table,
) -> None:
    """One contact: details, tags, notes, and every encounter with its place."""
    _, user = _open()
    with user:
        contact = user.find_contact(name)
    if fmt is ShowFormat.json:
        from solomo_cli.exchange import contact_record, dumps

        sys.stdout.write(dumps(contact_record(contact)))
        return
    _print_contact(_console(), contact)


@contact_app.command("edit")
@guarded
def contact_edit(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The contact's name (or part of it).")
    ],
    new_name: Annotated[str | None, typer.Option("--name", help="Their new name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help='E-mail ("" removes it).')] = None,
    phone: Annotated[str | None, typer.Option("--phone", help='Phone ("" removes it).')] = None,
    org: Annotated[str | None, typer.Option("--org", help='Organisation ("" removes it).')] = None,
    note: Annotated[
        str | None, typer.Option("--note", help='Replace the note ("" removes it).')
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", metavar="T", help="Add a tag (repeatable).")
    ] = None,
    untag: Annotated[
        list[str] | None, typer.Option("--untag", metavar="T", help="Remove a tag (repeatable).")
    ] = None,
) -> None:
    """Change a contact's details or tags."""
    from solomo_cli.errors import UsageError
    from solomo_cli.userdata import clean_tag

    if all(v is None for v in (new_name, email, phone, org, note)) and not tag and not untag:
        raise UsageError(
            "nothing to change",
            hint="give --name, --email, --phone, --org, --note, --tag or --untag",
        )
    tags = [clean_tag(t) for t in tag or []]
    _, user = _open()
    with user:
        contact = user.find_contact(name)
        contact = user.edit_contact(
            contact.id,
            name=new_name,
            org=org,
            email=email,
            phone=phone,
            note=note,
            add_tags=tags,
            remove_tags=untag or [],
        )
    _say(
        f"Updated contact #{contact.id}: ",
        _untrusted(contact.name),
        f" ({', '.join(contact.tags) or 'no tags'}).",
    )


@contact_app.command("forget")
@guarded
def contact_forget(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The contact's full name.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a person and every trace of them: details, tags, notes, encounters."""
    _, user = _open()
    with user:
        contact = user.find_contact(name, exact=True)
        if not yes:
            from solomo_cli.sanitize import clean

            count = len(contact.encounters)
            typer.confirm(
                f"Erase {clean(contact.name)} and {count} encounter{'s' * (count != 1)} for good?",
                abort=True,
                err=True,
            )
        gone = user.forget_contact(contact.id)
    _say(
        "Erased ",
        _untrusted(gone.name),
        f": the contact, {gone.encounters} encounter"
        f"{'s' * (gone.encounters != 1)} and {gone.tags} tag{'s' * (gone.tags != 1)}.",
    )
    if gone.mentions:
        print(
            f"solomo: your own notes still mention them: {'; '.join(gone.mentions)} "
            "(edit them with 'solomo visit edit ID --note …' if needed)",
            file=sys.stderr,
        )


# -- files ----------------------------------------------------------------------------------


@guarded
def export(
    what: Annotated[ExportWhat, typer.Argument(help="What to export.", case_sensitive=False)],
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="The file to write (.csv, .json, .geojson, .vcf), or - for stdout."
        ),
    ],
    fmt: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", help="Format, when the extension does not tell it."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Export your places, visits or contacts to a file (CSV, JSON, GeoJSON, vCard).

    GeoJSON is for places and visits, vCard 4.0 for contacts. The file is written all at once,
    readable by you only, and never over an existing file without --force."""
    from solomo_cli.errors import UsageError
    from solomo_cli.exchange import export as run_export
    from solomo_cli.exchange import export_format

    if file == "-" and fmt is None:
        raise UsageError("say which format to write on stdout", hint="add --format csv, json…")
    chosen = export_format(file, fmt.value if fmt else None, what.value)
    _, user = _open()
    with user:
        text, count = run_export(user, what.value, chosen)
    if file == "-":
        sys.stdout.write(text)
        return
    from solomo_cli.files import atomic_write

    atomic_write(Path(file), text, overwrite=force, mode=0o600)
    print(f"Wrote {count} {what.value} to {file} ({chosen}).", file=sys.stderr)


@guarded
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A solomo export (CSV, JSON, GeoJSON) or Google Takeout's Saved Places.json.",
        ),
    ],
    fmt: Annotated[
        ImportFormat | None,
        typer.Option("--format", "-f", help="Format, when it cannot be told from the content."),
    ] = None,
) -> None:
    """Import solomo's own exports, or Google Maps' Saved Places.json.

    Importing the same file again adds nothing; data already here is never overwritten. A
    file with any error is refused whole."""
    from solomo_cli.exchange import import_file

    _, user = _open()
    with user:
        report = import_file(user, file, fmt.value if fmt else None)
    kind = "Google Saved Places" if report.source == "google" else f"solomo {report.source}"
    added = ", ".join(_count(n, t) for t, n in report.added.items()) or "nothing new"
    line = f"Imported {file} ({kind}, {report.fmt}): {added}"
    if report.known:
        line += "; already there: " + ", ".join(_count(n, t) for t, n in report.known.items())
    if report.ignored:
        line += f"; {report.ignored} without a location skipped"
    _say(line + ".")


@guarded
def backup(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Copy your data (places, visits, notes, contacts) safely to FILE.

    The copy is consistent even while other solomo commands write, and readable by you only."""
    from solomo_cli.userdata import backup as run_backup

    paths, _ = _open()
    counts = run_backup(paths.user_db, file, overwrite=force)
    _say(
        f"Backed up {paths.user_db} to {file}: "
        + ", ".join(_count(n, t) for t, n in counts.items())
        + "."
    )
    _say(f"To restore, copy it over {paths.user_db} while no solomo command runs.")


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the main app."""
    app.add_typer(visit_app, name="visit")
    app.command("log")(log)
    app.command("note")(note)
    app.command("show")(show)
    app.add_typer(contact_app, name="contact")
    app.command("export")(export)
    app.command("import")(import_)
    app.command("backup")(backup)


# -- rendering (Rich; untrusted text always as Text, cleaned) --------------------------------


def _count(n: int, table: str) -> str:
    word = {"place_notes": "notes"}.get(table, table)
    return f"{n} {word[:-1] if n == 1 else word}"


def _untrusted(value: Any, style: str = "") -> Any:
    from rich.text import Text

    from solomo_cli.sanitize import clean

    return Text(clean(value), style=style)


def _place_text(place: Any) -> Any:
    text = _untrusted(place.display_name, "bold")
    text.append(f" [{place.id}]", style="dim")
    return text


def _local_day(iso: str) -> str:
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d")
    except ValueError:
        return iso[:10]


def _money(amount: Any, currency: str | None) -> str:
    return f"{amount} {currency}" if currency else str(amount)


def _money_totals(cost: dict[str, Any]) -> str:
    return ", ".join(_money(amount, cur) for cur, amount in sorted(cost.items())) or "—"


def _visit_line(v: "Visit") -> Any:
    text = _place_text(v.place)
    text.append(f", {v.day}")
    if v.rating:
        text.append(f", ★{v.rating}", style="magenta")
    if v.cost is not None:
        text.append(f", {_money(v.cost, v.currency)}")
    if v.note:
        text.append(" — ")
        text.append_text(_untrusted(v.note))
    return text


def _table(title: str | Any, *columns: tuple[str, str]) -> "Table":
    from rich.table import Table
    from rich.text import Text

    grid = Table(
        title=title if not isinstance(title, str) else Text(title),
        title_justify="left",
        expand=False,
    )
    for name, justify in columns:
        grid.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    return grid


def _print_log(
    console: "Console", visits: "list[Visit]", t: "Totals", start: str | None, end: str | None
) -> None:
    from rich.text import Text

    span = " ".join(
        p for p in (f"since {start}" if start else "", f"until {end}" if end else "") if p
    )
    if not visits:
        console.print(Text(f"No visits logged {span}.".replace("  ", " ").replace(" .", ".")))
        console.print(
            Text('Log one with: solomo visit 2 --rating 4 --note "quiet, fast Wi-Fi"', style="dim")
        )
        return
    grid = _table(
        f"Visits {span}".strip(),
        ("ID", "right"),
        ("Date", "left"),
        ("Place", "left"),
        ("Rating", "left"),
        ("Cost", "right"),
        ("Note", "left"),
    )
    for v in visits:
        grid.add_row(
            Text(str(v.id)),
            Text(v.day),
            _untrusted(v.place.display_name),
            Text(f"★{v.rating}" if v.rating else "", style="magenta"),
            Text(_money(v.cost, v.currency) if v.cost is not None else ""),
            _untrusted(v.note or ""),
        )
    console.print(grid)
    by_place = _table(
        "Per place", ("Place", "left"), ("Days", "right"), ("Visits", "right"), ("Cost", "right")
    )
    for row in t.by_place:
        by_place.add_row(
            _untrusted(row["place"].display_name),
            Text(str(row["days"])),
            Text(str(row["visits"])),
            Text(_money_totals(row["cost"])),
        )
    console.print(by_place)
    by_month = _table(
        "Per month", ("Month", "left"), ("Days", "right"), ("Visits", "right"), ("Cost", "right")
    )
    for row in t.by_month:
        by_month.add_row(
            Text(row["month"]),
            Text(str(row["days"])),
            Text(str(row["visits"])),
            Text(_money_totals(row["cost"])),
        )
    console.print(by_month)
    console.print(
        Text(
            f"Total: {t.days} day{'s' * (t.days != 1)} worked, {t.visits} visit"
            f"{'s' * (t.visits != 1)}, cost {_money_totals(t.cost)}",
            style="bold",
        )
    )


def _hours(place: Any) -> Any:
    if not place.opening_hours:
        return None
    try:
        from solomo_cli.hours import evaluate
    except ImportError:  # hours.py not installed: show the raw value only
        return None
    return evaluate(place.opening_hours, place.lat, place.lon)


def _freshness(check_date: str | None) -> str:
    from solomo_cli.ranking import check_age_days, is_stale

    if not check_date:
        return "never checked by a mapper"
    age = check_age_days(check_date)
    if age is None:
        return f"check date {check_date} unreadable"
    if is_stale(check_date):
        return f"possibly stale (last checked {check_date[:4]})"
    return f"checked {check_date}"


# Tags worth showing beyond the address, contact and hours lines.
_DETAIL_TAGS = (
    ("internet_access", "Internet"),
    ("internet_access:fee", "Internet fee"),
    ("internet_access:ssid", "Wi-Fi name"),
    ("wheelchair", "Wheelchair"),
    ("fee", "Fee"),
    ("charge", "Price"),
    ("capacity", "Capacity"),
    ("access", "Access"),
    ("level", "Level"),
    ("operator", "Operator"),
    ("brand", "Brand"),
    ("description", "Description"),
    ("note", "OSM note"),
)
_CONTACT_KEYS = (
    "website",
    "contact:website",
    "url",
    "phone",
    "contact:phone",
    "contact:mobile",
    "email",
    "contact:email",
)


def _contact_lines(tags: dict[str, str]) -> list[tuple[str, str]]:
    lines = []
    for key in _CONTACT_KEYS:
        if tags.get(key):
            lines.append((key.split(":")[-1].capitalize(), tags[key]))
    for key in sorted(tags):
        if key.startswith("contact:") and key not in _CONTACT_KEYS:
            lines.append((key.split(":", 1)[1].capitalize(), tags[key]))
    return lines


def _show_record(
    found: "Resolved", summary: Any, seen_at: str | None, hours: Any
) -> dict[str, Any]:
    from solomo_cli.exchange import encounter_record, place_record, visit_record
    from solomo_cli.ranking import is_stale

    place = found.place
    record = place_record(place, seen_at=seen_at, visits=summary.visits, notes=summary.notes)
    distance = found.distance_from_origin
    record.update(
        {
            "distance_m": None if distance is None else int(round(distance)),
            "from": found.origin.get("label") if found.origin else None,
            "check_date": place.check_date,
            "stale": is_stale(place.check_date),
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


def _print_show(console: "Console", found: "Resolved", summary: Any, hours: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    from solomo_cli.exchange import OSM_LICENSE, place_url
    from solomo_cli.geo import format_distance
    from solomo_cli.sanitize import clean

    place = found.place
    head = Text(place.display_name, style="bold")
    kind = place.kind + (" (chain)" if place.kind == "coworking" and place.chain else "")
    head.append(f"  {kind} · {place.id}", style="dim")
    console.print(head)
    rows: list[tuple[str, Any]] = []
    if place.address:
        rows.append(("Address", place.address))
    distance = found.distance_from_origin
    where = f"{place.lat:.6f},{place.lon:.6f}"
    if distance is not None:
        where += f" · {format_distance(distance)} from {clean(found.origin['label'])}"  # type: ignore[index]
    rows.append(("Location", where))
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
        rows.append(("Checked", _freshness(place.check_date)))
    for key, label in _DETAIL_TAGS:
        if place.tags.get(key):
            rows.append((label, place.tags[key]))
    url = place_url(place)
    if url:
        rows.append(("Map", url))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(Text(label), value if isinstance(value, Text) else Text(clean(value)))
    console.print(grid)

    visits = summary.visits
    if visits:
        rating = f" · average ★{summary.rating:g}" if summary.rating else ""
        console.print(
            Text(
                f"\nYour visits: {len(visits)}{rating} · last {visits[0].day}", style="bold magenta"
            )
        )
        for v in visits[:10]:
            line = Text(f"  #{v.id} {v.day}")
            if v.rating:
                line.append(f" ★{v.rating}", style="magenta")
            if v.cost is not None:
                line.append(f" {_money(v.cost, v.currency)}")
            if v.note:
                line.append(" — ")
                line.append_text(_untrusted(v.note))
            console.print(line)
        if len(visits) > 10:
            console.print(
                Text(f"  … {len(visits) - 10} more: solomo log --place {place.id}", style="dim")
            )
    else:
        console.print(Text("\nNo visits yet.", style="dim"))
    if summary.notes:
        console.print(Text("\nYour notes", style="bold"))
        for n in summary.notes:
            line = Text(f"  {_local_day(n.created_at)}  ")
            line.append_text(_untrusted(n.text))
            console.print(line)
    if summary.encounters:
        console.print(Text("\nPeople met here", style="bold"))
        for e in summary.encounters:
            line = Text(f"  {e.day}  ")
            line.append_text(_untrusted(e.contact_name, "bold"))
            if e.note:
                line.append(" — ")
                line.append_text(_untrusted(e.note))
            console.print(line)
    if _is_osm(place.id):
        console.print(Text("\n" + OSM_LICENSE, style="dim"))


def _is_osm(place_id: str) -> bool:
    from solomo_cli.userdata import source_of

    return source_of(place_id) == "osm"


def _ago(day: str) -> str:
    from datetime import date

    try:
        days = (date.today() - date.fromisoformat(day)).days
    except ValueError:
        return ""
    if days <= 0:
        return "today"
    if days < 60:
        return f"{days} day{'s' * (days != 1)} ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def _print_contacts(
    console: "Console",
    found: "list[Contact]",
    near: str | None,
    radius_m: float | None,
    stale: str | None,
) -> None:
    from rich.text import Text

    from solomo_cli.geo import format_distance
    from solomo_cli.sanitize import clean

    parts = []
    if near:
        parts.append(f"met within {format_distance(radius_m or 0)} of {clean(near)}")
    if stale:
        parts.append(f"not seen for {stale}")
    title = "Contacts" + (" " + ", ".join(parts) if parts else "")
    if not found:
        console.print(
            Text(
                f"No contacts {', '.join(parts)}."
                if parts
                else 'No contacts yet. Add one: solomo contact add "Jeanne Martin" --at 2'
            )
        )
        return
    columns = [
        ("Name", "left"),
        ("Org", "left"),
        ("Tags", "left"),
        ("Last seen", "left"),
        ("Where", "left"),
        ("Reach", "left"),
    ]
    if near:
        columns.insert(4, ("Dist", "right"))
    grid = _table(title, *columns)
    for c in found:
        last = c.encounters[0] if c.encounters else None
        place = c.nearest_place if near else (last.place if last else None)
        seen = Text(c.last_seen)
        seen.append(f"\n{_ago(c.last_seen)}" + ("" if last else " (added)"), style="dim")
        row = [
            _untrusted(c.name, "bold"),
            _untrusted(c.org or ""),
            _untrusted(", ".join(c.tags), "cyan"),
            seen,
            _untrusted(place.display_name if place else ""),
            _untrusted("\n".join(v for v in (c.email, c.phone) if v)),
        ]
        if near:
            row.insert(4, Text(format_distance(c.distance_m or 0)))
        grid.add_row(*row)
    console.print(grid)


def _print_contact(console: "Console", c: "Contact") -> None:
    from rich.table import Table
    from rich.text import Text

    head = _untrusted(c.name, "bold")
    head.append(f"  contact #{c.id}", style="dim")
    console.print(head)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in (
        ("Org", c.org),
        ("E-mail", c.email),
        ("Phone", c.phone),
        ("Tags", ", ".join(c.tags)),
        ("Note", c.note),
        ("Added", _local_day(c.created_at)),
        ("Last seen", f"{c.last_seen} ({_ago(c.last_seen)})"),
    ):
        if value:
            grid.add_row(Text(label), _untrusted(value))
    console.print(grid)
    if not c.encounters:
        console.print(
            Text(
                "\nNo encounters recorded. Record one: solomo contact met NAME --at REF",
                style="dim",
            )
        )
        return
    console.print(Text(f"\nEncounters ({len(c.encounters)})", style="bold"))
    for e in c.encounters:
        line = Text(f"  {e.day}  ")
        if e.place is not None:
            line.append_text(_place_text(e.place))
        if e.note:
            line.append(" — ")
            line.append_text(_untrusted(e.note))
        console.print(line)
    places = {e.place.id: e.place for e in c.encounters if e.place is not None}
    if len(places) > 1:
        console.print(Text(f"\nMet at {len(places)} places.", style="dim"))


def _locate(text: str) -> tuple[tuple[float, float], str]:
    """PLACE → point: LAT,LON as given, else the geocode cache, else Nominatim."""
    from solomo_cli.cli import progress
    from solomo_cli.config import load_settings
    from solomo_cli.geo import parse_latlon
    from solomo_cli.search import Session

    coords = parse_latlon(text)
    if coords is not None:
        return coords, f"{coords[0]:.5f},{coords[1]:.5f}"
    with progress() as notify, Session(load_settings(), notify) as session:
        origin = session.locate(text, None, offline=False, refresh=False)
    return (origin.lat, origin.lon), origin.label
