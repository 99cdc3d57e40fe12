"""The scorecard, the comparison of two, and the ``carenet score | worklist | spc`` commands; on generated
networks, on a dataset from the population generator and on the imported Synthea bundles."""

from __future__ import annotations

import json
import math
import sys
from datetime import date
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from small_network import RngChooser, build_network, canonical
from typer.testing import CliRunner

from carenet.cli.app import app, main
from carenet.cli.commands_score import scorecard_config
from carenet.measures import (
    ATTRIBUTES,
    ContinuityConfig,
    Period,
    Scorecard,
    compare,
    connect,
    continuity_by_segment,
    load,
    profile_for,
    scorecard,
)
from carenet.measures.support import Unsupported
from carenet.schema import CarenetError, write_dataset

runner = CliRunner()
AS_OF = date(2024, 6, 30)


@pytest.fixture(scope="module")
def network():
    return build_network(RngChooser(11), n_patients=40, n_appointments=300)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory, network) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("datasets")
    write_dataset(root / "a", network, source="test:a")
    write_dataset(root / "b", build_network(RngChooser(12), n_patients=40, n_appointments=300), source="test:b")
    return root / "a", root / "b"


@pytest.fixture(scope="module")
def duckdb_card(network) -> Scorecard:
    return scorecard(load(network, "duckdb", con=connect("duckdb")), scorecard_config(AS_OF, 365), label="net")


def values(card: Scorecard) -> dict[tuple[str, str], float | Unsupported]:
    return {(a, k): v for a, section in card.sections.items() for k, v in section.items()}


def test_scorecard_is_the_same_on_every_backend(backend, make_tables, network, duckdb_card):
    if backend == "duckdb":
        pytest.skip("DuckDB gives the reference scorecard")
    if backend == "pyspark":
        pytest.skip("test_score_command_on_spark compares Spark's whole scorecard of this network with DuckDB's")
    got = values(scorecard(make_tables(network), scorecard_config(AS_OF, 365)))
    want = values(duckdb_card)
    assert got.keys() == want.keys()
    for key, value in want.items():
        if isinstance(value, Unsupported):
            assert isinstance(got[key], Unsupported) and got[key].reason == value.reason, key
        else:
            assert math.isclose(got[key], value, rel_tol=1e-9, abs_tol=1e-9), (key, got[key], value)


def test_every_value_is_a_number_or_says_why(duckdb_card):
    card = duckdb_card
    assert list(card.sections) == list(ATTRIBUTES)
    assert card.period == Period(date(2023, 7, 2), AS_OF)  # 365 days, 2024 being a leap year
    for (attribute, key), value in values(card).items():
        assert isinstance(value, float | Unsupported), (attribute, key, value)
        if isinstance(value, float):
            assert math.isfinite(value)
    data = json.loads(card.to_json())
    assert data["period"] == {"start": "2023-07-02", "end": "2024-06-30", "days": 365}
    for section in data["attributes"].values():
        for entry in section.values():
            assert (entry["value"] is None) == ("unsupported" in entry)
            assert entry["label"] and entry["unit"]


def test_upc_of_complex_patients_is_the_continuity_pages_upc(network, duckdb_card):
    tables = load(network)
    profile = profile_for(tables, AS_OF, scorecard_config(AS_OF, 365).population)
    config = ContinuityConfig(start=duckdb_card.period.start, end=AS_OF)
    by = continuity_by_segment(tables, config, segments=profile.select("patient_id", "complex"))
    want = [r["upc_mean"] for r in tables.con.to_pyarrow(by).to_pylist() if r["complex"]]
    assert math.isclose(duckdb_card.value("continuity", "upc_complex"), want[0], rel_tol=1e-12)


def test_unsupported_measures_are_not_zero():
    rows = {"patients": [{"patient_id": "p", "birth_date": date(1950, 1, 1), "sex": "male", "practice_id": "P1",
                          "registered_from": date(2000, 1, 1)}],
            "conditions": [{"patient_id": "p", "snomed_code": "84114007", "register": "HF",
                            "onset_date": date(2020, 1, 1)}]}
    card = scorecard(load(canonical(rows)), scorecard_config(AS_OF, 365))
    assert card.value("population", "registered_patients") == 1
    assert card.value("population", "complex_share") == 1
    for attribute, key in (("coordination", "care_plan_coverage"), ("person_centred", "patient_set_goals_share"),
                           ("access", "mean_wait_days"), ("continuity", "upc"), ("workforce", "utilisation_all"),
                           ("community", "social_prescriptions_per_1000_year")):
        value = card.value(attribute, key)
        assert isinstance(value, Unsupported) and value.reason, (attribute, key)
    with pytest.raises(CarenetError, match="reference date"):
        scorecard(load(canonical(rows)), scorecard_config(None, 365))


def card_with(access: float, continuity: float, coordination: float) -> Scorecard:
    return Scorecard(Period(date(2024, 1, 1), date(2024, 12, 31)), "duckdb", {
        "population": {"registered_patients": 100.0},
        "access": {"mean_wait_days": access, "dna_rate": 0.05},
        "continuity": {"upc": continuity, "slicc": Unsupported("no panels")},
        "coordination": {"key_worker_coverage": coordination},
    })


def test_compare_flags_trade_offs_access_continuity_first():
    before, after = card_with(10.0, 0.6, 0.5), card_with(5.0, 0.4, 0.8)  # waits halve, continuity falls
    cmp = compare(before, after, relative_tolerance=0.02)
    verdicts = {(d.attribute, d.key): d.verdict for d in cmp.differences}
    assert verdicts[("access", "mean_wait_days")] == "better"
    assert verdicts[("access", "dna_rate")] == "same"
    assert verdicts[("continuity", "upc")] == "worse"
    assert verdicts[("continuity", "slicc")] == "n/a"
    assert verdicts[("population", "registered_patients")] == ""
    assert cmp.attribute_verdicts == {"access": "better", "continuity": "worse", "coordination": "better"}
    assert cmp.tradeoffs == ["access better while continuity worse", "co-ordination better while continuity worse"]
    assert json.loads(cmp.to_json())["tradeoffs"] == cmp.tradeoffs
    quiet = compare(before, card_with(10.1, 0.6, 0.5), relative_tolerance=0.02)
    assert quiet.tradeoffs == [] and set(quiet.attribute_verdicts.values()) == {"same"}


def test_score_command_prints_and_writes_json(datasets, tmp_path):
    a, b = datasets
    shown = runner.invoke(app, ["score", str(a), "--backend", "sqlite"])
    assert shown.exit_code == 0, shown.output
    for title in ATTRIBUTES.values():
        assert title in shown.output
    assert "not supported:" in shown.output  # the network has no panels: SLICC says so
    out = tmp_path / "compare.json"
    both = runner.invoke(app, ["score", str(a), str(b), "--format", "json", "--out", str(out)])
    assert both.exit_code == 0, both.output
    cmp = json.loads(out.read_text())
    assert {"a", "b", "differences", "tradeoffs", "attribute_verdicts"} <= set(cmp)
    assert set(cmp["a"]["attributes"]) == set(ATTRIBUTES) and cmp["b"]["label"] == str(b)


def test_worklist_command_writes_parquet_and_csv(datasets, tmp_path):
    a, _ = datasets
    result = runner.invoke(app, ["worklist", str(a), "--out", str(tmp_path / "wl"), "--as-of", "2024-06-30"])
    assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "wl" / "worklist.parquet")
    assert table.column_names[:2] == ["rule", "reason"]
    assert pacsv.read_csv(tmp_path / "wl" / "worklist.csv").num_rows == table.num_rows > 0
    assert set(table.column("rule").to_pylist()) <= {"frail_without_care_plan", "multimorbid_without_review",
                                                      "complex_without_key_worker", "care_plan_review_overdue"}


def test_spc_command_charts_a_series(datasets):
    a, _ = datasets
    result = runner.invoke(app, ["spc", str(a), "--series", "appointments", "--every", "month", "--format", "json"])
    assert result.exit_code == 0, result.output
    chart = json.loads(result.output)
    assert len(chart["points"]) >= 10
    assert math.isclose(chart["upper_limit"] - chart["mean"], 2.66 * chart["mean_moving_range"])


@pytest.mark.parametrize("args, message", [
    (["score", "{a}", "--as-of", "31/03/2024"], "--as-of must be a date"),
    (["score", "{a}", "--backend", "postgres"], "--db-url"),
    (["score", "{a}", "--spark-master", "local[2]"], "--spark-master is for --backend pyspark"),
    (["score", "{a}", "--out", "x.json"], "add --format json"),
    (["score", "{a}", "{a}", "{a}"], "one dataset, or two"),
    (["spc", "{a}", "--series", "nonsense"], "unknown series"),
])
def test_bad_options_are_clear_errors(datasets, args, message):
    result = runner.invoke(app, [x.format(a=datasets[0]) for x in args])
    assert isinstance(result.exception, CarenetError), result.output
    assert message in str(result.exception)


def test_errors_print_without_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["carenet", "score", str(tmp_path / "nowhere")])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "error:" in err and "is not a carenet dataset" in err and "Traceback" not in err


def test_scorecard_on_a_generated_population(tmp_path):
    from carenet.population import demo_networks, demo_practices, write_population

    write_population(tmp_path / "pop", demo_practices(), demo_networks(), seed=3, label="demo", patients=3000)
    result = runner.invoke(app, ["score", str(tmp_path / "pop"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["attributes"]
    assert data["population"]["registered_patients"]["value"] == 3000
    # parameters.yaml efi.prevalence_65plus: moderate + severe = 15%. About 18.6% of 3,000 are 65+ (558; ONS
    # census 2021): three binomial standard errors are 4.5 points, plus half a point for the published rounding.
    frail = data["population"]["frail_share_65plus"]["value"]
    assert frail == pytest.approx(0.15, abs=3 * math.sqrt(0.15 * 0.85 / (0.186 * 3000)) + 0.005)
    assert 0 < data["community"]["gp_inverse_care_ratio"]["value"] < 2
    assert "appointments" in data["access"]["mean_wait_days"]["unsupported"]


def test_scorecard_on_imported_synthea_bundles(external, tmp_path):
    from carenet.cli.commands_import_fhir import fhir_defaults
    from carenet.sources.fhir import import_fhir

    import_fhir([external / "synthea-r4" / "bundles"], tmp_path / "syn", fhir_defaults(), workers=1)
    result = runner.invoke(app, ["score", str(tmp_path / "syn"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["attributes"]
    # 31 Synthea patients; the 4 who died before the reference date are no longer registered
    assert data["population"]["registered_patients"]["value"] == 27
    assert data["person_centred"]["minutes_per_other_patient_year"]["value"] == pytest.approx(32.1702, abs=1e-4)
    assert "deprivation" in data["community"]["gps_per_100k_q1"]["unsupported"]
    assert "referrals" in data["coordination"]["informal_referral_share"]["unsupported"]


def test_score_command_on_postgres(datasets, postgres_options, duckdb_card):
    o = postgres_options
    url = f"postgresql://{o['user']}@{o['host']}:{o['port']}/{o['database']}"
    result = runner.invoke(app, ["score", str(datasets[0]), "--backend", "postgres", "--db-url", url,
                                 "--format", "json", "--as-of", "2024-06-30"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    local = duckdb_card.to_dict()
    assert data["backend"] == "postgres"
    for attribute, section in local["attributes"].items():
        for key, entry in section.items():
            theirs = data["attributes"][attribute][key]
            if entry["value"] is None:
                assert theirs["value"] is None, (attribute, key)
            else:
                assert math.isclose(theirs["value"], entry["value"], rel_tol=1e-9, abs_tol=1e-9), (attribute, key)


def test_score_command_on_spark(datasets, spark_connection, duckdb_card):
    """The whole scorecard on a local Spark session, reading the dataset's Parquet files itself."""
    result = runner.invoke(app, ["score", str(datasets[0]), "--backend", "pyspark", "--spark-master", "local[2]",
                                 "--format", "json", "--as-of", "2024-06-30"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["backend"] == "pyspark"
    for attribute, section in duckdb_card.to_dict()["attributes"].items():
        for key, entry in section.items():
            theirs = data["attributes"][attribute][key]
            if entry["value"] is None:
                assert theirs["value"] is None, (attribute, key)
            else:
                assert math.isclose(theirs["value"], entry["value"], rel_tol=1e-9, abs_tol=1e-9), (attribute, key)


def test_a_second_spark_master_in_one_process_is_a_clear_error(datasets, spark_connection):
    result = runner.invoke(app, ["score", str(datasets[0]), "--backend", "pyspark", "--spark-master", "local[1]"])
    assert isinstance(result.exception, CarenetError), result.output
    assert "already running" in str(result.exception)
