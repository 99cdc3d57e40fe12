"""The outcome model and the steps of a delivery-model run: everything after booking that shapes tomorrow.

* :class:`DidNotAttend` - the outcome model: a booked appointment is missed with the probability
  for its booking lead time in calendar days (``demand.dna.by_lead_time``).
* :class:`CallBack` - a request that found no slot (or waited for triage) waits and is tried again
  the next working day; a same-day or urgent one goes elsewhere at once with probability
  ``network.access.urgent_no_slot_goes_elsewhere``, and is given up after ``unbooked_retry_days``;
  a routine one is given up with probability ``network.access.give_up_per_working_day`` on each day
  it waits. A request given up ends abandoned or redirected (NHS 111, urgent treatment centre, A&E,
  pharmacy) in the shares of ``network.access.no_slot_destination``; one still waiting when the run
  ends is reported as waiting. Planned work with a fixed role is not chased: unbooked, it lapses
  (recorded as abandoned).
* :class:`Returns` - after an attended contact: a return for the same episode (less likely with
  the named clinician or team), a second contact after a misrouted first one, a referral to the
  link worker for a psychosocial need; continuity counters for the admission effect.
* :class:`ProactiveWork` - releases the programme's planned reviews and case-management contacts.
* :class:`SocialPrescribing` - a link worker's attended contact becomes a social prescription to a
  community service with a place this week; take-up lowers the patient's psychosocial demand.
* :class:`Admissions` - emergency admissions by frailty and multimorbidity; the ambulatory-care-
  sensitive share is more likely with low GP continuity (Barker 2017's index and outcome); each
  discharge lands a task on the practice, and a patient with a care plan gets a follow-up from
  their key worker.
* :class:`AccessFeedback` - each practice's share of new requests seen on the day asked, smoothed,
  which the demand response reads.
"""

from __future__ import annotations

import numpy as np

from carenet.care import Directory, social_prescribe
from carenet.network.calendar import WorkingCalendar
from carenet.network.requests import CHANNEL, NEED, NO_ROLE, ORIGIN, URGENCY, Bookings, RequestBatch, make_batch
from carenet.network.risk import ELDERLY_AGE
from carenet.network.settings import AccessSettings
from carenet.schema.codes import REQUEST_OUTCOMES
from carenet.schema.roles import ROLE_CODES, ROLES_BY_CODE, can_handle
from carenet.twin.demand import RETURNING_NEEDS, NotBefore
from carenet.twin.effects import Effects
from carenet.twin.episodes import EpisodeSampler
from carenet.twin.ledger import ATTENDED, DID_NOT_ATTEND, UNBOOKED
from carenet.twin.settings import DnaSettings
from carenet.twin.setup import Setup
from carenet.twin.state import RunState

_GP = ROLE_CODES.index("gp")
ACCESS_MEMORY_DAYS = 20
"""Working days over which patients' sense of how easy it is to be seen builds up (about a month)."""
_UPC_STEP = 0.2
"""The continuity step the admissions effect is published per (Barker 2017: 0.2 of UPC, about one SD)."""


def _empty() -> RequestBatch:
    return RequestBatch.empty()


class DidNotAttend:
    """Outcome model: DNA by booking lead time; appointments after the run's last day stay booked."""

    def __init__(self, dna: DnaSettings, calendar: WorkingCalendar, run_days: int):
        self._dna = dna
        self._dates = calendar.dates.astype("int64")
        self._run_days = run_days

    def outcome(self, day: int, batch: RequestBatch, bookings: Bookings, rng: np.random.Generator) -> np.ndarray:
        booked = bookings.booked
        when = np.where(booked, bookings.day, day)
        asked = np.clip(batch.requested_day, 0, None)
        lead = self._dates[np.minimum(when, self._dates.size - 1)] - self._dates[asked]
        missed = rng.random(len(batch)) < self._dna.probability(lead)
        return np.where(~booked, UNBOOKED, np.where(missed, DID_NOT_ATTEND, ATTENDED)).astype(np.int8)


class CallBack:
    """Requests that found no slot wait, go elsewhere or are given up (see the module docstring)."""

    def __init__(self, state: RunState, retry_days: int, access: AccessSettings):
        self._state = state
        self._retry_days = retry_days
        self._access = access
        self._codes = np.asarray([REQUEST_OUTCOMES.index(d) for d in access.destinations], np.int8)
        elsewhere = np.asarray([d != "abandoned" for d in access.destinations])
        self._elsewhere = access.destination_share * elsewhere / max(
            float((access.destination_share * elsewhere).sum()), 1e-12)
        self._abandoned = np.int8(REQUEST_OUTCOMES.index("abandoned"))
        self._pending = RequestBatch.empty()

    def requests(self, day: int, rng: np.random.Generator) -> RequestBatch:
        pending, self._pending = self._pending, RequestBatch.empty()
        return pending

    def settle(self, day, batch, bookings, outcome, rng) -> None:
        unbooked = outcome == UNBOOKED
        if not unbooked.any():
            return
        routed = batch.role == NO_ROLE
        waiting_triage = self._state.last_waiting if self._state.last_waiting.size == len(batch) else np.zeros(
            len(batch), bool)
        pressing = batch.urgency < URGENCY["routine"]
        draw = rng.random(len(batch))
        goes_now = unbooked & routed & pressing & ~waiting_triage & (draw < self._access.urgent_redirect_share)
        gives_up = unbooked & routed & ~goes_now & np.where(
            pressing, batch.attempts >= self._retry_days, draw < self._access.give_up_per_day)
        lapses = unbooked & ~routed
        ending = np.full(len(batch), -1, np.int8)
        pick = rng.random(len(batch))
        ending[goes_now] = self._codes[np.searchsorted(np.cumsum(self._elsewhere), pick[goes_now], side="right")
                                       .clip(max=self._codes.size - 1)]
        ending[gives_up] = self._codes[np.searchsorted(np.cumsum(self._access.destination_share), pick[gives_up],
                                                       side="right").clip(max=self._codes.size - 1)]
        ending[lapses] = self._abandoned
        ended = np.flatnonzero(ending >= 0)
        self._state.endings.add(request=batch.request[ended], code=ending[ended], day=np.full(ended.size, day))
        again = unbooked & (ending < 0)
        if again.any():
            retry = batch.take(np.flatnonzero(again))
            retry.attempts = np.minimum(retry.attempts.astype(np.int16) + 1, np.iinfo(np.int8).max).astype(np.int8)
            self._pending = retry


class Returns:
    """Return contacts, second contacts after a misroute, and link-worker referrals; continuity counters."""

    def __init__(self, setup: Setup, state: RunState, effects: Effects):
        self._setup, self._state, self._effects = setup, state, effects
        self._returning = np.isin(np.arange(len(NEED)), [NEED[n] for n in RETURNING_NEEDS])
        self._team_share = setup.settings.booking.team_share
        community = setup.model.community
        self._link_role = ROLE_CODES.index(community.link_worker_role) if community.social_prescribing else NO_ROLE
        self._refer_needs = np.isin(np.arange(len(NEED)), [NEED[n] for n in community.referral_needs])
        self._refer_p = setup.twin.programmes.link_worker_referral_probability
        self._informal = setup.twin.programmes.informal_advice_within_team
        self._link_worker_of_practice = _first_of_role(setup, self._link_role)

    def requests(self, day: int, rng: np.random.Generator) -> RequestBatch:
        return self._state.due(day)

    def settle(self, day, batch, bookings, outcome, rng) -> None:
        setup, state, fx = self._setup, self._state, self._effects
        seen = np.flatnonzero(outcome == ATTENDED)
        if seen.size == 0:
            return
        patient = batch.patient[seen].astype(np.int64)
        clinician = bookings.clinician[seen].astype(np.int64)
        lane_team = setup.lanes.team[bookings.lane[seen]]
        named = setup.panels.named[patient]
        team = setup.panels.team[patient]
        match = np.where(clinician == named, 1.0, np.where((team >= 0) & (lane_team == team), self._team_share, 0.0))
        np.add.at(state.visits, patient, 1)
        np.add.at(state.continuity, patient, match)
        by_gp = setup.lanes.role[bookings.lane[seen]] == _GP
        np.add.at(state.gp_visits, patient[by_gp], 1)
        np.add.at(state.gp_usual, patient[by_gp], (clinician[by_gp] == setup.usual_gp[patient[by_gp]]).astype(np.int32))
        when = bookings.day[seen]
        # Return for the same episode.
        p_return = fx.repeat_contact_probability * (1.0 - fx.continuity_repeat_reduction * match)
        returns = self._returning[batch.need[seen]] & (rng.random(seen.size) < p_return)
        lo, hi = fx.repeat_contact_lag_days
        lag = rng.integers(lo, hi + 1, size=seen.size)
        # A return is booked at the end of the consultation, for ``lag`` working days later.
        self._schedule(batch, seen, returns, when + 1, ORIGIN["repeat"], rng, earliest=lag - 1)
        # A misrouted first contact needs a second one with a role that can meet the need.
        misrouted = state.last_misrouted[seen] & (rng.random(seen.size) < fx.wrong_role_extra_contact_probability)
        self._schedule(batch, seen, misrouted, when + 1, ORIGIN["extra_contact"], rng)
        self._refer(day, batch, seen, misrouted, clinician, named, lane_team, team)
        # Psychosocial need seen by someone other than the link worker: refer to the link worker.
        if self._link_role != NO_ROLE:
            role = setup.lanes.role[bookings.lane[seen]]
            refer = self._refer_needs[batch.need[seen]] & (role != self._link_role) & (
                rng.random(seen.size) < self._refer_p)
            if refer.any():
                rows = seen[refer]
                referral = make_batch(batch.patient[rows], batch.need[rows], URGENCY["routine"], CHANNEL["referral"],
                                      batch.minute[rows], ORIGIN["referral"], role=self._link_role,
                                      episode=batch.episode[rows])
                state.enqueue_by_day(when[refer] + 1, referral)
                self._refer(day, batch, seen, refer, clinician, self._link_role, lane_team, team)

    def _schedule(self, batch, seen, mask, due, origin, rng, earliest: np.ndarray | int = 0) -> None:
        if not mask.any():
            return
        rows = seen[mask]
        minute = rng.integers(0, self._setup.twin.calendar.opening_minutes, size=rows.size)
        later = earliest[mask] if isinstance(earliest, np.ndarray) else earliest
        follow = make_batch(batch.patient[rows], batch.need[rows], URGENCY["routine"], batch.channel[rows],
                            minute, origin, episode=batch.episode[rows], earliest=later)
        self._state.enqueue_by_day(due[mask], follow)

    def _refer(self, day, batch, seen, mask, clinician, to, lane_team, team) -> None:
        """Referral rows: ``to`` is a clinician per seen row, or a role whose practice clinician receives it."""
        if not mask.any():
            return
        rows = np.flatnonzero(mask)
        patient = batch.patient[seen[rows]].astype(np.int64)
        if np.ndim(to) == 0:
            receiver = self._link_worker_of_practice[self._setup.frame.practice[patient]]
        else:
            receiver = np.asarray(to)[rows]
        same_team = (lane_team[rows] >= 0) & (lane_team[rows] == team[rows])
        informal = same_team if self._informal else np.zeros(rows.size, bool)
        self._state.referrals.add(patient=patient, from_clinician=clinician[rows], to_clinician=receiver,
                                  informal=informal, need=batch.need[seen[rows]], day=np.full(rows.size, day),
                                  minute=batch.minute[seen[rows]])


def _first_of_role(setup: Setup, role: int) -> np.ndarray:
    """For each practice, one clinician of ``role`` (-1 if none) to address referrals to."""
    out = np.full(len(setup.frame.practice_ids), -1, np.int64)
    if role == NO_ROLE:
        return out
    for i in reversed(range(len(setup.staff))):
        if setup.staff.role[i] == role and setup.staff.practice[i] >= 0:
            out[setup.staff.practice[i]] = i
    return out


class ProactiveWork:
    """Releases each planned proactive contact on its day, with its role, length and booking window."""

    def __init__(self, setup: Setup):
        needs = setup.proactive_needs
        self._day = needs.column("day").to_numpy()
        self._cols = {name: needs.column(name).to_numpy() for name in ("patient", "role", "need", "minutes",
                                                                        "deadline")}
        self._opening = setup.twin.calendar.opening_minutes
        self._not_before = NotBefore.from_settings(setup.twin.demand)
        self._bounds = np.searchsorted(self._day, np.arange(int(self._day.max(initial=-1)) + 2))

    def requests(self, day: int, rng: np.random.Generator) -> RequestBatch:
        if day + 1 >= self._bounds.size:
            return RequestBatch.empty()
        lo, hi = self._bounds[day], self._bounds[day + 1]
        if lo == hi:
            return RequestBatch.empty()
        c = {k: v[lo:hi] for k, v in self._cols.items()}
        minute = np.zeros(hi - lo, np.int16)  # planned work is in the system before the phones open
        window = c["deadline"] - day
        earliest = np.minimum(self._not_before.draw(hi - lo, rng), window)  # invited and booked ahead
        return make_batch(c["patient"], c["need"], URGENCY["proactive"], CHANNEL["proactive"], minute,
                          ORIGIN["proactive"], role=c["role"], minutes=c["minutes"], window=window, earliest=earliest)

    def settle(self, day, batch, bookings, outcome, rng) -> None:
        return None


class SocialPrescribing:
    """Link workers' attended contacts become social prescriptions to the network's directory, on the day held."""

    def __init__(self, setup: Setup, state: RunState, effects: Effects):
        self._setup, self._state, self._effects = setup, state, effects
        community = setup.model.community
        self._active = community.social_prescribing and bool(community.directory)
        self._role = ROLE_CODES.index(community.link_worker_role) if self._active else NO_ROLE
        self._minutes = ROLES_BY_CODE[community.link_worker_role].usual_minutes if self._active else 0
        self._directories: list[Directory] = []
        self._weekday = setup.calendar.weekday
        self._held: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}

    def _new_week(self) -> None:
        entries = self._setup.model.community.directory
        self._directories = [Directory.from_entries(entries, int(n)) for n in self._setup.network_patients]

    def requests(self, day: int, rng: np.random.Generator) -> RequestBatch:
        if not self._active:
            return RequestBatch.empty()
        if day == 0 or self._weekday[day] == 0:
            self._new_week()
        held = self._held.pop(day, [])
        if held:
            self._prescribe(day, np.concatenate([h[0] for h in held]), np.concatenate([h[1] for h in held]), rng)
        return RequestBatch.empty()

    def settle(self, day, batch, bookings, outcome, rng) -> None:
        if not self._active:
            return
        lane_role = self._setup.lanes.role[np.maximum(bookings.lane, 0)]
        seen = np.flatnonzero((outcome == ATTENDED) & (lane_role == self._role))
        for when in np.unique(bookings.day[seen]):
            rows = seen[bookings.day[seen] == when]
            self._held.setdefault(int(when), []).append((batch.patient[rows].astype(np.int64),
                                                         bookings.clinician[rows].astype(np.int64)))

    def _prescribe(self, day: int, patient: np.ndarray, link_worker: np.ndarray, rng: np.random.Generator) -> None:
        network = self._setup.practice_network[self._setup.frame.practice[patient]]
        for n in np.unique(network):
            rows = np.flatnonzero(network == n)
            directory = self._directories[n]
            category = rng.integers(0, len(directory.categories), size=rows.size)
            result = social_prescribe(category, directory, rows.size * self._minutes, self._minutes,
                                      self._effects.social_prescribing_take_up, rng)
            self._directories[n] = result.directory
            self._state.prescribed[patient[rows][result.taken_up]] = True
            self._state.prescriptions.add(patient=patient[rows], link_worker=link_worker[rows],
                                          network=np.full(rows.size, n), service=result.service,
                                          taken_up=result.taken_up, placed=result.service >= 0,
                                          day=np.full(rows.size, day))


class Admissions:
    """Emergency admissions and discharges, with the continuity effect and key-worker follow-up."""

    def __init__(self, setup: Setup, state: RunState, effects: Effects):
        self._setup, self._state, self._effects = setup, state, effects
        adm = setup.twin.admissions
        frame = setup.frame
        risk = adm.frailty_rate_ratio[np.where(frame.age >= ELDERLY_AGE, frame.frailty, 0)] * np.where(
            frame.registers >= setup.twin.demand.multimorbidity_min_registers, adm.multimorbidity_rate_ratio, 1.0)
        risk = risk / risk.mean()
        self._ref = effects.reference_upc
        self._per_step = 1.0 - effects.continuity_acs_admission_reduction  # admissions kept per 0.2 more UPC
        self._acs = effects.acs_share_of_admissions
        ceiling = self._factor(np.zeros(1))[0]  # the factor at no continuity, the most admissions
        daily = adm.rate_per_person_year / setup.twin.calendar.working_days_per_year * risk * ceiling
        self._ceiling = ceiling
        self._sampler = EpisodeSampler(daily, np.ones(setup.calendar.days), 1)
        self._dates = setup.calendar.dates.astype("int64")
        self._los = adm.length_of_stay_days
        self._follow_days = adm.discharge_follow_up_days
        self._discharges: dict[int, np.ndarray] = {}

    def requests(self, day: int, rng: np.random.Generator) -> RequestBatch:
        patient, _ = self._sampler.draw(day, rng)
        if patient.size:
            c = self._state.gp_continuity(self._ref, patient)
            keep = rng.random(patient.size) < self._factor(c) / self._ceiling
            patient = np.unique(patient[keep])
            if patient.size:
                self._state.admissions.add(patient=patient, day=np.full(patient.size, day))
                out_date = self._dates[day] + self._los
                out_day = int(np.searchsorted(self._dates, out_date))
                if out_day < self._dates.size:
                    self._discharges[out_day] = np.concatenate([self._discharges.get(out_day, np.zeros(0, int)),
                                                                patient])
        return self._follow_ups(day)

    def _factor(self, upc: np.ndarray) -> np.ndarray:
        """Admission rate relative to a patient at ``reference_upc``: only the ACS share moves with continuity."""
        return 1.0 - self._acs + self._acs * self._per_step ** ((upc - self._ref) / _UPC_STEP)

    def _follow_ups(self, day: int) -> RequestBatch:
        out = self._discharges.pop(day, None)
        if out is None or out.size == 0:
            return RequestBatch.empty()
        state = self._state
        self._state.discharges.add(patient=out, day=np.full(out.size, day), named=self._setup.panels.named[out],
                                   key_worker=state.key_worker[out])
        with_plan = out[state.has_plan[out] & (state.key_worker[out] >= 0)]
        if with_plan.size == 0:
            return RequestBatch.empty()
        role = self._setup.staff.array("role")[state.key_worker[with_plan]]
        need = np.asarray([_follow_up_need(ROLE_CODES[r]) for r in role])
        return make_batch(with_plan, need, URGENCY["proactive"], CHANNEL["proactive"], 0,
                          ORIGIN["discharge_follow_up"], role=role, window=self._follow_days)

    def settle(self, day, batch, bookings, outcome, rng) -> None:
        return None


class AccessFeedback:
    """Each practice's share of new requests seen on the day asked, smoothed over ``ACCESS_MEMORY_DAYS``: what the
    demand response (``twin.effects.demand_response``) reads."""

    def __init__(self, setup: Setup, state: RunState):
        self._practice = setup.frame.practice
        self._state = state
        self._practices = len(setup.frame.practice_ids)

    def requests(self, day: int, rng: np.random.Generator) -> RequestBatch:
        return RequestBatch.empty()

    def settle(self, day, batch, bookings, outcome, rng) -> None:
        new = (batch.origin == ORIGIN["episode"]) & (batch.attempts == 0)
        if not new.any():
            return
        practice = self._practice[batch.patient[new]]
        asked = np.bincount(practice, minlength=self._practices)
        same = np.bincount(practice, weights=bookings.day[new] == day, minlength=self._practices)
        today = np.divide(same, asked, out=self._state.same_day_share.copy(), where=asked > 0)
        self._state.same_day_share += (today - self._state.same_day_share) / ACCESS_MEMORY_DAYS


def _follow_up_need(role: str) -> int:
    """The need a key worker's post-discharge contact is recorded as: a review if in scope, else support."""
    for need in ("ltc_review", "acute_complex", "psychosocial", "admin_results"):
        if can_handle(role, need):
            return NEED[need]
    return NEED[ROLES_BY_CODE[role].need_types[0]]


__all__ = ["ACCESS_MEMORY_DAYS", "RETURNING_NEEDS", "AccessFeedback", "Admissions", "CallBack", "DidNotAttend",
           "ProactiveWork", "Returns", "SocialPrescribing"]
