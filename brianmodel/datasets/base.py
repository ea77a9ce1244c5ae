"""A dataset, and the ON/OFF preprocessing of Fig 1a.

A dataset is a float array ``images`` of shape (n, height, width) plus
``labels``; a dataset with its own test split (MNIST or Fashion-MNIST IDX
files with their ``t10k`` files) holds it as its last ``n_test`` images.
:func:`on_off` turns images into non-negative visible-layer intensities of
length 2 * height * width (ON half first, then OFF).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DatasetError

__all__ = ["Dataset", "on_off"]


@dataclass(frozen=True)
class Dataset:
    name: str
    images: np.ndarray  # (n, height, width), float
    labels: np.ndarray  # (n,), int
    n_test: int = 0  # the last n_test images are the dataset's own test split (never trained on)

    def __post_init__(self):
        if self.images.ndim != 3:
            raise DatasetError(f"images must have shape (n, height, width), got {self.images.shape}")
        if len(self.labels) != len(self.images):
            raise DatasetError(f"{len(self.images)} images but {len(self.labels)} labels")
        if len(self.images) == 0:
            raise DatasetError("dataset is empty")
        if not 0 <= self.n_test < len(self.images):
            raise DatasetError(f"a test split of {self.n_test} images leaves no training images "
                               f"out of {len(self.images)}")

    @property
    def shape(self):
        return self.images.shape[1:]

    @property
    def n_visible(self):
        return 2 * self.images.shape[1] * self.images.shape[2]

    def visible_intensities(self):
        """ON/OFF intensities, shape (n, n_visible), the per-pixel mean of the training images removed
        (a test split does not inform the inputs)."""
        return on_off(self.images - self.images[:len(self.images) - self.n_test].mean(axis=0))


def on_off(stimuli: np.ndarray) -> np.ndarray:
    """Split signed stimuli into ON = max(s, 0) and OFF = max(-s, 0) (paper, Fig 1a).

    ``stimuli`` has shape (n, ...); the result has shape (n, 2 * prod(...)),
    ON first. ON - OFF gives back the flattened stimulus.
    """
    flat = np.asarray(stimuli, dtype=float).reshape(len(stimuli), -1)
    return np.concatenate([np.maximum(flat, 0), np.maximum(-flat, 0)], axis=1)
