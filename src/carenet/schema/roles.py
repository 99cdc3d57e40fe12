"""The role catalogue: who works in general practice, what each role may handle, and for how long.

Scope of practice (``need_types``) follows the Network Contract DES role outlines (NHS England,
ARRS role descriptions); appointment lengths are those of ``docs/reference/parameters.md`` §2.4 and §6.3, each
with its source and evidence tag (V verified, S secondary, M from memory, unverified).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from carenet.schema.codes import NEED_TYPES

_DES = "NHS England, Network Contract DES 2024/25, Annex B (ARRS role outlines)"


@dataclass(frozen=True)
class Role:
    code: str
    name: str
    need_types: tuple[str, ...]
    usual_minutes: int
    minutes_source: str
    minutes_tag: str
    clinical: bool = True


ROLES: tuple[Role, ...] = (
    Role("gp", "General practitioner", NEED_TYPES, 10,
         "Booked GP slot 10 min in 83% of practices, Pulse/BJGP (Irving & Holden)", "V"),
    Role("anp", "Advanced nurse practitioner",
         ("acute_minor", "acute_complex", "ltc_review", "musculoskeletal", "medication", "admin_results"), 15,
         "Nurse consultation 9.7 min face to face (Stevens 2017); ANP same-day slots 15 min (PSSRU 2013 nurse)", "S"),
    Role("practice_nurse", "Practice nurse", ("acute_minor", "ltc_review", "admin_results"), 15,
         "PSSRU Unit Costs 2013: practice nurse 15 min", "S"),
    Role("hca", "Health care assistant", ("ltc_review", "admin_results"), 15,
         "docs/reference/parameters.md §6.3: HCA (bloods, BP) 10-15 min", "M"),
    Role("clinical_pharmacist", "Clinical pharmacist", ("medication", "ltc_review"), 30,
         "docs/reference/parameters.md §6.3: structured medication review 30 min", "M"),
    Role("physician_associate", "Physician associate", ("acute_minor", "acute_complex", "musculoskeletal"), 15,
         _DES + "; slot length as practice nurse (PSSRU 2013)", "S"),
    Role("paramedic", "Paramedic", ("acute_minor", "acute_complex"), 30,
         "docs/reference/parameters.md §6.3: paramedic home visit 30-45 min incl. travel", "M"),
    Role("fcp", "First-contact physiotherapist", ("musculoskeletal",), 20,
         "Physiotherapy 2020 survey: 20-min appointments for 71% of FCPs", "V"),
    Role("mh_practitioner", "Mental-health practitioner", ("mental_health", "psychosocial"), 30,
         "docs/reference/parameters.md §6.3: mental health practitioner 30-45 min", "M"),
    Role("splw", "Social-prescribing link worker", ("psychosocial",), 45,
         "docs/reference/parameters.md §6.3: SPLW initial contact 45-60 min", "M"),
    Role("hwbc", "Health and wellbeing coach", ("psychosocial", "ltc_review"), 30,
         _DES + "; length as mental-health practitioner (docs/reference/parameters.md §6.3)", "M"),
    Role("care_coordinator", "Care co-ordinator", ("psychosocial", "admin_results"), 20,
         _DES + "; length assumed between HCA and link worker", "M"),
    Role("admin", "Administrator", ("admin_results",), 5,
         "GPAD duration bin 1-5 min (docs/reference/parameters.md §2.4)", "V", clinical=False),
)

ROLE_CODES: tuple[str, ...] = tuple(r.code for r in ROLES)
ROLES_BY_CODE: dict[str, Role] = {r.code: r for r in ROLES}

ROLES_SCHEMA = pa.schema(
    [
        pa.field("role", pa.string(), nullable=False, metadata={"doc": "Role code"}),
        pa.field("name", pa.string(), nullable=False, metadata={"doc": "Role name"}),
        pa.field("need_types", pa.list_(pa.string()), nullable=False,
                 metadata={"doc": "Need types this role's scope of practice covers"}),
        pa.field("usual_minutes", pa.int16(), nullable=False, metadata={"doc": "Usual appointment length"}),
        pa.field("minutes_source", pa.string(), nullable=False, metadata={"doc": "Source of the length"}),
        pa.field("minutes_tag", pa.string(), nullable=False, metadata={"doc": "Evidence tag V/S/M"}),
        pa.field("clinical", pa.bool_(), nullable=False, metadata={"doc": "Whether the role sees patients"}),
    ]
)


def can_handle(role: str, need_type: str) -> bool:
    """Whether ``need_type`` lies within the scope of practice of ``role``."""
    return need_type in ROLES_BY_CODE[role].need_types


def roles_table() -> pa.Table:
    """The catalogue as an Arrow table, written into every dataset for self-description."""
    return pa.Table.from_pylist(
        [
            {
                "role": r.code, "name": r.name, "need_types": list(r.need_types),
                "usual_minutes": r.usual_minutes, "minutes_source": r.minutes_source,
                "minutes_tag": r.minutes_tag, "clinical": r.clinical,
            }
            for r in ROLES
        ],
        schema=ROLES_SCHEMA,
    )
