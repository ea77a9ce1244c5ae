"""Label units: encoding, readout, the held-out split, and the label only during training."""
import numpy as np
import pytest

from brianmodel.labels import (LabelError, accuracy, confusion, label_block, read_classes, silent_labels, split,
                               with_labels)


def test_labels_are_one_hot_intensities_after_the_image():
    X = np.ones((3, 4))
    stimulus = with_labels(X, [2, 0, 9], intensity=0.5)
    assert stimulus.shape == (3, 14)
    np.testing.assert_array_equal(stimulus[:, :4], X)
    expected = np.zeros((3, 10))
    expected[[0, 1, 2], [2, 0, 9]] = 0.5
    np.testing.assert_array_equal(stimulus[:, 4:], expected)
    np.testing.assert_array_equal(silent_labels(X)[:, 4:], 0)  # testing: the label units get no input


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
    from brianmodel.classification import classify
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
