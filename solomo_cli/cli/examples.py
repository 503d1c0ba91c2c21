"""The Examples section of every command's --help, in one place: command path → examples, each
`(command line, what it does)`. Adding one is one line here. A group's page shows the first
example of each of its commands, unless it has examples of its own. Every `$ solomo …` line of
the README is one of these (tests/test_examples.py checks both)."""

from typing import Any

Example = tuple[str, str]

EXAMPLES: dict[str, list[Example]] = {
    "": [
        ('solomo near "Lyon"', "ranked coworking spaces near Lyon"),
        ("solomo show 2", "everything about #2 of the last listing"),
        ('solomo visit 2 --rating 4 --note "quiet, fast Wi-Fi"', "log a day worked there"),
        ("solomo log --month 'last month' --chart", "where you worked last month, as bars"),
        ("solomo --install-completion bash", "complete commands, REFs and contact names"),
    ],
    "near": [
        ("solomo near Lyon --power", "only places with sockets (your field notes outrank OSM's)"),
        (
            'solomo near "Part-Dieu, Lyon" --power --free-wifi --explain',
            "sockets and free Wi-Fi, with each score explained",
        ),
        (
            "solomo near 45.74906,4.84789 --radius 1km --limit 3 --explain",
            "scores, unknowns, confidence",
        ),
        (
            "solomo near 45.74906,4.84789 --radius 1km --limit 2 --explain",
            "the two best, explained",
        ),
        ("solomo near 45.74906,4.84789 --radius 1km --limit 1 --format json", "the best, as JSON"),
        (
            'solomo near "Lyon" -k all -o map.html --open',
            "every kind, on a map page in the browser",
        ),
        ("solomo near 45.7578,4.8320 --offline -r 1km -n 5 --map", "a sketch under the table"),
        ("solomo near 45.76,4.84 --format html > map.html", "the map page to stdout"),
        ("solomo near --offline", "around your trip, home or last search, from local data"),
        ('solomo near "Lyon" --limit 4', "the four best places near Lyon"),
        ("solomo near Lyon --offline --kind all --radius 6km", "every kind, from local data"),
        ('solomo near "Lyon" --open-at "mon 9:00" --wifi --limit 5', "open Monday 9:00, Wi-Fi"),
        ('solomo near "Lyon" --open-at "demain 9h"', "open tomorrow at 9 (French works too)"),
        ('solomo near "Lyon" --limit 2 --explain', "how each score was made"),
        (
            "solomo near 45.76,4.84 --kind coworking,library,cafe --format csv --limit 2",
            "around coordinates, as CSV",
        ),
        ("solomo near Paris --format csv > paris.csv", "a spreadsheet of Paris"),
        ('solomo near "Lyon" --offline', "no network: answer from what sync stored"),
        ("solomo near Lyon", "online: fresh data, or yesterday's when the network fails"),
        ("solomo near Lyon --kind cafe", "cafés with Wi-Fi only"),
    ],
    "sync": [
        ('solomo sync "Lyon" --radius 20km', "store an area ahead of a trip with no connection"),
        ("solomo sync --extract rhone-alpes.osm.pbf", "a whole region from an extract file"),
        ("solomo sync --country fr --kind coworking,library", "a whole country from Overpass"),
    ],
    "paths": [("solomo paths", "where solomo keeps its files")],
    "cache": [
        ("solomo cache info", "what the disposable cache holds"),
        ("solomo cache clear", "empty it (your own data is in another file, untouched)"),
    ],
    "cache info": [("solomo cache info", "what the disposable cache holds")],
    "cache clear": [("solomo cache clear", "empty it (your own data is in another file)")],
    "visit": [
        ('solomo visit 2 --rating 4 --note "quiet, fast Wi-Fi"', "log today at #2"),
        ("solomo visit edit 3 --date hier", "move visit #3 to yesterday"),
        ("solomo visit rm 4", "delete visit #4"),
    ],
    "visit add": [
        (
            "solomo visit 2 --date 2026-11-20 --power plenty --wifi 40mbps --noise quiet --calls ok",
            "what you found there: sockets, Wi-Fi speed, noise, calls",
        ),
        ("solomo visit 3 --rating 4 --wifi bad --calls no", "a rating and two field notes"),
        ("solomo visit 1 --rating 3 --cost 12", "a cost without a currency is totalled apart"),
        (
            'solomo visit 4 --rating 4 --note "quiet, fast Wi-Fi, day pass 20 EUR" '
            '--cost "20 EUR" --date 2026-11-18',
            "a day at #4, rated, with a note and its cost",
        ),
        ("solomo visit 1 --rating 3 --cost €15.50 --date 2026-11-20", "a day at #1, on a date"),
        ("solomo visit smooth --date yesterday", "by name, yesterday"),
    ],
    "visit edit": [
        ('solomo visit edit 7 --power few --wifi ""', "change one field note, remove another"),
        (
            'solomo visit edit 3 --rating 4 --note "busy, but Léa runs a great Friday lunch"',
            "change the rating and the note",
        ),
        ("solomo visit edit 3 --date lundi", "move it to the last Monday"),
    ],
    "visit rm": [("solomo visit rm 4", "delete visit #4")],
    "log": [
        ("solomo log -o worked.html --open", "where you worked, on a map"),
        ("solomo log", "where you worked, newest first, with totals per currency"),
        ("solomo log --since 2026-11-01", "where you worked since 1 November"),
        ("solomo log --month 2026-11", "in November 2026"),
        ("solomo log --chart", "days worked per month and per place, as bars"),
        ("solomo log --month 'last month' --chart", "last month, days per month and place as bars"),
        ("solomo log --since 30d --format csv > visits.csv", "the last 30 days, for a spreadsheet"),
        ("solomo log --since 'la semaine dernière' --place smooth", "one place, since last week"),
    ],
    "note": [
        (
            'solomo note smooth "Ask for the quiet room upstairs; badge at reception"',
            "a dated note on a place",
        ),
        ('solomo note edit 1 "the desk by the window"', "change note #1 (ids are in show)"),
        ("solomo note rm 1", "delete note #1 for good"),
    ],
    "note add": [
        ('solomo note add smooth "quiet room upstairs"', "the same as solomo note REF TEXT")
    ],
    "note edit": [
        ('solomo note edit 1 "the desk by the window"', "change note #1 (ids are in show)"),
        ('solomo note edit 12 "quiet room upstairs, ask at the desk"', "change note #12"),
    ],
    "note rm": [("solomo note rm 1", "delete note #1 for good")],
    "show": [
        ("solomo show 3", "with its geo: URI and, on a terminal, a walking estimate"),
        ("solomo show 1", "#1 of the last listing, with your notes and their ids"),
        ("solomo show smooth", "everything about a place, by name"),
        ("solomo show 2 --format json", "#2 of the last listing, as JSON"),
    ],
    "contact": [
        ('solomo contact add "Jeanne Martin" --at 1 --tag ux', "someone met at #1"),
        ("solomo contact list --near Lyon", "who you know around Lyon"),
        ("solomo contact list --stale 90d", "who you have not seen for 90 days"),
    ],
    "contact add": [
        (
            'solomo contact add "Jeanne Martin" --at 1 --date 2026-11-20 --note "UX freelance, '
            'open to a joint mission" --email jeanne@example.org --org "Studio JM" --tag ux '
            "--tag freelance",
            "a contact met at #1, with details",
        ),
        ('solomo contact add "Karim Benali" --at smooth --date hier', "met yesterday at Smooth"),
    ],
    "contact met": [
        (
            'solomo contact met jeanne --at smooth --date 2026-11-19 --note "coffee; knows a '
            'bank looking for a UX audit"',
            "you met Jeanne again",
        ),
        ("solomo contact met jeanne --at 2 --date lundi", "at #2, last Monday"),
    ],
    "contact list": [
        ("solomo contact list", "everyone, by name"),
        ("solomo contact list --near Lyon", "who you know around Lyon"),
        ("solomo contact list --stale 90d", "not seen for 90 days"),
        ("solomo contact list --stale 6m --tag ux", "UX people not seen for six months"),
    ],
    "contact show": [("solomo contact show jeanne", "everything about Jeanne")],
    "contact edit": [
        (
            'solomo contact edit jeanne --tag bank --untag freelance --phone "+33 7 00 00 00 00"',
            "change tags and phone",
        ),
        ("solomo contact edit jeanne --every 6w", "keep in touch every six weeks"),
        ("solomo contact edit karim --every 2w", "every two weeks"),
        ("solomo contact edit jeanne --every 2w", "Jeanne too: her reminder joins the mirror"),
        ("solomo contact edit jeanne --every none", "no cadence of her own"),
    ],
    "contact forget": [
        ('solomo contact forget "Karim Benali"', "delete a contact, after a yes"),
        ('solomo contact forget "Jeanne Martin" --yes', "without the question, for scripts"),
    ],
    "contact due": [
        ("solomo contact due", "who to get back in touch with: overdue first"),
        ("solomo contact due jeanne --snooze 2w", "not Jeanne for two more weeks"),
        ("solomo contact due --all --format csv > keep-in-touch.csv", "every cadence, as CSV"),
    ],
    "export": [
        ("solomo export visits visits.csv", "your visits for a spreadsheet"),
        ("solomo export contacts contacts.vcf", "your contacts for an address book"),
        ("solomo export contacts old.json", "your contacts, for another machine"),
        ("solomo export reminders reminders.ics", "contacts due, as to-dos for a calendar"),
        ("solomo export trips trips.ics", "your trips, as calendar events"),
    ],
    "trip": [
        ("solomo trip add Lyon --from 2026-12-03 --to 2026-12-07", "a trip to Lyon"),
        ("solomo trip show", "who you know there, and your best places"),
        ("solomo trip list", "your trips"),
        ("solomo trip rm 2", "delete trip #2"),
    ],
    "trip add": [
        ("solomo trip add Lyon --from 2026-12-03 --to 2026-12-07", "a trip to Lyon"),
        (
            'solomo trip add 45.7578,4.8320 --from 2026-12-01 --to 2026-12-05 --note "mission at the bank"',
            "around a point, with a note",
        ),
    ],
    "trip list": [
        ("solomo trip list", "your trips, the one under way marked"),
        ("solomo trip list --format json", "as JSON"),
    ],
    "trip show": [
        ("solomo trip show", "the trip under way, else the next one"),
        ("solomo trip show 2 --radius 10km", "trip #2, in a wider circle"),
    ],
    "trip rm": [("solomo trip rm 2", "delete trip #2")],
    "open": [
        ("solomo open 1", "the website of #1 (else its OSM page) in the browser"),
        ("solomo open 3 --map", "its OpenStreetMap page"),
        ("solomo open 3 --directions", "walking directions from the last search point"),
    ],
    "report": [
        (
            "solomo report 2 --exists --sockets yes --wifi free --text 'Day pass at the desk; quiet room upstairs.'",
            "tell OSM what you saw at #2, after a yes",
        ),
        ('solomo report 1 --hours "lun-ven 9h-19h" --dry-run', "hours in free text, not sent"),
        (
            'solomo report 2 --exists --hours "Mo-Fr 09:00-18:30" --wifi free --dry-run',
            "the note and the exact request, nothing sent",
        ),
        ("solomo report node/3089397110 --closed --yes", "closed for good, without the question"),
    ],
    "import": [
        ("solomo import phone.vcf --dry-run", "contacts from a phone: what would be added, merged"),
        ("solomo import phone.vcf", "then import them; again, it adds nothing"),
        ("solomo import work.vcf -n", "-n is --dry-run"),
        ("solomo import contacts.vcf", "vCards from Google, Apple or Outlook, merged"),
        ("solomo import old.json", "an older export: the newest copy of each record wins"),
        ('solomo import "Saved Places.json"', "Google Takeout saved places"),
    ],
    "backup": [("solomo backup solomo-2026-11-26.db", "a copy of your own data")],
    "mirror": [
        ("solomo mirror ~/solomo-mirror", "contacts, visits and reminders both ways with a vdir"),
        ("solomo mirror", "the tree of mirror_dir in the config file; silent if nothing changed"),
        ("solomo mirror --force-delete", "a folder emptied there on purpose: delete it all here"),
    ],
}

# The grammar every date option reads (the options' --help points here: cli/params.DATES_SEE).
DATES = """\
Dates, for --date, --since, --until, --month, --stale and --open-at:
  today, yesterday, tomorrow
  monday … sunday, mon: the last such day, today included (--open-at: the
    next one); last monday: strictly before today
  2026-11-20, 20/11/2026; a month 2026-11, 11/2026; a year 2026
  30d, 6w, 3m, 1y: that long ago (a month counts 30 days)
  this week, last week, this month, last month (--since takes the first
    day, --until the last)
  with --open-at, a time: 9:00, 18h, 18h30, tomorrow 9:00, monday 9:00, now
  in French: aujourd'hui, hier, demain, avant-hier, lundi, lundi dernier,
    30j, 6s, 3m, 1a, la semaine dernière, le mois dernier, lundi à 9h"""


def examples_for(path: str, subcommands: list[str] | None = None) -> list[Example]:
    """The examples of the command at PATH ('' for solomo, 'contact list'); a group without
    its own takes the first of each of its commands."""
    if path in EXAMPLES:
        return EXAMPLES[path]
    return [
        example
        for name in subcommands or []
        for example in EXAMPLES.get(f"{path} {name}".strip(), [])[:1]
    ]


def epilog(examples: list[Example], extra: str = "") -> str:
    """The Examples section as click prints it: `\\b` keeps its lines as they are."""
    lines = ["\b", "Examples:"]
    for command, what in examples:
        lines += [f"  {command}", f"      {what}"]
    text = "\n".join(lines)
    return f"{text}\n\n\b\n{extra}" if extra else text


def attach(command: Any, path: str) -> None:
    """Set the epilog of COMMAND (at PATH) and of its subcommands, from EXAMPLES."""
    commands = getattr(command, "commands", None) or {}
    if path:  # the top-level group's epilog is made when its help is asked for (cli/app.py)
        command.epilog = epilog(examples_for(path, list(commands)))
    for name, sub in list(commands.items()):
        attach(sub, f"{path} {name}".strip())


def all_examples() -> list[str]:
    return [command for examples in EXAMPLES.values() for command, _ in examples]
