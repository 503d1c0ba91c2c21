"""vCard 4.0 (RFC 6350) out, from the contact record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from solomo_cli import __version__
from solomo_cli.boundary import clean


def vcard_escape(text: str) -> str:
    """A single TEXT value (FN, NOTE, EMAIL…): backslash, comma and newline escaped
    (RFC 6350 §3.4). A semicolon is left as it is: it separates nothing in a single value, and
    strict readers (ical.js) would show `Smith\\; John`."""
    lines = [clean(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    value = "\n".join(lines)
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("\n", "\\n")


def vcard_component(text: str) -> str:
    """One component of a compound value (N, ADR, ORG): `;` separates components, so it is
    escaped here too."""
    return vcard_escape(text).replace(";", "\\;")


def fold_line(line: str, limit: int = 75) -> str:
    """Content lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8
    character (RFC 6350 §3.2)."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def _stamp(iso: str) -> str:
    return iso.replace("-", "").replace(":", "")


def vcard(c: dict[str, Any]) -> str:
    """One contact record as a vCard."""
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"PRODID:-//solomo//solomo {__version__}//EN",
        f"UID:urn:uuid:{c['uid']}",
        f"FN:{vcard_escape(c['name'])}",
    ]
    if c.get("org"):
        lines.append(f"ORG:{vcard_component(c['org'])}")
    if c.get("email"):
        lines.append(f"EMAIL:{vcard_escape(c['email'])}")
    if c.get("phone"):
        lines.append(f"TEL;VALUE=text:{vcard_escape(c['phone'])}")
    if c.get("tags"):
        lines.append("CATEGORIES:" + ",".join(vcard_escape(t) for t in c["tags"]))
    met = []
    for e in c.get("encounters") or ():
        where = e.get("place_name") or (f"(unnamed {e['kind']})" if e.get("place_id") else None)
        met.append(
            f"Met {e['date']}"
            + (f" at {clean(where)}" if where else "")
            + (f": {e['note']}" if e.get("note") else "")
        )
    note = "\n".join(part for part in [c.get("note") or "", *met] if part)
    if note:
        lines.append(f"NOTE:{vcard_escape(note)}")
    lines.append(f"REV:{_stamp(c['updated_at'])}")
    lines.append("END:VCARD")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def write_vcards(records: Iterable[dict[str, Any]], out: IO[str]) -> None:
    for record in records:
        out.write(vcard(record))
