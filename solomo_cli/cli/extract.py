"""`solomo sync --extract FILE|URL`: thin over search/extract.py (the sync command in
cli/near.py hands its --extract value here)."""

import time

from solomo_cli.boundary import clean
from solomo_cli.cli.console import progress_bar
from solomo_cli.cli.params import load_settings
from solomo_cli.errors import UsageError
from solomo_cli.kinds import label
from solomo_cli.words import count


def sync_extract(file_or_url: str | None, place: str | None) -> None:
    """Import FILE_OR_URL; PLACE must be absent (the file says where)."""
    from solomo_cli.formats.registry import OSM_ATTRIBUTION

    if file_or_url is None:
        raise UsageError(
            "missing PLACE", hint="give a place name or LAT,LON, --country CC, or --extract FILE"
        )
    if place is not None:
        raise UsageError(
            "give PLACE or --extract, not both", hint="an extract file says which area it holds"
        )
    from solomo_cli.search.extract import sync_extract as run

    settings = load_settings()
    with progress_bar() as bar:
        result = run(file_or_url, settings=settings, progress=bar)
    kinds = ", ".join(f"{label(k)} {n:,}" for k, n in result.by_kind.items())
    day = (
        result.osm_base[:10]
        if result.osm_base
        else time.strftime("%Y-%m-%d", time.gmtime(result.data_time))
    )
    box = result.box
    print(
        f"{count(result.places, 'places')} ({kinds}) from {clean(result.path.name)}, "
        f"data of {day}: stored as one covered area "
        f"({box.min_lat:.2f}..{box.max_lat:.2f} N, {box.min_lon:.2f}..{box.max_lon:.2f} E).\n"
        "Without a connection: solomo near PLACE --offline (any place in it)\n"
        f"{OSM_ATTRIBUTION}"
    )
