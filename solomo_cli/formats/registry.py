"""The one registry of output formats: each format's name, file suffixes, the entities it can
write, and its writer. Every `--format` choice, the format a file name implies, and the
dispatch to a writer come from here; a new format is one writer and one line below.

Entities: `listing` (a `near` answer), `places`, `visits`, `contacts`, `reminders`, `trips`
(lists: exports, `log`, `contact list`, `contact due`, `trip list`), `place` and `contact`
(one: `show`, `contact show`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from pathlib import Path
from typing import IO, Any

from solomo_cli.boundary import quoted
from solomo_cli.errors import Remedy, UsageError

OSM_ATTRIBUTION = "© OpenStreetMap contributors"
GEONAMES_CREDIT = "GeoNames (CC BY 4.0)"  # place names from the embedded gazetteer
OSM_LICENSE = "Data © OpenStreetMap contributors, available under the Open Database License (ODbL)"


class Rows:
    """Records made as they are written (a generator), counted on the way: a writer consumes
    them once, and the command then says how many it wrote."""

    __slots__ = ("_items", "count")

    def __init__(self, items: Iterable[dict[str, Any]]) -> None:
        self._items, self.count = iter(items), 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for item in self._items:
            self.count += 1
            yield item


class Document:
    """What a command hands to a writer: records of one entity (any iterable, consumed once:
    every writer streams them), the CSV columns, and, where the JSON is more than an array of
    the records, the JSON value (its records as the same iterable) and GeoJSON members."""

    __slots__ = ("what", "records", "fields", "value", "head")

    def __init__(
        self,
        what: str,
        records: Iterable[dict[str, Any]],
        fields: Sequence[str] = (),
        *,
        value: Any = None,
        head: dict[str, Any] | None = None,
    ) -> None:
        self.what, self.records, self.fields = what, records, fields
        self.value, self.head = value, head or {"attribution": OSM_LICENSE}

    @property
    def written(self) -> int:
        """How many records there are (for `Rows`: how many a writer has written so far)."""
        records = self.records
        if isinstance(records, Rows):
            return records.count
        return len(records) if isinstance(records, Sized) else 0


def _json(doc: Document, out: IO[str]) -> None:
    from solomo_cli.formats.json import write_json

    write_json(doc.records if doc.value is None else doc.value, out)


def _csv(doc: Document, out: IO[str]) -> None:
    from solomo_cli.formats.csv import write_csv

    write_csv(doc.records, doc.fields, out)


def _geojson(doc: Document, out: IO[str]) -> None:
    from solomo_cli.formats.geojson import write_geojson

    write_geojson(doc.records, doc.head, out)


def _ics(doc: Document, out: IO[str]) -> None:
    from solomo_cli.formats.ics import write_ics

    write_ics(doc.what, doc.records, out)


def _html(doc: Document, out: IO[str]) -> None:
    from solomo_cli.formats.htmlmap import write_html

    write_html(doc, out)


def _vcard(doc: Document, out: IO[str]) -> None:
    from solomo_cli.formats.vcard import write_vcards

    write_vcards(doc.records, out)


class OutputFormat:
    __slots__ = ("name", "suffixes", "writes", "write", "reads")

    def __init__(
        self,
        name: str,
        suffixes: tuple[str, ...],
        writes: frozenset[str],
        write: Callable[[Document, IO[str]], None] | None,
        reads: bool = False,
    ) -> None:
        # write None: drawn by the terminal renderer (the table), not written by formats/.
        self.name, self.suffixes, self.writes, self.write, self.reads = (
            name,
            suffixes,
            writes,
            write,
            reads,
        )


_LISTS = frozenset({"listing", "places", "visits", "contacts", "reminders", "trips"})
FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat(
            "table",
            (".txt",),
            frozenset({"listing", "visits", "contacts", "place", "contact", "reminders", "trips"}),
            None,
        ),
        OutputFormat("json", (".json",), _LISTS | {"place", "contact"}, _json, reads=True),
        OutputFormat("csv", (".csv",), _LISTS, _csv, reads=True),
        OutputFormat(
            "geojson",
            (".geojson",),
            frozenset({"listing", "places", "visits"}),
            _geojson,
            reads=True,
        ),
        OutputFormat("vcard", (".vcf", ".vcard"), frozenset({"contacts"}), _vcard, reads=True),
        OutputFormat("ics", (".ics",), frozenset({"reminders", "trips"}), _ics),
        OutputFormat("html", (".html", ".htm"), frozenset({"listing", "visits"}), _html),
    )
}
EXPORTS = ("places", "visits", "contacts", "reminders", "trips")


def choices(*whats: str, files: bool = False, reads: bool = False) -> list[str]:
    """The formats that can write any of `whats` (`files`: only those formats/ writes;
    `reads`: only those an import reads)."""
    return [
        f.name
        for f in FORMATS.values()
        if (reads and f.reads)
        or (not reads and f.writes & set(whats) and (f.write is not None or not files))
    ]


def by_suffix(path: str | Path | None, *, files: bool = False) -> str | None:
    """The format a file name's suffix names (`files`: only formats that formats/ writes)."""
    suffix = Path(str(path or "")).suffix.lower()
    return next(
        (
            f.name
            for f in FORMATS.values()
            if suffix in f.suffixes and (f.write is not None or not files)
        ),
        None,
    )


def pick(
    what: str,
    fmt: str | None,
    path: str | Path | None,
    default: str | None = None,
    *,
    files: bool = False,
) -> str:
    """The format asked, else the one the file's suffix names, else `default`; checked to be
    one that can write `what` (`files`: one that formats/ writes, not the terminal table)."""
    names = choices(what, files=files)
    chosen = fmt or by_suffix(path, files=files) or default
    if chosen is None:
        suffixes = [s for f in FORMATS.values() if f.name in names for s in f.suffixes[:1]]
        raise UsageError(
            f"cannot tell the format from {quoted(str(path))}",
            hint=f"name the file {', '.join(suffixes)} ({', '.join(names)})",
            remedies=[Remedy.FORMAT],
        )
    if chosen not in names:
        raise UsageError(
            f"{what} cannot be written as {chosen}", hint=f"choose among {', '.join(names)}"
        )
    return chosen


def write(doc: Document, fmt: str, out: IO[str]) -> None:
    """Write `doc` as `fmt` (one `pick` gave) to `out`."""
    writer = FORMATS[fmt].write
    if writer is None or doc.what not in FORMATS[fmt].writes:
        raise UsageError(f"{doc.what} cannot be written as {fmt}")
    writer(doc, out)


def render(doc: Document, fmt: str) -> str:
    import io

    out = io.StringIO()
    write(doc, fmt, out)
    return out.getvalue()
