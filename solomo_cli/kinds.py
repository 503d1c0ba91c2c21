"""The one table of kinds of work place: for each, its Overpass filters, how an OSM object is
recognised as one, its points in the ranking, and its label. A new kind is one new row.

Chains and business centres (tagged in OSM like community spaces) are recognised here too,
from the name-suggestion-index's brands (data/chains.json)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
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


# -- chains and networks --------------------------------------------------------------------
# The brands of coworking spaces come from the name-suggestion-index (data/chains.json, made by
# scripts/update_chains.py), with the project's own list of business-centre operators it lacks.
BUSINESS_CENTRE = "business_centre"
COMMUNITY_NETWORK = "community_network"
WORLD = "001"


class Brand:
    """A chain (business centre) or a network of community spaces, as chains.json gives it.
    (Plain classes here, not NamedTuples: kinds is imported by every listing.)"""

    __slots__ = ("id", "name", "type", "wikidata", "include", "exclude")

    def __init__(
        self,
        id: str,
        name: str,
        type: str,  # BUSINESS_CENTRE or COMMUNITY_NETWORK
        wikidata: tuple[str, ...],
        include: frozenset[str],  # countries (ISO 3166-1 alpha-2, lower case), or WORLD
        exclude: frozenset[str],
    ) -> None:
        self.id, self.name, self.type = id, name, type
        self.wikidata, self.include, self.exclude = wikidata, include, exclude

    def __repr__(self) -> str:
        return f"Brand({self.id!r}, {self.name!r}, {self.type!r})"

    @property
    def is_chain(self) -> bool:
        return self.type == BUSINESS_CENTRE

    def holds(self, country: str | None) -> bool:
        """Whether a place in `country` lies within the brand's locationSet. Regions
        (`gb-eng`, `gb-lon.geojson`) count as their whole country; with the country unknown,
        only a brand of the whole world holds."""
        if country is None:
            return WORLD in self.include
        cc = country.lower()
        return (WORLD in self.include or cc in self.include) and cc not in self.exclude


# A business centre named only by its tags (amenity=business_centre, "Centre d'affaires …").
GENERIC_CENTRE = Brand(
    "business-centre", "business centre", BUSINESS_CENTRE, (), frozenset({WORLD}), frozenset()
)


def _country_part(code: str) -> str | None:
    """'fr' → 'fr'; 'gb-eng', 'gb-lon.geojson' → 'gb'; '001' → '001'; anything else → None."""
    code = code.lower().removesuffix(".geojson")
    if code == WORLD:
        return code
    head = code.split("-", 1)[0]
    return head if len(head) == 2 and head.isalpha() else None


class Chains:
    """The brands of chains.json, indexed for matching."""

    __slots__ = ("brands", "by_wikidata", "by_name", "pattern", "generic", "everywhere", "centre")

    def __init__(
        self,
        brands: tuple[Brand, ...],
        by_wikidata: dict[str, Brand],
        by_name: dict[str, tuple[Brand, ...]],  # folded name → brands (one name, several)
        pattern: re.Pattern[str],  # any brand name, on folded text, longest first
        generic: frozenset[str],  # folded names too common to mark a chain in a place's name
        everywhere: frozenset[str],  # folded names whose brands, of one type, cover the world
    ) -> None:
        self.brands, self.by_wikidata, self.by_name = brands, by_wikidata, by_name
        self.pattern, self.generic, self.everywhere = pattern, generic, everywhere
        self.centre = re.compile(r"business ?cent(?:re|er)|centre d affaires")


def _covers_world(brands: tuple[Brand, ...]) -> bool:
    """Whether brands of one name and type hold everywhere between them (NSI's Spaces: the
    world but Scandinavia, and Scandinavia): then the country need not be looked up."""
    if len({b.type for b in brands}) != 1:
        return False
    included = frozenset().union(*(b.include for b in brands))
    return any(WORLD in b.include and b.exclude <= included for b in brands)


@functools.cache
def chains() -> Chains:
    """The brands of chains.json, read on first use (a listing reads the cache's column)."""
    path = Path(__file__).with_name("data") / "chains.json"  # as gazetteer reads admin1.tsv
    data = json.loads(path.read_text(encoding="utf-8"))
    brands: list[Brand] = []
    by_name: dict[str, tuple[Brand, ...]] = {}
    for b in data["brands"]:
        include = {c for c in map(_country_part, b["include"]) if c}
        # A region excluded is not its whole country: only country codes exclude.
        exclude = {c.lower() for c in b["exclude"] if len(c) == 2 and c.isalpha()}
        brand = Brand(
            b["id"],
            b["name"],
            b["type"],
            tuple(b["wikidata"]),
            frozenset(include),
            frozenset(exclude),
        )
        brands.append(brand)
        for name in {fold(n) for n in b["names"]} - {""}:
            by_name[name] = (*by_name.get(name, ()), brand)
    by_wikidata: dict[str, Brand] = {}
    for brand in brands:
        for qid in brand.wikidata:
            by_wikidata.setdefault(qid, brand)
    pattern = re.compile(
        r"\b(?:" + "|".join(re.escape(n) for n in sorted(by_name, key=len, reverse=True)) + r")\b"
    )
    generic = frozenset(fold(n) for n in data["project"]["generic_names"])
    everywhere = frozenset(n for n, found in by_name.items() if _covers_world(found))
    return Chains(tuple(brands), by_wikidata, by_name, pattern, generic, everywhere)


def brand_of(
    tags: Mapping[str, str],
    country: Callable[[], str | None] = lambda: None,
    folded_name: str | None = None,
) -> Brand | None:
    """The chain or network a place belongs to: by `brand:wikidata` or `operator:wikidata`
    first, then by a brand name in its brand, operator or network, then in its name (not a
    generic word alone), within the brand's locationSet. `country` is asked only when a
    brand's locationSet needs it; `folded_name`, when known, is `fold(tags.get("name"))`."""
    known = chains()
    for key in ("brand:wikidata", "operator:wikidata"):
        ids = tags.get(key)
        if ids:
            for qid in ids.split(";"):
                found = known.by_wikidata.get(qid.strip())
                if found is not None:
                    return found
    pattern, generic = known.pattern, known.generic
    for key in ("brand", "operator", "network"):
        value = tags.get(key)
        if value:
            for m in pattern.finditer(fold(value)):
                found = _within(known, m.group(), country)
                if found is not None:
                    return found
    name = fold(tags.get("name")) if folded_name is None else folded_name
    for m in pattern.finditer(name):
        if m.group() not in generic:
            found = _within(known, m.group(), country)
            if found is not None:
                return found
    for key in ("brand", "operator", "network"):
        value = tags.get(key)
        if value and known.centre.search(fold(value)):
            return GENERIC_CENTRE
    if known.centre.search(name):
        return GENERIC_CENTRE
    if tags.get("amenity") == "business_centre" or tags.get("office") == "business_centre":
        return GENERIC_CENTRE
    return None


def _within(known: Chains, name: str, country: Callable[[], str | None]) -> Brand | None:
    """The brand of this name whose locationSet holds the place (the country not asked when
    the name's brands are of one type everywhere)."""
    found = known.by_name.get(name, ())
    if name in known.everywhere:
        return found[0]
    where = country()
    return next((b for b in found if b.holds(where)), None)


def is_chain(tags: Mapping[str, str], country: Callable[[], str | None] = lambda: None) -> bool:
    """A business-centre chain (Regus, Spaces, WeWork, Morning…) rather than a community
    space; a community network (Impact Hub) is not a chain."""
    found = brand_of(tags, country)
    return found is not None and found.is_chain
