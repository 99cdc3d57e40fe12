"""What a measure returns when the dataset cannot support it: a reason, never a zero.

A zero would read as "no continuity" or "nobody waited"; an :class:`Unsupported` marker reads as
"this dataset does not hold what the measure needs", and the scorecard prints the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unsupported:
    """A measure the dataset cannot support, with the reason (e.g. which table or column is absent)."""

    reason: str

    def __str__(self) -> str:
        return f"not supported: {self.reason}"


def is_unsupported(value: Any) -> bool:
    """Whether ``value`` is an :class:`Unsupported` marker."""
    return isinstance(value, Unsupported)


__all__ = ["Unsupported", "is_unsupported"]
