"""The user-data store: visits, notes, contacts, totals, forgetting."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from clitools import coworking

from solomo_cli.errors import UsageError
from solomo_cli.match import fold
from solomo_cli.model import Place
from solomo_cli.mydata.store import UserData

SMOOTH = coworking(
    "node/12155174562", "Smooth", 45.7514387, 4.8451483, {"opening_hours": "Mo-Fr 10:00-20:00"}
)
CORDEE = coworking(
    "node/8795134202",
    "La cordée - Jean Macé",
    45.7496347,
    4.8432509,
    {"website": "https://la-cordee.net"},
)


@pytest.fixture
def user(tmp_path: Path) -> UserData:
    store = UserData(tmp_path / "data" / "solomo.db")
    yield store
    store.close()


def test_fold_ignores_case_accents_and_spacing() -> None:
    assert fold("  ÉLODIE   Roux ") == fold("elodie roux") == "elodie roux"


# -- the file -------------------------------------------------------------------------------


def test_reading_before_anything_is_written_creates_no_file(user: UserData) -> None:
    assert user.visits() == []
    assert user.places() == []
    assert user.contacts() == []
    assert user.find_places("smooth") == []
    assert user.counts()["visits"] == 0
    assert not user.path.exists()


def test_the_file_is_private_and_in_wal_mode(user: UserData) -> None:
    user.add_visit(SMOOTH, "2026-11-20")
    assert user.path.stat().st_mode & 0o777 == 0o600
    assert user.path.parent.stat().st_mode & 0o777 == 0o700
    assert user.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert user.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


# -- visits ---------------------------------------------------------------------------------


def test_a_visit_keeps_everything_given_and_the_place_as_seen(user: UserData) -> None:
    visit = user.add_visit(SMOOTH, "2026-11-20", 4, "quiet, fast Wi-Fi", "20.50", "EUR")
    assert (visit.day, visit.rating, visit.note, visit.cost, visit.currency) == (
        "2026-11-20",
        4,
        "quiet, fast Wi-Fi",
        "20.50",
        "EUR",
    )
    kept = user.place(SMOOTH.id)
    assert kept is not None and kept.tags == SMOOTH.tags and kept.name == "Smooth"
    assert (kept.lat, kept.lon) == (SMOOTH.lat, SMOOTH.lon)


def test_visits_come_newest_first_and_filter_by_dates_and_place(user: UserData) -> None:
    user.add_visit(SMOOTH, "2026-10-01")
    user.add_visit(CORDEE, "2026-11-03")
    user.add_visit(SMOOTH, "2026-11-20")
    assert [v.day for v in user.visits()] == ["2026-11-20", "2026-11-03", "2026-10-01"]
    assert [v.day for v in user.visits(since="2026-11-01")] == ["2026-11-20", "2026-11-03"]
    assert [v.day for v in user.visits(until="2026-11-03")] == ["2026-11-03", "2026-10-01"]
    assert [v.day for v in user.visits(place_id=SMOOTH.id)] == ["2026-11-20", "2026-10-01"]


@pytest.mark.parametrize("rating", [0, 6, 9, -1])
def test_a_bad_rating_writes_nothing(user: UserData, rating: int) -> None:
    with pytest.raises(UsageError, match="bad rating"):
        user.add_visit(SMOOTH, "2026-11-20", rating)
    assert user.counts()["visits"] == 0


def test_edit_changes_only_what_is_given(user: UserData) -> None:
    visit = user.add_visit(SMOOTH, "2026-11-20", 4, "quiet", "20", "EUR")
    edited = user.edit_visit(visit.id, rating=5)
    assert (edited.rating, edited.note, edited.cost, edited.day) == (5, "quiet", "20", "2026-11-20")
    edited = user.edit_visit(visit.id, note="", clear_cost=True, place=CORDEE, day="2026-11-21")
    assert (edited.note, edited.cost, edited.currency) == (None, None, None)
    assert (edited.place.id, edited.day) == (CORDEE.id, "2026-11-21")
    assert user.edit_visit(visit.id, clear_rating=True).rating is None


def test_remove_deletes_and_ids_are_never_reused(user: UserData) -> None:
    first = user.add_visit(SMOOTH, "2026-11-20")
    user.remove_visit(first.id)
    assert user.visits() == []
    assert user.add_visit(SMOOTH, "2026-11-21").id == first.id + 1
    with pytest.raises(UsageError, match=f"no visit #{first.id}"):
        user.remove_visit(first.id)


def test_totals_count_distinct_days_and_add_costs_per_currency(user: UserData) -> None:
    user.add_visit(SMOOTH, "2026-11-18", cost="20", currency="EUR")
    user.add_visit(SMOOTH, "2026-11-19", cost="20.50", currency="EUR")
    user.add_visit(CORDEE, "2026-11-19", cost="12", currency="USD")  # same day elsewhere
    user.add_visit(CORDEE, "2026-10-02", cost="5")
    t = user.totals()
    assert (t.days, t.visits) == (3, 4)
    assert t.cost == {"EUR": Decimal("40.50"), "USD": Decimal("12"), "": Decimal("5")}
    # most days first, then by name
    assert [(r["place"].id, r["days"], r["visits"]) for r in t.by_place] == [
        (CORDEE.id, 2, 2),
        (SMOOTH.id, 2, 2),
    ]
    assert t.by_place[1]["cost"] == {"EUR": Decimal("40.50")}
    assert [(r["month"], r["days"], r["visits"]) for r in t.by_month] == [
        ("2026-11", 2, 3),
        ("2026-10", 1, 1),
    ]
    assert t.by_month[0]["cost"] == {"EUR": Decimal("40.50"), "USD": Decimal("12")}


# -- places ---------------------------------------------------------------------------------


def test_a_newer_snapshot_replaces_an_older_one_never_the_reverse(user: UserData) -> None:
    user.remember(SMOOTH, seen_at="2026-11-20T10:00:00Z")
    renamed = Place(
        SMOOTH.id,
        "Smooth Coworking",
        "coworking",
        SMOOTH.lat,
        SMOOTH.lon,
        {"name": "Smooth Coworking"},
    )
    user.remember(renamed, seen_at="2026-01-01T00:00:00Z")
    assert user.place(SMOOTH.id).name == "Smooth"  # type: ignore[union-attr]
    user.remember(renamed, seen_at="2026-11-21T00:00:00Z")
    assert user.place(SMOOTH.id).name == "Smooth Coworking"  # type: ignore[union-attr]


def test_find_places_ignores_case_and_accents(user: UserData) -> None:
    user.remember(CORDEE)
    user.remember(SMOOTH)
    assert [p.id for p in user.find_places("CORDEE")] == [CORDEE.id]


def test_notes_are_dated_and_kept_exactly(user: UserData) -> None:
    text = "Ask for the quiet room\nupstairs; badge at reception"
    note = user.add_note(SMOOTH, text)
    assert note.created_at.endswith("Z") and note.created_at[:4].isdigit()
    assert [n.text for n in user.notes(SMOOTH.id)] == [text]
    with pytest.raises(UsageError, match="empty"):
        user.add_note(SMOOTH, "   ")


def test_summary_gathers_visits_notes_rating_and_people(user: UserData) -> None:
    user.add_visit(SMOOTH, "2026-11-18", 4)
    user.add_visit(SMOOTH, "2026-11-19", 5)
    user.add_visit(SMOOTH, "2026-11-20")
    user.add_note(SMOOTH, "good coffee")
    user.add_contact("Jeanne Martin", at=SMOOTH, day="2026-11-19")
    summary = user.summary(SMOOTH.id)
    assert len(summary.visits) == 3 and summary.rating == 4.5
    assert [n.text for n in summary.notes] == ["good coffee"]
    assert [(e.contact_name, e.day) for e in summary.encounters] == [
        ("Jeanne Martin", "2026-11-19")
    ]


# -- contacts -------------------------------------------------------------------------------


def test_add_contact_with_tags_and_an_encounter(user: UserData) -> None:
    c = user.add_contact(
        "  Jeanne   Martin ",
        email="jeanne@example.org",
        org="Studio JM",
        tags=["ux", "freelance", "UX"],
        at=CORDEE,
        day="2026-11-03",
        note="open to a joint mission",
    )
    assert c.name == "Jeanne Martin"
    assert c.tags == ["freelance", "ux"]
    assert [(e.place.id, e.day) for e in c.encounters if e.place] == [(CORDEE.id, "2026-11-03")]
    assert c.last_seen == "2026-11-03"


def test_the_same_name_twice_is_refused(user: UserData) -> None:
    user.add_contact("Élodie Roux")
    with pytest.raises(UsageError, match="already a contact"):
        user.add_contact("ELODIE ROUX")
    assert user.counts()["contacts"] == 1


@pytest.mark.parametrize("email", ["jeanne", "a b@c.d"])
def test_a_bad_email_is_refused(user: UserData, email: str) -> None:
    with pytest.raises(UsageError, match="e-mail"):
        user.add_contact("Jeanne Martin", email=email)


def test_find_contact_exact_then_unique_part_else_ask(user: UserData) -> None:
    user.add_contact("Jean Dupont")
    user.add_contact("Jeanne Martin")
    assert user.find_contact("jean dupont").name == "Jean Dupont"  # exact beats the part match
    assert user.find_contact("martin").name == "Jeanne Martin"
    with pytest.raises(UsageError, match="matches 2 contacts") as err:
        user.find_contact("jea")
    assert "Jean Dupont" in err.value.message and "Jeanne Martin" in err.value.message
    with pytest.raises(UsageError, match="no contact called"):
        user.find_contact("Zoé")
    with pytest.raises(UsageError, match="exactly"):
        user.find_contact("martin", exact=True)


def test_meet_adds_an_encounter(user: UserData) -> None:
    user.add_contact("Jeanne Martin", at=CORDEE, day="2026-11-03")
    c = user.meet("jeanne", SMOOTH, "2026-11-20", "coffee")
    assert [(e.place.id, e.day, e.note) for e in c.encounters if e.place] == [
        (SMOOTH.id, "2026-11-20", "coffee"),
        (CORDEE.id, "2026-11-03", None),
    ]


def test_list_by_tag_stale_and_near(user: UserData) -> None:
    far = Place("node/1", "Coworking Grenoble", "coworking", 45.1885, 5.7245, {})
    user.add_contact("Jeanne Martin", tags=["ux"], at=CORDEE, day="2026-11-03")
    user.add_contact("Karim Benali", tags=["dev"], at=SMOOTH, day="2026-05-01")
    user.add_contact("Paul Grenier", tags=["UX"], at=far, day="2026-11-01")
    assert [c.name for c in user.contacts(tag="ux")] == ["Jeanne Martin", "Paul Grenier"]
    stale = user.contacts(stale_days=90, on=date(2026, 11, 26))
    assert [c.name for c in stale] == ["Karim Benali"]
    lyon = user.contacts(near=(45.74906, 4.84789), radius_m=25_000)
    assert [c.name for c in lyon] == ["Karim Benali", "Jeanne Martin"]  # nearest first
    assert all(c.distance_m is not None and c.distance_m < 1000 for c in lyon)


def test_edit_contact(user: UserData) -> None:
    c = user.add_contact("Jeanne Martin", tags=["ux", "freelance"], phone="+33 6")
    c = user.edit_contact(
        c.id,
        name="Jeanne Martin-Roux",
        phone="",
        add_tags=["bank"],
        remove_tags=["FREELANCE"],
        org="Studio JM",
    )
    assert (c.name, c.phone, c.org, c.tags) == (
        "Jeanne Martin-Roux",
        None,
        "Studio JM",
        ["bank", "ux"],
    )
    assert user.find_contact("martin-roux").id == c.id


def test_forget_erases_every_row_about_the_person(user: UserData) -> None:
    jeanne = user.add_contact(
        "Jeanne Martin",
        email="jeanne@example.org",
        tags=["ux"],
        at=CORDEE,
        note="knows the bank CTO",
    )
    user.meet("Jeanne Martin", SMOOTH, "2026-11-20", "coffee with Jeanne")
    other = user.add_contact("Karim Benali", at=SMOOTH)
    user.add_visit(SMOOTH, "2026-11-20", note="lunch with Jeanne Martin")
    gone = user.forget_contact(jeanne.id)
    assert (gone.name, gone.encounters, gone.tags) == ("Jeanne Martin", 2, 1)
    assert [(m.what, m.id, m.day) for m in gone.mentions] == [("visit", 1, "2026-11-20")]
    conn = user.conn
    assert conn.execute("SELECT count(*) FROM contacts WHERE id = ?", (jeanne.id,)).fetchone() == (
        0,
    )
    assert conn.execute(
        "SELECT count(*) FROM encounters WHERE contact_id = ?", (jeanne.id,)
    ).fetchone() == (0,)
    assert conn.execute(
        "SELECT count(*) FROM contact_tags WHERE contact_id = ?", (jeanne.id,)
    ).fetchone() == (0,)
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for row in conn.execute(f"SELECT * FROM {table}").fetchall():
            assert "jeanne@example.org" not in repr(row) and "bank CTO" not in repr(row), table
    assert user.find_contact("Karim").id == other.id  # the others are untouched


def test_personal_data_is_gone_from_the_file_bytes(user: UserData) -> None:
    secret = "Sécrétine Zzyzx-Quaalude"
    jeanne = user.add_contact(
        secret, email="zzyzx@example.org", note="zzyzx private note", at=SMOOTH, tags=["zzyzx-tag"]
    )
    user.meet(secret, CORDEE, note="zzyzx encounter note")
    for i in range(50):  # other rows on the same pages
        user.add_contact(f"Person {i}", note="x" * 100, at=SMOOTH)
    user.forget_contact(jeanne.id)
    user.close()
    data = b"".join(
        Path(f"{user.path}{s}").read_bytes()
        for s in ("", "-wal")
        if Path(f"{user.path}{s}").exists()
    )
    assert b"zzyzx" not in data.lower()
    assert secret.encode() not in data and "sécrétine".encode() not in data


def test_an_unreadable_file_is_a_store_error(tmp_path: Path) -> None:
    from solomo_cli.errors import StoreError

    path = tmp_path / "solomo.db"
    path.write_bytes(b"this is not a database, it is garbage" * 200)
    with pytest.raises(StoreError):
        UserData(path).visits()


def test_rows_are_checked_by_sqlite_too(user: UserData) -> None:
    user.add_visit(SMOOTH, "2026-11-20")
    with pytest.raises(sqlite3.IntegrityError):
        user.conn.execute("UPDATE visits SET rating = 9")


def test_names_that_fold_alike_are_told_apart_by_their_exact_spelling(user: UserData) -> None:
    # Two contacts an older version kept apart ("Jean-Marc", "Jean Marc") fold alike now.
    user.add_contact("Jean-Marc Roux")
    with user.write() as conn:
        conn.execute(
            "INSERT INTO contacts (uid, name, name_key, created_at, updated_at) "
            "VALUES ('u-2', 'Jean Marc Roux', 'jean marc roux', '', '')"
        )
    assert user.find_contact("Jean Marc Roux", exact=True).uid == "u-2"
    assert user.find_contact("Jean-Marc  Roux").name == "Jean-Marc Roux"
    with pytest.raises(UsageError, match="matches 2 contacts"):
        user.find_contact("jean marc roux")
