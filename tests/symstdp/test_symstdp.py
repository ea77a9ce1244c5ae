"""The sym-STDP supervised network (Hao et al. 2020): rule, presentation control, training, readout."""
import dataclasses
import os

import numpy as np
import pytest
from brian2 import Network, NeuronGroup, SpikeGeneratorGroup, Synapses, defaultclock, ms, prefs, set_device

from brianmodel.datasets import load_dataset
from brianmodel.device import Simulator
from brianmodel.errors import DatasetError, ParameterError, TrainingError
from brianmodel.params.mstdp import ModelParams
from brianmodel.params.run import RunSettings
from brianmodel.params.symstdp import SymStdpParams
from brianmodel.params.symstdp import preset as symstdp_preset
from brianmodel.results import ResultsFolder
from brianmodel.symstdp import Model, network
from brianmodel.symstdp.classification import classify
from brianmodel.training import train


def _pair_change(lag_ms, eta=0.01, w0=0.5):
    """Weight change of one sym-STDP synapse: pre spike at 40 ms, post spike at 40 ms + lag."""
    set_device("runtime")
    prefs.codegen.target = "numpy"
    defaultclock.dt = 0.1 * ms  # the post cell fires for 0.1 ms: one step (another test may have left another dt)
    pre = SpikeGeneratorGroup(1, [0], [40 * ms])
    post = NeuronGroup(1, "g_e : 1\nw_total : 1\nspike_time : second (constant)",
                       threshold="abs(t - spike_time) < 0.05*ms", reset="", method="euler")
    post.spike_time = (40 + lag_ms) * ms
    syn = Synapses(pre, post, network.SYM_STDP_MODEL, on_pre=network.SYM_STDP_ON_PRE,
                   on_post=network.SYM_STDP_ON_POST)
    syn.connect()
    syn.w, syn.eta, syn.w_max = w0, eta, 1.0
    Network(pre, post, syn).run(100 * ms, namespace={"tau_trace": 20 * ms, "trace_increment": 0.1})
    assert float(post.w_total[0]) == pytest.approx(float(syn.w[0]) - w0)  # the incoming sum follows w
    return float(syn.w[0]) - w0


@pytest.mark.parametrize("lag", [-30.0, -10.0, -2.0, 2.0, 10.0, 30.0])
def test_either_order_potentiates_by_the_symmetric_window(lag):
    expected = 0.01 * 0.1 * np.exp(-abs(lag) / 20)
    assert _pair_change(lag) == pytest.approx(expected, rel=0.02)
    assert _pair_change(lag) == pytest.approx(_pair_change(-lag), rel=0.02)


def test_weights_stay_below_their_maximum():
    assert 0.5 + _pair_change(2.0, eta=100.0) == pytest.approx(1.0)


def test_slot_replay_retries_quiet_images_then_gives_up():
    params = SymStdpParams().with_overrides(presentation={"min_spikes": 2, "max_retries": 2})
    period = float(params.period)
    # slot 0: 3 spikes (accepted); slots 1-3: silent (image 1 retried twice, then given up); slot 4: 1 spike
    # in the image period and 5 in the rest (not counted: retried)
    t = np.array([0.01, 0.02, 0.03] + [4 * period + 0.01] + [4 * period + 0.4] * 5)
    images, accepted, retries, last = network.slot_images((np.zeros(len(t), int), t), 5, 0, params)
    np.testing.assert_array_equal(images, [0, 1, 1, 1, 2])
    np.testing.assert_array_equal(accepted, [True, False, False, True, False])
    assert retries == 1 and last == 0
    # a retry carried in from the previous chunk counts towards the limit
    _, accepted, _, _ = network.slot_images((np.zeros(0, int), np.zeros(0)), 1, 2, params)
    assert accepted[0]


SLOTS = 50  # every test network runs chunks of 50 slots: one build for the whole module


def _toy_params(**plasticity):
    return SymStdpParams().with_overrides(architecture={"n_excitatory": 20}, plasticity=plasticity)


def test_the_binary_presents_what_the_replay_says(build_root):
    """Blank images draw no spikes: each is retried max_retries times; the teacher shows which one is on."""
    params = _toy_params().with_overrides(presentation={"max_retries": 2})
    rows = np.zeros((SLOTS, 101))
    rows[:, -1] = np.arange(SLOTS) % 10  # image k carries class k % 10
    sim = Simulator(Model(params, 101), "cpp", SLOTS, build_root=build_root)
    state = sim.model.initial_state(seed=0)
    result = sim.run_chunk(state, rows)
    images, accepted, retries, last = network.slot_images(result.spikes["excitatory"], SLOTS, 0, params)
    assert result.state.last_slot.tolist() == [images[-1], last]  # the binary's control agrees
    np.testing.assert_array_equal(images, np.arange(SLOTS) // 3)
    label_i, label_t = result.spikes["labels"]
    slot = (label_t // float(params.period)).astype(int)
    np.testing.assert_array_equal(label_i, images[slot] % 10)  # the teacher fires the presented image's class only
    assert retries == 2 and accepted.sum() == SLOTS // 3
    assert len(label_i) > SLOTS * 20  # ~100 Hz for 350 ms in every slot
    assert np.all(label_t % float(params.period) < float(params.presentation.image_duration))  # not in the rest
    rows[:, -1] = -1  # testing: no class, no teacher; the silent excitatory layer drives no label neuron
    assert len(sim.run_chunk(state, rows).spikes["labels"][0]) == 0


def test_synaptic_scaling_and_the_seeded_random_stream(build_root, bar_images):
    params = _toy_params()
    images, labels = bar_images(SLOTS // 10, seed=0)
    rows = np.hstack([network.input_rates(images / 255.0, params), labels[:, None]])
    sim = Simulator(Model(params, 101), "cpp", SLOTS, build_root=build_root)
    state = sim.model.initial_state(seed=0)
    first = sim.run_chunk(state, rows)
    again = sim.run_chunk(state, rows)
    other = sim.run_chunk(dataclasses.replace(state, seed=np.array(12345)), rows)
    np.testing.assert_array_equal(first.state.W_input, again.state.W_input)  # same stream, same result
    assert not np.array_equal(first.state.W_input, other.state.W_input)  # the seed reaches the binary
    # every presentation starts from incoming sums of 0.1 per pixel; sym-STDP only adds within one
    sums = first.state.W_input.sum(axis=0)
    assert np.all(sums >= 10.0 - 1e-9) and np.all(sums < 10.0 + 3.0)
    assert first.state.W_input.max() <= params.plasticity.w_input_max
    # frozen (η = 0): weights, θ and scaling fixed
    frozen = params.with_overrides(plasticity={"eta_input": 0.0, "eta_label": 0.0})
    frozen_sim = Simulator(Model(frozen, 101), "cpp", SLOTS, build_root=build_root)
    assert frozen_sim.build_dir == sim.build_dir  # η is a run-time parameter
    still = frozen_sim.run_chunk(first.state, rows)
    np.testing.assert_array_equal(still.state.W_input, first.state.W_input)
    np.testing.assert_array_equal(still.state.theta, first.state.theta)


def test_toy_separable_classes_are_read_out_perfectly(toy_bars_folder, tmp_path, build_root, run_script):
    """Ten bar classes: after 500 training images both readouts classify all 50 test images."""
    settings = RunSettings(dataset=toy_bars_folder, presentations=500, chunk_size=SLOTS, holdout=50,
                           model="symstdp")
    folder = train(_toy_params(), settings, str(tmp_path / "run"), build_root=build_root)
    result = classify(folder.path, build_root=build_root)
    assert result["accuracy"] == 1.0 and result["accuracy_vote"] == 1.0 and result["unanswered"] == 0.0
    probe = ResultsFolder(folder.path).load_evaluation("held-out")
    test_images = np.arange(100, 150)  # the folder's test split, never trained on
    np.testing.assert_array_equal(probe["image_indices"], test_images)
    assert result["training_images"] == 100 and result["test_images"] == 50
    truth = load_dataset(toy_bars_folder).labels[test_images]
    assert np.all(probe["label_counts"].argmax(axis=1) == truth)
    run_script("figures/classification.py", [folder.path])  # the figure reads the saved test
    assert os.path.exists(os.path.join(folder.path, "classification.png"))


def test_resume_reproduces_the_uninterrupted_training(toy_bars_folder, tmp_path, build_root):
    whole = RunSettings(dataset=toy_bars_folder, presentations=150, chunk_size=SLOTS, holdout=0, model="symstdp")
    a = train(_toy_params(), whole, str(tmp_path / "a"), build_root=build_root)
    half = dataclasses.replace(whole, presentations=60)
    train(_toy_params(), half, str(tmp_path / "b"), build_root=build_root)
    b = train(_toy_params(), whole, str(tmp_path / "b"), resume=True, build_root=build_root)
    state_a, state_b = a.load_checkpoint(), b.load_checkpoint()
    assert state_a.presentations == state_b.presentations >= 150
    np.testing.assert_array_equal(state_a["W_input"], state_b["W_input"])
    np.testing.assert_array_equal(state_a["W_label"], state_b["W_label"])
    assert [r["chunk"] for r in b.read_metrics()] == [r["chunk"] for r in a.read_metrics()]
    with pytest.raises(TrainingError, match="already holds"):
        train(_toy_params(), whole, str(tmp_path / "a"), build_root=build_root)
    with pytest.raises(TrainingError, match="holds a symstdp training, not a mstdp one"):  # before any compile
        train(ModelParams(), dataclasses.replace(whole, model="mstdp"), str(tmp_path / "a"), resume=True,
              build_root=build_root)


def test_bad_parameters_are_refused():
    with pytest.raises(ParameterError, match="needs units of time"):
        SymStdpParams().with_overrides(presentation={"image_duration": 350})
    with pytest.raises(ParameterError, match="multiple of dt"):
        SymStdpParams().with_overrides(presentation={"image_duration": 350.2 * ms})
    with pytest.raises(ParameterError, match="one spike per time step"):
        SymStdpParams().with_overrides(presentation={"dt": 5 * ms, "image_duration": 350 * ms})
    with pytest.raises(ParameterError, match="unknown sym-STDP preset"):
        symstdp_preset("cifar")


def test_input_rates():
    params = SymStdpParams()
    images = np.array([[[0.0, 0.5], [1.0, 0.5]]])
    np.testing.assert_array_equal(network.input_rates(images, params), [[0, 0.5, 1, 0.5]])
    rescaled = network.input_rates(images, symstdp_preset("fashion"))
    assert rescaled.max() <= 1 and rescaled.mean() < 0.5  # brought towards a mean pixel of 30/255
    with pytest.raises(DatasetError, match="in \\[0, 1\\]"):
        network.input_rates(images * 2, params)


def test_unlabelled_data_is_refused(tmp_path, build_root, write_idx):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((5, 4, 4), np.uint8))
    settings = RunSettings(dataset=str(tmp_path), presentations=5, chunk_size=5, model="symstdp")
    with pytest.raises(DatasetError, match="no labels"):
        train(_toy_params(), settings, str(tmp_path / "run"), build_root=build_root)
    assert not (tmp_path / "run").exists()
