"""`solomo near` and `solomo sync`: work places around a point, and an area fetched ahead of a
trip. Thin: parse the options, call the core (search/), render."""

import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from solomo_cli.boundary import clean, quoted
from solomo_cli.cli.console import handles_errors, progress
from solomo_cli.cli.params import (
    DATES_SEE,
    Format,
    PlaceCommand,
    Sort,
    force_option,
    load_settings,
    open_option,
    output_option,
    parse_moment,
)
from solomo_cli.errors import UsageError
from solomo_cli.words import count

if TYPE_CHECKING:
    from solomo_cli.config import Settings
    from solomo_cli.search.near import NearQuery, NearResult

near_app = typer.Typer()
MAX_LIMIT = 100_000  # places in one listing: far more than any area holds
DEFAULT_RADIUS = "2km"
# What a listing suggests when it shows nothing, or not everything.
LISTING_HINTS = ("Try a larger --radius, or more kinds (--kind all).", "use --limit to see them")


def _hints(query: "NearQuery") -> tuple[str, str]:
    """What to try when nothing is found: the filters given are named, since a place whose
    mappers never said (sockets, Wi-Fi…) is unknown, and a filter keeps only the yes."""
    asked = [
        flag
        for flag, on in (
            ("--power", query.power),
            ("--wifi", query.wifi),
            ("--free-wifi", query.free_wifi),
            ("--wheelchair", query.wheelchair),
            ("--open-now/--open-at", query.open_at is not None),
        )
        if on
    ]
    if not asked:
        return LISTING_HINTS
    return (
        f"{' and '.join(asked)} {'keeps' if len(asked) == 1 else 'keep'} only the places known "
        "to match (OSM often does not say): "
        "try without, a larger --radius, or more kinds (--kind all).",
        LISTING_HINTS[1],
    )


def _write_text(out: "IO[str]", text: str) -> None:
    out.write(text)


@near_app.command("near", cls=PlaceCommand)
@handles_errors
def near(
    place: Annotated[
        str | None,
        typer.Argument(
            metavar="[PLACE]",
            help='A place name ("Lyon", "Part-Dieu, Lyon") or LAT,LON. Without it: your trip '
            "under way, else home from the config file, else your last search.",
        ),
    ] = None,
    radius: Annotated[
        str,
        typer.Option(
            "--radius", "-r", metavar="DISTANCE", help="Search radius: 800m, 2km, 1.5 km."
        ),
    ] = DEFAULT_RADIUS,
    limit: Annotated[
        int,
        typer.Option(
            "--limit",
            "-n",
            metavar="N",
            min=0,
            max=MAX_LIMIT,
            help="Show at most N places (0: all).",
        ),
    ] = 20,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            "-k",
            metavar="KINDS",
            help="Comma list of coworking, hackerspace, library, cafe (with Wi-Fi), or all.",
        ),
    ] = "coworking",
    sort: Annotated[
        Sort,
        typer.Option(
            "--sort", help="Order by score (distance and work-friendliness) or pure distance."
        ),
    ] = Sort.score,
    fmt: Annotated[
        Format | None,
        typer.Option("--format", "-f", help="Output format (default: table, or FILE's suffix)."),
    ] = None,
    output: Annotated[Path | None, output_option(".txt, .json, .csv, .geojson, .html")] = None,
    force: Annotated[bool, force_option()] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Never touch the network; answer from local data.")
    ] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Fetch again even if local data is fresh.")
    ] = False,
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            "-c",
            metavar="CC",
            help="Prefer places in this country (ISO code, e.g. fr).",
        ),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show each place's score and how it was made.")
    ] = False,
    open_now: Annotated[
        bool,
        typer.Option(
            "--open-now", help="Only places open now (hours unknown are kept and marked)."
        ),
    ] = False,
    open_at: Annotated[
        str | None,
        typer.Option(
            "--open-at",
            metavar="WHEN",
            help=f"Only places open at WHEN, in each place's local time: 18h, 'tomorrow 9:00', 'lundi 9h' (the next Monday). {DATES_SEE}",
        ),
    ] = None,
    strict_hours: Annotated[
        bool,
        typer.Option(
            "--strict-hours", help="With --open-now/--open-at, drop places whose hours are unknown."
        ),
    ] = False,
    wifi: Annotated[
        bool, typer.Option("--wifi", help="Only places that declare internet access.")
    ] = False,
    free_wifi: Annotated[
        bool,
        typer.Option(
            "--free-wifi",
            help="Only places with free internet (internet_access:fee=no or customers).",
        ),
    ] = False,
    wheelchair: Annotated[
        bool,
        typer.Option("--wheelchair", help="Only places accessible by wheelchair (yes or limited)."),
    ] = False,
    sketch: Annotated[
        bool,
        typer.Option(
            "--map",
            help="Under the table, sketch the places around the search point (on a terminal only).",
        ),
    ] = False,
    open_page: Annotated[bool, open_option()] = False,
    power: Annotated[
        bool,
        typer.Option(
            "--power",
            help="Only places with sockets for laptops (OSM's service:electricity, power_supply, "
            "socket:*; your own field notes, solomo visit --power, outrank OSM's).",
        ),
    ] = False,
) -> None:
    """Rank work places near PLACE: coworking spaces first, then other third places."""
    from solomo_cli.geo import parse_radius
    from solomo_cli.kinds import parse_kinds
    from solomo_cli.search.near import NearQuery, Session, remember_listing, run

    settings = load_settings()
    place, label, kept = _default_place(settings) if place is None else (place.strip(), None, None)
    from solomo_cli.cli.params import chosen_output

    # A file's suffix must name a format (.txt: the table); only stdout defaults to the table.
    chosen, to_file = chosen_output("listing", fmt.value if fmt else None, output, force)
    _check_map_options(chosen, to_file, sketch, open_page)
    if offline and refresh:
        raise UsageError("--offline and --refresh contradict each other", hint="use one of them")
    if open_now and open_at:
        raise UsageError("--open-now and --open-at contradict each other", hint="use one of them")
    if strict_hours and not (open_now or open_at):
        raise UsageError("--strict-hours only makes sense with --open-now or --open-at")
    when = None
    if open_now or open_at:
        when = parse_moment(open_at or "now")
    query = NearQuery(
        place=place,
        radius_m=parse_radius(radius),
        kinds=parse_kinds(kind),
        limit=limit,
        sort=sort.value,
        offline=offline,
        refresh=refresh,
        country=country,
        open_at=when,
        strict_hours=strict_hours,
        wifi=wifi,
        free_wifi=free_wifi,
        wheelchair=wheelchair,
        power=power,
    )
    with Session(settings) as session:  # open while a listing without a limit is read
        with progress() as notify:
            session.notify = notify
            result = run(session, query)
            # For `solomo show 2`; a default place is kept under its own name, not LAT,LON.
            origin = result.origin._replace(label=kept) if kept else result.origin
            remember_listing(session.cache, origin, result.places)
        session.notify = None
        if label is not None:  # which default it was: in the title, not in the listing kept
            result = result._replace(origin=result.origin._replace(label=label))
        _output(
            result, chosen, output, to_file, force, explain, place, offline, sketch, _hints(query)
        )
    if open_page and output is not None:
        from solomo_cli.cli.open import open_page as show_page

        show_page(output)


def _check_map_options(chosen: str, to_file: bool, sketch: bool, open_page: bool) -> None:
    if sketch and (chosen != "table" or to_file):
        raise UsageError(
            "--map draws under the table on a terminal", hint="use --format html -o map.html"
        )
    if open_page:  # only then: cli/open.py belongs to the user's layer
        from solomo_cli.cli.open import check_open_page

        check_open_page(chosen, to_file, open_page)


def _default_place(settings: "Settings") -> tuple[str, str, str | None]:
    """No PLACE: (what to search around, how the title says it, the name to keep for the
    listing): the trip under way today, else `home` from the config file, else the point of
    the last search."""
    from datetime import date

    from solomo_cli.mydata.trips import current_trip, days_label

    trip = current_trip(settings.paths.user_db, date.today())
    if trip is not None:
        return f"{trip.lat},{trip.lon}", f"{trip.label} (your trip, {days_label(trip)})", trip.label
    if settings.home:
        return settings.home, f"home ({settings.home})", None
    if settings.paths.cache_db.exists():
        from solomo_cli.cache.store import Cache

        cache = Cache(settings.paths.cache_db)
        try:
            head = cache.listing_head()
        finally:
            cache.close()
        origin = (head or {}).get("origin") or {}
        if isinstance(origin.get("lat"), float) and isinstance(origin.get("lon"), float):
            last = clean(origin.get("label") or f"{origin['lat']:.5f},{origin['lon']:.5f}")
            return f"{origin['lat']},{origin['lon']}", f"your last search: {last}", last
    raise UsageError(
        "no place to search around",
        hint='give one (solomo near Lyon), set home = "Lyon" in the config file, or add a '
        "trip (solomo trip add Lyon --from … --to …)",
    )


def _output(
    result: "NearResult",
    chosen: str,
    output: Path | None,
    to_file: bool,
    force: bool,
    explain: bool,
    place: str,
    offline: bool,
    sketch: bool = False,
    hints: tuple[str, str] = LISTING_HINTS,
) -> None:
    from solomo_cli.render import near as render

    origin = result.origin
    if origin.geocoded and chosen != "table":
        credit = f" — {origin.credit}" if origin.credit else ""
        print(
            f"solomo: {quoted(place)} understood as {clean(origin.label)}{credit}", file=sys.stderr
        )
    if origin.alternatives and origin.credit:  # the gazetteer's other places of that name
        print(
            f"solomo: also: {clean('; '.join(origin.alternatives))} — add --country",
            file=sys.stderr,
        )
    elif origin.alternatives:
        print(
            f"solomo: {count(len(result.origin.alternatives), 'other places')} "
            f"{'matches' if len(result.origin.alternatives) == 1 else 'match'} {quoted(place)}; "
            "be more precise or use --country if this is not the one",
            file=sys.stderr,
        )
    if offline and chosen != "table":  # the table's title says it; scripts get it here
        day = result.data_time[:10] if result.data_time else "unknown date"
        print(
            f"solomo: offline answer from local data of {day} "
            f"({render.age_phrase(result.fetched_at)})",
            file=sys.stderr,
        )
    if chosen == "table" and not to_file:
        console = Console(highlight=False, emoji=False, markup=False)
        render.print_table(console, result, explain, hints)
        if sketch and console.is_terminal and result.places:  # a pipe gets the table alone
            from solomo_cli.render.termmap import listing_sketch

            console.print(listing_sketch(result, console.width))
        return
    from solomo_cli.cli.files import emit, write_to

    if chosen == "table":
        text = render.plain_table(result, explain, hints=hints)
        written = write_to(output, lambda out: _write_text(out, text), force=force)
    else:
        from solomo_cli.formats.records import LISTING_FIELDS, place_record
        from solomo_cli.formats.registry import OSM_LICENSE, Document

        # Made as the writer reads them: a listing without a limit is never held whole.
        rows = (place_record(p, rank=i) for i, p in enumerate(result.places, 1))
        head: dict[str, Any] = {"attribution": OSM_LICENSE, "place_name_attribution": origin.credit}
        if chosen == "html":  # the map draws the search point and circle, and says the hours
            rows = (
                place_record(p, rank=i) | {"hours_phrase": p.extra.get("hours_phrase")}
                for i, p in enumerate(result.places, 1)
            )
            head |= {"title": render.title(result), "search": _search_point(result)}
        doc = Document(
            "listing",
            rows,
            LISTING_FIELDS,
            head=head if origin.credit or chosen == "html" else None,
        )
        from solomo_cli.render.table import paused_gc

        # A listing without a limit makes millions of small objects, none in a cycle: the
        # cycle collector would walk them again and again (a fifth of the time of 100k rows).
        with paused_gc():
            written = emit(doc, chosen, output, force)
    if written:
        print(f"Wrote {clean(output)} ({chosen})", file=sys.stderr)


def _search_point(result: "NearResult") -> dict[str, object]:
    origin = result.origin
    return {
        "lat": origin.lat,
        "lon": origin.lon,
        "radius_m": result.query.radius_m,
        "label": clean(origin.label),
    }


@near_app.command("sync", cls=PlaceCommand)
@handles_errors
def sync(
    place: Annotated[
        str | None, typer.Argument(help="A place name or LAT,LON (not with --extract).")
    ] = None,
    radius: Annotated[
        str, typer.Option("--radius", "-r", metavar="DISTANCE", help="Area to fetch: 5km, 20km…")
    ] = "10km",
    kind: Annotated[
        str,
        typer.Option("--kind", "-k", metavar="KINDS", help="Kinds to fetch (comma list, or all)."),
    ] = "all",
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            "-c",
            metavar="CC",
            help="With PLACE: prefer places in this country. Without PLACE: fetch the whole "
            "country (ISO code, e.g. fr) from Overpass, in tiles if the server wants.",
        ),
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Fetch even if local data is fresh.")
    ] = False,
    extract: Annotated[
        str | None,
        typer.Option(
            "--extract",
            metavar="FILE|URL",
            help="Import a whole region from an OSM extract (.osm.pbf, .osm, .osm.bz2, .osm.gz).",
        ),
    ] = None,
) -> None:
    """Fetch an area's work places now, so that --offline can answer later."""
    if place is None and extract is None and country is not None:
        return _sync_country(country, kind)
    if extract is not None or place is None:
        from solomo_cli.cli.extract import sync_extract

        return sync_extract(extract, place)
    import shlex

    from solomo_cli.formats.registry import OSM_ATTRIBUTION
    from solomo_cli.geo import format_distance, parse_radius
    from solomo_cli.kinds import parse_kinds
    from solomo_cli.search.near import sync as run_sync

    radius_m, kinds = parse_radius(radius), parse_kinds(kind)
    place = place.strip()  # see PlaceCommand
    settings = load_settings()
    with progress() as notify:
        result = run_sync(
            place,
            radius_m,
            kinds,
            country=country,
            refresh=refresh,
            settings=settings,
            notify=notify,
        )
    fetched = "fetched" if result.network_requests else "already up to date"
    print(
        f"{count(result.places, 'places')} ({', '.join(kinds)}) within {format_distance(radius_m)} of "
        f"{clean(result.origin.label)}: {fetched}.\nWithout a connection: solomo near "
        f"{shlex.quote(clean(place))} --offline\n"
        + " · ".join(filter(None, (OSM_ATTRIBUTION, result.origin.credit)))
    )


def _sync_country(country: str, kind: str) -> None:
    from solomo_cli.formats.registry import OSM_ATTRIBUTION
    from solomo_cli.kinds import parse_kinds
    from solomo_cli.search.near import sync_country

    kinds = parse_kinds(kind)
    with progress() as notify:
        result = sync_country(country, kinds, settings=load_settings(), notify=notify)
    pieces = "one query" if result.pieces == 1 else f"{result.pieces} pieces"
    print(
        f"{count(result.places, 'places')} ({', '.join(kinds)}) in {result.country}: fetched "
        f"in {pieces}.\nWithout a connection: solomo near <any town in it> --offline\n"
        f"{OSM_ATTRIBUTION}"
    )
