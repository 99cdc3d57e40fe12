"""Two writers of one folder: the second fails with a message naming the first; the result is never a mix."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from runner import carenet, start

from carenet.schema.folders import FolderLock
from conftest import snapshot

LIST_HEADER = ["PUBLICATION", "EXTRACT_DATE", "TYPE", "CCG_CODE", "CODE", "POSTCODE", "SEX", "AGE",
               "NUMBER_OF_PATIENTS"]


def _list(path: Path, prefix: str, n: int = 8) -> set[str]:
    codes = [f"{prefix}{i:05d}" for i in range(n)]
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(LIST_HEADER)
        out.writerows(["GP_PRAC_PAT_LIST", "01JAN2021", "GP", "11J", code, "BH1 1AA", "ALL", "ALL", 4000 + i]
                      for i, code in enumerate(codes))
    return set(codes)


def test_a_held_dataset_refuses_a_second_import_naming_the_holder(tmp_path: Path, first_extract: Path) -> None:
    out = tmp_path / "ds"
    assert carenet("import", "csv", first_extract, "--out", out).code == 0
    before = snapshot(out)
    with FolderLock(out, command="carenet import csv (the first writer)"):
        second = carenet("import", "csv", first_extract, "--out", out)
    assert second.code == 1
    assert "Traceback" not in second.output
    assert "is being written by" in second.stderr and str(os.getpid()) in second.stderr
    assert "the first writer" in second.stderr
    assert snapshot(out).keys() == before.keys()


def test_two_imports_at_once_are_never_a_silent_mix(tmp_path: Path) -> None:
    for attempt in range(3):
        out = tmp_path / f"ds{attempt}"
        a, b = tmp_path / f"a{attempt}.csv", tmp_path / f"b{attempt}.csv"
        codes = {"a": _list(a, "A"), "b": _list(b, "B")}
        running = {"a": start("import", "nhs-registered", a, "--out", out),
                   "b": start("import", "nhs-registered", b, "--out", out)}
        done = {name: r.wait() for name, r in running.items()}
        for result in done.values():
            assert result.code in (0, 1), result.output
            assert "Traceback" not in result.output
            if result.code == 1:
                assert "is being written by" in result.stderr, result.stderr
        succeeded = {name for name, result in done.items() if result.code == 0}
        assert succeeded, "neither import succeeded"
        held = set(snapshot(out)["practices"]["practice_id"].to_pylist())
        assert held == set().union(*(codes[name] for name in succeeded))


def test_a_held_run_folder_refuses_a_second_simulate(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    with FolderLock(out, command="carenet simulate (the first run)"):
        second = carenet("simulate", "traditional", "--demo-patients", 100, "--days", 21, "--workers", 0,
                         "--out", out)
    assert second.code == 1, second.output
    assert "is being written by" in second.stderr and "the first run" in second.stderr
    assert not (out / "experiment.json").exists()
