"""`solomo contact …`: the small personal CRM of people met at places.

Thin like the other command modules: parse the options, call one core function,
render. The core and the renderers are imported inside each command."""

import sys
from typing import Annotated

import typer

from solomo_cli.boundary import clean
from solomo_cli.cli.complete import complete_contact, complete_ref
from solomo_cli.cli.console import confirm, handles_errors, print_all, progress, say
from solomo_cli.cli.params import (
    DATE_HELP,
    DATES_SEE,
    ListFormat,
    ShowFormat,
    limit_option,
    open_user,
    parse_age,
    parse_day,
    require_change,
    resolve_ref,
)
from solomo_cli.words import count

contact_app = typer.Typer(
    no_args_is_help=True, help="Your small personal CRM: the people you met at places."
)


@contact_app.command("add")
@handles_errors
def contact_add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Their name, in quotes.")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="REF",
            autocompletion=complete_ref,
            help="Where you met them (records an encounter).",
        ),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="DAY", help=f"When you met (with --at; default: today). {DATES_SEE}"
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="What to remember about them.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="E-mail address.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Phone number.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Company or organisation.")] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", metavar="T", help="A tag (repeat for several): ux, freelance…"),
    ] = None,
) -> None:
    """Add a person to your contacts, optionally with where you met them."""
    from solomo_cli.errors import UsageError
    from solomo_cli.mydata.base import clean_tag
    from solomo_cli.render import mydata as views

    if day and not at:
        raise UsageError("--date needs --at (where you met them)")
    when = parse_day(day) if day else None
    tags = [clean_tag(t) for t in tag or []]
    paths, user = open_user()
    with user:
        place = resolve_ref(at, paths, user) if at else None
        contact = user.add_contact(
            name,
            org=org,
            email=email,
            phone=phone,
            note=note,
            tags=tags,
            at=place.place if place else None,
            day=when,
            remember=place is not None and place.remember,
        )
    where = (
        [" (met at ", views.place_text(place.place), f" on {contact.last_seen})"] if place else []
    )
    say(f"Added contact #{contact.id}: ", views.untrusted(contact.name), *where, ".")


@contact_app.command("met")
@handles_errors
def contact_met(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            autocompletion=complete_contact,
            help="The contact's name (or part of it).",
        ),
    ],
    at: Annotated[
        str,
        typer.Option(
            "--at", metavar="REF", autocompletion=complete_ref, help="Where you met them."
        ),
    ],
    day: Annotated[str | None, typer.Option("--date", metavar="DAY", help=DATE_HELP)] = None,
    note: Annotated[str | None, typer.Option("--note", help="What you talked about.")] = None,
) -> None:
    """Record that you met a contact at a place."""
    from solomo_cli.mydata.base import today
    from solomo_cli.render import mydata as views

    when = parse_day(day) if day else today()
    paths, user = open_user()
    with user:
        found = resolve_ref(at, paths, user)
        contact = user.meet(name, found.place, when, note, remember=found.remember)
    say(
        "Met ",
        views.untrusted(contact.name),
        " at ",
        views.place_text(found.place),
        f" on {when} ({count(len(contact.encounters), 'encounters')} in all).",
    )


@contact_app.command("list")
@handles_errors
def contact_list(
    near: Annotated[
        str | None,
        typer.Option(
            "--near",
            metavar="PLACE",
            help="Only people met within --radius of PLACE (a name or LAT,LON).",
        ),
    ] = None,
    radius: Annotated[
        str,
        typer.Option("--radius", "-r", metavar="DISTANCE", help="With --near: how far, e.g. 25km."),
    ] = "25km",
    tag: Annotated[
        str | None, typer.Option("--tag", metavar="T", help="Only people with this tag.")
    ] = None,
    stale: Annotated[
        str | None,
        typer.Option(
            "--stale",
            metavar="AGE",
            help=f"Only people not seen for AGE: 90d, 12w, 6m, 1y, or since a day. {DATES_SEE}",
        ),
    ] = None,
    limit: Annotated[int | None, limit_option("people")] = None,
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ListFormat.table,
) -> None:
    """Who you know: around a place, with a tag, or not seen for a while."""
    from solomo_cli.geo import parse_radius
    from solomo_cli.render import mydata as views

    stale_days = parse_age(stale) if stale else None
    radius_m = parse_radius(radius)
    point = label = None
    if near:
        point, label = _locate(near)
    if fmt.value == "table" and limit is None:
        from solomo_cli.render.table import screenful

        limit = screenful(4, per_row=2)  # two lines a person: the day last seen, and how long ago
    _, user = open_user()
    with user:
        found, total = user.contact_page(
            tag=tag,
            stale_days=stale_days,
            near=point,
            radius_m=radius_m,
            limit=limit or None,
            newest_only=fmt.value == "table",  # a table shows each person's last encounter
        )
    if fmt.value == "table":
        from solomo_cli.cli.near import LISTING_HINTS
        from solomo_cli.render.table import more_line, paused_gc

        hint = 'Add one: solomo contact add "Jeanne Martin" --at 2'
        with paused_gc():
            view = views.contacts_view(found, label, radius_m if near else None, stale, hint)
            print_all([*view, *more_line(total - len(found), LISTING_HINTS[1])])
        return
    from solomo_cli.cli.files import emit
    from solomo_cli.formats.records import CONTACT_FIELDS, contact_record
    from solomo_cli.formats.registry import Document

    emit(Document("contacts", [contact_record(c) for c in found], CONTACT_FIELDS), fmt.value)


@contact_app.command("show")
@handles_errors
def contact_show(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            autocompletion=complete_contact,
            help="The contact's name (or part of it).",
        ),
    ],
    fmt: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ShowFormat.table,
) -> None:
    """One contact: details, tags, notes, and every encounter with its place."""
    from solomo_cli.render import mydata as views

    _, user = open_user()
    with user:
        contact = user.find_contact(name)
    if fmt.value != "table":
        from solomo_cli.cli.files import emit
        from solomo_cli.formats.records import contact_record
        from solomo_cli.formats.registry import Document

        record = contact_record(contact)
        emit(Document("contact", [record], value=record), fmt.value)
        return
    print_all(views.contact_view(contact, "Record one: solomo contact met NAME --at REF"))


@contact_app.command("edit")
@handles_errors
def contact_edit(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            autocompletion=complete_contact,
            help="The contact's name (or part of it).",
        ),
    ],
    new_name: Annotated[str | None, typer.Option("--name", help="Their new name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help='E-mail ("" removes it).')] = None,
    phone: Annotated[str | None, typer.Option("--phone", help='Phone ("" removes it).')] = None,
    org: Annotated[str | None, typer.Option("--org", help='Organisation ("" removes it).')] = None,
    note: Annotated[
        str | None, typer.Option("--note", help='Replace the note ("" removes it).')
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", metavar="T", help="Add a tag (repeatable).")
    ] = None,
    untag: Annotated[
        list[str] | None, typer.Option("--untag", metavar="T", help="Remove a tag (repeatable).")
    ] = None,
) -> None:
    """Change a contact's details or tags."""
    from solomo_cli.mydata.base import clean_tag
    from solomo_cli.render import mydata as views

    require_change(
        (new_name, email, phone, org, note, tag, untag),
        ["--name", "--email", "--phone", "--org", "--note", "--tag", "--untag"],
    )
    tags = [clean_tag(t) for t in tag or []]
    _, user = open_user()
    with user:
        contact = user.find_contact(name)
        contact = user.edit_contact(
            contact.id,
            name=new_name,
            org=org,
            email=email,
            phone=phone,
            note=note,
            add_tags=tags,
            remove_tags=untag or [],
        )
    say(
        f"Updated contact #{contact.id}: ",
        views.untrusted(contact.name),
        f" ({', '.join(contact.tags) or 'no tags'}).",
    )


@contact_app.command("forget")
@handles_errors
def contact_forget(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", autocompletion=complete_contact, help="The contact's full name."
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a person and every trace of them: details, tags, notes, encounters."""
    from solomo_cli.render import mydata as views

    _, user = open_user()
    with user:
        contact = user.find_contact(name, exact=True)
        if not yes:
            encounters = count(len(contact.encounters), "encounters")
            confirm(
                f"Erase {clean(contact.name)} and {encounters} for good?",
                nothing_done=f"{clean(contact.name)} kept",
            )
        gone = user.forget_contact(contact.id)
    say(
        "Erased ",
        views.untrusted(gone.name),
        f": the contact, {count(gone.encounters, 'encounters')} and {count(gone.tags, 'tags')}.",
    )
    if gone.mentions:
        print(
            f"solomo: your own notes still mention them: {clean('; '.join(gone.mentions))} "
            "(edit them with 'solomo visit edit ID --note …' if needed)",
            file=sys.stderr,
        )


def _locate(text: str) -> tuple[tuple[float, float], str]:
    """PLACE → point: LAT,LON as given, else the geocode cache, else Nominatim."""
    from solomo_cli.config import load_settings
    from solomo_cli.geo import parse_latlon
    from solomo_cli.search.near import Session

    coords = parse_latlon(text)
    if coords is not None:
        return coords, f"{coords[0]:.5f},{coords[1]:.5f}"
    with progress() as notify, Session(load_settings(), notify) as session:
        origin = session.locate(text, None, offline=False, refresh=False)
    return (origin.lat, origin.lon), origin.label
