"""Entry and triage: capacity, routing within scope, mis-routing and its handoff, contact modes."""

from __future__ import annotations

import numpy as np
import pytest

from carenet.care import NO_ROLE, RoutingTable, TriageInputError, first_contact_modes, triage
from carenet.models import load_model
from carenet.schema.codes import MODES, NEED_TYPES, URGENCIES
from carenet.schema.roles import ROLE_CODES, can_handle

HCH = load_model("health_care_home")
TABLE = RoutingTable.build(HCH.entry.routing, HCH.roles())


def _batch(n, rng):
    return rng.integers(0, len(NEED_TYPES), n), rng.integers(0, len(URGENCIES), n)


def test_routing_keeps_only_staffed_roles_that_cover_the_need():
    for i, need in enumerate(NEED_TYPES):
        roles = [ROLE_CODES[r] for r in range(len(ROLE_CODES)) if (TABLE.allowed[i] >> r) & 1]
        assert roles and all(can_handle(r, need) and r in HCH.roles() for r in roles)
        assert ROLE_CODES[TABLE.first_choice[i]] == [r for r in HCH.entry.routing[need] if r in HCH.roles()][0]
        assert all(not can_handle(ROLE_CODES[r], need) for r in TABLE.wrong_roles[i])


def test_unstaffed_need_is_an_error():
    with pytest.raises(TriageInputError, match="no staffed role"):
        RoutingTable.build({"acute_minor": ["gp"]}, ["gp"])


def test_triage_capacity_is_used_in_arrival_order():
    rng = np.random.default_rng(1)
    need, urgency = _batch(200, rng)
    urgency[:] = URGENCIES.index("same_day")
    out = triage(need, urgency, TABLE, ["same_day", "urgent"], minutes_per_request=5, capacity_minutes=250,
                 accuracy=1.0, untriaged_accuracy=1.0, rng=rng)
    assert out.triaged.sum() == 50 and out.triaged[:50].all() and out.waiting[50:].all()
    assert out.triage_minutes == 250
    assert (out.misrouted_to == NO_ROLE).all()


def test_misrouting_rate_follows_accuracy_and_goes_to_a_role_outside_scope():
    rng = np.random.default_rng(2)
    need, _ = _batch(40_000, rng)
    urgency = np.full(need.size, URGENCIES.index("same_day"))
    out = triage(need, urgency, TABLE, ["same_day"], 1.0, 1e9, accuracy=0.8, untriaged_accuracy=1.0, rng=rng)
    could = np.array([TABLE.wrong_roles[i].size > 0 for i in need])
    rate = out.handoff[could].mean()
    assert rate == pytest.approx(0.2, abs=0.01)
    for i in np.flatnonzero(out.handoff)[:500]:
        assert not can_handle(ROLE_CODES[out.misrouted_to[i]], NEED_TYPES[need[i]])
        assert (out.allowed_roles[i] >> out.misrouted_to[i]) & 1 == 0


def test_untriaged_requests_use_their_own_accuracy_and_same_seed_same_result():
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    need, urgency = _batch(5000, np.random.default_rng(9))
    a = triage(need, urgency, TABLE, ["same_day"], 5, 100, 1.0, 0.5, rng_a)
    b = triage(need, urgency, TABLE, ["same_day"], 5, 100, 1.0, 0.5, rng_b)
    assert np.array_equal(a.misrouted_to, b.misrouted_to)
    outside = urgency != URGENCIES.index("same_day")
    assert a.handoff[outside].mean() > 0.3 and not a.handoff[a.triaged].any()


def test_first_contact_modes_follow_the_model_shares():
    modes = first_contact_modes(50_000, HCH.entry.first_contact_modes, np.random.default_rng(4))
    for mode, share in HCH.entry.first_contact_modes.items():
        assert (modes == MODES.index(mode)).mean() == pytest.approx(share, abs=0.01)
    with pytest.raises(TriageInputError, match="first_contact_modes"):
        first_contact_modes(3, {"carrier_pigeon": 1.0}, np.random.default_rng(0))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"accuracy": 1.5}, "accuracy"),
    ({"capacity_minutes": -1}, "capacity_minutes"),
    ({"triaged_urgencies": ["whenever"]}, "triaged_urgencies"),
])
def test_bad_triage_arguments(kwargs, message):
    args = {"need": np.array([0]), "urgency": np.array([0]), "table": TABLE, "triaged_urgencies": ["same_day"],
            "minutes_per_request": 5.0, "capacity_minutes": 10.0, "accuracy": 0.9, "untriaged_accuracy": 0.9,
            "rng": np.random.default_rng(0)} | kwargs
    with pytest.raises(TriageInputError, match=message):
        triage(**args)
