"""Overpass API: one union query per area for every selected kind, endpoints tried in order,
and answers checked before anything is stored (a 200 with a `remark` is a failure)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import httpx

from solomo_cli.boundary import BadInput, excerpt, page_detail, timestamp
from solomo_cli.config import Settings
from solomo_cli.errors import BadResponse, QueryFailed, Remedy, ServiceError
from solomo_cli.kinds import KINDS
from solomo_cli.model import Place
from solomo_cli.net import OVERPASS, Limits, host_of, limits_for, redact, send
from solomo_cli.notify import Notify
from solomo_cli.sources.base import Answer
from solomo_cli.sources.osm import element_to_place

__all__ = ["Answer", "OverpassSource", "build_query", "fetch", "parse_answer"]

SERVER_TIMEOUT_S = 90
OTHER_SERVER = "try again later, or use another server (SOLOMO_OVERPASS_URL)"


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
        detail = page_detail(body, "html") or "no data"
        return BadResponse(f"Overpass at {host} sent an HTML page instead of data: {detail}")
    first_line = start.split(b"\n", 1)[0]
    if "csv" in ctype or (start[:1] not in (b"{", b"[") and b"\t" in first_line):
        return BadResponse(f"Overpass at {host} sent CSV instead of JSON", hint=OTHER_SERVER)
    return None


def parse_answer(response: httpx.Response, endpoint: str) -> Answer:
    """A checked Overpass JSON answer, or a BadResponse / QueryFailed saying what it was."""
    host = host_of(endpoint)
    body = response.content
    wrong = _not_json(body, response.headers.get("content-type", "").lower(), host)
    if wrong is not None:
        raise wrong
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: hostile nesting
        raise BadResponse(
            f"Overpass at {host} sent a truncated or invalid JSON answer", hint=OTHER_SERVER
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise BadResponse(f"Overpass at {host} sent JSON without an element list")
    if data.get("remark"):
        # Timeouts and out-of-memory come back as 200 + remark with missing elements.
        raise QueryFailed(
            f"Overpass at {host} could not complete the query: {excerpt(data['remark'], 200)}",
            hint="try again later",
            remedies=[Remedy.SMALLER_AREA],
        )
    places = [p for p in map(element_to_place, data["elements"]) if isinstance(p, Place)]
    osm3s = data.get("osm3s")
    try:
        base = timestamp(osm3s.get("timestamp_osm_base")) if isinstance(osm3s, dict) else None
    except BadInput:
        base = None  # a bad timestamp is dropped, never shown
    return Answer(places, base, redact(endpoint, endpoint))  # the cache keeps no password


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
    """Ask each endpoint in turn until one gives a complete answer."""
    query = build_query(lat, lon, radius_m, kinds)
    errors: list[ServiceError] = []
    for endpoint in endpoints:
        try:
            response = send(
                client,
                "POST",
                endpoint,
                service="Overpass",
                limits=limits,
                what="query",
                notify=notify,
                data={"data": query},
            )
            return parse_answer(response, endpoint)
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


class OverpassSource:
    """The PlaceSource of Overpass API servers, tried in the configured order."""

    name = "overpass"

    def __init__(self, client: httpx.Client, settings: Settings) -> None:
        self.client = client
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
