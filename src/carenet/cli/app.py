"""The ``carenet`` command line: thin commands over the packages, errors printed without tracebacks.

``COMMANDS`` names every command, the module that registers it and its one-line help, so ``carenet --help`` and an
unknown command import no command module, and a command's own help or usage error imports only that command's
(see :mod:`carenet.cli.lazy`). Help and usage errors use click's plain layout: Typer's Rich renderer imports Rich's
Markdown and traceback modules, a tenth of a second.
"""

from __future__ import annotations

import os
import sys

import typer

from carenet.cli.lazy import LazyCommand, LazyGroup
from carenet.schema.errors import CarenetError

_CLI = "carenet.cli."
COMMANDS: tuple[LazyCommand, ...] = (
    LazyCommand("info", _CLI + "commands_data",
                "Summarise a dataset: where it came from and how many rows each table holds."),
    LazyCommand("score", _CLI + "commands_score",
                "Score a dataset on the population, the five attributes and the workforce; or compare two."),
    LazyCommand("worklist", _CLI + "commands_score",
                "Case-finding worklists: patients to contact, each with the rule that selected them."),
    LazyCommand("spc", _CLI + "commands_score",
                "An XmR chart (Making Data Count) of a weekly or monthly series, with its special-cause signals."),
    LazyCommand("simulate", _CLI + "commands_experiments",
                "Simulate one delivery model: replications in parallel, one canonical dataset each, plus a manifest."),
    LazyCommand("compare", _CLI + "commands_experiments",
                "Compare delivery models on one population with common random numbers; print the scorecard and "
                "trade-offs."),
    LazyCommand("sweep", _CLI + "commands_experiments",
                "Sensitivity of access, continuity and cost to one or two settings, as a table and a chart "
                "(sweep.html)."),
    LazyCommand("demo", _CLI + "commands_experiments",
                "Build the demo network, compare six library models over a year, print the scorecard, write "
                "report.html."),
    LazyCommand("validate", _CLI + "commands_validate",
                "Hold a model's simulated year (or an existing run) against published figures; exit 1 if any is "
                "outside."),
    LazyCommand("serve", _CLI + "commands_serve",
                "Run the service (JSON API with OpenAPI at /openapi.json) until stopped with Ctrl-C."),
    LazyCommand("audit", _CLI + "commands_audit",
                "Who read or changed which patient's data, when, with what outcome and why (oldest first)."),
    LazyCommand("population", _CLI + "commands_population", "Calibrated synthetic populations: generate and check."),
    LazyCommand("import", _CLI + "commands_import",
                "Import real data (FHIR R4, practice CSV extracts, NHS Digital CSVs)."),
    LazyCommand("export", _CLI + "commands_export", "Export a dataset in a standard format."),
    LazyCommand("models", _CLI + "commands_models", "The delivery-model library: list, show and check models."),
    LazyCommand("twin", _CLI + "commands_twin", "The digital twin: run a delivery model on a population for a year."),
    LazyCommand("store", _CLI + "commands_store", "The service's store: load a dataset in, export its activity."),
    LazyCommand("fund", _CLI + "commands_fund",
                "Need-weighted capitation, budgets against cost, outcome contracts and equity."),
)
"""Every command in the order ``carenet --help`` lists them; a test holds each line to the command's own help."""


class _Carenet(LazyGroup):
    table = COMMANDS


app = typer.Typer(
    name="carenet",
    help="Design, run and measure a general-practice network's model of care.",
    cls=_Carenet,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)


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
    except KeyboardInterrupt:
        _print("stopped by the user; a dataset being written is left as it was", "interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last resort: no traceback, a short message and a hint
        if os.environ.get("CARENET_DEBUG"):
            raise
        _print(_message(exc))
        sys.exit(1)


def _message(exc: Exception) -> str:
    # The failure messages (and Rich) load only when a command fails: an answer to --help needs neither.
    from carenet.cli.failures import damaged, damaged_message, internal_error, os_error_message

    if isinstance(exc, CarenetError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return ("out of memory: the run is too large for this machine; use smaller sizes (--patients, --days, "
                "--reps, --batch-patients) or a machine with more memory")
    if damaged(exc):
        return damaged_message(exc, None)
    return os_error_message(exc) if isinstance(exc, OSError) else internal_error(exc)


def _print(message: str, label: str = "error") -> None:
    from rich.console import Console

    from carenet.cli.failures import print_error

    print_error(Console(stderr=True), message, label)
