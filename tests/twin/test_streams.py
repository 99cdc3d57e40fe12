"""Each part of a run draws from its own random stream: the set-up's draws never move the demand's."""

from __future__ import annotations

import numpy as np

from carenet.models import load_model
from carenet.network.requests import ORIGIN
from carenet.twin.effects import Effects
from carenet.twin.run import model_engine
from carenet.twin.settings import twin_settings
from carenet.twin.setup import prepare

DAYS = 10


def _run(population, start, setup_seed: int, run_seed: int):
    setup = prepare(load_model("traditional"), population, start, DAYS, Effects.from_parameters(),
                    np.random.SeedSequence(setup_seed), "compiled", twin_settings())
    engine, _ = model_engine(setup)
    return setup, engine.run(DAYS, np.random.SeedSequence(run_seed))


def _first_day_episodes(record) -> np.ndarray:
    r = record.requests
    new = (r.origin == ORIGIN["episode"]) & (r.requested_day == 0)
    return np.sort(r.patient[new])


def test_another_set_up_draw_leaves_the_demand_as_it_was(small_population, run_start):
    """A different rota and choice of GP (the set-up stream), the same patients asking for care on the first day
    (the demand stream), which nothing booked yet can have moved."""
    setup_a, run_a = _run(small_population, run_start, setup_seed=1, run_seed=99)
    setup_b, run_b = _run(small_population, run_start, setup_seed=2, run_seed=99)
    assert not np.array_equal(setup_a.present, setup_b.present)
    assert not np.array_equal(setup_a.prefers, setup_b.prefers)
    first = _first_day_episodes(run_a)
    assert first.size > 50 and np.array_equal(first, _first_day_episodes(run_b))


def test_another_run_draw_leaves_the_set_up_as_it_was(small_population, run_start):
    setup_a, run_a = _run(small_population, run_start, setup_seed=1, run_seed=99)
    setup_b, run_b = _run(small_population, run_start, setup_seed=1, run_seed=100)
    assert np.array_equal(setup_a.present, setup_b.present) and np.array_equal(setup_a.prefers, setup_b.prefers)
    assert not np.array_equal(_first_day_episodes(run_a), _first_day_episodes(run_b))


def test_appointment_modes_draw_from_a_child_of_the_seed_no_other_part_uses(small_population, run_start):
    """run_model spawns the set-up and the run from the seed; modes take the next child, so drawing them never
    reuses the set-up's or the run's numbers (and changing a mode share moves nobody's appointment)."""
    from carenet.twin import run_model  # noqa: PLC0415
    from carenet.twin.output import MODE_STREAM, MODES, appointment_modes  # noqa: PLC0415

    run = run_model(load_model("traditional"), small_population, start=run_start, days=3, seed=7)
    rows = np.arange(500)
    modes = appointment_modes(run, rows)
    children = np.random.SeedSequence(7).spawn(MODE_STREAM + 1)
    assert MODE_STREAM == 2 and [c.spawn_key for c in children[:MODE_STREAM]] == [(0,), (1,)]
    p = np.asarray(list(run.setup.model.entry.first_contact_modes.values()), dtype=np.float64)
    expected = np.random.default_rng(children[MODE_STREAM]).choice(p.size, size=rows.size, p=p / p.sum())
    index = np.asarray([MODES.index(m) for m in run.setup.model.entry.first_contact_modes])
    assert np.array_equal(modes, index[expected])
