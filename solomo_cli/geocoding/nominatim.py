"""Place names → coordinates with geopy's Nominatim, through a small adapter over the project's
one httpx client; answers cached for months; at most one request per second, also across
concurrent solomo processes (a lock file holds the time of the last request)."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from geopy.adapters import BaseSyncAdapter
from geopy.geocoders import Nominatim

from solomo_cli.boundary import BadInput, clean, excerpt, latlon, text
from solomo_cli.cache.store import Cache, geocode_key
from solomo_cli.config import Settings
from solomo_cli.errors import BadResponse, StoreError
from solomo_cli.geocoding.base import Understood
from solomo_cli.net import NOMINATIM, limits_for, send
from solomo_cli.notify import Notify

try:
    import fcntl
except ImportError:  # Windows: one process at a time is the common case there
    fcntl = None  # type: ignore[assignment]

MIN_INTERVAL_S = 1.0  # Nominatim's usage policy: at most one request per second
_KEPT = ("place_id", "osm_type", "osm_id", "category", "class", "type", "addresstype", "name")


@contextlib.contextmanager
def nominatim_slot(lock_path: Path, interval: float) -> Iterator[None]:
    """Wait until `interval` seconds have passed since the last request of any process."""
    try:
        lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StoreError(
            f"cannot use the lock file {lock_path}: {exc.strerror or exc}",
            hint="make its folder a writable directory (it holds nothing of yours)",
        ) from exc
    with open(fd, "r+", encoding="ascii") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            try:
                last = float(handle.read(64).strip() or 0)
            except (ValueError, UnicodeDecodeError):
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


def checked_results(data: Any) -> list[dict[str, Any]]:
    """Nominatim's search answer, checked where it enters: results without finite coordinates
    in range are skipped (never cached as a place at 0,0), text is cleaned and bounded, and
    only the few fields worth keeping are kept. Raises BadResponse if nothing is usable."""
    if isinstance(data, dict) and "error" in data:
        error = data["error"]
        detail = error.get("message") if isinstance(error, dict) else error
        raise BadResponse(f"Nominatim refused the request: {excerpt(detail, 200)}")
    if not isinstance(data, list):
        raise BadResponse("Nominatim sent an answer that is not a list of places")
    results = []
    for item in data:
        if not isinstance(item, dict):
            continue
        try:
            lat, lon = latlon(item.get("lat"), item.get("lon"))
            display = text(item.get("display_name"), "display_name", max_len=500)
        except BadInput:
            continue
        kept: dict[str, Any] = {
            key: excerpt(item[key], 200) if isinstance(item[key], str) else item[key]
            for key in _KEPT
            if isinstance(item.get(key), (str, int)) and not isinstance(item.get(key), bool)
        }
        address = item.get("address")
        if isinstance(address, dict):
            kept["address"] = {
                excerpt(k, 100): excerpt(v, 200)
                for k, v in list(address.items())[:40]
                if isinstance(k, str) and isinstance(v, str)
            }
        kept.update(lat=repr(lat), lon=repr(lon), display_name=display or "")
        results.append(kept)
    if data and not results:
        raise BadResponse(
            "Nominatim sent places without usable coordinates", hint="try again later"
        )
    return results


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
        # `timeout` is geopy's; the client's own timeouts and NOMINATIM's deadline apply.
        with nominatim_slot(self.settings.paths.nominatim_lock, MIN_INTERVAL_S):
            response = send(
                self.client,
                "GET",
                url,
                service="Nominatim",
                limits=limits_for(NOMINATIM, self.settings),
                notify=self.notify,
                headers=headers,
            )
        return response.text

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        body = self.get_text(url, timeout=timeout, headers=headers)
        if body.lstrip()[:1] == "<":
            # Nominatim's "usage policy" page comes as HTML, sometimes with HTTP 200.
            raise BadResponse(
                "Nominatim refused the request (usage limit page)",
                hint="wait a few minutes; give coordinates (LAT,LON) to skip geocoding",
            )
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise BadResponse("Nominatim sent an invalid answer", hint="try again later") from exc
        return checked_results(data)


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
) -> Understood | None:
    """Ask Nominatim for the best match of a place name (None: no such place), and cache it."""
    geocoder = make_geocoder(settings, client, notify)
    locations = geocoder.geocode(query, exactly_one=False, limit=5, country_codes=country) or []
    if not locations:
        return None
    best = locations[0]
    display = best.raw["display_name"] or clean(query)
    others = tuple(loc.raw["display_name"] for loc in locations[1:])
    lat, lon = float(best.raw["lat"]), float(best.raw["lon"])
    cache.put_geocode(geocode_key(query, country), display, lat, lon, best.raw)
    return Understood(query, display, lat, lon, others)


class NominatimGeocoder:
    """Nominatim as a member of the geocoder chain."""

    name = "nominatim"
    network = True

    def __init__(
        self, settings: Settings, cache: Cache, client: httpx.Client, notify: Notify | None
    ) -> None:
        self.settings, self.cache, self.client, self.notify = settings, cache, client, notify

    def lookup(self, query: str, country: str | None) -> Understood | None:
        return geocode(self.settings, self.cache, self.client, query, country, self.notify)
