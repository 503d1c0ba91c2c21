"""Opening a URL in the user's browser (python's webbrowser, honouring BROWSER), and the
URLs solomo opens: a place's website, its map page, walking directions."""

from __future__ import annotations

import os
import shlex
import shutil
from typing import Any

from solomo_cli.boundary import BadInput
from solomo_cli.boundary import url as checked_url
from solomo_cli.errors import ExitStatus, SolomoError, UsageError

DIRECTIONS = "https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot&route={route}"


class NoBrowser(SolomoError):
    """No browser could be started: the URL is for the user to open."""

    exit_status = ExitStatus.USAGE

    def __init__(self, url: str) -> None:
        super().__init__(
            f"no browser could be opened for {url}",
            hint="open the URL yourself, or set BROWSER to your browser's command",
        )
        self.url = url


def directions_url(start: tuple[float, float], end: tuple[float, float]) -> str:
    """OpenStreetMap's walking directions from `start` to `end` (lat, lon)."""
    route = ";".join(f"{lat:.6f},{lon:.6f}" for lat, lon in (start, end))
    return DIRECTIONS.format(route=route)


def _browser(webbrowser: Any) -> Any:
    """The browser BROWSER names (read on every call: python's webbrowser reads it once per
    process), else webbrowser's own choice."""
    chosen = [c for c in os.environ.get("BROWSER", "").split(os.pathsep) if c.strip()]
    for command in chosen:
        try:
            return webbrowser.get(command)  # a command line with %s, or a browser it knows
        except webbrowser.Error:
            pass
        words = shlex.split(command)
        if words and shutil.which(words[0]):
            return webbrowser.GenericBrowser([*words, "%s"])  # waits for it, as for BROWSER
    if chosen:
        raise webbrowser.Error("BROWSER names no command that can be run")
    return webbrowser.get()


def open_url(url: str) -> None:
    """Open `url` (http, https or file) in the browser; NoBrowser when none can be started."""
    import webbrowser

    if not url.startswith("file://"):
        try:
            checked_url(url)
        except BadInput as exc:
            raise UsageError(str(exc)) from None
    try:
        opened = _browser(webbrowser).open(url)
    except (webbrowser.Error, OSError):
        opened = False
    if not opened:
        raise NoBrowser(url)
