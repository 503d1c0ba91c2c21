"""A listing's count ("N more") is remembered per query until any place changes: the memo is
emptied by triggers on every write to the places, so a count never outlives its rows."""

from pathlib import Path

from solomo_cli import db
from solomo_cli.cache.store import COUNT_MEMO_SIZE, Cache
from solomo_cli.model import Place

LAT, LON = 45.76, 4.84
KINDS = ("coworking", "cafe")


def places(n: int, start: int = 0) -> list[Place]:
    return [
        Place(
            f"node/{i}",
            f"P{i}",
            "coworking" if i % 2 else "cafe",
            LAT + (i % 40) * 0.001,
            LON + (i // 40) * 0.001,
            {"name": f"P{i}", "internet_access": "wlan" if i % 3 else "no"},
        )
        for i in range(start, start + n)
    ]


def memo_rows(cache: Cache) -> int:
    return int(cache.conn.execute("SELECT count(*) FROM count_memo").fetchone()[0])


def test_a_count_is_remembered_and_forgotten_when_a_place_changes(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache.db")
    cache.save_fetch(places(200), LAT, LON, 20_000, KINDS, None, "http://x")
    first = cache.count_within(LAT, LON, 3000, KINDS)
    assert memo_rows(cache) == 1
    assert (
        cache.count_within(LAT, LON, 3000, KINDS)
        == first
        == cache._count_within(LAT, LON, 3000, KINDS, ())
    )
    wifi = cache.count_within(LAT, LON, 3000, KINDS, ("internet",))
    assert wifi == cache._count_within(LAT, LON, 3000, KINDS, ("internet",)) < first
    assert memo_rows(cache) == 2
    # More places (a fetch of the circle replaces it): the memo is emptied by the write, and
    # the next count sees them.
    cache.save_fetch(places(250), LAT, LON, 20_000, KINDS, None, "http://x")
    assert memo_rows(cache) == 0
    assert (
        cache.count_within(LAT, LON, 3000, KINDS)
        == cache._count_within(LAT, LON, 3000, KINDS, ())
        > first
    )
    # Places gone (a fetch without them) are not counted either.
    cache.save_fetch(places(10), LAT, LON, 20_000, KINDS, None, "http://x")
    assert (
        cache.count_within(LAT, LON, 3000, KINDS)
        == cache._count_within(LAT, LON, 3000, KINDS, ())
        <= 10
    )
    cache.close()


def test_the_memo_is_bounded(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache.db")
    cache.save_fetch(places(20), LAT, LON, 20_000, KINDS, None, "http://x")
    for radius in range(100, 100 + 10 * (COUNT_MEMO_SIZE + 5), 10):
        cache.count_within(LAT, LON, float(radius), KINDS)
    assert memo_rows(cache) == COUNT_MEMO_SIZE
    cache.close()


def test_a_read_only_cache_counts_without_remembering(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    writer = Cache(path)
    writer.save_fetch(places(30), LAT, LON, 20_000, KINDS, None, "http://x")
    expected = writer.count_within(LAT, LON, 3000, KINDS)
    writer.conn.execute("DELETE FROM count_memo")
    writer.close()
    reader = Cache(path)
    reader._conn = db.connect_readonly(path)  # as _open does for a file it cannot write
    assert reader.count_within(LAT, LON, 3000, KINDS) == expected
    assert memo_rows(reader) == 0
    reader.close()


def test_the_best_points_of_the_store_are_remembered_and_forgotten(tmp_path: Path) -> None:
    from solomo_cli.search.ranking import best_points, points_sql

    cache = Cache(tmp_path / "cache.db")
    cache.save_fetch(places(50), LAT, LON, 20_000, KINDS, None, "http://x")
    points = points_sql(738_000)
    plain = cache.best_points(KINDS, points)
    assert 0 < plain < best_points(KINDS)  # no place here has every signal
    assert memo_rows(cache) == 1 and cache.best_points(KINDS, points) == plain
    rich_tags = {
        "name": "Full",
        "internet_access": "wlan",
        "internet_access:fee": "no",
        "service:electricity": "yes",
        "opening_hours": "24/7",
        "website": "https://example.org",
        "operator:type": "community",
    }
    full = Place("node/999", "Full", "coworking", LAT, LON, rich_tags)
    cache.save_fetch([*places(50), full], LAT, LON, 20_000, KINDS, None, "http://x")
    assert memo_rows(cache) == 0  # the write emptied it
    assert cache.best_points(KINDS, points) > plain
