"""Model runs: canonical output that validates, bit-for-bit determinism, a regression snapshot, the command line.

The snapshot is the code's own earlier output, not evidence that the output is right; the twin is held
to published figures in ``tests/validation/test_twin_calibration.py`` (Dorset booking intervals and
same-day share, Barker's continuity by list size) and ``tests/twin/test_demand.py`` (a year's contacts
by age band).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.models import list_models, load_model
from carenet.schema import open_dataset, validate_dataset
from carenet.twin import RUN_FILE, Effects, TwinError, run_model, run_summary, write_run
from carenet.twin.ledger import UNBOOKED

SNAPSHOT = Path(__file__).parent / "snapshots" / "traditional_small.json"
SNAPSHOT_SEED, SNAPSHOT_DAYS = 7, 20
UPDATE_SNAPSHOT = "CARENET_UPDATE_SNAPSHOT"


@pytest.fixture(scope="module")
def snapshot_population():
    from carenet.population import demo_networks, demo_practices, synthesise

    return synthesise(demo_practices(), demo_networks(), seed=5, patients=2_000)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_every_library_model_runs_and_writes_a_valid_dataset(small_population, run_start, tmp_path):
    for name in list_models():
        run = run_model(load_model(name), small_population, start=run_start, days=8, seed=1)
        folder = write_run(run, tmp_path / name)
        dataset = open_dataset(folder)
        assert validate_dataset(dataset.tables()) == [], name
        for table in ("patients", "clinicians", "requests", "appointments", "tasks", "referrals"):
            assert table in dataset, (name, table)
        assert dataset.table("appointments").num_rows > 0
        manifest = json.loads((folder / RUN_FILE).read_text())
        assert manifest["model"]["name"] == name and manifest["seed"] == 1 and manifest["days"] == 8
        assert {e["name"] for e in manifest["effects"]} == set(Effects.names())
        assert "twin" in manifest["parameters"] and manifest["carenet_version"]


def test_same_seed_same_bytes_other_seed_other_run(small_population, run_start, tmp_path):
    model = load_model("health_care_home")
    folders = []
    for label, seed in (("a", 4), ("b", 4), ("c", 5)):
        run = run_model(model, small_population, start=run_start, days=12, seed=seed)
        folders.append(write_run(run, tmp_path / label))
    a, b, c = (_files(f) for f in folders)
    assert a.keys() == b.keys() and all(a[k] == b[k] for k in a), "same seed must give identical files"
    assert a["appointments.parquet"] != c["appointments.parquet"]


def test_requests_and_appointments_are_consistent(small_population, run_start):
    run = run_model(load_model("micro_teams"), small_population, start=run_start, days=15, seed=2)
    record = run.record
    assert np.unique(record.requests.request).size == len(record)  # one row per request after call-backs
    booked = record.outcome != UNBOOKED
    assert (record.bookings.day[booked] >= record.requests.requested_day[booked]).all()
    lanes = run.setup.lanes
    assert (lanes.free >= 0).all() and (lanes.free <= lanes.capacity).all()
    used = np.zeros_like(lanes.capacity)
    np.add.at(used, (record.bookings.lane[booked], record.bookings.day[booked]), 1)
    assert (used <= lanes.capacity).all()
    team_only = run.setup.panels.team[record.requests.patient[booked]] >= 0
    same_team = lanes.team[record.bookings.lane[booked]] == run.setup.panels.team[record.requests.patient[booked]]
    assert same_team[team_only].mean() > 0.8  # micro-team bookings stay in the team where it can meet the need


def _snapshot_counts(run) -> dict:
    summary = run_summary(run)
    record = run.record
    return {
        "requests": summary["requests"], "attended": summary["attended"],
        "did_not_attend": summary["did_not_attend"], "unbooked": summary["unbooked"],
        "admissions": summary["admissions"], "requests_by_origin": summary["requests_by_origin"],
        "appointments_by_day_first_5": np.bincount(record.bookings.day[record.outcome != UNBOOKED],
                                                   minlength=5)[:5].tolist(),
        "first_bookings": [[int(c), int(d), int(m)] for c, d, m in zip(record.bookings.clinician[:5],
                                                                       record.bookings.day[:5],
                                                                       record.bookings.start_minute[:5],
                                                                       strict=True)],
    }


def test_regression_snapshot(snapshot_population, run_start):
    """A tiny seeded run's key counts against the counts stored when they were last reviewed.

    Any change in behaviour shows as a diff. After an intended change, rewrite the snapshot with
    ``CARENET_UPDATE_SNAPSHOT=1`` (the test then fails, so a rewrite never passes as a check) and
    review the diff before committing it.
    """
    run = run_model(load_model("traditional"), snapshot_population, start=run_start, days=SNAPSHOT_DAYS,
                    seed=SNAPSHOT_SEED)
    counts = _snapshot_counts(run)
    if os.environ.get(UPDATE_SNAPSHOT):
        SNAPSHOT.write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n")
        pytest.fail(f"{SNAPSHOT} rewritten from this run: review its diff, then run again without {UPDATE_SNAPSHOT}")
    assert counts == json.loads(SNAPSHOT.read_text())


def test_bad_run_settings_are_clear_errors(small_population, run_start):
    model = load_model("traditional")
    with pytest.raises(TwinError, match="days"):
        run_model(model, small_population, start=run_start, days=0, seed=1)
    with pytest.raises(TwinError, match="booking mode"):
        run_model(model, small_population, start=run_start, days=3, seed=1, booking_mode="fast")


def test_command_line_run(tmp_path):
    runner = CliRunner()
    out = tmp_path / "run"
    result = runner.invoke(app, ["twin", "run", "micro_teams", "--population", "demo", "--patients", "1500",
                                 "--seed", "3", "--days", "5", "--out", str(out),
                                 "--effect", "proactive_acute_reduction=0.25"])
    assert result.exit_code == 0, result.output
    assert "proactive_acute_reduction" in result.output
    assert pq.read_table(out / "appointments.parquet").num_rows > 0
    effects = {e["name"]: e for e in json.loads((out / RUN_FILE).read_text())["effects"]}
    assert effects["proactive_acute_reduction"]["value"] == 0.25 and effects["proactive_acute_reduction"]["overridden"]


def test_command_line_errors_are_messages_not_tracebacks(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["twin", "run", "no_such_model", "--seed", "1", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0 and "no model named" in str(result.exception)
    bad = runner.invoke(app, ["twin", "run", "traditional", "--population", str(tmp_path / "missing"), "--seed", "1",
                              "--out", str(tmp_path / "y")])
    assert bad.exit_code != 0 and "no such folder" in str(bad.exception)


def test_a_booking_occupies_its_length(small_population, run_start):
    """A 30-minute review in a 15-minute nurse diary takes two slots: the diary loses more slots than it books."""
    run = run_model(load_model("health_care_home"), small_population, start=run_start, days=40, seed=4)
    lanes, record = run.setup.lanes, run.record
    booked = record.bookings.booked
    used = int((lanes.capacity - lanes.free).sum())
    assert run.state.extra_slots > 0
    long = booked & (record.bookings.minutes > lanes.slot_minutes[np.maximum(record.bookings.lane, 0)])
    assert long.any()
    # Every slot a diary lost is a booking's first slot or one of the extra slots of a longer booking.
    assert used == int(booked.sum()) + run.state.extra_slots
