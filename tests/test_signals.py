"""The stored signals: derived from the tags by one rule, kept in the cache's columns, and
backfilled for a cache written before the columns existed."""

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solomo_cli import db
from solomo_cli.cache import store
from solomo_cli.cache.store import Cache
from solomo_cli.model import Place
from solomo_cli.signals import COLUMNS, Signals, check_day, signals_of


def place(tags: dict[str, str], kind: str = "coworking", id: str = "node/1") -> Place:
    return Place(id, tags.get("name"), kind, 45.76, 4.84, tags)


def sig(**known: int | None) -> Signals:
    """Signals with every tri-state unknown and the known-or-not ones 0, but those given."""
    base = dict.fromkeys(COLUMNS) | {"chain": 0, "hours_known": 0, "contact_known": 0}
    return Signals(**(base | known))


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({}, sig()),
        (
            {
                "internet_access": "wlan",
                "internet_access:fee": "customers",
                "wheelchair": "limited",
                "opening_hours": "Mo-Fr 09:00-18:00",
                "contact:phone": "+33 4 00 00 00 00",
                "check_date": "2025-03",
                "service:electricity": "yes",
            },
            sig(
                internet=1,
                free_wifi=1,
                wheelchair=1,
                power=1,
                hours_known=1,
                contact_known=1,
                check_day=date(2025, 3, 1).toordinal(),
            ),
        ),
        ({"internet_access": "terminal", "wheelchair": "no"}, sig(wheelchair=0)),
        ({"internet_access": "no", "internet_access:fee": "yes"}, sig(internet=0, free_wifi=0)),
        ({"power_supply": "no", "website": "https://x.example"}, sig(power=0, contact_known=1)),
        (
            {"socket:schuko": "4", "survey:date": "2024"},
            sig(power=1, check_day=date(2024, 12, 1).toordinal()),
        ),
        ({"socket:schuko": "no", "check_date": "last year"}, sig(power=0)),
        (
            {"check_date": "2020-01-01", "check_date:opening_hours": "2025-06-01"},
            sig(check_day=date(2025, 6, 1).toordinal()),
        ),
        (
            {"fee": "no", "reservation": "required", "capacity": "40"},
            sig(fee_free=1, bookable=1, roomy=1),
        ),
        (
            {"fee": "yes", "reservation": "no", "capacity": "6"},
            sig(fee_free=0, bookable=0, roomy=0),
        ),
        ({"charge": "20 EUR/day", "capacity": "lots"}, sig(fee_free=0)),
        ({"operator:type": "cooperative", "outdoor_seating": "yes"}, sig(community=1, outdoor=1)),
        ({"operator:type": "private", "air_conditioning": "no"}, sig(community=0, aircon=0)),
        ({"air_conditioning": "yes", "outdoor_seating": "no"}, sig(aircon=1, outdoor=0)),
        ({"name": "Regus Part-Dieu", "operator": "Regus"}, sig(chain=1)),
        ({"name": "Impact Hub Lyon", "brand": "Impact Hub"}, sig(community=1)),
    ],
)
def test_signals_of_tags(tags: dict[str, str], expected: Signals) -> None:
    assert signals_of(place(tags)) == expected


def test_check_day_forms() -> None:
    assert check_day("2026-11-20") == date(2026, 11, 20)
    assert check_day(" 2026-11-20T10:00:00Z") == date(2026, 11, 20)
    assert check_day("2026-02-30") is None
    assert check_day("") is None and check_day(None) is None


def test_saved_places_carry_their_signals(tmp_path) -> None:
    cache = Cache(tmp_path / "cache.db")
    tagged = place({"name": "A", "internet_access": "yes", "check_date": "2026-01-02"})
    cache.save_fetch([tagged], 45.76, 4.84, 1000, ("coworking",), None, "http://x")
    row = cache.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM places").fetchone()
    assert Signals(*row) == signals_of(tagged)
    # A second fetch that changes the tags changes the columns (the upsert sets them all).
    bare = place({"name": "A"})
    cache.save_fetch([bare], 45.76, 4.84, 1000, ("coworking",), None, "http://x")
    row = cache.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM places").fetchone()
    assert Signals(*row) == signals_of(bare) == sig()
    cache.close()


def _old_cache(
    path: Path, migrations: list, tags: dict[str, str], drop: tuple[str, ...] = (), **stored: int
) -> Cache:
    """A cache file as these migrations left it (without the `drop` columns, which this
    version's m004 adds), holding one place with these tags and `stored` column values;
    then opened, so that the later migrations run."""
    conn = db.connect(path, private=True)
    db.migrate(conn, migrations)
    for column in drop:
        conn.execute(f"ALTER TABLE places DROP COLUMN {column}")
    names = "".join(f", {c}" for c in stored)
    conn.execute(
        f"INSERT INTO places (osm_id, name, kind, lat, lon, tags, fetched_at, name_key{names}) "
        f"VALUES ('way/7', 'Old', 'library', 45.0, 4.0, ?, 0, 'old'{', ?' * len(stored)})",
        (json.dumps(tags), *stored.values()),
    )
    conn.commit()
    conn.close()
    return Cache(path)


def test_a_cache_from_before_the_columns_is_backfilled(tmp_path) -> None:
    path = tmp_path / "cache.db"
    tags = {"name": "Old", "opening_hours": "24/7", "email": "a@b.example", "wheelchair": "yes"}
    cache = _old_cache(path, store.MIGRATIONS[:3], tags)
    row = cache.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM places").fetchone()
    assert Signals(*row) == sig(wheelchair=1, hours_known=1, contact_known=1)
    assert db.pending(cache.conn, store.MIGRATIONS) == []
    cache.close()
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM places").fetchone() == (1,)


def test_m009_more_signals_rederives_the_columns_of_stored_places(tmp_path) -> None:
    tags = {"name": "Old", "socket:schuko": "4", "fee": "no", "internet_access": "no"}
    new = ("power", "fee_free", "bookable", "roomy", "community", "outdoor", "aircon")
    # A cache of m010's time without m009 (m011's column reads m009's)
    upto = store.MIGRATIONS[: store.MIGRATIONS.index(store.m010_listing_per_terminal) + 1]
    before = [m for m in upto if m.__name__ != "m009_more_signals"]
    cache = _old_cache(tmp_path / "cache.db", before, tags, new, internet=1, wheelchair=0)
    row = cache.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM places").fetchone()
    # Re-derived: internet was 1, it is "no"; wheelchair was 0 for a missing tag: unknown.
    assert Signals(*row) == sig(power=1, fee_free=1, internet=0)
    (index,) = cache.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'places_light'")
    assert all(c in index[0] for c in new)
    assert cache.count_within(45.0, 4.0, 1000, ("library",), ("power",)) == 1
    cache.close()


# -- the one-pass reading equals Place's properties ---------------------------------------------


def signals_by_properties(place: Place) -> Signals:
    """signals_of as it was: through Place's properties, each value cleaned again."""
    from solomo_cli import signals as rules

    brand = rules.brand_of(place.tags)
    checked = check_day(rules.check_dates(place.tags))
    tags = place.tags
    return Signals(
        chain=int(place.chain),
        internet=rules._internet(place.internet_access),
        free_wifi=rules._free_wifi(tags.get("internet_access:fee")),
        wheelchair=rules._yes_no(
            tags.get("wheelchair"), frozenset({"yes", "limited", "designated"})
        ),
        power=rules._power(tags),
        hours_known=int(bool(place.opening_hours)),
        contact_known=int(bool(place.website or place.phone or place.email)),
        check_day=None if checked is None else checked.toordinal(),
        fee_free=rules._fee_free(tags),
        bookable=rules._yes_no(
            tags.get("reservation"), frozenset({"yes", "recommended", "required"})
        ),
        roomy=rules._capacity(tags.get("capacity")),
        community=rules._community(tags, brand),
        outdoor=rules._yes_no(tags.get("outdoor_seating")),
        aircon=rules._yes_no(tags.get("air_conditioning")),
    )


def test_signals_of_real_places_equal_their_properties(shared_data: Path) -> None:
    from solomo_cli.sources.osm import element_to_place

    seen = 0
    for answer in sorted((shared_data / "overpass").glob("*.json")):
        data = json.loads(answer.read_bytes())
        for element in data.get("elements", []) if isinstance(data, dict) else []:
            place = element_to_place(element)
            if place is not None:
                assert signals_of(place) == signals_by_properties(place), place.id
                seen += 1
    assert seen > 400  # every place of the real answers


_SIGNAL_KEYS = st.sampled_from(
    [
        "check_date",
        "survey:date",
        "check_date:opening_hours",
        "internet_access",
        "internet_access:fee",
        "wheelchair",
        "opening_hours",
        "website",
        "contact:website",
        "url",
        "phone",
        "contact:phone",
        "contact:mobile",
        "email",
        "contact:email",
        "service:electricity",
        "power_supply",
        "socket:schuko",
        "brand",
        "operator",
        "name",
        "amenity",
    ]
)
# Values that reach every branch: empty, only spaces or controls, escapes, the words the rules
# look for, each with printable and unprintable surroundings.
_SIGNAL_VALUES = st.one_of(
    st.text(),
    st.sampled_from(["", " ", "\u00a0", "\x1b[31m", "\u200b", "yes", "wlan", "no", "2024-05"]),
    st.builds(
        "".join,
        st.lists(
            st.sampled_from(
                ["yes", "wlan", " ", "\u00a0", "\x1b[0m", "\t", "\u202e", "2024", "-03"]
            ),
            max_size=4,
        ),
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    tags=st.dictionaries(_SIGNAL_KEYS, _SIGNAL_VALUES, max_size=8),
    chain=st.sampled_from([None, 0, 1]),
)
def test_signals_of_any_tags_equal_their_properties(
    tags: dict[str, str], chain: int | None
) -> None:
    p = place(tags)
    if chain is not None:
        p.extra["chain"] = chain
    assert signals_of(p) == signals_by_properties(p)
