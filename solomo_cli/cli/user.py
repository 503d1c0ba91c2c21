"""The commands of the user's own layer, as one app: cli/app.py builds it on first use, so that
`solomo near` neither imports nor builds them."""

import typer


def user_app() -> typer.Typer:
    """The commands of this module and of cli_contact, as one app for cli.py's group."""
    from solomo_cli.cli.contacts import contact_app
    from solomo_cli.cli.files import backup, export, import_
    from solomo_cli.cli.places import note, show
    from solomo_cli.cli.visits import log, visit_app

    app = typer.Typer(rich_markup_mode=None)  # the help page of cli/app.py's group
    app.add_typer(visit_app, name="visit")
    app.command("log")(log)
    app.command("note")(note)
    app.command("show")(show)
    app.add_typer(contact_app, name="contact")
    app.command("export")(export)
    app.command("import")(import_)
    app.command("backup")(backup)
    return app
