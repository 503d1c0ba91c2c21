"""The house table: the one look of every solomo table (near, log, contacts)."""

from __future__ import annotations

from collections.abc import Iterator

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Column, Table
from rich.text import Text


class _Spaced:
    """A table cell and one space after it: the space that Rich would draw as cell padding.

    Rich wraps every padded cell in a `Padding` renderable, which renders the cell twice over;
    drawing the space here makes the table a third cheaper to render (4 ms of a warm `solomo
    near`). What the terminal shows is the same, character for character and style for style
    (a property test compares the two for any text, column options and width)."""

    __slots__ = ("text", "_span")

    def __init__(self, text: Text) -> None:
        self.text = text
        self._span: Measurement | None = None  # the text's, which no option changes

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        # What Padding(text, (0, 1, 0, 0)) measures. Rich measures a table twice when it is
        # wider than the terminal; a text's own measurement is the same both times.
        width = options.max_width
        if width < 2:
            return Measurement(width, width)
        if self._span is None:
            self._span = self.text.__rich_measure__(console, options).normalize()
        low, high = self._span.with_maximum(width)
        if high < 1:
            low = high = 0
        return Measurement(low + 1, high + 1).with_maximum(width)

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[Segment | Padding]:
        text = self.text
        if options.max_width < 2:  # no room for the text: whatever Rich makes of it
            yield Padding(text, (0, 1, 0, 0))
            return
        width = options.max_width - 1
        justify = text.justify or options.justify or "default"
        overflow = text.overflow or options.overflow or "fold"
        plain = text.plain
        if (
            overflow != "ignore"
            and justify != "full"  # `wrap` justifies each line alone: "full" would differ
            and "\t" not in plain
            # len too: `wrap` strips trailing spaces beyond the width counted in characters
            and all(max(len(line), cell_len(line)) <= width for line in plain.split("\n"))
        ):
            # Most cells are lines that fit: what `wrap` makes of each is the line itself,
            # justified. Said here, without `wrap`'s line breaking, tables render 10% faster.
            lines = text.split(allow_blank=True)
            lines.justify(console, width, justify=justify, overflow=overflow)
        else:
            lines = text.wrap(  # as Text.__rich_console__ does, one cell narrower
                console,
                width,
                justify=justify,
                overflow=overflow,
                no_wrap=bool(text.no_wrap if text.no_wrap is not None else options.no_wrap),
            )
        yield from Text(" \n").join(lines).render(console, end=" \n")


def house_table(title: Text, *columns: Column, caption: str | None = None) -> Table:
    """The look of every solomo table: a title on the left, a rule under the header, and no
    vertical rules (two spaces between columns leave more room for text in 80 columns).

    Rows are added with `add_house_row`, which gives each cell but the last its space; so do
    the headers and the widths of the columns given here."""
    for column in columns[:-1]:
        header = column.header
        column.header = _Spaced(header if isinstance(header, Text) else Text(str(header)))
        for name in ("width", "min_width", "max_width"):
            if getattr(column, name) is not None:
                setattr(column, name, getattr(column, name) + 1)
    return Table(
        *columns,
        title=title,
        # Text, as Rich would style a str caption, but never read as markup.
        caption=None if caption is None else Text(caption, style="table.caption"),
        title_justify="left",
        caption_justify="right",
        expand=False,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=0,
    )


def add_house_row(grid: Table, *cells: Text) -> None:
    """Add a row to a `house_table`."""
    grid.add_row(*(_Spaced(cell) for cell in cells[:-1]), *cells[-1:])


def more_line(more: int, hint: str = "") -> list[Text]:
    """The line under a table that shows the first rows only: how many more, and how to see
    them (none when nothing is left out)."""
    if more <= 0:
        return []
    return [Text(f"{more} more; {hint}." if hint else f"{more} more.", style="dim")]


def screenful(around: int, per_row: int = 1) -> int | None:
    """How many rows of `per_row` lines fit on the terminal with `around` lines of the rest
    (at least 10); None, meaning all, when the output is not a terminal."""
    console = Console()
    if not console.is_terminal:
        return None
    return max(10, (console.size.height - around) // per_row)
