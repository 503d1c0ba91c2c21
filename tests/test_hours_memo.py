"""The cache's memo of opening-hours answers: a warm listing reuses each place's answer while it
holds, and never loads opening_hours_py or the time-zone database."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeservers import FakeServices

from solomo_cli.cache.store import Cache, HoursAnswer
from solomo_cli.model import Place
from solomo_cli.search.hours import When, annotate_hours

PARIS = {"tz": "Europe/Paris", "country": "FR"}


def cafe(value: str | None = "24/7") -> Place:
    tags = {"name": "Café", "office": "coworking"}
    if value is not None:
        tags["opening_hours"] = value
    return Place("node/1", "Café", "coworking", 45.75, 4.85, tags, extra=dict(PARIS))


@pytest.fixture
def cache(solomo_home: Path) -> Cache:
    store = Cache(solomo_home / "cache" / "cache.db")
    yield store  # type: ignore[misc]
    store.close()


def planted(cache: Cache, value: str = "24/7", until: float = 3600.0) -> None:
    """A memo answer that evaluation would never give, to see whether it is used."""
    now = time.time()
    cache.save_hours_answers(
        [
            HoursAnswer(
                "node/1", value, 45.75, 4.85, "Europe/Paris", "FR", now - 10, now + until,
                "closed", "2030-01-01T09:00:00+01:00", "planted answer", None,
            )
        ]
    )  # fmt: skip


def test_a_miss_is_evaluated_and_kept(cache: Cache) -> None:
    place = cafe()
    annotate_hours([place], None, cache)
    assert (place.extra["open_state"], place.extra["hours_phrase"]) == ("open", "open 24/7")
    kept = cache.hours_answers(["node/1"], time.time())["node/1"]
    assert (kept.value, kept.state, kept.phrase, kept.tz) == (
        "24/7",
        "open",
        "open 24/7",
        "Europe/Paris",
    )
    assert time.time() < kept.valid_until <= time.time() + 86400 + 3600


def test_an_answer_that_holds_is_reused(cache: Cache) -> None:
    planted(cache)
    place = cafe()
    annotate_hours([place], None, cache)
    assert place.extra["hours_phrase"] == "planted answer"
    assert place.extra["open_state"] == "closed"
    assert place.extra["next_change"] == "2030-01-01T09:00:00+01:00"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda p: p.tags.update(opening_hours="Mo-Su 00:00-24:00"), "another value"),
        (lambda p: setattr(p, "lat", 45.76), "moved"),
        (lambda p: p.extra.update(tz="Europe/Brussels"), "another zone"),
        (lambda p: p.extra.update(country="BE"), "another country"),
    ],
)
def test_an_answer_for_something_else_is_not_reused(cache: Cache, change, why: str) -> None:
    planted(cache)
    place = cafe()
    change(place)
    annotate_hours([place], None, cache)
    assert place.extra["hours_phrase"] != "planted answer", why


def test_an_expired_answer_is_evaluated_again(cache: Cache) -> None:
    planted(cache, until=-1.0)
    place = cafe()
    annotate_hours([place], None, cache)
    assert place.extra["hours_phrase"] == "open 24/7"


def test_a_time_asked_never_uses_the_memo(cache: Cache) -> None:
    planted(cache)
    place = cafe()
    annotate_hours([place], When(), cache)
    assert place.extra["hours_phrase"] == "open 24/7"


def test_places_without_hours_need_no_evaluation(cache: Cache) -> None:
    place = cafe(None)
    annotate_hours([place], None, cache)
    assert place.extra["open_state"] == "unknown" and place.extra["next_change"] is None
    assert cache.hours_answers(["node/1"], time.time()) == {}


WARM = """
import json, sys
from typer.testing import CliRunner
from solomo_cli.cli.app import app
result = CliRunner().invoke(app, ["near", "Lyon", "--offline", "--format", "json"])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("opening_hours", "zoneinfo"))
print(json.dumps({"code": result.exit_code, "loaded": loaded, "out": result.stdout}))
"""


def test_a_warm_near_loads_neither_the_parser_nor_the_zones(
    lyon_services: FakeServices, solomo_home: Path
) -> None:
    from clitools import invoke

    first = invoke(["near", "Lyon", "--format", "json"])  # fetches, evaluates, keeps
    assert first.exit_code == 0
    env = {"SOLOMO_HOME": str(solomo_home), "PATH": ""}
    done = subprocess.run([sys.executable, "-c", WARM], env=env, capture_output=True, text=True)
    report = json.loads(done.stdout)
    assert report["code"] == 0
    assert report["loaded"] == []
    warm = {p["id"]: (p["open_state"], p["next_change"]) for p in json.loads(report["out"])}
    cold = {p["id"]: (p["open_state"], p["next_change"]) for p in json.loads(first.stdout)}
    assert warm == cold and any(state == "open" for state, _ in warm.values())


# -- one memo for listings and show ---------------------------------------------------------

ZONED = Place(
    "node/40",
    "Sun desk",
    "coworking",
    45.7500,
    4.8450,
    {"name": "Sun desk", "office": "coworking", "opening_hours": "Mo-Fr 09:00-18:00"},
    extra=dict(PARIS),
)
NEAR_ZONED = ["near", "45.74906,4.84789", "--offline", "--format", "json"]


def show_json(*args: str) -> dict:
    from clitools import invoke

    result = invoke(["show", *args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def no_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    from solomo_cli.search import hours

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("evaluated although the memo holds the answer")

    monkeypatch.setattr(hours, "evaluate", fail)


def test_the_zone_travels_with_the_place(cache: Cache) -> None:
    from clitools import seed_listing

    seed_listing([ZONED])
    assert cache.get_place("node/40").extra == PARIS  # type: ignore[union-attr]
    assert [p.extra for p in cache.find_places_by_name("Sun")] == [PARIS]
    from solomo_cli.cache.store import last_listing

    [listed] = last_listing(cache)["places"]  # type: ignore[index]
    assert (listed["tz"], listed["country"]) == ("Europe/Paris", "FR")


def test_show_reuses_the_answer_a_listing_kept(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clitools import invoke, seed_listing

    seed_listing([ZONED])
    assert invoke(NEAR_ZONED).exit_code == 0
    kept = cache.hours_answers(["node/40"], time.time())["node/40"]
    no_evaluation(monkeypatch)
    for ref in ("1", "node/40", "Sun desk"):  # from the listing, the cache, a name
        record = show_json(ref)
        assert (record["open_state"], record["hours_phrase"]) == (kept.state, kept.phrase)


def test_a_listing_reuses_the_answer_show_kept(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clitools import invoke, seed_listing

    seed_listing([ZONED])
    record = show_json("1")
    assert cache.hours_answers(["node/40"], time.time())["node/40"].phrase == record["hours_phrase"]
    no_evaluation(monkeypatch)
    result = invoke(NEAR_ZONED)
    assert result.exit_code == 0, result.stderr
    assert [r["open_state"] for r in json.loads(result.stdout)] == [record["open_state"]]


def test_show_evaluates_again_once_the_answer_expired(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, timezone

    from clitools import seed_listing

    from solomo_cli.search import hours

    seed_listing([ZONED])
    monday = datetime(2026, 12, 21, 10, tzinfo=timezone.utc)  # 11:00 in Paris
    monkeypatch.setattr(hours, "_utcnow", lambda: monday)
    assert show_json("1")["hours_phrase"] == "open · closes 18:00"
    monkeypatch.setattr(hours, "_utcnow", lambda: monday.replace(hour=18))  # 19:00 in Paris
    assert show_json("1")["hours_phrase"] == "closed · opens Tue 09:00"
    kept = cache.hours_answers(["node/40"], monday.replace(hour=18).timestamp())["node/40"]
    assert kept.phrase == "closed · opens Tue 09:00"


def test_show_does_not_reuse_an_answer_for_another_value(cache: Cache) -> None:
    from clitools import seed_listing

    seed_listing([ZONED])
    planted(cache, value="Mo-Fr 09:00-18:00")
    cache.conn.execute("UPDATE hours_memo SET osm_id = 'node/40', lat = 45.75, lon = 4.845")
    cache.conn.commit()
    assert show_json("1")["hours_phrase"] == "planted answer"  # the same value, place, zone
    changed = Place(ZONED.id, ZONED.name, ZONED.kind, ZONED.lat, ZONED.lon,
                    {**ZONED.tags, "opening_hours": "24/7"}, extra=dict(PARIS))  # fmt: skip
    seed_listing([changed])
    assert show_json("1")["hours_phrase"] == "open 24/7"


WARM_SHOW = """
import json, sys
from typer.testing import CliRunner
from solomo_cli.cli.app import app
result = CliRunner().invoke(app, ["show", "1", "--format", "json"])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("opening_hours", "zoneinfo"))
print(json.dumps({"code": result.exit_code, "loaded": loaded, "out": result.stdout}))
"""


def test_a_warm_show_loads_neither_the_parser_nor_the_zones(solomo_home: Path) -> None:
    from clitools import invoke, seed_listing

    seed_listing([ZONED])
    first = invoke(NEAR_ZONED)  # evaluates and keeps the answer
    assert first.exit_code == 0
    env = {"SOLOMO_HOME": str(solomo_home), "PATH": "", "SOLOMO_SESSION": "tests"}
    done = subprocess.run(
        [sys.executable, "-c", WARM_SHOW], env=env, capture_output=True, text=True
    )
    report = json.loads(done.stdout)
    assert report["code"] == 0 and report["loaded"] == []
    [row] = json.loads(first.stdout)
    assert json.loads(report["out"])["open_state"] == row["open_state"] != "unknown"


def test_the_memo_is_read_in_one_parameter_whatever_the_number_of_places(tmp_path) -> None:
    # SQLite's default limit is 32,766 variables: one `?` per place failed beyond it.
    from solomo_cli.cache.store import Cache, HoursAnswer

    cache = Cache(tmp_path / "cache.db")
    # This machine's SQLite may allow more; the default build allows 32,766.
    cache.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)
    kept = HoursAnswer(
        "node/7", "24/7", 45.0, 4.0, None, None, 0.0, 2e9, "open", None, "open 24/7", None
    )
    cache.save_hours_answers([kept])
    ids = [f"node/{n}" for n in range(40_000)]
    assert cache.hours_answers(ids, 1e9) == {"node/7": kept}
    cache.close()
