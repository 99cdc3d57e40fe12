"""``carenet import …``: bring real data into a canonical dataset."""

from __future__ import annotations

import typer

from carenet.cli import commands_import_csv, commands_import_fhir
from carenet.cli.lazy import WholeHelpGroup

import_app = typer.Typer(help="Import real data (FHIR R4, practice CSV extracts, NHS Digital CSVs).",
                         no_args_is_help=True, cls=WholeHelpGroup)
commands_import_fhir.register(import_app)
commands_import_csv.register(import_app)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
