"""The ``carenet`` command line: thin commands over the packages, errors printed without tracebacks."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from carenet.cli import (
    commands_data,
    commands_experiments,
    commands_export,
    commands_import,
    commands_models,
    commands_population,
    commands_score,
    commands_twin,
    commands_validate,
)
from carenet.schema.errors import CarenetError

app = typer.Typer(
    name="carenet",
    help="Design, run and measure a general-practice network's model of care.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
commands_data.register(app)
commands_population.register(app)
commands_import.register(app)
commands_export.register(app)
commands_score.register(app)
commands_models.register(app)
commands_twin.register(app)
commands_experiments.register(app)
commands_validate.register(app)

err_console = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Design, run and measure a general-practice network's model of care."""


def main() -> None:
    """Entry point: run the app, turning user-fixable errors into a clear message and exit code 1."""
    try:
        app()
    except CarenetError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
        sys.exit(1)
    except (FileNotFoundError, FileExistsError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(1)
