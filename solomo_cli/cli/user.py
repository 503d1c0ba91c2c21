"""Commands for the consultant's own layer: visits, place notes, one place in full, contacts met
at places (their commands are in cli_contact.py), export, import and backup.

Thin like cli.py: parse the options, call one core function, render. The core (SQLite, REF
resolution, file formats) and the renderers (render_user.py) are imported inside each command
so that `solomo near` does not pay for them at start-up."""

import functools
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from rich.console import RenderableType

    from solomo_cli.config import Paths
    from solomo_cli.mydata.refs import Resolved
    from solomo_cli.mydata.store import UserData

F = TypeVar("F", bound=Callable[..., Any])

REF_HELP = "The place: its rank in the last listing (2), its OSM id (node/123) or its name."
DATE_HELP = "The day, as YYYY-MM-DD (default: today)."


def guarded(func: F) -> F:
    """cli.handles_errors, looked up when the command runs (cli.py builds these commands)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from solomo_cli.cli.app import handles_errors

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


def open_user() -> "tuple[Paths, UserData]":
    from solomo_cli.config import get_paths
    from solomo_cli.mydata.store import UserData

    paths = get_paths()
    return paths, UserData(paths.user_db)


def resolve_ref(ref: str, paths: "Paths", user: "UserData") -> "Resolved":
    from solomo_cli.mydata.refs import resolve

    return resolve(ref, paths.cache_db, user)


def say(*parts: Any) -> None:
    """One line on stdout, untrusted parts as Text (never parsed as markup)."""
    from rich.console import Console

    from solomo_cli.render.mydata import line

    Console(highlight=False).print(line(*parts), soft_wrap=True)


def print_all(renderables: "list[RenderableType]") -> None:
    """Print what a render_user function made, on stdout."""
    from rich.console import Console

    console = Console(highlight=False)
    for renderable in renderables:
        console.print(renderable)


def _hours(place: Any) -> Any:
    if not place.opening_hours:
        return None
    try:
        from solomo_cli.search.hours import evaluate
    except ImportError:  # hours.py not installed: show the raw value only
        return None
    return evaluate(place.opening_hours, place.lat, place.lon)


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
    from solomo_cli.mydata.base import parse_cost, parse_day, today
    from solomo_cli.render import mydata as render_user

    when = parse_day(day) if day else today()
    amount, currency = parse_cost(cost) if cost else (None, None)
    if amount is not None and currency is None:
        currency = _default_currency()
    paths, user = open_user()
    with user:
        found = resolve_ref(ref, paths, user)
        visit = user.add_visit(
            found.place, when, rating, note, amount, currency, remember=found.known_from != "mine"
        )
    say(f"Logged visit #{visit.id}: ", render_user.visit_line(visit))


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
    from solomo_cli.mydata.base import parse_cost, parse_day
    from solomo_cli.render import mydata as render_user

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
    paths, user = open_user()
    with user:
        moved = resolve_ref(place, paths, user).place if place else None
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
    say(f"Visit #{visit.id} is now: ", render_user.visit_line(visit))


@visit_app.command("rm")
@guarded
def visit_rm(
    visit_id: Annotated[
        int, typer.Argument(metavar="ID", help="The visit's id (solomo log shows it).")
    ],
) -> None:
    """Delete a logged visit."""
    from solomo_cli.render import mydata as render_user

    _, user = open_user()
    with user:
        visit = user.remove_visit(visit_id)
    say(f"Deleted visit #{visit.id}: ", render_user.visit_line(visit))


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
    from solomo_cli.mydata.base import parse_day
    from solomo_cli.mydata.visits import totals
    from solomo_cli.render import mydata as render_user

    start = parse_day(since, "--since date") if since else None
    end = parse_day(until, "--until date") if until else None
    if start and end and start > end:
        raise UsageError(f"--since {start} is after --until {end}")
    paths, user = open_user()
    with user:
        place_id = resolve_ref(place, paths, user).place.id if place else None
        visits = user.visits(start, end, place_id)
    if fmt is ListFormat.json:
        from solomo_cli.formats.exchange import dumps, totals_record, visit_record

        sys.stdout.write(
            dumps(
                {
                    "visits": [visit_record(v) for v in visits],
                    "totals": totals_record(totals(visits)),
                }
            )
        )
    elif fmt is ListFormat.csv:
        from solomo_cli.formats.exchange import VISIT_FIELDS, to_csv, visit_record

        sys.stdout.write(to_csv([visit_record(v) for v in visits], VISIT_FIELDS))
    else:
        print_all(render_user.log_view(visits, totals(visits), start, end))


# -- places ---------------------------------------------------------------------------------


@guarded
def note(
    ref: Annotated[str, typer.Argument(metavar="REF", help=REF_HELP)],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The note (in quotes).")],
) -> None:
    """Add a dated note to a place; solomo show REF shows them."""
    from solomo_cli.render import mydata as render_user

    paths, user = open_user()
    with user:
        found = resolve_ref(ref, paths, user)
        added = user.add_note(found.place, text, remember=found.known_from != "mine")
    say(
        f"Noted on {render_user.local_day(added.created_at)} for ",
        render_user.place_text(found.place),
        ".",
    )


@guarded
def show(
    ref: Annotated[str, typer.Argument(metavar="REF", help=REF_HELP)],
    fmt: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ShowFormat.table,
) -> None:
    """Everything about one place: details, hours, your visits, notes, and people met there."""
    from solomo_cli.render import mydata as render_user

    paths, user = open_user()
    with user:
        found = resolve_ref(ref, paths, user)
        summary = user.summary(found.place.id)
        seen_at = user.seen_at(found.place.id)
    hours = _hours(found.place)
    if fmt is ShowFormat.json:
        from solomo_cli.formats.exchange import dumps

        sys.stdout.write(dumps(render_user.show_record(found, summary, seen_at, hours)))
        return
    print_all(render_user.show_view(found, summary, hours))


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
    from solomo_cli.formats.exchange import export as run_export
    from solomo_cli.formats.exchange import export_format

    if file == "-" and fmt is None:
        raise UsageError("say which format to write on stdout", hint="add --format csv, json…")
    chosen = export_format(file, fmt.value if fmt else None, what.value)
    _, user = open_user()
    with user:
        text, count = run_export(user, what.value, chosen)
    if file == "-":
        sys.stdout.write(text)
        return
    from solomo_cli.formats.files import atomic_write

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
    from solomo_cli.formats.exchange import import_file
    from solomo_cli.render import mydata as render_user

    _, user = open_user()
    with user:
        report = import_file(user, file, fmt.value if fmt else None)
    kind = "Google Saved Places" if report.source == "google" else f"solomo {report.source}"
    added = ", ".join(render_user.count(n, t) for t, n in report.added.items()) or "nothing new"
    line = f"Imported {file} ({kind}, {report.fmt}): {added}"
    if report.known:
        line += "; already there: " + ", ".join(
            render_user.count(n, t) for t, n in report.known.items()
        )
    if report.ignored:
        line += f"; {report.ignored} without a location skipped"
    say(line + ".")


@guarded
def backup(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Copy your data (places, visits, notes, contacts) safely to FILE.

    The copy is consistent even while other solomo commands write, and readable by you only."""
    from solomo_cli.mydata.store import backup as run_backup
    from solomo_cli.render import mydata as render_user

    paths, _ = open_user()
    counts = run_backup(paths.user_db, file, overwrite=force)
    say(
        f"Backed up {paths.user_db} to {file}: "
        + ", ".join(render_user.count(n, t) for t, n in counts.items())
        + "."
    )
    say(f"To restore, copy it over {paths.user_db} while no solomo command runs.")


def user_app() -> typer.Typer:
    """The commands of this module and of cli_contact, as one app for cli.py's group."""
    from solomo_cli.cli.contacts import contact_app

    app = typer.Typer()
    app.add_typer(visit_app, name="visit")
    app.command("log")(log)
    app.command("note")(note)
    app.command("show")(show)
    app.add_typer(contact_app, name="contact")
    app.command("export")(export)
    app.command("import")(import_)
    app.command("backup")(backup)
    return app
