"""The personal CRM: contacts, their tags, and encounters (meeting a contact at a place), with
the part of UserData that stores them and erases a person for good."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypedDict

from solomo_cli.boundary import MAX_NAME, BadInput, argument, quoted
from solomo_cli.errors import UsageError
from solomo_cli.geo import distance_m
from solomo_cli.match import candidates, fold
from solomo_cli.model import Place
from solomo_cli.mydata.base import (
    PLACE_COLS,
    StoreParts,
    clean_tag,
    new_uid,
    now_utc,
    place_from_row,
    text_or_none,
    today,
    user_text,
)

if TYPE_CHECKING:
    from solomo_cli.mydata.keep import Mention
    from solomo_cli.mydata.sync import Outcome

CardOutcome = Literal["added", "merged", "unchanged", "forgotten"]


class CardFields(TypedDict):
    """A contact card from an address book, cleaned at the boundary (formats/vcard.py)."""

    uid: str
    name: str
    org: str | None
    emails: list[str]  # the preferred first
    phones: list[str]
    note: str | None
    tags: list[str]
    rev: str | None  # when the card was last changed, in UTC


class Encounter(NamedTuple):  # not a dataclass: see visits.Visit
    id: int
    uid: str
    contact_id: int
    contact_name: str
    place: Place | None
    day: str
    note: str | None
    created_at: str
    updated_at: str = ""  # when last written, here or on another machine (mydata/sync.py)


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


class Forgotten(NamedTuple):
    name: str
    encounters: int
    tags: int
    mentions: list[Mention]  # other notes (visits, places) whose text still names the person


ENCOUNTER_SQL = f"""SELECT e.id, e.uid, e.contact_id, c.name, e.day, e.note, e.created_at,
                    {PLACE_COLS}, e.updated_at FROM encounters e JOIN contacts c ON c.id = e.contact_id
                    LEFT JOIN places p ON p.id = e.place_id"""


def encounter_from_row(row: Sequence[Any]) -> Encounter:
    return Encounter(
        row[0], row[1], row[2], row[3], place_from_row(row[7:]), row[4], row[5], row[6], row[13]
    )


def _among(ids: Iterable[int]) -> tuple[str, tuple[str]]:
    """A condition on `contacts c`: its id is one of `ids` (one JSON parameter for them all)."""
    return "c.id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(ids)),)


class ContactsPart(StoreParts):
    """The contacts, tags and encounters of UserData."""

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
        name = _name(name)
        details = _details(org, email, phone, note)
        with self.write():
            self._refuse_duplicate(name)
            now = now_utc()
            contact_id = self._insert_contact(new_uid(), name, details, now, now, tags)
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
                f"there is already a contact called {quoted(row[1])}",
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
                    "INSERT INTO contact_tags (contact_id, tag, uid, updated_at) "
                    "VALUES (?, ?, ?, ?)",
                    (contact_id, tag, new_uid(), now_utc()),
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
        created_at = created_at or now_utc()
        cur = self.conn.execute(
            "INSERT INTO encounters (uid, contact_id, place_id, day, note, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (uid or new_uid(), contact_id, place_id, day, note, created_at, created_at),
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
        note = user_text(note, "the note", lines=True)
        with self.write():
            contact = self.find_contact(name)
            if remember:
                self.remember(at)
            self._add_encounter(contact.id, at.id, day or today(), note)
            return self.contact(contact.id)

    def find_contact(self, name: str, *, exact: bool = False) -> Contact:
        """The one contact called `name` (folded: case, accents, dashes), else the one whose name
        contains it; several → a usage error listing them (no guess)."""
        try:
            argument(name, "the name")
        except BadInput as exc:
            raise UsageError(str(exc)) from None
        rows = candidates(
            name,
            self._read("SELECT id, name, name_key FROM contacts ORDER BY name_key"),
            key=lambda r: r[2],
            name=lambda r: r[1],
        )
        if exact and rows and rows[0][2] != fold(name):
            names = ", ".join(quoted(r[1]) for r in rows[:8])
            raise UsageError(
                f"no contact is called exactly {quoted(name)}", hint=f"give the full name: {names}"
            )
        if not rows:
            raise UsageError(
                f"no contact called {quoted(name)}", hint="solomo contact list shows them all"
            )
        if len(rows) > 1:
            names = ", ".join(quoted(r[1]) for r in rows[:8]) + (" …" if len(rows) > 8 else "")
            raise UsageError(
                f"{quoted(name)} matches {len(rows)} contacts: {names}",
                hint="give more of the name",
            )
        return self.contact(rows[0][0])

    def contact(self, contact_id: int) -> Contact:
        found = self._load("c.id = ?", (contact_id,))
        if not found:
            raise UsageError(f"there is no contact #{contact_id}")
        return found[0]

    def _load(
        self,
        where: str = "1",
        params: Sequence[Any] = (),
        limit: int | None = None,
        newest_only: bool = False,
    ) -> list[Contact]:
        """The contacts matched by `where` (on `contacts c`), by name, with their tags and
        encounters (`newest_only`: the last one only, read with the contact): two or three
        queries whatever their number."""
        columns = "c.id, c.uid, c.name, c.org, c.email, c.phone, c.note, c.created_at, c.updated_at"
        if newest_only:  # each contact's last encounter, found through encounters_contact
            sql = (
                f"SELECT {columns}, e.id, e.uid, e.day, e.note, e.created_at, e.place_id, "
                "e.updated_at FROM contacts c LEFT JOIN encounters e ON e.id = (SELECT x.id "
                "FROM encounters x WHERE x.contact_id = c.id ORDER BY x.day DESC, x.id DESC "
                "LIMIT 1)"
            )
        else:
            sql = f"SELECT {columns} FROM contacts c"
        sql += f" WHERE {where} ORDER BY c.name_key, c.id"
        if limit is not None:
            sql, params = sql + " LIMIT ?", (*params, limit)
        rows = self._read(sql, params)
        found = {row[0]: Contact(*row[:9]) for row in rows}
        if limit is not None:  # the tags and encounters of those shown only
            where, params = _among(found)
        for cid, tag in self._read(
            "SELECT t.contact_id, t.tag FROM contact_tags t JOIN contacts c ON c.id = t.contact_id "
            f"WHERE {where} ORDER BY t.contact_id, t.tag COLLATE NOCASE",
            params,
        ):
            found[cid].tags.append(tag)
        if newest_only:
            # (e.id, e.uid, contact id, name, day, note, created_at, place_id, updated_at)
            met = [(r[9], r[10], r[0], r[2], *r[11:]) for r in rows if r[9] is not None]
        else:
            met = self._read(
                "SELECT e.id, e.uid, e.contact_id, c.name, e.day, e.note, e.created_at, "
                "e.place_id, e.updated_at FROM encounters e JOIN contacts c ON c.id = "
                f"e.contact_id WHERE {where} ORDER BY e.day DESC, e.id DESC",
                params,
            )
        # Each place read once (not its tags again with each encounter there).
        places = self._places({r[7] for r in met if r[7] is not None})
        for r in met:
            found[r[2]].encounters.append(
                Encounter(r[0], r[1], r[2], r[3], places.get(r[7]), r[4], r[5], r[6], r[8])
            )
        return list(found.values())

    def _places(self, ids: set[str]) -> dict[str, Place]:
        if not ids:
            return {}
        rows = self._read(
            f"SELECT {PLACE_COLS} FROM places p WHERE p.id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(ids)),),
        )
        return {cols[0]: place for cols in rows if (place := place_from_row(cols)) is not None}

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
        return self.contact_page(
            tag=tag, stale_days=stale_days, near=near, radius_m=radius_m, on=on
        )[0]

    def contact_page(
        self,
        *,
        tag: str | None = None,
        stale_days: int | None = None,
        near: tuple[float, float] | None = None,
        radius_m: float = 25_000.0,
        on: date | None = None,
        limit: int | None = None,
        newest_only: bool = False,
    ) -> tuple[list[Contact], int]:
        """The first `limit` of `contacts(...)` (all without it), and how many there are in all.
        By name, those beyond `limit` are not read. `newest_only`: each contact with its last
        encounter only (what a list shows; `near` reads them all, for the nearest place)."""
        where: str = "1"
        params: tuple[Any, ...] = ()
        if tag is not None:
            key = fold(tag)
            where, params = _among(
                {
                    cid
                    for cid, t in self._read("SELECT contact_id, tag FROM contact_tags")
                    if fold(t) == key
                }
            )
        if stale_days is None and near is None:
            rows = self._read(f"SELECT count(*) FROM contacts c WHERE {where}", params)
            return self._load(where, params, limit, newest_only), rows[0][0] if rows else 0
        found = self._load(where, params, newest_only=newest_only and near is None)
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
        return found[:limit], len(found)

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
        new_name = None if name is None else _name(name)
        details = _details(org, email, phone, note)
        with self.write() as conn:
            self.contact(contact_id)
            changes: dict[str, Any] = {}
            if new_name is not None:
                self._refuse_duplicate(new_name, except_id=contact_id)
                changes.update(name=new_name, name_key=fold(new_name))
            for key, given, value in zip(DETAILS, (org, email, phone, note), details, strict=True):
                if given is not None:
                    changes[key] = value
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

    def mentions(self, name: str) -> list[Mention]:
        """Notes of the user's own (visits, places) that still name the person: any part of
        the name, as a word (keep.mentions)."""
        from solomo_cli.mydata.keep import mentions

        return mentions(self, name)

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
    ) -> tuple[int | None, Outcome]:
        """(contact id, what became of it). Same uid: newest-wins (mydata/sync.py), the tags
        with the rest; a forgotten or deleted uid stays so (id None). Another contact with the
        same name: that one, which keeps its own fields and gains the imported tags ("kept").
        A new one is numbered here: an id from a file is never a row id."""
        if self.is_tombstoned(uid):
            return None, "tombstoned"
        if not self._has_uid("contacts", uid):
            row = self.conn.execute(
                "SELECT id FROM contacts WHERE name_key = ?", (fold(name),)
            ).fetchone()
            if row:
                self._add_tags(row[0], tags)
                return row[0], "kept"
        record = {
            "uid": uid,
            "name": name,
            "org": org,
            "email": email,
            "phone": phone,
            "note": note,
            "created_at": created_at,
            "tags": list(tags),
        }
        outcome = self.upsert_record("contact", record, updated_at)
        (contact_id,) = self.conn.execute(
            "SELECT id FROM contacts WHERE uid = ?", (uid,)
        ).fetchone()
        return contact_id, outcome

    def _insert_contact(
        self,
        uid: str,
        name: str,
        details: tuple[str | None, str | None, str | None, str | None],
        created_at: str,
        updated_at: str,
        tags: Sequence[str],
    ) -> int:
        """One new row (its id chosen by SQLite) with its tags. `details` is (org, email, phone,
        note)."""
        cur = self.conn.execute(
            "INSERT INTO contacts (uid, name, name_key, org, email, phone, note, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid,
                name,
                fold(name),
                *(text_or_none(value) for value in details),
                created_at,
                updated_at,
            ),
        )
        new_id = cur.lastrowid or 0
        self._add_tags(new_id, tags)
        return new_id

    def import_encounter(
        self,
        *,
        uid: str,
        contact_id: int,
        place_id: str | None,
        day: str,
        note: str | None,
        created_at: str,
        updated_at: str | None = None,
    ) -> Outcome:
        """An encounter read from a file, of the contact `contact_id`: newest-wins by uid."""
        (contact_uid,) = self.conn.execute(
            "SELECT uid FROM contacts WHERE id = ?", (contact_id,)
        ).fetchone()
        record = {
            "uid": uid,
            "contact_uid": contact_uid,
            "place_id": place_id,
            "day": day,
            "note": note,
            "created_at": created_at,
        }
        return self.upsert_record("encounter", record, updated_at or created_at)

    def card_index(self) -> CardIndex:
        """What a card is matched on, for every contact: read once for a whole file."""
        index = CardIndex()
        tags: dict[int, set[str]] = {}
        for cid, tag in self.conn.execute("SELECT contact_id, tag FROM contact_tags"):
            tags.setdefault(cid, set()).add(fold(tag))
        for cid, uid, name_key, org, email, phone, note in self.conn.execute(
            "SELECT id, uid, name_key, org, email, phone, note FROM contacts ORDER BY id"
        ):
            index.add(cid, uid, name_key, [org, email, phone, note], tags.get(cid, set()))
        return index

    def merge_card(
        self, card: CardFields, index: CardIndex | None = None
    ) -> tuple[CardOutcome, str, list[str]]:
        """A card from an address book (formats/vcard.py), merged by its UID, else an e-mail,
        else a phone (its digits), else the exact name; else added. A merge fills only what
        the contact lacks (org, e-mail, phone, note) and adds the card's tags: nothing of the
        user's is overwritten, so importing a file again changes nothing. A uid forgotten or
        deleted here is refused. Returns (outcome, the contact's name, [how it matched, what
        the merge filled in]). `index`: `card_index()`, kept up to date here, for many cards.
        Call inside `write()`."""
        index = self.card_index() if index is None else index
        uid = card["uid"]
        if self.is_tombstoned(uid):
            return "forgotten", card["name"], []
        email = next(iter(card["emails"]), None)
        phone = next(iter(card["phones"]), None)
        found = index.match(card)
        if found is None:
            details = (card["org"], email, phone, card["note"])
            now = now_utc()
            contact_id = self._insert_contact(
                uid, card["name"], details, now, card["rev"] or now, card["tags"]
            )
            index.add(
                contact_id,
                uid,
                fold(card["name"]),
                [text_or_none(d) for d in details],
                {fold(t) for t in card["tags"]},
            )
            return "added", card["name"], []
        contact_id, how = found
        fields, tags = index.fields[contact_id], index.tags[contact_id]
        changes: dict[str, Any] = {}
        for n, (key, value) in enumerate(
            zip(DETAILS, (card["org"], email, phone, card["note"]), strict=True)
        ):
            if value and not fields[n]:
                changes[key] = fields[n] = value
        new_tags = [t for t in card["tags"] if fold(t) not in tags]
        filled = list(changes) + [f"tag {t}" for t in new_tags]
        (name,) = self.conn.execute(
            "SELECT name FROM contacts WHERE id = ?", (contact_id,)
        ).fetchone()
        if not filled:
            return "unchanged", name, [how]
        self._add_tags(contact_id, new_tags)
        tags.update(fold(t) for t in new_tags)
        index.note(contact_id, changes.get("email"), changes.get("phone"))
        changes["updated_at"] = now_utc()
        sets = ", ".join(f"{k} = ?" for k in changes)
        self.conn.execute(
            f"UPDATE contacts SET {sets} WHERE id = ?", (*changes.values(), contact_id)
        )
        return "merged", name, [how, *filled]


class CardIndex:
    """The contacts by uid, e-mail, phone key and name key, with their details (org, email,
    phone, note) and folded tags: what merging a card compares."""

    def __init__(self) -> None:
        self.uids: dict[str, int] = {}
        self.emails: dict[str, int] = {}
        self.phones: dict[str, int] = {}
        self.names: dict[str, int] = {}
        self.fields: dict[int, list[str | None]] = {}
        self.tags: dict[int, set[str]] = {}

    def add(
        self, cid: int, uid: str, name_key: str, fields: list[str | None], tags: set[str]
    ) -> None:
        self.uids.setdefault(uid, cid)
        self.names.setdefault(name_key, cid)
        self.fields[cid], self.tags[cid] = fields, tags
        self.note(cid, fields[1], fields[2])

    def note(self, cid: int, email: str | None, phone: str | None) -> None:
        """The contact's e-mail and phone, as they are now."""
        if email:
            self.emails.setdefault(email.strip().lower(), cid)
        key = phone_key(phone) if phone else None
        if key:
            self.phones.setdefault(key, cid)

    def match(self, card: CardFields) -> tuple[int, str] | None:
        """The contact this card is about, and by what: 'same uid', 'same e-mail'…"""
        if card["uid"] in self.uids:
            return self.uids[card["uid"]], "same uid"
        for email in card["emails"]:
            if email.strip().lower() in self.emails:
                return self.emails[email.strip().lower()], "same e-mail"
        for phone in card["phones"]:
            key = phone_key(phone)
            if key and key in self.phones:
                return self.phones[key], "same phone"
        name_key = fold(card["name"])
        return (self.names[name_key], "same name") if name_key in self.names else None


def phone_key(phone: str) -> str | None:
    """What two writings of one phone number share: its last 9 digits ('+33 6 12 34 56 78' and
    '06 12 34 56 78' are one number); None for fewer than 6 digits (too short to tell)."""
    digits = "".join(c for c in phone if c.isdigit())
    return digits[-9:] if len(digits) >= 6 else None


DETAILS = ("org", "email", "phone", "note")


def _name(name: str) -> str:
    """A contact's name from the user: the importer's rule (boundary.text), spaces collapsed."""
    name = user_text(name, "the contact's name", required=True, max_len=MAX_NAME) or ""
    return " ".join(name.split())


def _details(
    org: str | None, email: str | None, phone: str | None, note: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """(org, email, phone, note) from the user, each cleaned as the importer cleans it."""
    email = user_text(email, "the e-mail address")
    if email and ("@" not in email or any(c.isspace() for c in email.strip())):
        raise UsageError(f"bad e-mail address {quoted(email, 60)}")
    return (
        user_text(org, "the organisation"),
        email,
        user_text(phone, "the phone number"),
        user_text(note, "the note", lines=True),
    )
