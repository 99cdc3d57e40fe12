"""Inputs and checks shared by the fault-injection tests: small extracts, FHIR bundles, dataset snapshots."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "sources" / "fhir"))

from fhir_samples import sample_bundle  # noqa: E402

from carenet.schema import open_dataset  # noqa: E402
from carenet.schema.folders import LOCK_FILE, STATE_DIR  # noqa: E402

SAMPLE = ROOT / "examples" / "extract"
BEFORE_COMMIT = ("staged", "fsynced", "before-pointer")
"""Checkpoints before a write takes effect: a kill there leaves the previous dataset."""
AFTER_COMMIT = ("after-pointer", "cleanup")
"""Checkpoints after the commit: a kill there leaves the new dataset (and litter the next write removes)."""


def snapshot(folder: Path) -> dict[str, pa.Table]:
    """Every table of the dataset at ``folder``, as read through its manifest."""
    return open_dataset(folder).tables()


def same(a: dict[str, pa.Table], b: dict[str, pa.Table]) -> bool:
    return a.keys() == b.keys() and all(a[n].equals(b[n]) for n in a)


def litter(folder: Path) -> list[str]:
    """What a write left in the dataset's state folder besides the lock and the current generation."""
    state = folder / STATE_DIR
    if not state.is_dir():
        return []
    current = json.loads((folder / "manifest.json").read_text()).get("generation")
    return sorted(p.name for p in state.iterdir() if p.name not in (LOCK_FILE, current))


@pytest.fixture
def first_extract(tmp_path: Path) -> Path:
    """Registrations and clinicians of the sample extract."""
    folder = tmp_path / "first"
    folder.mkdir()
    for name in ("registrations.csv", "clinicians.csv"):
        shutil.copy(SAMPLE / name, folder / name)
    return folder


@pytest.fixture
def full_extract() -> Path:
    """The whole sample extract: the first one again, plus appointments and conditions."""
    return SAMPLE


@pytest.fixture
def bundles(tmp_path: Path) -> tuple[Path, Path]:
    """The FHIR sample bundle, and the same bundle with one more patient."""
    first = sample_bundle()
    second = sample_bundle()
    second["entry"].append({"fullUrl": "urn:uuid:pat-new", "resource": {
        "resourceType": "Patient", "id": "pat-new", "gender": "female", "birthDate": "1971-05-06",
        "generalPractitioner": [{"reference": "Organization/prac1"}]}})
    paths = tmp_path / "first.json", tmp_path / "second.json"
    for path, doc in zip(paths, (first, second), strict=True):
        path.write_text(json.dumps(doc))
    return paths


def can_mount() -> str | None:
    """None when this process may mount a tmpfs, else why not (the tests that need one are skipped)."""
    if sys.platform != "linux":
        return "tmpfs mounts need Linux"
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    return None


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[callable]:
    """Mount small tmpfs file systems under ``tmp_path`` (``mount(name, size, read_only)``); unmounted after."""
    reason = can_mount()
    if reason:
        pytest.skip(reason)
    mounted: list[Path] = []

    def mount(name: str, size: str = "2m", read_only: bool = False) -> Path:
        point = tmp_path / name
        point.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True,
                              text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def remount(point: Path, read_only: bool) -> None:
    subprocess.run(["mount", "-o", f"remount,{'ro' if read_only else 'rw'}", str(point)], check=True,
                   capture_output=True)
