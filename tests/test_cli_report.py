"""`solomo report REF` against a loopback OSM notes endpoint (tests/fakeservers.py): the request
it makes (method, path, fields, User-Agent), what it never sends, and every way it sends
nothing: --dry-run, a refusal at the prompt, no terminal, a network failure, a hostile server."""

from __future__ import annotations

import socket
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from clitools import HARRYCOW, assert_one_error, coworking, invoke, seed_listing, solomo_command
from fakeservers import FakeServices
from test_pty import on_a_terminal

from solomo_cli import __version__
from solomo_cli.cli import report as report_cli
from solomo_cli.config import load_settings
from solomo_cli.errors import ExitStatus

NOTES = "/api/0.6/notes"
CORDEE = coworking("way/77", "La Cordée", 45.7601, 4.8402, {"opening_hours": "Mo-Fr 09:00-19:00"})


@pytest.fixture
def osm(services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeServices:
    """The fake OSM API as `osm_api_url`, and a last listing of HarryCow (1) and La Cordée (2)."""
    monkeypatch.setenv("SOLOMO_OSM_API_URL", services.osm_api_url)
    seed_listing([HARRYCOW, CORDEE])
    return services


def sent(fake: FakeServices) -> list[str]:
    """Everything the notes endpoint received: paths, parameters, bodies and headers."""
    return [
        f"{r.method} {r.path} {r.params} {r.body} {r.headers}"
        for r in fake.requests
        if r.path.startswith(NOTES)
    ]


def test_a_note_is_posted_once_with_lat_lon_text_and_the_user_agent(osm: FakeServices) -> None:
    result = invoke(["report", "2", "--exists", "--wifi", "free", "--yes"])
    assert result.exit_code == 0, result.stderr
    (request,) = osm.requests
    assert (request.method, request.path, request.params) == ("POST", NOTES + ".json", {})
    assert request.headers["user-agent"] == load_settings().user_agent
    assert request.headers["user-agent"].startswith(f"solomo-cli/{__version__} (+")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "authorization" not in request.headers and "cookie" not in request.headers
    assert set(request.form) == {"lat", "lon", "text"}
    assert (request.form["lat"], request.form["lon"]) == ("45.7601000", "4.8402000")
    assert request.form["text"] == (
        "La Cordée (coworking): https://www.openstreetmap.org/way/77\n"
        "- still exists (seen on site)\n"
        "- Wi-Fi: yes, free (internet_access=wlan, internet_access:fee=no)\n"
        "\n"
        f"via solomo {__version__}"
    )
    assert result.stdout == f"{osm.base_url}/note/4001\n"  # the note's page, from its id
    assert "note 4001 opened" in result.stderr
    assert result.stderr == "solomo: note 4001 opened; anyone can read and answer it at:\n"


def test_the_main_api_gives_the_notes_page_on_openstreetmap_org() -> None:
    from solomo_cli.sources.osmnotes import note_url

    assert note_url(load_settings().osm_api_url, 4001) == "https://www.openstreetmap.org/note/4001"


def test_dry_run_shows_the_note_and_the_request_and_sends_nothing(osm: FakeServices) -> None:
    result = invoke(["report", "1", "--closed", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert osm.requests == []
    out = result.stdout
    assert out.startswith("Note at 45.7600000,4.8500000 (dry run: nothing sent):\n")
    assert "  HarryCow (coworking): https://www.openstreetmap.org/node/9000\n" in out
    assert "  - closed: no longer here\n" in out
    assert f"  POST {osm.osm_api_url}/api/0.6/notes.json\n" in out
    assert f"  User-Agent: {load_settings().user_agent}\n" in out
    body = out.rstrip("\n").rsplit("\n", 1)[1].strip()
    fields = dict(urllib.parse.parse_qsl(body))
    assert fields["lat"] == "45.7600000" and "- closed: no longer here" in fields["text"]


def test_without_a_terminal_and_without_yes_nothing_is_sent(osm: FakeServices) -> None:
    result = invoke(["report", "1", "--exists"])
    assert result.exit_code == ExitStatus.DECLINED == 7
    assert result.stderr.rstrip().endswith(
        "solomo: nothing sent: no terminal to confirm on (use --yes)"
    )
    assert result.stdout == "" and osm.requests == []


@pytest.mark.parametrize("answer", [b"n\n", b"\x04"])  # no, end of input
def test_declined_at_the_prompt_nothing_is_sent(osm: FakeServices, answer: bytes) -> None:
    status, shown, stdout = on_a_terminal(
        "report", "1", "--exists", answer=answer, stdout_too=False
    )
    assert status == ExitStatus.DECLINED, shown
    assert "HarryCow (coworking): https://www.openstreetmap.org/node/9000" in shown
    assert "Send it? [y/N]" in shown
    assert shown.rstrip().endswith("solomo: nothing sent: not confirmed")
    assert stdout == "" and osm.requests == []


def test_confirmed_at_the_prompt_the_note_goes(osm: FakeServices) -> None:
    status, shown, stdout = on_a_terminal(
        "report", "1", "--sockets", "yes", answer=b"y\n", stdout_too=False
    )
    assert status == 0, shown
    assert stdout == f"{osm.base_url}/note/4001\n"
    assert [n["text"].split("\n")[1] for n in osm.notes] == ["- power sockets for customers: yes"]


def test_the_installed_command_dry_run(osm: FakeServices) -> None:
    done = subprocess.run(
        [*solomo_command(), "report", "La Cordée", "--hours", "Mo-Fr 08:30-19:00", "--dry-run"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "- opening hours: Mo-Fr 08:30-19:00 (opening_hours=Mo-Fr 08:30-19:00; OSM has:" in (
        done.stdout
    )
    assert done.stderr == "" and osm.requests == []


# -- never personal data ------------------------------------------------------------------------

SECRETS = [
    "secret visit note",
    "37.50",  # the day's cost
    "secret place note",
    "Jeanne Secretname",
    "jeanne@secret.example",
    "+33 6 12 34 56 78",
    "secret contact note",
    "secret encounter talk",
    "power: plenty",  # the field notes themselves stay home; only the facts they suggest go
]


def test_the_request_carries_none_of_the_users_own_data(
    osm: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    for args in (
        ["visit", "1", "--rating", "5", "--cost", "37.50 EUR", "--note", SECRETS[0]],
        ["note", "1", SECRETS[2]],
        ["contact", "add", SECRETS[3], "--at", "1", "--email", SECRETS[4], "--phone", SECRETS[5]],
        ["contact", "edit", SECRETS[3], "--note", SECRETS[6]],
        ["contact", "met", "Jeanne", "--at", "1", "--note", SECRETS[7]],
    ):
        done = invoke(args)
        assert done.exit_code == 0, (args, done.stderr)
    monkeypatch.setattr(report_cli, "field_facts", lambda user, pid: {"power": "plenty"})
    result = invoke(["report", "1", "--exists", "--from-notes", "--text", "Open today.", "--yes"])
    assert result.exit_code == 0, result.stderr
    (everything,) = sent(osm)
    assert "- power sockets for customers: yes" in osm.notes[0]["text"]
    for secret in SECRETS:
        assert secret not in everything and urllib.parse.quote_plus(secret) not in everything
    assert "rating" not in everything.lower() and "EUR" not in everything


# -- field notes as suggestions ------------------------------------------------------------------

FIELD = {"power": "none", "wifi": "good", "noise": "loud", "day": "2026-11-20"}


def test_field_notes_are_offered_and_not_sent_unless_asked(
    osm: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(report_cli, "field_facts", lambda user, pid: asked.append(pid) or FIELD)
    result = invoke(["report", "2", "--exists", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert asked == ["way/77"]
    assert result.stderr == (
        "solomo: your field notes (2026-11-20: power: none, wifi: good) suggest --sockets no "
        "--wifi yes; add --from-notes to include them\n"
    )
    assert "sockets" not in result.stdout and "Wi-Fi" not in result.stdout


def test_from_notes_adds_what_was_not_given(
    osm: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_cli, "field_facts", lambda user, pid: FIELD)
    result = invoke(["report", "2", "--from-notes", "--wifi", "no", "--yes"])
    assert result.exit_code == 0, result.stderr
    text = osm.notes[0]["text"]
    assert "- power sockets for customers: no" in text
    assert "- Wi-Fi: none (internet_access=no)" in text  # what you say outranks your notes
    assert "loud" not in text and "noise" not in text


def test_from_notes_without_field_notes_is_nothing_to_report(
    osm: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_cli, "field_facts", lambda user, pid: None)
    result = invoke(["report", "2", "--from-notes", "--yes"])
    assert result.exit_code == ExitStatus.USAGE
    assert "solomo: no field notes about this place to add" in result.stderr
    assert_one_error(result.stderr, "nothing to report", "--exists")
    assert osm.requests == []


def test_this_versions_field_notes_hook_answers_without_failing(osm: FakeServices) -> None:
    from solomo_cli.mydata.store import UserData

    with UserData(load_settings().paths.user_db) as user:
        got = report_cli.field_facts(user, "node/9000")
    assert got is None or hasattr(got, "get") or hasattr(got, "power")


# -- usage errors: nothing sent -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["report", "1"], "nothing to report"),
        (["report", "1", "--exists", "--closed"], "--exists and --closed contradict each other"),
        (["report", "1", "--wifi", "maybe"], "Invalid value for '--wifi'"),
        (["report", "9", "--exists"], "9"),
        (["report", "node/123456", "--exists"], "node/123456"),
        (["report", "1", "--text", "x" * 2100], "too long"),
        (["report", "1", "--text", "\x1b[2J\u200b"], "text is empty (only control"),
        (["report", "1", "--hours", "  "], "opening hours is empty (only spaces)"),
    ],
)
def test_usage_errors_send_nothing(osm: FakeServices, args: list[str], says: str) -> None:
    result = invoke([*args, "--yes"])
    assert result.exit_code == ExitStatus.USAGE, result.stderr
    assert_one_error(result.stderr, says)
    assert osm.requests == []


def test_a_bad_osm_api_url_is_a_usage_error(
    osm: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLOMO_OSM_API_URL", "ftp://api.example")
    result = invoke(["report", "1", "--exists", "--yes"])
    assert result.exit_code == ExitStatus.USAGE
    assert_one_error(result.stderr, "SOLOMO_OSM_API_URL", "not an http or https URL")


# -- the network fails: one clean line, the network status ------------------------------------------


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_connection_refused(osm: FakeServices, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLOMO_OSM_API_URL", dead_url())
    result = invoke(["report", "1", "--exists", "--yes"])
    assert result.exit_code == ExitStatus.NETWORK
    assert_one_error(result.stderr, "cannot reach the OSM API at 127.0.0.1")
    assert result.stdout == ""


FAILURES = [
    (
        "raw",
        {"status": 400, "body": "No text was given", "content_type": "text/plain"},
        "refused the note: No text was given",
    ),
    (
        "raw",
        {"status": 403, "body": "Forbidden", "content_type": "text/plain"},
        "answered HTTP 403: Forbidden",
    ),
    (
        "raw",
        {
            "status": 409,
            "body": "The note 12 was closed at 2026-01-01",
            "content_type": "text/plain",
        },
        "answered HTTP 409: The note 12 was closed",
    ),
    (
        "raw",
        {"status": 410, "body": "The note with the id 12 has already been deleted"},
        "answered HTTP 410",
    ),
    (
        "html",
        {
            "status": 500,
            "body": "<html><title>[bold]Oops[/bold]</title><h1>\x1b[31mdown</h1></html>",
        },
        "answered HTTP 500: [bold]Oops[/bold]; down",
    ),
    (
        "html",
        {"status": 200, "body": "<html><title>Log in to the Wi-Fi</title></html>"},
        "something other than JSON: Log in to the Wi-Fi",
    ),
    ("raw", {"body": b'{"type": "Feature", "properties": {"id": "12"}}'}, "without the note's id"),
    ("raw", {"body": b"{" + b" " * (2 * 1024 * 1024) + b"}"}, "sent more than 1 MB"),
    ("gzip", {}, "sent more than 1 MB"),
    ("reset", {}, "cannot reach the OSM API"),
    ("slow", {"delay": 3}, "did not answer within 1 s"),
    ("trickle", {"interval": 0.3}, "did not answer within 1 s"),
    ("redirect", {"location": "http://elsewhere.invalid/api/0.6/notes.json"}, "not followed"),
]


@pytest.mark.parametrize(
    ("mode", "opts", "says"), FAILURES, ids=[f"{f[0]}-{f[2][:20]}" for f in FAILURES]
)
def test_a_failing_or_hostile_server_is_one_clean_line(
    osm: FakeServices, solomo_home: Path, mode: str, opts: dict[str, object], says: str
) -> None:
    (solomo_home / "config.toml").write_text("deadline = 1\n", encoding="utf-8")
    osm.fail_next(mode, path=NOTES, **opts)
    result = invoke(["report", "1", "--exists", "--yes"])
    assert result.exit_code == ExitStatus.NETWORK, result.stderr
    assert_one_error(result.stderr, says)
    error = [line for line in result.stderr.splitlines() if "error:" in line][0]
    assert "\x1b" not in result.stderr and error.isprintable()
    assert result.stdout == ""
    assert len(osm.requests) == 1  # tried once


@pytest.mark.parametrize("status", ["429", "503", "504"])
def test_a_busy_server_is_not_asked_twice(osm: FakeServices, status: str) -> None:
    osm.fail_next(status, path=NOTES, retry_after=0)
    result = invoke(["report", "1", "--exists", "--yes"])
    assert result.exit_code == ExitStatus.NETWORK
    assert_one_error(result.stderr, f"answered HTTP {status}")
    assert len(osm.requests) == 1 and osm.notes == []  # a retry could open the note twice
