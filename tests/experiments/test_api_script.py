"""The Python API pasted into a plain script, without `if __name__ == "__main__":`, runs (its worker processes do not
re-run the script), and a failed run leaves no temporary folder behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

SCRIPT = """
import carenet

runs = carenet.simulate("traditional", population="demo", days=25, reps=2, workers=2, demo_patients=500)
print("ROWS", len(runs))
"""

FAILING = """
import carenet

carenet.simulate("traditional", population="no-such-folder", days=25, reps=2, workers=2)
"""


def _run(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    script = tmp_path / "analysis.py"
    script.write_text(text)
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "TMPDIR": str(scratch)}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=600)


def test_an_unguarded_script_runs_replications_in_worker_processes(tmp_path: Path) -> None:
    done = _run(tmp_path, SCRIPT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ROWS 2" in done.stdout
    assert done.stdout.count("ROWS") == 1  # the script ran once, not again in each worker


def test_a_failed_run_removes_its_temporary_folder(tmp_path: Path) -> None:
    done = _run(tmp_path, FAILING)
    assert done.returncode != 0
    assert "no-such-folder" in done.stderr
    assert list((tmp_path / "tmp").glob("carenet-*")) == []
