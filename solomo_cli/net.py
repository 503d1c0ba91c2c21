"""The one HTTP stack: an httpx client shared by Overpass and Nominatim (via a geopy adapter),
with an identifying User-Agent, real timeouts, proxies from the environment, and bounded
retries on 429/503/504 that honour Retry-After.

Imported only when the network is actually needed (httpx costs ~80 ms to import)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from solomo_cli.config import Settings
from solomo_cli.errors import HTTP_ERRORS, RETRYABLE, RateLimited, Remedy, ServiceError
from solomo_cli.notify import Notify

MAX_RETRIES = 3
MAX_WAIT_S = 60.0  # never sit silently longer than this on a Retry-After


def make_client(settings: Settings) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(settings.timeout, connect=10.0),
        headers={"User-Agent": settings.user_agent},
        follow_redirects=True,
        trust_env=True,  # HTTP(S)_PROXY, NO_PROXY, SSL_CERT_FILE
    )


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), or None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    service: str,
    notify: Notify | None = None,
    max_retries: int = MAX_RETRIES,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: object,
) -> httpx.Response:
    """One request with bounded, polite retries. Raises a ServiceError subclass on failure."""
    host = host_of(url)
    for attempt in range(max_retries + 1):
        try:
            response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.TimeoutException as exc:
            raise ServiceError(
                f"{service} at {host} did not answer in time", hint="try again later"
            ) from exc
        except httpx.TransportError as exc:
            raise ServiceError(
                f"cannot reach {service} at {host} ({type(exc).__name__}: {exc or 'connection lost'})",
                hint="check your connection",
                remedies=[Remedy.OFFLINE],
            ) from exc
        status = response.status_code
        if status < 400:
            return response
        if status in RETRYABLE and attempt < max_retries:
            wait = retry_after(response)
            wait = min(2.0**attempt, MAX_WAIT_S) if wait is None else wait
            if wait <= MAX_WAIT_S:
                if notify:
                    notify(
                        f"{service} is busy (HTTP {status}); retrying in {wait:.0f} s", waiting=True
                    )
                sleep(wait)
                continue
        error = HTTP_ERRORS.get(status, ServiceError)
        message = f"{service} at {host} answered HTTP {status}"
        if error is RateLimited:
            raise RateLimited(
                message + " (busy or rate-limited)",
                retry_after=retry_after(response),
                hint="wait a minute and try again",
                remedies=[Remedy.OFFLINE],
            )
        raise error(message, hint="try again later, or point solomo at another server")
    raise AssertionError("unreachable")  # pragma: no cover
