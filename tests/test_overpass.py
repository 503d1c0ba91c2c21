"""The Overpass client over real loopback HTTP: the query, retries, failed answers, endpoints."""

from __future__ import annotations

import email.utils
import functools
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from clitools import invoke
from fakeservers import LYON_LAT, LYON_LON, FakeServices

from solomo_cli import __version__
from solomo_cli import net as http
from solomo_cli.cache.store import Cache
from solomo_cli.config import Settings, load_settings
from solomo_cli.errors import BadResponse, QueryFailed, RateLimited, Remedy, ServiceError
from solomo_cli.net import make_client
from solomo_cli.search.near import Origin, Session
from solomo_cli.sources import overpass

ELEMENTS = [
    {
        "type": "node",
        "id": 1,
        "lat": 45.7500,
        "lon": 4.8500,
        "tags": {"office": "coworking", "name": "Office tag"},
    },
    {
        "type": "way",
        "id": 2,
        "center": {"lat": 45.7510, "lon": 4.8490},
        "tags": {"amenity": "coworking_space", "name": "Amenity tag"},
    },
    {
        "type": "node",
        "id": 3,
        "lat": 45.7505,
        "lon": 4.8505,
        "tags": {"amenity": "library", "name": "Library"},
    },
    {
        "type": "node",
        "id": 4,
        "lat": 45.7502,
        "lon": 4.8502,
        "tags": {"amenity": "cafe", "name": "No wifi"},
    },
]


@pytest.fixture
def fake(services: FakeServices) -> FakeServices:
    services.add_elements(ELEMENTS)
    return services


@pytest.fixture
def settings(fake: FakeServices) -> Settings:
    return load_settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[httpx.Client]:
    with make_client(settings) as c:
        yield c


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry pauses are recorded instead of slept (the pause the client *chose* is asserted)."""
    waited: list[float] = []
    monkeypatch.setattr(overpass, "stream", functools.partial(http.stream, sleep=waited.append))
    return waited


def fetch(
    client: httpx.Client, urls: tuple[str, ...], kinds: tuple[str, ...] = ("coworking",)
) -> overpass.Answer:
    return overpass.fetch(client, urls, LYON_LAT, LYON_LON, 3000, kinds)


def interpreter_requests(fake: FakeServices) -> int:
    return fake.count("/api/interpreter")


# -- the query ---------------------------------------------------------------------------------


def test_query_asks_both_coworking_tags_with_centers(
    fake: FakeServices, client: httpx.Client
) -> None:
    fetch(client, (fake.overpass_url,))
    (request,) = fake.requests
    query = request.overpass_query or ""
    assert request.method == "POST"
    assert '["office"="coworking"]' in query
    assert '["amenity"="coworking_space"]' in query
    assert "out center tags;" in query
    assert "[out:json]" in query
    assert f"(around:3000,{LYON_LAT:.6f},{LYON_LON:.6f})" in query


def test_one_union_query_for_all_kinds(fake: FakeServices, client: httpx.Client) -> None:
    answer = fetch(client, (fake.overpass_url,), ("coworking", "hackerspace", "library", "cafe"))
    assert interpreter_requests(fake) == 1
    query = fake.requests[0].overpass_query or ""
    for fragment in (
        '["leisure"="hackerspace"]',
        '["amenity"="library"]',
        '["amenity"="cafe"]["internet_access"',
    ):
        assert fragment in query
    assert {p.id for p in answer.places} == {"node/1", "way/2", "node/3"}


def test_answer_has_places_and_osm_base(fake: FakeServices, client: httpx.Client) -> None:
    answer = fetch(client, (fake.overpass_url,))
    assert {p.id: p.name for p in answer.places} == {"node/1": "Office tag", "way/2": "Amenity tag"}
    way = next(p for p in answer.places if p.id == "way/2")
    assert (way.lat, way.lon) == (45.7510, 4.8490)
    assert answer.osm_base == "2026-11-20T10:00:00Z"
    assert answer.endpoint == fake.overpass_url


def test_user_agent_identifies_solomo(fake: FakeServices, client: httpx.Client) -> None:
    fetch(client, (fake.overpass_url,))
    agent = fake.requests[0].headers["user-agent"]
    assert agent == f"solomo-cli/{__version__} (+https://github.com/solomo-cli/solomo)"


def test_user_agent_contact_is_configurable(
    fake: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLOMO_CONTACT", "me@example.org")
    with make_client(load_settings()) as c:
        fetch(c, (fake.overpass_url,))
    assert fake.requests[0].headers["user-agent"] == f"solomo-cli/{__version__} (+me@example.org)"


def test_client_timeouts_are_not_geopys_one_second(
    settings: Settings, client: httpx.Client
) -> None:
    assert settings.timeout >= 10
    assert client.timeout.read is not None and client.timeout.read >= 10


# -- retries -----------------------------------------------------------------------------------


def test_429_is_retried_after_retry_after(
    fake: FakeServices, client: httpx.Client, sleeps: list[float]
) -> None:
    fake.fail_next("429", retry_after=7)
    answer = fetch(client, (fake.overpass_url,))
    assert len(answer.places) == 2
    assert interpreter_requests(fake) == 2
    assert sleeps == [7.0]


def test_429_retry_after_really_waits(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("429", retry_after=1)
    answer = fetch(client, (fake.overpass_url,))
    first, second = fake.requests
    assert len(answer.places) == 2
    assert second.time - first.time >= 1.0


def test_retry_after_as_http_date(
    fake: FakeServices, client: httpx.Client, sleeps: list[float]
) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    fake.fail_next("429", retry_after=when)
    fetch(client, (fake.overpass_url,))
    assert len(sleeps) == 1 and 25 <= sleeps[0] <= 31


@pytest.mark.parametrize("status", ["504", "503"])
def test_busy_server_is_retried_then_answers(
    fake: FakeServices, client: httpx.Client, sleeps: list[float], status: str
) -> None:
    fake.fail_next(status, times=2)  # no Retry-After: exponential backoff
    answer = fetch(client, (fake.overpass_url,))
    assert len(answer.places) == 2
    assert interpreter_requests(fake) == 3
    assert sleeps == [1.0, 2.0]


def test_retries_are_bounded(fake: FakeServices, client: httpx.Client, sleeps: list[float]) -> None:
    fake.fail_next("429", times=10, retry_after=0)
    with pytest.raises(RateLimited) as info:
        fetch(client, (fake.overpass_url,))
    assert interpreter_requests(fake) == http.MAX_RETRIES + 1 == 4
    assert "429" in info.value.message
    assert info.value.hint


def test_504_forever_is_a_service_error(
    fake: FakeServices, client: httpx.Client, sleeps: list[float]
) -> None:
    fake.fail_next("504", times=10)
    with pytest.raises(ServiceError, match="504"):
        fetch(client, (fake.overpass_url,))
    assert interpreter_requests(fake) == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_very_long_retry_after_is_not_waited(
    fake: FakeServices, client: httpx.Client, sleeps: list[float]
) -> None:
    fake.fail_next("429", retry_after=3600)
    with pytest.raises(RateLimited) as info:
        fetch(client, (fake.overpass_url,))
    assert info.value.retry_after == 3600
    assert sleeps == []
    assert interpreter_requests(fake) == 1


def test_send_passes_retry_wait_to_the_injected_sleep(
    fake: FakeServices, client: httpx.Client
) -> None:
    waited: list[float] = []
    fake.fail_next("429", retry_after=2, path="/api/status")
    response = http.send(
        client, "GET", fake.base_url + "/api/status", service="Overpass", sleep=waited.append
    )
    assert response.status_code == 200
    assert waited == [2.0]


def test_400_is_not_retried(fake: FakeServices, client: httpx.Client, sleeps: list[float]) -> None:
    with pytest.raises(BadResponse, match="refused the query: .*parse error"):
        http.send(
            client, "POST", fake.overpass_url, service="Overpass", what="query", data={"data": "x"}
        )
    assert interpreter_requests(fake) == 1


# -- answers that are not data -----------------------------------------------------------------


def test_200_with_remark_is_a_failed_query(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("remark")
    with pytest.raises(QueryFailed, match="Query timed out"):
        fetch(client, (fake.overpass_url,))


@pytest.mark.parametrize(
    ("name", "shown"),
    [("remark_runtime_error.json", "Query timed out"), ("remark_runtime_remark.json", "Test")],
)
def test_real_remark_answers_are_failed_queries(
    fake: FakeServices, client: httpx.Client, shared_data: Path, name: str, shown: str
) -> None:
    body = (shared_data / "overpass" / name).read_text(encoding="utf-8")
    fake.fail_next("remark", body=body)
    with pytest.raises(QueryFailed, match=shown) as info:
        fetch(client, (fake.overpass_url,))
    assert Remedy.SMALLER_AREA in info.value.remedies  # the CLI words it as --radius
    assert "--" not in (info.value.hint or "")


@pytest.mark.parametrize("body", ["remark_runtime_error.json", None])
def test_remark_answer_is_never_stored(
    fake: FakeServices, settings: Settings, shared_data: Path, body: str | None
) -> None:
    if body:
        fake.fail_next("remark", body=(shared_data / "overpass" / body).read_text("utf-8"))
    else:
        fake.fail_next("remark")
    with Session(settings) as session:
        origin = Origin("lyon", "Lyon", LYON_LAT, LYON_LON)
        with pytest.raises(QueryFailed):
            session.ensure_area(origin, 2000, ("coworking",), offline=False, refresh=False)
        info = session.cache.info()
        assert (info["places"], info["areas"]) == (0, 0)
        # So the next question fetches again, and gets the complete answer.
        session.ensure_area(origin, 2000, ("coworking",), offline=False, refresh=False)
        assert session.cache.info()["places"] == 2
    assert interpreter_requests(fake) == 2


def test_html_page_is_a_readable_bad_response(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("html")
    with pytest.raises(BadResponse) as info:
        fetch(client, (fake.overpass_url,))
    message = info.value.message
    assert "HTML" in message
    assert "too busy to handle your request" in message
    assert "<" not in message


def test_html_without_error_paragraph(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("html", body="<html><body><h1>Bad Gateway</h1></body></html>")
    with pytest.raises(BadResponse, match="HTML"):
        fetch(client, (fake.overpass_url,))


def test_truncated_json_is_a_clear_error(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("truncated")
    with pytest.raises(ServiceError) as info:
        fetch(client, (fake.overpass_url,))
    assert isinstance(info.value, BadResponse)
    assert "truncated" in info.value.message


def test_json_without_elements_is_a_bad_response(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("remark", body='{"version": 0.6, "generator": "Overpass API"}')
    with pytest.raises(BadResponse, match="element"):
        fetch(client, (fake.overpass_url,))


def test_connection_reset_is_a_service_error(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("reset")
    with pytest.raises(ServiceError, match="cannot reach Overpass") as info:
        fetch(client, (fake.overpass_url,))
    assert info.value.hint == "check your connection"
    assert Remedy.OFFLINE in info.value.remedies  # the CLI words it as --offline


def test_closed_port_is_a_service_error(client: httpx.Client, unused_port: int) -> None:
    with pytest.raises(ServiceError, match="cannot reach Overpass"):
        fetch(client, (f"http://127.0.0.1:{unused_port}/api/interpreter",))


# -- several endpoints -------------------------------------------------------------------------


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_endpoints_from_the_environment_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", " http://a.example/api/interpreter , http://b/x/ ")
    assert load_settings().overpass_urls == ("http://a.example/api/interpreter", "http://b/x")


def test_endpoints_from_the_config_file(solomo_home: Path) -> None:
    solomo_home.mkdir(parents=True)
    (solomo_home / "config.toml").write_text(
        'overpass_url = ["http://one/api/interpreter", "http://two/api/interpreter"]\n'
    )
    assert load_settings().overpass_urls == (
        "http://one/api/interpreter",
        "http://two/api/interpreter",
    )


def test_environment_wins_over_the_config_file(
    solomo_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    solomo_home.mkdir(parents=True)
    (solomo_home / "config.toml").write_text('overpass_url = "http://config/api/interpreter"\n')
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", "http://env/api/interpreter")
    assert load_settings().overpass_urls == ("http://env/api/interpreter",)


@pytest.mark.parametrize("failure", ["html", "remark", "truncated", "reset", "closed"])
def test_next_endpoint_is_tried_after_a_failure(
    fake: FakeServices, client: httpx.Client, unused_port: int, failure: str
) -> None:
    with FakeServices() as first:
        if failure == "closed":
            first_url = f"http://127.0.0.1:{unused_port}/api/interpreter"
        else:
            first.fail_next(failure)
            first_url = first.overpass_url
        answer = fetch(client, (first_url, fake.overpass_url))
        assert first.count("/api/interpreter") == (0 if failure == "closed" else 1)
    assert answer.endpoint == fake.overpass_url
    assert len(answer.places) == 2
    assert interpreter_requests(fake) == 1


def test_first_endpoint_that_works_is_used_alone(fake: FakeServices, client: httpx.Client) -> None:
    with FakeServices() as second:
        answer = fetch(client, (fake.overpass_url, second.overpass_url))
        assert second.count() == 0
    assert answer.endpoint == fake.overpass_url


def test_all_endpoints_failing_is_one_service_error(
    fake: FakeServices, client: httpx.Client, unused_port: int
) -> None:
    fake.fail_next("html")
    with pytest.raises(ServiceError) as info:
        fetch(client, (f"http://127.0.0.1:{unused_port}/api/interpreter", fake.overpass_url))
    assert "no Overpass server gave an answer" in info.value.message
    assert "HTML" in info.value.message and "cannot reach" in info.value.message


def test_stored_places_come_from_the_answer(fake: FakeServices, settings: Settings) -> None:
    with Session(settings) as session:
        origin = Origin("lyon", "Lyon", LYON_LAT, LYON_LON)
        fetched_at, osm_base = session.ensure_area(
            origin, 1000, ("coworking",), offline=False, refresh=False
        )
        assert osm_base == "2026-11-20T10:00:00Z"
        assert fetched_at == pytest.approx(time.time(), abs=10)
    cache = Cache(settings.paths.cache_db)
    try:
        found = cache.places_within(LYON_LAT, LYON_LON, 1000, ["coworking"])
    finally:
        cache.close()
    assert {p.id for p in found} == {"node/1", "way/2"}


def test_cli_falls_back_to_the_next_endpoint(
    fake: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeServices() as busy:
        busy.fail_next("504", times=10, retry_after=0)
        monkeypatch.setenv("SOLOMO_OVERPASS_URL", f"{busy.overpass_url},{fake.overpass_url}")
        result = invoke(["near", "45.75,4.85", "--format", "json"])
        assert busy.count("/api/interpreter") == http.MAX_RETRIES + 1
    assert result.exit_code == 0, result.stderr
    assert {p["id"] for p in json.loads(result.stdout)} == {"node/1", "way/2"}
    assert interpreter_requests(fake) == 1


def test_all_endpoints_failing_keeps_every_remedy(
    fake: FakeServices, monkeypatch: pytest.MonkeyPatch, unused_port: int
) -> None:
    fake.fail_next("html")
    closed = f"http://127.0.0.1:{unused_port}/api/interpreter"
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", f"{closed},{fake.overpass_url}")
    result = invoke(["near", "45.75,4.85"])
    assert result.exit_code == 4, result.stderr
    assert "no Overpass server gave an answer" in result.stderr
    assert "use --offline to answer from local data" in result.stderr
