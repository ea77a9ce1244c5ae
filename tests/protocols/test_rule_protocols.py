"""The rules in Brian2: windows, frequency curves and reward timing measured by the protocols, against each
rule's own equations (brianmodel.rules, without Brian2); and the rules in the network."""
import numpy as np
import pytest

from brianmodel.errors import ParameterError, ProtocolError
from brianmodel.params.mstdp import preset
from brianmodel.protocols.modulation import ModulationProtocol, run_modulation
from brianmodel.protocols.pairing import FrequencyProtocol, PairingProtocol, run_frequency, run_pairing
from brianmodel.protocols.pairing import save_pairing
from brianmodel.readers import read_pairing
from brianmodel.rules import RULES

# every plain rule of the library (a new rule joins by being in it), two a run, one per pathway; BCM needs a
# postsynaptic rate to act on, so a larger η
PLAIN = [name for name in RULES if not name.startswith("modulated-")]
SPECS = {"bcm": "bcm(eta=0.5)"}
RULE_PAIRS = [tuple(SPECS.get(name, name) for name in (PLAIN + ["stdp"])[k:k + 2]) for k in range(0, len(PLAIN), 2)]
# short and fast enough for the runtime device (no compilation); BCM needs a postsynaptic rate to act on
WINDOW = PairingProtocol(lags_ms=(-20.0, -5.0, -1.0, 1.0, 5.0, 20.0), n_pairings=5, frequency_hz=20.0,
                         offset_ms=20.0, eta=None)


@pytest.fixture(autouse=True)
def _numpy(numpy_runtime):
    """The runtime device with numpy code (conftest): nothing to compile for these short runs."""


def _within_5_percent(measured, configured):
    """Each point within 5% of the configured change (exactly 0 where that is 0)."""
    measured, configured = np.asarray(measured), np.asarray(configured)
    assert np.all(np.abs(measured - configured) <= 0.05 * np.abs(configured)), (measured, configured)


@pytest.mark.parametrize("feedforward, feedback", RULE_PAIRS)
def test_each_rules_window_measured_in_brian2_matches_its_equations(feedforward, feedback):
    params = preset("main").with_overrides(rules={"feedforward": feedforward, "feedback": feedback},
                                           plasticity={"eta": 0.002})
    result = run_pairing(params, WINDOW, device="runtime")
    for pathway in ("feedforward", "feedback"):
        assert np.any(result[f"{pathway}_configured"] != 0), pathway
        _within_5_percent(result[f"{pathway}_change"], result[f"{pathway}_configured"])


def test_a_located_synapse_scales_any_rules_window_by_the_back_propagating_spike(tmp_path):
    from brian2 import um
    from brianmodel.protocols.pairing import configured_change
    params = preset("main").with_overrides(rules={"feedback": "triplet(eta=1)"}, locations={"feedback": 300 * um})
    located = run_pairing(params, WINDOW, device="runtime")
    _within_5_percent(located["feedback_change"], located["feedback_configured"])
    somatic = configured_change(params.with_overrides(locations={"feedback": None}), "feedback", WINDOW.schedule())
    k = list(WINDOW.lags_ms).index(5.0)  # visible (post) 5 ms before hidden (pre): LTD, weaker and later out there
    assert located["feedback_change"][k] < 0 and abs(located["feedback_change"][k]) < abs(somatic[k])
    save_pairing(str(tmp_path), params, WINDOW, located, "runtime")
    assert read_pairing(str(tmp_path))["info"]["pathways"]["feedback"]["rule"] == "triplet"


@pytest.mark.slow
def test_the_triplet_rules_frequency_dependence_in_brian2(build_root, tmp_path):
    # Pfister & Gerstner's visual-cortex fits: LTD for post→pre at 0.1 Hz, LTP for either order at 50 Hz
    params = preset("main").with_overrides(rules={"feedforward": "triplet", "feedback": "triplet-nearest"})
    protocol = FrequencyProtocol(frequencies_hz=(0.1, 10.0, 50.0), n_pairings=15)
    result = run_frequency(params, protocol, build_root=build_root)
    for pathway in ("feedforward", "feedback"):
        _within_5_percent(result[f"{pathway}_change"], result[f"{pathway}_configured"])
    change = {(f, lag): c for f, lag, c in zip(result["frequency_hz"], result["lag_ms"], result["feedforward_change"])}
    assert change[0.1, -10.0] < -0.05 and abs(change[0.1, 10.0]) < 1e-6
    assert change[50.0, 10.0] > 0.05 and change[50.0, -10.0] > 0.05
    save_pairing(str(tmp_path), params, protocol, result, "cpp")
    saved = read_pairing(str(tmp_path))
    assert saved["info"]["protocol_kind"] == "frequency" and len(saved["frequency_hz"]) == 6


def test_a_reward_a_second_after_the_pairing_still_potentiates_by_the_eligibility_left():
    params = preset("main").with_overrides(rules={"feedforward": "modulated-stdp(tau_eligibility=1*second)"})
    protocol = ModulationProtocol(delays_s=(0.2, 1.0, 1.5), reward_s=1.6, after_s=0.1)
    result = run_modulation(params, protocol, device="runtime")
    assert np.all(result["change_before_reward"] == 0)  # paired, but no modulator yet: nothing moved
    _within_5_percent(result["change"], result["configured"])
    assert np.all(result["change"] > 0)
    # what is left of the eligibility: exp(−delay / 1 s)
    assert result["change"][1] / result["change"][0] == pytest.approx(np.exp(-0.8), rel=0.01)


def test_protocols_refuse_what_they_cannot_measure():
    with pytest.raises(ProtocolError, match="three-factor rule"):
        ModulationProtocol().validate(preset("main"))
    with pytest.raises(ParameterError, match="needs a modulator"):
        run_pairing(preset("main").with_overrides(rules={"feedforward": "modulated-stdp"}), WINDOW, device="runtime")
    with pytest.raises(ProtocolError, match="multiples of dt"):
        FrequencyProtocol(frequencies_hz=(30.0,)).validate(preset("main"))
    with pytest.raises(ProtocolError, match="after it ends"):  # +20 ms and the 5 ms delay cross the 50 ms period
        PairingProtocol(lags_ms=(20.0,), frequency_hz=20.0, offset_ms=26.0).validate(preset("main"))
