"""Reading a class from a network's activity, and scoring it: knows no model.

- :func:`read_classes`: the most active of a set of label units (or label
  neurons) answers; none active or a tie is no answer (−1, counted wrong).
- :func:`assign` and :func:`vote_classes`: Diehl & Cook's vote, each neuron
  assigned the class it responds to most.
"""
from __future__ import annotations

import numpy as np

from .params.run import N_CLASSES

__all__ = ["N_CLASSES", "class_counts", "read_classes", "accuracy", "confusion", "assign", "vote_classes"]


def class_counts(label_counts: np.ndarray, copies: int = 1) -> np.ndarray:
    """(n, n_classes): the label units' counts (n, n_classes × copies) summed over each class's units."""
    label_counts = np.asarray(label_counts)
    return label_counts.reshape(len(label_counts), -1, copies).sum(axis=2)


def read_classes(label_counts: np.ndarray) -> np.ndarray:
    """The class of each presentation from its label units' counts (n, n_classes):
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


def assign(counts: np.ndarray, labels: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """Each neuron's class: the one with its highest mean response (Diehl & Cook)."""
    means = np.stack([counts[labels == c].mean(axis=0) if np.any(labels == c) else np.zeros(counts.shape[1])
                      for c in range(n_classes)])
    return means.argmax(axis=0)


def vote_classes(counts: np.ndarray, assignments: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """The class whose assigned neurons respond most on average (−1 where no neuron fired)."""
    scores = np.stack([counts[:, assignments == c].mean(axis=1) if np.any(assignments == c)
                       else np.zeros(len(counts)) for c in range(n_classes)], axis=1)
    return np.where(counts.sum(axis=1) > 0, scores.argmax(axis=1), -1)
