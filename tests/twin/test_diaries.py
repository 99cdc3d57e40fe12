"""Run output: the diaries table carries every practice lane's slots, per clinician and day, and validates."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from carenet.models import load_model
from carenet.schema import validate_dataset
from carenet.twin import run_model, run_tables


def test_diaries_hold_every_practice_slot(small_population, run_start):
    run = run_model(load_model("micro_teams"), small_population, start=run_start, days=6, seed=3)
    tables = run_tables(run)
    diaries = tables["diaries"]
    lanes = run.setup.lanes
    at_practice = lanes.site >= 0
    assert pc.sum(diaries.column("slots")).as_py() == int(lanes.capacity[at_practice].sum())
    assert pc.min(diaries.column("slots")).as_py() > 0
    assert diaries.group_by(["clinician_id", "date", "site_id"]).aggregate([]).num_rows == diaries.num_rows
    dates = np.unique(diaries.column("date").to_numpy())
    assert dates.size == run.setup.diary_days  # the simulated days and the booking horizon after them
    one = lanes.clinician[at_practice][0]
    cid = run.setup.staff.clinician_id[one]
    mine = diaries.filter(pc.equal(diaries.column("clinician_id"), cid))
    assert pc.sum(mine.column("slots")).as_py() == int(lanes.capacity[(lanes.clinician == one) & at_practice].sum())
    assert validate_dataset(tables) == []
