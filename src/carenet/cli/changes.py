"""What an import changed in a dataset: the ``--update`` option and the change report it prints."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from carenet.schema import Manifest

UPDATE_OPTION = typer.Option(
    False, "--update",
    help="Where the input contradicts the dataset (a changed birth date, an appointment's new status), let the "
         "input win and list each change; without it such an import is refused and nothing is written")

CHANGES_SHOWN = 50
"""Changed values (and applied contradictions) listed one by one; the rest are counted."""


def print_changes(manifest: Manifest | None, console: Console) -> None:
    """Rows added, updated and unchanged per table, then each changed value, printed exactly as it is."""
    from rich.table import Table
    from rich.text import Text

    report = manifest.report if manifest is not None else None
    if report is None or not report.tables:
        return
    grid = Table("table", "added", "updated", "unchanged", title="changes to the dataset", title_justify="left")
    for name, counts in report.tables.items():
        grid.add_row(name, f"{counts.added:,}", f"{counts.updated:,}", f"{counts.unchanged:,}")
    console.print(grid)
    if report.changed:
        console.print(f"{report.changed_values:,} value(s) changed, {report.fact_count:,} contradiction(s) applied:")
        for line in report.lines(CHANGES_SHOWN):
            console.print(Text(f"  {line}"), highlight=False, soft_wrap=True)


__all__ = ["CHANGES_SHOWN", "UPDATE_OPTION", "print_changes"]
