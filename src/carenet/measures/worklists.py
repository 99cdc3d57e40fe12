"""Case-finding worklists: patients a practice should contact, each with the rule that selected them.

Rules (each runs only when the dataset holds what it reads, else it is skipped with the reason):

* ``frail_without_care_plan``: moderate or severe frailty (eFI, aged 65+) and no live care plan.
* ``multimorbid_without_review``: ``min_ltc_count`` or more long-term conditions and no attended
  long-term-condition review (need type ``ltc_review``) in the ``review_window_days`` days up to
  the reference date.
* ``complex_without_key_worker``: a complex patient with no live care plan naming a key worker.
* ``care_plan_review_overdue``: an active care plan whose review date has passed.

The worklist is one table (a patient may appear under several rules) written as Parquet and CSV.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from carenet.measures.backend import Tables
from carenet.measures.coordination import live_care_plans
from carenet.measures.frailty import FRAIL_CATEGORIES
from carenet.measures.segments import Period
from carenet.schema.errors import CarenetError

LTC_REVIEW_NEED = "ltc_review"
RULES: tuple[str, ...] = ("frail_without_care_plan", "multimorbid_without_review", "complex_without_key_worker",
                          "care_plan_review_overdue")
"""The case-finding rules, in report order."""
WORKLIST_COLUMNS: tuple[str, ...] = ("rule", "reason", "patient_id", "practice_id", "age", "ltc_count",
                                     "efi_category", "b2h_segment", "risk_tier")
"""Columns of a worklist: the rule and its plain-words reason first, then who and why."""


@dataclass(frozen=True)
class WorklistConfig:
    """Thresholds of the case-finding rules (assumptions from ``parameters.yaml``)."""

    multimorbid_min_ltc: int
    review_window_days: int


@dataclass
class Worklist:
    """The selected patients and the rules that could not run on this dataset (with why)."""

    table: pa.Table
    ran: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Patients selected by each rule that ran (zero included)."""
        rules = self.table.column("rule").to_pylist()
        return {r: rules.count(r) for r in self.ran}


def _select(profile: ir.Table, rule: str, reason: str) -> ir.Table:
    return profile.select(ibis.literal(rule).name("rule"), ibis.literal(reason).name("reason"), *WORKLIST_COLUMNS[2:])


def case_finding(tables: Tables, profile: ir.Table, as_of: date, config: WorklistConfig) -> Worklist:
    """Run every case-finding rule on the registered population's ``profile`` at ``as_of``."""
    if config.review_window_days < 1 or config.multimorbid_min_ltc < 1:
        raise CarenetError(f"worklist thresholds must be positive, got {config}")
    parts: list[ir.Table] = []
    skipped: dict[str, str] = {}
    if "care_plans" in tables:
        live = live_care_plans(tables, as_of)
        planned = live.select("patient_id").distinct().mutate(planned=1)
        keyed = live.filter(live.key_worker_id.notnull()).select("patient_id").distinct().mutate(keyed=1)
        p = profile.left_join(planned, "patient_id").drop("patient_id_right")
        p = p.left_join(keyed, "patient_id").drop("patient_id_right")
        frail = p.filter(p.efi_category.isin(list(FRAIL_CATEGORIES)), p.planned.isnull())
        parts.append(_select(frail, "frail_without_care_plan",
                             "moderate or severe frailty (eFI, aged 65+) and no live care plan"))
        lonely = p.filter(p.complex, p.keyed.isnull())
        parts.append(_select(lonely, "complex_without_key_worker",
                             "complex patient with no live care plan naming a key worker"))
        cp = tables["care_plans"]
        overdue = cp.filter(cp.status == "active", cp.review_date < ibis.date(as_of)).select("patient_id").distinct()
        od = profile.join(overdue, "patient_id")
        parts.append(_select(od, "care_plan_review_overdue", f"active care plan past its review date on {as_of}"))
    else:
        reason = "the dataset holds no care_plans table"
        skipped.update(dict.fromkeys(("frail_without_care_plan", "complex_without_key_worker",
                                      "care_plan_review_overdue"), reason))
    if "appointments" in tables:
        a = tables["appointments"]
        window = Period.ending(as_of, config.review_window_days)
        reviewed = a.filter(a.status == "attended", a.need_type == LTC_REVIEW_NEED, window.contains(a.booked_for))
        reviewed = reviewed.select("patient_id").distinct().mutate(reviewed=1)
        p = profile.filter(profile.ltc_count >= config.multimorbid_min_ltc).left_join(reviewed, "patient_id")
        due = p.filter(p.reviewed.isnull()).drop("patient_id_right")
        parts.append(_select(due, "multimorbid_without_review",
                             f"{config.multimorbid_min_ltc}+ long-term conditions and no attended review in the "
                             f"{config.review_window_days} days to {as_of}"))
    else:
        skipped["multimorbid_without_review"] = "the dataset holds no appointments table"
    ran = [rule for rule in RULES if rule not in skipped]
    if not parts:
        return Worklist(_empty(), ran, skipped)
    union = ibis.union(*parts) if len(parts) > 1 else parts[0]
    table = tables.con.to_pyarrow(union.order_by(["rule", "practice_id", "patient_id"]))
    return Worklist(table.cast(_empty().schema), ran, skipped)


def _empty() -> pa.Table:
    return pa.schema([
        pa.field("rule", pa.string()), pa.field("reason", pa.string()), pa.field("patient_id", pa.string()),
        pa.field("practice_id", pa.string()), pa.field("age", pa.int32()), pa.field("ltc_count", pa.int32()),
        pa.field("efi_category", pa.string()), pa.field("b2h_segment", pa.int8()), pa.field("risk_tier", pa.int8()),
    ]).empty_table()


def write_worklist(worklist: Worklist, out_dir: str | os.PathLike[str], name: str = "worklist") -> dict[str, Path]:
    """Write ``{name}.parquet`` and ``{name}.csv`` into ``out_dir``; each file appears whole or not at all."""
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise CarenetError(f"{folder} exists and is not a folder; choose a folder for the worklists")
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for suffix, writer in (("parquet", lambda t, p: pq.write_table(t, p)), ("csv", lambda t, p: pacsv.write_csv(t, p))):
        target = folder / f"{name}.{suffix}"
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=f".{suffix}", dir=folder)
        os.close(fd)
        try:
            writer(worklist.table, tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written[suffix] = target
    return written


__all__ = ["RULES", "WORKLIST_COLUMNS", "Worklist", "WorklistConfig", "case_finding", "write_worklist"]
