"""Classification by the label units of a trained network (brianmodel.labels), on held-out images,
iterative inference, and generation from a clamped label.

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
from .evaluation import ProbeError, frozen_counts, probe
from .parameters import ModelParams
from .labels import N_CLASSES, accuracy, class_counts, confusion, read_classes
from .results import ResultsFolder, atomic_write
from .training import RunSettings, training_inputs

__all__ = ["classify", "load_classification", "generate", "iterative_inference"]


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
    units, copies = settings.label_units, settings.label_copies
    predicted = read_classes(class_counts(arrays["x_hat"][:n, -units:], copies))
    # the rate form of the same reconstruction, Q_label z: what the label units' final bout approximates
    # before their threshold (answers where they stay silent)
    _, state = folder.load_checkpoint(int(arrays["checkpoint"]))
    linear = class_counts(arrays["z"][:n].astype(float) @ state.Q[-units:].T, copies).argmax(axis=1)
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


def _labelled_training(folder: ResultsFolder):
    info = folder.read_params()
    settings = RunSettings(**info["run"])
    if not settings.labels:
        raise ProbeError(f"the training in {folder.path!r} has no label units (train with labels)")
    done, state = folder.load_checkpoint()
    return ModelParams.from_dict(info["model"]), settings, done, state


def generate(folder: ResultsFolder | str, *, intensity: float | None = None, build_root: str | None = None,
             log=print) -> dict:
    """Clamp one class's label units (the image part silent) in the frozen network and read what the
    final bout draws in the image part: one generated image per class (ON − OFF counts, averaged over
    the chunk's repeats). Saves ``evaluation/generation.npz``."""
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    params, settings, done, state = _labelled_training(folder)
    intensity = settings.label_intensity if intensity is None else intensity
    if not intensity > 0:
        raise ProbeError(f"intensity must be positive, got {intensity}")
    if settings.effective_chunk < N_CLASSES:
        raise ProbeError(f"generation presents the {N_CLASSES} classes in one chunk: the training's chunk "
                         f"({settings.effective_chunk}) is too small")
    shape = load_dataset(settings.dataset).shape
    n_image, copies = 2 * shape[0] * shape[1], settings.label_copies
    classes = np.arange(settings.effective_chunk) % N_CLASSES
    rows = np.zeros((len(classes), n_image + settings.label_units))
    for k in range(N_CLASSES):
        rows[classes == k, n_image + k * copies:n_image + (k + 1) * copies] = intensity
    x, x_hat, z, _ = frozen_counts(params, settings, state, rows, build_root=build_root, log=log)
    drawn = x_hat[:, :n_image // 2] - x_hat[:, n_image // 2:n_image]
    images = np.stack([drawn[classes == k].mean(axis=0).reshape(shape) for k in range(N_CLASSES)])
    arrays = {"checkpoint": done, "intensity": intensity, "class_images": images,
              "hidden_spikes": np.array([z[classes == k].sum(axis=1).mean() for k in range(N_CLASSES)]),
              "label_spikes": np.array([x[classes == k, n_image:].sum(axis=1).mean() for k in range(N_CLASSES)])}
    folder.save_evaluation("generation", arrays)
    log(f"generation at label intensity {intensity:g}: hidden spikes per class {arrays['hidden_spikes'].round(1)}")
    return arrays


def iterative_inference(folder: ResultsFolder | str, *, passes: int = 4, momentum: float = 0.5, step: float = 1.0,
                        build_root: str | None = None, log=print) -> dict:
    """Several feedback passes per held-out image, the label units' input carried between passes with momentum.

    Pass 1 presents the image with silent label units. After pass k, the
    label units' final-bout counts, scaled so that the most active class is at
    the training's label intensity, are the target y_k of their input u:
    velocity ← momentum × velocity + step × (y_k − u), u ← clip(u + velocity,
    0, intensity). The image stays clamped. Each pass's answer is the most
    active class of its final bout. Saves ``evaluation/iterative.npz`` and adds
    ``iterative`` (accuracy per pass) to classification.json.
    """
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    if passes < 1 or not 0 <= momentum < 1 or not step > 0:
        raise ProbeError(f"need passes >= 1, 0 <= momentum < 1 and step > 0; got {passes}, {momentum}, {step}")
    params, settings, done, state = _labelled_training(folder)
    dataset = load_dataset(settings.dataset)
    X, _, held_out = training_inputs(dataset, settings)
    if not len(held_out):
        raise ProbeError(f"the training in {folder.path!r} held no images out (holdout 0)")
    units, copies, top = settings.label_units, settings.label_copies, settings.label_intensity
    image_part, truth = X[held_out, :-units], dataset.labels[held_out]
    u, velocity, answers = np.zeros((len(held_out), units)), np.zeros((len(held_out), units)), []
    for k in range(passes):
        x, x_hat, z, _ = frozen_counts(params, settings, state, np.hstack([image_part, u]), build_root=build_root,
                                       log=log)
        counts = class_counts(x_hat[:len(held_out), -units:], copies)
        answers.append(read_classes(counts))
        target = np.repeat(top * counts / np.maximum(counts.max(axis=1, keepdims=True), 1), copies, axis=1)
        velocity = momentum * velocity + step * (target - u)
        u = np.clip(u + velocity, 0, top)
        log(f"pass {k + 1}/{passes}: accuracy {accuracy(answers[-1], truth):.3f}, "
            f"unanswered {np.mean(answers[-1] < 0):.1%}")
    answers = np.array(answers)
    folder.save_evaluation("iterative", {"checkpoint": done, "image_indices": held_out, "answers": answers,
                                         "momentum": momentum, "step": step})
    result = {"passes": passes, "momentum": momentum, "step": step,
              "accuracy": [accuracy(a, truth) for a in answers],
              "unanswered": [float(np.mean(a < 0)) for a in answers]}
    try:
        summary = load_classification(folder.path)
    except FileNotFoundError:
        summary = {}
    summary["iterative"] = result
    atomic_write(folder.file("classification.json"), json.dumps(summary, indent=2).encode())
    return result
