"""CSV out and back: the one cell rule (no formula a spreadsheet would run, no escape sequence),
exactly reversible on import."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import IO, Any, cast

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
    """Rows to `out`, a batch at a time; `lines` are the columns of the user's own words.

    What the csv module writes, byte for byte (a property test compares the two): its C writer
    spends most of the time of a long export looking at each character of each cell, again for
    every row with the same place. Here each distinct text of a column is made into its cell
    once (cleaned, neutralised, quoted), and a row is the join of its cells."""
    multiline = set(lines)
    chunk: list[str] = []
    writer = csv.writer(_Chunk(chunk), lineterminator="\n")
    writer.writerow(fields)
    if len(fields) < 2:  # csv quotes a row of one empty cell: written by the csv module
        for row in rows:
            writer.writerow([csv_cell(_flat(k, row.get(k)), lines=k in multiline) for k in fields])
            _flush(chunk, out)
        _flush(chunk, out, 0)
        return
    flat = [k for k in fields if k in _FLAT]
    get = itemgetter(*fields)
    columns = [_Cells(k in multiline) for k in fields]
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        if flat:
            row = {**row, **{k: _flat(k, row.get(k)) for k in flat}}
        try:
            batch.append(get(row))
        except KeyError:  # a record without some field: empty there
            batch.append(tuple(map(row.get, fields)))
        if len(batch) >= _ROWS:
            chunk.append(_lines(batch, columns))
            batch.clear()
            _flush(chunk, out, 1)
    if batch:
        chunk.append(_lines(batch, columns))
    _flush(chunk, out, 0)


def _lines(batch: list[tuple[Any, ...]], columns: list[_Cells]) -> str:
    """The lines of a batch of rows, made a column at a time: a column of whole numbers is
    written in one pass of C, and a column's floats or texts already met (and its empty cells)
    are looked up in one. Of the texts not met yet, those that are their own cell (printable,
    no formula, nothing to quote: nearly all) are found so in one pass of C over them all; only
    the others are made one by one."""
    made: list[list[str]] = []
    for values, known in zip(zip(*batch, strict=True), columns, strict=True):
        types = set(map(type, values))
        if types == _INT:
            made.append(list(map(repr, values)))  # what the csv module writes: repr, = str
            continue
        if types == _FLOAT:
            made.append(known.floats(values))
            continue
        try:
            found: list[str | None] = list(map(known.get, values))
        except TypeError:  # a value that cannot be a key (a list, an object): made one by one
            found = [None] * len(values)
        if None not in found:
            made.append(cast(list[str], found))  # no None in it: all cells
        elif types <= _TEXT_OR_NONE and (cells := known.as_they_are(found, values)):
            made.append(cells)
        else:
            made.append(
                [known.cell(v) if c is None else c for c, v in zip(found, values, strict=True)]
            )
    return "\n".join(map(",".join, zip(*made, strict=True))) + "\n"


_INT = frozenset({int})
_FLOAT = frozenset({float})
_TEXT_OR_NONE = frozenset({str, type(None)})  # None is always found: the empty cell
_ROWS = 512  # rows written at a time: one write for many (stdout may be unbuffered)
_KNOWN = 4_096  # distinct texts kept per column (bounded: memory stays flat)
_QUOTE = re.compile('[,"\r\n]')  # what makes the csv module quote a cell (a comma, a quote, a line)


def _quoted(text: str) -> str:
    """A text as the csv module writes it (QUOTE_MINIMAL, the default dialect)."""
    if _QUOTE.search(text) is None:
        return text
    return '"' + text.replace('"', '""') + '"'


class _Cells(dict[Any, str]):
    """The cells made of the texts of one column: each text cleaned, neutralised and quoted
    once. None, the empty cell, is always there."""

    __slots__ = ("lines", "memo")

    def __init__(self, lines: bool) -> None:
        super().__init__({None: ""})
        self.lines = lines
        self.memo: dict[float, str] = {}  # a column of floats: each one's cell

    def cell(self, value: Any) -> str:
        """The cell of a value not looked up: a text not met yet, a number, anything else."""
        t = type(value)
        if t is str:
            return self.get(value) or self.make(value)
        if value is None:
            return ""
        if t is float:
            return repr(value)  # what the csv module writes of a float: str() is repr()
        if t is int:
            return str(value)
        return _quoted(str(csv_cell(value, lines=self.lines)))

    def floats(self, values: Sequence[float]) -> list[str]:
        """The cells of a column of floats, repr's (what the csv module writes), each value's
        made once: most repeat (a place's coordinates, on each of its visits). A zero is not
        kept (0.0 and -0.0 are one key, with two texts)."""
        memo = self.memo
        found: list[str | None] = list(map(memo.get, values))
        if None not in found:
            return cast(list[str], found)
        cells = []
        for cell, value in zip(found, values, strict=True):
            if cell is None:
                cell = repr(value)
                if value:
                    if len(memo) >= _KNOWN:
                        memo.clear()
                    memo[value] = cell
            cells.append(cell)
        return cells

    def as_they_are(self, found: list[str | None], values: Sequence[str | None]) -> list[str]:
        """The cells of these texts, those not `found` each its own cell, all kept: when every
        such text is printable, starts no formula and has nothing the csv module quotes (said
        of them all at once, in C). Else [] (they are made one by one)."""
        missing = cast(list[str], [v for c, v in zip(found, values, strict=True) if c is None])
        joined = "".join(missing)
        if not (
            joined.isprintable()
            and _QUOTE.search(joined) is None
            and not any(map(str.startswith, missing, repeat(FORMULA_START)))
        ):
            return []
        if len(self) + len(missing) > _KNOWN:
            self.clear()
            self[None] = ""
        self.update(zip(missing, missing, strict=True))
        cells = iter(missing)
        return [next(cells) if c is None else c for c in found]  # type: ignore[misc]

    def make(self, value: str) -> str:
        # What csv_cell makes of most texts, said inline: a printable text that starts no
        # formula is kept as it is.
        if value.isprintable() and not value.startswith(FORMULA_START):
            cell = _quoted(value)
        else:
            cell = _quoted(str(csv_cell(value, lines=self.lines)))
        if len(self) >= _KNOWN:
            self.clear()
            self[None] = ""
        self[value] = cell
        return cell


class _Chunk:
    """Where the csv module writes: the chunk of lines that `_flush` writes out."""

    __slots__ = ("write",)

    def __init__(self, chunk: list[str]) -> None:
        self.write = chunk.append


def _flush(chunk: list[str], out: IO[str], at_least: int = _ROWS) -> None:
    if chunk and len(chunk) >= at_least:
        out.write("".join(chunk))
        chunk.clear()


_FLAT = ("tags", "explain")


def _flat(key: str, value: Any) -> Any:
    """List cells that a spreadsheet user reads: a contact's tags, a score's reasons."""
    if key == "tags" and isinstance(value, list):
        return ", ".join(value)
    if key == "explain" and isinstance(value, list):
        return ", ".join(f"{e['reason']} {e['points']:+g}" for e in value)
    return value
