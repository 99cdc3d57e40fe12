"""A real comparison: run folder, common random numbers, pooling, costs, exports and the report's tables."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from experiment_setup import DAYS, MODELS, PATIENTS, REPS

from carenet.report import ReportData, render_html
from carenet.schema import open_dataset, validate_dataset
from carenet.twin.experiments import role_costs
from carenet.twin.experiments.intervals import t_interval
from carenet.twin.experiments.replications import execute
from carenet.twin.experiments.report_inputs import report_tables


def test_run_folder_holds_one_valid_dataset_per_model_and_replication(comparison) -> None:
    root = comparison.plan.out
    for model in MODELS:
        for k in range(REPS):
            folder = root / model / f"rep-{k:03d}"
            dataset = open_dataset(folder)
            assert {"appointments", "requests", "clinicians", "patients"} <= set(dataset.names)
            assert validate_dataset(dataset.tables()) == []
            assert json.loads((folder / "run.json").read_text())["model"]["name"] == model
    record = json.loads((root / "experiment.json").read_text())
    assert record["kind"] == "compare" and record["models"] == MODELS
    assert record["days"] == DAYS and record["replications"] == REPS
    assert len(record["runs"]) == len(MODELS) * REPS
    assert record["population"]["patients"] == PATIENTS


def test_common_random_numbers(comparison) -> None:
    seeds = {}
    for outcome in comparison.outcomes:
        seeds.setdefault(outcome.task.replication, set()).add(outcome.task.seed)
    assert all(len(s) == 1 for s in seeds.values()), "replication k must use one seed for every model"
    assert len({next(iter(s)) for s in seeds.values()}) == REPS, "replications must differ"


def test_same_seed_same_tables(comparison, tmp_path) -> None:
    first = comparison.outcomes[0]
    again = execute(replace(first.task, out=str(tmp_path / "again"), score=False))
    assert again.summary == first.summary
    a = open_dataset(first.task.out).table("appointments")
    b = open_dataset(tmp_path / "again").table("appointments")
    assert a.equals(b)


def test_pooled_means_and_intervals_come_from_the_replications(comparison) -> None:
    card, raw = comparison.scorecard, comparison.replications
    for model in MODELS:
        for measure in ("mean_wait_days", "share_same_day", "staff_cost_per_appointment_gbp"):
            values = raw[(raw["model"] == model) & (raw["measure"] == measure)]["value"].to_numpy()
            assert len(values) == REPS
            row = card[(card["model"] == model) & (card["measure"] == measure)].iloc[0]
            mean, lo, hi, n = t_interval(values)
            assert row["mean"] == pytest.approx(mean) and row["reps"] == n == REPS
            assert row["lo"] == pytest.approx(max(lo, 0.0)) and row["lo"] <= row["mean"] <= row["hi"]


def test_unsupported_measures_keep_their_reason(comparison) -> None:
    card = comparison.scorecard
    unsupported = card[card["reps"] == 0]
    assert len(unsupported), "some measure needs what a short run cannot give"
    for row in unsupported.itertuples():
        assert np.isnan(row.mean) and row.note, row.measure
    tna = card[card["measure"] == "third_next_available"].iloc[0]
    assert tna["reps"] == REPS or "look-ahead" in tna["note"]  # runs carry diaries: a number unless too short


def test_intervals_stay_in_range(comparison) -> None:
    card = comparison.scorecard.dropna(subset=["mean"])
    assert (card["lo"] >= 0).all()
    largest = comparison.replications.groupby(["model", "measure"])["value"].max()
    for row in card[card["unit"] == "share"].itertuples():
        if largest[(row.model, row.measure)] <= 1.0:
            assert row.hi <= 1.0, row.measure  # a proportion's interval stops at 100%
        else:
            assert row.hi >= row.mean  # utilisation may pass 100% and is not capped


def test_cost_per_patient_is_the_establishment_over_the_list(comparison) -> None:
    costs = role_costs()
    for outcome in comparison.outcomes:
        dataset = open_dataset(outcome.task.out)
        clinicians = dataset.table("clinicians").to_pandas()
        total = float((clinicians["fte"] * clinicians["role"].map(lambda r: costs[r].gbp_per_wte)).sum())
        card = outcome.score.scorecard.set_index("measure")["value"]
        assert card["staff_cost_per_patient_gbp"] == pytest.approx(total / card["registered_patients"])


def test_the_models_differ_where_their_designs_do(comparison) -> None:
    # micro-teams hold panels: contacts stay in the team; the traditional practice has no micro-teams at all
    assert comparison.value("micro_teams", "micro_team_share") > 0.5
    assert np.isnan(comparison.value("traditional", "micro_team_share"))
    assert comparison.value("micro_teams", "care_plan_coverage") > comparison.value("traditional", "care_plan_coverage")


def test_breakdowns_cover_every_model(comparison) -> None:
    for table in (comparison.continuity_by_segment, comparison.waits, comparison.workload, comparison.spc):
        assert set(table["model"]) == set(MODELS)
    waits = comparison.waits.groupby(["model", "urgency"])["share"].sum()
    assert np.allclose(waits.to_numpy(), 1.0)
    sites = comparison.sites  # the headline measures by practice, first replication of each model
    assert set(sites["model"]) == set(MODELS) and set(sites["by"]) == {"practice"}
    practices = set(open_dataset(comparison.plan.population.path).table("practices").column("practice_id").to_pylist())
    assert set(sites["unit"]) <= practices and sites["value"].notna().any()


def test_exports(comparison, tmp_path) -> None:
    csv = comparison.to_csv(tmp_path / "scorecard.csv")
    back = pd.read_csv(csv)
    assert {"model", "measure", "mean", "lo", "hi", "reps"} <= set(back.columns)
    assert len(back) == len(comparison.scorecard)
    book = openpyxl.load_workbook(comparison.to_excel(tmp_path / "scorecard.xlsx"), read_only=True)
    assert book.sheetnames[:3] == ["scorecard", "tidy", "models"]
    header = [c.value for c in next(book["scorecard"].iter_rows(max_row=1))]
    assert "Multidisciplinary micro-teams mean" in header
    assert "assumptions" in book.sheetnames


def test_report_tables_fit_the_report(comparison) -> None:
    data = ReportData(**report_tables(comparison, title="t", reproduce=["carenet compare ..."]))
    assert "population" not in set(data.scorecard["attribute"])
    page = render_html(data)
    for title in comparison.models["title"]:
        assert title in page
    assert "experiments.staff_costs.roles.gp" in page  # unit costs listed with their sources
    assert '<section id="sites">' in page and "How the practices compare" in page
    assert Path(comparison.plan.out).is_dir()
