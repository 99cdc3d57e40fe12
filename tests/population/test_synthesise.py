import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from carenet.population import demo_networks, demo_practices, synthesise
from carenet.population.settings import settings
from carenet.population.synthesise import plan, practice_batches
from carenet.population.workforce import gp_fte_rate, named_gp, split_sessions
from carenet.schema.errors import CarenetError
from carenet.schema.tables import conform


def _practices(sizes, imd=None, network=None):
    n = len(sizes)
    return conform("practices", pa.table({
        "practice_id": [f"Y{k:05d}" for k in range(n)], "name": [f"Practice {k}" for k in range(n)],
        "list_size": pa.array(sizes, pa.int32()),
        "imd_score": pa.array(imd if imd is not None else [None] * n, pa.float64()),
        "network_id": [network] * n,
    }))


def test_same_seed_same_tables_other_seed_other_tables():
    small = _practices([800, 1_200], [10.0, 40.0])
    a, b = synthesise(small, seed=4), synthesise(small, seed=4)
    assert all(a[name].equals(b[name]) for name in a)
    c = synthesise(small, seed=5)
    assert not a["patients"].equals(c["patients"])


def test_a_practice_is_the_same_alone_or_with_others():
    both = synthesise(_practices([500, 700]), seed=9)
    first = both["patients"].filter(pc.equal(both["patients"]["practice_id"], "Y00000"))
    alone = synthesise(_practices([500]), seed=9)["patients"]
    assert first.drop_columns(["nhs_number"]).equals(alone.drop_columns(["nhs_number"]))


def test_patient_counts_follow_list_sizes_and_scaling(demo_tables):
    counts = demo_tables["patients"].group_by("practice_id").aggregate([("patient_id", "count")])
    sizes = dict(zip(demo_practices()["practice_id"].to_pylist(), demo_practices()["list_size"].to_pylist(),
                     strict=True))
    assert dict(zip(counts["practice_id"].to_pylist(), counts["patient_id_count"].to_pylist(), strict=True)) == sizes
    scaled = synthesise(demo_practices(), demo_networks(), seed=1, patients=2_000)
    assert scaled["patients"].num_rows == 2_000
    assert pc.sum(scaled["practices"]["list_size"]).as_py() == 2_000


def test_every_patient_has_a_named_gp_of_their_practice_and_households_share_one(demo_tables):
    panels, patients, clinicians = demo_tables["panels"], demo_tables["patients"], demo_tables["clinicians"]
    assert panels["clinician_id"].null_count == 0
    role = dict(zip(clinicians["clinician_id"].to_pylist(), clinicians["role"].to_pylist(), strict=True))
    employer = dict(zip(clinicians["clinician_id"].to_pylist(), clinicians["practice_id"].to_pylist(), strict=True))
    gp = panels["clinician_id"].to_pylist()
    assert {role[c] for c in gp} == {"gp"}
    assert all(employer[c] == p for c, p in zip(gp, patients["practice_id"].to_pylist(), strict=True))
    joined = pa.table({"household": patients["household_id"], "gp": panels["clinician_id"]})
    per_household = joined.group_by("household").aggregate([("gp", "count_distinct")])
    assert pc.max(per_household["gp_count_distinct"]).as_py() == 1


def test_gp_lists_are_proportional_to_sessions():
    rng = np.random.default_rng(2)
    household = np.repeat(np.arange(4_000), rng.integers(1, 5, 4_000))
    sessions = np.array([9, 6, 3])
    gp = named_gp(household, sessions, rng)
    share = np.bincount(gp) / len(gp)
    assert share == pytest.approx(sessions / sessions.sum(), abs=0.01)


def test_workforce_rates_follow_the_published_figures(demo_tables):
    s = settings()
    clinicians = demo_tables["clinicians"]
    fte = clinicians.group_by("role").aggregate([("fte", "sum")])
    per_10k = {r: f / 5.0 for r, f in zip(fte["role"].to_pylist(), fte["fte_sum"].to_pylist(), strict=True)}
    assert per_10k["gp"] == pytest.approx(s.gp_fte_per_10k, rel=0.1)
    assert per_10k["practice_nurse"] == pytest.approx(s.practice_staff_per_10k["practice_nurse"], rel=0.1)
    assert per_10k["admin"] == pytest.approx(s.practice_staff_per_10k["admin"], rel=0.1)
    assert per_10k["clinical_pharmacist"] == pytest.approx(s.network_staff_per_10k["clinical_pharmacist"], rel=0.2)
    network_staff = clinicians.filter(pc.is_null(clinicians["practice_id"]))
    assert set(network_staff["network_id"].to_pylist()) == {"U99001"}
    days = [len(d.split(",")) for d in clinicians["working_days"].to_pylist()]
    expected = [min(5, int(np.ceil(x / 2))) for x in clinicians["sessions_per_week"].to_pylist()]
    assert days == expected
    assert pc.min(clinicians["fte"]).as_py() > 0 and pc.max(clinicians["fte"]).as_py() <= 1.0
    assert gp_fte_rate(-2.0) > gp_fte_rate(2.0)
    assert split_sessions(40, s.gp_sessions, np.random.default_rng(1)).sum() == 40


def test_one_practice_team_per_practice_with_its_staff(demo_tables):
    teams, members = demo_tables["teams"], demo_tables["team_members"]
    assert teams.num_rows == 5 and set(teams["kind"].to_pylist()) == {"practice"}
    clinicians = demo_tables["clinicians"]
    practice_staff = clinicians.filter(pc.is_valid(clinicians["practice_id"]))
    assert members.num_rows == practice_staff.num_rows


def test_bad_inputs_are_refused():
    with pytest.raises(CarenetError, match="no practices"):
        synthesise(_practices([]), seed=1)
    twice = pa.concat_tables([_practices([10]), _practices([10])])
    with pytest.raises(CarenetError, match="repeat"):
        synthesise(twice, seed=1)
    with pytest.raises(CarenetError, match="networks table lacks"):
        synthesise(_practices([10], network="N1"), demo_networks(), seed=1)


def test_batches_cover_every_practice_once():
    p = plan(_practices([300, 300, 900, 100]), seed=1)
    runs = list(practice_batches(p, 600))
    assert [list(r) for r in runs] == [[0, 1], [2], [3]]


def test_empty_practices_get_no_patients_or_staff():
    tables = synthesise(_practices([0, 50]), seed=1)
    assert tables["patients"].num_rows == 50
    assert set(tables["clinicians"]["practice_id"].to_pylist()) == {"Y00001"}
