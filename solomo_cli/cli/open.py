"""`solomo open REF`: a place's website, its OpenStreetMap page or walking directions to it,
in the browser; and `--open` of the map pages that `near` and `log` write."""

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from solomo_cli.boundary import clean
from solomo_cli.cli.console import handles_errors
from solomo_cli.cli.params import REF_HELP, open_user, resolve_ref
from solomo_cli.errors import UsageError


def check_open_page(chosen: str, to_file: bool, open_page: bool) -> None:
    """--open opens the page the command writes: refused, before any work, without one."""
    if open_page and not to_file:
        raise UsageError("--open opens the map page written with -o FILE", hint="add -o map.html")
    if open_page and chosen != "html":
        raise UsageError(f"--open opens a map page, not {chosen}", hint="write it with -o map.html")


def open_page(path: Path) -> None:
    from solomo_cli.browser import open_url

    url = Path(path).resolve().as_uri()
    open_url(url)
    print(f"Opened {clean(url)} in the browser", file=sys.stderr)


@handles_errors
def open_(
    ref: Annotated[str, typer.Argument(metavar="REF", help=REF_HELP)],
    site: Annotated[
        bool, typer.Option("--site", help="Its website (the default, when it has one).")
    ] = False,
    osm: Annotated[
        bool,
        typer.Option("--map", help="Its page on OpenStreetMap (the default without a website)."),
    ] = False,
    directions: Annotated[
        bool,
        typer.Option("--directions", help="Walking directions from the last search point."),
    ] = False,
) -> None:
    """Open a place's website, its OpenStreetMap page, or walking directions, in the browser.

    The URL is printed too, so that it can be copied when no browser can be opened (set
    BROWSER to choose the browser)."""
    from solomo_cli.boundary import web_link
    from solomo_cli.browser import directions_url, open_url
    from solomo_cli.formats.records import place_url

    if site + osm + directions > 1:
        raise UsageError("choose one of --site, --map and --directions")
    paths, user = open_user()
    with user:
        found = resolve_ref(ref, paths, user)
    place = found.place
    name = clean(place.display_name)
    if directions:
        if not found.origin:
            raise UsageError("no search point to walk from", hint="search first: solomo near PLACE")
        start = (found.origin["lat"], found.origin["lon"])
        url = directions_url(start, (place.lat, place.lon))
    else:
        website = web_link(place.website)
        if site and not website:
            why = "no website" if not place.website else "no http or https website"
            again = f"solomo open {shlex.quote(ref)} --map"
            raise UsageError(f"{name} has {why}", hint=f"{again} opens its map page")
        url = website if website and not osm else place_url(place) or ""
        if not url:
            raise UsageError(f"{name} has no map page", hint="it was not found on OpenStreetMap")
    print(url)
    sys.stdout.flush()  # the URL stays said even when the browser fails
    open_url(url)
