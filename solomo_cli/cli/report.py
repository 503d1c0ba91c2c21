"""`solomo report REF`: tell OpenStreetMap what you found at a place, as a public note."""

import importlib
import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from solomo_cli.cli.console import confirm, handles_errors
from solomo_cli.cli.params import REF_HELP, load_settings, open_user, resolve_ref
from solomo_cli.errors import UsageError

if TYPE_CHECKING:
    from solomo_cli.sources.osmnotes import Facts, Note, Request, Suggestion

FACT_OPTIONS = ("--exists", "--closed", "--hours", "--sockets", "--wifi", "--text")


class YesNo(str, Enum):
    yes = "yes"
    no = "no"


class WifiAnswer(str, Enum):
    yes = "yes"
    no = "no"
    free = "free"


def field_facts(user: Any, place_id: str) -> object | None:
    """The user's latest field notes about the place (`latest_field_facts(user, place_id)` of
    mydata/signals.py, where visits record them), or None where this version has none."""
    module = importlib.import_module("solomo_cli.mydata.signals")
    latest = getattr(module, "latest_field_facts", None)
    return latest(user, place_id) if latest is not None else None


def _say(message: str) -> None:
    print(f"solomo: {message}", file=sys.stderr, flush=True)


def _indented(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.split("\n"))


def _offer(suggestion: "Suggestion", facts: "Facts", take: bool) -> "Facts":
    """FACTS with the field notes' suggestions in what was not given (when TAKE), else FACTS
    as they are, and the suggestions said on stderr."""
    from dataclasses import replace

    options = []
    if suggestion.sockets is not None and facts.sockets is None:
        options.append(f"--sockets {'yes' if suggestion.sockets else 'no'}")
    if suggestion.wifi is not None and facts.wifi is None:
        options.append(f"--wifi {suggestion.wifi}")
    if not options:
        return facts
    seen = f"{suggestion.day}: " if suggestion.day else ""
    because = f"your field notes ({seen}{', '.join(suggestion.because)})"
    if not take:
        _say(f"{because} suggest {' '.join(options)}; add --from-notes to include them")
        return facts
    _say(f"from {because}: {' '.join(options)}")
    return replace(
        facts,
        sockets=suggestion.sockets if facts.sockets is None else facts.sockets,
        wifi=suggestion.wifi if facts.wifi is None else facts.wifi,
    )


def _request_lines(made: "Request") -> str:
    from solomo_cli.boundary import redact

    head = [f"{made.method} {redact(made.url, made.url)}"]
    head += [f"{name}: {value}" for name, value in made.headers.items()]
    return "\n".join([*head, "", made.body])


def _where(note: "Note") -> str:
    return f"{note.lat:.7f},{note.lon:.7f}"


@handles_errors
def report(
    ref: Annotated[str, typer.Argument(metavar="REF", help=REF_HELP)],
    exists: Annotated[
        bool, typer.Option("--exists", help="The place is still there (you saw it).")
    ] = False,
    closed: Annotated[
        bool, typer.Option("--closed", help="The place has closed for good.")
    ] = False,
    hours: Annotated[
        str | None,
        typer.Option(
            "--hours",
            metavar="HOURS",
            help="Opening hours as posted on site, in OSM's syntax if you can (\"Mo-Fr "
            '09:00-18:00"); other text is sent as written.',
        ),
    ] = None,
    sockets: Annotated[
        YesNo | None, typer.Option("--sockets", help="Power sockets for customers.")
    ] = None,
    wifi: Annotated[
        WifiAnswer | None,
        typer.Option("--wifi", help="Wi-Fi for customers (free: without a fee)."),
    ] = None,
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            metavar="TEXT",
            help="Anything else, in your own words (public: write nothing personal).",
        ),
    ] = None,
    from_notes: Annotated[
        bool,
        typer.Option(
            "--from-notes", help="Add what your field notes say (sockets, Wi-Fi) to the note."
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the note and its request; send nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Send without asking.")] = False,
) -> None:
    """Tell OpenStreetMap what you found at a place: a public, anonymous note for mappers.

    Only what you state here is sent (with the place's OSM id, name and position), never your
    visits, notes, ratings, costs or contacts. solomo shows the note and asks before sending."""
    from solomo_cli.sources import osmnotes

    if exists and closed:
        raise UsageError("--exists and --closed contradict each other", hint="give one of them")
    facts = osmnotes.Facts(
        exists=True if exists else False if closed else None,
        hours=hours or None,
        sockets=None if sockets is None else sockets is YesNo.yes,
        wifi=wifi.value if wifi else None,
        text=text or None,
    )
    nothing = UsageError(
        "nothing to report", hint=f"give {', '.join(FACT_OPTIONS[:-1])} or {FACT_OPTIONS[-1]}"
    )
    if facts.empty() and not from_notes:
        raise nothing
    paths, user = open_user()
    with user:
        found = resolve_ref(ref, paths, user)
        suggestion = osmnotes.suggest(field_facts(user, found.place.id))
    facts = _offer(suggestion, facts, from_notes)
    if facts.empty():
        if from_notes and not suggestion:
            _say("no field notes about this place to add")
        raise nothing
    note = osmnotes.compose(found.place, facts)
    settings = load_settings()
    if note.hours_problem:
        _say(
            f"the hours are not in OSM's opening_hours syntax "
            f"({note.hours_problem.split(':')[0]}); "
            "they go as written, for a mapper to translate"
        )
    if dry_run:
        print(f"Note at {_where(note)} (dry run: nothing sent):\n")
        print(_indented(note.text))
        print("\nThe request it would make:\n")
        print(_indented(_request_lines(osmnotes.request(settings, note))))
        return
    # The note is shown where the question is asked (stdout stays for the note's URL); with no
    # terminal to ask on, confirm refuses at once, and a script's log gets one line.
    if not yes and sys.stdin.isatty() and sys.stderr.isatty():
        print(
            f"This note goes to OpenStreetMap at {_where(note)}, public and anonymous:\n\n"
            f"{_indented(note.text)}\n",
            file=sys.stderr,
        )
    if not yes:
        confirm("Send it?", nothing_done="nothing sent")
    posted = osmnotes.post(settings, note)
    _say(f"note {posted.id} opened; anyone can read and answer it at:")
    print(posted.url)
