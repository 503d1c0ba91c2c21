"""`solomo trip add|list|show|rm`: where you will be, and who and what you know there."""

from typing import Annotated

import typer

from solomo_cli.cli.console import handles_errors, print_all, say
from solomo_cli.cli.params import TripFormat, open_user, parse_day, parse_id
from solomo_cli.errors import UsageError
from solomo_cli.words import count

trip_app = typer.Typer(
    no_args_is_help=True,
    help="Your trips: where you will be and when; who you know there; `near` searches there.",
)
ADD_HINT = "add one: solomo trip add Lyon --from 2026-12-03 --to 2026-12-07"


@trip_app.command("add")
@handles_errors
def trip_add(
    place: Annotated[
        str, typer.Argument(metavar="PLACE", help='Where: a place name ("Lyon") or LAT,LON.')
    ],
    start: Annotated[str, typer.Option("--from", metavar="DATE", help="First day, as YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", metavar="DATE", help="Last day, as YYYY-MM-DD.")],
    note: Annotated[str | None, typer.Option("--note", help="What the trip is for.")] = None,
    country: Annotated[
        str | None,
        typer.Option("--country", "-c", metavar="CC", help="Prefer places in this country."),
    ] = None,
) -> None:
    """Add a trip: PLACE is found as `solomo near` finds it, and kept with its point."""
    from solomo_cli.cli.contacts import locate
    from solomo_cli.mydata.trips import days_label
    from solomo_cli.render import mydata as views

    first, last = parse_day(start, "--from date"), parse_day(end, "--to date")
    if last < first:
        raise UsageError(f"--to {last} is before --from {first}")
    place = place.strip()
    (lat, lon), label = locate(place, country)
    _, user = open_user()
    with user:
        trip = user.add_trip(place, label, lat, lon, first, last, note)
    say(
        f"Added trip #{trip.id}: ",
        views.untrusted(trip.label),
        f", {days_label(trip)} ({trip.start} → {trip.end}).",
    )


@trip_app.command("list")
@handles_errors
def trip_list(
    fmt: Annotated[
        TripFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TripFormat.table,
) -> None:
    """Your trips, the earliest first (the one under way is marked)."""
    from datetime import date

    from solomo_cli.mydata.trips import current_or_next

    _, user = open_user()
    with user:
        trips = user.trips()
    if fmt.value != "table":
        from solomo_cli.cli.files import emit
        from solomo_cli.formats.ics import TRIP_FIELDS, trip_record
        from solomo_cli.formats.registry import Document

        emit(Document("trips", [trip_record(t) for t in trips], TRIP_FIELDS), fmt.value)
        return
    if not trips:
        say(f"No trips yet; {ADD_HINT}")
        return
    from solomo_cli.render.keep import trips_view

    today = date.today()
    now = current_or_next(trips, today)
    print_all(trips_view(trips, now.id if now is not None and now.on(today) else None))


@trip_app.command("show")
@handles_errors
def trip_show(
    trip_id: Annotated[
        int | None,
        typer.Argument(
            metavar="[ID]", help="The trip's id (default: the one under way, else the next)."
        ),
    ] = None,
    radius: Annotated[
        str | None,
        typer.Option(
            "--radius", "-r", metavar="DISTANCE", help="The trip's area (default: near's, 2km)."
        ),
    ] = None,
) -> None:
    """A trip's days, the people you know in its area (those due first), your best places."""
    from datetime import date

    from solomo_cli.cli.near import DEFAULT_RADIUS
    from solomo_cli.geo import parse_radius
    from solomo_cli.mydata.keep import config_cadences
    from solomo_cli.mydata.trips import current_or_next
    from solomo_cli.render.keep import trip_view

    radius_m = parse_radius(radius or DEFAULT_RADIUS)
    today = date.today()
    cadences = config_cadences()
    _, user = open_user()
    with user:
        if trip_id is not None:
            trip = user.trip(parse_id(trip_id, "trip id"))
        else:
            found = current_or_next(user.trips(), today)
            if found is None:
                say(f"No trip under way or ahead; {ADD_HINT}")
                return
            trip = found
        area = user.trip_area(trip, radius_m, user.all_due(today, cadences))
    if trip.on(today):
        when = ", under way"
    elif trip.start > today.isoformat():
        days = (date.fromisoformat(trip.start) - today).days
        when = f", in {count(days, 'days')}"
    else:
        when = ", past"
    print_all(trip_view(area, when))


@trip_app.command("rm")
@handles_errors
def trip_rm(
    trip_id: Annotated[int, typer.Argument(metavar="ID", help="The trip's id (trip list).")],
) -> None:
    """Delete a trip."""
    from solomo_cli.mydata.trips import days_label
    from solomo_cli.render import mydata as views

    _, user = open_user()
    with user:
        trip = user.remove_trip(parse_id(trip_id, "trip id"))
    say(
        f"Deleted trip #{trip.id}: ",
        views.untrusted(trip.label),
        f", {days_label(trip)} ({trip.start} → {trip.end}).",
    )
