"""`solomo mirror`: a two-way sync of the user's contacts and visits with a vdir tree, as
vdirsyncer syncs two storages (its sync/status.py is the model).

    DIR/contacts/<uid>.vcf    one vCard 4.0 per contact, its encounters inside
    DIR/visits/<uid>.ics      one all-day VEVENT per visit
    DIR/reminders/<uid>.ics   one VTODO per contact due (keep.py), written only, never read

The status table (mydata migration m009_mirror_status) keeps, per tree and item, a hash of the
record as solomo writes it (`hash_here`) and of the file as last seen (`hash_there`). Against
it, each side's change is told from a new item or a deletion: a change on one side is copied to
the other; a file gone from the tree deletes the record here (leaving its tombstone); a record
deleted here removes its file; both sides changed is a conflict, which the newer side wins
(updated_at here, REV / LAST-MODIFIED there, else the file's mtime). A tombstoned uid is never
brought back by a file: its file is removed. Files are written atomically and owner-only; a
lock keeps two runs on one tree apart."""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from solomo_cli import boundary
from solomo_cli.boundary import BadInput
from solomo_cli.errors import SolomoError, StoreError, UsageError
from solomo_cli.formats import vdir
from solomo_cli.model import Place
from solomo_cli.mydata.base import now_utc

if TYPE_CHECKING:
    from solomo_cli.mydata.contacts import Contact
    from solomo_cli.mydata.keep import Due
    from solomo_cli.mydata.store import UserData

MAX_ITEM_BYTES = 5 * 1024 * 1024  # one card with a large photo is under 1 MB
LOCK_WAIT_S = 60.0  # a second run (cron) waits this long for the first one
LOCK_NAME = ".solomo-mirror.lock"
# kind → (folder, suffix) in the tree
FOLDERS: dict[str, tuple[str, str]] = {"contact": ("contacts", ".vcf"), "visit": ("visits", ".ics")}
REMINDERS = ("reminders", ".ics")
_SAFE_HREF = re.compile(r"^[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]{0,150}$")


class EmptyTree(SolomoError):
    """A folder of the tree is empty while solomo had mirrored items there: a wiped or
    unmounted folder must not delete everything here (vdirsyncer refuses the same)."""

    exit_status = UsageError.exit_status

    def __init__(self, folder: Path, count: int) -> None:
        super().__init__(
            f"{folder} is empty, but {count} item(s) had been mirrored there: nothing was deleted"
        )
        self.folder = folder
        self.count = count


class Conflict(NamedTuple):
    kind: str
    label: str  # the contact's name, the visit's place and day
    kept: str  # "here" or "there"


class Report(NamedTuple):
    out: int = 0  # files written
    came_in: int = 0  # records added or changed here
    deleted_here: int = 0  # records deleted here (their file was removed)
    deleted_there: int = 0  # files removed (their record was deleted here)
    conflicts: tuple[Conflict, ...] = ()
    skipped: tuple[str, ...] = ()  # "visits/x.ics: why", new or changed since the last run
    reminders: int = 0  # reminder files written or removed

    @property
    def changed(self) -> bool:
        return any(self[:4]) or bool(self.conflicts or self.skipped or self.reminders)


def digest(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def href_for(uid: str, suffix: str) -> str:
    """The file name of a new item: its uid when that is a safe file name, else a hash of it
    (vdirsyncer names files the same way): a uid from elsewhere never makes a path."""
    stem = uid if _SAFE_HREF.match(uid) else hashlib.sha1(uid.encode("utf-8")).hexdigest()
    return stem + suffix


def _later(iso: str) -> str:
    """One second after `iso` (now_utc()'s format): a time that wins over it."""
    moment = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ") + timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _mtime(path: Path) -> str:
    try:
        seconds = path.stat().st_mtime
    except OSError:
        return now_utc()
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def tree_lock(root: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """An exclusive lock on the tree (a lock file in it), so that two runs (cron and a user)
    never interleave; the second waits up to `wait_s`."""
    import fcntl

    path = root / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise UsageError(f"cannot lock {root}: {exc.strerror}") from None
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"another solomo mirror is running on {root}",
                        hint="wait for it to end, then run this again",
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # releases the lock


_DTSTAMP = re.compile(r"^DTSTAMP:[^\r\n]*\r?\n", re.MULTILINE)
_PRODID = re.compile(r"^PRODID:[^\r\n]*\r\n", re.MULTILINE)


class Here(NamedTuple):
    text: str  # the item as solomo writes it
    updated_at: str
    label: str

    @property
    def hash(self) -> str:
        """What the status keeps of it: its hash without the PRODID line, so that a new
        version of solomo does not rewrite every item of the tree."""
        return digest(_PRODID.sub("", self.text))


class There(NamedTuple):
    href: str
    raw: bytes
    hash: str
    path: Path


# A card's REV is the last change of the contact, of its encounters or of its tags.
_CARD_TIMES = (
    "SELECT c.uid, max(c.updated_at, "
    "coalesce((SELECT max(updated_at) FROM encounters WHERE contact_id = c.id), ''), "
    "coalesce((SELECT max(updated_at) FROM contact_tags WHERE contact_id = c.id), '')) "
    "FROM contacts c"
)


def _card(c: Contact, when: str) -> Here:
    from solomo_cli.formats.records import contact_record

    record = contact_record(c)
    # In one order whatever the row ids (two homes write the same card).
    record["encounters"].sort(key=lambda e: (e["date"], e["uid"]), reverse=True)
    return Here(vdir.contact_card(record, when), when, c.name)


def _event(v: dict[str, Any], when: str) -> Here:
    label = f"{v['place_name'] or v['place_id']} on {v['date']}"
    return Here(vdir.visit_event(v, when), when, label)


def items_here(user: UserData, kind: str) -> dict[str, Here]:
    """Every contact's or visit's item as solomo writes it, by uid."""
    if kind == "contact":
        latest = dict(user._read(_CARD_TIMES))
        return {c.uid: _card(c, latest.get(c.uid) or c.updated_at) for c in user.contacts()}
    from solomo_cli.formats.records import visit_records

    times = dict(user._read("SELECT uid, updated_at FROM visits"))
    return {
        v["uid"]: _event(v, times.get(v["uid"]) or v["created_at"])
        for v in visit_records(user.iter_visits())
    }


def item_here(user: UserData, kind: str, uid: str) -> Here | None:
    """One record's item (after it was written here)."""
    if kind == "contact":
        rows = user._read(_CARD_TIMES + " WHERE c.uid = ?", (uid,))
        ids = user._read("SELECT id FROM contacts WHERE uid = ?", (uid,))
        return _card(user.contact(ids[0][0]), rows[0][1]) if ids else None
    from solomo_cli.formats.records import visit_record

    found = user._read("SELECT id, updated_at FROM visits WHERE uid = ?", (uid,))
    return _event(visit_record(user.visit(found[0][0])), found[0][1]) if found else None


def _files(folder: Path, suffix: str) -> Iterator[tuple[str, Path]]:
    """(name, path) of the regular files of the folder with this suffix (no hidden ones:
    vdirsyncer's and solomo's temporary files start with a dot)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return
    for entry in entries:
        if (
            entry.name.endswith(suffix)
            and not entry.name.startswith(".")
            and entry.is_file(follow_symlinks=False)
        ):
            yield entry.name, Path(entry.path)


def _read_item(path: Path) -> bytes:
    from solomo_cli.formats.imports import read_bytes

    try:
        return read_bytes(path, MAX_ITEM_BYTES)
    except UsageError as exc:
        raise BadInput(exc.message) from None


class _Status:
    """The status rows of one tree and kind: uid → (hash_here, hash_there, href)."""

    def __init__(self, user: UserData, root: str, kind: str) -> None:
        self.user, self.root, self.kind = user, root, kind
        self.rows: dict[str, tuple[str, str, str]] = {
            uid: (here, there, href)
            for uid, here, there, href in user._read(
                "SELECT uid, hash_here, hash_there, href FROM mirror_status "
                "WHERE dir = ? AND kind = ?",
                (root, kind),
            )
        }
        self.by_href = {href: uid for uid, (_, _, href) in self.rows.items()}

    def set(self, uid: str, hash_here: str, hash_there: str, href: str) -> None:
        with self.user.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO mirror_status (dir, kind, uid, hash_here, hash_there, "
                "href) VALUES (?, ?, ?, ?, ?, ?)",
                (self.root, self.kind, uid, hash_here, hash_there, href),
            )
        self.rows[uid] = (hash_here, hash_there, href)

    def drop(self, uid: str) -> None:
        with self.user.write() as conn:
            conn.execute(
                "DELETE FROM mirror_status WHERE dir = ? AND kind = ? AND uid = ?",
                (self.root, self.kind, uid),
            )
        self.rows.pop(uid, None)


class _Run:
    """One run of the mirror over the tree `root`."""

    def __init__(self, user: UserData, root: Path) -> None:
        self.user, self.root = user, root
        self.key = str(root)
        self.counts = {"out": 0, "in": 0, "deleted_here": 0, "deleted_there": 0, "reminders": 0}
        self.conflicts: list[Conflict] = []
        self.skipped: list[str] = []

    # -- one kind -----------------------------------------------------------------------

    def sync(self, kind: str, allow_empty: bool) -> None:
        name, suffix = FOLDERS[kind]
        folder = self.root / name
        _folder(folder)
        status = _Status(self.user, self.key, kind)
        skipped = _Status(self.user, self.key, f"skipped-{kind}")
        here = items_here(self.user, kind)
        there: dict[str, There] = {}
        parsed: dict[str, Any] = {}
        files = list(_files(folder, suffix))
        mirrored = [u for u, row in status.rows.items() if row[1]]
        if not files and mirrored and not allow_empty:
            raise EmptyTree(folder, len(mirrored))
        # The uids whose file is there but cannot be read now: left alone on both sides (a
        # file damaged there is not a deletion).
        blocked: set[str] = set()
        for href, path in files:
            try:
                raw = _read_item(path)
            except BadInput as exc:
                self._skip(skipped, href, "", f"{name}/{href}: {exc}")
                blocked.add(status.by_href.get(href, ""))
                continue
            item = There(href, raw, digest(raw), path)
            uid = status.by_href.get(href)
            if uid is None or status.rows[uid][1] != item.hash:
                try:
                    value = vdir.read_card(raw) if kind == "contact" else vdir.read_event(raw)
                    if isinstance(value, vdir.EventIn) and value.place_id is None:
                        raise BadInput("not a solomo visit (no X-SOLOMO-PLACE, no OSM URL)")
                except BadInput as exc:
                    self._skip(skipped, href, item.hash, f"{name}/{href}: {exc}")
                    blocked.add(uid or "")
                    continue
                uid = value.uid or Path(href).stem
                parsed[uid] = value
            if uid in there:
                self._skip(
                    skipped, href, item.hash, f"{name}/{href}: the same UID as {there[uid].href}"
                )
                continue
            if href in skipped.rows:
                skipped.drop(href)
            there[uid] = item
        for gone in [h for h in skipped.rows if not (folder / h).exists()]:
            skipped.drop(gone)
        # One transaction for the kind (a savepoint per item): a run cut short leaves the
        # status as it was, and the next run finds the files it wrote the same on both sides.
        with self.user.write() as conn:
            for uid in sorted((set(here) | set(there) | set(status.rows)) - blocked):
                conn.execute("SAVEPOINT item")
                try:
                    self._item(
                        kind, folder, suffix, status, uid, here.get(uid), there.get(uid), parsed
                    )
                except (BadInput, LookupError, UsageError) as exc:
                    conn.execute("ROLLBACK TO item")
                    where = there[uid].href if uid in there else uid
                    self.skipped.append(f"{name}/{where}: {exc}")
                conn.execute("RELEASE item")

    def _skip(self, skipped: _Status, href: str, hash_there: str, why: str) -> None:
        """Name a file that cannot be read once, not again on every run while it stays so."""
        if skipped.rows.get(href, ("", None))[1] != hash_there or not hash_there:
            self.skipped.append(why)
        if hash_there:
            skipped.set(href, "", hash_there, href)

    def _item(
        self,
        kind: str,
        folder: Path,
        suffix: str,
        status: _Status,
        uid: str,
        h: Here | None,
        t: There | None,
        parsed: dict[str, Any],
    ) -> None:
        row = status.rows.get(uid)
        if self.user.is_tombstoned(uid) and h is None:
            if t is not None:  # deleted or forgotten here: never brought back
                self._remove(t.path)
                self.counts["deleted_there"] += 1
            if row is not None:
                status.drop(uid)
            return
        if h is not None and t is not None:
            changed_here = row is None or h.hash != row[0]
            changed_there = row is None or t.hash != row[1]
            if not changed_here and not changed_there:
                return
            if changed_here and changed_there:
                if digest(h.text) == t.hash or _same(
                    kind, h.text, self._parsed(kind, uid, t, parsed)
                ):
                    status.set(uid, h.hash, t.hash, t.href)  # the same on both sides
                    return
                there_time = self._time_there(kind, uid, t, parsed)
                keep = "there" if there_time > h.updated_at else "here"
                self.conflicts.append(Conflict(kind, h.label, keep))
                changed_here = keep == "here"
            if changed_here:
                self._write(status, uid, h, folder / t.href, t.href)
            else:
                self._take(kind, status, uid, h, t, parsed)
            return
        if h is not None:  # no file
            if row is None:
                href = href_for(uid, suffix)
                self._write(status, uid, h, folder / href, href)
            elif h.hash != row[0]:  # removed there, changed here: kept
                self.conflicts.append(Conflict(kind, h.label, "here"))
                self._write(status, uid, h, folder / row[2], row[2])
            else:
                self.user.delete_record(kind, uid)  # type: ignore[arg-type]
                self.counts["deleted_here"] += 1
                status.drop(uid)
            return
        if t is not None:  # no record here
            if row is None:
                self._take(kind, status, uid, None, t, parsed)
            else:  # deleted here (before tombstones were kept): its file goes
                self._remove(t.path)
                self.counts["deleted_there"] += 1
                status.drop(uid)
            return
        status.drop(uid)  # gone from both sides

    # -- actions ------------------------------------------------------------------------

    def _write(self, status: _Status, uid: str, h: Here, path: Path, href: str) -> None:
        from solomo_cli.formats.files import atomic_writer

        with atomic_writer(path, overwrite=True) as out:
            out.write(h.text)
        status.set(uid, h.hash, digest(h.text), href)
        self.counts["out"] += 1

    def _remove(self, path: Path) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass

    def _parsed(self, kind: str, uid: str, t: There, parsed: dict[str, Any]) -> Any:
        if uid not in parsed:
            parsed[uid] = vdir.read_card(t.raw) if kind == "contact" else vdir.read_event(t.raw)
        return parsed[uid]

    def _time_there(self, kind: str, uid: str, t: There, parsed: dict[str, Any]) -> str:
        item = self._parsed(kind, uid, t, parsed)
        return (item.rev if kind == "contact" else item.modified) or _mtime(t.path)

    def _take(
        self, kind: str, status: _Status, uid: str, h: Here | None, t: There, parsed: dict[str, Any]
    ) -> None:
        """The file's version becomes the record here (newer than here's, whatever it says)."""
        item = self._parsed(kind, uid, t, parsed)
        if h is not None and _same(kind, h.text, item):  # rewritten, not changed (a server's copy)
            status.set(uid, h.hash, t.hash, t.href)
            return
        there_time = self._time_there(kind, uid, t, parsed)
        when = there_time if h is None or there_time > h.updated_at else _later(h.updated_at)
        with self.user.write():
            (_take_contact if kind == "contact" else _take_visit)(self.user, uid, item, when)
            fresh = item_here(self.user, kind, uid)
            status.set(uid, fresh.hash if fresh else "", t.hash, t.href)
        self.counts["in"] += 1

    # -- reminders ----------------------------------------------------------------------

    def reminders(self, due: Iterable[Due]) -> None:
        """The reminders folder made to hold one VTODO per contact in `due` (formats/ics.py's,
        one calendar each); solomo's own files there that are no longer due are removed."""
        from solomo_cli.formats.ics import reminder_record, write_ics

        name, suffix = REMINDERS
        folder = self.root / name
        _folder(folder)
        status = _Status(self.user, self.key, "reminder")
        wanted = {}
        for d in due:
            if not self.user.is_tombstoned(d.contact.uid):
                out = io.StringIO()
                write_ics("reminders", [reminder_record(d)], out)
                wanted[d.contact.uid] = out.getvalue()
        for uid, text in wanted.items():
            href = status.rows[uid][2] if uid in status.rows else href_for(uid, suffix)
            path = folder / href
            # A reminder is rewritten only when what it says changes (not its DTSTAMP).
            body = digest(_DTSTAMP.sub("", text))
            if uid in status.rows and status.rows[uid][0] == body and path.exists():
                continue
            from solomo_cli.formats.files import atomic_writer

            with atomic_writer(path, overwrite=True) as handle:
                handle.write(text)
            status.set(uid, body, digest(text), href)
            self.counts["reminders"] += 1
        for uid in [u for u in status.rows if u not in wanted]:
            self._remove(folder / status.rows[uid][2])
            status.drop(uid)
            self.counts["reminders"] += 1

    def report(self) -> Report:
        c = self.counts
        return Report(
            c["out"],
            c["in"],
            c["deleted_here"],
            c["deleted_there"],
            tuple(self.conflicts),
            tuple(self.skipped),
            c["reminders"],
        )


def _same(kind: str, text: str, item: vdir.CardIn | vdir.EventIn) -> bool:
    """Whether a file read back says what solomo's own item says, times aside (and solomo's
    own properties, if the other tool dropped them)."""
    raw = text.encode("utf-8")
    if isinstance(item, vdir.CardIn):
        mine = vdir.read_card(raw)._replace(rev=None)
        if item.encounters is None:
            mine = mine._replace(created_at=None, encounters=None)
        return mine == item._replace(rev=None)
    event = vdir.read_event(raw)
    return event._replace(modified=None, created_at=None) == item._replace(
        modified=None, created_at=None
    )


def _take_contact(user: UserData, uid: str, card: vdir.CardIn, when: str) -> None:
    rows = user._read("SELECT created_at FROM contacts WHERE uid = ?", (uid,))
    record = {
        "uid": uid,
        "name": card.name,
        "org": card.org,
        "email": card.email,
        "phone": card.phone,
        "note": card.note,
        "created_at": (rows[0][0] if rows else None) or card.created_at or when,
        "tags": card.tags,
    }
    user.upsert_record("contact", record, when)
    if card.encounters is None:  # a card rewritten without solomo's properties: keep them here
        return
    kept = {e["uid"] for e in card.encounters}
    for (old,) in user._read(
        "SELECT e.uid FROM encounters e JOIN contacts c ON c.id = e.contact_id WHERE c.uid = ?",
        (uid,),
    ):
        if old not in kept:
            user.delete_record("encounter", old, when)
    for e in card.encounters:
        if e["place_id"] is not None and e["lat"] is not None:
            user.ensure_place(Place(e["place_id"], e["place_name"], e["kind"], e["lat"], e["lon"]))
        elif e["place_id"] is not None and user.place(e["place_id"]) is None:
            e["place_id"] = None  # a place with no position cannot be kept
        owner = user._read(
            "SELECT c.uid FROM encounters e JOIN contacts c ON c.id = e.contact_id WHERE e.uid = ?",
            (e["uid"],),
        )
        if owner and owner[0][0] != uid:
            continue  # an encounter of someone else: left as it is
        user.upsert_record(
            "encounter",
            {
                "uid": e["uid"],
                "contact_uid": uid,
                "place_id": e["place_id"],
                "day": e["date"],
                "note": e["note"],
                "created_at": when,
            },
            when,
        )


def _take_visit(user: UserData, uid: str, event: vdir.EventIn, when: str) -> None:
    place_id = str(event.place_id)
    if user.place(place_id) is None:
        if event.lat is None or event.lon is None:
            raise BadInput(f"the visit's place {boundary.quoted(place_id)} has no GEO")
        user.ensure_place(Place(place_id, event.place_name, event.kind, event.lat, event.lon))
    rows = user._read("SELECT created_at FROM visits WHERE uid = ?", (uid,))
    user.upsert_record(
        "visit",
        {
            "uid": uid,
            "place_id": place_id,
            "day": event.day,
            "rating": event.rating,
            "note": event.note,
            "cost": event.cost,
            "currency": event.currency,
            "created_at": (rows[0][0] if rows else None) or event.created_at or when,
            **event.facts._asdict(),
        },
        when,
    )


def mirror(
    user: UserData,
    root: Path,
    *,
    today: date | None = None,
    reminders: bool = True,
    allow_empty: bool = False,
    lock_wait_s: float = LOCK_WAIT_S,
) -> Report:
    """Sync the user's contacts and visits with the vdir tree `root` both ways (created if
    absent), then write the reminders of the contacts due on `today` (keep.due_contacts, with
    the config's cadences), unless `reminders` is false. `allow_empty`: a folder emptied there
    deletes what it held here (else EmptyTree)."""
    root = _folder(Path(root).expanduser()).resolve()
    with tree_lock(root, lock_wait_s):
        run = _Run(user, root)
        for kind in FOLDERS:
            run.sync(kind, allow_empty)
        if reminders:
            from solomo_cli.mydata.keep import due_contacts

            # After the contacts came in: a forgotten one is not due, a met one is reset.
            run.reminders(due_contacts(user, today or date.today()))
    if run.counts["deleted_here"]:
        _checkpoint(user)
    return run.report()


def write_reminders(user: UserData, root: Path, due: Iterable[Due]) -> int:
    """The reminders folder of the tree made to hold exactly `due` (one VTODO each): the entry
    point for the keep-in-touch part. Returns the files written or removed."""
    root = _folder(Path(root).expanduser()).resolve()
    with tree_lock(root):
        run = _Run(user, root)
        run.reminders(due)
    return run.counts["reminders"]


def _folder(path: Path) -> Path:
    """The folder, made (owner-only) if absent; a usage error if it cannot be one."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path} is not a folder", hint="give the folder of the vdir tree")
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot make the folder {path}: {exc.strerror}") from None
    return path


def _checkpoint(user: UserData) -> None:
    """Deleted rows' old pages leave the WAL now (as `contact forget` does), best effort."""
    import sqlite3

    try:
        user.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error:
        pass


def summary(report: Report) -> str:
    """'3 out, 1 in, 1 deleted here, 1 conflict (newest kept): Jeanne Martin (this copy)'; ''
    when nothing changed."""
    from solomo_cli.words import count

    parts = [
        f"{value} {words}"
        for value, words in (
            (report.out, "out"),
            (report.came_in, "in"),
            (report.deleted_here, "deleted here"),
            (report.deleted_there, "deleted there"),
        )
        if value
    ]
    if report.reminders:
        parts.append(count(report.reminders, "reminders") + " updated")
    if report.conflicts:
        names = "; ".join(
            f"{boundary.clean(c.label)} ({'this copy' if c.kept == 'here' else 'the file'})"
            for c in report.conflicts
        )
        parts.append(f"{count(len(report.conflicts), 'conflicts')} (newest kept): {names}")
    return ", ".join(parts)
