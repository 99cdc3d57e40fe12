"""Take carenet's facts out of one validated resource (a JSON dict) into a row of its fact table.

Each extractor is a flat function over the parsed JSON that returns a plain tuple in the column
order of :data:`carenet.sources.fhir.facts.FACT_SCHEMAS` (no per-resource objects are built).

An extractor raises :class:`Skip` when the resource is valid FHIR that carenet has no use for
(an inpatient encounter, a condition with no SNOMED CT code) and :class:`Unusable` when it breaks
a rule carenet depends on (an invalid NHS number, no date of birth).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from nhs_number import is_valid as nhs_number_is_valid

from carenet.schema.codes import CARE_PLAN_STATUSES, MODES, NEED_TYPES, SEXES, TEAM_KINDS, URGENCIES
from carenet.schema.roles import ROLE_CODES
from carenet.schema.tables import NETWORKS
from carenet.sources.fhir import vocabulary as v
from carenet.sources.fhir.roles import role_from_concepts

Json = dict[str, Any]
_INT64 = 2**63


class Skip(Exception):
    """Valid FHIR carenet does not map; the reason is counted, not reported as a problem."""


class Unusable(Exception):
    """The resource breaks a rule carenet depends on; reported as a problem."""


def reference(obj: Json | None, only: str | None = None) -> str | None:
    """A Reference as one string: its ``reference``, or its logical identifier as a conditional reference.

    ``only`` is the one resource type the element allows (``PractitionerRole.practitioner`` refers to a
    Practitioner and nothing else): an identifier without ``type`` is then read as of that type.
    """
    if not obj:
        return None
    if obj.get("reference"):
        return obj["reference"]
    ident = obj.get("identifier") or {}
    kind = obj.get("type") or only
    if kind and ident.get("value"):
        return f"{kind}?identifier={ident.get('system') or ''}|{ident['value']}"
    return None


def _references(objs: Iterable[Json] | None) -> tuple[str, ...]:
    return tuple(r for r in (reference(o) for o in objs or ()) if r)


def _identifier(resource: Json, system: str) -> str | None:
    for ident in resource.get("identifier") or ():
        if ident.get("system") == system and ident.get("value"):
            return ident["value"]
    return None


def _carenet_id(resource: Json) -> str | None:
    system = v.ID_SYSTEM_BY_TYPE.get(resource["resourceType"])
    return _identifier(resource, system) if system else None


def _extension(resource: Json, url: str) -> Json | None:
    for ext in resource.get("extension") or ():
        if ext.get("url") == url:
            return ext
    return None


def _ext_value(resource: Json, url: str, kind: str) -> Any:
    ext = _extension(resource, url)
    return None if ext is None else ext.get(kind)


def _number(value: Any) -> float | None:
    """A FHIR number as a float (the R4B models also accept numeric strings)."""
    return None if value is None else float(value)


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"{value!r} is not a boolean")


def _integer(value: Any) -> int | None:
    if value is None:
        return None
    number = int(float(value))
    if not -_INT64 <= number < _INT64:
        raise ValueError(f"integer {value!r} is out of range")
    return number


def _boolean(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on", "t", "y")


def _code_in(concepts: Iterable[Json | None], system: str) -> str | None:
    for concept in concepts:
        for coding in (concept or {}).get("coding") or ():
            if coding.get("system") == system and coding.get("code"):
                return coding["code"]
    return None


def _checked(code: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if code is not None and code not in allowed:
        raise Unusable(f"{what} code {code!r} is not one of {', '.join(allowed)}")
    return code


def _words(concepts: Iterable[Json | None]) -> str:
    parts = []
    for concept in concepts:
        if not concept:
            continue
        parts.append(concept.get("text") or "")
        parts += [c.get("display") or "" for c in concept.get("coding") or ()]
    return " ".join(parts).lower()


def _mode_from_words(concepts: Iterable[Json | None]) -> str | None:
    words = _words(concepts)
    for keyword, mode in v.MODE_KEYWORDS:
        if keyword in words:
            return mode
    return None


def _urgency(concepts: Iterable[Json | None]) -> str | None:
    concepts = list(concepts)
    own = _checked(_code_in(concepts, v.URGENCY_SYSTEM), URGENCIES, "urgency")
    if own:
        return own
    for concept in concepts:
        for coding in (concept or {}).get("coding") or ():
            found = v.PRIORITY_URGENCY.get((coding.get("system"), coding.get("code")))
            if found:
                return found
    return None


def _human_name(names: list[Json] | None) -> str | None:
    if not names:
        return None
    name = next((n for n in names if n.get("use") == "official"), names[0])
    if name.get("text"):
        return name["text"]
    parts = [*(name.get("prefix") or ()), *(name.get("given") or ()), name.get("family") or ""]
    return " ".join(p for p in parts if p) or None


def organization(r: Json, where: str) -> tuple:
    addresses = r.get("address") or [{}]
    return (
        r["id"], where, _carenet_id(r), _identifier(r, v.ODS_SYSTEM), r.get("name"), reference(r.get("partOf")),
        _checked(_code_in(r.get("type") or (), v.NETWORK_KIND_SYSTEM), NETWORKS.enums["kind"], "network kind"),
        addresses[0].get("postalCode"), _number(_ext_value(r, v.EXT_IMD_SCORE, "valueDecimal")),
        _integer(_ext_value(r, v.EXT_LIST_SIZE, "valueInteger")),
    )


def practitioner(r: Json, where: str) -> tuple:
    role = role_from_concepts(q.get("code") for q in r.get("qualification") or ())
    return (r["id"], where, _carenet_id(r), _human_name(r.get("name")), role)


def practitioner_role(r: Json, where: str) -> tuple:
    days = {d for slot in r.get("availableTime") or () for d in slot.get("daysOfWeek") or ()}
    working = ",".join(c for f, c in v.DAYS_FHIR_TO_CANONICAL.items() if f in days) or None
    return (
        r["id"], where, reference(r.get("practitioner"), "Practitioner"),
        reference(r.get("organization"), "Organization"),
        role_from_concepts([*(r.get("code") or ()), *(r.get("specialty") or ())]), working,
        _number(_ext_value(r, v.EXT_FTE, "valueDecimal")), _number(_ext_value(r, v.EXT_SESSIONS, "valueDecimal")),
    )


def _nhs_number(r: Json) -> str | None:
    raw = _identifier(r, v.NHS_NUMBER_SYSTEM)
    if raw is None:
        return None
    digits = raw.replace(" ", "").replace("-", "")
    if not (len(digits) == 10 and digits.isdigit() and nhs_number_is_valid(digits)):
        raise Unusable(f"NHS number {raw!r} is not a valid 10-digit NHS number (modulus-11 check failed)")
    return digits


def _registrations(r: Json) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str | None, ...]]:
    """carenet's registration extensions as parallel (practices, starts, ends)."""
    practices, starts, ends = [], [], []
    for ext in r.get("extension") or ():
        if ext.get("url") != v.EXT_REGISTRATION:
            continue
        parts = {e.get("url"): e for e in ext.get("extension") or ()}
        period = (parts.get("period") or {}).get("valuePeriod") or {}
        practice = reference((parts.get("practice") or {}).get("valueReference"))
        if practice is None or not period.get("start"):
            raise Unusable("registration extension needs a 'practice' reference and a 'period' with a start")
        practices.append(practice)
        starts.append(period.get("start"))
        ends.append(period.get("end"))
    return tuple(practices), tuple(starts), tuple(ends)


def patient(r: Json, where: str) -> tuple:
    if not r.get("birthDate"):
        raise Unusable("birthDate is missing; carenet needs a date of birth")
    sex = r.get("gender") or "unknown"
    return (
        r["id"], where, _carenet_id(r), _nhs_number(r), r["birthDate"], _checked(sex, SEXES, "gender"),
        r.get("deceasedDateTime"), _references(r.get("generalPractitioner")),
        reference(r.get("managingOrganization"), "Organization"),
        _integer(_ext_value(r, v.EXT_DEPRIVATION, "valueInteger")), _ext_value(r, v.EXT_HOUSEHOLD, "valueString"),
        _flag(_ext_value(r, v.EXT_HOMELESS, "valueBoolean")), *_registrations(r),
    )


def _participants(items: Iterable[Json], actor_key: str) -> tuple[tuple[str | None, ...], tuple[str | None, ...]]:
    """Participants with a reference or a carenet role, as parallel (references, roles)."""
    refs, roles = [], []
    for p in items:
        ref = reference(p.get(actor_key))
        types = p.get("type")
        role = _checked(_code_in(types, v.ROLE_SYSTEM), ROLE_CODES, "role") if types else None
        if ref or role:
            refs.append(ref)
            roles.append(role)
    return tuple(refs), tuple(roles)


def _need_type(concepts: Iterable[Json | None]) -> str | None:
    return _checked(_code_in(concepts, v.NEED_TYPE_SYSTEM), NEED_TYPES, "need type")


def encounter(r: Json, where: str) -> tuple:
    status = v.ENCOUNTER_STATUS.get(r["status"])
    if status is None:
        raise Skip(f"Encounter with status {r['status']!r}")
    klass = (r.get("class") or {}).get("code")
    mode = v.ENCOUNTER_CLASS_MODE.get(klass)
    if mode is None:
        raise Skip(f"Encounter of class {klass!r} (not general-practice activity)")
    concepts = [*(r.get("type") or ()), r.get("serviceType")]
    mode = _checked(_code_in(concepts, v.MODE_SYSTEM), MODES, "mode") or (
        _mode_from_words(concepts) if mode != "home_visit" else None) or mode
    period = r.get("period") or {}
    if not period.get("start"):
        raise Skip("Encounter without a start time")
    length = r.get("length") or {}
    minutes = _number(length.get("value")) if length.get("code", length.get("unit")) == "min" else None
    return (
        r["id"], where, "Encounter", _carenet_id(r), status, mode, reference(r.get("subject")),
        *_participants(r.get("participant") or (), "individual"), period["start"], period.get("end"), minutes,
        None, reference(r.get("serviceProvider")), reference(_ext_value(r, v.EXT_PRACTICE, "valueReference")),
        _urgency([r.get("priority")]), _need_type(r.get("reasonCode") or ()), _references(r.get("appointment")),
    )


def appointment(r: Json, where: str) -> tuple:
    status = v.APPOINTMENT_STATUS.get(r["status"])
    if status is None:
        raise Skip(f"Appointment with status {r['status']!r}")
    if not r.get("start"):
        raise Skip("Appointment without a start time")
    concepts = [*(r.get("serviceType") or ()), *(r.get("serviceCategory") or ()), r.get("appointmentType")]
    mode = _checked(_code_in(concepts, v.MODE_SYSTEM), MODES, "mode") or _mode_from_words(concepts)
    return (
        r["id"], where, "Appointment", _carenet_id(r), status, mode, None,
        *_participants(r.get("participant") or (), "actor"), r["start"], r.get("end"),
        _number(r.get("minutesDuration")), r.get("created"), reference(_ext_value(r, v.EXT_SITE, "valueReference")),
        reference(_ext_value(r, v.EXT_PRACTICE, "valueReference")), _urgency([r.get("appointmentType")]),
        _need_type(r.get("reasonCode") or ()), (),
    )


def condition(r: Json, where: str) -> tuple:
    verification = _code_in([r.get("verificationStatus")], "http://terminology.hl7.org/CodeSystem/condition-ver-status")
    if verification in ("refuted", "entered-in-error"):
        raise Skip(f"Condition with verification status {verification!r}")
    code = _code_in([r.get("code")], v.SNOMED_SYSTEM)
    if code is None:
        raise Skip("Condition without a SNOMED CT code")
    onset = r.get("onsetDateTime") or (r.get("onsetPeriod") or {}).get("start") or r.get("recordedDate")
    if not onset:
        raise Skip("Condition without an onset or recorded date")
    abatement = r.get("abatementDateTime") or (r.get("abatementPeriod") or {}).get("end")
    return (r["id"], where, reference(r.get("subject")), code, onset, abatement)


def care_plan(r: Json, where: str) -> tuple:
    status = v.CARE_PLAN_STATUS.get(r["status"])
    if status is None:
        raise Skip(f"CarePlan with status {r['status']!r}")
    created = r.get("created") or (r.get("period") or {}).get("start")
    if not created:
        raise Skip("CarePlan without a created date or period start")
    workers = (*_references([r["author"]] if r.get("author") else ()), *_references(r.get("contributor")))
    patient_set = _boolean(_ext_value(r, v.EXT_GOALS_PATIENT_SET, "valueBoolean"))
    return (
        r["id"], where, _carenet_id(r), reference(r.get("subject")), _checked(status, CARE_PLAN_STATUSES, "status"),
        created, _ext_value(r, v.EXT_REVIEW_DATE, "valueDate"), workers, _references(r.get("goal")), patient_set,
    )


def goal(r: Json, where: str) -> tuple:
    description = r.get("description") or {}
    codings = description.get("coding") or [{}]
    text = description.get("text") or codings[0].get("display") or codings[0].get("code")
    return (r["id"], where, text, reference(r.get("expressedBy")))


def care_team(r: Json, where: str) -> tuple:
    if r.get("status") == "entered-in-error":
        raise Skip("CareTeam with status 'entered-in-error'")
    refs, roles = [], []
    for p in r.get("participant") or ():
        ref = reference(p.get("member"))
        if ref:
            named = _code_in(p.get("role") or (), v.CARE_TEAM_ROLE_SYSTEM) == v.NAMED_CLINICIAN
            refs.append(ref)
            roles.append(v.NAMED_CLINICIAN if named else None)
    return (
        r["id"], where, _carenet_id(r), r.get("name"),
        _checked(_code_in(r.get("category") or (), v.TEAM_KIND_SYSTEM), TEAM_KINDS, "team kind"),
        reference(r.get("subject")), (r.get("period") or {}).get("start"),
        _references(r.get("managingOrganization")), tuple(refs), tuple(roles),
    )


EXTRACTORS: dict[str, Callable[[Json, str], tuple]] = {
    "Organization": organization, "Practitioner": practitioner, "PractitionerRole": practitioner_role,
    "Patient": patient, "Encounter": encounter, "Appointment": appointment, "Condition": condition,
    "CarePlan": care_plan, "Goal": goal, "CareTeam": care_team,
}
"""The extractor of each resource type carenet reads: a row in the column order of its fact table."""
