"""What is presented when: seeded orders, held-out splits, probe sets, stimulus tables."""
import numpy as np
import pytest

from brianmodel.errors import ParameterError, SimulationError
from brianmodel.schedule import presentation_order, probe_images, split, stimulus_table


def test_presentation_order_is_seeded_and_prefix_stable():
    a = presentation_order(10, 25, seed=3)
    assert np.array_equal(a, presentation_order(10, 25, seed=3))
    assert np.array_equal(a[:12], presentation_order(10, 12, seed=3))  # longer runs extend, not reshuffle
    assert not np.array_equal(a, presentation_order(10, 25, seed=4))
    assert sorted(a[:10]) == list(range(10))  # each epoch is a permutation


def test_the_held_out_split_is_seeded_disjoint_and_complete():
    train, test = split(100, 20, seed=3)
    assert len(test) == 20 and not set(train) & set(test) and sorted({*train, *test}) == list(range(100))
    np.testing.assert_array_equal(split(100, 20, seed=3)[1], test)
    assert not np.array_equal(split(100, 20, seed=4)[1], test)
    np.testing.assert_array_equal(split(100, 0, seed=3)[0], np.arange(100))  # no holdout: every image, in order
    with pytest.raises(ParameterError, match="holdout"):
        split(100, 100, seed=0)


def test_a_dataset_test_split_is_never_trained_on():
    train, test = split(150, 20, seed=3, n_test=50)
    np.testing.assert_array_equal(train, np.arange(100))
    np.testing.assert_array_equal(test, np.arange(100, 120))  # the test split's first images, in order
    with pytest.raises(ParameterError, match="test split"):
        split(150, 51, seed=3, n_test=50)


def test_probe_images_are_seeded_and_prefix_stable():
    a, b = probe_images(100, 50, seed=1), probe_images(100, 80, seed=1)
    np.testing.assert_array_equal(a, b[:50])
    assert len(set(a)) == 50 and not np.array_equal(a, probe_images(100, 50, seed=2))


def test_stimulus_tables_have_one_row_per_presentation():
    assert stimulus_table(None, 3, 4).shape == (3, 4) and not stimulus_table(None, 3, 4).any()
    with pytest.raises(SimulationError, match=r"shape \(3, 4\)"):
        stimulus_table(np.ones((4, 4)), 3, 4)
    with pytest.raises(SimulationError, match="positive"):
        stimulus_table(None, 0, 4)
