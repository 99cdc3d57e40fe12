"""Reference segmentation, frailty, multimorbidity, risk tier and complexity, one patient at a time.

Written from docs/measures/population.md, not from the Ibis code.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from carenet.measures.reference.rows import Rows, day_of
from carenet.measures.segments import PopulationConfig
from carenet.measures.support import Unsupported

LTC = {"HYP", "DM", "AST", "COPD", "CHD", "HF", "AF", "STIA", "CKD", "DEP", "MH", "DEM", "CAN", "EP", "OST", "LD",
       "OB", "PAD", "RA"}
CMS_BY_REGISTER = {"DEP": "Anxiety/depression", "AF": "Atrial fibrillation", "CAN": "Cancer (new diagnosis)",
                   "CKD": "Chronic kidney disease", "RA": "Connective tissue disorder", "COPD": "COPD",
                   "CHD": "Coronary heart disease", "DEM": "Dementia", "DM": "Diabetes", "EP": "Epilepsy",
                   "HF": "Heart failure", "MH": "Psychosis/bipolar", "STIA": "Stroke/TIA", "AST": "Asthma",
                   "HYP": "Hypertension"}
HEARING_DEFICIT = 13
HOUSEBOUND_DEFICIT = 16
CKD_STAGE_4_5 = {"431857002", "433146000"}


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def efi_category(deficits: int) -> str:
    """Frailty Toolkit cut-offs on deficits / 36."""
    score = deficits / 36
    if score <= 0.12:
        return "fit"
    if score <= 0.24:
        return "mild"
    if score <= 0.36:
        return "moderate"
    return "severe"


def _five_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 5)
    except ValueError:
        return day.replace(year=day.year - 5, day=28)


def profile(rows: Rows, as_of: date, config: PopulationConfig) -> dict[str, dict[str, Any]]:
    """patient_id → the profile columns of :func:`carenet.measures.segments.patient_profile`."""
    by_patient: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in rows.get("conditions", []):
        if c["onset_date"] <= as_of:
            by_patient[c["patient_id"]].append(c)
    acute_from = as_of - timedelta(days=config.acute_window_days - 1)
    acute = {a["patient_id"] for a in rows.get("appointments", [])
             if a["status"] == "attended" and a["need_type"] in ("acute_minor", "acute_complex")
             and acute_from <= day_of(a["booked_for"]) <= as_of}
    out = {}
    for p in rows["patients"]:
        registered = (p["registered_from"] <= as_of and (p["registered_to"] is None or p["registered_to"] >= as_of)
                      and (p["death_date"] is None or p["death_date"] > as_of) and p["birth_date"] <= as_of)
        if not registered:
            continue
        age = age_on(p["birth_date"], as_of)
        recorded = by_patient.get(p["patient_id"], [])
        active = [c for c in recorded if c["resolved_date"] is None or c["resolved_date"] > as_of]
        registers = {c["register"] for c in active if c["register"] is not None}
        deficits = {c["efi_deficit"] for c in recorded if c["efi_deficit"] is not None}
        ltc = len(registers & LTC)
        present = set()
        for c in active:
            name = CMS_BY_REGISTER.get(c["register"])
            if name == "Cancer (new diagnosis)" and not c["onset_date"] > _five_years_before(as_of):
                name = None
            if name:
                present.add(name)
            if c["efi_deficit"] == HEARING_DEFICIT:
                present.add("Hearing loss")
        cms = sum(config.cms_weights[n] for n in present)
        category = efi_category(len(deficits)) if age >= 65 else None
        frail = category in ("moderate", "severe")
        if "DEM" in registers or frail:
            segment = 8
        elif registers & {"HF", "COPD"} or any(c["snomed_code"] in CKD_STAGE_4_5 for c in active):
            segment = 7
        elif {"CAN", "PC"} <= registers:
            segment = 6
        elif registers & {"LD", "MH"} or any(c["efi_deficit"] == HOUSEBOUND_DEFICIT for c in active):
            segment = 5
        elif ltc >= 1:
            segment = 4
        elif p["patient_id"] in acute:
            segment = 3
        elif age < 1:
            segment = 2
        else:
            segment = 1
        if segment >= 6:
            tier = 4
        elif segment == 5 or ltc >= config.high_risk_min_ltc:
            tier = 3
        elif segment == 4 or category == "mild":
            tier = 2
        else:
            tier = 1
        rule = config.complex_rule
        complex_ = ltc >= rule.min_ltc_count or category in rule.efi_categories or segment >= rule.min_segment
        out[p["patient_id"]] = {
            "patient_id": p["patient_id"], "practice_id": p["practice_id"], "sex": p["sex"],
            "deprivation_decile": p["deprivation_decile"], "age": age, "ltc_count": ltc, "cms": cms,
            "efi_deficits": len(deficits), "efi_score": len(deficits) / 36, "efi_category": category,
            "b2h_segment": segment, "risk_tier": tier, "complex": complex_,
        }
    return out


def population_summary(prof: dict[str, dict[str, Any]]) -> dict[str, float | Unsupported]:
    people = list(prof.values())
    n = len(people)
    if not n:
        return {"registered_patients": 0.0}
    older = [p for p in people if p["age"] >= 65]
    out: dict[str, float | Unsupported] = {
        "registered_patients": float(n),
        "mean_ltc_count": sum(p["ltc_count"] for p in people) / n,
        "multimorbid_share": sum(p["ltc_count"] >= 2 for p in people) / n,
        "mean_cms": sum(p["cms"] for p in people) / n,
        "frail_share_65plus": (sum(p["efi_category"] in ("moderate", "severe") for p in older) / len(older)
                               if older else Unsupported("no registered patients aged 65+")),
        "complex_share": sum(p["complex"] for p in people) / n,
    }
    for k in range(1, 9):
        out[f"segment_{k}_share"] = sum(p["b2h_segment"] == k for p in people) / n
    for k in range(1, 5):
        out[f"risk_tier_{k}_share"] = sum(p["risk_tier"] == k for p in people) / n
    return out
