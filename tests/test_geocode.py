"""Nominatim through geopy and the project's httpx client, over real loopback HTTP: identity,
caching, country filter, real answers, refusals, and the 1 request/s policy across processes."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clitools import invoke
from fakeservers import LYON_DISPLAY_NAME, LYON_LAT, LYON_LON, FakeServices, nominatim_result

from solomo_cli import __version__
from solomo_cli import net as http
from solomo_cli.config import load_settings
from solomo_cli.errors import BadResponse, ExitStatus, PlaceNotFound, RateLimited, UsageError
from solomo_cli.geocoding import nominatim as geocode
from solomo_cli.search.near import Origin, Session


@pytest.fixture
def fake(services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeServices:
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    services.set_geocode(
        "Lyon",
        [
            nominatim_result(
                "Lyon",
                LYON_LAT,
                LYON_LON,
                display_name=LYON_DISPLAY_NAME,
                address={"country_code": "fr"},
            )
        ],
    )
    return services


@pytest.fixture
def session(fake: FakeServices) -> Iterator[Session]:
    with Session(load_settings()) as s:
        yield s


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(geocode, "send", functools.partial(http.send, sleep=waited.append))
    return waited


def locate(session: Session, text: str, country: str | None = None) -> Origin:
    return session.locate(text, country, offline=False, refresh=False)


def searches(fake: FakeServices) -> int:
    return fake.count("/search")


def serve_file(fake: FakeServices, query: str, path: Path) -> list[dict]:
    results = json.loads(path.read_text(encoding="utf-8"))
    fake.set_geocode(query, results)
    return results


def test_lookup_finds_the_place(fake: FakeServices, session: Session) -> None:
    origin = locate(session, "Lyon")
    assert (origin.lat, origin.lon) == (LYON_LAT, LYON_LON)
    assert origin.label == LYON_DISPLAY_NAME
    assert origin.geocoded is True
    assert searches(fake) == 1


def test_user_agent_is_solomos(fake: FakeServices, session: Session) -> None:
    locate(session, "Lyon")
    (request,) = fake.requests
    assert request.headers["user-agent"] == (
        f"solomo-cli/{__version__} (+https://github.com/solomo-cli/solomo)"
    )
    assert "geopy" not in request.headers["user-agent"].lower()
    assert request.params["q"] == "Lyon"


def test_answer_is_cached(fake: FakeServices, session: Session) -> None:
    locate(session, "Lyon")
    fake.reset_log()
    again = locate(session, "Lyon")
    assert searches(fake) == 0
    assert (again.lat, again.lon, again.label) == (LYON_LAT, LYON_LON, LYON_DISPLAY_NAME)


def test_cache_survives_the_process(fake: FakeServices) -> None:
    with Session(load_settings()) as first:
        locate(first, "Lyon")
    fake.reset_log()
    with Session(load_settings()) as second:
        assert locate(second, "  lyon ").lat == LYON_LAT
    assert searches(fake) == 0


def test_refresh_asks_again(fake: FakeServices, session: Session) -> None:
    locate(session, "Lyon")
    session.locate("Lyon", None, offline=False, refresh=True)
    assert searches(fake) == 2


def test_coordinates_are_never_geocoded(fake: FakeServices, session: Session) -> None:
    origin = locate(session, "45.76,4.84")
    assert (origin.lat, origin.lon, origin.geocoded) == (45.76, 4.84, False)
    assert fake.count() == 0


def test_country_is_passed_as_countrycodes(fake: FakeServices, session: Session) -> None:
    locate(session, "Lyon", "FR")
    assert fake.countrycodes_seen == ["fr"]


def test_country_is_part_of_the_cache_key(fake: FakeServices, session: Session) -> None:
    locate(session, "Lyon")
    locate(session, "Lyon", "fr")
    locate(session, "Lyon", "fr")
    assert fake.countrycodes_seen == [None, "fr"]


def test_country_filters_the_answer(fake: FakeServices, session: Session) -> None:
    with pytest.raises(PlaceNotFound, match="in DE"):
        locate(session, "Lyon", "de")


@pytest.mark.parametrize("country", ["France", "f", "12", "fr,", "fr;de"])
def test_bad_country_is_a_usage_error(fake: FakeServices, session: Session, country: str) -> None:
    if country == "fr,":  # a trailing comma is forgiven
        locate(session, "Lyon", country)
        assert fake.countrycodes_seen == ["fr"]
        return
    with pytest.raises(UsageError, match="country"):
        locate(session, "Lyon", country)
    assert fake.count() == 0


def test_empty_answer_is_place_not_found(
    fake: FakeServices, session: Session, shared_data: Path
) -> None:
    serve_file(fake, "Nowhereville", shared_data / "nominatim" / "search_empty.json")
    with pytest.raises(PlaceNotFound) as info:
        locate(session, "Nowhereville")
    assert info.value.exit_status == ExitStatus.NOT_FOUND
    assert "Nowhereville" in info.value.message
    assert "LAT,LON" in (info.value.hint or "")


def test_not_found_is_not_cached(fake: FakeServices, session: Session) -> None:
    for _ in range(2):
        with pytest.raises(PlaceNotFound):
            locate(session, "Atlantis")
    assert searches(fake) == 2


def test_real_paris_answer(fake: FakeServices, session: Session, shared_data: Path) -> None:
    results = serve_file(fake, "Paris, France", shared_data / "nominatim" / "search_paris.json")
    origin = locate(session, "Paris, France")
    assert isinstance(results[0]["lat"], str)
    assert (origin.lat, origin.lon) == (float(results[0]["lat"]), float(results[0]["lon"]))
    assert origin.label == "Paris, Île-de-France, France métropolitaine, France"
    assert len(origin.alternatives) == len(results) - 1


def test_real_ambiguous_answer_takes_the_best_match(
    fake: FakeServices, session: Session, shared_data: Path
) -> None:
    serve_file(fake, "Frankfurt", shared_data / "nominatim" / "search_frankfurt_ambiguous.json")
    origin = locate(session, "Frankfurt")
    assert origin.label == "Frankfurt am Main, Hessen, Deutschland"
    assert origin.lat == pytest.approx(50.1106444)
    assert origin.alternatives == ("Frankfurt (Oder), Brandenburg, Deutschland",)


def test_ambiguous_name_is_reported_by_the_cli(fake: FakeServices, shared_data: Path) -> None:
    serve_file(fake, "Frankfurt", shared_data / "nominatim" / "search_frankfurt_ambiguous.json")
    result = invoke(["near", "Frankfurt", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert "understood as Frankfurt am Main, Hessen, Deutschland" in result.stderr
    assert "1 other place" in result.stderr and "--country" in result.stderr
    assert json.loads(result.stdout) == []


def test_real_old_api_answer(fake: FakeServices, session: Session, shared_data: Path) -> None:
    results = serve_file(
        fake,
        "Place des Palais, Bruxelles",
        shared_data / "nominatim" / "search_brussels_5_results.json",
    )
    origin = locate(session, "Place des Palais, Bruxelles")
    assert (origin.lat, origin.lon) == (float(results[0]["lat"]), float(results[0]["lon"]))
    assert origin.label.startswith("Palais Royal - Koninklijk Paleis")
    assert len(origin.alternatives) == 4


@pytest.mark.parametrize("status", [200, 429])
def test_usage_limit_page_is_a_clear_error(
    fake: FakeServices, session: Session, shared_data: Path, sleeps: list[float], status: int
) -> None:
    page = (shared_data / "nominatim" / "over_limit.html").read_text(encoding="utf-8")
    fake.fail_next("html", times=10, path="/search", body=page, status=status)
    expected = BadResponse if status == 200 else RateLimited
    with pytest.raises(expected) as info:
        locate(session, "Lyon")
    assert "Nominatim" in info.value.message
    assert "<" not in info.value.message
    assert info.value.hint
    assert searches(fake) == (1 if status == 200 else http.MAX_RETRIES + 1)


def test_usage_limit_page_through_the_cli(fake: FakeServices, shared_data: Path) -> None:
    page = (shared_data / "nominatim" / "over_limit.html").read_text(encoding="utf-8")
    fake.fail_next("html", path="/search", body=page, status=200)
    result = invoke(["near", "Lyon"])
    assert result.exit_code == ExitStatus.NETWORK
    assert result.stderr.startswith("solomo: error: Nominatim refused the request")
    assert "Traceback" not in result.stderr and "<html" not in result.stderr


def test_geocoder_timeout_is_at_least_ten_seconds(fake: FakeServices) -> None:
    settings = load_settings()
    geocoder = geocode.make_geocoder(settings, http.make_client(settings), None)
    assert geocoder.timeout >= 10


def test_nominatim_url_is_configurable(
    fake: FakeServices, monkeypatch: pytest.MonkeyPatch, solomo_home: Path
) -> None:
    monkeypatch.delenv("SOLOMO_NOMINATIM_URL")
    solomo_home.mkdir(parents=True)
    (solomo_home / "config.toml").write_text(f'nominatim_url = "{fake.nominatim_url}/"\n')
    with Session(load_settings()) as s:
        assert locate(s, "Lyon").lat == LYON_LAT
    assert searches(fake) == 1


# -- 1 request per second ---------------------------------------------------------------------


def test_two_lookups_in_a_row_are_a_second_apart(
    fake: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(geocode, "MIN_INTERVAL_S", 1.0)  # the real pause (the fixture's is 0)
    fake.set_geocode("Paris", [nominatim_result("Paris", 48.85, 2.35)])
    with Session(load_settings()) as s:
        locate(s, "Lyon")
        locate(s, "Paris")
    first, second = fake.requests
    assert second.time - first.time >= 1.0


def test_lookup_after_a_pause_does_not_wait(
    fake: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(geocode, "MIN_INTERVAL_S", 1.0)
    lock = load_settings().paths.nominatim_lock
    lock.parent.mkdir(parents=True)
    lock.write_text(repr(time.time() - 5))
    started = time.monotonic()
    with Session(load_settings()) as s:
        locate(s, "Lyon")
    assert time.monotonic() - started < 0.9


CONCURRENT = """
import sys, time
from solomo_cli.cli.app import main
start = float(sys.argv[1])
time.sleep(max(0.0, start - time.time()))
sys.argv = ["solomo", "near", sys.argv[2], "--format", "json"]
main()
"""


def test_concurrent_processes_share_the_rate_limit(
    fake: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.set_geocode("Paris", [nominatim_result("Paris", 48.85, 2.35)])
    # The first request takes a while: the other process must wait for it, then one more second.
    fake.fail_next("slow", path="/search", delay=0.3)
    start = str(time.time() + 1.5)  # both processes fire at the same instant, imports done
    env = dict(os.environ)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT, start, name],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("Lyon", "Paris")
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert json.loads(out) == []
    times = sorted(r.time for r in fake.requests if r.path == "/search")
    assert len(times) == 2
    assert times[1] - times[0] >= 1.0


def test_cli_country_option_reaches_nominatim(fake: FakeServices) -> None:
    result = invoke(["near", "Lyon", "--country", "FR", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert fake.countrycodes_seen == ["fr"]


def test_lock_folder_in_the_way_is_a_store_error(fake: FakeServices) -> None:
    lock = load_settings().paths.nominatim_lock
    lock.parent.parent.mkdir(parents=True, exist_ok=True)
    lock.parent.write_text("not a folder", encoding="utf-8")
    result = invoke(["near", "Lyon"])
    assert result.exit_code == ExitStatus.STORE, result.stderr
    assert result.stderr.startswith(f"solomo: error: cannot use the lock file {lock}")
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr
    assert "writable directory" in result.stderr
