import numpy as np
import pytest
from brian2 import Network, NeuronGroup, StateMonitor, defaultclock, ms, mV, um

from brianmodel.errors import ParameterError, SimulationError
from brianmodel.mstdp import Model
from brianmodel.mstdp.equations import hidden_equations, visible_equations
from brianmodel.mstdp.model import Ensemble
from brianmodel.mstdp.network import (RUN_TIME_FIELDS, NetworkState, Presentations, build_values, compiled_form,
                                      copy_values, feedback_synapses, feedforward_synapses, namespace, values_table)
from brianmodel.params.mstdp import ModelParams

SMALL = {"architecture": {"n_hidden": 3, "n_visible_pool": 2, "n_hidden_pool": 2}}


def build_network(params, n_visible, n_presentations, stimulus=None):
    return Model(params, n_visible).build(n_presentations, stimulus)


pytestmark = pytest.mark.usefixtures("brian_runtime")  # every test builds Brian2 objects itself


def test_equations_have_consistent_units():
    # Brian2 checks every equation, reset and synaptic statement when a run starts.
    params = ModelParams().with_overrides(architecture={"n_hidden": 3, "n_visible_pool": 2, "n_hidden_pool": 2})
    net = build_network(params, 8, 2, np.ones((2, 8)))
    net.network.run(1 * ms, namespace=net.namespace)
    assert visible_equations().diff_eq_names == {"v", "v_d", "g_d"} and "g_input" in visible_equations().names
    assert "phi" in hidden_equations().names


def test_synapses_with_a_location_make_ball_and_stick_cells():
    params = ModelParams().with_overrides(architecture={"n_hidden": 3, "n_visible_pool": 2, "n_hidden_pool": 2},
                                          locations={"feedback": 250 * um, "feedforward": 120 * um})
    net = build_network(params, 8, 2, np.ones((2, 8)))
    visible, hidden = net.visible.equations.diff_eq_names, net.hidden.equations.diff_eq_names
    assert {"v", "v_1", "v_5", "g_d_5"} <= visible and "v_d" not in visible
    assert {"v_1", "g_e_2"} <= hidden and "g_e" not in hidden
    assert np.all(net.feedback.compartment[:] == 3) and np.all(net.feedforward.compartment[:] == 2)
    # the back-propagating spike reaches 250 µm 0.8 ms after the soma's (0.3 m/s, rounded to dt)
    assert float(net.feedback.post.delay[0] / ms) == pytest.approx(0.8)
    assert float(net.feedback.delay[0] / ms) == pytest.approx(float(params.connections.delay_feedback / ms))
    net.network.run(2 * params.presentation.duration, namespace=net.namespace)
    assert np.all(np.isfinite(net.visible.v_5[:])) and len(net.monitors["visible"].i) > 0


def test_visible_layer_is_on_plus_off():
    params = ModelParams().with_overrides(architecture={"n_hidden": 3, "n_visible_pool": 2, "n_hidden_pool": 2})
    net = build_network(params, 2 * 16, 4)
    assert len(net.visible) == 32 and len(net.hidden) == 3
    assert len(net.feedforward) == len(net.feedback) == 32 * 3


@pytest.mark.parametrize("n_visible, stimulus, message", [
    (7, None, "even"),
    (8, np.ones((3, 8, 8)), "shape"),
    (8, np.ones((2, 9)), "8 visible intensities"),
    (8, -np.ones((2, 8)), "non-negative"),
])
def test_bad_network_inputs(n_visible, stimulus, message):
    with pytest.raises(SimulationError, match=message):
        build_network(ModelParams(), n_visible, 2, stimulus)


def test_state_roundtrip_through_synapse_order():
    params = ModelParams().with_overrides(architecture={"n_hidden": 3, "n_visible_pool": 2, "n_hidden_pool": 2})
    net = build_network(params, 8, 1)
    state = NetworkState.initial(params, 8, seed=5)
    for view, value in net.state_values(state).items():
        view[:] = value
    back = net.read_state()
    np.testing.assert_array_equal(back.W, state.W)
    np.testing.assert_array_equal(back.Q, state.Q)
    # synapse k of W is visible i -> hidden j with k = i * n_hidden + j
    assert net.feedforward.w[5 * 3 + 2] == state.W[2, 5]
    assert net.feedback.q[2 * 8 + 5] == state.Q[5, 2]


def test_run_time_parameters_cover_their_fields():
    # Every variable set per run depends on a field excluded from the build
    # key, and every excluded field reaches the binary: otherwise a change
    # would be silently ignored or would share a stale build.
    base = ModelParams().with_overrides(locations={"feedback": 250 * um, "feedforward": 50 * um},
                                        rules={"lateral": "istdp"}, lateral={"delay": 1 * ms},
                                        neurons={"visible_noise": 1 * mV})
    before = copy_values(base)
    reached = set()
    unset = {"backprop_delay_feedforward": [2 * ms], "backprop_delay_feedback": [2 * ms],
             "crossover": [40 * um, 300 * um]}  # the feedforward's and then the feedback's window flips
    # a location's value is set per run too (whether there is one is compiled in)
    for section, name in sorted(RUN_TIME_FIELDS | {("locations", "feedback"), ("locations", "feedforward")}):
        value = getattr(getattr(base, section), name)
        for new in unset[name] if value is None else [value * 2]:
            changed = base.with_overrides(**{section: {name: new}})
            moved = {key for key, v in copy_values(changed).items() if v != before[key]}
            assert moved, f"{section}.{name} = {new} reaches no run-time variable"
            assert compiled_form(changed) == compiled_form(base), f"{section}.{name} is compiled in"
            reached |= moved
    rule = base.rule("lateral")  # a rule's parameters are run-time values too (its name is compiled in)
    for name, value in rule.values().items():
        changed = base.with_overrides(rules={"lateral": rule.with_values(**{name: getattr(rule, name) * 2}).spec()})
        moved = {key for key, v in copy_values(changed).items() if v != before[key]}
        assert moved == {("lateral", name)} and compiled_form(changed) == compiled_form(base)
        reached |= moved
    assert reached == set(before)
    zeta = base.with_overrides(plasticity={"zeta_over_eta": 0.5})
    assert copy_values(zeta)[("feedback", "pre_coeff")] == pytest.approx(0.5 * copy_values(base)[
        ("feedback", "pre_coeff")])
    assert copy_values(zeta)[("feedforward", "pre_coeff")] == copy_values(base)[("feedforward", "pre_coeff")]
    # what is not a run-time field is compiled in: another value is another binary
    assert compiled_form(base.with_overrides(architecture={"n_hidden": 7})) != compiled_form(base)
    # whether the visible somata have noise is compiled in (0 mV is noise of no size: the same binary as 1 mV)
    assert compiled_form(base.with_overrides(neurons={"visible_noise": None})) != compiled_form(base)
    assert compiled_form(base.with_overrides(neurons={"visible_noise": 0 * mV})) == compiled_form(base)
    assert compiled_form(build_values(base)) == compiled_form(base)


def test_copies_are_blocks_with_their_own_values_and_pools():
    params = ModelParams().with_overrides(**SMALL)
    other = params.with_overrides(plasticity={"eta": 0.01}, connections={"delay_feedback": 1 * ms})
    ensemble = Ensemble([params, other], 8)
    net = ensemble.build(2, Presentations(np.ones((1, 8)), np.zeros((2, 2), int)))
    assert len(net.visible) == 16 and len(net.hidden) == 6 and len(net.feedforward) == 2 * 8 * 3
    # synapses within a copy only, in a single network's order
    np.testing.assert_array_equal(net.feedforward.i[24:27], [8, 8, 8])
    np.testing.assert_array_equal(net.feedforward.j[24:27], [3, 4, 5])
    assert set(net.feedback.i[:24]) == {0, 1, 2} and set(net.feedback.j[:24]) == set(range(8))
    np.testing.assert_array_equal(net.feedforward.copy_syn[:], [0] * 24 + [1] * 24)
    np.testing.assert_allclose(net.feedforward.pre_coeff[:], [-0.04] * 24 + [-0.01] * 24)  # STDP: LTD on pre
    np.testing.assert_array_equal(net.visible.copy[:], [0] * 8 + [1] * 8)
    np.testing.assert_allclose(net.feedback.delay[:] / ms, [3.0] * 24 + [1.0] * 24)
    to_pool = net.network["visible_to_pool"]
    i, j = np.asarray(to_pool.i[:]), np.asarray(to_pool.j[:])
    assert set(j[i < 8]) == {0, 1} and set(j[i >= 8]) == {2, 3}
    inhibition = net.network["visible_pool_inhibition"]
    np.testing.assert_array_equal(inhibition.j[:], [0, 0, 1, 1])  # each copy's pool drives its own output
    with pytest.raises(SimulationError, match="copy 1 differs from copy 0 in what is compiled.*n_hidden"):
        Ensemble([params, params.with_overrides(architecture={"n_hidden": 4})], 8)


def _pair_network(params, t_visible, t_hidden, duration=60 * ms):
    """One visible and one hidden cell that spike once, at the given times; W and Q between them."""
    defaultclock.dt = params.presentation.dt
    cell = "g_e : 1\ng_d : 1\nphi : 1\nt_spike : second"
    visible = NeuronGroup(1, cell, threshold="abs(t - t_spike) < 0.5*dt", dt=params.presentation.dt, name="v")
    hidden = NeuronGroup(1, cell, threshold="abs(t - t_spike) < 0.5*dt", dt=params.presentation.dt, name="h")
    visible.t_spike, hidden.t_spike, hidden.phi = t_visible, t_hidden, 1
    W = feedforward_synapses(visible, hidden, params, values_table("feedforward", [params]))
    Q = feedback_synapses(hidden, visible, params, values_table("feedback", [params]))
    W.w, Q.q = 0.5, 0.5
    net = Network(visible, hidden, W, Q)
    net.run(duration, namespace=namespace(params))
    return float(W.w[0]) - 0.5, float(Q.q[0]) - 0.5


@pytest.mark.parametrize("lag", [-12, -4, 3, 9])  # t_hidden - t_visible, ms
def test_mirrored_stdp_moves_w_and_q_alike(lag):
    params = ModelParams().with_overrides(plasticity={"eta": 0.01, "zeta_over_eta": 0.5})
    dw, dq = _pair_network(params, 20 * ms, (20 + lag) * ms)
    pl = params.plasticity
    if lag > 0:  # visible before hidden: both potentiate
        expected = pl.eta * pl.A_plus * np.exp(-lag * ms / pl.tau_plus)
    else:  # visible after hidden: both depress
        expected = -pl.eta * pl.A_minus * np.exp(lag * ms / pl.tau_minus)
    assert dw == pytest.approx(expected, rel=1e-6)
    assert dq == pytest.approx(pl.zeta_over_eta * expected, rel=1e-6)  # same sign, scaled by ζ/η


def test_plasticity_lags_are_somatic_whatever_the_axonal_delay():
    # The back-propagation delay defaults to the axonal delay, so the window
    # sees t_hidden - t_visible, not the arrival time at the synapse.
    params = ModelParams().with_overrides(connections={"delay_feedforward": 7 * ms, "delay_feedback": 2 * ms})
    dw, dq = _pair_network(params, 20 * ms, 25 * ms)
    expected = params.plasticity.eta * np.exp(-5 * ms / params.plasticity.tau_plus)
    assert dw == pytest.approx(expected) and dq == pytest.approx(expected)


def test_stdp_pairs_do_not_cross_presentations():
    # A visible spike late in one presentation and a hidden spike early in the
    # next are 4 ms apart, but belong to different stimuli: no plasticity.
    params = ModelParams().with_overrides(connections={"delay_feedforward": 0 * ms, "delay_feedback": 0 * ms})
    assert _pair_network(params, 62 * ms, 66 * ms, duration=130 * ms) == (0, 0)
    dw, dq = _pair_network(params, 66 * ms, 70 * ms, duration=130 * ms)  # same lag, same presentation
    assert dw > 0 and dq > 0


def test_every_object_runs_on_the_presentation_dt():
    params = ModelParams().with_overrides(presentation={"dt": 0.05 * ms},
                                          architecture={"n_hidden": 3, "n_visible_pool": 2, "n_hidden_pool": 2})
    net = build_network(params, 8, 1)
    for obj in net.network.objects:
        expected = params.presentation.duration if "reset" in obj.name else 0.05 * ms
        assert obj.clock.dt == expected, obj.name


def _initial_bout(refractory):
    params = ModelParams().with_overrides(neurons={"refractory": refractory},
                                          architecture={"n_hidden": 3, "n_visible_pool": 2, "n_hidden_pool": 2})
    net = build_network(params, 6, 1, np.full((1, 6), 3.0))
    net.network.run(params.presentation.readout_split, namespace=net.namespace)
    return np.bincount(net.read_spikes()["visible"][0], minlength=6)


def test_a_refractory_period_longer_than_the_stimulus_gives_one_spike_per_bout():
    # The natural recipe's binary initial bout: the same scale as the final bout.
    assert _initial_bout(2 * ms).min() >= 2
    assert np.array_equal(_initial_bout(8 * ms), np.ones(6))


def test_the_stimulus_lasts_the_same_whole_steps_in_every_presentation():
    # (t % duration) < stimulus_duration in floating point gave 49, 50 or 51 steps from the 17th presentation on
    params = ModelParams().with_overrides(architecture={"n_hidden": 1, "n_visible_pool": 1, "n_hidden_pool": 1})
    n = 24
    net = build_network(params, 2, n, np.ones((n, 2)))
    monitor = StateMonitor(net.visible, "g_stim", record=[0], when="groups", name="stimulus")  # as integrated
    net.network.add(monitor)
    net.network.run(n * params.presentation.duration, namespace=net.namespace)
    steps = int(round(float(params.presentation.duration / params.presentation.dt)))
    on = (np.asarray(monitor.g_stim[0]) > 0).reshape(n, steps)
    assert np.array_equal(on.sum(axis=1), np.full(n, 50))
    assert on[:, :50].all()  # the first 50 steps of each presentation


@pytest.mark.parametrize("locations", [{}, {"feedback": 250 * um}])
def test_forgetting_returns_every_visible_membrane_to_rest_at_its_step_of_each_presentation(locations):
    params = ModelParams().with_overrides(presentation={"visible_forget": 7 * ms}, locations=locations,
                                          architecture={"n_hidden": 1, "n_visible_pool": 1, "n_hidden_pool": 1})
    n = 3
    net = build_network(params, 4, n, np.full((n, 4), 0.05))  # charged below threshold: no spike, no refractory
    potentials = sorted(v for v in net.visible.equations.diff_eq_names if v == "v" or v.startswith("v_"))
    monitor = StateMonitor(net.visible, potentials, record=True, when="before_groups", name="membranes")
    net.network.add(monitor)
    net.network.run(n * params.presentation.duration, namespace=net.namespace)
    steps = int(round(float(params.presentation.duration / params.presentation.dt)))
    E_L = float(params.neurons.E_L)
    for v in potentials:
        trace = np.asarray(getattr(monitor, v)).reshape(4, n, steps)
        np.testing.assert_array_equal(trace[:, :, 70], E_L)  # 7 ms: the reset's step, in every presentation
        assert np.all(np.abs(trace[:, :, 69] - E_L) > 1e-4)  # the stimulus left them charged a step before


def test_the_forgetting_time_must_fall_between_the_stimulus_and_the_presentation_end():
    with pytest.raises(ParameterError, match="visible_forget = 4. ms must lie between"):
        ModelParams().with_overrides(presentation={"visible_forget": 4 * ms}).validate()
    with pytest.raises(ParameterError, match="not a multiple of dt"):
        ModelParams().with_overrides(presentation={"visible_forget": 7.05 * ms}).validate()
    assert ModelParams().presentation.visible_forget is None  # the paper's cell keeps its state
