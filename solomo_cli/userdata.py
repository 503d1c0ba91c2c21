"""The user's own data — places as seen, visits, place notes, contacts and encounters — in a
private SQLite file that exists nowhere else: every command's writes are one transaction, every
migration keeps every row, and forgetting a person really erases them."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from solomo_cli import db
from solomo_cli.errors import StoreError, UsageError
from solomo_cli.geo import distance_m
from solomo_cli.places import Place

OSM_ID = re.compile(r"^(node|way|relation)/\d+$")

# -- schema ---------------------------------------------------------------------------------


def m001_initial(conn: sqlite3.Connection) -> None:
    # AUTOINCREMENT: the id of a removed visit or contact is never given to another one, so a
    # script or a note that says "visit 7" never ends up pointing at the wrong row.
    db.run_script(
        conn,
        """
        CREATE TABLE places (
            id TEXT PRIMARY KEY,          -- 'node/123', or 'google/<cid>' for imported places
            name TEXT,
            kind TEXT NOT NULL,
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            tags TEXT NOT NULL,           -- JSON object, as seen
            seen_at TEXT NOT NULL         -- when this snapshot was taken ('' for a stub)
        );
        CREATE TABLE visits (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            place_id TEXT NOT NULL REFERENCES places (id),
            day TEXT NOT NULL,
            rating INTEGER CHECK (rating BETWEEN 1 AND 5),
            note TEXT,
            cost TEXT,                    -- exact decimal amount, as text
            currency TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX visits_place ON visits (place_id, day);
        CREATE INDEX visits_day ON visits (day);
        CREATE TABLE place_notes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            place_id TEXT NOT NULL REFERENCES places (id),
            created_at TEXT NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX place_notes_place ON place_notes (place_id);
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            org TEXT,
            email TEXT,
            phone TEXT,
            note TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE contact_tags (
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (contact_id, tag)
        );
        CREATE TABLE encounters (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            place_id TEXT REFERENCES places (id),
            day TEXT NOT NULL,
            note TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX encounters_contact ON encounters (contact_id, day);
        CREATE INDEX encounters_place ON encounters (place_id);
        """,
    )


def m002_contact_name_keys(conn: sqlite3.Connection) -> None:
    # SQLite's NOCASE folds ASCII only: "ÉLODIE" would not find "Élodie". A folded key, computed
    # here for the rows already there, makes name lookups exact and indexed.
    conn.execute("ALTER TABLE contacts ADD COLUMN name_key TEXT")
    rows = conn.execute("SELECT id, name FROM contacts").fetchall()
    conn.executemany(
        "UPDATE contacts SET name_key = ? WHERE id = ?", [(fold(name), cid) for cid, name in rows]
    )
    conn.execute("CREATE INDEX contacts_name_key ON contacts (name_key)")


MIGRATIONS = [m001_initial, m002_contact_name_keys]

# -- parsing of user input ------------------------------------------------------------------

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COST = re.compile(
    r"^\s*(?:(?P<pre>[A-Za-z]{3}|[€$£])\s*)?(?P<amount>\d+(?:[.,]\d+)?)\s*"
    r"(?:(?P<post>[A-Za-z]{3}|[€$£]))?\s*$"
)
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
_AGE = re.compile(r"^\s*(\d+)\s*(d|w|m|y)\s*$", re.IGNORECASE)
_AGE_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_day(text: str, what: str = "date") -> str:
    """'2026-11-20' → '2026-11-20'; anything else (2026-13-45, 20/11/2026) is a usage error."""
    value = (text or "").strip()
    try:
        if not _DAY.match(value):
            raise ValueError
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise UsageError(
            f"bad {what} {text!r}", hint="write dates as YYYY-MM-DD, e.g. 2026-11-20"
        ) from None


def parse_cost(text: str) -> tuple[str, str | None]:
    """'20', '20.50', '20,50 EUR', '€20' → ('20.50', 'EUR'): an exact amount and a currency."""
    match = _COST.match(text or "")
    if not match or (match.group("pre") and match.group("post")):
        raise UsageError(
            f"bad cost {text!r}", hint="give an amount and optionally a currency: 20, 20.50, 20 EUR"
        )
    amount = Decimal(match.group("amount").replace(",", "."))
    currency = match.group("pre") or match.group("post")
    if currency:
        currency = _SYMBOLS.get(currency, currency.upper())
    return str(amount), currency


def parse_age(text: str) -> int:
    """'90d', '12w', '6m' (months), '1y' → days."""
    match = _AGE.match(text or "")
    if not match:
        raise UsageError(f"bad duration {text!r}", hint="write it as 90d, 12w, 6m (months) or 1y")
    return int(match.group(1)) * _AGE_DAYS[match.group(2).lower()]


def clean_tag(text: str) -> str:
    tag = " ".join((text or "").split())
    if not tag or "," in tag:
        raise UsageError(
            f"bad tag {text!r}", hint="a tag is a non-empty word or phrase without commas"
        )
    return tag


def fold(text: str | None) -> str:
    """Case-, accent- and spacing-insensitive form of a name, for matching."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def today() -> str:
    return date.today().isoformat()


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_uid() -> str:
    return str(uuid.uuid4())


def _text_or_none(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


# -- records --------------------------------------------------------------------------------


def source_of(place_id: str) -> str:
    """'osm' for OpenStreetMap ids, else the id's prefix ('google')."""
    return "osm" if OSM_ID.match(place_id) else place_id.split("/", 1)[0]


@dataclass(frozen=True)
class Visit:
    id: int
    uid: str
    place: Place
    day: str
    rating: int | None
    note: str | None
    cost: str | None  # exact decimal amount
    currency: str | None
    created_at: str


@dataclass(frozen=True)
class Note:
    id: int
    uid: str
    place_id: str
    created_at: str
    text: str


@dataclass(frozen=True)
class Encounter:
    id: int
    uid: str
    contact_id: int
    contact_name: str
    place: Place | None
    day: str
    note: str | None
    created_at: str


@dataclass
class Contact:
    id: int
    uid: str
    name: str
    org: str | None
    email: str | None
    phone: str | None
    note: str | None
    created_at: str
    updated_at: str
    tags: list[str] = field(default_factory=list)
    encounters: list[Encounter] = field(default_factory=list)  # newest first
    distance_m: float | None = None  # to the --near point, through the nearest encounter place
    nearest_place: Place | None = None

    @property
    def last_seen(self) -> str:
        """Day of the last encounter, else the day the contact was added."""
        days = [e.day for e in self.encounters]
        return max(days) if days else self.created_at[:10]


@dataclass
class Totals:
    """Days worked (distinct dates), visits and costs per currency; per place and per month."""

    days: int = 0
    visits: int = 0
    cost: dict[str, Decimal] = field(default_factory=dict)  # '' for amounts without currency
    by_place: list[dict[str, Any]] = field(default_factory=list)
    by_month: list[dict[str, Any]] = field(default_factory=list)


def totals(visits: Sequence[Visit]) -> Totals:
    def group(key_of: Any) -> dict[Any, dict[str, Any]]:
        groups: dict[Any, dict[str, Any]] = {}
        for v in visits:
            g = groups.setdefault(key_of(v), {"days": set(), "visits": 0, "cost": {}})
            g["days"].add(v.day)
            g["visits"] += 1
            if v.cost is not None:
                cur = v.currency or ""
                g["cost"][cur] = g["cost"].get(cur, Decimal(0)) + Decimal(v.cost)
        return groups

    everything = group(lambda v: None).get(None, {"days": set(), "visits": 0, "cost": {}})
    names = {v.place.id: v.place for v in visits}
    by_place = [
        {"place": names[pid], "days": len(g["days"]), "visits": g["visits"], "cost": g["cost"]}
        for pid, g in group(lambda v: v.place.id).items()
    ]
    by_place.sort(key=lambda r: (-r["days"], fold(r["place"].name)))
    by_month = [
        {"month": month, "days": len(g["days"]), "visits": g["visits"], "cost": g["cost"]}
        for month, g in sorted(group(lambda v: v.day[:7]).items(), reverse=True)
    ]
    return Totals(
        len(everything["days"]), everything["visits"], everything["cost"], by_place, by_month
    )


@dataclass
class PlaceSummary:
    """What the user knows of one place: for `solomo show`."""

    place: Place | None  # the user's own snapshot, if they ever referred to it
    visits: list[Visit]
    notes: list[Note]
    encounters: list[Encounter]

    @property
    def rating(self) -> float | None:
        rated = [v.rating for v in self.visits if v.rating]
        return round(sum(rated) / len(rated), 1) if rated else None


@dataclass(frozen=True)
class Forgotten:
    name: str
    encounters: int
    tags: int
    mentions: list[str]  # other notes (visits, places) whose text still names the person


# -- the store ------------------------------------------------------------------------------

_PLACE_COLS = "p.id, p.name, p.kind, p.lat, p.lon, p.tags"
_VISIT_SQL = f"""SELECT v.id, v.uid, v.day, v.rating, v.note, v.cost, v.currency, v.created_at,
                 {_PLACE_COLS} FROM visits v JOIN places p ON p.id = v.place_id"""
_ENCOUNTER_SQL = f"""SELECT e.id, e.uid, e.contact_id, c.name, e.day, e.note, e.created_at,
                     {_PLACE_COLS} FROM encounters e JOIN contacts c ON c.id = e.contact_id
                     LEFT JOIN places p ON p.id = e.place_id"""


def _place(row: Sequence[Any]) -> Place | None:
    if row[0] is None:
        return None
    return Place(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))


def _visit(row: Sequence[Any]) -> Visit:
    place = _place(row[8:])
    assert place is not None
    return Visit(row[0], row[1], place, row[2], row[3], row[4], row[5], row[6], row[7])


def _encounter(row: Sequence[Any]) -> Encounter:
    return Encounter(row[0], row[1], row[2], row[3], _place(row[7:]), row[4], row[5], row[6])


class UserData:
    """The user-data file. Opened (created 0600, migrated) on first use; read-only questions
    asked before the file exists get empty answers and never create it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    @property
    def exists(self) -> bool:
        return self._conn is not None or self.path.exists()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = db.connect(self.path, private=True)
            # Deleted rows (a forgotten contact, a removed visit) are overwritten, not unlinked.
            conn.execute("PRAGMA secure_delete = ON")
            _migrate(conn)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> UserData:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction; nested uses join the outer one (an import is one transaction)."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        with db.transaction(conn):
            yield conn

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        if not self.exists:
            return []
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc) from exc

    # -- places ---------------------------------------------------------------------------

    def remember(self, place: Place, seen_at: str | None = None) -> None:
        """Keep (or refresh) the user's snapshot of a place, so that history and exports stay
        complete after the cache is cleared or the place leaves OSM."""
        seen_at = now_utc() if seen_at is None else seen_at
        with self.write() as conn:
            conn.execute(
                """INSERT INTO places (id, name, kind, lat, lon, tags, seen_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                     lat = excluded.lat, lon = excluded.lon, tags = excluded.tags,
                     seen_at = excluded.seen_at
                   WHERE excluded.seen_at >= places.seen_at""",
                (
                    place.id,
                    place.name,
                    place.kind,
                    place.lat,
                    place.lon,
                    json.dumps(place.tags, ensure_ascii=False, sort_keys=True),
                    seen_at,
                ),
            )

    def place(self, place_id: str) -> Place | None:
        rows = self._read(f"SELECT {_PLACE_COLS} FROM places p WHERE p.id = ?", (place_id,))
        return _place(rows[0]) if rows else None

    def seen_at(self, place_id: str) -> str | None:
        rows = self._read("SELECT seen_at FROM places WHERE id = ?", (place_id,))
        return rows[0][0] if rows else None

    def places(self) -> list[Place]:
        rows = self._read(
            f"SELECT {_PLACE_COLS} FROM places p ORDER BY p.name COLLATE NOCASE, p.id"
        )
        return [p for p in map(_place, rows) if p is not None]

    def find_places(self, text: str) -> list[Place]:
        """The user's places whose name contains `text` (case- and accent-insensitive)."""
        key = fold(text)
        return [p for p in self.places() if key and key in fold(p.name)]

    # -- visits ---------------------------------------------------------------------------

    def add_visit(
        self,
        place: Place,
        day: str,
        rating: int | None = None,
        note: str | None = None,
        cost: str | None = None,
        currency: str | None = None,
        *,
        remember: bool = True,
    ) -> Visit:
        _check_rating(rating)
        with self.write() as conn:
            if remember:
                self.remember(place)
            cur = conn.execute(
                "INSERT INTO visits (uid, place_id, day, rating, note, cost, currency, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (new_uid(), place.id, day, rating, _text_or_none(note), cost, currency, now_utc()),
            )
            return self.visit(cur.lastrowid or 0)

    def visit(self, visit_id: int) -> Visit:
        rows = self._read(_VISIT_SQL + " WHERE v.id = ?", (visit_id,))
        if not rows:
            raise UsageError(
                f"there is no visit #{visit_id}", hint="solomo log shows the visits and their ids"
            )
        return _visit(rows[0])

    def edit_visit(
        self,
        visit_id: int,
        *,
        place: Place | None = None,
        day: str | None = None,
        rating: int | None = None,
        clear_rating: bool = False,
        note: str | None = None,
        cost: tuple[str, str | None] | None = None,
        clear_cost: bool = False,
    ) -> Visit:
        """Change what is given; `note=''` clears the note."""
        _check_rating(rating)
        with self.write() as conn:
            self.visit(visit_id)
            changes: dict[str, Any] = {}
            if place is not None:
                self.remember(place)
                changes["place_id"] = place.id
            if day is not None:
                changes["day"] = day
            if clear_rating:
                changes["rating"] = None
            elif rating is not None:
                changes["rating"] = rating
            if note is not None:
                changes["note"] = _text_or_none(note)
            if clear_cost:
                changes["cost"] = changes["currency"] = None
            elif cost is not None:
                changes["cost"], changes["currency"] = cost
            if changes:
                sets = ", ".join(f"{k} = ?" for k in changes)
                conn.execute(
                    f"UPDATE visits SET {sets} WHERE id = ?", (*changes.values(), visit_id)
                )
            return self.visit(visit_id)

    def remove_visit(self, visit_id: int) -> Visit:
        with self.write() as conn:
            visit = self.visit(visit_id)
            conn.execute("DELETE FROM visits WHERE id = ?", (visit_id,))
        return visit

    def visits(
        self, since: str | None = None, until: str | None = None, place_id: str | None = None
    ) -> list[Visit]:
        """Newest first."""
        where, params = [], []
        if since:
            where.append("v.day >= ?")
            params.append(since)
        if until:
            where.append("v.day <= ?")
            params.append(until)
        if place_id:
            where.append("v.place_id = ?")
            params.append(place_id)
        sql = _VISIT_SQL + (" WHERE " + " AND ".join(where) if where else "")
        return [_visit(r) for r in self._read(sql + " ORDER BY v.day DESC, v.id DESC", params)]

    # -- place notes ----------------------------------------------------------------------

    def add_note(self, place: Place, text: str, *, remember: bool = True) -> Note:
        if not text or not text.strip():
            raise UsageError(
                "the note is empty", hint='write it in quotes: solomo note 2 "quiet at lunch"'
            )
        with self.write() as conn:
            if remember:
                self.remember(place)
            uid, created = new_uid(), now_utc()
            cur = conn.execute(
                "INSERT INTO place_notes (uid, place_id, created_at, text) VALUES (?, ?, ?, ?)",
                (uid, place.id, created, text),
            )
        return Note(cur.lastrowid or 0, uid, place.id, created, text)

    def notes(self, place_id: str | None = None) -> list[Note]:
        sql = "SELECT id, uid, place_id, created_at, text FROM place_notes"
        rows = self._read(
            sql + (" WHERE place_id = ?" if place_id else "") + " ORDER BY created_at, id",
            (place_id,) if place_id else (),
        )
        return [Note(*r) for r in rows]

    def summary(self, place_id: str) -> PlaceSummary:
        return PlaceSummary(
            self.place(place_id),
            self.visits(place_id=place_id),
            self.notes(place_id),
            [
                _encounter(r)
                for r in self._read(
                    _ENCOUNTER_SQL + " WHERE e.place_id = ? ORDER BY e.day DESC, e.id DESC",
                    (place_id,),
                )
            ],
        )

    # -- contacts -------------------------------------------------------------------------

    def add_contact(
        self,
        name: str,
        *,
        org: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        note: str | None = None,
        tags: Sequence[str] = (),
        at: Place | None = None,
        day: str | None = None,
        remember: bool = True,
    ) -> Contact:
        name = " ".join((name or "").split())
        if not name:
            raise UsageError("the contact's name is empty")
        _check_email(email)
        with self.write() as conn:
            self._refuse_duplicate(name)
            now = now_utc()
            cur = conn.execute(
                "INSERT INTO contacts (uid, name, name_key, org, email, phone, note, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new_uid(),
                    name,
                    fold(name),
                    _text_or_none(org),
                    _text_or_none(email),
                    _text_or_none(phone),
                    _text_or_none(note),
                    now,
                    now,
                ),
            )
            contact_id = cur.lastrowid or 0
            self._add_tags(contact_id, tags)
            if at is not None:
                if remember:
                    self.remember(at)
                self._add_encounter(contact_id, at.id, day or today(), None)
            return self.contact(contact_id)

    def _refuse_duplicate(self, name: str, except_id: int | None = None) -> None:
        row = self.conn.execute(
            "SELECT id, name FROM contacts WHERE name_key = ? AND id IS NOT ?",
            (fold(name), except_id),
        ).fetchone()
        if row:
            raise UsageError(
                f"there is already a contact called {row[1]!r}",
                hint="to record a new meeting use 'solomo contact met'; for another person with "
                "the same name, add what tells them apart, e.g. 'Jeanne Martin (Grenoble)'",
            )

    def _add_tags(self, contact_id: int, tags: Sequence[str]) -> None:
        have = {
            fold(t)
            for (t,) in self.conn.execute(
                "SELECT tag FROM contact_tags WHERE contact_id = ?", (contact_id,)
            )
        }
        for tag in tags:
            tag = clean_tag(tag)
            if fold(tag) not in have:
                have.add(fold(tag))
                self.conn.execute(
                    "INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)", (contact_id, tag)
                )

    def _add_encounter(
        self,
        contact_id: int,
        place_id: str | None,
        day: str,
        note: str | None,
        uid: str | None = None,
        created_at: str | None = None,
    ) -> int:
        cur = self.conn.execute(
            "INSERT INTO encounters (uid, contact_id, place_id, day, note, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                uid or new_uid(),
                contact_id,
                place_id,
                day,
                _text_or_none(note),
                created_at or now_utc(),
            ),
        )
        return cur.lastrowid or 0

    def meet(
        self,
        name: str,
        at: Place,
        day: str | None = None,
        note: str | None = None,
        remember: bool = True,
    ) -> Contact:
        """Record that the user met this contact at this place (today by default)."""
        with self.write():
            contact = self.find_contact(name)
            if remember:
                self.remember(at)
            self._add_encounter(contact.id, at.id, day or today(), note)
            return self.contact(contact.id)

    def find_contact(self, name: str, *, exact: bool = False) -> Contact:
        """The one contact called `name` (case- and accent-insensitive), else the one whose name
        contains it; several → a usage error listing them (no guess)."""
        key = fold(name)
        rows = self._read("SELECT id, name FROM contacts WHERE name_key = ?", (key,))
        if not rows and key:
            rows = [
                r
                for r in self._read("SELECT id, name, name_key FROM contacts ORDER BY name_key")
                if key in r[2]
            ]
            if exact and rows:
                names = ", ".join(repr(r[1]) for r in rows[:8])
                raise UsageError(
                    f"no contact is called exactly {name!r}", hint=f"give the full name: {names}"
                )
        if not rows:
            raise UsageError(
                f"no contact called {name!r}", hint="solomo contact list shows them all"
            )
        if len(rows) > 1:
            names = ", ".join(repr(r[1]) for r in rows[:8]) + (" …" if len(rows) > 8 else "")
            raise UsageError(
                f"{name!r} matches {len(rows)} contacts: {names}", hint="give more of the name"
            )
        return self.contact(rows[0][0])

    def contact(self, contact_id: int) -> Contact:
        rows = self._read(
            "SELECT id, uid, name, org, email, phone, note, created_at, updated_at "
            "FROM contacts WHERE id = ?",
            (contact_id,),
        )
        if not rows:
            raise UsageError(f"there is no contact #{contact_id}")
        contact = Contact(*rows[0])
        contact.tags = [
            t
            for (t,) in self._read(
                "SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag COLLATE NOCASE",
                (contact_id,),
            )
        ]
        contact.encounters = [
            _encounter(r)
            for r in self._read(
                _ENCOUNTER_SQL + " WHERE e.contact_id = ? ORDER BY e.day DESC, e.id DESC",
                (contact_id,),
            )
        ]
        return contact

    def contacts(
        self,
        *,
        tag: str | None = None,
        stale_days: int | None = None,
        near: tuple[float, float] | None = None,
        radius_m: float = 25_000.0,
        on: date | None = None,
    ) -> list[Contact]:
        """Contacts, by name; `stale_days`: not seen for that long (oldest first); `near`: met at a
        place within `radius_m` of the point (nearest first)."""
        found = [
            self.contact(cid) for (cid,) in self._read("SELECT id FROM contacts ORDER BY name_key")
        ]
        if tag is not None:
            key = fold(tag)
            found = [c for c in found if key in {fold(t) for t in c.tags}]
        if stale_days is not None:
            cutoff = date.fromordinal((on or date.today()).toordinal() - stale_days).isoformat()
            found = [c for c in found if c.last_seen < cutoff]
            found.sort(key=lambda c: (c.last_seen, fold(c.name)))
        if near is not None:
            kept = []
            for c in found:
                spots = [
                    (distance_m(near[0], near[1], e.place.lat, e.place.lon), e.place)
                    for e in c.encounters
                    if e.place is not None
                ]
                if spots:
                    c.distance_m, c.nearest_place = min(spots, key=lambda s: s[0])
                    if c.distance_m <= radius_m:
                        kept.append(c)
            found = kept
            if stale_days is None:
                found.sort(key=lambda c: (c.distance_m or 0.0, fold(c.name)))
        return found

    def edit_contact(
        self,
        contact_id: int,
        *,
        name: str | None = None,
        org: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        note: str | None = None,
        add_tags: Sequence[str] = (),
        remove_tags: Sequence[str] = (),
    ) -> Contact:
        """Change what is given; an empty string clears a field."""
        _check_email(email or None)
        with self.write() as conn:
            self.contact(contact_id)
            changes: dict[str, Any] = {}
            if name is not None:
                name = " ".join(name.split())
                if not name:
                    raise UsageError("the contact's name cannot be empty")
                self._refuse_duplicate(name, except_id=contact_id)
                changes.update(name=name, name_key=fold(name))
            for key, value in (("org", org), ("email", email), ("phone", phone), ("note", note)):
                if value is not None:
                    changes[key] = _text_or_none(value)
            self._add_tags(contact_id, add_tags)
            drop = {fold(t) for t in remove_tags}
            for (tag,) in conn.execute(
                "SELECT tag FROM contact_tags WHERE contact_id = ?", (contact_id,)
            ).fetchall():
                if fold(tag) in drop:
                    conn.execute(
                        "DELETE FROM contact_tags WHERE contact_id = ? AND tag = ?",
                        (contact_id, tag),
                    )
            if changes or add_tags or remove_tags:
                changes["updated_at"] = now_utc()
                sets = ", ".join(f"{k} = ?" for k in changes)
                conn.execute(
                    f"UPDATE contacts SET {sets} WHERE id = ?", (*changes.values(), contact_id)
                )
            return self.contact(contact_id)

    def forget_contact(self, contact_id: int) -> Forgotten:
        """Erase the person: their record, tags and encounters (with their notes). No soft delete:
        with secure_delete the freed bytes are zeroed, and the WAL is emptied afterwards."""
        with self.write() as conn:
            contact = self.contact(contact_id)
            conn.execute("DELETE FROM encounters WHERE contact_id = ?", (contact_id,))
            conn.execute("DELETE FROM contact_tags WHERE contact_id = ?", (contact_id,))
            conn.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))
        try:
            # Old copies of the pages live on in the WAL until a checkpoint; best effort (another
            # process reading at this very moment can delay it to the next checkpoint).
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error:
            pass
        return Forgotten(
            contact.name, len(contact.encounters), len(contact.tags), self.mentions(contact.name)
        )

    def mentions(self, name: str) -> list[str]:
        """Notes of the user's own (visits, places) whose text contains `name`."""
        key = fold(name)
        found = [
            f"visit #{vid} ({day})"
            for vid, day, note in self._read(
                "SELECT id, day, note FROM visits WHERE note IS NOT NULL ORDER BY day"
            )
            if key in fold(note)
        ]
        found += [
            f"note on {pid} ({created[:10]})"
            for pid, created, text in self._read(
                "SELECT place_id, created_at, text FROM place_notes ORDER BY created_at"
            )
            if key in fold(text)
        ]
        return found

    # -- import primitives: call inside one `write()`; records never overwrite local ones --

    def ensure_place(self, place: Place) -> bool:
        """Insert a stub (seen_at '') for a place known only from a visit or an encounter
        record; any full snapshot, imported later or seen in OSM, replaces it."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO places (id, name, kind, lat, lon, tags, seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?, '')",
            (
                place.id,
                place.name,
                place.kind,
                place.lat,
                place.lon,
                json.dumps(place.tags, ensure_ascii=False, sort_keys=True),
            ),
        )
        return cur.rowcount > 0

    def _has_uid(self, table: str, uid: str) -> bool:
        return (
            self.conn.execute(f"SELECT 1 FROM {table} WHERE uid = ?", (uid,)).fetchone() is not None
        )

    def _free_id(self, table: str, wanted: int | None) -> int | None:
        """Keep the exported id when it is free here (a round trip gives the same ids)."""
        if wanted is None:
            return None
        taken = self.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (wanted,)).fetchone()
        return None if taken else wanted

    def import_visit(
        self,
        *,
        uid: str,
        place_id: str,
        day: str,
        rating: int | None,
        note: str | None,
        cost: str | None,
        currency: str | None,
        created_at: str,
        id: int | None = None,
    ) -> bool:
        if self._has_uid("visits", uid):
            return False
        self.conn.execute(
            "INSERT INTO visits (id, uid, place_id, day, rating, note, cost, currency, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self._free_id("visits", id),
                uid,
                place_id,
                day,
                rating,
                _text_or_none(note),
                cost,
                currency,
                created_at,
            ),
        )
        return True

    def import_note(self, *, uid: str, place_id: str, created_at: str, text: str) -> bool:
        if self._has_uid("place_notes", uid):
            return False
        self.conn.execute(
            "INSERT INTO place_notes (uid, place_id, created_at, text) VALUES (?, ?, ?, ?)",
            (uid, place_id, created_at, text),
        )
        return True

    def import_contact(
        self,
        *,
        uid: str,
        name: str,
        org: str | None,
        email: str | None,
        phone: str | None,
        note: str | None,
        created_at: str,
        updated_at: str,
        tags: Sequence[str],
        id: int | None = None,
    ) -> tuple[int, bool]:
        """(contact id, whether it is new). A contact already here — same uid, or same name —
        keeps its own fields and gains the imported tags."""
        row = (
            self.conn.execute("SELECT id FROM contacts WHERE uid = ?", (uid,)).fetchone()
            or self.conn.execute(
                "SELECT id FROM contacts WHERE name_key = ?", (fold(name),)
            ).fetchone()
        )
        if row:
            self._add_tags(row[0], tags)
            return row[0], False
        cur = self.conn.execute(
            "INSERT INTO contacts (id, uid, name, name_key, org, email, phone, note, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self._free_id("contacts", id),
                uid,
                name,
                fold(name),
                _text_or_none(org),
                _text_or_none(email),
                _text_or_none(phone),
                _text_or_none(note),
                created_at,
                updated_at,
            ),
        )
        contact_id = cur.lastrowid or 0
        self._add_tags(contact_id, tags)
        return contact_id, True

    def import_encounter(
        self,
        *,
        uid: str,
        contact_id: int,
        place_id: str | None,
        day: str,
        note: str | None,
        created_at: str,
    ) -> bool:
        if self._has_uid("encounters", uid):
            return False
        self._add_encounter(contact_id, place_id, day, note, uid=uid, created_at=created_at)
        return True

    def counts(self) -> dict[str, int]:
        tables = ("places", "visits", "place_notes", "contacts", "contact_tags", "encounters")
        if not self.exists:
            return dict.fromkeys(tables, 0)
        return {t: self._read(f"SELECT count(*) FROM {t}")[0][0] for t in tables}


def _check_rating(rating: int | None) -> None:
    if rating is not None and not (isinstance(rating, int) and 1 <= rating <= 5):
        raise UsageError(f"bad rating {rating!r}", hint="a rating is a whole number from 1 to 5")


def _check_email(email: str | None) -> None:
    if email and ("@" not in email or any(c.isspace() for c in email.strip())):
        raise UsageError(f"bad e-mail address {email!r}")


def _unreadable(path: Path, exc: Exception) -> StoreError:
    return StoreError(
        f"your data file {path} is unreadable: {exc}",
        hint="restore it from a copy made with 'solomo backup'",
    )


def _migrate(conn: sqlite3.Connection) -> None:
    # Processes started together may race to apply the same migration; the loser's transaction
    # is rolled back ("table already exists"), and a second look at _migrations skips it.
    for _attempt in range(len(MIGRATIONS) + 2):
        try:
            db.migrate(conn, MIGRATIONS)
            return
        except (sqlite3.OperationalError, sqlite3.IntegrityError) as exc:
            last = exc
        except StoreError:
            raise
    raise StoreError(f"cannot upgrade your data file: {last}")


# -- for `solomo near` ----------------------------------------------------------------------


def personal_signals(path: Path, ids: Sequence[str]) -> dict[str, tuple[float | None, int]]:
    """(average rating or None, visit count) per place id, in one read-only query.

    Never creates the file, never migrates: the columns read exist since the first schema."""
    if not ids or not path.exists():
        return {}
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error:
        return {}
    try:
        rows = conn.execute(
            "SELECT place_id, avg(rating), count(*) FROM visits "
            "WHERE place_id IN (SELECT value FROM json_each(?)) GROUP BY place_id",
            (json.dumps(list(ids)),),
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # created by another process, not yet migrated
            return {}
        raise _unreadable(path, exc) from exc
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from exc
    finally:
        conn.close()
    return {pid: (None if avg is None else round(avg, 1), count) for pid, avg, count in rows}


# -- backup ---------------------------------------------------------------------------------


def backup(source: Path, target: Path, *, overwrite: bool = False) -> dict[str, int]:
    """A consistent copy of the user-data file made with SQLite's backup API (safe while other
    solomo processes write), checked, then renamed into place; readable by its owner only.

    Returns the row counts of the copy."""
    if not source.exists():
        raise UsageError(
            "there is no user data to back up yet", hint="solomo paths shows where it would be"
        )
    target = Path(target)
    if target.is_dir():
        raise UsageError(f"{target} is a directory", hint="give a file name")
    if target.exists() and not overwrite:
        raise UsageError(
            f"{target} already exists", hint="use --force to overwrite it, or choose another name"
        )
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"cannot write {target}: the folder {parent} does not exist")
    tmp = parent / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from exc
    src = dst = None
    try:
        src = db.connect(source, private=True)
        dst = sqlite3.connect(tmp, isolation_level=None)
        src.backup(dst)
        # A self-contained file: no -wal beside the copy.
        dst.execute("PRAGMA journal_mode = DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise StoreError(
                f"the copy failed its integrity check: {check}",
                hint="your data file may be damaged; keep it and any older backup",
            )
        counts = {
            t: dst.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("places", "visits", "place_notes", "contacts", "encounters")
        }
        dst.close()
        dst = None
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException as exc:
        if dst is not None:
            dst.close()
        for leftover in (tmp, Path(f"{tmp}-journal")):
            try:
                leftover.unlink()
            except OSError:
                pass
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"backup failed: {exc}") from exc
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {target}: {exc.strerror}") from exc
        raise
    finally:
        if src is not None:
            src.close()
    return counts
