"""The map page in a real headless browser (Debian's chromium), with the network blocked: the
tiles fail, which is the offline case. The rendered DOM must hold one marker per place of the
listing, in rank order, no script error, hostile names as text; a screenshot is not blank."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from clitools import LYON, coworking, invoke, seed_listing

from solomo_cli.cache.store import Cache
from solomo_cli.config import get_paths
from solomo_cli.kinds import KINDS
from solomo_cli.model import Place

HOSTILE = "<img src=x onerror=alert(1)></script><script>alert(2)</script>[bold]b[/bold]"
PLACES = [
    coworking(
        "node/1",
        "Smooth",
        45.7500,
        4.8500,
        {"website": "https://smooth.example/", "phone": "+33 6 33 04 18 04", "email": "a@b.fr"},
    ),
    coworking("node/2", HOSTILE, 45.7530, 4.8460, {"website": "javascript:alert(3)"}),
    coworking("node/3", "Regus Part-Dieu", 45.7610, 4.8590, {"brand": "Regus"}),
    Place("node/4", "Bibliothèque", "library", 45.7450, 4.8420, {"amenity": "library"}),
    Place(
        "node/5",
        "Café Wi-Fi",
        "cafe",
        45.7560,
        4.8600,
        {"amenity": "cafe", "internet_access": "wlan"},
    ),
]
CENTRE = "45.7506,4.8495"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("SOLOMO_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed (SOLOMO_REQUIRE_BROWSER=1)")
        pytest.skip("chromium is not installed: .ci/run installs it")
    return found


def browse(page: Path, profile: Path, *how: str, fragment: str = "") -> str:
    """Load `page` in headless chromium, no network at all; return its stdout."""
    args = [
        _chromium(),
        "--headless=new",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: no tile, no network
        "--proxy-server=127.0.0.1:9",
        "--virtual-time-budget=4000",
        "--window-size=900,700",
        "--hide-scrollbars",
    ]
    if os.geteuid() == 0:  # chromium refuses to run as root with its sandbox
        args.append("--no-sandbox")
    completed = subprocess.run(
        [*args, *how, page.resolve().as_uri() + fragment],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


class Dom(HTMLParser):
    """What the tests read of the rendered DOM: the markers, the list, the error box, the
    offline note, the open popup, every element's tag and attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.markers: list[dict[str, str]] = []
        self.items: list[str] = []
        self.errors = ""
        self.offline_hidden: bool | None = None
        self.popup = ""
        self.popup_links: list[str] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.ready: str | None = None
        self._open: list[tuple[str, str]] = []  # (what, tag) of the elements being read
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        classes = a.get("class", "").split()
        if tag == "body":
            self.ready = a.get("data-ready")
        what = ""
        if "solomo-marker" in classes:
            self.markers.append({"title": a.get("title", ""), "class": a["class"], "text": ""})
            what = "marker"
        elif tag == "li" and self._inside("places"):
            self.items.append("")
            what = "item"
        elif a.get("id") in ("solomo-errors", "places"):
            what = a["id"]
        elif a.get("id") == "offline":
            self.offline_hidden = "hidden" in a
        elif "solomo-popup" in classes:
            what = "popup"
        if tag == "a" and self._inside("popup"):
            self.popup_links.append(a.get("href", ""))
        if tag not in ("br", "img", "input", "meta", "link"):
            self._open.append((what, tag))

    def _inside(self, what: str) -> bool:
        return any(w == what for w, _ in self._open)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][1] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._inside("marker"):
            self.markers[-1]["text"] += data
        if self._inside("item"):
            self.items[-1] += data
        if self._inside("solomo-errors"):
            self.errors += data
        if self._inside("popup"):
            self.popup += data


@pytest.fixture
def listing_page(tmp_path: Path) -> tuple[Path, list[dict]]:
    """The map page of a listing, and the same listing as JSON (what the markers must match)."""
    import json

    seed_listing(PLACES)
    cache = Cache(get_paths().cache_db)  # fetched for every kind, not only coworking
    cache.save_fetch(PLACES, *LYON, 5000, list(KINDS), None, "test")
    cache.close()
    page = tmp_path / "map.html"
    result = invoke(["near", CENTRE, "--offline", "-k", "all", "-o", str(page)])
    assert result.exit_code == 0, result.stderr
    listed = invoke(["near", CENTRE, "--offline", "-k", "all", "--format", "json"])
    return page, json.loads(listed.stdout)


def test_markers_match_the_listing_and_the_page_has_no_script_error(
    listing_page: tuple[Path, list[dict]], tmp_path: Path
) -> None:
    page, listed = listing_page
    dom = Dom(browse(page, tmp_path / "profile", "--dump-dom"))
    assert dom.errors.strip() == ""
    assert dom.ready == str(len(listed)) == "5"
    assert [m["text"] for m in dom.markers] == [str(p["rank"]) for p in listed]
    assert [m["title"] for m in dom.markers] == [f"{p['rank']}. {p['name']}" for p in listed]
    chains = ["chain" in m["class"].split() for m in dom.markers]
    assert chains == [bool(p["chain"]) for p in listed] and any(chains)
    kinds = [next(c for c in m["class"].split() if c.startswith("kind-")) for m in dom.markers]
    assert kinds == [f"kind-{p['kind']}" for p in listed]
    # Offline: the tiles failed, the note says so; the circle and the scale are drawn.
    assert dom.offline_hidden is False
    classes = " ".join(a.get("class", "") for _, a in dom.elements)
    assert "solomo-circle" in classes and "leaflet-control-scale-line" in classes
    assert "solomo-origin" in classes


def test_a_hostile_name_stays_text_in_the_list_and_in_its_popup(
    listing_page: tuple[Path, list[dict]], tmp_path: Path
) -> None:
    page, listed = listing_page
    rank = next(p["rank"] for p in listed if p["name"] == HOSTILE)
    dom = Dom(browse(page, tmp_path / "profile", "--dump-dom", fragment=f"#{rank}"))
    assert dom.errors.strip() == ""  # no alert() ran, no blocked inline script
    assert any(item.startswith(HOSTILE) for item in dom.items)
    assert HOSTILE in dom.popup
    assert dom.popup_links == ["https://www.openstreetmap.org/node/2"]  # javascript: is no link
    assert not [a for tag, a in dom.elements if tag == "img" and a.get("src") == "x"]
    assert [tag for tag, _ in dom.elements].count("script") == 4  # only the page's own


def test_a_popup_holds_the_contact_links(
    listing_page: tuple[Path, list[dict]], tmp_path: Path
) -> None:
    page, listed = listing_page
    rank = next(p["rank"] for p in listed if p["name"] == "Smooth")
    dom = Dom(browse(page, tmp_path / "profile", "--dump-dom", fragment=f"#{rank}"))
    assert dom.popup_links == [
        "https://smooth.example/",
        "mailto:a@b.fr",
        "tel:+33633041804",
        "https://www.openstreetmap.org/node/1",
    ]
    from solomo_cli.geo import distance_m, format_distance

    far = format_distance(distance_m(45.7506, 4.8495, 45.75, 4.85))
    assert f"coworking · {far}" in dom.popup


def pixels(png: bytes) -> list[bytes]:
    """The pixels of an 8-bit RGB or RGBA PNG, decoded with zlib alone."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    size = 4 if colour == 6 else 3
    raw, stride = zlib.decompress(idat), width * size
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - size] if i >= size else 0
            up, corner = prev[i], prev[i - size] if i >= size else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return [bytes(row[x * size : x * size + 3]) for row in rows for x in range(width)]


def test_a_screenshot_of_the_page_is_not_blank(
    listing_page: tuple[Path, list[dict]], tmp_path: Path
) -> None:
    page, _ = listing_page
    shot = tmp_path / "shot.png"
    browse(page, tmp_path / "profile", f"--screenshot={shot}")
    colours = pixels(shot.read_bytes())
    assert len(colours) == 900 * 700
    assert len(set(colours)) > 50  # text, markers, circle, background: not one flat colour
    assert any(
        abs(c[0] - 0x1C) < 8 and abs(c[1] - 0x64) < 8 and abs(c[2] - 0xB0) < 8 for c in colours
    )


def test_the_log_map_shows_each_place_worked_at(tmp_path: Path) -> None:
    from solomo_cli.mydata.base import today

    seed_listing(PLACES)
    for args in (
        ["1", "--date", "2026-11-02", "--cost", "20 EUR"],
        ["1"],
        ["3", "--date", "2026-11-01"],
    ):
        assert invoke(["visit", *args]).exit_code == 0
    page = tmp_path / "worked.html"
    assert invoke(["log", "-o", str(page)]).exit_code == 0
    dom = Dom(browse(page, tmp_path / "profile", "--dump-dom", fragment="#1"))
    assert dom.errors.strip() == "" and dom.ready == "2"
    assert [m["text"] for m in dom.markers] == ["1", "2"]
    assert dom.items[0].startswith("Smooth") and "2 visits" in dom.items[0]
    assert dom.items[1].startswith("Regus Part-Dieu") and "1 visit" in dom.items[1]
    assert f"Worked here: {today()}, 2026-11-02" in dom.popup
    assert "Cost: 20 EUR" in dom.popup
