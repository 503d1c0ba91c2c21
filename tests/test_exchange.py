"""Export and import: CSV, JSON, GeoJSON, vCard 4.0; lossless round trips; Google Saved Places;
bad files refused whole."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import vobject
from clitools import coworking
from hypothesis import given
from hypothesis import strategies as st

from solomo_cli.errors import UsageError
from solomo_cli.formats import registry
from solomo_cli.formats.csv import csv_cell, uncell
from solomo_cli.formats.imports import import_file
from solomo_cli.formats.records import export_document
from solomo_cli.formats.registry import OSM_LICENSE
from solomo_cli.formats.vcard import fold_line, vcard_escape
from solomo_cli.model import Place
from solomo_cli.mydata.store import UserData

SMOOTH = coworking(
    "node/12155174562",
    "Smooth",
    45.7514387,
    4.8451483,
    {
        "opening_hours": "Mo-Fr 10:00-20:00",
        "phone": "+33 4 78 00 00 00",
        "addr:street": "Rue Chevreul",
        "addr:housenumber": "3",
        "addr:postcode": "69007",
        "addr:city": "Lyon",
        "note": '=HYPERLINK("x")',
    },
)
CORDEE = Place(
    "way/8795134202",
    "La cordée - Jean Macé",
    "coworking",
    45.7496347,
    4.8432509,
    {
        "name": "La cordée - Jean Macé",
        "amenity": "coworking_space",
        "website": "https://la-cordee.net",
        "description": "as Overpass gives it: cleaned",
    },
)
# A tag stored raw (by an older version's import): the writers must still make it safe.
LEGACY = Place(
    "node/5", "Old", "cafe", 45.75, 4.84, {"name": "Old", "description": "bidi \u202etxt.exe"}
)
TRICKY = [
    "=1+2",
    "+33 6 12 34 56 78",
    "-5 days",
    "@jeanne",
    "|cmd",
    "%TEMP%",
    "'already quoted",
    "''=two quotes",
    "multi\nline\nnote",
    'commas, "quotes"; semicolons',
    "Zoë — café ☕",
]


def export(user: UserData, what: str, fmt: str) -> tuple[str, int]:
    """(file text, number of records), as `solomo export` writes them."""
    doc = export_document(user, what)
    text = registry.render(doc, fmt)  # the records are made as they are written, and counted
    return text, doc.written


def export_format(path: str, fmt: str | None, what: str) -> str:
    return registry.pick(what, fmt, path, files=True)


def without_row_ids(records: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    """Visits and contacts get the importing store's own row ids, never the file's."""
    if what == "places":
        return records
    return [{k: v for k, v in r.items() if k != "id"} for r in records]


def make_user(path: Path) -> UserData:
    return UserData(path / "data" / "solomo.db")


@pytest.fixture
def user(tmp_path: Path) -> UserData:
    store = make_user(tmp_path / "a")
    yield store
    store.close()


@pytest.fixture
def full(user: UserData) -> UserData:
    """A store with every kind of record and text that CSV and JSON find hard."""
    for i, text in enumerate(TRICKY):
        place = SMOOTH if i % 2 else CORDEE
        user.add_visit(
            place,
            f"2026-10-{i + 1:02d}",
            (i % 5) + 1,
            text,
            f"{10 + i}.50" if i % 3 else None,
            "EUR" if i % 4 else None,
        )
        user.add_note(place, text)
    user.add_visit(SMOOTH, "2026-11-20")
    user.add_contact(
        "Jeanne Martin",
        email="jeanne@example.org",
        phone="+33 6 12 34 56 78",
        org="=Studio; JM",
        note="UX freelance\nopen to a joint mission, maybe",
        tags=["ux", "freelance", "-dash"],
        at=CORDEE,
        day="2026-11-03",
    )
    user.meet("Jeanne Martin", SMOOTH, "2026-11-20", "@coffee, talked about a bank; UX audit")
    user.add_contact("Élodie Roux", tags=["ux"])
    user.add_contact("Karim Benali", at=SMOOTH, day="2026-06-10")
    user.remember(
        Place(
            "google/123",
            "Café Mokxa",
            "saved",
            45.764,
            4.832,
            {
                "name": "Café Mokxa",
                "addr:full": "3 Rue X, Lyon",
                "google_maps_url": "http://maps.google.com/?cid=123",
            },
        ),
        seen_at="2025-03-14T09:13:23Z",
    )
    return user


def records(text: str, fmt: str, what: str) -> list[dict[str, Any]]:
    """The records of an export, whatever its format (exported_at left out)."""
    if fmt == "json":
        return json.loads(text)[what]
    if fmt == "geojson":
        return [
            {
                **f["properties"],
                "lon": f["geometry"]["coordinates"][0],
                "lat": f["geometry"]["coordinates"][1],
            }
            for f in json.loads(text)["features"]
        ]
    return list(csv.DictReader(io.StringIO(text)))


# -- CSV cells ------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "|", "%", "\t=", "\r\n="])
def test_formula_cells_are_neutralised(start: str) -> None:
    assert csv_cell(f"{start}SUM(A1)").startswith("'")


def test_numbers_are_left_as_numbers() -> None:
    assert csv_cell(-3.5) == -3.5 and csv_cell(4) == 4


printable = st.text(
    st.characters(
        blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp", "Zs"), whitelist_characters=" "
    ),
    max_size=40,
)


@given(printable)
def test_neutralising_is_undone_exactly_on_import(text: str) -> None:
    text = text.strip()
    assert uncell(str(csv_cell(text))) == text
    assert uncell(str(csv_cell(text, lines=True))) == text


@given(st.lists(printable, min_size=1, max_size=4))
def test_user_notes_keep_their_line_breaks(lines: list[str]) -> None:
    text = "\n".join(line.strip() for line in lines)
    assert uncell(str(csv_cell(text, lines=True))) == text


def test_escape_sequences_never_reach_a_csv() -> None:
    assert csv_cell("\x1b[31mred\x1b[0m") == "red"
    assert csv_cell("a\x1b]8;;http://evil\x07b\nc", lines=True) == "ab\nc"


# -- export ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fmt", "what", "expected"),
    [
        ("v.csv", None, "visits", "csv"),
        ("p.JSON", None, "places", "json"),
        ("p.geojson", None, "places", "geojson"),
        ("c.vcf", None, "contacts", "vcard"),
        ("c.vcard", None, "contacts", "vcard"),
        ("out.txt", "csv", "visits", "csv"),
        ("-", "json", "contacts", "json"),
    ],
)
def test_export_format(path: str, fmt: str | None, what: str, expected: str) -> None:
    assert export_format(path, fmt, what) == expected


@pytest.mark.parametrize(
    ("path", "fmt", "what", "message"),
    [
        ("out.txt", None, "visits", "cannot tell the format"),
        ("c.geojson", None, "contacts", "contacts cannot be written as geojson"),
        ("v.vcf", None, "visits", "visits cannot be written as vcard"),
        ("v.txt", "table", "visits", "visits cannot be written as table"),
        ("v.csv", None, "people", "people cannot be written as csv"),
    ],
)
def test_export_format_refusals(path: str, fmt: str | None, what: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        export_format(path, fmt, what)


def test_visits_csv_keeps_ids_coordinates_addresses_and_attribution(full: UserData) -> None:
    text, count = export(full, "visits", "csv")
    rows = records(text, "csv", "visits")
    assert count == len(rows) == len(TRICKY) + 1
    first = rows[0]
    assert (first["date"], first["place_id"], first["place_name"]) == (
        "2026-11-20",
        SMOOTH.id,
        "Smooth",
    )
    assert (float(first["lat"]), float(first["lon"])) == (SMOOTH.lat, SMOOTH.lon)
    assert first["address"] == "3 Rue Chevreul, 69007 Lyon"
    assert first["attribution"] == OSM_LICENSE
    assert first["url"] == "https://www.openstreetmap.org/node/12155174562"
    cells = [r["note"] for r in rows]
    assert "'=1+2" in cells and "'+33 6 12 34 56 78" in cells and "'@jeanne" in cells
    assert "multi\nline\nnote" in cells
    for row in rows:  # no cell a spreadsheet would run
        assert not any(str(v).startswith(("=", "+", "-", "@", "|", "%")) for v in row.values())


def test_places_json_keeps_tags_notes_and_exact_text(full: UserData) -> None:
    full.remember(LEGACY)
    text, count = export(full, "places", "json")
    data = json.loads(text)
    assert data["solomo_export"] == "places" and data["attribution"] == OSM_LICENSE
    assert count == 4
    by_id = {p["id"]: p for p in data["places"]}
    smooth = by_id[SMOOTH.id]
    assert smooth["tags"] == SMOOTH.tags
    assert (
        smooth["address"] == "3 Rue Chevreul, 69007 Lyon" and smooth["phone"] == "+33 4 78 00 00 00"
    )
    assert smooth["visits"] == 6 and smooth["last_visit"] == "2026-11-20"
    assert "multi\nline\nnote" in [n["text"] for n in by_id[CORDEE.id]["notes"]]
    assert by_id["google/123"]["source"] == "google" and by_id["google/123"]["attribution"] is None
    # Bidi overrides and C1 controls are written as \u escapes: safe to cat, same once parsed.
    assert "\u202e" not in text and "\\u202e" in text
    assert by_id[LEGACY.id]["tags"]["description"] == "bidi \u202etxt.exe"


def test_geojson_is_a_feature_collection_with_lon_lat(full: UserData) -> None:
    text, _ = export(full, "visits", "geojson")
    data = json.loads(text)
    assert data["type"] == "FeatureCollection" and data["attribution"] == OSM_LICENSE
    feature = data["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [SMOOTH.lon, SMOOTH.lat]}
    assert feature["properties"]["place_id"] == SMOOTH.id


# -- vCard ----------------------------------------------------------------------------------


def test_vcard_escaping() -> None:
    # A single text value keeps `;` as it is (RFC 6350 escapes it only in compound values).
    assert vcard_escape("a,b;c\\d\ne") == "a\\,b;c\\\\d\\ne"
    assert vcard_escape("x\r\ny\x1b[31m") == "x\\ny"


def test_folding_at_75_octets_never_splits_a_character() -> None:
    line = "NOTE:" + "é" * 100
    folded = fold_line(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line


def test_vcards_read_back_with_vobject(full: UserData) -> None:
    text, count = export(full, "contacts", "vcard")
    assert count == 3
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cards = {c.fn.value: c for c in vobject.readComponents(text)}
    assert set(cards) == {"Jeanne Martin", "Élodie Roux", "Karim Benali"}
    jeanne = cards["Jeanne Martin"]
    assert jeanne.version.value == "4.0"
    assert jeanne.email.value == "jeanne@example.org"
    assert jeanne.tel.value == "+33 6 12 34 56 78"
    assert jeanne.uid.value.startswith("urn:uuid:")
    assert "=Studio" in str(jeanne.org.value)
    assert sorted(jeanne.categories.value) == ["-dash", "freelance", "ux"]
    note = jeanne.note.value
    assert note.startswith("UX freelance\nopen to a joint mission, maybe\n")
    assert "Met 2026-11-20 at Smooth: @coffee, talked about a bank; UX audit" in note
    assert "Met 2026-11-03 at La cordée - Jean Macé" in note


# -- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "fmt"),
    [
        ("places", "json"),
        ("places", "csv"),
        ("places", "geojson"),
        ("visits", "json"),
        ("visits", "csv"),
        ("visits", "geojson"),
        ("contacts", "json"),
        ("contacts", "csv"),
    ],
)
def test_round_trip_gives_the_same_records(
    full: UserData, tmp_path: Path, what: str, fmt: str
) -> None:
    original = {w: export(full, w, "json")[0] for w in ("places", "visits", "contacts")}
    file = tmp_path / f"export.{'csv' if fmt == 'csv' else fmt}"
    file.write_text(export(full, what, fmt)[0], encoding="utf-8")
    other = make_user(tmp_path / "b")
    # Whole data set: places first (as a user restoring would), then the file under test.
    for w in ("places", "visits", "contacts"):
        if w != what:
            side = tmp_path / f"{w}.json"
            side.write_text(original[w], encoding="utf-8")
            import_file(other, side)
    import_file(other, file)
    again = export(other, what, fmt)[0]
    assert without_row_ids(records(again, fmt, what), what) == without_row_ids(
        records(export(full, what, fmt)[0], fmt, what), what
    )
    for w in ("places", "visits", "contacts"):
        assert without_row_ids(json.loads(export(other, w, "json")[0])[w], w) == without_row_ids(
            json.loads(original[w])[w], w
        ), w
    other.close()


def no_ids(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Visit and contact records without their row ids (place ids are OSM ids: kept)."""
    return [{k: v for k, v in r.items() if k != "id" or "/" in str(v)} for r in rows]


def test_importing_twice_adds_nothing(full: UserData, tmp_path: Path) -> None:
    other = make_user(tmp_path / "b")
    for what in ("places", "visits", "contacts"):
        path = tmp_path / f"{what}.csv"
        path.write_text(export(full, what, "csv")[0], encoding="utf-8")
        first = import_file(other, path)
        assert first.added and not first.known
        counts = other.counts()
        second = import_file(other, path)
        assert second.added == {} and sum(second.known.values()) > 0
        assert other.counts() == counts
    other.close()


def test_import_merges_without_overwriting_local_data(full: UserData, tmp_path: Path) -> None:
    path = tmp_path / "contacts.json"
    path.write_text(export(full, "contacts", "json")[0], encoding="utf-8")
    jeanne = full.find_contact("Jeanne Martin")
    full.edit_contact(jeanne.id, phone="+33 7 00 00 00 00", remove_tags=["ux"])
    report = import_file(full, path)
    after = full.find_contact("Jeanne Martin")
    assert after.phone == "+33 7 00 00 00 00"  # local field kept
    assert "ux" not in after.tags  # newest wins: the tag removed since the export stays removed
    assert report.added == {} and report.known == {"contacts": 3, "encounters": 3}


def test_a_visit_file_alone_brings_its_places(full: UserData, tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text(export(full, "visits", "csv")[0], encoding="utf-8")
    other = make_user(tmp_path / "b")
    report = import_file(other, path)
    assert report.added == {"places": 2, "visits": len(TRICKY) + 1}
    assert other.place(SMOOTH.id).address == "3 Rue Chevreul, 69007 Lyon"  # type: ignore[union-attr]
    assert without_row_ids(
        records(export(other, "visits", "csv")[0], "csv", "visits"), "visits"
    ) == without_row_ids(records(export(full, "visits", "csv")[0], "csv", "visits"), "visits")
    other.close()


def test_csv_saved_with_a_byte_order_mark(full: UserData, tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_bytes(b"\xef\xbb\xbf" + export(full, "visits", "csv")[0].encode())
    other = make_user(tmp_path / "b")
    assert import_file(other, path).added["visits"] == len(TRICKY) + 1
    other.close()


# -- Google Maps ----------------------------------------------------------------------------

GOOGLE = {
    "type": "FeatureCollection",
    "features": [
        {
            "geometry": {"coordinates": [4.832, 45.764], "type": "Point"},
            "properties": {
                "date": "2025-03-14T09:13:23Z",
                "google_maps_url": "http://maps.google.com/?cid=3697878718076448074",
                "location": {
                    "address": "12 Rue de la République, 69002 Lyon, France",
                    "country_code": "FR",
                    "name": "Café Mokxa",
                },
            },
            "type": "Feature",
        },
        {
            "geometry": {"coordinates": [0, 0], "type": "Point"},
            "properties": {
                "date": "2025-03-15T10:00:00Z",
                "google_maps_url": "http://maps.google.com/?q=45.75,4.85",
                "Comment": "No location information is available for this saved place",
            },
            "type": "Feature",
        },
        {
            "geometry": {"coordinates": [2.3567354, 48.8517232], "type": "Point"},
            "properties": {
                "Google Maps URL": "http://maps.google.com/?cid=11086473770627030104",
                "Location": {
                    "Address": "31 Rue Saint-Louis en l'Île, 75004 Paris",
                    "Business Name": "Berthillon",
                    "Country Code": "FR",
                    "Geo Coordinates": {"Latitude": "48.8517232", "Longitude": "2.3567354"},
                },
                "Published": "2019-05-01T10:00:00Z",
                "Title": "Berthillon",
            },
            "type": "Feature",
        },
        {
            "geometry": {"coordinates": [4.85, 45.76], "type": "Point"},
            "properties": {"location": {"address": "5 Place Bellecour, Lyon"}},
            "type": "Feature",
        },
        {
            "geometry": {"coordinates": [0, 0], "type": "Point"},
            "properties": {
                "date": "2025-03-16T10:00:00Z",
                "google_maps_url": "http://maps.google.com/?q=Some+Bakery",
                "Comment": "No location information is available for this saved place",
            },
            "type": "Feature",
        },
    ],
}


def test_google_saved_places_become_places(user: UserData, tmp_path: Path) -> None:
    path = tmp_path / "Saved Places.json"
    path.write_text(json.dumps(GOOGLE), encoding="utf-8")
    report = import_file(user, path)
    # The [0, 0] feature whose google_maps_url has ?q=45.75,4.85 is read from the URL.
    assert (report.source, report.added, report.ignored) == ("google", {"places": 4}, 1)
    mokxa = user.place("google/3697878718076448074")
    assert mokxa is not None and (mokxa.name, mokxa.lat, mokxa.lon) == ("Café Mokxa", 45.764, 4.832)
    assert mokxa.address == "12 Rue de la République, 69002 Lyon, France"
    berthillon = user.place("google/11086473770627030104")
    assert berthillon is not None and berthillon.name == "Berthillon"
    assert [p.name for p in user.find_places("bellecour")] == ["5 Place Bellecour"]


def test_google_import_twice_makes_no_duplicates(user: UserData, tmp_path: Path) -> None:
    path = tmp_path / "Saved Places.json"
    path.write_text(json.dumps(GOOGLE), encoding="utf-8")
    import_file(user, path)
    report = import_file(user, path)
    assert report.added == {} and report.known == {"places": 4}
    assert user.counts()["places"] == 4


# -- bad files ------------------------------------------------------------------------------

VISITS_HEADER = (
    "id,uid,date,place_id,place_name,kind,lat,lon,address,rating,note,cost,currency,created_at\n"
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"solomo_export": "visits", "visits": [', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:X\r\n", "cut short"),  # vCards are read now
        (b"name,address\nx,y\n", "not a solomo export"),
        (b"", "not a solomo export"),
        (b'{"type": "Topology"}', "neither a solomo export"),
        (b'{"solomo_export": "visits", "visits": {"a": 1}}', "should be a list"),
        (
            (
                VISITS_HEADER + "1,u1,2026-11-20,node/1,A,coworking,45.7,4.8,,4,,,,\n"
                "2,u2,2026-13-45,node/1,A,coworking,45.7,4.8,,4,,,,\n"
            ).encode(),
            "visits record 2: bad date '2026-13-45'",
        ),
        (
            (VISITS_HEADER + "1,u1,2026-11-20,node/1,A,coworking,45.7,4.8,,9,,,,\n").encode(),
            "bad rating 9",
        ),
        (
            (VISITS_HEADER + "1,u1,2026-11-20,node/1,A,coworking,145.7,4.8,,,,,,\n").encode(),
            "lat 145.7 is out of range",
        ),
        (
            (VISITS_HEADER + "1,u1,2026-11-20,node/1,A,coworking,45.7,4.8,,,,-20,,\n").encode(),
            "bad cost",
        ),
        (
            (VISITS_HEADER + "1,,2026-11-20,node/1,A,coworking,45.7,4.8,,,,,,\n").encode(),
            "uid is missing",
        ),
        (
            b'{"solomo_export": "contacts", '
            b'"contacts": [{"uid": "u", "name": "A", "tags": ["a,b"]}]}',
            "bad tag",
        ),
        (
            b'{"solomo_export": "places", "places": [{"id": "node/1", "kind": "coworking", '
            b'"lat": "x", "lon": 1}]}',
            "lat should be a number",
        ),
    ],
)
def test_bad_files_are_refused_whole(
    full: UserData, tmp_path: Path, content: bytes, message: str
) -> None:
    before = full.counts()
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=message):
        import_file(full, path)
    assert full.counts() == before


def test_a_missing_file(user: UserData, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read"):
        import_file(user, tmp_path / "nothere.json")
    assert not user.path.exists()


def test_a_bad_record_late_in_a_good_file_changes_nothing(full: UserData, tmp_path: Path) -> None:
    data = json.loads(export(full, "visits", "json")[0])
    for v in data["visits"]:
        v["uid"] += "-new"
    data["visits"][-1]["date"] = "2026-02-30"
    path = tmp_path / "visits.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = full.counts()
    with pytest.raises(UsageError, match="record 12"):
        import_file(full, path)
    assert full.counts() == before
