"""What the ranking and the filters need to know of a place, derived once from its tags: the
cache keeps these as columns (cache.store), so that a listing scores and filters candidates
without decoding their tags, and the full computation (search.ranking) reads the same rules.

A change to any rule here (or to the chain list in kinds) needs a cache migration that calls
`cache.store.rederive`, so that stored columns never disagree with these functions."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from solomo_cli.boundary import clean
from solomo_cli.kinds import WIFI_YES, is_chain
from solomo_cli.model import CHECK_DATE, EMAIL, PHONE, WEBSITE, Place

POWER_YES = frozenset({"yes", "plenty", "many", "ample"})
POWER_NO = frozenset({"no", "none"})


class Signals(NamedTuple):
    """One place's stored signals (booleans as 0/1 for SQLite; None: unknown)."""

    chain: int  # a chain or business centre (kinds.is_chain)
    internet: int  # internet access declared (yes/wlan/wired)
    free_wifi: int  # internet_access:fee no or customers
    wheelchair: int  # wheelchair yes or limited
    power: int | None  # sockets for laptops: 1 yes, 0 no, None unknown
    hours_known: int  # opening_hours given
    contact_known: int  # a website, phone or e-mail given
    check_day: int | None  # the day a mapper last checked it (date.toordinal), None unknown


COLUMNS = Signals._fields


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


def _power(tags: dict[str, str]) -> int | None:
    for key in ("service:electricity", "power_supply"):
        value = tags.get(key)
        if value in POWER_YES:
            return 1
        if value in POWER_NO:
            return 0
    for key in tags:  # a loop, not any(): a sync asks this of every place
        if key.startswith("socket:") and tags[key] not in ("no", "0"):
            return 1
    return None


_CHECK_KEYS = CHECK_DATE  # Place.check_date's keys
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


def signals_of(place: Place) -> Signals:
    """The signals of a place: the same values as its properties give (chain, internet_access,
    opening_hours, website, phone, email, check_date), read in one pass over its tags."""
    tags = place.tags
    known = place.extra.get("chain")
    checked = check_day(_first(tags, *_CHECK_KEYS))
    return Signals(  # in COLUMNS' order, positional: cheaper than keywords
        int(is_chain(tags) if known is None else bool(known)),
        int(_first(tags, "internet_access") in WIFI_YES),
        int(tags.get("internet_access:fee") in ("no", "customers")),
        int(tags.get("wheelchair") in ("yes", "limited")),
        _power(tags),
        int(_first(tags, "opening_hours") is not None),
        int(_first(tags, *_CONTACT_KEYS) is not None),
        None if checked is None else checked.toordinal(),
    )
