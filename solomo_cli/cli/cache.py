"""`solomo paths` and `solomo cache`: where the files are, and the disposable cache."""

import typer

from solomo_cli.boundary import clean
from solomo_cli.cli.console import handles_errors

paths_app = typer.Typer()
cache_app = typer.Typer(
    help="Inspect or clear the disposable local cache of OSM data.", no_args_is_help=True
)


@paths_app.command("paths")
@handles_errors
def paths() -> None:
    """Show where solomo keeps its files."""
    from solomo_cli.config import get_paths

    p = get_paths()
    print(f"config:    {clean(p.config_file)}")
    print(f"user data: {clean(p.user_db)}    (your visits, notes and contacts: back it up)")
    print(f"cache:     {clean(p.cache_db)}    (disposable: solomo cache clear)")


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
    print(f"cache:    {clean(info['path'])}")
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
