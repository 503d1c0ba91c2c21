"""Visits (days worked at a place, with rating and cost) and place notes: their records, their
totals, and the part of UserData that stores them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from solomo_cli.errors import UsageError
from solomo_cli.match import fold
from solomo_cli.model import Place
from solomo_cli.mydata.base import (
    PLACE_COLS,
    StoreParts,
    new_uid,
    now_utc,
    place_from_row,
    text_or_none,
    user_text,
)


# Records as NamedTuples, not dataclasses: they are defined on every run of the user-data
# commands, and a dataclass costs half a millisecond more to define (as model.Place says).
class Visit(NamedTuple):
    id: int
    uid: str
    place: Place
    day: str
    rating: int | None
    note: str | None
    cost: str | None  # exact decimal amount
    currency: str | None
    created_at: str


class Note(NamedTuple):
    id: int
    uid: str
    place_id: str
    created_at: str
    text: str


class Totals(NamedTuple):
    """Days worked (distinct dates), visits and costs per currency; per place and per month."""

    days: int
    visits: int
    cost: dict[str, Decimal]  # '' for amounts without currency
    by_place: list[dict[str, Any]]
    by_month: list[dict[str, Any]]


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


_VISIT_SQL = f"""SELECT v.id, v.uid, v.day, v.rating, v.note, v.cost, v.currency, v.created_at,
                 {PLACE_COLS} FROM visits v JOIN places p ON p.id = v.place_id"""


def _visit(row: Sequence[Any]) -> Visit:
    place = place_from_row(row[8:])
    assert place is not None
    return Visit(row[0], row[1], place, row[2], row[3], row[4], row[5], row[6], row[7])


class VisitsPart(StoreParts):
    """The visits and place notes of UserData."""

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
        note = user_text(note, "the note", lines=True)
        with self.write() as conn:
            if remember:
                self.remember(place)
            cur = conn.execute(
                "INSERT INTO visits (uid, place_id, day, rating, note, cost, currency, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (new_uid(), place.id, day, rating, note, cost, currency, now_utc()),
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
        note = None if note is None else user_text(note, "the note", lines=True) or ""
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
                changes["note"] = text_or_none(note)
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
        text = user_text(text, "the note", lines=True, required=True) or ""
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
    ) -> bool:
        """Add a visit read from a file unless one with its uid is here. Its id is chosen here:
        an id from a file is never a row id (one near 2**63 would end every later insert)."""
        if self._has_uid("visits", uid):
            return False
        self.conn.execute(
            "INSERT INTO visits (uid, place_id, day, rating, note, cost, currency, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid,
                place_id,
                day,
                rating,
                text_or_none(note),
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


def _check_rating(rating: int | None) -> None:
    if rating is not None and not (isinstance(rating, int) and 1 <= rating <= 5):
        raise UsageError(f"bad rating {rating!r}", hint="a rating is a whole number from 1 to 5")
