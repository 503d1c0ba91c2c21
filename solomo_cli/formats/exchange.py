"""The user's data in and out: CSV for spreadsheets, JSON for scripts, GeoJSON for maps, vCard 4.0
for address books; imports of solomo's own CSV/JSON/GeoJSON exports (lossless: a round trip
gives the same records) and of Google Maps' "Saved Places.json".

An import is read and validated whole, then written in one transaction: a bad file changes
nothing, and importing the same file twice adds nothing the second time."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from solomo_cli import __version__
from solomo_cli.boundary import clean
from solomo_cli.errors import Remedy, UsageError
from solomo_cli.kinds import SAVED_KIND
from solomo_cli.model import Place
from solomo_cli.mydata.base import clean_tag, now_utc, parse_day, source_of
from solomo_cli.mydata.contacts import Contact, Encounter
from solomo_cli.mydata.store import UserData
from solomo_cli.mydata.visits import Note, Totals, Visit

OSM_LICENSE = "Data © OpenStreetMap contributors, available under the Open Database License (ODbL)"
WHAT = ("places", "visits", "contacts")
FORMATS = {
    "places": ("csv", "json", "geojson"),
    "visits": ("csv", "json", "geojson"),
    "contacts": ("csv", "json", "vcard"),
}
SUFFIXES = {
    ".csv": "csv",
    ".json": "json",
    ".geojson": "geojson",
    ".vcf": "vcard",
    ".vcard": "vcard",
}

PLACE_FIELDS = [
    "id",
    "name",
    "kind",
    "lat",
    "lon",
    "address",
    "website",
    "phone",
    "email",
    "opening_hours",
    "url",
    "source",
    "seen_at",
    "my_rating",
    "visits",
    "last_visit",
    "notes",
    "tags",
    "attribution",
]
VISIT_FIELDS = [
    "id",
    "uid",
    "date",
    "place_id",
    "place_name",
    "kind",
    "lat",
    "lon",
    "address",
    "rating",
    "note",
    "cost",
    "currency",
    "created_at",
    "url",
    "attribution",
]
CONTACT_FIELDS = [
    "id",
    "uid",
    "name",
    "org",
    "email",
    "phone",
    "tags",
    "note",
    "created_at",
    "updated_at",
    "last_seen",
    "encounters",
    "attribution",
]
_USER_TEXT = {"note"}  # the user's own words: line breaks kept in CSV

# -- records (shared by exports and the --format json of log, show and contact) ------------


def place_url(place: Place) -> str | None:
    if source_of(place.id) == "osm":
        return f"https://www.openstreetmap.org/{place.id}"
    return place.tags.get("google_maps_url")


def _attribution(place: Place | None) -> str | None:
    return OSM_LICENSE if place is not None and source_of(place.id) == "osm" else None


def place_record(
    place: Place, *, seen_at: str | None, visits: Sequence[Visit] = (), notes: Sequence[Note] = ()
) -> dict[str, Any]:
    rated = [v.rating for v in visits if v.rating]
    return {
        "id": place.id,
        "name": place.name,
        "kind": place.kind,
        "lat": place.lat,
        "lon": place.lon,
        "address": place.address,
        "website": place.website,
        "phone": place.phone,
        "email": place.email,
        "opening_hours": place.opening_hours,
        "url": place_url(place),
        "source": source_of(place.id),
        "seen_at": seen_at,
        "my_rating": round(sum(rated) / len(rated), 1) if rated else None,
        "visits": len(visits),
        "last_visit": max((v.day for v in visits), default=None),
        "notes": [{"uid": n.uid, "created_at": n.created_at, "text": n.text} for n in notes],
        "tags": place.tags,
        "attribution": _attribution(place),
    }


def visit_record(v: Visit) -> dict[str, Any]:
    return {
        "id": v.id,
        "uid": v.uid,
        "date": v.day,
        "place_id": v.place.id,
        "place_name": v.place.name,
        "kind": v.place.kind,
        "lat": v.place.lat,
        "lon": v.place.lon,
        "address": v.place.address,
        "rating": v.rating,
        "note": v.note,
        "cost": v.cost,
        "currency": v.currency,
        "created_at": v.created_at,
        "url": place_url(v.place),
        "attribution": _attribution(v.place),
    }


def encounter_record(e: Encounter) -> dict[str, Any]:
    p = e.place
    return {
        "uid": e.uid,
        "date": e.day,
        "place_id": p.id if p else None,
        "place_name": p.name if p else None,
        "kind": p.kind if p else None,
        "lat": p.lat if p else None,
        "lon": p.lon if p else None,
        "address": p.address if p else None,
        "note": e.note,
        "created_at": e.created_at,
    }


def contact_record(c: Contact) -> dict[str, Any]:
    osm = any(e.place is not None and source_of(e.place.id) == "osm" for e in c.encounters)
    record = {
        "id": c.id,
        "uid": c.uid,
        "name": c.name,
        "org": c.org,
        "email": c.email,
        "phone": c.phone,
        "tags": list(c.tags),
        "note": c.note,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "last_seen": c.last_seen,
        "encounters": [encounter_record(e) for e in c.encounters],
        "attribution": OSM_LICENSE if osm else None,
    }
    if c.distance_m is not None:
        record["distance_m"] = int(round(c.distance_m))
    return record


def _money(cost: dict[str, Decimal]) -> dict[str, str]:
    return {cur: str(amount) for cur, amount in sorted(cost.items())}


def totals_record(t: Totals) -> dict[str, Any]:
    return {
        "days": t.days,
        "visits": t.visits,
        "cost": _money(t.cost),
        "by_place": [
            {
                "place_id": r["place"].id,
                "name": r["place"].name,
                "days": r["days"],
                "visits": r["visits"],
                "cost": _money(r["cost"]),
            }
            for r in t.by_place
        ],
        "by_month": [
            {
                "month": r["month"],
                "days": r["days"],
                "visits": r["visits"],
                "cost": _money(r["cost"]),
            }
            for r in t.by_month
        ],
    }


# -- writing ---------------------------------------------------------------------------------

# Characters that JSON leaves raw but a terminal may act on (C1 controls, bidi overrides):
# written as \u escapes, which every JSON reader turns back into the same text.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%", "'")


def dumps(value: Any, *, compact: bool = False) -> str:
    if compact:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def csv_cell(value: Any, *, lines: bool = False) -> Any:
    """`sanitize.csv_cell`, made exactly reversible: a leading quote is quoted too, so import
    removes one quote and gets the original; the user's own notes keep their line breaks."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, (dict, list)):
        return dumps(value, compact=True) if value else ""
    text = "\n".join(clean(line) for line in str(value).split("\n")) if lines else clean(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def uncell(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def to_csv(rows: Iterable[dict[str, Any]], fields: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        flat = dict(row)
        if isinstance(flat.get("tags"), list):  # a contact's tags: readable in a spreadsheet
            flat["tags"] = ", ".join(flat["tags"])
        writer.writerow([csv_cell(flat.get(k), lines=k in _USER_TEXT) for k in fields])
    return out.getvalue()


def _wrap(what: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "solomo_export": what,
        "version": 1,
        "generator": f"solomo {__version__}",
        "exported_at": now_utc(),
        "attribution": OSM_LICENSE,
        what: items,
    }


def to_geojson(what: str, items: list[dict[str, Any]]) -> str:
    features = [
        {
            "type": "Feature",
            "id": item["id"],
            "geometry": {"type": "Point", "coordinates": [item["lon"], item["lat"]]},
            "properties": {k: v for k, v in item.items() if k not in ("lat", "lon")},
        }
        for item in items
    ]
    collection = {
        "type": "FeatureCollection",
        "solomo_export": what,
        "version": 1,
        "attribution": OSM_LICENSE,
        "features": features,
    }
    return dumps(collection)


def export_format(path: str | None, fmt: str | None, what: str) -> str:
    """The format asked (--format), else the file's extension."""
    if what not in FORMATS:
        raise UsageError(f"cannot export {what!r}", hint=f"choose among {', '.join(WHAT)}")
    if fmt is None:
        suffix = Path(path or "").suffix.lower()
        fmt = SUFFIXES.get(suffix)
        if fmt is None:
            raise UsageError(
                f"cannot tell the format from {path!r}",
                hint=f"name the file .csv, .json, .geojson or .vcf ({', '.join(FORMATS[what])})",
                remedies=[Remedy.FORMAT],
            )
    if fmt not in FORMATS[what]:
        raise UsageError(
            f"{what} cannot be exported as {fmt}", hint=f"choose among {', '.join(FORMATS[what])}"
        )
    return fmt


def export(user: UserData, what: str, fmt: str) -> tuple[str, int]:
    """(file text, number of records)."""
    if what == "places":
        visits, notes = user.visits(), user.notes()
        items = [
            place_record(
                p,
                seen_at=user.seen_at(p.id) or None,
                visits=[v for v in visits if v.place.id == p.id],
                notes=[n for n in notes if n.place_id == p.id],
            )
            for p in user.places()
        ]
        fields = PLACE_FIELDS
    elif what == "visits":
        items = [visit_record(v) for v in user.visits()]
        fields = VISIT_FIELDS
    else:
        items = [contact_record(c) for c in user.contacts()]
        fields = CONTACT_FIELDS
    if fmt == "csv":
        return to_csv(items, fields), len(items)
    if fmt == "geojson":
        return to_geojson(what, items), len(items)
    if fmt == "vcard":
        return "".join(vcard(c) for c in user.contacts()), len(items)
    return dumps(_wrap(what, items)), len(items)


# -- vCard 4.0 (RFC 6350) --------------------------------------------------------------------


def vcard_escape(text: str) -> str:
    """A TEXT value: backslash, comma, semicolon and newline escaped (RFC 6350 §3.4)."""
    lines = [clean(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    value = "\n".join(lines)
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def fold_line(line: str, limit: int = 75) -> str:
    """Content lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8
    character (RFC 6350 §3.2)."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def _stamp(iso: str) -> str:
    return iso.replace("-", "").replace(":", "")


def vcard(c: Contact) -> str:
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"PRODID:-//solomo//solomo {__version__}//EN",
        f"UID:urn:uuid:{c.uid}",
        f"FN:{vcard_escape(c.name)}",
    ]
    if c.org:
        lines.append(f"ORG:{vcard_escape(c.org)}")
    if c.email:
        lines.append(f"EMAIL:{vcard_escape(c.email)}")
    if c.phone:
        lines.append(f"TEL;VALUE=text:{vcard_escape(c.phone)}")
    if c.tags:
        lines.append("CATEGORIES:" + ",".join(vcard_escape(t) for t in c.tags))
    met = [
        f"Met {e.day}"
        + (f" at {e.place.display_name}" if e.place else "")
        + (f": {e.note}" if e.note else "")
        for e in c.encounters
    ]
    note = "\n".join(part for part in [c.note or "", *met] if part)
    if note:
        lines.append(f"NOTE:{vcard_escape(note)}")
    lines.append(f"REV:{_stamp(c.updated_at)}")
    lines.append("END:VCARD")
    return "".join(fold_line(line) + "\r\n" for line in lines)


# -- reading ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    source: str  # "places", "visits", "contacts" (solomo exports) or "google"
    fmt: str
    added: dict[str, int] = field(default_factory=dict)
    known: dict[str, int] = field(default_factory=dict)  # already here: left as they were
    ignored: int = 0  # records with nothing usable (Google places without a location)

    def count(self, table: str, new: bool) -> None:
        bucket = self.added if new else self.known
        bucket[table] = bucket.get(table, 0) + 1


class BadRecord(Exception):
    pass


def _text(rec: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = rec.get(key)
    if value is None or value == "":
        if required:
            raise BadRecord(f"{key} is missing")
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{key} should be text, not {value!r}")
    return value


def _number(rec: dict[str, Any], key: str, low: float, high: float) -> float:
    value = rec.get(key)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadRecord(f"{key} should be a number, not {value!r}") from None
    if not low <= number <= high:
        raise BadRecord(f"{key} {number} is out of range")
    return number


def _int(rec: dict[str, Any], key: str) -> int | None:
    value = rec.get(key)
    if value is None or value == "":
        return None
    try:
        if isinstance(value, float) or isinstance(value, bool):
            raise ValueError
        return int(value)
    except (TypeError, ValueError):
        raise BadRecord(f"{key} should be a whole number, not {value!r}") from None


def _day(rec: dict[str, Any], key: str = "date") -> str:
    value = _text(rec, key, required=True) or ""
    try:
        return parse_day(value)
    except UsageError:
        raise BadRecord(f"bad {key} {value!r} (YYYY-MM-DD)") from None


def _json_value(rec: dict[str, Any], key: str, kind: type) -> Any:
    value = rec.get(key)
    if value is None or value == "":
        return kind()
    if isinstance(value, str):  # CSV: JSON in a cell
        try:
            value = json.loads(value)
        except ValueError:
            raise BadRecord(f"{key} is not valid JSON") from None
    if not isinstance(value, kind):
        raise BadRecord(f"{key} should be a JSON {kind.__name__}")
    return value


def _place_id(rec: dict[str, Any], key: str) -> str:
    value = _text(rec, key, required=True) or ""
    if "/" not in value or any(c.isspace() for c in value):
        raise BadRecord(f"bad place id {value!r}")
    return value


def _stub(rec: dict[str, Any], id_key: str, name_key: str) -> Place:
    """The place a visit or an encounter record points at, from the fields it carries."""
    name, address = _text(rec, name_key), _text(rec, "address")
    tags = {k: v for k, v in (("name", name), ("addr:full", address)) if v}
    return Place(
        _place_id(rec, id_key),
        name,
        _text(rec, "kind") or SAVED_KIND,
        _number(rec, "lat", -90, 90),
        _number(rec, "lon", -180, 180),
        tags,
    )


def _read_place(rec: dict[str, Any]) -> tuple[Place, str, list[dict[str, str]]]:
    tags = {str(k): str(v) for k, v in _json_value(rec, "tags", dict).items()}
    name = _text(rec, "name")
    if name is not None and tags.get("name") is not None and clean(tags["name"]) == name:
        name = tags["name"]  # the CSV cell is the cleaned form of the exact tag
    place = Place(
        _place_id(rec, "id"),
        name,
        _text(rec, "kind", required=True) or "",
        _number(rec, "lat", -90, 90),
        _number(rec, "lon", -180, 180),
        tags,
    )
    notes = []
    for note in _json_value(rec, "notes", list):
        if not isinstance(note, dict):
            raise BadRecord("notes should be a list of objects")
        notes.append(
            {
                "uid": _text(note, "uid", True) or "",
                "created_at": _text(note, "created_at", True) or "",
                "text": _text(note, "text", True) or "",
            }
        )
    return place, _text(rec, "seen_at") or "", notes


def _cost(rec: dict[str, Any]) -> str | None:
    value = rec.get("cost")
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise BadRecord(f"bad cost {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise BadRecord(f"bad cost {value!r}")
    return str(value)


def _read_visit(rec: dict[str, Any]) -> tuple[Place, dict[str, Any]]:
    rating = _int(rec, "rating")
    if rating is not None and not 1 <= rating <= 5:
        raise BadRecord(f"bad rating {rating} (1 to 5)")
    place = _stub(rec, "place_id", "place_name")
    return place, {
        "id": _int(rec, "id"),
        "uid": _text(rec, "uid", True),
        "place_id": place.id,
        "day": _day(rec),
        "rating": rating,
        "note": _text(rec, "note"),
        "cost": _cost(rec),
        "currency": _text(rec, "currency"),
        "created_at": _text(rec, "created_at") or now_utc(),
    }


def _read_contact(rec: dict[str, Any]) -> dict[str, Any]:
    tags = rec.get("tags")
    if isinstance(tags, str):
        tags = [t for t in (p.strip() for p in tags.split(",")) if t]
    if not isinstance(tags or [], list):
        raise BadRecord("tags should be a list")
    try:
        tags = [clean_tag(str(t)) for t in tags or []]
    except UsageError as exc:
        raise BadRecord(exc.message) from None
    encounters = []
    for enc in _json_value(rec, "encounters", list):
        if not isinstance(enc, dict):
            raise BadRecord("encounters should be a list of objects")
        place = _stub(enc, "place_id", "place_name") if enc.get("place_id") else None
        encounters.append(
            (
                place,
                {
                    "uid": _text(enc, "uid", True),
                    "day": _day(enc),
                    "note": _text(enc, "note"),
                    "created_at": _text(enc, "created_at") or now_utc(),
                },
            )
        )
    now = now_utc()
    return {
        "id": _int(rec, "id"),
        "uid": _text(rec, "uid", True),
        "name": _text(rec, "name", True),
        "org": _text(rec, "org"),
        "email": _text(rec, "email"),
        "phone": _text(rec, "phone"),
        "note": _text(rec, "note"),
        "created_at": _text(rec, "created_at") or now,
        "updated_at": _text(rec, "updated_at") or now,
        "tags": tags,
        "encounters": encounters,
    }


def _google_place(feature: Any) -> tuple[Place, str] | None:
    """One feature of Google Takeout's Saved Places (2023+ `location` form, or the older
    `Location`/`Title` form); None when Google gave no location."""
    if not isinstance(feature, dict):
        raise BadRecord("a feature should be an object")
    props = feature.get("properties") or {}
    coords = (feature.get("geometry") or {}).get("coordinates")
    loc = props.get("location") or props.get("Location") or {}
    if not isinstance(props, dict) or not isinstance(loc, dict):
        raise BadRecord("unexpected properties")
    geo = loc.get("Geo Coordinates") or {}
    try:
        if geo:
            lat, lon = float(geo["Latitude"]), float(geo["Longitude"])
        else:
            lon, lat = float(coords[0]), float(coords[1])  # type: ignore[index]
    except (TypeError, KeyError, ValueError, IndexError):
        return None
    if (lat, lon) == (0.0, 0.0) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None

    def text(value: Any) -> str | None:
        return str(value) if value not in (None, "") else None

    address = text(loc.get("address") or loc.get("Address"))
    name = text(loc.get("name") or loc.get("Business Name") or props.get("Title"))
    name = name or (address.split(",")[0] if address else None)
    url = text(props.get("google_maps_url") or props.get("Google Maps URL"))
    query = parse_qs(urlsplit(url).query) if url else {}
    found = query.get("cid") or query.get("ftid")
    # Same place, same id: importing the file again finds what it imported before.
    key = (
        found[0] if found else hashlib.sha1(f"{name}|{lat:.6f}|{lon:.6f}".encode()).hexdigest()[:16]
    )
    tags = {
        k: str(v)
        for k, v in (
            ("name", name),
            ("addr:full", address),
            ("addr:country", loc.get("country_code") or loc.get("Country Code")),
            ("google_maps_url", url),
        )
        if v
    }
    seen = props.get("date") or props.get("Updated") or props.get("Published") or now_utc()
    return Place(f"google/{key}", name, SAVED_KIND, lat, lon, tags), str(seen)


def _rows(items: Any, what: str, where: str, read: Callable[[dict[str, Any]], Any]) -> list[Any]:
    if not isinstance(items, list):
        raise UsageError(f"{where}: '{what}' should be a list")
    parsed = []
    for number, rec in enumerate(items, 1):
        try:
            if not isinstance(rec, dict):
                raise BadRecord("not an object")
            parsed.append(read(rec))
        except BadRecord as exc:
            raise UsageError(
                f"{where}, {what} record {number}: {exc}",
                hint="nothing was imported; fix the file and try again",
            ) from None
    return parsed


def _csv_records(text: str, where: str) -> tuple[str, list[dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = set(reader.fieldnames or [])
    if {"date", "place_id", "uid"} <= header:
        what = "visits"
    elif {"name", "encounters", "uid"} <= header:
        what = "contacts"
    elif {"id", "tags", "seen_at"} <= header:
        what = "places"
    else:
        raise UsageError(
            f"{where} is not a solomo export",
            hint="solomo imports its own CSV/JSON exports and Google's Saved Places.json",
        )
    try:
        rows = [
            {k: uncell(v) if isinstance(v, str) else v for k, v in row.items() if k}
            for row in reader
        ]
    except csv.Error as exc:
        raise UsageError(f"{where} is not valid CSV: {exc}") from None
    return what, rows


def _detect(text: str, fmt: str | None, where: str) -> tuple[str, str, Any]:
    """(what, format, payload) of an import file."""
    stripped = text.lstrip()
    if fmt == "vcard" or stripped[:11].upper() == "BEGIN:VCARD":
        raise UsageError(
            "solomo does not import vCards",
            hint="to move contacts between machines, export and import them as JSON or CSV",
        )
    if fmt in (None, "json", "geojson") and stripped[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UsageError(
                f"{where} is not valid JSON: {exc}", hint="nothing was imported"
            ) from None
        if isinstance(data, dict) and data.get("solomo_export") in WHAT:
            what = data["solomo_export"]
            if data.get("type") == "FeatureCollection":
                return what, "geojson", data
            return what, "json", data
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            return "google", "geojson", data
        raise UsageError(f"{where} is neither a solomo export nor a Google Saved Places file")
    if fmt in (None, "csv"):
        what, rows = _csv_records(text, where)
        return what, "csv", rows
    raise UsageError(f"{where} is not {fmt}")


def read_import(path: Path, fmt: str | None = None) -> tuple[str, str, list[Any]]:
    """Read and validate a whole file: (what, format, parsed records). Writes nothing."""
    where = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {where}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(
            f"{where} is not UTF-8 text",
            hint="solomo imports its own exports and Google's Saved Places.json",
        ) from None
    what, fmt, payload = _detect(text, fmt, where)
    if what == "google":
        features = payload.get("features")
        return what, fmt, _rows(features, "features", where, lambda f: _google_place(f))
    if fmt == "geojson":
        features = payload.get("features")
        if not isinstance(features, list):
            raise UsageError(f"{where}: 'features' should be a list")
        items = []
        for feature in features:
            props = dict((feature or {}).get("properties") or {})
            coords = ((feature or {}).get("geometry") or {}).get("coordinates") or [None, None]
            props["lon"], props["lat"] = (list(coords) + [None, None])[:2]
            items.append(props)
    elif fmt == "json":
        items = payload.get(what)
    else:
        items = payload
    reader = {"places": _read_place, "visits": _read_visit, "contacts": _read_contact}[what]
    return what, fmt, _rows(items, what, where, reader)


def import_file(user: UserData, path: Path, fmt: str | None = None) -> ImportReport:
    what, fmt, records = read_import(path, fmt)
    report = ImportReport(what, fmt)
    with user.write():
        _write(user, what, records, report)
    return report


def _write(user: UserData, what: str, records: list[Any], report: ImportReport) -> None:
    if what == "google":
        for found in records:
            if found is None:
                report.ignored += 1
                continue
            place, seen = found
            report.count("places", user.place(place.id) is None)
            user.remember(place, seen_at=seen)
    elif what == "places":
        for place, seen, notes in records:
            report.count("places", user.place(place.id) is None)
            user.remember(place, seen_at=seen)
            for note in notes:
                report.count("notes", user.import_note(place_id=place.id, **note))
    elif what == "visits":
        # Oldest first, so that ids given here follow the original order.
        for place, visit in reversed(records):
            if user.ensure_place(place):
                report.count("places", True)
            report.count("visits", user.import_visit(**visit))
    else:
        for rec in records:
            encounters = rec.pop("encounters")
            contact_id, new = user.import_contact(**rec)
            report.count("contacts", new)
            for place, enc in reversed(encounters):
                if place is not None and user.ensure_place(place):
                    report.count("places", True)
                report.count(
                    "encounters",
                    user.import_encounter(
                        contact_id=contact_id, place_id=place.id if place else None, **enc
                    ),
                )
