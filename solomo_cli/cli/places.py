"""`solomo note` and `solomo show`: one place, and what you know of it."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from solomo_cli.cli.complete import complete_ref
from solomo_cli.cli.console import handles_errors, print_all, say
from solomo_cli.cli.params import (
    REF_HELP,
    ShowFormat,
    open_user,
    resolve_ref,
)
from solomo_cli.cli.visits import DefaultCommandGroup
from solomo_cli.errors import UsageError


def _hours(place: Any, cache_db: Path) -> Any:
    """The place's hours now, by the listings' evaluator and memo (the cache, if there is one:
    `show` creates no file)."""
    if not place.opening_hours:
        return None
    from solomo_cli.search.hours import place_hours

    if not cache_db.exists():
        return place_hours([place])[0]
    from solomo_cli.cache.store import Cache

    cache = Cache(cache_db)
    try:
        return place_hours([place], None, cache)[0]
    finally:
        cache.close()


note_app = typer.Typer(
    cls=DefaultCommandGroup,
    no_args_is_help=True,
    subcommand_metavar="REF TEXT | edit ID TEXT | rm ID",
    help='Add a dated note to a place: solomo note REF "TEXT" (solomo show REF shows them, with '
    "their ids). Change or delete one with: solomo note edit ID TEXT, solomo note rm ID.",
)


@note_app.command("add")
@handles_errors
def note(
    ref: Annotated[str, typer.Argument(metavar="REF", autocompletion=complete_ref, help=REF_HELP)],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The note (in quotes).")],
) -> None:
    """Add a dated note to a place (the default: solomo note REF TEXT)."""
    from solomo_cli.render import mydata as views

    paths, user = open_user()
    with user:
        found = resolve_ref(ref, paths, user)
        try:
            added = user.add_note(found.place, text, remember=found.remember)
        except UsageError as exc:  # the note's text: how to write one on a command line
            if exc.hint is not None:
                raise
            raise UsageError(
                exc.message, hint='write it in quotes: solomo note 2 "quiet at lunch"'
            ) from None
    say(
        f"Noted on {views.local_day(added.created_at)} for ",
        views.place_text(found.place),
        ".",
    )


@note_app.command("edit")
@handles_errors
def note_edit(
    note_id: Annotated[
        int, typer.Argument(metavar="ID", help="The note's id (solomo show REF shows it).")
    ],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The new text (in quotes).")],
) -> None:
    """Replace a place note's text."""
    from solomo_cli.cli.params import parse_id
    from solomo_cli.render import mydata as views

    note_id = parse_id(note_id, "note id")
    _, user = open_user()
    with user:
        edited = user.edit_note(note_id, text)
    say(f"Note #{edited.id} is now: ", views.untrusted(edited.text))


@note_app.command("rm")
@handles_errors
def note_rm(
    note_id: Annotated[
        int, typer.Argument(metavar="ID", help="The note's id (solomo show REF shows it).")
    ],
) -> None:
    """Delete a place note for good."""
    from solomo_cli.cli.params import parse_id
    from solomo_cli.render import mydata as views

    note_id = parse_id(note_id, "note id")
    _, user = open_user()
    with user:
        gone = user.remove_note(note_id)
    say(
        f"Deleted note #{gone.id} of {views.local_day(gone.created_at)} on {gone.place_id}: ",
        views.untrusted(gone.text),
    )


@handles_errors
def show(
    ref: Annotated[str, typer.Argument(metavar="REF", autocompletion=complete_ref, help=REF_HELP)],
    fmt: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ShowFormat.table,
) -> None:
    """Everything about one place: details, hours, your visits, notes, and people met there."""
    from solomo_cli.render import mydata as views

    paths, user = open_user()
    with user:
        found = resolve_ref(ref, paths, user)
        summary = user.summary(found.place.id)
        seen_at = user.seen_at(found.place.id)
    hours = _hours(found.place, paths.cache_db)
    if fmt.value != "table":
        from solomo_cli.cli.files import emit
        from solomo_cli.formats.registry import Document

        record = views.show_record(found, summary, seen_at, hours)
        emit(Document("place", [record], value=record), fmt.value)
        return
    more = f"solomo log --place {found.place.id}"
    walk = sys.stdout.isatty()  # an estimate for the person reading, not for scripts
    print_all(views.show_view(found, summary, hours, more_visits=more, walk=walk))
