"""A corrupt manifest or a truncated Parquet file: every reading command says which file, and exits 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner import carenet

from carenet.schema import open_dataset

READERS = (
    ["info", "{ds}"],
    ["score", "{ds}"],
    ["spc", "{ds}"],
    ["worklist", "{ds}", "--out", "{tmp}/worklists"],
    ["export", "fhir", "{ds}", "--out", "{tmp}/fhir"],
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corrupt") / "ds"
    assert carenet("import", "csv", Path(__file__).resolve().parents[2] / "examples" / "extract",
                   "--out", folder).code == 0
    return folder


def _copy(dataset: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "ds"
    shutil.copytree(dataset, target, symlinks=True)
    return target


def _run(argv: list[str], ds: Path, tmp_path: Path):
    return carenet(*[a.format(ds=ds, tmp=tmp_path) for a in argv])


@pytest.mark.parametrize("argv", READERS, ids=lambda a: a[0] if a[0] != "export" else "export")
def test_corrupt_manifest(dataset: Path, tmp_path: Path, argv: list[str]) -> None:
    ds = _copy(dataset, tmp_path)
    (ds / "manifest.json").write_text('{"schema_version": "1.1", "counts": {')
    done = _run(argv, ds, tmp_path)
    assert done.code == 1, done.output
    assert "Traceback" not in done.output and "internal error" not in done.output
    assert "manifest.json" in done.stderr, done.stderr


@pytest.mark.parametrize("argv", READERS, ids=lambda a: a[0] if a[0] != "export" else "export")
def test_truncated_parquet(dataset: Path, tmp_path: Path, argv: list[str]) -> None:
    ds = _copy(dataset, tmp_path)
    table = open_dataset(ds).arrow_path("appointments").resolve()
    data = table.read_bytes()
    table.write_bytes(data[: len(data) // 2])
    done = _run(argv, ds, tmp_path)
    assert done.code == 1, done.output
    assert "Traceback" not in done.output and "internal error" not in done.output
    assert "appointments" in done.stderr, done.stderr


def test_a_missing_dataset_is_named(tmp_path: Path) -> None:
    done = carenet("info", tmp_path / "nowhere")
    assert done.code == 1 and "Traceback" not in done.output
    assert str(tmp_path / "nowhere") in done.stderr
