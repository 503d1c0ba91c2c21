"""The model: a work place as solomo knows it (from OSM or from the user's own data), and the
point a search is about. Text in a Place has already crossed the trust boundary."""

from __future__ import annotations

from typing import Any, NamedTuple

from solomo_cli.boundary import clean, clean_or_none
from solomo_cli.kinds import is_chain


def _first(tags: dict[str, str], *keys: str) -> str | None:
    for key in keys:
        value = clean_or_none(tags.get(key))
        if value:
            return value
    return None


def format_address(tags: dict[str, str]) -> str | None:
    """'12 Rue X, 69007 Lyon' from addr:* or contact:* keys, or addr:full."""
    for prefix in ("addr:", "contact:"):
        street = _first(tags, prefix + "street", prefix + "place")
        number = _first(tags, prefix + "housenumber")
        postcode = _first(tags, prefix + "postcode")
        city = _first(tags, prefix + "city")
        line1 = " ".join(p for p in (number, street) if p)
        line2 = " ".join(p for p in (postcode, city) if p)
        text = ", ".join(p for p in (line1, line2) if p)
        if text:
            return text
    return _first(tags, "addr:full", "contact:full")


class Place:
    """One work place from OSM, and what a listing adds to it (distance, score, open state…).

    A plain class rather than a dataclass: it is defined on every run of `solomo near`, and a
    dataclass costs half a millisecond to define."""

    __slots__ = (
        "id",
        "name",
        "kind",
        "lat",
        "lon",
        "tags",
        "distance_m",
        "score",
        "reasons",
        "extra",
    )

    def __init__(
        self,
        id: str,  # "node/123"
        name: str | None,
        kind: str,
        lat: float,
        lon: float,
        tags: dict[str, str] | None = None,
        distance_m: float = 0.0,
        score: float = 0.0,
        reasons: list[tuple[str, float]] | None = None,
        extra: dict[str, Any] | None = None,  # open state, personal signals…
    ) -> None:
        self.id = id
        self.name = name
        self.kind = kind
        self.lat = lat
        self.lon = lon
        self.tags = {} if tags is None else tags
        self.distance_m = distance_m
        self.score = score
        self.reasons = [] if reasons is None else reasons
        self.extra = {} if extra is None else extra

    def __repr__(self) -> str:
        return f"Place({self.id!r}, {self.name!r}, {self.kind!r}, {self.lat}, {self.lon})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Place):
            return NotImplemented
        return all(getattr(self, slot) == getattr(other, slot) for slot in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaces

    @property
    def display_name(self) -> str:
        return clean(self.name) or f"(unnamed {self.kind})"

    @property
    def address(self) -> str | None:
        return format_address(self.tags)

    @property
    def website(self) -> str | None:
        return _first(self.tags, "website", "contact:website", "url")

    @property
    def phone(self) -> str | None:
        return _first(self.tags, "phone", "contact:phone", "contact:mobile")

    @property
    def email(self) -> str | None:
        return _first(self.tags, "email", "contact:email")

    @property
    def opening_hours(self) -> str | None:
        return _first(self.tags, "opening_hours")

    @property
    def internet_access(self) -> str | None:
        return _first(self.tags, "internet_access")

    @property
    def check_date(self) -> str | None:
        return _first(self.tags, "check_date", "survey:date", "check_date:opening_hours")

    @property
    def chain(self) -> bool:
        # A listing's places carry the cache's chain column (signals.signals_of, derived from
        # these tags): folding names again for every place shown would cost ~0.1 ms each.
        known = self.extra.get("chain")
        return is_chain(self.tags) if known is None else bool(known)


class Origin(NamedTuple):
    """The point a search is about, and what the tool understood of the user's PLACE."""

    query: str
    label: str  # display name, or the coordinates as given
    lat: float
    lon: float
    alternatives: tuple[str, ...] = ()
    geocoded: bool = False
    credit: str = ""  # whose data (the place name's) to credit beside OpenStreetMap's
