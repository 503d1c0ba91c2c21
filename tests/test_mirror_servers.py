"""`solomo mirror` with the real tools around it: a Radicale CardDAV/CalDAV server on loopback,
vdirsyncer syncing the mirror tree with it, khard listing and editing the mirrored contacts.

The full round trip of issue 12: two solomo homes, each mirrored and synced through the same
server; an edit in one, a delete in the other, a forget in one; both end equal, and the
forgotten person is in neither home, neither tree, nor the server's storage."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from clitools import HARRYCOW, LIBRARY_7E, invoke, seed_listing, solomo_command

from solomo_cli.mydata.store import UserData

BIN = Path(sys.executable).parent
USER = "solomo"
ADDRESSBOOK = (
    '<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" '
    'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype><D:collection/>'
    "<C:addressbook/></D:resourcetype></D:prop></D:set></D:mkcol>"
)


def tool(name: str) -> str:
    found = BIN / name
    if not found.exists():
        pytest.fail(f"{name} is not installed beside this Python (pip install '.[test]')")
    return str(found)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Radicale:
    def __init__(self, storage: Path, port: int) -> None:
        self.storage, self.port = storage, port
        self.url = f"http://127.0.0.1:{port}"

    def collections(self, owner: str) -> None:
        """An address book and a calendar for `owner` (as a CalDAV/CardDAV client makes them)."""
        with httpx.Client(auth=(owner, "x"), timeout=10, trust_env=False) as client:
            book = client.request(
                "MKCOL",
                f"{self.url}/{owner}/contacts/",
                content=ADDRESSBOOK,
                headers={"Content-Type": "application/xml"},
            )
            calendar = client.request("MKCALENDAR", f"{self.url}/{owner}/visits/")
            tasks = client.request("MKCALENDAR", f"{self.url}/{owner}/reminders/")
        assert (book.status_code, calendar.status_code, tasks.status_code) == (201, 201, 201)

    def stored_bytes(self) -> bytes:
        return b"".join(p.read_bytes() for p in self.storage.rglob("*") if p.is_file())


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    """A real Radicale server on a free loopback port, without authentication, its storage in
    a temporary folder; ready when it answers."""
    storage = tmp_path / "radicale"
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--config",
            "",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--auth-type",
            "none",
            "--storage-filesystem-folder",
            str(storage),
            "--logging-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Radicale(storage, port)
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                httpx.get(server.url + "/", timeout=1, trust_env=False)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(f"Radicale did not start: {err[-2000:]}")
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def vdirsyncer_config(tree: Path, status: Path, server: str, owner: str) -> str:
    """The vdirsyncer config of the README: the tree's two folders, each paired with its
    collection on the server."""
    return textwrap.dedent(
        f"""\
        [general]
        status_path = "{status}/"

        [pair solomo_contacts]
        a = "solomo_contacts_local"
        b = "solomo_contacts_server"
        collections = null
        conflict_resolution = "a wins"

        [storage solomo_contacts_local]
        type = "filesystem"
        path = "{tree}/contacts/"
        fileext = ".vcf"

        [storage solomo_contacts_server]
        type = "carddav"
        url = "{server}/{owner}/contacts/"
        username = "{owner}"
        password = "x"

        [pair solomo_visits]
        a = "solomo_visits_local"
        b = "solomo_visits_server"
        collections = null
        conflict_resolution = "a wins"

        [storage solomo_visits_local]
        type = "filesystem"
        path = "{tree}/visits/"
        fileext = ".ics"

        [storage solomo_visits_server]
        type = "caldav"
        url = "{server}/{owner}/visits/"
        username = "{owner}"
        password = "x"

        [pair solomo_reminders]
        a = "solomo_reminders_local"
        b = "solomo_reminders_server"
        collections = null
        conflict_resolution = "a wins"

        [storage solomo_reminders_local]
        type = "filesystem"
        path = "{tree}/reminders/"
        fileext = ".ics"

        [storage solomo_reminders_server]
        type = "caldav"
        url = "{server}/{owner}/reminders/"
        username = "{owner}"
        password = "x"
        """
    )


def run(args: list[str], env: dict[str, str] | None = None, stdin: str = "") -> str:
    done = subprocess.run(
        args,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {}), "NO_PROXY": "127.0.0.1,localhost"},
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


class Home:
    """One solomo home (SOLOMO_HOME), its mirror tree and its vdirsyncer, both under it."""

    def __init__(self, root: Path, server: Radicale) -> None:
        self.root = root
        self.tree = root / "mirror"
        self.config = root / "vdirsyncer" / "config"
        self.config.parent.mkdir(parents=True)
        self.config.write_text(
            vdirsyncer_config(self.tree, root / "vdirsyncer" / "status", server.url, USER)
        )
        self.discovered = False

    def env(self) -> dict[str, str]:
        return {"SOLOMO_HOME": str(self.root), "SOLOMO_GAZETTEER": "off"}

    def solomo(self, *args: str) -> str:
        result = invoke(list(args), env=self.env())
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def mirror(self) -> str:
        """The installed command, as cron runs it."""
        return run([*solomo_command(), "mirror", str(self.tree)], self.env())

    def vdirsyncer(self) -> None:
        command = [tool("vdirsyncer"), "-c", str(self.config)]
        if not self.discovered:
            run([*command, "discover"])
            self.discovered = True
        run([*command, "sync"])

    def round(self) -> None:
        self.mirror()
        self.vdirsyncer()
        self.mirror()

    def state(self) -> tuple[list[Any], list[Any]]:
        """Everything both homes must agree on: contacts (with tags and encounters) and
        visits, by uid, without this file's row ids."""
        with UserData(self.root / "data" / "solomo.db") as user:
            contacts = sorted(
                (
                    c.uid,
                    c.name,
                    c.org,
                    c.email,
                    c.phone,
                    c.note,
                    tuple(c.tags),
                    tuple(
                        sorted(
                            (e.uid, e.day, e.place.id if e.place else None, e.note)
                            for e in c.encounters
                        )
                    ),
                )
                for c in user.contacts()
            )
            visits = sorted(
                (v.uid, v.day, v.place.id, v.rating, v.note, v.cost, v.currency)
                for v in user.visits()
            )
        return contacts, visits

    def all_bytes(self) -> bytes:
        return b"".join(p.read_bytes() for p in self.root.rglob("*") if p.is_file())


@pytest.fixture
def homes(radicale: Radicale, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Home, Home]:
    radicale.collections(USER)
    a, b = Home(tmp_path / "a", radicale), Home(tmp_path / "b", radicale)
    monkeypatch.setenv("SOLOMO_HOME", str(a.root))
    seed_listing([HARRYCOW, LIBRARY_7E])
    a.solomo("contact", "add", "Jeanne Martin", "--at", "1", "--tag", "client", "--note", "UX")
    a.solomo("contact", "add", "Paul Durand", "--email", "paul@example.org")
    a.solomo("contact", "add", "Rosalind Quistgaard", "--at", "2", "--phone", "+45 1234")
    a.solomo("contact", "edit", "Rosalind", "--every", "1w")  # so that she has a reminder
    a.solomo("contact", "edit", "Jeanne", "--every", "2w")
    a.solomo("visit", "1", "--date", "2026-11-20", "--rating", "4", "--cost", "20 EUR")
    a.solomo("visit", "2", "--date", "2026-11-21", "--note", "quiet corner")
    monkeypatch.setenv("SOLOMO_HOME", str(b.root))
    seed_listing([HARRYCOW, LIBRARY_7E])
    b.solomo("contact", "add", "Lena Berg", "--at", "2", "--note", "librarian")
    b.solomo("visit", "2", "--date", "2026-11-25", "--rating", "5")
    return a, b


def test_two_homes_sync_through_radicale_and_a_forget_leaves_nothing(
    homes: tuple[Home, Home], radicale: Radicale
) -> None:
    a, b = homes
    a.round()
    b.round()
    a.round()
    assert a.state() == b.state()
    contacts, visits = a.state()
    assert [c[1] for c in contacts if c[1]] and len(contacts) == 4 and len(visits) == 3
    assert b"Rosalind" in radicale.stored_bytes() and b"Rosalind" in b.all_bytes()
    reminders = [p.read_bytes() for p in (b.tree / "reminders").glob("*.ics")]
    assert any(b"Get back in touch with Rosalind" in r for r in reminders)  # A's, through

    a.solomo("contact", "edit", "Paul", "--note", "edited in home a")  # an edit in one
    uid = next(v[0] for v in visits if v[1] == "2026-11-21")
    with UserData(b.root / "data" / "solomo.db") as user:
        visit_id = next(v.id for v in user.visits() if v.uid == uid)
    b.solomo("visit", "rm", str(visit_id))  # a delete in the other
    a.solomo("contact", "forget", "Rosalind Quistgaard", "--yes")  # a forget in one
    for _ in range(2):
        a.round()
        b.round()
    assert a.state() == b.state()
    contacts, visits = b.state()
    assert sorted(c[1] for c in contacts) == ["Jeanne Martin", "Lena Berg", "Paul Durand"]
    assert next(c[5] for c in contacts if c[1] == "Paul Durand") == "edited in home a"
    assert uid not in [v[0] for v in visits] and len(visits) == 2
    # The encounter travelled with its place: Jeanne met at HarryCow, in both homes.
    jeanne = next(c for c in contacts if c[1] == "Jeanne Martin")
    assert [e[2] for e in jeanne[7]] == ["node/9000"]
    # Both quiet now; the forgotten person nowhere: homes (data, trees, vdirsyncer's status)
    # and the server's storage.
    assert (a.mirror(), b.mirror()) == ("", "")
    for home in (a, b):
        assert b"Rosalind" not in home.all_bytes()
        assert b"Quistgaard" not in home.all_bytes()
    assert b"Rosalind" not in radicale.stored_bytes()
    assert b"Quistgaard" not in radicale.stored_bytes()
    assert b"Paul Durand" in radicale.stored_bytes()
    read_every_item(a.tree, b.tree)


def read_every_item(*trees: Path) -> None:
    """vobject reads every card and icalendar every calendar item of the trees, whoever wrote
    them (solomo, vdirsyncer from the server)."""
    import icalendar
    import vobject

    cards = events = 0
    for tree in trees:
        for path in (tree / "contacts").glob("*.vcf"):
            assert vobject.readOne(path.read_text(encoding="utf-8")).fn.value
            cards += 1
        for path in (tree / "visits").glob("*.ics"):
            assert icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
            events += 1
    assert (cards, events) == (3 * len(trees), 2 * len(trees))


def test_khard_lists_the_mirrored_contacts_and_its_edit_comes_in(
    homes: tuple[Home, Home], tmp_path: Path
) -> None:
    a, _ = homes
    a.mirror()
    editor = tmp_path / "editor.py"
    editor.write_text(
        f"#!{sys.executable}\nimport re, sys\npath = sys.argv[-1]\ntext = open(path).read()\n"
        "text = re.sub(r'(?m)^Note\\s*:.*$', 'Note: edited with khard', text)\n"
        "open(path, 'w').write(text)\n"
    )
    editor.chmod(0o700)
    config = tmp_path / "khard.conf"
    config.write_text(
        textwrap.dedent(
            f"""\
            [addressbooks]
            [[solomo]]
            path = {a.tree}/contacts/

            [general]
            default_action = list
            editor = {editor}
            merge_editor = {editor}

            [contact table]
            display = formatted_name
            """
        )
    )
    listed = run([tool("khard"), "-c", str(config), "list"])
    for name in ("Jeanne Martin", "Paul Durand", "Rosalind Quistgaard"):
        assert name in listed
    assert "paul@example.org" in listed
    shown = run([tool("khard"), "-c", str(config), "show", "Jeanne"])
    assert "client" in shown  # CATEGORIES, read by khard as its categories
    run([tool("khard"), "-c", str(config), "edit", "Paul"])
    assert a.mirror().strip() == "1 in."
    with UserData(a.root / "data" / "solomo.db") as user:
        assert user.find_contact("Paul").note == "edited with khard"
    assert a.mirror() == ""


def test_vdirsyncer_pull_of_a_card_made_on_the_server_comes_in(
    homes: tuple[Home, Home], radicale: Radicale
) -> None:
    a, _ = homes
    a.round()
    # As a phone's address book puts a new card on the server: vCard 3.0, its own UID.
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Phone//EN\r\nUID:phone-42\r\n"
        "N:Okafor;Ada;;;\r\nFN:Ada Okafor\r\nTEL;TYPE=CELL:+234 800 000\r\n"
        "CATEGORIES:conference\r\nEND:VCARD\r\n"
    )
    put = httpx.put(
        f"{radicale.url}/{USER}/contacts/phone-42.vcf",
        content=card,
        headers={"Content-Type": "text/vcard"},
        auth=(USER, "x"),
        trust_env=False,
    )
    assert put.status_code == 201
    a.vdirsyncer()
    assert a.mirror().strip() == "1 in."
    with UserData(a.root / "data" / "solomo.db") as user:
        ada = user.find_contact("Ada")
    assert (ada.uid, ada.phone, ada.tags) == ("phone-42", "+234 800 000", ["conference"])


def test_every_item_put_on_the_server_was_accepted(
    homes: tuple[Home, Home], radicale: Radicale
) -> None:
    a, _ = homes
    a.round()
    root = radicale.storage / "collection-root" / USER
    counts = {
        name: len(
            [p for p in (root / name).iterdir() if p.is_file() and p.suffix in (".ics", ".vcf")]
        )
        for name in ("contacts", "visits", "reminders")
    }
    assert counts == {"contacts": 3, "visits": 2, "reminders": 2}
