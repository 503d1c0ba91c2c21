"""cli/examples.py: every command's --help has an Examples section, every example is a command
line that the app parses, and every `$ solomo …` line of the README is one of the examples."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
from clitools import invoke

from solomo_cli.cli.app import COMMANDS, app
from solomo_cli.cli.examples import EXAMPLES, all_examples, epilog, examples_for

README = Path(__file__).resolve().parents[1] / "README.md"


def walk(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path below `command`, the lazily registered ones built on the way."""
    found = []
    for name, sub in getattr(command, "commands", {}).items():
        found.append((*path, name))
        found.extend(walk(sub, (*path, name)))
    return found


PATHS = walk(typer.main.get_command(app))
# Examples that act as they are parsed (they install or print the completion script): shown,
# never resolved here.
ACTING = ("--install-completion", "--show-completion")


@pytest.fixture(autouse=True)
def away_from_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing here may write into the real home (a completion script, a shell's rc file)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_the_walk_sees_every_lazily_registered_command() -> None:
    assert {path[0] for path in PATHS} == set(COMMANDS)
    assert ("contact", "list") in PATHS and ("visit", "edit") in PATHS


@pytest.mark.parametrize("path", [(), *PATHS], ids=["solomo", *(" ".join(p) for p in PATHS)])
def test_every_help_page_has_examples(path: tuple[str, ...]) -> None:
    result = invoke([*path, "--help"])
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert "\n  Examples:\n" in page, f"solomo {' '.join(path)} --help has no Examples"
    examples = page.split("\n  Examples:\n", 1)[1]
    shown = [line.strip() for line in examples.splitlines() if line.startswith("    solomo ")]
    assert shown, page
    # Each runs this command or, on a group's page, one of its commands.
    prefix = " ".join(("solomo", *path))
    runs = [line for line in shown if not any(a in line for a in ACTING)]
    assert all(resolve(line).command_path.startswith(prefix) for line in runs), (prefix, shown)


def _argv(line: str) -> list[str]:
    """The arguments of an example, without `solomo` and without a shell redirection."""
    words = shlex.split(line, comments=True)
    if ">" in words:
        words = words[: words.index(">")]
    assert words[0] == "solomo", line
    return words[1:]


def resolve(line: str) -> typer.Context:
    """The context of the command an example runs, its options parsed (and checked) but the
    command not run."""
    ctx = typer.main.get_command(app).make_context("solomo", _argv(line))
    while hasattr(ctx.command, "resolve_command"):  # a group: on to its command
        rest = [*ctx._protected_args, *ctx.args]
        name, sub, rest = ctx.command.resolve_command(ctx, rest)
        assert sub is not None, line
        ctx = sub.make_context(name, rest, parent=ctx)
    return ctx


@pytest.mark.parametrize("line", [e for e in all_examples() if not any(a in e for a in ACTING)])
def test_every_example_parses(line: str) -> None:
    ctx = resolve(line)  # an unknown option or a bad value raises a usage error here
    assert ctx.command.callback is not None
    assert ctx.command_path.split()[1] == _argv(line)[0]


def readme_commands(text: str) -> list[str]:
    """The `$ solomo …` lines of the README's code blocks: output lines are left out, and so
    are the demonstrations of an error (a command whose next line is `solomo: error: …`)."""
    found, inside = [], False
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("```"):
            inside = not inside
        elif inside and re.match(r"^\$ solomo\b", line):
            after = lines[i + 1] if i + 1 < len(lines) else ""
            if not after.startswith("solomo: error: "):
                found.append(line[2:])
    return found


def test_readme_commands_finds_commands_only() -> None:
    text = (
        "```\n$ solomo near Lyon  # a comment\nsolomo: note\n$ solomo near --radus 1\n"
        "solomo: error: no such option\n```\n$ solomo outside\n"
    )
    assert readme_commands(text) == ["solomo near Lyon  # a comment"]


def test_every_readme_example_is_one_of_the_examples() -> None:
    known = {tuple(_argv(line)) for line in all_examples()}
    missing = [
        line
        for line in readme_commands(README.read_text("utf-8"))
        if tuple(_argv(line)) not in known
    ]
    assert missing == [], "README lines missing from solomo_cli/cli/examples.py:\n" + "\n".join(
        missing
    )


def test_a_group_without_examples_takes_the_first_of_each_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(EXAMPLES, "cache")
    assert examples_for("cache", ["info", "clear"]) == [
        EXAMPLES["cache info"][0],
        EXAMPLES["cache clear"][0],
    ]


def test_the_epilog_keeps_its_lines_unwrapped() -> None:
    text = epilog([("solomo x --long-option value", "what it does")])
    assert text.splitlines() == [
        "\b",
        "Examples:",
        "  solomo x --long-option value",
        "      what it does",
    ]
