"""Run folders: one run at a time, foreign folders refused, the last run whole until the next one commits."""

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
    check_out_folder,
    commit_experiment,
    current_generation,
    run_folder,
    staged_path,
)

_HOLD = textwrap.dedent("""
    import sys, time
    from carenet.twin.experiments.run_folder import run_folder
    with run_folder(sys.argv[1], command="carenet simulate traditional"):
        print("held", flush=True)
        time.sleep(60)
""")


def _run(out, kind: str, reps: list[str], fail: bool = False) -> None:
    with run_folder(out, command=kind):
        for rep in reps:
            folder = staged_path(out / rep)
            folder.mkdir(parents=True)
            (folder / "tables.txt").write_text(kind)
        if fail:
            raise RuntimeError("killed")
        commit_experiment(out, {"kind": kind, "runs": [{"folder": r} for r in reps]})


def test_a_foreign_folder_is_refused_and_kept(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.docx").write_text("precious")
    with pytest.raises(CarenetError, match="not a carenet run folder"):
        with run_folder(tmp_path / "busy"):
            pass
    assert sorted(p.name for p in (tmp_path / "busy").iterdir()) == ["thesis.docx"]


def test_a_run_that_fails_before_committing_into_a_new_folder_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        _run(tmp_path / "out", "first", ["rep-000"], fail=True)
    assert not (tmp_path / "out").exists()


def test_an_interrupted_run_leaves_the_previous_one_whole_and_the_next_replaces_it(tmp_path):
    out = tmp_path / "out"
    _run(out, "first", ["rep-000", "rep-001"])
    assert sorted(p.name for p in out.iterdir()) == [STATE_DIR, EXPERIMENT_FILE, "rep-000", "rep-001"]
    assert (out / "rep-001" / "tables.txt").read_text() == "first" and current_generation(out) == "run-000001"
    (out / "notes.md").write_text("what I saw")
    with pytest.raises(RuntimeError):
        _run(out, "second", ["rep-000", "rep-002"], fail=True)
    assert json.loads((out / EXPERIMENT_FILE).read_text())["kind"] == "first"
    assert (out / "rep-000" / "tables.txt").read_text() == "first" and current_generation(out) == "run-000001"
    check_out_folder(out)
    _run(out, "third", ["rep-000"])
    assert json.loads((out / EXPERIMENT_FILE).read_text())["kind"] == "third"
    assert (out / "rep-000" / "tables.txt").read_text() == "third" and not os.path.lexists(out / "rep-001")
    assert (out / "notes.md").read_text() == "what I saw"
    assert sorted(p.name for p in (out / STATE_DIR).iterdir()) == ["current", "lock", "run-000002"]


def test_a_run_folder_written_before_generations_is_adopted_keeping_other_files(tmp_path):
    out = tmp_path / "old"
    (out / "traditional" / "rep-000").mkdir(parents=True)
    (out / "traditional" / "rep-000" / "tables.txt").write_text("old")
    (out / EXPERIMENT_FILE).write_text(json.dumps({"kind": "compare", "runs": [{"folder": "traditional/rep-000"}]}))
    (out / "report.html").write_text("<html>")
    with pytest.raises(RuntimeError):
        _run(out, "new", ["traditional/rep-000"], fail=True)
    assert (out / "traditional").is_symlink() and (out / EXPERIMENT_FILE).is_symlink()
    assert (out / "traditional" / "rep-000" / "tables.txt").read_text() == "old"
    assert json.loads((out / EXPERIMENT_FILE).read_text())["kind"] == "compare"
    _run(out, "new", ["traditional/rep-000"])
    assert (out / "traditional" / "rep-000" / "tables.txt").read_text() == "new"
    assert (out / "report.html").read_text() == "<html>"


def test_a_second_run_into_the_same_folder_fails_naming_the_first(tmp_path):
    out = tmp_path / "out"
    _run(out, "first", ["rep-000"])
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
    assert json.loads((out / EXPERIMENT_FILE).read_text())["kind"] == "first"
    _run(out, "second", ["rep-000"])
    assert sorted(p.name for p in (out / STATE_DIR).iterdir()) == ["current", "lock", "run-000002"]


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    from carenet.population import demo_networks, demo_practices, write_population

    folder = tmp_path_factory.mktemp("population") / "pop"
    write_population(folder, demo_practices(), demo_networks(), seed=3, label="demo", patients=2_000)
    return folder


def _simulate(population, out, seed: int, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CARENET_KILL_AT"}
    if kill_at:
        env["CARENET_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-c", "from carenet.cli import main; main()", "simulate", "traditional",
                           "--population", str(population), "--days", "25", "--reps", "1", "--workers", "0",
                           "--seed", str(seed), "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("step", ["staged", "run-staged", "run-committed"])
def test_a_simulate_killed_at_its_commit_keeps_the_previous_run_until_then(population, tmp_path, step):
    out = tmp_path / "run"
    assert _simulate(population, out, seed=1).returncode == 0
    before = (out / EXPERIMENT_FILE).read_bytes(), (out / "rep-000" / "appointments.parquet").read_bytes()
    killed = _simulate(population, out, seed=2, kill_at=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    record = json.loads((out / EXPERIMENT_FILE).read_text())
    if step == "run-committed":
        assert record["seed"] == 2
    else:
        assert record["seed"] == 1
        assert ((out / EXPERIMENT_FILE).read_bytes(), (out / "rep-000" / "appointments.parquet").read_bytes()) == before
    rerun = _simulate(population, out, seed=2)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads((out / EXPERIMENT_FILE).read_text())["seed"] == 2
    assert sorted(p.name for p in (out / STATE_DIR).iterdir()) == ["current", "lock", current_generation(out)]
