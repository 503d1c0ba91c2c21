"""Flag names live in cli/ only: the renderers and the core never name an option in what they
show; the commands pass their own hint lines, so the output is what it was."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from clitools import coworking, invoke, seed_listing
from rich.console import Console

import solomo_cli
from solomo_cli.mydata.visits import NO_TOTALS
from solomo_cli.render import mydata as views

PACKAGE = Path(solomo_cli.__file__).parent
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
SMOOTH = coworking("node/1", "Smooth", 45.75, 4.85)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (they may name flags: help text)."""
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
    return found


def flag_strings(path: Path, root: Path = PACKAGE) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    return [
        f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and FLAG.search(node.value)
    ]


def test_no_string_outside_cli_names_a_flag() -> None:
    modules = [p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts[:1]]
    assert len(modules) > 30
    assert [hit for path in sorted(modules) for hit in flag_strings(path)] == []


def test_the_scan_finds_a_flag_when_there_is_one(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"  # a real module, plus one line that names a flag
    source = (PACKAGE / "render" / "near.py").read_text(encoding="utf-8")
    planted.write_text(source + '\nHINT = "use --limit"\n', encoding="utf-8")
    line = len(source.splitlines()) + 2
    assert flag_strings(planted, tmp_path) == [f"planted.py:{line}: 'use --limit'"]


def plain(renderables: list) -> str:
    out = io.StringIO()
    console = Console(file=out, width=100, no_color=True, highlight=False, markup=False)
    for r in renderables:
        console.print(r)
    return out.getvalue()


def test_renderers_without_a_hint_show_none() -> None:
    assert plain(views.log_view([], NO_TOTALS, None, None)) == "No visits logged.\n"
    assert plain(views.contacts_view([], None, None, None)) == "No contacts yet.\n"


# -- the commands still say it, in their own options' words ---------------------------------


def test_log_with_nothing_says_how_to_log() -> None:
    result = invoke(["log"])
    assert result.exit_code == 0
    assert result.stdout == (
        'No visits logged.\nLog one with: solomo visit 2 --rating 4 --note "quiet, fast Wi-Fi"\n'
    )


def test_contact_list_with_nobody_says_how_to_add() -> None:
    result = invoke(["contact", "list"])
    assert result.exit_code == 0
    assert result.stdout == 'No contacts yet. Add one: solomo contact add "Jeanne Martin" --at 2\n'


def test_contact_show_without_encounters_says_how_to_record_one() -> None:
    assert invoke(["contact", "add", "Jeanne Martin"]).exit_code == 0
    result = invoke(["contact", "show", "Jeanne"])
    assert result.exit_code == 0
    assert result.stdout.endswith(
        "\nNo encounters recorded. Record one: solomo contact met NAME --at REF\n"
    )


@pytest.mark.parametrize(
    ("count", "more"), [(10, None), (12, "  … 2 more: solomo log --place node/1")]
)
def test_show_points_to_log_for_the_visits_it_leaves_out(count: int, more: str | None) -> None:
    seed_listing([SMOOTH])
    for day in range(1, count + 1):
        assert invoke(["visit", "1", "--date", f"2026-11-{day:02d}"]).exit_code == 0
    result = invoke(["show", "1"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    if more is None:
        assert not any("more" in line for line in lines)
    else:
        assert more in lines
