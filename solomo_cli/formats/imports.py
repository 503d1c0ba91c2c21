"""Reading solomo's own CSV/JSON/GeoJSON exports (lossless: a round trip gives the same
records, row ids aside) and Google's "Saved Places.json" (takeout.py).

Everything in the file is outside data: it is checked here, with boundary.py, where it enters.
A file is size-capped and must be a regular file; it is read and validated whole, then written
in one transaction, so that a bad file changes nothing and importing it twice adds nothing the
second time. Ids from a file are never used as row ids: records are matched by uid, and each
is newest-wins (mydata/sync.py): a record here is updated only by a copy whose updated_at is
newer, and one deleted or forgotten here (a tombstone) never comes back."""

from __future__ import annotations

import json
import os
import re
import stat
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solomo_cli import boundary
from solomo_cli.boundary import BadInput
from solomo_cli.errors import UsageError
from solomo_cli.formats.registry import EXPORTS
from solomo_cli.kinds import SAVED_KIND
from solomo_cli.match import fold
from solomo_cli.model import Place
from solomo_cli.mydata.base import as_utc, clean_tag, new_uid, now_utc

if TYPE_CHECKING:
    from solomo_cli.formats.vcard import Card
    from solomo_cli.mydata.contacts import CardFields
    from solomo_cli.mydata.store import UserData

MAX_IMPORT_BYTES = 50 * 1024 * 1024
MAX_ID = 200  # characters in a uid
_HINT = "nothing was imported; fix the file and try again"


@dataclass
class ImportReport:
    source: str  # "places", "visits", "contacts" (solomo exports) or "google"
    fmt: str
    added: dict[str, int] = field(default_factory=dict)
    known: dict[str, int] = field(default_factory=dict)  # already here: left as they were
    ignored: int = 0  # records with nothing usable (Google places without a location)
    updated: dict[str, int] = field(default_factory=dict)  # the file's copy was newer; merged
    refused: dict[str, int] = field(default_factory=dict)  # deleted or forgotten here
    # vCards: (outcome, name, [how it matched, what it filled in]) per card, in file order.
    cards: list[tuple[str, str, list[str]]] = field(default_factory=list)
    dry_run: bool = False

    def count(self, table: str, outcome: bool | str) -> None:
        """`outcome`: True (added) or False (known), or an upsert's Outcome."""
        bucket = {
            True: self.added,
            "added": self.added,
            "updated": self.updated,
            "merged": self.updated,
            "tombstoned": self.refused,
            "forgotten": self.refused,
        }.get(outcome, self.known)
        bucket[table] = bucket.get(table, 0) + 1


# -- fields ----------------------------------------------------------------------------------


def _text(
    rec: dict[str, Any],
    key: str,
    required: bool = False,
    *,
    lines: bool = False,
    max_len: int = boundary.MAX_TEXT,
) -> str | None:
    return boundary.text(rec.get(key), key, lines=lines, required=required, max_len=max_len)


def _uid(rec: dict[str, Any]) -> str:
    return boundary.text(rec.get("uid"), "uid", max_len=MAX_ID) or _missing("uid")


def _missing(key: str) -> str:
    raise BadInput(f"{key} is missing")


def _time(rec: dict[str, Any], key: str) -> str:
    value = rec.get(key)
    return now_utc() if value in (None, "") else boundary.timestamp(value, key)


def _updated(rec: dict[str, Any], created_at: str) -> str:
    """When the record was last written, in UTC; created_at for a file from before there was
    an updated_at (never now: an old file would win over every later change)."""
    value = rec.get("updated_at")
    return as_utc(created_at if value in (None, "") else boundary.timestamp(value, "updated_at"))


def _coordinates(rec: dict[str, Any]) -> tuple[float, float]:
    return boundary.number(rec.get("lat"), "lat", -90, 90), boundary.number(
        rec.get("lon"), "lon", -180, 180
    )


def _rating(rec: dict[str, Any]) -> int | None:
    value = rec.get("rating")
    if value in (None, ""):
        return None
    number = boundary.number(value, "rating", -1e9, 1e9)
    if number != int(number) or not 1 <= number <= 5:
        raise BadInput(f"bad rating {boundary.clean(value)[:20]} (1 to 5)")
    return int(number)


def _json_value(rec: dict[str, Any], key: str, kind: type) -> Any:
    value = rec.get(key)
    if value is None or value == "":
        return kind()
    if isinstance(value, str):  # CSV: JSON in a cell
        value = _loads(value, key)
    if not isinstance(value, kind):
        raise BadInput(f"{key} should be a JSON {kind.__name__}")
    return value


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise BadInput(f"{what} is nested too deeply") from None
    except ValueError as exc:
        raise BadInput(f"{what} is not valid JSON: {exc}") from None


def _tags(rec: dict[str, Any]) -> dict[str, str]:
    """A place's OSM tags from a file: the rule of tags from Overpass (boundary.osm_tags)."""
    raw = _json_value(rec, "tags", dict)
    if len(raw) > 1000:
        raise BadInput("too many tags")
    return boundary.osm_tags(raw)


def _stub(rec: dict[str, Any], id_key: str, name_key: str) -> Place:
    """The place a visit or an encounter record points at, from the fields it carries."""
    name, address = _text(rec, name_key), _text(rec, "address")
    tags = {k: v for k, v in (("name", name), ("addr:full", address)) if v}
    return Place(
        boundary.place_id(rec.get(id_key)),
        name,
        _text(rec, "kind") or SAVED_KIND,
        *_coordinates(rec),
        tags,
    )


# -- records ---------------------------------------------------------------------------------


def read_place(rec: dict[str, Any]) -> tuple[Place, str, list[dict[str, str]]]:
    tags = _tags(rec)
    name = _text(rec, "name")
    place = Place(
        boundary.place_id(rec.get("id")),
        name,
        _text(rec, "kind", required=True) or "",
        *_coordinates(rec),
        tags,
    )
    notes = []
    for note in _json_value(rec, "notes", list):
        if not isinstance(note, dict):
            raise BadInput("notes should be a list of objects")
        created = _time(note, "created_at")
        notes.append(
            {
                "uid": _uid(note),
                "created_at": created,
                "updated_at": _updated(note, created),
                "text": _text(note, "text", True, lines=True) or "",
            }
        )
    seen = rec.get("seen_at")
    return place, "" if seen in (None, "") else boundary.timestamp(seen, "seen_at"), notes


def read_visit(rec: dict[str, Any]) -> tuple[Place, dict[str, Any]]:
    place = _stub(rec, "place_id", "place_name")
    cost = rec.get("cost")
    currency = rec.get("currency")
    created = _time(rec, "created_at")
    return place, {
        "uid": _uid(rec),
        "place_id": place.id,
        "day": boundary.day(rec.get("date")),
        "rating": _rating(rec),
        "note": _text(rec, "note", lines=True),
        "cost": None if cost in (None, "") else boundary.cost(cost),
        "currency": None if currency in (None, "") else boundary.currency(currency),
        "created_at": created,
        "updated_at": _updated(rec, created),
    }


def read_contact(rec: dict[str, Any]) -> dict[str, Any]:
    tags = rec.get("tags")
    if isinstance(tags, str):
        tags = [t for t in (p.strip() for p in tags.split(",")) if t]
    if not isinstance(tags or [], list):
        raise BadInput("tags should be a list")
    try:
        tags = [clean_tag(t) for t in tags or []]
    except UsageError as exc:
        raise BadInput(exc.message) from None
    encounters = []
    for enc in _json_value(rec, "encounters", list):
        if not isinstance(enc, dict):
            raise BadInput("encounters should be a list of objects")
        place = _stub(enc, "place_id", "place_name") if enc.get("place_id") else None
        created = _time(enc, "created_at")
        encounters.append(
            (
                place,
                {
                    "uid": _uid(enc),
                    "day": boundary.day(enc.get("date")),
                    "note": _text(enc, "note", lines=True),
                    "created_at": created,
                    "updated_at": _updated(enc, created),
                },
            )
        )
    created = _time(rec, "created_at")
    return {
        "uid": _uid(rec),
        "name": _text(rec, "name", True, max_len=boundary.MAX_NAME),
        "org": _text(rec, "org"),
        "email": _text(rec, "email"),
        "phone": _text(rec, "phone"),
        "note": _text(rec, "note", lines=True),
        "created_at": created,
        "updated_at": _updated(rec, created),
        "tags": tags,
        "encounters": encounters,
    }


_READERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "places": read_place,
    "visits": read_visit,
    "contacts": read_contact,
}


# -- files -----------------------------------------------------------------------------------


def read_bytes(path: Path, cap: int | None = None) -> bytes:
    """The file's bytes, refusing before opening anything that is not a regular file (a FIFO
    would hang, /dev/zero never ends) and never reading more than `cap` bytes."""
    where = str(path)
    cap = MAX_IMPORT_BYTES if cap is None else cap
    try:
        info = os.stat(path)
    except OSError as exc:
        raise UsageError(f"cannot read {where}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{where} is not a regular file", hint="give the path of a file")
    too_big = UsageError(
        f"{where} is too large to import (over {cap / 1048576:g} MB)",
        hint="split it, or import a smaller export",
    )
    if info.st_size > cap:
        raise too_big
    try:
        with open(path, "rb") as handle:
            raw = handle.read(cap + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {where}: {exc.strerror}") from None
    if len(raw) > cap:
        raise too_big
    return raw


def _rows(items: Any, what: str, where: str, read: Callable[[Any], Any]) -> list[Any]:
    if not isinstance(items, list):
        raise UsageError(f"{where}: '{what}' should be a list", hint=_HINT)
    parsed = []
    for number, rec in enumerate(items, 1):
        try:
            parsed.append(read(rec))
        except BadInput as exc:
            raise UsageError(f"{where}, {what} record {number}: {exc}", hint=_HINT) from None
    return parsed


def _object(rec: Any) -> dict[str, Any]:
    if not isinstance(rec, dict):
        raise BadInput("not an object")
    return rec


def _feature(feature: Any) -> dict[str, Any]:
    """A GeoJSON feature of a solomo export → its record (lat and lon from the geometry)."""
    feature = _object(feature)
    props, geometry = feature.get("properties"), feature.get("geometry")
    if not isinstance(props, dict) or not isinstance(geometry, dict):
        raise BadInput("a feature should have properties and a geometry")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) != 2:
        raise BadInput("a feature's coordinates should be [lon, lat]")
    return {**props, "lon": coords[0], "lat": coords[1]}


def _csv_records(text: str, where: str) -> tuple[str, list[dict[str, Any]]]:
    import csv
    import io

    from solomo_cli.formats.csv import uncell

    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
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
        rows = [
            {k: uncell(v) if isinstance(v, str) else v for k, v in row.items() if k}
            for row in reader
        ]
    except csv.Error as exc:
        raise UsageError(f"{where} is not valid CSV: {exc}", hint=_HINT) from None
    return what, rows


def _detect(text: str, fmt: str | None, where: str) -> tuple[str, str, Any]:
    """(what, format, payload) of an import file."""
    stripped = text.lstrip()
    if fmt in (None, "json", "geojson") and stripped[:1] in ("{", "["):
        try:
            data = _loads(text, where)
        except BadInput as exc:
            raise UsageError(str(exc), hint=_HINT) from None
        if isinstance(data, dict) and data.get("solomo_export") in EXPORTS:
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
    from solomo_cli.formats.takeout import google_place

    where = str(path)
    raw = read_bytes(Path(path))
    if fmt == "vcard" or _is_vcard(raw):
        return "vcard", "vcard", _vcards(raw, where)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(
            f"{where} is not UTF-8 text",
            hint="solomo imports its own exports and Google's Saved Places.json",
        ) from None
    what, fmt, payload = _detect(text, fmt, where)
    if what == "google":
        return what, fmt, _rows(payload.get("features"), "features", where, google_place)
    read = _READERS[what]
    if fmt == "geojson":
        items = payload.get("features")
        return what, fmt, _rows(items, what, where, lambda f: read(_feature(f)))
    items = payload.get(what) if fmt == "json" else payload
    return what, fmt, _rows(items, what, where, lambda r: read(_object(r)))


def _is_vcard(raw: bytes) -> bool:
    return raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:11].upper() == b"BEGIN:VCARD"


def _vcards(raw: bytes, where: str) -> list[CardFields | None]:
    """The cards of a .vcf file as contacts to merge (None: a card that names nobody)."""
    from solomo_cli.formats.vcard import read_vcards

    try:
        return [card_fields(card) for card in read_vcards(raw)]
    except BadInput as exc:
        raise UsageError(f"{where}: {exc}", hint=_HINT) from None


def card_fields(card: Card) -> CardFields | None:
    """A card as a contact: its first (preferred) e-mail and phone go in the contact's fields;
    its title and the other e-mails and phones, in the note, after the card's own note."""
    if card.name is None:
        return None
    emails = [e for e in card.emails if "@" in e and not any(c.isspace() for c in e.strip())]
    extra = [
        f"{label}: {', '.join(values)}"
        for label, values in (
            ("Title", [card.title] if card.title else []),
            ("Other e-mails", emails[1:] + [e for e in card.emails if e not in emails]),
            ("Other phones", card.phones[1:]),
        )
        if values
    ]
    note = boundary.text(
        "\n".join(part for part in [card.note or "", *extra] if part),
        f"card {card.number}: the note",
        lines=True,
    )
    return {
        "uid": _card_uid(card.uid),
        "name": " ".join(card.name.split()),
        "org": card.org,
        "emails": emails,
        "phones": card.phones,
        "note": note,
        "tags": _card_tags(card),
        "rev": card.rev,
    }


_SAFE_UID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}")


def _card_uid(uid: str | None) -> str:
    """The uid of the card's contact: its own UID when it is a plain one (a UUID, as solomo,
    Google and CardDAV servers write them); else one made from it, always the same (a UID with
    slashes or colons never becomes a file name in a mirror); else a new one."""
    if not uid:
        return new_uid()
    if _SAFE_UID.fullmatch(uid):
        return uid
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vcard-uid:{uid}"))


def _card_tags(card: Card) -> list[str]:
    tags: list[str] = []
    for tag in card.tags:
        tag = tag.replace(",", " ").strip()
        try:
            tag = clean_tag(tag)
        except UsageError:
            continue
        if fold(tag) not in {fold(t) for t in tags}:
            tags.append(tag)
    return tags


def import_file(
    user: UserData, path: Path, fmt: str | None = None, *, dry_run: bool = False
) -> ImportReport:
    """Import the file in one transaction. `dry_run`: the same, rolled back (and on a scratch
    file when the user has no data file yet): the report says what would be done."""
    what, fmt, records = read_import(path, fmt)
    report = ImportReport(what, fmt, dry_run=dry_run)
    if dry_run and not user.exists:
        import tempfile

        from solomo_cli.mydata.store import UserData as Scratch

        with tempfile.TemporaryDirectory() as tmp, Scratch(Path(tmp) / "dry-run.db") as scratch:
            return _rolled_back(scratch, what, records, report)
    if dry_run:
        return _rolled_back(user, what, records, report)
    with user.write():
        _write(user, what, records, report)
    return report


class _DryRun(Exception):
    pass


def _rolled_back(
    user: UserData, what: str, records: list[Any], report: ImportReport
) -> ImportReport:
    try:
        with user.write():
            _write(user, what, records, report)
            raise _DryRun
    except _DryRun:
        pass
    return report


def _write(user: UserData, what: str, records: list[Any], report: ImportReport) -> None:
    if what == "vcard":
        index = user.card_index()
        for card in records:
            if card is None:
                report.ignored += 1
                continue
            merged, name, how = user.merge_card(card, index)
            report.count("contacts", merged)
            report.cards.append((merged, name, how))
    elif what == "google":
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
        # Oldest first, so that new row ids follow the original order.
        for place, visit in reversed(records):
            if user.is_tombstoned(visit["uid"]):
                report.count("visits", "tombstoned")
                continue
            if user.ensure_place(place):
                report.count("places", True)
            report.count("visits", user.import_visit(**visit))
    else:
        for rec in records:
            encounters = rec.pop("encounters")
            contact_id, outcome = user.import_contact(**rec)
            report.count("contacts", outcome)
            if contact_id is None:  # forgotten here: nothing of theirs comes back
                for _place, _enc in encounters:
                    report.count("encounters", "tombstoned")
                continue
            for place, enc in reversed(encounters):
                if place is not None and user.ensure_place(place):
                    report.count("places", True)
                report.count(
                    "encounters",
                    user.import_encounter(
                        contact_id=contact_id, place_id=place.id if place else None, **enc
                    ),
                )
