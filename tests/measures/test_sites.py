"""The site comparison on a network whose per-unit figures are worked out by hand (tests/measures/site_network.py)."""

from __future__ import annotations

from datetime import datetime

import pytest
from site_network import AS_OF, DAYS, FIRST_DAY, site_network

from carenet.measures import Period, load
from carenet.measures.sites import UnitError, compare_units, spc_rows, unit_counts, unit_spc
from carenet.measures.support import Unsupported
from carenet.twin.experiments.scoring import funnel_settings, settings_config

PERIOD = Period(FIRST_DAY, AS_OF)


@pytest.fixture(scope="module", params=["duckdb", "sqlite"])
def tables(request: pytest.FixtureRequest):
    """The network on DuckDB and on SQLite: the per-unit counts are the same Ibis queries on each."""
    return load(site_network(), request.param)


@pytest.fixture(scope="module")
def config():
    return settings_config(AS_OF, DAYS)


def _by_unit(counts) -> dict[str, tuple[float, float]]:
    """unit → (n, value)."""
    return {u: (float(n), float(x / n)) for u, n, x in zip(counts.units, counts.n, counts.numerator, strict=True)}


def test_practice_counts_match_the_hand_worked_figures(tables, config) -> None:
    counts = unit_counts(tables, config, "practice", PERIOD)
    assert _by_unit(counts["mean_wait_days"]) == {"P1": (30, 1.0), "P2": (20, 2.0), "P3": (10, 0.0)}
    assert _by_unit(counts["share_same_day"]) == {"P1": (30, 0.5), "P2": (20, 0.0), "P3": (10, 1.0)}
    assert _by_unit(counts["dna_rate"]) == {"P1": (30, 0.0), "P2": (30, pytest.approx(1 / 3)), "P3": (10, 0.0)}
    assert _by_unit(counts["upc"]) == {"P1": (15, 1.0), "P2": (10, 0.5), "P3": (5, 1.0)}
    assert isinstance(counts["care_plan_coverage"], Unsupported)
    assert "care_plans" in counts["care_plan_coverage"].reason


def test_each_unit_splits_the_same_appointments(tables, config) -> None:
    site = unit_counts(tables, config, "site", PERIOD)
    assert _by_unit(site["mean_wait_days"]) == {"H1": (15, 2.0), "P1": (15, 0.0), "P2": (20, 2.0), "P3": (10, 0.0)}
    assert _by_unit(site["dna_rate"])["P2"] == (30, pytest.approx(1 / 3))
    assert "not to the site" in site["upc"].reason  # a patient's continuity has no site
    team = unit_counts(tables, config, "team", PERIOD)
    assert _by_unit(team["mean_wait_days"]) == {"T1": (30, 1.0), "T2": (20, 2.0)}  # P3's patients have no team
    pcn = unit_counts(tables, config, "pcn", PERIOD)
    assert _by_unit(pcn["mean_wait_days"]) == {"N1": (50, pytest.approx(1.4)), "N2": (10, 0.0)}
    assert _by_unit(pcn["upc"]) == {"N1": (25, pytest.approx(0.8)), "N2": (5, 1.0)}


def test_the_funnel_flags_the_practice_that_waits_beyond_chance(tables, config) -> None:
    result = compare_units(tables, config, "practice", PERIOD, funnel_settings())
    waits = result.funnels["mean_wait_days"]
    # 60 waits: 15 of 0 and 15 of 2 (P1), 10 of 1 and 10 of 3 (P2), 10 of 0 (P3): mean 70/60, sd 1.1523
    assert waits.target == pytest.approx(70 / 60) and waits.sd == pytest.approx(1.15225, abs=1e-5)
    assert dict(zip(waits.units, waits.flag, strict=True)) == {"P1": "within", "P2": "above 99.8%", "P3": "too few"}
    rows = result.to_arrow().to_pylist()
    assert {r["measure"] for r in rows} == {"mean_wait_days", "share_same_day", "dna_rate", "upc"}
    assert result.unsupported().keys() == {"care_plan_coverage"}


def test_a_dataset_without_sites_or_teams_says_why(config) -> None:
    bare = site_network(with_sites=False)
    result = compare_units(load(bare), config, "site", PERIOD)
    assert "appointments.site_id is empty" in result.funnels["mean_wait_days"].reason
    del bare["panels"]
    result = compare_units(load(bare), config, "team", PERIOD)
    assert "'panels'" in result.funnels["dna_rate"].reason
    with pytest.raises(UnitError, match="unknown unit 'ward'"):
        compare_units(load(bare), config, "ward", PERIOD)


def test_an_xmr_chart_per_unit(tables) -> None:
    charts = unit_spc(tables, "practice", PERIOD)
    assert [c.unit for c in charts] == ["P1", "P2", "P3"]
    assert [len(c.periods) for c in charts] == [4, 4, 4]
    p2 = next(c for c in charts if c.unit == "P2")
    assert p2.chart.mean == pytest.approx(2.0)  # every week of P2 waits 1 and 3 days
    rows = spc_rows(charts)
    assert rows.num_rows == 12 and set(rows.column("unit").to_pylist()) == {"P1", "P2", "P3"}


def test_a_request_booked_twice_takes_the_site_of_its_first_appointment(config) -> None:
    import pyarrow as pa

    from carenet.measures.access import AccessConfig, waits

    network = site_network()
    network["requests"] = pa.table({
        "request_id": ["r1"], "patient_id": ["p00"], "practice_id": ["P1"],
        "requested_at": pa.array([datetime(2024, 3, 5, 8)], pa.timestamp("us")), "need_type": ["acute_minor"],
        "urgency": ["routine"], "channel": ["telephone"]})
    held = network["appointments"]
    schema = held.schema.append(pa.field("request_id", pa.string()))
    base = {name: None for name in schema.names}
    rows = [{**base, **r} for r in held.to_pylist()] + [
        {**base, "appointment_id": "x1", "patient_id": "p00", "site_id": "H1", "request_id": "r1",
         "status": "attended", "booked_for": datetime(2024, 3, 7, 10)},
        {**base, "appointment_id": "x2", "patient_id": "p00", "site_id": "P2", "request_id": "r1",
         "status": "attended", "booked_for": datetime(2024, 3, 6, 10)}]
    network["appointments"] = pa.Table.from_pylist(rows, schema=schema)
    w = waits(load(network), AccessConfig(start=FIRST_DAY, end=AS_OF), by=["site_id"]).to_pyarrow().to_pylist()
    linked = [r for r in w if r["urgency"] == "routine"]  # the one request that names its urgency
    assert [(r["site_id"], r["wait_days"], r["booked_for"]) for r in linked] == [("P2", 1, datetime(2024, 3, 6, 10))]
    assert len(w) == 61  # the 60 requests of the network and this one, answered once


def test_appointments_with_no_site_are_left_out_and_counted(config) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    network = site_network()
    a = network["appointments"]
    at_p3 = pc.equal(a.column("site_id"), "P3")
    network["appointments"] = a.set_column(a.schema.get_field_index("site_id"), "site_id",
                                           pc.if_else(at_p3, pa.scalar(None, pa.string()), a.column("site_id")))
    result = compare_units(load(network), config, "site", PERIOD)
    assert result.funnels["mean_wait_days"].units == ["H1", "P1", "P2"]
    assert result.notes["mean_wait_days"] == "10 answered requests with no site left out"
    assert result.notes["dna_rate"] == "10 appointments attended or missed with no site left out"
