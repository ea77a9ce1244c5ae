"""Label units: encoding, readout, the held-out split, and the label only during training."""
import os
import subprocess
import sys

import numpy as np
import pytest

from brianmodel.labels import (LabelError, accuracy, class_counts, confusion, label_block, read_classes,
                               silent_labels, split, with_labels)


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
    np.testing.assert_array_equal(class_counts([[1, 2, 0, 4, 3, 0]], copies=2), [[3, 4, 3]])
    with pytest.raises(LabelError, match="positive integer"):
        label_block([1], copies=0)


def test_a_dataset_test_split_is_never_trained_on():
    train, test = split(150, 20, seed=3, n_test=50)
    np.testing.assert_array_equal(train, np.arange(100))
    np.testing.assert_array_equal(test, np.arange(100, 120))  # the test split's first images, in order
    with pytest.raises(LabelError, match="test split"):
        split(150, 51, seed=3, n_test=50)


@pytest.mark.parametrize("labels, message", [([0, 10], "0..9"), ([-1, 3], "without labels"),
                                             ([[1, 2]], "one-dimensional")])
def test_bad_labels_are_rejected(labels, message):
    with pytest.raises(LabelError, match=message):
        label_block(labels)


def test_readout_is_the_most_active_label_unit_and_abstains_on_silence_or_ties():
    counts = np.array([[0, 3, 1], [2, 0, 0], [0, 0, 0], [1, 1, 0]])
    np.testing.assert_array_equal(read_classes(counts), [1, 0, -1, -1])
    assert accuracy(read_classes(counts), [1, 0, 2, 0]) == 0.5
    matrix = confusion(read_classes(counts), [1, 0, 2, 0], n_classes=3)
    assert matrix.tolist() == [[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 1]]  # last column: no answer


def test_readout_of_a_separable_code_is_perfect():
    # each class lights its own label unit in the final bout, plus noise on the others
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 10, 500)
    counts = rng.integers(0, 2, (500, 10))
    counts[np.arange(500), truth] += 3
    assert accuracy(read_classes(counts), truth) == 1.0


def test_the_held_out_split_is_seeded_disjoint_and_complete():
    train, test = split(100, 20, seed=3)
    assert len(test) == 20 and not set(train) & set(test) and sorted({*train, *test}) == list(range(100))
    np.testing.assert_array_equal(split(100, 20, seed=3)[1], test)
    assert not np.array_equal(split(100, 20, seed=4)[1], test)
    np.testing.assert_array_equal(split(100, 0, seed=3)[0], np.arange(100))  # no holdout: every image, in order
    with pytest.raises(LabelError, match="holdout"):
        split(100, 100, seed=0)


def test_the_label_is_presented_in_training_only_and_held_out_images_never(tiny_idx_folder, tiny_params, tmp_path,
                                                                           build_root):
    from brianmodel.classification import classify, generate, iterative_inference, load_classification
    from brianmodel.evaluation import ProbeError
    from brianmodel.data import load_dataset
    from brianmodel.results import ResultsFolder
    from brianmodel.training import RunSettings, train

    settings = RunSettings(dataset=tiny_idx_folder, presentations=20, chunk_size=10, labels=True, holdout=10)
    folder = train(tiny_params, settings, str(tmp_path / "run"), build_root=build_root, log=lambda *_: None)
    held_out = set(split(60, 10, seed=0)[1])
    last = folder.load_last_chunk()
    assert not held_out & set(last["image_indices"].tolist())  # training never shows a held-out image
    labels = load_dataset(tiny_idx_folder).labels
    # training: the lit label unit is the image's class, and it fires in the initial bout
    x_labels = last["x"][:, -10:]
    assert x_labels.sum() > 0
    assert np.all(x_labels[np.arange(10) != labels[last["image_indices"]][:, None]] == 0)
    result = classify(folder, build_root=build_root, log=lambda *_: None)
    probe = ResultsFolder(folder.path).load_evaluation("held-out")
    assert set(probe["image_indices"].tolist()) == held_out and result["test_images"] == 10
    assert probe["x"][:, -10:].sum() == 0  # testing: no label input, so no initial-bout label spike
    assert 0 <= result["accuracy"] <= result["accuracy_combined"] <= 1
    # iterative inference: pass 1 is the test above (the same presentations, deterministic network)
    iterative = iterative_inference(folder, passes=2, momentum=0.5, build_root=build_root, log=lambda *_: None)
    assert iterative["accuracy"][0] == result["accuracy"] and len(iterative["accuracy"]) == 2
    assert load_classification(folder.path)["iterative"]["passes"] == 2
    # generation: one image per class from the clamped label units alone
    generated = generate(folder, intensity=3.0, build_root=build_root, log=lambda *_: None)
    assert generated["class_images"].shape == (10, 14, 14)
    assert np.all(generated["label_spikes"] > 0)  # the clamped units fire in the initial bout
    with pytest.raises(ProbeError, match="momentum"):
        iterative_inference(folder, passes=2, momentum=1.0, build_root=build_root)
    for script in ("classification.py", "generation.py"):  # the figures read what was saved
        _draw(script, folder.path)
        assert os.path.getsize(os.path.join(folder.path, script.replace(".py", ".png"))) > 10000


def _draw(script, results):
    root = os.path.join(os.path.dirname(__file__), "..")
    subprocess.run([sys.executable, os.path.join(root, "figures", script), results], check=True,
                   capture_output=True)
