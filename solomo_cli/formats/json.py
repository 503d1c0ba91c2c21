"""JSON out: one writer for every record, safe to `cat` to a terminal, written a batch of
records at a time.

The text is `json.dumps(value, ensure_ascii=False, indent=2)`'s, written by orjson: json writes
an indented text only with its pure-Python encoder, and orjson writes it faster than json's C
encoder writes it unindented. Where orjson would write a value otherwise (a float under 1e-4,
spelt 0.00001 for 1e-05; an integer beyond 64 bits; a named tuple; a lone surrogate), json
writes it; a value neither can write is refused as json refuses it. NaN and the infinities are
written as null, as orjson does (json's NaN and Infinity are not JSON)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

import orjson

# Characters that JSON leaves raw but a terminal may act on (C1 controls, bidi overrides,
# lone surrogates): written as \u escapes, which every JSON reader turns back into the same
# text. C0 controls (ESC, BEL) are always escaped by the encoders themselves.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# Every byte of Latin-1 but the C1 controls and DEL: what is left of a Latin-1 text once
# these are deleted is what _JSON_UNSAFE would find in it.
_LATIN1_SAFE = bytes(b for b in range(256) if not 0x7F <= b <= 0x9F)


def _safe(text: str) -> str:
    # The regex reads ~7 ns a character; most text is ASCII or Latin-1 ("©"), which C scans
    # at memory speed, and most of it has nothing to escape.
    if text.isascii():
        if "\x7f" not in text:
            return text
    else:
        try:
            if not text.encode("latin-1").translate(None, _LATIN1_SAFE):
                return text
        except UnicodeEncodeError:  # wider characters: the regex decides
            pass
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps(value: Any, *, compact: bool = False) -> str:
    if compact:
        return _safe(_encode(value, 0, compact=True))
    return "".join(chunks(value))


def write_json(value: Any, out: IO[str]) -> None:
    """`value` as `dumps` writes it, a batch of records at a time: a list, or a dict's member,
    may be any iterable (a generator of records), consumed once and never held whole."""
    for chunk in chunks(value):
        out.write(chunk)


BATCH = 256  # records encoded at a time: one call for many, and memory flat in their number


def chunks(value: Any) -> Iterator[str]:
    """The text of `json.dumps(value, ensure_ascii=False, indent=2) + "\\n"`, made safe, in
    pieces: one per batch of records of the outer list (or of a dict member that is a list)."""
    yield from _stream(value, 0)
    yield "\n"


def _lazy(value: Any) -> bool:
    """A list to write a batch at a time: a list or tuple, or any other iterable but text and
    dicts."""
    return not isinstance(value, (str, bytes, bytearray, dict)) and isinstance(value, Iterable)


def _stream(value: Any, level: int) -> Iterator[str]:
    if isinstance(value, dict) and level == 0 and any(map(_lazy, value.values())):
        # An export's wrapper or a FeatureCollection: its members, one of them the records.
        pad = "\n" + "  " * (level + 1)
        first = True
        for key, member in value.items():
            yield ("{" if first else ",") + pad + _key(key) + ": "
            first = False
            yield from _stream(member, level + 1) if _lazy(member) else (_text(member, level + 1),)
        yield ("\n" + "  " * level + "}") if not first else "{}"
    elif _lazy(value) and level <= 1:
        # A batch's text is the list's own text between its brackets: "[" pad item, pad item
        # "\n" "]", the closing bracket at `level`.
        closing = len("\n" + "  " * level + "]")
        items = iter(value)
        first = True
        while batch := list(islice(items, BATCH)):
            yield ("[" if first else ",") + _text(batch, level)[1:-closing]
            first = False
        yield ("\n" + "  " * level + "]") if not first else "[]"
    else:
        yield _text(value, level)


def _text(value: Any, level: int) -> str:
    """What json.dumps(value, ensure_ascii=False, indent=2) writes at `level`, made safe."""
    text = _encode(value, level)
    if level and "\n" in text:  # a raw line break is never inside a string: json escapes it
        text = text.replace("\n", "\n" + "  " * level)
    return _safe(text)


_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def _encode(value: Any, level: int, *, compact: bool = False) -> str:
    try:
        text: str = orjson.dumps(
            value,
            default=_unserializable,
            option=_OPTIONS if compact else _OPTIONS | orjson.OPT_INDENT_2,
        ).decode()
    except TypeError:  # orjson.JSONEncodeError: a value it does not take, json decides
        return _json_dumps(value, compact)
    if _plain_floats(text):
        return text
    return _json_dumps(value, compact)


def _json_dumps(value: Any, compact: bool) -> str:
    value = _finite(value)
    if compact:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value, ensure_ascii=False, indent=2)


def _finite(value: Any) -> Any:
    """`value` with its floats that are not finite as None, as orjson writes them."""
    if isinstance(value, float):
        return value if value - value == 0 else None
    if isinstance(value, dict):
        return {key: _finite(member) for key, member in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(member) for member in value]
    return value


def _plain_floats(text: str) -> bool:
    """No float that orjson spells otherwise than json (repr): under 1e-4, repr writes
    1e-05 where orjson writes 0.00001, and 1e-07 where orjson writes 1e-7. A text that merely
    looks like one (in a name) only sends its batch to json."""
    if "0.0000" in text:
        return False
    at = text.find("e-")
    while at != -1:
        if at and text[at - 1].isdigit() and text[at + 2 : at + 3].isdigit():
            return False
        at = text.find("e-", at + 2)
    return True


def _key(key: Any) -> str:
    """A member's key as json writes it (sort_keys and skipkeys off, as in `dumps`)."""
    return _safe(json.dumps({key: None}, ensure_ascii=False)[1:-7])


def _unserializable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
