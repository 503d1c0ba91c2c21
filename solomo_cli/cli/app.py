"""The command line: the top-level group. Each group of commands lives in a module of its own
(near, cache, visits, places, files, contacts); each command is imported and built on first use."""

import gc
import importlib
import os
import sys
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Annotated, Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from solomo_cli import __version__
from solomo_cli.cli.console import fail, set_debug, unexpected, usage_message
from solomo_cli.errors import ExitStatus

# Where each command lives: its module in solomo_cli.cli, and there a function or a Typer. A
# Typer that holds a command of that name gives it, with its settings (near's PlaceCommand);
# any other Typer is the group of that name. A command is imported and built only when it is
# used (`--help` builds them all), so that `solomo log` neither imports nor builds `near`.
COMMANDS: dict[str, tuple[str, str]] = {
    "near": ("near", "near_app"),
    "sync": ("near", "near_app"),
    "paths": ("cache", "paths_app"),
    "cache": ("cache", "cache_app"),
    "visit": ("visits", "visit_app"),
    "log": ("visits", "log"),
    "note": ("places", "note_app"),
    "show": ("places", "show"),
    "open": ("open", "open_"),
    "contact": ("contacts", "contact_app"),
    "export": ("files", "export"),
    "import": ("files", "import_"),
    "backup": ("files", "backup"),
    "report": ("report", "report"),
    "trip": ("trips", "trip_app"),
    "mirror": ("mirror", "mirror"),
}
# The user's own layer (cli/user.py): `solomo near` never imports these modules (a test checks).
USER_COMMANDS = tuple(COMMANDS)[4:]


def register(app: typer.Typer, name: str) -> None:
    """Add the command NAME (see COMMANDS) to APP."""
    module, attribute = COMMANDS[name]
    found = getattr(importlib.import_module(f"solomo_cli.cli.{module}"), attribute)
    if not isinstance(found, typer.Typer):
        app.command(name)(found)
        return
    held = [info for info in found.registered_commands if info.name == name]
    if held:
        app.registered_commands += held
    else:
        app.add_typer(found, name=name)


def build(name: str) -> Any:
    """The click command NAME, built alone."""
    # The help page of the top-level group; completion is the top-level group's option only.
    app = typer.Typer(rich_markup_mode=None, add_completion=False)
    register(app, name)
    built = typer.main.get_command(app)
    # typer makes an app of one command that command, but nests an app's one group in a group.
    command = built.commands[name] if app.registered_groups else built  # type: ignore[attr-defined]
    from solomo_cli.cli.examples import attach

    attach(command, name)
    return command


class _Commands(MutableMapping[str, Any]):
    """The group's name → command mapping, where the commands are built on access."""

    def __init__(self, built: MutableMapping[str, Any], lazy: tuple[str, ...]) -> None:
        self._built = dict(built)
        self._order = [*built, *(name for name in lazy if name not in built)]
        self._lazy = set(lazy) - set(built)

    def __getitem__(self, name: str) -> Any:
        if name in self._lazy:
            self._built[name] = build(name)
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


class SolomoGroup(TyperGroup):
    """The top-level group: typer's, with each command built on first use, and the
    program's end: usage errors as one plain line, a closed pipe and Ctrl-C as their statuses."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands, tuple(COMMANDS))

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            try:
                status = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            except NoArgsIsHelpError as exc:  # its message is the help page: on stdout, as --help
                print(exc.format_message())
                status = exc.exit_code
            sys.stdout.flush()  # here, so that a closed pipe is seen here and not at exit
        except (_PipeClosed, BrokenPipeError):
            _quiet_stdout()
            status = ExitStatus.PIPE_CLOSED
        except SystemExit as exc:  # Rich's own answer to a closed pipe is SystemExit(1)
            if not isinstance(exc.__context__, BrokenPipeError):
                raise
            _quiet_stdout()
            status = ExitStatus.PIPE_CLOSED
        except ClickException as exc:  # usage errors: argv may hold anything, so cleaned
            usage = exc.ctx.get_usage() if isinstance(exc, UsageError) and exc.ctx else None
            fail(usage_message(exc), f"{usage} (see --help)" if usage else None, exc.exit_code)
            status = exc.exit_code
        except (typer.Abort, KeyboardInterrupt):
            print("solomo: interrupted", file=sys.stderr)
            status = ExitStatus.INTERRUPTED
        except Exception as exc:  # a bug outside any command (parsing, a callback)
            status = unexpected(exc).exit_code
        sys.exit(status if isinstance(status, int) else ExitStatus.OK)

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        # Made here, when the help is asked for: no run of a command pays for it.
        from solomo_cli.cli.examples import DATES, epilog, examples_for

        self.epilog = epilog(examples_for(""), DATES)
        super().format_epilog(ctx, formatter)

    # Past typer, which would make a closed pipe status 1: while parsing (--help, --version
    # print there) and while the command runs.
    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError as exc:
            raise _PipeClosed() from exc

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise _PipeClosed() from exc
        except KeyboardInterrupt:  # typer makes it a silent Exit(130): said here, then that
            print("solomo: interrupted", file=sys.stderr)
            raise


class _PipeClosed(Exception):
    """stdout's reader closed the pipe (not an OSError, so that typer lets it through)."""


def _quiet_stdout() -> None:
    """The reader is gone: what is still buffered for stdout goes nowhere, quietly (also at
    the interpreter's exit, which flushes stdout once more)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


app = typer.Typer(
    cls=SolomoGroup,
    name="solomo",
    help="Find a good place to work nearby — coworking first — from OpenStreetMap, and keep "
    "track of where you worked and who you met.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    # --install-completion / --show-completion: typer's own, whose modules typer imports anyway.
    add_completion=True,
    # Click's plain help page, not typer's Rich one: typer.rich_utils imports rich.markdown
    # (markdown_it, pygments) and rich.traceback, which would double the time of every --help.
    rich_markup_mode=None,
)


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
    # What the imports made so far (typer, rich, their tables) lives as long as the process:
    # frozen, it is left out of the command's own garbage collections (3-5% of a warm run).
    gc.freeze()
    try:
        app(prog_name="solomo")
    finally:
        # The process ends here. Its last garbage collections would only walk the objects that
        # typer, rich and the command made, just before the OS frees them all: about a tenth
        # of a warm `near`. Files and the store are already closed.
        gc.freeze()


if __name__ == "__main__":
    main()
