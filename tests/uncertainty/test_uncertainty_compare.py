"""A real comparison with an uncertainty analysis: draws run through the twin with their settings applied, every
conclusion gets its shares, the files and the report section are written, and common random numbers make the
differences between models far steadier than independent seeds would."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from carenet.measures.verdicts import HEADLINES
from carenet.report import ReportData, render_html
from carenet.schema.errors import CarenetError
from carenet.twin.experiments import compare_models
from carenet.twin.experiments.compare import DRAWS_FOLDER
from carenet.twin.experiments.replications import execute
from carenet.twin.experiments.report_inputs import report_tables
from carenet.twin.experiments.scoring import COST_MEASURES
from carenet.twin.experiments.uncertainty.export import write_uncertainty

MODELS = ["traditional", "micro_teams"]
DRAWS = 4


@pytest.fixture(scope="module")
def uncertain(tmp_path_factory):
    return compare_models(MODELS, "demo", tmp_path_factory.mktemp("unc") / "run", days=45, reps=1, seed=5,
                          demo_patients=2000, workers=2, uncertainty=DRAWS, command="pytest")


def test_every_headline_conclusion_has_shares_over_every_draw(uncertain) -> None:
    analysis = uncertain.uncertainty
    assert len(analysis.draws) == DRAWS
    table = analysis.robustness
    assert set(table["model"]) == {"micro_teams"}
    assert (table["draws"] == DRAWS).all()
    shares = table[["better_share", "same_share", "worse_share"]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    assert set(table["robustness"]) <= {"robust", "likely", "fragile"}
    # the verdicts of each draw were computed from the draw's own runs, which differ from draw to draw
    waits = analysis.scorecard[analysis.scorecard["measure"] == "mean_wait_days"]
    assert waits.groupby("model")["mean"].nunique().min() == DRAWS


def test_the_draws_settings_reached_the_twin_and_their_datasets_are_never_written(uncertain) -> None:
    out = uncertain.plan.out
    assert not (out / DRAWS_FOLDER).exists()
    record = json.loads((out / "experiment.json").read_text())
    assert record["uncertainty"]["draws"] == DRAWS
    assert "twin.effects.demand_response" in record["uncertainty"]["assumptions"]
    # every draw ran on the central run's seeds, so only its settings can make its runs differ from the central run's
    card = uncertain.uncertainty.scorecard
    central = uncertain.scorecard.set_index(["model", "measure"])["mean"]
    waits = card[card["measure"] == "mean_wait_days"]
    assert all(row["mean"] != central[(row["model"], "mean_wait_days")] for row in waits.to_dict("records"))


def test_the_files_and_the_report_section_are_written(uncertain, tmp_path) -> None:
    written = write_uncertainty(uncertain.uncertainty, tmp_path)
    assert [p.name for p in written] == ["uncertainty_conclusions.csv", "uncertainty_sensitivity.csv",
                                         "uncertainty_draws.csv", "uncertainty_scorecard.csv", "uncertainty.xlsx"]
    conclusions = pd.read_csv(tmp_path / "uncertainty_conclusions.csv")
    assert {"model", "measure", "verdict", "holds", "robustness", "hangs_on"} <= set(conclusions.columns)
    page = render_html(ReportData(**report_tables(uncertain, title="t", reproduce=["carenet compare"])))
    assert '<section id="uncertainty">' in page
    assert f"on {DRAWS} parameter sets drawn" in page


def test_a_draw_scored_from_memory_on_the_headlines_scores_as_the_written_dataset_does(uncertain, tmp_path) -> None:
    """A draw is scored on the verdicts' measures from the tables in memory: the same values as the whole scorecard
    of the same replication written to disk, and nothing written."""
    task = replace(uncertain.outcomes[0].task, out=str(tmp_path / "written"), scope="scorecard")
    written = execute(task)
    held = execute(replace(task, out=str(tmp_path / "held"), keep=False, scope="headlines"))
    assert not (tmp_path / "held").exists()
    a = written.score.scorecard.set_index("measure")["value"]
    b = held.score.scorecard.set_index("measure")["value"]
    headlines = [m for keys in HEADLINES.values() for m in keys]
    assert set(b.index) == {*headlines, "registered_patients", *COST_MEASURES}
    pd.testing.assert_series_equal(a[b.index], b)
    assert held.score.waits.empty and written.score.waits.shape[0] > 0


def test_an_uncertainty_analysis_in_this_process_is_refused(tmp_path) -> None:
    with pytest.raises(CarenetError, match="worker process"):
        compare_models(MODELS, "demo", tmp_path / "run", days=30, reps=1, demo_patients=500, workers=0,
                       uncertainty=2)


def test_common_random_numbers_shrink_the_variance_of_differences(tmp_path) -> None:
    """Replication k of both models meets the same demand. Paired by seed, the differences in measures that follow
    the demand (requests answered, the mean wait) vary far less across replications than when each model's
    replications are paired with another seed's (independent streams). Measures the booking itself decides, such as
    the same-day share, gain little: the models book differently, so their random draws part ways there."""
    run = compare_models(MODELS, "demo", tmp_path / "crn", days=45, reps=5, seed=3, demo_patients=2000, workers=2,
                         command="pytest")
    reps = run.replications.pivot_table(index=["measure", "replication"], columns="model", values="value")
    for measure in ("answered_requests", "mean_wait_days"):
        values = reps.loc[measure]
        paired = values["micro_teams"] - values["traditional"]
        shifted = values["micro_teams"].to_numpy() - np.roll(values["traditional"].to_numpy(), 1)
        assert paired.var() < 0.6 * np.var(shifted, ddof=1), measure


def test_the_command_prints_the_conclusions_and_writes_their_files(tmp_path) -> None:
    from typer.testing import CliRunner

    from carenet.cli.app import app

    out = tmp_path / "cli"
    result = CliRunner().invoke(app, ["compare", *MODELS, "--days", "30", "--reps", "1", "--demo-patients", "600",
                                      "--uncertainty", "2", "--no-funding", "--out", str(out)],
                                env={"COLUMNS": "100", "CARENET_WARM_KERNELS": "0"})
    assert result.exit_code == 0, result.output
    assert "Which conclusions hold across 2 draws" in result.output
    for name in ("uncertainty_conclusions.csv", "uncertainty_sensitivity.csv", "uncertainty_draws.csv",
                 "uncertainty.xlsx", "report.html"):
        assert (out / name).is_file(), name
    assert "--uncertainty 2" in json.loads((out / "experiment.json").read_text())["command"]
