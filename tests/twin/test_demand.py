"""Demand: calibrated rates by age band, weekly and seasonal shape, need mix, and the Poisson sampler."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from carenet.models import load_model
from carenet.network.calendar import WorkingCalendar
from carenet.network.patients import PatientFrame
from carenet.network.requests import NEED, ORIGIN, URGENCY
from carenet.network.settings import NetworkSettings
from carenet.schema.codes import NEED_TYPES
from carenet.twin import run_model
from carenet.twin.demand import (
    RETURNING_NEEDS,
    CalibratedDemand,
    build_demand,
    contacts_per_first_contact,
    deprivation_factor,
    need_mix_by_class,
)
from carenet.twin.effects import Effects
from carenet.twin.episodes import EpisodeSampler
from carenet.twin.settings import twin_settings


@pytest.fixture(scope="module")
def frame(small_population, run_start):
    return PatientFrame.from_tables(small_population, run_start,
                                   NetworkSettings.from_parameters().risk.efi_upper_bounds)


def _year_of_requests(frame, run_start, seed=3):
    settings = twin_settings()
    effects = Effects.from_parameters()
    model = build_demand(frame, settings.demand, effects.repeat_contact_probability)
    calendar = WorkingCalendar(run_start, settings.calendar.working_days_per_year)
    demand = CalibratedDemand(model, calendar.multipliers(settings.calendar.weekday_factor,
                                                          settings.calendar.month_factor),
                              settings.calendar.working_days_per_year, settings.calendar.opening_minutes)
    rng = np.random.default_rng(seed)
    batches = [demand.draw(day, rng) for day in range(calendar.days)]
    return model, batches, effects, settings


@pytest.mark.parametrize("model_name", ["traditional", "micro_teams"])
def test_a_simulated_years_contacts_per_person_year_by_age_band_within_10_percent(small_population, run_start,
                                                                                  model_name):
    """A year of the twin: first contacts plus the returns the run adds, per person-year, match each band's rate.

    Counted from the requests the run produced (not from the sampler's input), for a model with a
    named GP and one with micro-teams; docs/twin.md states 10% per band. The demand response to
    access is switched off: it moves demand away from the published rates on purpose.
    """
    settings = twin_settings()
    year = settings.calendar.working_days_per_year
    effects = Effects.from_parameters().replace(demand_response=0.0)  # access at the reference: no demand response
    run = run_model(load_model(model_name), small_population, start=run_start, days=year, seed=2, effects=effects)
    requests = run.record.requests
    band, bands = run.setup.demand.band, settings.demand.bands
    counted = np.isin(requests.origin, [ORIGIN["episode"], ORIGIN["repeat"]])
    contacts = np.bincount(band[requests.patient[counted]], minlength=len(bands))
    simulated = contacts / np.bincount(band, minlength=len(bands))
    target = np.asarray([b.rate for b in bands]) * settings.demand.appointment_scale
    for b, got, want in zip(bands, simulated, target, strict=True):
        assert got == pytest.approx(want, rel=0.10), f"{model_name} age {b.lo}-{b.hi}: {got:.2f} vs {want:.2f}"


def test_first_contacts_leave_room_for_the_returns_each_need_class_brings(frame):
    """Contacts per first contact: one plus the geometric returns of the class's returning needs."""
    settings = twin_settings()
    per_first = contacts_per_first_contact(settings.demand, 0.2)
    returning = np.isin(np.asarray(NEED_TYPES), RETURNING_NEEDS)
    share = need_mix_by_class(settings.demand)[:, returning].sum(axis=1)
    rho = 0.2 * settings.demand.return_realisation
    assert per_first == pytest.approx(1 + share * rho / (1 - rho))
    assert per_first[0] > per_first[-1]  # children off the registers come back more than older people on them
    model = build_demand(frame, settings.demand, 0.2)
    none = build_demand(frame, settings.demand, 0.0)
    assert model.expected_contacts == pytest.approx(none.annual_rate)  # the band's rate, returns included
    assert (model.annual_rate < none.annual_rate).all()


def test_weekly_and_seasonal_shape(frame, run_start):
    model, batches, _, settings = _year_of_requests(frame, run_start, seed=4)
    calendar = WorkingCalendar(run_start, settings.calendar.working_days_per_year)
    per_day = np.asarray([len(b) for b in batches], dtype=float)
    by_weekday = np.bincount(calendar.weekday, weights=per_day) / np.bincount(calendar.weekday)
    assert by_weekday[0] == by_weekday.max() and by_weekday[4] == by_weekday.min()  # Monday busiest, Friday least
    winter = np.isin(calendar.month, [10, 11, 1])
    summer = np.isin(calendar.month, [7, 8])
    assert per_day[winter].mean() > per_day[summer].mean()
    multipliers = calendar.multipliers(settings.calendar.weekday_factor, settings.calendar.month_factor)
    assert multipliers.mean() == pytest.approx(1.0, abs=0.02)


def test_requests_are_typed_by_need_urgency_and_channel(frame, run_start):
    _, batches, _, settings = _year_of_requests(frame, run_start, seed=5)
    need = np.concatenate([b.need for b in batches])
    urgency = np.concatenate([b.urgency for b in batches])
    channel = np.concatenate([b.channel for b in batches])
    assert set(np.unique(need)) == set(range(len(NEED)))
    same_day = float((urgency == URGENCY["same_day"]).mean())
    assert 0.38 < same_day < 0.52  # GPAD: 43-45% of appointments are same-day (demand.same_day_share)
    assert (urgency == URGENCY["urgent"]).any() and (urgency == URGENCY["routine"]).any()
    shares = np.bincount(channel, minlength=3)[:3] / channel.size
    assert shares == pytest.approx(settings.demand.channel_mix / settings.demand.channel_mix.sum(), abs=0.02)


def test_morbidity_raises_a_patients_rate_within_the_band(frame):
    settings = twin_settings()
    model = build_demand(frame, settings.demand, 0.0)
    adults = (frame.age >= 45) & (frame.age < 65)
    multi = adults & (frame.registers >= 2)
    none = adults & (frame.registers == 0) & (frame.frailty == 0) & ~frame.female
    ratio = model.annual_rate[multi].mean() / model.annual_rate[none].mean()
    assert ratio > 1.8  # Soley-Bori 2021 IRR 2.30 for multimorbidity (plus sex mix and deprivation noise)


def test_deprivation_factor_is_centred_and_monotone():
    f = deprivation_factor(np.arange(1, 11), 1.2)
    assert f.mean() == pytest.approx(1.0)
    assert f[0] / f[-1] == pytest.approx(1.2) and (np.diff(f) < 0).all()
    assert deprivation_factor(np.array([0]), 1.2)[0] == 1.0  # unknown decile: neutral


def test_episode_sampler_follows_each_patients_rate():
    rates = np.array([0.0, 0.5, 0.5, 2.0, 1.0])
    sampler = EpisodeSampler(rates, np.ones(4000), 600)
    rng = np.random.default_rng(0)
    counts = np.zeros(rates.size)
    for day in range(4000):
        patient, minute = sampler.draw(day, rng)
        np.add.at(counts, patient, 1)
        assert (np.diff(minute) >= 0).all()
    assert counts[0] == 0
    assert counts / 4000 == pytest.approx(rates, abs=0.06)


def test_calendar_skips_weekends():
    calendar = WorkingCalendar(dt.date(2025, 4, 5), 6)  # a Saturday: rolls to Monday 7 April
    assert calendar.date(0) == dt.date(2025, 4, 7)
    assert calendar.weekday.tolist() == [0, 1, 2, 3, 4, 0]
    assert calendar.date(5) == dt.date(2025, 4, 14)
