"""A small network whose per-unit figures are worked out by hand, for the site comparison tests.

Three practices in two networks and a hub site: P1 (15 patients, team T1) and P2 (10 patients, team T2) in N1, P3
(5 patients, no panel team) in N2, and the hub H1 in N1. Over the four weeks from Monday 2024-03-04 to Sunday
2024-03-31 each patient makes two requests, a day apart in one week, each answered by an attended appointment:

* P1: one the same day at P1, one two days after asking at the hub H1, both with GP g1 (UPC 1);
* P2: one a day and one three days after asking at P2, with GPs g2 and g3 (UPC 0.5), and a missed appointment
  (did not attend, no request time);
* P3: two the same day at P3 with GP g3 (UPC 1).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa

FIRST_DAY = date(2024, 3, 4)
AS_OF = date(2024, 3, 31)
DAYS = 28
PRACTICE_OF = {**{f"p{i:02d}": "P1" for i in range(15)}, **{f"p{i:02d}": "P2" for i in range(15, 25)},
               **{f"p{i:02d}": "P3" for i in range(25, 30)}}


def _appointment(rows: list[dict], patient: str, clinician: str, site: str, asked: date, wait: int | None,
                 status: str = "attended") -> None:
    """An appointment requested on ``asked`` at 08:00 and held ``wait`` days later at 10:00 (no request time when
    ``wait`` is None: held on ``asked``)."""
    booked = datetime.combine(asked, datetime.min.time()) + timedelta(days=wait or 0, hours=10)
    requested = None if wait is None else datetime.combine(asked, datetime.min.time()) + timedelta(hours=8)
    rows.append({"appointment_id": f"a{len(rows):03d}", "patient_id": patient, "clinician_id": clinician,
                 "role": "gp", "practice_id": PRACTICE_OF[patient], "site_id": site, "requested_at": requested,
                 "booked_for": booked, "duration_minutes": 10, "mode": "face_to_face", "status": status})


def site_network(with_sites: bool = True) -> dict[str, pa.Table]:
    """The network's canonical tables (``with_sites=False``: appointments record no site)."""
    appointments: list[dict] = []
    for i, (patient, practice) in enumerate(PRACTICE_OF.items()):
        day = FIRST_DAY + timedelta(days=7 * (i % 4) + i % 3)  # Monday to Wednesday of one of the four weeks
        later = day + timedelta(days=1)
        if practice == "P1":
            _appointment(appointments, patient, "g1", "P1", day, 0)
            _appointment(appointments, patient, "g1", "H1", later, 2)
        elif practice == "P2":
            _appointment(appointments, patient, "g2", "P2", day, 1)
            _appointment(appointments, patient, "g3", "P2", later, 3)
            _appointment(appointments, patient, "g2", "P2", later, None, status="did_not_attend")
        else:
            _appointment(appointments, patient, "g3", "P3", day, 0)
            _appointment(appointments, patient, "g3", "P3", later, 0)
    if not with_sites:
        for row in appointments:
            row["site_id"] = None
    appointment_schema = pa.schema([
        ("appointment_id", pa.string()), ("patient_id", pa.string()), ("clinician_id", pa.string()),
        ("role", pa.string()), ("practice_id", pa.string()), ("site_id", pa.string()),
        ("requested_at", pa.timestamp("us")), ("booked_for", pa.timestamp("us")), ("duration_minutes", pa.int16()),
        ("mode", pa.string()), ("status", pa.string())])
    teams = {"P1": "T1", "P2": "T2"}
    panelled = [p for p in PRACTICE_OF if PRACTICE_OF[p] in teams]
    return {
        "networks": pa.table({"network_id": ["N1", "N2"], "name": ["North", "South"], "kind": ["pcn", "pcn"]}),
        "practices": pa.table({"practice_id": ["P1", "P2", "P3", "H1"], "name": ["One", "Two", "Three", "Hub"],
                               "network_id": ["N1", "N1", "N2", "N1"],
                               "list_size": pa.array([15, 10, 5, 0], pa.int32())}),
        "patients": pa.table({"patient_id": list(PRACTICE_OF), "birth_date": [date(1960, 1, 1)] * len(PRACTICE_OF),
                              "sex": ["female"] * len(PRACTICE_OF), "practice_id": list(PRACTICE_OF.values()),
                              "registered_from": [date(2000, 1, 1)] * len(PRACTICE_OF)}),
        "clinicians": pa.table({"clinician_id": ["g1", "g2", "g3"], "role": ["gp"] * 3, "fte": [1.0] * 3}),
        "teams": pa.table({"team_id": ["T1", "T2"], "name": ["Team one", "Team two"], "kind": ["micro_team"] * 2,
                           "practice_id": ["P1", "P2"]}),
        "panels": pa.table({"patient_id": panelled, "clinician_id": [{"P1": "g1", "P2": "g2"}[PRACTICE_OF[p]]
                                                                     for p in panelled],
                            "team_id": [teams[PRACTICE_OF[p]] for p in panelled],
                            "start_date": [date(2023, 1, 1)] * len(panelled)}),
        "appointments": pa.Table.from_pylist(appointments, schema=appointment_schema),
    }
