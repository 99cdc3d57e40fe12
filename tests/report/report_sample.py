"""A hand-made report input: three models, two replications' worth of intervals, every section filled."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from carenet.report import ReportData

MODELS = pd.DataFrame({
    "model": ["traditional", "micro_teams", "digital_first"],
    "title": ["Traditional partnership", "Multidisciplinary micro-teams", "Digital-first"],
    "summary": ["GPs and nurses, first-available booking.", "Teams of ~1,500 patients; bookings stay in the team.",
                "Online first contact; fast access."],
})

_MEASURES = [
    # attribute, measure, label, unit, better, values per model
    ("person_centred", "minutes_per_complex_patient_year", "Clinician minutes per complex patient per year",
     "minutes", "higher", (310.0, 360.0, 250.0)),
    ("access", "mean_wait_days", "Mean wait, request to appointment", "days", "lower", (2.4, 3.1, 0.9)),
    ("access", "share_same_day", "Seen the same day", "share", "higher", (0.41, 0.35, 0.72)),
    ("continuity", "upc", "Usual provider of care (UPC, mean)", "score", "higher", (0.48, 0.66, 0.31)),
    ("coordination", "care_plan_coverage", "Complex patients with a live care plan", "share", "higher",
     (0.10, 0.55, 0.10)),
    ("community", "social_prescriptions_per_1000_year", "Social prescriptions per 1,000 patients per year", "rate",
     "higher", (12.0, 12.5, 4.0)),
    ("workforce", "utilisation_all", "Utilisation, all clinical roles", "share", None, (0.91, 0.88, 0.83)),
    ("cost", "staff_cost_per_patient_gbp", "Staff cost per registered patient per year", "gbp", "lower",
     (101.0, 104.0, 88.0)),
]


def scorecard() -> pd.DataFrame:
    rows = []
    for attribute, measure, label, unit, better, values in _MEASURES:
        for model, v in zip(MODELS["model"], values, strict=True):
            half = 0.02 * abs(v)
            rows.append({"model": model, "attribute": attribute, "measure": measure, "label": label, "unit": unit,
                         "better": better, "mean": v, "lo": v - half, "hi": v + half, "reps": 2, "note": ""})
    rows.append({"model": "traditional", "attribute": "access", "measure": "third_next_available",
                 "label": "Third next available appointment", "unit": "days", "better": "lower", "mean": np.nan,
                 "lo": np.nan, "hi": np.nan, "reps": 0, "note": "needs slot diaries"})
    return pd.DataFrame(rows)


def report_data(with_sweep: bool = False) -> ReportData:
    models = MODELS["model"].tolist()
    segments = ["complex", "other"]
    cbs = pd.DataFrame([{"model": m, "segment": s, "mean": 0.3 + 0.1 * i + (0.15 if s == "complex" else 0),
                         "lo": 0.28 + 0.1 * i, "hi": 0.34 + 0.1 * i + 0.15}
                        for i, m in enumerate(models) for s in segments])
    intervals = ["same_day", "1_day", "2_7_days", "8_14_days"]
    waits = pd.DataFrame([{"model": m, "urgency": u, "booking_interval": b, "share": s}
                          for m in models for u in ("same_day", "routine")
                          for b, s in zip(intervals, (0.5, 0.2, 0.2, 0.1), strict=True)])
    workload = pd.DataFrame([{"model": m, "role": r, "hours_per_week": h * (1 + 0.1 * i),
                              "lo": h * (0.95 + 0.1 * i), "hi": h * (1.05 + 0.1 * i)}
                             for i, m in enumerate(models) for r, h in (("gp", 400.0), ("practice_nurse", 220.0),
                                                                        ("anp", 80.0))])
    weeks = [dt.date(2025, 1, 6) + dt.timedelta(weeks=k) for k in range(20)]
    rng = np.random.default_rng(1)
    spc = []
    for i, m in enumerate(models):
        values = 2 + i * 0.5 + rng.normal(0, 0.2, len(weeks))
        values[15] += 2.0
        mean = float(values.mean())
        mr = float(np.abs(np.diff(values)).mean())
        for w, v in zip(weeks, values, strict=True):
            kind = "special_cause_concern" if v > mean + 2.66 * mr else "common_cause"
            spc.append({"model": m, "period_start": w, "value": float(v), "mean": mean,
                        "upper_limit": mean + 2.66 * mr, "lower_limit": mean - 2.66 * mr, "point_type": kind})
    assumptions = pd.DataFrame([{"parameter": "experiments.costs.on_cost", "value": "0.1438", "tag": "V",
                                 "source": "NHSBSA employer contributions", "rationale": "pension on-cost"}])
    sweep = None
    if with_sweep:
        sweep = pd.DataFrame([{"setting": s, "model": "micro_teams", "measure": k, "label": lab,
                               "mean": base + slope * s, "lo": base + slope * s - 0.02, "hi": base + slope * s + 0.02}
                              for s in (0.0, 0.5, 1.0)
                              for k, lab, base, slope in (("mean_wait_days", "Mean wait", 2.0, 1.0),
                                                          ("upc", "UPC", 0.4, 0.3))])
    return ReportData(
        title="Delivery models compared: test network", models=MODELS, scorecard=scorecard(),
        continuity_by_segment=cbs, waits=waits, workload=workload, spc=pd.DataFrame(spc), assumptions=assumptions,
        sweep=sweep, sweep_parameter="booking continuity weight", relative_tolerance=0.02,
        reproduce=["carenet compare traditional micro_teams digital_first --population demo --seed 7"],
        meta={"replications": 2, "seed": 7, "generated": "2025-06-01"},
    )
