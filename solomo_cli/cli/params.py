"""What the commands' options mean: the formats and choices they accept, and the small helpers
that turn an argument into what the core needs (settings, the user's data, a REF, a date, a
cost)."""

import re
from enum import Enum
from typing import TYPE_CHECKING, Any

from typer.core import TyperCommand

from solomo_cli import boundary, dates
from solomo_cli.errors import UsageError
from solomo_cli.formats import registry

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path

    from solomo_cli.config import Paths
    from solomo_cli.mydata.refs import Resolved
    from solomo_cli.mydata.store import UserData
    from solomo_cli.search.hours import When

REF_HELP = "The place: its rank in the last listing (2), its OSM id (node/123) or its name."


def limit_option(what: str) -> Any:
    """--limit N / -n N of the user-data lists (`log`, `contact list`): None means a screenful
    on a terminal, everything elsewhere."""
    import typer

    return typer.Option(
        "--limit",
        "-n",
        metavar="N",
        min=0,
        help=f"Show at most N {what} (0: all; default: a screenful on a terminal, else all).",
    )


def output_option(suffixes: str) -> Any:
    """--output FILE / -o FILE of the commands that write a document (`near`, `log`)."""
    import typer

    return typer.Option(
        "--output", "-o", metavar="FILE", help=f"Write to FILE ({suffixes}) instead of stdout."
    )


def force_option() -> Any:
    import typer

    return typer.Option("--force", help="Overwrite --output FILE if it exists.")


def open_option() -> Any:
    """--open of the commands that write a map page."""
    import typer

    return typer.Option(
        "--open", help="Open the map page written with -o FILE.html in the browser."
    )


def chosen_output(
    what: str, fmt: str | None, output: "Path | None", force: bool, *, files: bool = False
) -> tuple[str, bool]:
    """The format to write `what` in (the one asked, else FILE's suffix, else the table on
    stdout), and whether it goes to a file; a refused FILE is said now, before any work.
    `files`: a file must be in a format that formats/ writes (not the table)."""
    to_file = output is not None and str(output) != "-"
    chosen = registry.pick(
        what,
        fmt,
        output if to_file else None,
        None if to_file else "table",
        files=files and to_file,
    )
    if output is not None and to_file:
        from solomo_cli.formats.files import check_target

        check_target(output, overwrite=force)
    return chosen, to_file


class Sort(str, Enum):
    score = "score"
    distance = "distance"


# Every --format choice comes from the one registry of formats (formats/registry.py). Each
# choice is made when a command module first imports it: making all the enums on every run
# would cost about 2 ms, and `near` needs one.
_CHOICES: "dict[str, Callable[[], list[str]]]" = {
    "Format": lambda: registry.choices("listing"),
    "LogFormat": lambda: registry.choices("visits"),
    "ListFormat": lambda: registry.choices("contacts"),
    "ShowFormat": lambda: registry.choices("place", "contact"),
    "DueFormat": lambda: registry.choices("reminders"),
    "TripFormat": lambda: registry.choices("trips"),
    "ExportWhat": lambda: list(registry.EXPORTS),
    "ExportFormat": lambda: registry.choices(*registry.EXPORTS, files=True),
    "ImportFormat": lambda: registry.choices(reads=True),
}


def __getattr__(name: str) -> Any:
    if name not in _CHOICES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    choice = Enum(name, {n: n for n in _CHOICES[name]()}, type=str)  # type: ignore[misc]
    globals()[name] = choice  # once: later imports find it here
    return choice


def load_settings() -> Any:
    from solomo_cli.config import load_settings as load

    return load()


_SOUTH_OR_WEST = re.compile(r"^-\d+(?:\.\d+)?\s*[,;]")


class PlaceCommand(TyperCommand):
    """A command whose PLACE may be `-33.87,151.21`: coordinates, not an unknown option `-3`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # A leading space keeps click's parser off it; parse_latlon ignores it.
        return super().parse_args(ctx, [" " + a if _SOUTH_OR_WEST.match(a) else a for a in args])


def open_user() -> "tuple[Paths, UserData]":
    from solomo_cli.config import get_paths
    from solomo_cli.mydata.store import UserData

    paths = get_paths()
    return paths, UserData(paths.user_db)


def require_change(values: "Iterable[object]", options: "Sequence[str]") -> None:
    """An edit command's check that it was given something to do: each of `values` is an
    option's value (None, False or an empty list when not given); the hint names `options`."""
    if all(v is None or v is False or v == [] for v in values):
        raise UsageError(
            "nothing to change", hint=f"give {', '.join(options[:-1])} or {options[-1]}"
        )


def parse_id(value: object, what: str) -> int:
    """An id from the command line (a visit's): a row id SQLite can hold, else a usage error."""
    try:
        return boundary.row_id(value, what)
    except boundary.BadInput as exc:
        raise UsageError(str(exc)) from None


def resolve_ref(ref: str, paths: "Paths", user: "UserData") -> "Resolved":
    from solomo_cli.mydata.refs import resolve

    return resolve(ref, paths.cache_db, user)


# -- dates, durations and costs: the one grammar of every option that takes them ------------

COST_HINT = "give an amount and optionally a currency: 20, 20.50, 20 EUR"
_COST = re.compile(
    r"^\s*(?:(?P<pre>[A-Za-z]{3}|[€$£])\s*)?(?P<amount>\d+(?:[.,]\d+)?)\s*"
    r"(?:(?P<post>[A-Za-z]{3}|[€$£]))?\s*$"
)
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
# The one phrase every date option's --help ends with: the forms are in `solomo --help`.
DATES_SEE = "Any date form: see Dates in solomo --help."
DATE_HELP = f"The day (default: today): 2026-11-20, yesterday, monday, 3d. {DATES_SEE}"
DATE_HINT = f"accepted: {dates.DAY_FORMS}"


def _usage(exc: "dates.DateError", what: str) -> UsageError:
    """`bad WHAT 'TEXT' (why)`, and the accepted forms on the hint line: every date option's
    error, in one shape."""
    return UsageError(
        f"bad {what} {boundary.quoted(exc.text, 40)} ({exc.reason})", hint=f"accepted: {exc.forms}"
    )


def parse_day(text: str, what: str = "date") -> str:
    """One day in any form of the date grammar (solomo_cli/dates.py): 'yesterday', 'lundi',
    '20/11/2026', '3d' → 'YYYY-MM-DD'; anything else is a usage error `bad WHAT 'TEXT' (why)`."""
    try:
        return dates.read_day(text).isoformat()
    except dates.DateError as exc:
        raise _usage(exc, what) from None


def parse_span(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """--since and --until: the first day of what --since names (`2026-11`: the 1st, `last
    week`: its Monday), the last day of what --until names; the first not after the second."""
    try:
        start = dates.read_span(since).start.isoformat() if since else None
    except dates.DateError as exc:
        raise _usage(exc, "--since date") from None
    try:
        end = dates.read_span(until).end.isoformat() if until else None
    except dates.DateError as exc:
        raise _usage(exc, "--until date") from None
    if start and end and start > end:
        raise UsageError(f"--since {start} is after --until {end}")
    return start, end


def parse_month(text: str) -> tuple[str, str]:
    """--month: '2026-11', 'last month', 'le mois dernier' → its first and last days."""
    try:
        span = dates.read_month(text)
    except dates.DateError as exc:
        raise _usage(exc, "month") from None
    return span.start.isoformat(), span.end.isoformat()


def parse_duration(text: str, what: str = "duration") -> int:
    """--every, --snooze: a length of time ahead ('6w', '3m', '2 semaines') → days."""
    try:
        return boundary.age_days(text, what)
    except boundary.BadInput as exc:
        raise UsageError(
            str(exc).split(" (")[0], hint=f"accepted: {dates.DURATION_FORMS}"
        ) from None


def parse_age(text: str) -> int:
    """'90d', '12w', '6m' (30 days each), '1y', '30j', or a day ('2026-06-01': the days since)
    → days."""
    try:
        return dates.read_age(text)
    except dates.DateError as exc:
        raise _usage(exc, "duration") from None


def parse_moment(text: str, what: str = "--open-at value") -> "When":
    """--open-at: 'tomorrow 9:00', 'lundi 9h', '18h', '2026-12-01T09:00+01:00' → a When (each
    place's own time zone settles it)."""
    from solomo_cli.search.hours import parse_when

    try:
        return parse_when(text)
    except dates.DateError as exc:
        raise _usage(exc, what) from None


def parse_cost(text: str) -> tuple[str, str | None]:
    """'20', '20.50', '20,50 EUR', '€20' → ('20.50', 'EUR'): an exact amount (checked by
    boundary.cost, as imported costs are) and a currency, if one is given."""
    match = _COST.match(text or "")
    try:
        if not match or (match.group("pre") and match.group("post")):
            raise boundary.BadInput(f"bad cost {boundary.quoted(text, 40)}")
        amount = boundary.cost(match.group("amount").replace(",", "."))
        code = match.group("pre") or match.group("post")
        return amount, boundary.currency(_SYMBOLS.get(code, code)) if code else None
    except boundary.BadInput as exc:
        raise UsageError(str(exc), hint=COST_HINT) from None


def parse_cost_option(text: str) -> tuple[str, str | None]:
    """--cost: an amount and its currency, the config's `currency` when none is given."""
    amount, currency = parse_cost(text)
    if currency is None:
        currency = load_settings().currency
    return amount, currency
