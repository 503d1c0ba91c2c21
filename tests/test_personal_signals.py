"""The user's ratings and visits feed `solomo near`: one read-only query, never creating or
upgrading the user's file; a place rated 5 and visited often rises, a place rated 1 sinks."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from clitools import invoke, seed_listing
from fakeservers import FakeServices

from solomo_cli import db
from solomo_cli.config import get_paths
from solomo_cli.model import Place
from solomo_cli.mydata.signals import personal_signals, visited_signals
from solomo_cli.mydata.store import UserData, m001_initial

SMOOTH = Place("node/12155174562", "Smooth", "coworking", 45.7514387, 4.8451483, {"name": "Smooth"})
CORDEE = Place(
    "node/8795134202", "La cordée", "coworking", 45.7496347, 4.8432509, {"name": "La cordée"}
)


def test_no_file_no_signals_and_no_file_created(tmp_path: Path) -> None:
    path = tmp_path / "data" / "solomo.db"
    assert personal_signals(path, ["node/1"]) == {}
    assert not path.exists() and not path.parent.exists()


def test_a_listing_reads_the_visited_places_around_it_only(tmp_path: Path) -> None:
    far = Place("node/7", "Far", "coworking", 48.85, 2.35, {"name": "Far"})  # Paris
    east = Place("node/8", "Across", "coworking", -16.5, 179.99, {"name": "Across"})  # Fiji
    user = UserData(tmp_path / "solomo.db")
    for place in (SMOOTH, CORDEE, far, east):
        user.add_visit(place, "2026-11-20", 4)
    user.close()
    path = tmp_path / "solomo.db"
    every = visited_signals(path)
    assert set(every) == {SMOOTH.id, CORDEE.id, far.id, east.id}
    # Around Lyon: the two Lyon places (La cordée is 250 m from Smooth), not Paris.
    assert set(visited_signals(path, (SMOOTH.lat, SMOOTH.lon, 2000.0))) == {SMOOTH.id, CORDEE.id}
    assert set(visited_signals(path, (SMOOTH.lat, SMOOTH.lon, 10.0))) == {SMOOTH.id, CORDEE.id}
    assert visited_signals(path, (0.0, 0.0, 5000.0)) == {}
    # Across the antimeridian: a circle just west of it finds the place just east of it.
    assert set(visited_signals(path, (-16.5, -179.99, 5000.0))) == {east.id}
    assert visited_signals(path, (SMOOTH.lat, SMOOTH.lon, 2000.0))[SMOOTH.id] == every[SMOOTH.id]


def test_average_rating_and_visit_count(tmp_path: Path) -> None:
    user = UserData(tmp_path / "solomo.db")
    for rating in (5, 4, 4, None):
        user.add_visit(SMOOTH, "2026-11-20", rating)
    user.add_visit(CORDEE, "2026-11-21")
    user.close()
    signals = personal_signals(tmp_path / "solomo.db", [SMOOTH.id, CORDEE.id, "node/404"])
    assert signals == {SMOOTH.id: (4.3, 4), CORDEE.id: (None, 1)}


def test_one_query_for_many_places(tmp_path: Path) -> None:
    user = UserData(tmp_path / "solomo.db")
    user.add_visit(SMOOTH, "2026-11-20", 3)
    user.close()
    ids = [f"node/{i}" for i in range(40_000)] + [SMOOTH.id]  # beyond SQLite's parameter limit
    assert personal_signals(tmp_path / "solomo.db", ids) == {SMOOTH.id: (3.0, 1)}


def test_an_old_schema_is_read_as_it_is_never_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "solomo.db"
    conn = db.connect(path, private=True)
    db.migrate(conn, [m001_initial])
    with db.transaction(conn):
        conn.execute("INSERT INTO places VALUES ('node/1', 'A', 'coworking', 45, 4, '{}', '')")
        conn.execute(
            "INSERT INTO visits (uid, place_id, day, rating, created_at) "
            "VALUES ('u', 'node/1', '2026-11-20', 2, 'now')"
        )
    conn.close()
    before = path.read_bytes()
    assert personal_signals(path, ["node/1"]) == {"node/1": (2.0, 1)}
    conn = sqlite3.connect(path)
    assert [n for (n,) in conn.execute("SELECT name FROM _migrations")] == ["m001_initial"]
    conn.close()
    assert path.read_bytes() == before


def test_a_file_without_tables_yet_gives_no_signals(tmp_path: Path) -> None:
    path = tmp_path / "solomo.db"
    sqlite3.connect(path).close()
    assert personal_signals(path, ["node/1"]) == {}


# -- through `solomo near` on the real Lyon data ---------------------------------------------


def near_json() -> list[dict]:
    result = invoke(["near", "Lyon", "--format", "json", "--limit", "0"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def lyon(lyon_services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeServices:
    monkeypatch.setattr("solomo_cli.geocoding.nominatim.MIN_INTERVAL_S", 0.0)
    return lyon_services


def test_ratings_and_visits_move_places_in_near(lyon: FakeServices) -> None:
    before = near_json()
    assert all(p["my_rating"] is None and p["visits"] == 0 for p in before)
    assert not get_paths().user_db.exists()  # near never creates the user's file
    top, fifth = before[0], before[4]
    for day in ("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"):
        assert invoke(["visit", "5", "--rating", "5", "--date", day]).exit_code == 0
    assert invoke(["visit", "1", "--rating", "1", "--date", "2026-11-06"]).exit_code == 0

    after = near_json()
    rank = {p["id"]: p["rank"] for p in after}
    by_id = {p["id"]: p for p in after}
    assert rank[fifth["id"]] < 5
    assert rank[top["id"]] > 1
    assert (by_id[fifth["id"]]["my_rating"], by_id[fifth["id"]]["visits"]) == (5.0, 4)
    assert (by_id[top["id"]]["my_rating"], by_id[top["id"]]["visits"]) == (1.0, 1)
    assert by_id[fifth["id"]]["score"] == pytest.approx(fifth["score"] + 12 + 8)
    assert by_id[top["id"]]["score"] == pytest.approx(top["score"] - 12 + 2)
    reasons = {e["reason"] for e in by_id[fifth["id"]]["explain"]}
    assert {"your rating ★5", "4 visits"} <= reasons


def test_the_table_shows_the_users_marks(lyon: FakeServices) -> None:
    near_json()
    invoke(["visit", "1", "--rating", "4", "--date", "2026-11-02"])
    invoke(["visit", "1", "--rating", "4", "--date", "2026-11-03"])
    invoke(["visit", "1", "--date", "2026-11-04"])
    result = invoke(["near", "Lyon", "--limit", "3"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "★4 · 3 visits" in result.stdout


def near_in_a_fresh_python(*options: str) -> tuple[int, list[str], str]:
    """`near` at the seeded point in a new interpreter: its status, the solomo_cli.mydata and
    solomo_cli.formats modules (and any of httpx) it imported, and its output."""
    code = (
        "import json, sys\n"
        "from solomo_cli.cli.app import app\n"
        "from typer.testing import CliRunner\n"
        f"r = CliRunner().invoke(app, ['near', '45.74906,4.84789', '--offline', *{options!r}])\n"
        "prefixes = ('solomo_cli.mydata', 'solomo_cli.formats', 'httpx')\n"
        "mods = sorted(m for m in sys.modules if m.startswith(prefixes))\n"
        "print(json.dumps([r.exit_code, mods, r.stdout]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=True,
    )
    status, modules, shown = json.loads(out.stdout)
    return status, modules, shown


def test_near_reads_the_signals_without_the_user_data_layer(tmp_path: Path) -> None:
    seed_listing([SMOOTH, CORDEE])
    user = UserData(get_paths().user_db)
    user.add_visit(SMOOTH, "2026-11-20", 5)
    user.close()
    status, modules, shown = near_in_a_fresh_python()
    assert status == 0 and "★5 · 1 visit" in shown
    # The table reads the two signals: no record module, no user-data layer.
    assert modules == [
        "solomo_cli.formats",
        "solomo_cli.formats.registry",
        "solomo_cli.mydata",
        "solomo_cli.mydata.signals",
    ]
    status, modules, shown = near_in_a_fresh_python("-f", "json")
    assert status == 0
    mine = [m for m in modules if m.startswith("solomo_cli.mydata")]
    assert mine == ["solomo_cli.mydata", "solomo_cli.mydata.base", "solomo_cli.mydata.signals"]
    assert "httpx" not in modules
    assert {p["id"]: p.get("my_rating") for p in json.loads(shown)}[SMOOTH.id] == 5.0


@pytest.mark.parametrize("ratings", [(5, 4, 4), (1, 2, 2), (3,), (5, 5, 4, 4, 4, 1)])
def test_listing_and_show_round_the_average_rating_alike(
    tmp_path: Path, ratings: tuple[int, ...]
) -> None:
    from solomo_cli.mydata.signals import shown_rating

    user = UserData(tmp_path / "solomo.db")
    for rating in ratings:
        user.add_visit(SMOOTH, "2026-11-20", rating)
    shown = user.summary(SMOOTH.id).rating
    user.close()
    assert shown == shown_rating(sum(ratings) / len(ratings))
    assert personal_signals(tmp_path / "solomo.db", [SMOOTH.id])[SMOOTH.id][0] == shown


def test_near_reads_the_user_file_through_indexes(tmp_path: Path) -> None:
    """m010: the places around the point by position, the visits with field notes by a
    partial index; neither query scans a table (years of visits)."""
    from solomo_cli.mydata.signals import _facts_sql, _near, _signals_sql
    from solomo_cli.mydata.store import MIGRATIONS

    conn = db.connect(tmp_path / "solomo.db", private=True)
    db.migrate(conn, MIGRATIONS)
    where, args = _near((45.76, 4.84, 1000.0))
    for sql in (_signals_sql(where), _facts_sql(where)):
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args))
        assert "SCAN" not in plan, plan
    conn.close()
