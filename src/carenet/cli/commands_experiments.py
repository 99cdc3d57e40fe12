"""CLI commands (filled in by the package they front)."""

import typer


def register(app: typer.Typer) -> None:
    """Attach this module's commands to ``app``."""
