"""The pandas peer of workload M1: the continuity and access measures written the way an analyst would, with
pandas group-bys over DataFrames read from the dataset's Parquet files.

It shares no code with ``carenet.measures``: the definitions are re-implemented from docs/measures/*.md, so
agreement with the Ibis measures is evidence, and the timing is what a user would otherwise pay.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

GP_ROLES = ["gp"]
FACE_TO_FACE = ["face_to_face", "home_visit"]
BOOKED = ["booked", "attended", "did_not_attend"]
WITHIN_DAYS = 14
PERCENTILE = 90


def read(folder: Path) -> dict[str, pd.DataFrame]:
    """The three tables M1 needs, from Parquet."""
    columns = ["appointment_id", "patient_id", "clinician_id", "role", "practice_id", "request_id", "requested_at",
               "booked_for", "mode", "status", "urgency"]
    return {
        "appointments": pd.read_parquet(folder / "appointments.parquet", columns=columns),
        "panels": pd.read_parquet(folder / "panels.parquet", columns=["patient_id", "clinician_id", "start_date"]),
        "patients": pd.read_parquet(folder / "patients.parquet", columns=["patient_id", "practice_id"]),
    }


def _named_on_the_day(visits: pd.DataFrame, panels: pd.DataFrame) -> pd.Series:
    """The patient's named clinician on each visit's day (the latest panel row starting on or before it)."""
    left = visits[["patient_id"]].assign(day=visits["booked_for"].dt.normalize(), row=np.arange(len(visits)))
    right = panels.rename(columns={"clinician_id": "named"}).assign(
        day=pd.to_datetime(panels["start_date"]).astype(left["day"].dtype))
    merged = pd.merge_asof(left.sort_values("day"), right.sort_values("day")[["day", "patient_id", "named"]],
                           on="day", by="patient_id", direction="backward")
    return merged.set_index("row")["named"].sort_index().set_axis(visits.index)


def patient_continuity(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """UPC, named-GP UPC, COC, SECON, MMCI and KPC per patient with two or more attended GP contacts."""
    a = t["appointments"]
    c = a[(a["status"] == "attended") & a["clinician_id"].notna() & a["role"].isin(GP_ROLES)]
    c = c.sort_values(["patient_id", "booked_for", "appointment_id"], ignore_index=True)
    c = c.assign(named=_named_on_the_day(c, t["panels"]))
    same_patient = c["patient_id"].eq(c["patient_id"].shift())
    c = c.assign(repeat=(same_patient & c["clinician_id"].eq(c["clinician_id"].shift())).astype(np.int64),
                 own=c["clinician_id"].eq(c["named"]).astype(np.int64))
    per_pair = c.groupby(["patient_id", "clinician_id"], sort=False).size().rename("n").reset_index()
    spread = per_pair.assign(sq=per_pair["n"] ** 2).groupby("patient_id", sort=False).agg(
        clinicians=("n", "size"), most_seen=("n", "max"), sum_squares=("sq", "sum"))
    seq = c.groupby("patient_id", sort=False).agg(contacts=("repeat", "size"), repeats=("repeat", "sum"),
                                                  named_visits=("own", "sum"), named_known=("named", "count"))
    p = seq.join(spread)
    p = p[p["contacts"] >= 2]
    n, m = p["contacts"].astype(float), p["clinicians"].astype(float)
    return pd.DataFrame({
        "contacts": p["contacts"], "clinicians": p["clinicians"], "upc": p["most_seen"] / n,
        "upc_named": (p["named_visits"] / n).where(p["named_known"] > 0),
        "coc": (p["sum_squares"] - n) / (n * (n - 1)), "secon": p["repeats"] / (n - 1),
        "mmci": (1 - m / (n + 0.1)) / (1 - 1 / (n + 0.1)), "kpc": (n - m) / (n - 1),
    })


def _list_visits(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    a = t["appointments"]
    v = a[(a["status"] == "attended") & a["clinician_id"].notna() & a["role"].isin(GP_ROLES)
          & a["mode"].isin(FACE_TO_FACE)].reset_index(drop=True)
    v = v.assign(named=_named_on_the_day(v, t["panels"]))
    practice = v["practice_id"].fillna(v["patient_id"].map(t["patients"].set_index("patient_id")["practice_id"]))
    return v.assign(own=v["clinician_id"].eq(v["named"]).astype(np.int64), practice=practice,
                    month=v["booked_for"].dt.to_period("M").dt.start_time.dt.date)


def slicc_by_practice_month(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    v = _list_visits(t)
    v = v[v["named"].notna()]
    g = v.groupby(["practice", "month"]).agg(appointments=("own", "size"), own_gp_appointments=("own", "sum"))
    return g.assign(slicc=g["own_gp_appointments"] / g["appointments"])


def own_patient_ratio(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    v = _list_visits(t)
    v = v[v["clinician_id"].isin(t["panels"]["clinician_id"].dropna().unique())]
    g = v.groupby("clinician_id").agg(appointments=("own", "size"), own_list_appointments=("own", "sum"))
    return g.assign(opr=g["own_list_appointments"] / g["appointments"])


def wait_summary_by_urgency(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Waits of appointments that name no request (M1 has none), by urgency: count, mean, p90, shares."""
    a = t["appointments"]
    w = a[a["status"].isin(BOOKED) & a["request_id"].isna() & a["requested_at"].notna()]
    days = (w["booked_for"].dt.normalize() - w["requested_at"].dt.normalize()).dt.days
    w = pd.DataFrame({"urgency": w["urgency"], "wait": days})
    w = w[w["wait"] >= 0]

    def nearest_rank(x: pd.Series) -> int:
        values = np.sort(x.to_numpy())
        return int(values[-(-PERCENTILE * len(values) // 100) - 1])

    g = w.groupby("urgency", dropna=False)["wait"]
    # M1 has no requests table, so no request records an outcome other than booked: none is unanswered.
    return pd.DataFrame({
        "requests": g.size(), "unanswered": np.zeros(g.ngroups, np.int64), "mean_wait_days": g.mean(),
        "p90_wait_days": g.apply(nearest_rank),
        "share_same_day": g.apply(lambda x: (x == 0).mean()),
        "share_within_14_days": g.apply(lambda x: (x <= WITHIN_DAYS).mean()),
    })


def run(folder: Path) -> dict[str, pd.DataFrame]:
    """Every M1 measure, from reading the Parquet files to the result tables."""
    t = read(folder)
    return {
        "patient_continuity": patient_continuity(t),
        "slicc": slicc_by_practice_month(t),
        "opr": own_patient_ratio(t),
        "waits": wait_summary_by_urgency(t),
    }
