"""A run as a canonical dataset: the population's tables, the model's staff and teams, and a year of activity.

:func:`run_tables` builds every canonical table from a :class:`~carenet.twin.run.TwinRun`;
:func:`write_run` validates and writes them with :func:`carenet.schema.write_dataset` (all or
nothing) and adds ``run.json``: the model, seed, dates, booking mode, carenet version, every
effect with its source and whether it was changed, the twin's parameters, and a summary. The
measures then score the folder exactly as they score imported data.

Times: requests arrive at ``opening_time`` + their minute of the day; an appointment starts at
``opening_time`` + its position in the clinician's day × slot length.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet import __version__
from carenet.care import Directory, care_plans_table
from carenet.network.calendar import WorkingCalendar
from carenet.network.diaries import diaries_table
from carenet.network.requests import ORIGIN, ORIGINS
from carenet.params import parameter
from carenet.schema import SCHEMA_VERSION, write_dataset
from carenet.schema.codes import CHANNELS, MODES, NEED_TYPES, REQUEST_OUTCOMES, URGENCIES
from carenet.schema.folders import locked, write_atomic
from carenet.schema.roles import ROLE_CODES
from carenet.schema.tables import TABLES
from carenet.twin.ledger import ATTENDED, DID_NOT_ATTEND, UNBOOKED
from carenet.twin.run import TwinRun

RUN_FILE = "run.json"
POPULATION_TABLES = ("networks", "practices", "patients", "registrations", "conditions")
"""Population tables a run carries over unchanged; staff, teams and panels are the model's."""
RUN_NUMBERED = ("requests", "appointments", "care_plans", "referrals", "social_prescriptions", "tasks")
"""Tables whose identifiers a run numbers from 1 (``R1``, ``A1``, ``T1`` ...): unique within a run, not across runs.
Every other identifier a run writes (patients, practices, staff, teams, services) carries its practice's or network's
code already."""
_MINUTE = np.timedelta64(1, "m")


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(pa.scalar(prefix), pc.cast(pa.array(np.asarray(numbers, np.int64)),
                                                                   pa.string()), "")


def _strings(values: tuple[str, ...] | list[str], index: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(np.asarray(index, np.int64)))


def _nullable_ids(ids: pa.Array, index: np.ndarray) -> pa.Array:
    index = np.asarray(index, np.int64)
    if len(ids) == 0:
        return pa.nulls(index.size, pa.string())
    taken = ids.take(pa.array(np.maximum(index, 0)))
    return pc.if_else(pa.array(index >= 0), taken, pa.scalar(None, pa.string()))


class _Clock:
    """Working day + minute of the day → timestamp."""

    def __init__(self, calendar: WorkingCalendar, opening: dt.time):
        self.dates = calendar.dates
        self.opening = np.timedelta64(opening.hour * 60 + opening.minute, "m")

    def at(self, day: np.ndarray, minute: np.ndarray) -> pa.Array:
        day = np.asarray(day, np.int64)
        base = self.dates[np.minimum(day, self.dates.size - 1)].astype("datetime64[m]")
        extra = np.maximum(day - (self.dates.size - 1), 0) * np.timedelta64(1, "D")
        stamp = base + extra + self.opening + np.asarray(minute, np.int64) * _MINUTE
        return pa.array(stamp.astype("datetime64[s]"), pa.timestamp("s"))

    def date(self, day: np.ndarray) -> pa.Array:
        day = np.asarray(day, np.int64)
        return pa.array(self.dates[np.minimum(day, self.dates.size - 1)], pa.date32())


def run_tables(run: TwinRun) -> dict[str, pa.Table]:
    """Every canonical table of the run (see the module docstring)."""
    setup, state, record = run.setup, run.state, run.record
    frame, staff = setup.frame, setup.staff
    clock = _Clock(setup.calendar.extended(setup.diary_days), setup.twin.calendar.opening_time)
    tables = {name: setup.tables[name] for name in POPULATION_TABLES if name in setup.tables}
    clinician_ids = pa.array(staff.clinician_id, pa.string())
    team_ids = pa.array(staff.teams.team_id, pa.string())
    practice_ids = pa.array(frame.practice_ids, pa.string())
    network_ids = pa.array(setup.network_ids, pa.string())
    tables.update(staff.tables())
    tables["diaries"] = diaries_table(setup.lanes, staff.clinician_id, frame.practice_ids, clock.dates)
    tables["panels"] = _panels(setup, clinician_ids, team_ids, clock)
    req = record.requests
    patient_ids = frame.patient_id
    request_ids = _ids("R", req.request)
    requested_at = clock.at(req.requested_day, req.minute)
    tables["requests"] = pa.table({
        "request_id": request_ids,
        "patient_id": patient_ids.take(pa.array(req.patient.astype(np.int64))),
        "practice_id": practice_ids.take(pa.array(frame.practice[req.patient].astype(np.int64))),
        "requested_at": requested_at,
        "need_type": _strings(NEED_TYPES, req.need),
        "urgency": _strings(URGENCIES, req.urgency),
        "channel": _strings(CHANNELS, req.channel),
        "episode_id": _ids("R", req.episode),
        **_request_outcomes(run, clock),
    })
    tables["appointments"] = _appointments(run, clock, request_ids, requested_at, clinician_ids, practice_ids)
    tables["care_plans"] = care_plans_table(setup.care_plans, patient_ids, clinician_ids, clock.dates, "CP")
    services, service_ids = _community_services(setup, network_ids)
    tables["community_services"] = services
    tables["referrals"] = _referrals(run, patient_ids, clinician_ids, clock)
    tables["social_prescriptions"] = _prescriptions(state, patient_ids, clinician_ids, services, service_ids, clock)
    tables["tasks"] = _tasks(run, clock, patient_ids, clinician_ids)
    return tables


def _request_outcomes(run: TwinRun, clock: _Clock) -> dict[str, pa.Array]:
    """How each request ended: booked (when the booking was made), given up or sent elsewhere, or still waiting."""
    record, endings = run.record, run.state.endings
    code = np.where(record.bookings.booked, REQUEST_OUTCOMES.index("booked"), REQUEST_OUTCOMES.index("waiting"))
    day = np.where(record.bookings.booked, record.request_day, -1).astype(np.int64)
    ended = endings.get("request", np.int64)
    if ended.size:
        order = np.argsort(record.requests.request)
        at = order[np.searchsorted(record.requests.request, ended, sorter=order)]
        still = ~record.bookings.booked[at]
        code[at[still]] = endings.get("code", np.int8)[still]
        day[at[still]] = endings.get("day", np.int64)[still]
    known = day >= 0
    moment = clock.at(np.maximum(day, 0), record.requests.minute)
    return {"outcome": _strings(REQUEST_OUTCOMES, code),
            "outcome_at": pc.if_else(pa.array(known), moment, pa.nulls(len(day), moment.type))}


def _panels(setup, clinician_ids, team_ids, clock) -> pa.Table:
    named, team = setup.panels.named, setup.panels.team
    rows = np.flatnonzero((named >= 0) | (team >= 0))
    return pa.table({
        "patient_id": setup.frame.patient_id.take(pa.array(rows)),
        "clinician_id": _nullable_ids(clinician_ids, named[rows]),
        "team_id": _nullable_ids(team_ids, team[rows]),
        "start_date": pa.array(np.full(rows.size, clock.dates[0]), pa.date32()),
    })


MODE_STREAM = 2
"""Child of the run's seed that appointment modes draw from (0 is the set-up's, 1 the run's)."""


def appointment_modes(run: TwinRun, rows: np.ndarray) -> np.ndarray:
    """Each appointment's mode (index into MODES), drawn from the model's first-contact shares.

    Drawn from a stream of the run's seed kept apart from the simulation's, so the mode does not
    change who is seen when: the seed's third child (``run_model`` spawns the set-up as the first and
    the run as the second).
    """
    shares = run.setup.model.entry.first_contact_modes
    modes = np.asarray([MODES.index(m) for m in shares])
    p = np.asarray(list(shares.values()), dtype=np.float64)
    rng = np.random.default_rng(np.random.SeedSequence(run.seed, spawn_key=(MODE_STREAM,)))
    return modes[rng.choice(p.size, size=rows.size, p=p / p.sum())]


def _appointments(run, clock, request_ids, requested_at, clinician_ids, practice_ids) -> pa.Table:
    setup, record = run.setup, run.record
    rows = np.flatnonzero(record.outcome != UNBOOKED)
    req, book = record.requests.take(rows), record.bookings.take(rows)
    outcome = record.outcome[rows]
    future = book.day >= run.days
    status = np.where(future, 0, np.where(outcome == DID_NOT_ATTEND, 1, 2))
    lane = book.lane.astype(np.int64)
    site = setup.lanes.site[lane]
    return pa.table({
        "appointment_id": _ids("A", req.request),
        "patient_id": setup.frame.patient_id.take(pa.array(req.patient.astype(np.int64))),
        "clinician_id": clinician_ids.take(pa.array(book.clinician.astype(np.int64))),
        "role": _strings(ROLE_CODES, setup.lanes.role[lane]),
        "practice_id": practice_ids.take(pa.array(setup.frame.practice[req.patient].astype(np.int64))),
        "site_id": _nullable_ids(practice_ids, site),
        "request_id": request_ids.take(pa.array(rows)),
        "requested_at": requested_at.take(pa.array(rows)),
        "booked_for": clock.at(book.day, book.start_minute),
        "duration_minutes": pa.array(book.minutes, pa.int16()),
        "mode": _strings(MODES, appointment_modes(run, rows)),
        "status": _strings(("booked", "did_not_attend", "attended"), status),
        "urgency": _strings(URGENCIES, req.urgency),
        "need_type": _strings(NEED_TYPES, req.need),
    })


def _community_services(setup, network_ids) -> tuple[pa.Table, dict[tuple[int, int], int]]:
    community = setup.model.community
    ids, names, categories, networks, capacity, index = [], [], [], [], [], {}
    if community.social_prescribing:
        for n, network_id in enumerate(setup.network_ids):
            directory = Directory.from_entries(community.directory, int(setup.network_patients[n]))
            for k, category in enumerate(directory.categories):
                index[(n, k)] = len(ids)
                ids.append(f"{network_id}-{category}")
                names.append(category.replace("_", " ").capitalize())
                categories.append(category)
                networks.append(network_id)
                capacity.append(int(directory.places[k]))
    table = pa.table({"service_id": pa.array(ids, pa.string()), "name": pa.array(names, pa.string()),
                      "category": pa.array(categories, pa.string()), "network_id": pa.array(networks, pa.string()),
                      "weekly_capacity": pa.array(capacity, pa.int32())})
    return table, index


REFERRAL_STREAM = 3
"""Child of the run's seed that outpatient referrals draw from (0 is the set-up's, 1 the run's, 2 the modes')."""


def outpatient_referrals(run: TwinRun) -> np.ndarray:
    """Rows of the run's record (attended consultations) that end in a referral to a hospital outpatient clinic.

    Each attended consultation in the measured period does with ``twin.outpatient.referral_probability_per_contact``
    times ``continuity_outpatient_referral_odds_ratio`` to the power of the patient's GP UPC over the run less
    ``reference_upc`` (odds and chance are close at about one in twenty): the national rate for a patient at the
    national continuity, fewer for one who always sees their usual GP. Drawn after the run from a stream of its
    own, so referrals change nothing of who is seen when; they do not come back as contacts.
    """
    record, setup, fx = run.record, run.setup, run.setup.effects
    rows = np.flatnonzero((record.outcome == ATTENDED) & (record.bookings.day < run.days))
    patient = record.requests.patient[rows].astype(np.int64)
    upc = run.state.gp_continuity(fx.reference_upc, patient)
    chance = setup.twin.outpatient.referral_probability_per_contact * np.power(
        fx.continuity_outpatient_referral_odds_ratio, upc - fx.reference_upc)
    rng = np.random.default_rng(np.random.SeedSequence(run.seed, spawn_key=(REFERRAL_STREAM,)))
    return rows[rng.random(rows.size) < np.minimum(chance, 1.0)]


def _referrals(run: TwinRun, patient_ids, clinician_ids, clock) -> pa.Table:
    """Referrals between professionals (formal, or informal advice within a team) and, with no receiver in the
    network, referrals to hospital outpatient clinics (:func:`outpatient_referrals`)."""
    rows = run.state.referrals
    out = outpatient_referrals(run)
    req, book = run.record.requests.take(out), run.record.bookings.take(out)
    patient = np.concatenate([rows.get("patient", np.int64), req.patient.astype(np.int64)])
    informal = np.concatenate([rows.get("informal", bool), np.zeros(out.size, bool)])
    outpatient = np.arange(patient.size) >= len(rows.get("informal", bool))
    return pa.table({
        "referral_id": _ids("F", np.arange(patient.size)),
        "patient_id": patient_ids.take(pa.array(patient)),
        "from_clinician_id": _nullable_ids(clinician_ids, np.concatenate([rows.get("from_clinician", np.int64),
                                                                          book.clinician.astype(np.int64)])),
        "to_clinician_id": _nullable_ids(clinician_ids, np.concatenate([rows.get("to_clinician", np.int64),
                                                                        np.full(out.size, -1, np.int64)])),
        "to_service_id": pa.nulls(patient.size, pa.string()),
        "kind": pa.array(np.where(informal, "informal", np.where(outpatient, "outpatient", "formal")), pa.string()),
        "need_type": _strings(NEED_TYPES, np.concatenate([rows.get("need", np.int64), req.need.astype(np.int64)])),
        "created_at": clock.at(np.concatenate([rows.get("day", np.int64), book.day.astype(np.int64)]),
                               np.concatenate([rows.get("minute", np.int64), book.start_minute.astype(np.int64)])),
    })


def _prescriptions(state, patient_ids, clinician_ids, services: pa.Table, service_index, clock) -> pa.Table:
    rows = state.prescriptions
    patient = rows.get("patient", np.int64)
    network = rows.get("network", np.int64)
    service = rows.get("service", np.int64)
    placed = rows.get("placed", bool)
    global_index = np.asarray([service_index.get((int(n), int(k)), -1) for n, k in zip(network, service, strict=True)],
                              np.int64)
    return pa.table({
        "social_prescription_id": _ids("S", np.arange(patient.size)),
        "patient_id": patient_ids.take(pa.array(patient)),
        "link_worker_id": _nullable_ids(clinician_ids, rows.get("link_worker", np.int64)),
        "service_id": _nullable_ids(services.column("service_id").combine_chunks(), global_index),
        "referred_at": clock.at(rows.get("day", np.int64), np.zeros(patient.size, np.int64)),
        "taken_up": pa.array(rows.get("taken_up", bool), mask=~placed),
    })


def _tasks(run, clock, patient_ids, clinician_ids) -> pa.Table:
    setup, state, record = run.setup, run.state, run.record
    req, book = record.requests, record.bookings
    # Recalls: the practice invites each planned proactive contact; done when it is booked.
    recall = np.flatnonzero(req.origin == ORIGIN["proactive"])
    booked = record.outcome[recall] != UNBOOKED
    recall_due = req.requested_day[recall] + np.maximum(req.window[recall], 0)
    recall_to = np.where(booked, book.clinician[recall], setup.panels.named[req.patient[recall]])
    # Discharges: a summary to act on; done at the patient's next attended appointment.
    dis = state.discharges
    d_patient = dis.get("patient", np.int64)
    d_day = dis.get("day", np.int64)
    d_to = np.where(dis.get("key_worker", np.int64) >= 0, dis.get("key_worker", np.int64), dis.get("named", np.int64))
    seen = np.flatnonzero((record.outcome == ATTENDED) & (book.day < run.days))
    key = req.patient[seen].astype(np.int64) * (setup.diary_days + 1) + book.day[seen]
    order = np.sort(key)
    probe = d_patient * (setup.diary_days + 1) + d_day
    pos = np.searchsorted(order, probe, side="left")
    hit = (pos < order.size) & (order[np.minimum(pos, order.size - 1)] // (setup.diary_days + 1) == d_patient)
    done_day = np.where(hit, order[np.minimum(pos, order.size - 1)] % (setup.diary_days + 1), -1)
    follow_days = setup.twin.admissions.discharge_follow_up_days
    n_recall, n_dis = recall.size, d_patient.size
    kind = np.concatenate([np.full(n_recall, "recall", object), np.full(n_dis, "discharge", object)])
    created_day = np.concatenate([req.requested_day[recall], d_day])
    done = np.concatenate([booked, hit])
    done_at_day = np.concatenate([record.request_day[recall], done_day])
    return pa.table({
        "task_id": _ids("T", np.arange(n_recall + n_dis)),
        "patient_id": patient_ids.take(pa.array(np.concatenate([req.patient[recall].astype(np.int64), d_patient]))),
        "assigned_to": _nullable_ids(clinician_ids, np.concatenate([recall_to, d_to])),
        "kind": pa.array(kind, pa.string()),
        "created_at": clock.at(created_day, np.zeros(created_day.size, np.int64)),
        "due_date": clock.date(np.concatenate([recall_due, d_day + follow_days])),
        "completed_at": pc.if_else(pa.array(done), clock.at(np.maximum(done_at_day, 0), np.zeros(done.size, np.int64)),
                                   pa.scalar(None, pa.timestamp("s"))),
        "status": pa.array(np.where(done, "done", "open"), pa.string()),
    })


def run_summary(run: TwinRun) -> dict[str, Any]:
    """Headline counts of the run, for ``run.json`` and the command line."""
    record, setup = run.record, run.setup
    inside = slice(0, run.days)
    cap = setup.lanes.capacity[:, inside]
    used = cap - setup.lanes.free[:, inside]
    by_role = {}
    for r in np.unique(setup.lanes.role):
        rows = setup.lanes.role == r
        offered = int(cap[rows].sum())
        by_role[ROLE_CODES[r]] = round(float(used[rows].sum()) / offered, 4) if offered else 0.0
    outcome = np.bincount(record.outcome, minlength=3)
    return {
        "patients": len(setup.frame),
        "clinicians": len(setup.staff),
        "requests": len(record),
        "requests_by_origin": {o: int(c) for o, c in zip(ORIGINS, np.bincount(record.requests.origin,
                                                                            minlength=len(ORIGINS)), strict=True)},
        "attended": int(outcome[ATTENDED]),
        "did_not_attend": int(outcome[DID_NOT_ATTEND]),
        "unbooked": int(outcome[UNBOOKED]),
        "admissions": len(run.state.admissions),
        "outpatient_referrals": int(outpatient_referrals(run).size),
        "care_plans": int(setup.care_plans.num_rows),
        "social_prescriptions": len(run.state.prescriptions),
        "utilisation_by_role": by_role,
        "extra_slots_for_long_bookings": run.state.extra_slots,
        "overrun_slots": run.state.overrun_slots,
        "triage_minutes_per_day": {k: round(v, 1) for k, v in run.state.triage_minutes.items()},
        "waited_for_triage": run.state.waited_for_triage,
        "backlog_extra_slots_by_role": {r: int(c) for r, c in zip(ROLE_CODES, run.state.surge_slots, strict=False)
                                        if c},
    }


def run_manifest(run: TwinRun) -> dict[str, Any]:
    """The contents of ``run.json`` (deterministic: no wall-clock times)."""
    setup = run.setup
    return {
        "carenet_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "model": {"name": setup.model.name, "title": setup.model.title,
                  "spec": json.loads(setup.model.model_dump_json())},
        "seed": run.seed,
        "start": setup.calendar.start.isoformat(),
        "days": run.days,
        "last_day": setup.calendar.date(run.days - 1).isoformat(),
        "booking_mode": setup.booking_mode,
        "effects": setup.effects.describe(),
        "parameters": {"twin": parameter("twin"), "demand.dna.by_lead_time": parameter("demand.dna.by_lead_time"),
                       "demand.demand_multipliers": parameter("demand.demand_multipliers")},
        "summary": run_summary(run),
    }


def run_numbered_columns() -> dict[str, tuple[str, ...]]:
    """Each table's columns that hold a run-numbered identifier (:data:`RUN_NUMBERED`): those tables' keys and every
    column referring to them, from the canonical schema's keys and references."""
    keys = {(name, column) for name in RUN_NUMBERED for column in TABLES[name].primary_key}
    out: dict[str, tuple[str, ...]] = {}
    for name, spec in TABLES.items():
        columns = [c for c in spec.primary_key if (name, c) in keys]
        columns += [c for c, target in spec.references.items() if target in keys and c not in columns]
        if columns:
            out[name] = tuple(columns)
    return out


def with_id_prefix(tables: dict[str, pa.Table], prefix: str) -> dict[str, pa.Table]:
    """``tables`` with every run-numbered identifier (:func:`run_numbered_columns`) prefixed by ``prefix``, so the
    runs of several networks can sit in one dataset (a national run: ``U12345-R17``)."""
    if not prefix:
        return tables
    out = dict(tables)
    for name, columns in run_numbered_columns().items():
        if name not in out:
            continue
        table = out[name]
        for column in columns:
            i = table.schema.get_field_index(column)
            joined = pc.binary_join_element_wise(pa.scalar(prefix), table.column(i), "")
            table = table.set_column(i, table.schema.field(i), joined)
        out[name] = table
    return out


def write_run(run: TwinRun, path: str | os.PathLike[str], *, id_prefix: str = "") -> Path:
    """Validate and write the run as a canonical dataset with ``run.json`` beside its tables; ``id_prefix`` goes
    before every run-numbered identifier (:func:`with_id_prefix`)."""
    target = Path(path)
    tables = with_id_prefix(run_tables(run), id_prefix)
    text = json.dumps(run_manifest(run), indent=2, sort_keys=True, default=str) + "\n"
    with locked(target, what="run dataset"):  # the tables and run.json by one writer
        write_dataset(target, tables, source=f"twin:{run.setup.model.name}", seed=run.seed, merge=False,
                      extra={"run": RUN_FILE})
        write_atomic(target / RUN_FILE, text.encode())
    return target


__all__ = ["POPULATION_TABLES", "REFERRAL_STREAM", "RUN_FILE", "RUN_NUMBERED", "appointment_modes",
           "outpatient_referrals", "run_manifest", "run_numbered_columns", "run_summary", "run_tables",
           "with_id_prefix", "write_run"]
