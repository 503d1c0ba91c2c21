"""The top-level group builds the user-layer commands only when they are used."""

from __future__ import annotations

import subprocess
import sys

import typer

from solomo_cli.cli import app as cli
from solomo_cli.cli.user import user_app


def test_the_lazy_names_are_exactly_the_user_apps_commands() -> None:
    built = typer.main.get_command(user_app())
    assert sorted(built.commands) == sorted(cli.USER_COMMANDS)


def test_every_command_is_listed_once_eager_ones_first() -> None:
    group = typer.main.get_command(cli.app)
    names = list(group.commands)
    assert names[:4] == ["near", "sync", "paths", "cache"]
    assert names[4:] == list(cli.USER_COMMANDS)
    assert len(set(names)) == len(names)


def test_a_lazy_command_is_the_user_apps_command() -> None:
    group = typer.main.get_command(cli.app)
    log = group.commands["log"]
    assert log.name == "log"
    assert log.callback is not None
    assert "Where you worked" in (log.help or "")
    assert group.commands["contact"].commands.keys() >= {"add", "met", "list", "show", "forget"}


def test_an_unknown_name_is_missing_not_built() -> None:
    group = typer.main.get_command(cli.app)
    assert "lg" not in group.commands
    assert group.commands.get("lg") is None


def test_the_mapping_can_be_changed_like_a_dict() -> None:
    group = typer.main.get_command(cli.app)
    extra = typer.main.get_command(cli.app).commands["paths"]
    group.commands["extra"] = extra
    assert list(group.commands)[-1] == "extra"
    del group.commands["backup"]
    assert "backup" not in group.commands
    assert len(group.commands) == 4 + len(cli.USER_COMMANDS)


def test_near_does_not_import_the_user_layer(tmp_path) -> None:
    code = (
        "import sys\n"
        "from solomo_cli.cli.app import app\n"
        "from typer.testing import CliRunner\n"
        "r = CliRunner().invoke(app, ['near', '45.76,4.83', '--offline'])\n"
        "user = ('visits', 'places', 'files', 'contacts', 'user')\n"
        "print(r.exit_code, sorted(m for m in sys.modules if m.split('.')[-1] in user or 'mydata' in m))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"SOLOMO_HOME": str(tmp_path), "PATH": ""},
        check=True,
    ).stdout.split(" ", 1)
    assert out[0] == "6"  # no local data: the command really ran
    assert out[1].strip() == "[]"
