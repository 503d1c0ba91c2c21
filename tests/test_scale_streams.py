"""Scale on the user-data side: the writers stream (byte for byte what the whole-document
writers wrote), `log` and `contact list` show a screenful with "N more", long tables render in
linear time and look as Rich draws them, exports group visits and notes once, and no query
binds one parameter per row."""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from clitools import invoke
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from solomo_cli.config import get_paths
from solomo_cli.formats import registry
from solomo_cli.formats.geojson import feature
from solomo_cli.formats.json import _JSON_UNSAFE, dumps
from solomo_cli.formats.records import (
    CONTACT_FIELDS,
    LISTING_FIELDS,
    PLACE_FIELDS,
    VISIT_FIELDS,
)
from solomo_cli.formats.registry import Document, Rows
from solomo_cli.mydata.store import UserData

# -- the streaming writers against the whole-document ones ----------------------------------


def finite(value: Any) -> Any:
    """`value` with NaN and the infinities as null: JSON has no other way to write them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def reference_dumps(value: Any) -> str:
    """Today's writer, kept as the reference: the whole document in one json.dumps (NaN and
    the infinities written as null, as JSON has them)."""
    text = json.dumps(finite(value), ensure_ascii=False, indent=2) + "\n"
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def reference(doc_what: str, records: list[dict[str, Any]], fmt: str, **parts: Any) -> str:
    value, head = parts.get("value"), parts.get("head") or {"attribution": registry.OSM_LICENSE}
    if fmt == "json":
        return reference_dumps(records if value is None else value)
    if fmt == "geojson":
        features = [feature(r) for r in records]
        return reference_dumps({"type": "FeatureCollection", **head, "features": features})
    return reference_csv(records, parts["fields"])


def reference_csv(records: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    """Today's CSV writer, kept as the reference: the csv module's writer, cell by cell."""
    from solomo_cli.formats.csv import _FLAT, _flat, csv_cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for row in records:
        row = {**row, **{k: _flat(k, row.get(k)) for k in fields if k in _FLAT}}
        writer.writerow([csv_cell(row.get(k), lines=k == "note") for k in fields])
    return out.getvalue()


HOSTILE = st.sampled_from(
    [
        "\x85",
        "\x9b",
        "\x7f",
        "\u2028",
        "\u2029",
        "\u202e",
        "\u2066",
        "\ud800",
        "\udfff",
        "\x1b",
        "\n",
        '"',
        "\\",
        "é",
        "𝄞",
        "=1+1",
        "\t",
        "",
    ]
)
TEXT = st.lists(st.one_of(HOSTILE, st.text(max_size=5)), max_size=4).map("".join)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=12,
)


# The fields whose shape the CSV writer relies on (a contact's tags, a score's reasons).
SHAPED = {
    "id": TEXT,
    "lat": st.floats(-90, 90),
    "lon": st.floats(-180, 180),
    "tags": st.one_of(st.lists(TEXT, max_size=3), st.dictionaries(TEXT, TEXT, max_size=3)),
    "explain": st.lists(
        st.fixed_dictionaries({"reason": TEXT, "points": st.floats(-10, 10)}), max_size=3
    ),
}


def records_for(fields: tuple[str, ...]) -> st.SearchStrategy[list[dict[str, Any]]]:
    record = st.fixed_dictionaries(
        {name: SHAPED.get(name, VALUE) for name in fields} | {"id": TEXT},
        optional={"extra": VALUE},
    )
    return st.lists(record, max_size=4)


ENTITIES = {
    "listing": LISTING_FIELDS,
    "places": PLACE_FIELDS,
    "visits": VISIT_FIELDS,
    "contacts": CONTACT_FIELDS,
}


def stream(records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield from records  # a generator: the writers must not need a list


@pytest.mark.parametrize("fmt", ["json", "csv", "geojson"])
@pytest.mark.parametrize("what", sorted(ENTITIES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_streaming_writers_write_what_the_whole_document_did(
    what: str, fmt: str, data: st.DataObject
) -> None:
    if fmt == "geojson" and what == "contacts":
        return
    fields = ENTITIES[what]
    records = data.draw(records_for(fields))
    wrap = data.draw(st.booleans())
    if wrap:  # an export file: the wrapper, its GeoJSON head, the records as one generator
        rows = Rows(stream(records))
        value = {
            "solomo_export": what,
            "version": 1,
            "exported_at": "2026-12-01T00:00:00Z",
            "attribution": registry.OSM_LICENSE,
            what: rows,
        }
        head = {"solomo_export": what, "version": 1, "attribution": registry.OSM_LICENSE}
        doc = Document(what, rows, fields, value=value, head=head)
        expected = reference(
            what, records, fmt, fields=fields, head=head, value={**value, what: records}
        )
    else:
        doc = Document(what, stream(records), fields)
        expected = reference(what, records, fmt, fields=fields)
    assert registry.render(doc, fmt) == expected
    if wrap:
        assert doc.written == len(records)


CSV_TEXT = st.one_of(TEXT, st.sampled_from([",", '"', "a,b", 'say "hi"', "\r", "a\nb", " x "]))
CSV_VALUE = st.one_of(SCALAR, CSV_TEXT, VALUE)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    fields=st.lists(st.sampled_from(["a", "note", "b", "c"]), min_size=1, max_size=4, unique=True),
    pool=st.lists(CSV_VALUE, min_size=1, max_size=6),
    data=st.data(),
)
def test_the_csv_writer_writes_what_the_csv_module_wrote(
    fields: list[str], pool: list[Any], data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Values drawn from a small pool, so that rows repeat cells (each made once), and a pool
    # of made cells so small that it is emptied on the way (the same patch for every input).
    from solomo_cli.formats import csv as csv_format

    monkeypatch.setattr(csv_format, "_KNOWN", 3)
    monkeypatch.setattr(csv_format, "_ROWS", 2)
    value = st.sampled_from(pool)
    rows = data.draw(
        st.lists(st.dictionaries(st.sampled_from(fields), value, max_size=len(fields)), max_size=8)
    )
    out = io.StringIO()
    csv_format.write_csv(stream(rows), fields, out)
    assert out.getvalue() == reference_csv(rows, tuple(fields))
    assert [r for r in csv.reader(io.StringIO(out.getvalue()))][0] == fields


FORMULA_START_CASES = ["=1", "+1", "-1", "@x", "\tx", "\rx", "\nx", "|x", "%x", "'x"]

# Columns over several batches of two rows, with a pool of three made cells: what one batch
# kept is looked up in the next (a float's text, a text that is its own cell), and emptied.
_BATCHED_COLUMNS = {
    "repeated floats": [45.75, 45.75, 4.83, 45.75, 4.83, 4.83, 7.1, 7.2, 7.3, 45.75],
    "a zero then its negative": [0.0, 0.0, -0.0, -0.0, 0.0, -0.0, 1.0, -0.0],
    "not a number": [float("nan"), float("nan"), 1.5, float("nan"), float("inf"), 1.5],
    "floats, then whole numbers": [1.0, 1.0, 1, 1, 1.0, 2, 2.0, 2.0],
    "floats, then texts": [1.0, 2.0, "1.0", "2.0", 1.0, 2.0],
    "texts, then a formula among them": ["a", "b", "=x", "a", "c", "=x", "b", "-1"],
    "texts, then one to quote": ["a", "b", "a,b", "c", 'q"q', "a", "d", "e"],
    "texts, then one not printable": ["a", "b", "c\x1bd", "a", "e\nf", "b"],
    "more texts than the pool keeps": [f"t{n}" for n in range(9)] + ["t0", "t8", "t4"],
    "texts, empty cells and empty texts": ["a", None, "", "a", None, "", "b", ""],
}


@pytest.mark.parametrize("case", sorted(_BATCHED_COLUMNS))
def test_columns_over_many_batches_are_written_as_the_csv_module_writes_them(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from solomo_cli.formats import csv as csv_format

    monkeypatch.setattr(csv_format, "_KNOWN", 3)
    monkeypatch.setattr(csv_format, "_ROWS", 2)
    column = _BATCHED_COLUMNS[case]
    rows = [{"a": value, "note": value, "b": f"id-{n}"} for n, value in enumerate(column)]
    out = io.StringIO()
    csv_format.write_csv(stream(rows), ("a", "note", "b"), out)
    assert out.getvalue() == reference_csv(rows, ("a", "note", "b"))


_COLUMN_CASES = {
    "texts as they are": ["Café Léa", "2026-01-02", "node/1", "", "Ünïcode ✓"],
    "texts and empty cells": ["Le Bar", None, "Le Bar", None],
    "a comma": ["Le Bar", "12 rue X, Lyon"],
    "a quote": ["Le Bar", 'the "best"'],
    "a formula": ["Le Bar", "=cmd|' /C calc'!A0"],
    "each formula start": ["ok", *FORMULA_START_CASES],
    "an escape sequence": ["ok", "\x1b[31mred"],
    "a line break": ["ok", "two\nlines"],
    "a C1 control": ["ok", "a\x85b"],
    "whole numbers and empty cells": [4, None, 5, None],
    "floats and empty cells": [45.7578137, None, -0.0],
    "whole numbers and floats": [1, 1.0, 2],
    "booleans and whole numbers": [True, 1, False, 0],
    "booleans and empty cells": [True, None],
    "texts and numbers": ["1", 1, None, "x"],
    "lists and texts": [["a", "b"], "a, b", []],
}


@pytest.mark.parametrize("case", sorted(_COLUMN_CASES))
@pytest.mark.parametrize("other", ["same", "ids"])
def test_each_kind_of_column_is_written_as_the_csv_module_writes_it(case: str, other: str) -> None:
    """A column of one batch goes the way its values allow (numbers in one pass, cells met
    before looked up, the others made one by one): each way writes the csv module's bytes."""
    from solomo_cli.formats.csv import write_csv

    column = _COLUMN_CASES[case]
    rows = [
        {"a": value, "note": value, "b": value if other == "same" else f"id-{n}"}
        for n, value in enumerate(column)
    ]
    out = io.StringIO()
    write_csv(stream(rows), ("a", "note", "b"), out)
    assert out.getvalue() == reference_csv(rows, ("a", "note", "b"))


@settings(max_examples=300, deadline=None)
@given(VALUE)
@example([])
@example({})
@example({"a": [], "b": {}, "c": [[]], "d": [{}]})
@example({"records": []})
@example([float("nan"), float("inf"), -0.0, 1e300, 2**64])
@example({1: "int key", 2.5: "float key", False: "f", None: "n"})
def test_dumps_is_json_dumps_indented_and_made_safe(value: Any) -> None:
    assert dumps(value) == reference_dumps(value)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.dictionaries(TEXT, VALUE, max_size=4), max_size=5),
    st.dictionaries(TEXT, VALUE, max_size=3),
)
def test_a_generator_anywhere_in_a_wrapper_writes_as_its_list(
    records: list[dict[str, Any]], head: dict[str, Any]
) -> None:
    out = io.StringIO()
    from solomo_cli.formats.json import write_json

    write_json({**head, "rows": stream(records)}, out)
    assert out.getvalue() == reference_dumps({**head, "rows": records})


def test_the_json_writer_never_holds_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    # Records are written a batch at a time: the writer has written batch n before it asks
    # for the first record of batch n+1.
    from solomo_cli.formats import json as json_writer

    monkeypatch.setattr(json_writer, "BATCH", 2)
    out = io.StringIO()
    seen: list[int] = []

    def rows() -> Iterator[dict[str, Any]]:
        for n in range(7):
            seen.append(len(out.getvalue()))
            yield {"n": n}

    json_writer.write_json(rows(), out)
    assert seen[0] == seen[1] == 0
    assert all(seen[n] < seen[n + 2] for n in range(0, 5, 2))
    assert all(seen[n] == seen[n + 1] for n in range(0, 5, 2))
    assert json.loads(out.getvalue()) == [{"n": n} for n in range(7)]


# -- user data at scale: a real user-data file filled with plain SQL --------------------------


def seed(user: UserData, places: int, visits: int, contacts: int, notes: int = 0) -> None:
    """A user-data file made by UserData's migrations, filled in one transaction."""
    with user.write() as conn:
        for i in range(places):
            tags = json.dumps({"name": f"Place {i:05d}", "addr:city": "Lyon"})
            conn.execute(
                "INSERT INTO places VALUES (?, ?, 'coworking', 45.75, ?, ?, '2026-01-01T00:00:00Z')",
                (f"node/{i + 1}", f"Place {i:05d}", 4.8 + i * 1e-5, tags),
            )
        for i in range(visits):
            day = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
            conn.execute(
                "INSERT INTO visits (uid, place_id, day, rating, note, cost, currency, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    f"v{i}",
                    f"node/{1 + i % places}",
                    day,
                    1 + i % 5 if i % 3 else None,
                    "quiet" if i % 2 else None,
                    "20.50" if i % 4 == 0 else None,
                    "EUR" if i % 8 == 0 else None,
                    day + "T09:00:00Z",
                ),
            )
        for i in range(notes):
            conn.execute(
                "INSERT INTO place_notes (uid, place_id, created_at, text) VALUES (?, ?, ?, ?)",
                (f"n{i}", f"node/{1 + i % places}", f"2026-01-{1 + i % 28:02d}T00:00:00Z", f"n{i}"),
            )
        for i in range(contacts):
            name = f"Person {i:05d}"
            cur = conn.execute(
                "INSERT INTO contacts (uid, name, name_key, org, email, phone, note, created_at,"
                " updated_at) VALUES (?, ?, ?, 'Org', NULL, NULL, NULL, ?, ?)",
                (f"c{i}", name, name.lower(), "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
            )
            conn.execute(
                "INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)", (cur.lastrowid, "ux")
            )
            conn.execute(
                "INSERT INTO encounters (uid, contact_id, place_id, day, note, created_at)"
                " VALUES (?, ?, ?, '2026-03-01', NULL, '2026-03-01T00:00:00Z')",
                (f"e{i}", cur.lastrowid, f"node/{1 + i % places}"),
            )


@pytest.fixture
def filled() -> UserData:
    user = UserData(get_paths().user_db)
    seed(user, places=1_100, visits=1_500, contacts=1_050, notes=1_020)
    user.close()
    return user


@pytest.fixture
def few_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection solomo opens allows 999 variables (SQLite's default before 3.32)."""
    from solomo_cli import db

    real = db.connect

    def connect(path: Path, **options: Any) -> sqlite3.Connection:
        conn = real(path, **options)
        conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        return conn

    monkeypatch.setattr(db, "connect", connect)


@pytest.mark.parametrize(
    ("args", "rows"),
    [
        (["log", "-n", "0", "--format", "csv"], 1_500),
        (["log", "--format", "json"], 1_500),
        (["contact", "list", "--format", "csv"], 1_050),
        (["contact", "list", "--tag", "UX", "--format", "csv"], 1_050),
        (["contact", "list", "--near", "45.75,4.8", "-r", "50km", "--format", "csv"], 1_050),
        (["export", "places", "-", "--format", "csv"], 1_100),
        (["export", "visits", "-", "--format", "csv"], 1_500),
        (["export", "contacts", "-", "--format", "csv"], 1_050),
    ],
)
def test_no_query_binds_a_parameter_per_row(
    filled: UserData, few_variables: None, args: list[str], rows: int
) -> None:
    result = invoke(args)
    assert result.exit_code == 0, result.stderr
    if "json" in args:
        assert len(json.loads(result.stdout)["visits"]) == rows
    else:
        assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == rows


def test_the_variable_limit_is_really_lowered(filled: UserData, few_variables: None) -> None:
    from solomo_cli import db

    conn = db.connect(get_paths().user_db)
    with pytest.raises(sqlite3.OperationalError, match="too many SQL variables"):
        conn.execute(f"SELECT 1 WHERE 1 IN ({','.join('?' * 1000)})", list(range(1000)))
    conn.close()


def test_log_shows_the_first_visits_and_says_how_many_more(filled: UserData) -> None:
    result = invoke(["log", "-n", "5"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    more = [line for line in lines if line.endswith("more; use --limit to see them.")]
    # The visits, the places and the months: each table its first 5 rows and a line for the rest.
    assert more == [
        "1495 more; use --limit to see them.",
        "1095 more; use --limit to see them.",
        "7 more; use --limit to see them.",
    ]
    # The totals stay totals over every visit matched.
    assert (
        "Total: 84 days worked, 1500 visits, cost 3854.00 EUR, 3833.50 (no currency)"
        in result.stdout
    )


def test_log_limit_reads_only_the_rows_shown(filled: UserData) -> None:
    user = UserData(get_paths().user_db)
    statements: list[str] = []
    user.conn.set_trace_callback(statements.append)
    shown = user.visits(limit=3)
    assert [v.uid for v in shown] == [v.uid for v in user.visits()[:3]]
    assert any("LIMIT 3" in s for s in statements)
    user.close()


def test_streamed_visits_are_every_visit_newest_first_with_a_bigger_page_cache(
    filled: UserData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from solomo_cli.mydata import visits as visits_part

    monkeypatch.setattr(visits_part, "PAGE", 7)  # many pages: each one after the last row
    user = UserData(get_paths().user_db)
    assert user.conn.execute("PRAGMA cache_size").fetchone()[0] == -2000  # SQLite's default
    streamed = [v.uid for v in user.iter_visits()]
    assert streamed == [v.uid for v in user.visits()]
    assert len(streamed) == 1_500
    size = -visits_part.STREAM_CACHE_KB
    assert user.conn.execute("PRAGMA cache_size").fetchone()[0] == size
    user.close()


def test_streaming_visits_from_no_file_creates_none(tmp_path: Path) -> None:
    user = UserData(tmp_path / "none.db")
    assert list(user.iter_visits()) == []
    assert not (tmp_path / "none.db").exists()


def test_log_totals_in_sql_are_the_totals_of_every_visit(filled: UserData) -> None:
    user = UserData(get_paths().user_db)
    visits = user.visits()
    t = user.totals()
    assert (t.days, t.visits) == (len({v.day for v in visits}), len(visits))
    expected: dict[str, Decimal] = {}
    for v in visits:
        if v.cost is not None:
            expected[v.currency or ""] = expected.get(v.currency or "", Decimal(0)) + Decimal(
                v.cost
            )
    assert t.cost == expected
    top = user.totals(top=4)
    assert top.by_place == t.by_place[:4] and top.by_month == t.by_month[:4]
    assert (top.places, top.months, top.days, top.cost) == (1_100, 12, t.days, t.cost)
    user.close()


def test_contact_list_limit_says_how_many_more(filled: UserData) -> None:
    result = invoke(["contact", "list", "-n", "3"])
    assert result.exit_code == 0, result.stderr
    assert "Person 00000" in result.stdout and "Person 00003" not in result.stdout
    assert result.stdout.rstrip().endswith("1047 more; use --limit to see them.")
    stale = invoke(["contact", "list", "--stale", "30d", "-n", "2"])
    assert stale.stdout.rstrip().endswith("1048 more; use --limit to see them.")


def test_a_pipe_or_a_file_format_gets_everything(filled: UserData) -> None:
    assert "more;" not in invoke(["log"]).stdout
    assert len(json.loads(invoke(["contact", "list", "-f", "json"]).stdout)) == 1_050


def test_a_terminal_gets_a_screenful(filled: UserData) -> None:
    from test_pty import on_a_terminal  # a 40-line pty

    status, shown, _ = on_a_terminal("log", timeout=120)
    assert status == 0
    assert f"{1_500 - 32} more; use --limit to see them." in shown
    status, shown, _ = on_a_terminal("contact", "list", timeout=120)
    assert status == 0 and f"{1_050 - 18} more; use --limit to see them." in shown


def test_export_places_groups_the_visits_and_notes_of_each_place(filled: UserData) -> None:
    from solomo_cli.formats.records import export_document, place_record

    user = UserData(get_paths().user_db)
    visits, notes = user.visits(), user.notes()
    doc = export_document(user, "places")
    records = list(doc.records)
    assert doc.written == len(records) == 1_100
    for p, record in zip(user.places()[:50], records[:50], strict=True):
        expected = place_record(
            p,
            seen_at=user.seen_at(p.id) or None,
            visits=[v for v in visits if v.place.id == p.id],
            notes=[n for n in notes if n.place_id == p.id],
        )
        assert record == expected
    user.close()


# -- long tables: Rich's drawing, in linear time ---------------------------------------------


def draw(renderables: list[Any], width: int, terminal: bool, long_from: int) -> str:
    from rich.console import Console

    from solomo_cli.render import table

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=terminal,
        color_system="truecolor" if terminal else None,
        highlight=False,
        markup=False,
        emoji=False,
    )
    saved, table.LONG = table.LONG, long_from
    try:
        for renderable in renderables:
            console.print(renderable)
    finally:
        table.LONG = saved
    return buffer.getvalue()


@pytest.mark.parametrize("width", [24, 60, 80, 132])
@pytest.mark.parametrize("terminal", [False, True])
def test_a_long_log_is_drawn_as_rich_draws_it(filled: UserData, width: int, terminal: bool) -> None:
    from solomo_cli.render import mydata as views

    user = UserData(get_paths().user_db)
    view = views.log_view(user.visits(limit=400), user.totals(top=400), None, None)
    contacts = views.contacts_view(user.contacts()[:300], None, None, None)
    user.close()
    for renderables in (view, contacts):
        assert draw(renderables, width, terminal, 1) == draw(renderables, width, terminal, 10**9)


WIDE = st.sampled_from(
    [
        "界",
        "😀",
        "é",
        "e\u0301",
        " ",
        "  ",
        "x" * 30,
        "a b c",
        "—",
        "★",
        "🇫🇷",
        "का",
        "각",
        "★\ufe0f",
    ]
)
CELL = st.lists(st.one_of(WIDE, HOSTILE, st.text(max_size=6)), max_size=5).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(CELL, CELL, CELL, st.integers(1, 5)), min_size=1, max_size=12),
    width=st.integers(8, 140),
    terminal=st.booleans(),
)
def test_any_house_table_is_drawn_as_rich_draws_it(
    rows: list[tuple[str, str, str, int]], width: int, terminal: bool
) -> None:
    from rich.table import Column
    from rich.text import Text

    from solomo_cli.render.table import add_house_row, house_table

    grid = house_table(
        Text("Title that may wrap when narrow"),
        Column("ID", justify="right", no_wrap=True),
        Column("Name", overflow="fold"),
        Column("Stars", justify="center"),
        Column("Note", overflow="fold"),
    )
    for n, (name, note, other, stars) in enumerate(rows):
        add_house_row(
            grid,
            Text(str(n * 997)),
            Text(name, style="bold"),
            Text("★" * stars, style="magenta"),
            Text.assemble((note, "cyan"), " ", other),
        )
    assert draw([grid], width, terminal, 1) == draw([grid], width, terminal, 10**9)


@settings(max_examples=300, deadline=None)
@given(
    plains=st.sets(
        st.one_of(CELL, st.sampled_from(["", " ", "\n", "a b\ncd", "x" * 40])), max_size=6
    ),
    whole_lines=st.booleans(),
)
def test_the_widest_of_many_texts_is_the_widest_of_each(
    plains: set[str], whole_lines: bool
) -> None:
    # What fitting a column needs, said of all its texts at once where they are printable
    # ASCII, is what measuring each of them says.
    from solomo_cli.render.table import _measure, _widest

    sizes = [_measure(p) for p in plains]
    expected = (
        max([high if whole_lines else low for low, high in sizes], default=0),
        max([high for _, high in sizes], default=0),
    )
    assert _widest(plains, whole_lines, {}) == expected


NARROW_LINE = st.lists(
    st.one_of(
        st.sampled_from([" ", "  ", "-", "x" * 25, "a,", "Rue", "68301", "\n", " · ", "\xa0"]),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12),
        st.sampled_from(["é", "ß", "—", "★", "界", "e\u0301", "😀", "\u2009", "\x1b"]),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    plain=NARROW_LINE,
    width=st.integers(1, 40),
    spaced=st.booleans(),
    justify=st.sampled_from([None, "default", "left"]),
    overflow=st.sampled_from([None, "fold", "crop", "ellipsis"]),
    no_wrap=st.sampled_from([None, False, True]),
)
def test_a_cell_of_narrow_letters_is_wrapped_as_rich_wraps_it(
    plain: str, width: int, spaced: bool, justify: Any, overflow: Any, no_wrap: Any
) -> None:
    # On a pipe, a cell of printable narrow letters is drawn as lines of text without Rich's
    # rendering: what it draws is what Rich draws, line for line, wrapped or not.
    from rich.console import Console
    from rich.text import Text

    from solomo_cli.render.table import _narrow, _narrow_lines, _Spaced

    console = Console(file=io.StringIO(), width=80, color_system=None)
    text = Text(plain, justify=justify, overflow=overflow, no_wrap=no_wrap)
    cell = _Spaced(text) if spaced else text
    options = console.options.update(width=width, height=None)
    drawn = _narrow_lines(cell, text, options)
    if drawn is None:  # not said as text: drawn by Rich
        assert not (
            (width >= 2 or not spaced)
            and overflow in (None, "fold")
            and not no_wrap
            and all(map(_narrow, plain.split("\n")))
        )
        return
    rich_lines = ["".join(s.text for s in line) for line in console.render_lines(cell, options)]
    assert drawn == rich_lines
