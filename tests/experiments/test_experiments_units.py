"""Seeds, intervals, unit costs, settings and options: the small pieces, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from carenet.models import load_model
from carenet.params import parameter
from carenet.schema import CarenetError
from carenet.schema.roles import ROLE_CODES
from carenet.twin.experiments import CostError, OverrideError, cost_per_patient, replication_seeds, role_costs
from carenet.twin.experiments.intervals import summarise, t_interval
from carenet.twin.experiments.manifest import check_out_folder, parameter_assumptions
from carenet.twin.experiments.overrides import apply_to_model, check_parameter_path
from carenet.twin.experiments.plan import make_plan, simulated_days, working_days_per_year
from carenet.twin.experiments.sweep import parse_vary

T_975_DF2 = 4.302652729911275
"""Student t, 97.5th percentile, 2 degrees of freedom (printed tables: 4.303)."""


def test_replication_seeds_are_fixed_by_the_seed_and_distinct() -> None:
    a, b = replication_seeds(7, 5), replication_seeds(7, 5)
    assert a == b and len(set(a)) == 5
    assert replication_seeds(7, 3) == a[:3]  # adding replications keeps the earlier ones
    assert replication_seeds(8, 3) != a[:3]
    with pytest.raises(CarenetError, match="--reps"):
        replication_seeds(7, 0)


def test_t_interval_by_hand() -> None:
    mean, lo, hi, n = t_interval(np.array([1.0, 2.0, 4.0]))
    sd = np.std([1.0, 2.0, 4.0], ddof=1)
    assert n == 3 and mean == pytest.approx(7 / 3)
    assert hi - mean == pytest.approx(T_975_DF2 * sd / math.sqrt(3))
    assert mean - lo == pytest.approx(hi - mean)


def test_t_interval_edges() -> None:
    assert t_interval(np.array([5.0])) == (5.0, 5.0, 5.0, 1)
    mean, lo, hi, n = t_interval(np.array([np.nan, 2.0, 2.0]))
    assert (mean, lo, hi, n) == (2.0, 2.0, 2.0, 2)
    assert t_interval(np.array([np.nan]))[3] == 0


def test_summarise_keeps_group_order() -> None:
    import pandas as pd

    frame = pd.DataFrame({"model": ["b", "b", "a", "a"], "value": [1.0, 3.0, 2.0, 2.0]})
    out = summarise(frame, ["model"])
    assert out["model"].tolist() == ["b", "a"] and out["mean"].tolist() == [2.0, 2.0]


def test_every_role_has_a_sourced_cost() -> None:
    costs = role_costs()
    assert set(costs) == set(ROLE_CODES)
    for cost in costs.values():
        assert cost.gbp_per_wte > 20_000 and cost.source and cost.tag in "VDSMA"


def test_salaried_cost_adds_pension_and_national_insurance() -> None:
    lo, hi = parameter("experiments.staff_costs.pay_ranges_gbp.ddrb_salaried_gp_england_2023_24.value")
    salary = (lo + hi) / 2
    pension = parameter("experiments.staff_costs.employer_pension_rate.value")
    ni = parameter("experiments.staff_costs.employer_ni_rate.value")
    threshold = parameter("experiments.staff_costs.employer_ni_threshold_gbp.value")
    assert role_costs()["gp"].gbp_per_wte == pytest.approx(salary * (1 + pension) + ni * (salary - threshold))


def test_arrs_roles_use_the_reimbursement_as_it_stands() -> None:
    assert role_costs()["clinical_pharmacist"].gbp_per_wte == parameter(
        "funding.arrs_max_reimbursement_gbp_per_wte.0.value")


def test_cost_per_patient() -> None:
    clinicians = pa.table({"role": ["gp", "gp", "splw"], "fte": [1.0, 0.5, None]})
    expected = 1.5 * role_costs()["gp"].gbp_per_wte / 3000
    assert cost_per_patient(clinicians, 3000) == pytest.approx(expected)
    with pytest.raises(CostError, match="no registered patients"):
        cost_per_patient(clinicians, 0)
    with pytest.raises(CostError, match="wizard"):
        cost_per_patient(pa.table({"role": ["wizard"], "fte": [1.0]}), 10)


def test_model_settings_are_validated() -> None:
    model = load_model("micro_teams")
    changed = apply_to_model(model, {"model.booking.horizon_days": 15, "model.workforce.roles.gp.fte_per_10k": 5})
    assert changed.booking.horizon_days == 15 and changed.workforce.fte_per_10k("gp") == 5
    assert model.booking.horizon_days != 15  # the library model is untouched
    with pytest.raises(OverrideError, match="horizon_days"):
        apply_to_model(model, {"model.booking.horizon_days": 500})
    with pytest.raises(OverrideError, match="no entry 'nope'"):
        apply_to_model(model, {"model.booking.nope": 1})


def test_parameter_settings_must_name_a_number() -> None:
    before = list(parameter("twin.booking.continuity_value.value"))
    check_parameter_path("twin.booking.continuity_value.value.1", before[1] + 3.0)
    assert parameter("twin.booking.continuity_value.value") == before  # checking changes nothing
    check_parameter_path("twin.effects.proactive_acute_reduction", 0.1)
    with pytest.raises(OverrideError, match="not a number"):
        check_parameter_path("twin.booking.continuity_value", 3.0)
    with pytest.raises(OverrideError, match="no entry"):
        check_parameter_path("twin.booking.missing", 1.0)


def test_parse_vary() -> None:
    vary = parse_vary("twin.booking.continuity_value.value.1=0..10", 3)
    assert vary.values == (0.0, 5.0, 10.0)
    assert parse_vary("model.booking.horizon_days=5,10", 9).values == (5.0, 10.0)
    for bad in ("nothing", "p=", "p=a..b", "p=1,1"):
        with pytest.raises(CarenetError, match="--vary"):
            parse_vary(bad, 3)


def test_days_and_years() -> None:
    assert simulated_days(1.0, None) == working_days_per_year() == 252
    assert simulated_days(None, 30) == 30
    with pytest.raises(CarenetError, match="--years"):
        simulated_days(0.0, None)


def test_plan_refuses_runs_shorter_than_the_warm_up(tmp_path) -> None:
    with pytest.raises(CarenetError, match="warm-up"):
        make_plan("demo", tmp_path, days=5)


def test_plan_refuses_unknown_booking_and_population(tmp_path) -> None:
    with pytest.raises(CarenetError, match="--booking"):
        make_plan("demo", tmp_path, days=40, booking_mode="fast")
    with pytest.raises(CarenetError, match="no such folder"):
        make_plan(tmp_path / "missing", tmp_path / "out", days=40)
    (tmp_path / "notdata").mkdir()
    with pytest.raises(CarenetError, match="manifest.json is missing"):
        make_plan(tmp_path / "notdata", tmp_path / "out", days=40)


def test_out_folder_must_be_new_or_a_run(tmp_path) -> None:
    check_out_folder(tmp_path / "new")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.docx").write_text("precious")
    with pytest.raises(CarenetError, match="not a carenet run folder"):
        check_out_folder(tmp_path / "busy")
    (tmp_path / "file").write_text("x")
    with pytest.raises(CarenetError, match="is a file"):
        check_out_folder(tmp_path / "file")


def test_assumptions_list_sources() -> None:
    rows = parameter_assumptions()
    paths = {r["parameter"] for r in rows}
    assert "experiments_measurement.warm_up_working_days" in paths
    assert "twin.booking.continuity_value" in paths
    assert all(r["tag"] for r in rows)
