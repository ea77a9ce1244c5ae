"""Testing a trained sym-STDP network on held-out images: label neurons, and Diehl & Cook's vote.

The frozen network (η = 0: weights, θ and synaptic scaling fixed; no
teacher) is shown the held-out images with the same retry rule, and each
image's class is read from the label neurons' spike counts (the most active;
none or a tie: no answer). Beside it, the unsupervised vote: each excitatory
neuron is assigned the class it responds to most on training images
(:data:`ASSIGNMENT_IMAGES` of them, never test images), and the class whose
neurons respond most wins.
"""
from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from ..datasets import load_dataset
from ..device import Simulator
from ..errors import ProtocolError
from ..params.run import RunSettings
from ..params.symstdp import SymStdpParams
from ..readout import accuracy, assign, confusion, read_classes, vote_classes
from ..results import ResultsFolder
from ..schedule import presentation_order
from .model import Model
from .network import chunk_seed
from .trainer import present, training_inputs

__all__ = ["classify", "frozen_counts", "ASSIGNMENT_IMAGES"]

log = logging.getLogger(__name__)

ASSIGNMENT_IMAGES = 1000  # training images whose responses assign the excitatory neurons to classes (vote)


def frozen_counts(model: Model, settings: RunSettings, state, rows_in, images, build_root=None):
    """Excitatory and label counts of ``images`` presented to the frozen network, without teacher."""
    frozen = model.with_params(model.params.with_overrides(plasticity={"eta_input": 0.0, "eta_label": 0.0}))
    simulator = Simulator(frozen, settings.device, settings.chunk_size, build_root=build_root,
                          threads=settings.threads, compute_capability=settings.compute_capability)
    silent = rows_in[images].copy()
    silent[:, -1] = -1  # no class: the label neurons are LIF neurons driven by the excitatory layer
    chunk, done, k = settings.chunk_size, 0, 0
    excitatory, labels = [], []
    state = dataclasses.replace(state, retries=np.array(0))
    padded = silent[np.arange(len(images) + chunk) % len(images)]  # the last chunk's spare slots: first images again
    while done < len(images):
        state = dataclasses.replace(state, seed=np.array(chunk_seed(settings.seed + 1000, k)))
        shown = present(simulator, state, padded[done:done + chunk], frozen)
        after = shown["state"]
        if not (np.array_equal(after.W_input, state.W_input) and np.array_equal(after.W_label, state.W_label)
                and np.array_equal(after.theta, state.theta)):
            raise RuntimeError("weights or θ changed in a frozen presentation: plasticity was not switched off")
        take = min(shown["images"], len(images) - done)
        excitatory.append(shown["excitatory"][:take])
        labels.append(shown["labels"][:take])
        state, done, k = shown["state"], done + take, k + 1
    return np.concatenate(excitatory), np.concatenate(labels)


def classify(out: str, *, build_root: str | None = None) -> dict:
    """Test the trained network on the held-out images; writes classification.json and evaluation/held-out.npz."""
    folder = ResultsFolder(out)
    info = folder.read_params()
    settings = RunSettings.from_info(info, model="symstdp")
    params = SymStdpParams.from_dict(info["model"])
    dataset = load_dataset(settings.dataset)
    rows_in, training, held_out = training_inputs(dataset, params, settings)
    if not len(held_out):
        raise ProtocolError(f"the training in {out!r} held no images out (holdout 0): nothing to test")
    model = Model(params, rows_in.shape[1])
    saved = folder.load_checkpoint()
    done, state = saved.presentations, model.load_state(saved.arrays)
    start = time.perf_counter()
    with folder.writing("classification"):
        assign_images = training[presentation_order(len(training), ASSIGNMENT_IMAGES, settings.seed + 1)]
        assign_exc, _ = frozen_counts(model, settings, state, rows_in, assign_images, build_root)
        test_exc, test_labels = frozen_counts(model, settings, state, rows_in, held_out, build_root)
        truth = dataset.labels[held_out]
        predicted = read_classes(test_labels)
        assignments = assign(assign_exc, dataset.labels[assign_images])
        vote = vote_classes(test_exc, assignments)
        metrics = folder.read_metrics()
        result = {"model": "symstdp", "accuracy": accuracy(predicted, truth),
                  "unanswered": float(np.mean(predicted < 0)),
                  "answered_accuracy": accuracy(predicted[predicted >= 0], truth[predicted >= 0])
                  if np.any(predicted >= 0) else float("nan"),
                  "accuracy_vote": accuracy(vote, truth), "test_images": len(held_out),
                  "training_presentations": done, "training_images": len(training),
                  "training_wall_s": float(sum(r["wall_s"] for r in metrics)),
                  "test_wall_s": time.perf_counter() - start,
                  "confusion": confusion(predicted, truth).tolist(), "dataset": settings.dataset}
        folder.save_evaluation("held-out", {"checkpoint": done, "image_indices": held_out,
                                            "z": test_exc.astype(np.int16),
                                            "label_counts": test_labels.astype(np.int16),
                                            "assignments": assignments})
        folder.write_json("classification.json", result, with_provenance=True)
    log.info("held-out accuracy on %d images: label neurons %.3f (%.1f%% unanswered), excitatory vote %.3f",
             len(held_out), result["accuracy"], 100 * result["unanswered"], result["accuracy_vote"])
    return result
