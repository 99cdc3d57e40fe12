"""Import problems: each names the file, the line or resource, and what is wrong.

Importers collect every problem they find and raise :class:`ImportFailed` once, before anything
is written, so a bad file is reported whole and the dataset is left untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

from carenet.schema.errors import CarenetError


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the input."""

    file: str
    location: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f" {self.location}" if self.location else "")
        return f"{where}: {self.reason}"


class ImportFailed(CarenetError):
    """The input could not be imported; nothing was written."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"import failed with {len(problems)} problem(s); nothing was written:\n{shown}{more}")


class ProblemLog:
    """Collects problems while an importer reads; ``raise_if_any`` ends the import if there were any."""

    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []

    def add(self, file: str, location: str | None, reason: str) -> None:
        self.problems.append(ImportProblem(file, location, reason))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ImportFailed(self.problems)
