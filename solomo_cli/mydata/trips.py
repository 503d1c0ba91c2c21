"""Trips: a place (geocoded once, kept with its point) and the days you will be there; what
you know of its area (people met there, your best-rated places); and the current trip, which
`solomo near` searches around when given no place."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import NamedTuple

from solomo_cli.errors import UsageError
from solomo_cli.geo import distance_m
from solomo_cli.match import fold
from solomo_cli.model import Place
from solomo_cli.mydata.base import StoreParts, new_uid, now_utc, user_text
from solomo_cli.mydata.contacts import Contact
from solomo_cli.mydata.keep import Due

BEST_PLACES = 10  # rated places shown for a trip's area


class Trip(NamedTuple):  # not a dataclass: see visits.Visit
    id: int
    uid: str
    query: str
    label: str
    lat: float
    lon: float
    start: str  # YYYY-MM-DD, first day
    end: str  # YYYY-MM-DD, last day (inclusive)
    note: str | None
    created_at: str
    updated_at: str

    def on(self, day: date) -> bool:
        return self.start <= day.isoformat() <= self.end


class Rated(NamedTuple):
    place: Place
    rating: float  # the mean of the user's ratings
    visits: int
    last_day: str
    distance_m: float


class TripArea(NamedTuple):
    """What `trip show` says of a trip's area."""

    trip: Trip
    radius_m: float
    people: list[tuple[Contact, Due | None]]  # due and stale ties first
    places: list[Rated]  # best-rated first


_COLS = "id, uid, query, label, lat, lon, from_day, to_day, note, created_at, updated_at FROM trips"
_ORDER = " ORDER BY from_day, to_day, id"


def _label(start: date, end: date) -> str:
    """'3–7 Dec', '28 Nov–2 Dec', '28 Dec 2026–3 Jan 2027': a trip's days, short."""

    def day(d: date, month: bool = True, year: bool = False) -> str:
        return f"{d.day}" + (f" {d:%b}" if month else "") + (f" {d.year}" if year else "")

    if start == end:
        return day(start)
    if start.year != end.year:
        return f"{day(start, year=True)}–{day(end, year=True)}"
    if start.month != end.month:
        return f"{day(start)}–{day(end)}"
    return f"{day(start, month=False)}–{day(end)}"


def days_label(trip: Trip) -> str:
    return _label(date.fromisoformat(trip.start), date.fromisoformat(trip.end))


def current_or_next(trips: list[Trip], today: date) -> Trip | None:
    """The trip under way today (the latest started, if several), else the next one."""
    now = [t for t in trips if t.on(today)]
    if now:
        return max(now, key=lambda t: (t.start, t.id))
    ahead = [t for t in trips if t.start > today.isoformat()]
    return min(ahead, key=lambda t: (t.start, t.id)) if ahead else None


def current_trip(user_db: Path, today: date) -> Trip | None:
    """The trip under way today, read from the user-data file if there is one (none is
    created): what `solomo near` with no place searches around."""
    if not user_db.exists():
        return None
    from solomo_cli.mydata.store import UserData

    with UserData(user_db) as user:
        found = current_or_next(user.trips(), today)
    return found if found is not None and found.on(today) else None


class TripsPart(StoreParts):
    """The trips of UserData."""

    def add_trip(
        self,
        query: str,
        label: str,
        lat: float,
        lon: float,
        start: str,
        end: str,
        note: str | None = None,
    ) -> Trip:
        if end < start:
            raise UsageError(f"the trip ends ({end}) before it starts ({start})")
        note = user_text(note, "the note", lines=True)
        label = user_text(label, "the place's name") or query
        now = now_utc()
        with self.write() as conn:
            cur = conn.execute(
                "INSERT INTO trips (uid, query, label, lat, lon, from_day, to_day, note, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new_uid(), query, label, lat, lon, start, end, note, now, now),
            )
            return self.trip(cur.lastrowid or 0)

    def trip(self, trip_id: int) -> Trip:
        rows = self._read(f"SELECT {_COLS} WHERE id = ?", (trip_id,))
        if not rows:
            raise UsageError(
                f"there is no trip #{trip_id}", hint="solomo trip list shows them and their ids"
            )
        return Trip(*rows[0])

    def trips(self) -> list[Trip]:
        """Every trip, the earliest first."""
        return [Trip(*r) for r in self._read(f"SELECT {_COLS}{_ORDER}")]

    def remove_trip(self, trip_id: int) -> Trip:
        with self.write() as conn:
            trip = self.trip(trip_id)
            conn.execute("DELETE FROM trips WHERE id = ?", (trip_id,))
        return trip

    def trip_area(self, trip: Trip, radius_m: float, due: list[Due]) -> TripArea:
        """The people met within `radius_m` of the trip's place (those due first, most overdue
        first, then the longest not seen) and the user's rated places there (best first).
        `due`: every contact's keep-in-touch state (KeepPart.all_due)."""
        point = (trip.lat, trip.lon)
        people = self.contacts(near=point, radius_m=radius_m)  # type: ignore[attr-defined]
        by_id = {d.contact.id: d for d in due}
        found = [(c, by_id.get(c.id)) for c in people]
        found.sort(
            key=lambda p: (
                p[1] is None,
                p[1].days_left if p[1] is not None else 0,
                p[0].last_seen,
                fold(p[0].name),
            )
        )
        stats = self.place_stats()  # type: ignore[attr-defined]  # VisitsPart's, in UserData
        rated = []
        for place in self.places():  # type: ignore[attr-defined]
            rated_sum, n_rated, visits, last = stats.get(place.id, (0, 0, 0, ""))
            if not n_rated:
                continue
            away = distance_m(trip.lat, trip.lon, place.lat, place.lon)
            if away <= radius_m:
                rated.append(Rated(place, rated_sum / n_rated, visits, last, away))
        rated.sort(key=lambda r: (-r.rating, -r.visits, r.distance_m))
        return TripArea(trip, radius_m, found, rated[:BEST_PLACES])
