"""Run output: the diaries table carries every practice lane's slots, per clinician, day and slot type, and
validates; slots held for the day are typed ``on_the_day``, a long lane's slots ``long`` with their own length."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from carenet.models import load_model
from carenet.network.diaries import LONG, STANDARD
from carenet.schema import validate_dataset
from carenet.twin import run_model, run_tables


def test_diaries_hold_every_practice_slot(small_population, run_start):
    run = run_model(load_model("health_care_home"), small_population, start=run_start, days=6, seed=3)
    tables = run_tables(run)
    diaries = tables["diaries"]
    lanes = run.setup.lanes
    at_practice = lanes.site >= 0
    assert pc.sum(diaries.column("slots")).as_py() == int(lanes.capacity[at_practice].sum())
    assert pc.min(diaries.column("slots")).as_py() > 0
    key = ["clinician_id", "date", "site_id", "slot_type"]
    assert diaries.group_by(key).aggregate([]).num_rows == diaries.num_rows
    by_type = {r["slot_type"]: r["slots_sum"] for r in diaries.group_by("slot_type").aggregate(
        [("slots", "sum")]).to_pylist()}
    standard, long = at_practice & (lanes.kind == STANDARD), at_practice & (lanes.kind == LONG)
    assert lanes.held[standard].sum() > 0 and long.any()  # held slots, and long lanes
    assert by_type == {"routine": int((lanes.capacity - lanes.held)[standard].sum()),
                       "on_the_day": int(lanes.held[standard].sum()), "long": int(lanes.capacity[long].sum())}
    minutes = {r["slot_type"]: set(r["slot_minutes_distinct"]) for r in diaries.group_by("slot_type").aggregate(
        [("slot_minutes", "distinct")]).to_pylist()}
    assert minutes["long"] == set(lanes.slot_minutes[long].tolist())
    assert minutes["routine"] == minutes["on_the_day"] == set(lanes.slot_minutes[standard].tolist())
    dates = np.unique(diaries.column("date").to_numpy())
    assert dates.size == run.setup.diary_days  # the simulated days and the booking horizon after them
    one = lanes.clinician[at_practice][0]
    cid = run.setup.staff.clinician_id[one]
    mine = diaries.filter(pc.equal(diaries.column("clinician_id"), cid))
    assert pc.sum(mine.column("slots")).as_py() == int(lanes.capacity[(lanes.clinician == one) & at_practice].sum())
    assert validate_dataset(tables) == []
