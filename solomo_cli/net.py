"""The one HTTP stack: an httpx client shared by Overpass and Nominatim (via a geopy adapter),
with an identifying User-Agent and bounded resources: every request has a total deadline (not
only a per-read timeout), bodies are capped as sent and after decompression, retries on
429/503/504 honour a sane Retry-After, and redirects are followed by hand (never to another
host, never with a POST body unless the redirect keeps the method on the same host).

Imported only when the network is actually needed (httpx costs ~80 ms to import)."""

from __future__ import annotations

import contextlib
import email.utils
import functools
import math
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from solomo_cli.boundary import excerpt, page_detail, redact
from solomo_cli.config import Settings
from solomo_cli.errors import (
    HTTP_ERRORS,
    RETRYABLE,
    BadResponse,
    RateLimited,
    Remedy,
    ServiceError,
)
from solomo_cli.notify import Notify

MAX_RETRIES = 3
MAX_WAIT_S = 60.0  # never sit silently longer than this on a Retry-After
MAX_REDIRECTS = 3
MB = 1024 * 1024
OFFLINE_HINT = "check your connection"


@dataclass(frozen=True)
class Limits:
    """What one request to a service may cost: body bytes (sent and decoded) and seconds."""

    max_bytes: int
    deadline_s: float


OVERPASS = Limits(32 * MB, 180.0)  # the query's own server timeout is 90 s
# A large area's answer is parsed and stored as it streams in (memory stays flat), so its cap
# only bounds the time and disk a runaway server can cost: 1 GiB holds a country's work places
# (a 500k-place answer is ~140 MB), and reading that much needs more than 180 s on a slow line.
OVERPASS_AREA = Limits(1024 * MB, 600.0)
NOMINATIM = Limits(2 * MB, 30.0)


def limits_for(base: Limits, settings: Settings) -> Limits:
    """The service's limits, with the deadline shortened by the settings (never lengthened)."""
    if settings.deadline is None:
        return base
    return Limits(base.max_bytes, min(base.deadline_s, settings.deadline))


def make_client(settings: Settings) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(settings.timeout, connect=10.0),
        # Only encodings decoded here under the size cap (httpx would add br/zstd if installed).
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        follow_redirects=False,  # redirects are checked in `send`
        # A fresh connection per request, so that the deadline's watchdog holds its socket.
        limits=httpx.Limits(max_keepalive_connections=0),
        trust_env=True,  # HTTP(S)_PROXY, NO_PROXY, SSL_CERT_FILE
    )


def host_of(url: str) -> str:
    """host[:port] of a URL, without any user name or password it carries."""
    parts = urlsplit(url if "//" in url else "//" + url)
    netloc = parts.netloc.rpartition("@")[2]
    return netloc or "(no host)"


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), or None when absent or
    meaningless (nan, negative, unparsable). A huge value is returned as is: the caller gives
    up rather than wait for it."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            seconds = when.timestamp() - time.time()
        except (TypeError, ValueError, OverflowError):
            return None
        return max(0.0, seconds) if math.isfinite(seconds) else None
    if math.isnan(seconds) or seconds < 0:
        return None
    return seconds


class _Inflater:
    """Content-Encoding gzip/deflate, decoded a bounded piece at a time (a 2 MB gzip bomb
    never becomes gigabytes: at most `limit` + 1 bytes come out of one call)."""

    def __init__(self, encoding: str) -> None:
        self.raw_deflate_tried = encoding != "deflate"
        # 47: a gzip or zlib header; "deflate" is zlib-wrapped by the RFC, raw by some servers.
        self.obj = zlib.decompressobj(47 if encoding != "deflate" else zlib.MAX_WBITS)
        self.started = False

    def decode(self, data: bytes, limit: int) -> bytes | None:
        """The decoded bytes, or None when they exceed `limit`."""
        try:
            out = self.obj.decompress(data, limit + 1)
        except zlib.error:
            if self.started or self.raw_deflate_tried:
                raise
            self.raw_deflate_tried = True
            self.obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self.obj.decompress(data, limit + 1)
        self.started = True
        if len(out) > limit or self.obj.unconsumed_tail:
            return None
        return out


def _chunks(
    response: httpx.Response, service: str, host: str, limits: Limits, deadline: float
) -> Iterator[bytes]:
    """The body, decoded piece by piece, within the byte cap and before the deadline."""
    too_big = BadResponse(
        f"{service} at {host} sent more than {limits.max_bytes // MB} MB; answer not used",
        hint="ask for a smaller area" if service == "Overpass" else None,
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise too_big
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise BadResponse(f"{service} at {host} sent an answer in an unknown encoding")
    inflater = _Inflater(encoding) if encoding not in ("", "identity") else None
    raw = size = 0
    try:
        # No chunk size: httpx would wait to fill it, and the deadline would go unchecked.
        for chunk in response.iter_raw():
            raw += len(chunk)
            data = inflater.decode(chunk, limits.max_bytes - size) if inflater else chunk
            if data is None or raw > limits.max_bytes or size + len(data) > limits.max_bytes:
                raise too_big
            size += len(data)
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("deadline")
            if data:
                yield data
    except zlib.error as exc:
        raise BadResponse(f"{service} at {host} sent a corrupt compressed answer") from exc


class _Watchdog:
    """Ends a request at its deadline in whatever phase it is (a server trickling even its
    headers a byte a second defeats any per-read timeout): a timer shuts the socket down."""

    def __init__(self, seconds: float) -> None:
        self.sockets: list[socket.socket] = []
        self.fired = False
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True

    def trace(self, name: str, info: dict[str, object]) -> None:
        """httpcore's trace extension: keeps the socket of each new connection."""
        if name.endswith("connect_tcp.complete"):
            stream = info.get("return_value")
            sock = getattr(stream, "get_extra_info", lambda _: None)("socket")
            if isinstance(sock, socket.socket):
                self.sockets.append(sock)
                if self.fired:
                    self._fire()

    def _fire(self) -> None:
        self.fired = True
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()


def _redirect_target(response: httpx.Response, method: str, url: str) -> str | None:
    """Where a redirect may be followed: GET within the same host, or a 307/308 (method and
    body kept) within the same host; None otherwise (the body is never sent elsewhere)."""
    location = response.headers.get("Location")
    if not location:
        return None
    target = urljoin(url, location)
    old, new = urlsplit(url), urlsplit(target)
    if new.scheme not in ("http", "https") or new.hostname != old.hostname:
        return None
    if old.scheme == "https" and new.scheme != "https":
        return None
    if method != "GET" and response.status_code not in (307, 308):
        return None
    return target


@dataclass
class Body:
    """An answer whose body is read as the caller iterates `chunks`: decoded, within the size
    cap and before the deadline, or a ServiceError saying which (the request's own)."""

    status_code: int
    headers: httpx.Headers
    request: httpx.Request
    chunks: Iterator[bytes]


def _lost(
    exc: Exception,
    watchdog: _Watchdog,
    service: str,
    host: str,
    url: str,
    late: ServiceError,
    deadline: float,
    silence_s: float,
) -> ServiceError:
    """What a transport failure means to the user: the deadline met, a server gone silent, or
    no way to the server."""
    if watchdog.fired or time.monotonic() >= deadline:
        return late
    if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
        return ServiceError(
            f"{service} at {host} sent nothing for {silence_s:g} s", hint="try again later"
        )
    detail = redact(f"{type(exc).__name__}: {exc or 'connection lost'}", url)
    return ServiceError(
        f"cannot reach {service} at {host} ({page_detail(detail.encode(), 'text')})",
        hint=OFFLINE_HINT,
        remedies=[Remedy.OFFLINE],
    )


def _translated(
    chunks: Iterator[bytes], lost: Callable[[Exception], ServiceError]
) -> Iterator[bytes]:
    try:
        yield from chunks
    except httpx.TransportError as exc:
        raise lost(exc) from exc


def _plain_headers(headers: httpx.Headers) -> dict[str, str]:
    """The headers of a body already decoded (its encoding and length no longer hold)."""
    return {
        k: v
        for k, v in headers.items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    }


@contextlib.contextmanager
def stream(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    service: str,
    limits: Limits = NOMINATIM,
    what: str = "request",
    notify: Notify | None = None,
    max_retries: int = MAX_RETRIES,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: object,
) -> Iterator[Body]:
    """`send` whose final answer is read as the block iterates its `chunks`; the deadline's
    watchdog holds until the block ends. Redirects, retries and error statuses are handled as
    by `send` (their bodies read whole, under the same cap)."""
    host = host_of(url)
    deadline = time.monotonic() + limits.deadline_s
    read_timeout = client.timeout.read or limits.deadline_s
    late = ServiceError(
        f"{service} at {host} did not answer within {limits.deadline_s:g} s",
        hint="try again later",
    )
    hops = 0
    attempt = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise late
        timeout = httpx.Timeout(min(read_timeout, remaining), connect=min(10.0, remaining))
        with _Watchdog(remaining) as watchdog:
            lost = functools.partial(
                _lost,
                watchdog=watchdog,
                service=service,
                host=host,
                url=url,
                late=late,
                deadline=deadline,
                silence_s=timeout.read or remaining,
            )
            try:
                request = client.build_request(
                    method,
                    url,
                    timeout=timeout,
                    extensions={"trace": watchdog.trace},
                    **kwargs,  # type: ignore[arg-type]
                )
                response = client.send(request, stream=True)
            except (httpx.TransportError, httpx.InvalidURL) as exc:
                raise lost(exc) from exc
            try:
                status = response.status_code
                chunks = _translated(_chunks(response, service, host, limits, deadline), lost)
                if status < 300 or status == 304:
                    yield Body(status, response.headers, request, chunks)
                    return
                body = b"".join(chunks)
            finally:
                response.close()
        answer = httpx.Response(
            status, headers=_plain_headers(response.headers), content=body, request=request
        )
        if 300 <= status < 400:
            target = _redirect_target(response, method, url)
            if target is None or hops >= MAX_REDIRECTS:
                location = excerpt(response.headers.get("Location", ""), 100)
                elsewhere = host_of(urljoin(url, location))
                raise ServiceError(
                    f"{service} at {host} redirected the {what} to {elsewhere}; not followed",
                    hint="configure the server's real address",
                )
            url, hops = target, hops + 1
            continue
        if status in RETRYABLE and attempt < max_retries:
            wait = retry_after(answer)
            wait = min(2.0**attempt, MAX_WAIT_S) if wait is None else wait
            if wait <= MAX_WAIT_S and time.monotonic() + wait < deadline:
                if notify:
                    notify(
                        f"{service} is busy (HTTP {status}); retrying in {wait:.0f} s", waiting=True
                    )
                sleep(wait)
                attempt += 1
                continue
        raise _status_error(answer, service, host, what)


def send(client: httpx.Client, method: str, url: str, **options: Any) -> httpx.Response:
    """One request with bounded, polite retries, a total deadline and a size cap; the answer
    comes back read (and decoded). Options as for `stream`; raises a ServiceError subclass
    on failure."""
    with stream(client, method, url, **options) as answer:
        body = b"".join(answer.chunks)
    return httpx.Response(
        answer.status_code,
        headers=_plain_headers(answer.headers),
        content=body,
        request=answer.request,
    )


def _status_error(response: httpx.Response, service: str, host: str, what: str) -> ServiceError:
    status = response.status_code
    error = HTTP_ERRORS.get(status, ServiceError)
    detail = page_detail(response.content, response.headers.get("content-type", ""))
    if status == 400:
        return error(
            f"{service} at {host} refused the {what}" + (f": {detail}" if detail else ""),
            hint="this is likely a bug in solomo; please report it",
        )
    message = f"{service} at {host} answered HTTP {status}"
    if error is RateLimited:
        wait = retry_after(response)
        return RateLimited(
            message + " (busy or rate-limited)",
            retry_after=wait if wait is not None and wait <= MAX_WAIT_S * 60 else None,
            hint="wait a minute and try again",
            remedies=[Remedy.OFFLINE],
        )
    return error(
        message + (f": {detail}" if detail else ""),
        hint="try again later, or point solomo at another server",
    )
