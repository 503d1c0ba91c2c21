"""Scale on the user-data side, part two: `log`'s totals are memoised in the data file while
they are exact (any change empties the memo), never stored on a read-only file, and the
migration that adds the memo keeps every row."""

from __future__ import annotations

import sqlite3
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from clitools import coworking
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solomo_cli import db
from solomo_cli.mydata.store import MIGRATIONS, UserData
from solomo_cli.mydata.visits import Totals

PLACES = [coworking(f"node/{i}", f"Place {i}", 45.0 + i / 100, 4.8, {}) for i in range(1, 5)]
DAYS = [f"2025-{m:02d}-{d:02d}" for m in (1, 2, 11) for d in (1, 2, 28)]
FILTERS = [(None, None, None, None), (None, None, None, 2), ("2025-02-01", None, None, None)]
FILTERS += [(None, "2025-02-02", "node/2", None), ("2025-01-02", "2025-11-01", None, 1)]


def memo_rows(user: UserData) -> int:
    return int(user.conn.execute("SELECT count(*) FROM totals_memo").fetchone()[0])


def totals_of(user: UserData, f: tuple[str | None, str | None, str | None, int | None]) -> Totals:
    return user.totals(f[0], f[1], f[2], top=f[3])


def counted(user: UserData, f: tuple[str | None, str | None, str | None, int | None]) -> Totals:
    return user.count_totals(f[0], f[1], f[2], top=f[3])


cost = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(["15", "20.50", "7.05", "1E+1"]), st.sampled_from(["EUR", None])),
)
op = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(PLACES), st.sampled_from(DAYS), cost),
    st.tuples(st.just("edit"), st.integers(0, 30), st.sampled_from(DAYS), cost),
    st.tuples(st.just("move"), st.integers(0, 30), st.sampled_from(PLACES), st.none()),
    st.tuples(st.just("rm"), st.integers(0, 30), st.none(), st.none()),
    st.tuples(st.just("rename"), st.sampled_from(PLACES), st.text("abcé ", max_size=6), st.none()),
    st.tuples(st.just("import"), st.sampled_from(PLACES), st.sampled_from(DAYS), cost),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(op, max_size=14), reads=st.lists(st.sampled_from(FILTERS), min_size=1))
def test_memoised_totals_equal_a_full_recount_after_any_changes(
    ops: list[tuple], reads: list[tuple]
) -> None:
    with tempfile.TemporaryDirectory() as tmp, UserData(Path(tmp) / "user.db") as user:
        for n, (kind, a, b, c) in enumerate(ops):
            ids = [v.id for v in user.visits()]
            if kind == "add":
                user.add_visit(a, b, cost=c and c[0], currency=c and c[1])
            elif kind == "import":
                with user.write():
                    user.ensure_place(a)
                    user.import_visit(
                        uid=f"imported-{n}",
                        place_id=a.id,
                        day=b,
                        rating=None,
                        note=None,
                        cost=c and c[0],
                        currency=c and c[1],
                        created_at="2026-01-01T00:00:00Z",
                    )
            elif kind == "rename":
                renamed = coworking(a.id, b or None, a.lat, a.lon, {})
                user.remember(renamed)
            elif ids:
                visit_id = ids[a % len(ids)]
                if kind == "edit":
                    user.edit_visit(visit_id, day=b, cost=c, clear_cost=c is None)
                elif kind == "move":
                    user.edit_visit(visit_id, place=b)
                else:
                    user.remove_visit(visit_id)
            for f in reads[: 1 + n % len(reads)]:  # some memos taken between the changes
                assert totals_of(user, f) == counted(user, f)
        for f in reads:
            assert totals_of(user, f) == counted(user, f)  # a memo, or counted and memoised
            assert totals_of(user, f) == counted(user, f)  # the memo, surely


def test_a_memo_is_read_without_scanning_the_visits(tmp_path: Path) -> None:
    with UserData(tmp_path / "user.db") as user:
        for day in DAYS:
            user.add_visit(PLACES[0], day, cost="12.5", currency="EUR")
        first = user.totals(top=3)
        statements: list[str] = []
        user.conn.set_trace_callback(statements.append)
        again = user.totals(top=3)
        user.conn.set_trace_callback(None)
        assert again == first and again.visits == len(DAYS) and str(again.cost["EUR"]) == "112.5"
        assert not any("FROM visits" in s for s in statements), statements


def test_removing_a_visit_leaves_nothing_of_it_in_the_memo(tmp_path: Path) -> None:
    with UserData(tmp_path / "user.db") as user:
        kept = user.add_visit(PLACES[0], DAYS[0])
        gone = user.add_visit(PLACES[1], DAYS[1], cost="99", currency="CHF")
        assert "CHF" in user.totals().cost and memo_rows(user) == 1
        user.remove_visit(gone.id)
        assert memo_rows(user) == 0
        assert user.totals().cost == {} and user.totals().visits == 1
        user.remove_visit(kept.id)
        assert memo_rows(user) == 0 and user.totals().visits == 0
        # A place renamed empties it too: the memo names the places.
        user.add_visit(PLACES[2], DAYS[2])
        assert user.totals().by_place[0]["place"].name == "Place 3" and memo_rows(user) == 1
        user.remember(coworking(PLACES[2].id, "Renamed", PLACES[2].lat, PLACES[2].lon, {}))
        assert memo_rows(user) == 0
        assert user.totals().by_place[0]["place"].name == "Renamed"


def test_the_memo_is_bounded(tmp_path: Path) -> None:
    with UserData(tmp_path / "user.db") as user:
        user.add_visit(PLACES[0], DAYS[0])
        for top in range(1, 80):
            assert user.totals(top=top).visits == 1
        assert memo_rows(user) == 32


def test_totals_on_a_read_only_file_are_counted_and_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "user.db"
    with UserData(path) as user:
        user.add_visit(PLACES[0], DAYS[0], cost="3", currency="EUR")
        assert memo_rows(user) == 0
    # As a file the user cannot write opens (tests may run as root, who can write anything).
    monkeypatch.setattr(db, "writable", lambda path: False)
    with UserData(path) as reader:
        assert reader.totals().visits == 1 and reader.read_only
        assert reader.totals().cost == {"EUR": Decimal(3)}
        assert memo_rows(reader) == 0


def test_the_memo_migration_keeps_every_row_of_a_file_with_data(tmp_path: Path) -> None:
    path = tmp_path / "user.db"
    conn = db.connect(path, private=True)
    db.migrate(conn, MIGRATIONS[:4])
    with db.transaction(conn):
        conn.execute(
            "INSERT INTO places VALUES ('node/1', 'Smooth', 'coworking', 45.7, 4.8, '{}', '')"
        )
        conn.executemany(
            "INSERT INTO visits (uid, place_id, day, rating, note, cost, currency, created_at) "
            "VALUES (?, 'node/1', ?, ?, ?, ?, ?, '2026-01-01T00:00:00Z')",
            [
                ("u1", "2025-01-02", 4, "quiet", "12", "EUR"),
                ("u2", "2025-02-03", None, None, None, None),
            ],
        )
    before = {
        t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
        for t in ("places", "visits")
    }
    conn.close()
    with UserData(path) as user:
        totals = user.totals()
        assert (totals.visits, totals.days, str(totals.cost["EUR"])) == (2, 2, "12")
    conn = sqlite3.connect(path)
    for table, rows in before.items():
        after = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        assert [r[: len(rows[0])] for r in after] == rows  # later migrations add columns only
    assert conn.execute("SELECT count(*) FROM totals_memo").fetchone() == (1,)
    conn.close()


# -- contact list: each person's last encounter only -----------------------------------------


def test_a_contact_page_of_newest_encounters_is_the_full_page_cut_to_the_last(
    tmp_path: Path,
) -> None:
    with UserData(tmp_path / "user.db") as user:
        for n, name in enumerate(["Élodie Roux", "Karim Benali", "Ana Lima"]):
            user.add_contact(name, tags=["ux"] if n else ())
            for k, day in enumerate(DAYS[n : n + 3 + n]):
                user.meet(name, PLACES[(n + k) % len(PLACES)], day)
        user.add_contact("Zoé Never Met")
        for query in ({}, {"tag": "ux"}, {"stale_days": 30}, {"limit": 2}):
            full, total = user.contact_page(**query)  # type: ignore[arg-type]
            newest, counted = user.contact_page(newest_only=True, **query)  # type: ignore[arg-type]
            assert counted == total and [c.id for c in newest] == [c.id for c in full]
            for short, whole in zip(newest, full, strict=True):
                assert short.encounters == whole.encounters[:1], query
                assert (short.last_seen, short.tags) == (whole.last_seen, whole.tags)
        near, _ = user.contact_page(near=(PLACES[0].lat, PLACES[0].lon), newest_only=True)
        assert len(near[0].encounters) > 1  # --near reads them all, for the nearest place
