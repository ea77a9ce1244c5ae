"""Frozen probes of a trained network (the activity the paper's figures read)."""
import numpy as np
import pytest

from brianmodel.evaluation import ProbeError, probe, probe_images, standard_probes, training_points
from brianmodel.parameters import preset
from brianmodel.results import ResultsFolder
from brianmodel.training import RunSettings, train

HIDDEN, CHUNK = 20, 20


def _quiet(*_):
    pass


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_idx_folder, build_root):
    params = preset("main").with_overrides(architecture={"n_hidden": HIDDEN}, homeostasis={"rho": 0.5},
                                           connections={"g_feedforward": 0.4, "g_feedback": 8.0})
    out = str(tmp_path_factory.mktemp("probed") / "run")
    train(params, RunSettings(dataset=tiny_idx_folder, presentations=60, chunk_size=CHUNK, seed=3), out,
          build_root=build_root, log=_quiet)
    return out


def test_standard_probes_are_frozen_and_share_one_image_set(trained, build_root):
    messages = []
    labels = standard_probes(trained, presentations=40, build_root=build_root, log=messages.append)
    folder = ResultsFolder(trained)
    assert labels == ["final", "phi-1.5", "checkpoint-0", "checkpoint-20", "checkpoint-40", "checkpoint-60"]
    assert folder.evaluations() == sorted(labels)
    assert not any("compiling" in m for m in messages)  # the training's binary is reused
    final = folder.load_evaluation("final")
    assert final["x"].shape == (40, 392) and final["z"].shape == (40, HIDDEN)
    assert int(final["checkpoint"]) == 60 and final["z"].sum() > 0
    early = folder.load_evaluation("checkpoint-0")
    np.testing.assert_array_equal(early["image_indices"], final["image_indices"][:CHUNK])
    # the weights on disk are untouched by probing
    assert folder.checkpoints() == [0, 20, 40, 60]


def test_scaling_phi_raises_hidden_activity(trained, build_root):
    base = probe(trained, "phi-1", presentations=CHUNK, build_root=build_root, log=_quiet)
    boosted = probe(trained, "phi-3", presentations=CHUNK, phi_scale=3.0, build_root=build_root, log=_quiet)
    assert boosted["z"].sum() > 1.2 * base["z"].sum()


def test_probe_errors(trained):
    with pytest.raises(ProbeError, match="no checkpoint after 30"):
        probe(trained, "x", checkpoint=30, log=_quiet)
    with pytest.raises(ProbeError, match="label"):
        probe(trained, "a/b", log=_quiet)
    with pytest.raises(ProbeError, match="phi_scale"):
        probe(trained, "x", phi_scale=0, log=_quiet)
    with pytest.raises(FileNotFoundError, match="no probe 'missing'"):
        ResultsFolder(trained).load_evaluation("missing")


def test_probe_images_are_seeded_and_prefix_stable():
    a, b = probe_images(100, 50, seed=1), probe_images(100, 80, seed=1)
    np.testing.assert_array_equal(a, b[:50])
    assert len(set(a)) == 50 and not np.array_equal(a, probe_images(100, 50, seed=2))


def test_training_points_are_log_spaced_and_include_the_start():
    saved = list(range(0, 40001, 500))
    points = training_points(saved, 6)
    assert points[0] == 0 and points[-1] == 40000 and len(points) == 6
    assert np.all(np.diff(np.log(points[1:])) > 0.5)
