"""`near --map`: the sketch of the places around the search point (render/termmap.py), read as
text, and the installed command on a real terminal (a pty) and on a pipe."""

from __future__ import annotations

import math
import subprocess

import pytest
from clitools import LYON, LYON_POINT, coworking, seed_listing, solomo_command
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from solomo_cli.geo import EARTH_RADIUS_M
from solomo_cli.render.termmap import MapPoint, nice_length, sketch

BRAILLE = range(0x2801, 0x2900)


def offset(metres_north: float, metres_east: float) -> tuple[float, float]:
    """The point so many metres north and east of Lyon's."""
    lat = LYON[0] + math.degrees(metres_north / EARTH_RADIUS_M)
    lon = LYON[1] + math.degrees(metres_east / (EARTH_RADIUS_M * math.cos(math.radians(LYON[0]))))
    return lat, lon


def lines_of(points: list[MapPoint], width: int = 100, radius: float = 2000) -> list[str]:
    return sketch(*LYON, radius, points, width).plain.split("\n")


def where(lines: list[str], label: str) -> tuple[int, int]:
    """(row, column) of `label` standing alone on the map."""
    for row, line in enumerate(lines):
        for col in range(len(line)):
            if line.startswith(label, col) and not line[col - 1 : col].isdigit():
                end = col + len(label)
                if not line[end : end + 1].isdigit():
                    return row, col
    raise AssertionError(f"{label} is not on the map:\n" + "\n".join(lines))


def test_places_are_drawn_where_they_are_around_the_search_point() -> None:
    lines = lines_of(
        [
            MapPoint(1, *offset(1000, 0)),
            MapPoint(2, *offset(0, 1000)),
            MapPoint(3, *offset(-1000, -1000)),
        ]
    )
    centre = where(lines, "+")
    north, east, south_west = where(lines, "1"), where(lines, "2"), where(lines, "3")
    rows_per_km = centre[0] - north[0]
    assert rows_per_km > 3 and abs(north[1] - centre[1]) <= 1
    assert east[0] == centre[0] and east[1] - centre[1] == pytest.approx(2 * rows_per_km, abs=2)
    assert south_west[0] - centre[0] == pytest.approx(rows_per_km, abs=1)
    assert centre[1] - south_west[1] == pytest.approx(2 * rows_per_km, abs=2)


def test_the_circle_north_and_the_scale_bar() -> None:
    lines = lines_of([], width=100)
    assert lines[0].rstrip().endswith("N↑")
    braille_rows = [i for i, line in enumerate(lines) if any(ord(c) in BRAILLE for c in line)]
    assert braille_rows[0] == 0 and len(braille_rows) == 22  # the circle fills the height
    bar = lines[22]
    assert bar.startswith("├") and "┤ 1.0 km" in bar and "circle 2.0 km" in bar
    # The bar is as long as 1 km is on the map: the circle's 4 km across, over four.
    across = [
        c
        for c in range(100)
        if any(ord(lines[r][c]) in BRAILLE for r in range(22) if c < len(lines[r]))
    ]
    circle_cols = max(across) - min(across) + 1
    assert bar.index("┤") + 1 == pytest.approx(circle_cols / 4, abs=1.5)


@pytest.mark.parametrize(
    ("limit", "length"), [(0.3, 1), (7, 5), (19, 10), (2500, 2000), (999, 500)]
)
def test_scale_lengths_are_round(limit: float, length: float) -> None:
    assert nice_length(limit) == length


def test_places_too_close_to_label_are_said_below() -> None:
    points = [MapPoint(rank, *offset(300, 300)) for rank in range(1, 31)]
    lines = lines_of(points, width=60)
    shown = [str(r) for r in range(1, 31) if any(str(r) in line for line in lines[:15])]
    assert "1" in shown
    said = lines[-1]
    assert said.startswith("Too close to label: ")
    listed = said.removeprefix("Too close to label: ").rstrip(", …").split(", ")
    assert listed and all(int(r) > 1 for r in listed)


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(20, 200),
    spots=st.lists(
        st.tuples(st.floats(0, 1), st.floats(0, 2 * math.pi), st.booleans()), max_size=25
    ),
)
def test_every_line_fits_the_width(width: int, spots: list[tuple[float, float, bool]]) -> None:
    points = [
        MapPoint(i, *offset(f * 1500 * math.sin(a), f * 1500 * math.cos(a)), "library", chain)
        for i, (f, a, chain) in enumerate(spots, 1)
    ]
    text = sketch(*LYON, 1500, points, width)
    assert all(cell_len(line) <= width for line in text.plain.split("\n"))


def test_chains_are_dim_and_kinds_have_their_colour() -> None:
    text = sketch(
        *LYON,
        2000,
        [MapPoint(1, *offset(500, 0), "library", True), MapPoint(2, *offset(-500, 0), "cafe")],
        80,
    )
    styles = {text.plain[span.start : span.end]: str(span.style) for span in text.spans}
    assert styles["1"] == "dim" and styles["2"] == "bold green"


# -- the installed command ----------------------------------------------------------------


@pytest.fixture
def listed() -> None:
    seed_listing(
        [
            coworking("node/1", "North", *offset(800, 0)),
            coworking("node/2", "East", *offset(0, 1200)),
        ]
    )


def test_near_map_on_a_terminal_draws_under_the_table(listed: None) -> None:
    from test_pty import on_a_terminal

    status, shown, _ = on_a_terminal("near", LYON_POINT, "--offline", "--map")
    assert status == 0, shown
    assert shown.index("North") < shown.index("N↑")  # under the table
    assert any(ord(c) in BRAILLE for c in shown)
    assert "+ search point · circle 2.0 km" in shown


def test_near_map_on_a_pipe_prints_the_table_alone(listed: None) -> None:
    completed = subprocess.run(
        [*solomo_command(), "near", LYON_POINT, "--offline", "--map"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert "North" in completed.stdout and "East" in completed.stdout
    assert not any(ord(c) in BRAILLE for c in completed.stdout)
    assert "N↑" not in completed.stdout and "search point" not in completed.stdout


def test_the_warm_path_loads_none_of_the_map_modules(listed: None) -> None:
    import sys

    code = (
        "import sys\n"
        "from solomo_cli.cli.app import app\n"
        "from typer.testing import CliRunner\n"
        f"r = CliRunner().invoke(app, ['near', {LYON_POINT!r}, '--offline'])\n"
        "names = ('termmap', 'htmlmap', 'browser', 'open', 'webbrowser', 'leaflet')\n"
        "print(r.exit_code, sorted(m for m in sys.modules if m.split('.')[-1] in names))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split(" ", 1) == ["0", "[]\n"]
