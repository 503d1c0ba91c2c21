"""The library API: `from solomo_cli import near, sync, UserData, Place, errors`, usable from
Python without the CLI (no printing, no last listing, no flag names in messages), exported
lazily; and the CLI modules import without a circle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from clitools import LYON_POINT, invoke
from fakeservers import FakeServices

import solomo_cli
from solomo_cli.cache.store import Cache
from solomo_cli.config import get_paths
from solomo_cli.search.near import last_listing

PACKAGE = Path(solomo_cli.__file__).parent
CLI_MODULES = sorted(f"solomo_cli.cli.{p.stem}" for p in (PACKAGE / "cli").glob("*.py"))


def fresh(code: str) -> str:
    """Run `code` in a new interpreter; its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def saved_listing() -> object:
    cache = Cache(get_paths().cache_db)
    try:
        return last_listing(cache)
    finally:
        cache.close()


# -- the names ---------------------------------------------------------------------------------


def test_the_api_names() -> None:
    from solomo_cli import Place, UserData, errors, near, sync
    from solomo_cli import errors as errors_module
    from solomo_cli.model import Place as ModelPlace
    from solomo_cli.mydata.store import UserData as StoreUserData
    from solomo_cli.search import near as search

    assert (near, sync) == (search.near, search.sync)
    assert (Place, UserData, errors) == (ModelPlace, StoreUserData, errors_module)
    assert {"near", "sync", "UserData", "Place", "errors"} <= set(dir(solomo_cli))
    assert set(solomo_cli.__all__) >= {"near", "sync", "UserData", "Place", "errors"}


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        solomo_cli.nope  # noqa: B018


def test_import_solomo_cli_is_cheap() -> None:
    loaded = fresh(
        "import sys, solomo_cli; print(','.join(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('solomo_cli', 'typer', 'rich', 'httpx', 'geopy', 'sqlite3'))))"
    )
    assert loaded == "solomo_cli"


def test_a_name_loads_only_what_it_needs() -> None:
    loaded = fresh(
        "import sys; from solomo_cli import Place; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'httpx')))"
    )
    assert loaded == "[]"


def test_the_cli_start_does_not_load_the_api() -> None:
    loaded = fresh(
        "import sys; import solomo_cli.cli.app; "
        "print(sorted(m for m in sys.modules if m.startswith(('solomo_cli.mydata', "
        "'solomo_cli.search', 'httpx', 'geopy'))))"
    )
    assert loaded == "[]"


# -- near and sync from Python ------------------------------------------------------------------


def test_near_from_python(fast: FakeServices, capsys: pytest.CaptureFixture[str]) -> None:
    result = solomo_cli.near(LYON_POINT, 2000, ["coworking"])
    assert [p.name for p in result.places] == ["Smooth"]
    assert result.query.radius_m == 2000.0 and result.query.kinds == ("coworking",)
    assert round(result.places[0].distance_m) == 194
    assert result.network_requests == 1
    assert capsys.readouterr() == ("", "")  # the library prints nothing
    assert saved_listing() is None  # and is no "last listing": only the CLI records one


def test_near_takes_a_comma_list_and_options(fast: FakeServices) -> None:
    result = solomo_cli.near(LYON_POINT, 5000, "coworking,library", limit=1, sort="distance")
    assert result.query.kinds == ("coworking", "library")
    assert result.query.limit == 1 and len(result.places) == 1


def test_the_cli_records_the_last_listing(fast: FakeServices) -> None:
    assert invoke(["near", LYON_POINT]).exit_code == 0
    listing = saved_listing()
    assert isinstance(listing, dict)
    assert [p["id"] for p in listing["places"]] == ["node/1"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"radius_m": 0}, "radius 0 is out of range"),
        ({"radius_m": float("nan")}, "radius nan is out of range"),
        ({"radius_m": "far"}, "radius should be a number"),
        ({"kinds": ["pub"]}, "unknown kind 'pub'"),
    ],
)
def test_near_checks_its_arguments(fast: FakeServices, kwargs: dict, message: str) -> None:
    with pytest.raises(solomo_cli.errors.UsageError, match=message):
        solomo_cli.near(LYON_POINT, **kwargs)
    assert fast.count() == 0


def test_sync_then_offline_near(fast: FakeServices) -> None:
    synced = solomo_cli.sync(LYON_POINT, 5000, "coworking")
    assert (synced.places, synced.network_requests) == (1, 1)
    fast.stop()
    result = solomo_cli.near(LYON_POINT, 2000, offline=True)
    assert [p.name for p in result.places] == ["Smooth"] and result.network_requests == 0


@pytest.mark.parametrize("place", [LYON_POINT, "Lyon"])
def test_core_errors_name_no_cli_flag(fast: FakeServices, place: str) -> None:
    with pytest.raises(solomo_cli.errors.NoLocalData) as caught:
        solomo_cli.near(place, 1000, offline=True)
    error = caught.value
    assert "--" not in error.message and "--" not in (error.hint or "")
    assert error.place == place
    if place == LYON_POINT:
        assert (error.radius_m, error.kinds) == (5000.0, ("coworking",))


def test_user_data_from_python(solomo_home: Path) -> None:
    with solomo_cli.UserData(get_paths().user_db) as user:
        user.add_contact("Jeanne Martin")
        assert [c.name for c in user.contacts()] == ["Jeanne Martin"]


# -- no import circle among the CLI modules -----------------------------------------------------


def _top_level_imports(module: str) -> set[str]:
    """The solomo_cli.cli modules that `module` imports when it is loaded (not in functions)."""
    path = PACKAGE / "cli" / f"{module.rsplit('.', 1)[1]}.py"
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n for n in names if n in CLI_MODULES and n != module}
    return found


def test_cli_modules_import_no_circle() -> None:
    graph = {m: _top_level_imports(m) for m in CLI_MODULES}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import circle: {' -> '.join((*path, module))}"
        if module in done:
            return
        for target in graph[module]:
            visit(target, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
    assert "solomo_cli.cli.app" in graph and len(graph) >= 10


@pytest.mark.parametrize("module", CLI_MODULES)
def test_each_cli_module_imports_alone(module: str) -> None:
    assert fresh(f"import {module}; print('ok')") == "ok"


def test_near_defaults_to_the_kinds_table_default() -> None:
    import inspect

    from solomo_cli.kinds import DEFAULT_KINDS
    from solomo_cli.search.near import NearQuery, near

    assert NearQuery._field_defaults["kinds"] is DEFAULT_KINDS
    assert inspect.signature(near).parameters["kinds"].default is DEFAULT_KINDS
