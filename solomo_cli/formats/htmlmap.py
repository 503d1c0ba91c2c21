"""A map page: one self-contained HTML file (Leaflet inlined from XStatic-Leaflet, no CDN) with
numbered markers for a `near` listing, or for the places of `log`'s visits.

The page's data go in as JSON inside `<script type="application/json">`, with every `<`, `>`,
`&` and line separator escaped, and the page's script builds the DOM with `textContent`: a
place called `</script><img onerror=…>` is text on the map, never markup or script. A Content
Security Policy lets only this page's own scripts run (by their hashes), as a second guard."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from solomo_cli.boundary import clean, clean_or_none, web_link
from solomo_cli.geo import format_distance
from solomo_cli.kinds import label

if TYPE_CHECKING:
    from solomo_cli.formats.registry import Document

TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
# What the OSM tile usage policy asks for: the copyright notice, linked to the copyright page.
TILE_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
OFFLINE_NOTE = "Map tiles need a connection: the places are drawn on a plain background."
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028"}
_JSON_ESCAPES["\u2029"] = "\\u2029"


def script_json(value: Any) -> str:
    """JSON that cannot end its `<script>` element, open a comment, or break a JS string."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group()], text)


def _leaflet() -> tuple[str, str]:
    """Leaflet's script and style sheet, the style's images inlined as data: URIs."""
    from xstatic.pkg import leaflet  # only here: the warm path never loads it

    base = Path(leaflet.BASE_DIR)
    script = (base / "leaflet.js").read_text(encoding="utf-8")
    script = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", script)

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode((base / "images" / match.group(1)).read_bytes()).decode()
        return f"url(data:image/png;base64,{data})"

    style = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, (base / "leaflet.css").read_text())
    return script, style


# -- what each marker shows ------------------------------------------------------------------


def _contacts(record: dict[str, Any]) -> list[dict[str, str]]:
    """The place's links, each checked: only http(s) websites, mailto: and tel: are made."""
    links = []
    website = web_link(record.get("website"))
    if website:
        links.append({"href": website, "text": clean(record["website"])})
    email = clean_or_none(record.get("email"))
    if email and re.fullmatch(r"[^\s@<>\"']+@[^\s@<>\"']+", email):
        links.append({"href": f"mailto:{email}", "text": email})
    phone = clean_or_none(record.get("phone"))
    if phone:
        digits = re.sub(r"[^\d+]", "", phone.split(";")[0])
        if digits.strip("+"):
            links.append({"href": f"tel:{digits}", "text": phone})
    return links


def _common(record: dict[str, Any], rank: int) -> dict[str, Any]:
    kind = record.get("kind") or ""
    name = clean_or_none(record.get("name") or record.get("place_name"))
    osm = record.get("osm_url") or record.get("url")
    return {
        "rank": rank,
        "name": name or f"unnamed {label(kind)}",
        "kind": kind,
        "kind_label": label(kind),
        "chain": bool(record.get("chain")),
        "lat": float(record["lat"]),
        "lon": float(record["lon"]),
        "address": clean_or_none(record.get("address")),
        "osm_url": web_link(osm),
    }


def listing_place(record: dict[str, Any]) -> dict[str, Any]:
    """A marker of a `near` listing: its rank, distance, hours, contacts, your signals."""
    place = _common(record, int(record["rank"]))
    state = record.get("open_state") or "unknown"
    phrase = clean_or_none(record.get("hours_phrase"))
    place.update(
        distance=format_distance(record.get("distance_m") or 0),
        hours=clean_or_none(record.get("opening_hours")),
        open_state=state,
        hours_phrase=phrase or {"open": "open now", "closed": "closed now"}.get(state),
        links=_contacts(record),
        rating=record.get("my_rating"),
        visits=record.get("visits") or 0,
    )
    return place


def visited_places(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The markers of `log`'s visits: one per place, numbered from the most recent visit, with
    its visit count, dates, costs (summed per currency) and your average rating."""
    places: dict[str, dict[str, Any]] = {}
    for record in records:
        if record.get("lat") is None or record.get("lon") is None:
            continue  # a place without a position cannot be drawn (the list says how many)
        key = str(record.get("place_id"))
        place = places.get(key)
        if place is None:
            place = places[key] = _common(record, len(places) + 1)
            place.update(dates=[], costs={}, ratings=[], links=_contacts(record))
        place["dates"].append(str(record.get("date")))
        if record.get("rating"):
            place["ratings"].append(int(record["rating"]))
        if record.get("cost") is not None:
            currency = clean(record.get("currency") or "")
            try:
                amount = Decimal(str(record["cost"]))
            except InvalidOperation:
                continue
            place["costs"][currency] = place["costs"].get(currency, Decimal(0)) + amount
    for place in places.values():
        ratings = place.pop("ratings")
        place["visits"] = len(place["dates"])
        place["rating"] = round(sum(ratings) / len(ratings), 1) if ratings else None
        place["dates"].sort(reverse=True)
        place["costs"] = [
            f"{amount} {cur}".strip() for cur, amount in sorted(place["costs"].items())
        ]
    return list(places.values())


# -- the page ----------------------------------------------------------------------------------

_STYLE = """
html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, sans-serif; color: #222; }
body { display: flex; flex-direction: column; }
header { padding: 6px 12px; border-bottom: 1px solid #ccc; }
header h1 { font-size: 16px; margin: 0; }
#offline { margin: 4px 0 0; color: #8a4b00; }
#map { flex: 1 1 auto; min-height: 320px; background: #f2efe9; }
#places { margin: 0; padding: 6px 12px 6px 40px; max-height: 30%; overflow: auto;
  border-top: 1px solid #ccc; }
#places li { cursor: pointer; }
#places .meta { color: #666; }
.solomo-marker span { display: flex; align-items: center; justify-content: center;
  width: 22px; height: 22px; border-radius: 50%; border: 2px solid #fff; color: #fff;
  font: bold 12px/1 system-ui, sans-serif; box-shadow: 0 1px 3px rgba(0,0,0,.5); }
.solomo-marker.chain span { background: #fff !important; color: #666; border: 2px dashed #888; }
.solomo-popup h2 { font-size: 15px; margin: 0 0 4px; }
.solomo-popup p { margin: 2px 0; }
.solomo-popup .open { color: #2b8a3e; } .solomo-popup .closed { color: #c92a2a; }
#solomo-errors:empty { display: none; }
#solomo-errors { color: #c92a2a; margin: 0; padding: 4px 12px; }
"""

# Runs first: any script error (or a call of alert, which no solomo page makes) is written
# into the page, where a test reading the rendered DOM sees it.
_COLLECTOR = """
(function () {
  function note(text) {
    var box = document.getElementById("solomo-errors");
    if (box) { box.appendChild(document.createTextNode(text + "\\n")); }
    else { (window.solomoEarly = window.solomoEarly || []).push(text); }
  }
  window.solomoError = note;
  window.addEventListener("error", function (e) { note("error: " + e.message); });
  window.alert = function (m) { note("alert: " + m); };
  document.addEventListener("securitypolicyviolation", function (e) {
    note("blocked: " + e.violatedDirective + " " + e.blockedURI);
  });
})();
"""

_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("solomo-data").textContent);
  (window.solomoEarly || []).forEach(window.solomoError);
  var COLOURS = {coworking: "#1c64b0", hackerspace: "#d9480f", library: "#7048e8",
    cafe: "#8d5524"};
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function link(href, text) {
    var a = el("a", text);
    a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }
  function line(parent, text, cls) { var p = el("p", text, cls); parent.appendChild(p); return p; }
  function popup(p) {
    var box = el("div", null, "solomo-popup");
    box.appendChild(el("h2", p.rank + ". " + p.name));
    var kind = p.kind_label + (p.chain ? " · chain or business centre" : "");
    line(box, p.distance ? kind + " · " + p.distance : kind);
    if (p.address) { line(box, p.address); }
    if (p.hours_phrase || p.hours) {
      var h = line(box, p.hours_phrase ? p.hours_phrase : "", p.open_state);
      if (p.hours) { h.appendChild(el("span", (p.hours_phrase ? " · " : "") + p.hours, "meta")); }
    } else if (p.open_state !== undefined) { line(box, "hours unknown", "meta"); }
    (p.links || []).forEach(function (c) { var q = line(box); q.appendChild(link(c.href, c.text)); });
    var mine = [];
    if (p.rating) { mine.push("your rating ★" + p.rating); }
    if (p.visits) { mine.push(p.visits + (p.visits === 1 ? " visit" : " visits")); }
    if (mine.length) { line(box, mine.join(" · ")); }
    if (p.dates && p.dates.length) {
      var shown = p.dates.slice(0, 12).join(", ");
      line(box, "Worked here: " + shown + (p.dates.length > 12 ? ", …" : ""));
    }
    if (p.costs && p.costs.length) { line(box, "Cost: " + p.costs.join(" + ")); }
    if (p.osm_url) { var o = line(box); o.appendChild(link(p.osm_url, "OpenStreetMap")); }
    return box;
  }
  document.getElementById("title").textContent = data.title;
  var map = L.map("map", {zoomSnap: 0.25});
  L.control.scale({imperial: false, maxWidth: 160}).addTo(map);
  var tiles = L.tileLayer(data.tiles, {maxZoom: 19, attribution: data.tile_attribution});
  var offline = document.getElementById("offline");
  var loaded = false;
  tiles.on("tileerror", function () { if (!loaded) { offline.hidden = false; } });
  tiles.on("tileload", function () { loaded = true; offline.hidden = true; });
  if (navigator.onLine === false) { offline.hidden = false; }
  tiles.addTo(map);
  var bounds = L.latLngBounds([]);
  if (data.search) {
    var centre = [data.search.lat, data.search.lon];
    var circle = L.circle(centre, {radius: data.search.radius_m, color: "#444", weight: 1.5,
      dashArray: "5 5", fillOpacity: 0.04, interactive: false, className: "solomo-circle"});
    circle.addTo(map);
    L.circleMarker(centre, {radius: 5, color: "#000", weight: 2, fillColor: "#fff",
      fillOpacity: 1, className: "solomo-origin"}).bindTooltip(el("span", data.search.label))
      .addTo(map);
    bounds.extend(L.latLng(centre).toBounds(2 * data.search.radius_m));
  }
  var list = document.getElementById("places");
  var byRank = {};
  data.places.forEach(function (p) {
    var badge = el("span", p.rank);
    if (!p.chain) { badge.style.background = COLOURS[p.kind] || "#555"; }
    var icon = L.divIcon({className: "solomo-marker kind-" + p.kind + (p.chain ? " chain" : ""),
      html: badge, iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -12]});
    var marker = L.marker([p.lat, p.lon], {icon: icon, title: p.rank + ". " + p.name,
      riseOnHover: true}).bindPopup(popup(p), {maxWidth: 320}).addTo(map);
    byRank[p.rank] = marker;
    bounds.extend([p.lat, p.lon]);
    var item = el("li", p.name);
    var meta = [p.kind_label + (p.chain ? " (chain)" : "")];
    if (p.distance) { meta.push(p.distance); }
    if (p.hours_phrase) { meta.push(p.hours_phrase); }
    if (p.visits) { meta.push(p.visits + (p.visits === 1 ? " visit" : " visits")); }
    item.appendChild(el("span", " — " + meta.join(" · "), "meta"));
    item.addEventListener("click", function () { marker.openPopup(); });
    list.appendChild(item);
  });
  if (bounds.isValid()) { map.fitBounds(bounds, {padding: [24, 24], maxZoom: 17}); }
  else { map.setView([20, 0], 2); }
  // map.html#3 opens the popup of place 3: a link to one place of the page.
  function openFromHash() {
    var wanted = /^#(\\d+)$/.exec(window.location.hash);
    if (wanted && byRank[wanted[1]]) { byRank[wanted[1]].openPopup(); }
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
  document.getElementById("credit").textContent = data.attribution;
  document.body.setAttribute("data-ready", String(data.places.length));
})();
"""


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def page(
    title: str, places: list[dict[str, Any]], *, search: dict[str, Any] | None, attribution: str
) -> str:
    """The whole page. `search`: {lat, lon, radius_m, label} of a listing's search point."""
    leaflet_js, leaflet_css = _leaflet()
    data = {
        "title": title,
        "search": search,
        "places": places,
        "attribution": attribution,
        "tiles": TILES,
        "tile_attribution": TILE_ATTRIBUTION,
    }
    scripts = (_COLLECTOR, leaflet_js, _SCRIPT)
    policy = (
        "default-src 'none'; img-src https://tile.openstreetmap.org data:; "
        f"style-src 'unsafe-inline'; script-src {' '.join(map(_hash, scripts))}"
    )
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{html.escape(title)}</title>\n",
            f"<style>{leaflet_css}</style>\n<style>{_STYLE}</style>\n",
            f"<script>{_COLLECTOR}</script>\n</head>\n<body>\n",
            '<header><h1 id="title"></h1>',
            f'<p id="offline" hidden>{html.escape(OFFLINE_NOTE)}</p></header>\n',
            '<div id="map"></div>\n<ol id="places"></ol>\n',
            '<pre id="solomo-errors"></pre>\n',
            '<footer id="credit" style="padding:4px 12px;color:#666;font-size:12px"></footer>\n',
            f'<script type="application/json" id="solomo-data">{script_json(data)}</script>\n',
            f"<script>{leaflet_js}</script>\n<script>{_SCRIPT}</script>\n</body>\n</html>\n",
        ]
    )


def write_html(doc: Document, out: IO[str]) -> None:
    """Write a registry Document (`listing`, or `visits`) as a map page. A listing's `head`
    carries `title` and `search`; its records carry their rank."""
    head = doc.head or {}
    if doc.what == "visits":
        places = visited_places(doc.records)
        title = head.get("title") or "Where you worked"
        search = None
    else:
        places = [listing_place(r) for r in doc.records]
        title = head.get("title") or "Work places"
        search = head.get("search")
    credit = " · ".join(filter(None, (head.get("attribution"), head.get("place_name_attribution"))))
    out.write(page(clean(title), places, search=search, attribution=credit))
