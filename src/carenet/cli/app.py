"""The ``carenet`` command line: thin commands over the packages, errors printed without tracebacks."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

from carenet.cli import (
    commands_audit,
    commands_data,
    commands_experiments,
    commands_export,
    commands_fund,
    commands_import,
    commands_models,
    commands_population,
    commands_score,
    commands_serve,
    commands_store,
    commands_twin,
    commands_validate,
)
from carenet.cli.failures import damaged, damaged_message, internal_error, os_error_message, print_error
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
commands_store.register(app)
commands_fund.register(app)
commands_serve.register(app)
commands_audit.register(app)

err_console = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Design, run and measure a general-practice network's model of care."""


def main() -> None:
    """Entry point: run the app; every failure becomes a clear message on stderr and exit code 1.

    User-fixable problems (CarenetError: bad input, conflicts, a busy or corrupt dataset; OSError: permissions,
    a full or read-only disk, a wrong path) are printed as they are; anything else is an internal error with a
    hint to report it (``CARENET_DEBUG=1`` shows its traceback).
    """
    try:
        app()
    except CarenetError as exc:
        _fail(str(exc), exc)
    except OSError as exc:
        _fail(damaged_message(exc, None) if damaged(exc) else os_error_message(exc), exc)
    except MemoryError as exc:
        _fail("out of memory: the run is too large for this machine; use smaller sizes (--patients, --days, "
              "--reps, --batch-patients) or a machine with more memory", exc)
    except KeyboardInterrupt:
        print_error(err_console, "stopped by the user; a dataset being written is left as it was", "interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last resort: no traceback, a short message and a hint
        _fail(damaged_message(exc, None) if damaged(exc) else internal_error(exc), exc)


def _fail(message: str, exc: BaseException) -> None:
    if os.environ.get("CARENET_DEBUG"):
        raise exc
    print_error(err_console, message)
    sys.exit(1)
