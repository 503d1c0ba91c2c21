"""Every command has help text and appears in the README (as sqlite-utils' test_docs does)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from clitools import invoke

from solomo_cli.cli.app import app
from solomo_cli.errors import ExitStatus

README = Path(__file__).resolve().parents[1] / "README.md"


def walk(command: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    """(('cache', 'clear'), command) for every command and group below the root."""
    found = []
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if getattr(sub, "hidden", False):
            continue
        found.append(((*path, name), sub))
        found.extend(walk(sub, (*path, name)))
    return found


COMMANDS = walk(typer.main.get_command(app))
IDS = [" ".join(path) for path, _ in COMMANDS]


def test_the_known_commands_are_there() -> None:
    assert {"near", "sync", "paths", "cache", "cache info", "cache clear"} <= set(IDS)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_command_has_help_text(path: tuple[str, ...], command: object) -> None:
    text = (getattr(command, "help", None) or getattr(command, "short_help", None) or "").strip()
    assert text, f"solomo {' '.join(path)} has no help text"
    result = invoke([*path, "--help"])
    assert result.exit_code == 0
    assert text.splitlines()[0][:40] in " ".join(result.stdout.split())


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_option_has_help_text(path: tuple[str, ...], command: object) -> None:
    missing = [
        param.name
        for param in getattr(command, "params", [])
        if getattr(param, "param_type_name", "") == "option" and not getattr(param, "help", None)
    ]
    assert missing == [], f"solomo {' '.join(path)}: options without help: {missing}"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_command_is_in_the_readme(path: tuple[str, ...], command: object) -> None:
    assert README.is_file(), "README.md is missing"
    text = README.read_text(encoding="utf-8")
    assert f"solomo {' '.join(path)}" in text, f"`solomo {' '.join(path)}` is not in README.md"


@pytest.mark.parametrize("status", [s for s in ExitStatus if s])
def test_readme_documents_the_exit_statuses(status: ExitStatus) -> None:
    assert README.is_file(), "README.md is missing"
    text = README.read_text(encoding="utf-8")
    assert "exit" in text.lower()
    assert any(line.lstrip("|-* `").startswith(f"{int(status)} ") for line in text.splitlines()), (
        f"exit status {status} is not documented in README.md"
    )


@pytest.mark.parametrize(
    "name",
    ["SOLOMO_HOME", "SOLOMO_OVERPASS_URL", "SOLOMO_NOMINATIM_URL", "OpenStreetMap contributors"],
)
def test_readme_mentions(name: str) -> None:
    assert README.is_file(), "README.md is missing"
    assert name in README.read_text(encoding="utf-8")
