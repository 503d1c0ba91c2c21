"""`solomo mirror [DIR]`: your contacts and visits, both ways, with a vdir tree (khard reads
it, vdirsyncer syncs it with a CardDAV/CalDAV server)."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from solomo_cli.boundary import clean
from solomo_cli.cli.console import handles_errors, say
from solomo_cli.cli.params import load_settings, open_user
from solomo_cli.errors import UsageError


@handles_errors
def mirror(
    folder: Annotated[
        Path | None,
        typer.Argument(
            metavar="[DIR]",
            help="The vdir tree (default: mirror_dir in the config file, or SOLOMO_MIRROR_DIR).",
            show_default=False,
        ),
    ] = None,
    force_delete: Annotated[
        bool,
        typer.Option(
            "--force-delete",
            help="Let a folder of the tree that was emptied delete all it held here.",
        ),
    ] = False,
) -> None:
    """Sync your contacts and visits both ways with a vdir tree in DIR.

    DIR/contacts/<uid>.vcf holds one vCard 4.0 per contact (encounters in NOTE and
    X-SOLOMO-* properties, tags as CATEGORIES); DIR/visits/<uid>.ics one all-day event per
    visit; DIR/reminders/<uid>.ics one to-do per contact due (solomo contact due). Changes made there (khard, vdirsyncer, a phone through a server) come in, yours go
    out; a file removed there deletes its record here, a record deleted or forgotten here
    removes its file; when both sides changed, the newer wins and is listed. Quiet when nothing
    changed, so that it can run from cron."""
    from solomo_cli.mydata import mirror as core

    if folder is None:
        folder = load_settings().mirror_dir
        if folder is None:
            raise UsageError(
                "say which folder to mirror to",
                hint="give DIR, or set mirror_dir in the config file (or SOLOMO_MIRROR_DIR)",
            )
    _, user = open_user()
    try:
        with user:
            report = core.mirror(user, folder, allow_empty=force_delete)
    except core.EmptyTree as exc:
        raise UsageError(
            exc.message,
            hint="if they were deleted there on purpose, run it again with --force-delete",
        ) from None
    for why in report.skipped:
        print(f"solomo: skipped {clean(why)}", file=sys.stderr)
    if report.changed and (line := core.summary(report)):
        say(line + ".")
