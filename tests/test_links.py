"""OSC 8 hyperlinks: on a terminal, `near`'s table and `show` link the website, the e-mail
(mailto:), the phone (tel: with its digits) and the OSM object; on a pipe, or with TERM=dumb,
nothing is a link. Link targets from OSM are checked first (boundary.py): http and https
only, printable ASCII, so that no tag can end the escape sequence or link to a script."""

from __future__ import annotations

import re
import subprocess

import pytest
from clitools import LYON, solomo_command
from test_listing_terminal import NEAR, Terminal, lyon_cache, on_a_pipe  # noqa: F401

from solomo_cli import boundary
from solomo_cli.cache.store import Cache
from solomo_cli.config import get_paths

OSC8 = re.compile(r"\x1b\]8;[^;\x1b]*;([^\x1b]*)\x1b\\")


def links(shown: str) -> set[str]:
    return {target for target in OSC8.findall(shown) if target}


@pytest.fixture
def terminal() -> Terminal:
    here = Terminal()
    yield here
    here.close()


@pytest.mark.usefixtures("lyon_cache")
def test_near_on_a_terminal_links_sites_phones_and_osm_objects(terminal: Terminal) -> None:
    status, shown = terminal.run(*NEAR)
    assert status == 0, shown
    found = links(shown)
    # Real Lyon data: "En face de la piscine" (node/2478463616) and its contacts.
    assert "https://www.openstreetmap.org/node/2478463616" in found
    assert "https://www.coworking-piscine.com" in found
    assert "tel:+33633041804" in found
    assert all(t.startswith(("https://", "http://", "tel:", "mailto:")) for t in found), found
    # The link's text is what the table shows: the host, the number as written.
    assert re.search(r"\x1b\]8;[^\x1b]*;https://www\.coworking-piscine\.com\x1b\\[^\x1b]*"
                     r"coworking-piscine\.com", shown)  # fmt: skip


@pytest.mark.usefixtures("lyon_cache")
def test_show_on_a_terminal_links_its_contacts_and_map(terminal: Terminal) -> None:
    assert terminal.run(*NEAR)[0] == 0
    status, shown = terminal.run("show", "node/2478463616")
    assert status == 0, shown
    found = links(shown)
    assert {"https://www.coworking-piscine.com", "tel:+33633041804"} <= found
    assert "https://www.openstreetmap.org/node/2478463616" in found


@pytest.mark.parametrize("command", [NEAR, ["show", "node/2478463616"]])
@pytest.mark.usefixtures("lyon_cache")
def test_nothing_is_a_link_on_a_pipe(command: list[str]) -> None:
    done = on_a_pipe(*command)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert "coworking-piscine.com" in done.stdout


@pytest.mark.usefixtures("lyon_cache")
def test_nothing_is_a_link_on_a_dumb_terminal(terminal: Terminal) -> None:
    status, shown = terminal.run(*NEAR, TERM="dumb")
    assert status == 0, shown
    assert "\x1b]8;" not in shown and "coworking-piscine.com" in shown


@pytest.mark.usefixtures("lyon_cache")
def test_no_color_keeps_the_links(terminal: Terminal) -> None:
    """NO_COLOR asks for no colours: a link is not a colour, it stays."""
    status, shown = terminal.run(*NEAR, NO_COLOR="1")
    assert status == 0, shown
    assert "tel:+33633041804" in links(shown)
    table = shown[shown.index("Coworking within") :]  # (the spinner is not this test's)
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", table)  # no foreground colour


HOSTILE = {
    "javascript:alert(1)": None,
    "file:///etc/passwd": None,
    "https://ok.example/\x1b]8;;https://evil.example\x1b\\": None,
    "https://ok.example/a b": None,
    "https://user:secret@ok.example/": None,
    "www.coworking.example/fr": "https://www.coworking.example/fr",
    "https://café.example/été?q=ü": "https://xn--caf-dma.example/%C3%A9t%C3%A9?q=%C3%BC",
    "https://a.example/;https://b.example/": "https://a.example/",  # OSM's list of values
}


@pytest.mark.parametrize(("value", "expected"), HOSTILE.items())
def test_web_links_are_http_or_https_in_printable_ascii(value: str, expected: str | None) -> None:
    assert boundary.web_link(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+33 6 33 04 18 04", "tel:+33633041804"),
        ("+33 (0)4 72 00 00 00;+33 6 00 00 00 00", "tel:+330472000000"),
        ("04.72.00.00.00", "tel:0472000000"),
        ("call us", None),
        ("+33 6\x1b]8;;x", None),
    ],
)
def test_tel_links_hold_the_digits(value: str, expected: str | None) -> None:
    assert boundary.tel_link(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hello@coworking.example", "mailto:hello@coworking.example"),
        ("a@x.example; b@y.example", "mailto:a@x.example"),
        ("not an address", None),
        ('x"@evil.example', None),
        ("a@b\x07.example", None),
    ],
)
def test_mail_links(value: str, expected: str | None) -> None:
    assert boundary.mail_link(value) == expected


@pytest.mark.usefixtures("lyon_cache")
def test_a_hostile_website_tag_is_text_never_a_link(terminal: Terminal) -> None:
    from solomo_cli.model import Place

    hostile = Place("node/99", "Piège", "coworking", LYON[0] + 0.0001, LYON[1], {
        "name": "Piège", "office": "coworking", "website": "javascript:alert(1)",
        "phone": "+33 1\x1b]8;;https://evil.example\x1b\\ 23",
    })  # fmt: skip
    cache = Cache(get_paths().cache_db)
    try:
        cache.save_fetch([hostile], *LYON, 10_000, ["coworking"], None, "test")
    finally:
        cache.close()
    status, shown = terminal.run(*NEAR)
    assert status == 0, shown
    assert "evil.example" not in "".join(links(shown)) and "javascript" not in "".join(links(shown))
    assert "https://www.openstreetmap.org/node/99" in links(shown)


def test_the_installed_command_is_what_the_pty_runs() -> None:
    done = subprocess.run([*solomo_command(), "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("solomo ")
