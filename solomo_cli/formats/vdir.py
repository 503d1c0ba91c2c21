"""The items of a vdir tree (pimutils' one-file-per-item layout, as vdirsyncer and khard use it):
a vCard 4.0 per contact, an iCalendar VEVENT per visit (a due keep-in-touch's VTODO is
formats/ics.py's); and a
lenient reader of the same items as other tools write them back (any vCard version, any
iCalendar producer), checked at the boundary.

Writers take the records of formats/records.py; readers return plain, cleaned values and raise
BadInput for an item that cannot be read."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple

from solomo_cli import __version__, boundary
from solomo_cli.boundary import BadInput, clean
from solomo_cli.formats.vcard import (
    _from_qp,
    _logical_lines,
    _split_line,
    decode_vcf,
    fold_line,
    vcard,
    vcard_component,
    vcard_escape,
)
from solomo_cli.signals import NO_NOTES, FieldNotes

MAX_UID = 200  # characters in a uid read from a file
MAX_PROPS = 5_000  # content lines in one item (a card with a photo is a few hundred)
PRODID = f"-//solomo//solomo {__version__}//EN"

# The lines that the NOTE of a card gets from its encounters (formats/vcard.py): read back, they
# are dropped from the note (the encounters come back from X-SOLOMO-ENCOUNTER).
_MET = re.compile(r"^Met \d{4}-\d{2}-\d{2}(?: at .*)?(?:: .*)?$")
_RATING = re.compile(r"^Rating: ([1-5])/5$")
# Your field notes (solomo visit --power …), one line each in DESCRIPTION, as a calendar shows
# and edits them: "Power: plenty", "Wi-Fi: 40mbps", "Noise: quiet", "Calls: ok".
_FACTS = {"power": "Power", "wifi": "Wi-Fi", "noise": "Noise", "calls": "Calls"}
_FACT = re.compile(r"^(Power|Wi-Fi|Noise|Calls): (\S{1,20})$")
_COST = re.compile(r"^Cost: (\d{1,12}(?:\.\d{1,6})?)(?: ([A-Za-z]{3}))?$")


# -- writing --------------------------------------------------------------------------------


def stamp(iso: str) -> str:
    """now_utc()'s '2026-11-20T09:30:00Z' as iCalendar/vCard write it: '20261120T093000Z'."""
    return iso.replace("-", "").replace(":", "")


def _param(value: object) -> str:
    """A parameter value: one clean line, quoted, without the one character it cannot hold."""
    return '"' + clean(value).replace('"', "'") + '"'


def contact_card(record: dict[str, Any], updated_at: str) -> str:
    """A contact record (with its encounters) as the tree's vCard 4.0: formats/vcard.py's card,
    REV the last change of the contact or of its encounters and tags, and one
    X-SOLOMO-ENCOUNTER per encounter (its uid, day and place as parameters, its note as value),
    so that the encounters come back whole from a card edited elsewhere."""
    card = vcard({**record, "updated_at": updated_at})
    # N as well as FN: address books (khard, phones) want the name's parts.
    *given, family = record["name"].split() or [""]
    n = f"N:{vcard_component(family)};{vcard_component(' '.join(given))};;;\r\n"
    at = card.index("\r\nFN:") + 2
    card = card[:at] + n + card[at:]
    extra = [f"X-SOLOMO-CREATED:{stamp(record['created_at'])}"]
    for e in record.get("encounters") or ():
        params = f";X-UID={_param(e['uid'])};X-DATE={e['date']}"
        if e.get("place_id"):
            params += f";X-PLACE={_param(e['place_id'])};X-KIND={_param(e.get('kind') or '')}"
            params += f";X-NAME={_param(e.get('place_name') or '')}"
            if e.get("lat") is not None and e.get("lon") is not None:
                params += f';X-GEO="{e["lat"]:.7f},{e["lon"]:.7f}"'
        extra.append(f"X-SOLOMO-ENCOUNTER{params}:{vcard_escape(e.get('note') or '')}")
    head, _, _ = card.rpartition("END:VCARD\r\n")
    return head + "".join(fold_line(line) + "\r\n" for line in extra) + "END:VCARD\r\n"


def _calendar(component: list[str]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", *component, "END:VCALENDAR"]
    return "".join(fold_line(line) + "\r\n" for line in lines)


def visit_event(v: dict[str, Any], updated_at: str) -> str:
    """A visit record as an all-day VEVENT: the place as SUMMARY, LOCATION and GEO, the note,
    rating and cost in DESCRIPTION (where a calendar shows and edits them), the OSM object as
    URL, solomo's own keys as X-SOLOMO-* properties."""
    day = date.fromisoformat(v["date"])
    name = v.get("place_name") or f"(unnamed {v.get('kind') or 'place'})"
    described = [v["note"]] if v.get("note") else []
    if v.get("rating"):
        described.append(f"Rating: {v['rating']}/5")
    if v.get("cost"):
        described.append(f"Cost: {v['cost']}" + (f" {v['currency']}" if v.get("currency") else ""))
    described += [f"{label}: {v[key]}" for key, label in _FACTS.items() if v.get(key)]
    event = [
        "BEGIN:VEVENT",
        f"UID:{v['uid']}",
        f"DTSTAMP:{stamp(updated_at)}",
        f"LAST-MODIFIED:{stamp(updated_at)}",
        f"CREATED:{stamp(v['created_at'])}",
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{vcard_component(name)}",
        f"LOCATION:{vcard_component(v.get('address') or name)}",
    ]
    if v.get("lat") is not None and v.get("lon") is not None:
        event.append(f"GEO:{v['lat']:.7f};{v['lon']:.7f}")
    if described:
        event.append(f"DESCRIPTION:{vcard_component(chr(10).join(described))}")
    if v.get("url"):
        event.append(f"URL:{v['url']}")
    event += [
        f"X-SOLOMO-PLACE:{vcard_component(v['place_id'])}",
        f"X-SOLOMO-KIND:{vcard_component(v.get('kind') or '')}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    return _calendar(event)


# -- reading: lenient, bounded, cleaned -----------------------------------------------------


class Prop(NamedTuple):
    name: str  # upper-case, group removed
    params: dict[str, str]  # keys upper-case; a bare 2.1 parameter (TEL;CELL) is TYPE
    value: str  # raw: unescape with `unescape`


def _split(line: str) -> Prop:
    """One content line (formats/vcard.py's reader splits it), its value decoded from
    quoted-printable when it says so."""
    name, pairs, value = _split_line(line)
    params: dict[str, str] = {}
    for key, val in pairs:
        if val is None:  # vCard 2.1: TEL;CELL
            key, val = "TYPE", key
        params[key] = (params[key] + "," if key in params else "") + val
    if params.get("ENCODING", "").upper() == "QUOTED-PRINTABLE":
        value = _from_qp(value, params.get("CHARSET"))
    return Prop(name, params, value)


def unescape(value: str) -> str:
    """A TEXT value: \\n, \\N, \\, \\; and \\\\ read as what they stand for."""
    return re.sub(r"\\([nN,;\\:])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def component(raw: bytes, kind: str) -> list[Prop]:
    """The properties of the first `kind` component (VCARD, VEVENT, VTODO) of an item's bytes,
    its nested components (VALARM…) left out. BadInput if there is none or it is cut short."""
    props: list[Prop] | None = None
    depth = 0
    for line in _logical_lines(decode_vcf(raw)):
        prop = _split(line)
        value = prop.value.strip().upper()
        if prop.name == "BEGIN":
            if props is None and value == kind:
                props = []
            elif props is not None:
                depth += 1
            continue
        if prop.name == "END" and props is not None:
            if depth == 0 and value == kind:
                return props
            depth -= 1
            continue
        if props is not None and depth == 0:
            if len(props) >= MAX_PROPS:
                raise BadInput(f"too many lines (over {MAX_PROPS})")
            props.append(prop)
    raise BadInput(f"no {kind} in it" if props is None else f"the {kind} is cut short")


def _first(props: list[Prop], name: str) -> Prop | None:
    return next((p for p in props if p.name == name), None)


def _text(props: list[Prop], name: str, what: str, **kw: Any) -> str | None:
    prop = _first(props, name)
    return boundary.text(unescape(prop.value).strip(), what, **kw) if prop else None


def when(value: str | None) -> str | None:
    """A REV, LAST-MODIFIED or DTSTAMP ('20261120T093000Z', '2026-11-20T09:30:00Z', a date,
    with an offset or none) in now_utc()'s format; None if unreadable."""
    if not value:
        return None
    text = value.strip()
    for pattern in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            parsed = datetime.strptime(text, pattern).replace(tzinfo=timezone.utc)
            break
        except ValueError:
            continue
    else:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
    if not 1970 <= parsed.year <= 9000:
        return None
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uid(props: list[Prop]) -> str | None:
    uid = _text(props, "UID", "the UID", max_len=MAX_UID)
    if uid and uid.lower().startswith("urn:uuid:"):
        uid = uid[9:]
    return uid or None


class CardIn(NamedTuple):
    uid: str | None
    name: str
    org: str | None
    email: str | None
    phone: str | None
    note: str | None
    tags: list[str]
    rev: str | None
    created_at: str | None  # X-SOLOMO-CREATED: None in a card solomo never wrote
    encounters: list[dict[str, Any]] | None  # None: the card carries none of solomo's


def _place_of(params: dict[str, str], what: str) -> dict[str, Any]:
    place_id = boundary.place_id(params.get("X-PLACE", "").strip(), what)
    lat = lon = None
    if params.get("X-GEO"):
        lat_s, _, lon_s = params["X-GEO"].partition(",")
        lat, lon = boundary.latlon(lat_s, lon_s)
    return {
        "place_id": place_id,
        "place_name": boundary.text(params.get("X-NAME"), "a place name", max_len=300),
        "kind": boundary.text(params.get("X-KIND"), "a kind", max_len=40) or "place",
        "lat": lat,
        "lon": lon,
    }


def read_card(raw: bytes) -> CardIn:
    """A contact from a .vcf item of any version (2.1, 3.0, 4.0), cleaned."""
    props = component(raw, "VCARD")
    name = _text(props, "FN", "the name", max_len=boundary.MAX_NAME)
    n = _first(props, "N")
    if not name and n:
        parts = [unescape(p).strip() for p in re.split(r"(?<!\\);", n.value)]
        ordered = [parts[i] for i in (3, 1, 2, 0, 4) if i < len(parts) and parts[i]]
        name = boundary.text(" ".join(ordered), "the name", max_len=boundary.MAX_NAME)
    org_prop = _first(props, "ORG")
    org = None
    if org_prop:
        org_parts = [unescape(p).strip() for p in re.split(r"(?<!\\);", org_prop.value)]
        org = boundary.text(", ".join(p for p in org_parts if p), "the organisation")
    email = _text(props, "EMAIL", "the e-mail address", max_len=300)
    phone = _text(props, "TEL", "the phone number", max_len=100)
    if phone and phone.lower().startswith("tel:"):
        phone = phone[4:] or None
    name = " ".join((name or org or email or "").split())
    if not name:
        raise BadInput("the card names nobody (no FN, N, ORG or EMAIL)")
    notes = [unescape(p.value) for p in props if p.name == "NOTE"]
    note_lines = [line for line in "\n".join(notes).split("\n") if not _MET.match(line.strip())]
    note = boundary.text("\n".join(note_lines).strip(), "the note", lines=True)
    tags: list[str] = []
    for prop in props:
        if prop.name == "CATEGORIES":
            for tag in re.split(r"(?<!\\),", prop.value):
                tag = " ".join(unescape(tag).replace(",", " ").split())
                if tag and tag.lower() != "mycontacts" and tag not in tags:
                    tags.append(boundary.text(tag, "a tag", max_len=200) or "")
    rev_prop = _first(props, "REV")
    created = _first(props, "X-SOLOMO-CREATED")
    encounters = None
    if created is not None:
        encounters = []
        for i, prop in enumerate(p for p in props if p.name == "X-SOLOMO-ENCOUNTER"):
            what = f"encounter {i + 1}"
            uid = boundary.text(prop.params.get("X-UID"), f"the uid of {what}", max_len=MAX_UID)
            if not uid:
                raise BadInput(f"{what} has no uid")
            found = {
                "uid": uid,
                "date": boundary.day(prop.params.get("X-DATE", ""), f"date of {what}"),
                "note": boundary.text(unescape(prop.value).strip(), "a note", lines=True),
            }
            if prop.params.get("X-PLACE"):
                found.update(_place_of(prop.params, f"place of {what}"))
            else:
                found["place_id"] = None
            encounters.append(found)
    return CardIn(
        _uid(props),
        name,
        org,
        email,
        phone,
        note,
        [t for t in tags if t],
        when(rev_prop.value) if rev_prop else None,
        when(created.value) if created else None,
        encounters,
    )


class EventIn(NamedTuple):
    uid: str | None
    day: str
    place_id: str | None  # None: not a visit (an event another tool put there)
    place_name: str | None
    kind: str
    lat: float | None
    lon: float | None
    note: str | None
    rating: int | None
    cost: str | None
    currency: str | None
    modified: str | None
    created_at: str | None
    facts: FieldNotes = NO_NOTES  # power, Wi-Fi, noise, calls: your field notes


def _day(prop: Prop | None) -> str:
    if prop is None:
        raise BadInput("the event has no DTSTART")
    value = prop.value.strip()
    match = re.match(r"^(\d{4})(\d{2})(\d{2})", value) or re.match(
        r"^(\d{4})-(\d{2})-(\d{2})", value
    )
    if not match:
        raise BadInput(f"bad DTSTART {boundary.quoted(value, 40)}")
    return boundary.day("-".join(match.groups()), "DTSTART")


def read_event(raw: bytes) -> EventIn:
    """A visit from a .ics item (its first VEVENT), cleaned; `place_id` None when the event
    names no place solomo knows how to read (X-SOLOMO-PLACE, or an OSM URL)."""
    props = component(raw, "VEVENT")
    place_id = _text(props, "X-SOLOMO-PLACE", "X-SOLOMO-PLACE", max_len=220)
    if place_id:
        place_id = boundary.place_id(place_id)
    else:
        url = _text(props, "URL", "the URL", max_len=2000)
        place_id = boundary.osm_ref(url) if url else None
    lat = lon = None
    geo = _first(props, "GEO")
    if geo:
        lat_s, _, lon_s = geo.value.replace(",", ";").partition(";")
        lat, lon = boundary.latlon(lat_s, lon_s)
    note_lines, rating, cost, currency = [], None, None, None
    facts: dict[str, str] = {}
    for line in (_text(props, "DESCRIPTION", "the description", lines=True) or "").split("\n"):
        if (m := _FACT.match(line.strip())) and _fact(m.group(1), m.group(2)):
            facts.update(_fact(m.group(1), m.group(2)))
        elif m := _RATING.match(line.strip()):
            rating = int(m.group(1))
        elif m := _COST.match(line.strip()):
            cost = boundary.cost(m.group(1))
            currency = boundary.currency(m.group(2)) if m.group(2) else None
        else:
            note_lines.append(line)
    modified = _first(props, "LAST-MODIFIED") or _first(props, "DTSTAMP")
    created = _first(props, "CREATED")
    return EventIn(
        _uid(props),
        _day(_first(props, "DTSTART")),
        place_id,
        _text(props, "SUMMARY", "the summary", max_len=boundary.MAX_NAME),
        _text(props, "X-SOLOMO-KIND", "the kind", max_len=40) or "place",
        lat,
        lon,
        boundary.text("\n".join(note_lines).strip(), "the note", lines=True),
        rating,
        cost,
        currency,
        when(modified.value) if modified else None,
        when(created.value) if created else None,
        FieldNotes(**facts) if facts else NO_NOTES,
    )


def _fact(label: str, value: str) -> dict[str, str]:
    """One field-note line read back, checked as `solomo visit` checks it ({}: not one, and
    the line stays in the note)."""
    from solomo_cli.errors import UsageError
    from solomo_cli.mydata.visits import field_notes

    key = next(k for k, v in _FACTS.items() if v == label)
    try:
        checked = field_notes(**{key: value})
    except UsageError:
        return {}
    return {key: getattr(checked, key)}
