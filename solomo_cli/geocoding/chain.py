"""The geocoder chain that a session asks: the geocode cache, then the embedded gazetteer for
plain place names, then Nominatim (addresses, streets, districts, POIs, names the gazetteer
lacks). Nominatim's module (geopy, httpx) is imported only when it is asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from solomo_cli.boundary import quoted
from solomo_cli.cache.store import GEOCODE_MAX_AGE_S, Cache
from solomo_cli.config import Settings
from solomo_cli.geocoding.base import Geocoder, GeocoderChain, Understood
from solomo_cli.geocoding.cached import CachedGeocodes

if TYPE_CHECKING:
    import httpx

    from solomo_cli.notify import Notify


class LazyNominatim:
    """Nominatim in the chain, loaded on first use (the warm path never needs geopy)."""

    name = "nominatim"
    network = True

    def __init__(
        self,
        settings: Settings,
        cache: Cache,
        client: Callable[[], httpx.Client],
        notify: Notify | None,
    ) -> None:
        self.settings, self.cache, self.client, self.notify = settings, cache, client, notify

    def lookup(self, query: str, country: str | None) -> Understood | None:
        from solomo_cli.geocoding.nominatim import NominatimGeocoder

        if self.notify:
            self.notify(f"Looking up {quoted(query)}…")
        member = NominatimGeocoder(self.settings, self.cache, self.client(), self.notify)
        return member.lookup(query, country)


def default_chain(
    settings: Settings,
    cache: Cache,
    client: Callable[[], httpx.Client],
    notify: Notify | None = None,
    *,
    offline: bool = False,
    refresh: bool = False,
) -> GeocoderChain:
    """cache → gazetteer → Nominatim; `refresh` skips the cache, `offline` keeps only local
    members (and trusts cached answers of any age)."""
    members: list[Geocoder] = []
    if not refresh:
        members.append(CachedGeocodes(cache, float("inf") if offline else GEOCODE_MAX_AGE_S))
    if settings.gazetteer:
        from solomo_cli.geocoding.gazetteer import Gazetteer

        members.append(Gazetteer(settings.paths.cache_dir, notify))
    members.append(LazyNominatim(settings, cache, client, notify))
    chain = GeocoderChain(members)
    return chain.offline() if offline else chain
