"""Label units: encoding, the label during training only, and classification of held-out images."""
import os

import numpy as np
import pytest

from brianmodel.datasets import load_dataset
from brianmodel.errors import DatasetError, ParameterError, ProtocolError
from brianmodel.mstdp.classification import classify, generate, iterative_inference, load_classification
from brianmodel.mstdp.labels import label_block, silent_labels, with_labels
from brianmodel.params.mstdp import ModelParams
from brianmodel.params.run import RunSettings
from brianmodel.results import ResultsFolder
from brianmodel.training import train


def test_labels_are_one_hot_intensities_after_the_image():
    X = np.ones((3, 4))
    stimulus = with_labels(X, [2, 0, 9], intensity=0.5)
    assert stimulus.shape == (3, 14)
    np.testing.assert_array_equal(stimulus[:, :4], X)
    expected = np.zeros((3, 10))
    expected[[0, 1, 2], [2, 0, 9]] = 0.5
    np.testing.assert_array_equal(stimulus[:, 4:], expected)
    np.testing.assert_array_equal(silent_labels(X)[:, 4:], 0)  # testing: the label units get no input


def test_a_population_of_label_units_per_class():
    block = label_block([1, 0], n_classes=3, intensity=2.0, copies=2)
    np.testing.assert_array_equal(block, [[0, 0, 2, 2, 0, 0], [2, 2, 0, 0, 0, 0]])  # class-major
    assert silent_labels(np.ones((2, 4)), n_classes=3, copies=2).shape == (2, 10)
    with pytest.raises(ParameterError, match="positive integer"):
        label_block([1], copies=0)


@pytest.mark.parametrize("labels, message", [([0, 10], "0..9"), ([-1, 3], "without labels"),
                                             ([[1, 2]], "one-dimensional")])
def test_bad_labels_are_rejected(labels, message):
    with pytest.raises(DatasetError, match=message):
        label_block(labels)


@pytest.fixture(scope="module")
def labelled(tmp_path_factory, toy_bars_folder, build_root):
    """Label units trained on the ten bar classes (100 training images; their 50 test images held out)."""
    params = ModelParams().with_overrides(architecture={"n_hidden": 20, "n_visible_pool": 10, "n_hidden_pool": 5},
                                          homeostasis={"rho": 0.2}, connections={"g_feedforward": 0.3,
                                                                                 "g_feedback": 6.0})
    settings = RunSettings(dataset=toy_bars_folder, presentations=300, chunk_size=50, labels=True, holdout=50)
    return train(params, settings, str(tmp_path_factory.mktemp("labels") / "run"), build_root=build_root)


def test_the_label_is_presented_in_training_only(labelled, toy_bars_folder):
    last = labelled.load_last_chunk()
    labels = load_dataset(toy_bars_folder).labels
    assert last["image_indices"].max() < 100  # training never shows a test image
    # training: the lit label unit is the image's class, and it fires in the initial bout
    x_labels = last["x"][:, -10:]
    assert x_labels.sum() > 0
    assert np.all(x_labels[np.arange(10) != labels[last["image_indices"]][:, None]] == 0)


def test_label_units_classify_separable_classes(labelled, build_root, run_script):
    result = classify(labelled, build_root=build_root)
    probe = ResultsFolder(labelled.path).load_evaluation("held-out")
    np.testing.assert_array_equal(probe["image_indices"], np.arange(100, 150))  # the test split, each image once
    assert result["test_images"] == 50 and result["training_images"] == 100
    assert probe["x"][:, -10:].sum() == 0  # testing: no label input, so no initial-bout label spike
    # the label units' final bout answers nearly every image, every answer right; so does Q_label z
    assert result["unanswered"] <= 0.1 and result["answered_accuracy"] == 1.0 and result["accuracy"] >= 0.9
    assert result["accuracy_linear"] == 1.0
    assert result["reconstruction_corr"] > 0.5
    # iterative inference: pass 1 is the test above (the same presentations, deterministic network)
    iterative = iterative_inference(labelled, passes=2, momentum=0.5, build_root=build_root)
    assert iterative["accuracy"][0] == result["accuracy"] and len(iterative["accuracy"]) == 2
    assert load_classification(labelled.path)["iterative"]["passes"] == 2
    # generation: one image per class from the clamped label units alone
    generated = generate(labelled, intensity=3.0, build_root=build_root)
    assert generated["class_images"].shape == (10, 10, 10)
    assert np.all(generated["label_spikes"] > 0)  # the clamped units fire in the initial bout
    with pytest.raises(ProtocolError, match="momentum"):
        iterative_inference(labelled, passes=2, momentum=1.0, build_root=build_root)
    for script in ("classification.py", "generation.py"):  # the figures read what was saved
        run_script(f"figures/{script}", [labelled.path])
        assert os.path.getsize(os.path.join(labelled.path, script.replace(".py", ".png"))) > 10000
