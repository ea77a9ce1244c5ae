"""Reading classes from activity, and scoring them (knows no model)."""
import numpy as np

from brianmodel.readout import accuracy, assign, class_counts, confusion, read_classes, vote_classes


def test_readout_is_the_most_active_label_unit_and_abstains_on_silence_or_ties():
    counts = np.array([[0, 3, 1], [2, 0, 0], [0, 0, 0], [1, 1, 0]])
    np.testing.assert_array_equal(read_classes(counts), [1, 0, -1, -1])
    assert accuracy(read_classes(counts), [1, 0, 2, 0]) == 0.5
    matrix = confusion(read_classes(counts), [1, 0, 2, 0], n_classes=3)
    assert matrix.tolist() == [[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 1]]  # last column: no answer


def test_the_winner_is_read_whichever_unit_it_is():
    # a clear winner per presentation among noisy label units, at every position and class
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 10, 500)
    counts = rng.integers(0, 3, (500, 10))
    counts[np.arange(500), truth] = counts.max(axis=1) + rng.integers(1, 3, 500)
    np.testing.assert_array_equal(read_classes(counts), truth)
    counts[np.arange(500), (truth + 1) % 10] = counts[np.arange(500), truth]  # a tie with another class
    assert np.all(read_classes(counts) == -1)


def test_population_counts_sum_each_class():
    np.testing.assert_array_equal(class_counts([[1, 2, 0, 4, 3, 0]], copies=2), [[3, 4, 3]])


def test_vote_readout():
    counts = np.array([[5, 0, 1], [0, 4, 0], [1, 0, 6], [0, 0, 0]])
    assignments = assign(counts[:3], np.array([0, 1, 2]), n_classes=3)
    np.testing.assert_array_equal(assignments, [0, 1, 2])
    np.testing.assert_array_equal(vote_classes(counts, assignments, n_classes=3), [0, 1, 2, -1])
