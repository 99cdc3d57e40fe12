"""A command module's Rich console, made when first used: importing the module (for its help) loads no Rich.

``console = LazyConsole(stderr=True)`` stands where ``console = Console(stderr=True)`` stood: every attribute
and method is the real console's, made with the same settings the first time one is used; ``.real`` is the
console itself, for a Rich object that wants one (a progress bar). Rich reads the terminal size from
``COLUMNS`` and ``LINES`` when a console is made, so the console is made again when they change (a command
run in-process under another width, as the tests and a notebook do).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


class LazyConsole:
    """A ``rich.console.Console(**settings)`` made on first use."""

    def __init__(self, **settings: Any) -> None:
        self._settings = settings
        self._console: Console | None = None
        self._size: tuple[str | None, str | None] = (None, None)

    @property
    def real(self) -> Console:
        """The console itself, made now if it has not been or the terminal size in the environment changed."""
        size = (os.environ.get("COLUMNS"), os.environ.get("LINES"))
        if self._console is None or size != self._size:
            from rich.console import Console

            self._console, self._size = Console(**self._settings), size
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


__all__ = ["LazyConsole"]
