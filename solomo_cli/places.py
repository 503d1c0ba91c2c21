"""OSM elements → places: kinds, coordinates, addresses, contact details, chains."""

from __future__ import annotations

import re
from typing import Any

from solomo_cli.errors import UsageError
from solomo_cli.sanitize import clean, clean_or_none

# Kinds in the order a consultant looks for them. Each kind's Overpass tag filters
# (key, value or regex); a place matching several is classified by the first kind it matches.
KINDS: dict[str, tuple[str, ...]] = {
    "coworking": ('["office"="coworking"]', '["amenity"="coworking_space"]'),
    "hackerspace": ('["leisure"="hackerspace"]',),
    "library": ('["amenity"="library"]',),
    "cafe": ('["amenity"="cafe"]["internet_access"~"^(yes|wlan|wired|terminal)$"]',),
}
DEFAULT_KINDS = ("coworking",)
INTERNET_YES = frozenset({"yes", "wlan", "wired", "terminal"})
WIFI_YES = frozenset({"yes", "wlan", "wired"})

# Business-centre chains and desk-rental operators, tagged in OSM like community spaces.
CHAINS = (
    "regus",
    "spaces",
    "wework",
    "morning",
    "wojo",
    "kwerk",
    "iwg",
    "hq",
    "multiburo",
    "startway",
    "mindspace",
    "industrious",
    "servcorp",
    "deskeo",
    "silversquare",
    "nextdoor",
    "signature by regus",
    "the office group",
    "knotel",
    "convene",
    "bureaux a partager",
    "now coworking",
    "station f",
    "welkin & meraki",
    "urban campus",
    "hiptown",
    "wellio",
    "newton offices",
    "bureaux & co",
    "flex-o",
    "ubiq",
)
# Words too common to mark a chain when they only appear in a place's name.
_GENERIC = frozenset({"spaces", "hq", "morning", "nextdoor", "convene", "station f"})
# One pattern for the chains and business centres (its compilation is paid on every listing);
# the longest names come first, so that a generic word never hides a longer chain name.
_CHAIN_RE = re.compile(
    r"\b(?:"
    + "|".join(re.escape(c) for c in sorted(CHAINS, key=len, reverse=True))
    + r")\b|business\s*cent(?:re|er)|centre d'affaires",
    re.IGNORECASE,
)


def parse_kinds(text: str | None) -> tuple[str, ...]:
    """'coworking,cafe' → ('coworking', 'cafe'); 'all' → every kind."""
    if not text:
        return DEFAULT_KINDS
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    if "all" in names:
        return tuple(KINDS)
    unknown = [n for n in names if n not in KINDS]
    if unknown or not names:
        raise UsageError(
            f"unknown kind {', '.join(unknown) or text!r}",
            hint=f"choose among {', '.join(KINDS)}, or all (comma-separated)",
        )
    return tuple(k for k in KINDS if k in names)


def classify(tags: dict[str, str]) -> str | None:
    if tags.get("office") == "coworking" or tags.get("amenity") == "coworking_space":
        return "coworking"
    if tags.get("leisure") == "hackerspace":
        return "hackerspace"
    if tags.get("amenity") == "library":
        return "library"
    if tags.get("amenity") == "cafe" and tags.get("internet_access") in INTERNET_YES:
        return "cafe"
    return None


def is_chain(tags: dict[str, str]) -> bool:
    """A business-centre chain (Regus, Spaces, WeWork, Morning…) rather than a community space."""
    for key in ("brand", "operator", "network"):
        value = tags.get(key)
        if value and _CHAIN_RE.search(value):
            return True
    name = tags.get("name") or ""
    if any(m.group().casefold() not in _GENERIC for m in _CHAIN_RE.finditer(name)):
        return True
    return tags.get("amenity") == "business_centre" or tags.get("office") == "business_centre"


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
        return is_chain(self.tags)


def element_to_place(element: dict[str, Any]) -> Place | None:
    """One Overpass element → a Place, or None (no coordinates, or not a work place)."""
    etype, eid = element.get("type"), element.get("id")
    if etype not in ("node", "way", "relation") or not isinstance(eid, int):
        return None
    raw_tags = element.get("tags")
    if not isinstance(raw_tags, dict):
        return None
    tags = {str(k): str(v) for k, v in raw_tags.items()}
    kind = classify(tags)
    if kind is None:
        return None
    point = element if "lat" in element else element.get("center")
    try:
        lat, lon = float(point["lat"]), float(point["lon"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Place(f"{etype}/{eid}", tags.get("name"), kind, lat, lon, tags)
