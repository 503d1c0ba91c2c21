"""The CLI's console: where output and messages go, the progress indicator, and the one place
where errors become one plain line on stderr and a documented exit status."""

import functools
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from solomo_cli.boundary import clean
from solomo_cli.errors import ExitStatus, SolomoError

if TYPE_CHECKING:
    from rich.console import RenderableType

    from solomo_cli.notify import Notify

F = TypeVar("F", bound=Callable[..., Any])
_state = {"debug": bool(os.environ.get("SOLOMO_DEBUG"))}


def set_debug(on: bool) -> None:
    _state["debug"] = on or bool(os.environ.get("SOLOMO_DEBUG"))


def err_console() -> Console:
    return Console(stderr=True, highlight=False, emoji=False)


def fail(message: str, hint: str | None, status: int) -> typer.Exit:
    text = f"solomo: error: {clean(message)}"
    if hint:
        text += f"\n  {clean(hint)}"
    print(text, file=sys.stderr)
    return typer.Exit(status)


def handles_errors(func: F) -> F:
    """Catch errors once, at the CLI boundary: one plain line, a documented exit status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SolomoError as exc:
            if _state["debug"]:
                traceback.print_exc()
            raise fail(exc.message, exc.hint, exc.exit_status) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # a bug: say so plainly, details with --debug
            if _state["debug"]:
                traceback.print_exc()
            raise fail(
                f"unexpected {type(exc).__name__}: {exc}",
                "run again with --debug and report the output",
                ExitStatus.ERROR,
            ) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress() -> "Iterator[Notify]":
    """A spinner on stderr while something slow runs, on a terminal. Elsewhere (a pipe, a log)
    only the notices that explain a wait are printed, one line each."""
    console = err_console()
    if not console.is_terminal:

        def plain(message: str, *, waiting: bool = False) -> None:
            if waiting:
                print(f"solomo: {clean(message)}", file=sys.stderr, flush=True)

        yield plain
        return
    with console.status("Working…") as status:

        def spin(message: str, *, waiting: bool = False) -> None:
            status.update(clean(message))

        yield spin


def say(*parts: Any) -> None:
    """One line on stdout, untrusted parts as Text (never parsed as markup)."""
    from rich.console import Console

    from solomo_cli.render.mydata import line

    Console(highlight=False).print(line(*parts), soft_wrap=True)


def print_all(renderables: "list[RenderableType]") -> None:
    """Print what a render_user function made, on stdout."""
    from rich.console import Console

    console = Console(highlight=False)
    for renderable in renderables:
        console.print(renderable)
