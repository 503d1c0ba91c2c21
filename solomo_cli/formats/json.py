"""JSON out: one writer for every record, safe to `cat` to a terminal, written row by row."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import IO, Any

# Characters that JSON leaves raw but a terminal may act on (C1 controls, bidi overrides,
# lone surrogates that no encoder takes): written as \u escapes, which every JSON reader turns
# back into the same text. C0 controls (ESC, BEL) are always escaped by `json` itself.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _safe(text: str) -> str:
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps(value: Any, *, compact: bool = False) -> str:
    if compact:
        return _safe(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return "".join(chunks(value))


def write_json(value: Any, out: IO[str]) -> None:
    """`value` as `dumps` writes it, one record at a time: a list, or a dict's member, may be
    any iterable (a generator of records), consumed once and never held whole."""
    for chunk in chunks(value):
        out.write(chunk)


def chunks(value: Any) -> Iterator[str]:
    """The text of `json.dumps(value, ensure_ascii=False, indent=2) + "\\n"`, made safe, in
    pieces: one per record of the outer list (or of a dict member that is a list)."""
    yield from _stream(value, 0)
    yield "\n"


def _lazy(value: Any) -> bool:
    """A list to write item by item: a list or tuple, or any other iterable but text and dicts."""
    return not isinstance(value, (str, bytes, bytearray, dict)) and isinstance(value, Iterable)


def _stream(value: Any, level: int) -> Iterator[str]:
    pad = "\n" + "  " * (level + 1)
    if isinstance(value, dict) and level == 0 and any(map(_lazy, value.values())):
        # An export's wrapper or a FeatureCollection: its members, one of them the records.
        first = True
        for key, member in value.items():
            yield ("{" if first else ",") + pad + _safe(_key(key)) + ": "
            first = False
            yield from _stream(member, level + 1) if _lazy(member) else (_text(member, level + 1),)
        yield ("\n" + "  " * level + "}") if not first else "{}"
    elif _lazy(value) and level <= 1:
        first = True
        for item in value:
            yield ("[" if first else ",") + pad + _text(item, level + 1)
            first = False
        yield ("\n" + "  " * level + "]") if not first else "[]"
    else:
        yield _text(value, level)


def _text(value: Any, level: int) -> str:
    parts: list[str] = []
    _encode(value, level, parts)
    return _safe("".join(parts))


def _float(value: float) -> str:
    # As json's own encoder writes floats (allow_nan, its default).
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    # json's rules for keys that are not text (sort_keys and skipkeys off, as in `dumps`).
    if isinstance(key, str):
        return encode_basestring(key)  # type: ignore[no-any-return]
    if isinstance(key, float):
        text = _float(key)
    elif key is True or key is False or key is None:
        text = json.dumps(key)
    elif isinstance(key, int):
        text = int.__repr__(key)
    else:
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
    return '"' + text + '"'


def _encode(value: Any, level: int, parts: list[str]) -> None:
    """What json's pure-Python encoder writes with indent=2 (the C encoder takes no indent), as
    one list of pieces: without its generators, a record is written twice as fast."""
    if isinstance(value, str):
        parts.append(encode_basestring(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, float):
        parts.append(_float(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            parts.append("[]")
            return
        pad = "\n" + "  " * (level + 1)
        sep = "[" + pad
        for item in value:
            parts.append(sep)
            sep = "," + pad
            _encode(item, level + 1, parts)
        parts.append("\n" + "  " * level + "]")
    elif isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        pad = "\n" + "  " * (level + 1)
        sep = "{" + pad
        for key, item in value.items():
            parts.append(sep + _key(key) + ": ")
            sep = "," + pad
            _encode(item, level + 1, parts)
        parts.append("\n" + "  " * level + "}")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
