"""Imports are the trust boundary for files: every solomo export format and Google's Saved
Places, with hostile values and broken structures. An import ends with exit 0 or 2 (never 1),
a refused one leaves the user-data file as it was, and nothing printed carries a terminal
control (ESC, BEL, C1, bidi)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from clitools import assert_one_error, coworking, invoke, seed_listing, solomo_command
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from solomo_cli.config import get_paths
from solomo_cli.formats import imports
from solomo_cli.formats.records import CONTACT_FIELDS, PLACE_FIELDS, VISIT_FIELDS

SMOOTH = coworking("node/1", "Smooth", 45.75, 4.85)
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
TABLES = ("places", "visits", "place_notes", "contacts", "contact_tags", "encounters")


def snapshot() -> dict[str, list[Any]]:
    """Every row of the user-data file (empty when there is none yet)."""
    db = get_paths().user_db
    if not db.exists():
        return dict.fromkeys(TABLES, [])
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}
    finally:
        conn.close()


def assert_clean(*texts: str) -> None:
    for text in texts:
        found = UNSAFE.search(text)
        assert found is None, (found, text[:400])


def run_import(path: Path) -> int:
    """Import `path`: exit 0 or 2, clean output, and a refusal changes nothing."""
    before = snapshot()
    result = invoke(["import", str(path)])
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr, result.exception)
    assert_clean(result.stdout, result.stderr)
    if result.exit_code == 2:
        assert_one_error(result.stderr)
        assert snapshot() == before
    return result.exit_code


def seed() -> None:
    seed_listing([SMOOTH])
    assert invoke(["visit", "1", "--rating", "4", "--cost", "20 EUR"]).exit_code == 0


# -- hostile files, one by one --------------------------------------------------------------


def _visits(**fields: Any) -> str:
    record = {
        "uid": "u-1",
        "date": "2026-11-20",
        "place_id": "node/7",
        "lat": 45.7,
        "lon": 4.8,
        **fields,
    }
    return json.dumps({"solomo_export": "visits", "visits": [record]})


REFUSED = [
    ("deep.json", "[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ("deep2.json", '{"solomo_export": "visits", "visits": ' + "[" * 100_000, "nested too deeply"),
    ("features.json", '{"type": "FeatureCollection", "features": ["x"]}', "should be an object"),
    (
        "features2.json",
        '{"type": "FeatureCollection", "solomo_export": "places", "features": [1]}',
        "not an object",
    ),
    ("records.json", '{"solomo_export": "contacts", "contacts": ["x", 2]}', "not an object"),
    ("nan.json", _visits(lat="nan"), "lat nan is out of range"),
    ("nan2.json", _visits(lat=float("nan")), "out of range"),
    ("inf.json", _visits(lon="1e999"), "out of range"),
    ("cost.json", _visits(cost="1E+1000000"), "bad cost"),
    ("cost2.json", _visits(cost=1e300), "bad cost"),
    ("cost3.json", _visits(cost="-3"), "bad cost"),
    ("currency.json", _visits(cost="2", currency="\x1b]52;c;aGVsbG8=\x07"), "bad currency"),
    ("currency2.json", _visits(cost="2", currency="EURO"), "bad currency"),
    ("date.json", _visits(date="2026-02-30"), "no such day"),
    ("created.json", _visits(created_at="\x1b[2J\x1b[H2026-01-01"), "bad created_at"),
    (
        "contact.json",
        json.dumps(
            {
                "solomo_export": "contacts",
                "contacts": [{"uid": "c", "name": "X", "updated_at": "yesterday\x07"}],
            }
        ),
        "bad updated_at",
    ),
    (
        "seen.json",
        json.dumps(
            {
                "solomo_export": "places",
                "places": [
                    {"id": "node/9", "kind": "cafe", "lat": 1, "lon": 2, "seen_at": "\x9b2J"}
                ],
            }
        ),
        "bad seen_at",
    ),
    ("rating.json", _visits(rating=4.5), "bad rating"),
    ("placeid.json", _visits(place_id="node/1 x"), "bad place id"),
    ("long.json", _visits(note="x" * 50_000), "too long"),
    ("type.json", _visits(note=["a"]), "note should be text"),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_hostile_file_is_refused_whole(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    seed()
    path = tmp_path / name
    path.write_text(content, encoding="utf-8", errors="surrogatepass")
    before = snapshot()
    result = invoke(["import", str(path)])
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert_one_error(result.stderr, message)
    assert_clean(result.stderr)
    assert snapshot() == before


def test_a_lone_surrogate_is_not_text(tmp_path: Path) -> None:
    raw = tmp_path / "raw.json"
    raw.write_bytes(_visits(note="a").encode().replace(b'"a"', b'"\xed\xa0\x80"'))
    assert run_import(raw) == 2
    escaped = tmp_path / "escaped.json"
    escaped.write_text(_visits(note="a\\ud800b").replace("a\\\\ud800b", "a\\ud800b"))
    assert run_import(escaped) == 0
    log = invoke(["log", "--format", "json"])
    assert log.exit_code == 0 and json.loads(log.stdout)["visits"][0]["note"] == "ab"


def test_ids_from_a_file_are_never_row_ids(tmp_path: Path) -> None:
    seed()
    path = tmp_path / "v.json"
    path.write_text(_visits(id=2**63 - 1, uid="far"), encoding="utf-8")
    assert run_import(path) == 0
    ids = sorted(v["id"] for v in json.loads(invoke(["log", "--format", "json"]).stdout)["visits"])
    assert ids == [1, 2]
    result = invoke(["visit", "1", "--date", "2026-11-21"])
    assert result.exit_code == 0, result.stderr
    assert "Logged visit #3" in result.stdout


def test_imported_text_is_cleaned_where_it_enters(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    contact = {
        "uid": "c1",
        "name": "Eve\x1b[2J\u202eevil",
        "note": "line one\x07\nline\x9b31m two",
        "created_at": "2026-11-20T10:00:00Z",
        "tags": ["\x1b]8;;http://x\x07ux"],
    }
    path.write_text(json.dumps({"solomo_export": "contacts", "contacts": [contact]}))
    assert run_import(path) == 0
    listed = invoke(["contact", "list", "--format", "json"])
    (record,) = json.loads(listed.stdout)
    assert (record["name"], record["note"], record["tags"]) == (
        "Eveevil",
        "line one\nline two",
        ["ux"],
    )
    for command in (["contact", "list"], ["contact", "show", "Eve"]):
        result = invoke(command)
        assert result.exit_code == 0
        assert_clean(result.stdout, result.stderr)


def test_a_file_over_the_cap_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sparse = tmp_path / "big.json"
    with open(sparse, "wb") as handle:
        handle.truncate(imports.MAX_IMPORT_BYTES + 1)
    result = invoke(["import", str(sparse)])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "too large to import (over 50 MB)")
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 100)
    small = tmp_path / "v.json"
    small.write_text(_visits(note="x" * 200), encoding="utf-8")
    assert run_import(small) == 2


def test_fifos_and_devices_are_refused_before_opening(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    for target in (str(fifo), "/dev/zero", str(tmp_path)):
        proc = subprocess.run(
            [*solomo_command(), "import", target],
            capture_output=True,
            text=True,
            timeout=30,
            env=os.environ.copy(),
        )
        assert proc.returncode == 2, proc.stderr
        assert_one_error(proc.stderr, "not a regular file")


# -- fuzz: every import format, built from the schemas --------------------------------------

HOSTILE_TEXT = st.sampled_from(
    [
        "\x1b[2J\x1b[H",
        "\x1b]52;c;aGVsbG8=\x07",
        "\x1b]8;;http://evil\x07link\x1b]8;;\x07",
        "\x9b31mred",
        "\u202eexe.txt",
        "a\u200bb\u2066c",
        "=cmd|' /C calc'!A0",
        "'quoted",
        "\ud800",
        "line\r\nbreak\x85",
        "x" * 12_000,
        "",
        " ",
        "nan",
        "1E+1000000",
        "2026-02-30",
        "0001-01-01T00:00:00-12:00",
        "9999-12-31T23:59:59-14:00",
        "node/1",
    ]
)
HOSTILE = st.one_of(
    HOSTILE_TEXT,
    st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
VALID: dict[str, st.SearchStrategy[Any]] = {
    "id": st.sampled_from(["node/1", "way/2", "google/abc"]),
    "uid": st.uuids().map(str),
    "name": st.text(min_size=1, max_size=20).filter(str.strip),
    "kind": st.sampled_from(["coworking", "cafe", "saved"]),
    "lat": st.floats(-90, 90),
    "lon": st.floats(-180, 180),
    "date": st.dates().map(lambda d: d.isoformat()),
    "place_id": st.sampled_from(["node/1", "way/2", "google/abc"]),
    "place_name": st.text(max_size=20),
    "rating": st.integers(1, 5),
    "note": st.text(max_size=40),
    "cost": st.decimals(0, 1000, places=2).map(str),
    "currency": st.sampled_from(["EUR", "usd"]),
    "created_at": st.datetimes().map(lambda d: d.isoformat() + "Z"),
    "updated_at": st.datetimes().map(lambda d: d.isoformat()),
    "seen_at": st.datetimes().map(lambda d: d.isoformat() + "Z"),
    "tags": st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=3),
}


@st.composite
def record(draw: st.DrawFn, fields: tuple[str, ...], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in fields:
        strategy = VALID.get(key, st.text(max_size=10))
        if what == "contacts" and key == "tags":
            strategy = st.lists(st.text(max_size=8), max_size=3)
        if what == "contacts" and key == "encounters":
            strategy = st.lists(draw(st.just(encounter())), max_size=2)
        if what == "places" and key == "notes":
            strategy = st.lists(
                st.fixed_dictionaries(
                    {"uid": VALID["uid"], "created_at": VALID["created_at"], "text": VALID["note"]}
                ),
                max_size=2,
            )
        out[key] = draw(st.one_of(strategy, HOSTILE) if draw(st.integers(0, 5)) == 0 else strategy)
    return out


def encounter() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "uid": VALID["uid"],
            "date": st.one_of(VALID["date"], HOSTILE),
            "place_id": st.one_of(st.none(), VALID["place_id"]),
            "lat": VALID["lat"],
            "lon": VALID["lon"],
            "note": st.one_of(VALID["note"], HOSTILE),
        }
    )


FIELDS = {"places": PLACE_FIELDS, "visits": VISIT_FIELDS, "contacts": CONTACT_FIELDS}


def as_file(what: str, fmt: str, records: list[Any]) -> str:
    if fmt == "json":
        return json.dumps({"solomo_export": what, "version": 1, what: records})
    if fmt == "geojson":
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r.pop("lon", 0), r.pop("lat", 0)]}
                if isinstance(r, dict)
                else r,
                "properties": r,
            }
            for r in records
        ]
        return json.dumps(
            {"type": "FeatureCollection", "solomo_export": what, "features": features}
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS[what])
    for r in records:
        row = r if isinstance(r, dict) else {}
        writer.writerow(
            [
                json.dumps(v) if isinstance(v, (dict, list)) else ("" if v is None else v)
                for v in (row.get(k) for k in FIELDS[what])
            ]
        )
    return out.getvalue()


BROKEN = st.one_of(st.integers(), st.text(max_size=5), st.lists(st.none(), max_size=2))
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check_after(what: str) -> None:
    """After an accepted import, the commands that show the data work and print it safely."""
    for command in (["log"], ["log", "--format", "csv"], ["contact", "list"]):
        result = invoke(command)
        assert result.exit_code == 0, (command, result.stderr, result.exception)
        assert_clean(result.stdout, result.stderr)
    result = invoke(["export", what, "-", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert_clean(result.stdout)
    places = json.loads(invoke(["export", "places", "-", "--format", "json"]).stdout)["places"]
    for place in places[:2]:
        for command in (["show", place["id"]], ["show", place["id"], "--format", "json"]):
            shown = invoke(command)
            assert shown.exit_code == 0, (command, shown.stderr, shown.exception)
            assert_clean(shown.stdout, shown.stderr)


@pytest.mark.parametrize(
    ("what", "fmt"),
    [
        (w, f)
        for w in FIELDS
        for f in ("json", "csv", "geojson")
        if (w, f) != ("contacts", "geojson")
    ],
)
@FUZZ
@given(data=st.data())
def test_fuzz_solomo_exports(tmp_path: Path, what: str, fmt: str, data: st.DataObject) -> None:
    records = data.draw(st.lists(st.one_of(record(FIELDS[what], what), BROKEN), max_size=3))
    if data.draw(st.integers(0, 9)) == 0 and fmt == "json":
        text = json.dumps({"solomo_export": what, what: data.draw(st.one_of(BROKEN, st.none()))})
    else:
        text = as_file(what, fmt, records)
    path = tmp_path / f"in.{fmt}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    code = run_import(path)
    event(f"exit {code}")
    if code == 0:
        check_after(what)


def google_feature(old: bool) -> st.SearchStrategy[Any]:
    coords = st.one_of(st.just([0, 0]), st.tuples(VALID["lon"], VALID["lat"]).map(list), HOSTILE)
    url = st.one_of(
        st.just("http://maps.google.com/?cid=123"),
        st.tuples(VALID["lat"], VALID["lon"]).map(
            lambda p: f"http://maps.google.com/?q={p[0]},{p[1]}"
        ),
        HOSTILE,
    )
    if old:
        props = st.fixed_dictionaries(
            {
                "Title": st.one_of(VALID["name"], HOSTILE),
                "Google Maps URL": url,
                "Published": st.one_of(VALID["created_at"], HOSTILE),
                "Location": st.one_of(
                    st.fixed_dictionaries(
                        {
                            "Business Name": st.one_of(VALID["name"], HOSTILE),
                            "Address": st.one_of(VALID["note"], HOSTILE),
                            "Geo Coordinates": st.one_of(
                                st.fixed_dictionaries(
                                    {
                                        "Latitude": st.one_of(VALID["lat"].map(str), HOSTILE),
                                        "Longitude": st.one_of(VALID["lon"].map(str), HOSTILE),
                                    }
                                ),
                                HOSTILE,
                            ),
                        }
                    ),
                    HOSTILE,
                ),
            }
        )
    else:
        props = st.fixed_dictionaries(
            {
                "date": st.one_of(VALID["created_at"], HOSTILE),
                "google_maps_url": url,
                "location": st.one_of(
                    st.fixed_dictionaries(
                        {
                            "name": st.one_of(VALID["name"], HOSTILE),
                            "address": st.one_of(VALID["note"], HOSTILE),
                            "country_code": st.one_of(st.just("FR"), HOSTILE),
                        }
                    ),
                    HOSTILE,
                ),
            }
        )
    feature = st.fixed_dictionaries(
        {
            "type": st.just("Feature"),
            "geometry": st.one_of(
                st.fixed_dictionaries({"type": st.just("Point"), "coordinates": coords}), HOSTILE
            ),
            "properties": st.one_of(props, HOSTILE),
        }
    )
    return st.one_of(feature, feature, feature, BROKEN)


@pytest.mark.parametrize("old", [True, False], ids=["old-form", "2023-form"])
@FUZZ
@given(data=st.data())
def test_fuzz_google_saved_places(tmp_path: Path, old: bool, data: st.DataObject) -> None:
    features = data.draw(st.lists(google_feature(old), max_size=4))
    path = tmp_path / "Saved Places.json"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}),
        encoding="utf-8",
        errors="surrogatepass",
    )
    code = run_import(path)
    event(f"exit {code}")
    if code == 0:
        check_after("places")


# -- round trips ----------------------------------------------------------------------------

PRINTABLE = (
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp")), min_size=1, max_size=30
    )
    .map(str.strip)
    .filter(bool)
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    notes=st.lists(PRINTABLE, min_size=1, max_size=3),
    costs=st.lists(st.decimals(0, 500, places=2), min_size=3, max_size=3),
    name=PRINTABLE,
)
def test_export_import_export_round_trips(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    notes: list[str],
    costs: list[Any],
    name: str,
) -> None:
    base = tmp_path_factory.mktemp("trip")
    monkeypatch.setenv("SOLOMO_HOME", str(base / "a"))
    seed_listing([SMOOTH])
    for i, note in enumerate(notes):
        args = ["visit", "1", "--date", f"2026-11-{i + 1:02d}", "--note", note]
        assert invoke([*args, "--cost", f"{costs[i]} EUR"]).exit_code == 0
    # "--" ends the options: a name may start with "-" (hypothesis finds "-0").
    assert invoke(["contact", "add", "--note", notes[0], "--at", "1", "--", name]).exit_code == 0
    files = {}
    for what, fmt in [
        ("places", "json"),
        ("visits", "csv"),
        ("visits", "geojson"),
        ("contacts", "csv"),
    ]:
        files[what, fmt] = base / f"{what}.{fmt}"
        assert invoke(["export", what, str(files[what, fmt])]).exit_code == 0
    for visits in ("csv", "geojson"):
        monkeypatch.setenv("SOLOMO_HOME", str(base / f"b-{visits}"))
        for what, fmt in [("places", "json"), ("visits", visits), ("contacts", "csv")]:
            result = invoke(["import", str(files[what, fmt])])
            assert result.exit_code == 0, result.stderr
        for what, fmt in [("places", "json"), ("visits", visits), ("contacts", "csv")]:
            again = base / f"b-{visits}" / f"again-{what}.{fmt}"
            assert invoke(["export", what, str(again)]).exit_code == 0
            assert _records(again, fmt, what) == _records(files[what, fmt], fmt, what), what


def _records(path: Path, fmt: str, what: str) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if fmt == "csv":
        rows: list[dict[str, Any]] = list(csv.DictReader(io.StringIO(text)))
    elif fmt == "geojson":
        rows = [f["properties"] for f in json.loads(text)["features"]]
    else:
        rows = json.loads(text)[what]
    if what == "places":
        return rows
    return [{k: v for k, v in r.items() if k != "id"} for r in rows]
