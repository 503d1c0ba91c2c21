"""The score's signals (issue 14): each weighs as yes, no or unknown, an unknown costing
nothing and named as unknown; the confidence; --power; all on crafted places and on the real
Lyon and Paris data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from clitools import LYON_POINT, invoke
from fakeservers import FakeServices

from solomo_cli.model import Place
from solomo_cli.search.ranking import (
    NO_FACTS,
    SIGNALS,
    TOTAL_WEIGHT,
    Facts,
    explain,
    score,
    traits_of,
    unknowns,
)
from solomo_cli.sources.osm import element_to_place

TODAY = date.today()
RECENT = TODAY.replace(year=TODAY.year - 1).isoformat()
OLD = TODAY.replace(year=TODAY.year - 5).isoformat()

# For each signal: tags that make it yes, tags that make it no.
CASES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "power": ({"service:electricity": "yes"}, {"power_supply": "no"}),
    "internet": ({"internet_access": "wlan"}, {"internet_access": "no"}),
    "free_wifi": ({"internet_access:fee": "customers"}, {"internet_access:fee": "yes"}),
    "fee_free": ({"fee": "no"}, {"charge": "25 EUR/day"}),
    "bookable": ({"reservation": "recommended"}, {"reservation": "no"}),
    "roomy": ({"capacity": "30"}, {"capacity": "4"}),
    "community": ({"operator:type": "cooperative"}, {"operator:type": "private"}),
    "checked": ({"check_date": RECENT}, {"check_date": OLD}),
    "wheelchair": ({"wheelchair": "yes"}, {"wheelchair": "no"}),
    "outdoor": ({"outdoor_seating": "yes"}, {"outdoor_seating": "no"}),
    "aircon": ({"air_conditioning": "yes"}, {"air_conditioning": "no"}),
}
BY_COLUMN = {s.column: s for s in SIGNALS}


def place(tags: dict[str, str], kind: str = "coworking") -> Place:
    return Place("node/1", "P", kind, 45.76, 4.84, {"office": "coworking", **tags})


def scored(tags: dict[str, str], facts: Facts = NO_FACTS) -> Place:
    p = place(tags)
    if facts != NO_FACTS:
        p.extra["facts"] = facts
    p.score, p.reasons = score(p, 1000.0)
    return p


def reason(p: Place, label: str) -> tuple[str, float]:
    found = [r for r in p.reasons if r[0].startswith(label + ":")]
    assert len(found) == 1, p.reasons
    return found[0]


def test_every_signal_is_in_the_table() -> None:
    assert set(CASES) == set(BY_COLUMN)


@pytest.mark.parametrize("column", sorted(CASES))
def test_each_signal_weighs_yes_no_and_unknown(column: str) -> None:
    signal = BY_COLUMN[column]
    yes_tags, no_tags = CASES[column]
    unknown, yes, no = scored({}), scored(yes_tags), scored(no_tags)
    assert reason(unknown, signal.label) == (f"{signal.label}: unknown", 0.0)
    assert reason(yes, signal.label) == (f"{signal.label}: {signal.yes} (OSM)", signal.yes_points)
    assert reason(no, signal.label) == (f"{signal.label}: {signal.no} (OSM)", signal.no_points)
    assert yes.score == pytest.approx(unknown.score + signal.yes_points)
    assert no.score == pytest.approx(unknown.score + signal.no_points)
    assert signal.yes_points > 0 >= signal.no_points  # yes helps; no never helps
    # Unknown is named in the explanation, a known value is not.
    assert signal.label in unknowns(unknown.reasons)
    assert signal.label not in unknowns(yes.reasons) + unknowns(no.reasons)
    assert "unknown: " in explain(unknown) and signal.label in explain(unknown)


def test_a_place_with_no_tags_is_all_unknown_and_has_no_confidence() -> None:
    bare = scored({})
    assert bare.extra["confidence"] == 0.0
    assert set(unknowns(bare.reasons)) == {s.label for s in SIGNALS} | {"hours", "contact"}
    # Unknown costs nothing: the score is distance and kind alone.
    assert bare.score == pytest.approx(40.0 + 30.0)


def test_a_place_with_everything_known_has_full_confidence() -> None:
    tags: dict[str, str] = {"opening_hours": "24/7", "website": "https://x.example"}
    for yes_tags, _ in CASES.values():
        tags |= yes_tags
    full = scored(tags)
    assert full.extra["confidence"] == 1.0 and unknowns(full.reasons) == []
    assert "confidence 100%" in explain(full)
    best = 40 + 30 + 6 + 6 + sum(s.yes_points for s in SIGNALS)
    assert full.score == pytest.approx(best)


def test_confidence_is_the_share_of_the_weight_known() -> None:
    p = scored({"service:electricity": "no", "opening_hours": "Mo-Fr 09:00-18:00"})
    assert p.extra["confidence"] == round((8.0 + 6.0) / TOTAL_WEIGHT, 2)
    mine = scored({}, Facts(power=("plenty", "2026-11-20"), wifi=("ok", "2026-11-20")))
    assert mine.extra["confidence"] == round(16.0 / TOTAL_WEIGHT, 2)


@pytest.mark.parametrize(
    ("osm", "fact", "label", "points"),
    [
        ({"power_supply": "no"}, Facts(power=("plenty", "2026-11-20")), "power", 8.0),
        ({"service:electricity": "yes"}, Facts(power=("none", "2026-11-20")), "power", -6.0),
        ({}, Facts(power=("few", "2026-11-20")), "power", 4.0),
        ({"internet_access": "no"}, Facts(wifi=("good", "2026-11-20")), "Wi-Fi", 8.0),
        ({"internet_access": "wlan"}, Facts(wifi=("2mbps", "2026-11-20")), "Wi-Fi", -4.0),
        ({"internet_access": "wlan"}, Facts(wifi=("12mbps", "2026-11-20")), "Wi-Fi", 4.0),
        ({}, Facts(noise=("loud", "2026-11-20")), "noise", -3.0),
        ({}, Facts(calls=("ok", "2026-11-20")), "calls", 2.0),
    ],
)
def test_your_field_notes_outrank_osm(
    osm: dict[str, str], fact: Facts, label: str, points: float
) -> None:
    p = scored(osm, fact)
    value = next(v for v in fact if v is not None)
    assert reason(p, label) == (f"{label}: {value[0]} (your visit, 2026-11-20)", points)
    assert not any(r[0].startswith(label + ":") and "(OSM)" in r[0] for r in p.reasons)


def test_a_chain_and_a_community_network_are_told_apart_in_the_score() -> None:
    regus = scored({"brand": "Regus"})
    hub = scored({"brand": "Impact Hub"})
    assert regus.reasons[1] == ("chain / business centre", 12.0)
    assert hub.reasons[1] == ("community coworking", 30.0)
    assert reason(hub, "run by") == ("run by: community (OSM)", 5.0)
    assert hub.score - regus.score == pytest.approx(18.0 + 5.0)


# -- real data --------------------------------------------------------------------------------


def real_places(shared_data: Path, name: str) -> list[Place]:
    elements = json.loads((shared_data / "overpass" / name).read_bytes())["elements"]
    return [p for p in map(element_to_place, elements) if p is not None]


@pytest.mark.parametrize(
    "name", ["lyon_coworking.json", "paris_coworking.json", "paris_cafes.json"]
)
def test_real_places_score_each_signal_as_tagged(shared_data: Path, name: str) -> None:
    seen: dict[str, set[str]] = {}
    for p in real_places(shared_data, name):
        p.score, p.reasons = score(p, 1e9, today=TODAY)
        traits = traits_of(p)._asdict()
        # The points add up, and every signal is in the reasons once: known, or named unknown.
        assert p.score == pytest.approx(sum(points for _, points in p.reasons), abs=0.11)
        for signal in SIGNALS:
            (label, points) = reason(p, signal.label)
            value = traits["check_day"] if signal.column == "checked" else traits[signal.column]
            state = "unknown" if value is None else "known"
            seen.setdefault(signal.column, set()).add(state)
            assert (
                (points == 0.0 and label.endswith(": unknown"))
                if value is None
                else "(OSM)" in label
            )
        assert 0.0 <= p.extra["confidence"] <= 1.0
    # Real data has both: what is tagged, and what is not.
    assert all(
        states == {"unknown", "known"}
        for column, states in seen.items()
        if column == "checked" or (column == "internet" and "coworking" in name)
    ), seen


def test_real_outdoor_seating_and_sockets(shared_data: Path) -> None:
    elements = json.loads((shared_data / "overpass" / "paris_cafes.json").read_bytes())["elements"]
    cafes = [
        Place(f"node/{e['id']}", None, "cafe", e["lat"], e["lon"], e["tags"])
        for e in elements
        if "lat" in e
    ]
    outdoor = [p for p in cafes if p.tags.get("outdoor_seating") == "yes"]
    coworking = real_places(shared_data, "paris_coworking.json")
    sockets = [p for p in coworking if any(k.startswith("socket:type") for k in p.tags)]
    assert len(outdoor) > 500 and len(sockets) >= 3
    for p in outdoor[:20] + sockets:
        p.score, p.reasons = score(p, 1e9, today=TODAY)
    assert all(reason(p, "outdoor seats")[1] == 1.0 for p in outdoor[:20])
    assert all(reason(p, "power")[0] == "power: yes (OSM)" for p in sockets)


def test_a_check_date_of_any_key_counts_as_checked(shared_data: Path) -> None:
    places = real_places(shared_data, "lyon_coworking.json") + real_places(
        shared_data, "paris_cafes.json"
    )
    only_sub = [
        p
        for p in places
        if "check_date" not in p.tags and any(k.startswith("check_date:") for k in p.tags)
    ]
    assert only_sub
    for p in only_sub:
        assert traits_of(p).check_day is not None


# -- the command ------------------------------------------------------------------------------


def _elements() -> list[dict[str, object]]:
    def node(i: int, tags: dict[str, str]) -> dict[str, object]:
        return {
            "type": "node",
            "id": i,
            "lat": 45.7491 + i * 1e-4,
            "lon": 4.8479,
            "tags": {"office": "coworking", "name": f"P{i}", **tags},
        }

    return [
        node(1, {"service:electricity": "yes"}),
        node(2, {"power_supply": "no"}),
        node(3, {}),
        node(4, {"socket:schuko": "6", "internet_access": "wlan"}),
    ]


@pytest.fixture
def powered(services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeServices:
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    services.add_elements(_elements())
    return services


def near_ids(*options: str) -> list[str]:
    result = invoke(["near", LYON_POINT, "--radius", "1km", "--format", "json", *options])
    assert result.exit_code == 0, result.stderr
    return sorted(p["name"] for p in json.loads(result.stdout))


def test_power_filters_on_osm_and_your_notes(powered: FakeServices) -> None:
    assert near_ids() == ["P1", "P2", "P3", "P4"]
    assert near_ids("--power") == ["P1", "P4"]
    assert near_ids("--power", "--wifi") == ["P4"]
    listing = {
        p["name"]: p["rank"]
        for p in json.loads(
            invoke(["near", LYON_POINT, "--radius", "1km", "--format", "json"]).stdout
        )
    }
    # Your word outranks OSM's: P3 (unknown) has sockets, P1 (OSM: yes) has none.
    assert invoke(["visit", str(listing["P3"]), "--power", "plenty"]).exit_code == 0
    assert invoke(["visit", str(listing["P1"]), "--power", "none"]).exit_code == 0
    assert near_ids("--power") == ["P3", "P4"]
    assert near_ids("--power", "--limit", "0") == ["P3", "P4"]


def test_an_empty_filtered_listing_names_the_filters(powered: FakeServices) -> None:
    plain = invoke(["near", LYON_POINT, "--radius", "10m"])
    assert "No places found. Try a larger --radius, or more kinds" in plain.stdout
    result = invoke(["near", LYON_POINT, "--radius", "1km", "--power", "--free-wifi"])
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stdout.split())
    assert "No places found. --power and --free-wifi keep only the places known to match" in said
    assert "try without" in said


def test_json_and_csv_carry_the_signals_and_confidence(powered: FakeServices) -> None:
    rows = json.loads(invoke(["near", LYON_POINT, "--radius", "1km", "--format", "json"]).stdout)
    by_name = {p["name"]: p for p in rows}
    assert by_name["P1"]["power"] == "yes" and by_name["P2"]["power"] == "no"
    assert by_name["P3"]["power"] is None and "power" in by_name["P3"]["unknown"]
    assert by_name["P3"]["confidence"] == 0.0 < by_name["P4"]["confidence"]
    assert {"reason": "power: unknown", "points": 0.0} in by_name["P3"]["explain"]
    csv_out = invoke(["near", LYON_POINT, "--radius", "1km", "--format", "csv"]).stdout
    header = csv_out.splitlines()[0].split(",")
    assert {"power", "confidence", "unknown", "brand_type", "my_power"} <= set(header)


def test_explain_names_unknowns_and_the_confidence(powered: FakeServices) -> None:
    result = invoke(["near", LYON_POINT, "--radius", "1km", "--explain"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "power: yes (OSM) +8" in text and "power: no (OSM) -6" in text
    assert "unknown: power" in text and "confidence 0%" in text
