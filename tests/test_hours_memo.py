"""The cache's memo of opening-hours answers: a warm listing reuses each place's answer while it
holds, and never loads opening_hours_py or the time-zone database."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeservers import FakeServices

from solomo_cli.cache.store import Cache, HoursAnswer
from solomo_cli.model import Place
from solomo_cli.search.hours import When
from solomo_cli.search.near import annotate_hours

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
