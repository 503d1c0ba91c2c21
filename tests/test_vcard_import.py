"""`solomo import FILE.vcf`: vCard 2.1, 3.0 and 4.0 as phones and address books export them
(samples in tests/fixtures/vcard, written in the shapes of iPhone, Android, Google, Outlook and
a CardDAV server), merged with the contacts already here; hostile cards refused or tamed."""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import vobject
from clitools import assert_one_error, coworking, invoke, solomo_command

from solomo_cli.boundary import BadInput
from solomo_cli.config import get_paths
from solomo_cli.formats import imports
from solomo_cli.formats.imports import import_file
from solomo_cli.formats.vcard import read_vcards
from solomo_cli.mydata.contacts import phone_key
from solomo_cli.mydata.store import UserData

SAMPLES = Path(__file__).parent / "fixtures" / "vcard"
PHOTO_B64 = base64.b64encode(bytes(range(256)) * 4).decode()  # the samples' PHOTO
CORDEE = coworking("node/8795134202", "La cordée - Jean Macé", 45.7496347, 4.8432509)


def cards(name: str) -> list[dict[str, object]]:
    return [c._asdict() for c in read_vcards((SAMPLES / name).read_bytes())]


def contact_rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return (
            conn.execute("SELECT * FROM contacts ORDER BY id").fetchall()
            + conn.execute("SELECT * FROM contact_tags ORDER BY rowid").fetchall()
        )


# -- reading ---------------------------------------------------------------------------------


def test_iphone_3_0_grouped_emails_preferred_first_and_no_photo() -> None:
    elodie, office = cards("iphone-3.0.vcf")
    assert elodie == {
        "number": 1,
        "uid": None,
        "name": "Élodie Dubois",
        "org": "Atelier Nord",
        "title": "Architecte",
        "emails": ["elodie@atelier-nord.example", "elodie.dubois@mail.example"],  # type=pref
        "phones": ["+33 6 21 43 65 87", "04 78 00 00 00"],
        "note": "Met at the Lyon freelance meetup, talked about the Grenoble mission.\n"
        "Likes climbing and long coffee breaks at La Cordée.",
        "tags": [],
        "rev": None,
    }
    # A company card (X-ABShowAs:COMPANY): FN is the company's name.
    assert (office["name"], office["org"], office["phones"]) == (
        "Bureau Partagé",
        "Bureau Partagé SARL",
        ["+33 4 72 00 00 00"],
    )


def test_android_2_1_quoted_printable_utf8_with_soft_line_breaks() -> None:
    francois, minh = cards("android-2.1.vcf")
    assert francois["name"] == "François Lefèvre"
    # vobject alone cut this at its first comma; the soft breaks join without a space.
    assert francois["note"] == (
        "Rencontré au café de la gare, très sympa, travaille dans la fintech\n"
        "Deuxième ligne: à rappeler en janvier"
    )
    assert francois["phones"] == ["+33612345678", "04 78 12 34 56"]  # TEL;CELL;PREF first
    assert (minh["name"], minh["phones"]) == ("Minh Nguyen", ["+33 7 98 76 54 32"])


def test_google_3_0_categories_and_a_name_from_n_only() -> None:
    karim, paul = cards("google-3.0.vcf")
    assert karim["tags"] == ["Clients", "starred"]  # "myContacts" is Google's, not a tag
    assert karim["emails"] == ["karim@bigcorp.example", "karim.benali@mail.example"]
    assert (karim["org"], karim["title"]) == ("BigCorp", "CTO")
    assert paul["name"] == "Dr. Paul Henri Roux"  # FN empty: made from N


def test_outlook_2_1_in_windows_1252() -> None:
    (jurgen,) = cards("outlook-2.1.vcf")
    assert (jurgen["name"], jurgen["org"]) == ("Jürgen Müller", "Société Générale, Trading")
    assert jurgen["note"] == "Café à la Défense,\nprojet « risque »"
    assert jurgen["emails"] == ["juergen.mueller@bank.example"]
    assert jurgen["rev"] == "2026-10-01T10:10:10Z"


def test_vcard_4_0_uid_pref_and_tel_uris() -> None:
    (ana,) = cards("v4-multi.vcf")
    assert ana["uid"] == "4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"  # urn:uuid: removed
    assert ana["emails"] == ["ana@acme.example", "ana@home.example"]  # PREF=1 first
    assert ana["phones"] == ["+55-11-5555-0100", "+33-4-78-00-00-01"]  # tel: removed
    assert ana["tags"] == ["client", "conference"]
    assert ana["note"] == (
        "Speaker at the Lisbon remote-work summit.\nFollow up about the, retreat."
    )


def test_markup_and_control_characters_are_plain_text() -> None:
    evil, zed = cards("hostile-markup.vcf")
    assert evil["name"] == "[bold red]Evil[/bold red] Corp"  # kept as text, escape sequence gone
    assert "\x1b" not in str(evil) and "\x07" not in str(evil) and "\u202e" not in str(evil)
    assert zed["name"] == "Zed"  # the hyperlink's escape sequences and the zero-width space gone


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("hostile-huge-line.vcf", "card 1: a NOTE line is too long"),
        ("hostile-truncated.vcf", "card 2 is cut short"),
    ],
)
def test_hostile_files_are_refused(name: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        read_vcards((SAMPLES / name).read_bytes())


def test_every_sample_reads_back_the_same_with_vobject_where_it_can() -> None:
    # The 3.0 and 4.0 samples are valid for vobject itself: same names as ours.
    for name in ("iphone-3.0.vcf", "google-3.0.vcf", "v4-multi.vcf"):
        theirs = [c.fn.value for c in vobject.readComponents((SAMPLES / name).read_text())]
        ours = [c["name"] for c in cards(name)]
        assert [t or o for t, o in zip(theirs, ours, strict=True)] == ours


def test_phone_key_ignores_the_writing_of_a_number() -> None:
    assert phone_key("+33 6 12 34 56 78") == phone_key("06.12.34.56.78") == "612345678"
    assert phone_key("tel:+33-6-12-34-56-78") == "612345678"
    assert phone_key("12") is None


# -- importing -------------------------------------------------------------------------------


@pytest.fixture
def user(tmp_path: Path) -> UserData:
    data = UserData(tmp_path / "solomo.db")
    yield data
    data.close()


def test_all_samples_import_and_photos_are_never_stored(user: UserData) -> None:
    for name in ("iphone-3.0.vcf", "android-2.1.vcf", "google-3.0.vcf", "outlook-2.1.vcf"):
        import_file(user, SAMPLES / name)
    import_file(user, SAMPLES / "v4-multi.vcf")
    names = sorted(c.name for c in user.contacts())
    assert names == [
        "Ana Lima",
        "Bureau Partagé",
        "Dr. Paul Henri Roux",
        "François Lefèvre",
        "Jürgen Müller",
        "Karim Benali",
        "Minh Nguyen",
        "Élodie Dubois",
    ]
    ana = user.find_contact("Ana Lima")
    assert (ana.uid, ana.email, ana.phone, ana.updated_at) == (
        "4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
        "ana@acme.example",
        "+55-11-5555-0100",
        "2026-11-15T12:00:00Z",  # its REV
    )
    elodie = user.find_contact("Élodie")
    assert elodie.note is not None and elodie.note.endswith(
        "Title: Architecte\nOther e-mails: elodie.dubois@mail.example\nOther phones: 04 78 00 00 00"
    )
    user.close()
    data = user.path.read_bytes() + (
        Path(f"{user.path}-wal").read_bytes() if Path(f"{user.path}-wal").exists() else b""
    )
    assert PHOTO_B64[:40].encode() not in data and PHOTO_B64[200:240].encode() not in data


def test_reimporting_the_same_file_adds_and_changes_nothing(user: UserData) -> None:
    first = import_file(user, SAMPLES / "google-3.0.vcf")
    assert first.added == {"contacts": 2}
    before = contact_rows(user.path)
    changes = user.changed_since()
    second = import_file(user, SAMPLES / "google-3.0.vcf")
    assert (second.added, second.updated, second.known) == ({}, {}, {"contacts": 2})
    assert contact_rows(user.path) == before and user.changed_since() == changes


def test_a_card_merges_by_uid_then_email_then_phone_then_name(
    user: UserData, tmp_path: Path
) -> None:
    by_uid = user.add_contact("Ana L.", org="Acme")
    with user.write() as conn:
        conn.execute(
            "UPDATE contacts SET uid = '4fbe8971-0bc3-424c-9c26-36c3e1eff6b1' WHERE id = ?",
            (by_uid.id,),
        )
    user.add_contact("K. Benali", email="KARIM@bigcorp.example")
    user.add_contact("Minh", phone="07 98 76 54 32", note="met in Hanoi")
    user.add_contact("Jürgen Müller", tags=["bank"])
    for name in ("v4-multi.vcf", "google-3.0.vcf", "android-2.1.vcf", "outlook-2.1.vcf"):
        import_file(user, SAMPLES / name)
    ana = user.find_contact("Ana L.")  # merged: its name and org are the user's
    assert (ana.org, ana.email, ana.tags) == ("Acme", "ana@acme.example", ["client", "conference"])
    karim = user.find_contact("K. Benali")
    assert (karim.email, karim.phone, karim.org) == (
        "KARIM@bigcorp.example",
        "+33 7 11 22 33 44",
        "BigCorp",
    )
    minh = user.find_contact("Minh")
    assert (minh.phone, minh.note) == ("07 98 76 54 32", "met in Hanoi")  # nothing overwritten
    jurgen = user.find_contact("Jürgen Müller")
    assert (jurgen.email, jurgen.tags) == ("juergen.mueller@bank.example", ["bank"])
    assert sorted(c.name for c in user.contacts()) == [
        "Ana L.",
        "Dr. Paul Henri Roux",
        "François Lefèvre",
        "Jürgen Müller",
        "K. Benali",
        "Minh",
    ]


def test_the_dry_run_reports_the_same_and_changes_nothing(user: UserData) -> None:
    user.add_contact("K. Benali", email="karim@bigcorp.example")
    before = contact_rows(user.path)
    dry = import_file(user, SAMPLES / "google-3.0.vcf", dry_run=True)
    assert contact_rows(user.path) == before
    assert dry.cards == [
        (
            "merged",
            "K. Benali",
            ["same e-mail", "org", "phone", "note", "tag Clients", "tag starred"],
        ),
        ("added", "Dr. Paul Henri Roux", []),
    ]
    real = import_file(user, SAMPLES / "google-3.0.vcf")
    assert (real.added, real.updated, real.cards) == (dry.added, dry.updated, dry.cards)


def test_a_forgotten_person_in_solomos_own_vcards_stays_forgotten(tmp_path: Path) -> None:
    with UserData(get_paths().user_db) as user:
        user.add_contact("Zébulon Quaxwell", email="quax@example.org", at=CORDEE)
    out = tmp_path / "contacts.vcf"
    assert invoke(["export", "contacts", str(out)]).exit_code == 0
    assert invoke(["contact", "forget", "Zébulon Quaxwell", "--yes"]).exit_code == 0
    result = invoke(["import", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "deleted or forgotten here, left out: 1 contact" in result.stdout
    with UserData(get_paths().user_db) as user:
        assert user.contacts() == []


def test_cli_dry_run_lists_the_cards_and_creates_no_data_file() -> None:
    result = invoke(["import", str(SAMPLES / "android-2.1.vcf"), "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Would import {SAMPLES / 'android-2.1.vcf'} (vCards, vcard): 2 contacts.",
        "  would add    François Lefèvre",
        "  would add    Minh Nguyen",
        "Nothing was changed (--dry-run).",
    ]
    assert not get_paths().user_db.exists()
    assert invoke(["import", str(SAMPLES / "android-2.1.vcf")]).exit_code == 0
    result = invoke(["import", str(SAMPLES / "android-2.1.vcf"), "-n"])
    assert result.stdout.splitlines()[1:3] == [
        "  unchanged    François Lefèvre (same e-mail)",
        "  unchanged    Minh Nguyen (same phone)",
    ]


def test_cli_hostile_cards_show_as_text_and_bad_files_fail_in_one_line() -> None:
    assert invoke(["import", str(SAMPLES / "hostile-markup.vcf")]).exit_code == 0
    listed = invoke(["contact", "list", "-f", "json"])
    names = sorted(c["name"] for c in json.loads(listed.stdout))
    assert names == ["Zed", "[bold red]Evil[/bold red] Corp"]
    shown = invoke(["contact", "show", "Corp"]).stdout
    assert "[bold red]Evil[/bold red] Corp" in shown and "\x1b" not in shown
    assert "[link=https://evil.example]click[/link]" in shown
    for name, fragment in (
        ("hostile-huge-line.vcf", "too long"),
        ("hostile-truncated.vcf", "cut short"),
    ):
        result = invoke(["import", str(SAMPLES / name)])
        assert result.exit_code == 2
        assert_one_error(result.stderr, fragment, "nothing was imported")
    # The truncated file's whole first card was not imported either.
    assert len(json.loads(invoke(["contact", "list", "-f", "json"]).stdout)) == 2


def test_a_vcard_file_over_the_cap_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 1000)
    big = tmp_path / "big.vcf"
    big.write_bytes((SAMPLES / "iphone-3.0.vcf").read_bytes())
    result = invoke(["import", str(big)])
    assert result.exit_code == 2
    assert_one_error(result.stderr, "too large")


def test_the_installed_command_imports_a_phone_export(tmp_path: Path) -> None:
    env = {"SOLOMO_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [*solomo_command(), "import", str(SAMPLES / "outlook-2.1.vcf")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith("(vCards, vcard): 1 contact.")


def test_contact_list_does_not_import_vobject() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from solomo_cli.cli.app import app\n"
        "r = CliRunner().invoke(app, ['contact', 'list'])\n"
        "print(r.exit_code, 'vobject' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.stdout.split() == ["0", "False"], run.stderr


def test_base64_lines_without_their_space_are_skipped_with_the_photo() -> None:
    raw = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Tran;Lan\r\nPHOTO;ENCODING=BASE64;TYPE=JPEG:\r\n"
        f"{PHOTO_B64[:64]}\r\n{PHOTO_B64[64:128]}\r\n\r\nTEL;CELL:0612345678\r\nEND:VCARD\r\n"
    ).encode()
    (card,) = read_vcards(raw)
    assert (card.name, card.phones) == ("Lan Tran", ["0612345678"])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nno colon\r\nEND:VCARD\r\n", "without a ':'"),
        (
            b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=klingon;ENCODING=QUOTED-PRINTABLE:=41\r\n"
            b"END:VCARD\r\n",
            "unknown charset 'klingon'",
        ),
        (b"FN:x\r\n", "outside any card"),
        (b"BEGIN:VCARD\r\nFN:a\r\nBEGIN:VCARD\r\nFN:b\r\nEND:VCARD\r\n", "card 1 has no END"),
        (f"BEGIN:VCARD\r\nFN:{'x' * 400}\r\nEND:VCARD\r\n".encode(), "the name is too long"),
    ],
)
def test_malformed_cards_are_named_in_the_error(raw: bytes, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        read_vcards(raw)


def test_every_sample_imported_again_changes_nothing(user: UserData) -> None:
    names = sorted(p.name for p in SAMPLES.glob("*.vcf") if not p.name.startswith("hostile"))
    for name in names:
        import_file(user, SAMPLES / name)
    before, changes = contact_rows(user.path), user.changed_since()
    for name in names:
        report = import_file(user, SAMPLES / name)
        assert report.added == report.updated == {}, name
        assert {outcome for outcome, _name, _how in report.cards} == {"unchanged"}, name
    assert contact_rows(user.path) == before and user.changed_since() == changes


def test_two_cards_of_one_person_in_one_file_make_one_contact(
    user: UserData, tmp_path: Path
) -> None:
    path = tmp_path / "twice.vcf"
    path.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Lan Tran\r\nTEL:+33 6 12 34 56 78\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Lan T.\r\nTEL:06 12 34 56 78\r\n"
        "EMAIL:lan@example.org\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    report = import_file(user, path)
    assert report.cards == [
        ("added", "Lan Tran", []),
        ("merged", "Lan Tran", ["same phone", "email"]),
    ]
    (lan,) = user.contacts()
    assert (lan.email, lan.phone) == ("lan@example.org", "+33 6 12 34 56 78")
