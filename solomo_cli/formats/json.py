"""JSON out: one writer for every record, safe to `cat` to a terminal, written row by row."""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, compress
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring,
)
from typing import IO, Any

from solomo_cli.formats.keyed import Keyed

# Characters that JSON leaves raw but a terminal may act on (C1 controls, bidi overrides,
# lone surrogates that no encoder takes): written as \u escapes, which every JSON reader turns
# back into the same text. C0 controls (ESC, BEL) are always escaped by `json` itself.
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
    return _safe(_encode(value, level))


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


def _unserializable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# Values that json's C encoder writes as the indented encoder does (no nested container).
_FLAT = frozenset({str, int, float, bool, type(None)})
_TEXT, _DICT = frozenset({str}), frozenset({dict})
_encoders: list[Callable[[Any, int], list[str]]] = []


def _flat(level: int) -> Callable[[Any, int], list[str]]:
    """json's C encoder for the members of a container at `level` whose members are all flat:
    its item separator carries the indentation that json.dumps(indent=2) puts between them."""
    while len(_encoders) <= level:
        pad = "\n" + "  " * len(_encoders)
        _encoders.append(
            c_make_encoder(
                None,
                _unserializable,
                encode_basestring,
                None,
                ": ",
                "," + pad + "  ",
                False,
                False,
                True,
            )
        )
    return _encoders[level]


def _nested(item: Any) -> bool:
    """A container that json.dumps(indent=2) spreads over lines: what the C encoder cannot
    write at the right indentation."""
    return type(item) not in _FLAT and isinstance(item, (dict, list, tuple)) and bool(item)


_KEYED_MAX = 20_000  # texts kept per level (they are short): beyond, the memo starts again
_keyed_texts: dict[int, dict[Any, str]] = {}  # level -> key -> the text of its item
_text_lists: dict[int, dict[tuple[str, ...], str]] = {}  # level -> a list of texts -> its text


def _keyed(value: Keyed, level: int) -> str:
    """A Keyed list at `level`: its items' texts, each made once per key."""
    inner = level + 1
    texts = _keyed_texts.setdefault(inner, {})
    if len(texts) > _KEYED_MAX:
        texts.clear()
    parts: list[Any] = list(map(texts.get, value.keys))  # type: ignore[arg-type]
    if None in parts:  # keys not met yet in this run
        for i, (key, item) in enumerate(zip(value.keys, value, strict=True)):  # type: ignore[arg-type]
            if parts[i] is None:
                parts[i] = texts[key] = _encode(item, inner)
    pad = "\n" + "  " * inner
    return "[" + pad + ("," + pad).join(parts) + pad[:-2] + "]"


def _encode(value: Any, level: int) -> str:
    """What json.dumps(value, ensure_ascii=False, indent=2) writes at `level`, at C speed (the
    C encoder takes no indent; the pure-Python one is 10 times slower). The C encoder's item
    separator carries the indentation of one level; a raw line break is never inside a string
    (json escapes it), so the text between separators is told apart exactly."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        if _FLAT.issuperset(map(type, value.values())):
            return _wrap(value, level)
        if _TEXT.issuperset(map(type, value)):
            return _mixed_dict(value, level)
        return _runs(list(value.values()), level, list(value))
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        if type(value) is not list and getattr(value, "keys", None) is not None:
            return _keyed(value, level)  # type: ignore[arg-type]
        if _TEXT.issuperset(map(type, value)):  # e.g. a listing's unknowns: few distinct
            texts = _text_lists.setdefault(level, {})
            key = tuple(value)
            text = texts.get(key)
            if text is None:
                if len(texts) >= _KEYED_MAX:
                    texts.clear()
                text = texts[key] = _wrap(value, level)
            return text
        if _FLAT.issuperset(map(type, value)):
            return _wrap(value, level)
        if (
            _DICT.issuperset(map(type, value))
            and all(value)
            and _FLAT.issuperset(map(type, chain.from_iterable(map(dict.values, value))))
        ):
            return _flat_dicts(value, level)
        return _runs(value if isinstance(value, list) else list(value), level, None)
    return "".join(_flat(level)(value, level))


def _wrap(value: Any, level: int) -> str:
    """A non-empty container of flat members: the C encoder's text, broken after its opening
    and before its closing bracket."""
    text = "".join(_flat(level)(value, level))
    pad = "\n" + "  " * (level + 1)
    return text[0] + pad + text[1:-1] + pad[:-2] + text[-1]


def _flat_dicts(value: Sequence[dict[str, Any]], level: int) -> str:
    """A list of non-empty dicts of flat members (a listing's explanation, notes): the C
    encoder at the dicts' level writes their members; only the breaks around and between the
    dicts are put in (a `}` then a raw line break is always the end of one of them)."""
    text = "".join(_flat(level + 1)(value, level + 1))
    outer, inner = "\n" + "  " * (level + 1), "\n" + "  " * (level + 2)
    between = text[2:-2].replace("}," + inner + "{", outer + "}," + outer + "{" + inner)
    return "[" + outer + "{" + inner + between + outer + "}" + outer[:-2] + "]"


def _mixed_dict(value: dict[str, Any], level: int) -> str:
    """A dict with text keys and some nested members: the C encoder writes it with null in
    their place, and each `"key": null` (one per key, after a separator) is replaced by the
    member's own text."""
    # Only the few members of another type are looked at in Python; those empty stay in the
    # C encoder's text ("[]", "{}"), and so does any other value (its error is the encoder's).
    unflat = map(operator.not_, map(_FLAT.__contains__, map(type, value.values())))
    keys = [key for key in compress(value, unflat) if value[key]]
    flat = dict(value)
    for key in keys:
        flat[key] = None
    sep = ",\n" + "  " * (level + 1)
    text = sep + "".join(_flat(level)(flat, level))[1:-1]
    parts: list[str] = []
    at = 0
    for key in keys:
        needle = sep + encode_basestring(key) + ": "
        cut = text.index(needle + "null", at) + len(needle)
        parts.append(text[at:cut])
        parts.append(_encode(value[key], level + 1))
        at = cut + 4
    parts.append(text[at:])
    return "{" + "".join(parts)[1:] + sep[1:-2] + "}"


def _runs(members: list[Any], level: int, keys: list[Any] | None) -> str:
    """Any container with nested members: runs of flat members through the C encoder, and
    the nested ones between them."""
    encode = _flat(level)
    pad = "\n" + "  " * (level + 1)
    parts: list[str] = []
    start = 0
    for i in (*[i for i, item in enumerate(members) if _nested(item)], len(members)):
        if start < i:
            run = (
                members[start:i]
                if keys is None
                else dict(zip(keys[start:i], members[start:i], strict=True))
            )
            parts.append("".join(encode(run, level))[1:-1])
        if i < len(members):
            inner = _encode(members[i], level + 1)
            parts.append(inner if keys is None else _key(keys[i]) + ": " + inner)
        start = i + 1
    opening, closing = ("[", "]") if keys is None else ("{", "}")
    return opening + pad + ("," + pad).join(parts) + pad[:-2] + closing
