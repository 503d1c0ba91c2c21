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
            metavar="FILE", help="The file to write (.csv, .json, .geojson, .vcf), or - for stdout."
        ),
    ],
    fmt: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", help="Format, when the extension does not tell it."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Export your places, visits or contacts to a file (CSV, JSON, GeoJSON, vCard).

    GeoJSON is for places and visits, vCard 4.0 for contacts. The file is written all at once,
    readable by you only, and never over an existing file without --force (nor ever over
    solomo's own data files, or anything but a regular file)."""
    from solomo_cli.formats import registry
    from solomo_cli.formats.records import export_document

    if file == "-" and fmt is None:
        raise UsageError("say which format to write on stdout", hint="add --format csv, json…")
    chosen = registry.pick(what.value, fmt.value if fmt else None, file, files=True)
    _, user = open_user()
    with user:
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
            help="A solomo export (CSV, JSON, GeoJSON) or Google Takeout's Saved Places.json.",
        ),
    ],
    fmt: Annotated[
        ImportFormat | None,
        typer.Option("--format", "-f", help="Format, when it cannot be told from the content."),
    ] = None,
) -> None:
    """Import solomo's own exports, or Google Maps' Saved Places.json.

    Records are matched by uid, newest wins: one here is updated only when the file's copy was
    changed later, and one you deleted or forgot here never comes back. Importing the same file
    again adds nothing. A file with any error is refused whole."""
    from solomo_cli.formats.imports import import_file
    from solomo_cli.render import mydata as views

    _, user = open_user()
    with user:
        report = import_file(user, file, fmt.value if fmt else None)
    kind = "Google Saved Places" if report.source == "google" else f"solomo {report.source}"
    added = ", ".join(views.table_count(n, t) for t, n in report.added.items())
    added = added or "nothing new"
    line = f"Imported {file} ({kind}, {report.fmt}): {added}"
    for label, counted in (
        ("updated from newer copies", report.updated),
        ("already there", report.known),
        ("deleted or forgotten here, left out", report.refused),
    ):
        if counted:
            line += f"; {label}: " + ", ".join(views.table_count(n, t) for t, n in counted.items())
    if report.ignored:
        line += f"; {report.ignored} without a location skipped"
    say(line + ".")


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
