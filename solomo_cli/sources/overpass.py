"""Overpass API: one union query per area for every selected kind, endpoints tried in order,
and answers checked before anything is stored (a 200 with a `remark` is a failure)."""

from __future__ import annotations

import codecs
import json
import json.scanner
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import httpx

from solomo_cli.boundary import BadInput, excerpt, page_detail, timestamp
from solomo_cli.config import Settings
from solomo_cli.errors import BadResponse, QueryFailed, Remedy, ServiceError
from solomo_cli.kinds import KINDS
from solomo_cli.model import Place
from solomo_cli.net import OVERPASS, OVERPASS_AREA, Limits, host_of, limits_for, redact, stream
from solomo_cli.notify import Notify
from solomo_cli.sources.base import Answer
from solomo_cli.sources.osm import element_to_place

__all__ = [
    "Answer",
    "AnswerReader",
    "OverpassSource",
    "build_query",
    "fetch",
    "fetch_into",
    "fetch_query_into",
    "parse_answer",
]

SERVER_TIMEOUT_S = 90
OTHER_SERVER = "try again later, or use another server (SOLOMO_OVERPASS_URL)"
LARGE_AREA_M = 25_000  # beyond this radius (a region, a country), OVERPASS_AREA applies
PROGRESS_EVERY = 10_000  # places between two progress notices
T = TypeVar("T")


def build_query(lat: float, lon: float, radius_m: float, kinds: Sequence[str]) -> str:
    around = f"(around:{int(round(radius_m))},{lat:.6f},{lon:.6f})"
    lines = [f"nwr{tag_filter}{around};" for kind in kinds for tag_filter in KINDS[kind].filters]
    return (
        f"[out:json][timeout:{SERVER_TIMEOUT_S}];\n(\n"
        + "\n".join(lines)
        + "\n);\nout center tags;"
    )


def _not_json(body: bytes, ctype: str, host: str) -> BadResponse | None:
    """An answer that is not JSON, called what it is (OSM XML, CSV, an HTML page)."""
    start = body.lstrip()[:200].lower()
    if "osm3s+xml" in ctype or start.startswith(b"<?xml") and b"<osm" in body[:2000].lower():
        if b"<html" not in body[:2000].lower():
            detail = page_detail(body, "xml")
            return BadResponse(
                f"Overpass at {host} sent OSM XML instead of JSON"
                + (f": {detail}" if detail else ""),
                hint=OTHER_SERVER,
            )
    if "html" in ctype or start[:1] == b"<":
        detail = page_detail(body, "html")
        if b"OSM3S" in body[:2000] or b"openstreetmap.org" in body[:4000].lower():
            # Overpass' own error page: what it says is the news.
            return BadResponse(f"Overpass at {host} sent an HTML page instead of data: {detail}")
        # Anything else in its place is most often a captive portal's login page.
        return BadResponse(
            f"Overpass at {host} sent an HTML page instead of data (a Wi-Fi login page?)"
            + (f": {detail}" if detail else "")
        )
    first_line = start.split(b"\n", 1)[0]
    if "csv" in ctype or (start[:1] not in (b"{", b"[") and b"\t" in first_line):
        return BadResponse(f"Overpass at {host} sent CSV instead of JSON", hint=OTHER_SERVER)
    return None


HEAD_BYTES = 256 * 1024  # what the checks of a non-JSON answer read (as page_detail does)
MAX_VALUE_CHARS = 4 * 1024 * 1024  # one element (or other value): real ones are a few KB
_SPACE = re.compile(r"[ \t\n\r]*")


class _Text:
    """A JSON text arriving in pieces, read one value at a time with the standard decoder
    (`raw_decode`, in C): memory holds one value and a chunk, not the answer."""

    def __init__(self, chunks: Iterator[bytes], head: bytes, more: bool, host: str) -> None:
        self.chunks = chunks
        self.invalid = BadResponse(
            f"Overpass at {host} sent a truncated or invalid JSON answer", hint=OTHER_SERVER
        )
        self.decoder = codecs.getincrementaldecoder(json.detect_encoding(head))("surrogatepass")
        self.buf, self.pos, self.more = "", 0, more
        self.buf = self._decode(head, final=not more)
        decoder = json.JSONDecoder()
        self._raw_decode = decoder.raw_decode
        # What raw_decode calls, without its Python frame (the C scanner, as json builds it).
        self.scan = json.scanner.make_scanner(decoder)  # type: ignore[arg-type]  # typeshed

    def _decode(self, data: bytes, final: bool = False) -> str:
        try:
            return self.decoder.decode(data, final)
        except UnicodeDecodeError:
            raise self.invalid from None

    def _read(self, at_least: int) -> None:
        """Append text until `at_least` characters wait past `pos` (or the body ends)."""
        pieces = [self.buf[self.pos :]]
        waiting = len(pieces[0])
        while self.more and waiting < at_least:
            chunk = next(self.chunks, None)
            if chunk is None:
                self.more = False
                text = self._decode(b"", final=True)
            else:
                text = self._decode(chunk)
            pieces.append(text)
            waiting += len(text)
        self.buf, self.pos = "".join(pieces), 0

    def peek(self) -> str:
        """The next character that is not white space ("" at the end), not consumed."""
        while True:
            self.pos = _SPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf) or not self.more:
                return self.buf[self.pos : self.pos + 1]
            self._read(1)

    def expect(self, chars: str) -> str:
        found = self.peek()
        if not found or found not in chars:
            raise self.invalid
        self.pos += 1
        return found

    def value(self) -> Any:
        """The next JSON value. A failed decode is retried only once twice as much text waits
        (linear, whatever the chunk sizes), and a value never grows past MAX_VALUE_CHARS."""
        self.peek()
        want = 0
        while True:
            try:
                found, end = self._raw_decode(self.buf, self.pos)
            except json.JSONDecodeError:
                end = -1
            except (ValueError, RecursionError):  # hostile nesting, a 5000-digit number
                raise self.invalid from None
            # A value ending with the text may go on (a number's digits in the next chunk).
            if end >= 0 and (end < len(self.buf) or not self.more):
                self.pos = end
                return found
            if not self.more or len(self.buf) - self.pos > MAX_VALUE_CHARS:
                raise self.invalid
            want = max(2 * want, 2 * (len(self.buf) - self.pos), 64 * 1024)
            self._read(want)


class AnswerReader:
    """An Overpass JSON answer checked as it streams: its places come one at a time, and the
    checks that need the whole answer (valid to its end, an element list, no `remark` —
    which Overpass writes after the elements) are made when the last one has been read, so a
    caller storing the places in one transaction rolls it back on any failure."""

    def __init__(self, chunks: Iterable[bytes], content_type: str, host: str) -> None:
        self.chunks = iter(chunks)
        self.content_type = content_type.lower()
        self.host = host
        self.osm_base: str | None = None

    def _head(self) -> tuple[bytes, bool]:
        """The first HEAD_BYTES of the body (all of it if shorter), and whether more follows."""
        pieces: list[bytes] = []
        size = 0
        for chunk in self.chunks:
            pieces.append(chunk)
            size += len(chunk)
            if size >= HEAD_BYTES:
                return b"".join(pieces), True
        return b"".join(pieces), False

    def places(self) -> Iterator[Place]:
        head, more = self._head()
        wrong = _not_json(head, self.content_type, self.host)
        if wrong is not None:
            raise wrong
        text = _Text(self.chunks, head, more, self.host)
        top: dict[str, Any] = {}
        listed = False  # the last "elements" was a list (json.loads keeps a key's last value)
        if text.peek() != "{":
            text.value()  # not an object: valid JSON or not, there is no element list
        else:
            text.pos += 1
            closing = text.peek() == "}"
            while not closing:
                key = text.value()
                if not isinstance(key, str):
                    raise text.invalid
                text.expect(":")
                if key == "elements" and text.peek() == "[":
                    text.pos += 1
                    yield from self._elements(text)
                    listed = True
                else:
                    top[key] = text.value()
                    listed = listed and key != "elements"
                closing = text.expect(",}") == "}"
        if text.peek():
            raise text.invalid  # anything after the answer
        if not listed:
            raise BadResponse(f"Overpass at {self.host} sent JSON without an element list")
        if top.get("remark"):
            # Timeouts and out-of-memory come back as 200 + remark with missing elements.
            raise QueryFailed(
                f"Overpass at {self.host} could not complete the query: "
                f"{excerpt(top['remark'], 200)}",
                hint="try again later",
                remedies=[Remedy.SMALLER_AREA],
            )
        osm3s = top.get("osm3s")
        try:
            base = timestamp(osm3s.get("timestamp_osm_base")) if isinstance(osm3s, dict) else None
        except BadInput:
            base = None  # a bad timestamp is dropped, never shown
        self.osm_base = base

    @staticmethod
    def _elements(text: _Text) -> Iterator[Place]:
        if text.peek() == "]":
            text.pos += 1
            return
        scan, space = text.scan, _SPACE.match
        while True:
            # Fast path: an element whole in the text, more text after it. Anything else (the
            # text's end, invalid JSON) goes through value() and expect(), which check it all.
            buf = text.buf
            pos = space(buf, text.pos).end()  # type: ignore[union-attr]
            try:
                element, end = scan(buf, pos)
            except (StopIteration, ValueError, RecursionError):
                end = -1
            if 0 <= end < len(buf):
                text.pos = end
            else:
                text.pos = pos
                element = text.value()
            place = element_to_place(element)
            if place is not None:
                yield place
            after = text.buf[text.pos : text.pos + 1]
            if after in (",", "]"):
                text.pos += 1
                if after == "]":
                    return
            elif text.expect(",]") == "]":
                return


def parse_answer(response: httpx.Response, endpoint: str) -> Answer:
    """A checked Overpass JSON answer, or a BadResponse / QueryFailed saying what it was."""
    reader = AnswerReader(
        [response.content], response.headers.get("content-type", ""), host_of(endpoint)
    )
    places = list(reader.places())
    # The cache keeps no password.
    return Answer(places, reader.osm_base, redact(endpoint, endpoint))


def _streamed(reader: AnswerReader, answer: Answer, notify: Notify | None) -> Iterator[Place]:
    """The reader's places; the answer's timestamp once they are all read. A large answer
    says how many places have come so far."""
    found = 0
    for place in reader.places():
        found += 1
        if notify and found % PROGRESS_EVERY == 0:
            notify(f"{found:,} places received from OpenStreetMap…")
        yield place
    answer.osm_base = reader.osm_base


def fetch_into(
    client: httpx.Client,
    endpoints: Sequence[str],
    lat: float,
    lon: float,
    radius_m: float,
    kinds: Sequence[str],
    save: Callable[[Answer], T],
    notify: Notify | None = None,
    limits: Limits = OVERPASS,
) -> T:
    """Ask each endpoint in turn until one gives a complete answer, handing each answer to
    `save` while it streams in: its `places` are read once, and any failure (the deadline, a
    cut, a remark at the end) is raised from them, so `save` must write them all or nothing.
    Returns what `save` returned."""
    query = build_query(lat, lon, radius_m, kinds)
    return fetch_query_into(client, endpoints, query, save, notify, limits)


def fetch_query_into(
    client: httpx.Client,
    endpoints: Sequence[str],
    query: str,
    save: Callable[[Answer], T],
    notify: Notify | None = None,
    limits: Limits = OVERPASS,
) -> T:
    """fetch_into for a query already written (an area's, a country's)."""
    errors: list[ServiceError] = []
    for endpoint in endpoints:
        try:
            with stream(
                client,
                "POST",
                endpoint,
                service="Overpass",
                limits=limits,
                what="query",
                notify=notify,
                data={"data": query},
            ) as body:
                reader = AnswerReader(
                    body.chunks, body.headers.get("content-type", ""), host_of(endpoint)
                )
                answer = Answer([], None, redact(endpoint, endpoint))
                answer.places = _streamed(reader, answer, notify)
                return save(answer)
        except ServiceError as exc:
            errors.append(exc)
            if notify and endpoint != endpoints[-1]:
                notify(f"{exc.message}; trying the next Overpass server", waiting=True)
    if len(errors) == 1:
        raise errors[0]
    raise ServiceError(
        "no Overpass server gave an answer: " + "; ".join(e.message for e in errors),
        hint=errors[-1].hint,
        remedies=dict.fromkeys(r for e in errors for r in e.remedies),
    )


def _whole(answer: Answer) -> Answer:
    places = list(answer.places)
    return Answer(places, answer.osm_base, answer.endpoint, answer.source)


def fetch(
    client: httpx.Client,
    endpoints: Sequence[str],
    lat: float,
    lon: float,
    radius_m: float,
    kinds: Sequence[str],
    notify: Notify | None = None,
    limits: Limits = OVERPASS,
) -> Answer:
    """Ask each endpoint in turn until one gives a complete answer (its places as a list)."""
    return fetch_into(client, endpoints, lat, lon, radius_m, kinds, _whole, notify, limits)


def limits_for_area(radius_m: float, settings: Settings) -> Limits:
    """A town's answer is capped at 32 MB; a larger area's, streamed, at a country's size."""
    return limits_for(OVERPASS if radius_m <= LARGE_AREA_M else OVERPASS_AREA, settings)


class OverpassSource:
    """The PlaceSource of Overpass API servers, tried in the configured order."""

    name = "overpass"

    def __init__(self, client: httpx.Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.endpoints = settings.overpass_urls
        self.limits = limits_for(OVERPASS, settings)

    def fetch(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        kinds: Sequence[str],
        notify: Notify | None = None,
    ) -> Answer:
        return fetch(self.client, self.endpoints, lat, lon, radius_m, kinds, notify, self.limits)

    def fetch_into(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        kinds: Sequence[str],
        save: Callable[[Answer], T],
        notify: Notify | None = None,
    ) -> T:
        limits = limits_for_area(radius_m, self.settings)
        return fetch_into(
            self.client, self.endpoints, lat, lon, radius_m, kinds, save, notify, limits
        )
