"""A user's model may give a role's establishment for the whole network, as whole-time equivalents or a headcount,
as well as per 10,000 patients; the network layer staffs exactly that many."""

from __future__ import annotations

import pytest
import yaml

from carenet.models import ModelError, check_model_file, load_model
from carenet.schema.roles import ROLE_CODES


def _with_line(tmp_path, line: dict):
    data = load_model("traditional").model_dump(mode="json", exclude_none=True)
    data["workforce"]["roles"] = [r for r in data["workforce"]["roles"] if r["role"] != "clinical_pharmacist"]
    data["workforce"]["roles"].append({"role": "clinical_pharmacist", "sessions_per_fte": 8, "employer": "network",
                                       "tag": "A", "source": "our PCN's own pharmacists (test)", **line})
    data["name"] = "ours"
    path = tmp_path / "ours.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(("line", "wte"), [({"wte": 3.0}, 3.0), ({"headcount": 5, "fte_each": 0.6}, 3.0)])
def test_a_network_wte_or_headcount_becomes_a_rate_for_the_network(tmp_path, line: dict, wte: float) -> None:
    model = check_model_file(_with_line(tmp_path, line))
    staffing = next(r for r in model.workforce.roles if r.role == "clinical_pharmacist")
    assert staffing.network_wte == pytest.approx(wte)
    assert staffing.per_10k(50_000) == pytest.approx(wte * 10_000 / 50_000)
    assert staffing.per_10k(12_000) == pytest.approx(wte * 10_000 / 12_000)
    assert "(network)" in staffing.describe()


def test_exactly_one_way_of_giving_the_establishment(tmp_path) -> None:
    with pytest.raises(ModelError, match="give exactly one of fte_per_10k"):
        check_model_file(_with_line(tmp_path, {"wte": 2.0, "fte_per_10k": 0.5}))
    with pytest.raises(ModelError, match="give exactly one of fte_per_10k"):
        check_model_file(_with_line(tmp_path, {}))


def test_the_network_layer_staffs_the_network_wte(tmp_path) -> None:
    import numpy as np

    from carenet.network.settings import NetworkSettings
    from carenet.network.staffing import build_staffing

    model = check_model_file(_with_line(tmp_path, {"wte": 3.0}))
    lists = np.array([6_000.0, 4_000.0])
    staff = build_staffing(model, lists, {}, np.array([0, 0]), ["P1", "P2"], ["N1"],
                           NetworkSettings.from_parameters().staff)
    pharmacist = ROLE_CODES.index("clinical_pharmacist")
    fte = sum(f for r, f in zip(staff.role, staff.fte, strict=True) if r == pharmacist)
    assert fte == pytest.approx(3.0, abs=0.05)
