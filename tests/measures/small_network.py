"""Small canonical networks for the population and attribute measure tests.

One builder, two sources of choices: a seeded NumPy generator (fixed examples) or Hypothesis's
``data.draw`` (generated examples that shrink). Every table the measures read is present, with the
awkward cases they must handle: nulls, resolved conditions, dead and deregistered patients,
network-employed staff, plans past review, appointments outside the period.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from carenet.schema import TABLES, conform
from carenet.schema.codelists import QOF_REGISTERS
from carenet.schema.codes import APPOINTMENT_STATUSES, CARE_PLAN_STATUSES, MODES, NEED_TYPES
from carenet.schema.roles import ROLES

AS_OF = date(2024, 6, 30)
START = date(2023, 7, 1)
CLINICAL = [r.code for r in ROLES if r.clinical]
SNOMED_EXTRA = ["431857002", "433146000"]  # CKD stage 4 / 5


ORACLE_EXAMPLES = {"duckdb": 6, "sqlite": 6, "postgres": 6, "pyspark": 2}
"""Generated networks per backend in the default run: each runs every population and attribute measure (some
forty queries, a few seconds a network whatever its size, so the networks are large rather than many; on Spark,
where each query is a scheduled job, ten seconds or more, so two); ``CARENET_SPEC_SCALE`` (e.g. 20) searches
deeper."""

VARIETY_EXAMPLES = 6
"""Networks from which every measure must have taken two different real values (so none matched the oracle only
on empty data); a backend drawing fewer (Spark) checks only that it agrees with the oracle."""


def oracle_settings(backend: str) -> settings:
    scale = float(os.environ.get("CARENET_SPEC_SCALE", "1"))
    return settings(max_examples=max(1, round(ORACLE_EXAMPLES[backend] * scale)), deadline=None, derandomize=True,
                    database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def oracle_network(data: st.DataObject) -> dict[str, pa.Table]:
    """A varied, non-trivial network for the oracle comparisons: 15-40 patients, 3-6 appointments each, a
    clinician of every clinical role and two to four GPs.

    Hypothesis draws the sizes and a seed; every other choice comes from that seed with its stated
    probability (a :class:`DrawChooser` starts from Hypothesis's simplest draws, which make an empty
    or near-empty network, and ignores the probabilities). A failure shrinks to the fewest patients
    and appointments that still fail, and prints the seed that rebuilds the network.
    """
    patients = data.draw(st.integers(15, 40), label="patients")
    appointments = data.draw(st.integers(3 * patients, 6 * patients), label="appointments")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    chooser = RngChooser(seed)
    roles = ["gp"] * chooser.integer(2, 4) + [str(r) for r in chooser.rng.permutation(CLINICAL)]  # every role
    return build_network(chooser, n_patients=patients, n_appointments=appointments, roles=roles)


class Chooser(Protocol):
    def integer(self, lo: int, hi: int) -> int: ...
    def choice(self, options: Sequence[Any]) -> Any: ...
    def chance(self, p: float) -> bool: ...


class RngChooser:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def integer(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def choice(self, options: Sequence[Any]) -> Any:
        return options[int(self.rng.integers(0, len(options)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)


class DrawChooser:
    def __init__(self, data: st.DataObject):
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def choice(self, options: Sequence[Any]) -> Any:
        return self.data.draw(st.sampled_from(list(options)))

    def chance(self, p: float) -> bool:
        return self.data.draw(st.booleans())


def _day(ch: Chooser, lo: date, hi: date) -> date:
    return lo + timedelta(days=ch.integer(0, (hi - lo).days))


def _moment(ch: Chooser, lo: date, hi: date) -> datetime:
    return datetime.combine(_day(ch, lo, hi), datetime.min.time()) + timedelta(minutes=ch.integer(0, 1439))


def build_network(ch: Chooser, n_patients: int = 12, n_appointments: int = 40,
                  roles: Sequence[str] | None = None) -> dict[str, pa.Table]:
    """A two-practice network (one practice outside it) with every table the measures read.

    ``roles``: the clinicians' roles, one clinician each (by default two to seven, the first a GP).
    """
    before, after = START - timedelta(days=120), AS_OF + timedelta(days=30)
    networks = [{"network_id": "N1", "name": "North", "kind": "pcn"}]
    practices = [{"practice_id": p, "name": p, "network_id": n, "list_size": 100, "imd_score": 20.0}
                 for p, n in (("P1", "N1"), ("P2", "N1"), ("P3", None))]
    clinicians = []
    if roles is None:
        roles = ["gp"] + [ch.choice(CLINICAL) for _ in range(ch.integer(1, 6))]
    for i, role in enumerate(roles):
        shared = ch.chance(0.2)
        clinicians.append({
            "clinician_id": f"C{i}", "role": role,
            "practice_id": None if shared else ch.choice(["P1", "P2", "P3"]), "network_id": "N1" if shared else None,
            "fte": ch.choice([0.5, 0.8, 1.0]), "sessions_per_week": None if ch.chance(0.5) else float(ch.integer(2, 9)),
        })
    patients, conditions = [], []
    registers = [r.code for r in QOF_REGISTERS]
    for i in range(n_patients):
        pid = f"p{i}"
        birth = ch.choice([date(1930, 3, 1), date(1950, 6, 30), date(1959, 7, 1), date(1985, 1, 31),
                           date(2023, 12, 1), date(2024, 2, 29)])
        patients.append({
            "patient_id": pid, "birth_date": birth, "sex": ch.choice(["female", "male"]),
            "deprivation_decile": None if ch.chance(0.1) else ch.integer(1, 10),
            "practice_id": ch.choice(["P1", "P2", "P3"]), "registered_from": ch.choice([date(2000, 1, 1), AS_OF,
                                                                                       after]),
            "registered_to": ch.choice([None, None, None, AS_OF, AS_OF - timedelta(days=1)]),
            "death_date": ch.choice([None, None, None, None, AS_OF, AS_OF + timedelta(days=1)]),
        })
        for j in range(ch.integer(0, 3)):
            kind = ch.choice([0, 0, 1, 1, 1, 2] if j else [0, 1])
            register = ch.choice(registers) if kind == 0 else None
            deficit = ch.integer(1, 36) if kind == 1 else (13 if ch.chance(0.1) else None)
            code = ch.choice(SNOMED_EXTRA) if kind == 2 else f"{(register or 'D')}{deficit or ''}"
            if kind == 2:
                register = "CKD"
            onset = ch.choice([date(2010, 1, 1), date(2020, 5, 1), AS_OF, after, date(2019, 6, 30),
                               date(2019, 7, 1)])
            conditions.append({
                "patient_id": pid, "snomed_code": f"{code}", "register": register, "efi_deficit": deficit,
                "onset_date": onset + timedelta(days=j * 0),
                "resolved_date": ch.choice([None, None, None, AS_OF, AS_OF + timedelta(days=1), date(2015, 1, 1)]),
            })
        if ch.chance(0.15):
            for register in ("CAN", "PC"):
                conditions.append({"patient_id": pid, "snomed_code": register, "register": register,
                                   "efi_deficit": None, "onset_date": date(2023, 1, 1), "resolved_date": None})
        # many deficits for some, to reach the frailty categories
        if ch.chance(0.3):
            for d in range(1, ch.integer(5, 15)):
                conditions.append({"patient_id": pid, "snomed_code": f"F{d}", "register": None, "efi_deficit": d,
                                   "onset_date": date(2018, 1, 1), "resolved_date": None})
    requests, appointments = [], []
    linked = ch.chance(0.6)  # twin data link episodes and record outcomes; imported data do not
    for k in range(n_appointments):
        pid = f"p{ch.integer(0, n_patients - 1)}"
        asked = _moment(ch, before, after) if ch.chance(0.6) else _moment(ch, AS_OF - timedelta(days=40), AS_OF)
        clin = ch.choice(clinicians)
        rid = f"r{ch.integer(0, n_appointments // 2)}" if ch.chance(0.7) else None
        need = ch.choice([*NEED_TYPES, None])
        if rid is not None and not any(r["request_id"] == rid for r in requests):
            earlier = [r["request_id"] for r in requests if r["patient_id"] == pid]
            requests.append({"request_id": rid, "patient_id": pid, "practice_id": "P1", "requested_at": asked,
                             "need_type": need or "acute_minor", "urgency": "routine", "channel": "telephone",
                             "episode_id": ch.choice([rid, *earlier[-1:]]) if linked else None,
                             "outcome": ch.choice(["booked", "booked", "abandoned", "redirected_111"]) if linked
                             else None})
        appointments.append({
            "appointment_id": f"a{k}", "patient_id": pid, "clinician_id": clin["clinician_id"],
            "role": None if ch.chance(0.2) else clin["role"], "practice_id": ch.choice(["P1", "P2", "P3", None]),
            "site_id": ch.choice(["P1", None]), "request_id": rid, "requested_at": asked,
            "booked_for": asked + timedelta(days=ch.choice([0, 0, 1, 3, 20])),
            "duration_minutes": None if ch.chance(0.3) else ch.choice([5, 10, 15, 30]),
            "mode": ch.choice(MODES), "status": ch.choice([*APPOINTMENT_STATUSES, "attended", "attended"]),
            "urgency": "routine", "need_type": need,
        })
    care_plans = []
    for i in range(ch.integer(0, n_patients)):
        care_plans.append({
            "care_plan_id": f"cp{i}", "patient_id": f"p{ch.integer(0, n_patients - 1)}",
            "key_worker_id": ch.choice([None, *[c["clinician_id"] for c in clinicians]]),
            "status": ch.choice([*CARE_PLAN_STATUSES, "active"]),
            "created_date": ch.choice([date(2022, 1, 1), AS_OF, after]),
            "review_date": ch.choice([None, AS_OF - timedelta(days=1), AS_OF, after]),
            "goals": None, "goals_patient_set": ch.choice([None, True, False]),
        })
    services = [{"service_id": "S1", "name": "Walking group", "category": "exercise", "network_id": "N1"}]
    referrals, social, tasks = [], [], []
    for i in range(ch.integer(0, 8)):
        pid = f"p{ch.integer(0, n_patients - 1)}"
        to_service = ch.chance(0.3)
        referrals.append({
            "referral_id": f"rf{i}", "patient_id": pid, "from_clinician_id": "C0",
            "to_clinician_id": None if to_service else ch.choice(clinicians)["clinician_id"],
            "to_service_id": "S1" if to_service else None, "kind": ch.choice(["formal", "informal"]),
            "created_at": _moment(ch, before, after),
        })
    psychosocial = [r for r in requests if r["need_type"] == "psychosocial"]
    for i in range(ch.integer(0, 6)):
        pid, referred = f"p{ch.integer(0, n_patients - 1)}", _moment(ch, before, after)
        if psychosocial and ch.chance(0.5):  # a link worker's prescription some days after a psychosocial request
            request = ch.choice(psychosocial)
            pid, referred = request["patient_id"], request["requested_at"] + timedelta(days=ch.integer(0, 120))
        social.append({"social_prescription_id": f"sp{i}", "patient_id": pid, "service_id": "S1",
                       "referred_at": referred, "taken_up": ch.choice([None, True, False])})
    for i in range(ch.integer(0, 6) if ch.chance(0.5) else ch.integer(2, 6)):
        tasks.append({"task_id": f"t{i}", "patient_id": f"p{ch.integer(0, n_patients - 1)}",
                      "kind": ch.choice(["discharge", "discharge", "recall"]),
                      "created_at": _moment(ch, before, after), "status": "open"})
        if tasks[-1]["kind"] == "discharge" and ch.chance(0.5):  # seen (or not) some days after discharge
            seen = tasks[-1]["created_at"] + timedelta(days=ch.integer(0, 12), hours=1)
            appointments.append({
                "appointment_id": f"a{len(appointments)}", "patient_id": tasks[-1]["patient_id"],
                "clinician_id": ch.choice(clinicians)["clinician_id"], "role": None, "practice_id": "P1",
                "site_id": None, "request_id": None, "requested_at": seen, "booked_for": seen,
                "duration_minutes": 15, "mode": "face_to_face", "status": ch.choice(["attended", "did_not_attend"]),
                "urgency": "routine", "need_type": None,
            })
    rows = {"networks": networks, "practices": practices, "patients": patients, "clinicians": clinicians,
            "conditions": _dedupe(conditions), "requests": requests, "appointments": appointments,
            "care_plans": care_plans, "community_services": services, "referrals": referrals,
            "social_prescriptions": social, "tasks": tasks}
    return {name: _table(name, r) for name, r in rows.items()}


def _dedupe(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for c in conditions:
        key = (c["patient_id"], c["snomed_code"], c["onset_date"])
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = TABLES[name].schema
    cols = {f.name: [r.get(f.name) for r in rows] for f in schema if any(f.name in r for r in rows) or not rows}
    if not rows:
        return schema.empty_table()
    return conform(name, pa.table({k: pa.array(v, schema.field(k).type) for k, v in cols.items()}))


def canonical(rows: dict[str, list[dict[str, Any]]]) -> dict[str, pa.Table]:
    """Hand-written rows as canonical tables; a practice P1 is added when no practices are given."""
    rows = dict(rows)
    if not rows.get("practices"):
        rows["practices"] = [{"practice_id": "P1", "name": "P1", "list_size": 100}]
    return {name: _table(name, r) for name, r in rows.items()}
