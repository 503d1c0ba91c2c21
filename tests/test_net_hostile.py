"""The network boundary against hostile or broken servers, over real loopback HTTP: bombs,
slow-loris bodies, huge bodies, redirects to other hosts, error pages with markup, bad
Retry-After values, malformed JSON, Nominatim results without coordinates. Through the CLI
every one of them is exit status 4 (or 2) with one plain line, never 1, never a control
character."""

from __future__ import annotations

import functools
import gzip
import json
import resource
import stat
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from clitools import LYON_POINT, assert_one_error, invoke, solomo_command
from fakeservers import FakeServices, nominatim_result, overpass_error_page

from solomo_cli import net
from solomo_cli.config import Settings, load_settings
from solomo_cli.errors import BadResponse, ExitStatus, QueryFailed, RateLimited, ServiceError
from solomo_cli.geocoding import nominatim
from solomo_cli.search.near import Session
from solomo_cli.sources import overpass

LAT, LON = 45.75, 4.85
CONTROL = {chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}
NODE = {"type": "node", "id": 1, "lat": LAT, "lon": LON, "tags": {"office": "coworking"}}


def answer(elements: list, **extra: object) -> bytes:
    return json.dumps({"version": 0.6, "elements": elements, **extra}).encode()


@pytest.fixture
def fake(services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeServices:
    monkeypatch.setattr(nominatim, "MIN_INTERVAL_S", 0.0)
    services.add_elements([{**NODE, "tags": {"office": "coworking", "name": "Smooth"}}])
    services.set_geocode("Lyon", [nominatim_result("Lyon", LAT, LON)])
    return services


@pytest.fixture
def settings(fake: FakeServices) -> Settings:
    return load_settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[httpx.Client]:
    with net.make_client(settings) as c:
        yield c


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(overpass, "stream", functools.partial(net.stream, sleep=waited.append))
    return waited


def fetch(client: httpx.Client, url: str) -> overpass.Answer:
    return overpass.fetch(client, (url,), LAT, LON, 1000, ("coworking",))


def assert_clean_cli(result: object, *fragments: str, status: int = ExitStatus.NETWORK) -> None:
    """Exit `status` (never 1), one plain error line, no control character anywhere."""
    assert result.exit_code == status, result.stderr  # type: ignore[attr-defined]
    assert_one_error(result.stderr, *fragments)  # type: ignore[attr-defined]
    shown = result.stdout + result.stderr  # type: ignore[attr-defined]
    assert not CONTROL & set(shown.replace("\n", "")), repr(shown)


def near(*args: str) -> object:
    return invoke(["near", LYON_POINT, "--format", "json", *args])


# -- sizes -------------------------------------------------------------------------------------


@functools.cache
def two_mb_bomb() -> bytes:
    """About 2 MB of gzip that inflates to 2 GB. After a full flush the compressor starts
    afresh, so the block for 8 MB of zeros repeats byte for byte: compress it once."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (8 * 1024 * 1024)
    first = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    return first + block * 255 + packer.flush()  # the trailer's CRC is never reached


def test_gzip_bomb_is_refused_without_inflating(fake: FakeServices, client: httpx.Client) -> None:
    bomb = two_mb_bomb()
    assert len(bomb) < 3 * 1024 * 1024
    fake.fail_next("raw", body=bomb, headers={"Content-Encoding": "gzip"})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(BadResponse, match="more than 32 MB"):
        fetch(client, fake.overpass_url)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 200 * 1024  # not gigabytes (today's 4 GB RSS)


def test_nominatim_cap_is_two_mb(fake: FakeServices, settings: Settings) -> None:
    fake.fail_next("gzip", path="/search")  # 64 MB of zeros, about 64 KB on the wire
    with Session(settings) as session, pytest.raises(BadResponse, match="more than 2 MB"):
        session.locate("Lyon", None, offline=False, refresh=False)


def test_huge_plain_body_is_refused(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("raw", body=b" " * (33 * 1024 * 1024))
    with pytest.raises(BadResponse, match="more than 32 MB"):
        fetch(client, fake.overpass_url)


def test_small_gzip_answer_is_decoded(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("raw", body=gzip.compress(answer([NODE])), headers={"Content-Encoding": "gzip"})
    assert [p.id for p in fetch(client, fake.overpass_url).places] == ["node/1"]


@pytest.mark.parametrize("wrapped", [True, False])
def test_deflate_answer_is_decoded(fake: FakeServices, client: httpx.Client, wrapped: bool) -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, 15 if wrapped else -15)
    body = packer.compress(answer([NODE])) + packer.flush()
    fake.fail_next("raw", body=body, headers={"Content-Encoding": "deflate"})
    assert len(fetch(client, fake.overpass_url).places) == 1


def test_unknown_or_corrupt_encoding_is_a_bad_response(
    fake: FakeServices, client: httpx.Client
) -> None:
    fake.fail_next("raw", body=b"xx", headers={"Content-Encoding": "br"})
    with pytest.raises(BadResponse, match="unknown encoding"):
        fetch(client, fake.overpass_url)
    fake.fail_next("raw", body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(BadResponse, match="corrupt compressed"):
        fetch(client, fake.overpass_url)


def test_only_decodable_encodings_are_asked_for(fake: FakeServices, client: httpx.Client) -> None:
    fetch(client, fake.overpass_url)
    assert fake.requests[-1].headers["accept-encoding"] == "gzip, deflate"


# -- time --------------------------------------------------------------------------------------


def set_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("headers", [False, True])
def test_trickling_server_meets_the_deadline(
    fake: FakeServices, solomo_home: Path, headers: bool
) -> None:
    set_config(solomo_home, "deadline = 2\n")
    # A byte every 0.2 s (of the body, or of everything): never a read timeout.
    fake.fail_next("trickle", interval=0.2, headers=headers)
    started = time.monotonic()
    result = near()
    elapsed = time.monotonic() - started
    assert_clean_cli(result, "Overpass at 127.0.0.1:", "did not answer within 2 s")
    assert 1.8 < elapsed < 4


def test_a_silent_server_is_named_for_its_silence_not_the_deadline(
    fake: FakeServices, settings: Settings
) -> None:
    # Headers, then nothing for longer than the read timeout: the error names the silence (1 s),
    # not the total deadline (180 s), which was never reached.
    fake.fail_next("trickle", interval=5.0, headers=True)
    started = time.monotonic()
    with net.make_client(settings._replace(timeout=1.0)) as quick:
        with pytest.raises(ServiceError) as caught:
            fetch(quick, fake.overpass_url)
    assert caught.value.message.endswith("sent nothing for 1 s")
    assert "within" not in caught.value.message
    assert time.monotonic() - started < 4


def test_deadline_counts_the_retry_pauses(fake: FakeServices, solomo_home: Path) -> None:
    set_config(solomo_home, "deadline = 2\n")
    fake.fail_next("429", times=5, retry_after=3)  # 3 s pause > what is left: give up now
    started = time.monotonic()
    result = near()
    assert time.monotonic() - started < 2
    assert_clean_cli(result, "HTTP 429")
    assert fake.count("/api/interpreter") == 1


@pytest.mark.parametrize("value", ["0", "nan", "-3", "7200", '"soon"'])
def test_bad_deadline_in_config_is_a_usage_error(solomo_home: Path, value: str) -> None:
    set_config(solomo_home, f"deadline = {value}\n")
    assert_clean_cli(near(), "config", status=ExitStatus.USAGE)


def test_services_have_their_own_deadlines(settings: Settings) -> None:
    assert net.limits_for(net.OVERPASS, settings) == net.Limits(32 * net.MB, 180.0)
    assert net.limits_for(net.NOMINATIM, settings.__class__(settings.paths, deadline=5)) == (
        net.Limits(2 * net.MB, 5.0)
    )


@pytest.mark.parametrize(
    ("value", "waits"),
    [("nan", [1.0, 2.0, 4.0]), ("-5", [1.0, 2.0, 4.0]), ("abc", [1.0, 2.0, 4.0]), ("2", [2.0] * 3)],
)
def test_meaningless_retry_after_gets_the_default_backoff(
    fake: FakeServices, client: httpx.Client, sleeps: list[float], value: str, waits: list[float]
) -> None:
    fake.fail_next("429", times=3, retry_after=value)
    assert len(fetch(client, fake.overpass_url).places) == 1
    assert sleeps == waits


@pytest.mark.parametrize("value", ["inf", "1e308", "86400", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_huge_retry_after_gives_up_at_once(
    fake: FakeServices, client: httpx.Client, sleeps: list[float], value: str
) -> None:
    fake.fail_next("429", times=3, retry_after=value)
    with pytest.raises(RateLimited) as info:
        fetch(client, fake.overpass_url)
    assert sleeps == []
    assert info.value.retry_after is None or info.value.retry_after <= 3600


# -- redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_post_is_never_redirected_to_another_host(
    fake: FakeServices, client: httpx.Client, status: int
) -> None:
    with FakeServices() as other:
        elsewhere = other.overpass_url.replace("127.0.0.1", "localhost")
        fake.fail_next("redirect", status=status, location=elsewhere)
        with pytest.raises(ServiceError, match="redirected the query to localhost"):
            fetch(client, fake.overpass_url)
        assert other.requests == []  # the query (and anything else) never went there


def test_a_huge_location_is_bounded_in_the_message(
    fake: FakeServices, client: httpx.Client
) -> None:
    fake.fail_next("redirect", status=302, location="http://" + "a" * 5000 + ".example/x")
    with pytest.raises(ServiceError, match="redirected the query to a") as info:
        fetch(client, fake.overpass_url)
    assert len(info.value.message) < 300, len(info.value.message)


def test_same_host_post_307_keeps_the_body(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("redirect", status=307, location="/api/interpreter")
    assert len(fetch(client, fake.overpass_url).places) == 1
    first, second = fake.requests
    assert second.method == "POST" and second.overpass_query == first.overpass_query


def test_same_host_get_redirect_is_followed(fake: FakeServices, settings: Settings) -> None:
    fake.fail_next(
        "redirect", path="/search", status=302, location="/search.php?q=Lyon&format=json"
    )
    with Session(settings) as session:
        origin = session.locate("Lyon", None, offline=False, refresh=False)
    assert (origin.lat, origin.lon) == (LAT, LON)
    assert [r.path for r in fake.requests] == ["/search", "/search.php"]


def test_redirect_loop_is_bounded(fake: FakeServices, settings: Settings) -> None:
    fake.fail_next("redirect", times=10, path="/search", status=302, location="/search")
    with Session(settings) as session, pytest.raises(ServiceError, match="redirected"):
        session.locate("Lyon", None, offline=False, refresh=False)
    assert fake.count("/search") == net.MAX_REDIRECTS + 1


# -- credentials -------------------------------------------------------------------------------


def test_credentials_never_appear_in_messages(
    fake: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_url = fake.overpass_url.replace("http://", "http://alice:s3cr3tpw@")
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", f"{secret_url},{secret_url}")
    fake.fail_next("html", times=2)
    result = near()
    assert_clean_cli(result, "127.0.0.1")
    assert "s3cr3tpw" not in result.stderr and "alice" not in result.stderr


@pytest.mark.parametrize(
    "url",
    ["http://bob:hunter22@127.0.0.1:1/api/interpreter", "ftp://bob:hunter22@x/y", "bob:hunter22@"],
)
def test_unreachable_url_with_credentials_is_redacted(client: httpx.Client, url: str) -> None:
    with pytest.raises(ServiceError) as info:
        fetch(client, url)
    assert "hunter22" not in info.value.message and "bob" not in info.value.message


def test_host_of_drops_user_info() -> None:
    assert net.host_of("https://u:p@example.org:8443/api") == "example.org:8443"
    assert net.redact("see http://u:pw12@h/x", None) == "see http://h/x"


# -- error pages -------------------------------------------------------------------------------

MARKUP = "[/] [link=https://evil.example]click[/link] [bold red]x"


@pytest.mark.parametrize("status", [200, 400, 500])
@pytest.mark.parametrize("markup", ["", MARKUP])
def test_html_error_page_detail_is_plain_text(fake: FakeServices, status: int, markup: str) -> None:
    page = overpass_error_page(f"line 3: parse error: \x1b[31mred\x1b[0m {markup}")
    fake.fail_next("html", status=status, body=page)
    result = near()
    assert_clean_cli(result, "parse error: red", markup)
    if status == 400:
        assert "refused the query: line 3: parse error" in result.stderr
        assert "try again later" not in result.stderr


@pytest.mark.parametrize("markup", ["", MARKUP])
def test_xml_answer_is_called_osm_xml(
    fake: FakeServices, client: httpx.Client, markup: str
) -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="Overpass API">\n'
        f"<remark> runtime error: out of memory {markup}</remark>\n</osm>\n"
    )
    fake.fail_next("raw", body=body, content_type="application/osm3s+xml")
    with pytest.raises(BadResponse) as info:
        fetch(client, fake.overpass_url)
    assert info.value.message.startswith("Overpass at 127.0.0.1")
    assert "OSM XML instead of JSON: runtime error: out of memory" in info.value.message
    assert "HTML" not in info.value.message and markup in info.value.message


def test_csv_answer_is_called_csv(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("raw", body="@id\tname\n1\tSmooth\n", content_type="text/csv")
    with pytest.raises(BadResponse, match="CSV instead of JSON"):
        fetch(client, fake.overpass_url)
    fake.fail_next("raw", body="@id\tname\n1\tSmooth\n", content_type="text/plain")
    with pytest.raises(BadResponse, match="CSV instead of JSON"):
        fetch(client, fake.overpass_url)


def test_error_page_detail_is_bounded(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("html", status=500, body=overpass_error_page("x" * 100_000))
    with pytest.raises(ServiceError) as info:
        fetch(client, fake.overpass_url)
    assert len(info.value.message) < 400


# -- malformed JSON ----------------------------------------------------------------------------


def test_deep_nesting_is_a_bad_response(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("raw", body=b'{"elements": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    with pytest.raises(BadResponse, match="invalid JSON"):
        fetch(client, fake.overpass_url)


BROKEN_ELEMENTS = [
    "node/1",
    17,
    None,
    [NODE],
    {**NODE, "id": 2, "lat": "nan"},
    {**NODE, "id": 3, "lat": float("inf")},
    {**NODE, "id": 4, "lat": "45.75"},
    {**NODE, "id": 5, "lon": None},
    {**NODE, "id": 2**63},
    {**NODE, "id": -1},
    {**NODE, "id": "6"},
    {**NODE, "id": 7.0},
    {**NODE, "id": True},
    {**NODE, "id": 8, "tags": ["office", "coworking"]},
    {**NODE, "id": 9, "tags": "office=coworking"},
    {"type": "way", "id": 10, "center": [LAT, LON], "tags": {"office": "coworking"}},
    {"type": "area", "id": 11, "lat": LAT, "lon": LON, "tags": {"office": "coworking"}},
]


def test_malformed_elements_are_skipped(fake: FakeServices, client: httpx.Client) -> None:
    good = {**NODE, "id": 99}
    fake.fail_next("raw", body=answer([*BROKEN_ELEMENTS, good]))
    assert [p.id for p in fetch(client, fake.overpass_url).places] == ["node/99"]


def test_nan_literals_are_not_coordinates(fake: FakeServices, client: httpx.Client) -> None:
    body = b'{"elements": [{"type": "node", "id": 1, "lat": NaN, "lon": Infinity, "tags": {}}]}'
    fake.fail_next("raw", body=body)
    assert fetch(client, fake.overpass_url).places == []


def test_tags_are_cleaned_and_capped(fake: FakeServices, client: httpx.Client) -> None:
    tags = {
        "office": "coworking",
        "name": "Sm\ud800oo\x1b[2Jth\u202e",
        "description": "d" * 5000,
        "capacity": 40,
        "level": None,
        "opening_hours": ["Mo-Fr"],
    }
    body = json.dumps({"elements": [{**NODE, "tags": tags}]}).encode()  # \ud800 as an escape
    fake.fail_next("raw", body=body)
    (place,) = fetch(client, fake.overpass_url).places
    assert place.name == "Smooth"
    assert len(place.tags["description"]) == 255
    assert set(place.tags) == {"office", "name", "description"}


def test_bad_osm_base_is_dropped(fake: FakeServices, client: httpx.Client) -> None:
    base = "2026-11-20T10:00:00Z\x1b]0;pwned\x07"
    fake.fail_next("raw", body=answer([NODE], osm3s={"timestamp_osm_base": base}))
    assert fetch(client, fake.overpass_url).osm_base is None
    fake.fail_next("raw", body=answer([NODE], osm3s={"timestamp_osm_base": 12}))
    assert fetch(client, fake.overpass_url).osm_base is None
    fake.fail_next("raw", body=answer([NODE], osm3s="nope"))
    assert fetch(client, fake.overpass_url).osm_base is None


def test_bad_osm_base_never_reaches_the_title(fake: FakeServices) -> None:
    fake.osm_base = "2026-11-20T10:00:00Z\x1b]0;pwned\x07"
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 0, result.stderr
    assert "pwned" not in result.stdout + result.stderr
    assert "\x1b]" not in result.stdout + result.stderr


def test_remark_is_cleaned_and_bounded(fake: FakeServices, client: httpx.Client) -> None:
    fake.fail_next("raw", body=answer([], remark="\x1b[31mboom\x07 " + "z" * 10_000))
    with pytest.raises(QueryFailed) as info:
        fetch(client, fake.overpass_url)
    assert "boom" in info.value.message and "\x1b" not in info.value.message
    assert len(info.value.message) < 300


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"elements": {"a": 1}}',
        b'{"elements": [], "remark": "\xff\xfe"}',
        b"\xff\xfe\x00{",
        b'{"elements": [{"type": "node", "id": 1e999}]}',
        b'{"elements": [{"type": "node", "id": ' + b"9" * 5000 + b"}]}",
    ],
)
def test_broken_answers_through_the_cli(fake: FakeServices, body: bytes) -> None:
    fake.fail_next("raw", body=body)
    result = near()
    assert result.exit_code in (0, ExitStatus.NETWORK), result.stderr
    if result.exit_code:
        assert_clean_cli(result, "Overpass")


# -- Nominatim ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "results",
    [
        [{"display_name": "Lyon"}],
        [nominatim_result("Lyon", "nan", "4.8")],
        [{**nominatim_result("Lyon", 1, 2), "lat": "north", "lon": "east"}],
        [{**nominatim_result("Lyon", 1, 2), "lat": None, "lon": None}],
        [nominatim_result("Lyon", 91, 4.8)],
        ["Lyon"],
    ],
)
def test_nominatim_results_without_coordinates_are_never_cached(
    fake: FakeServices, results: list
) -> None:
    fake.set_geocode("Nowhere", results)
    for _ in range(2):
        result = invoke(["near", "Nowhere"])
        assert_clean_cli(result, "Nominatim sent places without usable coordinates")
    assert fake.count("/search") == 2  # not cached: the second run asked again


def test_unusable_results_are_skipped(fake: FakeServices, settings: Settings) -> None:
    fake.set_geocode(
        "Lyon",
        [{"display_name": "Null Island"}, nominatim_result("Lyon", LAT, LON, "Ly\x1b[5mon\x07")],
    )
    with Session(settings) as session:
        origin = session.locate("Lyon", None, offline=False, refresh=False)
    assert (origin.label, origin.lat, origin.lon) == ("Lyon", LAT, LON)


@pytest.mark.parametrize(
    "body",
    [b'{"error": {"code": 400, "message": "\x1b[31mNothing\x07"}}', b'{"places": []}', b"[[[["],
)
def test_nominatim_odd_answers_are_exit_4(fake: FakeServices, body: bytes) -> None:
    fake.fail_next("raw", path="/search", body=body)
    assert_clean_cli(invoke(["near", "Lyon"]), "Nominatim")


def test_lone_surrogates_in_a_nominatim_answer(fake: FakeServices) -> None:
    body = b'[{"lat": "45.75", "lon": "4.85", "display_name": "Ly\\ud800on", "name": "\\udfff"}]'
    fake.fail_next("raw", path="/search", body=body)
    result = invoke(["near", "Lyon", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert "Lyon" in result.stderr
    assert invoke(["near", "Lyon", "--offline"]).exit_code == 0  # the cache took it


def test_lock_file_is_private(fake: FakeServices, settings: Settings) -> None:
    with Session(settings) as session:
        session.locate("Lyon", None, offline=False, refresh=False)
    lock = settings.paths.nominatim_lock
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    assert stat.S_IMODE(lock.parent.stat().st_mode) == 0o700


def test_nominatim_interval_is_not_a_setting(
    fake: FakeServices, monkeypatch: pytest.MonkeyPatch, solomo_home: Path
) -> None:
    set_config(solomo_home, "nominatim_interval = 0\n")
    monkeypatch.setenv("SOLOMO_NOMINATIM_MIN_INTERVAL", "0")
    monkeypatch.setattr(nominatim, "MIN_INTERVAL_S", 1.0)  # the module's value (fixture: 0)
    fake.set_geocode("Paris", [nominatim_result("Paris", 48.85, 2.35)])
    settings = load_settings()
    assert not hasattr(settings, "nominatim_interval")
    with Session(settings) as session:
        session.locate("Lyon", None, offline=False, refresh=False)
        session.locate("Paris", None, offline=False, refresh=False)
    first, second = fake.requests
    assert second.time - first.time >= 1.0


# -- the installed command ---------------------------------------------------------------------


def test_installed_solomo_survives_a_bomb_and_a_trickle(
    fake: FakeServices, solomo_home: Path
) -> None:
    set_config(solomo_home, "deadline = 2\n")
    fake.fail_next("raw", body=two_mb_bomb(), headers={"Content-Encoding": "gzip"})
    fake.fail_next("trickle", interval=0.2, path="/search", headers=True)
    for args in (["near", LYON_POINT], ["near", "Lyon"]):
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", OWN_PEAK_RSS, *solomo_command(), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == ExitStatus.NETWORK, done.stderr
        assert time.monotonic() - started < 10
        assert_one_error(done.stderr, "127.0.0.1")
        *output, peak_kb = done.stdout.split("\n")
        assert not CONTROL & set(("\n".join(output) + done.stderr).replace("\n", ""))
        # The command's own peak (measured by a small parent: a child started from this test
        # process would count the test process's pages too).
        assert int(peak_kb) < 400 * 1024


# Runs argv, passes its output and status through, and prints its peak RSS (kB) last.
OWN_PEAK_RSS = """import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True)
sys.stdout.buffer.write(done.stdout)
sys.stderr.buffer.write(done.stderr)
print("\\n" + str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), end="")
sys.exit(done.returncode)"""
