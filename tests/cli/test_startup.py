"""`carenet --help` and mistakes in arguments answer at once: the command line loads no heavy package until a
command runs (Arrow, Ibis, Altair, numba and SciPy take seconds to import), the top-level help imports no
command module, and no help or argument error loads Rich (the commands' consoles are made when first used),
Typer's Rich renderer or pydantic. The commands it lists
lazily are the commands the modules build, with the same help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from carenet.cli.app import COMMANDS, app
from carenet.cli.lazy import WholeHelpGroup, one_line_help

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("pyarrow", "ibis", "altair", "numba", "scipy", "pandas", "duckdb", "sqlalchemy", "alembic")
RENDERER = ("rich.console", "typer.rich_utils", "rich.markdown", "rich.traceback", "rich.pretty", "pydantic")
MODULES = tuple(sorted({entry.module for entry in COMMANDS} | {"carenet.cli.commands_import_csv",
                                                                "carenet.cli.commands_import_fhir"}))
PROBE = """
import json, runpy, sys
watched = json.loads(sys.argv[2])
sys.argv = ["carenet", *json.loads(sys.argv[1])]
try:
    runpy.run_module("carenet", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted(m for m in watched if m in sys.modules)
print("PROBE", json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _probe(*argv: str, watched: tuple[str, ...] = HEAVY) -> tuple[dict, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(watched)], capture_output=True,
                          text=True, env=env, timeout=120)
    line = next(x for x in done.stderr.splitlines() if x.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE ")), done.stdout + done.stderr


def test_python_dash_m_carenet_runs_the_command_line() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "carenet", "--help"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    for command in ("demo", "compare", "score", "population", "import"):
        assert command in done.stdout


@pytest.mark.parametrize("argv", [
    ("--help",),
    ("compare", "--help"),
    ("twin", "run", "--help"),
    ("score", "--help"),
    ("import", "fhir", "--help"),
], ids=" ".join)
def test_help_loads_no_heavy_package(argv: tuple[str, ...]) -> None:
    result, output = _probe(*argv)
    assert result["code"] == 0, output
    assert result["heavy"] == [], f"carenet {' '.join(argv)} imported {result['heavy']}"


@pytest.mark.parametrize("argv", [
    ("compare", "traditional", "micro_teams", "--days", "thirty"),
    ("simulate",),
    ("no-such-command",),
], ids=" ".join)
def test_a_mistake_in_the_arguments_loads_no_heavy_package(argv: tuple[str, ...]) -> None:
    result, output = _probe(*argv)
    assert result["code"] == 2, output
    assert result["heavy"] == [], f"carenet {' '.join(argv)} imported {result['heavy']}"


@pytest.mark.parametrize("argv", [("--help",), (), ("no-such-command",), ("simulat",)], ids=" ".join)
def test_the_top_level_help_and_an_unknown_command_import_no_command_module(argv: tuple[str, ...]) -> None:
    result, output = _probe(*argv, watched=(*MODULES, *RENDERER))
    assert result["code"] == (0 if argv == ("--help",) else 2), output
    assert result["heavy"] == [], f"carenet {' '.join(argv)} imported {result['heavy']}"


@pytest.mark.parametrize(("argv", "code", "module"), [
    (("simulate", "--help"), 0, "carenet.cli.commands_experiments"),
    (("simulate", "--no-such-option"), 2, "carenet.cli.commands_experiments"),
    (("compare",), 2, "carenet.cli.commands_experiments"),
    (("score", "--help"), 0, "carenet.cli.commands_score"),
    (("fund",), 2, "carenet.cli.commands_fund"),
    (("twin", "run"), 2, "carenet.cli.commands_twin"),
    (("compare", "traditional", "--days", "thirty"), 2, "carenet.cli.commands_experiments"),
], ids=lambda x: " ".join(x) if isinstance(x, tuple) else str(x))
def test_a_command_loads_its_own_module_only_and_no_rich_or_pydantic(argv: tuple[str, ...], code: int,
                                                                 module: str) -> None:
    result, output = _probe(*argv, watched=(*MODULES, *RENDERER))
    assert result["code"] == code, output
    assert sorted(m for m in result["heavy"] if m in MODULES) == _imported_with(module), output
    renderer = [m for m in result["heavy"] if m in RENDERER]
    assert renderer == [], f"carenet {' '.join(argv)} imported {renderer}"


@pytest.mark.parametrize(("value", "words"), [
    ("thirty", "Input should be a valid integer, unable to parse string as an integer"),  # refused without pydantic
    ("3.5", "Input should be a valid integer, unable to parse string as an integer"),  # refused by Typer's own
    ("0", "Input should be greater than or equal to 1"),
])
def test_a_bad_number_is_refused_with_typers_words_and_exit_2(value: str, words: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "carenet", "compare", "traditional", "--days", value],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2
    assert f"Invalid value for '--days': {words}" in done.stderr


def _imported_with(module: str) -> list[str]:
    """The command modules a fresh interpreter holds after importing ``module`` (itself, and those it uses)."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(m for m in {list(MODULES)!r} if m in sys.modules)))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _real_commands() -> dict[str, tuple[str, typer.core.TyperGroup]]:
    """Every top-level command as its module builds it: name -> (module, the group holding the built command)."""
    built: dict[str, tuple[str, typer.core.TyperGroup]] = {}
    for module in dict.fromkeys(entry.module for entry in COMMANDS):
        sub = typer.Typer(rich_markup_mode=None)
        import_module(module).register(sub)
        group = typer.main.get_group(sub)
        for name in group.commands:
            assert name not in built, f"{name} is registered by {built[name][0]} and {module}"
            built[name] = (module, group)
    return built


def test_the_lazy_table_lists_every_command_its_module_and_its_own_help() -> None:
    real = _real_commands()
    assert sorted(real) == sorted(entry.name for entry in COMMANDS), "app.COMMANDS and the modules disagree"
    for entry in COMMANDS:
        module, group = real[entry.name]
        assert entry.module == module, f"{entry.name} is registered by {module}, not {entry.module}"
        assert entry.help == one_line_help(group.commands[entry.name]), (
            f"app.COMMANDS has another one-line help for {entry.name} than the command's own")


def _eager_app() -> typer.Typer:
    """The command line with every module imported up front, as it was built before commands were loaded lazily."""
    eager = typer.Typer(name="carenet", help=app.info.help, cls=WholeHelpGroup, no_args_is_help=True,
                        rich_markup_mode=None, pretty_exceptions_enable=False, add_completion=False)
    eager.callback()(app.registered_callback.callback)
    for module in dict.fromkeys(entry.module for entry in COMMANDS):
        import_module(module).register(eager)
    return eager


def _help_pages(group: typer.core.TyperGroup, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    pages = [path]
    ctx = typer.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, typer.core.TyperGroup):
            pages += _help_pages(command, (*path, name))
        else:
            pages.append((*path, name))
    return pages


def test_every_listed_command_is_reachable_and_its_help_is_the_real_one() -> None:
    runner = CliRunner()
    top = runner.invoke(app, ["--help"], terminal_width=100)
    assert top.exit_code == 0, top.output
    eager = _eager_app()
    assert top.output == runner.invoke(eager, ["--help"], terminal_width=100).output
    listed = [line.split()[0] for line in top.output.split("Commands:\n", 1)[1].splitlines()
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed == [entry.name for entry in COMMANDS]
    pages = _help_pages(typer.main.get_command(eager), ())
    assert {page[0] for page in pages if page} == set(listed)
    for page in pages[1:]:
        lazy = runner.invoke(app, [*page, "--help"], terminal_width=100)
        assert lazy.exit_code == 0, (page, lazy.output)
        assert lazy.output == runner.invoke(eager, [*page, "--help"], terminal_width=100).output, page


def test_a_near_miss_names_the_command_meant_among_all_of_them() -> None:
    done = CliRunner().invoke(app, ["simulat"])
    assert done.exit_code == 2
    assert "No such command 'simulat'. Did you mean 'simulate'?" in done.output


def test_a_command_list_shows_each_whole_one_line_help() -> None:
    done = CliRunner().invoke(app, ["fund", "--help"], terminal_width=80)
    assert done.exit_code == 0, done.output
    flat = " ".join(done.output.split())
    assert "outcome contract pays each model: indicators against targets, shared savings, the quality gate." in flat
