"""Community services and social prescribing; the extended-hours hub; diary capacity from sessions."""

from __future__ import annotations

import numpy as np
import pytest

from carenet.care import (
    NO_HUB,
    NO_SERVICE,
    CommunityInputError,
    Directory,
    daily_slots,
    hub_lanes,
    hub_requests,
    hub_site,
    social_prescribe,
    split_long_slots,
)
from carenet.models import load_model
from carenet.schema.codes import URGENCIES
from carenet.schema.roles import ROLE_CODES


def test_directory_places_scale_with_the_list():
    entries = load_model("community_centred").community.directory
    directory = Directory.from_entries(entries, list_size=20_000)
    assert directory.places.tolist() == [round(e.weekly_capacity_per_10k * 2) for e in entries]
    assert directory.category_index(["arts"]).tolist() == [directory.categories.index("arts")]
    with pytest.raises(CommunityInputError, match="knitting"):
        directory.category_index(["knitting"])


def test_social_prescribing_respects_link_worker_time_and_service_places():
    directory = Directory(categories=("befriending", "exercise"), category=np.array([0, 0, 1]),
                          places=np.array([2, 1, 5]))
    category = np.array([0, 0, 0, 0, 1, 1, 0])
    out = social_prescribe(category, directory, link_worker_minutes=270, minutes_per_contact=45,
                           take_up_probability=1.0, rng=np.random.default_rng(0))
    assert out.seen.tolist() == [True] * 6 + [False]
    assert out.service.tolist() == [0, 0, 1, NO_SERVICE, 2, 2, NO_SERVICE]
    assert out.unmet.tolist() == [False, False, False, True, False, False, False]
    assert out.directory.places.tolist() == [0, 0, 3]
    assert out.taken_up.sum() == 5 and out.link_worker_minutes == 270
    table = out.to_table()
    assert table.column("service").null_count == 2


def test_take_up_rate_is_the_input_probability():
    directory = Directory(categories=("exercise",), category=np.array([0]), places=np.array([100_000]))
    out = social_prescribe(np.zeros(20_000, int), directory, 1e9, 1.0, 0.6, np.random.default_rng(1))
    assert out.taken_up.mean() == pytest.approx(0.6, abs=0.015)
    with pytest.raises(CommunityInputError, match="take_up_probability"):
        social_prescribe(np.zeros(1, int), directory, 10, 1, 1.2, np.random.default_rng(1))


def test_daily_slots_keep_weekly_totals_exact():
    works = np.array([[1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 0, 0]], dtype=bool)
    weekdays = np.tile(np.arange(7), 4)
    slots = daily_slots([6, 7], [10, 15], works, weekdays, 250)
    assert slots[0].sum() == 4 * 150  # 6 sessions of 250 minutes in 10-minute slots: 150 a week exactly
    # 7 sessions in 15-minute slots are 116 2/3 a week: the fraction is carried, so four weeks hold 466 (not 4 x 116)
    assert slots[1].sum() == int(4 * 7 * 250 / 15)
    weekly = slots[1].reshape(4, 7).sum(axis=1)
    assert set(weekly.tolist()) <= {116, 117} and np.cumsum(weekly).tolist() == [116, 233, 350, 466]
    assert (slots[0][4::7] == 0).all() and (slots[:, 5::7] == 0).all()
    assert slots[0, :4].tolist() == [37, 38, 37, 38]
    standard, long = split_long_slots(slots, 0.2, np.array([10, 15]), 20)
    assert (standard + long * np.array([[2], [1]]) == slots).all()
    assert long[0, 0] == 3


def test_hub_lanes_follow_sessions_per_10k_and_open_days():
    hub = load_model("federation_hub").hub
    weekdays = np.arange(7)
    lanes = hub_lanes(hub, network_patients=50_000, hub_number=2, first_clinician=100,
                      horizon_weekdays=weekdays, session_minutes=250)
    diary = lanes.diary
    assert (diary.site == hub_site(2)).all() and diary.clinician.tolist() == [100, 101, 102, 103]
    assert [ROLE_CODES[r] for r in diary.role] == [h.role for h in hub.roles]
    gp = diary.free[0]
    assert gp[6] == 0 and gp.sum() == int(1.2 * 5 * 250 / 10)
    urgency = np.array([URGENCIES.index(u) for u in URGENCIES])
    routed = hub_requests(urgency, np.full(urgency.size, 2), hub)
    assert routed.tolist() == [2 if u in hub.urgencies else NO_HUB for u in URGENCIES]
    assert (hub_requests(urgency, np.full(urgency.size, 2), None) == NO_HUB).all()
