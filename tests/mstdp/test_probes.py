"""Frozen probes of a trained network (the activity the paper's figures read)."""
import numpy as np
import pytest

from brianmodel.analysis import q_column_corr, template_corr
from brianmodel.errors import MissingResult, ParameterError, ProtocolError
from brianmodel.mstdp.probes import probe, standard_probes, training_points
from brianmodel.params.run import RunSettings
from brianmodel.results import ResultsFolder
from brianmodel.params.mstdp import preset
from brianmodel.training import train

HIDDEN, CHUNK = 20, 20


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_idx_folder, build_root):
    params = preset("main").with_overrides(architecture={"n_hidden": HIDDEN}, homeostasis={"rho": 0.5},
                                           connections={"g_feedforward": 0.4, "g_feedback": 8.0})
    out = str(tmp_path_factory.mktemp("probed") / "run")
    train(params, RunSettings(dataset=tiny_idx_folder, presentations=60, chunk_size=CHUNK, seed=3), out,
          build_root=build_root)
    return out


def test_standard_probes_are_frozen_and_share_one_image_set(trained, build_root, caplog):
    folder = ResultsFolder(trained)
    before = {n: folder.load_checkpoint(n).arrays for n in folder.checkpoints()}
    with caplog.at_level("INFO", logger="brianmodel"):
        labels = standard_probes(trained, presentations=40, build_root=build_root)
    assert labels == ["final", "phi-1.5", "checkpoint-0", "checkpoint-20", "checkpoint-40", "checkpoint-60"]
    assert folder.evaluations() == sorted(labels)
    assert "compiling" not in caplog.text  # the training's binary is reused
    final = folder.load_evaluation("final")
    assert final["x"].shape == (40, 392) and final["z"].shape == (40, HIDDEN)
    assert int(final["checkpoint"]) == 60 and final["z"].sum() > 0
    # how alike the active units' features are, from the probed checkpoint's Q (every unit is active at ρ 0.5)
    Q = folder.load_checkpoint(60)["Q"]
    assert float(final["q_column_corr_coactive"]) == pytest.approx(q_column_corr(Q, final["z"])[1], rel=1e-12)
    assert float(final["template_corr"]) == pytest.approx(template_corr(Q, final["x"], final["z"]), rel=1e-12)
    assert 0 < abs(float(final["template_corr"])) < 1 and np.isfinite(float(final["q_column_corr_coactive"]))
    early = folder.load_evaluation("checkpoint-0")
    assert float(early["template_corr"]) != float(final["template_corr"])  # the probed checkpoint's own Q
    np.testing.assert_array_equal(early["image_indices"], final["image_indices"][:CHUNK])
    assert not np.array_equal(early["z"], final["z"][:CHUNK])  # the same images, another network
    # the weights on disk are untouched by probing
    assert folder.checkpoints() == [0, 20, 40, 60]
    for n, arrays in before.items():
        for name, array in arrays.items():
            np.testing.assert_array_equal(folder.load_checkpoint(n)[name], array, err_msg=f"{n} {name}")


def test_scaling_phi_raises_hidden_activity(trained, build_root):
    base = probe(trained, "phi-1", presentations=CHUNK, build_root=build_root)
    boosted = probe(trained, "phi-3", presentations=CHUNK, phi_scale=3.0, build_root=build_root)
    assert boosted["z"].sum() > 1.2 * base["z"].sum()


def test_a_probe_under_other_parameters_changes_only_them_and_says_so(trained, build_root, caplog):
    base = probe(trained, "base", presentations=CHUNK, build_root=build_root)
    with caplog.at_level("INFO", logger="brianmodel"):
        silent = probe(trained, "no-feedback", presentations=CHUNK, overrides={"connections": {"g_feedback": 0.0}},
                       build_root=build_root)
    assert "compiling" not in caplog.text  # g_feedback is a run-time value: the training's binary runs it
    np.testing.assert_array_equal(silent["x"], base["x"])  # the same weights and images: the same initial bout
    assert base["x_hat"].sum() > 0 and silent["x_hat"].sum() == 0  # no feedback, no final bout
    assert '"g_feedback": 0.0' in str(ResultsFolder(trained).load_evaluation("no-feedback")["overrides"])
    assert "overrides" not in base


def test_probe_errors(trained):
    with pytest.raises(ProtocolError, match="cannot change the architecture"):
        probe(trained, "x", overrides={"architecture": {"n_hidden": 5}})
    with pytest.raises(ParameterError, match="no lateral synapses"):
        probe(trained, "x", overrides={"lateral": {"g_lateral": 0.5}})
    with pytest.raises(MissingResult, match="no checkpoint after 30"):
        probe(trained, "x", checkpoint=30)
    with pytest.raises(ProtocolError, match="label"):
        probe(trained, "a/b")
    with pytest.raises(ProtocolError, match="phi_scale"):
        probe(trained, "x", phi_scale=0)
    with pytest.raises(MissingResult, match="no probe 'missing'"):
        ResultsFolder(trained).load_evaluation("missing")


def test_training_points_are_log_spaced_and_include_the_start():
    saved = list(range(0, 40001, 500))
    points = training_points(saved, 6)
    assert points[0] == 0 and points[-1] == 40000 and len(points) == 6
    assert np.all(np.diff(np.log(points[1:])) > 0.5)
