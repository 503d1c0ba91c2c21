"""What the user-data modules share: parsing and normalising user input, ids and times, the
place row, and the part of UserData (mydata/store.py) that its visits and contacts parts rely on."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solomo_cli import boundary
from solomo_cli.errors import StoreError, UsageError
from solomo_cli.model import Place

if TYPE_CHECKING:
    from solomo_cli.mydata.sync import Kind, Outcome

# -- parsing of user input ------------------------------------------------------------------


MAX_TAG = 200  # characters in one tag


def user_text(
    value: str | None,
    what: str,
    *,
    lines: bool = False,
    required: bool = False,
    max_len: int = boundary.MAX_TEXT,
) -> str | None:
    """A text the user gives to be stored (a name, a note…): cleaned and bounded by the rule
    the importer applies to the same field (boundary.text), so that an export imports back."""
    try:
        result = boundary.text(value, what, lines=lines, required=required, max_len=max_len)
    except boundary.BadInput as exc:
        raise UsageError(str(exc)) from None
    return text_or_none(result)


def clean_tag(text: object) -> str:
    """A contact's tag, from argv or a file: one clean line without commas."""
    if not isinstance(text, str):
        raise UsageError("a tag should be text")
    tag = " ".join((user_text(text, "a tag", required=True, max_len=MAX_TAG) or "").split())
    if "," in tag:
        raise UsageError(
            f"bad tag {boundary.quoted(tag, 60)}",
            hint="a tag is a non-empty word or phrase without commas",
        )
    return tag


def today() -> str:
    return date.today().isoformat()


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_utc(stamp: str) -> str:
    """A checked ISO 8601 date-time (boundary.timestamp) in now_utc()'s format, so that times
    from files and other machines compare as text with the ones written here (one without an
    offset is taken as UTC; fractions of a second are dropped)."""
    parsed = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_uid() -> str:
    return str(uuid.uuid4())


# The same two in SQL, for triggers: now_utc()'s format, and a random (version 4) UUID.
SQL_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
SQL_UUID = (
    "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random() % 4), 1) || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))"
)


def text_or_none(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def source_of(place_id: str) -> str:
    """'osm' for OpenStreetMap ids, else the id's prefix ('google')."""
    return "osm" if boundary.is_osm_id(place_id) else place_id.split("/", 1)[0]


CREATING_S = 5.0  # a zero-byte data file younger than this may be another process's new one


def refuse_empty(path: Path) -> None:
    """A data file of zero bytes has lost its contents: say so, never start it over.

    (One just created by another process is empty for a moment, until its WAL appears: a young
    empty file is given a few seconds.)"""
    deadline = time.monotonic() + CREATING_S
    while True:
        try:
            info = path.stat()
            if info.st_size or Path(f"{path}-wal").exists():
                return
        except FileNotFoundError:
            return
        if time.time() - info.st_mtime > CREATING_S or time.monotonic() > deadline:
            raise StoreError(
                f"your data file {path} is empty (0 bytes): its contents are lost",
                hint="restore it from a copy made with 'solomo backup'; to start afresh "
                "instead, delete it",
            )
        time.sleep(0.05)


def unreadable(path: Path, exc: Exception) -> StoreError:
    """The error for a user-data file SQLite cannot read (damaged, or not a database)."""
    return StoreError(
        f"your data file {path} is unreadable: {exc}",
        hint="restore it from a copy made with 'solomo backup'",
    )


# -- rows of the places table ---------------------------------------------------------------

PLACE_COLS = "p.id, p.name, p.kind, p.lat, p.lon, p.tags"


def place_from_row(row: Sequence[Any]) -> Place | None:
    if row[0] is None:
        return None
    try:
        tags = json.loads(row[5])
    except (TypeError, ValueError):
        raise StoreError(
            f"your data file has a damaged row: the tags of {boundary.quoted(row[0])} are not JSON",
            hint="restore it from a copy made with 'solomo backup'",
        ) from None
    return Place(row[0], row[1], row[2], row[3], row[4], tags)


class StoreParts:
    """Base of the visits and contacts parts of UserData: what they use of it, for type checkers
    only (UserData defines all of it)."""

    if TYPE_CHECKING:
        read_only: bool

        @property
        def exists(self) -> bool: ...

        @property
        def conn(self) -> sqlite3.Connection: ...

        def write(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

        def remember(self, place: Place, seen_at: str | None = None) -> None: ...

        def _has_uid(self, table: str, uid: str) -> bool: ...

        def upsert_record(
            self, kind: Kind, record: Mapping[str, Any], updated_at: str
        ) -> Outcome: ...

        def is_tombstoned(self, uid: str) -> bool: ...
