"""The commands of the user's own layer, as one app (cli/app.py builds each of them alone, on
first use)."""

import typer

from solomo_cli.cli.app import USER_COMMANDS, register


def user_app() -> typer.Typer:
    """The user-layer commands (visit, log, note, show, contact, export, import, backup)."""
    app = typer.Typer(rich_markup_mode=None)  # the help page of cli/app.py's group
    for name in USER_COMMANDS:
        register(app, name)
    return app
