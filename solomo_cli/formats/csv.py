"""CSV out and back: the one cell rule (no formula a spreadsheet would run, no escape sequence),
exactly reversible on import."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

from solomo_cli.boundary import clean

# A cell starting with one of these is run by spreadsheets (OWASP "CSV injection"); a leading
# quote is quoted too, so that import removes exactly one quote and gets the original back.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%", "'")


def csv_cell(value: Any, *, lines: bool = False) -> Any:
    """A CSV cell: numbers as they are, lists and objects as compact JSON, text cleaned (the
    user's own notes keep their line breaks with `lines`) and neutralised."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, (dict, list)):
        from solomo_cli.formats.json import dumps

        return dumps(value, compact=True) if value else ""
    # Line by line: a line break is never a formula here, and the text keeps every line.
    text = "\n".join(clean(line) for line in str(value).split("\n")) if lines else clean(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def uncell(text: str) -> str:
    """The inverse of `csv_cell` on text."""
    return text[1:] if text.startswith("'") else text


def write_csv(
    rows: Iterable[dict[str, Any]],
    fields: Sequence[str],
    out: IO[str],
    *,
    lines: Iterable[str] = ("note",),
) -> None:
    """Rows to `out`, one at a time; `lines` are the columns of the user's own words."""
    multiline = set(lines)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    flat = [k for k in fields if k in _FLAT]
    multi = [k in multiline for k in fields]
    for row in rows:
        if flat:
            row = {**row, **{k: _flat(k, row.get(k)) for k in flat}}
        # What csv_cell makes of most cells, said inline (a row is 16 cells or more): nothing
        # for None, a number as it is, a printable text (clean keeps it) that starts no formula.
        writer.writerow(
            [
                ""
                if v is None
                else v
                if (t := type(v)) is int
                or t is float
                or (t is str and v.isprintable() and not v.startswith(FORMULA_START))
                else csv_cell(v, lines=m)
                for v, m in zip(map(row.get, fields), multi, strict=True)
            ]
        )


_FLAT = ("tags", "explain")


def _flat(key: str, value: Any) -> Any:
    """List cells that a spreadsheet user reads: a contact's tags, a score's reasons."""
    if key == "tags" and isinstance(value, list):
        return ", ".join(value)
    if key == "explain" and isinstance(value, list):
        return ", ".join(f"{e['reason']} {e['points']:+g}" for e in value)
    return value
