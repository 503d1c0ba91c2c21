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
    DueFormat,
    ListFormat,
    ShowFormat,
    limit_option,
    open_user,
    parse_age,
    parse_day,
    parse_duration,
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
        point, label = locate(near)
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
    every: Annotated[
        str | None,
        typer.Option(
            "--every",
            metavar="DURATION",
            help="Keep in touch this often: 3w, 6w, 2m (none: back to the tags' cadence).",
        ),
    ] = None,
) -> None:
    """Change a contact's details, tags, or how often to keep in touch."""
    from solomo_cli.mydata.base import clean_tag
    from solomo_cli.render import mydata as views

    require_change(
        (new_name, email, phone, org, note, tag, untag, every),
        ["--name", "--email", "--phone", "--org", "--note", "--tag", "--untag", "--every"],
    )
    tags = [clean_tag(t) for t in tag or []]
    cadence = _cadence(every) if every is not None else None
    _, user = open_user()
    with user, user.write():
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
        if every is not None:
            user.set_cadence(contact.id, cadence)
    said = ""
    if every is not None:
        from solomo_cli.render.keep import every_words

        said = (
            f" Keep in touch every {every_words(cadence)}."
            if cadence
            else " No cadence of its own."
        )
    say(
        f"Updated contact #{contact.id}: ",
        views.untrusted(contact.name),
        f" ({', '.join(contact.tags) or 'no tags'}).{said}",
    )


def _cadence(text: str) -> int | None:
    """--every: a duration, or none (also off, never: no cadence of the contact's own)."""
    if text.strip().lower() in ("none", "off", "never", ""):
        return None
    return parse_duration(text, "--every duration")


@contact_app.command("due")
@handles_errors
def contact_due(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="[NAME]", help="Only this contact (with --snooze: the one to snooze)."
        ),
    ] = None,
    snooze: Annotated[
        str | None,
        typer.Option(
            "--snooze",
            metavar="DURATION",
            help="With NAME: no reminder before 2w, 10d… from today.",
        ),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Everyone with a cadence, not only those due soon.")
    ] = False,
    fmt: Annotated[
        DueFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DueFormat.table,
) -> None:
    """Who to get back in touch with: overdue first, then due within two weeks.

    A contact's cadence is their own (contact edit NAME --every 6w), else the shortest of their
    tags' in the config file ([cadence] client = "3w"). Any encounter resets the clock."""
    from datetime import date, timedelta

    from solomo_cli.errors import UsageError
    from solomo_cli.mydata.keep import SOON_DAYS, config_cadences

    if snooze is not None and name is None:
        raise UsageError(
            "--snooze needs the contact's NAME", hint="solomo contact due NAME --snooze 2w"
        )
    pause = parse_duration(snooze, "--snooze duration") if snooze is not None else None
    today = date.today()
    cadences = config_cadences()
    _, user = open_user()
    with user:
        if name is not None:
            contact = user.find_contact(name)
            if not any(d.contact.id == contact.id for d in user.all_due(today, cadences)):
                raise UsageError(
                    f"{clean(contact.name)} has no keep-in-touch cadence",
                    hint=f"give one: solomo contact edit {_shell(contact.name)} --every 6w",
                )
            if pause is not None:
                user.snooze(contact.id, today + timedelta(days=pause))
            due = [d for d in user.all_due(today, cadences) if d.contact.id == contact.id]
        else:
            due = user.all_due(today, cadences)
            if not every:
                due = [d for d in due if d.days_left <= SOON_DAYS]
    if pause is not None:
        say(
            "Snoozed ",
            clean(due[0].contact.name),
            f": next reminder on {due[0].due.isoformat()} ({_when(due[0].days_left)}).",
        )
        return
    if fmt.value != "table":
        from solomo_cli.cli.files import emit
        from solomo_cli.formats.ics import REMINDER_FIELDS, reminder_record
        from solomo_cli.formats.registry import Document

        emit(Document("reminders", [reminder_record(d) for d in due], REMINDER_FIELDS), fmt.value)
        return
    if not due:
        if not cadences and not user.any_cadence():
            say(
                "No one to keep in touch with yet: give a contact a cadence with "
                "'solomo contact edit NAME --every 6w', or a tag one in the config file "
                '([cadence] client = "3w").'
            )
        else:
            say("No one is due within two weeks: you are in touch with everyone.")
        return
    from solomo_cli.render.keep import due_view

    overdue = sum(1 for d in due if d.days_left < 0)
    title = "Keep in touch" + (f": {overdue} overdue" if overdue else "")
    print_all(due_view(due, title))


def _when(days_left: int) -> str:
    from solomo_cli.render.keep import when_due

    return when_due(days_left)


def _shell(text: str) -> str:
    import shlex

    return shlex.quote(clean(text))


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
            f"solomo: {count(len(gone.mentions), 'notes')} of your own still "
            f"{'mentions' if len(gone.mentions) == 1 else 'mention'} them; edit if needed:",
            file=sys.stderr,
        )
        for m in gone.mentions:
            excerpt = " ".join(clean(m.text).split())
            excerpt = excerpt if len(excerpt) <= 50 else excerpt[:49] + "…"
            edit = f"visit edit {m.id} --note" if m.what == "visit" else f"note edit {m.id}"
            print(f"  {m.what} #{m.id} ({m.day}) “{excerpt}”: solomo {edit} …", file=sys.stderr)


def locate(text: str, country: str | None = None) -> tuple[tuple[float, float], str]:
    """PLACE → point: LAT,LON as given, else the geocoder chain `near` uses (the geocode
    cache, the gazetteer, Nominatim)."""
    from solomo_cli.config import load_settings
    from solomo_cli.geo import parse_latlon
    from solomo_cli.search.near import Session

    coords = parse_latlon(text)
    if coords is not None:
        return coords, f"{coords[0]:.5f},{coords[1]:.5f}"
    with progress() as notify, Session(load_settings(), notify) as session:
        origin = session.locate(text, country, offline=False, refresh=False)
    return (origin.lat, origin.lon), origin.label
