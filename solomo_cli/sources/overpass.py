"""Overpass API: one union query per area for every selected kind, endpoints tried in order,
and answers checked before anything is stored (a 200 with a `remark` is a failure)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from solomo_cli.errors import BadResponse, QueryFailed, Remedy, ServiceError
from solomo_cli.kinds import KINDS
from solomo_cli.model import Place
from solomo_cli.net import host_of, send
from solomo_cli.notify import Notify
from solomo_cli.sources.osm import element_to_place

SERVER_TIMEOUT_S = 90


def build_query(lat: float, lon: float, radius_m: float, kinds: Sequence[str]) -> str:
    around = f"(around:{int(round(radius_m))},{lat:.6f},{lon:.6f})"
    lines = [f"nwr{tag_filter}{around};" for kind in kinds for tag_filter in KINDS[kind].filters]
    return (
        f"[out:json][timeout:{SERVER_TIMEOUT_S}];\n(\n"
        + "\n".join(lines)
        + "\n);\nout center tags;"
    )


@dataclass
class Answer:
    places: list[Place]
    osm_base: str | None
    endpoint: str


_HTML_ERROR = re.compile(r"<strong[^>]*>\s*Error\s*</strong>\s*:?\s*(.*?)</p>", re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")


def parse_answer(response: httpx.Response, endpoint: str) -> Answer:
    host = host_of(endpoint)
    body = response.content
    ctype = response.headers.get("content-type", "")
    if "html" in ctype or body.lstrip()[:1] == b"<":
        text = body.decode("utf-8", "replace")
        found = _HTML_ERROR.search(text)
        detail = _TAGS.sub("", found.group(1)).strip()[:200] if found else "no data"
        raise BadResponse(f"Overpass at {host} sent an HTML page instead of data: {detail}")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise BadResponse(
            f"Overpass at {host} sent a truncated or invalid JSON answer",
            hint="try again later, or use another server (SOLOMO_OVERPASS_URL)",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise BadResponse(f"Overpass at {host} sent JSON without an element list")
    if data.get("remark"):
        # Timeouts and out-of-memory come back as 200 + remark with missing elements.
        raise QueryFailed(
            f"Overpass at {host} could not complete the query: {str(data['remark'])[:200]}",
            hint="try again later",
            remedies=[Remedy.SMALLER_AREA],
        )
    osm3s = data.get("osm3s")
    osm3s = osm3s if isinstance(osm3s, dict) else {}
    places = [p for p in map(element_to_place, data["elements"]) if isinstance(p, Place)]
    base = osm3s.get("timestamp_osm_base")
    return Answer(places, str(base) if base else None, endpoint)


def fetch(
    client: httpx.Client,
    endpoints: Sequence[str],
    lat: float,
    lon: float,
    radius_m: float,
    kinds: Sequence[str],
    notify: Notify | None = None,
) -> Answer:
    """Ask each endpoint in turn until one gives a complete answer."""
    query = build_query(lat, lon, radius_m, kinds)
    errors: list[ServiceError] = []
    for endpoint in endpoints:
        try:
            response = send(
                client, "POST", endpoint, service="Overpass", notify=notify, data={"data": query}
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
    )
