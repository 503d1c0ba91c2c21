"""A sketch of a listing's places around its search point, for a terminal: braille dots for
the search circle, each place's rank where it lies, the search point, north, and a scale bar.

Braille cells are 2 dots wide and 4 high, and a terminal cell is about twice as high as it is
wide: each dot is then about square, so one scale serves both axes."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text

from solomo_cli.geo import EARTH_RADIUS_M, format_distance

if TYPE_CHECKING:
    from solomo_cli.search.near import NearResult

# Bit of each dot (column, row) in a braille cell: U+2800 + the sum of the dots drawn.
_DOTS = {(0, 0): 0x01, (0, 1): 0x02, (0, 2): 0x04, (1, 0): 0x08, (1, 1): 0x10, (1, 2): 0x20}
_DOTS |= {(0, 3): 0x40, (1, 3): 0x80}
KIND_STYLES = {
    "coworking": "bold cyan",
    "hackerspace": "bold yellow",
    "library": "bold magenta",
    "cafe": "bold green",
}
CHAIN_STYLE = "dim"
MIN_ROWS, MAX_ROWS = 6, 22
MAX_SKETCH_PLACES = 99  # ranks past it are not drawn: two digits stay readable


class MapPoint(NamedTuple):
    rank: int
    lat: float
    lon: float
    kind: str = "coworking"
    chain: bool = False


def nice_length(limit_m: float) -> float:
    """The longest of 1, 2 or 5 × 10ⁿ metres that is at most `limit_m` (at least 1 m)."""
    if limit_m < 1:
        return 1.0
    power = 10 ** math.floor(math.log10(limit_m))
    return next(step * power for step in (5, 2, 1) if step * power <= limit_m)


def sketch(lat: float, lon: float, radius_m: float, points: Iterable[MapPoint], width: int) -> Text:
    """The map as lines of at most `width` cells: the circle of `radius_m` around (lat, lon)
    fills the height, places are drawn by rank (the first placed win the room), and those
    too close to others to be labelled are said in a line below."""
    cols = max(20, width)
    rows = max(MIN_ROWS, min(MAX_ROWS, cols // 4))
    dots_w, dots_h = cols * 2, rows * 4
    diameter = min(dots_w, dots_h) - 2
    per_dot = 2 * radius_m / diameter  # metres
    cx, cy = dots_w / 2, dots_h / 2
    cos_lat = math.cos(math.radians(lat))

    def to_dot(plat: float, plon: float) -> tuple[int, int]:
        x_m = math.radians(plon - lon) * cos_lat * EARTH_RADIUS_M
        y_m = math.radians(plat - lat) * EARTH_RADIUS_M
        x = min(dots_w - 1, max(0, int(cx + x_m / per_dot)))
        y = min(dots_h - 1, max(0, int(cy - y_m / per_dot)))
        return x, y

    masks = [[0] * cols for _ in range(rows)]
    chars: dict[tuple[int, int], tuple[str, str]] = {}  # (row, col) → (text, style)

    def dot(x: int, y: int) -> None:
        masks[y // 4][x // 2] |= _DOTS[(x % 2, y % 4)]

    r = diameter / 2
    for step in range(int(2 * math.pi * r * 2) + 8):
        angle = step / (int(2 * math.pi * r * 2) + 8) * 2 * math.pi
        x, y = int(cx + r * math.cos(angle)), int(cy + r * math.sin(angle))
        if 0 <= x < dots_w and 0 <= y < dots_h:
            dot(x, y)
    centre = (int(cy) // 4, int(cx) // 2)
    chars[centre] = ("+", "bold red")
    north = "N↑"
    for i, c in enumerate(north):
        chars[(0, cols - len(north) + i)] = (c, "bold")

    crowded = []
    for p in sorted(points, key=lambda p: p.rank):
        if p.rank > MAX_SKETCH_PLACES:
            continue
        x, y = to_dot(p.lat, p.lon)
        row, col = y // 4, x // 2
        label = str(p.rank)
        style = CHAIN_STYLE if p.chain else KIND_STYLES.get(p.kind, "bold")
        for d_row, d_col in ((0, 0), (0, 1), (0, -len(label)), (-1, 0), (1, 0), (0, 2)):
            r0, c0 = row + d_row, col + d_col
            cells = [(r0, c0 + i) for i in range(len(label))]
            if all(0 <= rr < rows and 0 <= cc < cols and (rr, cc) not in chars for rr, cc in cells):
                for cell, ch in zip(cells, label, strict=True):
                    chars[cell] = (ch, style)
                break
        else:
            crowded.append(p.rank)
            if (row, col) not in chars:
                dot(x, y)

    text = Text(no_wrap=True, overflow="crop")
    for row in range(rows):
        line = [
            chars.get((row, col))
            or ((chr(0x2800 + masks[row][col]), "dim") if masks[row][col] else (" ", ""))
            for col in range(cols)
        ]
        for style, run in itertools.groupby(line, key=lambda cell: cell[1]):
            text.append("".join(ch for ch, _ in run), style=style)  # one span per run
        text.append("\n")
    scale_m = nice_length(per_dot * 2 * max(4, cols // 5))
    bar = max(2, round(scale_m / (per_dot * 2)))
    text.append("├" + "─" * (bar - 2) + "┤ " + format_distance(scale_m), style="bold")
    text.append(f"   + search point · circle {format_distance(radius_m)}", style="dim")
    if crowded:
        more = ", ".join(map(str, crowded[:12])) + (", …" if len(crowded) > 12 else "")
        text.append(f"\nToo close to label: {more}", style="dim")
    return _fit(text, cols)


def _fit(text: Text, width: int) -> Text:
    """Each line cut to `width` cells (the legend lines may be longer than a narrow map)."""
    lines = text.split("\n")
    for line in lines:
        line.truncate(width, overflow="crop")
    return Text("\n", no_wrap=True).join(lines)


def listing_sketch(result: NearResult, width: int) -> Text:
    """The sketch of a `near` listing's places (the first MAX_SKETCH_PLACES of them)."""
    points = [
        MapPoint(rank, p.lat, p.lon, p.kind, p.chain)
        for rank, p in zip(range(1, MAX_SKETCH_PLACES + 1), result.places, strict=False)
    ]
    origin = result.origin
    return sketch(origin.lat, origin.lon, result.query.radius_m, points, width)
