"""Scale on the user-data side: the writers stream (byte for byte what the whole-document
writers wrote), `log` and `contact list` show a screenful with "N more", long tables render in
linear time and look as Rich draws them, exports group visits and notes once, and no query
binds one parameter per row."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

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

# -- the streaming writers against the whole-document ones ----------------------------------


def reference_dumps(value: Any) -> str:
    """Today's writer, kept as the reference: the whole document in one json.dumps."""
    text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def reference(doc_what: str, records: list[dict[str, Any]], fmt: str, **parts: Any) -> str:
    value, head = parts.get("value"), parts.get("head") or {"attribution": registry.OSM_LICENSE}
    if fmt == "json":
        return reference_dumps(records if value is None else value)
    if fmt == "geojson":
        features = [feature(r) for r in records]
        return reference_dumps({"type": "FeatureCollection", **head, "features": features})
    from solomo_cli.formats.csv import write_csv

    out = io.StringIO()
    write_csv(list(records), parts["fields"], out)
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
    # Each record is written as it comes: the writer has written record n before it asks for n+1.
    from solomo_cli.formats.json import write_json

    out = io.StringIO()
    seen: list[int] = []

    def rows() -> Iterator[dict[str, Any]]:
        for n in range(5):
            seen.append(len(out.getvalue()))
            yield {"n": n}

    write_json(rows(), out)
    assert seen[0] == 0 and all(a < b for a, b in zip(seen, seen[1:], strict=False))
    assert json.loads(out.getvalue()) == [{"n": n} for n in range(5)]
