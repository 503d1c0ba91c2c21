"""vCard 4.0 (RFC 6350) out, from the contact record; vCard 2.1, 3.0 and 4.0 in (below)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import IO, Any, NamedTuple

from solomo_cli import __version__
from solomo_cli.boundary import MAX_NAME, MAX_TEXT, BadInput, clean, quoted, text, timestamp
from solomo_cli.mydata.base import as_utc


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


# -- reading: vCard 2.1, 3.0 and 4.0 as phones and address books export them -----------------
#
# vobject parses 3.0 and 4.0 well, but not what phones write in 2.1: it cuts a TEXT value at its
# first comma (2.1 does not escape commas: "Café à la Défense, …" became "Café à la Défense")
# and drops bare parameters (TEL;CELL;PREF). So every card is first rewritten here, line by
# line, as a 3.0 card of only the properties solomo reads: lines unfolded (RFC folding and
# quoted-printable soft breaks), quoted-printable decoded with the property's CHARSET, 2.1
# values escaped as 3.0 wants them, bare parameters made TYPE=. Binaries (PHOTO, LOGO, SOUND,
# KEY) and every other property are dropped there, before anything parses them.

READ = frozenset(
    {"BEGIN", "END", "VERSION", "UID", "FN", "N", "ORG", "TITLE", "EMAIL", "TEL", "NOTE"}
    | {"CATEGORIES", "REV"}
)
_BINARY = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
_COMPOUND = frozenset({"N", "ORG"})  # values of ';'-separated components
MAX_LINE = 50_000  # characters in one property line kept (a note is 10,000 at most)


class Card(NamedTuple):
    """One card as read: cleaned at the boundary, emails and phones preferred first."""

    number: int  # its place in the file, from 1
    uid: str | None  # as the card gives it ('urn:uuid:' removed), not yet checked
    name: str | None  # None: the card names nobody (no FN, N, ORG or e-mail)
    org: str | None
    title: str | None
    emails: list[str]
    phones: list[str]
    note: str | None
    tags: list[str]
    rev: str | None  # REV, in UTC (now_utc's format), if readable


def decode_vcf(raw: bytes) -> str:
    """The text of a .vcf file: UTF-8 (a byte order mark dropped), else Windows-1252, which
    Outlook and older Windows tools write."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _logical_lines(text: str) -> Iterator[str]:
    """Content lines, unfolded: a line that starts with a space or a tab continues the one
    before (RFC 6350 §3.2); a quoted-printable value that ends in '=' goes on, as it is, on the
    next line (2.1's soft line break). Blank lines are dropped."""
    current: str | None = None
    for line in re.split(r"\r\n|\n|\r", text):
        if current is not None and _soft_break(current):
            current = current[:-1] + line
        elif current is not None and line[:1] in (" ", "\t"):
            current += line[1:]
        else:
            if current is not None and current.strip():
                yield current
            current = line
    if current is not None and current.strip():
        yield current


def _soft_break(line: str) -> bool:
    head = line.split(":", 1)[0].upper()
    return line.endswith("=") and "QUOTED-PRINTABLE" in head and ":" in line


def _split_line(line: str) -> tuple[str, list[tuple[str, str | None]], str]:
    """(NAME without its group, parameters as (KEY, value or None for a bare one), value)."""
    in_quotes, cut = False, -1
    for i, char in enumerate(line):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ":" and not in_quotes:
            cut = i
            break
    if cut < 0:
        raise BadInput(f"a line without a ':' ({quoted(line, 40)})")
    head, value = line[:cut], line[cut + 1 :]
    parts = re.findall(r'(?:[^;"]|"[^"]*")+', head)
    name = (parts[0] if parts else "").rsplit(".", 1)[-1].strip().upper()
    params: list[tuple[str, str | None]] = []
    for part in parts[1:]:
        key, eq, val = part.partition("=")
        params.append((key.strip().upper(), val.strip().strip('"') if eq else None))
    return name, params, value


def _escape3(text: str) -> str:
    """A literal value in 3.0's TEXT escaping."""
    return (
        text.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def _from_qp(value: str, charset: str | None) -> str:
    import quopri

    data = quopri.decodestring(value.encode("latin-1", errors="replace"))
    try:
        return data.decode(charset or "utf-8")
    except LookupError:
        raise BadInput(f"unknown charset {quoted(charset or '', 40)}") from None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _v3_line(name: str, params: list[tuple[str, str | None]], value: str, v21: bool) -> str:
    """The property as a 3.0 line: only TYPE and PREF kept (their values tamed), the value
    decoded (quoted-printable) and, from 2.1, escaped."""
    types: list[str] = []
    pref = ""
    encoding = charset = None
    for key, val in params:
        if val is None:  # 2.1: TEL;CELL;PREF
            types.append(key)
        elif key == "TYPE":
            types += val.split(",")
        elif key == "PREF":
            pref = re.sub(r"\D", "", val)[:3]
        elif key == "ENCODING":
            encoding = val.upper()
        elif key == "CHARSET":
            charset = val
    if encoding == "QUOTED-PRINTABLE":
        value = _from_qp(value, charset)
    if v21 or encoding == "QUOTED-PRINTABLE":
        if name in _COMPOUND:
            value = ";".join(_escape3(p) for p in re.split(r"(?<!\\);", value))
        elif name == "CATEGORIES":
            value = ",".join(_escape3(p) for p in value.split(","))
        else:
            value = _escape3(value)
    kept = [re.sub(r"[^A-Za-z0-9-]", "", t) for t in types]
    head = name + "".join(f";TYPE={t}" for t in kept if t) + (f";PREF={pref}" if pref else "")
    return f"{head}:{value}"


def _cards(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each card of the file as the 3.0 lines solomo reads (see above)."""
    lines: list[str] | None = None
    number, v21, name = 0, False, ""
    for line in _logical_lines(text):
        if name in _BINARY and ":" not in line:
            continue  # 2.1 base64 lines written without their leading space (older phones)
        name, params, value = _split_line(line)
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            if lines is not None:
                raise BadInput(f"card {number} has no END:VCARD")
            number += 1
            lines, v21 = [], False
            continue
        if lines is None:
            raise BadInput(f"a line outside any card ({quoted(line, 40)})")
        if name == "END" and value.strip().upper() == "VCARD":
            yield number, lines
            lines = None
        elif name == "VERSION":
            v21 = value.strip() == "2.1"
        elif name in READ and name not in ("BEGIN", "END"):
            if len(line) > MAX_LINE:
                raise BadInput(f"card {number}: a {name} line is too long")
            lines.append(_v3_line(name, params, value, v21))
    if lines is not None:
        raise BadInput(f"card {number} is cut short (no END:VCARD)")
    if number == 0:
        raise BadInput("no card in it (no BEGIN:VCARD)")


def _ranked(props: list[Any]) -> list[str]:
    """The values of EMAIL or TEL lines, the preferred first (4.0 PREF=1, or TYPE=pref), then
    in the file's order; each once."""

    def rank(item: tuple[int, Any]) -> tuple[int, int]:
        i, prop = item
        params = prop.params
        types = {t.lower() for t in params.get("TYPE", [])}
        prefs = [int(p) for p in params.get("PREF", []) if p.isdigit()]
        return (min(prefs) if prefs else (1 if "pref" in types else 101), i)

    values = []
    for _i, prop in sorted(enumerate(props), key=rank):
        value = prop.value if isinstance(prop.value, str) else ""
        value = re.sub(r"^tel:", "", value.strip(), flags=re.IGNORECASE)
        if value and value not in values:
            values.append(value)
    return values


def _joined(value: Any, sep: str) -> str:
    if isinstance(value, (list, tuple)):
        return sep.join(v for v in (_joined(v, " ") for v in value) if v.strip())
    return str(value or "").strip()


def _card(number: int, lines: list[str]) -> Card:
    import vobject

    text = "BEGIN:VCARD\r\nVERSION:3.0\r\n" + "".join(f"{line}\r\n" for line in lines)
    try:
        card = vobject.readOne(text + "END:VCARD\r\n")
    except Exception as exc:  # vobject raises many kinds (ParseError, ValueError, …)
        raise BadInput(f"card {number} cannot be read: {exc}") from None
    contents: dict[str, list[Any]] = card.contents

    def first(key: str, sep: str = " ") -> str | None:
        props = contents.get(key) or []
        return next((v for v in (_joined(p.value, sep) for p in props) if v), None)

    name = first("fn")
    if not name and contents.get("n"):
        n = contents["n"][0].value
        parts = (n.prefix, n.given, n.additional, n.family, n.suffix) if hasattr(n, "given") else ()
        name = " ".join(p for p in (_joined(x, " ") for x in parts) if p) or None
    org = first("org", ", ")
    emails, phones = _ranked(contents.get("email", [])), _ranked(contents.get("tel", []))
    name = name or org or (emails[0] if emails else None)
    tags = []
    for prop in contents.get("categories", []):
        values = prop.value if isinstance(prop.value, list) else [prop.value]
        tags += [str(v).strip() for v in values if str(v).strip()]
    notes = [_joined(p.value, " ") for p in contents.get("note", [])]
    uid = first("uid")
    if uid and uid.lower().startswith("urn:uuid:"):
        uid = uid[9:]
    rev = None
    if first("rev"):
        try:
            rev = as_utc(timestamp(first("rev"), "REV"))
        except BadInput:
            rev = None
    return Card(
        number,
        uid,
        _clean(name, "the name", MAX_NAME),
        _clean(org, "the organisation"),
        _clean(first("title"), "the title"),
        [e for e in (_clean(v, "an e-mail address") for v in emails) if e],
        [p for p in (_clean(v, "a phone number") for v in phones) if p],
        _clean("\n".join(n for n in notes if n), "the note", lines=True),
        # Google files every contact under "myContacts": a system group, not a tag of theirs.
        [t for t in (_clean(v, "a tag", 200) for v in tags) if t and t.lower() != "mycontacts"],
        rev,
    )


def _clean(
    value: str | None, what: str, max_len: int = MAX_TEXT, lines: bool = False
) -> str | None:
    return text(value, what, max_len=max_len, lines=lines)


def read_vcards(raw: bytes) -> list[Card]:
    """Every card of a .vcf file, checked and cleaned; BadInput names the card at fault."""
    found = []
    for number, lines in _cards(decode_vcf(raw)):
        try:
            found.append(_card(number, lines))
        except BadInput as exc:
            message = str(exc)
            raise BadInput(
                message if message.startswith("card ") else f"card {number}: {message}"
            ) from None
    return found
