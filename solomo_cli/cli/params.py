"""What the commands' options mean: the formats and choices they accept, and the small helpers
that turn an argument into what the core needs (settings, the user's data, a REF, a date, a
cost)."""

import re
from enum import Enum
from typing import TYPE_CHECKING, Any

from typer.core import TyperCommand

from solomo_cli import boundary
from solomo_cli.errors import UsageError
from solomo_cli.formats import registry

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path

    from solomo_cli.config import Paths
    from solomo_cli.mydata.refs import Resolved
    from solomo_cli.mydata.store import UserData

REF_HELP = "The place: its rank in the last listing (2), its OSM id (node/123) or its name."
DATE_HELP = "The day, as YYYY-MM-DD (default: today)."


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
# choice is made when a command module first imports it: making all seven enums on every run
# would cost about 2 ms, and `near` needs one.
_CHOICES: "dict[str, Callable[[], list[str]]]" = {
    "Format": lambda: registry.choices("listing"),
    "LogFormat": lambda: registry.choices("visits"),
    "ListFormat": lambda: registry.choices("contacts"),
    "ShowFormat": lambda: registry.choices("place", "contact"),
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

DATE_HINT = "write dates as YYYY-MM-DD, e.g. 2026-11-20"
COST_HINT = "give an amount and optionally a currency: 20, 20.50, 20 EUR"
_COST = re.compile(
    r"^\s*(?:(?P<pre>[A-Za-z]{3}|[€$£])\s*)?(?P<amount>\d+(?:[.,]\d+)?)\s*"
    r"(?:(?P<post>[A-Za-z]{3}|[€$£]))?\s*$"
)
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
_AGE = re.compile(r"^\s*(\d{1,5})\s*(d|w|m|y)\s*$", re.IGNORECASE)
_AGE_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
MAX_AGE_DAYS = 100 * 365


def parse_day(text: str, what: str = "date") -> str:
    """'2026-11-20' → '2026-11-20'; anything else (2026-13-45, 20/11/2026) is a usage error
    `bad WHAT 'TEXT' (why)`, the same for every date option."""
    try:
        return boundary.day(text, what)
    except boundary.BadInput as exc:
        raise UsageError(str(exc), hint=DATE_HINT) from None


def parse_span(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """--since and --until: each a day, the first not after the second."""
    start = parse_day(since, "--since date") if since else None
    end = parse_day(until, "--until date") if until else None
    if start and end and start > end:
        raise UsageError(f"--since {start} is after --until {end}")
    return start, end


def parse_age(text: str) -> int:
    """'90d', '12w', '6m' (months), '1y' → days."""
    match = _AGE.match(text or "")
    days = int(match.group(1)) * _AGE_DAYS[match.group(2).lower()] if match else None
    if days is None or days > MAX_AGE_DAYS:  # further back than any calendar day solomo keeps
        raise UsageError(
            f"bad duration {boundary.quoted(text, 40)}",
            hint="write it as 90d, 12w, 6m (months) or 1y, at most 100y",
        )
    return days


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
