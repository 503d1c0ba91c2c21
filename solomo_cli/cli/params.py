"""What the commands' options mean: the formats and choices they accept, and the small helpers
that turn an argument into what the core needs (settings, the user's data, a REF)."""

import re
from enum import Enum
from typing import TYPE_CHECKING, Any

from typer.core import TyperCommand

from solomo_cli.formats import registry

if TYPE_CHECKING:
    from solomo_cli.config import Paths
    from solomo_cli.mydata.refs import Resolved
    from solomo_cli.mydata.store import UserData

REF_HELP = "The place: its rank in the last listing (2), its OSM id (node/123) or its name."
DATE_HELP = "The day, as YYYY-MM-DD (default: today)."


class Sort(str, Enum):
    score = "score"
    distance = "distance"


def _formats(name: str, names: list[str]) -> Any:
    return Enum(name, {n: n for n in names}, type=str)  # type: ignore[misc]


# Every --format choice comes from the one registry of formats (formats/registry.py).
Format = _formats("Format", registry.choices("listing"))
LogFormat = _formats("LogFormat", registry.choices("visits"))
ListFormat = _formats("ListFormat", registry.choices("contacts"))
ShowFormat = _formats("ShowFormat", registry.choices("place", "contact"))
ExportWhat = _formats("ExportWhat", list(registry.EXPORTS))
ExportFormat = _formats("ExportFormat", registry.choices(*registry.EXPORTS, files=True))
ImportFormat = _formats("ImportFormat", registry.choices(reads=True))


def load_settings() -> Any:
    from solomo_cli.config import load_settings as load

    return load()


_SOUTH_OR_WEST = re.compile(r"^-\d+(?:\.\d+)?\s*[,;]")


class PlaceCommand(TyperCommand):
    """A command whose PLACE may be `-33.87,151.21`: coordinates, not an unknown option `-3`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # A leading space keeps click's parser off it; parse_latlon ignores it.
        return super().parse_args(ctx, [" " + a if _SOUTH_OR_WEST.match(a) else a for a in args])


def open_user() -> "tuple[Paths, UserData]":
    from solomo_cli.config import get_paths
    from solomo_cli.mydata.store import UserData

    paths = get_paths()
    return paths, UserData(paths.user_db)


def resolve_ref(ref: str, paths: "Paths", user: "UserData") -> "Resolved":
    from solomo_cli.mydata.refs import resolve

    return resolve(ref, paths.cache_db, user)


def _default_currency() -> str | None:
    from solomo_cli.config import load_settings

    value = load_settings().extra.get("currency")
    return str(value).upper() if value else None
