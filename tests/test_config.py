"""config.py: settings from the config file and the environment are checked and cleaned once,
where they enter; a bad one is a usage error (exit 2) naming its key and file, or its variable."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import threading
from pathlib import Path

import pytest
from clitools import (
    LYON_POINT,
    assert_one_error,
    coworking,
    invoke,
    seed_listing,
    solomo_command,
)
from fakeservers import FakeServices
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from solomo_cli import __version__, config
from solomo_cli.config import (
    DEFAULT_CONTACT,
    DEFAULT_NOMINATIM_URL,
    DEFAULT_OVERPASS_URLS,
    Settings,
    load_settings,
)
from solomo_cli.errors import ExitStatus, UsageError


def write_config(home: Path, text: str | bytes) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(home: Path, text: str) -> UsageError:
    write_config(home, text)
    with pytest.raises(UsageError) as info:
        load_settings()
    return info.value


# -- what is accepted ---------------------------------------------------------------------------


def test_defaults_without_a_config_file(solomo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOLOMO_GAZETTEER")  # the tests' default (see conftest), not solomo's
    got = load_settings()
    assert got == Settings(paths=got.paths)
    assert (got.overpass_urls, got.nominatim_url, got.contact) == (
        DEFAULT_OVERPASS_URLS,
        DEFAULT_NOMINATIM_URL,
        DEFAULT_CONTACT,
    )
    assert (got.fresh_days, got.timeout, got.deadline, got.currency) == (7.0, 30.0, None, None)


def test_good_values_are_read_and_normalised(solomo_home: Path) -> None:
    write_config(
        solomo_home,
        'overpass_url = ["https://one.example/api/interpreter/", " http://two:8080/x "]\n'
        'nominatim_url = "https://geo.example/nominatim/"\n'
        'contact = "me@example.org"\n'
        "fresh_days = 0\n"
        "timeout = 60.5\n"
        "deadline = 2\n"
        'currency = " chf "\n'
        'home = "Lyon"\n'  # a key this version does not know: ignored
        "[some_table]\nx = 1\n",
    )
    got = load_settings()
    assert got.overpass_urls == ("https://one.example/api/interpreter", "http://two:8080/x")
    assert got.nominatim_url == "https://geo.example/nominatim"
    assert got.user_agent == f"solomo-cli/{__version__} (+me@example.org)"
    assert (got.fresh_days, got.timeout, got.deadline, got.currency) == (0.0, 60.5, 2.0, "CHF")


@pytest.mark.parametrize(("value", "ok"), [("9.5", False), ("2", False), ("10", True)])
def test_timeout_is_10_to_3600_seconds(solomo_home: Path, value: str, ok: bool) -> None:
    write_config(solomo_home, f"timeout = {value}\n")
    if ok:
        assert load_settings().timeout == float(value)
        return
    with pytest.raises(UsageError, match=f"timeout {value} is out of range") as info:
        load_settings()
    assert info.value.hint == "give 10 to 3600 seconds"


def test_empty_values_mean_the_default(solomo_home: Path) -> None:
    write_config(solomo_home, 'overpass_url = []\nnominatim_url = ""\ncontact = ""\n')
    got = load_settings()
    assert (got.overpass_urls, got.nominatim_url, got.contact) == (
        DEFAULT_OVERPASS_URLS,
        DEFAULT_NOMINATIM_URL,
        DEFAULT_CONTACT,
    )


def test_credentials_in_a_url_are_kept_for_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", "https://alice:s3cr3tpw@op.example/api/interpreter")
    assert load_settings().overpass_urls == ("https://alice:s3cr3tpw@op.example/api/interpreter",)


# -- URLs -------------------------------------------------------------------------------------------

BAD_URLS = [
    ("ftp://op.example/api/interpreter", "is not an http or https URL with a host"),
    ("file:///etc/passwd", "is not an http or https URL with a host"),
    ("javascript:alert(1)", "is not an http or https URL with a host"),
    ("http://", "is not an http or https URL with a host"),
    ("http:///api/interpreter", "is not an http or https URL with a host"),
    ("nominatim.example.org", "is not an http or https URL with a host"),
    ("http://op.example:99999/x", "is not a valid URL"),
    ("http://[::1/x", "is not a valid URL"),
    ("http://op .example/x", "has spaces or control characters"),
    ("http://op.example/x\x1b[2J", "has spaces or control characters"),
    ("http://op.example/" + "a" * 3000, "is too long"),
]


@pytest.mark.parametrize("key", ["overpass_url", "nominatim_url"])
@pytest.mark.parametrize(("value", "why"), BAD_URLS)
def test_a_bad_url_in_the_file_names_the_key_and_the_file(
    solomo_home: Path, key: str, value: str, why: str
) -> None:
    error = refused(solomo_home, f"{key} = {json.dumps(value)}\n")
    assert error.message.startswith(f"{key} ")
    assert why in error.message
    assert error.message.endswith(f", in the config file {solomo_home / 'config.toml'}")
    assert "\x1b" not in error.message and len(error.message) < 400
    assert error.hint is not None and error.hint.startswith("give an http or https URL, e.g. ")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SOLOMO_OVERPASS_URL", "http://ok.example/x,gopher://op.example/"),
        ("SOLOMO_NOMINATIM_URL", "geo"),
    ],
)
def test_a_bad_url_in_the_environment_names_the_variable(
    solomo_home: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    write_config(solomo_home, 'overpass_url = "http://fine.example/x"\n')
    monkeypatch.setenv(variable, value)
    with pytest.raises(UsageError, match=f"^{variable} '.*' is not an http or https URL") as info:
        load_settings()
    assert "config file" not in info.value.message


@pytest.mark.parametrize(
    "value",
    [
        "ftp://bob:hunter22@op.example/y",
        "bob:hunter22@op.example",
        "http://bob:hunter22@[::1/x",
        "http://bob:hunter22@op.example:99999/x",
        "http://bob:hunter22@op.example/a b",
    ],
)
def test_config_messages_never_show_credentials(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SOLOMO_OVERPASS_URL", value)
    with pytest.raises(UsageError) as info:
        load_settings()
    assert "hunter22" not in info.value.message and "bob" not in info.value.message
    assert "op.example" in info.value.message or "::1" in info.value.message


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("overpass_url = 5\n", "overpass_url should be a URL or a list of URLs"),
        ('overpass_url = ["http://a.example/x", 5]\n', "overpass_url should be text (a URL)"),
        (
            "overpass_url = [" + ", ".join(['"http://a.example/x"'] * 11) + "]\n",
            "overpass_url has too many URLs (over 10)",
        ),
        ('overpass_url = [" ", ""]\n', "overpass_url has no URL in it"),
        ('overpass_url = " , "\n', "overpass_url has no URL in it"),
        ("nominatim_url = true\n", "nominatim_url should be text (a URL)"),
        ('nominatim_url = ["https://geo.example"]\n', "nominatim_url should be text (a URL)"),
    ],
)
def test_url_settings_of_the_wrong_type(solomo_home: Path, text: str, why: str) -> None:
    assert refused(solomo_home, text).message.startswith(why)


# -- the contact in the User-Agent ------------------------------------------------------------------


def test_control_characters_in_the_contact_are_cleaned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLOMO_CONTACT", "me@example.org\r\nX-Injected: yes\x1b[31m")
    assert load_settings().contact == "me@example.org X-Injected: yes"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ('"' + "a" * 201 + '"', "contact is too long (over 200 characters)"),
        ('"Élodie <elodie@example.org>"', "has non-ASCII characters"),
        ("42", "contact should be text"),
        ('["me@example.org"]', "contact should be text"),
    ],
)
def test_a_contact_that_no_header_can_carry_is_refused(
    solomo_home: Path, value: str, why: str
) -> None:
    error = refused(solomo_home, f"contact = {value}\n")
    assert why in error.message and "config.toml" in error.message


def test_the_cleaned_contact_is_what_the_server_sees(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLOMO_CONTACT", "me@example.org\nX-Injected: yes")
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 0, result.output
    request = fast.requests[-1]
    assert request.headers["user-agent"] == (
        f"solomo-cli/{__version__} (+me@example.org X-Injected: yes)"
    )
    assert "x-injected" not in {k.lower() for k in request.headers}


# -- numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["fresh_days", "timeout", "deadline"])
@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("nan", "is out of range"),
        ("inf", "is out of range"),
        ("-inf", "is out of range"),
        ("-1", "is out of range"),
        ("1e308", "is out of range"),
        ("99999", "is out of range"),
        ('"7"', "should be a number, not '7'"),
        ("true", "should be a number"),
        ("[1]", "should be a number"),
        ("1979-05-27", "should be a number"),
    ],
)
def test_a_bad_number_names_the_key_and_the_file(
    solomo_home: Path, key: str, value: str, why: str
) -> None:
    error = refused(solomo_home, f"{key} = {value}\n")
    assert error.message.startswith(f"{key} ")
    assert why in error.message
    assert f"in the config file {solomo_home / 'config.toml'}" in error.message
    assert error.hint is not None and re.fullmatch(r"give \d+ to \d+ (days|seconds)", error.hint)


# -- currency ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['"EURO"', '"€"', '"E1R"', "978", '"\\u001b[31mEUR"'])
def test_a_bad_currency_is_refused(solomo_home: Path, value: str) -> None:
    error = refused(solomo_home, f"currency = {value}\n")
    assert error.message.startswith("bad currency ")
    assert "\x1b" not in error.message and "config.toml" in error.message


# -- the file itself --------------------------------------------------------------------------------


def test_a_directory_is_not_a_config_file(solomo_home: Path) -> None:
    (solomo_home / "config.toml").mkdir(parents=True)
    with pytest.raises(UsageError, match="is not a regular file"):
        load_settings()


def test_a_fifo_is_refused_without_waiting_for_a_writer(solomo_home: Path) -> None:
    solomo_home.mkdir()
    os.mkfifo(solomo_home / "config.toml")
    outcome: list[BaseException] = []
    worker = threading.Thread(target=lambda: _capture(outcome), daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "load_settings blocked on a FIFO"
    assert isinstance(outcome[0], UsageError) and "not a regular file" in str(outcome[0])


def _capture(outcome: list[BaseException]) -> None:
    try:
        load_settings()
    except BaseException as exc:  # noqa: BLE001 (the test looks at it)
        outcome.append(exc)


def test_a_device_is_refused(solomo_home: Path) -> None:
    solomo_home.mkdir()
    (solomo_home / "config.toml").symlink_to("/dev/zero")
    with pytest.raises(UsageError, match="is not a regular file"):
        load_settings()


def test_a_huge_config_file_is_refused_unread(solomo_home: Path) -> None:
    write_config(solomo_home, "# " + "x" * config.MAX_CONFIG_BYTES + "\n")
    with pytest.raises(UsageError, match=r"is too large \(over 1048576 bytes\)"):
        load_settings()


def test_deep_nesting_is_invalid_toml_not_a_crash(solomo_home: Path) -> None:
    error = refused(solomo_home, "a = " + "[" * 100_000 + "\n")
    assert "is not valid TOML: nested too deeply" in error.message


def test_bytes_that_are_not_utf8_are_invalid_toml(solomo_home: Path) -> None:
    write_config(solomo_home, b'contact = "\xff\xfe"\n')
    with pytest.raises(UsageError, match="is not valid TOML"):
        load_settings()


# -- through the command line: exit 2 and one plain line, never 1 -----------------------------------

CLI_CASES = [
    ('overpass_url = "ftp://bob:hunter22@op.example/x"\n', "overpass_url 'ftp://op.example/x'"),
    ('nominatim_url = "geo.example"\n', "nominatim_url 'geo.example'"),
    ("fresh_days = nan\n", "fresh_days nan is out of range"),
    ("timeout = -5\n", "timeout -5 is out of range"),
    ("timeout = 2\n", "timeout 2 is out of range"),
    ('deadline = "soon"\n', "deadline should be a number"),
    ('contact = "a\\u00e9"\n', "non-ASCII"),
    ("a = " + "[" * 50_000 + "\n", "nested too deeply"),
]


@pytest.mark.parametrize(("text", "fragment"), CLI_CASES)
def test_near_with_a_bad_config_exits_2(
    fast: FakeServices,
    solomo_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    fragment: str,
) -> None:
    write_config(solomo_home, text)
    key = text.partition(" ")[0]
    if key.endswith("_url"):  # the environment would win: an empty one gives way to the file
        monkeypatch.setenv(f"SOLOMO_{key.upper()}", "")
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == ExitStatus.USAGE, result.output
    stderr = assert_one_error(result.stderr, fragment, str(solomo_home / "config.toml"))
    assert "hunter22" not in stderr and "bob" not in stderr
    assert fast.count() == 0  # nothing was sent


def test_visit_with_a_bad_currency_in_the_config_exits_2(solomo_home: Path) -> None:
    seed_listing([coworking("node/1", "Smooth", 45.75, 4.85)])
    write_config(solomo_home, 'currency = "EURO"\n')
    result = invoke(["visit", "1", "--cost", "20"])
    assert result.exit_code == 2
    assert_one_error(
        result.stderr, "bad currency 'EURO' (a 3-letter code such as EUR)", "config.toml"
    )
    assert invoke(["visit", "1", "--cost", "20 USD"]).exit_code == 0  # a currency given: not read


def test_a_bad_environment_url_exits_2_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLOMO_NOMINATIM_URL", "file:///etc/passwd")
    result = invoke(["near", "Lyon"])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "SOLOMO_NOMINATIM_URL 'file:///etc/passwd' is not an http")


def test_a_non_ascii_contact_is_a_usage_error_not_a_crash(
    fast: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    # httpx encodes headers as ASCII: this used to end in UnicodeEncodeError, status 1.
    monkeypatch.setenv("SOLOMO_CONTACT", "Élodie <elodie@example.org>")
    result = invoke(["near", LYON_POINT])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "SOLOMO_CONTACT 'Élodie <elodie@example.org>' has non-ASCII")
    assert fast.count() == 0


def test_the_installed_command_refuses_a_fifo_config_at_once(solomo_home: Path) -> None:
    solomo_home.mkdir()
    os.mkfifo(solomo_home / "config.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORCE_COLOR", "TTY_"))}
    result = subprocess.run(
        [*solomo_command(), "near", "--offline", LYON_POINT],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
    )
    assert result.returncode == 2, result.stderr
    assert_one_error(
        result.stderr, f"the config file {solomo_home / 'config.toml'}", "not a regular"
    )
    assert result.stdout == ""


# -- any value of any key: a checked setting or a usage error, nothing else --------------------------


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        return json.dumps(value)  # JSON's escapes are TOML's (a lone surrogate: invalid TOML)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


SCALARS = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.text(max_size=60)
    | st.sampled_from(["http://a.example/x", "https://u:p@b.example:8080/", "EUR", "usd", "30"])
)
KEYS = ["overpass_url", "nominatim_url", "contact", "fresh_days", "timeout", "deadline", "currency"]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.sampled_from(KEYS), value=SCALARS | st.lists(SCALARS, max_size=4))
def test_any_value_is_checked_or_refused(solomo_home: Path, key: str, value: object) -> None:
    write_config(solomo_home, f"{key} = {toml_value(value)}\n")
    try:
        got = load_settings()
    except UsageError as exc:
        assert exc.message.startswith((key, "bad currency", "the config file")), exc.message
        assert str(solomo_home / "config.toml") in exc.message
        assert exc.message.isprintable()
        return
    assert all(re.match(r"https?://[^/\s]", u) for u in (*got.overpass_urls, got.nominatim_url))
    assert got.contact.isascii() and got.contact.isprintable() and len(got.contact) <= 200
    assert 0 <= got.fresh_days <= 3650 and 10 <= got.timeout <= 3600
    assert got.deadline is None or 1 <= got.deadline <= 3600
    assert got.currency is None or re.fullmatch(r"[A-Z]{3}", got.currency)


@settings(max_examples=200, deadline=None)
@given(
    contact=st.text(
        st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
        min_size=1,
        max_size=300,
    )
)
@example(contact="me\udcff@example.org")  # invalid UTF-8 in the environment, as Python reads it
def test_any_contact_in_the_environment_is_a_valid_header_or_refused(contact: str) -> None:
    os.environ["SOLOMO_CONTACT"] = contact
    try:
        got = load_settings()
    except UsageError as exc:
        assert exc.message.startswith("SOLOMO_CONTACT ") and exc.message.isprintable()
        return
    finally:
        del os.environ["SOLOMO_CONTACT"]
    agent = got.user_agent
    assert agent.isascii() and agent.isprintable() and "\n" not in agent
    import httpx

    assert httpx.Headers({"User-Agent": agent})["user-agent"] == agent
