"""The stored signals: derived from the tags by one rule, kept in the cache's columns, and
backfilled for a cache written before the columns existed."""

import json
import sqlite3
from datetime import date

import pytest

from solomo_cli import db
from solomo_cli.cache import store
from solomo_cli.cache.store import Cache
from solomo_cli.model import Place
from solomo_cli.signals import COLUMNS, Signals, check_day, signals_of


def place(tags: dict[str, str], kind: str = "coworking", id: str = "node/1") -> Place:
    return Place(id, tags.get("name"), kind, 45.76, 4.84, tags)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({}, Signals(0, 0, 0, 0, None, 0, 0, None)),
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
            Signals(0, 1, 1, 1, 1, 1, 1, date(2025, 3, 1).toordinal()),
        ),
        (
            {"internet_access": "terminal", "wheelchair": "no"},
            Signals(0, 0, 0, 0, None, 0, 0, None),
        ),
        (
            {"power_supply": "no", "website": "https://x.example"},
            Signals(0, 0, 0, 0, 0, 0, 1, None),
        ),
        (
            {"socket:schuko": "4", "survey:date": "2024"},
            Signals(0, 0, 0, 0, 1, 0, 0, date(2024, 12, 1).toordinal()),
        ),
        ({"socket:schuko": "no", "check_date": "last year"}, Signals(0, 0, 0, 0, None, 0, 0, None)),
        ({"name": "Regus Part-Dieu", "operator": "Regus"}, Signals(1, 0, 0, 0, None, 0, 0, None)),
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
    assert Signals(*row) == signals_of(bare) == Signals(0, 0, 0, 0, None, 0, 0, None)
    cache.close()


def test_a_cache_from_before_the_columns_is_backfilled(tmp_path) -> None:
    path = tmp_path / "cache.db"
    conn = db.connect(path, private=True)
    db.migrate(conn, store.MIGRATIONS[:3])
    tags = {"name": "Old", "opening_hours": "24/7", "email": "a@b.example", "wheelchair": "yes"}
    conn.execute(
        "INSERT INTO places (osm_id, name, kind, lat, lon, tags, fetched_at, name_key) "
        "VALUES ('way/7', 'Old', 'library', 45.0, 4.0, ?, 0, 'old')",
        (json.dumps(tags),),
    )
    conn.commit()
    conn.close()
    cache = Cache(path)
    row = cache.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM places").fetchone()
    assert Signals(*row) == Signals(0, 0, 0, 1, None, 1, 1, None)
    assert db.pending(cache.conn, store.MIGRATIONS) == []
    cache.close()
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM places").fetchone() == (1,)
