"""The PlaceSource seam: where places come from. Every source answers a circle query with the
same Answer record; the store and the search never know which source it was."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from solomo_cli.model import Place
    from solomo_cli.notify import Notify


@dataclass
class Answer:
    """A complete answer for the query (a partial one is an error, never an Answer)."""

    places: list[Place]
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
