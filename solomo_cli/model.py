"""The model: a work place as solomo knows it (from OSM or from the user's own data), and the
point a search is about. Text in a Place has already crossed the trust boundary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from solomo_cli.boundary import clean, clean_or_none, is_osm_id
from solomo_cli.kinds import is_chain

Keys = tuple[str, ...]
Pick = Callable[[dict[str, str], Keys], "str | None"]


def _first(tags: dict[str, str], keys: Keys) -> str | None:
    """The first of these tags that has text once cleaned (tags from outside data files may
    not have crossed the boundary: they are cleaned here, cheaply when already clean)."""
    for key in keys:
        value = tags.get(key)
        if type(value) is str and value.isprintable():  # clean() would return it as it is
            if value:
                return value
            continue
        value = clean_or_none(value)
        if value:
            return value
    return None


def _first_clean(tags: dict[str, str], keys: Keys) -> str | None:
    """_first, for tags whose values are all printable text (clean() keeps each as it is)."""
    for key in keys:  # a loop: twice as fast as next(filter(None, map(tags.get, keys)))
        value = tags.get(key)
        if value:
            return value
    return None


def _all_clean(tags: dict[str, str]) -> bool:
    values = tags.values()
    return _TEXT.issuperset(map(type, values)) and all(map(str.isprintable, values))


_TEXT = frozenset({str})
WEBSITE: Keys = ("website", "contact:website", "url")
PHONE: Keys = ("phone", "contact:phone", "contact:mobile")
EMAIL: Keys = ("email", "contact:email")
HOURS: Keys = ("opening_hours",)
INTERNET: Keys = ("internet_access",)
CHECK_DATE: Keys = ("check_date", "survey:date", "check_date:opening_hours")
# The parts of an address ((street), (number), (postcode), (city)), under addr:* then contact:*.
_ADDRESS = tuple(
    ((p + "street", p + "place"), (p + "housenumber",), (p + "postcode",), (p + "city",))
    for p in ("addr:", "contact:")
)
_FULL_ADDRESS: Keys = ("addr:full", "contact:full")


def format_address(tags: dict[str, str], pick: Pick = _first) -> str | None:
    """'12 Rue X, 69007 Lyon' from addr:* or contact:* keys, or addr:full."""
    for street_keys, number_keys, postcode_keys, city_keys in _ADDRESS:
        street, number = pick(tags, street_keys), pick(tags, number_keys)
        postcode, city = pick(tags, postcode_keys), pick(tags, city_keys)
        line1 = " ".join(filter(None, (number, street)))
        line2 = " ".join(filter(None, (postcode, city)))
        text = ", ".join(filter(None, (line1, line2)))
        if text:
            return text
    return pick(tags, _FULL_ADDRESS)


class Texts(NamedTuple):
    """What a record shows of a place's tags, read in one pass (Place.texts)."""

    address: str | None
    website: str | None
    phone: str | None
    email: str | None
    opening_hours: str | None
    internet_access: str | None
    internet_access_fee: str | None
    wheelchair: str | None
    check_date: str | None


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
        return _first(self.tags, WEBSITE)

    @property
    def phone(self) -> str | None:
        return _first(self.tags, PHONE)

    @property
    def email(self) -> str | None:
        return _first(self.tags, EMAIL)

    @property
    def opening_hours(self) -> str | None:
        return _first(self.tags, HOURS)

    @property
    def internet_access(self) -> str | None:
        return _first(self.tags, INTERNET)

    @property
    def check_date(self) -> str | None:
        return _first(self.tags, CHECK_DATE)

    def texts(self, all_clean: bool | None = None) -> Texts:
        """Each text property's value, and the internet fee and wheelchair tags, at once.
        `all_clean`: what `_all_clean` says of the tags, when the caller knows it."""
        tags = self.tags
        pick = _first_clean if (_all_clean(tags) if all_clean is None else all_clean) else _first
        return Texts(
            format_address(tags, pick),
            pick(tags, WEBSITE),
            pick(tags, PHONE),
            pick(tags, EMAIL),
            pick(tags, HOURS),
            pick(tags, INTERNET),
            pick(tags, ("internet_access:fee",)),
            pick(tags, ("wheelchair",)),
            pick(tags, CHECK_DATE),
        )

    @property
    def chain(self) -> bool:
        # A listing's places carry the cache's chain column (signals.signals_of, derived from
        # these tags): folding names again for every place shown would cost ~0.1 ms each.
        known = self.extra.get("chain")
        if known is not None:
            return bool(known)
        from solomo_cli.signals import place_country  # signals reads this module

        return is_chain(self.tags, lambda: place_country(self))


def place_url(place: Place) -> str | None:
    """The place's page: on openstreetmap.org for an OSM place, else its own (a Google one's)."""
    if is_osm_id(place.id):
        return f"https://www.openstreetmap.org/{place.id}"
    return place.tags.get("google_maps_url")


class Origin(NamedTuple):
    """The point a search is about, and what the tool understood of the user's PLACE."""

    query: str
    label: str  # display name, or the coordinates as given
    lat: float
    lon: float
    alternatives: tuple[str, ...] = ()
    geocoded: bool = False
    credit: str = ""  # whose data (the place name's) to credit beside OpenStreetMap's
