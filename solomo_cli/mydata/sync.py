"""What an import or a sync needs of the user-data file: which records changed since a time,
which were deleted (tombstones), and one newest-wins write per record.

Every record — visit, place note, contact, encounter, contact tag — has a stable `uid` and an
`updated_at` (ISO-8601 UTC, `now_utc()`'s format), kept by the triggers of
store.m006_sync_identity: any UPDATE that does not set `updated_at` itself bumps it, and any
DELETE leaves a tombstone `(uid, kind, deleted_at)` and nothing else. A tombstoned uid is never
brought back by `upsert_record`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

from solomo_cli.match import fold
from solomo_cli.mydata.base import StoreParts, clean_tag, new_uid, now_utc, text_or_none

Kind = Literal["visit", "note", "contact", "encounter", "tag"]
Outcome = Literal["added", "updated", "kept", "tombstoned"]

# kind → table (store.SYNCED says the same the other way round, for the migration).
TABLES: dict[str, str] = {
    "visit": "visits",
    "note": "place_notes",
    "contact": "contacts",
    "encounter": "encounters",
    "tag": "contact_tags",
}

# The columns a record of each kind gives to `upsert_record` (besides uid and updated_at).
# References go by uid (contact_uid), never by row id: row ids are this file's own.
FIELDS: dict[str, tuple[str, ...]] = {
    "visit": (
        "place_id",
        "day",
        "rating",
        "note",
        "cost",
        "currency",
        "created_at",
        "power",
        "wifi",
        "noise",
        "calls",
    ),
    "note": ("place_id", "created_at", "text"),
    "contact": ("name", "org", "email", "phone", "note", "created_at"),
    "encounter": ("contact_uid", "place_id", "day", "note", "created_at"),
    "tag": ("contact_uid", "tag"),
}


class Tombstone(NamedTuple):
    uid: str
    kind: str
    deleted_at: str


class Change(NamedTuple):
    uid: str
    kind: str
    updated_at: str


class SyncPart(StoreParts):
    """Change lists, tombstones and newest-wins writes of UserData."""

    def tombstones(self, since: str | None = None) -> list[Tombstone]:
        """The deletions (all, or those after `since`), oldest first."""
        if not self._has_table("tombstones"):
            return []
        rows = self._read(
            "SELECT uid, kind, deleted_at FROM tombstones WHERE deleted_at > ? "
            "ORDER BY deleted_at, uid",
            (since or "",),
        )
        return [Tombstone(*r) for r in rows]

    def is_tombstoned(self, uid: str) -> bool:
        return bool(self._read("SELECT 1 FROM tombstones WHERE uid = ?", (uid,)))

    def changed_since(self, since: str | None = None) -> list[Change]:
        """The records written (added or changed) after `since` (all without it), oldest first."""
        if not self.exists:
            return []
        union = " UNION ALL ".join(
            f"SELECT uid, '{kind}', updated_at FROM {table} WHERE updated_at > ?"
            for kind, table in TABLES.items()
        )
        rows = self._read(f"SELECT * FROM ({union}) ORDER BY 3, 1", (since or "",) * len(TABLES))
        return [Change(*r) for r in rows]

    def updated_at(self, kind: Kind, uid: str) -> str | None:
        """When the record was last written here; None if it is not here."""
        rows = self._read(f"SELECT updated_at FROM {TABLES[kind]} WHERE uid = ?", (uid,))
        return rows[0][0] if rows else None

    def upsert_record(self, kind: Kind, record: Mapping[str, Any], updated_at: str) -> Outcome:
        """Write one record read from elsewhere (an import, a synced file), newest-wins: added
        if its uid is not here, updated if `updated_at` is newer than the copy here, else kept;
        a tombstoned uid is refused ("tombstoned") and stays deleted.

        `record` holds `uid` and FIELDS[kind], already cleaned at the boundary; a visit's or a
        note's place must be in the places table (`ensure_place`); an encounter's or a tag's
        contact must be here (LookupError otherwise). A contact record that holds `tags` (a
        list of names) sets the contact's tags to them when it wins. One transaction, or part
        of the caller's `write()`."""
        uid = str(record["uid"])
        table = TABLES[kind]
        with self.write() as conn:
            if self.is_tombstoned(uid):
                return "tombstoned"
            here = conn.execute(f"SELECT updated_at FROM {table} WHERE uid = ?", (uid,)).fetchone()
            if here is not None and not (updated_at > (here[0] or "")):
                return "kept"
            values = self._columns(kind, record)
            values["updated_at"] = updated_at
            if here is None:
                names = ", ".join(["uid", *values])
                marks = ", ".join("?" * (len(values) + 1))
                conn.execute(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})", (uid, *values.values())
                )
            else:
                sets = ", ".join(f"{k} = ?" for k in values)
                conn.execute(f"UPDATE {table} SET {sets} WHERE uid = ?", (*values.values(), uid))
            if kind == "contact" and record.get("tags") is not None:
                self._set_tags(uid, record["tags"], updated_at)
            return "added" if here is None else "updated"

    def delete_record(self, kind: Kind, uid: str, deleted_at: str | None = None) -> bool:
        """Delete the record (deleted elsewhere), leaving its tombstone with `deleted_at` (now
        by default). A contact takes its encounters and tags with it. False if it was not here
        (its tombstone is written all the same, so that it never comes back)."""
        when = deleted_at or now_utc()
        table = TABLES[kind]
        with self.write() as conn:
            if kind == "contact":
                row = conn.execute("SELECT id FROM contacts WHERE uid = ?", (uid,)).fetchone()
                if row is not None:
                    conn.execute("DELETE FROM encounters WHERE contact_id = ?", (row[0],))
                    conn.execute("DELETE FROM contact_tags WHERE contact_id = ?", (row[0],))
            gone = conn.execute(f"DELETE FROM {table} WHERE uid = ?", (uid,)).rowcount > 0
            conn.execute(
                "INSERT INTO tombstones (uid, kind, deleted_at) VALUES (?, ?, ?) "
                "ON CONFLICT (uid) DO UPDATE SET deleted_at = excluded.deleted_at",
                (uid, kind, when),
            )
            return gone

    # -- helpers ------------------------------------------------------------------------

    def _has_table(self, name: str) -> bool:
        return bool(
            self._read("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        )

    def _contact_id(self, contact_uid: str) -> int:
        row = self.conn.execute("SELECT id FROM contacts WHERE uid = ?", (contact_uid,)).fetchone()
        if row is None:
            raise LookupError(f"no contact with uid {contact_uid}")
        return int(row[0])

    def _columns(self, kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """The table's columns for `record`: contact_uid → contact_id, a contact's name key."""
        values = {name: record.get(name) for name in FIELDS[kind]}
        if "contact_uid" in values:
            values["contact_id"] = self._contact_id(str(values.pop("contact_uid")))
        if kind == "contact":
            values["name_key"] = fold(str(values["name"]))
        for name in ("note", "org", "email", "phone"):
            if name in values:
                values[name] = text_or_none(values[name])
        if kind in ("visit", "note", "encounter", "contact") and not values.get("created_at"):
            values["created_at"] = now_utc()
        return values

    def _set_tags(self, contact_uid: str, tags: Sequence[str], updated_at: str) -> None:
        """The contact's tags become `tags` (folded: case, accents): those gone are deleted
        (tombstoned), those new are added."""
        contact_id = self._contact_id(contact_uid)
        wanted: dict[str, str] = {}
        for tag in tags:
            tag = clean_tag(tag)
            wanted.setdefault(fold(tag), tag)
        for rowid, tag in self.conn.execute(
            "SELECT rowid, tag FROM contact_tags WHERE contact_id = ?", (contact_id,)
        ).fetchall():
            if wanted.pop(fold(tag), None) is None:
                self.conn.execute("DELETE FROM contact_tags WHERE rowid = ?", (rowid,))
        for tag in wanted.values():
            self.conn.execute(
                "INSERT INTO contact_tags (contact_id, tag, uid, updated_at) VALUES (?, ?, ?, ?)",
                (contact_id, tag, new_uid(), updated_at),
            )
