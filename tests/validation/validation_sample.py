"""A small canonical dataset whose validation figures are known exactly, built in the test (no twin run)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from carenet.measures import Period
from carenet.schema import write_dataset
from carenet.schema.tables import conform

PERIOD = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
INTERVAL_DAYS: dict[str, tuple[int, int]] = {
    # booking interval: (calendar days from request to appointment, appointments)
    "same_day": (0, 40), "1_day": (1, 10), "2_7_days": (5, 20), "8_14_days": (10, 10), "15_21_days": (20, 8),
    "22_28_days": (25, 7), "over_28_days": (40, 5),
}
APPOINTMENTS = sum(n for _, n in INTERVAL_DAYS.values())  # 100
DNA = 5
MODES = ["face_to_face"] * 70 + ["telephone"] * 20 + ["video"] * 3 + ["online"] * 3 + ["home_visit"] * 4
GP_APPOINTMENTS = 55
UNBOOKED_REQUESTS = 10
"""Requests never booked; with the five booked more than 28 days out they are the unmet demand (15 of 110)."""
YOUNG, OLD = 10, 2
"""Patients aged 29 (band 25-44) and 70 (band 65-74, in Barker's 62-82) on the first day of the period."""


@dataclass(frozen=True)
class Synthetic:
    folder: Path
    young_appointments: int
    old_appointments: int


def _ts(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


OUTCOMES_OF_UNBOOKED = ["abandoned"] * 4 + ["redirected_ae"] * 3 + ["redirected_111"] * 2 + ["waiting"]
"""With ``outcomes``: how the never-booked requests ended (the booked ones are ``booked``)."""


def build(folder: Path, *, same_day: int | None = None, outcomes: bool = False) -> Synthetic:
    """Write the dataset; ``same_day`` replaces the count of same-day appointments (the others keep theirs);
    ``outcomes`` records how each request ended (``requests.outcome``)."""
    intervals = dict(INTERVAL_DAYS)
    if same_day is not None:
        intervals["same_day"] = (0, same_day)
    practices = pa.table({"practice_id": ["P1", "P2"], "name": ["Small", "Large"], "list_size": [5000, 10000]})
    ids = [f"Y{i}" for i in range(YOUNG)] + ["OLD_A", "OLD_B"]
    births = [dt.date(1995, 6, 1)] * YOUNG + [dt.date(1954, 6, 1)] * OLD
    homes = ["P1"] * YOUNG + ["P1", "P2"]
    patients = pa.table({"patient_id": ids, "birth_date": births, "sex": ["female"] * len(ids),
                         "practice_id": homes, "registered_from": [dt.date(2020, 1, 1)] * len(ids)})
    clinicians = pa.table({"clinician_id": ["G1", "G2", "G3", "N1"], "role": ["gp", "gp", "gp", "practice_nurse"],
                           "practice_id": ["P1", "P1", "P2", "P1"], "fte": [1.0, 1.0, 1.0, 1.0]})
    waits = [days for days, n in intervals.values() for _ in range(n)]
    total = len(waits)
    # Continuity: OLD_A sees G1, G1, G2 (UPC 2/3, COC 1/3) at the small practice; OLD_B sees G3 twice (UPC 1, COC 1)
    # at the large one. Every other appointment is a young patient's: GP (G1) for the first GP_APPOINTMENTS, else N1.
    who = ["OLD_A"] * 3 + ["OLD_B"] * 2 + [ids[i % YOUNG] for i in range(total - 5)]
    clinician = ["G1", "G1", "G2", "G3", "G3"] + ["G1" if i < GP_APPOINTMENTS - 5 else "N1" for i in range(total - 5)]
    status = ["attended"] * 5 + ["did_not_attend" if i < DNA else "attended" for i in range(total - 5)]
    asked = [dt.date(2025, 1, 6) + dt.timedelta(days=i % 20) for i in range(total)]
    modes = [MODES[i % len(MODES)] for i in range(total)]
    appointments = pa.table({
        "appointment_id": [f"A{i}" for i in range(total)], "patient_id": who, "clinician_id": clinician,
        "practice_id": [homes[ids.index(p)] for p in who], "request_id": [f"R{i}" for i in range(total)],
        "requested_at": [_ts(d) for d in asked], "booked_for": [_ts(d + dt.timedelta(days=w), 14)
                                                               for d, w in zip(asked, waits, strict=True)],
        "mode": modes, "status": status,
    })
    extra = [f"U{i}" for i in range(UNBOOKED_REQUESTS)]
    requests = pa.table({
        "request_id": [f"R{i}" for i in range(total)] + extra,
        "patient_id": who + [ids[0]] * UNBOOKED_REQUESTS,
        "practice_id": [homes[ids.index(p)] for p in who] + ["P1"] * UNBOOKED_REQUESTS,
        "requested_at": [_ts(d) for d in asked] + [_ts(dt.date(2025, 1, 20))] * UNBOOKED_REQUESTS,
        "need_type": ["acute_minor"] * (total + UNBOOKED_REQUESTS),
        "urgency": ["routine"] * (total + UNBOOKED_REQUESTS),
        "channel": ["telephone"] * (total + UNBOOKED_REQUESTS),
    })
    if outcomes:
        requests = requests.append_column("outcome", pa.array(["booked"] * total + OUTCOMES_OF_UNBOOKED))
    tables = {"practices": practices, "patients": patients, "clinicians": clinicians, "requests": requests,
              "appointments": appointments}
    write_dataset(folder, {name: conform(name, t) for name, t in tables.items()}, source="test:validation")
    old = sum(1 for p in who if p.startswith("OLD"))
    return Synthetic(Path(folder), total - old, old)


__all__ = ["APPOINTMENTS", "DNA", "GP_APPOINTMENTS", "INTERVAL_DAYS", "OLD", "OUTCOMES_OF_UNBOOKED", "PERIOD",
           "UNBOOKED_REQUESTS", "YOUNG", "Synthetic", "build"]
