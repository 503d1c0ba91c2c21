"""Keep in touch: how often to see each contact (their own cadence, else their tags' from the
config), who is due, snoozing a reminder; the one-time notices the user has seen; and the own
notes that still mention a person (for `contact forget`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import NamedTuple

from solomo_cli import db
from solomo_cli.match import fold
from solomo_cli.mydata.base import StoreParts, new_uid, now_utc
from solomo_cli.mydata.contacts import Contact, Encounter

SOON_DAYS = 14  # `contact due` also lists who falls due within this many days
MIN_PART = 3  # name parts shorter than this ("Li", "de") are not looked for in notes


def m007_keep_in_touch(conn: sqlite3.Connection) -> None:
    # The cadence and the snooze belong to the contact (they go and are forgotten with it);
    # trips and the notices seen are records of their own, with a uid like every record.
    db.run_script(
        conn,
        """
        ALTER TABLE contacts ADD COLUMN cadence_days INTEGER CHECK (cadence_days > 0);
        ALTER TABLE contacts ADD COLUMN snoozed_until TEXT;
        CREATE TABLE trips (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            query TEXT NOT NULL,           -- the place as the user gave it
            label TEXT NOT NULL,           -- the geocoder's display name
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            from_day TEXT NOT NULL,
            to_day TEXT NOT NULL CHECK (to_day >= from_day),
            note TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX trips_days ON trips (from_day, to_day);
        CREATE TABLE notices (
            key TEXT PRIMARY KEY,          -- which one-time notice was shown
            uid TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
    )


class Due(NamedTuple):
    """A contact with a cadence, and when to get back in touch."""

    contact: Contact
    cadence_days: int
    cadence_from: str  # "" for the contact's own, else the tag it comes from
    due: date  # the last encounter (else the day added) + the cadence, or the snooze's end
    days_left: int  # negative: overdue by that many days
    snoozed_until: str | None

    @property
    def last_met(self) -> Encounter | None:
        return self.contact.encounters[0] if self.contact.encounters else None


def cadence_of(
    own: int | None, tags: Iterable[str], cadences: Mapping[str, int]
) -> tuple[int, str] | None:
    """(days, where from): the contact's own cadence wins; else the shortest of its tags'."""
    if own:
        return own, ""
    found = [(cadences[fold(t)], t) for t in tags if fold(t) in cadences]
    return min(found) if found else None


def config_cadences() -> dict[str, int]:
    from solomo_cli.config import load_settings

    return dict(load_settings().cadence)


def due_contacts(
    user: KeepPart,
    today: date,
    cadences: Mapping[str, int] | None = None,
    *,
    within_days: int | None = SOON_DAYS,
) -> list[Due]:
    """The contacts to get back in touch with: overdue (most overdue first), then those due
    within `within_days` (None: every contact with a cadence), soonest first. `cadences`:
    (folded tag → days), the config's `[cadence]` by default."""
    if cadences is None:
        cadences = config_cadences()
    return [
        d
        for d in user.all_due(today, cadences)
        if within_days is None or d.days_left <= within_days
    ]


class KeepPart(StoreParts):
    """Cadences, snoozes and one-time notices of UserData."""

    def _cadence_rows(self) -> dict[int, tuple[int | None, str | None]]:
        return {
            cid: (days, snoozed)
            for cid, days, snoozed in self._read(
                "SELECT id, cadence_days, snoozed_until FROM contacts"
            )
        }

    def all_due(self, today: date, cadences: Mapping[str, int]) -> list[Due]:
        """Every contact with a cadence (their own or a tag's), soonest due first."""
        rows = self._cadence_rows()
        found = []
        for c in self.contacts():  # type: ignore[attr-defined]  # ContactsPart's, in UserData
            own, snoozed = rows.get(c.id, (None, None))
            cadence = cadence_of(own, c.tags, cadences)
            if cadence is None:
                continue
            due = date.fromisoformat(c.last_seen) + timedelta(days=cadence[0])
            if snoozed and snoozed > due.isoformat():
                due = date.fromisoformat(snoozed)
            found.append(Due(c, cadence[0], cadence[1], due, (due - today).days, snoozed or None))
        found.sort(key=lambda d: (d.days_left, fold(d.contact.name)))
        return found

    def set_cadence(self, contact_id: int, days: int | None) -> None:
        """Keep in touch every `days` (None: no cadence of the contact's own)."""
        with self.write() as conn:
            conn.execute(
                "UPDATE contacts SET cadence_days = ?, updated_at = ? WHERE id = ?",
                (days, now_utc(), contact_id),
            )

    def cadence(self, contact_id: int) -> int | None:
        return self._cadence_rows().get(contact_id, (None, None))[0]

    def any_cadence(self) -> bool:
        """Whether any contact has a cadence of their own."""
        return bool(self._read("SELECT 1 FROM contacts WHERE cadence_days IS NOT NULL LIMIT 1"))

    def snooze(self, contact_id: int, until: date) -> None:
        """No reminder for this contact before `until` (an encounter after it resets the clock
        as always)."""
        with self.write() as conn:
            conn.execute(
                "UPDATE contacts SET snoozed_until = ?, updated_at = ? WHERE id = ?",
                (until.isoformat(), now_utc(), contact_id),
            )

    def first_notice(self, key: str) -> bool:
        """True the first time it is asked for `key` (then remembered in the file): a hint
        that is given once. False, and nothing written, on a read-only file."""
        if self.read_only:
            return False
        now = now_utc()
        with self.write() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO notices (key, uid, created_at, updated_at) "
                "VALUES (?, ?, ?, ?)",
                (key, new_uid(), now, now),
            )
        return cur.rowcount > 0


# -- what still mentions a person -----------------------------------------------------------


class Mention(NamedTuple):
    what: str  # "visit" or "note"
    id: int
    day: str
    text: str


def name_parts(name: str) -> list[str]:
    """The folded words of a name worth looking for: 'Jeanne de Martin' → jeanne, martin."""
    return [p for p in fold(name).split() if len(p) >= MIN_PART]


def mentions(user: StoreParts, name: str) -> list[Mention]:
    """The user's own visit and place notes whose text holds any part of `name` as a word
    (folded, by match.fold), oldest first."""
    parts = set(name_parts(name))
    if not parts:
        return []

    def hit(text: str | None) -> bool:
        return bool(parts & set(fold(text).split()))

    found = [
        Mention("visit", vid, day, note)
        for vid, day, note in user._read(
            "SELECT id, day, note FROM visits WHERE note IS NOT NULL ORDER BY day, id"
        )
        if hit(note)
    ]
    found += [
        Mention("note", nid, created[:10], text)
        for nid, created, text in user._read(
            "SELECT id, created_at, text FROM place_notes ORDER BY created_at, id"
        )
        if hit(text)
    ]
    return found
