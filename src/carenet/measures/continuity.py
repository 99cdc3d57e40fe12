"""Relational continuity: per-patient indices (UPC, COC, SECON, MMCI, KPC), SLICC, own-patient ratio, micro-team share.

Definitions follow docs/reference/parameters.md §7.1 (see docs/measures/continuity.md for formulas and sources).
A *contact* is an attended appointment (status ``attended``) with a known clinician whose role is
counted, in a counted mode, inside the window; visits are ordered by start time, then by
appointment id. Per-patient indices need at least ``min_contacts`` contacts (2: every index divides
by N − 1 or needs a second visit to say anything) and are null below it.

Everything here is an Ibis expression, written once for DuckDB, SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from carenet.measures.backend import Tables
from carenet.measures.support import Unsupported, attach_segments, flag, in_window, segment_columns
from carenet.schema.codes import MODES
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLE_CODES

MMCI_OFFSET = 0.1
"""The 0.1 in MMCI = (1 − M/(N + 0.1)) / (1 − 1/(N + 0.1)) (Magill & Senf 1987; docs/reference/parameters.md §7.1)."""

FACE_TO_FACE_MODES: tuple[str, ...] = ("face_to_face", "home_visit")
"""Modes SLICC counts as face to face (Sidaway-Lee 2019: "face-to-face GP appointments"; a home visit is one)."""

INDEX_COLUMNS: tuple[str, ...] = ("upc", "upc_named", "coc", "secon", "mmci", "kpc")
"""The per-patient continuity indices, in the order the scorecard prints them."""


class ContinuityConfigError(CarenetError):
    """A continuity configuration that names an unknown role or mode, or an empty window."""


class ContinuityConfig(BaseModel):
    """What counts as a contact, and over which window; defaults follow docs/reference/parameters.md §7.1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date | None = None
    """First day of the window (inclusive); ``None`` = from the first appointment."""
    end: date | None = None
    """Last day of the window (inclusive); ``None`` = to the last appointment."""
    roles: tuple[str, ...] = ("gp",)
    """Roles whose contacts count for the per-patient indices (UPC etc. are usually GP continuity, Barker 2017)."""
    modes: tuple[str, ...] | None = None
    """Modes counted for the indices and the micro-team share; ``None`` = all (e.g. ``FACE_TO_FACE_MODES``)."""
    min_contacts: int = Field(2, ge=2)
    """Fewest contacts for a per-patient index (docs/reference/parameters.md §7.1: all need N ≥ 2)."""
    list_roles: tuple[str, ...] = ("gp",)
    """Roles counted by SLICC and the own-patient ratio (both are GP measures; Sidaway-Lee 2019, 2023)."""
    list_modes: tuple[str, ...] | None = FACE_TO_FACE_MODES
    """Modes counted by SLICC and the own-patient ratio (SLICC counts face-to-face appointments)."""
    team_roles: tuple[str, ...] | None = None
    """Roles whose contacts count for the micro-team share; ``None`` = every role (a team is multidisciplinary)."""

    @field_validator("roles", "list_roles", "team_roles")
    @classmethod
    def _known_roles(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            unknown = sorted(set(value) - set(ROLE_CODES))
            if unknown or not value:
                raise ValueError(f"unknown roles {unknown}; known: {', '.join(ROLE_CODES)}" if unknown
                                 else "at least one role is needed")
        return value

    @field_validator("modes", "list_modes")
    @classmethod
    def _known_modes(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            unknown = sorted(set(value) - set(MODES))
            if unknown or not value:
                raise ValueError(f"unknown modes {unknown}; known: {', '.join(MODES)}" if unknown
                                 else "at least one mode is needed (or none for all)")
        return value

    @model_validator(mode="after")
    def _window_in_order(self) -> ContinuityConfig:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"window start {self.start} is after its end {self.end}")
        return self

    @classmethod
    def from_mapping(cls, options: dict[str, Any]) -> ContinuityConfig:
        """Build from plain options (a CLI or YAML), turning validation failures into a :class:`CarenetError`."""
        try:
            return cls.model_validate(options)
        except ValidationError as exc:
            raise ContinuityConfigError(f"continuity configuration: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}" for e in exc.errors())


# --- contacts -----------------------------------------------------------------------------------------------------


def contacts(tables: Tables, config: ContinuityConfig | None = None) -> ir.Table:
    """The contacts the per-patient indices count: attended, a known clinician of ``config.roles``, in ``config.modes``.

    Columns: appointment_id, patient_id, clinician_id, role, mode, practice_id, booked_for.
    """
    config = config or ContinuityConfig()
    return _contacts(tables, config, config.roles, config.modes)


def attended_visits(tables: Tables, config: ContinuityConfig) -> ir.Table:
    """Every attended appointment in the window with a known clinician (any role, any mode), its role resolved and,
    when the dataset has panels, the patient's ``named_clinician_id`` and ``team_id`` on the day.

    Materialised once per dataset and window (:meth:`Tables.memo`): every continuity measure filters it.
    """

    def build() -> ir.Table:
        a = tables["appointments"]
        a = a.filter((a.status == "attended") & a.clinician_id.notnull()
                     & in_window(a.booked_for, config.start, config.end))
        if "clinicians" in tables:
            c = tables["clinicians"].select(c_clinician="clinician_id", c_role="role")
            a = a.left_join(c, a.clinician_id == c.c_clinician).select(
                *(col for col in _CONTACT_COLUMNS if col != "role"), role=a.role.coalesce(c.c_role))
        else:
            a = a.select(*_CONTACT_COLUMNS)
        return with_panel(a, tables) if "panels" in tables else a

    return tables.memo(("continuity.attended_visits", config.start, config.end), build)


def _contacts(
    tables: Tables, config: ContinuityConfig, roles: Sequence[str] | None, modes: Sequence[str] | None
) -> ir.Table:
    """Attended visits in the window with a clinician of ``roles`` in ``modes`` (``None`` = any)."""
    v = attended_visits(tables, config)
    return v.filter(_selected(v, roles, modes))


_CONTACT_COLUMNS = ("appointment_id", "patient_id", "clinician_id", "role", "mode", "practice_id", "booked_for")


def with_panel(visits: ir.Table, tables: Tables) -> ir.Table:
    """Add each visit's ``named_clinician_id`` and ``team_id``: the patient's panel row in force on the visit's day.

    The row in force is the latest ``start_date`` on or before the day of the visit; a visit before any
    panel row has neither.
    """
    p = tables["panels"]
    visits = visits.view()  # a relation of its own, so the join below starts a new chain
    # Each panel row is in force from its start to the next row's start: one range join, no per-visit ranking.
    in_force = p.select(q_patient="patient_id", q_from="start_date", q_clinician="clinician_id", q_team="team_id",
                        q_until=p.start_date.lead().over(group_by=p.patient_id, order_by=p.start_date))
    day = visits.booked_for.date()
    joined = visits.left_join(in_force, [visits.patient_id == in_force.q_patient, in_force.q_from <= day,
                                         in_force.q_until.isnull() | (day < in_force.q_until)])
    return joined.select(*visits.columns, named_clinician_id=in_force.q_clinician, team_id=in_force.q_team)


# --- per-patient indices --------------------------------------------------------------------------------------------


def patient_continuity(tables: Tables, config: ContinuityConfig | None = None) -> ir.Table:
    """One row per patient with at least ``min_contacts`` contacts: their indices over the window.

    Columns: patient_id, contacts (N), clinicians (M), upc, upc_named (null without a named clinician or
    without the ``panels`` table), coc, secon, mmci, kpc.
    """
    config = config or ContinuityConfig()
    has_panels = "panels" in tables
    visits = _contacts(tables, config, config.roles, config.modes)
    # The sort SECON needs carries every column through it: keep it to the keys, and turn the named clinician
    # into two small flags before it rather than sorting a third string column.
    named: dict[str, Any] = {}
    if has_panels:
        named = {"named": flag(visits.clinician_id == visits.named_clinician_id),
                 "known": flag(visits.named_clinician_id.notnull())}
    visits = visits.select("patient_id", "clinician_id", "booked_for", "appointment_id", **named)
    # One pipeline, no self-join: flag repeats in visit order, count per (patient, clinician), then per patient.
    order = ibis.window(group_by=visits.patient_id, order_by=[visits.booked_for, visits.appointment_id])
    sequence = visits.mutate(repeat=flag(visits.clinician_id == visits.clinician_id.lag().over(order)))
    pair_metrics: dict[str, Any] = {"n": ibis._.count(), "repeats": ibis._.repeat.sum()}
    if has_panels:
        pair_metrics |= {"named_visits": ibis._.named.sum(), "named_known": ibis._.known.max()}
    pairs = sequence.group_by(["patient_id", "clinician_id"]).agg(**pair_metrics)
    patient_metrics: dict[str, Any] = {
        "contacts": pairs.n.sum(), "clinicians": pairs.count(), "most_seen": pairs.n.max(),
        "sum_squares": (pairs.n * pairs.n).sum(), "repeats": pairs.repeats.sum(),
    }
    if has_panels:
        patient_metrics |= {"named_visits": pairs.named_visits.sum(), "named_known": pairs.named_known.max()}
    per_patient = pairs.group_by("patient_id").agg(**patient_metrics)
    return _indices(per_patient.filter(per_patient.contacts >= config.min_contacts), has_panels)


def _indices(t: ir.Table, has_panels: bool) -> ir.Table:
    n = t.contacts.cast("float64")
    m = t.clinicians.cast("float64")
    if has_panels:
        upc_named = ibis.cases((t.named_known == 1, t.named_visits.cast("float64") / n), else_=ibis.null("float64"))
    else:
        upc_named = ibis.null("float64")
    return t.select(
        "patient_id",
        "contacts",
        "clinicians",
        upc=t.most_seen.cast("float64") / n,
        upc_named=upc_named,
        coc=(t.sum_squares.cast("float64") - n) / (n * (n - 1)),
        secon=t.repeats.cast("float64") / (n - 1),
        mmci=(1 - m / (n + MMCI_OFFSET)) / (1 - 1 / (n + MMCI_OFFSET)),
        # Every visit but the first with each clinician is to a known clinician: KPC = (N − M) / (N − 1).
        kpc=(n - m) / (n - 1),
    )


def continuity_by_segment(
    tables: Tables, config: ContinuityConfig | None = None, segments: ir.Table | None = None
) -> ir.Table:
    """Mean of each per-patient index by segment (every column of ``segments`` but patient_id), with patient counts.

    Without ``segments`` it is one row for the whole network.
    """
    per_patient = attach_segments(patient_continuity(tables, config), segments)
    means = {f"{c}_mean": per_patient[c].mean() for c in INDEX_COLUMNS}
    labels = segment_columns(segments)
    aggregations = {"patients": per_patient.count(), "patients_named": per_patient.upc_named.count(), **means}
    if labels:
        return per_patient.group_by(labels).agg(**aggregations)
    return per_patient.agg(**aggregations)


# --- list-level measures --------------------------------------------------------------------------------------------


def _list_contacts(tables: Tables, config: ContinuityConfig, fill_practice: bool = True) -> ir.Table:
    """SLICC/OPR contacts with the named clinician on the day, ``own`` and the month; with ``fill_practice``, a
    visit that records no practice takes the patient's registered one."""
    visits = _contacts(tables, config, config.list_roles, config.list_modes)
    if fill_practice and "patients" in tables:
        visits = _fill_practice(visits, tables)
    return visits.mutate(own=flag(visits.clinician_id == visits.named_clinician_id),
                         month=visits.booked_for.truncate("M").date())


def _fill_practice(visits: ir.Table, tables: Tables) -> ir.Table:
    """``visits`` with a missing practice_id taken from ``patients``.

    Only the visits that lack one meet the patients table: joining every visit on its string patient id would be
    the costliest step of SLICC, for visits that almost always carry their practice already.
    """
    others = [c for c in visits.columns if c != "practice_id"]
    recorded = visits.filter(visits.practice_id.notnull()).select(*others, "practice_id")
    missing = visits.filter(visits.practice_id.isnull())
    pt = tables["patients"]
    pt = pt.filter(pt.patient_id.isin(missing.patient_id)).select(pt_patient="patient_id", pt_practice="practice_id")
    filled = missing.left_join(pt, missing.patient_id == pt.pt_patient).select(*others, practice_id=pt.pt_practice)
    return recorded.union(filled, distinct=False)


def slicc(
    tables: Tables,
    config: ContinuityConfig | None = None,
    level: Literal["list", "practice", "network"] = "practice",
    segments: ir.Table | None = None,
    monthly: bool = True,
) -> ir.Table | Unsupported:
    """St Leonard's Index of Continuity of Care per month: own-GP face-to-face GP appointments ÷ all of them.

    ``level`` groups by the named clinician's list, the patient's practice or the whole network;
    ``segments`` adds its columns to the grouping. Appointments of patients with no named clinician
    on the day belong to no list and are left out. Columns: the group keys, month (unless
    ``monthly=False``), appointments, own_gp_appointments, slicc (a fraction, 0–1).
    """
    config = config or ContinuityConfig()
    missing = tables.require("appointments", "panels", measure="SLICC")
    if missing is not None:
        return missing
    visits = attach_segments(_list_contacts(tables, config, fill_practice=level == "practice"), segments)
    visits = visits.filter(visits.named_clinician_id.notnull())
    keys = {"list": ["named_clinician_id"], "practice": ["practice_id"], "network": []}[level]
    keys = keys + segment_columns(segments) + (["month"] if monthly else [])
    aggregations = {"appointments": visits.count(), "own_gp_appointments": visits.own.sum()}
    grouped = visits.group_by(keys).agg(**aggregations) if keys else visits.agg(**aggregations)
    return grouped.mutate(slicc=grouped.own_gp_appointments.cast("float64") / grouped.appointments)


def own_patient_ratio(tables: Tables, config: ContinuityConfig | None = None) -> ir.Table | Unsupported:
    """Per list-holding clinician: their appointments with patients on their own list ÷ all their appointments.

    A list holder is anyone named as a patient's clinician in ``panels``. Counts the same appointments
    as SLICC (``list_roles`` in ``list_modes``). Columns: clinician_id, appointments, own_list_appointments, opr.
    """
    config = config or ContinuityConfig()
    missing = tables.require("appointments", "panels", measure="the own-patient ratio")
    if missing is not None:
        return missing
    visits = _list_contacts(tables, config, fill_practice=False)
    holders = tables["panels"].filter(ibis._.clinician_id.notnull()).select(holder="clinician_id").distinct()
    visits = visits.join(holders, visits.clinician_id == holders.holder).drop("holder")
    grouped = visits.group_by("clinician_id").agg(appointments=ibis._.count(), own_list_appointments=ibis._.own.sum())
    return grouped.mutate(opr=grouped.own_list_appointments.cast("float64") / grouped.appointments)


def micro_team_share(
    tables: Tables,
    config: ContinuityConfig | None = None,
    level: Literal["patient", "team"] = "patient",
    segments: ir.Table | None = None,
) -> ir.Table | Unsupported:
    """Share of a patient's contacts with a member of the team holding their panel on the day.

    Contacts are those of ``team_roles`` in ``modes``; contacts on days the patient's panel names no
    team are left out. ``level="team"`` pools by team; ``segments`` adds its columns to the grouping
    (pooled). Columns: the keys, contacts, team_contacts, team_share.
    """
    config = config or ContinuityConfig()
    missing = tables.require("appointments", "panels", "team_members", measure="the micro-team share")
    if missing is not None:
        return missing
    visits = _contacts(tables, config, config.team_roles, config.modes)
    visits = visits.filter(visits.team_id.notnull())
    members = tables["team_members"].select(m_team="team_id", m_clinician="clinician_id").distinct()
    same_member = (visits.team_id == members.m_team) & (visits.clinician_id == members.m_clinician)
    visits = visits.left_join(members, same_member)
    visits = attach_segments(visits.mutate(in_team=flag(visits.m_team.notnull())), segments)
    keys = ["patient_id" if level == "patient" else "team_id", *segment_columns(segments)]
    grouped = visits.group_by(keys).agg(contacts=ibis._.count(), team_contacts=ibis._.in_team.sum())
    return grouped.mutate(team_share=grouped.team_contacts.cast("float64") / grouped.contacts)


# --- network summary ------------------------------------------------------------------------------------------------


POOLED_MEASURES: tuple[str, ...] = ("slicc", "own_patient_ratio", "micro_team_share")
"""The continuity figures pooled over the network's visits rather than averaged over patients."""


def continuity_summary(tables: Tables, config: ContinuityConfig | None = None, *,
                       pooled: bool = True) -> dict[str, Any]:
    """Network-level continuity figures for the scorecard: plain numbers, or :class:`Unsupported` with the reason.

    ``pooled=False`` leaves out :data:`POOLED_MEASURES`, for callers that read none of them.
    """
    config = config or ContinuityConfig()
    missing = tables.require("appointments", measure="continuity")
    if missing is not None:
        return {name: missing for name in ("patients_eligible", *INDEX_COLUMNS, *POOLED_MEASURES)}
    overall = _one_row(continuity_by_segment(tables, config))
    summary: dict[str, Any] = {"patients_eligible": int(overall["patients"] or 0)}
    too_few = Unsupported(f"no patient has {config.min_contacts} or more contacts in the window")
    for column in INDEX_COLUMNS:
        value = overall[f"{column}_mean"]
        summary[column] = too_few if value is None else float(value)
    if "panels" not in tables:
        summary["upc_named"] = tables.require("panels", measure="named-GP UPC")
    elif summary["patients_eligible"] and overall["patients_named"] == 0:
        summary["upc_named"] = Unsupported("no eligible patient has a named clinician in 'panels'")
    if pooled:
        summary.update(_pooled_figures(tables, config))
    return summary


def _pooled_figures(tables: Tables, config: ContinuityConfig) -> dict[str, float | Unsupported]:
    """SLICC, the own-patient ratio and the micro-team share pooled over the network, in one pass over the visits.

    The same definitions as :func:`slicc`, :func:`own_patient_ratio` and :func:`micro_team_share`, summed.
    """
    no_panels = tables.require("panels", measure="SLICC, the own-patient ratio and the micro-team share")
    if no_panels is not None:
        return {"slicc": no_panels, "own_patient_ratio": no_panels, "micro_team_share": no_panels}
    v = attended_visits(tables, config)
    in_list = _selected(v, config.list_roles, config.list_modes)
    in_team_scope = _selected(v, config.team_roles, config.modes) & v.team_id.notnull()
    own = v.clinician_id == v.named_clinician_id
    holders = tables["panels"].filter(ibis._.clinician_id.notnull()).select(holder="clinician_id").distinct()
    holder = v.clinician_id.isin(holders.holder)
    sums: dict[str, Any] = {
        "slicc_all": flag(in_list & v.named_clinician_id.notnull()).sum(), "slicc_own": flag(in_list & own).sum(),
        "opr_all": flag(in_list & holder).sum(), "opr_own": flag(in_list & holder & own).sum(),
    }
    has_members = "team_members" in tables
    if has_members:
        m = tables["team_members"].select(m_team="team_id", m_clinician="clinician_id").distinct()
        v = v.left_join(m, (v.team_id == m.m_team) & (v.clinician_id == m.m_clinician))
        sums |= {"team_all": flag(in_team_scope).sum(), "team_in": flag(in_team_scope & m.m_team.notnull()).sum()}
    row = _one_row(v.agg(**sums))
    figures = {
        "slicc": _share(row, "slicc_own", "slicc_all",
                        "no face-to-face GP appointment of a patient with a named GP in the window"),
        "own_patient_ratio": _share(row, "opr_own", "opr_all", "no appointment with a list-holding GP in the window"),
    }
    figures["micro_team_share"] = (_share(row, "team_in", "team_all", "no contact of a patient whose panel names a "
                                          "team in the window") if has_members
                                   else tables.require("team_members", measure="the micro-team share"))
    return figures


def _selected(v: ir.Table, roles: Sequence[str] | None, modes: Sequence[str] | None) -> ir.BooleanValue:
    keep = ibis.literal(True)
    if roles is not None:
        keep &= v.role.isin(list(roles))
    if modes is not None:
        keep &= v.mode.isin(list(modes))
    return keep


def _share(row: dict[str, Any], part: str, total: str, empty_reason: str) -> float | Unsupported:
    return Unsupported(empty_reason) if not row[total] else row[part] / row[total]


def _one_row(t: ir.Table) -> dict[str, Any]:
    return t.to_pyarrow().to_pylist()[0]


__all__ = [
    "FACE_TO_FACE_MODES", "INDEX_COLUMNS", "MMCI_OFFSET", "ContinuityConfig", "ContinuityConfigError",
    "attended_visits", "contacts", "continuity_by_segment", "continuity_summary", "micro_team_share",
    "own_patient_ratio", "patient_continuity", "slicc", "with_panel",
]
