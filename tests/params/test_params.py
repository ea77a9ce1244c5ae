import pytest
from brian2 import mV, ms, second, um

from brianmodel.errors import ParameterError
from brianmodel.params.mstdp import PRESETS, ModelParams, Neurons, preset, preset_hidden
from brianmodel.params.run import RunSettings
from brianmodel.params.symstdp import SymStdpParams
from brianmodel.params.symstdp import preset as symstdp_preset


def test_defaults_validate_and_carry_units():
    p = ModelParams().validate()
    assert p.presentation.duration == 65 * ms  # the paper's presentation length
    assert p.neurons.E_L.dim == mV.dim


def test_json_roundtrip_keeps_units():
    p = ModelParams().with_overrides(connections={"delay_feedback": 4 * ms}, homeostasis={"rho": 0.2})
    back = ModelParams.from_dict(p.to_dict())
    assert back == p
    assert back.connections.delay_feedback == 4 * ms
    assert SymStdpParams.from_dict(symstdp_preset("fashion").to_dict()) == symstdp_preset("fashion")


@pytest.mark.parametrize("section, values, message", [
    ("neurons", {"tau_m": 10}, "needs units of time"),
    ("neurons", {"E_L": -65 * ms}, "needs units of voltage"),
    ("connections", {"delay_feedforward": -1 * ms}, "must not be negative"),
    ("connections", {"delay_feedback": 0.05 * ms}, "not a multiple of dt"),
    ("connections", {"delay_feedback": 1 * second}, "too long"),
    ("architecture", {"n_hidden": 0}, "must be positive"),
    ("architecture", {"n_hidden": 2.5}, "must be an integer"),
    ("homeostasis", {"rho": -0.1}, "must be positive"),
    ("plasticity", {"eta": -0.01}, "must not be negative"),
    ("plasticity", {"nonsense": 1}, "unknown parameter"),
    ("plasticity", {"eta": None}, "cannot be None"),  # only a field unset by default can be unset
])
def test_bad_values_are_rejected_with_a_clear_message(section, values, message):
    with pytest.raises(ParameterError, match=message):
        ModelParams().with_overrides(**{section: values})


def test_a_field_unset_by_default_can_be_unset_again():
    placed = ModelParams().with_overrides(locations={"feedback": 300 * um})
    assert placed.with_overrides(locations={"feedback": None}).locations.feedback is None


def test_cross_field_checks():
    with pytest.raises(ParameterError, match="readout_split"):
        ModelParams().with_overrides(presentation={"readout_split": 70 * ms})
    with pytest.raises(ParameterError, match="V_threshold"):
        ModelParams().with_overrides(neurons={"V_threshold": -70 * mV})


def test_presets():
    assert set(PRESETS) >= {"main", "very-sparse", "non-sparse"}
    assert preset("very-sparse").homeostasis.rho == 0.001
    assert preset("non-sparse").homeostasis.rho == 0.3
    # forgetting: the reconstruction preset with the visible membranes reset between the bouts, nothing else
    assert preset("forgetting").with_overrides(presentation={"visible_forget": None}) == preset("reconstruction")
    assert preset("forgetting").presentation.visible_forget == 8 * ms
    # graded: forgetting with a slow visible dendrite and a weaker visible pool, nothing else
    assert preset("graded").with_overrides(dendrite={"tau_d": 10 * ms},
                                           connections={"g_pool_to_visible": 0.03}) == preset("forgetting")
    assert preset("graded").dendrite.tau_d == 60 * ms
    # graded-wide: graded with a 4x feedback gain and 800 hidden units at rho 0.05, nothing else
    assert preset("graded-wide").with_overrides(connections={"g_feedback": 4.0}, architecture={"n_hidden": 200},
                                                homeostasis={"rho": 0.1}) == preset("graded")
    assert (preset("graded-wide").architecture.n_hidden, preset("graded-wide").homeostasis.rho) == (800, 0.05)
    # olshausen: main with the natural-scene study's values (docs/natural-patches.md), nothing else; the paper's
    # default is untouched
    scenes = preset("olshausen")
    assert (scenes.connections.g_input, scenes.connections.g_pool_to_visible, scenes.neurons.visible_noise) == \
        (0.75, 0.0, 4 * mV)
    assert scenes.with_overrides(
        neurons={"refractory": 2 * ms, "visible_noise": None}, homeostasis={"rho": 0.1},
        connections={"g_input": 3.0, "g_pool_to_visible": 0.05},
        plasticity={"eta": 0.04, "A_minus": 1.0, "w_init_max": 0.3, "q_init_max": 0.3}) == preset("main")
    # the sweeps' smaller layer, unless the preset sets its own size
    assert (preset_hidden("graded", 100), preset_hidden("graded-wide", 100)) == (100, 800)
    with pytest.raises(ParameterError, match="unknown preset 'dense'.*main"):
        preset("dense")


def test_section_dataclass_alone_is_checked_on_validate():
    p = ModelParams(neurons=Neurons(tau_m=10))  # constructing is allowed ...
    with pytest.raises(ParameterError, match="neurons.tau_m"):  # ... using is not
        p.validate()


@pytest.mark.parametrize("change, message", [
    ({"presentations": 0}, "presentations must be a positive integer"),
    ({"chunk_size": 2.5}, "chunk_size must be a positive integer"),
    ({"seed": -1}, "seed must be a non-negative integer"),
    ({"model": "lstm"}, "unknown model 'lstm'"),
    ({"labels": True, "model": "symstdp"}, "label units"),
    ({"compute_capability": 9.0}, "cuda devices only"),
    ({"label_copies": 0}, "label_copies"),
])
def test_run_settings_are_checked(change, message):
    with pytest.raises(Exception, match=message) as error:
        RunSettings(**change).validate()
    assert error.type.__name__ in ("TrainingError", "ParameterError")


def test_run_settings_read_from_a_folder_refuse_another_model_and_unknown_settings():
    info = {"run": RunSettings(model="symstdp").to_dict()}
    assert RunSettings.from_info(info).model == "symstdp"
    with pytest.raises(Exception, match="holds a symstdp training, not a mstdp one"):
        RunSettings.from_info(info, model="mstdp")
    with pytest.raises(ParameterError, match="unknown run setting"):
        RunSettings.from_info({"run": {"dataset": "mnist", "shell": "rm -rf"}})


@pytest.mark.parametrize("section, name, value, text", [
    ("plasticity", "eta", float("inf"), "1e400"), ("plasticity", "eta", float("nan"), None),
    ("homeostasis", "rho", -float("inf"), "-1e400"), ("connections", "delay_feedback", float("inf") * ms,
                                                       "1e999 * second"),
    ("neurons", "E_L", float("nan") * mV, None)])
def test_a_value_that_is_not_finite_is_refused_on_every_path(section, name, value, text):
    """The Python API and a params.json (whose grammar reads 1e400 as infinity, as --set does) meet the same
    check; 'nan' is not a number the grammar reads."""
    with pytest.raises(ParameterError, match=f"{section}.{name} = .* must be a finite number"):
        ModelParams().with_overrides(**{section: {name: value}})
    if text is not None:
        saved = ModelParams().to_dict()
        saved[section][name] = text
        with pytest.raises(ParameterError, match=f"{section}.{name} = .* must be a finite number"):
            ModelParams.from_dict(saved)
