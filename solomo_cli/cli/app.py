"""The command line: the top-level group. Each group of commands lives in a module of its own
(near, cache, visits, places, files, contacts); those of the user's own layer are built on first
use."""

import functools
import gc
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from solomo_cli import __version__
from solomo_cli.cli import cache, near
from solomo_cli.cli.console import set_debug

# Commands of the user's own layer (cli/user.py), built on first use so that
# `solomo near` neither imports nor builds them; a test keeps this list in step with user_app.
USER_COMMANDS = ("visit", "log", "note", "show", "contact", "export", "import", "backup")


class _Commands(MutableMapping[str, Any]):
    """The group's name → command mapping, where the user-layer commands are built on access."""

    def __init__(self, built: MutableMapping[str, Any], lazy: tuple[str, ...]) -> None:
        self._built = dict(built)
        self._order = [*built, *(name for name in lazy if name not in built)]
        self._lazy = set(lazy) - set(built)

    def __getitem__(self, name: str) -> Any:
        if name in self._lazy:
            self._built[name] = _user_group().commands[name]
            self._lazy.discard(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._order:
            self._order.append(name)
        self._lazy.discard(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._order.remove(name)
        self._lazy.discard(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)


@functools.lru_cache(maxsize=1)
def _user_group() -> Any:
    from solomo_cli.cli.user import user_app

    return typer.main.get_command(user_app())


class SolomoGroup(TyperGroup):
    """The top-level group: typer's, with the user-layer commands built lazily."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands, USER_COMMANDS)


app = typer.Typer(
    cls=SolomoGroup,
    name="solomo",
    help="Find a good place to work nearby — coworking first — from OpenStreetMap, and keep "
    "track of where you worked and who you met.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)
app.registered_commands += near.near_app.registered_commands + cache.paths_app.registered_commands
app.add_typer(cache.cache_app, name="cache")


def _version(value: bool) -> None:
    if value:
        print(f"solomo {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """Find a good place to work nearby, from OpenStreetMap."""
    # Set on every run (not only at import), so that the app can be invoked more than once.
    set_debug(debug)


def main() -> None:
    try:
        app(prog_name="solomo")
    finally:
        # The process ends here. Its last garbage collections would only walk the objects that
        # typer, rich and the command made, just before the OS frees them all: about a tenth
        # of a warm `near`. Files and the store are already closed.
        gc.freeze()


if __name__ == "__main__":
    main()
