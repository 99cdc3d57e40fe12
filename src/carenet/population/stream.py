"""Writing a synthetic population to a dataset folder, in bounded memory for national runs.

Small populations are built in memory and written with :func:`carenet.schema.write_dataset`
(validated, atomic). Larger ones are generated a run of practices at a time: each batch is
validated and written as one Parquet part under ``patients/``, ``conditions/``, ... in a staging
folder inside the target's ``.carenet`` (holding the folder's lock), committed as the dataset's
next generation only when every batch is written; memory is bounded by the batch size, not by
the population.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from carenet.population.nhs_numbers import describe, scheme
from carenet.population.synthesise import (
    PATIENT_TABLES,
    Plan,
    models,
    patient_tables,
    plan,
    practice_batches,
    small_tables,
    tables_of,
)
from carenet.schema.dataset import Manifest, write_dataset, write_staged
from carenet.schema.tables import TABLES
from carenet.schema.validate import ValidationError, validate_dataset

DEFAULT_BATCH_PATIENTS = 500_000
"""Patients generated and written at a time when streaming (about 1 GB of working memory)."""


def generation_details(p: Plan, label: str) -> dict[str, Any]:
    """What the manifest records about the generation, beside the seed."""
    m = models()
    return {
        "generator": "carenet.population",
        "practices": label,
        "reference_date": p.reference_date.isoformat(),
        "nhs_numbers": describe(scheme(numbered := p.total if p.numbered is None else p.numbered,
                                       p.nhs_number_limit), numbered, p.nhs_number_limit),
        "calibration": {
            "condition_factor_loading": round(m.conditions.loading, 6),
            "frailty_factor_loading": round(m.frailty.loading, 6),
            "frailty_shift": round(m.frailty.shift, 6),
            "age_deprivation_tilt": round(m.ages.tau, 6),
        },
    }


def write_population(path: str | os.PathLike[str], practices: pa.Table, networks: pa.Table | None = None, *,
                     seed: int, label: str, patients: int | None = None, reference_date: dt.date | None = None,
                     batch_patients: int = DEFAULT_BATCH_PATIENTS) -> Manifest:
    """Generate and write a population; streamed in batches when it exceeds ``batch_patients``."""
    p = plan(practices, networks, seed=seed, patients=patients, reference_date=reference_date)
    source = f"synthetic:{label}"
    extra = generation_details(p, label)
    if p.total <= batch_patients:
        return write_dataset(path, tables_of(p), source=source, seed=seed, merge=False, extra=extra)
    return _stream(Path(path), p, source, extra, batch_patients)


def _stream(target: Path, p: Plan, source: str, extra: dict[str, Any], batch_patients: int) -> Manifest:
    small = small_tables(p)
    problems = validate_dataset(small)
    if problems:
        raise ValidationError(problems)
    counts = {name: table.num_rows for name, table in small.items()}
    manifest = Manifest(sources=[source], seed=p.seed, extra=extra)

    def write(staging: Path) -> None:
        for name, table in small.items():
            pq.write_table(table, staging / f"{name}.parquet", compression="zstd")
        for name in PATIENT_TABLES:
            (staging / name).mkdir()
            counts[name] = 0
        for part, run in enumerate(practice_batches(p, batch_patients)):
            batch = patient_tables(p, run)
            problems = validate_dataset({**batch, "practices": small["practices"],
                                         "clinicians": small["clinicians"], "teams": small["teams"]})
            if problems:
                raise ValidationError(problems)
            for name, table in batch.items():
                pq.write_table(table, staging / name / f"part-{part:05d}.parquet", compression="zstd")
                counts[name] += table.num_rows
            del batch
        manifest.counts = {n: counts[n] for n in TABLES if n in counts}

    return write_staged(target, manifest, write)
