"""Export canonical tables as FHIR R4 resources that import back to the same tables.

Networks and practices become Organizations, clinicians Practitioners with a PractitionerRole,
patients Patients (registration spans in carenet's registration extension), teams CareTeams, panels
patient CareTeams, conditions Conditions, appointments Appointments, care plans CarePlans with their
Goals. Output is a folder of bulk-data ndjson files (one per resource type) or, for a path ending
in ``.json``, one collection Bundle. Files are written beside the target and renamed into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema import ROLES_BY_CODE, open_dataset
from carenet.sources.fhir import vocabulary as v
from carenet.sources.fhir.ids import derived_id, fhir_id

Json = dict[str, Any]
_BATCH_ROWS = 50_000


def _batches(table: pa.Table, timestamps: tuple[str, ...], timezone: str) -> Iterator[list[Json]]:
    """Rows as dicts, a batch at a time, with dates and timestamps already written as FHIR text."""
    for batch in table.to_batches(max_chunksize=_BATCH_ROWS):
        columns = {}
        for name in batch.schema.names:
            col = batch.column(name)
            if name in timestamps:
                zoned = pc.assume_timezone(col, timezone, ambiguous="earliest", nonexistent="latest")
                text = pc.strftime(zoned, format="%Y-%m-%dT%H:%M:%S%z")
                col = pc.replace_substring_regex(text, pattern=r"([+-]\d\d)(\d\d)$", replacement=r"\1:\2")
            elif pa.types.is_date(col.type):
                col = col.cast(pa.string())
            columns[name] = col
        yield pa.RecordBatch.from_pydict(columns).to_pylist()


def _rows(tables: Mapping[str, pa.Table], name: str, timezone: str,
          timestamps: tuple[str, ...] = ()) -> Iterator[Json]:
    if name in tables:
        for batch in _batches(tables[name], timestamps, timezone):
            yield from batch


def _ref(resource_type: str, canonical: str) -> Json:
    return {"reference": f"{resource_type}/{fhir_id(resource_type, canonical)}"}


def _ident(resource_type: str, canonical: str) -> list[Json]:
    return [{"system": v.ID_SYSTEM_BY_TYPE[resource_type], "value": canonical}]


def _coded(system: str, code: str, display: str | None = None) -> Json:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _ext(url: str, kind: str, value: Any) -> list[Json]:
    return [] if value is None else [{"url": url, kind: value}]


def _organizations(tables: Mapping[str, pa.Table], tz: str) -> Iterator[Json]:
    for r in _rows(tables, "networks", tz):
        yield {"resourceType": "Organization", "id": fhir_id("Organization", r["network_id"]),
               "identifier": _ident("Organization", r["network_id"]), "active": True,
               "type": [_coded(v.NETWORK_KIND_SYSTEM, r["kind"])], "name": r["name"]}
    for r in _rows(tables, "practices", tz):
        org: Json = {"resourceType": "Organization", "id": fhir_id("Organization", r["practice_id"])}
        extensions = (_ext(v.EXT_IMD_SCORE, "valueDecimal", r["imd_score"])
                      + _ext(v.EXT_LIST_SIZE, "valueInteger", r["list_size"]))
        if extensions:
            org["extension"] = extensions
        org.update({"identifier": _ident("Organization", r["practice_id"]), "active": True, "name": r["name"]})
        if r["postcode"]:
            org["address"] = [{"postalCode": r["postcode"]}]
        if r["network_id"]:
            org["partOf"] = _ref("Organization", r["network_id"])
        yield org


def _clinicians(tables: Mapping[str, pa.Table], tz: str) -> Iterator[Json]:
    for r in _rows(tables, "clinicians", tz):
        cid = r["clinician_id"]
        person: Json = {"resourceType": "Practitioner", "id": fhir_id("Practitioner", cid),
                        "identifier": _ident("Practitioner", cid), "active": True}
        if r["name"]:
            person["name"] = [{"text": r["name"]}]
        yield person
        role: Json = {"resourceType": "PractitionerRole", "id": fhir_id("PractitionerRole", cid),
                      "extension": (_ext(v.EXT_FTE, "valueDecimal", r["fte"])
                                    + _ext(v.EXT_SESSIONS, "valueDecimal", r["sessions_per_week"])),
                      "active": True, "practitioner": _ref("Practitioner", cid),
                      "code": [_coded(v.ROLE_SYSTEM, r["role"], ROLES_BY_CODE[r["role"]].name)]}
        employer = r["practice_id"] or r["network_id"]
        if employer:
            role["organization"] = _ref("Organization", employer)
        if r["working_days"]:
            days = [v.DAYS_CANONICAL_TO_FHIR[d.strip()] for d in r["working_days"].split(",")
                    if d.strip() in v.DAYS_CANONICAL_TO_FHIR]
            if days:
                role["availableTime"] = [{"daysOfWeek": days}]
        yield role


def _patients(tables: Mapping[str, pa.Table], tz: str) -> Iterator[Json]:
    spans: dict[str, list[Json]] = defaultdict(list)
    for r in _rows(tables, "registrations", tz):
        period = {"start": r["start_date"], **({"end": r["end_date"]} if r["end_date"] else {})}
        spans[r["patient_id"]].append(_registration(r["practice_id"], period))
    for r in _rows(tables, "patients", tz):
        pid = r["patient_id"]
        registrations = spans.pop(pid, None) or [_registration(r["practice_id"], {
            "start": r["registered_from"], **({"end": r["registered_to"]} if r["registered_to"] else {})})]
        identifiers = _ident("Patient", pid)
        if r["nhs_number"]:
            identifiers.append({"system": v.NHS_NUMBER_SYSTEM, "value": r["nhs_number"]})
        patient: Json = {
            "resourceType": "Patient", "id": fhir_id("Patient", pid),
            "extension": (_ext(v.EXT_DEPRIVATION, "valueInteger", r["deprivation_decile"])
                          + _ext(v.EXT_HOUSEHOLD, "valueString", r["household_id"])
                          + _ext(v.EXT_HOMELESS, "valueBoolean", r.get("homeless")) + registrations),
            "identifier": identifiers, "gender": r["sex"], "birthDate": r["birth_date"],
            "generalPractitioner": [_ref("Organization", r["practice_id"])],
        }
        if r["death_date"]:
            patient["deceasedDateTime"] = r["death_date"]
        yield patient


def _registration(practice_id: str, period: Json) -> Json:
    return {"url": v.EXT_REGISTRATION, "extension": [
        {"url": "practice", "valueReference": _ref("Organization", practice_id)},
        {"url": "period", "valuePeriod": period},
    ]}


def _teams(tables: Mapping[str, pa.Table], tz: str, skipped: Counter[str]) -> Iterator[Json]:
    members: dict[str, list[str]] = defaultdict(list)
    for r in _rows(tables, "team_members", tz):
        members[r["team_id"]].append(r["clinician_id"])
    for r in _rows(tables, "teams", tz):
        team: Json = {"resourceType": "CareTeam", "id": fhir_id("CareTeam", r["team_id"]),
                      "identifier": _ident("CareTeam", r["team_id"]), "status": "active",
                      "category": [_coded(v.TEAM_KIND_SYSTEM, r["kind"])], "name": r["name"]}
        owners = [_ref("Organization", o) for o in (r["practice_id"], r["network_id"]) if o]
        if owners:
            team["managingOrganization"] = owners
        if members.get(r["team_id"]):
            team["participant"] = [{"member": _ref("Practitioner", c)} for c in members[r["team_id"]]]
        yield team
    for r in _rows(tables, "panels", tz):
        participants = []
        if r["clinician_id"]:
            participants.append({"role": [_coded(v.CARE_TEAM_ROLE_SYSTEM, v.NAMED_CLINICIAN)],
                                 "member": _ref("Practitioner", r["clinician_id"])})
        if r["team_id"]:
            participants.append({"member": _ref("CareTeam", r["team_id"])})
        if not participants:
            skipped["panel row with neither clinician nor team"] += 1
            continue
        yield {"resourceType": "CareTeam", "id": derived_id("CareTeam", r["patient_id"], r["start_date"]),
               "status": "active", "subject": _ref("Patient", r["patient_id"]),
               "period": {"start": r["start_date"]}, "participant": participants}


def _conditions(tables: Mapping[str, pa.Table], tz: str) -> Iterator[Json]:
    for r in _rows(tables, "conditions", tz):
        status = "resolved" if r["resolved_date"] else "active"
        condition: Json = {
            "resourceType": "Condition",
            "id": derived_id("Condition", r["patient_id"], r["snomed_code"], r["onset_date"]),
            "clinicalStatus": _coded(v.CONDITION_CLINICAL_SYSTEM, status),
            "code": _coded(v.SNOMED_SYSTEM, r["snomed_code"]),
            "subject": _ref("Patient", r["patient_id"]), "onsetDateTime": r["onset_date"],
        }
        if r["resolved_date"]:
            condition["abatementDateTime"] = r["resolved_date"]
        yield condition


def _appointments(tables: Mapping[str, pa.Table], tz: str) -> Iterator[Json]:
    if "appointments" not in tables:
        return
    table = tables["appointments"]
    ends = pc.add(table["booked_for"], pc.multiply(table["duration_minutes"].cast(pa.int64()), 60).cast(
        pa.duration("s")))
    table = table.append_column("__end", ends)
    for r in _rows({"appointments": table}, "appointments", tz, ("booked_for", "requested_at", "__end")):
        participants: list[Json] = [{"actor": _ref("Patient", r["patient_id"]), "status": "accepted"}]
        role = [_coded(v.ROLE_SYSTEM, r["role"], ROLES_BY_CODE[r["role"]].name)] if r["role"] else None
        if r["clinician_id"]:
            participants.append({**({"type": role} if role else {}),
                                 "actor": _ref("Practitioner", r["clinician_id"]), "status": "accepted"})
        elif role:
            participants.append({"type": role, "status": "needs-action"})
        appointment: Json = {
            "resourceType": "Appointment", "id": fhir_id("Appointment", r["appointment_id"]),
            "extension": (_ext(v.EXT_SITE, "valueReference", r["site_id"] and _ref("Organization", r["site_id"]))
                          + _ext(v.EXT_PRACTICE, "valueReference",
                                 r["practice_id"] and _ref("Organization", r["practice_id"]))),
            "identifier": _ident("Appointment", r["appointment_id"]),
            "status": v.APPOINTMENT_STATUS_OUT[r["status"]], "start": r["booked_for"],
            "participant": participants,
        }
        if r["mode"]:
            appointment["serviceType"] = [_coded(v.MODE_SYSTEM, r["mode"])]
        if r["urgency"]:
            appointment["appointmentType"] = _coded(v.URGENCY_SYSTEM, r["urgency"])
        if r["need_type"]:
            appointment["reasonCode"] = [_coded(v.NEED_TYPE_SYSTEM, r["need_type"])]
        if r["duration_minutes"] is not None:
            appointment["end"] = r["__end"]
            appointment["minutesDuration"] = r["duration_minutes"]
        if r["requested_at"]:
            appointment["created"] = r["requested_at"]
        yield appointment


def _care_plans(tables: Mapping[str, pa.Table], tz: str) -> Iterator[Json]:
    for r in _rows(tables, "care_plans", tz):
        cid, pid = r["care_plan_id"], r["patient_id"]
        goal_ids = [derived_id("Goal", cid, i) for i in range(len(r["goals"] or ()))]
        for gid, text in zip(goal_ids, r["goals"] or (), strict=True):
            goal: Json = {"resourceType": "Goal", "id": gid, "lifecycleStatus": "active",
                          "description": {"text": text}, "subject": _ref("Patient", pid)}
            if r["goals_patient_set"]:
                goal["expressedBy"] = _ref("Patient", pid)
            yield goal
        plan: Json = {
            "resourceType": "CarePlan", "id": fhir_id("CarePlan", cid),
            "extension": (_ext(v.EXT_REVIEW_DATE, "valueDate", r["review_date"])
                          + _ext(v.EXT_GOALS_PATIENT_SET, "valueBoolean", r["goals_patient_set"])),
            "identifier": _ident("CarePlan", cid), "status": r["status"], "intent": "plan",
            "subject": _ref("Patient", pid), "created": r["created_date"],
        }
        if r["key_worker_id"]:
            plan["author"] = _ref("Practitioner", r["key_worker_id"])
        if goal_ids:
            plan["goal"] = [{"reference": f"Goal/{g}"} for g in goal_ids]
        yield plan


def fhir_resources(tables: Mapping[str, pa.Table], timezone: str,
                   skipped: Counter[str] | None = None) -> Iterator[Json]:
    """Every FHIR resource for ``tables`` (canonical tables by name), referenced resources first."""
    skipped = Counter() if skipped is None else skipped
    for part in (_organizations(tables, timezone), _clinicians(tables, timezone), _patients(tables, timezone),
                 _teams(tables, timezone, skipped), _conditions(tables, timezone), _appointments(tables, timezone),
                 _care_plans(tables, timezone)):
        for resource in part:
            if "extension" in resource and not resource["extension"]:
                del resource["extension"]
            yield resource


def export_fhir(dataset: str | os.PathLike[str], out: str | os.PathLike[str], timezone: str) -> Counter[str]:
    """Write the dataset at ``dataset`` as FHIR to ``out``; return resources written per type.

    ``out`` ending in ``.json`` gets one collection Bundle; any other path a folder of
    ``<ResourceType>.ndjson`` files (the bulk-data layout). Nothing is left half-written.
    """
    ds = open_dataset(dataset)
    tables = ds.tables()
    target = Path(out)
    counts: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    resources = fhir_resources(tables, timezone, skipped)
    if target.suffix.lower() == ".json":
        entries = []
        for r in resources:
            counts[r["resourceType"]] += 1
            entries.append({"fullUrl": f"urn:uuid:{derived_id('fullUrl', r['resourceType'], r['id'])}",
                            "resource": r})
        bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
        _write_atomically(target, orjson.dumps(bundle, option=orjson.OPT_INDENT_2))
    else:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            handles: dict[str, Any] = {}
            for r in resources:
                kind = r["resourceType"]
                if kind not in handles:
                    handles[kind] = (staging / f"{kind}.ndjson").open("wb")
                handles[kind].write(orjson.dumps(r) + b"\n")
                counts[kind] += 1
            for handle in handles.values():
                handle.close()
            os.chmod(staging, 0o755)
            if target.exists():
                if any(p.suffix != ".ndjson" for p in target.iterdir()):
                    raise FileExistsError(f"{target} exists and holds files other than ndjson; choose a new folder")
                shutil.rmtree(target)
            os.rename(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    counts.update({f"skipped: {k}": n for k, n in skipped.items()})
    return counts


def _write_atomically(target: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
