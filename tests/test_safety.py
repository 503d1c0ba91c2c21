"""Nothing of the user's is ever lost or leaked: a private file, WAL with a busy timeout, one
transaction per command, concurrent writers, kill -9 in the middle of a large import, migrations
from the first schema, consistent backups. Real SQLite files and real processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from clitools import assert_one_error, coworking, invoke, solomo_command

from solomo_cli import db
from solomo_cli.cache.store import Cache
from solomo_cli.config import get_paths
from solomo_cli.mydata.store import MIGRATIONS, UserData, m001_initial
from solomo_cli.search.near import Origin, remember_listing

LYON = (45.74906, 4.84789)
SMOOTH = coworking("node/12155174562", "Smooth", 45.7514387, 4.8451483)
TABLES = ("places", "visits", "place_notes", "contacts", "contact_tags", "encounters")


@pytest.fixture(autouse=True)
def known_place() -> None:
    cache = Cache(get_paths().cache_db)
    cache.save_fetch([SMOOTH], *LYON, 5000, ["coworking"], None, "test")
    remember_listing(cache, Origin("Lyon", "Lyon, France", *LYON), [SMOOTH])
    cache.close()


def run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*solomo_command(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
        **kwargs,
    )  # type: ignore[call-overload]


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_the_user_file_is_created_for_its_owner_only_whatever_the_umask() -> None:
    result = run("visit", "1", "--rating", "4", preexec_fn=lambda: os.umask(0))
    assert result.returncode == 0, result.stderr
    path = get_paths().user_db
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            assert side.stat().st_mode & 0o077 == 0, suffix


def test_atomic_writer_writes_for_its_owner_only_by_default(tmp_path: Path) -> None:
    from solomo_cli.formats.files import atomic_writer

    target = tmp_path / "out.txt"
    with atomic_writer(target) as out:
        out.write("private\n")
    assert target.read_text(encoding="utf-8") == "private\n"
    assert target.stat().st_mode & 0o777 == 0o600


def test_wal_mode_and_busy_timeout() -> None:
    assert invoke(["visit", "1"]).exit_code == 0
    conn = sqlite3.connect(get_paths().user_db)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()
    user = UserData(get_paths().user_db)
    assert user.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    user.close()


def test_twenty_visit_processes_started_at_once_all_land() -> None:
    # A fresh home: the twenty also race to create the file and apply the migrations.
    assert not get_paths().user_db.exists()
    procs = [
        subprocess.Popen(
            [
                *solomo_command(),
                "visit",
                "node/12155174562",
                "--note",
                f"run {i}",
                "--date",
                "2026-11-20",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for i in range(20)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()
    assert [rc for rc, _ in outcomes] == [0] * 20, [err for rc, err in outcomes if rc]
    path = get_paths().user_db
    conn = sqlite3.connect(path)
    notes = sorted(n for (n,) in conn.execute("SELECT note FROM visits"))
    applied = conn.execute("SELECT count(*) FROM _migrations").fetchone()[0]
    conn.close()
    assert notes == sorted(f"run {i}" for i in range(20))
    assert applied == len(MIGRATIONS)
    assert integrity(path) == "ok"


def test_kill_9_in_the_middle_of_a_large_import_changes_nothing(tmp_path: Path) -> None:
    user = UserData(get_paths().user_db)
    user.add_visit(SMOOTH, "2026-11-20", 4, "before the import")
    user.add_contact("Jeanne Martin", at=SMOOTH, tags=["ux"])
    user.add_note(SMOOTH, "quiet")
    user.close()
    before = counts(get_paths().user_db)
    big = tmp_path / "big.json"
    big.write_text(
        json.dumps(
            {
                "solomo_export": "visits",
                "visits": [
                    {
                        "uid": str(uuid.uuid4()),
                        "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
                        "place_id": f"node/{1000 + i % 400}",
                        "place_name": f"Place {i % 400}",
                        "kind": "coworking",
                        "lat": 45.7 + (i % 400) / 10000,
                        "lon": 4.8,
                        "note": "x" * 40,
                    }
                    for i in range(100_000)
                ],
            }
        ),
        encoding="utf-8",
    )
    wal = Path(f"{get_paths().user_db}-wal")
    proc = subprocess.Popen(
        [*solomo_command(), "import", str(big)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        # Wait until the import holds the write lock and has pages in the WAL: mid-transaction.
        deadline = time.monotonic() + 60
        probe = sqlite3.connect(get_paths().user_db, timeout=0, isolation_level=None)
        writing = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
            except sqlite3.OperationalError:  # locked: the importer is inside its transaction
                if wal.exists() and wal.stat().st_size > 256 * 1024:
                    writing = True
                    break
            time.sleep(0.005)
        probe.close()
        assert writing, "the import finished or never started writing before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert integrity(get_paths().user_db) == "ok"
    assert counts(get_paths().user_db) == before
    # The file works as before: the lock went with the process.
    result = run("visit", "1", "--note", "after the crash")
    assert result.returncode == 0, result.stderr
    assert counts(get_paths().user_db)["visits"] == before["visits"] + 1


def test_a_failure_in_the_middle_of_a_command_writes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(UserData, "_add_encounter", broken)
    result = invoke(["contact", "add", "Jeanne Martin", "--at", "1", "--tag", "ux"])
    assert result.exit_code == 1
    assert "unexpected RuntimeError" in result.stderr
    assert counts(get_paths().user_db) == dict.fromkeys(TABLES, 0)  # no contact, tag or place


FIRST_SCHEMA_ROWS = {
    "places": [
        (
            "node/12155174562",
            "Smooth",
            "coworking",
            45.7514387,
            4.8451483,
            '{"name": "Smooth"}',
            "2026-01-02T03:04:05Z",
        ),
        ("google/42", "Café Mokxa", "saved", 45.764, 4.832, '{"name": "Café Mokxa"}', ""),
    ],
    "visits": [
        (
            3,
            "u-v3",
            "node/12155174562",
            "2026-01-02",
            4,
            "multi\nline",
            "20.50",
            "EUR",
            "2026-01-02T10:00:00Z",
        ),
        (7, "u-v7", "google/42", "2026-02-03", None, None, None, None, "2026-02-03T10:00:00Z"),
    ],
    "place_notes": [(1, "u-n1", "node/12155174562", "2026-01-02T10:00:00Z", "=not a formula")],
    "contacts": [
        (
            1,
            "u-c1",
            "Élodie Roux",
            "=Org",
            "elodie@example.org",
            "+33 6",
            "note é",
            "2026-01-01T00:00:00Z",
            "2026-01-02T00:00:00Z",
        ),
        (
            5,
            "u-c5",
            "Karim Benali",
            None,
            None,
            None,
            None,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
        ),
    ],
    "contact_tags": [(1, "ux"), (1, "freelance"), (5, "dev")],
    "encounters": [
        (1, "u-e1", 1, "node/12155174562", "2026-01-02", "coffee", "2026-01-02T10:00:00Z"),
        (2, "u-e2", 5, None, "2025-06-01", None, "2026-01-01T00:00:00Z"),
    ],
}


def test_migration_from_the_first_schema_keeps_every_row() -> None:
    path = get_paths().user_db
    conn = db.connect(path, private=True)
    db.migrate(conn, [m001_initial])
    with db.transaction(conn):
        for table, rows in FIRST_SCHEMA_ROWS.items():
            marks = ",".join("?" * len(rows[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    conn.close()

    result = invoke(["contact", "show", "ÉLODIE", "-f", "json"])  # opening the file upgrades it
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "Élodie Roux"

    conn = sqlite3.connect(path)
    for table, rows in FIRST_SCHEMA_ROWS.items():
        columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")][: len(rows[0])]
        kept = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid").fetchall()
        assert sorted(kept, key=repr) == sorted(rows, key=repr), table
    assert conn.execute("SELECT name, name_key FROM contacts ORDER BY id").fetchall() == [
        ("Élodie Roux", "elodie roux"),
        ("Karim Benali", "karim benali"),
    ]
    assert [n for (n,) in conn.execute("SELECT name FROM _migrations ORDER BY name")] == [
        f.__name__ for f in MIGRATIONS
    ]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    assert integrity(path) == "ok"
    # New ids continue after the old ones.
    assert invoke(["visit", "1"]).exit_code == 0
    assert UserData(path).visits()[0].id == 8


def test_a_migration_race_lost_to_another_process_is_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from solomo_cli.mydata import store as userdata

    real = db.migrate
    calls = []

    def racing(conn: sqlite3.Connection, migrations: object) -> int:
        calls.append(1)
        if len(calls) == 1:  # as if another process had just created the tables
            real(sqlite3.connect(get_paths().user_db, isolation_level=None), MIGRATIONS)
            raise sqlite3.OperationalError("table places already exists")
        return real(conn, migrations)  # type: ignore[arg-type]

    get_paths().user_db.parent.mkdir(parents=True)
    monkeypatch.setattr(userdata.db, "migrate", racing)
    user = UserData(get_paths().user_db)
    user.add_visit(SMOOTH, "2026-11-20")
    assert len(calls) == 2 and len(user.visits()) == 1
    user.close()


def test_a_failing_migration_leaves_the_file_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    from solomo_cli.errors import StoreError
    from solomo_cli.mydata import store as userdata

    user = UserData(get_paths().user_db)
    user.add_visit(SMOOTH, "2026-11-20", 5)
    user.close()

    def m003_broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE visits ADD COLUMN mood TEXT")
        conn.execute("UPDATE visits SET rating = NULL")
        raise sqlite3.OperationalError("simulated failure half-way")

    monkeypatch.setattr(userdata, "MIGRATIONS", [*MIGRATIONS, m003_broken])
    with pytest.raises(StoreError):
        UserData(get_paths().user_db).visits()
    conn = sqlite3.connect(get_paths().user_db)
    assert conn.execute("SELECT rating FROM visits").fetchall() == [(5,)]
    assert "mood" not in [c[1] for c in conn.execute("PRAGMA table_info(visits)")]
    conn.close()


def test_backup_is_a_consistent_copy_while_another_process_writes(tmp_path: Path) -> None:
    user = UserData(get_paths().user_db)
    for day in range(1, 11):
        user.add_visit(SMOOTH, f"2026-11-{day:02d}")
    user.close()
    writer = sqlite3.connect(get_paths().user_db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM visits WHERE day < '2026-11-06'")  # not committed yet
    try:
        out = tmp_path / "backup.db"
        result = run("backup", str(out))
        assert result.returncode == 0, result.stderr
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert out.stat().st_mode & 0o777 == 0o600
    assert integrity(out) == "ok"
    assert counts(out)["visits"] == 10  # the state before the uncommitted change, whole
    assert counts(get_paths().user_db)["visits"] == 5
    assert not Path(f"{out}-wal").exists()
    conn = sqlite3.connect(out)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    conn.close()


def test_the_core_backup_names_no_flag(tmp_path: Path) -> None:
    from solomo_cli.formats.files import TargetExists
    from solomo_cli.mydata.backup import backup

    assert invoke(["visit", "1"]).exit_code == 0
    out = tmp_path / "copy.db"
    out.write_bytes(b"precious")
    with pytest.raises(TargetExists) as err:
        backup(get_paths().user_db, out)
    assert "--" not in f"{err.value.message} {err.value.hint}"


def test_backup_never_replaces_a_file_without_force(tmp_path: Path) -> None:
    assert invoke(["visit", "1"]).exit_code == 0
    folder = tmp_path / "backups"
    folder.mkdir()
    out = folder / "keep.db"
    out.write_bytes(b"precious")
    result = run("backup", str(out))
    assert result.returncode == 2
    assert out.read_bytes() == b"precious"
    assert [p.name for p in folder.iterdir()] == ["keep.db"]  # no temporary file left behind


# -- row ids from files -----------------------------------------------------------------------

BIG = 2**63 - 1


def old_file_with_absurd_ids(*, delete_them: bool = False) -> Path:
    """A data file of the schema before this release, where an older version's import kept
    ids near 2**63 (a visit, a note, a contact with its tag and encounter)."""
    path = get_paths().user_db
    conn = db.connect(path, private=True)
    db.migrate(conn, MIGRATIONS[:2])
    now = "2026-01-01T00:00:00Z"
    with db.transaction(conn):
        conn.execute(
            "INSERT INTO places VALUES ('node/12155174562', 'Smooth', 'coworking', 45.75, 4.84,"
            " '{}', ?)",
            (now,),
        )
        for vid in (1, BIG):
            conn.execute(
                "INSERT INTO visits (id, uid, place_id, day, note, created_at) "
                "VALUES (?, ?, 'node/12155174562', '2026-01-02', ?, ?)",
                (vid, f"u-v{vid}", f"visit {vid}", now),
            )
        conn.execute(
            "INSERT INTO place_notes VALUES (?, 'u-n', 'node/12155174562', ?, 'quiet')", (BIG, now)
        )
        conn.execute(
            "INSERT INTO contacts (id, uid, name, name_key, created_at, updated_at) "
            "VALUES (?, 'u-c', 'Élodie Roux', 'elodie roux', ?, ?)",
            (BIG, now, now),
        )
        conn.execute("INSERT INTO contact_tags VALUES (?, 'ux')", (BIG,))
        conn.execute(
            "INSERT INTO encounters VALUES (?, 'u-e', ?, 'node/12155174562', '2026-01-02', "
            "'coffee', ?)",
            (BIG, BIG, now),
        )
        if delete_them:
            for table in ("encounters", "contact_tags", "place_notes", "visits", "contacts"):
                key = "contact_id" if table == "contact_tags" else "id"
                conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (BIG,))
    seq = dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    conn.close()
    assert seq["visits"] == seq["contacts"] == BIG  # what made every later insert fail
    return path


def test_rows_with_absurd_ids_are_renumbered_and_nothing_is_lost() -> None:
    path = old_file_with_absurd_ids()
    result = invoke(["visit", "1", "--note", "new"])
    assert result.exit_code == 0, result.stderr
    result = invoke(["contact", "add", "Karim Benali"])
    assert result.exit_code == 0, result.stderr
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT id, note FROM visits ORDER BY id").fetchall() == [
            (1, "visit 1"),
            (2, f"visit {BIG}"),
            (3, "new"),
        ]
        assert conn.execute("SELECT id, text FROM place_notes").fetchall() == [(1, "quiet")]
        assert conn.execute("SELECT id, name FROM contacts ORDER BY id").fetchall() == [
            (1, "Élodie Roux"),
            (2, "Karim Benali"),
        ]
        assert conn.execute("SELECT contact_id, tag FROM contact_tags").fetchall() == [(1, "ux")]
        assert conn.execute("SELECT id, contact_id, note FROM encounters").fetchall() == [
            (1, 1, "coffee")
        ]
        assert max(seq for (seq,) in conn.execute("SELECT seq FROM sqlite_sequence")) == 3
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    assert integrity(path) == "ok"
    shown = json.loads(invoke(["contact", "show", "elodie", "-f", "json"]).stdout)
    assert shown["tags"] == ["ux"] and len(shown["encounters"]) == 1


def test_a_deleted_absurd_row_no_longer_blocks_new_ones() -> None:
    path = old_file_with_absurd_ids(delete_them=True)
    for args in (["visit", "1"], ["contact", "add", "Karim Benali", "--at", "1"]):
        result = invoke(args)
        assert result.exit_code == 0, result.stderr
    assert [v.id for v in UserData(path).visits()] == [2, 1]


def test_an_imported_id_is_never_a_row_id(tmp_path: Path) -> None:
    file = tmp_path / "visits.json"
    record = {
        "id": BIG,
        "uid": "u-far",
        "place_id": "node/1",
        "place_name": "P",
        "lat": 45.7,
        "lon": 4.8,
    }
    file.write_text(
        json.dumps({"solomo_export": "visits", "visits": [{**record, "date": "2026-01-02"}]}),
        encoding="utf-8",
    )
    assert invoke(["import", str(file)]).exit_code == 0
    result = invoke(["visit", "1"])
    assert result.exit_code == 0, result.stderr
    assert sorted(v.id for v in UserData(get_paths().user_db).visits()) == [1, 2]


# -- files that tell the truth ----------------------------------------------------------------


@pytest.mark.parametrize("args", [["log"], ["visit", "1"], ["contact", "list"]])
def test_a_zero_byte_data_file_is_reported_not_started_over(args: list[str]) -> None:
    path = get_paths().user_db
    path.parent.mkdir(parents=True)
    path.touch(mode=0o600)
    os.utime(path, (time.time() - 3600, time.time() - 3600))  # emptied an hour ago
    result = invoke(args)
    assert result.exit_code == 5
    assert_one_error(result.stderr, "empty (0 bytes)", "solomo backup")
    assert path.stat().st_size == 0 and not Path(f"{path}-wal").exists()


def test_a_young_empty_file_is_waited_for_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    # Another process's new file is empty for a moment: it gets a few seconds, not forever.
    monkeypatch.setattr("solomo_cli.mydata.base.CREATING_S", 1.0)
    path = get_paths().user_db
    path.parent.mkdir(parents=True)
    path.touch(mode=0o600)
    started = time.monotonic()
    result = invoke(["log"])
    assert result.exit_code == 5
    assert 0.9 < time.monotonic() - started < 30
    assert_one_error(result.stderr, "empty (0 bytes)")


def test_a_truncated_data_file_is_reported() -> None:
    with UserData(get_paths().user_db) as user, user.write():
        for i in range(300):
            user.add_note(SMOOTH, f"note {i} " + "x" * 200)
    path = get_paths().user_db
    size = path.stat().st_size
    assert size > 40_000 and not Path(f"{path}-wal").exists()
    with open(path, "r+b") as handle:
        handle.truncate(size // 2)
    result = invoke(["log"])
    assert result.exit_code == 5
    assert_one_error(result.stderr, "truncated", "solomo backup")


def as_reader(*args: str) -> subprocess.CompletedProcess[str]:
    """Run solomo as a user the file permissions apply to: root, unless it drops the
    capabilities that let it ignore them."""
    if os.geteuid() != 0:
        return run(*args)
    if not shutil.which("setpriv"):
        pytest.skip("root ignores file permissions and setpriv is missing")
    drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
    return subprocess.run(
        [*drop, *solomo_command(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )


def make_read_only(what: str) -> Path:
    path = get_paths().user_db
    assert not Path(f"{path}-wal").exists()
    if what == "file":
        path.chmod(0o400)
    elif what == "folder":
        path.parent.chmod(0o500)
    else:  # the whole home, cache included: a read-only disk
        for folder, _dirs, files in os.walk(get_paths().user_db.parents[1]):
            os.chmod(folder, 0o500)
            for name in files:
                os.chmod(Path(folder) / name, 0o400)
    return path


def some_data() -> None:
    for args in (
        ["visit", "1", "--rating", "4", "--note", "quiet"],
        ["contact", "add", "Élodie Roux", "--at", "1"],
    ):
        result = invoke(args)
        assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("what", ["file", "folder", "home"])
def test_reading_commands_work_on_a_read_only_data_file(tmp_path: Path, what: str) -> None:
    some_data()
    path = make_read_only(what)
    before = path.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    for args in (
        ["log", "-f", "json"],
        ["show", "1", "-f", "json"],
        ["show", "smooth", "-f", "json"],
        ["contact", "list", "-f", "json"],
        ["contact", "show", "elodie", "-f", "json"],
        ["export", "visits", str(out / "visits.json")],
        ["backup", str(out / "copy.db")],
    ):
        result = as_reader(*args)
        assert result.returncode == 0, (args, result.stderr)
    assert json.loads(as_reader("log", "-f", "json").stdout)["visits"][0]["note"] == "quiet"
    assert json.loads((out / "visits.json").read_text(encoding="utf-8"))["visits"][0]["rating"] == 4
    assert counts(out / "copy.db")["visits"] == 1
    # Nothing was written: no migration, no -wal or -shm left beside the file.
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.mark.parametrize("what", ["file", "folder"])
def test_writing_to_a_read_only_data_file_is_refused_with_status_5(what: str) -> None:
    some_data()
    path = make_read_only(what)
    result = as_reader("visit", "1")
    assert result.returncode == 5
    assert_one_error(result.stderr, "read-only", "nothing was changed", "writable")
    assert counts(path)["visits"] == 1


def test_a_read_only_cache_is_read_and_a_write_to_it_is_status_5() -> None:
    some_data()
    make_read_only("home")
    assert as_reader("show", "smooth").returncode == 0
    result = as_reader("near", "45.74906,4.84789", "--offline")
    assert result.returncode == 5
    assert_one_error(result.stderr, "cache", "readonly", "writable")


def test_a_read_only_file_that_needs_an_upgrade_says_so() -> None:
    conn = db.connect(get_paths().user_db, private=True)
    db.migrate(conn, [m001_initial])
    conn.close()
    make_read_only("file")
    result = as_reader("log")
    assert result.returncode == 5
    assert_one_error(result.stderr, "read-only", "needs an upgrade", "writable")
