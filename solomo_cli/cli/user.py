"""The commands of the user's own layer: cli/app.py builds each one on first use, alone, so
that a command neither imports nor builds the others (and `solomo near` none of them)."""

import importlib
from typing import Any

import typer

# Where each command lives: its module in solomo_cli.cli, and there a function or a Typer of
# subcommands.
USER_COMMANDS: dict[str, tuple[str, str]] = {
    "visit": ("visits", "visit_app"),
    "log": ("visits", "log"),
    "note": ("places", "note"),
    "show": ("places", "show"),
    "contact": ("contacts", "contact_app"),
    "export": ("files", "export"),
    "import": ("files", "import_"),
    "backup": ("files", "backup"),
}


def user_app(*names: str) -> typer.Typer:
    """The user-layer commands NAMES (default: all of them), as one app."""
    app = typer.Typer(rich_markup_mode=None)  # the help page of cli/app.py's group
    for name in names or USER_COMMANDS:
        module, attribute = USER_COMMANDS[name]
        found = getattr(importlib.import_module(f"solomo_cli.cli.{module}"), attribute)
        if isinstance(found, typer.Typer):
            app.add_typer(found, name=name)
        else:
            app.command(name)(found)
    return app


def user_command(name: str) -> Any:
    """The click command NAME, built alone."""
    app = user_app(name)
    built = typer.main.get_command(app)
    # typer makes an app of one command that command, but nests an app's one group in a group.
    return built.commands[name] if app.registered_groups else built  # type: ignore[attr-defined]
