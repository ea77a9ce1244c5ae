"""What is presented when: orders of presentations, held-out splits, probe image sets, stimulus tables.

Each purpose draws from its own random stream (``np.random.default_rng([seed, k])``),
so that a schedule depends on the seed only, never on the chunking.
"""
from __future__ import annotations

import numpy as np

from .errors import ParameterError, SimulationError
from .memory import check_array_fits

__all__ = ["presentation_order", "split", "probe_images", "stimulus_table"]


def presentation_order(n_images: int, n_presentations: int, seed: int) -> np.ndarray:
    """Image index of each presentation: epochs of fresh random permutations.

    The bundled digits are sorted by label, so order matters. Presentation p
    always gets the same image for a given seed, whatever the chunking.
    """
    check_array_fits((n_presentations,), f"the image orders of {n_presentations} presentations",
                     "train fewer presentations", ParameterError)
    rng = np.random.default_rng([seed, 1])
    n_epochs = -(-n_presentations // n_images)
    return np.concatenate([rng.permutation(n_images) for _ in range(n_epochs)])[:n_presentations]


def split(n_images: int, holdout: int, seed: int, n_test: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(training images, held-out images): a seeded permutation's last ``holdout`` are held out;
    ``holdout`` 0 keeps every image for training, in order.

    A dataset with its own test split (its last ``n_test`` images) never
    trains on it: the held-out images are the split's first ``holdout``.
    """
    if n_test:
        if not 0 <= holdout <= n_test:
            raise ParameterError(f"holdout must lie in 0..{n_test} (the dataset's test split), got {holdout}")
        return np.arange(n_images - n_test), np.arange(n_images - n_test, n_images - n_test + holdout)
    if not 0 <= holdout < n_images:
        raise ParameterError(f"holdout must lie in 0..{n_images - 1} for {n_images} images, got {holdout}")
    if holdout == 0:
        return np.arange(n_images), np.arange(0)
    order = np.random.default_rng([seed, 5]).permutation(n_images)
    return np.sort(order[:-holdout]), np.sort(order[-holdout:])


def probe_images(n_images: int, n: int, seed: int) -> np.ndarray:
    """The probe image set: ``n`` indices of a seeded permutation (the same set for every probe of a run)."""
    rng = np.random.default_rng([seed, 3])
    order = np.concatenate([rng.permutation(n_images) for _ in range(-(-n // n_images))])
    return order[:n]


def stimulus_table(values, n_presentations: int, n_inputs: int) -> np.ndarray:
    """A network's stimulus, one row per presentation and one column per input (zeros if ``values`` is None)."""
    if n_presentations <= 0:
        raise SimulationError(f"n_presentations must be positive, got {n_presentations}")
    if values is None:
        return np.zeros((n_presentations, n_inputs))
    values = np.asarray(values, dtype=float)
    if values.shape != (n_presentations, n_inputs):
        raise SimulationError(f"stimulus must have shape {(n_presentations, n_inputs)}, got {values.shape}")
    return values
