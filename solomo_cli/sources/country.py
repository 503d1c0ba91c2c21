"""A whole country from Overpass: one area query (`area["ISO3166-1"="FR"]`) for every kind,
split into tiles of the country's bounding box, 2×2 and again, when the server refuses one big
query (a remark about memory or time, 429/504 after the retries). Pieces are asked one at a
time, each through the same fetch loop (endpoints, retries, backoff) as any other query."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from solomo_cli.cache.store import Box
from solomo_cli.errors import QueryFailed, RateLimited, Remedy, ServiceError
from solomo_cli.kinds import KINDS

if TYPE_CHECKING:
    import httpx

    from solomo_cli.net import Limits
    from solomo_cli.notify import Notify
    from solomo_cli.sources.base import Answer

COUNTRY_TIMEOUT_S = 900  # Overpass' own limit for a country's query (its default is 180 s)
COUNTRY_MAXSIZE = 2 * 1024**3  # bytes of server memory (its default, 512 MiB, is a region's)
MAX_DEPTH = 6  # splits of a refused piece: 4**6 tiles of the country's box at most
T = TypeVar("T")


def build_country_query(cc: str, kinds: Sequence[str], box: Box | None = None) -> str:
    """The union of every kind's filters within the country's area, cut by `box` if given."""
    cut = "" if box is None else f"({box.min_lat},{box.min_lon},{box.max_lat},{box.max_lon})"
    lines = [
        f"nwr{tag_filter}(area.a){cut};" for kind in kinds for tag_filter in KINDS[kind].filters
    ]
    return (
        f"[out:json][timeout:{COUNTRY_TIMEOUT_S}][maxsize:{COUNTRY_MAXSIZE}];\n"
        f'area["ISO3166-1"="{cc.upper()}"][admin_level=2]->.a;\n(\n'
        + "\n".join(lines)
        + "\n);\nout center tags;"
    )


def quarters(box: Box) -> list[Box]:
    """The box cut in 2×2, south-west first."""
    mid_lat = (box.min_lat + box.max_lat) / 2
    mid_lon = (box.min_lon + box.max_lon) / 2
    return [
        Box(box.min_lat, mid_lat, box.min_lon, mid_lon),
        Box(box.min_lat, mid_lat, mid_lon, box.max_lon),
        Box(mid_lat, box.max_lat, box.min_lon, mid_lon),
        Box(mid_lat, box.max_lat, mid_lon, box.max_lon),
    ]


def refused(exc: ServiceError) -> bool:
    """Whether the server turned the query down for its size (rather than being unreachable)."""
    return isinstance(exc, (QueryFailed, RateLimited)) or Remedy.SMALLER_AREA in exc.remedies


class Piece(NamedTuple):
    box: Box  # the part of the country's box it covers
    whole: bool  # the country in one query (box: the country's box)
    depth: int


def fetch_country_into(
    client: httpx.Client,
    endpoints: Sequence[str],
    cc: str,
    kinds: Sequence[str],
    country_box: Box,
    save: Callable[[Piece, Answer], T],
    notify: Notify | None = None,
    limits: Limits | None = None,
) -> Iterator[tuple[Piece, T]]:
    """Ask for the whole country, then, as long as the server refuses a piece, for its four
    quarters instead; yields each piece answered with what `save` returned for it."""
    from solomo_cli.net import OVERPASS_AREA
    from solomo_cli.sources.overpass import fetch_query_into

    todo = [Piece(country_box, True, 0)]
    while todo:
        piece = todo.pop(0)
        query = build_country_query(cc, kinds, None if piece.whole else piece.box)
        try:
            done = fetch_query_into(
                client,
                endpoints,
                query,
                lambda answer, piece=piece: save(piece, answer),  # type: ignore[misc]
                notify,
                limits or OVERPASS_AREA,
            )
        except ServiceError as exc:
            if not refused(exc) or piece.depth >= MAX_DEPTH:
                raise
            if notify:
                notify(
                    f"{exc.message.rstrip('.')}; asking for it in four smaller pieces", waiting=True
                )
            todo[:0] = [Piece(b, False, piece.depth + 1) for b in quarters(piece.box)]
            continue
        yield piece, done
