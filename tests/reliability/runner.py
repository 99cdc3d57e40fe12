"""Run ``carenet`` commands as real processes, cheaply: forked from a server that imported carenet once.

Each command runs :func:`carenet.cli.main` in its own process (forked from a ``forkserver`` whose only
work was importing carenet, so no thread or database of a test is inherited), with its own environment
and its output captured in files; it can be killed like any process, and it can kill itself at a
checkpoint (``CARENET_KILL_AT``). Importing carenet costs several seconds; forking costs milliseconds.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

KILLED = -signal.SIGKILL
"""The exit status of a process that died by SIGKILL."""
TIMEOUT = 120.0

_HERE = str(Path(__file__).resolve().parent)
os.environ["PYTHONPATH"] = os.pathsep.join([_HERE, *filter(None, [os.environ.get("PYTHONPATH")])])
"""The fork server imports its preloaded modules before it applies the parent's sys.path (Python 3.11), so it
finds this folder's modules through PYTHONPATH."""
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["carenet.cli.app", "runner", "warm"])


@dataclass
class Done:
    """How a command ended, and what it printed."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _main(argv: list[str], env: dict[str, str], stdout: str, stderr: str) -> None:
    for fd, path in ((1, stdout), (2, stderr)):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(handle, fd)
        os.close(handle)
    os.environ.update(env)
    sys.argv = ["carenet", *argv]
    from carenet.cli import main

    try:
        main()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    else:
        code = 0
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class Running:
    """A command started with :func:`start`."""

    def __init__(self, argv: list[str], env: dict[str, str] | None):
        self._folder = tempfile.mkdtemp(prefix="carenet-cli-")
        self._out, self._err = f"{self._folder}/stdout", f"{self._folder}/stderr"
        full = {"COLUMNS": "200", "TERM": "dumb", **(env or {})}
        self.process = _context.Process(target=_main, args=([str(a) for a in argv], full, self._out, self._err))
        self.process.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float = TIMEOUT) -> Done:
        self.process.join(timeout)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
            raise TimeoutError(f"carenet did not finish in {timeout} s")
        done = Done(self.process.exitcode, Path(self._out).read_text(), Path(self._err).read_text())
        for path in (self._out, self._err):
            Path(path).unlink(missing_ok=True)
        os.rmdir(self._folder)
        return done


def start(*argv: object, env: dict[str, str] | None = None) -> Running:
    """Start ``carenet ARGV…`` in its own process."""
    return Running([str(a) for a in argv], env)


def carenet(*argv: object, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> Done:
    """Run ``carenet ARGV…`` in its own process and wait for it."""
    return start(*argv, env=env).wait(timeout)


def kill_at(checkpoint: str) -> dict[str, str]:
    """The environment that makes carenet SIGKILL itself at ``checkpoint``."""
    return {"CARENET_KILL_AT": checkpoint}


def entry_point(*argv: object, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> Done:
    """Run the installed ``carenet`` executable itself (slow: it imports carenet afresh)."""
    done = subprocess.run([sys.executable, "-c", "from carenet.cli import main; main()", *map(str, argv)],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200", **(env or {})})
    return Done(done.returncode, done.stdout, done.stderr)
