"""`carenet --help` and mistakes in arguments answer at once: the command line loads no heavy package until a
command runs (Arrow, Ibis, Altair, numba and SciPy take seconds to import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("pyarrow", "ibis", "altair", "numba", "scipy", "pandas", "duckdb", "sqlalchemy", "alembic")
PROBE = """
import json, runpy, sys
watched = json.loads(sys.argv[2])
sys.argv = ["carenet", *json.loads(sys.argv[1])]
try:
    runpy.run_module("carenet", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted(m for m in watched if m in sys.modules)
print("PROBE", json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _probe(*argv: str) -> tuple[dict, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)], capture_output=True,
                          text=True, env=env, timeout=120)
    line = next(x for x in done.stderr.splitlines() if x.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE ")), done.stdout + done.stderr


def test_python_dash_m_carenet_runs_the_command_line() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "carenet", "--help"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    for command in ("demo", "compare", "score", "population", "import"):
        assert command in done.stdout


@pytest.mark.parametrize("argv", [
    ("--help",),
    ("compare", "--help"),
    ("twin", "run", "--help"),
    ("score", "--help"),
    ("import", "fhir", "--help"),
], ids=" ".join)
def test_help_loads_no_heavy_package(argv: tuple[str, ...]) -> None:
    result, output = _probe(*argv)
    assert result["code"] == 0, output
    assert result["heavy"] == [], f"carenet {' '.join(argv)} imported {result['heavy']}"


@pytest.mark.parametrize("argv", [
    ("compare", "traditional", "micro_teams", "--days", "thirty"),
    ("simulate",),
    ("no-such-command",),
], ids=" ".join)
def test_a_mistake_in_the_arguments_loads_no_heavy_package(argv: tuple[str, ...]) -> None:
    result, output = _probe(*argv)
    assert result["code"] == 2, output
    assert result["heavy"] == [], f"carenet {' '.join(argv)} imported {result['heavy']}"
