"""`solomo sync --extract`: a whole region from an OSM extract file (or its URL) into the cache,
as one covered box, so that `near` and `--offline` answer from it like from any fetched area."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from solomo_cli.cache.store import Box, Cache, PartialCoverage
from solomo_cli.config import Settings, load_settings
from solomo_cli.kinds import KINDS

if TYPE_CHECKING:
    from solomo_cli.sources.extract import Progress


class ExtractResult(NamedTuple):
    path: Path
    source: str  # the region's name
    places: int
    by_kind: dict[str, int]
    box: Box
    data_time: float
    osm_base: str | None
    network_requests: int


def sync_extract(
    file_or_url: str,
    *,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> ExtractResult:
    """Import every place of every kind from an extract file (downloaded first when given an
    https URL) and record its box as covered; importing a region again replaces it."""
    from solomo_cli.search.hours import add_zones
    from solomo_cli.sources.extract import download, is_extract_url, read_extract

    settings = settings or load_settings()
    folder = settings.paths.cache_dir
    requests = 0
    if is_extract_url(file_or_url):
        from solomo_cli.net import make_client

        with make_client(settings) as client:
            path = download(client, file_or_url, folder / "extracts", progress)
        requests = 1
    else:
        path = Path(file_or_url).expanduser()
    extract = read_extract(path, folder, progress)
    add_zones(extract.places)
    kinds = tuple(KINDS)
    cache = Cache(settings.paths.cache_db)
    try:
        count = cache.save_extract(
            extract.places,
            extract.box,
            kinds,
            extract.data_time,
            extract.osm_base,
            extract.source,
            str(path.resolve()),
        )
    finally:
        cache.close()
    by_kind = {k: sum(1 for p in extract.places if p.kind == k) for k in kinds}
    return ExtractResult(
        path,
        extract.source,
        count,
        by_kind,
        extract.box,
        extract.data_time,
        extract.osm_base,
        requests,
    )


def partial_notice(partial: PartialCoverage, radius_m: float, label: str) -> str:
    """One line: the answer comes from an extract that holds only part of the circle."""
    from solomo_cli.geo import format_distance

    *most, last = partial.outside or ("",)
    sides = f"{', '.join(most)} and {last}" if most else last  # "north, south and east"
    where = f"its {sides} edge{'s' if len(partial.outside) > 1 else ''}" if sides else "a part"
    return (
        f"the local data ({partial.source}) covers only part of {format_distance(radius_m)} "
        f"around {label}: {where} lie{'' if len(partial.outside) > 1 else 's'} outside it, "
        "and places there are missing"
    )
