"""The PlaceSource seam: where places come from. Every source answers a circle query with the
same Answer record; the store and the search never know which source it was."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from solomo_cli.model import Place
    from solomo_cli.notify import Notify


T = TypeVar("T")


@dataclass
class Answer:
    """A complete answer for the query (a partial one is an error, never an Answer). A streamed
    answer's `places` can be read once, and raise the error that makes the answer partial;
    its `osm_base` is known once they have all been read."""

    places: Iterable[Place]
    osm_base: str | None  # the data's own timestamp (checked ISO 8601), when the source has one
    endpoint: str  # where it came from (a URL, a file), for the store's record
    source: str = "overpass"


class PlaceSource(Protocol):
    name: str

    def fetch(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        kinds: Sequence[str],
        notify: Notify | None = None,
    ) -> Answer:
        """Every place of these kinds within the circle; raises a ServiceError otherwise."""
        ...

    def fetch_into(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        kinds: Sequence[str],
        save: Callable[[Answer], T],
        notify: Notify | None = None,
    ) -> T:
        """`fetch`, with the answer handed to `save` as it streams in (its places read once,
        all or nothing: see Answer); returns what `save` returned."""
        ...
