"""Untrusted text (OSM tags, import files) made safe for a terminal and for spreadsheets."""

from __future__ import annotations

import re

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
# Remaining C0/C1 controls, DEL, and bidi overrides/isolates that can reorder what is displayed.
_CONTROLS = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
_SPACES = r"[\t\n\r\u2028\u2029]+"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


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


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run as a formula (OWASP: prefix with a quote)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = clean(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
