"""Chunked training in C++ standalone: checkpoints, resume, crash recovery, one build per shape."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from brianmodel.device import Simulator
from brianmodel.parameters import preset
from brianmodel.results import ResultsFolder
from brianmodel.training import RunSettings, TrainingError, train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HIDDEN, CHUNK = 20, 20


# A small network that still learns: 20 hidden units on 14 x 14 digits, with
# more drive per synapse and a denser code to make up for the smaller layers.
CLI = ["--hidden", str(HIDDEN), "--rho", "0.5", "--set", "connections.g_feedforward=0.4",
       "--set", "connections.g_feedback=8"]


@pytest.fixture
def params():
    return preset("main").with_overrides(architecture={"n_hidden": HIDDEN}, homeostasis={"rho": 0.5},
                                         connections={"g_feedforward": 0.4, "g_feedback": 8.0})


@pytest.fixture
def settings(tiny_idx_folder):
    return RunSettings(dataset=tiny_idx_folder, presentations=60, chunk_size=CHUNK, seed=7)


def _quiet(*_):
    pass


def _final(folder):
    return ResultsFolder(str(folder)).load_checkpoint()


@pytest.fixture
def uninterrupted(tmp_path, params, settings, build_root):
    out = tmp_path / "uninterrupted"
    train(params, settings, str(out), build_root=build_root, log=_quiet)
    return out


def test_training_writes_a_complete_results_folder(uninterrupted, params):
    folder = ResultsFolder(str(uninterrupted))
    info = folder.read_params()
    assert info["run"]["seed"] == 7 and info["versions"]["brian2"] == "2.10.1"
    assert info["model"]["connections"]["delay_feedforward"] == "0.005 * second"
    assert folder.checkpoints() == [0, 20, 40, 60]
    rows = folder.read_metrics()
    assert [r["presentations"] for r in rows] == [20, 40, 60]
    for column in ("reconstruction_loss", "reconstruction_corr", "sparsity_loss", "qw_correlation",
                   "hidden_rate", "dt1_ms", "dt2_ms"):
        assert np.isfinite(rows[-1][column]), column
    # three bouts: hidden spikes follow the input, the reconstruction follows them
    assert 3 < rows[-1]["dt1_ms"] < 15 and 3 < rows[-1]["dt2_ms"] < 20
    assert rows[-1]["qw_correlation"] > rows[0]["qw_correlation"] + 0.1  # Q and Wᵀ align
    assert all(r["gradient_alignment"] > 0.1 for r in rows)  # ΔW follows z (x − x̂)
    _, state = folder.load_checkpoint()
    assert state.W.shape == (HIDDEN, 392) and state.Q.shape == (392, HIDDEN)
    assert not np.array_equal(state.W, folder.load_checkpoint(0)[1].W)  # it learned something
    assert not [n for n in os.listdir(uninterrupted) if n.startswith(".tmp")]


def test_resume_reproduces_the_uninterrupted_run(tmp_path, uninterrupted, params, settings, build_root):
    out = str(tmp_path / "resumed")
    from dataclasses import replace
    train(params, replace(settings, presentations=40), out, build_root=build_root, log=_quiet)
    train(params, replace(settings, presentations=60), out, resume=True, build_root=build_root, log=_quiet)
    (n_a, a), (n_b, b) = _final(uninterrupted), _final(out)
    assert n_a == n_b == 60
    for name in ("W", "Q", "phi", "count"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    sci = lambda rows: [(r["presentations"], r["qw_correlation"], r["reconstruction_corr"]) for r in rows]  # noqa
    assert sci(ResultsFolder(out).read_metrics()) == sci(ResultsFolder(str(uninterrupted)).read_metrics())


def test_a_different_seed_gives_different_weights(tmp_path, uninterrupted, params, settings, build_root):
    from dataclasses import replace
    out = str(tmp_path / "seed8")
    train(params, replace(settings, seed=8, presentations=20), out, build_root=build_root, log=_quiet)
    assert not np.array_equal(_final(out)[1].W, ResultsFolder(str(uninterrupted)).load_checkpoint(20)[1].W)


def test_killed_training_resumes(tmp_path, uninterrupted, tiny_idx_folder, build_root):
    out = tmp_path / "killed"
    cmd = [sys.executable, os.path.join(ROOT, "protocols", "train.py"), "--dataset", tiny_idx_folder,
           *CLI, "--chunk", str(CHUNK), "--seed", "7", "--out", str(out)]
    env = dict(os.environ, BRIANMODEL_BUILD_ROOT=build_root)
    proc = subprocess.Popen(cmd + ["--presentations", "60"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (out / "checkpoint_0000020.npz").exists():
        assert proc.poll() is None, "training ended before its first checkpoint"
        assert time.time() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = ResultsFolder(str(out)).checkpoints()[-1]
    assert done < 60, "the kill came too late to test anything"
    subprocess.run(cmd + ["--presentations", "60", "--resume"], env=env, check=True, capture_output=True)
    (_, a), (_, b) = _final(uninterrupted), _final(out)
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.Q, b.Q)


def test_a_truncated_run_args_file_left_by_a_killed_run_is_not_read(tmp_path, uninterrupted, params, settings,
                                                                     build_root):
    # Brian2 names run_args files by content and skips existing ones: a training killed while
    # writing one left a truncated file under the very name its resumed run read; chunk-unique names now
    from dataclasses import replace
    out = str(tmp_path / "truncated")
    train(params, replace(settings, presentations=20), out, build_root=build_root, log=_quiet)
    _, state = ResultsFolder(out).load_checkpoint()
    simulator = Simulator(params, 392, CHUNK, build_root=build_root, log=_quiet)
    simulator.prepare()
    net, device = simulator._network, simulator._device
    _, _, name, array = device._prepare_variableview_run_arg(net.feedforward.w, state.W.T.ravel())
    with open(os.path.join(simulator.build_dir, "static_arrays", name), "wb") as f:
        f.write(array.tobytes()[:1000])
    train(params, replace(settings, presentations=60), out, resume=True, build_root=build_root, log=_quiet)
    np.testing.assert_array_equal(_final(out)[1].W, _final(uninterrupted)[1].W)


def test_trainings_sharing_a_build_keep_their_own_input(params, settings, build_root, monkeypatch):
    # Two trainings with one seed and shape (say, another η) share a build and present
    # the same chunk. The other one finishing, and cleaning up, its chunk just before our
    # binary starts must leave ours its stimulus and weights (Brian2's content-named
    # files were shared, and ours were gone: a chunk without a single input spike).
    import brian2.devices.cpp_standalone.device as cpp_device
    from brianmodel.data import load_dataset, presentation_order
    from brianmodel.model import NetworkState

    X = load_dataset(settings.dataset).visible_intensities()
    stimulus = X[presentation_order(len(X), CHUNK, 3)]
    state = NetworkState.initial(params, 392, 3)
    simulator = Simulator(params, 392, CHUNK, "cpp", build_root=build_root, log=_quiet)
    alone = simulator.run(state, stimulus)
    launch, others = cpp_device.subprocess.call, []

    def other_training_first(*args, **kwargs):
        device, ours = simulator._device, simulator._device.results_dir
        monkeypatch.setattr(cpp_device.subprocess, "call", launch)
        others.append(simulator.run(state, stimulus))
        monkeypatch.setattr(cpp_device.subprocess, "call", other_training_first)
        device.results_dir = ours
        return launch(*args, **kwargs)

    monkeypatch.setattr(cpp_device.subprocess, "call", other_training_first)
    ours = simulator.run(state, stimulus)
    monkeypatch.setattr(cpp_device.subprocess, "call", launch)
    assert len(ours.spikes["visible"][0]) == len(alone.spikes["visible"][0]) > 0
    np.testing.assert_array_equal(ours.state.W, alone.state.W)
    np.testing.assert_array_equal(others[0].state.W, alone.state.W)


def test_existing_results_are_not_overwritten(uninterrupted, params, settings, build_root):
    with pytest.raises(TrainingError, match="already holds a training"):
        train(params, settings, str(uninterrupted), build_root=build_root, log=_quiet)


def test_one_build_serves_run_time_parameters(params, build_root):
    a = Simulator(params, 392, CHUNK, "cpp", build_root=build_root)
    b = Simulator(params.with_overrides(homeostasis={"rho": 0.3}, plasticity={"eta": 0.01, "zeta_over_eta": 2.0},
                                        connections={"g_feedback": 3.0}), 392, CHUNK, "cpp", build_root=build_root)
    assert a.build_dir == b.build_dir
    c = Simulator(params.with_overrides(architecture={"n_hidden": 21}), 392, CHUNK, "cpp", build_root=build_root)
    d = Simulator(params, 392, CHUNK, "cpp", build_root=build_root, threads=2)
    assert len({a.build_dir, c.build_dir, d.build_dir}) == 3


def test_runtime_device_matches_cpp_standalone(params, settings, build_root):
    from brianmodel.data import load_dataset, presentation_order
    from brianmodel.model import NetworkState

    X = load_dataset(settings.dataset).visible_intensities()
    stimulus = X[presentation_order(len(X), CHUNK, 7)]
    state = NetworkState.initial(params, 392, 7)
    cpp = Simulator(params, 392, CHUNK, "cpp", build_root=build_root, log=_quiet).run(state, stimulus)
    runtime = Simulator(params, 392, CHUNK, "runtime", runtime_target="numpy").run(state, stimulus)
    assert len(runtime.spikes["hidden"][0]) == len(cpp.spikes["hidden"][0]) > 0
    np.testing.assert_allclose(runtime.state.W, cpp.state.W, atol=1e-9)
    np.testing.assert_allclose(runtime.state.Q, cpp.state.Q, atol=1e-9)
