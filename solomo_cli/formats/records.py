"""One record schema per entity: the dicts that every writer (JSON, CSV, GeoJSON, vCard) and
every reader (imports) share. A place has one shape whether it comes from a listing (`near`),
from `show` or from `export places`; the listing adds its fields (rank, distance, score…)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from solomo_cli import __version__
from solomo_cli.boundary import clean_or_none
from solomo_cli.formats.registry import OSM_LICENSE, Document, Rows
from solomo_cli.model import _all_clean
from solomo_cli.model import place_url as place_url  # this module's API too
from solomo_cli.mydata.base import source_of
from solomo_cli.mydata.signals import all_latest_facts, facts_of_visits
from solomo_cli.search.ranking import confidence, traits_of, unknowns
from solomo_cli.signals import NO_FACTS, NO_NOTES, Facts, place_brand, signals_of

if TYPE_CHECKING:
    from solomo_cli.model import Place
    from solomo_cli.mydata.contacts import Contact, Encounter
    from solomo_cli.mydata.store import UserData
    from solomo_cli.mydata.visits import Note, Totals, Visit
    from solomo_cli.search.ranking import Traits

# CSV columns of each entity (JSON and GeoJSON carry the whole record).
LISTING_FIELDS = (
    "rank",
    "id",
    "name",
    "kind",
    "chain",
    "lat",
    "lon",
    "distance_m",
    "score",
    "address",
    "website",
    "phone",
    "email",
    "opening_hours",
    "open_state",
    "next_change",
    "internet_access",
    "internet_access_fee",
    "wheelchair",
    "check_date",
    "stale",
    "power",
    "internet_access_ssid",
    "fee",
    "charge",
    "reservation",
    "capacity",
    "operator_type",
    "brand",
    "brand_type",
    "outdoor_seating",
    "air_conditioning",
    "confidence",
    "unknown",
    "my_rating",
    "visits",
    "my_power",
    "my_wifi",
    "my_noise",
    "my_calls",
    "osm_url",
    "explain",
)
PLACE_FIELDS = (
    "id",
    "name",
    "kind",
    "lat",
    "lon",
    "address",
    "website",
    "phone",
    "email",
    "opening_hours",
    "url",
    "source",
    "seen_at",
    "my_rating",
    "visits",
    "last_visit",
    "notes",
    "tags",
    "attribution",
)
VISIT_FIELDS = (
    "id",
    "uid",
    "date",
    "place_id",
    "place_name",
    "kind",
    "lat",
    "lon",
    "address",
    "rating",
    "note",
    "cost",
    "currency",
    "power",
    "wifi",
    "noise",
    "calls",
    "created_at",
    "updated_at",
    "url",
    "attribution",
)
CONTACT_FIELDS = (
    "id",
    "uid",
    "name",
    "org",
    "email",
    "phone",
    "tags",
    "note",
    "created_at",
    "updated_at",
    "last_seen",
    "encounters",
    "attribution",
)


def attribution(place: Place | None) -> str | None:
    return OSM_LICENSE if place is not None and source_of(place.id) == "osm" else None


def place_record(
    place: Place,
    *,
    rank: int | None = None,
    seen_at: str | None = None,
    visits: Sequence[Visit] | None = None,
    notes: Sequence[Note] = (),
    stats: tuple[int, int, int, str | None] | None = None,
    facts: Facts | None = None,
) -> dict[str, Any]:
    """A place. `rank` given: a listing's place, with its distance, score and open state.
    `visits` given: the user's own signals from them, or from their `stats` (the sum and number
    of ratings, the visits, the last day: `UserData.place_stats`); else those the listing
    attached. `facts`: the user's latest field notes (else those of `visits`, or the
    listing's)."""
    tags, extra = place.tags, place.extra
    source = source_of(place.id)
    osm = source == "osm"
    if visits is not None:
        rated = [v.rating for v in visits if v.rating]
        stats = (sum(rated), len(rated), len(visits), max((v.day for v in visits), default=None))
    if stats is None:
        rating, count, last = extra.get("my_rating"), extra.get("visits", 0), None
    else:
        rating = round(stats[0] / stats[1], 1) if stats[1] else None
        count, last = stats[2], stats[3]
    if facts is None:
        facts = facts_of_visits(visits) if visits is not None else extra.get("facts", NO_FACTS)
    # A listing's place carries the traits its score was made from (search.near._shown):
    # what the cache's columns say of its signals is not derived from its tags again.
    traits = extra.get("traits") if rank is not None else None
    all_clean = _all_clean(tags)  # clean() would keep each value as it is
    texts = place.texts(all_clean)  # the tags read once for every field below
    signals = signal_fields(place, traits, all_clean)
    score_confidence = extra.get("confidence") if rank is not None else None
    if score_confidence is None:
        score_confidence = confidence(traits or traits_of(place), date.today().toordinal(), facts)
    osm_url = f"https://www.openstreetmap.org/{place.id}" if osm else None
    my_facts = {
        name: {"value": fact[0], "date": fact[1]}
        for name, fact in zip(facts._fields, facts, strict=True)
        if fact is not None
    }
    notes_of = [
        {"uid": n.uid, "created_at": n.created_at, "updated_at": n.updated_at, "text": n.text}
        for n in notes
    ]
    body = {
        "address": texts.address,
        "website": texts.website,
        "phone": texts.phone,
        "email": texts.email,
        "opening_hours": texts.opening_hours,
        "internet_access": texts.internet_access,
        "internet_access_fee": texts.internet_access_fee,
        "wheelchair": texts.wheelchair,
        "check_date": texts.check_date,
        **signals,
        "confidence": score_confidence,
    }
    tail = {
        "url": osm_url if osm else place_url(place),
        "osm_url": osm_url,
        "source": source,
        "seen_at": seen_at,
        "my_rating": rating,
        "visits": count,
        "last_visit": last,
        "my_facts": my_facts,
        "notes": notes_of,
        "tags": tags,
        "attribution": OSM_LICENSE if osm else None,
    }
    name = place.name if rank is None else clean_or_none(place.name)
    head = {
        "id": place.id,
        "name": name,
        "kind": place.kind,
        "chain": place.chain,
        "lat": round(place.lat, 7),
        "lon": round(place.lon, 7),
    }
    if rank is None:
        return {**head, **body, **tail}
    power, wifi, noise, calls = facts
    return {
        "rank": rank,
        **head,
        "distance_m": int(round(place.distance_m)),
        "score": place.score,
        **body,
        "open_state": extra.get("open_state", "unknown"),
        "next_change": extra.get("next_change"),
        "stale": extra.get("stale", True),
        "unknown": list(_unknowns(tuple(map(itemgetter(0), place.reasons)))),
        **tail,
        "my_power": power and power[0],
        "my_wifi": wifi and wifi[0],
        "my_noise": noise and noise[0],
        "my_calls": calls and calls[0],
        "explain": explanation(place.reasons),
    }


@functools.lru_cache(maxsize=4096)
def _unknowns(labels: tuple[str, ...]) -> tuple[str, ...]:
    """ranking.unknowns of reasons with these labels (a listing's places share a few hundred)."""
    return tuple(unknowns([(label, 0.0) for label in labels]))


def explanation(pairs: Sequence[tuple[str, float]]) -> list[dict[str, Any]]:
    """A score's reasons as a record lists them: {"reason", "points"} each."""
    return [{"reason": why, "points": points} for why, points in pairs]


def signal_fields(
    place: Place, traits: Traits | None = None, all_clean: bool | None = None
) -> dict[str, Any]:
    """What a record shows of the signals' tags (beside the internet, wheelchair and check
    date fields): as tagged, except `power` (yes, no or null, from the three ways of tagging
    it) and the brand recognised (the name-suggestion-index's or the project's). `traits`:
    the place's signals as the cache's columns hold them (else derived from the tags);
    `all_clean`: what `_all_clean` says of the tags, when the caller knows it."""
    tags = place.tags
    brand = place_brand(place)
    power = (signals_of(place) if traits is None else traits).power
    if _all_clean(tags) if all_clean is None else all_clean:  # clean() keeps each value: "" is None
        get: Callable[[str], str | None] = tags.get
    else:

        def get(key: str) -> str | None:
            return clean_or_none(tags.get(key))

    return {
        "power": None if power is None else ("yes" if power else "no"),
        "internet_access_ssid": get("internet_access:ssid") or None,
        "fee": get("fee") or None,
        "charge": get("charge") or None,
        "reservation": get("reservation") or None,
        "capacity": get("capacity") or None,
        "operator_type": get("operator:type") or None,
        "brand": brand.name if brand is not None else get("brand") or None,
        "brand_type": brand.type if brand is not None else None,
        "brand_wikidata": get("brand:wikidata") or None,
        "operator_wikidata": get("operator:wikidata") or None,
        "outdoor_seating": get("outdoor_seating") or None,
        "air_conditioning": get("air_conditioning") or None,
    }


def visit_record(v: Visit) -> dict[str, Any]:
    return _visit_record(v, _visit_place(v.place))


def visit_records(visits: Iterable[Visit]) -> Iterator[dict[str, Any]]:
    """The records of many visits: what comes of each place (its address…) made once."""
    made: dict[int, tuple[Place, tuple[Any, ...]]] = {}  # the place kept: its id stays its own
    for v in visits:
        known = made.get(id(v.place))
        if known is None:
            known = made[id(v.place)] = (v.place, _visit_place(v.place))
        yield _visit_record(v, known[1])


def _visit_place(p: Place) -> tuple[Any, ...]:
    return (p.id, p.name, p.kind, p.lat, p.lon, p.address, place_url(p), attribution(p))


def _visit_record(v: Visit, place: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "id": v.id,
        "uid": v.uid,
        "date": v.day,
        "place_id": place[0],
        "place_name": place[1],
        "kind": place[2],
        "lat": place[3],
        "lon": place[4],
        "address": place[5],
        "rating": v.rating,
        "note": v.note,
        "cost": v.cost,
        "currency": v.currency,
        **(_NOTHING_NOTED if v.facts is NO_NOTES else v.facts._asdict()),
        "created_at": v.created_at,
        "updated_at": v.updated_at,
        "url": place[6],
        "attribution": place[7],
    }


_NOTHING_NOTED = NO_NOTES._asdict()  # most visits: nothing said of power, Wi-Fi, noise, calls


def encounter_record(e: Encounter) -> dict[str, Any]:
    p = e.place
    return {
        "uid": e.uid,
        "date": e.day,
        "place_id": p.id if p else None,
        "place_name": p.name if p else None,
        "kind": p.kind if p else None,
        "lat": p.lat if p else None,
        "lon": p.lon if p else None,
        "address": p.address if p else None,
        "note": e.note,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }


def contact_record(c: Contact) -> dict[str, Any]:
    osm = any(e.place is not None and source_of(e.place.id) == "osm" for e in c.encounters)
    record = {
        "id": c.id,
        "uid": c.uid,
        "name": c.name,
        "org": c.org,
        "email": c.email,
        "phone": c.phone,
        "tags": list(c.tags),
        "note": c.note,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "last_seen": c.last_seen,
        "encounters": [encounter_record(e) for e in c.encounters],
        "attribution": OSM_LICENSE if osm else None,
    }
    if c.distance_m is not None:
        record["distance_m"] = int(round(c.distance_m))
    return record


def _money(cost: dict[str, Decimal]) -> dict[str, str]:
    return {cur: str(amount) for cur, amount in sorted(cost.items())}


def totals_record(t: Totals) -> dict[str, Any]:
    return {
        "days": t.days,
        "visits": t.visits,
        "cost": _money(t.cost),
        "by_place": [
            {
                "place_id": r["place"].id,
                "name": r["place"].name,
                "days": r["days"],
                "visits": r["visits"],
                "cost": _money(r["cost"]),
            }
            for r in t.by_place
        ],
        "by_month": [
            {
                "month": r["month"],
                "days": r["days"],
                "visits": r["visits"],
                "cost": _money(r["cost"]),
            }
            for r in t.by_month
        ],
    }


def export_document(user: UserData, what: str) -> Document:
    """All the user's places, visits or contacts, as an export file carries them: the records
    are made as the writer asks for them (write the document while `user` is open)."""
    from solomo_cli.mydata.base import now_utc

    items: Iterable[dict[str, Any]]
    if what == "places":
        # The visits and notes grouped once, by place: not one scan of them per place.
        stats, notes = user.place_stats(), user.notes_by_place()
        facts = all_latest_facts(user)
        items = (
            place_record(
                p,
                seen_at=user.seen_at(p.id) or None,
                stats=stats.get(p.id, (0, 0, 0, None)),
                notes=notes.get(p.id, ()),
                facts=facts.get(p.id, NO_FACTS),
            )
            for p in user.places()
        )
        fields: tuple[str, ...] = PLACE_FIELDS
    elif what == "visits":
        items, fields = visit_records(user.iter_visits()), VISIT_FIELDS
    else:
        items, fields = map(contact_record, user.contacts()), CONTACT_FIELDS
    items = Rows(items)  # made as they are written, and counted
    wrapper = {
        "solomo_export": what,
        "version": 1,
        "generator": f"solomo {__version__}",
        "exported_at": now_utc(),
        "attribution": OSM_LICENSE,
        what: items,
    }
    head = {"solomo_export": what, "version": 1, "attribution": OSM_LICENSE}
    return Document(what, items, fields, value=wrapper, head=head)
