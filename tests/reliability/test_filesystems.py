"""Read-only and full file systems: a clear message, exit 1, the dataset as it was, and a re-run completes."""

from __future__ import annotations

import os
from pathlib import Path

from runner import carenet

from conftest import litter, remount, same, snapshot


def _fill(disk: Path, leave: int) -> Path:
    """A file taking all of ``disk``'s free space but ``leave`` bytes."""
    stat = os.statvfs(disk)
    filler = disk / "filler"
    filler.write_bytes(b"\0" * max(0, stat.f_bavail * stat.f_frsize - leave))
    return filler


def _says_full(message: str) -> bool:
    return "disk is full" in message or "no space left" in message


def test_import_into_a_read_only_file_system(tmpfs, first_extract: Path, full_extract: Path) -> None:
    disk = tmpfs("disk", "8m")
    out = disk / "ds"
    assert carenet("import", "csv", first_extract, "--out", out).code == 0
    before = snapshot(out)
    remount(disk, read_only=True)
    try:
        done = carenet("import", "csv", full_extract, "--out", out)
        assert done.code == 1 and "Traceback" not in done.output
        assert "read-only" in done.stderr.lower() and str(out) in done.stderr, done.stderr
        assert same(snapshot(out), before)
        info = carenet("info", out)
        assert info.code == 0, info.output
    finally:
        remount(disk, read_only=False)
    assert carenet("import", "csv", full_extract, "--out", out).code == 0


def test_new_folder_on_a_read_only_file_system(tmpfs, first_extract: Path) -> None:
    disk = tmpfs("ro", "1m", read_only=True)
    for argv in (["import", "csv", first_extract], ["population", "synth", "--seed", 1, "--patients", 100]):
        done = carenet(*argv, "--out", disk / "new")
        assert done.code == 1 and "Traceback" not in done.output, done.output
        assert "read-only" in done.stderr.lower() and str(disk / "new") in done.stderr, done.stderr


def test_import_onto_a_full_disk(tmpfs, first_extract: Path, full_extract: Path) -> None:
    disk = tmpfs("small", "2m")
    out = disk / "ds"
    assert carenet("import", "csv", first_extract, "--out", out).code == 0
    before = snapshot(out)
    filler = _fill(disk, leave=16 * 1024)
    done = carenet("import", "csv", full_extract, "--out", out)
    assert done.code == 1 and "Traceback" not in done.output, done.output
    assert _says_full(done.stderr), done.stderr
    assert same(snapshot(out), before)
    filler.unlink()
    again = carenet("import", "csv", full_extract, "--out", out)
    assert again.code == 0, again.output
    assert snapshot(out)["appointments"].num_rows == 176
    assert litter(out) == []


def test_writing_outputs_onto_a_full_disk(tmpfs, tmp_path: Path, full_extract: Path) -> None:
    dataset = tmp_path / "ds"
    assert carenet("import", "csv", full_extract, "--out", dataset).code == 0
    disk = tmpfs("full", "1m")
    _fill(disk, leave=0)
    for argv in (["export", "fhir", dataset, "--out", disk / "fhir"],
                 ["worklist", dataset, "--out", disk / "worklists"],
                 ["score", dataset, "--format", "json", "--out", disk / "card.json"]):
        done = carenet(*argv)
        assert done.code == 1 and "Traceback" not in done.output, done.output
        assert _says_full(done.stderr), done.stderr
