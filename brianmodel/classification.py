"""Classification by the label units of a trained network (brianmodel.labels), on held-out images.

:func:`classify` runs a frozen probe of the training's held-out images with
the label units silent, reads each presentation's class from the label units'
final-bout counts (and, as a rate readout of the same reconstruction, from
Q_label z), and saves ``evaluation/held-out.npz`` (the probe) and
``classification.json`` (accuracy, confusion matrix, reconstruction of the
image part, training size and time) in the results folder.
"""
from __future__ import annotations

import json

import numpy as np

from .analysis import reconstruction_corr
from .data import load_dataset
from .evaluation import ProbeError, probe
from .labels import N_CLASSES, accuracy, confusion, read_classes
from .results import ResultsFolder, atomic_write
from .training import RunSettings, training_inputs

__all__ = ["classify", "load_classification"]


def classify(folder: ResultsFolder | str, *, build_root: str | None = None, log=print) -> dict:
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    info = folder.read_params()
    settings = RunSettings(**info["run"])
    if not settings.labels:
        raise ProbeError(f"the training in {folder.path!r} has no label units (train with labels)")
    dataset = load_dataset(settings.dataset)
    _, _, held_out = training_inputs(dataset, settings)
    arrays = probe(folder, "held-out", held_out_only=True, silence_labels=True, build_root=build_root, log=log)
    n = len(held_out)  # the probe repeats the first images to fill its last chunk: score each image once
    truth = dataset.labels[arrays["image_indices"][:n]]
    predicted = read_classes(arrays["x_hat"][:n, -N_CLASSES:])
    # the rate form of the same reconstruction, Q_label z: what the label units' final bout approximates
    # before their threshold (answers where they stay silent)
    _, state = folder.load_checkpoint(int(arrays["checkpoint"]))
    linear = (arrays["z"][:n].astype(float) @ state.Q[-N_CLASSES:].T).argmax(axis=1)
    combined = np.where(predicted >= 0, predicted, linear)
    x, x_hat = arrays["x"][:n, :-N_CLASSES], arrays["x_hat"][:n, :-N_CLASSES]
    rows = folder.read_metrics()
    result = {"accuracy": accuracy(predicted, truth), "unanswered": float(np.mean(predicted < 0)),
              "answered_accuracy": accuracy(predicted[predicted >= 0], truth[predicted >= 0])
              if np.any(predicted >= 0) else float("nan"),
              "accuracy_linear": accuracy(linear, truth), "accuracy_combined": accuracy(combined, truth),
              "test_images": n, "training_presentations": int(rows[-1]["presentations"]) if rows else 0,
              "training_images": len(dataset.images) - n,
              "training_wall_s": float(sum(float(r["wall_s"]) for r in rows)),
              "reconstruction_corr": reconstruction_corr(x, x_hat),
              "confusion": confusion(predicted, truth).tolist(), "dataset": settings.dataset}
    atomic_write(folder.file("classification.json"), json.dumps(result, indent=2).encode())
    log(f"held-out accuracy on {n} images: label spikes {result['accuracy']:.3f} ({result['unanswered']:.1%} "
        f"unanswered, {result['answered_accuracy']:.3f} of the answered), Q_label z {result['accuracy_linear']:.3f}, "
        f"spikes else Q_label z {result['accuracy_combined']:.3f}; image reconstruction corr "
        f"{result['reconstruction_corr']:.3f}")
    return result


def load_classification(path: str) -> dict:
    folder = ResultsFolder(path)
    try:
        with open(folder.file("classification.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"no classification.json in {path!r} (run protocols/classify.py)") from None
