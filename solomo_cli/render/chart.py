"""`solomo log --chart`: the days worked per month and per place, as horizontal bars that fit
the width. On a terminal the bars are block characters (eighths for the last cell) in colour;
elsewhere (a pipe, a file) they are plain `#` and no escape code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.text import Text

from solomo_cli.boundary import clean
from solomo_cli.words import count

if TYPE_CHECKING:
    from solomo_cli.mydata.visits import Totals

_EIGHTHS = " ▏▎▍▌▋▊▉"
MAX_LABEL = 28  # a place's name is cut here (with …), so that the bars keep room


class Bars:
    """Labelled bars, one a line, scaled so that the longest fills the width left."""

    def __init__(self, rows: list[tuple[str, int]], style: str) -> None:
        self.rows = rows
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        fancy = console.is_terminal and not options.ascii_only
        yield from self.lines(options.max_width, fancy)

    def lines(self, width: int, fancy: bool) -> Iterator[Text]:
        if not self.rows:
            return
        label_width = min(MAX_LABEL, max(len(label) for label, _ in self.rows))
        biggest = max(n for _, n in self.rows) or 1
        number_width = len(str(biggest))
        room = max(1, width - label_width - number_width - 2)
        for label, n in self.rows:
            shown = label if len(label) <= label_width else label[: label_width - 1] + "…"
            text = Text(shown.ljust(label_width) + " ")
            text.append(_bar(n / biggest * room, fancy), style=self.style if fancy else "")
            text.append(f" {n}".rjust(number_width + 1) if n else " 0")
            yield text


def _bar(cells: float, fancy: bool) -> str:
    """A bar `cells` wide: whole cells and, on a terminal, an eighth for the rest; a bar that
    stands for something is never drawn empty."""
    if not fancy:
        return "#" * max(round(cells), 1 if cells > 0 else 0)
    eighths = max(round(cells * 8), 1 if cells > 0 else 0)
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def _months(by_month: list[dict[str, object]]) -> list[tuple[str, int]]:
    """Oldest first, with the months between that have no visit (an empty bar says so)."""
    worked = {str(row["month"]): int(row["days"]) for row in by_month}  # type: ignore[call-overload]
    if not worked:
        return []
    first, last = min(worked), max(worked)
    year, month = int(first[:4]), int(first[5:7])
    rows = []
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        rows.append((key, worked.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


def log_chart(t: Totals, start: str | None, end: str | None) -> list[RenderableType]:
    """The days worked per month, then per place (most days first), under one title each."""
    span = " ".join(
        p for p in (f"since {start}" if start else "", f"until {end}" if end else "") if p
    )
    if not t.days:
        return [Text(" ".join(("No visits logged", span)).strip() + ".")]
    places = [(clean(row["place"].display_name), int(row["days"])) for row in t.by_place]
    out: list[RenderableType] = [
        Text(" ".join(("Days worked per month", span)).strip(), style="bold"),
        Bars(_months(t.by_month), "cyan"),
        Text(""),
        Text("Days worked per place", style="bold"),
        Bars(places, "magenta"),
    ]
    if t.places > len(t.by_place):
        out.append(Text(f"… and {count(t.places - len(t.by_place), 'other places')}", style="dim"))
    out.append(Text(f"Total: {count(t.days, 'days')} worked", style="bold"))
    return out
