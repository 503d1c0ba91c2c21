"""JSON out: one writer for every record, safe to `cat` to a terminal."""

from __future__ import annotations

import json
import re
from typing import IO, Any

# Characters that JSON leaves raw but a terminal may act on (C1 controls, bidi overrides,
# lone surrogates that no encoder takes): written as \u escapes, which every JSON reader turns
# back into the same text. C0 controls (ESC, BEL) are always escaped by `json` itself.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def dumps(value: Any, *, compact: bool = False) -> str:
    if compact:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_json(value: Any, out: IO[str]) -> None:
    out.write(dumps(value))
