"""Worker processes that die with the process that started them, and that never re-run the user's script.

A worker left running after its parent is killed would go on writing into a folder a new run
now owns. On Linux, :func:`die_with_parent` asks the kernel to send the worker ``SIGKILL`` when
its parent exits (``prctl(PR_SET_PDEATHSIG)``); call it first thing in a worker's initialiser.
Elsewhere it does nothing.

A spawned worker normally imports the parent's ``__main__`` (the user's script) again; a script that
calls carenet at its top level, without ``if __name__ == "__main__":``, would then run again in every
worker and fail. carenet's workers need nothing from ``__main__`` (their tasks are plain values and
carenet functions), so :func:`main_hidden` starts them as a notebook's are: without it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_PR_SET_PDEATHSIG = 1
"""``prctl`` option from ``<linux/prctl.h>``."""


def die_with_parent(parent: int | None = None) -> bool:
    """Have this process killed when its parent exits; ``True`` if the OS agreed.

    ``parent`` is the pid the caller expects as its parent: if that process is already gone, this
    process kills itself at once (the parent died before the request could be made).
    """
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return False
    if parent is not None and os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return True


_HIDDEN = object()


@contextmanager
def main_hidden() -> Iterator[None]:
    """While the block runs, spawned processes do not import ``__main__`` (its ``__file__`` and ``__spec__`` are
    set aside, as in a notebook, and put back after)."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {name: main.__dict__.get(name, _HIDDEN) for name in ("__file__", "__spec__")}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is _HIDDEN:
                main.__dict__.pop(name, None)
            else:
                main.__dict__[name] = value


__all__ = ["die_with_parent", "main_hidden"]
