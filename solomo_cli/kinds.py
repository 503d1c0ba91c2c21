"""The one table of kinds of work place: for each, its Overpass filters, how an OSM object is
recognised as one, its points in the ranking, and its label. A new kind is one new row.

Chains and business centres (tagged in OSM like community spaces) are recognised here too."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from solomo_cli.boundary import quoted
from solomo_cli.errors import UsageError
from solomo_cli.match import fold

INTERNET_YES = frozenset({"yes", "wlan", "wired", "terminal"})
WIFI_YES = frozenset({"yes", "wlan", "wired"})


class Kind(NamedTuple):
    name: str
    label: str  # as shown in tables and titles
    filters: tuple[str, ...]  # Overpass QL tag filters, any of which selects the kind
    points: float  # its part of the ranking score
    matches: Callable[[Mapping[str, str]], bool]  # the same test, on an object's tags


# In the order a consultant looks for them: an object matching several kinds is the first one.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "coworking",
            "coworking",
            ('["office"="coworking"]', '["amenity"="coworking_space"]'),
            30.0,
            lambda t: t.get("office") == "coworking" or t.get("amenity") == "coworking_space",
        ),
        Kind(
            "hackerspace",
            "hackerspace",
            ('["leisure"="hackerspace"]',),
            22.0,
            lambda t: t.get("leisure") == "hackerspace",
        ),
        Kind(
            "library",
            "library",
            ('["amenity"="library"]',),
            18.0,
            lambda t: t.get("amenity") == "library",
        ),
        Kind(
            "cafe",
            "café",
            (f'["amenity"="cafe"]["internet_access"~"^({"|".join(sorted(INTERNET_YES))})$"]',),
            10.0,
            lambda t: t.get("amenity") == "cafe" and t.get("internet_access") in INTERNET_YES,
        ),
    )
}
DEFAULT_KINDS = ("coworking",)
CHAIN_POINTS = 12.0  # a coworking that is a chain or business centre, instead of the kind's 30
SAVED_KIND = "saved"  # places imported from Google Maps: no OSM kind


def label(kind: str) -> str:
    found = KINDS.get(kind)
    return found.label if found else kind


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
            f"unknown kind {quoted(', '.join(unknown) or text)}",
            hint=f"choose among {', '.join(KINDS)}, or all (comma-separated)",
        )
    return tuple(k for k in KINDS if k in names)


def classify(tags: Mapping[str, str]) -> str | None:
    for kind in KINDS.values():
        if kind.matches(tags):
            return kind.name
    return None


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


@functools.cache
def _chain_re() -> re.Pattern[str]:
    """One pattern for the chains and business centres, on folded text (match.fold: case,
    accents, dashes and quotes), compiled on first use (0.5 ms: every listing pays it, `log`
    and `contact` need not); the longest names come first, so that a generic word never hides
    a longer chain name."""
    return re.compile(
        r"\b(?:"
        + "|".join(re.escape(fold(c)) for c in sorted(CHAINS, key=len, reverse=True))
        + r")\b|business ?cent(?:re|er)|centre d affaires"
    )


def is_chain(tags: Mapping[str, str]) -> bool:
    """A business-centre chain (Regus, Spaces, WeWork, Morning…) rather than a community space."""
    chain_re = _chain_re()
    for key in ("brand", "operator", "network"):
        value = tags.get(key)
        if value and chain_re.search(fold(value)):
            return True
    name = fold(tags.get("name"))
    if any(m.group() not in _GENERIC for m in chain_re.finditer(name)):
        return True
    return tags.get("amenity") == "business_centre" or tags.get("office") == "business_centre"
