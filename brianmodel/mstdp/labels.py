"""Label units: the supervised use of the mirrored-STDP network.

The visible layer gets ``N_CLASSES`` × ``copies`` extra neurons after the
image's ON and OFF neurons (a population of ``copies`` units per class,
class-major). Training presents image + one-hot label (the label units of the
image's class at ``LABEL_INTENSITY``, the others silent), so W and Q learn the
label with the image. Testing presents the image alone: the hidden code comes
from the image, and the class is read from the label units' final-bout spike
counts summed over each class's units, i.e. from the network's
reconstruction of the label (:mod:`brianmodel.readout`). A presentation
whose label units stay silent counts as unanswered (class −1, wrong).
"""
from __future__ import annotations

import numpy as np

from ..errors import DatasetError, ParameterError
from ..params.run import LABEL_INTENSITY, N_CLASSES

__all__ = ["LABEL_INTENSITY", "label_block", "with_labels", "silent_labels"]


def label_block(labels, n_classes: int = N_CLASSES, intensity: float = LABEL_INTENSITY,
                copies: int = 1) -> np.ndarray:
    """(n, n_classes × copies) one-hot intensities of ``labels`` (each class's ``copies`` units lit)."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise DatasetError(f"labels must be one-dimensional, got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise DatasetError(f"labels must lie in 0..{n_classes - 1}, got {labels.min()}..{labels.max()} "
                           f"(a dataset without labels cannot train label units)")
    if not intensity > 0:
        raise ParameterError(f"label intensity must be positive, got {intensity}")
    if not isinstance(copies, (int, np.integer)) or copies < 1:
        raise ParameterError(f"label units per class must be a positive integer, got {copies!r}")
    block = np.zeros((len(labels), n_classes))
    block[np.arange(len(labels)), labels] = intensity
    return np.repeat(block, copies, axis=1)


def with_labels(X: np.ndarray, labels, n_classes: int = N_CLASSES, intensity: float = LABEL_INTENSITY,
                copies: int = 1) -> np.ndarray:
    """Visible intensities with the label units appended (training)."""
    if len(X) != len(labels):
        raise DatasetError(f"{len(X)} stimuli but {len(labels)} labels")
    return np.hstack([X, label_block(labels, n_classes, intensity, copies)])


def silent_labels(X: np.ndarray, n_classes: int = N_CLASSES, copies: int = 1) -> np.ndarray:
    """Visible intensities with silent label units appended (testing)."""
    return np.hstack([X, np.zeros((len(X), n_classes * copies))])
