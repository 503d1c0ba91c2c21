"""`solomo export`, `solomo import` and `solomo backup`: your data in and out of files; and
`emit`, how every command writes a document (stdout or a file) in the format asked."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from solomo_cli.boundary import clean
from solomo_cli.cli.console import handles_errors, say
from solomo_cli.cli.params import (
    ExportFormat,
    ExportWhat,
    ImportFormat,
    open_user,
)
from solomo_cli.errors import UsageError
from solomo_cli.words import count

if TYPE_CHECKING:
    from solomo_cli.formats.registry import Document


def write_to(
    output: Path | None, write: Callable[[IO[str]], None], *, force: bool, mode: int = 0o600
) -> bool:
    """Run `write` on stdout (no `output`, or -) or on a new file, atomically; True for a file."""
    if output is None or str(output) == "-":
        write(sys.stdout)
        return False
    from solomo_cli.formats.files import atomic_writer

    with atomic_writer(output, overwrite=force, mode=mode) as out:
        write(out)
    return True


def emit(doc: "Document", fmt: str, output: Path | None = None, force: bool = False) -> bool:
    """Write `doc` as `fmt` (a format of the registry) to stdout or `output`."""
    from solomo_cli.formats.registry import write

    return write_to(output, lambda out: write(doc, fmt, out), force=force)


@handles_errors
def export(
    what: Annotated[ExportWhat, typer.Argument(help="What to export.", case_sensitive=False)],
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="The file to write (.csv, .json, .geojson, .vcf, .ics), or - for stdout.",
        ),
    ],
    fmt: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", help="Format, when the extension does not tell it."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Export your places, visits, contacts, reminders or trips (CSV, JSON, GeoJSON, vCard, ics).

    GeoJSON is for places and visits, vCard 4.0 for contacts, iCalendar (.ics) for the contacts
    due (reminders: a VTODO each) and trips (a VEVENT each). The file is written all at once,
    readable by you only, and never over an existing file without --force (nor ever over
    solomo's own data files, or anything but a regular file)."""
    from solomo_cli.formats import registry
    from solomo_cli.formats.records import export_document

    if file == "-" and fmt is None:
        raise UsageError("say which format to write on stdout", hint="add --format csv, json…")
    chosen = registry.pick(what.value, fmt.value if fmt else None, file, files=True)
    _, user = open_user()
    with user:
        if what.value in ("reminders", "trips"):
            from solomo_cli.formats.ics import keep_document

            doc = keep_document(user, what.value)
        else:
            doc = export_document(user, what.value)
        written = emit(doc, chosen, Path(file), force)
    if written:
        print(
            f"Wrote {count(doc.written, what.value)} to {clean(file)} ({chosen}).",
            file=sys.stderr,
        )


@handles_errors
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A solomo export (CSV, JSON, GeoJSON), contacts as vCards (.vcf), or Google "
            "Takeout's Saved Places.json.",
        ),
    ],
    fmt: Annotated[
        ImportFormat | None,
        typer.Option("--format", "-f", help="Format, when it cannot be told from the content."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", "-n", help="Show what would be added and merged; change nothing."
        ),
    ] = False,
) -> None:
    """Import solomo's own exports, contacts from a phone or an address book (vCard), or
    Google Maps' Saved Places.json.

    Records are matched by uid, newest wins: one here is updated only when the file's copy was
    changed later, and one you deleted or forgot here never comes back. Importing the same file
    again adds nothing. A file with any error is refused whole.

    vCards (2.1, 3.0, 4.0: iPhone, Android, Google, Outlook…) merge with a contact by UID, else
    e-mail, else phone, else exact name, filling in only what the contact lacks; else they are
    added. The first (preferred) e-mail and phone go in the contact's fields, the others and
    the title in its note; photos and other binaries are never stored."""
    from solomo_cli.formats.imports import import_file
    from solomo_cli.render import mydata as views

    _, user = open_user()
    with user:
        report = import_file(user, file, fmt.value if fmt else None, dry_run=dry_run)
    vcard = report.source == "vcard"
    if vcard:
        kind = "vCards"
    elif report.source == "google":
        kind = "Google Saved Places"
    else:
        kind = f"solomo {report.source}"
    added = ", ".join(views.table_count(n, t) for t, n in report.added.items())
    added = added or "nothing new"
    verb = "Would import" if dry_run else "Imported"
    line = f"{verb} {file} ({kind}, {report.fmt}): {added}"
    for label, counted in (
        ("merged" if vcard else "updated from newer copies", report.updated),
        ("already there" + (", unchanged" if vcard else ""), report.known),
        ("deleted or forgotten here, left out", report.refused),
    ):
        if counted:
            line += f"; {label}: " + ", ".join(views.table_count(n, t) for t, n in counted.items())
    if report.ignored:
        line += f"; {report.ignored} " + ("without a name" if vcard else "without a location")
        line += " skipped"
    say(line + ".")
    if dry_run:
        for outcome, name, how in report.cards:
            detail = f" ({how[0]})" if how else ""
            if len(how) > 1:
                detail += ": would fill in " + ", ".join(how[1:])
            say(f"  {_CARD_WORDS[outcome]:<13}", name, detail)
        say("Nothing was changed (--dry-run).")


_CARD_WORDS = {
    "added": "would add",
    "merged": "would merge",
    "unchanged": "unchanged",
    "forgotten": "left out",
}


@handles_errors
def backup(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Copy your data (places, visits, notes, contacts) safely to FILE.

    The copy is consistent even while other solomo commands write, and readable by you only."""
    from solomo_cli.mydata.backup import backup as run_backup
    from solomo_cli.render import mydata as views

    paths, _ = open_user()
    counts = run_backup(paths.user_db, file, overwrite=force)
    say(
        f"Backed up {paths.user_db} to {file}: "
        + ", ".join(views.table_count(n, t) for t, n in counts.items())
        + "."
    )
    say(f"To restore, copy it over {paths.user_db} while no solomo command runs.")
