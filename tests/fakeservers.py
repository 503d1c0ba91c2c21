"""Fake Overpass and Nominatim services over real loopback HTTP (standard library only).

``FakeServices`` runs a ``ThreadingHTTPServer`` on 127.0.0.1 (random port) that serves:

- ``/api/interpreter`` (GET ``?data=`` or POST form field ``data``): a small Overpass QL
  evaluator over the elements given with ``add_elements``/``load_overpass_file``;
- ``/api/status``: the plain text in ``status_text``;
- ``/search`` (and ``/search.php``): Nominatim answers registered with ``set_geocode``.
- ``/api/0.6/notes`` (and ``.json``): the OSM API's note creation (POST), kept in ``notes``.

Every request is logged, and failures can be queued with ``fail_next``.
"""

from __future__ import annotations

import copy
import http.server
import json
import math
import random
import re
import socket
import struct
import threading
import time
import traceback
import urllib.parse
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from xml.sax.saxutils import quoteattr

__all__ = [
    "FAILURE_MODES",
    "LYON_DISPLAY_NAME",
    "LYON_LAT",
    "LYON_LON",
    "OVERPASS_COPYRIGHT",
    "PARIS_BOX",
    "FakeServices",
    "OverpassQueryError",
    "RecordedRequest",
    "nominatim_result",
    "run_overpass_query",
    "synthetic_answer",
    "synthetic_elements",
    "write_synthetic_answer",
]

LYON_LAT = 45.74906
LYON_LON = 4.84789
LYON_DISPLAY_NAME = (
    "Lyon, Métropole de Lyon, Rhône, Auvergne-Rhône-Alpes, France métropolitaine, France"
)

OVERPASS_COPYRIGHT = (
    "The data included in this document is from www.openstreetmap.org. "
    "The data is made available under ODbL."
)
DEFAULT_OSM_BASE = "2026-11-20T10:00:00Z"
DEFAULT_REMARK = 'runtime error: Query timed out in "query" at line 3 after 26 seconds.'
DEFAULT_STATUS_TEXT = (
    "Connected as: 2130706433\n"
    "Current time: 2026-11-20T10:00:00Z\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)
NOMINATIM_LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright"

FAILURE_MODES = frozenset(
    {"429", "503", "504", "remark", "html", "truncated", "reset", "slow"}
    | {"raw", "trickle", "gzip", "redirect"}  # hostile answers: see `fail_next`
)

EARTH_RADIUS_M = 6371000.0
_TYPE_ORDER = {"node": 0, "way": 1, "relation": 2}
_TYPE_SELECTORS: dict[str, frozenset[str]] = {
    "node": frozenset({"node"}),
    "way": frozenset({"way"}),
    "relation": frozenset({"relation"}),
    "rel": frozenset({"relation"}),
    "nwr": frozenset({"node", "way", "relation"}),
    "nw": frozenset({"node", "way"}),
    "nr": frozenset({"node", "relation"}),
    "wr": frozenset({"way", "relation"}),
}

Element = dict[str, Any]
Coords = tuple[float, float]


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def nominatim_result(
    name: str,
    lat: float | str,
    lon: float | str,
    display_name: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A plausible Nominatim ``format=jsonv2`` search result; ``extra`` adds or overrides keys."""
    flat, flon = float(lat), float(lon)
    ident = zlib.crc32(f"{name}|{flat}|{flon}".encode())
    result: dict[str, Any] = {
        "place_id": 100_000_000 + ident % 100_000_000,
        "licence": NOMINATIM_LICENCE,
        "osm_type": "relation",
        "osm_id": 1_000 + ident % 1_000_000,
        "lat": str(lat),
        "lon": str(lon),
        "category": "boundary",
        "type": "administrative",
        "place_rank": 16,
        "importance": 0.75,
        "addresstype": "city",
        "name": name,
        "display_name": display_name if display_name is not None else name,
        "boundingbox": [
            f"{flat - 0.05:.7f}",
            f"{flat + 0.05:.7f}",
            f"{flon - 0.05:.7f}",
            f"{flon + 0.05:.7f}",
        ],
    }
    result.update(extra)
    return result


# --------------------------------------------------------------------------------------
# Synthetic Overpass answers (for scale tests and the bench)
# --------------------------------------------------------------------------------------

# A 50 × 50 km box around Paris: (south, west, north, east).
PARIS_BOX = (48.6316, 2.0104, 49.0816, 2.6940)

_KIND_TAGS: list[tuple[int, dict[str, str]]] = [  # (weight, the tags that make the kind)
    (3, {"office": "coworking"}),
    (3, {"amenity": "coworking_space"}),
    (1, {"amenity": "coworking_space", "office": "coworking"}),
    (1, {"leisure": "hackerspace"}),
    (4, {"amenity": "library"}),
    (8, {"amenity": "cafe", "internet_access": "wlan"}),
    (2, {"amenity": "cafe", "internet_access": "yes", "internet_access:fee": "no"}),
]
_KIND_WEIGHTS = [w for w, _ in _KIND_TAGS]
_STREETS = [
    "Rue de Rivoli",
    "Boulevard Voltaire",
    "Rue Oberkampf",
    "Avenue d'Italie",
    "Rue du Faubourg Saint-Antoine",
    "Quai de Valmy",
    "Rue de la Roquette",
]
_CHAINS = [("brand", "Regus"), ("operator", "Spaces"), ("brand", "WeWork"), ("brand", "Starbucks")]
_HOURS = [
    "Mo-Fr 09:00-18:00",
    "Mo-Fr 08:30-19:00; Sa 10:00-17:00",
    "24/7",
    "Mo-Su 07:00-22:00",
    "Tu-Sa 10:00-19:00; PH off",
]


def synthetic_elements(
    n: int, *, seed: int = 0, box: tuple[float, float, float, float] = PARIS_BOX
) -> Iterator[Element]:
    """``n`` Overpass elements (``out center tags`` shape) spread over ``box``, every kind in
    realistic proportions, with the tags real places carry (some names, addresses, contacts,
    hours, check dates, chains, Wi-Fi, wheelchair) — the same ones for the same seed."""
    rng = random.Random(seed)
    south, west, north, east = box
    for i in range(n):
        tags = dict(rng.choices(_KIND_TAGS, _KIND_WEIGHTS)[0][1])
        lat, lon = round(rng.uniform(south, north), 7), round(rng.uniform(west, east), 7)
        if rng.random() < 0.9:
            tags["name"] = f"Lieu {i} {rng.choice(['du Marais', 'des Arts', 'Central', 'Éole'])}"
        if rng.random() < 0.6:
            tags["addr:street"] = rng.choice(_STREETS)
            tags["addr:housenumber"] = str(rng.randint(1, 200))
            tags["addr:postcode"] = f"75{rng.randint(1, 20):03d}"
            tags["addr:city"] = "Paris"
        if rng.random() < 0.4:
            tags[rng.choice(["website", "contact:website"])] = f"https://lieu{i}.example/"
        if rng.random() < 0.3:
            tags[rng.choice(["phone", "contact:phone"])] = f"+33 1 {rng.randint(10, 99)} 00 00 00"
        if rng.random() < 0.1:
            tags["email"] = f"bonjour@lieu{i}.example"
        if rng.random() < 0.25:
            tags["opening_hours"] = rng.choice(_HOURS)
        if rng.random() < 0.2:
            tags["check_date"] = f"20{rng.randint(18, 26)}-{rng.randint(1, 12):02d}-15"
        if rng.random() < 0.05:
            key, value = rng.choice(_CHAINS)
            tags[key] = value
        if rng.random() < 0.3 and "internet_access" not in tags:
            tags["internet_access"] = rng.choice(["yes", "no", "wlan", "wired"])
        if rng.random() < 0.2:
            tags["wheelchair"] = rng.choice(["yes", "limited", "no"])
        if rng.random() < 0.7:
            yield {"type": "node", "id": 1_000_000 + i, "lat": lat, "lon": lon, "tags": tags}
        else:
            etype = "way" if rng.random() < 0.9 else "relation"
            yield {
                "type": etype,
                "id": 1_000_000 + i,
                "center": {"lat": lat, "lon": lon},
                "tags": tags,
            }


def _write_answer(
    out: IO[bytes], elements: Iterable[Element], osm_base: str | None, remark: str | None
) -> int:
    """An Overpass JSON answer laid out as Overpass writes it (one element at a time, the
    remark after the elements); returns the bytes written."""
    osm3s = {"copyright": OVERPASS_COPYRIGHT}
    if osm_base is not None:
        osm3s = {"timestamp_osm_base": osm_base, **osm3s}
    head = {"version": 0.6, "generator": "Overpass API (synthetic)", "osm3s": osm3s}
    size = out.write(json.dumps(head, ensure_ascii=False)[:-1].encode() + b',\n"elements": [\n')
    first = True
    for element in elements:
        text = ("" if first else ",\n") + json.dumps(element, ensure_ascii=False)
        size += out.write(text.encode("utf-8"))
        first = False
    tail = "\n]" + (f',\n"remark": {json.dumps(remark)}' if remark is not None else "") + "\n}\n"
    return size + out.write(tail.encode())


def synthetic_answer(
    n: int,
    *,
    seed: int = 0,
    box: tuple[float, float, float, float] = PARIS_BOX,
    osm_base: str | None = DEFAULT_OSM_BASE,
    remark: str | None = None,
) -> bytes:
    """The body of an Overpass answer with ``synthetic_elements(n, seed=seed, box=box)``."""
    import io

    buffer = io.BytesIO()
    _write_answer(buffer, synthetic_elements(n, seed=seed, box=box), osm_base, remark)
    return buffer.getvalue()


def write_synthetic_answer(
    path: str | Path,
    n: int,
    *,
    seed: int = 0,
    box: tuple[float, float, float, float] = PARIS_BOX,
    osm_base: str | None = DEFAULT_OSM_BASE,
    remark: str | None = None,
) -> int:
    """Write ``synthetic_answer(...)`` to ``path`` element by element (flat memory, so that a
    500k-place answer needs no 250 MB string); returns its size in bytes."""
    with open(path, "wb") as out:
        return _write_answer(out, synthetic_elements(n, seed=seed, box=box), osm_base, remark)


# --------------------------------------------------------------------------------------
# Overpass QL: parsing
# --------------------------------------------------------------------------------------


class OverpassQueryError(ValueError):
    """A query the fake cannot parse (or deliberately does not support); served as HTTP 400."""


TagPredicate = Callable[[dict[str, str]], bool]
SpatialPredicate = Callable[[float, float], bool]


@dataclass
class QueryStatement:
    types: frozenset[str]
    tag_filters: list[TagPredicate] = field(default_factory=list)
    spatial_filters: list[SpatialPredicate] = field(default_factory=list)
    has_bbox: bool = False
    ids: frozenset[int] | None = None
    area_set: str | None = None  # ``(area.a)``: inside the areas of that named set


@dataclass
class AreaStatement:
    """``area[...]->.a;``: the registered areas (``add_area``) whose tags match, as set ``a``."""

    tag_filters: list[TagPredicate]
    name: str


@dataclass
class UnionStatement:
    members: list[QueryStatement | UnionStatement]


@dataclass
class OutStatement:
    modes: frozenset[str]
    limit: int | None = None


Statement = QueryStatement | UnionStatement | OutStatement | AreaStatement


@dataclass
class OverpassProgram:
    settings: dict[str, str]
    statements: list[Statement]
    global_bbox: tuple[float, float, float, float] | None = None


_UNQUOTED = re.compile(r"[\w:.\-]+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OUT_WORDS = frozenset(
    {"ids", "skel", "body", "tags", "meta", "noids", "geom", "bb", "center", "asc", "qt", "count"}
)
_SUPPORTED_SETTINGS = frozenset({"out", "timeout", "maxsize", "bbox"})


def _bbox_predicate(south: float, west: float, north: float, east: float) -> SpatialPredicate:
    def inside(lat: float, lon: float) -> bool:
        if not south <= lat <= north:
            return False
        if west <= east:
            return west <= lon <= east
        return lon >= west or lon <= east  # box crossing the antimeridian

    return inside


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- low level -------------------------------------------------------------------

    def error(self, message: str) -> OverpassQueryError:
        line = self.text.count("\n", 0, self.pos) + 1
        return OverpassQueryError(f"line {line}: parse error: {message}")

    def skip(self) -> None:
        while self.pos < len(self.text):
            if self.text[self.pos].isspace():
                self.pos += 1
            elif self.text.startswith("//", self.pos):
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            elif self.text.startswith("/*", self.pos):
                end = self.text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.error("unterminated comment")
                self.pos = end + 2
            else:
                break

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos : self.pos + 1]

    def accept(self, token: str) -> bool:
        self.skip()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.accept(token):
            found = self.text[self.pos : self.pos + 10] or "end of input"
            raise self.error(f"'{token}' expected - '{found}' found.")

    def regex(self, pattern: re.Pattern[str], what: str) -> str:
        self.skip()
        match = pattern.match(self.text, self.pos)
        if not match:
            raise self.error(f"{what} expected.")
        self.pos = match.end()
        return match.group()

    def number(self) -> float:
        return float(self.regex(_NUMBER, "number"))

    def string(self) -> str:
        """A quoted (with backslash escapes) or a simple unquoted string."""
        self.skip()
        quote = self.text[self.pos : self.pos + 1]
        if quote not in ('"', "'"):
            return self.regex(_UNQUOTED, "string")
        out: list[str] = []
        i = self.pos + 1
        escapes = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}
        while i < len(self.text):
            ch = self.text[i]
            if ch == quote:
                self.pos = i + 1
                return "".join(out)
            if ch == "\\" and i + 1 < len(self.text):
                nxt = self.text[i + 1]
                if nxt == "u" and i + 5 < len(self.text):
                    out.append(chr(int(self.text[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                out.append(escapes.get(nxt, "\\" + nxt))
                i += 2
                continue
            out.append(ch)
            i += 1
        raise self.error("unterminated string")

    def compile_regex(self, pattern: str, ignore_case: bool) -> re.Pattern[str]:
        try:
            return re.compile(pattern, re.IGNORECASE if ignore_case else 0)
        except re.error as exc:
            raise self.error(f"invalid regular expression {pattern!r}: {exc}") from None

    # -- grammar ---------------------------------------------------------------------

    def program(self) -> OverpassProgram:
        settings: dict[str, str] = {}
        global_bbox = None
        if self.peek() == "[":
            while self.accept("["):
                name = self.regex(_WORD, "setting name")
                self.expect(":")
                end = self.text.find("]", self.pos)
                if end < 0:
                    raise self.error("']' expected.")
                value = self.text[self.pos : end].strip()
                self.pos = end + 1
                if name not in _SUPPORTED_SETTINGS:
                    raise self.error(f"setting [{name}:...] is not supported by the fake server")
                settings[name] = value
                if name == "bbox":
                    global_bbox = self._bbox_values(value)
            self.expect(";")
        statements: list[Statement] = []
        while self.peek():
            statements.append(self.statement(top_level=True))
        if not statements:
            raise self.error("empty query")
        return OverpassProgram(settings, statements, global_bbox)

    def _bbox_values(self, value: str) -> tuple[float, float, float, float]:
        try:
            south, west, north, east = (float(part) for part in value.split(","))
        except ValueError:
            raise self.error(f"invalid bbox {value!r}") from None
        if south > north:
            raise self.error("the southern latitude must not exceed the northern latitude")
        return south, west, north, east

    def statement(self, top_level: bool) -> Statement:
        if self.accept("("):
            members: list[QueryStatement | UnionStatement] = []
            while not self.accept(")"):
                if not self.peek():
                    raise self.error("')' expected - end of input found.")
                member = self.statement(top_level=False)
                assert not isinstance(member, OutStatement)
                members.append(member)
            self.expect(";")
            return UnionStatement(members)
        word = self.regex(_WORD, "statement")
        if word == "out":
            if not top_level:
                raise self.error("'out' is not supported inside a union by the fake server")
            return self.out_statement()
        if word == "area" and top_level:
            filters = []
            while self.accept("["):
                filters.append(self.tag_filter())
            self.expect("->")
            self.expect(".")
            name = self.regex(_WORD, "set name")
            self.expect(";")
            return AreaStatement(filters, name)
        if word not in _TYPE_SELECTORS:
            raise self.error(f'Unknown type "{word}"')
        return self.query_statement(_TYPE_SELECTORS[word])

    def out_statement(self) -> OutStatement:
        modes: set[str] = set()
        limit = None
        while not self.accept(";"):
            self.skip()
            if self.peek().isdigit():
                limit = int(self.number())
            elif self.peek() == "(":  # a bbox clipping geom output: irrelevant here
                end = self.text.find(")", self.pos)
                if end < 0:
                    raise self.error("')' expected.")
                self.pos = end + 1
            else:
                word = self.regex(_WORD, "output mode or ';'")
                if word not in _OUT_WORDS:
                    raise self.error(f'Unknown output mode "{word}"')
                modes.add(word)
        return OutStatement(frozenset(modes), limit)

    def query_statement(self, types: frozenset[str]) -> QueryStatement:
        stmt = QueryStatement(types)
        while True:
            if self.accept("["):
                stmt.tag_filters.append(self.tag_filter())
            elif self.accept("("):
                self.paren_filter(stmt)
            else:
                break
        if self.peek() == "-":
            raise self.error("named result sets ('->.x') are not supported by the fake server")
        self.expect(";")
        return stmt

    def tag_filter(self) -> TagPredicate:
        pred: TagPredicate
        if self.accept("!"):
            key = self.string()
            self.expect("]")
            return lambda tags: key not in tags
        if self.accept("~"):
            key_re = self.compile_regex(self.string(), False)
            self.expect("~")
            value_pattern = self.string()
            value_re = self.compile_regex(value_pattern, self._case_flag())
            self.expect("]")
            return lambda tags: any(
                key_re.search(k) is not None and value_re.search(v) is not None
                for k, v in tags.items()
            )
        key = self.string()
        if self.accept("]"):
            return lambda tags: key in tags
        if self.accept("!="):
            value = self.string()
            pred = lambda tags: tags.get(key) != value  # noqa: E731
        elif self.accept("!~"):
            pattern = self.string()
            rx = self.compile_regex(pattern, self._case_flag())
            pred = lambda tags: key not in tags or rx.search(tags[key]) is None  # noqa: E731
        elif self.accept("="):
            value = self.string()
            pred = lambda tags: tags.get(key) == value  # noqa: E731
        elif self.accept("~"):
            pattern = self.string()
            rx = self.compile_regex(pattern, self._case_flag())
            pred = lambda tags: key in tags and rx.search(tags[key]) is not None  # noqa: E731
        else:
            raise self.error("'=', '!=', '~', '!~' or ']' expected.")
        self.expect("]")
        return pred

    def _case_flag(self) -> bool:
        if self.accept(","):
            self.expect("i")
            return True
        return False

    def paren_filter(self, stmt: QueryStatement) -> None:
        self.skip()
        if self.accept("area"):
            self.expect(".")
            stmt.area_set = self.regex(_WORD, "set name")
            self.expect(")")
            return
        if self.accept("around"):
            if self.peek() == ".":
                raise self.error("around on a named set is not supported by the fake server")
            self.expect(":")
            values = [self.number()]
            while self.accept(","):
                values.append(self.number())
            self.expect(")")
            if len(values) != 3:
                raise self.error("the fake server supports only (around:radius,lat,lon)")
            radius, lat, lon = values
            stmt.spatial_filters.append(lambda la, lo: haversine_m(lat, lon, la, lo) <= radius)
            return
        if self.accept("id"):
            self.expect(":")
        elif not (self.peek().isdigit() or self.peek() in "+-."):
            word = self.text[self.pos : self.pos + 12]
            raise self.error(f"filter '({word}...' is not supported by the fake server")
        values = [self.number()]
        while self.accept(","):
            values.append(self.number())
        self.expect(")")
        if len(values) == 4:
            south, west, north, east = values
            if south > north:
                raise self.error("the southern latitude must not exceed the northern latitude")
            stmt.spatial_filters.append(_bbox_predicate(south, west, north, east))
            stmt.has_bbox = True
        elif all(v.is_integer() for v in values):
            ids = frozenset(int(v) for v in values)
            stmt.ids = ids if stmt.ids is None else stmt.ids & ids
        else:
            raise self.error("a bbox needs four values: (south,west,north,east)")


def parse_overpass_query(text: str) -> OverpassProgram:
    return _Parser(text).program()


# --------------------------------------------------------------------------------------
# Overpass QL: evaluation and output
# --------------------------------------------------------------------------------------


def _sort_key(element: Element) -> tuple[int, int]:
    return _TYPE_ORDER.get(str(element.get("type")), 9), int(element.get("id", 0))


class _ElementStore:
    def __init__(self, elements: Iterable[Element]) -> None:
        self.elements = list(elements)
        self.nodes = {e["id"]: e for e in self.elements if e.get("type") == "node"}
        self.area_sets: dict[str, list[tuple[float, float, float, float]]] = {}

    def coords(self, element: Element) -> Coords | None:
        """Node position, or way/relation ``center`` (else the centre of its known nodes' bbox)."""
        if element.get("type") == "node":
            if "lat" in element and "lon" in element:
                return float(element["lat"]), float(element["lon"])
            return None
        center = element.get("center")
        if isinstance(center, dict) and "lat" in center and "lon" in center:
            return float(center["lat"]), float(center["lon"])
        points = [
            (float(n["lat"]), float(n["lon"]))
            for ref in element.get("nodes") or []
            if (n := self.nodes.get(ref)) is not None and "lat" in n and "lon" in n
        ]
        if not points:
            return None
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        return (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2

    def select(
        self,
        stmt: QueryStatement | UnionStatement,
        global_bbox: tuple[float, float, float, float] | None,
    ) -> list[Element]:
        if isinstance(stmt, UnionStatement):
            seen: dict[tuple[str, int], Element] = {}
            for member in stmt.members:
                for element in self.select(member, global_bbox):
                    seen.setdefault((element["type"], element["id"]), element)
            return sorted(seen.values(), key=_sort_key)
        spatial = list(stmt.spatial_filters)
        if stmt.area_set is not None:
            boxes = [_bbox_predicate(*box) for box in self.area_sets.get(stmt.area_set, [])]
            spatial.append(lambda la, lo: any(inside(la, lo) for inside in boxes))
        if global_bbox is not None and not stmt.has_bbox:
            spatial.append(_bbox_predicate(*global_bbox))
        selected = []
        for element in self.elements:
            if element.get("type") not in stmt.types:
                continue
            if stmt.ids is not None and element.get("id") not in stmt.ids:
                continue
            tags = element.get("tags") or {}
            if not all(pred(tags) for pred in stmt.tag_filters):
                continue
            if spatial:
                coords = self.coords(element)
                if coords is None or not all(pred(*coords) for pred in spatial):
                    continue
            selected.append(element)
        return sorted(selected, key=_sort_key)

    def render(self, element: Element, modes: frozenset[str]) -> Element:
        """One output element; ``nodes``/``members``/``geometry`` are never emitted."""
        # Verbosity (default "body"): ids; skel = coords; body = coords + tags; meta = body + meta;
        # tags = tags only.
        detail = next((m for m in ("meta", "body", "skel", "tags", "ids") if m in modes), "body")
        with_tags = detail in ("body", "meta", "tags")
        with_coords = detail in ("skel", "body", "meta") or bool(modes & {"center", "geom", "bb"})
        out: Element = {"type": element["type"]}
        if "noids" not in modes:
            out["id"] = element["id"]
        coords = self.coords(element)
        if element["type"] == "node" and with_coords and coords is not None:
            out["lat"], out["lon"] = coords
        if "meta" in modes:
            for key in ("timestamp", "version", "changeset", "user", "uid"):
                if key in element:
                    out[key] = element[key]
        if element["type"] != "node" and "center" in modes and coords is not None:
            out["center"] = {"lat": coords[0], "lon": coords[1]}
        if with_tags and element.get("tags"):
            out["tags"] = dict(element["tags"])
        return out


def run_overpass_query(
    query: str,
    elements: Iterable[Element],
    areas: Iterable[tuple[dict[str, str], tuple[float, float, float, float]]] = (),
) -> tuple[dict[str, str], list[Element]]:
    """Evaluate ``query`` over ``elements``; returns (global settings, output elements).
    ``areas``: (tags, (south, west, north, east)) of the areas ``area[...]`` can select (an
    area is its bounding box here).

    Raises ``OverpassQueryError`` for a query the fake cannot parse.
    """
    program = parse_overpass_query(query)
    store = _ElementStore(elements)
    areas = list(areas)
    current: list[Element] = []
    output: list[Element] = []
    for stmt in program.statements:
        if isinstance(stmt, AreaStatement):
            store.area_sets[stmt.name] = [
                box for tags, box in areas if all(pred(tags) for pred in stmt.tag_filters)
            ]
        elif isinstance(stmt, OutStatement):
            selected = current[: stmt.limit] if stmt.limit is not None else current
            if "count" in stmt.modes:
                counts = {t: sum(1 for e in selected if e["type"] == t) for t in _TYPE_ORDER}
                output.append(
                    {
                        "type": "count",
                        "id": 0,
                        "tags": {
                            "nodes": str(counts["node"]),
                            "ways": str(counts["way"]),
                            "relations": str(counts["relation"]),
                            "areas": "0",
                            "total": str(len(selected)),
                        },
                    }
                )
            else:
                output.extend(store.render(e, stmt.modes) for e in selected)
        else:
            current = store.select(stmt, program.global_bbox)
    return program.settings, output


def overpass_error_page(message: str) -> str:
    """An HTML error page shaped like the real Overpass API's."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"\n'
        '    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n'
        "<head>\n"
        '  <meta http-equiv="content-type" content="text/html; charset=utf-8" lang="en"/>\n'
        "  <title>OSM3S Response</title>\n"
        "</head>\n<body>\n\n"
        f"<p>{OVERPASS_COPYRIGHT}</p>\n"
        f'<p><strong style="color:#FF0000">Error</strong>: {escape(message, quote=False)} </p>\n\n'
        "</body>\n</html>\n"
    )


def _overpass_xml(elements: list[Element], osm_base: str | None) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="Overpass API (fake)">',
        f"<note>{OVERPASS_COPYRIGHT}</note>",
    ]
    if osm_base is not None:
        lines.append(f"<meta osm_base={quoteattr(osm_base)}/>")
    for element in elements:
        attrs = "".join(
            f" {key}={quoteattr(str(element[key]))}"
            for key in ("id", "lat", "lon")
            if key in element
        )
        inner = []
        if "center" in element:
            c = element["center"]
            inner.append(f'    <center lat="{c["lat"]}" lon="{c["lon"]}"/>')
        for k, v in (element.get("tags") or {}).items():
            inner.append(f"    <tag k={quoteattr(k)} v={quoteattr(str(v))}/>")
        if inner:
            lines.append(f"  <{element['type']}{attrs}>")
            lines.extend(inner)
            lines.append(f"  </{element['type']}>")
        else:
            lines.append(f"  <{element['type']}{attrs}/>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# HTTP server
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request received by the fake server. Header names are lower-cased."""

    method: str
    path: str
    params: dict[str, str]
    body: str
    headers: dict[str, str]
    time: float

    @property
    def form(self) -> dict[str, str]:
        """The body parsed as ``application/x-www-form-urlencoded`` (first value per key)."""
        return _first_values(urllib.parse.parse_qs(self.body, keep_blank_values=True))

    @property
    def overpass_query(self) -> str | None:
        """The Overpass QL text this request carries (``data`` param, form field or raw body)."""
        if "data" in self.params:
            return self.params["data"]
        if not self.body:
            return None
        if "data" in self.form:
            return self.form["data"]
        return self.body


@dataclass
class _Failure:
    mode: str
    path: str
    opts: dict[str, Any]


@dataclass
class _AnswerFile:
    path: Path
    content_type: str
    chunk_size: int
    cut_at: int | None
    pause: float
    chunked: bool = False


@dataclass
class _Response:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _first_values(parsed: dict[str, list[str]]) -> dict[str, str]:
    return {key: values[0] for key, values in parsed.items() if values}


def _json_response(
    payload: Any, status: int = 200, content_type: str = "application/json"
) -> _Response:
    return _Response(status, content_type, json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def _text_response(
    status: int, text: str, content_type: str = "text/plain; charset=utf-8"
) -> _Response:
    return _Response(status, content_type, text.encode("utf-8"))


def _normalise_query(query: str) -> str:
    return " ".join(query.split()).casefold()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    services: FakeServices

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out or hang up are part of the tests


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    server_version = "FakeOSM/1.0"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, delayed ACKs add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        services = self.server.services
        url = urllib.parse.urlsplit(self.path)
        record = RecordedRequest(
            method=self.command,
            path=url.path,
            params=_first_values(urllib.parse.parse_qs(url.query, keep_blank_values=True)),
            body=self._read_body().decode("utf-8", errors="replace"),
            headers={k.lower(): v for k, v in self.headers.items()},
            time=time.time(),
        )
        failure = services._record_and_take_failure(record)
        if failure is not None and failure.mode == "reset":
            self._reset_connection()
            return
        if failure is not None and failure.mode == "slow":
            time.sleep(float(failure.opts.get("delay", 2)))
            failure = None
        if failure is not None and failure.mode == "trickle":
            self._trickle(failure.opts)
            return
        answer_file = services._answer_file
        if failure is None and answer_file is not None and record.path == "/api/interpreter":
            self._send_file(answer_file)
            return
        try:
            response = services._respond(record, failure)
        except Exception:  # a bug in the fake: make it visible to the test
            services.errors.append(traceback.format_exc())
            response = _text_response(500, "fake server error:\n" + traceback.format_exc())
        self._send(response)

    def _send(self, response: _Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def _send_file(self, answer: _AnswerFile) -> None:
        size = answer.path.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", answer.content_type)
        if answer.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        left = size if answer.cut_at is None else min(size, answer.cut_at)
        try:
            with answer.path.open("rb") as source:
                while left > 0:
                    chunk = source.read(min(answer.chunk_size, left))
                    if not chunk:
                        break
                    left -= len(chunk)
                    if answer.chunked:
                        chunk = b"%x\r\n%s\r\n" % (len(chunk), chunk)
                    self.wfile.write(chunk)
                    if answer.pause:
                        self.wfile.flush()
                        time.sleep(answer.pause)
            if answer.chunked and answer.cut_at is None:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client gave up (a deadline, a cap), as it may
            pass
        if answer.cut_at is not None:
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

    def _trickle(self, opts: dict[str, Any]) -> None:
        """A 200 whose body (opt ``headers``: and its status line and headers too) comes one
        byte per ``interval`` seconds: a slow-loris server."""
        body: bytes = opts.get("body", b'{"elements": []}' + b" " * 10_000)
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        if not opts.get("headers"):
            self.wfile.write(head)
            head = b""
        data = head + body
        self.close_connection = True
        try:
            for i in range(len(data)):
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                time.sleep(float(opts.get("interval", 1.0)))
        except OSError:  # the client gave up, as it should
            self.close_connection = True

    def _reset_connection(self) -> None:
        """Close the TCP connection with a RST and no response at all."""
        self.close_connection = True
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # drops the makefile reference so close() really closes the fd
        sock.close()


class FakeServices:
    """Fake Overpass + Nominatim over HTTP on 127.0.0.1. Use ``with FakeServices() as s:``."""

    def __init__(self, osm_base: str | None = DEFAULT_OSM_BASE) -> None:
        self.osm_base: str | None = osm_base
        self.status_text: str = DEFAULT_STATUS_TEXT
        self.errors: list[str] = []  # tracebacks of exceptions raised inside the fake
        self.countrycodes_seen: list[str | None] = []  # ``countrycodes`` of each /search request
        self._elements: dict[tuple[str, int], Element] = {}
        self._geocodes: dict[str, list[dict[str, Any]]] = {}
        self._failures: list[_Failure] = []
        self._answer_file: _AnswerFile | None = None
        self._areas: list[tuple[dict[str, str], tuple[float, float, float, float]]] = []
        self._refuse_span: float | None = None
        self._log: list[RecordedRequest] = []
        self.notes: list[dict[str, str]] = []  # the fields of each OSM note opened (in order)
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeServices:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.services = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeServices:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeServices is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def overpass_url(self) -> str:
        return self.base_url + "/api/interpreter"

    @property
    def nominatim_url(self) -> str:
        return self.base_url

    # -- data ------------------------------------------------------------------------

    def add_elements(self, elements: Iterable[Element]) -> None:
        """Add OSM elements (Overpass JSON); a later element replaces one of same type and id."""
        with self._lock:
            for element in elements:
                key = (str(element["type"]), int(element["id"]))
                self._elements.pop(key, None)
                self._elements[key] = copy.deepcopy(element)

    def load_overpass_file(self, path: str | Path) -> int:
        """Add the elements of an Overpass JSON file; returns how many it holds."""
        elements = json.loads(Path(path).read_text(encoding="utf-8"))["elements"]
        self.add_elements(elements)
        return len(elements)

    def clear_elements(self) -> None:
        with self._lock:
            self._elements.clear()

    def serve_overpass_file(
        self,
        path: str | Path | None,
        *,
        content_type: str = "application/json",
        chunk_size: int = 64 * 1024,
        cut_at: int | None = None,
        pause: float = 0.0,
        chunked: bool = False,
    ) -> None:
        """Answer every Overpass query (whatever it asks) with the bytes of the file at
        ``path``, read and sent ``chunk_size`` bytes at a time, so that a 250 MB answer needs
        no 250 MB in the server. ``cut_at``: the connection is closed after that many bytes
        (the announced Content-Length is the whole file's). ``pause``: seconds slept after each
        chunk (a slow server, to meet a deadline midway). ``chunked``: sent with
        ``Transfer-Encoding: chunked`` and no length, as Overpass streams. ``None`` goes back to evaluating
        queries over the elements. Queued failures (``fail_next``) still come first."""
        with self._lock:
            self._answer_file = (
                None
                if path is None
                else _AnswerFile(Path(path), content_type, chunk_size, cut_at, pause, chunked)
            )

    @property
    def elements(self) -> list[Element]:
        with self._lock:
            return list(self._elements.values())

    def add_area(self, tags: dict[str, str], box: tuple[float, float, float, float]) -> None:
        """An area that ``area[...]`` selects by its tags, e.g. {"ISO3166-1": "FR",
        "admin_level": "2"}; ``(area.a)`` then keeps what lies in ``box`` (south, west,
        north, east)."""
        with self._lock:
            self._areas.append((dict(tags), box))

    def refuse_larger_than(self, degrees: float | None) -> None:
        """Answer an area query (``(area.a)``) with a remark about memory, as a busy Overpass
        does, unless it is cut by a bbox of at most ``degrees`` on each side. None: never."""
        with self._lock:
            self._refuse_span = degrees

    def set_geocode(self, query: str, results: list[dict[str, Any]]) -> None:
        """Answer ``/search?q=<query>`` (case- and whitespace-insensitive) with ``results``."""
        with self._lock:
            self._geocodes[_normalise_query(query)] = copy.deepcopy(results)

    # -- request log -------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def count(self, path_prefix: str | None = None) -> int:
        with self._lock:
            return sum(
                1 for r in self._log if path_prefix is None or r.path.startswith(path_prefix)
            )

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()
            self.countrycodes_seen.clear()

    # -- misbehaviour ------------------------------------------------------------------

    def fail_next(
        self, mode: str, times: int = 1, path: str = "/api/interpreter", **opts: Any
    ) -> None:
        """Queue ``times`` failures of ``mode`` for the next requests whose path starts with
        ``path`` (one failure consumed per matching request, in order).

        Modes: "429" (opt ``retry_after``, default 1; None omits the header), "503", "504",
        "remark" (opt ``body``), "html" (opts ``body``, ``status``), "truncated", "reset",
        "slow" (opt ``delay`` in seconds, default 2). "429"/"503"/"504" also take ``body``.
        Hostile answers: "raw" (opts ``body`` bytes or text, ``status``, ``content_type``,
        ``headers``), "trickle" (opts ``body``, ``interval``: one byte per interval), "gzip"
        (opts ``body``, ``encoding``; default a 64 MB run of zeros, about 64 KB compressed),
        "redirect" (opts ``location``, ``status``).
        """
        if mode not in FAILURE_MODES:
            raise ValueError(
                f"unknown failure mode {mode!r}; expected one of {sorted(FAILURE_MODES)}"
            )
        with self._lock:
            self._failures.extend(_Failure(mode, path, dict(opts)) for _ in range(times))

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    @property
    def pending_failures(self) -> int:
        with self._lock:
            return len(self._failures)

    # -- request handling (called from server threads) -----------------------------------

    def _record_and_take_failure(self, record: RecordedRequest) -> _Failure | None:
        with self._lock:
            self._log.append(record)
            if record.path.startswith("/search"):
                self.countrycodes_seen.append(record.params.get("countrycodes"))
            for i, failure in enumerate(self._failures):
                if record.path.startswith(failure.path):
                    return self._failures.pop(i)
        return None

    def _osm3s(self) -> dict[str, str]:
        osm3s = {"copyright": OVERPASS_COPYRIGHT}
        if self.osm_base is not None:
            osm3s = {"timestamp_osm_base": self.osm_base, **osm3s}
        return osm3s

    def _respond(self, record: RecordedRequest, failure: _Failure | None) -> _Response:
        if failure is None:
            return self._dispatch(record)
        mode, opts = failure.mode, failure.opts
        body = opts.get("body")
        if mode in ("429", "503", "504"):
            reasons = {
                "429": "Too Many Requests",
                "503": "Service Unavailable",
                "504": "Gateway Timeout",
            }
            response = _text_response(
                int(mode), body if body is not None else f"{mode} {reasons[mode]}\n"
            )
            retry_after = opts.get("retry_after", 1 if mode == "429" else None)
            if retry_after is not None:
                response.headers["Retry-After"] = str(retry_after)
            return response
        if mode == "remark":
            if body is not None:
                return _text_response(200, body, "application/json")
            return _json_response(
                {
                    "version": 0.6,
                    "generator": "Overpass API",
                    "osm3s": self._osm3s(),
                    "elements": [],
                    "remark": opts.get("remark", DEFAULT_REMARK),
                }
            )
        if mode == "html":
            if body is None:
                body = (
                    overpass_error_page(
                        "runtime error: open64: 0 Success /osm3s_osm_base "
                        "Dispatcher_Client::request_read_and_idx::timeout. "
                        "The server is probably too busy to handle your request."
                    )
                    if record.path.startswith("/api/")
                    else "<html><head><title>Bandwidth limit exceeded</title></head>"
                    "<body><h1>Bandwidth limit exceeded</h1></body></html>\n"
                )
            return _text_response(int(opts.get("status", 200)), body, "text/html; charset=utf-8")
        if mode == "raw":
            raw = body if isinstance(body, bytes) else str(body or "").encode("utf-8")
            ctype = str(opts.get("content_type", "application/json"))
            return _Response(
                int(opts.get("status", 200)), ctype, raw, dict(opts.get("headers", {}))
            )
        if mode == "gzip":  # opt ``body``: the bytes to compress (default: 64 MB of zeros)
            import gzip

            plain = body if isinstance(body, bytes) else b"\0" * (64 * 1024 * 1024)
            return _Response(
                200,
                str(opts.get("content_type", "application/json")),
                gzip.compress(plain, compresslevel=9),
                {"Content-Encoding": str(opts.get("encoding", "gzip"))},
            )
        if mode == "redirect":  # opts ``location``, ``status`` (default 307)
            return _Response(
                int(opts.get("status", 307)),
                "text/plain",
                b"moved\n",
                {"Location": str(opts["location"])},
            )
        if mode == "truncated":
            response = self._dispatch(record)
            response.body = response.body[: max(1, len(response.body) // 2)]
            return response
        raise AssertionError(f"unhandled failure mode {mode}")

    def _dispatch(self, record: RecordedRequest) -> _Response:
        if record.path == "/api/interpreter":
            return self._overpass(record)
        if record.path == "/api/status":
            return _text_response(200, self.status_text)
        if record.path in ("/search", "/search.php"):
            return self._nominatim_search(record)
        if record.path in ("/api/0.6/notes", "/api/0.6/notes.json"):
            return self._osm_note(record)
        return _text_response(404, f"404 Not Found: {record.path}\n")

    def _overpass(self, record: RecordedRequest) -> _Response:
        if record.method not in ("GET", "POST"):
            return _text_response(405, "method not allowed\n")
        query = record.overpass_query
        if not query or not query.strip():
            return _text_response(
                400,
                overpass_error_page("line 1: parse error: empty query"),
                "text/html; charset=utf-8",
            )
        with self._lock:
            areas, span = list(self._areas), self._refuse_span
        if span is not None and "(area." in query and _too_big(query, span):
            return _json_response(
                {
                    "version": 0.6,
                    "generator": "Overpass API (fake)",
                    "osm3s": self._osm3s(),
                    "elements": [],
                    "remark": "runtime error: Query run out of memory using about 2048 MB of RAM.",
                }
            )
        try:
            settings, elements = run_overpass_query(query, self.elements, areas)
        except OverpassQueryError as exc:
            return _text_response(400, overpass_error_page(str(exc)), "text/html; charset=utf-8")
        out_format = settings.get("out", "xml")
        if out_format == "xml":
            return _text_response(
                200, _overpass_xml(elements, self.osm_base), "application/osm3s+xml"
            )
        if out_format != "json":
            return _text_response(
                400,
                overpass_error_page(f"[out:{out_format}] is not supported by the fake server"),
                "text/html; charset=utf-8",
            )
        return _json_response(
            {
                "version": 0.6,
                "generator": "Overpass API (fake)",
                "osm3s": self._osm3s(),
                "elements": elements,
            }
        )

    def _nominatim_search(self, record: RecordedRequest) -> _Response:
        params = record.params
        fmt = params.get("format", "jsonv2")
        if fmt not in ("json", "jsonv2"):
            return _json_response(
                {
                    "error": {
                        "code": 400,
                        "message": f"format={fmt} is not supported by the fake server",
                    }
                },
                400,
            )
        query = params.get("q")
        if query is None:
            structured = [
                params[k]
                for k in ("amenity", "street", "city", "county", "state", "country", "postalcode")
                if params.get(k)
            ]
            if not structured:
                return _json_response(
                    {"error": {"code": 400, "message": "Nothing to search for."}}, 400
                )
            query = ", ".join(structured)
        with self._lock:
            results = copy.deepcopy(self._geocodes.get(_normalise_query(query), []))
        countrycodes = params.get("countrycodes")
        if countrycodes:
            wanted = {c.strip().lower() for c in countrycodes.split(",") if c.strip()}
            results = [r for r in results if _country_code(r) in (None, *wanted)]
        try:
            limit = max(1, min(40, int(params.get("limit", "10"))))
        except ValueError:
            limit = 10
        return _json_response(results[:limit], content_type="application/json; charset=utf-8")

    @property
    def osm_api_url(self) -> str:
        """The base of the fake OSM API (``<base>/api/0.6/notes[.json]``)."""
        return self.base_url

    def _osm_note(self, record: RecordedRequest) -> _Response:
        """``POST /api/0.6/notes[.json]`` as the OSM API answers it: ``lat``, ``lon`` and
        ``text`` from the query or the form; plain-text 400 errors; the new note as a GeoJSON
        Feature (``.json``) or OSM XML. Each note opened is kept in ``notes`` and numbered
        from 4001."""
        if record.method != "POST":
            return _text_response(405, "")
        fields = {**record.params, **record.form}
        for name in ("lat", "lon"):
            if name not in fields:
                return _text_response(400, f"No {name} was given")
        if not fields.get("text", "").strip():
            return _text_response(400, "No text was given")
        try:
            lat, lon = float(fields["lat"]), float(fields["lon"])
        except ValueError:
            return _text_response(400, "lat was not a number")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return _text_response(400, "The note is outside this world")
        if len(fields["text"]) > 2000:
            return _text_response(400, "Body is too long (maximum is 2000 characters)")
        with self._lock:
            self.notes.append(fields)
            note_id = 4000 + len(self.notes)
        url = f"{self.base_url}/api/0.6/notes/{note_id}"
        if record.path.endswith(".json"):
            return _json_response(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {
                        "id": note_id,
                        "url": url + ".json",
                        "comment_url": url + "/comment.json",
                        "close_url": url + "/close.json",
                        "date_created": "2026-12-02 10:00:00 UTC",
                        "status": "open",
                        "comments": [
                            {
                                "date": "2026-12-02 10:00:00 UTC",
                                "action": "opened",
                                "text": fields["text"],
                                "html": f"<p>{escape(fields['text'])}</p>",
                            }
                        ],
                    },
                }
            )
        return _text_response(
            200,
            f'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">'
            f'<note lon="{lon}" lat="{lat}"><id>{note_id}</id><url>{url}</url>'
            f"<status>open</status></note></osm>\n",
            "application/xml; charset=utf-8",
        )


_AREA_BBOX = re.compile(r"\(area\.\w+\)\(\s*([-\d.]+),\s*([-\d.]+),\s*([-\d.]+),\s*([-\d.]+)\)")


def _too_big(query: str, span: float) -> bool:
    """Whether some area clause of the query is not cut by a bbox of at most `span` degrees."""
    clauses = query.count("(area.")
    boxes = [tuple(float(v) for v in m.groups()) for m in _AREA_BBOX.finditer(query)]
    if len(boxes) < clauses:
        return True
    return any(n - s > span or e - w > span for s, w, n, e in boxes)


def _country_code(result: dict[str, Any]) -> str | None:
    """The result's country code when it carries one (``address.country_code``)."""
    address = result.get("address")
    if isinstance(address, dict) and isinstance(address.get("country_code"), str):
        return str(address["country_code"]).lower()
    return None
