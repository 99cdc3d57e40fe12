"""The generator's entry point: canonical tables for any set of practices.

Generation is practice by practice, each practice with its own seeded stream, so the result does
not depend on how practices are batched: :func:`synthesise` builds everything in memory, and
:mod:`carenet.population.stream` writes the same rows batch by batch for national runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.population.demography import AgeModel, age_model, practice_z
from carenet.population.frailty import FrailtyModel, frailty_model, own_code
from carenet.population.housing import draw_homeless
from carenet.population.morbidity import ConditionModel, condition_model
from carenet.population.nhs_numbers import nhs_numbers, scheme
from carenet.population.people import People, make_people
from carenet.population.practices import networks_for, scale_list_sizes
from carenet.population.settings import Settings, settings
from carenet.population.workforce import Staff, named_gp, network_staff, practice_staff
from carenet.schema.codelists import REGISTERS_BY_CODE, deficits_for_code
from carenet.schema.errors import CarenetError
from carenet.schema.tables import TABLES, conform

SMALL_TABLES = ("networks", "practices", "clinicians", "teams", "team_members")
PATIENT_TABLES = ("patients", "registrations", "panels", "conditions")
_PEOPLE, _NETWORK, _STAFF, _HOUSING = 0, 1, 2, 3
"""Independent random streams: a practice's patients, a network's staff, a practice's staff, a practice's housing
(who is homeless; a stream of its own so that the other columns are those of populations drawn before it)."""
_ID_DIGITS = 6


@dataclass(frozen=True)
class Models:
    """The calibrated pieces the generator draws from."""

    settings: Settings
    ages: AgeModel
    conditions: ConditionModel
    frailty: FrailtyModel


@cache
def models() -> Models:
    """Calibrate once per process (about a second); everything depends only on parameters.yaml."""
    return Models(settings(), age_model(), condition_model(), frailty_model())


def _rng(seed: int, stream: int, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, index)))


@dataclass(frozen=True)
class CodeTable:
    """What a condition row's code index means: SNOMED code, register and eFI deficit."""

    snomed: pa.Array
    register: pa.Array
    efi_deficit: pa.Array


def code_table(m: Models) -> CodeTable:
    snomed, register, deficit = [], [], []
    for code in m.conditions.codes:
        primary = REGISTERS_BY_CODE[code].snomed[0]
        snomed.append(primary)
        register.append(code)
        deficit.append((deficits_for_code(primary) or (None,))[0])
    for d in m.frailty.deficit_ids:
        snomed.append(own_code(int(d), m.settings))
        register.append(None)
        deficit.append(int(d))
    return CodeTable(pa.array(snomed, pa.string()), pa.array(register, pa.string()), pa.array(deficit, pa.int8()))


@dataclass
class Plan:
    """Practices ready to generate: sizes, deprivation, offsets and staff settled up front."""

    practices: pa.Table
    networks: pa.Table
    seed: int
    reference_date: dt.date
    z: np.ndarray
    offsets: np.ndarray
    total: int
    staff: Staff
    gp_ids: list[list[str]]
    gp_sessions: list[np.ndarray]
    team_ids: list[str]
    nhs_number_limit: int
    """Datasets of up to this many patients get NHS numbers from the test range (:mod:`.nhs_numbers`)."""
    streams: np.ndarray | None = None
    """Each practice's random-stream index (default: its position); a national file's positions make any subset
    of its practices draw the same patients."""
    numbered: int | None = None
    """Patients the NHS numbers are spread over (default: ``total``); with ``offsets`` from the whole file, a
    subset's patients keep their numbers."""
    age_sex: np.ndarray | None = None
    """Patients by practice, sex (female, male) and age band, shape (practices, 2, bands): fixed, not drawn."""
    age_lower: np.ndarray | None = None
    """Lower age of each band of ``age_sex``."""

    def stream(self, i: int) -> int:
        return i if self.streams is None else int(self.streams[i])

    @property
    def sizes(self) -> np.ndarray:
        return self.practices["list_size"].to_numpy().astype(np.int64)


@dataclass(frozen=True)
class Placement:
    """Where a set of practices sits in a larger file (a national run): each practice's and each network's
    random-stream index, the first patient's position of each practice, and the file's patients."""

    streams: np.ndarray
    network_streams: np.ndarray
    offsets: np.ndarray
    numbered: int


def plan(practices: pa.Table, networks: pa.Table | None = None, *, seed: int, patients: int | None = None,
         reference_date: dt.date | None = None, placement: Placement | None = None,
         age_sex: tuple[np.ndarray, np.ndarray] | None = None) -> Plan:
    """Check and scale the practices, place them on the deprivation scale and draw their staff.

    ``placement`` gives the practices' places in a national file (their streams and NHS-number positions);
    ``age_sex`` (counts by practice, sex and band; the bands' lower ages) fixes each practice's age-sex structure.
    """
    m = models()
    practices = conform("practices", practices)
    if practices.num_rows == 0:
        raise CarenetError("no practices to generate a population for")
    ids = practices["practice_id"]
    if pc.count_distinct(ids).as_py() != practices.num_rows:
        raise CarenetError("practice_id values repeat in the practices table")
    if patients is not None:
        practices = scale_list_sizes(practices, patients)
    networks = networks_for(practices, networks)
    known = set(networks["network_id"].to_pylist())
    unknown = sorted(set(practices["network_id"].drop_null().to_pylist()) - known)
    if unknown:
        raise CarenetError(f"practices name networks that the networks table lacks: {', '.join(unknown[:10])}")
    sizes = practices["list_size"].to_numpy().astype(np.int64)
    total = int(sizes.sum())
    scheme(total if placement is None else placement.numbered, m.settings.nhs_number_limit)
    if placement is not None and patients is not None:
        raise CarenetError("a national file's practices keep their list sizes; --patients cannot rescale them")
    streams = None if placement is None else placement.streams
    z = practice_z(practices["imd_score"].to_numpy(zero_copy_only=False))
    staff = Staff()
    gp_ids, gp_sessions, team_ids = [], [], []
    for i, (pid, size) in enumerate(zip(ids.to_pylist(), sizes, strict=True)):
        own = practice_staff(pid, int(size), float(z[i]), _rng(seed, _STAFF, i if streams is None else
                                                                int(streams[i])), m.settings)
        gps = [k for k, role in enumerate(own.role) if role == "gp"]
        gp_ids.append([own.clinician_id[k] for k in gps])
        gp_sessions.append(np.array([own.sessions_per_week[k] for k in gps]))
        team_ids.append(f"{pid}-team")
        staff.extend(own)
    network_of = practices["network_id"].to_pylist()
    for j, nid in enumerate(networks["network_id"].to_pylist()):
        size = int(sum(s for s, n in zip(sizes, network_of, strict=True) if n == nid))
        stream = j if placement is None else int(placement.network_streams[j])
        staff.extend(network_staff(nid, size, _rng(seed, _NETWORK, stream), m.settings))
    if placement is None:
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    else:
        offsets = np.asarray(placement.offsets, dtype=np.int64)
    return Plan(practices, networks, seed, reference_date or m.settings.reference_date, z, offsets, total, staff,
                gp_ids, gp_sessions, team_ids, m.settings.nhs_number_limit, streams,
                None if placement is None else placement.numbered,
                None if age_sex is None else age_sex[0], None if age_sex is None else np.asarray(age_sex[1]))


def small_tables(p: Plan) -> dict[str, pa.Table]:
    """Networks, practices, clinicians, teams and team members (small even for England)."""
    st = p.staff
    clinicians = pa.table({
        "clinician_id": st.clinician_id, "name": st.name, "role": st.role, "practice_id": st.practice_id,
        "network_id": st.network_id, "fte": pa.array(st.fte, pa.float64()), "working_days": st.working_days,
        "sessions_per_week": pa.array(st.sessions_per_week, pa.float64()),
    })
    names = p.practices["name"].to_pylist()
    teams = pa.table({
        "team_id": p.team_ids, "name": [f"{n} practice team" for n in names],
        "kind": ["practice"] * len(names), "practice_id": p.practices["practice_id"],
        "network_id": p.practices["network_id"],
    })
    team_of = dict(zip(p.practices["practice_id"].to_pylist(), p.team_ids, strict=True))
    members = [(team_of[pid], cid) for cid, pid in zip(st.clinician_id, st.practice_id, strict=True) if pid]
    team_members = pa.table({"team_id": [t for t, _ in members], "clinician_id": [c for _, c in members]})
    return {
        "networks": p.networks, "practices": p.practices, "clinicians": conform("clinicians", clinicians),
        "teams": conform("teams", teams), "team_members": conform("team_members", team_members),
    }


def practice_batches(p: Plan, batch_patients: int) -> Iterator[range]:
    """Runs of consecutive practices holding about ``batch_patients`` patients each (at least one practice)."""
    start, count = 0, 0
    for i, size in enumerate(p.sizes):
        if count and count + size > batch_patients:
            yield range(start, i)
            start, count = i, 0
        count += int(size)
    if start < len(p.sizes):
        yield range(start, len(p.sizes))


def patient_tables(p: Plan, practices: range) -> dict[str, pa.Table]:
    """Patients, registrations, panels and conditions of a run of practices."""
    m = models()
    codes = code_table(m)
    blocks: list[People] = []
    named: list[np.ndarray] = []
    for i in practices:
        rng = _rng(p.seed, _PEOPLE, p.stream(i))
        bands = None if p.age_sex is None or p.age_lower is None else (p.age_sex[i], p.age_lower)
        people = make_people(int(p.sizes[i]), float(p.z[i]), rng, m.settings, m.ages, m.conditions, m.frailty,
                             p.reference_date, bands)
        housing = draw_homeless(people.household, people.decile, _rng(p.seed, _HOUSING, p.stream(i)), m.settings)
        blocks.append(dataclasses.replace(people, homeless=housing))
        gp = named_gp(people.household, p.gp_sessions[i], rng)
        named.append(gp)
    return _assemble(p, practices, blocks, named, codes)


def _assemble(p: Plan, practices: range, blocks: list[People], named: list[np.ndarray],
              codes: CodeTable) -> dict[str, pa.Table]:
    sizes = np.array([len(b.age) for b in blocks], dtype=np.int64)
    which = np.repeat(np.arange(len(blocks)), sizes)
    local = np.concatenate([np.arange(n) for n in sizes]) if len(sizes) else np.zeros(0, np.int64)
    ids = p.practices["practice_id"].slice(practices.start, len(practices)).combine_chunks()
    practice_id = ids.take(pa.array(which))
    patient_id = pc.binary_join_element_wise(practice_id, _padded(local), "-")
    household_local = np.concatenate([b.household for b in blocks])
    household_id = pc.binary_join_element_wise(practice_id, pa.scalar("-H"), _padded(household_local), "")
    global_index = p.offsets[np.asarray(practices.start) + which] + local
    birth = np.concatenate([b.birth_day for b in blocks])
    registered = _dates(np.concatenate([b.registered_day for b in blocks]))
    female = np.concatenate([b.female for b in blocks])
    patients = pa.table({
        "patient_id": patient_id,
        "nhs_number": nhs_numbers(global_index, p.total if p.numbered is None else p.numbered, p.seed,
                                  p.nhs_number_limit),
        "birth_date": _dates(birth),
        "sex": pa.array(np.where(female, "female", "male")),
        "deprivation_decile": pa.array(np.concatenate([b.decile for b in blocks]), pa.int8()),
        "household_id": household_id,
        "practice_id": practice_id,
        "registered_from": registered,
        "homeless": pa.array(np.concatenate([b.homeless for b in blocks]), pa.bool_()),
    })
    registrations = pa.table({"patient_id": patient_id, "practice_id": practice_id, "start_date": registered})
    gp_ids = [pa.array(p.gp_ids[i], pa.string()) for i in practices]
    clinician = pa.concat_arrays([gp_ids[k].take(pa.array(g)) for k, g in enumerate(named)]) if named else None
    team_ids = pa.array([p.team_ids[i] for i in practices], pa.string()).take(pa.array(which))
    panels = pa.table({"patient_id": patient_id, "clinician_id": clinician, "team_id": team_ids,
                       "start_date": registered})
    person_offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    person = np.concatenate([person_offsets[k] + b.condition_person for k, b in enumerate(blocks)])
    code = pa.array(np.concatenate([b.condition_code for b in blocks]))
    conditions = pa.table({
        "patient_id": patient_id.take(pa.array(person)),
        "snomed_code": codes.snomed.take(code),
        "register": codes.register.take(code),
        "efi_deficit": codes.efi_deficit.take(code),
        "onset_date": _dates(np.concatenate([b.condition_onset_day for b in blocks])),
    })
    return {
        "patients": conform("patients", patients), "registrations": conform("registrations", registrations),
        "panels": conform("panels", panels), "conditions": conform("conditions", conditions),
    }


def _padded(values: np.ndarray) -> pa.Array:
    return pc.utf8_lpad(pa.array(values, pa.int64()).cast(pa.string()), _ID_DIGITS, "0")


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.int32()).cast(pa.date32())


def synthesise(practices: pa.Table, networks: pa.Table | None = None, *, seed: int, patients: int | None = None,
               reference_date: dt.date | None = None) -> dict[str, pa.Table]:
    """A calibrated synthetic population for ``practices``, as canonical tables.

    ``practices`` is a canonical practices table (list sizes and IMD scores drive the
    generation); ``networks`` defaults to one PCN per ``network_id``; ``patients`` rescales the
    list sizes to that total. The same seed gives the same tables, bit for bit.
    """
    return tables_of(plan(practices, networks, seed=seed, patients=patients, reference_date=reference_date))


def tables_of(p: Plan) -> dict[str, pa.Table]:
    """Every table of a planned population, in memory."""
    tables = small_tables(p)
    parts = [patient_tables(p, run) for run in practice_batches(p, max(1, p.total))]
    for name in PATIENT_TABLES:
        tables[name] = pa.concat_tables([part[name] for part in parts]) if parts else TABLES[name].empty()
    return {name: tables[name] for name in TABLES if name in tables}
