"""solomo: find a good place to work nearby, from OpenStreetMap, and remember where you worked.

The library API, for use without the command line::

    from solomo_cli import near, sync, UserData, Place, errors

    result = near("45.76,4.84", 1500, ["coworking", "library"])
    for place in result.places:
        print(place.name, round(place.distance_m))

Each name is imported on first use (module `__getattr__`), so that `import solomo_cli`, and the
start of the `solomo` command, stay cheap."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name → (module, attribute in it; None for the module itself)
_API: dict[str, tuple[str, str | None]] = {
    "near": ("solomo_cli.search.near", "near"),
    "sync": ("solomo_cli.search.near", "sync"),
    "UserData": ("solomo_cli.mydata.store", "UserData"),
    "Place": ("solomo_cli.model", "Place"),
    "errors": ("solomo_cli.errors", None),
}
__all__ = ["Place", "UserData", "__version__", "errors", "near", "sync"]

if TYPE_CHECKING:
    from solomo_cli import errors
    from solomo_cli.model import Place
    from solomo_cli.mydata.store import UserData
    from solomo_cli.search.near import near, sync


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _API[name]
    except KeyError:
        raise AttributeError(f"module 'solomo_cli' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # once: later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
