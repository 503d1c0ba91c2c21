"""The house table: the one look of every solomo table (near, log, contacts)."""

from __future__ import annotations

import dataclasses
import functools
import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich import box
from rich._wrap import divide_line
from rich.cells import cell_len, get_character_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Column, Row, Table
from rich.text import Span, Text


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


LONG = 1  # rows from which a table is drawn by HouseTable's own loop (faster from 1 row)
_CACHED = 20_000  # rendered cells kept while drawing a long table (bounded: memory stays flat)


def _measure(plain: str) -> tuple[int, int]:
    """What Text.__rich_measure__ says of a text, from its plain string (before the width cap,
    which keeps the order of measurements)."""
    # A printable ASCII character is one cell.
    simple = plain.isascii() and plain.replace("\n", "").isprintable()
    width = len if simple else cell_len
    lines = plain.splitlines()
    widest = max(map(width, lines)) if lines else 0
    words = plain.split()
    return (max(map(width, words)) if words else widest), widest


def _widest(
    plains: set[str], whole_lines: bool, sizes: dict[str, tuple[int, int]]
) -> tuple[int, int]:
    """The widest token (a word, or a line with `whole_lines`) and the widest line of these
    texts: the largest of what `_measure` says of each (its sizes kept in `sizes`)."""
    joined = "\n".join(plains)
    if (
        joined.isascii()
        and joined.replace("\n", "").isprintable()
        and not any(map(str.isspace, plains))  # each has a word (else its token is its line)
    ):
        # Printable ASCII: a character is a cell, words are split by spaces and lines by
        # line breaks, so the widest of all is the widest in all the texts at once.
        natural = max(map(len, joined.split("\n")))
        return (natural if whole_lines else max(map(len, joined.split()), default=0)), natural
    token = natural = 0
    for plain in plains:
        low, high = sizes.get(plain) or sizes.setdefault(plain, _measure(plain))
        token, natural = max(token, high if whole_lines else low), max(natural, high)
    return token, natural


def _text(cell: Any) -> Text | None:
    text = cell.text if isinstance(cell, _Spaced) else cell
    return text if isinstance(text, Text) else None


def _plain(cell: Any) -> str | None:
    text = _text(cell)
    return None if text is None else text.plain


def _plain_or_empty(cell: Any) -> str:
    if type(cell) is _Spaced:  # most cells: said first
        return cell.text.plain
    return cell.plain if isinstance(cell, Text) else _plain(cell) or ""


class HouseTable(Table):
    """Rich's Table, drawn in time linear in its rows with a small constant.

    Rich measures every cell for the column widths, then renders each cell through its generic
    machinery: 40 s for 100k rows. Here the widths are Rich's own, computed on a table of the
    few rows that give each column its widest and its narrowest need (a column's width depends
    on those two figures only); and a cell seen before (a place, a date, a rating) is rendered
    once. What is drawn is Rich's drawing, segment for segment (a test compares the two)."""

    fit_width: int | None = None  # fitted to at most this width too (None: the console's)
    _is_fit = False  # a copy made by _fitted(), drawn as it is

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self._is_fit and any(isinstance(c, HouseColumn) for c in self.columns):
            yield from self._draw_fitted(console, options)
            return
        if not self._long():
            yield from super().__rich_console__(console, options)
            return
        top = self._with_rows(self._sample())
        widths = top._calculate_column_widths(
            console, options.update_width(options.max_width - top._extra_width)
        )
        render_options = options.update(
            width=sum(widths) + top._extra_width, highlight=self.highlight, height=None
        )
        if self.title:
            title = self.title
            if isinstance(title, str):
                title = console.render_str(
                    title, style=Style.pick_first(self.title_style, "table.title"), highlight=False
                )
            yield from console.render(title, render_options.update(justify=self.title_justify))
        # The title's and header's drawing is Rich's: a copy of the table without rows.
        yield from self._with_rows([])._render(console, render_options, widths)
        yield from self._body(console, render_options, widths)

    def _draw_fitted(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """The table fitted to the width; its title and caption as wide as they need (up to
        the width), not wrapped to the table's own width as Rich would."""
        width = min(options.max_width, self.fit_width or options.max_width)
        fitted = _fitted(self, width)
        title, caption = fitted.title, fitted.caption
        fitted.title = fitted.caption = None
        drawn = sum(column.width or 0 for column in fitted.columns) + fitted._extra_width

        def annotation(text: Any, style: str, justify: Any) -> RenderResult:
            if isinstance(text, str):
                text = console.render_str(text, style=style, highlight=False)
            lines = text.plain.split("\n") if isinstance(text, Text) else [""]
            room = min(width, max(drawn, *map(cell_len, lines)))
            yield from console.render(
                text, options.update(width=room, justify=justify, highlight=False, height=None)
            )

        if title:
            yield from annotation(title, "table.title", self.title_justify)
        yield from fitted.__rich_console__(console, options)
        if caption:
            yield from annotation(caption, "table.caption", self.caption_justify)

    def _long(self) -> bool:
        """Long, and drawn as `_body` knows how (the house table's options, no row styles)."""
        return (
            self.row_count >= LONG
            and not self.caption
            and self.width is None
            and self.box is not None
            and self.show_header
            and not (self.show_edge or self.show_footer or self.show_lines or self.leading)
            and not any(self.padding)
            and all(column.vertical == "top" for column in self.columns)
            and not self.row_styles
            and not any(row.style or row.end_section for row in self.rows)
            and all(
                type(c) is _Spaced or isinstance(c, Text)
                for column in self.columns
                for c in column._cells
            )
        )

    def _sample(self) -> list[int]:
        """The rows that hold each column's largest minimum and largest maximum width."""
        chosen: set[int] = set()
        seen: dict[str, tuple[int, int]] = {}
        for column in self.columns:
            if column.width is not None:  # Rich measures a fixed width, not the cells
                continue
            best = [(-1, 0), (-1, 0)]
            for index, cell in enumerate(column._cells):
                plain = _plain_or_empty(cell)
                low, high = seen.get(plain) or seen.setdefault(plain, _measure(plain))
                if low > best[0][0]:
                    best[0] = (low, index)
                if high > best[1][0]:
                    best[1] = (high, index)
            chosen.update(index for _, index in best)
        return sorted(chosen)

    def _with_rows(self, rows: list[int]) -> Table:
        table = Table.__new__(Table)
        table.__dict__.update(self.__dict__)
        table.columns = [
            dataclasses.replace(c, _cells=[c._cells[i] for i in rows]) for c in self.columns
        ]
        table.rows = [self.rows[i] for i in rows]
        return table

    def _draw(
        self,
        console: Console,
        cell: Any,
        text: Text,
        key: tuple[Any, ...],
        options: ConsoleOptions,
        style: Style,
        templates: dict[tuple[Any, ...], Any],
        as_text: bool = False,
    ) -> Any:
        """A cell's lines, as Rich's render_lines draws them: lists of segments, or with
        `as_text` the text of each line (None if one holds a control code)."""
        plain = text.plain
        if as_text and (lines := _narrow_lines(cell, text, options)) is not None:
            return lines
        made = None
        if "full" not in (text.justify, options.justify) and all(map(_narrow, plain.split("\n"))):
            # Drawn as the same text with an x for each letter is (the same spaces, lines
            # and styles), letter for letter: Rich places, wraps and folds a text by its
            # spaces and the widths of its letters, all 1 here.
            model = plain.translate(_ASCII_X) if plain.isascii() else _LETTER.sub("x", plain)
            shape = (key[0], model, *key[2:])
            made = templates.get(shape)
            if made is None:
                if len(templates) >= _CACHED:
                    templates.clear()
                template = _template(console, cell, text, model, options, style)
                made = templates[shape] = (template, _line_recipes(template)) if template else ()
        if made and not as_text:
            return _fill(made[0], _letters(plain))
        if made and made[1] is not None:
            letters = _letters(plain)
            return [
                first + letters[runs[0][0] : runs[0][1]] + runs[0][2]
                if len(runs) == 1  # most lines: one run of letters (a word, a date)
                else first + "".join([letters[a:b] + after for a, b, after in runs])
                for first, runs in made[1]
            ]
        drawn = console.render_lines(cell, options, style=style)
        return _texts(drawn) if as_text else drawn

    def _body(
        self, console: Console, options: ConsoleOptions, widths: list[int]
    ) -> Iterator[Segment]:
        """The rows, as Table._render draws them below the header (no edge, no row style)."""
        _box = self.box
        assert _box is not None
        _box = _box.substitute(
            options, safe=console.safe_box if self.safe_box is None else self.safe_box
        )
        border = console.get_style(self.style or "") + console.get_style(self.border_style or "")
        row_style = Style.null()
        dividers = [
            Segment(vertical, row_style.background_style + Segment(vertical, border).style)
            if not vertical.strip()
            else Segment(vertical, border)
            for vertical in (_box.mid_vertical, _box.foot_vertical)
        ]
        columns = []
        for width, column in zip(widths, self.columns, strict=True):
            cell_options = options.update(
                width=width,
                justify=column.justify,
                no_wrap=column.no_wrap,
                overflow=column.overflow,
                height=None,
                highlight=column.highlight,
            )
            style = console.get_style(column.style or "") + row_style
            columns.append((column, width, cell_options, style))
        cache: dict[tuple[Any, ...], Any] = {}  # a cell's lines: of segments, or of text
        templates: dict[tuple[Any, ...], Any] = {}
        new_line = Segment.line()
        last_row = self.row_count - 1
        # Styles are dropped when there is no colour system (a pipe, a file): see _joined.
        plain_output = console.color_system is None and not console.record
        # Segments are joined only in lines that the console will not crop.
        joinable = sum(widths) + self._extra_width <= console.width
        # Then each line is one segment of text (what _joined makes of it): said from each
        # cell's lines of text, made once per cell.
        as_text = plain_output and joinable
        numbered = list(enumerate(columns))
        for row, row_cells in enumerate(
            zip(*[column._cells for column in self.columns], strict=True)
        ):
            cells: list[tuple[Any, int, Style]] = []
            for cell, (index, (_, width, cell_options, style)) in zip(
                row_cells, numbered, strict=True
            ):
                text: Text = cell.text if type(cell) is _Spaced else cell  # type: ignore[assignment,union-attr]
                # All that the drawing depends on (the first two: the column and the text).
                key = (
                    index,
                    text.plain,
                    type(cell),
                    text.style,
                    text.justify,
                    text.overflow,
                    text.no_wrap,
                    text.end,
                    text.tab_size,
                    *text.spans,
                )
                known = cache.get(key)  # a cell seen before: a place, a date, a rating…
                if known is None:
                    if len(cache) >= _CACHED:
                        cache.clear()
                    draw = self._draw(
                        console, cell, text, key, cell_options, style, templates, as_text
                    )
                    if draw is None:  # a control code: drawn as segments
                        draw = self._draw(console, cell, text, key, cell_options, style, templates)
                    known = cache[key] = draw
                cells.append((known, width, style))
            divider = dividers[row == last_row]
            height = max([len(lines) for lines, _, _ in cells])
            if as_text:
                if all([not lines or type(lines[0]) is str for lines, _, _ in cells]):
                    between = divider.text
                    for parts in zip(
                        *[
                            texts
                            if len(texts) == height
                            else [*texts, *[" " * width] * (height - len(texts))]
                            for texts, width, _ in cells
                        ],
                        strict=True,
                    ):
                        yield _new(Segment, (between.join(parts), None, None))
                        yield new_line
                    continue
                # Beside a cell drawn as segments, a line of text is its one segment (which
                # is what _joined makes of it).
                cells = [
                    ([[Segment(t)] if type(t) is str else t for t in lines], width, style)
                    for lines, width, style in cells
                ]
            # Segment.set_shape(Segment.align_top(…)), said shortly: render_lines made every
            # line exactly `width` wide, so the shorter cells only gain blank lines.
            shaped = [
                lines
                if len(lines) == height
                else [*lines, *[[Segment(" " * width, style)]] * (height - len(lines))]
                for lines, width, style in cells
            ]
            for line_no in range(height):
                line: list[Segment] = []
                for number, rendered in enumerate(shaped):
                    if number:
                        line.append(divider)
                    line += rendered[line_no]
                yield from _joined(line, plain_output) if joinable else line
                yield new_line


def _narrow_lines(cell: Any, text: Text, options: ConsoleOptions) -> list[str] | None:
    """The text of each line of a cell of printable lines of narrow letters (ASCII, most of
    Latin, punctuation), on the left: each line, or each piece of it that Rich's word wrap
    makes, then spaces up to the width (a letter is a cell, and on a pipe no style shows).
    None for any other cell."""
    plain = text.plain
    width = options.max_width
    room = width - 1 if type(cell) is _Spaced else width  # a spaced cell draws its space
    overflow = text.overflow or options.overflow or "fold"
    if not (
        room >= 1
        and (text.justify or options.justify or "default") in ("default", "left")
        and overflow != "ignore"
        and text.end == "\n"
    ):
        return None
    lines = plain.split("\n")
    if not (plain.replace("\n", "").isprintable() if plain.isascii() else all(map(_narrow, lines))):
        return None
    if max(map(len, lines)) <= room:
        return [line.ljust(width) for line in lines]
    no_wrap = text.no_wrap if text.no_wrap is not None else options.no_wrap
    if overflow != "fold" or no_wrap:
        return None  # cut (with an ellipsis, perhaps): whatever Rich makes of it
    drawn = []
    for line in lines:
        if len(line) <= room:
            drawn.append(line.ljust(width))
        else:
            drawn += _wrapped(line, room, width)
    return drawn


@functools.lru_cache(maxsize=4096)
def _wrapped(line: str, room: int, width: int) -> tuple[str, ...]:
    """A line too long for its room as Text.wrap draws it, for letters one cell wide: Rich's
    own breaks, then each piece's trailing spaces beyond the room dropped, then what is still
    too long cut, each piece padded to the width. Made once per line and room (a place's name
    in the column of each person met there)."""
    drawn = []
    start = 0
    for end in [*divide_line(line, room, fold=True), len(line)]:
        piece, start = line[start:end], end
        if len(piece) > room:
            spaces = len(piece) - len(piece.rstrip())
            piece = piece[: len(piece) - min(spaces, len(piece) - room)][:room]
        drawn.append(piece.ljust(width))
    return tuple(drawn)


def _texts(lines: list[list[Segment]]) -> list[str] | None:
    """The text of each line of a cell (None if one holds a control code: drawn as segments)."""
    if any(seg.control for line in lines for seg in line):
        return None
    return ["".join([seg.text for seg in line]) for line in lines]


def _joined(line: list[Segment], plain_output: bool) -> Iterator[Segment]:
    """The segments of a line, those without style (all of them when nothing shows styles)
    joined: the console writes such segments' text as it is, so the output is the same, and
    each segment less is one less to pass through Rich's machinery."""
    plain: list[str] = []
    for seg in line:
        if (plain_output or not seg.style) and not seg.control:
            plain.append(seg.text)
            continue
        if plain:
            yield Segment("".join(plain))
            plain = []
        yield seg
    if plain:
        yield Segment("".join(plain))


# Letters that never join another into one grapheme: Latin, and punctuation and symbols (—, ★).
_SIMPLE = re.compile(r"[\x20-\x7e\xa0-\u02ff\u2010-\u2bff]*")


def _narrow(line: str) -> bool:
    """Printable, and every character a letter of its own, one cell wide (a wide one and a
    combining one would add up to as many cells as characters, but not draw as two letters)."""
    return line.isprintable() and (
        line.isascii()
        or (
            _SIMPLE.fullmatch(line) is not None
            and all(get_character_cell_size(c) == 1 for c in line)
        )
    )


_LETTER = re.compile(r"[^ \n]")
_ASCII_X = {c: "x" for c in range(128) if chr(c) not in " \n"}  # _LETTER, for ASCII texts


def _letters(plain: str) -> str:
    """The letters of a text: all but its spaces and line breaks."""
    return plain.replace(" ", "").replace("\n", "")


_XS = re.compile(r"x+")
# A drawn segment, and where the letters go in it: (text before, first, end) for each run of x,
# then the text after (None: a segment without letters, kept as it is).
Recipe = tuple[list[tuple[str, int, int]], str] | None


def _template(
    console: Console,
    cell: Any,
    text: Text,
    model: str,
    options: ConsoleOptions,
    style: Style,
) -> list[list[tuple[Segment, Recipe]]]:
    """How a cell whose text is `model` is drawn, with where each of its letters goes ([] when
    Rich drops or adds one, e.g. cut with an ellipsis: such a cell is drawn by Rich)."""
    copy = Text(
        model,
        style=text.style,
        justify=text.justify,
        overflow=text.overflow,
        no_wrap=text.no_wrap,
        end=text.end,
        tab_size=text.tab_size,
        spans=list(text.spans),
    )
    lines = console.render_lines(
        _Spaced(copy) if isinstance(cell, _Spaced) else copy, options, style=style
    )
    template, letter = [], 0
    for line in lines:
        made: list[tuple[Segment, Recipe]] = []
        for seg in line:
            runs, last = [], 0
            for run in _XS.finditer(seg.text):
                runs.append((seg.text[last : run.start()], letter, letter + len(run.group())))
                letter += len(run.group())
                last = run.end()
            made.append((seg, (runs, seg.text[last:]) if runs else None))
        template.append(made)
    return template if letter == model.count("x") else []


# A line of a template as text: the text before its first letter, then for each run of
# letters (first, end, the text after it).
LineRecipe = tuple[str, list[tuple[int, int, str]]]


def _line_recipes(template: list[list[tuple[Segment, Recipe]]]) -> list[LineRecipe] | None:
    """The lines of a template as text (None if one holds a control code)."""
    lines: list[LineRecipe] = []
    for made in template:
        first: str | None = None
        runs: list[tuple[int, int, str]] = []
        pending = ""  # the text since the last run of letters
        for seg, recipe in made:
            if seg.control:
                return None
            if recipe is None:
                pending += seg.text
                continue
            seg_runs, after = recipe
            for before, a, b in seg_runs:
                pending += before
                if first is None:
                    first = pending
                else:
                    runs[-1] = (runs[-1][0], runs[-1][1], pending)
                runs.append((a, b, ""))
                pending = ""
            pending += after
        if first is None:
            lines.append((pending, []))
        else:
            runs[-1] = (runs[-1][0], runs[-1][1], pending)
            lines.append((first, runs))
    return lines


def _fill(template: list[list[tuple[Segment, Recipe]]], letters: str) -> list[list[Segment]]:
    """The lines of a template with `letters` in place of its x's."""
    lines = []
    for made in template:
        line = []
        for seg, recipe in made:
            if recipe is None:
                line.append(seg)
                continue
            runs, after = recipe
            if len(runs) == 1:  # most segments: one run of letters (a word, a date)
                before, a, b = runs[0]
                text = before + letters[a:b] + after
            else:
                text = "".join([before + letters[a:b] for before, a, b in runs]) + after
            # Segment(text, style, control), without the Python frame of a NamedTuple's __new__
            line.append(_new(Segment, (text, seg[1], seg[2])))
        lines.append(line)
    return lines


_new = tuple.__new__


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector paused while a long table is built and drawn: it would walk
    its millions of small objects (texts, spans, segments), none in a cycle, again and again
    (a third of the time of 100k rows)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# -- a table that never breaks a token ---------------------------------------------------------


@dataclasses.dataclass
class HouseColumn(Column):
    """A column of a house table that fits itself to the terminal without ever breaking a
    token (a URL, a phone number, an e-mail, a word) across lines.

    `priority`: room goes first to the lowest numbers, and the highest is dropped first (0 is
    never dropped). `whole_lines`: each line of a cell is one token (a contact's URL, phone or
    e-mail, a distance): never wrapped; one that cannot fit shows as "…". Otherwise words are
    the tokens: the cell wraps between them, and a word wider than the column is cut with "…".
    `min_fit`: the narrowest the column gets before columns are dropped (its header's width at
    least). `shorten`: a shorter form of a cell (URLs to their host), used when the table must
    be narrower."""

    priority: int = 50
    whole_lines: bool = False
    min_fit: int = 0
    shorten: Callable[[Text], Text] | None = None


def _fitted(table: HouseTable, width: int) -> HouseTable:
    """A copy of `table` that fits `width` cells. Columns empty in every row are left out.
    Each column needs room for its widest token (up to _TOKEN_CAP or _WORD_CAP) in its shortest form
    (URLs as their host); while that is too wide, the lowest-priority column is dropped. Room
    left over goes by priority, in rounds (up to 16 cells, 24), then to the full form of the
    cells (whole URLs) where all of them fit, then to each column's widest line. Every cell is
    then made of tokens that fit its column (a wider one is elided), so that Rich wraps it
    only between tokens."""
    columns = table.columns
    keep = [i for i, c in enumerate(columns) if any(_plain(cell) for cell in c._cells)]
    specs = [_Spec(columns[i]) for i in keep or range(min(1, len(columns)))]
    while True:
        widths = [spec.need(len(spec.forms) - 1) for spec in specs]
        droppable = [n for n, spec in enumerate(specs) if spec.priority > 0]
        if _total(widths) <= width or not droppable or len(specs) == 1:
            break
        del specs[max(reversed(droppable), key=lambda n: specs[n].priority)]
    levels = [len(spec.forms) - 1 for spec in specs]
    # Still too wide (a terminal narrower than the essential columns): their tokens elided.
    for n in sorted(range(len(specs)), key=lambda n: -specs[n].priority):
        excess = _total(widths) - width
        if excess > 0:
            widths[n] = max(1, widths[n] - excess)
    by_priority = sorted(range(len(specs)), key=lambda n: specs[n].priority)

    def widen(n: int, goal: int) -> None:
        widths[n] += max(0, min(width - _total(widths), goal - widths[n]))

    for cap in _COMFORTABLE:
        for n in by_priority:
            widen(n, min(specs[n].natural[levels[n]], max(cap, widths[n])))
    for n in by_priority:  # the full forms, where there is room for every one of them
        full = max(widths[n], specs[n].natural[0])
        if levels[n] and _total(widths) - widths[n] + full <= width:
            levels[n], widths[n] = 0, full
    for n in by_priority:
        widen(n, specs[n].natural[levels[n]])
    copy = HouseTable.__new__(HouseTable)
    copy.__dict__.update(table.__dict__)
    copy._is_fit = True
    copy.columns = [
        spec.fitted(w, level, last=n == len(specs) - 1)
        for n, (spec, w, level) in enumerate(zip(specs, widths, levels, strict=True))
    ]
    return copy


_SEP = 2  # cells between two columns: the cell's own space, then the box's
# A column needs room for its widest token up to this (a line of a whole-lines column, a
# word); a wider one is elided when there is no room left over for it.
_TOKEN_CAP, _WORD_CAP = 30, 16
_COMFORTABLE = (16, 24)  # room left over goes by priority up to 16 cells, then 24, then all


def _total(widths: list[int]) -> int:
    return sum(widths) + _SEP * (len(widths) - 1)


class _Spec:
    """What fitting a column needs to know of it: its header's width, and for each form of
    its cells (as they are, shortened) the widest token and the widest line."""

    def __init__(self, column: Column) -> None:
        self.column = column
        house = column if isinstance(column, HouseColumn) else HouseColumn()
        self.priority, self.whole_lines = house.priority, house.whole_lines
        header = _text(column.header)
        self.header = cell_len(header.plain if header is not None else str(column.header))
        self.min_fit = max(self.header, house.min_fit, 1)
        self.shorten = house.shorten
        self.forms: list[list[Any]] = [column._cells]
        if self.shorten is not None:
            self.forms.append([self._short(cell) for cell in column._cells])
        self.token: list[int] = []
        self.natural: list[int] = []
        self._sizes: dict[str, tuple[int, int]] = {}  # _measure of each distinct text
        seen = self._sizes
        for cells in self.forms:
            plains = {c.text.plain if type(c) is _Spaced else _plain_or_empty(c) for c in cells}
            token, natural = _widest(plains, self.whole_lines, seen)
            self.token.append(max(token, self.header))
            self.natural.append(max(natural, self.header))

    def need(self, level: int) -> int:
        """The width this column needs for its cells in form `level`: its widest token."""
        cap = _TOKEN_CAP if self.whole_lines else _WORD_CAP
        return max(self.min_fit, min(self.token[level], cap))

    def _short(self, cell: Any) -> Any:
        text = _text(cell)
        if text is None or self.shorten is None:
            return cell
        short = self.shorten(text)
        return _Spaced(short) if isinstance(cell, _Spaced) else short

    def fitted(self, width: int, level: int, last: bool) -> Column:
        """The column `width` cells wide, its cells in form `level` (or a shorter one where
        that does not fit), each token fitting."""
        if self.token[level] <= width:  # most columns: every token of this form fits
            cells = self.forms[level]
        else:
            cells = [self._fit_cell(row, width, level) for row in range(len(self.forms[0]))]
        header = self.column.header
        if last and isinstance(header, _Spaced):  # the last shown, not the last made: no space
            header = header.text
            cells = [cell.text if isinstance(cell, _Spaced) else cell for cell in cells]
        room = width if last else width + 1  # a cell but the last draws its space too
        return dataclasses.replace(
            self.column,
            header=header,
            width=room,
            min_width=None,
            max_width=None,
            overflow="fold",
            _cells=cells,
        )

    def _fit_cell(self, row: int, width: int, level: int) -> Any:
        text = None
        for form in self.forms[level:]:
            cell = form[row]
            text = _text(cell)
            if text is None:
                return cell
            plain = text.plain
            low, high = self._sizes.get(plain) or self._sizes.setdefault(plain, _measure(plain))
            if (high if self.whole_lines else low) <= width:
                return cell  # most cells: every token fits
        assert text is not None
        fitted = _elided(text, width, self.whole_lines)
        return _Spaced(fitted) if isinstance(cell, _Spaced) else fitted


_ELLIPSIS = "…"


def _elided(text: Text, width: int, whole_lines: bool) -> Text:
    """`text` with each token that is wider than `width` elided: a whole line shows as "…",
    a word keeps the letters that fit before its "…". Styles and links are kept."""
    lines = text.split("\n", allow_blank=True)
    out = []
    for line in lines:
        plain = line.plain
        if cell_len(plain) <= width and (whole_lines or " " not in plain):
            out.append(line)
            continue
        if whole_lines:
            spans = [Span(0, 1, span.style) for span in line.spans if span.start == 0]
            out.append(Text(_ELLIPSIS, style=line.style, spans=spans))
            continue
        parts, start = [], 0
        for word in re.finditer(r"\S+", plain):
            parts.append(line[start : word.start()])
            piece = line[word.start() : word.end()]
            if cell_len(word.group()) > width:
                piece = _cut(piece, width - 1)
                piece.append(_ELLIPSIS)
            parts.append(piece)
            start = word.end()
        parts.append(line[start:])
        out.append(Text("").join(parts))
    joined = Text("\n").join(out)
    joined.style, joined.justify, joined.overflow = text.style, text.justify, text.overflow
    joined.no_wrap, joined.end = text.no_wrap, text.end
    return joined


def _cut(text: Text, cells: int) -> Text:
    """The first characters of `text` that fill at most `cells` cells."""
    used = end = 0
    for char in text.plain:
        size = get_character_cell_size(char)
        if used + size > cells:
            break
        used += size
        end += 1
    return text[:end]


def short_url(url: str) -> str:
    """'https://www.example.org/a/b/' → 'example.org' (the full URL is in JSON and `show`)."""
    host = url.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    return host[4:] if host.lower().startswith("www.") else host


_URL_LINE = re.compile(r"(?i)^(https?://|www\.)\S+$")


def url_hosts(text: Text) -> Text:
    """A `HouseColumn.shorten` for contact cells: each line that is a URL becomes its host
    (a link stays a link to the whole URL)."""
    lines = text.split("\n", allow_blank=True)
    out = []
    for line in lines:
        plain = line.plain
        if not _URL_LINE.match(plain):
            out.append(line)
            continue
        host = short_url(plain)
        spans = [
            Span(0, len(host), s.style) for s in line.spans if s.start == 0 and s.end >= len(plain)
        ]
        out.append(Text(host, style=line.style, spans=spans))
    joined = Text("\n").join(out)
    joined.style, joined.justify, joined.overflow = text.style, text.justify, text.overflow
    return joined


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
    return HouseTable(
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
    columns = grid.columns
    if len(cells) != len(columns):  # Rich's rules for a short or long row
        grid.add_row(*(_Spaced(cell) for cell in cells[:-1]), *cells[-1:])
        return
    # What Table.add_row does with a full row of Texts, without its checks (a long table
    # spends a fifth of its building time in them).
    for column, cell in zip(columns[:-1], cells, strict=False):
        column._cells.append(_Spaced(cell))
    columns[-1]._cells.append(cells[-1])
    grid.rows.append(Row())


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
