"""A training whose state goes non-finite, or silent, stops at that chunk (saving nothing of it), or, for a
sweep's ensemble, records the copy as failed and trains the others on. The loop with a stand-in trainer."""
import os

import numpy as np
import pytest

from brianmodel import training
from brianmodel.errors import TrainingError
from brianmodel.results import ResultsFolder


class State:
    def __init__(self, w):
        self.w = np.array(w, float)

    def arrays(self):
        return {"W": self.w}


class Trainer:
    """Two copies; copy 1's weights become NaN in the second chunk (of presentations 11-20)."""
    presentations, chunk_size, metric_columns = 30, 10, ("presentations", "hidden_rate")

    def run_chunk(self, simulator, states, done):
        after = [State(s.w + 1) for s in states]
        if done == 10:
            after[1] = State([np.nan])
        return after, 10, [{"hidden_rate": 0.1} for _ in states], [None for _ in states]

    def silent(self, row, before, after):
        return row["hidden_rate"] == 0

    def describe(self, rows):
        return f"{len(rows)} copies"


class Simulator:
    def prepare(self):
        pass


def _folders(tmp_path):
    folders = [ResultsFolder(str(tmp_path / f"copy{k}")) for k in range(2)]
    for folder in folders:
        os.makedirs(folder.path)
    return folders


def _train(folders, on_divergence):
    states = [State([0.0]), State([0.0])]
    with folders[0].writing(), folders[1].writing():
        training._loop(Trainer(), Simulator(), folders, states, 0, 0, [[], []], on_divergence)


def test_a_copy_whose_state_is_not_finite_stops_the_training(tmp_path):
    folders = _folders(tmp_path)
    with pytest.raises(TrainingError, match=r"copy1: the training diverged in presentations 11-20 \(W not finite\);"
                                            r" nothing of that chunk was saved: the checkpoint at 10 presentations"):
        _train(folders, "stop")
    for folder in folders:  # neither copy saved the chunk
        assert folder.checkpoints() == [10] and [r["presentations"] for r in folder.read_metrics()] == [10]


def test_in_a_sweep_the_copy_is_recorded_as_failed_and_the_others_train_on(tmp_path):
    folders = _folders(tmp_path)
    _train(folders, "continue")
    assert folders[0].checkpoints() == [10, 20, 30] and len(folders[0].read_metrics()) == 3
    assert folders[1].checkpoints() == [10] and len(folders[1].read_metrics()) == 1
    assert folders[1].read_json("diverged.json") == {"presentations": [11, 20], "reason": "W not finite",
                                                     "last_checkpoint": 10}
    assert not os.path.exists(folders[0].file("diverged.json"))


def test_a_silent_chunk_is_a_divergence():
    before = State([1.0])
    assert training.divergence(Trainer(), before, State([1.0]), {"hidden_rate": 0}).startswith("no spike of the layer")
    assert training.divergence(Trainer(), before, State([1.0]), {"hidden_rate": 0.2}) is None
    assert training.divergence(Trainer(), before, State([np.inf, 1.0]), {"hidden_rate": 0.2}) == "W not finite"


def test_a_silent_hidden_layer_that_homeostasis_still_raises_trains_on():
    """Very sparse codes (ρ = 0.001, the paper's Fig 10b) start silent for thousands of presentations while φ grows:
    not a divergence. No input, φ at its maximum, or φ not growing (ρ or the rate 0): nothing will wake it."""
    from types import SimpleNamespace
    from brianmodel.mstdp.trainer import Trainer as MStdpTrainer
    trainer = SimpleNamespace(phi_max=50.0)
    silent = MStdpTrainer.silent

    def phi(*values):
        return SimpleNamespace(phi=np.array(values))
    quiet = {"hidden_rate": 0.0, "initial_bout_spikes": 108.0}
    assert not silent(trainer, quiet, phi(0.8, 0.8), phi(0.84, 0.84))  # φ grows: it may wake
    assert not silent(trainer, {**quiet, "hidden_rate": 0.001}, phi(0.8), phi(0.8))
    assert silent(trainer, quiet, phi(50.0, 50.0), phi(50.0, 50.0))  # φ at its maximum
    assert silent(trainer, quiet, phi(0.8, 0.8), phi(0.8, 0.8))  # homeostasis off
    assert silent(trainer, {**quiet, "initial_bout_spikes": 0.0}, phi(0.8), phi(0.84))  # no input reaches it


def test_a_protocol_whose_simulation_diverges_writes_nothing(tmp_path, numpy_runtime):
    """A synapse far too strong for the cable's integration: the EPSP protocol's voltages blow up. One line, exit
    1, no epsp.csv (the same check guards the pairing and modulation protocols: device.run_once)."""
    from brianmodel.plots import load_script
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = tmp_path / "epsp"
    with pytest.raises(SystemExit) as exit_info:
        load_script(os.path.join(root, "protocols/epsp.py")).main(["--g-synapse", "1e9", "--out", str(out)])
    assert exit_info.value.code == ("error: the epsp simulation diverged (soma voltage, dendrite voltage not finite): "
                                    "a parameter (a conductance, a time constant, dt) makes it unstable; nothing "
                                    "was written")
    assert not out.exists()


def test_a_rule_comparison_records_a_diverging_pair_as_failed_and_runs_the_others(
        tmp_path, learning_params, tiny_idx_folder, build_root, monkeypatch):
    """No input drive (run-time: tests/mstdp/test_training.py's binary): the pair's network is silent. It gets a
    row saying why, with no scores, and the comparison ends normally with its rules.csv."""
    from brianmodel.io import read_csv
    from brianmodel.params.run import RunSettings
    from brianmodel.protocols.rule_comparison import compare_rules
    monkeypatch.setenv("BRIANMODEL_BUILD_ROOT", build_root)  # (the worker process's)
    silent = learning_params.with_overrides(connections={"g_input": 0.0})
    settings = RunSettings(dataset=tiny_idx_folder, presentations=40, chunk_size=20, seed=7, holdout=10)
    rows = compare_rules(silent, settings, [{"feedforward": "mirrored", "feedback": "mirrored"}],
                         str(tmp_path / "rules"))
    assert rows[0]["failed"].startswith("diverged in presentations 1-20: no spike of the layer that learns")
    assert np.isnan(rows[0]["reconstruction_corr"]) and np.isnan(rows[0]["qw_correlation"])
    saved = read_csv(str(tmp_path / "rules" / "rules.csv"))
    assert saved[0]["failed"] == rows[0]["failed"] and saved[0]["reconstruction_corr"] == "nan"


def test_the_paper_and_classify_commands_stop_a_silent_training_in_one_line(tmp_path, tiny_idx_folder, build_root,
                                                                            monkeypatch):
    """No input drive: each command's training stops at its first chunk with one line (exit 1), keeping the
    checkpoint it started from. The paper's recipe is a tiny one here (tests/mstdp/test_training.py's binary)."""
    from brianmodel.params.mstdp import RECIPES, Recipe
    from brianmodel.plots import load_script
    from brianmodel.results import ResultsFolder
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.setenv("BRIANMODEL_BUILD_ROOT", build_root)
    silent = {"architecture": {"n_hidden": 20}, "homeostasis": {"rho": 0.5}, "connections": {
        "g_input": 0.0, "g_feedforward": 0.4, "g_feedback": 8.0}}
    monkeypatch.setitem(RECIPES, "mnist", Recipe(tiny_idx_folder, 20, overrides=silent))
    for script, argv, folder in (
            ("paper", ["--only", "mnist", "--root", str(tmp_path / "paper")], tmp_path / "paper" / "mnist"),
            ("classify", ["--dataset", tiny_idx_folder, "--hidden", "20", "--presentations", "20", "--chunk", "20",
                          "--holdout", "5", "--set", "connections.g_input=0", "--out", str(tmp_path / "classify")],
             tmp_path / "classify")):
        with pytest.raises(SystemExit) as exit_info:
            load_script(os.path.join(root, f"protocols/{script}.py")).main(argv)
        text = exit_info.value.code
        assert isinstance(text, str) and "\n" not in text, text
        assert "the training diverged in presentations 1-20 (no spike of the layer that learns" in text, text
        assert ResultsFolder(str(folder)).checkpoints() == [0]


def test_a_silent_chunks_progress_line_says_nan_without_a_warning():
    """A silent chunk has no bout gaps: its line reads nan, and numpy's 'Mean of empty slice' is not printed."""
    import warnings
    from brianmodel.mstdp.trainer import describe_chunk
    silent = {"reconstruction_loss": 1.0, "reconstruction_corr": 0.0, "qw_correlation": 0.1, "hidden_rate": 0.0,
              "dt1_ms": np.nan, "dt2_ms": np.nan}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        line = describe_chunk([silent, silent])
        assert "Δt1 nan ms  Δt2 nan ms" in line and line.startswith("mean of 2 copies: loss 1.000")
        line = describe_chunk([silent, {**silent, "dt1_ms": 6.0, "dt2_ms": 9.0, "hidden_rate": 0.2}])
    assert "hidden rate 0.100" in line and "Δt1 6.0 ms  Δt2 9.0 ms" in line  # the copies that have one
