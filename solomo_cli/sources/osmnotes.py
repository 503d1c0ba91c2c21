"""Back to OpenStreetMap: a note about one place, composed from what the user states about it,
and posted anonymously to the OSM API's notes endpoint (`POST <base>/api/0.6/notes.json` with
`lat`, `lon` and `text`, form-encoded; the answer is the note as a GeoJSON Feature).

Only the facts given here go into a note: the place's id, name and position from OSM, the
user's statements, and a "via solomo" line. Visits, ratings, costs, notes and contacts never
enter this module. A note is posted once and never retried (a retry after a lost answer could
open it twice)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from solomo_cli import __version__, boundary
from solomo_cli.errors import BadResponse, UsageError
from solomo_cli.kinds import label

if TYPE_CHECKING:
    from solomo_cli.config import Settings
    from solomo_cli.model import Place

MAX_NOTE = 2000  # characters: the OSM API refuses a longer note (its NoteComment validation)
NOTES_PATH = "/api/0.6/notes.json"
OSM_WEB = "https://www.openstreetmap.org"
SERVICE = "the OSM API"
SIGNATURE = f"via solomo {__version__}"
WIFI_ANSWERS = ("yes", "no", "free")
# Unicode noncharacters: not controls (boundary keeps them), yet the OSM API refuses a note
# that holds one.
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef\ufffe\uffff]")


@dataclass(frozen=True)
class Facts:
    """What the user states about a place. None: not said."""

    exists: bool | None = None  # True: still there; False: closed for good
    hours: str | None = None  # opening hours as seen on site (OSM syntax or free text)
    sockets: bool | None = None  # power sockets for customers
    wifi: str | None = None  # "yes", "no" or "free"
    text: str | None = None  # free text, several lines allowed

    def empty(self) -> bool:
        return all(v is None for v in (self.exists, self.hours, self.sockets, self.wifi, self.text))


@dataclass(frozen=True)
class Note:
    """A note ready to send: where it goes on the map and what it says."""

    place_id: str
    lat: float
    lon: float
    text: str
    hours_problem: str | None = None  # why the hours are not in OSM's syntax (sent as written)

    def fields(self) -> dict[str, str]:
        """The request's form fields: exactly what leaves the machine."""
        return {"lat": f"{self.lat:.7f}", "lon": f"{self.lon:.7f}", "text": self.text}


@dataclass(frozen=True)
class Request:
    """The request that sends a note, as --dry-run shows it and `post` makes it."""

    method: str
    url: str
    headers: dict[str, str]
    body: str  # application/x-www-form-urlencoded


@dataclass(frozen=True)
class Posted:
    id: int
    url: str  # the note's page, for people


# -- the user's field notes, as suggestions ----------------------------------------------------

# The user's latest field notes about a place (from their visits), or None: a mapping (or an
# object with these attributes) of `power` (plenty|few|none), `wifi` (good|ok|bad|<N>mbps|…) and
# optionally `day` (YYYY-MM-DD). Wired by the CLI; tests give their own.
FieldFacts = Callable[[Any, str], "Mapping[str, object] | object | None"]


@dataclass(frozen=True)
class Suggestion:
    sockets: bool | None = None
    wifi: str | None = None
    because: tuple[str, ...] = ()  # the field notes behind them: "power: plenty", …
    day: str | None = None

    def __bool__(self) -> bool:
        return self.sockets is not None or self.wifi is not None


def _fact(facts: object, key: str) -> str | None:
    value = facts.get(key) if isinstance(facts, Mapping) else getattr(facts, key, None)
    return boundary.clean(value).strip().lower() or None if isinstance(value, str) else None


def suggest(facts: object | None) -> Suggestion:
    """What the user's field notes say that a note can carry: sockets from `power`, Wi-Fi from
    `wifi` (a quality or a speed means there is Wi-Fi). Noise and calls are impressions, not
    OSM facts: never suggested."""
    if facts is None:
        return Suggestion()
    power, wifi = _fact(facts, "power"), _fact(facts, "wifi")
    sockets = {"plenty": True, "few": True, "none": False}.get(power or "")
    has_wifi: str | None = None
    if wifi in ("none", "no"):
        has_wifi = "no"
    elif wifi in ("good", "ok", "bad") or (wifi and re.fullmatch(r"\d+(\.\d+)?\s*mbps", wifi)):
        has_wifi = "yes"
    because = tuple(
        f"{key}: {value}"
        for key, value, used in (("power", power, sockets), ("wifi", wifi, has_wifi))
        if used is not None
    )
    day = _fact(facts, "day") or _fact(facts, "date")
    try:
        day = boundary.day(day) if day else None
    except boundary.BadInput:
        day = None
    return Suggestion(sockets, has_wifi, because, day)


# -- composing ----------------------------------------------------------------------------------


def object_url(place_id: str) -> str:
    """The OSM object's page: https://www.openstreetmap.org/node/123."""
    return f"{OSM_WEB}/{place_id}"


def _hours_line(hours: str, place: Place) -> tuple[str, str | None]:
    """The note's line about opening hours, and the parser's complaint when they are not in
    OSM's syntax (then they are sent as written, for a mapper to translate)."""
    from solomo_cli.search.hours import check

    problem = check(hours)
    if problem:
        return f"- opening hours, as posted: {hours}", problem
    known = place.opening_hours
    if known == hours:
        return f"- opening hours: {hours} (as in OSM: confirmed)", None
    was = f"; OSM has: {known}" if known else ""
    return f"- opening hours: {hours} (opening_hours={hours}{was})", None


_WIFI_LINES = {
    "yes": "- Wi-Fi: yes (internet_access=wlan)",
    "no": "- Wi-Fi: none (internet_access=no)",
    "free": "- Wi-Fi: yes, free (internet_access=wlan, internet_access:fee=no)",
}


def compose(place: Place, facts: Facts) -> Note:
    """The note about PLACE that states FACTS. Raises UsageError for a place that is not an OSM
    object, for no fact at all, and for text the boundary refuses or OSM would (too long)."""
    if not boundary.is_osm_id(place.id):
        raise UsageError(
            f"{place.display_name} ({place.id}) is not an OpenStreetMap object: a note would "
            "point at nothing",
            hint="report places found with solomo near (OSM ids such as node/123)",
        )
    if facts.empty():
        raise UsageError("nothing to report about the place")
    try:
        hours = boundary.text(
            facts.hours,
            "the opening hours",
            max_len=boundary.MAX_OSM_VALUE,
            required=facts.hours is not None,
        )
        text = boundary.text(
            facts.text,
            "the note's text",
            max_len=MAX_NOTE,
            lines=True,
            required=facts.text is not None,
        )
    except boundary.BadInput as exc:
        raise UsageError(str(exc)) from None
    if facts.wifi is not None and facts.wifi not in WIFI_ANSWERS:
        raise UsageError(f"bad Wi-Fi answer {boundary.quoted(facts.wifi)} (yes, no or free)")
    lines = [f"{place.display_name} ({label(place.kind)}): {object_url(place.id)}"]
    if facts.exists is True:
        lines.append("- still exists (seen on site)")
    elif facts.exists is False:
        lines.append("- closed: no longer here")
    problem = None
    if hours:
        line, problem = _hours_line(_NONCHARACTERS.sub("", hours), place)
        lines.append(line)
    if facts.sockets is not None:
        lines.append(f"- power sockets for customers: {'yes' if facts.sockets else 'no'}")
    if facts.wifi is not None:
        lines.append(_WIFI_LINES[facts.wifi])
    if text:
        lines += ["", text]
    body = _NONCHARACTERS.sub("", boundary.clean_lines("\n".join([*lines, "", SIGNATURE])))
    if len(body) > MAX_NOTE:
        raise UsageError(
            f"the note is too long ({len(body)} characters; OpenStreetMap takes at most "
            f"{MAX_NOTE})",
            hint="shorten the text",
        )
    return Note(place.id, place.lat, place.lon, body, problem)


# -- sending -------------------------------------------------------------------------------------


def request(settings: Settings, note: Note) -> Request:
    """The one request that posts NOTE: method, URL, headers and the form-encoded body."""
    return Request(
        "POST",
        settings.osm_api_url + NOTES_PATH,
        {
            "User-Agent": settings.user_agent,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
        urlencode(note.fields()),
    )


def note_url(api_url: str, note_id: int) -> str:
    """The note's page: on www.openstreetmap.org for the main API, else on the API's own host
    (the OSM website serves both, as the development server does)."""
    parts = urlsplit(api_url)
    if parts.hostname == "api.openstreetmap.org":
        return f"{OSM_WEB}/note/{note_id}"
    netloc = parts.netloc.rpartition("@")[2]  # never a user name or password
    return f"{parts.scheme}://{netloc}{parts.path}/note/{note_id}"


def note_id(body: bytes, content_type: str, host: str) -> int:
    """The id of the note the API opened, from its answer (a GeoJSON Feature whose properties
    hold the id); BadResponse for anything else."""
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):
        detail = boundary.page_detail(body, content_type)
        raise BadResponse(
            f"{SERVICE} at {host} answered the note with something other than JSON"
            + (f": {detail}" if detail else ""),
            hint="the note may not have been opened: look on the map before sending it again",
        ) from None
    properties = answer.get("properties") if isinstance(answer, dict) else None
    try:
        return boundary.osm_id(properties.get("id") if isinstance(properties, dict) else None)
    except boundary.BadInput:
        raise BadResponse(
            f"{SERVICE} at {host} answered without the note's id",
            hint="the note may not have been opened: look on the map before sending it again",
        ) from None


def post(settings: Settings, note: Note) -> Posted:
    """Send NOTE once, anonymously, over the one HTTP client (deadline, size cap, the
    identifying User-Agent). Raises a ServiceError subclass on failure."""
    from solomo_cli import net

    made = request(settings, note)
    limits = net.limits_for(net.Limits(net.MB, 60.0), settings)  # an answer is ~1 KB
    with net.make_client(settings) as client:
        answer = net.send(
            client,
            made.method,
            made.url,
            service=SERVICE,
            limits=limits,
            what="note",
            max_retries=0,
            headers={k: v for k, v in made.headers.items() if k != "User-Agent"},
            content=made.body.encode("ascii"),
        )
    ident = note_id(answer.content, answer.headers.get("content-type", ""), net.host_of(made.url))
    return Posted(ident, note_url(settings.osm_api_url, ident))
