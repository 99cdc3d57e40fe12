"""Editing extract files in tests: read a CSV into rows, change them, write it back."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "extract"
"""The sample extract shipped with the project."""


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)


def edit(path: Path, line: int, **values: str) -> None:
    """Set ``values`` on the record at file ``line`` (the header is line 1)."""
    header, rows = read_rows(path)
    rows[line - 2].update(values)
    write_rows(path, header, rows)


def folder_digest(folder: Path) -> str:
    """A digest of every file under ``folder`` (names and bytes), to show that nothing changed."""
    digest = hashlib.sha256()
    if folder.exists():
        for path in sorted(folder.rglob("*")):
            digest.update(str(path.relative_to(folder)).encode())
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


def write_large_extract(folder: Path, appointments: int, patients: int, seed: int) -> None:
    """A valid synthetic extract of the given size (vectorised, so a million rows take seconds)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    ids = np.char.add("P", np.arange(patients).astype(str))
    nine = 400_000_000 + rng.permutation(patients).astype(np.int64) * 7
    digits = np.stack([(nine // 10**k) % 10 for k in range(8, -1, -1)], axis=1)
    check = (11 - (digits @ np.arange(10, 1, -1)) % 11) % 11
    nhs = pa.array(np.char.add(nine.astype(str), check.astype(str)), pa.string())
    nhs = pa.compute.if_else(pa.array(check == 10), pa.scalar(None, pa.string()), nhs)
    birth = np.datetime64("1930-01-01") + rng.integers(0, 33_000, patients)
    start = np.maximum(np.datetime64("2010-01-01") + rng.integers(0, 4_000, patients), birth)
    staff = np.char.add("G", np.arange(120).astype(str))
    folder.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(pa.table({
        "patient_id": ids, "nhs_number": nhs, "birth_date": birth.astype(str), "sex": rng.choice(["F", "M"], patients),
        "practice_code": np.char.add("X", rng.integers(0, 30, patients).astype(str)),
        "registered_from": start.astype(str), "named_gp": rng.choice(staff, patients),
    }), folder / "registrations.csv")
    pacsv.write_csv(pa.table({"clinician_id": staff, "role": rng.choice(["GP", "Practice nurse", "ANP"], 120),
                              "fte": np.full(120, 0.8)}), folder / "clinicians.csv")
    when = np.datetime64("2024-01-01T08:00") + rng.integers(0, 365 * 24 * 60, appointments).astype("timedelta64[m]")
    asked = when - rng.integers(0, 20 * 24 * 60, appointments).astype("timedelta64[m]")
    pacsv.write_csv(pa.table({
        "appointment_id": np.char.add("A", np.arange(appointments).astype(str)),
        "patient_id": ids[rng.integers(0, patients, appointments)],
        "clinician_id": staff[rng.integers(0, 120, appointments)],
        "requested_at": np.datetime_as_string(asked), "booked_for": np.datetime_as_string(when),
        "mode": rng.choice(["Face to face", "Telephone", "Video"], appointments),
        "status": rng.choice(["Attended", "DNA", "Cancelled"], appointments),
        "urgency": rng.choice(["Routine", "Same day"], appointments),
    }), folder / "appointments.csv")
