"""REF: a rank in the last listing, an OSM id, or a name that matches exactly one known place."""

from __future__ import annotations

from pathlib import Path

import pytest
from clitools import HARRYCOW, LIBRARY_7E, coworking
from hypothesis import given
from hypothesis import strategies as st

from solomo_cli.cache.store import Cache
from solomo_cli.config import get_paths
from solomo_cli.errors import UsageError
from solomo_cli.match import candidates, fold, matches
from solomo_cli.model import Place
from solomo_cli.mydata.refs import normalise_id, resolve
from solomo_cli.mydata.store import UserData
from solomo_cli.search.near import Origin, remember_listing

LYON = (45.74906, 4.84789)
PLACES = [
    coworking("node/8795134202", "La cordée - Jean Macé", 45.7496347, 4.8432509),
    coworking("node/12155174562", "Smooth", 45.7514387, 4.8451483),
    Place(
        "node/3989498385",
        "La Cordée Perrache",
        "coworking",
        45.7506,
        4.8256,
        {
            "name": "La Cordée Perrache",
            "amenity": "coworking_space",
            "addr:street": "Cours de Verdun",
            "addr:housenumber": "14",
            "addr:city": "Lyon",
        },
    ),
    Place("way/42", "Locaux Motiv'", "coworking", 45.7540, 4.8440, {"name": "Locaux Motiv'"}),
]


def seed(places: list[Place] = PLACES, listed: list[Place] | None = None) -> Path:
    """Places in the cache, and a last listing of `listed` (default: all) around Lyon."""
    paths = get_paths()
    cache = Cache(paths.cache_db)
    cache.save_fetch(places, *LYON, 5000, ["coworking"], None, "test")
    remember_listing(
        cache, Origin("Lyon", "Lyon, France", *LYON), listed if listed is not None else places
    )
    cache.close()
    return paths.cache_db


@pytest.fixture
def user(tmp_path: Path) -> UserData:
    store = UserData(get_paths().user_db)
    yield store
    store.close()


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("node/123", "node/123"),
        ("way/42", "way/42"),
        ("relation/7", "relation/7"),
        ("N123", "node/123"),
        ("w 42", "way/42"),
        ("Node/00123", "node/123"),
        ("https://www.openstreetmap.org/node/123#map=19/45.7/4.8", "node/123"),
        ("google/3697878718076448074", "google/3697878718076448074"),
        ("Smooth", None),
        ("La Cordée", None),
    ],
)
def test_normalise_id(ref: str, expected: str | None) -> None:
    assert normalise_id(ref) == expected


def test_rank_is_taken_from_the_last_listing(user: UserData) -> None:
    cache = seed()
    found = resolve("2", cache, user)
    assert found.place.id == "node/12155174562" and found.known_from == "listing"
    assert found.origin is not None and found.origin["label"] == "Lyon, France"
    assert 200 < (found.distance_from_origin or 0) < 400
    assert resolve("#1", cache, user).place.name == "La cordée - Jean Macé"


def test_rank_out_of_the_listing_is_a_usage_error(user: UserData) -> None:
    cache = seed()
    with pytest.raises(UsageError, match="has 4 places; there is no #9"):
        resolve("9", cache, user)
    with pytest.raises(UsageError, match="no #0"):
        resolve("0", cache, user)


def test_rank_without_a_listing_says_to_search_first(user: UserData) -> None:
    with pytest.raises(UsageError, match="no listing in this terminal") as err:
        resolve("2", get_paths().cache_db, user)
    assert "solomo near" in (err.value.hint or "")
    assert not get_paths().cache_db.exists()  # looking did not create the cache


def test_osm_id_from_the_cache_when_not_in_the_listing(user: UserData) -> None:
    cache = seed(listed=PLACES[:1])
    found = resolve("node/3989498385", cache, user)
    assert (found.place.name, found.known_from) == ("La Cordée Perrache", "cache")
    assert found.place.address == "14 Cours de Verdun, Lyon"


def test_osm_url_is_an_id(user: UserData) -> None:
    cache = seed()
    assert (
        resolve("https://www.openstreetmap.org/way/42", cache, user).place.name == "Locaux Motiv'"
    )


def test_unknown_id_is_a_usage_error(user: UserData) -> None:
    cache = seed()
    with pytest.raises(UsageError, match="node/999 is not a place solomo knows"):
        resolve("node/999", cache, user)


def test_a_place_in_the_users_data_survives_a_cache_clear(user: UserData) -> None:
    cache = seed()
    user.add_visit(resolve("2", cache, user).place, "2026-11-20")
    Cache(cache).clear()
    found = resolve("node/12155174562", cache, user)
    assert (found.place.name, found.known_from) == ("Smooth", "mine")
    assert resolve("smooth", cache, user).place.id == "node/12155174562"


def test_unique_name_part(user: UserData) -> None:
    cache = seed()
    assert resolve("smoo", cache, user).place.id == "node/12155174562"
    assert resolve("PERRACHE", cache, user).place.id == "node/3989498385"


def test_an_exact_name_wins_over_longer_ones(user: UserData) -> None:
    extra = Place("node/5", "Smooth Annex", "coworking", 45.752, 4.846, {"name": "Smooth Annex"})
    cache = seed([*PLACES, extra])
    assert resolve("smooth", cache, user).place.id == "node/12155174562"


def test_an_ambiguous_name_lists_the_candidates_and_guesses_nothing(user: UserData) -> None:
    cache = seed()
    with pytest.raises(UsageError) as err:
        resolve("cordée", cache, user)
    message = err.value.message
    assert "matches 2 places" in message
    assert "La cordée - Jean Macé [node/8795134202]" in message
    assert "La Cordée Perrache [node/3989498385]" in message
    assert "14 Cours de Verdun" in message  # an address tells them apart
    assert message.index("Jean Macé") < message.index("Perrache")  # nearest to the search first
    assert "\n" not in message


def test_a_name_matching_nothing(user: UserData) -> None:
    cache = seed()
    with pytest.raises(UsageError, match="no known place matches 'Wojo'"):
        resolve("Wojo", cache, user)


def test_empty_ref(user: UserData) -> None:
    with pytest.raises(UsageError, match="empty REF"):
        resolve("  ", get_paths().cache_db, user)


def test_imported_places_are_found_by_id_and_name(user: UserData) -> None:
    google = Place(
        "google/3697878718076448074", "Café Mokxa", "saved", 45.764, 4.832, {"name": "Café Mokxa"}
    )
    user.remember(google)
    cache = get_paths().cache_db
    assert resolve("google/3697878718076448074", cache, user).place.name == "Café Mokxa"
    assert resolve("mokxa", cache, user).known_from == "mine"


# -- the one name matcher -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("bibliotheque du 7e guillotiere", "Bibliothèque du 7e Guillotière"),
        ("Bibliothèque du 7e – Guillotière", "BIBLIOTHÈQUE DU 7E GUILLOTIÈRE"),
        ("la cordee jean mace", "La cordée - Jean Macé"),
        ("Locaux Motiv", "Locaux Motiv’"),
        ("jean marc", "Jean-Marc"),
        ("  Straße  ", "STRASSE"),
    ],
)
def test_fold_treats_case_accents_dashes_and_separators_alike(a: str, b: str) -> None:
    assert fold(a) == fold(b)


@pytest.mark.parametrize("char", ["%", "_"])
def test_sql_wildcards_are_ordinary_characters(char: str) -> None:
    assert fold(f"Harry{char}") == f"harry{char}"
    assert not matches(f"Harry{char}", "HarryCow")
    assert not matches(f"H{char}rry", "Harry")
    assert matches(f"50{char}", f"Coworking 50{char} off")


@given(st.text())
def test_folding_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_a_name_always_matches_itself_exactly(name: str) -> None:
    if fold(name):
        assert matches(name, name)
        assert candidates(name, [name, name + " annex"], key=fold) == [name]
    else:
        assert candidates(name, [name], key=fold) == []


@given(st.text(), st.text(), st.sampled_from("%_"))
def test_wildcards_never_match_what_lacks_them(query: str, name: str, char: str) -> None:
    if char not in name:
        assert not matches(query + char, name)


@given(st.lists(st.sampled_from(["Smooth", "smooth annex", "SMOOTH", "Le Smooth", "x"])))
def test_exact_names_win_over_names_that_contain_the_query(names: list[str]) -> None:
    found = candidates("smooth", names, key=fold)
    exact = [n for n in names if fold(n) == "smooth"]
    assert found == (exact or [n for n in names if "smooth" in fold(n)])


def test_an_unaccented_name_finds_a_place_of_the_cache(user: UserData) -> None:
    cache = seed([*PLACES, LIBRARY_7E], listed=PLACES)
    for ref in ("bibliotheque du 7e guillotiere", "Bibliothèque du 7e - Guillotière"):
        found = resolve(ref, cache, user)
        assert (found.place.id, found.known_from) == (LIBRARY_7E.id, "cache")


def test_accented_or_not_the_candidates_are_the_same(user: UserData) -> None:
    cache = seed()
    messages = []
    for ref in ("cordee", "cordée", "CORDEE"):
        with pytest.raises(UsageError) as err:
            resolve(ref, cache, user)
        messages.append(err.value.message.split(": ", 1)[1])
    assert messages[0] == messages[1] == messages[2]
    assert "matches 2 places" in str(err.value.message)


@pytest.mark.parametrize("ref", ["Harry%", "Harry_ow", "%", "_"])
def test_a_wildcard_in_a_ref_matches_nothing_here(user: UserData, ref: str) -> None:
    cache = seed([*PLACES, HARRYCOW], listed=[])
    with pytest.raises(UsageError, match="no known place matches"):
        resolve(ref, cache, user)


def test_an_exact_folded_name_wins_in_the_cache_too(user: UserData) -> None:
    annex = coworking("node/5", "Smooth Annex", 45.752, 4.846)
    cache = seed([*PLACES, annex], listed=[])
    assert resolve("SMOOTH", cache, user).place.id == "node/12155174562"
    assert resolve("annex", cache, user).place.id == "node/5"


def test_places_that_fold_alike_are_told_apart_by_their_exact_spelling(user: UserData) -> None:
    twins = [
        coworking("node/61", "La Cordée", 45.75, 4.84),
        coworking("node/62", "La Cordee", 45.76, 4.85),
    ]
    cache = seed(twins, listed=[])
    assert resolve("La Cordee", cache, user).place.id == "node/62"
    assert resolve("La Cordée", cache, user).place.id == "node/61"
    with pytest.raises(UsageError, match="matches 2 places"):
        resolve("la cordee", cache, user)
