"""The full scorecard (every section, every measure supported) and the case-finding worklists at M1 scale.

Workload: the M1 dataset of docs/reference/benchmarks.md (1,000,000 patients in 100 practices, about 5,000,000
appointments; written by ``bench_measures.generate``), completed so that no measure is left
unsupported. Benchmark constants, not evidence:

* every appointment answers its own request (``requests``), carries a need type within or outside its
  role's scope and its role's usual length; 10% of requests get a second appointment with another
  clinician of the practice;
* conditions: each patient draws Poisson((age / 60)²) QOF registers (mean about 0.9, 1.8 at 80) and,
  from 60, Poisson((age - 60) / 4) eFI deficits; palliative care for 0.3% of those on the cancer register;
* networks of five practices with a pharmacist, a link worker, a mental-health practitioner and a care
  co-ordinator each; care plans (with key worker and patient-set goals) for 8% of patients; 200,000
  referrals between professionals or to community services, 20,000 social prescriptions, 30,000
  discharge tasks.

Run: ``python bench/bench_scorecard_full.py`` (M1 scale) or ``--patients 100000``. Prints the time and
peak memory of the scorecard on DuckDB, from reading the Parquet files to the last number.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_measures import _days, _ids, cpu_seconds, generate, load_average  # noqa: E402
from carenet.schema import Manifest, conform  # noqa: E402
from carenet.schema.codelists import QOF_REGISTERS  # noqa: E402
from carenet.schema.codes import NEED_TYPES  # noqa: E402
from carenet.schema.roles import ROLES_BY_CODE  # noqa: E402

TARGET_SECONDS = 15.0
PRACTICES_PER_NETWORK = 5
NETWORK_ROLES = ("clinical_pharmacist", "splw", "mh_practitioner", "care_coordinator")
IN_SCOPE_SHARE = 0.85
SECOND_APPOINTMENT_SHARE = 0.10
CARE_PLAN_SHARE = 0.08
REFERRALS, SOCIAL_PRESCRIPTIONS, DISCHARGES = 200_000, 20_000, 30_000
AGE_PER_REGISTER, DEFICIT_AGE_FROM, AGE_PER_DEFICIT = 60.0, 60.0, 4.0
REFERENCE = date(2024, 12, 31)


def _with(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    """``table`` with column ``name`` set to ``values`` (replaced if present)."""
    if name in table.column_names:
        return table.set_column(table.schema.get_field_index(name), name, values)
    return table.append_column(name, values)


def complete(folder: Path, seed: int) -> dict[str, int]:
    """Add to the M1 dataset in ``folder`` every table and column the scorecard reads."""
    rng = np.random.default_rng(seed + 1)
    patients = pq.read_table(folder / "patients.parquet")
    practices = pq.read_table(folder / "practices.parquet")
    clinicians = pq.read_table(folder / "clinicians.parquet")
    appointments = pq.read_table(folder / "appointments.parquet")
    n_pat, n_prac, n_app = patients.num_rows, practices.num_rows, appointments.num_rows

    network_of = np.arange(n_prac) // PRACTICES_PER_NETWORK
    n_net = int(network_of.max()) + 1
    network_ids = _ids("N", n_net)
    practices = _with(practices, "network_id", network_ids.take(network_of))
    networks = pa.table({"network_id": network_ids, "name": network_ids, "kind": pa.array(["pcn"] * n_net)})
    shared = pa.table({
        "clinician_id": _ids("n", n_net * len(NETWORK_ROLES)),
        "role": pa.array(np.tile(NETWORK_ROLES, n_net)),
        "network_id": network_ids.take(np.repeat(np.arange(n_net), len(NETWORK_ROLES))),
        "fte": np.ones(n_net * len(NETWORK_ROLES)),
    })
    clinicians = pa.concat_tables([conform("clinicians", clinicians), conform("clinicians", shared)])
    clinicians = _with(clinicians, "sessions_per_week", pa.array(np.full(clinicians.num_rows, 8.0)))

    roles = appointments.column("role").to_numpy(zero_copy_only=False)
    scope = {r: np.array(ROLES_BY_CODE[r].need_types) for r in set(roles)}
    need = np.empty(n_app, dtype=object)
    for role, needs in scope.items():
        where = np.flatnonzero(roles == role)
        inside = needs[rng.integers(0, len(needs), len(where))]
        outside = np.array(NEED_TYPES)[rng.integers(0, len(NEED_TYPES), len(where))]
        need[where] = np.where(rng.random(len(where)) < IN_SCOPE_SHARE, inside, outside)
    minutes = np.array([ROLES_BY_CODE[r].usual_minutes for r in roles], dtype=np.int16)
    request_ids = _ids("r", n_app)
    for name, values in (("need_type", pa.array(need, pa.string())), ("duration_minutes", pa.array(minutes)),
                         ("request_id", request_ids)):
        appointments = _with(appointments, name, values)
    seconds = appointments.filter(pa.array(rng.random(n_app) < SECOND_APPOINTMENT_SHARE))
    seconds = seconds.set_column(0, "appointment_id", pc.binary_join_element_wise(seconds["appointment_id"], "b", ""))
    appointments = pa.concat_tables([conform("appointments", appointments), conform("appointments", seconds)])
    requests = pa.table({
        "request_id": request_ids, "patient_id": appointments["patient_id"].slice(0, n_app),
        "practice_id": appointments["practice_id"].slice(0, n_app),
        "requested_at": appointments["requested_at"].slice(0, n_app),
        "need_type": pa.array(need, pa.string()),
        "urgency": appointments["urgency"].slice(0, n_app), "channel": pa.array(["telephone"] * n_app),
    })

    birth = patients["birth_date"].cast(pa.int32()).to_numpy()
    age = (_days(REFERENCE) - birth) / 365.25
    registers = [r for r in QOF_REGISTERS if r.code not in ("PC",)]
    n_reg = rng.poisson((age / AGE_PER_REGISTER) ** 2)
    who = np.repeat(np.arange(n_pat), n_reg)
    reg = rng.integers(0, len(registers), len(who))
    codes = np.array([r.snomed[0] for r in registers])[reg]
    reg_codes = np.array([r.code for r in registers])[reg]
    n_def = rng.poisson(np.clip(age - DEFICIT_AGE_FROM, 0, None) / AGE_PER_DEFICIT)
    dwho = np.repeat(np.arange(n_pat), n_def)
    deficit = rng.integers(1, 37, len(dwho))
    onset = rng.integers(_days(date(2000, 1, 1)), _days(date(2024, 6, 1)), len(who) + len(dwho)).astype(np.int32)
    cancer = who[reg_codes == "CAN"]
    palliative = cancer[rng.random(len(cancer)) < 0.003]
    pids = patients["patient_id"]
    conditions = pa.table({
        "patient_id": pids.take(np.concatenate([who, dwho, palliative])),
        "snomed_code": pa.array(np.concatenate([codes, np.char.add("D", deficit.astype(str)),
                                                np.full(len(palliative), "103735009")]).astype(str)),
        "register": pa.array(np.concatenate([reg_codes, np.full(len(dwho), None),
                                             np.full(len(palliative), "PC")]), pa.string()),
        "efi_deficit": pa.array(np.concatenate([np.full(len(who), None), deficit, np.full(len(palliative), None)]),
                                pa.int8()),
        "onset_date": pa.array(np.concatenate([onset, np.full(len(palliative), _days(date(2024, 1, 1)),
                                                              np.int32)]), pa.date32()),
    })

    n_cp = int(n_pat * CARE_PLAN_SHARE)
    cp_who = rng.choice(n_pat, n_cp, replace=False)
    gp_ids = clinicians["clinician_id"]
    care_plans = pa.table({
        "care_plan_id": _ids("cp", n_cp), "patient_id": pids.take(cp_who),
        "key_worker_id": pa.array(np.where(rng.random(n_cp) < 0.7, gp_ids.take(rng.integers(0, len(gp_ids), n_cp))
                                           .to_numpy(zero_copy_only=False), None), pa.string()),
        "status": pa.array(np.where(rng.random(n_cp) < 0.9, "active", "completed")),
        "created_date": pa.array(rng.integers(_days(date(2023, 1, 1)), _days(date(2024, 12, 1)), n_cp)
                                 .astype(np.int32), pa.date32()),
        "review_date": pa.array(rng.integers(_days(date(2024, 6, 1)), _days(date(2025, 6, 1)), n_cp)
                                .astype(np.int32), pa.date32()),
        "goals_patient_set": pa.array(rng.random(n_cp) < 0.6),
    })
    stamp = appointments["booked_for"].slice(0, n_app)

    def moments(n: int) -> pa.Array:
        return stamp.take(rng.integers(0, n_app, n))

    to_service = rng.random(REFERRALS) < 0.2
    referrals = pa.table({
        "referral_id": _ids("f", REFERRALS), "patient_id": pids.take(rng.integers(0, n_pat, REFERRALS)),
        "to_clinician_id": pa.array(np.where(to_service, None, gp_ids.take(rng.integers(0, len(gp_ids), REFERRALS))
                                             .to_numpy(zero_copy_only=False)), pa.string()),
        "to_service_id": pa.array(np.where(to_service, "S1", None), pa.string()),
        "kind": pa.array(np.where(rng.random(REFERRALS) < 0.4, "informal", "formal")),
        "created_at": moments(REFERRALS),
    })
    social = pa.table({
        "social_prescription_id": _ids("s", SOCIAL_PRESCRIPTIONS),
        "patient_id": pids.take(rng.integers(0, n_pat, SOCIAL_PRESCRIPTIONS)), "service_id": pa.array(
            ["S1"] * SOCIAL_PRESCRIPTIONS), "referred_at": moments(SOCIAL_PRESCRIPTIONS),
        "taken_up": pa.array(rng.random(SOCIAL_PRESCRIPTIONS) < 0.6),
    })
    tasks = pa.table({
        "task_id": _ids("t", DISCHARGES), "patient_id": pids.take(rng.integers(0, n_pat, DISCHARGES)),
        "kind": pa.array(["discharge"] * DISCHARGES), "created_at": moments(DISCHARGES),
        "status": pa.array(["open"] * DISCHARGES),
    })
    services = pa.table({"service_id": ["S1"], "name": ["Walking group"], "category": ["exercise"]})
    tables = {"networks": networks, "practices": practices, "clinicians": clinicians, "conditions": conditions,
              "requests": requests, "appointments": appointments, "care_plans": care_plans,
              "community_services": services, "referrals": referrals, "social_prescriptions": social,
              "tasks": tasks}
    counts = {"patients": n_pat, "panels": n_pat}
    for name, table in tables.items():
        conformed = conform(name, table)
        pq.write_table(conformed, folder / f"{name}.parquet", compression="zstd")
        counts[name] = conformed.num_rows
    (folder / "manifest.json").write_text(Manifest(sources=["bench M1 full"], counts=counts, seed=seed).to_json())
    return counts


def run_scorecard(folder: Path, queue: mp.Queue) -> None:
    from carenet.cli.commands_score import scorecard_config
    from carenet.measures import case_finding, load, profile_for, scorecard
    from carenet.measures.worklists import WorklistConfig
    from carenet.schema import open_dataset
    from carenet.twin.experiments.scoring import population_config

    start, cpu_start = time.perf_counter(), cpu_seconds()
    tables = load(open_dataset(folder))
    card = scorecard(tables, scorecard_config(REFERENCE, None), label="M1 full")
    card_s, card_cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    start = time.perf_counter()
    profile = profile_for(tables, REFERENCE, population_config())
    worklist = case_finding(tables, profile, REFERENCE, WorklistConfig(3, 365))
    worklist_s = time.perf_counter() - start
    unsupported = [f"{a}.{k}" for a, s in card.sections.items() for k, v in s.items() if not isinstance(v, float)]
    queue.put((card_s, card_cpu, worklist_s, worklist.counts(), unsupported,
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="carenet-bench-full-") as tmp:
        folder = Path(tmp)
        generate(folder, args.patients, args.seed)
        counts = complete(folder, args.seed)
        print(f"dataset: {counts['patients']:,} patients, {counts['appointments']:,} appointments, "
              f"{counts['conditions']:,} conditions, {counts['requests']:,} requests")
        queue: mp.Queue = mp.get_context("spawn").Queue()
        proc = mp.get_context("spawn").Process(target=run_scorecard, args=(folder, queue))
        proc.start()
        before = load_average()
        card_s, card_cpu, worklist_s, worklist, unsupported, peak = queue.get()
        proc.join()
    print(f"full scorecard on DuckDB: {card_s:6.2f} s (CPU {card_cpu:6.2f} s; target {TARGET_SECONDS:.0f} s), "
          f"peak {peak:,.0f} MiB; load average {before} before, {load_average()} after")
    print(f"case-finding worklists:   {worklist_s:6.2f} s, {worklist}")
    print(f"measures without a number: {unsupported or 'none'}")


if __name__ == "__main__":
    main()
