"""Membrane noise of the visible somata (neurons.visible_noise): its size, its seeding, and that 0 mV is no noise."""
import functools

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, StateMonitor, linked_var, mV, ms

from brianmodel import mstdp
from brianmodel.device import Simulator
from brianmodel.mstdp.layers import visible_cell
from brianmodel.mstdp.network import noise_seed
from brianmodel.params.mstdp import ModelParams

# (strong enough drive that the hidden units fire and the weights move within two presentations)
SMALL = ModelParams().with_overrides(architecture={"n_hidden": 10, "n_visible_pool": 4, "n_hidden_pool": 2},
                                     homeostasis={"rho": 0.5}, connections={"g_feedforward": 0.4, "g_feedback": 8.0})
N_VISIBLE = 64


pytestmark = pytest.mark.usefixtures("brian_runtime")  # every test builds Brian2 objects itself


def _noise(sigma):
    return SMALL.with_overrides(neurons={"visible_noise": sigma})


def _run(params, images, state=None, chunk=2):
    model = mstdp.Model(params, N_VISIBLE)
    return Simulator(model, "runtime", chunk_size=chunk, runtime_target="numpy").run(
        images, model.initial_state(3) if state is None else state)


@functools.cache
def _quiet():
    """Two presentations without noise (shared by the tests)."""
    return _run(SMALL, _images())


def _images(n=2):
    return np.random.default_rng(0).uniform(0, 1, (n, N_VISIBLE))


def _rest_std(sigma, seed=1):
    """The s.d. of unstimulated visible somata over 300 ms (200 cells, the first 50 ms left out)."""
    from brian2 import seed as brian_seed
    cell = visible_cell(_noise(sigma))
    group = cell.group(200, "noisy_visible")
    group.sigma_visible = sigma
    pool = NeuronGroup(1, "g : 1", name="silent_pool")
    group.g_i = linked_var(pool, "g", index=np.zeros(200, dtype=int))
    monitor = StateMonitor(group, "v", record=True, dt=1 * ms)
    brian_seed(seed)
    Network(group, pool, monitor).run(300 * ms, namespace={**cell.constants, "V_threshold": 0 * mV})
    v = np.asarray(monitor.v / mV)[:, 50:]
    return v.std(), v.mean()


def test_the_noise_s_size_scales_with_sigma_around_rest():
    """An OU drive: the somata fluctuate around E_L by less than sigma (the dendrite takes part of it), and twice
    the sigma gives twice the fluctuation."""
    small, rest = _rest_std(2 * mV)
    large, _ = _rest_std(4 * mV)
    assert rest == pytest.approx(-65, abs=0.2)
    assert 0.4 * 4 < large < 4
    assert large / small == pytest.approx(2, rel=0.05)


def test_no_noise_of_any_size_is_the_paper_s_network_bit_for_bit():
    quiet, zero = _quiet(), _run(_noise(0 * mV), _images())
    assert len(quiet.spikes("hidden")[0]) and not np.array_equal(quiet.state.W, mstdp.Model(SMALL, N_VISIBLE)
                                                                 .initial_state(3).W)
    np.testing.assert_array_equal(quiet.spikes("visible")[0], zero.spikes("visible")[0])
    np.testing.assert_array_equal(quiet.state.W, zero.state.W)
    np.testing.assert_array_equal(quiet.state.Q, zero.state.Q)


def test_noise_is_seeded_by_the_state_so_a_resumed_run_is_the_same_run():
    noisy = _noise(5 * mV)
    once = _run(noisy, _images(4))  # two chunks of 2
    first = _run(noisy, _images(4)[:2])
    assert not np.array_equal(first.state.W, _quiet().state.W)  # the noise changes the training
    resumed = _run(noisy, _images(4)[2:], state=first.state)
    np.testing.assert_array_equal(resumed.state.W, once.state.W)
    np.testing.assert_array_equal(resumed.state.Q, once.state.Q)
    # each chunk draws its own noise: its seed follows from its starting state, which differs from the last's
    model = mstdp.Model(noisy, N_VISIBLE)
    seeds = {noise_seed([model.initial_state(3)]), noise_seed([first.state]), noise_seed([model.initial_state(4)])}
    assert len(seeds) == 3 and all(1 <= s < 2 ** 31 for s in seeds)
