"""What the user means by REF: a rank in this terminal's last listing (`2`), an id (`node/123456`, an
openstreetmap.org URL, `google/…` for imported places), or a name that matches one known place.

Several places match a name → a usage error listing them: never a silent guess."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from solomo_cli import boundary
from solomo_cli.errors import UsageError
from solomo_cli.geo import distance_m
from solomo_cli.match import candidates, fold, matches
from solomo_cli.model import Place
from solomo_cli.mydata.store import UserData
from solomo_cli.words import count

_RANK = re.compile(r"^#?(\d+)$")
_OTHER_ID = re.compile(r"^[a-z]+/\S+$")
MAX_LISTED = 8
_T = TypeVar("_T")


class Resolved(NamedTuple):  # not a dataclass: see visits.Visit
    place: Place
    known_from: str  # "listing", "cache" (fetched from OSM) or "mine" (the user's own data)
    origin: dict[str, Any] | None  # the last search point {"query","label","lat","lon"}, if any
    rank: int | None = None  # its rank in this terminal's last listing, when REF was a rank
    listed_at: float | None = None  # when that listing was made (unix time)

    @property
    def remember(self) -> bool:
        """Whether what is written about the place must also store the place (it is not yet
        in the user's own data)."""
        return self.known_from != "mine"

    @property
    def distance_from_origin(self) -> float | None:
        if not self.origin:
            return None
        return distance_m(self.origin["lat"], self.origin["lon"], self.place.lat, self.place.lon)


def normalise_id(ref: str) -> str | None:
    """'node/123', 'N123', 'https://www.openstreetmap.org/way/42' → 'node/123', 'way/42'."""
    text = ref.strip()
    osm = _checked(boundary.osm_ref, text)
    if osm is not None:
        return osm
    return text if _OTHER_ID.match(text) else None


def _checked(check: Callable[..., _T], *args: str) -> _T:
    """A part of REF checked by `check` (from boundary.py): a usage error if refused."""
    try:
        return check(*args)
    except boundary.BadInput as exc:
        raise UsageError(str(exc), hint="give a rank from the last listing, or an OSM id") from None


def resolve(ref: str, cache_path: Path, user: UserData) -> Resolved:
    """The place REF designates, with what is known of it (listing > cache > the user's copy)."""
    text = (ref or "").strip()
    try:
        boundary.argument(text, "REF")
    except boundary.BadInput as exc:
        raise UsageError(str(exc), hint="give a rank (2), an OSM id (node/123) or a name") from None
    if not text:
        raise UsageError(
            "empty REF",
            hint="give a rank from the last listing (2), an OSM id (node/123) or a place name",
        )
    cache = None
    if cache_path.exists():
        from solomo_cli.cache.store import Cache

        cache = Cache(cache_path)
    try:
        listing = cache.listing_head() if cache is not None else None
        origin = listing.get("origin") if listing else None
        rank = _RANK.match(text)
        if rank:
            number = int(rank.group(1)) and _checked(boundary.row_id, rank.group(1), "rank")
            made_at = listing.get("made_at") if listing else None
            return Resolved(_by_rank(number, listing, cache), "listing", origin, number, made_at)
        place_id = normalise_id(text)
        if place_id:
            found = _by_id(place_id, listing, cache, user, origin)
            if found is not None:
                return found
            if place_id.partition("/")[0] in boundary.OSM_TYPES:
                raise UsageError(
                    f"{place_id} is not a place solomo knows",
                    hint="places become known when 'solomo near' finds them: search near it first",
                )
        return _by_name(text, listing, cache, user, origin)
    finally:
        if cache is not None:
            cache.close()


def _by_rank(rank: int, listing: dict[str, Any] | None, cache: Any) -> Place:
    # Ranks are those of the last listing made in this terminal (cache.store.terminal).
    if not listing:
        raise UsageError(
            f"there is no listing in this terminal to take #{rank} from",
            hint="run 'solomo near PLACE' here first (ranks are those of this terminal's last "
            "listing), or give an OSM id (node/123) or a name",
        )
    session = listing["session"]
    listed = cache.listed(rank=rank, session=session) if 1 <= rank <= listing["count"] else None
    if listed is None:
        raise UsageError(
            f"the last listing has {count(listing['count'], 'places')}; there is no #{rank}",
            hint="run 'solomo near' again, or give an OSM id (node/123) or a name",
        )
    return listed


def _by_id(
    place_id: str,
    listing: dict[str, Any] | None,
    cache: Any,
    user: UserData,
    origin: dict[str, Any] | None,
) -> Resolved | None:
    listed = cache.listed(osm_id=place_id, session=listing["session"]) if listing else None
    if listed is not None:
        return Resolved(listed, "listing", origin)
    if cache is not None and place_id.partition("/")[0] in boundary.OSM_TYPES:
        found = cache.get_place(place_id)
        if found is not None:
            return Resolved(found, "cache", origin)
    mine = user.place(place_id)
    return Resolved(mine, "mine", origin) if mine is not None else None


def _by_name(
    text: str,
    listing: dict[str, Any] | None,
    cache: Any,
    user: UserData,
    origin: dict[str, Any] | None,
) -> Resolved:
    found: dict[str, tuple[Place, str]] = {}
    session = listing["session"] if listing else None
    for rank, place_id, name in cache.listed_names(session) if listing else ():
        if place_id not in found and matches(text, name):
            found[place_id] = (cache.listed(rank=rank, session=session), "listing")
    if cache is not None:
        for place in cache.find_places_by_name(text, limit=50):
            found.setdefault(place.id, (place, "cache"))
    for place in user.find_places(text):
        found.setdefault(place.id, (place, "mine"))
    if not found:
        raise UsageError(
            f"no known place matches {boundary.quoted(text)}",
            hint="use a rank from 'solomo near' (e.g. 2) or an OSM id (node/123)",
        )
    chosen = candidates(
        text, found.values(), key=lambda hit: fold(hit[0].name), name=lambda hit: hit[0].name
    )
    if len(chosen) == 1:
        place, known_from = chosen[0]
        return Resolved(place, known_from, origin)
    raise UsageError(
        f"{boundary.quoted(text)} matches {len(chosen)} places: " + _describe(chosen, origin),
        hint="give a more precise name, the rank from the last listing, or the id "
        "shown in brackets",
    )


def _describe(hits: list[tuple[Place, str]], origin: dict[str, Any] | None) -> str:
    def away(place: Place) -> float:
        if not origin:
            return 0.0
        return distance_m(origin["lat"], origin["lon"], place.lat, place.lon)

    hits.sort(key=lambda h: (away(h[0]), fold(h[0].name), h[0].id))
    parts = []
    for place, _ in hits[:MAX_LISTED]:
        where = place.address or f"{place.lat:.4f},{place.lon:.4f}"
        parts.append(f"{place.display_name} [{place.id}] ({where})")
    more = len(hits) - MAX_LISTED
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
