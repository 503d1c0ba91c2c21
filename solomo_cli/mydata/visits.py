"""Visits (days worked at a place, with rating and cost) and place notes: their records, their
totals, and the part of UserData that stores them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from solomo_cli import db
from solomo_cli.boundary import quoted
from solomo_cli.errors import StoreError, UsageError
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
from solomo_cli.signals import (
    CALLS_NOTES,
    NO_NOTES,
    NOISE_NOTES,
    POWER_NOTES,
    WIFI_NOTES,
    FieldNotes,
)

if TYPE_CHECKING:
    from solomo_cli.mydata.sync import Outcome


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
    updated_at: str = ""  # when last written, here or on another machine (mydata/sync.py)
    facts: FieldNotes = NO_NOTES  # what you found there: power, Wi-Fi, noise, calls


class Note(NamedTuple):
    id: int
    uid: str
    place_id: str
    created_at: str
    text: str
    updated_at: str = ""


class Totals(NamedTuple):
    """Days worked (distinct dates), visits and costs per currency; per place and per month.

    `by_place` (most days first) and `by_month` (newest first) may hold only the first rows of
    `places` and `months` in all; the overall figures are always over every visit matched."""

    days: int
    visits: int
    cost: dict[str, Decimal]  # '' for amounts without currency
    by_place: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    places: int = 0
    months: int = 0


NO_TOTALS = Totals(0, 0, {}, [], [])
PAGE = 2_000  # visits read at a time when they are streamed
# SQLite's page cache (KiB) while visits are streamed: read newest first through the day index,
# a long log visits the table's pages out of order, and the default 2 MB cache reads each
# page again from the file many times (100,000 visits: 0.87 s of CPU at 2 MB, 0.64 s at 16).
STREAM_CACHE_KB = 16_384
MEMOS = 32  # totals memoised at most (one per filter asked for), the newest kept


class Filter(NamedTuple):
    """Which visits: a WHERE clause on `visits v` and its parameters (one per condition)."""

    where: str
    params: tuple[Any, ...]

    @classmethod
    def of(cls, since: str | None, until: str | None, place_id: str | None) -> Filter:
        terms = [
            (sql, value)
            for sql, value in (
                ("v.day >= ?", since),
                ("v.day <= ?", until),
                ("v.place_id = ?", place_id),
            )
            if value
        ]
        return cls(" AND ".join(t for t, _ in terms) or "1", tuple(v for _, v in terms))

    def and_(self, sql: str, *params: Any) -> Filter:
        return Filter(f"{self.where} AND {sql}", (*self.params, *params))


def _add_cost(costs: dict[str, Decimal], currency: str, cost: str, times: int) -> None:
    costs[currency] = costs.get(currency, Decimal(0)) + Decimal(cost) * times


_VISIT_SQL = f"""SELECT v.id, v.uid, v.day, v.rating, v.note, v.cost, v.currency, v.created_at,
                 v.updated_at, v.power, v.wifi, v.noise, v.calls,
                 {PLACE_COLS} FROM visits v JOIN places p ON p.id = v.place_id"""
_NEWEST = " ORDER BY v.day DESC, v.id DESC"


class PlaceRows:
    """Place columns → Place, each place's tags decoded once however many rows name it (the
    rows of one query: a place seen again is the same snapshot)."""

    __slots__ = ("places",)

    def __init__(self) -> None:
        self.places: dict[Any, Place | None] = {}

    def __call__(self, cols: Sequence[Any]) -> Place | None:
        try:
            return self.places[cols[0]]
        except KeyError:
            place = self.places[cols[0]] = place_from_row(cols)
            return place


class _Visits:
    """Rows → Visits, through one PlaceRows."""

    __slots__ = ("place",)

    def __init__(self) -> None:
        self.place = PlaceRows()

    def __call__(self, row: Sequence[Any]) -> Visit:
        place = self.place(row[13:])
        assert place is not None
        return _visit_of(row, place)


def _visit_of(row: Sequence[Any], place: Place) -> Visit:
    """A Visit from a row of _VISIT_SQL's visit columns (the first thirteen)."""
    facts = row[9:13]
    notes = _new(FieldNotes, facts) if any(facts) else NO_NOTES
    # Visit(...) without the Python frame of a NamedTuple's __new__ (a long log makes 100k)
    return _new(
        Visit,
        (row[0], row[1], place, row[2], row[3], row[4], row[5], row[6], row[7], row[8], notes),
    )


_new = tuple.__new__


def _mbps(text: str) -> str | None:
    number = text.removesuffix("mbps").removesuffix("mbit/s").removesuffix("mb/s").strip()
    try:
        value = float(number)
    except ValueError:
        return None
    if not 0 < value <= 100_000 or number.lower() in ("nan", "inf"):
        return None
    return f"{value:g}mbps"


def field_notes(
    power: str | None = None,
    wifi: str | None = None,
    noise: str | None = None,
    calls: str | None = None,
) -> FieldNotes:
    """The field notes of a visit, checked (from argv or a file): each one of its words, Wi-Fi
    also a speed ('40mbps', '12.5 Mbps'). '' stands for "not said"."""
    checked: list[str | None] = []
    for what, value, words in (
        ("power", power, POWER_NOTES),
        ("Wi-Fi", wifi, WIFI_NOTES),
        ("noise", noise, NOISE_NOTES),
        ("calls", calls, CALLS_NOTES),
    ):
        word = (value or "").strip().lower()
        if not word:
            checked.append(None)
            continue
        if word in words:
            checked.append(word)
            continue
        speed = (
            _mbps(word) if what == "Wi-Fi" and word.endswith(("mbps", "mbit/s", "mb/s")) else None
        )
        if speed is None:
            choices = f"{', '.join(words[:-1])} or {words[-1]}"
            if what == "Wi-Fi":
                choices = f"{', '.join(words)}, or a speed such as 40mbps"
            raise UsageError(f"{what} must be {choices}, not {quoted(str(value))}")
        checked.append(speed)
    return FieldNotes(*checked)


def _visit(row: Sequence[Any]) -> Visit:
    return _Visits()(row)


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
        facts: FieldNotes = NO_NOTES,
    ) -> Visit:
        _check_rating(rating)
        note = user_text(note, "the note", lines=True)
        facts = field_notes(*facts)
        with self.write() as conn:
            if remember:
                self.remember(place)
            now = now_utc()
            cur = conn.execute(
                "INSERT INTO visits (uid, place_id, day, rating, note, cost, currency, created_at,"
                " updated_at, power, wifi, noise, calls)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new_uid(), place.id, day, rating, note, cost, currency, now, now, *facts),
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
        facts: dict[str, str] | None = None,
    ) -> Visit:
        """Change what is given; `note=''` clears the note; `facts` maps field notes to new
        values ('' clears one)."""
        _check_rating(rating)
        notes = field_notes(**(facts or {}))
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
            for name in facts or {}:
                changes[name] = getattr(notes, name)
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
        self,
        since: str | None = None,
        until: str | None = None,
        place_id: str | None = None,
        *,
        limit: int | None = None,
    ) -> list[Visit]:
        """Newest first; `limit`: only the first so many (the others are not read)."""
        where = Filter.of(since, until, place_id)
        sql = _VISIT_SQL + f" WHERE {where.where}" + _NEWEST
        params = where.params
        if limit is not None:
            sql, params = sql + " LIMIT ?", (*params, limit)
        return list(map(_Visits(), self._read(sql, params)))

    def iter_visits(
        self, since: str | None = None, until: str | None = None, place_id: str | None = None
    ) -> Iterator[Visit]:
        """Newest first, read a page at a time: memory stays flat in the number of visits, and
        each place is read once (not its tags again with each of its visits)."""
        where = Filter.of(since, until, place_id)
        places: dict[str, Place] = {}
        # The cache grows only as pages are read: a short log stays small.
        self._read(f"PRAGMA cache_size = {-STREAM_CACHE_KB}")
        while True:
            rows = self._read(
                "SELECT v.id, v.uid, v.day, v.rating, v.note, v.cost, v.currency, v.created_at, "
                "v.updated_at, v.power, v.wifi, v.noise, v.calls, "
                f"v.place_id FROM visits v WHERE {where.where}{_NEWEST} LIMIT {PAGE}",
                where.params,
            )
            missing = {r[13] for r in rows} - places.keys()
            if missing:
                for cols in self._read(
                    f"SELECT {PLACE_COLS} FROM places p "
                    "WHERE p.id IN (SELECT value FROM json_each(?))",
                    (json.dumps(sorted(missing)),),
                ):
                    places[cols[0]] = place_from_row(cols)  # type: ignore[assignment]
            for r in rows:
                yield _visit_of(r, places[r[13]])
            if len(rows) < PAGE:
                return
            # The next page: older than the last row (the order is unique: day, then id).
            where = Filter.of(since, until, place_id).and_(
                "v.day <= ? AND (v.day < ? OR v.id < ?)", rows[-1][2], rows[-1][2], rows[-1][0]
            )

    def count_visits(
        self, since: str | None = None, until: str | None = None, place_id: str | None = None
    ) -> int:
        where = Filter.of(since, until, place_id)
        rows = self._read(f"SELECT count(*) FROM visits v WHERE {where.where}", where.params)
        return int(rows[0][0]) if rows else 0

    def totals(
        self,
        since: str | None = None,
        until: str | None = None,
        place_id: str | None = None,
        *,
        top: int | None = None,
    ) -> Totals:
        """The totals of the visits matched; `top`: only the first so many rows per place and
        per month (the overall figures stay over every visit).

        Read from the memo when it holds them (exact: any change empties it, see
        store.m005_totals_memo); else counted, and memoised unless the file is read-only."""
        if not self.exists:
            return NO_TOTALS
        key = json.dumps([since, until, place_id, top])
        memo = self._read("SELECT value FROM totals_memo WHERE key = ?", (key,))
        if memo:
            return _totals_from_json(memo[0][0])
        conn = self.conn
        if self.read_only or conn.in_transaction:
            return self.count_totals(since, until, place_id, top=top)
        # Counted and stored in one transaction (the write lock taken first): no change can
        # come between the count and its memo.
        try:
            with db.transaction(conn):
                totals = self.count_totals(since, until, place_id, top=top)
                conn.execute(
                    "DELETE FROM totals_memo WHERE rowid NOT IN "
                    f"(SELECT rowid FROM totals_memo ORDER BY rowid DESC LIMIT {MEMOS - 1})"
                )
                conn.execute("INSERT INTO totals_memo VALUES (?, ?)", (key, _totals_json(totals)))
        except (StoreError, sqlite3.OperationalError):  # busy, or not writable after all
            return self.count_totals(since, until, place_id, top=top)
        return totals

    def count_totals(
        self,
        since: str | None = None,
        until: str | None = None,
        place_id: str | None = None,
        *,
        top: int | None = None,
    ) -> Totals:
        """The totals, counted in SQL over the visits (what the memo holds)."""
        where = Filter.of(since, until, place_id)
        # Visits per day: the days worked, the visits, and (folded below) the months.
        per_day = self._read(
            f"SELECT v.day, count(*) FROM visits v WHERE {where.where} GROUP BY v.day "
            "ORDER BY v.day DESC",
            where.params,
        )
        if not per_day:
            return NO_TOTALS
        months: dict[str, dict[str, Any]] = {}
        for day, n in per_day:
            month = months.setdefault(
                day[:7], {"month": day[:7], "days": 0, "visits": 0, "cost": {}}
            )
            month["days"] += 1
            month["visits"] += n
        rows = self._read(
            # Grouped first, then joined: one look-up per place, not one per visit.
            "SELECT g.place_id, p.name, p.kind, p.lat, p.lon, g.days, g.n FROM ("
            "SELECT v.place_id, count(DISTINCT v.day) AS days, count(*) AS n "
            f"FROM visits v WHERE {where.where} GROUP BY v.place_id"
            ") g JOIN places p ON p.id = g.place_id ORDER BY g.days DESC",
            where.params,
        )
        places = len(rows)
        if top is not None and len(rows) > top:
            # Most days first, then by name: only the places that can be among the first `top`
            # (as many days as the last of them, or more) need their names folded.
            rows = [r for r in rows if r[5] >= rows[top - 1][5]]
        rows.sort(key=lambda r: (-r[5], fold(r[1])))
        by_place = [
            {"place": Place(pid, name, kind, lat, lon), "days": days, "visits": n, "cost": {}}
            for pid, name, kind, lat, lon, days, n in rows[:top]
        ]
        # The costs, per month (one scan of the costed visits): summed, they are the total.
        cost: dict[str, Decimal] = {}
        costed = where.and_("v.cost IS NOT NULL")
        for month, cur, amount, n in self._read(
            f"SELECT substr(v.day, 1, 7), coalesce(v.currency, ''), v.cost, count(*) FROM visits v "
            f"WHERE {costed.where} GROUP BY 1, 2, 3",
            costed.params,
        ):
            _add_cost(months[month]["cost"], cur, amount, n)
            _add_cost(cost, cur, amount, n)
        # Costs per place: only for the places kept (all of them without `top`).
        shown = {r["place"].id: r["cost"] for r in by_place}
        if top is not None:
            costed = costed.and_(
                "v.place_id IN (SELECT value FROM json_each(?))", json.dumps(list(shown))
            )
        for pid, cur, amount, n in self._read(
            f"SELECT v.place_id, coalesce(v.currency, ''), v.cost, count(*) FROM visits v "
            f"WHERE {costed.where} GROUP BY 1, 2, 3",
            costed.params,
        ):
            _add_cost(shown[pid], cur, amount, n)
        by_month = list(months.values())[:top]
        return Totals(
            len(per_day), sum(n for _, n in per_day), cost, by_place, by_month, places, len(months)
        )

    def place_stats(self) -> dict[str, tuple[int, int, int, str]]:
        """Per place: the sum and number of its ratings, its visits, and its last day."""
        return {
            pid: (rated_sum or 0, rated, n, last)
            for pid, rated_sum, rated, n, last in self._read(
                "SELECT place_id, sum(rating), count(rating), count(*), max(day) FROM visits "
                "GROUP BY place_id"
            )
        }

    # -- place notes ----------------------------------------------------------------------

    def add_note(self, place: Place, text: str, *, remember: bool = True) -> Note:
        text = user_text(text, "the note", lines=True, required=True) or ""
        with self.write() as conn:
            if remember:
                self.remember(place)
            uid, created = new_uid(), now_utc()
            cur = conn.execute(
                "INSERT INTO place_notes (uid, place_id, created_at, updated_at, text) "
                "VALUES (?, ?, ?, ?, ?)",
                (uid, place.id, created, created, text),
            )
        return Note(cur.lastrowid or 0, uid, place.id, created, text, created)

    def note(self, note_id: int) -> Note:
        rows = self._read(
            "SELECT id, uid, place_id, created_at, text, updated_at FROM place_notes WHERE id = ?",
            (note_id,),
        )
        if not rows:
            raise UsageError(
                f"there is no note #{note_id}", hint="solomo show REF shows a place's notes and ids"
            )
        return Note(*rows[0])

    def edit_note(self, note_id: int, text: str) -> Note:
        """Replace a note's text (it keeps its day)."""
        text = user_text(text, "the note", lines=True, required=True) or ""
        with self.write() as conn:
            self.note(note_id)
            conn.execute("UPDATE place_notes SET text = ? WHERE id = ?", (text, note_id))
            return self.note(note_id)

    def remove_note(self, note_id: int) -> Note:
        """Delete a note for good (secure_delete overwrites it)."""
        with self.write() as conn:
            note = self.note(note_id)
            conn.execute("DELETE FROM place_notes WHERE id = ?", (note_id,))
        return note

    def notes_by_place(self) -> dict[str, list[Note]]:
        """Every place note, grouped by place in one pass (each place's oldest first)."""
        grouped: dict[str, list[Note]] = {}
        for note in self.notes():
            grouped.setdefault(note.place_id, []).append(note)
        return grouped

    def notes(self, place_id: str | None = None) -> list[Note]:
        sql = "SELECT id, uid, place_id, created_at, text, updated_at FROM place_notes"
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
        updated_at: str | None = None,
        facts: FieldNotes = NO_NOTES,
    ) -> Outcome:
        """A visit read from a file, newest-wins by uid (mydata/sync.py): added, updated when
        the file's copy is newer, else kept; a deleted one stays deleted. Its id is chosen
        here: an id from a file is never a row id (one near 2**63 would end every later
        insert)."""
        facts = field_notes(*facts)
        record = {
            "uid": uid,
            "place_id": place_id,
            "day": day,
            "rating": rating,
            "note": note,
            "cost": cost,
            "currency": currency,
            "created_at": created_at,
            "power": facts.power,
            "wifi": facts.wifi,
            "noise": facts.noise,
            "calls": facts.calls,
        }
        return self.upsert_record("visit", record, updated_at or created_at)

    def import_note(
        self, *, uid: str, place_id: str, created_at: str, text: str, updated_at: str | None = None
    ) -> Outcome:
        record = {"uid": uid, "place_id": place_id, "created_at": created_at, "text": text}
        return self.upsert_record("note", record, updated_at or created_at)


def _totals_json(t: Totals) -> str:
    def row(r: dict[str, Any]) -> dict[str, Any]:
        r = {**r, "cost": {c: str(a) for c, a in r["cost"].items()}}
        if "place" in r:
            p = r["place"]
            r["place"] = [p.id, p.name, p.kind, p.lat, p.lon]
        return r

    return json.dumps(
        [
            t.days,
            t.visits,
            {c: str(a) for c, a in t.cost.items()},
            [row(r) for r in t.by_place],
            [row(r) for r in t.by_month],
            t.places,
            t.months,
        ]
    )


def _totals_from_json(text: str) -> Totals:
    def row(r: dict[str, Any]) -> dict[str, Any]:
        r["cost"] = {c: Decimal(a) for c, a in r["cost"].items()}
        if "place" in r:
            r["place"] = Place(*r["place"])
        return r

    days, visits, cost, by_place, by_month, places, months = json.loads(text)
    return Totals(
        days,
        visits,
        {c: Decimal(a) for c, a in cost.items()},
        [row(r) for r in by_place],
        [row(r) for r in by_month],
        places,
        months,
    )


def _check_rating(rating: int | None) -> None:
    if rating is not None and not (isinstance(rating, int) and 1 <= rating <= 5):
        raise UsageError(f"bad rating {rating!r}", hint="a rating is a whole number from 1 to 5")
