"""SNOMED CT code lists: QOF registers and the 36 electronic Frailty Index deficits.

Each list names the concepts carenet writes and recognises, with an evidence tag:
``V`` the concept ID was confirmed against public code (docs/reference/parameters.md §3.3), ``M`` a well-known
concept quoted from memory and not yet checked against a terminology server. QOF-faithful
extraction should use the NHS Digital primary-care domain reference sets (``HYP_COD`` …) from
OpenCodelists; these single concepts are what carenet emits and the minimum it matches on import.

The eFI list is **partial**: Clegg et al. 2016 published 2,171 CTV3 / 1,574 Read v2 codes, not
SNOMED CT. Deficits whose ``snomed`` tuple is empty have no concept carenet can yet vouch for;
importers then cannot detect them and the eFI of imported data is a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Register:
    code: str
    name: str
    snomed: tuple[str, ...]
    min_age: int
    tag: str


QOF_REGISTERS: tuple[Register, ...] = (
    Register("HYP", "Hypertension", ("38341003", "59621000"), 0, "V"),
    Register("DM", "Diabetes mellitus", ("73211009", "44054006", "46635009"), 17, "V"),
    Register("AST", "Asthma", ("195967001",), 6, "V"),
    Register("COPD", "COPD", ("13645005",), 0, "V"),
    Register("CHD", "Coronary heart disease", ("414545008", "53741008"), 0, "V"),
    Register("HF", "Heart failure", ("84114007",), 0, "V"),
    Register("AF", "Atrial fibrillation", ("49436004",), 0, "V"),
    Register("STIA", "Stroke and TIA", ("230690007", "266257000"), 0, "V"),
    Register("CKD", "Chronic kidney disease stage 3-5", ("709044004", "433144002", "431857002", "433146000"), 18, "V"),
    Register("DEP", "Depression", ("35489007",), 18, "V"),
    Register("MH", "Severe mental illness", ("58214004", "13746004", "69322001"), 0, "V"),
    Register("DEM", "Dementia", ("52448006",), 0, "V"),
    Register("CAN", "Cancer", ("363346000",), 0, "V"),
    Register("EP", "Epilepsy", ("84757009",), 18, "V"),
    Register("OST", "Osteoporosis", ("64859006",), 50, "V"),
    Register("LD", "Learning disability", ("110359009",), 0, "V"),
    Register("PC", "Palliative care", ("103735009",), 0, "V"),
    Register("OB", "Obesity", ("414916001",), 18, "M"),
    Register("PAD", "Peripheral arterial disease", ("400047006",), 0, "M"),
    Register("RA", "Rheumatoid arthritis", ("69896004",), 16, "M"),
)

REGISTERS_BY_CODE: dict[str, Register] = {r.code: r for r in QOF_REGISTERS}


@dataclass(frozen=True)
class Deficit:
    id: int
    name: str
    snomed: tuple[str, ...]
    tag: str | None


EFI_DEFICITS: tuple[Deficit, ...] = (
    Deficit(1, "Activity limitation", ("300776001",), "M"),
    Deficit(2, "Anaemia and haematinic deficiency", ("271737000",), "M"),
    Deficit(3, "Arthritis", ("3723001",), "M"),
    Deficit(4, "Atrial fibrillation", ("49436004",), "V"),
    Deficit(5, "Cerebrovascular disease", ("230690007", "266257000"), "V"),
    Deficit(6, "Chronic kidney disease", ("709044004",), "V"),
    Deficit(7, "Diabetes", ("73211009", "44054006", "46635009"), "V"),
    Deficit(8, "Dizziness", ("404640003",), "M"),
    Deficit(9, "Dyspnoea", ("267036007",), "M"),
    Deficit(10, "Falls", ("161898004",), "M"),
    Deficit(11, "Foot problems", (), None),
    Deficit(12, "Fragility fracture", (), None),
    Deficit(13, "Hearing impairment", ("15188001",), "M"),
    Deficit(14, "Heart failure", ("84114007",), "V"),
    Deficit(15, "Heart valve disease", ("368009",), "M"),
    Deficit(16, "Housebound", ("160689007",), "M"),
    Deficit(17, "Hypertension", ("38341003", "59621000"), "V"),
    Deficit(18, "Hypotension/syncope", ("45007003", "271594007"), "M"),
    Deficit(19, "Ischaemic heart disease", ("414545008", "53741008"), "V"),
    Deficit(20, "Memory and cognitive problems", ("386807006", "52448006"), "M"),
    Deficit(21, "Mobility and transfer problems", ("301438001",), "M"),
    Deficit(22, "Osteoporosis", ("64859006",), "V"),
    Deficit(23, "Parkinsonism and tremor", ("32798002", "26079004"), "M"),
    Deficit(24, "Peptic ulcer", ("13200003",), "M"),
    Deficit(25, "Peripheral vascular disease", ("400047006",), "M"),
    Deficit(26, "Polypharmacy", (), None),
    Deficit(27, "Requirement for care", (), None),
    Deficit(28, "Respiratory disease", ("13645005", "195967001"), "V"),
    Deficit(29, "Skin ulcer", ("46742003",), "M"),
    Deficit(30, "Sleep disturbance", ("39898005",), "M"),
    Deficit(31, "Social vulnerability", ("105529008",), "M"),
    Deficit(32, "Thyroid disease", ("14304000",), "M"),
    Deficit(33, "Urinary incontinence", ("165232002",), "M"),
    Deficit(34, "Urinary system disease", (), None),
    Deficit(35, "Visual impairment", ("397540003",), "M"),
    Deficit(36, "Weight loss and anorexia", ("89362005",), "M"),
)

EFI_DEFICIT_COUNT = 36
"""The eFI denominator (Clegg 2016): a score is deficits present / 36."""


def register_for_code(snomed_code: str) -> str | None:
    """The QOF register a SNOMED concept belongs to, or None."""
    return _REGISTER_BY_SNOMED.get(snomed_code)


def deficits_for_code(snomed_code: str) -> tuple[int, ...]:
    """The eFI deficit ids a SNOMED concept counts towards (one concept may count for several)."""
    return _DEFICITS_BY_SNOMED.get(snomed_code, ())


def deficit_primary_code(deficit_id: int) -> str | None:
    """The concept carenet writes when it records ``deficit_id`` without a register condition."""
    codes = EFI_DEFICITS[deficit_id - 1].snomed
    return codes[0] if codes else None


_REGISTER_BY_SNOMED: dict[str, str] = {c: r.code for r in QOF_REGISTERS for c in r.snomed}
_DEFICITS_BY_SNOMED: dict[str, tuple[int, ...]] = {}
for _d in EFI_DEFICITS:
    for _c in _d.snomed:
        _DEFICITS_BY_SNOMED[_c] = (*_DEFICITS_BY_SNOMED.get(_c, ()), _d.id)
