"""Every scorecard measure for each practice, team or network: the scorecard of the unit's own patients and staff."""

from __future__ import annotations

import pytest
from site_network import AS_OF, DAYS, FIRST_DAY, PRACTICE_OF, site_network

from carenet.measures import Period, load, scorecard
from carenet.measures.support import Unsupported
from carenet.measures.unit_scorecards import unit_scorecards, unit_tables
from carenet.twin.experiments.scoring import settings_config

PERIOD = Period(FIRST_DAY, AS_OF)


@pytest.fixture(scope="module")
def tables():
    return load(site_network())


@pytest.fixture(scope="module")
def config():
    return settings_config(AS_OF, DAYS)


def _values(frame, measure: str) -> dict[str, float]:
    rows = frame[frame["measure"] == measure]
    return dict(zip(rows["unit"], rows["value"], strict=True))


def test_each_practice_scores_its_own_patients(tables, config) -> None:
    cards = unit_scorecards(tables, config, "practice", PERIOD)
    assert sorted(set(cards["unit"])) == ["P1", "P2", "P3"]
    assert _values(cards, "answered_requests") == {"P1": 30, "P2": 20, "P3": 10}  # two requests a patient
    assert _values(cards, "dna_rate") == pytest.approx({"P1": 0.0, "P2": 1 / 3, "P3": 0.0})
    # hand-worked (site_network.py): P1 waits 0 and 2 days, P2 1 and 3, P3 0 and 0
    assert _values(cards, "mean_wait_days") == pytest.approx({"P1": 1.0, "P2": 2.0, "P3": 0.0})
    assert _values(cards, "upc") == pytest.approx({"P1": 1.0, "P2": 0.5, "P3": 1.0})
    assert _values(cards, "share_same_day") == pytest.approx({"P1": 0.5, "P2": 0.0, "P3": 1.0})


def test_a_units_figures_are_the_scorecard_of_its_own_data(tables, config) -> None:
    """The per-unit card is the ordinary scorecard on the dataset cut to the unit: the same code, the same value."""
    cards = unit_scorecards(tables, config, "pcn", PERIOD)
    assert sorted(set(cards["unit"])) == ["N1", "N2"]
    n2 = {p for p, practice in PRACTICE_OF.items() if practice == "P3"}
    alone = load({name: (t.filter(pc_is_in(t, n2)) if "patient_id" in t.column_names else t)
                  for name, t in site_network().items()})
    whole = scorecard(alone, config)
    for measure in ("mean_wait_days", "upc", "dna_rate", "answered_requests"):
        assert _values(cards, measure)["N2"] == pytest.approx(whole.sections["access" if measure != "upc"
                                                                              else "continuity"][measure])


def pc_is_in(table, values):
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.is_in(table["patient_id"], value_set=pa.array(sorted(values)))


def test_staff_follow_the_unit(tables) -> None:
    from carenet.measures.sites import patient_units

    units = patient_units(tables, "practice", AS_OF)
    p2 = unit_tables(tables, "practice", "P2", units)
    clinicians = set(tables.con.to_pyarrow(p2["clinicians"]).column("clinician_id").to_pylist())
    practices = tables.con.to_pyarrow(tables["clinicians"]).to_pylist()
    assert clinicians == {c["clinician_id"] for c in practices if c["practice_id"] == "P2"}
    patients = set(tables.con.to_pyarrow(p2["appointments"]).column("patient_id").to_pylist())
    assert patients and all(PRACTICE_OF[p] == "P2" for p in patients)


def test_comparisons_across_practices_are_not_made_inside_one(tables, config) -> None:
    cards = unit_scorecards(tables, config, "practice", PERIOD)
    ratio = cards[cards["measure"] == "gp_inverse_care_ratio"]
    assert ratio["value"].isna().all()
    assert ratio["note"].str.contains("the registered population has 1 practice").all()


def test_a_site_has_no_scorecard_of_its_own(tables, config) -> None:
    result = unit_scorecards(tables, config, "site", PERIOD)
    assert isinstance(result, Unsupported) and "compare them by practice, team or pcn" in result.reason


def test_the_staffs_own_work_counts_every_patient_they_saw(config) -> None:
    """The own-patient ratio and utilisation are measures of the staff's work: a practice counts every appointment
    its GPs held, whoever the patient (g3 of P2 also sees P3's patients); a practice the dataset names no staff of
    says so rather than scoring its patients' visits to other practices' GPs."""
    import pyarrow as pa

    data = site_network()
    data["clinicians"] = data["clinicians"].append_column("practice_id", pa.array(["P1", "P2", "P2"]))
    cards = unit_scorecards(load(data), config, "practice", PERIOD)
    ratio = cards[cards["measure"] == "own_patient_ratio"].set_index("unit")
    assert ratio.loc["P1", "value"] == pytest.approx(1.0)
    assert ratio.loc["P3", "value"] != ratio.loc["P3", "value"]  # NaN: no staff of P3
    assert "names no clinician of this practice (clinicians.practice_id)" in ratio.loc["P3", "note"]
