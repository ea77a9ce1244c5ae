"""The pairing protocol on the model's synapses: measured windows against the configured ones (Fig 2)."""
import dataclasses

import numpy as np
import pytest
from brian2 import ms, um

from brianmodel.errors import ProtocolError
from brianmodel.mstdp.mirrored import analytic_change
from brianmodel.mstdp.placement import synaptic_lag
from brianmodel.params.mstdp import preset
from brianmodel.protocols.pairing import PairingProtocol, run_pairing, save_pairing
from brianmodel.readers import read_pairing

LAGS = (-40.0, -10.0, -2.0, -0.5, 0.5, 2.0, 10.0, 40.0)
# on the runtime device with numpy code (nothing to compile): 5 pairings at 10 Hz, the spikes and their
# arrivals (delays up to 8 ms) inside each 100 ms pairing period
SHORT = PairingProtocol(lags_ms=LAGS, n_pairings=5, frequency_hz=10.0, offset_ms=45.0)


def _configured(params, result, pathway, n):
    return analytic_change(result["lag_ms"], params.with_overrides(plasticity={"eta": float(result["eta"])}), pathway, n)


@pytest.fixture(scope="module")
def default_pairing(build_root):
    params = preset("main")
    protocol = PairingProtocol(lags_ms=LAGS, n_pairings=20, frequency_hz=2.0)
    return params, protocol, run_pairing(params, protocol, build_root=build_root)


def test_measured_windows_match_the_configured_ones(default_pairing):
    params, protocol, result = default_pairing
    for pathway in ("feedforward", "feedback"):
        measured = result[f"{pathway}_change"]
        configured = _configured(params, result, pathway, protocol.n_pairings)
        np.testing.assert_allclose(measured, configured, rtol=0.05)
    # STDP: LTP when the hidden (post) spike follows the visible one
    assert np.all(np.sign(result["feedforward_change"]) == np.sign(result["lag_ms"]))


def test_feedback_window_is_the_mirror_image(default_pairing):
    _, _, result = default_pairing
    post_minus_pre = -result["lag_ms"]  # feedback: the visible neuron is postsynaptic
    # aSTDP: LTP when the postsynaptic (visible) spike comes first, the reverse of STDP...
    assert np.all(np.sign(result["feedback_change"]) == -np.sign(post_minus_pre))
    # ...so against t_hidden − t_visible both rules are the same (mSTDP)
    np.testing.assert_allclose(result["feedback_change"], result["feedforward_change"], rtol=1e-9)


def test_unequal_delays_shift_the_window(numpy_runtime):
    # back-propagation into the distal dendrite slower than the axon: the visible spike
    # reaches the feedback synapse 5 ms late, so a hidden spike 2 ms after it now depresses Q
    params = preset("main").with_overrides(connections={"backprop_delay_feedback": 8 * ms})
    protocol = SHORT
    result = run_pairing(params, protocol, device="runtime")
    assert float(synaptic_lag(2 * ms, params, "feedback") / ms) == pytest.approx(-3.0)
    np.testing.assert_allclose(result["feedback_change"], _configured(params, result, "feedback", SHORT.n_pairings),
                               rtol=0.05)
    k = list(LAGS).index(2.0)
    assert result["feedback_change"][k] < 0 < result["feedforward_change"][k]


def test_a_distal_feedback_synapse_sees_a_later_weaker_back_propagating_spike(numpy_runtime):
    # 300 µm at 0.3 m/s: the visible spike reaches the synapse 1 ms after the soma, at exp(-1) of its
    # amplitude; the compartment's synapse drives the ball-and-stick cell's dendrite
    # (the feedforward synapse sits 150 µm out on the hidden cell: 0.5 ms, exp(-0.5))
    params = preset("main").with_overrides(locations={"feedback": 300 * um, "feedforward": 150 * um})
    assert float(synaptic_lag(2 * ms, params, "feedback") / ms) == pytest.approx(2 + 3 - 1)
    assert float(synaptic_lag(2 * ms, params, "feedforward") / ms) == pytest.approx(2 + 0.5 - 5)
    # Δ = 4.5 ms: the feedforward synapse sees both spikes in one time step (Δ_syn = 0): the pre
    # pathway runs first, so STDP's post-triggered LTP decides
    protocol = dataclasses.replace(SHORT, lags_ms=LAGS + (4.5,))
    result = run_pairing(params, protocol, device="runtime")
    configured = _configured(params, result, "feedback", SHORT.n_pairings)
    np.testing.assert_allclose(result["feedback_change"], configured, rtol=0.05)
    np.testing.assert_allclose(result["feedforward_change"],
                               _configured(params, result, "feedforward", SHORT.n_pairings),
                               rtol=0.05)
    assert result["feedforward_change"][-1] > 0
    somatic = _configured(preset("main"), result, "feedback", SHORT.n_pairings)
    k = list(LAGS).index(10.0)
    # LTP at Δ = 10 ms: weaker by exp(-1), and 2 ms further along the window (Δ_syn 12 ms, not 10)
    assert configured[k] == pytest.approx(somatic[k] * np.exp(-1) * np.exp(-2 / 10))


def test_a_crossover_gives_proximal_feedback_synapses_plain_stdp(numpy_runtime):
    # feedback synapse at 100 µm, nearer than the 200 µm crossover: STDP, so against
    # t_hidden − t_visible its window is the feedforward one reversed
    params = preset("main").with_overrides(locations={"feedback": 100 * um, "crossover": 200 * um},
                                           connections={"backprop_delay_feedback": 3 * ms})
    protocol = SHORT
    result = run_pairing(params, protocol, device="runtime")
    np.testing.assert_allclose(result["feedback_change"], _configured(params, result, "feedback", SHORT.n_pairings),
                               rtol=0.05)
    # equal delays, symmetric window: feedback = −(attenuation at 100 µm) × feedforward
    np.testing.assert_allclose(result["feedback_change"], -np.exp(-100 / 300) * result["feedforward_change"],
                               rtol=1e-6)


@pytest.mark.parametrize("protocol, message", [
    (PairingProtocol(lags_ms=(0.25,)), "multiples of dt"),
    (PairingProtocol(lags_ms=(-150.0, 10.0)), "inside the"),
    (PairingProtocol(lags_ms=()), "no lags"),
    (PairingProtocol(n_pairings=0), "positive"),
])
def test_invalid_protocols_are_rejected(protocol, message):
    with pytest.raises(ProtocolError, match=message):
        protocol.validate(preset("main"))


def test_a_protocol_that_would_hit_the_weight_bounds_is_rejected(build_root):
    with pytest.raises(ProtocolError, match="to the bounds"):
        run_pairing(preset("main"), PairingProtocol(eta=None), build_root=build_root)


def test_saved_windows_read_back_without_the_model(default_pairing, tmp_path):
    params, protocol, result = default_pairing
    save_pairing(str(tmp_path / "pairing"), params, protocol, result, "cpp")
    saved = read_pairing(str(tmp_path / "pairing"))
    np.testing.assert_allclose(saved["feedforward_change"], result["feedforward_change"], rtol=1e-8)
    assert saved["info"]["pathways"]["feedback"]["rule"] == "aSTDP"
    assert saved["info"]["pathways"]["feedforward"] == {"rule": "STDP", "location_um": None, "axonal_delay_ms": 5.0,
                                                        "backprop_delay_ms": 5.0, "bap": 1.0}
