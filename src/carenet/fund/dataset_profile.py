"""A carenet dataset (synthetic, imported or a twin run) as practices to fund and patients to risk-adjust.

Patients come from :func:`carenet.measures.segments.patient_profile` on the reference date (age, sex,
deprivation decile, long-term conditions, Cambridge Multimorbidity Score, eFI category); activity per
patient over the dataset's period is counted from its tables: emergency admissions (``discharge``
tasks, one per admission that ended), A&E attendances (requests redirected to A&E), outpatient
referrals (referrals of kind ``outpatient``, schema 1.4) and attended appointments. An activity whose
table the dataset lacks is not recorded (not zero); so are outpatient referrals when its referrals
table holds none at all (data that record only referrals within the network).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.fund.errors import FundError
from carenet.fund.profile import SEXES, PracticeProfile
from carenet.measures.backend import Tables, load
from carenet.measures.community import NeedWeights
from carenet.measures.scorecard import reference_date
from carenet.measures.segments import patient_profile
from carenet.schema import open_dataset
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLES

ACTIVITIES = ("emergency_admissions", "a_and_e_attendances", "outpatient_referrals", "appointments")
"""Activity counted per patient."""


@dataclass
class DatasetPatients:
    """One row per registered patient (``people``) with activity counts, the period they cover, and the tables."""

    path: Path
    people: pa.Table
    practices: pa.Table
    clinicians: pa.Table | None
    first_day: dt.date
    last_day: dt.date
    recorded: frozenset[str] = frozenset(ACTIVITIES)
    """Activities whose source table the dataset holds (an absent table is not recorded, not zero)."""

    @property
    def years(self) -> float:
        return ((self.last_day - self.first_day).days + 1) / 365.2425


def _population_config():
    from carenet.twin.experiments.scoring import population_config  # noqa: PLC0415 - the twin is slow to import

    return population_config()


def read_dataset(path: str | Path, *, as_of: dt.date | None = None, first_day: dt.date | None = None,
                 cache: dict[str, pa.Table] | None = None) -> DatasetPatients:
    """Registered patients on ``as_of`` (default: the last attended or missed appointment) with their activity from
    ``first_day`` (default: the first appointment) to ``as_of``. ``cache`` keeps patient profiles by population and
    date, so the replications of a comparison (one population) are profiled once."""
    path = Path(path)
    try:
        dataset = open_dataset(path)
    except CarenetError as exc:
        raise FundError(f"{path}: not a carenet dataset ({exc})") from None
    for needed in ("patients", "practices"):
        if needed not in dataset:
            raise FundError(f"{path}: the dataset has no {needed} table; funding needs registered patients and "
                            "their practices")
    tables = None
    if as_of is not None and first_day is not None:
        last, first = as_of, first_day
    else:
        tables = load(dataset)
        try:
            last = as_of or reference_date(tables)
        except CarenetError:
            last = as_of or _latest_registration(dataset)
        first = first_day or _first_day(tables, last)
    if first > last:
        raise FundError(f"{path}: the period starts on {first}, after its end {last}")
    key = _fingerprint(dataset, last) if cache is not None else ""
    if cache is not None and key in cache:
        people = cache[key]
    else:
        tables = tables or load(dataset)
        people = tables.con.to_pyarrow(patient_profile(tables, last, _population_config()))
        if cache is not None:
            cache[key] = people
    if people.num_rows == 0:
        raise FundError(f"{path}: no patient is registered on {last}")
    people = _with_activity(people, dataset, first, last)
    clinicians = dataset.table("clinicians") if "clinicians" in dataset else None
    recorded = frozenset(k for k in ACTIVITIES if _records(dataset, k))
    return DatasetPatients(path, people, dataset.table("practices"), clinicians, first, last, recorded)


def _latest_registration(dataset) -> dt.date:
    dates = dataset.table("patients", columns=["registered_from"])["registered_from"]
    latest = pc.max(dates).as_py()
    if latest is None:
        raise FundError(f"{dataset.path}: patients carry no registration dates; pass a reference date")
    return latest


def _first_day(tables: Tables, last: dt.date) -> dt.date:
    if "appointments" not in tables:
        return last
    a = tables["appointments"]
    first = tables.con.to_pyarrow(a.aggregate(first=a.booked_for.min()))["first"][0].as_py()
    return first.date() if first is not None else last


def _counts(ids: pa.Array | pa.ChunkedArray, people: pa.Table) -> np.ndarray:
    if len(ids) == 0:
        return np.zeros(people.num_rows, dtype=np.int64)
    counted = pa.table({"patient_id": ids}).group_by("patient_id").aggregate([("patient_id", "count")])
    where = pc.index_in(people["patient_id"], value_set=counted["patient_id"].combine_chunks())
    values = counted["patient_id_count"].to_numpy()
    idx = pc.fill_null(where, -1).to_numpy(zero_copy_only=False)
    return np.where(idx >= 0, values[np.maximum(idx, 0)], 0)


_ACTIVITY_SOURCES = {
    "emergency_admissions": ("tasks", "created_at", "kind", "discharge"),
    "a_and_e_attendances": ("requests", "requested_at", "outcome", "redirected_ae"),
    "outpatient_referrals": ("referrals", "created_at", "kind", "outpatient"),
    "appointments": ("appointments", "booked_for", "status", "attended"),
}
"""Activity → (table, when, column, value): rows of ``table`` whose ``column`` is ``value``, dated in the period."""


def _records(dataset, activity: str) -> bool:
    """Whether the dataset records ``activity``: its table is there, and for outpatient referrals (a kind of
    referral that older data and imports of referrals within the network never hold) at least one such row."""
    name, _, column, value = _ACTIVITY_SOURCES[activity]
    if name not in dataset:
        return False
    if activity != "outpatient_referrals":
        return True
    return bool(pc.any(pc.equal(dataset.table(name, columns=[column])[column], value)).as_py())


def _with_activity(people: pa.Table, dataset, first: dt.date, last: dt.date) -> pa.Table:
    people = people.drop_columns([k for k in ACTIVITIES if k in people.column_names])
    for k in ACTIVITIES:
        name, when, column, value = _ACTIVITY_SOURCES[k]
        ids = pa.array([], pa.string())
        if name in dataset:
            rows = dataset.table(name, columns=["patient_id", when, column])
            day = pc.cast(rows[when], pa.date32())
            keep = pc.and_(pc.equal(rows[column], value),
                           pc.and_(pc.greater_equal(day, pa.scalar(first, pa.date32())),
                                   pc.less_equal(day, pa.scalar(last, pa.date32()))))
            ids = rows["patient_id"].filter(pc.fill_null(keep, False))
        people = people.append_column(k, pa.array(_counts(ids, people), pa.int64()))
    return people


def _fingerprint(dataset, last: dt.date) -> str:
    """The registered population and its conditions, as a digest: runs of one comparison share them."""
    digest = hashlib.sha256(str(last).encode())
    for name, columns in (("patients", ["patient_id", "birth_date", "sex", "deprivation_decile", "practice_id",
                                        "registered_from", "registered_to", "death_date"]),
                          ("conditions", ["patient_id", "snomed_code", "onset_date", "resolved_date"])):
        if name in dataset:
            sink = pa.BufferOutputStream()
            table = dataset.table(name, columns=columns)
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            digest.update(sink.getvalue().to_pybytes())
    return digest.hexdigest()


def profile_from_dataset(data: DatasetPatients, weights: NeedWeights) -> PracticeProfile:
    """The dataset's practices with their lists counted from the registered patients."""
    practices = data.practices
    codes = practices["practice_id"].combine_chunks()
    people = data.people
    row = pc.fill_null(pc.index_in(people["practice_id"], value_set=codes), -1).to_numpy(zero_copy_only=False)
    n = len(codes)
    keep = row >= 0
    age = pc.fill_null(people["age"], 0).to_numpy(zero_copy_only=False)
    band = np.searchsorted(np.asarray(weights.bands), age, side="right") - 1
    sex = np.array(people["sex"].to_pylist(), dtype=object)
    age_sex = np.zeros((n, 2, len(weights.bands)), dtype=np.int64)
    for s, name in enumerate(SEXES):
        m = keep & (sex == name)
        np.add.at(age_sex, (row[m], s, band[m]), 1)
    registered = np.bincount(row[keep], minlength=n)
    ltc = pc.fill_null(people["ltc_count"], 0).to_numpy(zero_copy_only=False)
    multimorbid = np.divide(np.bincount(row[keep], (ltc[keep] >= weights.min_ltc_count).astype(float), n),
                            registered, out=np.full(n, np.nan), where=registered > 0)
    decile = people["deprivation_decile"].to_numpy(zero_copy_only=False).astype(np.float64)
    known = keep & ~np.isnan(decile)
    position = (10 - decile) / 9
    deprivation = np.divide(np.bincount(row[known], position[known], n), np.bincount(row[known], minlength=n),
                            out=np.full(n, np.nan), where=np.bincount(row[known], minlength=n) > 0)
    network = np.array([x or "" for x in practices["network_id"].to_pylist()], dtype=object)
    profile = PracticeProfile(
        practice_id=np.array(codes.to_pylist(), dtype=object), name=np.array(practices["name"].to_pylist(),
                                                                             dtype=object),
        registered=registered, source=str(data.path), age_sex=age_sex, age_bands=weights.bands,
        multimorbid=multimorbid,
        imd_score=practices["imd_score"].to_numpy(zero_copy_only=False).astype(np.float64), deprivation=deprivation,
        network=network, locality=network)
    if data.clinicians is not None:
        profile.clinical_fte, profile.gp_fte = _fte(data.clinicians, codes, network, registered)
    if int((~keep).sum()):
        profile.notes.append(f"{int((~keep).sum()):,} patients registered at practices missing from the practices "
                             "table are left out")
    return profile


def _fte(clinicians: pa.Table, codes: pa.Array, network: np.ndarray,
         registered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Clinical and GP FTE per practice: its own staff plus a list-size share of its network's staff."""
    clinical_roles = [r.code for r in ROLES if r.clinical]
    n = len(codes)
    out = []
    for roles in (clinical_roles, ["gp", "gp_registrar"]):
        c = clinicians.filter(pc.is_in(clinicians["role"], value_set=pa.array(roles)))
        fte = pc.fill_null(c["fte"], 0.0).to_numpy(zero_copy_only=False)
        row = pc.fill_null(pc.index_in(c["practice_id"], value_set=codes), -1).to_numpy(zero_copy_only=False)
        own = np.bincount(row[row >= 0], fte[row >= 0], n)
        shared = np.array([x or "" for x in c["network_id"].to_pylist()], dtype=object)
        pooled = (row < 0) & (shared != "")
        for net in np.unique(shared[pooled]):
            members = network == net
            total = registered[members].sum()
            if total > 0:
                own[members] += fte[pooled & (shared == net)].sum() * registered[members] / total
        out.append(own)
    return out[0], out[1]
