"""Place names → coordinates with geopy's Nominatim, through a small adapter over the project's
one httpx client; answers cached for months; at most one request per second, also across
concurrent solomo processes (a lock file holds the time of the last request)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from geopy.adapters import BaseSyncAdapter
from geopy.geocoders import Nominatim

from solomo_cli.boundary import clean
from solomo_cli.cache.store import Cache, geocode_key
from solomo_cli.config import Settings
from solomo_cli.errors import BadResponse, PlaceNotFound, Remedy
from solomo_cli.net import send
from solomo_cli.notify import Notify

try:
    import fcntl
except ImportError:  # Windows: one process at a time is the common case there
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def nominatim_slot(lock_path: Path, interval: float) -> Iterator[None]:
    """Wait until `interval` seconds have passed since the last request of any process."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+", encoding="ascii") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            try:
                last = float(handle.read().strip() or 0)
            except ValueError:
                last = 0.0
            wait = last + interval - time.time()
            if 0 < wait <= interval:
                time.sleep(wait)
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.write(repr(time.time()))
            handle.flush()
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


class HttpxAdapter(BaseSyncAdapter):
    """geopy adapter backed by solomo's shared httpx client, retry policy and rate limit."""

    def __init__(
        self,
        *,
        proxies: Any,
        ssl_context: Any,
        client: httpx.Client,
        settings: Settings,
        notify: Notify | None = None,
    ) -> None:
        super().__init__(proxies=proxies, ssl_context=ssl_context)
        self.client = client
        self.settings = settings
        self.notify = notify

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        with nominatim_slot(self.settings.paths.nominatim_lock, self.settings.nominatim_interval):
            response = send(
                self.client,
                "GET",
                url,
                service="Nominatim",
                notify=self.notify,
                headers=headers,
                timeout=max(timeout, 10.0),
            )
        return response.text

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        text = self.get_text(url, timeout=timeout, headers=headers)
        if text.lstrip()[:1] == "<":
            # Nominatim's "usage policy" page comes as HTML, sometimes with HTTP 200.
            raise BadResponse(
                "Nominatim refused the request (usage limit page)",
                hint="wait a few minutes; give coordinates (LAT,LON) to skip geocoding",
            )
        try:
            return json.loads(text)
        except ValueError as exc:
            raise BadResponse("Nominatim sent an invalid answer", hint="try again later") from exc


@dataclass(frozen=True)
class Understood:
    """The place the tool understood, and how many other candidates there were."""

    query: str
    display_name: str
    lat: float
    lon: float
    alternatives: tuple[str, ...]


def make_geocoder(settings: Settings, client: httpx.Client, notify: Notify | None) -> Nominatim:
    parts = urlsplit(
        settings.nominatim_url
        if "//" in settings.nominatim_url
        else "https://" + settings.nominatim_url
    )
    return Nominatim(
        domain=(parts.netloc + parts.path).rstrip("/"),
        scheme=parts.scheme or "https",
        user_agent=settings.user_agent,
        timeout=settings.timeout,
        adapter_factory=lambda proxies, ssl_context: HttpxAdapter(
            proxies=proxies,
            ssl_context=ssl_context,
            client=client,
            settings=settings,
            notify=notify,
        ),
    )


def geocode(
    settings: Settings,
    cache: Cache,
    client: httpx.Client,
    query: str,
    country: str | None = None,
    notify: Notify | None = None,
) -> Understood:
    """Ask Nominatim for the best match of a place name, and cache the answer."""
    geocoder = make_geocoder(settings, client, notify)
    locations = geocoder.geocode(query, exactly_one=False, limit=5, country_codes=country) or []
    if not locations:
        where = f" in {country.upper()}" if country else ""
        raise PlaceNotFound(
            f"no place called {query!r} found{where}",
            hint="check the spelling, add a city or country, or give LAT,LON",
            remedies=[Remedy.COUNTRY],
        )
    best = locations[0]
    display = clean(best.raw.get("display_name") or best.address or query)
    others = tuple(clean(loc.raw.get("display_name") or loc.address) for loc in locations[1:])
    lat, lon = float(best.latitude), float(best.longitude)
    cache.put_geocode(geocode_key(query, country), display, lat, lon, best.raw)
    return Understood(query, display, lat, lon, others)
