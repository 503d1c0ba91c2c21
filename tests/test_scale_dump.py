"""A listing without a limit, written fast and the same: a listing's record (made from the
traits its score was made from) equals the record made from the tags; the JSON writer's
per-run texts (reasons, lists of words) write what json.dumps(indent=2) does; the hours
answered once per value, zone and country are each place's own evaluation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from clitools import invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scale_search import ALL, CENTRES, real, real_cache  # noqa: F401 (fixtures)
from test_scale_streams import TEXT, reference_dumps

from solomo_cli.config import load_settings
from solomo_cli.formats import json as json_writer
from solomo_cli.formats.json import chunks, dumps
from solomo_cli.formats.records import _unknowns, explanation, place_record
from solomo_cli.model import Place
from solomo_cli.search import hours
from solomo_cli.search.hours import evaluate, parse_when, place_hours
from solomo_cli.search.near import NearQuery, Session, run
from solomo_cli.search.ranking import traits_of, unknowns

# -- a listing's record: from the traits, as from the tags ------------------------------------


def slow_record(place: Place, rank: int) -> dict[str, Any]:
    """The record as made from the place's tags alone (no traits carried by the listing)."""
    extra = dict(place.extra)
    extra.pop("traits", None)
    extra.pop("name_key", None)  # the brand found from the tags' name, folded here
    bare = Place(place.id, place.name, place.kind, place.lat, place.lon, place.tags)
    bare.distance_m, bare.score, bare.reasons, bare.extra = (
        place.distance_m,
        place.score,
        place.reasons,
        extra,
    )
    return place_record(bare, rank=rank)


@pytest.mark.usefixtures("real")
@pytest.mark.parametrize("centre", sorted(CENTRES))
def test_a_whole_listing_on_real_data_is_what_the_tags_give(centre: str) -> None:
    lat, lon = CENTRES[centre]
    q = NearQuery(f"{lat},{lon}", 50_000, ALL, limit=0, offline=True)
    with Session(load_settings()) as session:
        result = run(session, q)
        records, expected = [], []
        for i, place in enumerate(result.places, 1):
            assert "traits" in place.extra
            records.append(place_record(place, rank=i))
            expected.append(slow_record(place, i))
    assert len(records) > 100
    assert records == expected
    assert "".join(chunks(iter(records))) == reference_dumps(expected)


KEYS = st.sampled_from(
    [
        "amenity",
        "office",
        "name",
        "brand",
        "brand:wikidata",
        "operator",
        "operator:type",
        "internet_access",
        "internet_access:fee",
        "socket:schuko",
        "service:electricity",
        "power_supply",
        "fee",
        "charge",
        "reservation",
        "capacity",
        "wheelchair",
        "outdoor_seating",
        "air_conditioning",
        "check_date",
        "opening_hours",
        "website",
        "phone",
    ]
)
VALUES = st.one_of(
    st.sampled_from(["yes", "no", "0", "wlan", "customers", "Regus", "Q1", "12", "", "2025-01-02"]),
    TEXT,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tags=st.dictionaries(KEYS, VALUES, max_size=10), rank=st.integers(1, 10**6))
def test_a_record_from_its_traits_is_the_record_from_its_tags(
    tags: dict[str, str], rank: int
) -> None:
    place = Place("node/1", tags.get("name"), "cafe", 45.76, 4.83, tags)
    place.distance_m, place.score = 1234.5, 50.0
    place.reasons = [("distance", 20.5), ("power: unknown", 0.0), ("hours known", 6.0)]
    # What the cache's columns hold: the traits derived from the tags when stored.
    place.extra["traits"] = traits_of(place)
    record = place_record(place, rank=rank)
    assert record == slow_record(place, rank)
    assert dumps([record]) == reference_dumps([record])


@given(labels=st.lists(st.sampled_from(["distance", "power: unknown", "Wi-Fi: yes", "x: unknown"])))
def test_the_unknowns_remembered_are_rankings_unknowns(labels: list[str]) -> None:
    pairs = [(label, 1.5) for label in labels]
    assert list(_unknowns(tuple(labels))) == unknowns(pairs)


# -- the JSON writer's per-run texts ----------------------------------------------------------

REASONS = st.sampled_from(["distance", "Wi-Fi: yes (OSM)", "a\u2028b", "\x85", "é", '"q"'])
POINTS = st.one_of(st.sampled_from([0.0, 1.0, 38.6, -6.0]), st.integers(-2, 2), st.floats())
PAIRS = st.lists(st.tuples(REASONS, POINTS), max_size=6)


def stream(records: list[Any]) -> Iterator[Any]:
    yield from records


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    explains=st.lists(PAIRS, max_size=5),
    words=st.lists(st.lists(st.sampled_from(["power", "seats", "é", "\x9b"]), max_size=3)),
    wrap=st.booleans(),
)
def test_texts_written_once_per_run_are_json_dumps_indented(
    explains: list[list[tuple[str, float]]], words: list[list[str]], wrap: bool
) -> None:
    """Reasons and lists of words repeat across records, at more than one level: each text
    made once is the text json.dumps(indent=2) writes wherever it is."""
    records = [
        {
            "rank": i,
            "unknown": list(words[i % len(words)]) if words else [],
            "explain": explanation(e),
        }
        for i, e in enumerate(explains)
    ]
    nested = [
        {"deeper": {"explain": explanation(e), "unknown": w}}
        for e, w in zip(explains, words, strict=False)
    ]
    value: Any = (
        {"listing": stream(records), "nested": nested} if wrap else stream(records + nested)
    )
    expected = {"listing": records, "nested": nested} if wrap else records + nested
    assert "".join(chunks(value)) == reference_dumps(expected)
    # Written again in the same run, from the texts kept: the same.
    again = {"listing": iter(records), "nested": nested} if wrap else iter(records + nested)
    assert "".join(chunks(again)) == reference_dumps(expected)


def test_points_that_are_ints_stay_ints() -> None:
    # 1 == 1.0, but json writes "1" and "1.0": each as it is.
    assert dumps([explanation([("a", 1)])]) == reference_dumps([[{"reason": "a", "points": 1}]])
    assert dumps([explanation([("a", 1.0)])]) == reference_dumps([[{"reason": "a", "points": 1.0}]])
    assert '"points": 1\n' in dumps([explanation([("a", 1)])])


def test_records_are_written_a_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Batches of 3: the batches' texts joined are the whole list's text, at either level.
    monkeypatch.setattr(json_writer, "BATCH", 3)
    records = [{"rank": i, "explain": explanation([("distance", i / 3)])} for i in range(8)]
    pieces = list(chunks(stream(records)))
    assert len(pieces) == 3 + 1 + 1  # three batches ("[" with the first), "]", "\n"
    assert "".join(pieces) == reference_dumps(records)
    wrapped = "".join(chunks({"head": 1, "places": stream(records)}))
    assert wrapped == reference_dumps({"head": 1, "places": records})


# -- hours answered once per value, zone and country ------------------------------------------


def places_sharing_values() -> list[Place]:
    """Paris and Lyon places (one zone), some with sun times, one without a stored zone."""
    spots = [(48.8566, 2.3522), (45.764, 4.8357), (48.86, 2.36), (43.6, 1.44)]
    values = ["Mo-Fr 09:00-18:00; PH off", "sunrise-sunset", "Mo-Su 10:00-dusk", "24/7", "bad x"]
    places = []
    for i, (lat, lon) in enumerate(spots):
        for j, value in enumerate(values):
            place = Place(f"node/{i}{j}", "x", "cafe", lat, lon, {"opening_hours": value})
            if (i, j) != (3, 1):  # one place whose zone was never stored
                place.extra["tz"], place.extra["country"] = "Europe/Paris", "FR"
            places.append(place)
    return places


def fresh(place: Place, at: Any) -> hours.HoursInfo:
    return evaluate(
        place.tags["opening_hours"],
        place.lat,
        place.lon,
        at,
        tz=place.extra.get("tz"),
        country=place.extra.get("country"),
    )


def visible(info: hours.HoursInfo | None) -> tuple[Any, ...] | None:
    return None if info is None else (info.state, info.next_change, info.phrase, info.error)


@pytest.mark.parametrize("start", ["2026-12-01T07:30:00+00:00", "2026-06-20T03:10:00+00:00"])
def test_hours_remembered_in_a_run_are_each_places_own(
    monkeypatch: pytest.MonkeyPatch, start: str
) -> None:
    monkeypatch.setattr(hours, "_evaluated_memo", {})
    places = places_sharing_values()
    now = datetime.fromisoformat(start)
    # The clock goes on within a run: past a change, past a day, and back.
    for step in (0, 1, 90, 600, 60 * 26, 60 * 24 * 3, 0):
        at = now + timedelta(minutes=step)
        monkeypatch.setattr(hours, "_utcnow", lambda at=at: at)
        answers = place_hours(places)
        assert [visible(a) for a in answers] == [visible(fresh(p, at)) for p in places]
    # Sun times differ between Paris and Lyon: their answers are not shared.
    sun = [
        a
        for p, a in zip(places, answers, strict=True)
        if p.tags["opening_hours"] == "sunrise-sunset"
    ]
    assert len({a.next_change for a in sun if a is not None}) > 1


def test_hours_at_a_time_asked_are_each_places_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hours, "_utcnow", lambda: datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc))
    places = places_sharing_values()
    for text in ("2026-12-01T17:30", "tomorrow 08:00", "sat 12:00"):
        when = parse_when(text)
        assert [visible(a) for a in place_hours(places, when)] == [
            visible(fresh(p, when)) for p in places
        ]


# -- the command ------------------------------------------------------------------------------


@pytest.mark.usefixtures("real")
@pytest.mark.parametrize("fmt", ["json", "csv", "geojson"])
def test_the_command_writes_the_records_of_the_tags(fmt: str) -> None:
    """`near --limit 0` in each format: what the records made from the tags give."""
    from solomo_cli.formats.records import LISTING_FIELDS
    from solomo_cli.formats.registry import Document, render

    lat, lon = CENTRES["lyon"]
    args = ["near", f"{lat},{lon}", "--offline", "-r", "50km", "-k", "all", "--limit", "0"]
    done = invoke([*args, "--format", fmt])
    assert done.exit_code == 0, done.output
    q = NearQuery(f"{lat},{lon}", 50_000, ALL, limit=0, offline=True)
    with Session(load_settings()) as session:
        places = list(run(session, q).places)
    expected = [slow_record(p, i) for i, p in enumerate(places, 1)]
    assert len(expected) > 100
    assert done.stdout == render(Document("listing", expected, LISTING_FIELDS), fmt)


def test_a_record_keeps_its_explanation_a_list(tmp_path: Path) -> None:
    record = place_record(Place("node/1", "A", "cafe", 1.0, 2.0), rank=1)
    assert isinstance(record["explain"], list)
    assert record["explain"] == []


@pytest.mark.usefixtures("real")
def test_the_listing_is_written_with_the_cycle_collector_paused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    from solomo_cli.formats import records

    seen: list[bool] = []
    made = records.place_record

    def watched(place: Place, **options: Any) -> dict[str, Any]:
        seen.append(gc.isenabled())
        return made(place, **options)

    monkeypatch.setattr(records, "place_record", watched)
    lat, lon = CENTRES["paris"]
    args = ["near", f"{lat},{lon}", "--offline", "-r", "20km", "--limit", "0", "--format", "json"]
    done = invoke(args)
    assert done.exit_code == 0, done.output
    assert len(seen) > 10 and not any(seen)
    assert gc.isenabled()


# -- the places of a listing without a limit, read a chunk at a time --------------------------


def many_places(n: int) -> list[Place]:
    names = ["Regus Part-Dieu", "Le Bar", "Café \u2028 Ünïcode", "Impact Hub Lyon", "x"]
    return [
        Place(
            f"node/{i}",
            names[i % len(names)],
            "cafe" if i % 2 else "coworking",
            48.85 + i * 1e-5,
            2.35,
            {
                "amenity": "cafe",
                "name": names[i % len(names)],
                "opening_hours": "Mo-Fr 09:00-18:00",
            },
        )
        for i in range(n)
    ]


def test_places_read_many_at_a_time_are_the_places_read_one_at_a_time(tmp_path: Path) -> None:
    """Tags of many rows are read by orjson, of a few by json; each place also carries the
    cache's key of its name. An older cache's spaced tags, a place with other tags than its
    name: the same either way."""
    from solomo_cli.cache.store import _MANY_ROWS, Cache
    from solomo_cli.errors import StoreError
    from solomo_cli.match import fold

    cache = Cache(tmp_path / "cache.db")
    places = many_places(_MANY_ROWS + 20)
    places[3].name = "Renamed"  # its name is not its tags' name
    cache.save_fetch(places, 48.85, 2.35, 5000, ("cafe", "coworking"), None, "e", 1.0)
    cache.conn.execute(  # as an older version stored it: json's spaces
        "UPDATE places SET tags = ? WHERE osm_id = 'node/5'",
        (json.dumps(places[5].tags, ensure_ascii=False),),
    )
    cache.conn.commit()
    rids = [r for (r,) in cache.conn.execute("SELECT rid FROM places ORDER BY rid DESC")]
    together = cache.places_of(rids)
    alone = [cache.places_of([rid])[0] for rid in rids]
    assert len(together) == len(rids) >= _MANY_ROWS
    assert together == alone
    for place in together:
        assert place.extra["name_key"] == fold(place.name)
        assert isinstance(place.tags, dict) and place.tags["amenity"] == "cafe"
    assert {p.id: p.name for p in together}["node/3"] == "Renamed"
    cache.conn.execute("UPDATE places SET tags = '{not json' WHERE osm_id = 'node/7'")
    cache.conn.commit()
    (damaged,) = cache.conn.execute("SELECT rid FROM places WHERE osm_id = 'node/7'").fetchone()
    for chunk in (rids, [damaged]):  # read by orjson, then by json
        with pytest.raises(StoreError, match="damaged row .*node/7"):
            cache.places_of(chunk)
    cache.close()


@pytest.mark.parametrize(
    ("name", "tags_name"),
    [("Regus Part-Dieu", "Regus Part-Dieu"), ("Le Bar", "Regus Part-Dieu"), ("Regus", None)],
)
def test_a_places_brand_from_its_name_key_is_the_one_its_tags_give(
    name: str, tags_name: str | None
) -> None:
    from solomo_cli.kinds import brand_of
    from solomo_cli.match import fold
    from solomo_cli.signals import place_brand

    tags = {"office": "coworking", **({"name": tags_name} if tags_name else {})}
    keyed = Place("node/1", name, "coworking", 48.85, 2.35, tags, extra={"name_key": fold(name)})
    expected = brand_of(tags, lambda: "FR")
    assert place_brand(keyed) == expected
    assert (expected is not None) == (tags_name == "Regus Part-Dieu")
    if name != tags_name:  # the key is not the tags' name's: not used, even a wrong one
        wrong_key = "regus" if expected is None else "a bar"
        wrong = Place("node/1", name, "coworking", 48.85, 2.35, tags, extra={"name_key": wrong_key})
        assert place_brand(wrong) == expected
