"""ndjson cut into pieces and read by a process pool gives the same tables and the same line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fhir_samples import resources, write_ndjson

from carenet.sources.fhir import importer, read_fhir
from carenet.sources.problems import ImportFailed


@pytest.fixture()
def small_pieces(monkeypatch):
    monkeypatch.setattr(importer, "PIECE_BYTES", 700)
    monkeypatch.setattr(importer, "PARALLEL_FROM_BYTES", 0)


def test_pieces_and_workers_do_not_change_the_result(tmp_path: Path, defaults, small_pieces) -> None:
    path = write_ndjson(tmp_path / "all.ndjson", resources() * 1)
    assert len(list(importer._pieces([path]))) > 5
    serial = read_fhir([path], defaults, workers=1)
    parallel = read_fhir([path], defaults, workers=2)
    assert serial.counts == parallel.counts
    assert all(serial.tables[n].equals(parallel.tables[n]) for n in serial.tables)
    assert serial.skipped == parallel.skipped


def test_line_numbers_survive_the_cut(tmp_path: Path, defaults, small_pieces) -> None:
    items = resources()
    items[14]["status"] = 42
    items.append(items[5])
    path = write_ndjson(tmp_path / "all.ndjson", items)
    with pytest.raises(ImportFailed) as caught:
        read_fhir([path], defaults, workers=2)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert f"{path} line 15 (CarePlan/plan1): invalid CarePlan: status" in text
    assert f"{path} line 19 (Patient/pat1): duplicate id: Patient/pat1 is already at line 6" in text


def test_progress_is_reported_to_the_end(tmp_path: Path, defaults, small_pieces) -> None:
    path = write_ndjson(tmp_path / "all.ndjson", resources())
    seen: list[tuple[int, int]] = []
    read_fhir([path], defaults, workers=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
