"""Classification by the label units of a trained network (:mod:`.labels`) on held-out images,
iterative inference, and generation from a clamped label.

:func:`classify` runs a frozen probe of the training's held-out images with
the label units silent, reads each presentation's class from the label units'
final-bout counts (and, as a rate readout of the same reconstruction, from
Q_label z), and saves ``evaluation/held-out.npz`` (the probe) and
``classification.json`` (accuracy, confusion matrix, reconstruction of the
image part, training size and time) in the results folder.
"""
from __future__ import annotations

import logging

import numpy as np

from ..analysis import reconstruction_corr
from ..datasets import load_dataset
from ..errors import MissingResult, ProtocolError
from ..readout import N_CLASSES, accuracy, class_counts, confusion, read_classes
from ..results import ResultsFolder
from .probes import Trained, frozen_counts, load_training, probe
from .trainer import training_inputs

__all__ = ["classify", "load_classification", "generate", "iterative_inference"]

log = logging.getLogger(__name__)


def _labelled(folder: ResultsFolder | str, checkpoint: int | None = None) -> Trained:
    trained = load_training(folder, checkpoint)
    if not trained.settings.labels:
        raise ProtocolError(f"the training in {trained.folder.path!r} has no label units (train with labels)")
    return trained


def classify(folder: ResultsFolder | str, *, build_root: str | None = None) -> dict:
    """Test the label units on the held-out images; writes classification.json and evaluation/held-out.npz."""
    trained = _labelled(folder)
    folder, settings = trained.folder, trained.settings
    dataset = load_dataset(settings.dataset)
    _, _, held_out = training_inputs(dataset, settings)
    with folder.writing("classification"):
        arrays = probe(folder, "held-out", held_out_only=True, silence_labels=True, build_root=build_root)
        n = len(held_out)  # the probe repeats the first images to fill its last chunk: score each image once
        truth = dataset.labels[arrays["image_indices"][:n]]
        units, copies = settings.label_units, settings.label_copies
        predicted = read_classes(class_counts(arrays["x_hat"][:n, -units:], copies))
        # the rate form of the same reconstruction, Q_label z: what the label units' final bout approximates
        # before their threshold (answers where they stay silent)
        linear = class_counts(arrays["z"][:n].astype(float) @ trained.state.Q[-units:].T, copies).argmax(axis=1)
        combined = np.where(predicted >= 0, predicted, linear)
        x, x_hat = arrays["x"][:n, :-units], arrays["x_hat"][:n, :-units]
        rows = folder.read_metrics()
        result = {"accuracy": accuracy(predicted, truth), "unanswered": float(np.mean(predicted < 0)),
                  "answered_accuracy": accuracy(predicted[predicted >= 0], truth[predicted >= 0])
                  if np.any(predicted >= 0) else float("nan"),
                  "accuracy_linear": accuracy(linear, truth), "accuracy_combined": accuracy(combined, truth),
                  "test_images": n, "training_presentations": int(rows[-1]["presentations"]) if rows else 0,
                  "training_images": len(dataset.images) - (dataset.n_test or n), "label_copies": copies,
                  "training_wall_s": float(sum(float(r["wall_s"]) for r in rows)),
                  "reconstruction_corr": reconstruction_corr(x, x_hat),
                  "confusion": confusion(predicted, truth).tolist(), "dataset": settings.dataset}
        folder.write_json("classification.json", result, with_provenance=True)
    log.info("held-out accuracy on %d images: label spikes %.3f (%.1f%% unanswered, %.3f of the answered), "
             "Q_label z %.3f, spikes else Q_label z %.3f; image reconstruction corr %.3f", n, result["accuracy"],
             100 * result["unanswered"], result["answered_accuracy"], result["accuracy_linear"],
             result["accuracy_combined"], result["reconstruction_corr"])
    return result


def load_classification(path: str) -> dict:
    return ResultsFolder(path).read_json("classification.json", "run protocols/classify.py")


def generate(folder: ResultsFolder | str, *, intensity: float | None = None, build_root: str | None = None) -> dict:
    """Clamp one class's label units (the image part silent) in the frozen network and read what the
    final bout draws in the image part: one generated image per class (ON − OFF counts, averaged over
    the chunk's repeats). Saves ``evaluation/generation.npz``."""
    trained = _labelled(folder)
    settings = trained.settings
    intensity = settings.label_intensity if intensity is None else intensity
    if not intensity > 0:
        raise ProtocolError(f"intensity must be positive, got {intensity}")
    if settings.effective_chunk < N_CLASSES:
        raise ProtocolError(f"generation presents the {N_CLASSES} classes in one chunk: the training's chunk "
                            f"({settings.effective_chunk}) is too small")
    shape = load_dataset(settings.dataset).shape
    n_image, copies = 2 * shape[0] * shape[1], settings.label_copies
    classes = np.arange(settings.effective_chunk) % N_CLASSES
    rows = np.zeros((len(classes), n_image + settings.label_units))
    for k in range(N_CLASSES):
        rows[classes == k, n_image + k * copies:n_image + (k + 1) * copies] = intensity
    with trained.folder.writing("generation"):
        x, x_hat, z, _ = frozen_counts(trained.params, settings, trained.state, rows, build_root=build_root)
        drawn = x_hat[:, :n_image // 2] - x_hat[:, n_image // 2:n_image]
        images = np.stack([drawn[classes == k].mean(axis=0).reshape(shape) for k in range(N_CLASSES)])
        arrays = {"checkpoint": trained.presentations, "intensity": intensity, "class_images": images,
                  "hidden_spikes": np.array([z[classes == k].sum(axis=1).mean() for k in range(N_CLASSES)]),
                  "label_spikes": np.array([x[classes == k, n_image:].sum(axis=1).mean() for k in range(N_CLASSES)])}
        trained.folder.save_evaluation("generation", arrays)
    log.info("generation at label intensity %g: hidden spikes per class %s", intensity,
             arrays["hidden_spikes"].round(1))
    return arrays


def iterative_inference(folder: ResultsFolder | str, *, passes: int = 4, momentum: float = 0.5, step: float = 1.0,
                        build_root: str | None = None) -> dict:
    """Several feedback passes per held-out image, the label units' input carried between passes with momentum.

    Pass 1 presents the image with silent label units. After pass k, the
    label units' final-bout counts, scaled so that the most active class is at
    the training's label intensity, are the target y_k of their input u:
    velocity ← momentum × velocity + step × (y_k − u), u ← clip(u + velocity,
    0, intensity). The image stays clamped. Each pass's answer is the most
    active class of its final bout. Saves ``evaluation/iterative.npz`` and adds
    ``iterative`` (accuracy per pass) to classification.json.
    """
    if not isinstance(passes, int) or passes < 1 or not 0 <= momentum < 1 or not step > 0:
        raise ProtocolError(f"need passes >= 1, 0 <= momentum < 1 and step > 0; got {passes}, {momentum}, {step}")
    trained = _labelled(folder)
    folder, settings = trained.folder, trained.settings
    dataset = load_dataset(settings.dataset)
    X, _, held_out = training_inputs(dataset, settings)
    if not len(held_out):
        raise ProtocolError(f"the training in {folder.path!r} held no images out (holdout 0)")
    units, copies, top = settings.label_units, settings.label_copies, settings.label_intensity
    image_part, truth = X[held_out, :-units], dataset.labels[held_out]
    u, velocity, answers = np.zeros((len(held_out), units)), np.zeros((len(held_out), units)), []
    with folder.writing("iterative inference"):
        for k in range(passes):
            x, x_hat, z, _ = frozen_counts(trained.params, settings, trained.state, np.hstack([image_part, u]),
                                           build_root=build_root)
            counts = class_counts(x_hat[:len(held_out), -units:], copies)
            answers.append(read_classes(counts))
            target = np.repeat(top * counts / np.maximum(counts.max(axis=1, keepdims=True), 1), copies, axis=1)
            velocity = momentum * velocity + step * (target - u)
            u = np.clip(u + velocity, 0, top)
            log.info("pass %d/%d: accuracy %.3f, unanswered %.1f%%", k + 1, passes, accuracy(answers[-1], truth),
                     100 * np.mean(answers[-1] < 0))
        answers = np.array(answers)
        folder.save_evaluation("iterative", {"checkpoint": trained.presentations, "image_indices": held_out,
                                             "answers": answers, "momentum": momentum, "step": step})
        result = {"passes": passes, "momentum": momentum, "step": step,
                  "accuracy": [accuracy(a, truth) for a in answers],
                  "unanswered": [float(np.mean(a < 0)) for a in answers]}
        try:
            summary = load_classification(folder.path)
        except MissingResult:
            summary = {}
        summary["iterative"] = result
        folder.write_json("classification.json", summary, with_provenance=True)
    return result
