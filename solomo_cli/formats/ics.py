"""Keep-in-touch reminders and trips as records (JSON, CSV) and as iCalendar (RFC 5545):
a VTODO with DUE per contact due, an all-day VEVENT per trip. icalendar is imported here only,
when an .ics file is written."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solomo_cli.mydata.keep import Due
    from solomo_cli.mydata.trips import Trip

PRODID = "-//solomo//solomo-cli//EN"
REMINDER_FIELDS = (
    "uid",
    "name",
    "due",
    "days_left",
    "cadence_days",
    "cadence_from",
    "snoozed_until",
    "last_met_day",
    "last_met_place",
    "last_met_place_id",
    "email",
    "phone",
)
TRIP_FIELDS = ("id", "uid", "place", "label", "lat", "lon", "from", "to", "note")


def reminder_record(d: Due) -> dict[str, Any]:
    """A due contact: who, when, how often, where last met, how to reach them."""
    last = d.last_met
    place = last.place if last is not None else None
    return {
        "uid": d.contact.uid,
        "name": d.contact.name,
        "due": d.due.isoformat(),
        "days_left": d.days_left,
        "cadence_days": d.cadence_days,
        "cadence_from": d.cadence_from or None,
        "snoozed_until": d.snoozed_until,
        "last_met_day": last.day if last is not None else None,
        "last_met_place": place.display_name if place is not None else None,
        "last_met_place_id": place.id if place is not None else None,
        "email": d.contact.email,
        "phone": d.contact.phone,
    }


def trip_record(t: Trip) -> dict[str, Any]:
    return {
        "id": t.id,
        "uid": t.uid,
        "place": t.query,
        "label": t.label,
        "lat": t.lat,
        "lon": t.lon,
        "from": t.start,
        "to": t.end,
        "note": t.note,
    }


def _calendar() -> Any:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    return cal


def reminder_todo(r: dict[str, Any], stamp: datetime) -> Any:
    """One reminder record as a VTODO (its UID the contact's, so that it is the same item
    from one export, or mirror run, to the next)."""
    from icalendar import Todo

    todo = Todo()
    todo.add("uid", f"{r['uid']}-keep-in-touch")
    todo.add("dtstamp", stamp)
    todo.add("summary", f"Get back in touch with {r['name']}")
    todo.add("due", date.fromisoformat(r["due"]))
    todo.add("status", "NEEDS-ACTION")
    lines = []
    if r["last_met_day"]:
        where = f" at {r['last_met_place']}" if r["last_met_place"] else ""
        lines.append(f"Last met{where} on {r['last_met_day']}.")
    lines += [f"{k}: {r[k]}" for k in ("email", "phone") if r[k]]
    lines.append(
        f"Every {r['cadence_days']} days"
        + (f" ({r['cadence_from']})." if r["cadence_from"] else ".")
    )
    todo.add("description", "\n".join(lines))
    return todo


def trip_event(r: dict[str, Any], stamp: datetime) -> Any:
    """One trip record as an all-day VEVENT (DTEND is the day after the last, as RFC 5545 says)."""
    from icalendar import Event

    event = Event()
    event.add("uid", f"{r['uid']}-trip")
    event.add("dtstamp", stamp)
    event.add("summary", f"Trip: {r['place']}")
    event.add("dtstart", date.fromisoformat(r["from"]))
    event.add("dtend", date.fromisoformat(r["to"]) + timedelta(days=1))
    event.add("location", r["label"])
    event.add("geo", (r["lat"], r["lon"]))
    if r["note"]:
        event.add("description", r["note"])
    return event


def write_ics(what: str, records: Iterable[dict[str, Any]], out: IO[str]) -> None:
    """`reminders` or `trips` records as one VCALENDAR."""
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    make = reminder_todo if what == "reminders" else trip_event
    cal = _calendar()
    for record in records:
        cal.add_component(make(record, stamp))
    out.write(cal.to_ical().decode("utf-8"))


def keep_document(user: Any, what: str, today: date | None = None) -> Any:
    """`solomo export reminders|trips`: the contacts due (overdue and within two weeks), or
    every trip, as a Document of records."""
    from solomo_cli.formats.registry import Document

    if what == "reminders":
        from solomo_cli.mydata.keep import due_contacts

        due = due_contacts(user, today or date.today())
        return Document("reminders", [reminder_record(d) for d in due], REMINDER_FIELDS)
    return Document("trips", [trip_record(t) for t in user.trips()], TRIP_FIELDS)
