"""The trust boundary: everything from outside (OSM tags and metadata, server bodies and error
pages, import files, config values, command-line text that is echoed back) is checked and
cleaned here, once, where it enters. Core code and renderers then trust what they are given.

Text loses terminal escape sequences, C0/C1 controls, bidi overrides and zero-width characters
(and lone surrogates, which no terminal or encoder can take); numbers, ids, coordinates, dates
and lengths are checked against their ranges. A value that cannot be made safe raises
`BadInput`, which the caller turns into its own error (a usage error for a file or an argument,
a bad-response error for a server)."""

from __future__ import annotations

import math
import re
from datetime import date, datetime

# ANSI/VT escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other ESC x pairs,
# and their 8-bit C1 forms (CSI = 0x9b, OSC = 0x9d).
_ESCAPES = (  # patterns as text: `re` compiles them on first use, rarely needed
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]          # CSI ... final byte
    | (?:\x1b\]|\x9d).*?(?:\x07|\x1b\\|\x9c)  # OSC ... BEL or ST
    | \x1b[PX^_].*?(?:\x1b\\|\x9c)            # DCS, SOS, PM, APC ... ST
    | \x1b[ -/]*[0-~]                         # other escapes: nF, Fp, Fe, Fs (ESC c resets)
    """
)
# Remaining C0/C1 controls, DEL, bidi marks, overrides and isolates that can reorder what is
# displayed, zero-width characters that hide text, and lone surrogates.
_CONTROLS = (
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    r"\ufeff\ud800-\udfff]"
)
_SPACES = r"[\t\n\r\u2028\u2029]+"
_LINE_SPACES = r"[\t\r\u2028\u2029]+"

MAX_TEXT = 10_000  # characters in one value (a tag, a name, a note)
MAX_NAME = 300  # characters in a contact's name, a place name or REF to look up, a PLACE
SQLITE_MAX_INT = 2**63 - 1
MAX_COST = 10**9  # one day's cost, in any currency


class BadInput(ValueError):
    """A value from outside that cannot be accepted; its message says which and why."""


def clean(value: object) -> str:
    """Text safe to print: escape sequences and control characters removed, one line."""
    if value is None:
        return ""
    text = str(value)
    if text.isprintable():  # fast path: nearly every OSM value
        return text
    text = re.sub(_ESCAPES, "", text, flags=re.VERBOSE | re.DOTALL)
    text = re.sub(_SPACES, " ", text)
    return re.sub(_CONTROLS, "", text).strip()


def clean_or_none(value: object) -> str | None:
    text = clean(value)
    return text or None


def clean_lines(value: object) -> str:
    """Like `clean`, but line breaks are kept (the user's own notes)."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n")
    if all(line.isprintable() for line in text.split("\n")):
        return text
    text = re.sub(_ESCAPES, "", text, flags=re.VERBOSE | re.DOTALL)
    text = re.sub(_LINE_SPACES, " ", text)
    return "\n".join(re.sub(_CONTROLS, "", line).rstrip() for line in text.split("\n")).strip()


def text(
    value: object,
    what: str,
    *,
    max_len: int = MAX_TEXT,
    lines: bool = False,
    required: bool = False,
) -> str | None:
    """An outside text value, cleaned and bounded; None for None or empty (refused instead
    when `required`). The one rule for every stored text, whether from a file or argv."""
    if value is None or value == "":
        if required:
            raise BadInput(f"{what} is {'missing' if value is None else 'empty'}")
        return None
    if not isinstance(value, str):
        raise BadInput(f"{what} should be text")
    if len(value) > max_len * 4:  # far too long even before cleaning
        raise BadInput(f"{what} is too long (over {max_len} characters)")
    cleaned = clean_lines(value) if lines else clean(value)
    if len(cleaned) > max_len:
        raise BadInput(f"{what} is too long (over {max_len} characters)")
    if not cleaned.strip() and required:
        raise BadInput(f"{what} is empty {emptied(value)}")
    return cleaned or None


def emptied(value: object) -> str:
    """Why a value is empty: '(only spaces)' or '(only control or invisible characters)'."""
    return "(only spaces)" if str(value).isspace() else "(only control or invisible characters)"


def argument(value: str, what: str, max_len: int = MAX_NAME) -> str:
    """Something to look up (a place, a REF, a contact's name) as the user typed it: bounded,
    since it is echoed in messages and sent to services."""
    if len(value) > max_len:
        raise BadInput(f"{what} is too long (over {max_len} characters)")
    return value


def row_id(value: object, what: str = "id") -> int:
    """A positive whole number that SQLite can store as a row id."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadInput(f"{what} should be a whole number")
    try:
        number = int(value)
    except ValueError:
        raise BadInput(f"{what} should be a whole number, not {quoted(value, 40)}") from None
    if not 1 <= number <= SQLITE_MAX_INT:
        raise BadInput(f"{what} {number} is out of range")
    return number


def number(value: object, what: str, low: float, high: float, *, strings: bool = True) -> float:
    """A finite number within [low, high] (numbers given as text are read too, unless
    `strings` is false: in a typed file such as TOML, "7" is a mistake)."""
    if isinstance(value, bool) or (not strings and isinstance(value, str)):
        raise BadInput(f"{what} should be a number, not {quoted(value, 40)}")
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise BadInput(f"{what} should be a number, not {quoted(value, 40)}") from None
    if not math.isfinite(result) or not low <= result <= high:
        raise BadInput(f"{what} {clean(value)[:40]} is out of range")
    return result


def latlon(lat: object, lon: object) -> tuple[float, float]:
    """Finite coordinates in range."""
    return number(lat, "latitude", -90.0, 90.0), number(lon, "longitude", -180.0, 180.0)


def day(value: object, what: str = "date") -> str:
    """A real calendar day, as YYYY-MM-DD."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise BadInput(f"bad {what} {quoted(value, 40)} (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise BadInput(f"bad {what} {quoted(value, 40)} (no such day)") from None


def age_days(value: object, what: str = "duration") -> int:
    """'90d', '12w', '6m' (months of 30 days), '1y', '6s' (French weeks) → a positive number
    of days, at most 100 years (an option, or a config value such as a cadence): the one
    duration grammar of solomo_cli.dates."""
    from solomo_cli import dates

    try:
        days = dates.duration_days(value) if isinstance(value, str) and len(value) <= 40 else None
    except dates.DateError:
        days = None
    if not days or days <= 0:
        raise BadInput(f"bad {what} {quoted(value, 40)} (90d, 12w, 6m, 1y; at most 100y)")
    return days


def timestamp(value: object, what: str = "time") -> str:
    """An ISO 8601 date-time (as OSM, Overpass and solomo's files write them), checked real."""
    if not isinstance(value, str) or len(value) > 40:
        raise BadInput(f"bad {what}")
    candidate = value.strip()
    try:
        parsed = datetime.fromisoformat(candidate.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"bad {what} {quoted(value, 40)}") from None
    # Years near 1 or 9999 overflow once shifted to local time: no real time is there.
    if not 1970 <= parsed.year <= 9000:
        raise BadInput(f"bad {what} {quoted(value, 40)} (year out of range)")
    return candidate


MAX_ECHO = 60  # characters of an outside value repeated in a message


def quoted(value: object, max_len: int = MAX_ECHO) -> str:
    """Text from outside (an argument, a name) echoed back in a message: cleaned, bounded and
    quoted. `repr` alone would keep bidi and zero-width characters."""
    text = clean(str(value)[: max_len * 4]) if value is not None else ""
    if not text and value not in (None, ""):  # '' would hide what was wrong
        return emptied(value)
    return repr(text if len(text) <= max_len else text[: max_len - 1] + "…")


MAX_OSM_VALUE = 255  # OSM's own cap on a tag key or value, in characters


def excerpt(value: object, max_len: int = 300) -> str:
    """Outside text shown inside a message (a server's remark, an error page): cleaned, one
    line, at most `max_len` characters (cut with an ellipsis)."""
    text = clean(str(value)[: max_len * 4])
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= max_len else text[: max_len - 1].rstrip() + "…"


_PAGE_ERRORS = r"<strong[^>]*>\s*Error\s*</strong>\s*:?\s*(.*?)</p>"  # Overpass' error pages
_PAGE_HEADINGS = r"<(title|h1|h2|remark|p)[^>]*>(.*?)</\1>"
_PAGE_SKIP = ("OSM3S Response", "The data included in this document is from")


def page_detail(body: bytes, content_type: str = "", max_len: int = 300) -> str:
    """What an error page or an error body says, as one clean line ("" if nothing)."""
    import html

    page = body[: 256 * 1024].decode("utf-8", "replace")
    if "html" in content_type or "xml" in content_type or page.lstrip()[:1] == "<":
        found = re.findall(_PAGE_ERRORS, page, flags=re.I | re.S)
        if not found:
            found = [
                inner
                for _, inner in re.findall(_PAGE_HEADINGS, page, flags=re.I | re.S)
                if not any(inner.strip().startswith(skip) for skip in _PAGE_SKIP)
            ][:2]
        page = "; ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)) for part in found)
    return excerpt(page, max_len)


def osm_tags(value: object) -> dict[str, str]:
    """OSM tags from a server: an object of text to text. Pairs that are not text are dropped;
    keys and values are cleaned and cut to OSM's 255 characters."""
    if not isinstance(value, dict):
        raise BadInput("tags should be an object")
    tags: dict[str, str] = {}
    for key, val in value.items():
        if not isinstance(key, str) or not isinstance(val, str):
            continue
        # Nearly every pair is printable: clean would return it as it is (a sync meets millions).
        if not (key.isprintable() and val.isprintable()):
            key, val = clean(key[: MAX_OSM_VALUE * 4]), clean(val[: MAX_OSM_VALUE * 4])
        if key and val:
            tags[key[:MAX_OSM_VALUE]] = val[:MAX_OSM_VALUE]
    return tags


def osm_id(value: object) -> int:
    """An OSM id as JSON gives it: a whole number (not text) that SQLite can store."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadInput("id should be a whole number")
    return row_id(value)


_AMOUNT = r"\d{1,12}(?:\.\d{1,6})?"


def cost(value: object, what: str = "cost") -> str:
    """A day's cost: a plain decimal amount (no exponent, at most 6 decimals), at most MAX_COST;
    returned as exact text."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BadInput(f"bad {what}")
    text_value = str(value).strip()
    if not re.fullmatch(_AMOUNT, text_value):
        raise BadInput(f"bad {what} {quoted(value, 40)} (an amount such as 20 or 20.50)")
    from decimal import Decimal

    amount = Decimal(text_value)
    if amount > MAX_COST:
        raise BadInput(f"bad {what} {text_value} (over {MAX_COST})")
    return str(amount)


def currency(value: object, what: str = "currency") -> str:
    """An ISO 4217-style code: three letters, upper-cased."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        raise BadInput(f"bad {what} {quoted(value, 40)} (a 3-letter code such as EUR)")
    return value.strip().upper()


def place_id(value: object, what: str = "place id") -> str:
    """A place id as solomo writes them: `source/key` (node/123, google/456), no spaces."""
    if not isinstance(value, str) or not re.fullmatch(r"[a-z]{1,20}/[^\s/]{1,200}", value):
        raise BadInput(f"bad {what} {quoted(value, 60)}")
    if not value.isprintable():
        raise BadInput(f"bad {what} {quoted(value, 60)}")
    source, key = value.split("/")
    if source in OSM_TYPES:
        osm_number(key, f"{source} id")
    return value


OSM_TYPES = ("node", "way", "relation")


def osm_number(value: object, what: str = "OSM id") -> int:
    """The number of an OSM id written as text (`node/123`): digits only, storable by SQLite."""
    if not isinstance(value, str) or not value.isdigit() or not value.isascii():
        raise BadInput(f"bad {what} {quoted(value, 60)} (a whole number)")
    return row_id(value, what)


def is_osm_id(value: object) -> bool:
    """Whether a place id is an OpenStreetMap one, as solomo writes them: `node/123`,
    `way/…`, `relation/…` (ASCII digits)."""
    if not isinstance(value, str):
        return False
    source, _, key = value.partition("/")
    return source in OSM_TYPES and key.isdigit() and key.isascii()


# How a person may write an OSM id: node/123, N123, "way 42", or an openstreetmap.org URL.
_OSM_REF = r"(?i)^(node|way|relation|n|w|r)\s*[/ ]?\s*(\d+)$"
_OSM_URL = r"(?i)^https?://(?:www\.)?openstreetmap\.org/(node|way|relation)/(\d+)"
_OSM_SHORT = {"n": "node", "w": "way", "r": "relation"}


def osm_ref(value: str) -> str | None:
    """An OSM id as a person writes it ('N123', 'node 123',
    'https://www.openstreetmap.org/way/42') → 'node/123', 'way/42'; None when the text is not
    one. A number SQLite cannot store raises BadInput."""
    candidate = value.strip()
    found = re.match(_OSM_URL, candidate) or re.match(_OSM_REF, candidate)
    if not found:
        return None
    kind = _OSM_SHORT.get(found.group(1).lower(), found.group(1).lower())
    return f"{kind}/{osm_number(found.group(2), f'{kind} id')}"


def redact(text: str, url: str | None = None) -> str:
    """`text` without the credentials of `url`, nor those of any URL written in it."""
    if url:
        from urllib.parse import urlsplit

        userinfo = urlsplit(url).netloc.rpartition("@")[0]
        if userinfo:
            text = text.replace(userinfo + "@", "")
            password = userinfo.partition(":")[2]
            if len(password) >= 4:
                text = text.replace(password, "***")
    return re.sub(r"(?<=//)[^/@\s]*@", "", text)


MAX_URL = 2000


def _shown_url(value: str) -> str:
    """A URL as a message may show it: cut, without its credentials, quoted."""
    value = value[:MAX_URL]
    try:
        shown = redact(value, value if "//" in value else "//" + value)
    except ValueError:  # not even splittable: keep only what follows any user info
        shown = value.rpartition("@")[2]
    return quoted(shown, 100)


def url(value: object, what: str = "URL") -> str:
    """A service's address: an http or https URL with a host, without its trailing slash.
    Credentials in it are kept for use but never shown: messages carry it redacted."""
    if not isinstance(value, str):
        raise BadInput(f"{what} should be text (a URL)")
    candidate = value.strip()
    if len(candidate) > MAX_URL:
        raise BadInput(f"{what} is too long (over {MAX_URL} characters)")
    if not candidate.isprintable() or any(c.isspace() for c in candidate):
        raise BadInput(f"{what} {_shown_url(candidate)} has spaces or control characters in it")
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(candidate)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number in range)
    except ValueError:
        raise BadInput(f"{what} {_shown_url(candidate)} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise BadInput(f"{what} {_shown_url(candidate)} is not an http or https URL with a host")
    return candidate.rstrip("/")


_BARE_HOST = r"(?i)^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]|$)"


def web_link(value: object) -> str | None:
    """A website as a link may carry it: an http or https URL ('www.example.org', as OSM
    often has it, is taken as https), else None (javascript:, data:, file: never link)."""
    if not isinstance(value, str) or not value.strip():
        return None
    candidate = value.strip()
    if re.match(_BARE_HOST, candidate):
        candidate = "https://" + candidate
    try:
        url(candidate, "website")
    except BadInput:
        return None
    return candidate


def header_text(value: object, what: str, *, max_len: int = 200) -> str | None:
    """Text sent in an HTTP header (the contact in the User-Agent): cleaned to one line,
    bounded, and ASCII only (HTTP headers carry no other text)."""
    result = text(value, what, max_len=max_len)
    if result is not None and not result.isascii():
        raise BadInput(f"{what} {quoted(result, 60)} has non-ASCII characters (a URL or e-mail)")
    return result
