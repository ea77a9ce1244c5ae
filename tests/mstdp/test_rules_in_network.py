"""Rules of brianmodel.rules in the network: the library's STDP/aSTDP is the network's own rule, and copies
of an ensemble may differ in a rule's parameters (runtime device, numpy code: nothing to compile)."""
import numpy as np
import pytest

import brianmodel as bm
from brianmodel.errors import ParameterError
from brianmodel.mstdp import Ensemble, Model
from brianmodel.params.mstdp import preset

PRESENTATIONS = 4


@pytest.fixture(scope="module")
def images():
    return bm.load_dataset("mnist").visible_intensities()[:PRESENTATIONS]


def _params(**rules):
    # strong feedback: a final bout from the first presentation, so both pathways' LTD acts too
    return preset("main").with_overrides(architecture={"n_hidden": 20}, rules=rules,
                                         connections={"g_feedback": 8.0})


def _run(model, images, state):
    return bm.Simulator(model, "runtime", PRESENTATIONS, runtime_target="numpy").run(images, state=state)


def test_the_librarys_stdp_and_astdp_are_the_networks_mirrored_rule(images):
    mirrored, library = _params(), _params(feedforward="stdp", feedback="astdp")
    start = Model(mirrored, images.shape[1]).initial_state(seed=1)
    a = _run(Model(mirrored, images.shape[1]), images, start)
    b = _run(Model(library, images.shape[1]), images, start)
    assert np.abs(a.state.W - start.W).max() > 1e-3 and np.abs(a.state.Q - start.Q).max() > 1e-3
    assert len(a.spikes("visible")[0]) == len(b.spikes("visible")[0])
    # the same equations; only the order of floating-point products differs (η bap A precomputed or not)
    np.testing.assert_allclose(b.state.W, a.state.W, atol=1e-12)
    np.testing.assert_allclose(b.state.Q, a.state.Q, atol=1e-12)


@pytest.mark.slow
def test_copies_differ_in_a_rules_parameters_and_each_is_its_network_alone(images):
    copies = [_params(feedforward="triplet(eta=6)", feedback="bcm"),
              _params(feedforward="triplet(eta=3, tau_x=200*ms)", feedback="bcm(nu_target=5*Hz)")]
    ensemble = Ensemble(copies, images.shape[1])
    states = ensemble.initial_state([1, 2])
    run = _run(ensemble, images, states)
    for k, params in enumerate(copies):
        alone = _run(Model(params, images.shape[1]), images, states[k])
        np.testing.assert_array_equal(run.copy(k).state.W, alone.state.W)
        np.testing.assert_array_equal(run.copy(k).state.Q, alone.state.Q)
    assert not np.array_equal(run.copy(0).state.W, run.copy(1).state.W)


def test_copies_with_different_rules_are_refused_before_building(images):
    with pytest.raises(Exception, match="rules"):
        Ensemble([_params(feedforward="stdp"), _params(feedforward="triplet")], images.shape[1])


def test_a_three_factor_rule_in_the_network_is_refused_with_the_reason(images):
    with pytest.raises(ParameterError, match="needs a modulator"):
        _run(Model(_params(feedforward="modulated-stdp"), images.shape[1]), images,
             Model(_params(), images.shape[1]).initial_state(seed=0))


def test_a_rules_slow_variable_carries_over_chunks_and_checkpoints(images):
    # BCM's threshold average ν̄ outlasts presentations: two chunks of 2 give the weights of one chunk of 4
    # (one digit shown 4 times: the units that answer it fire again, and BCM changes W from their second spike)
    same = images[[0] * PRESENTATIONS]
    params = _params(feedforward="bcm(tau_theta=100*ms, nu_target=5*Hz)")
    model = Model(params, images.shape[1])
    start = model.initial_state(seed=3)
    whole = _run(model, same, start)
    halves = bm.Simulator(model, "runtime", PRESENTATIONS // 2, runtime_target="numpy").run(same, state=start)
    assert np.abs(whole.state.W - start.W).max() > 1e-3
    assert set(whole.state.synapses) == {"feedforward_nu", "feedforward_lastupdate"}
    assert whole.state.synapses["feedforward_nu"].max() > 0
    np.testing.assert_allclose(halves.state.W, whole.state.W, rtol=0, atol=1e-12)
    np.testing.assert_allclose(halves.state.synapses["feedforward_nu"], whole.state.synapses["feedforward_nu"],
                               rtol=1e-9)
    # and through a checkpoint's arrays
    assert model.load_state(whole.state.arrays()).synapses.keys() == whole.state.synapses.keys()
