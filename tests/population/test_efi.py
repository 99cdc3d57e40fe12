import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from carenet.params import parameter
from carenet.population import efi_scores
from carenet.population.frailty import categorise, own_code, register_deficits
from carenet.schema.codelists import EFI_DEFICITS, deficit_primary_code
from carenet.schema.tables import conform

_DAY = dt.date(2020, 1, 1)


def _conditions(rows: list[tuple[str, str, int | None]]) -> pa.Table:
    return conform("conditions", pa.table({
        "patient_id": [r[0] for r in rows], "snomed_code": [r[1] for r in rows],
        "efi_deficit": pa.array([r[2] for r in rows], pa.int8()), "onset_date": [_DAY] * len(rows),
    }))


def _patients(ids: list[str]) -> pa.Table:
    return pa.table({"patient_id": ids})


def test_scores_and_categories_match_the_published_test_vectors():
    vectors = parameter("efi.test_vectors")
    rows, ids = [], []
    for k, v in enumerate(vectors):
        pid = f"p{k}"
        ids.append(pid)
        rows += [(pid, f"local-{d}", d) for d in range(1, v["deficits_present"] + 1)]
    scores = efi_scores(_conditions(rows), _patients(ids)).to_pylist()
    for v, got in zip(vectors, scores, strict=True):
        assert got["deficits"] == v["deficits_present"]
        assert got["efi"] == pytest.approx(v["efi_score"], abs=5e-5)
        assert got["category"] == v["category"]


def test_a_deficit_counts_once_and_snomed_codes_count_without_efi_deficit():
    copd, asthma = "13645005", "195967001"  # both respiratory disease (deficit 28)
    falls = deficit_primary_code(10)
    rows = [("a", copd, 28), ("a", asthma, 28), ("a", falls, None), ("b", copd, None)]
    scores = {r["patient_id"]: r for r in efi_scores(_conditions(rows), _patients(["b", "a", "c"])).to_pylist()}
    assert scores["a"]["deficits"] == 2
    assert scores["b"]["deficits"] == 1
    assert scores["c"]["deficits"] == 0 and scores["c"]["category"] == "fit"


def test_output_follows_patient_order():
    out = efi_scores(_conditions([("z", "x", 1)]), _patients(["z", "y", "x"]))
    assert out["patient_id"].to_pylist() == ["z", "y", "x"]


def test_category_cut_offs():
    assert categorise(np.array([0, 4, 5, 8, 9, 12, 13, 36])).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_deficit_codes_follow_the_code_lists():
    linked = register_deficits()
    assert linked["HYP"] == 17 and linked["DM"] == 7 and linked["COPD"] == 28 and linked["DEM"] == 20
    assert own_code(26).startswith("carenet-efi-")
    assert own_code(20) == "386807006"
    no_concept = [d.id for d in EFI_DEFICITS if not d.snomed]
    assert all(own_code(d) == f"carenet-efi-{d}" for d in no_concept)
