"""The command line: thin commands that parse options, call one core function, and render."""

import functools
import gc
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from solomo_cli import __version__
from solomo_cli.boundary import clean
from solomo_cli.errors import ExitStatus, SolomoError, UsageError

if TYPE_CHECKING:
    from solomo_cli.notify import Notify

# Commands of the user's own layer (cli_user.py, cli_contact.py), built on first use so that
# `solomo near` neither imports nor builds them; a test keeps this list in step with user_app.
USER_COMMANDS = ("visit", "log", "note", "show", "contact", "export", "import", "backup")


class _Commands(MutableMapping[str, Any]):
    """The group's name → command mapping, where the user-layer commands are built on access."""

    def __init__(self, built: MutableMapping[str, Any], lazy: tuple[str, ...]) -> None:
        self._built = dict(built)
        self._order = [*built, *(name for name in lazy if name not in built)]
        self._lazy = set(lazy) - set(built)

    def __getitem__(self, name: str) -> Any:
        if name in self._lazy:
            self._built[name] = _user_group().commands[name]
            self._lazy.discard(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._order:
            self._order.append(name)
        self._lazy.discard(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._order.remove(name)
        self._lazy.discard(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)


@functools.lru_cache(maxsize=1)
def _user_group() -> Any:
    from solomo_cli.cli.user import user_app

    return typer.main.get_command(user_app())


class SolomoGroup(TyperGroup):
    """The top-level group: typer's, with the user-layer commands built lazily."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands, USER_COMMANDS)


app = typer.Typer(
    cls=SolomoGroup,
    name="solomo",
    help="Find a good place to work nearby — coworking first — from OpenStreetMap, and keep "
    "track of where you worked and who you met.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)
cache_app = typer.Typer(
    help="Inspect or clear the disposable local cache of OSM data.", no_args_is_help=True
)
app.add_typer(cache_app, name="cache")

F = TypeVar("F", bound=Callable[..., Any])
_state = {"debug": bool(os.environ.get("SOLOMO_DEBUG"))}


def err_console() -> Console:
    return Console(stderr=True, highlight=False, emoji=False)


def fail(message: str, hint: str | None, status: int) -> typer.Exit:
    text = f"solomo: error: {clean(message)}"
    if hint:
        text += f"\n  {clean(hint)}"
    print(text, file=sys.stderr)
    return typer.Exit(status)


def handles_errors(func: F) -> F:
    """Catch errors once, at the CLI boundary: one plain line, a documented exit status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SolomoError as exc:
            if _state["debug"]:
                traceback.print_exc()
            raise fail(exc.message, exc.hint, exc.exit_status) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # a bug: say so plainly, details with --debug
            if _state["debug"]:
                traceback.print_exc()
            raise fail(
                f"unexpected {type(exc).__name__}: {exc}",
                "run again with --debug and report the output",
                ExitStatus.ERROR,
            ) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress() -> "Iterator[Notify]":
    """A spinner on stderr while something slow runs, on a terminal. Elsewhere (a pipe, a log)
    only the notices that explain a wait are printed, one line each."""
    console = err_console()
    if not console.is_terminal:

        def plain(message: str, *, waiting: bool = False) -> None:
            if waiting:
                print(f"solomo: {clean(message)}", file=sys.stderr, flush=True)

        yield plain
        return
    with console.status("Working…") as status:

        def spin(message: str, *, waiting: bool = False) -> None:
            status.update(clean(message))

        yield spin


def _version(value: bool) -> None:
    if value:
        print(f"solomo {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """Find a good place to work nearby, from OpenStreetMap."""
    # Set on every run (not only at import), so that the app can be invoked more than once.
    _state["debug"] = debug or bool(os.environ.get("SOLOMO_DEBUG"))


class Sort(str, Enum):
    score = "score"
    distance = "distance"


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    geojson = "geojson"


def load_settings() -> Any:
    from solomo_cli.config import load_settings as load

    return load()


def write_output(text: str, output: Path | None, force: bool) -> None:
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    from solomo_cli.formats.files import atomic_write

    atomic_write(output, text, overwrite=force)
    print(f"Wrote {output}", file=sys.stderr)


_SOUTH_OR_WEST = re.compile(r"^-\d+(?:\.\d+)?\s*[,;]")


class PlaceCommand(TyperCommand):
    """A command whose PLACE may be `-33.87,151.21`: coordinates, not an unknown option `-3`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # A leading space keeps click's parser off it; parse_latlon ignores it.
        return super().parse_args(ctx, [" " + a if _SOUTH_OR_WEST.match(a) else a for a in args])


@app.command(cls=PlaceCommand)
@handles_errors
def near(
    place: Annotated[
        str, typer.Argument(help='A place name ("Lyon", "Part-Dieu, Lyon") or LAT,LON.')
    ],
    radius: Annotated[
        str, typer.Option("--radius", "-r", help="Search radius: 800m, 2km, 1.5 km.")
    ] = "2km",
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=0, help="Show at most N places (0: all).")
    ] = 20,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            "-k",
            help="Comma list of coworking, hackerspace, library, cafe (with Wi-Fi), or all.",
        ),
    ] = "coworking",
    sort: Annotated[
        Sort,
        typer.Option(
            "--sort", help="Order by score (distance and work-friendliness) or pure distance."
        ),
    ] = Sort.score,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite --output FILE if it exists.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Never touch the network; answer from local data.")
    ] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Fetch again even if local data is fresh.")
    ] = False,
    country: Annotated[
        str | None,
        typer.Option("--country", "-c", help="Prefer places in this country (ISO code, e.g. fr)."),
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
            help="Only places open at WHEN, in each place's local time: 2026-12-01T09:00, 'tomorrow 9:00', 'mon 9:00'.",
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
) -> None:
    """Rank work places near PLACE: coworking spaces first, then other third places."""
    from solomo_cli.geo import parse_radius
    from solomo_cli.kinds import parse_kinds
    from solomo_cli.search.near import NearQuery, Session
    from solomo_cli.search.near import near as run_near

    place = place.strip()  # see PlaceCommand
    if offline and refresh:
        raise UsageError("--offline and --refresh contradict each other", hint="use one of them")
    if open_now and open_at:
        raise UsageError("--open-now and --open-at contradict each other", hint="use one of them")
    if strict_hours and not (open_now or open_at):
        raise UsageError("--strict-hours only makes sense with --open-now or --open-at")
    when = None
    if open_now or open_at:
        from solomo_cli.search.hours import parse_when

        try:
            when = parse_when(open_at or "now")
        except ValueError as exc:
            raise UsageError(f"bad --open-at value: {exc}") from None
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
    )
    settings = load_settings()
    with progress() as notify, Session(settings, notify) as session:
        result = run_near(session, query)
    from solomo_cli.render import near as render

    if result.origin.geocoded and fmt is not Format.table:
        print(f"solomo: {place!r} understood as {result.origin.label}", file=sys.stderr)
    if result.origin.alternatives:
        print(
            f"solomo: {len(result.origin.alternatives)} other places match {place!r}; "
            "be more precise or use --country if this is not the one",
            file=sys.stderr,
        )
    if offline and fmt is not Format.table:  # the table's title says it; scripts get it here
        day = result.data_time[:10] if result.data_time else "unknown date"
        print(
            f"solomo: offline answer from local data of {day} "
            f"({render.age_phrase(result.fetched_at)})",
            file=sys.stderr,
        )
    if fmt is Format.table:
        if output is None:
            render.print_table(Console(highlight=False, emoji=False), result, explain)
            return
        text = render.plain_table(result, explain)
    elif fmt is Format.json:
        text = render.to_json(result)
    elif fmt is Format.csv:
        text = render.to_csv(render.records(result))
    else:
        text = render.to_geojson(render.records(result))
    write_output(text, output, force)


@app.command(cls=PlaceCommand)
@handles_errors
def sync(
    place: Annotated[str, typer.Argument(help="A place name or LAT,LON.")],
    radius: Annotated[
        str, typer.Option("--radius", "-r", help="Area to fetch: 5km, 20km…")
    ] = "10km",
    kind: Annotated[
        str, typer.Option("--kind", "-k", help="Kinds to fetch (comma list, or all).")
    ] = "all",
    country: Annotated[
        str | None, typer.Option("--country", "-c", help="Prefer places in this country.")
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Fetch even if local data is fresh.")
    ] = False,
) -> None:
    """Fetch an area's work places now, so that --offline can answer later."""
    import shlex

    from solomo_cli.geo import format_distance, parse_radius
    from solomo_cli.kinds import parse_kinds
    from solomo_cli.search.near import Session
    from solomo_cli.search.near import sync as run_sync

    radius_m, kinds = parse_radius(radius), parse_kinds(kind)
    place = place.strip()  # see PlaceCommand
    settings = load_settings()
    with progress() as notify, Session(settings, notify) as session:
        result = run_sync(session, place, radius_m, kinds, country, refresh)
    fetched = "fetched" if result.network_requests else "already up to date"
    print(
        f"{result.places} places ({', '.join(kinds)}) within {format_distance(radius_m)} of "
        f"{result.origin.label}: {fetched}.\nWithout a connection: solomo near "
        f"{shlex.quote(place)} --offline\n© OpenStreetMap contributors"
    )


@app.command()
@handles_errors
def paths() -> None:
    """Show where solomo keeps its files."""
    from solomo_cli.config import get_paths

    p = get_paths()
    print(f"config:    {p.config_file}")
    print(f"user data: {p.user_db}    (your visits, notes and contacts: back it up)")
    print(f"cache:     {p.cache_db}    (disposable: solomo cache clear)")


@cache_app.command("info")
@handles_errors
def cache_info() -> None:
    """How much OSM data is cached, and how old it is."""
    from solomo_cli.cache.store import Cache
    from solomo_cli.config import get_paths
    from solomo_cli.render.near import age_phrase

    cache = Cache(get_paths().cache_db)
    info = cache.info()
    cache.close()
    print(f"cache:    {info['path']}")
    if not info["exists"]:
        print("empty (nothing fetched yet)")
        return
    print(f"places:   {info['places']}")
    print(f"areas:    {info['areas']}")
    print(f"geocodes: {info['geocodes']}")
    print(f"size:     {info['size_bytes'] / 1024:.0f} KiB")
    if info["newest_fetch"]:
        print(f"newest:   {age_phrase(info['newest_fetch'])}")
        print(f"oldest:   {age_phrase(info['oldest_fetch'])}")


@cache_app.command("clear")
@handles_errors
def cache_clear() -> None:
    """Delete cached OSM data and geocodes (your own data is not touched)."""
    from solomo_cli.cache.store import Cache
    from solomo_cli.config import get_paths

    existed = Cache(get_paths().cache_db).clear()
    print(
        "Cache cleared; your visits, notes and contacts are untouched."
        if existed
        else "The cache was already empty."
    )


def main() -> None:
    try:
        app(prog_name="solomo")
    finally:
        # The process ends here. Its last garbage collections would only walk the objects that
        # typer, rich and the command made, just before the OS frees them all: about a tenth
        # of a warm `near`. Files and the store are already closed.
        gc.freeze()


if __name__ == "__main__":
    main()
