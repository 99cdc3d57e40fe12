"""Worker processes that die with the process that started them.

A worker left running after its parent is killed would go on writing into a folder a new run
now owns. On Linux, :func:`die_with_parent` asks the kernel to send the worker ``SIGKILL`` when
its parent exits (``prctl(PR_SET_PDEATHSIG)``); call it first thing in a worker's initialiser.
Elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

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


__all__ = ["die_with_parent"]
