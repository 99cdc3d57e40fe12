"""Run folders: one run at a time, foreign folders refused, complete only once experiment.json is committed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from carenet.schema.errors import CarenetError
from carenet.schema.folders import STATE_DIR, FolderBusyError
from carenet.twin.experiments.run_folder import (
    EXPERIMENT_FILE,
    INCOMPLETE,
    PREVIOUS,
    check_out_folder,
    commit_experiment,
    is_incomplete,
    run_folder,
)

_HOLD = textwrap.dedent("""
    import sys, time
    from carenet.twin.experiments.run_folder import run_folder
    with run_folder(sys.argv[1], command="carenet simulate traditional"):
        print("held", flush=True)
        time.sleep(60)
""")


def test_a_foreign_folder_is_refused_and_kept(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.docx").write_text("precious")
    with pytest.raises(CarenetError, match="not a carenet run folder"):
        with run_folder(tmp_path / "busy"):
            pass
    assert sorted(p.name for p in (tmp_path / "busy").iterdir()) == ["thesis.docx"]


def test_a_run_that_fails_before_writing_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with run_folder(tmp_path / "out"):
            raise RuntimeError("model file is wrong")
    assert not (tmp_path / "out").exists()


def test_an_interrupted_run_is_marked_incomplete_and_the_next_run_replaces_it(tmp_path):
    out = tmp_path / "out"
    with run_folder(out, command="first"):
        (out / "rep-000").mkdir()
        commit_experiment(out, {"kind": "simulate", "runs": 1})
    assert not is_incomplete(out) and sorted(p.name for p in out.iterdir()) == [EXPERIMENT_FILE, "rep-000"]
    (out / "notes.md").write_text("what I saw")
    with pytest.raises(RuntimeError):
        with run_folder(out, command="second"):
            (out / "rep-001").mkdir()
            raise RuntimeError("killed")
    assert is_incomplete(out) and not (out / EXPERIMENT_FILE).exists()
    assert json.loads((out / STATE_DIR / PREVIOUS).read_text())["kind"] == "simulate"
    assert json.loads((out / STATE_DIR / INCOMPLETE).read_text())["command"] == "second"
    check_out_folder(out)  # an incomplete run folder is still carenet's
    with run_folder(out, command="third"):
        commit_experiment(out, {"kind": "compare"})
    assert not is_incomplete(out) and json.loads((out / EXPERIMENT_FILE).read_text())["kind"] == "compare"
    assert (out / "notes.md").read_text() == "what I saw"
    assert sorted(p.name for p in (out / STATE_DIR).iterdir()) == ["lock"]


def test_a_second_run_into_the_same_folder_fails_naming_the_first(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(FolderBusyError, match=rf"run folder {out} is being written by pid {holder.pid} "
                                                  r"\(carenet simulate traditional, started"):
            with run_folder(out):
                pass
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    assert is_incomplete(out)  # the killed run says so; the next one may go ahead
    with run_folder(out):
        commit_experiment(out, {"kind": "simulate"})
    assert not is_incomplete(out)


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    from carenet.population import demo_networks, demo_practices, write_population

    folder = tmp_path_factory.mktemp("population") / "pop"
    write_population(folder, demo_practices(), demo_networks(), seed=3, label="demo", patients=2_000)
    return folder


def _simulate(population, out, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CARENET_KILL_AT"}
    if kill_at:
        env["CARENET_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-c", "from carenet.cli import main; main()", "simulate", "traditional",
                           "--population", str(population), "--days", "25", "--reps", "1", "--workers", "0",
                           "--out", str(out)], env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("step", ["run-staged", "run-committed"])
def test_a_simulate_killed_at_its_commit_leaves_a_folder_that_says_so_and_a_rerun_completes(population, tmp_path,
                                                                                            step):
    out = tmp_path / "run"
    killed = _simulate(population, out, kill_at=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    committed = step == "run-committed"
    assert (out / EXPERIMENT_FILE).is_file() == committed
    assert is_incomplete(out)  # the marker goes only after the commit returns
    rerun = _simulate(population, out)
    assert rerun.returncode == 0, rerun.stderr
    assert not is_incomplete(out) and json.loads((out / EXPERIMENT_FILE).read_text())["kind"] == "simulate"
    assert sorted(p.name for p in (out / STATE_DIR).iterdir()) == ["lock"]
