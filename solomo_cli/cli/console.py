"""The CLI's console: where output and messages go, the progress indicator, confirmations, and
the one place where errors become one plain line on stderr and a documented exit status.

Nothing from outside is ever read as Rich markup here: the spinner's messages (a server's error
page can hold `[/]` or `[link=…]`) go in as cleaned `Text`, error lines are printed plain."""

import functools
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from solomo_cli.boundary import clean
from solomo_cli.errors import Declined, ExitStatus, NoLocalData, Remedy, SolomoError

if TYPE_CHECKING:
    from rich.console import RenderableType

    from solomo_cli.notify import Notify

F = TypeVar("F", bound=Callable[..., Any])
_state = {"debug": bool(os.environ.get("SOLOMO_DEBUG"))}

# What each remedy is called on the command line: (the option that does it, how to say so).
REMEDY_FLAGS: dict[Remedy, tuple[str, str]] = {
    Remedy.OFFLINE: ("--offline", "use --offline to answer from local data"),
    Remedy.SMALLER_AREA: ("--radius", "try a smaller --radius"),
    Remedy.COUNTRY: ("--country", "use --country CC"),
    Remedy.OVERWRITE: ("--force", "use --force to overwrite it"),
    Remedy.FORMAT: ("--format", "say which with --format"),
}


def set_debug(on: bool) -> None:
    _state["debug"] = on or bool(os.environ.get("SOLOMO_DEBUG"))


def err_console() -> Console:
    return Console(stderr=True, highlight=False, emoji=False, markup=False)


def fail(message: str, hint: str | None, status: int, label: str = "error: ") -> typer.Exit:
    """Print `solomo: error: MESSAGE` (and an indented hint) on stderr, plainly; the caller
    raises the returned Exit."""
    text = f"solomo: {label}{clean(message)}"
    if hint:
        text += f"\n  {clean(hint)}"
    print(text, file=sys.stderr, flush=True)
    return typer.Exit(status)


def usage_message(exc: Exception) -> str:
    """Click's usage error as one line in the house style (lower case, no final full stop),
    with a "did you mean" for a misspelt option or command."""
    import difflib
    import re

    from typer._click.exceptions import NoSuchOption

    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, NoSuchOption):
        known = [o for p in (ctx.command.params if ctx else []) for o in getattr(p, "opts", ())]
        known += ctx.help_option_names if ctx else []
        # Compared without their dashes, which every option shares.
        bare = {o.lstrip("-"): o for o in known}
        close = difflib.get_close_matches(exc.option_name.lstrip("-"), bare, n=1, cutoff=0.6)
        text = f"no such option: {exc.option_name}"
        return f"{text} (did you mean {bare[close[0]]}?)" if close else text
    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    command = re.match(r"No such command '(.*)'\.", message)
    if command and ctx is not None:
        name = command.group(1)
        names = list(getattr(ctx.command, "commands", {}))
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        text = f"no such command: {name}"
        return f"{text} (did you mean {close[0]}?)" if close else text
    message = message.strip().rstrip(".")
    return message[:1].lower() + message[1:]


def _options_of_this_command() -> set[str]:
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    if ctx is None:
        return set()
    return {name for param in ctx.command.params for name in getattr(param, "opts", ())}


def _sync_command(place: str, radius_m: float | None, kinds: tuple[str, ...]) -> str:
    """The `solomo sync` command line that fetches an area."""
    import shlex

    command = f"solomo sync {shlex.quote(clean(place))}"
    command += f" --radius {(radius_m or 10_000) / 1000:g}km"
    if kinds:
        command += f" --kind {','.join(kinds)}"
    return command


def cli_hint(exc: SolomoError) -> str | None:
    """The error's hint in the command line's words: the core names no flag, the CLI does,
    and only the flags that this command has."""
    if isinstance(exc, NoLocalData):
        command = _sync_command(exc.place, exc.radius_m, exc.kinds)
        where = "" if exc.radius_m is not None else " (or give coordinates as LAT,LON)"
        return f"with a connection, run: {command}{where}"
    options = _options_of_this_command()
    extra = [
        REMEDY_FLAGS[r][1]
        for r in exc.remedies
        if r in REMEDY_FLAGS and REMEDY_FLAGS[r][0] in options
    ]
    area = getattr(exc, "area", None)
    if Remedy.SYNC_LATER in exc.remedies and area is not None:
        # Nothing stored covers the search: the other way out is a fetch ahead, later.
        extra.append(f"once the network is back, run: {_sync_command(*area)}")
    if not extra:
        return exc.hint
    return ", or ".join([exc.hint, *extra] if exc.hint else extra)


def handles_errors(func: F) -> F:
    """Catch errors once, at the CLI boundary: one plain line, a documented exit status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Declined as exc:  # not an error: the user said no
            raise fail(exc.message, None, exc.exit_status, label="") from None
        except SolomoError as exc:
            if _state["debug"]:
                traceback.print_exc()
            raise fail(exc.message, cli_hint(exc), exc.exit_status) from None
        # A closed pipe is handled once, where the program ends (cli/app.py).
        except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit, BrokenPipeError):
            raise
        except Exception as exc:
            raise unexpected(exc) from None

    return wrapper  # type: ignore[return-value]


def unexpected(exc: Exception) -> typer.Exit:
    """A bug: say so plainly (status 1), details with --debug."""
    if _state["debug"]:
        traceback.print_exc()
    return fail(
        f"unexpected {type(exc).__name__}: {exc}",
        "run again with --debug and report the output",
        ExitStatus.ERROR,
    )


def confirm(question: str, *, nothing_done: str) -> None:
    """Ask QUESTION on the terminal (prompt on stderr; stdout stays for data). Without a
    terminal, or without a yes, raise Declined with `nothing_done` (which says what was kept)."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise Declined(f"{nothing_done}: no terminal to confirm on (use --yes)")
    # Not typer.confirm: its input() writes to stdout, which may be a file or a pipe.
    print(f"{clean(question)} [y/N]: ", end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:  # end of input: end the prompt's line
        print(file=sys.stderr)
    if line.strip().lower() not in ("y", "yes"):
        raise Declined(f"{nothing_done}: not confirmed")


@contextmanager
def progress() -> "Iterator[Notify]":
    """A spinner on stderr while something slow runs, on a terminal. The notices that explain a
    wait (a retry, a move to the next server) are printed as one line each, on a terminal
    above the spinner, elsewhere (a pipe, a log) alone."""
    console = err_console()
    if not console.is_terminal:

        def plain(message: str, *, waiting: bool = False) -> None:
            if waiting:
                print(f"solomo: {clean(message)}", file=sys.stderr, flush=True)

        yield plain
        return
    # Text, not str: Rich would parse a str as markup (and raise on a server's "[/]").
    with console.status(Text("Working…")) as status:

        def spin(message: str, *, waiting: bool = False) -> None:
            if waiting:  # a line above the spinner: a wait or a switch of server stays said
                console.print(Text(f"solomo: {clean(message)}"), soft_wrap=True)
            else:
                status.update(Text(clean(message)))

        yield spin


def say(*parts: Any) -> None:
    """One line on stdout, untrusted parts as Text (never parsed as markup)."""
    from solomo_cli.render.mydata import line

    Console(highlight=False, markup=False, emoji=False).print(line(*parts), soft_wrap=True)


def print_all(renderables: "list[RenderableType]") -> None:
    """Print what a render function made, on stdout."""
    console = Console(highlight=False, markup=False, emoji=False)
    for renderable in renderables:
        console.print(renderable)


@contextmanager
def progress_bar() -> "Iterator[Callable[[str, int, int, int], None]]":
    """A bar on stderr for a long read (bytes read, places found), on a terminal; elsewhere
    nothing. Yields the callback `(phase, done, total, found)`."""
    console = err_console()
    if not console.is_terminal:
        yield lambda phase, done, total, found: None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[found]} places", markup=False),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("", total=None, found=0)

        def update(phase: str, done: int, total: int, found: int) -> None:
            bar.update(
                task, description=clean(phase), completed=done, total=total or None, found=found
            )

        yield update
