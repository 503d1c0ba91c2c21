"""The geocode cache as the chain's first member (no network, no geopy: the warm path)."""

from __future__ import annotations

from solomo_cli.cache.store import Cache, geocode_key
from solomo_cli.geocoding.base import Understood


class CachedGeocodes:
    name = "cache"
    network = False

    def __init__(self, cache: Cache, max_age_s: float) -> None:
        self.cache = cache
        self.max_age_s = max_age_s

    def lookup(self, query: str, country: str | None) -> Understood | None:
        hit = self.cache.get_geocode(geocode_key(query, country), self.max_age_s)
        if hit is None:
            return None
        return Understood(query, hit.display_name, hit.lat, hit.lon)
