"""Chunked training in C++ standalone: the results folder, resume, crash recovery, one writer at a time."""
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from importlib.metadata import version

import numpy as np
import pytest

from brianmodel.errors import DamagedFile, FolderBusy, TrainingError
from brianmodel.mstdp.probes import probe
from brianmodel.params.run import RunSettings
from brianmodel.params.symstdp import SymStdpParams
from brianmodel.results import ResultsFolder
from brianmodel.training import train

HIDDEN, CHUNK = 20, 20
# the learning_params fixture, on the command line
CLI = ["--hidden", str(HIDDEN), "--rho", "0.5", "--set", "connections.g_feedforward=0.4",
       "--set", "connections.g_feedback=8"]


@pytest.fixture
def settings(tiny_idx_folder):
    return RunSettings(dataset=tiny_idx_folder, presentations=60, chunk_size=CHUNK, seed=7)


def _final(folder):
    return ResultsFolder(str(folder)).load_checkpoint()


@pytest.fixture
def uninterrupted(tmp_path, learning_params, settings, build_root):
    out = tmp_path / "uninterrupted"
    train(learning_params, settings, str(out), build_root=build_root)
    return out


def test_training_writes_a_complete_results_folder(uninterrupted):
    folder = ResultsFolder(str(uninterrupted))
    info = folder.read_params()
    assert info["run"]["seed"] == 7 and info["run"]["model"] == "mstdp"
    assert info["provenance"]["versions"]["brian2"] == version("brian2") and info["provenance"]["host"]
    assert info["model"]["connections"]["delay_feedforward"] == "0.005 * second"
    assert info["dataset"]["n_visible"] == 392
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
    state = folder.load_checkpoint()
    assert state["W"].shape == (HIDDEN, 392) and state["Q"].shape == (392, HIDDEN) and state.chunks == 3
    assert not np.array_equal(state["W"], folder.load_checkpoint(0)["W"])  # it learned something
    last = folder.load_last_chunk()
    assert int(last["first_presentation"]) == 40 and last["x"].shape == (CHUNK, 392)
    assert not [n for n in os.listdir(uninterrupted) if n.startswith(".tmp")]


def test_resume_reproduces_the_uninterrupted_run(tmp_path, uninterrupted, learning_params, settings, build_root):
    out = str(tmp_path / "resumed")
    train(learning_params, replace(settings, presentations=40), out, build_root=build_root)
    train(learning_params, replace(settings, presentations=60), out, resume=True, build_root=build_root)
    a, b = _final(uninterrupted), _final(out)
    assert a.presentations == b.presentations == 60
    for name in ("W", "Q", "phi", "count"):
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    sci = lambda rows: [(r["presentations"], r["qw_correlation"], r["reconstruction_corr"]) for r in rows]  # noqa
    assert sci(ResultsFolder(out).read_metrics()) == sci(ResultsFolder(str(uninterrupted)).read_metrics())
    assert len(ResultsFolder(out).read_params()["resumed"]) == 1  # the resume's provenance


def test_a_truncated_checkpoint_is_named_and_resume_continues_from_the_one_before(
        tmp_path, uninterrupted, learning_params, settings, build_root, caplog):
    out = str(tmp_path / "damaged")
    train(learning_params, replace(settings, presentations=40), out, build_root=build_root)
    folder = ResultsFolder(out)
    path = folder.file("checkpoint_0000040.npz")
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 3)
    with pytest.raises(DamagedFile, match=r"checkpoint_0000040.npz is damaged.*last good checkpoint is after 20"):
        probe(out, "final", presentations=CHUNK, build_root=build_root)
    with caplog.at_level("WARNING", logger="brianmodel"):
        train(learning_params, replace(settings, presentations=60), out, resume=True, build_root=build_root)
    assert "checkpoint_0000040.npz is damaged" in caplog.text and os.path.exists(path + ".damaged")
    np.testing.assert_array_equal(_final(out)["W"], _final(uninterrupted)["W"])
    assert [r["presentations"] for r in folder.read_metrics()] == [20, 40, 60]


def test_a_different_seed_gives_different_weights(tmp_path, uninterrupted, learning_params, settings, build_root):
    out = str(tmp_path / "seed8")
    train(learning_params, replace(settings, seed=8, presentations=20), out, build_root=build_root)
    assert not np.array_equal(_final(out)["W"], ResultsFolder(str(uninterrupted)).load_checkpoint(20)["W"])


def _train_command(script, folder, out):
    return [sys.executable, script("protocols/train.py"), "--dataset", folder, *CLI, "--chunk", str(CHUNK),
            "--seed", "7", "--out", str(out)]


def _wait_for(path, proc, seconds=300):
    deadline = time.time() + seconds
    while not path.exists():
        assert proc.poll() is None, "training ended before " + path.name
        assert time.time() < deadline
        time.sleep(0.05)


def test_killed_training_resumes(tmp_path, uninterrupted, tiny_idx_folder, build_root, script):
    out = tmp_path / "killed"
    cmd = _train_command(script, tiny_idx_folder, out)
    env = dict(os.environ, BRIANMODEL_BUILD_ROOT=build_root)
    proc = subprocess.Popen(cmd + ["--presentations", "60"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _wait_for(out / "checkpoint_0000020.npz", proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = ResultsFolder(str(out)).checkpoints()[-1]
    assert done < 60, "the kill came too late to test anything"
    subprocess.run(cmd + ["--presentations", "60", "--resume"], env=env, check=True, capture_output=True)
    a, b = _final(uninterrupted), _final(out)
    np.testing.assert_array_equal(a["W"], b["W"])
    np.testing.assert_array_equal(a["Q"], b["Q"])


def test_a_second_training_into_a_busy_folder_is_refused(tmp_path, tiny_idx_folder, build_root, script):
    out = tmp_path / "busy"
    cmd = _train_command(script, tiny_idx_folder, out)
    env = dict(os.environ, BRIANMODEL_BUILD_ROOT=build_root)
    first = subprocess.Popen(cmd + ["--presentations", "60"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _wait_for(out / "params.json", first)
    second = subprocess.run(cmd + ["--presentations", "40", "--seed", "8"], env=env, capture_output=True, text=True)
    assert first.wait() == 0
    assert second.returncode == 1
    assert second.stderr.strip().count("\n") == 0  # one line
    assert f"is being written by pid {first.pid}" in second.stderr and "training" in second.stderr
    info = ResultsFolder(str(out)).read_params()
    assert info["run"]["seed"] == 7 and info["run"]["presentations"] == 60  # the first one's, untouched
    assert ResultsFolder(str(out)).checkpoints() == [0, 20, 40, 60]


def test_a_training_in_progress_elsewhere_in_this_process_is_refused(tmp_path, learning_params, settings,
                                                                     build_root):
    import threading

    out = tmp_path / "run"
    errors = []
    with ResultsFolder(out).writing("another writer"):
        thread = threading.Thread(target=lambda: _train_catching(learning_params, settings, out, build_root, errors))
        thread.start()
        thread.join()
    assert len(errors) == 1 and isinstance(errors[0], FolderBusy)
    assert not ResultsFolder(out).has_params()


def _train_catching(params, settings, out, build_root, errors):
    try:
        train(params, settings, str(out), build_root=build_root)
    except FolderBusy as error:
        errors.append(error)


def test_existing_results_are_not_overwritten(uninterrupted, learning_params, settings, build_root):
    with pytest.raises(TrainingError, match="already holds a training"):
        train(learning_params, settings, str(uninterrupted), build_root=build_root)


def test_a_symstdp_training_is_never_saved_as_mstdp(tmp_path, settings, build_root):
    out = tmp_path / "run"
    with pytest.raises(TrainingError, match="settings.model is 'mstdp' but the parameters are SymStdpParams"):
        train(SymStdpParams(), settings, str(out), build_root=build_root)
    assert not out.exists()


def test_a_silent_network_stops_the_training_keeping_the_last_good_checkpoint(tmp_path, learning_params, settings,
                                                                              build_root):
    """No input drive (a run-time value: the same binary): not a hidden spike in the first chunk. The training
    stops with one line naming the chunk; nothing of the chunk is saved; resume stops there again."""
    silent = learning_params.with_overrides(connections={"g_input": 0.0})
    out = str(tmp_path / "silent")
    with pytest.raises(TrainingError, match=r"silent: the training diverged in presentations 1-20 \(no spike of the "
                                            r"layer that learns.*the checkpoint at 0 presentations is the last"):
        train(silent, settings, out, build_root=build_root)
    folder = ResultsFolder(out)
    assert folder.checkpoints() == [0] and folder.read_metrics() == []
    with pytest.raises(TrainingError, match="diverged in presentations 1-20"):
        train(silent, settings, out, resume=True, build_root=build_root)
