"""Pool replications into one table per view: mean and 95% interval for every model (and setting).

Each replication's :class:`~carenet.twin.experiments.scoring.RepScore` gets its labels (model,
replication, and any swept settings) and the replications of one label are summarised with
:func:`~carenet.twin.experiments.intervals.summarise`. Wait distributions are averaged share by
share (an interval no request fell into counts as a zero share); the SPC view keeps the first
replication of each label, as one XmR chart is one process.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from carenet.twin.experiments.intervals import summarise
from carenet.twin.experiments.replications import Outcome

MEASURE_KEYS = ["attribute", "measure", "label", "unit", "better"]


def _stack(outcomes: Sequence[Outcome], labels: Sequence[dict], view: str) -> pd.DataFrame:
    frames = []
    for outcome, label in zip(outcomes, labels, strict=True):
        if outcome.score is None:
            continue
        frame = getattr(outcome.score, view).copy()
        if frame.empty:
            continue
        for key, value in label.items():
            frame[key] = value
        frame["replication"] = outcome.task.replication
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def per_replication(outcomes: Sequence[Outcome], labels: Sequence[dict]) -> pd.DataFrame:
    """Every replication's scorecard, one row per label, replication and measure (the raw material of the intervals)."""
    stacked = _stack(outcomes, labels, "scorecard")
    if stacked.empty:
        return stacked
    keys = list(labels[0])
    return stacked[[*keys, "replication", *MEASURE_KEYS, "value", "note"]]


def pooled_scorecard(outcomes: Sequence[Outcome], labels: Sequence[dict]) -> pd.DataFrame:
    """One row per label and measure: mean, lo, hi, reps and the reason when no replication could compute it."""
    raw = per_replication(outcomes, labels)
    if raw.empty:
        return raw
    keys = list(labels[0])
    raw["better"] = raw["better"].fillna("")
    pooled = summarise(raw, [*keys, *MEASURE_KEYS])
    notes = raw[raw["note"] != ""].groupby([*keys, "measure"], sort=False)["note"].first().rename("note")
    pooled = pooled.merge(notes.reset_index(), on=[*keys, "measure"], how="left")
    pooled["note"] = pooled["note"].fillna("")
    pooled["better"] = pooled["better"].replace("", None)
    largest = raw.groupby([*keys, "measure"], sort=False)["value"].max().rename("largest").reset_index()
    return clip_to_range(pooled.merge(largest, on=[*keys, "measure"], how="left")).drop(columns="largest")


def clip_to_range(pooled: pd.DataFrame) -> pd.DataFrame:
    """Keep intervals inside what a measure can be: at or above zero, and shares at or below 100%.

    With few replications a t-interval can reach past a bound (a share below 0%); clipping it there
    changes no mean and reads as the measure's real range. A share-like measure that can pass 100%
    (utilisation) is recognised by a replication above 100% (column ``largest``) and not capped.
    """
    out = pooled.copy()
    out["lo"] = out["lo"].clip(lower=0.0)
    capped = (out["unit"] == "share") & ~(out.get("largest", pd.Series(0.0, index=out.index)) > 1.0)
    out.loc[capped, "hi"] = out.loc[capped, "hi"].clip(upper=1.0)
    return out


def pooled_segments(outcomes: Sequence[Outcome], labels: Sequence[dict]) -> pd.DataFrame:
    """Mean UPC by segment: label, segment, mean, lo, hi, reps."""
    raw = _stack(outcomes, labels, "continuity_by_segment")
    if raw.empty:
        return pd.DataFrame(columns=[*(labels[0] if labels else {}), "segment", "mean", "lo", "hi", "reps"])
    out = summarise(raw, [*labels[0], "segment"])
    out["lo"], out["hi"] = out["lo"].clip(lower=0.0), out["hi"].clip(upper=1.0)  # UPC lies in [0, 1]
    return out


def pooled_workload(outcomes: Sequence[Outcome], labels: Sequence[dict]) -> pd.DataFrame:
    """Appointment hours a week by role: label, role, hours_per_week (mean), lo, hi, reps."""
    raw = _stack(outcomes, labels, "workload")
    if raw.empty:
        return pd.DataFrame(columns=[*(labels[0] if labels else {}), "role", "hours_per_week", "lo", "hi", "reps"])
    out = summarise(raw, [*labels[0], "role"], value="hours_per_week")
    out["lo"] = out["lo"].clip(lower=0.0)
    return out.rename(columns={"mean": "hours_per_week"})


def pooled_waits(outcomes: Sequence[Outcome], labels: Sequence[dict]) -> pd.DataFrame:
    """Share of answered requests by urgency and booking interval, averaged over replications."""
    raw = _stack(outcomes, labels, "waits")
    keys = list(labels[0]) if labels else []
    if raw.empty:
        return pd.DataFrame(columns=[*keys, "urgency", "booking_interval", "share"])
    wide = raw.pivot_table(index=[*keys, "urgency", "booking_interval"], columns="replication", values="share",
                           aggfunc="sum", fill_value=0.0)
    reps = raw.groupby(keys)["replication"].nunique() if keys else None
    out = wide.sum(axis=1).rename("share_sum").reset_index()
    if keys:
        out = out.merge(reps.rename("n").reset_index(), on=keys)
        out["share"] = out["share_sum"] / out["n"]
    else:  # pragma: no cover - labels always carry the model
        out["share"] = out["share_sum"] / raw["replication"].nunique()
    return out[[*keys, "urgency", "booking_interval", "share"]]


def first_replication_spc(outcomes: Sequence[Outcome], labels: Sequence[dict]) -> pd.DataFrame:
    """The XmR chart of weekly waits of each label's first replication."""
    return first_replication(outcomes, labels, "spc")


def first_replication(outcomes: Sequence[Outcome], labels: Sequence[dict], view: str) -> pd.DataFrame:
    """The table ``view`` of each label's first replication that has one (one chart is one process)."""
    raw = _stack(outcomes, labels, view)
    if raw.empty:
        return raw
    keys = list(labels[0])
    first = raw.groupby(keys)["replication"].transform("min")
    return raw[raw["replication"] == first].drop(columns="replication").reset_index(drop=True)


__all__ = ["clip_to_range", "first_replication", "first_replication_spc", "per_replication", "pooled_scorecard",
           "pooled_segments", "pooled_waits", "pooled_workload"]
