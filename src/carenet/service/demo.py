"""``carenet serve --demo``: the demo network laid out by the network layer for a model, with demo accounts.

The demo population (:func:`carenet.population.synthesise` on the demo practices) is laid over by
:func:`carenet.network.lay_over` for the chosen model from a start date: the model's clinicians,
teams and panels replace the population's, and each clinician's diary (slots per working day at
each practice) comes from the network layer's lanes - the same staffing, rota and diaries the twin
uses. Then one account is made for every service role, each with a fresh random password that
is printed once and stored only as an argon2 hash.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from carenet.network import Network
from carenet.network.diaries import diaries_table
from carenet.population import demo_networks, demo_practices, synthesise
from carenet.population.names import GIVEN_NAMES, SURNAMES
from carenet.schema.errors import CarenetError
from carenet.service.auth.passwords import PasswordHasher
from carenet.service.booking.engine import POPULATION_TABLES, LiveNetwork, lay_out, record_layout
from carenet.service.people.roles import SERVICE_ROLES, ServiceRole
from carenet.service.people.tables import USERS
from carenet.service.settings import ServiceSettings
from carenet.service.store.database import Store
from carenet.service.store.tables import CANONICAL
from carenet.service.store.transfer import insert_tables, read_table

DEMO_SEED = 20250331
"""Seed of the demo population (the network ``carenet demo`` and ``population synth --practices demo`` draw)."""
DEMO_MODEL = "micro_teams"
NAMES_STREAM = 0x4E414D45
"""Stream of the demo seed that draws the staff's display names (apart from the population's and the layout's)."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: ServiceRole
    detail: str


def display_names(roles: list[str], seed: int) -> list[str]:
    """Readable names for demo staff of ``roles`` (GPs styled 'Dr'), drawn without repeats (while the name lists
    last) from a generator seeded by ``seed``, so the same demo names the same people."""
    rng = np.random.default_rng([seed, NAMES_STREAM])
    pairs = len(GIVEN_NAMES) * len(SURNAMES)
    drawn = rng.choice(pairs, size=len(roles), replace=len(roles) > pairs).tolist()
    return [f"{'Dr ' if role == 'gp' else ''}{GIVEN_NAMES[k // len(SURNAMES)]} {SURNAMES[k % len(SURNAMES)]}"
            for role, k in zip(roles, drawn, strict=True)]


def staff_tables(network: Network, seed: int = DEMO_SEED) -> dict[str, pa.Table]:
    """The tables a model's layout adds to its population: staff (with readable names, :func:`display_names`),
    teams, panels and diaries."""
    tables = dict(network.staff.tables())
    clinicians = tables["clinicians"]
    names = display_names(clinicians.column("role").to_pylist(), seed)
    tables["clinicians"] = clinicians.set_column(clinicians.schema.get_field_index("name"),
                                                 clinicians.schema.field("name"), pa.array(names, pa.string()))
    clinician_ids = np.asarray(network.staff.clinician_id, dtype=object)
    team_ids = np.asarray(network.staff.teams.team_id, dtype=object)
    named, team = network.panels.named, network.panels.team
    rows = np.flatnonzero((named >= 0) | (team >= 0))
    tables["panels"] = pa.table({
        "patient_id": network.frame.patient_id.take(pa.array(rows)),
        "clinician_id": pa.array(np.where(named[rows] >= 0, clinician_ids[np.maximum(named[rows], 0)], None),
                                 pa.string()),
        "team_id": pa.array(np.where(team[rows] >= 0, team_ids[np.maximum(team[rows], 0)] if team_ids.size else None,
                                     None), pa.string()),
        "start_date": pa.array(np.full(rows.size, network.calendar.dates[0]), pa.date32()),
    })
    tables["diaries"] = diaries_table(network.lanes, network.staff.clinician_id, network.frame.practice_ids,
                                      network.calendar.extended(network.diary_days).dates)
    return tables


def demo_population(start: dt.date, *, patients: int | None = None, seed: int = DEMO_SEED) -> dict[str, pa.Table]:
    """The demo network's population (the practices and patients ``carenet demo`` draws)."""
    tables = synthesise(demo_practices(), demo_networks(), seed=seed, patients=patients, reference_date=start)
    return {name: tables[name] for name in POPULATION_TABLES}


def _pick(rows: Mapping[str, list], role_code: str | None, practice: str) -> tuple[str | None, str | None]:
    """A clinician of ``role_code`` at ``practice`` (else anywhere in the network), and their practice."""
    if role_code is None:
        return None, practice
    for want_practice in (practice, None):
        for cid, role, pid in zip(rows["clinician_id"], rows["role"], rows["practice_id"], strict=True):
            if role == role_code and (want_practice is None or pid == want_practice):
                return cid, pid
    return None, practice


def demo_accounts(connection: sa.Connection, hasher: PasswordHasher, now: dt.datetime) -> list[DemoLogin]:
    """One account for every service role on the store's first practice, each with a fresh random password."""
    tables = read_tables_on(connection, ("clinicians", "practices", "patients", "networks"))
    practice = sorted(tables["practices"].column("practice_id").to_pylist())[0]
    network = tables["networks"].column("network_id")[0].as_py()
    clinicians = tables["clinicians"].to_pydict()
    names = dict(zip(clinicians["clinician_id"], clinicians["name"], strict=True))
    patients = tables["patients"].filter(pc.equal(tables["patients"].column("practice_id"), practice))
    patient = patients.sort_by([("birth_date", "ascending"), ("patient_id", "ascending")]).column("patient_id")[0]
    patient = patient.as_py()
    logins = []
    for role in SERVICE_ROLES:
        clinician, clinic_practice = _pick(clinicians, role.clinical_role, practice)
        if role.clinical_role and clinician is None:
            continue  # the model staffs nobody of this role: no account to log in as
        networked = role.code in ("network_analyst", "network_admin")
        password = secrets.token_urlsafe(12)
        username = f"demo.{role.code}"
        detail = (f"{names.get(clinician) or 'clinician'}, clinician {clinician}" if clinician
                  else f"network {network}" if networked
                  else f"patient {patient}" if role.kind == "patient" else f"carer of patient {patient}"
                  if role.kind == "carer" else f"practice {practice}")
        connection.execute(USERS.insert().values(
            user_id=f"U-{role.code}", username=username, display_name=f"Demo {role.name.lower()}", role=role.code,
            password_hash=hasher.hash(password), clinician_id=clinician,
            practice_id=None if networked or role.kind != "staff" else clinic_practice,
            network_id=network if networked else None,
            patient_id=patient if role.kind in ("patient", "carer") else None, created_at=now))
        logins.append(DemoLogin(username, password, role, detail))
    return logins


def read_tables_on(connection: sa.Connection, names: tuple[str, ...]) -> dict[str, pa.Table]:
    return {name: read_table(connection, name) for name in names}


def build_demo_store(store: Store, model_name: str, start: dt.date, settings: ServiceSettings,
                     hasher: PasswordHasher, now: dt.datetime, population: Mapping[str, pa.Table], *,
                     seed: int = DEMO_SEED) -> tuple[LiveNetwork, list[DemoLogin]]:
    """Fill an empty ``store``: the population, the model laid over it, an account per role; one transaction.

    The layout reads the population back from the store, so laying it out again at the next start
    (:func:`carenet.service.booking.engine.load_live_network`) gives the same staff, panels and diaries.
    """
    with store.engine.begin() as connection:
        held = connection.execute(sa.select(sa.func.count()).select_from(CANONICAL["patients"])).scalar_one()
        if held:
            raise CarenetError(f"{store.url} already holds {held:,} patients; --demo needs an empty store (leave out "
                               "--db to use a fresh carenet-demo.db)")
        insert_tables(connection, population)
        network = lay_out(connection, model_name, start, settings.demo_working_days, seed)
        insert_tables(connection, staff_tables(network, seed))
        record_layout(connection, model_name, start, settings.demo_working_days, seed)
        logins = demo_accounts(connection, hasher, now)
    return LiveNetwork(network, settings, seed), logins


__all__ = ["DEMO_MODEL", "DEMO_SEED", "DemoLogin", "build_demo_store", "demo_accounts", "demo_population",
           "display_names", "read_tables_on", "staff_tables"]
