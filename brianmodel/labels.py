"""Label units: the supervised use of the mirrored-STDP network (the "mstdp" framework).

The visible layer gets ``N_CLASSES`` × ``copies`` extra neurons after the
image's ON and OFF neurons (a population of ``copies`` units per class,
class-major). Training presents image + one-hot label (the label units of the
image's class at ``LABEL_INTENSITY``, the others silent), so W and Q learn the
label with the image. Testing presents the image alone: the hidden code comes
from the image, and the class is read from the label units' final-bout spike
counts summed over each class's units, i.e. from the network's
reconstruction of the label. A presentation
whose label units stay silent counts as unanswered (class −1, wrong).

The images are split once, seeded, into the ones training may present and
held-out ones for testing (:func:`split`).
"""
from __future__ import annotations

import numpy as np

__all__ = ["N_CLASSES", "LABEL_INTENSITY", "LabelError", "label_block", "with_labels", "silent_labels",
           "class_counts", "read_classes", "accuracy", "confusion", "split"]

N_CLASSES = 10
LABEL_INTENSITY = 1.0  # as bright as the brightest pixel (# ours)


class LabelError(ValueError):
    """Labels that cannot be encoded or a split that cannot be made."""


def label_block(labels, n_classes: int = N_CLASSES, intensity: float = LABEL_INTENSITY,
                copies: int = 1) -> np.ndarray:
    """(n, n_classes × copies) one-hot intensities of ``labels`` (each class's ``copies`` units lit)."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise LabelError(f"labels must be one-dimensional, got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise LabelError(f"labels must lie in 0..{n_classes - 1}, got {labels.min()}..{labels.max()} "
                         f"(a dataset without labels cannot train label units)")
    if not intensity > 0:
        raise LabelError(f"label intensity must be positive, got {intensity}")
    if not isinstance(copies, (int, np.integer)) or copies < 1:
        raise LabelError(f"label units per class must be a positive integer, got {copies!r}")
    block = np.zeros((len(labels), n_classes))
    block[np.arange(len(labels)), labels] = intensity
    return np.repeat(block, copies, axis=1)


def with_labels(X: np.ndarray, labels, n_classes: int = N_CLASSES, intensity: float = LABEL_INTENSITY,
                copies: int = 1) -> np.ndarray:
    """Visible intensities with the label units appended (training)."""
    if len(X) != len(labels):
        raise LabelError(f"{len(X)} stimuli but {len(labels)} labels")
    return np.hstack([X, label_block(labels, n_classes, intensity, copies)])


def silent_labels(X: np.ndarray, n_classes: int = N_CLASSES, copies: int = 1) -> np.ndarray:
    """Visible intensities with silent label units appended (testing)."""
    return np.hstack([X, np.zeros((len(X), n_classes * copies))])


def class_counts(label_counts: np.ndarray, copies: int = 1) -> np.ndarray:
    """(n, n_classes): the label units' counts (n, n_classes × copies) summed over each class's units."""
    label_counts = np.asarray(label_counts)
    return label_counts.reshape(len(label_counts), -1, copies).sum(axis=2)


def read_classes(label_counts: np.ndarray) -> np.ndarray:
    """The class of each presentation from its label units' final-bout counts (n, n_classes):
    the most active unit; −1 where none fired or the most active ones tie."""
    label_counts = np.asarray(label_counts)
    best = label_counts.max(axis=1)
    winners = (label_counts == best[:, None]).sum(axis=1)
    return np.where((best > 0) & (winners == 1), label_counts.argmax(axis=1), -1)


def accuracy(predicted, labels) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))


def confusion(predicted, labels, n_classes: int = N_CLASSES) -> np.ndarray:
    """(n_classes, n_classes + 1) counts: row = true class, column = answer, last column = no answer."""
    matrix = np.zeros((n_classes, n_classes + 1), dtype=int)
    for truth, answer in zip(labels, predicted):
        matrix[truth, answer if answer >= 0 else n_classes] += 1
    return matrix


def split(n_images: int, holdout: int, seed: int, n_test: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(training images, held-out images): a seeded permutation's last ``holdout`` are held out;
    ``holdout`` 0 keeps every image for training, in order.

    A dataset with its own test split (its last ``n_test`` images) never
    trains on it: the held-out images are the split's first ``holdout``.
    """
    if n_test:
        if not 0 <= holdout <= n_test:
            raise LabelError(f"holdout must lie in 0..{n_test} (the dataset's test split), got {holdout}")
        return np.arange(n_images - n_test), np.arange(n_images - n_test, n_images - n_test + holdout)
    if not 0 <= holdout < n_images:
        raise LabelError(f"holdout must lie in 0..{n_images - 1} for {n_images} images, got {holdout}")
    if holdout == 0:
        return np.arange(n_images), np.arange(0)
    order = np.random.default_rng([seed, 5]).permutation(n_images)
    return np.sort(order[:-holdout]), np.sort(order[-holdout:])
