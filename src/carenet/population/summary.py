"""What a population looks like: ages, register prevalence, multimorbidity, frailty and workforce.

Computed with DuckDB, straight from a dataset's Parquet files or from Arrow tables in memory, so
a national dataset is summarised without loading it. Every figure here is compared against
published ones by :mod:`carenet.population.check` and shown by ``carenet demo``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from carenet.population.efi import DEFICITS_SQL, deficit_map, register_map
from carenet.population.frailty import CATEGORIES, ELDERLY_AGE, category_limits
from carenet.population.settings import Settings, settings
from carenet.schema.codelists import REGISTERS_BY_CODE
from carenet.schema.dataset import Dataset
from carenet.schema.errors import CarenetError


@dataclass(frozen=True)
class Summary:
    """Counts by single year of age (the last year pools everyone older), by register and by eFI category."""

    reference_date: dt.date
    age_counts: np.ndarray
    register_cases: dict[str, int]
    multimorbid_by_age: np.ndarray
    efi_counts_65: np.ndarray
    practices: pa.Table
    workforce: pa.Table

    @property
    def patients(self) -> int:
        return int(self.age_counts.sum())

    def in_band(self, counts: np.ndarray, lo: int, hi: int | None) -> int:
        return int(counts[lo:hi].sum())

    def age_share(self, lo: int, hi: int | None) -> float:
        return self.in_band(self.age_counts, lo, hi) / max(1, self.patients)

    def prevalence(self, register: str, denominator_age: int) -> float:
        """Register cases over patients of at least ``denominator_age`` (the QOF denominator)."""
        return self.register_cases.get(register, 0) / max(1, self.in_band(self.age_counts, denominator_age, None))

    def multimorbidity(self, lo: int, hi: int | None) -> float:
        """Share with two or more counted registers among patients aged ``lo`` to ``hi`` (exclusive)."""
        return self.in_band(self.multimorbid_by_age, lo, hi) / max(1, self.in_band(self.age_counts, lo, hi))

    def frailty_shares(self) -> dict[str, float]:
        total = max(1, int(self.efi_counts_65.sum()))
        return {c: float(n) / total for c, n in zip(CATEGORIES, self.efi_counts_65, strict=True)}


def _quote(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def _attach(con: duckdb.DuckDBPyConnection, source: Dataset | Mapping[str, pa.Table]) -> set[str]:
    names = ("patients", "conditions", "practices", "clinicians")
    present = set()
    for name in names:
        if isinstance(source, Dataset):
            if name not in source:
                continue
            where = source.arrow_path(name)
            glob = str(where / "**" / "*.parquet") if where.is_dir() else str(where)
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_quote(glob)})")
        else:
            if name not in source:
                continue
            con.register(name, source[name])
        present.add(name)
    return present


def _histogram(rows: list[tuple[int, int]], size: int) -> np.ndarray:
    counts = np.zeros(size, dtype=np.int64)
    for age, n in rows:
        counts[min(max(int(age), 0), size - 1)] += int(n)
    return counts


def summarise(source: Dataset | Mapping[str, pa.Table], reference_date: dt.date | None = None,
              s: Settings | None = None) -> Summary:
    """Summarise the registered, living patients of ``source`` on ``reference_date``."""
    s = s or settings()
    ref = reference_date or s.reference_date
    con = duckdb.connect()
    try:
        present = _attach(con, source)
        if "patients" not in present:
            raise CarenetError("the dataset has no patients table to summarise")
        con.register("deficit_map", deficit_map())
        con.register("register_map", register_map())
        ref_sql = f"DATE '{ref.isoformat()}'"
        con.execute(f"""
            CREATE TEMP TABLE people AS
            SELECT patient_id, practice_id,
                   year({ref_sql}) - year(birth_date) - CASE WHEN month(birth_date) > {ref.month}
                       OR (month(birth_date) = {ref.month} AND day(birth_date) > {ref.day}) THEN 1 ELSE 0 END AS age
            FROM patients
            WHERE birth_date <= {ref_sql}
              AND (registered_to IS NULL OR registered_to >= {ref_sql})
              AND (death_date IS NULL OR death_date > {ref_sql})
        """)
        size = s.max_age + 1
        ages = _histogram(con.execute("SELECT age, count(*) FROM people GROUP BY age").fetchall(), size)
        registers: dict[str, int] = {}
        multimorbid = np.zeros(size, dtype=np.int64)
        efi = np.zeros(len(CATEGORIES), dtype=np.int64)
        if "conditions" in present:
            con.execute(f"""
                CREATE TEMP TABLE on_register AS
                SELECT DISTINCT c.patient_id, coalesce(c.register, m.register) AS register
                FROM conditions c LEFT JOIN register_map m USING (snomed_code)
                WHERE coalesce(c.register, m.register) IS NOT NULL AND c.onset_date <= {ref_sql}
                  AND (c.resolved_date IS NULL OR c.resolved_date > {ref_sql})
            """)
            min_age = pa.table({"register": list(REGISTERS_BY_CODE),
                                "min_age": [r.min_age for r in REGISTERS_BY_CODE.values()]})
            con.register("register_min_age", min_age)
            for code, n in con.execute("""
                SELECT r.register, count(*) FROM on_register r JOIN people p USING (patient_id)
                JOIN register_min_age a USING (register) WHERE p.age >= a.min_age GROUP BY r.register
            """).fetchall():
                registers[code] = int(n)
            excluded = ", ".join(_quote(code) for code in s.multimorbidity_excluded) or "''"
            multimorbid = _histogram(con.execute(f"""
                SELECT p.age, count(*) FROM people p JOIN (
                    SELECT patient_id FROM on_register WHERE register NOT IN ({excluded})
                    GROUP BY patient_id HAVING count(*) >= 2
                ) USING (patient_id) GROUP BY p.age
            """).fetchall(), size)
            limits = category_limits(s)
            cases = " ".join(f"WHEN coalesce(d.n, 0) <= {int(lim)} THEN {k}" for k, lim in enumerate(limits))
            for category, n in con.execute(f"""
                SELECT CASE {cases} ELSE {len(limits)} END AS category, count(*)
                FROM people p LEFT JOIN (
                    SELECT patient_id, count(*) AS n FROM ({DEFICITS_SQL}) GROUP BY patient_id
                ) d USING (patient_id)
                WHERE p.age >= {ELDERLY_AGE} GROUP BY category
            """).fetchall():
                efi[int(category)] = int(n)
        practices = _practices(con, present)
        workforce = _workforce(con, present)
    finally:
        con.close()
    return Summary(ref, ages, registers, multimorbid, efi, practices, workforce)


def _practices(con: duckdb.DuckDBPyConnection, present: set[str]) -> pa.Table:
    if "practices" not in present:
        return con.sql("SELECT practice_id, count(*) AS patients FROM people GROUP BY 1 ORDER BY 1").to_arrow_table()
    return con.sql("""
        SELECT pr.practice_id, pr.name, pr.network_id, pr.imd_score, pr.list_size, coalesce(n.patients, 0) AS patients
        FROM practices pr LEFT JOIN (SELECT practice_id, count(*) AS patients FROM people GROUP BY 1) n
        USING (practice_id) ORDER BY pr.practice_id
    """).to_arrow_table()


def _workforce(con: duckdb.DuckDBPyConnection, present: set[str]) -> pa.Table:
    if "clinicians" not in present:
        return pa.table({"role": pa.array([], pa.string()), "people": pa.array([], pa.int64()),
                         "fte": pa.array([], pa.float64())})
    return con.sql("""
        SELECT role, count(*) AS people, round(sum(fte), 2) AS fte FROM clinicians GROUP BY role ORDER BY role
    """).to_arrow_table()
