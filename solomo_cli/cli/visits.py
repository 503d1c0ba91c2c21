"""`solomo visit` (add, edit, rm) and `solomo log`: where you worked."""

import itertools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from solomo_cli.boundary import clean
from solomo_cli.cli.complete import complete_ref
from solomo_cli.cli.console import handles_errors, print_all, say
from solomo_cli.cli.params import (
    DATE_HELP,
    DATES_SEE,
    REF_HELP,
    LogFormat,
    force_option,
    limit_option,
    open_option,
    open_user,
    output_option,
    parse_cost_option,
    parse_day,
    parse_id,
    parse_month,
    parse_span,
    require_change,
    resolve_ref,
)

if TYPE_CHECKING:
    from solomo_cli.mydata.store import UserData


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


@visit_app.command("add")
@handles_errors
def visit_add(
    ref: Annotated[str, typer.Argument(metavar="REF", autocompletion=complete_ref, help=REF_HELP)],
    day: Annotated[str | None, typer.Option("--date", metavar="DAY", help=DATE_HELP)] = None,
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
    from solomo_cli.mydata.base import today
    from solomo_cli.render import mydata as views

    when = parse_day(day) if day else today()
    amount, currency = parse_cost_option(cost) if cost else (None, None)
    paths, user = open_user()
    with user:
        found = resolve_ref(ref, paths, user)
        visit = user.add_visit(
            found.place, when, rating, note, amount, currency, remember=found.remember
        )
        hint = amount is not None and currency is None and user.first_notice(NO_CURRENCY)
    say(f"Logged visit #{visit.id}: ", views.visit_line(visit))
    if hint:
        _no_currency_hint(amount)


NO_CURRENCY = "cost without a currency"  # the one-time notice's key in the user-data file


def _no_currency_hint(amount: str | None) -> None:
    """Said once (the user-data file remembers it): a cost without a currency is kept apart."""
    import sys

    print(
        f"solomo: {amount} is kept without a currency: solomo log totals it apart, as "
        "'(no currency)', never with a currency's. Write the currency ('20 EUR'), or set "
        'currency = "EUR" in the config file for costs given without one. (Said once.)',
        file=sys.stderr,
    )


@visit_app.command("edit")
@handles_errors
def visit_edit(
    visit_id: Annotated[
        int, typer.Argument(metavar="ID", help="The visit's id (solomo log shows it).")
    ],
    day: Annotated[
        str | None, typer.Option("--date", metavar="DAY", help=f"New day. {DATES_SEE}")
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
        str | None,
        typer.Option(
            "--place", metavar="REF", autocompletion=complete_ref, help="Move it to another place."
        ),
    ] = None,
) -> None:
    """Change a logged visit."""
    from solomo_cli.errors import UsageError
    from solomo_cli.render import mydata as views

    visit_id = parse_id(visit_id, "visit id")
    if rating is not None and no_rating:
        raise UsageError("--rating and --no-rating contradict each other")
    when = parse_day(day) if day else None
    price = parse_cost_option(cost) if cost else None
    require_change(
        (day, rating, no_rating, note, cost, place),
        ["--date", "--rating", "--note", "--cost", "--place"],
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
        hint = price is not None and price[1] is None and user.first_notice(NO_CURRENCY)
    say(f"Visit #{visit.id} is now: ", views.visit_line(visit))
    if hint and price is not None:
        _no_currency_hint(price[0])


@visit_app.command("rm")
@handles_errors
def visit_rm(
    visit_id: Annotated[
        int, typer.Argument(metavar="ID", help="The visit's id (solomo log shows it).")
    ],
) -> None:
    """Delete a logged visit."""
    from solomo_cli.render import mydata as views

    visit_id = parse_id(visit_id, "visit id")
    _, user = open_user()
    with user:
        visit = user.remove_visit(visit_id)
    say(f"Deleted visit #{visit.id}: ", views.visit_line(visit))


@handles_errors
def log(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DAY",
            help=f"From this day on: 2026-11-01, 30d, last week. {DATES_SEE}",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", metavar="DAY", help="Up to this day (last week: its Sunday)."),
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(
            "--month", metavar="MONTH", help="Only this month: 2026-11, last month, 11/2026."
        ),
    ] = None,
    place: Annotated[
        str | None,
        typer.Option(
            "--place",
            metavar="REF",
            autocompletion=complete_ref,
            help="Only the visits of this place.",
        ),
    ] = None,
    limit: Annotated[int | None, limit_option("visits, and N rows per place and per month")] = None,
    fmt: Annotated[
        LogFormat | None,
        typer.Option("--format", "-f", help="Output format (default: table, or FILE's suffix)."),
    ] = None,
    output: Annotated[Path | None, output_option(".json, .csv, .geojson, .html: a map")] = None,
    force: Annotated[bool, force_option()] = False,
    open_page: Annotated[bool, open_option()] = False,
    chart: Annotated[
        bool,
        typer.Option("--chart", help="Draw the days worked per month and per place as bars."),
    ] = False,
) -> None:
    """Where you worked: visits newest first, with days per place and per month, and costs.

    As a map: solomo log -o worked.html --open (one marker per place, its days and costs)."""
    from solomo_cli.cli.open import check_open_page
    from solomo_cli.cli.params import chosen_output
    from solomo_cli.errors import UsageError

    if month and (since or until):
        raise UsageError(
            "--month and --since/--until contradict each other", hint="use one or the other"
        )
    chosen, to_file = chosen_output("visits", fmt.value if fmt else None, output, force, files=True)
    if chart and (chosen != "table" or to_file):
        raise UsageError(
            f"--chart draws on the terminal, not as {chosen}", hint="drop --format and -o"
        )
    check_open_page(chosen, to_file, open_page)
    start, end = parse_month(month) if month else parse_span(since, until)
    if chosen == "table" and limit is None:
        from solomo_cli.render.table import screenful

        # Around the visits: title, header, rule, "N more", and the lines below the tables.
        limit = screenful(8)
    paths, user = open_user()
    with user:
        place_id = resolve_ref(place, paths, user).place.id if place else None
        if chart:
            _log_chart(user, start, end, place_id, limit or None)
            return
        if chosen == "table":
            _log_table(user, start, end, place_id, limit or None)
            return
        from solomo_cli.cli.files import emit
        from solomo_cli.formats.records import VISIT_FIELDS, totals_record, visit_records
        from solomo_cli.formats.registry import Document

        visits = user.iter_visits(start, end, place_id)  # read as they are written
        rows = visit_records(itertools.islice(visits, limit or None))
        value = None
        if chosen == "json":  # the only format that carries the totals
            value = {"visits": rows, "totals": totals_record(user.totals(start, end, place_id))}
        head = None
        if chosen == "html":
            from solomo_cli.formats.registry import OSM_LICENSE

            head = {"title": _log_title(start, end), "attribution": OSM_LICENSE}
        doc = Document("visits", rows, VISIT_FIELDS, value=value, head=head)
        written = emit(doc, chosen, output, force)
    if written:
        print(f"Wrote {clean(output)} ({chosen})", file=sys.stderr)
    if open_page and output is not None:
        from solomo_cli.cli.open import open_page as show_page

        show_page(output)


def _log_title(start: str | None, end: str | None) -> str:
    if start and end:
        return f"Where you worked, {start} to {end}"
    if start or end:
        return f"Where you worked, {'since ' + start if start else 'until ' + str(end)}"
    return "Where you worked"


def _log_table(
    user: "UserData", start: str | None, end: str | None, place_id: str | None, limit: int | None
) -> None:
    from solomo_cli.cli.near import LISTING_HINTS
    from solomo_cli.render import mydata as views
    from solomo_cli.render.table import paused_gc

    hint = 'Log one with: solomo visit 2 --rating 4 --note "quiet, fast Wi-Fi"'
    with paused_gc():
        shown = user.visits(start, end, place_id, limit=limit)
        totals = user.totals(start, end, place_id, top=limit)
        print_all(views.log_view(shown, totals, start, end, hint, more_hint=LISTING_HINTS[1]))


def _log_chart(
    user: "UserData", start: str | None, end: str | None, place_id: str | None, limit: int | None
) -> None:
    from solomo_cli.render.chart import log_chart

    totals = user.totals(start, end, place_id, top=limit)
    print_all(log_chart(totals, start, end))
