"""Training and testing the sym-STDP network (brianmodel.symstdp), checkpointed and resumable.

Training presents ``settings.presentations`` images of the training split
(epochs of seeded permutations) with their class to the label neurons;
a chunk of ``chunk_size`` slots is one binary run, and it gets through fewer
images when some are repeated for too few spikes. W_input, W_label, θ and a
pending retry carry to the next chunk; each chunk's random stream depends on
the seed and the chunk's number only, so a resumed run reproduces the
uninterrupted one.

Testing (:func:`classify_symstdp`) runs the frozen network (η = 0: weights,
θ and synaptic scaling fixed; no teacher) on the held-out images, with the
same retry rule, and reads each image's class from the label neurons' spike
counts (the most active; none or a tie: no answer). Beside it, the
unsupervised vote of Diehl & Cook: each excitatory neuron is assigned the
class it responds to most on training images, and the class whose neurons
respond most wins.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
import time

import numpy as np

from . import symstdp
from .data import load_dataset, presentation_order
from .device import Simulator
from .labels import N_CLASSES, accuracy, confusion, read_classes, split
from .parameters import SymStdpParams
from .results import ResultsFolder, atomic_write
from .training import RunSettings, TrainingError, _versions, read_training, resumed_settings

__all__ = ["train_symstdp", "classify_symstdp", "present", "METRIC_COLUMNS", "ASSIGNMENT_IMAGES"]

METRIC_COLUMNS = ["presentations", "chunk", "slots", "retried_slots", "excitatory_spikes_per_image",
                  "teacher_spikes_per_image", "theta_mean_mV", "presentations_per_s", "wall_s"]
ASSIGNMENT_IMAGES = 1000  # training images whose responses assign the excitatory neurons to classes (vote)


def _inputs(dataset, params, settings):
    """(input rows: pixels then class, training image indices, held-out image indices)."""
    rates = symstdp.input_rates(dataset.images, params)
    rows = np.hstack([rates, dataset.labels[:, None].astype(float)])
    training, held_out = split(len(rows), settings.holdout, settings.seed, dataset.n_test)
    return rows, training, held_out


def train_symstdp(params: SymStdpParams, settings: RunSettings, out: str, *, resume: bool = False,
                  build_root: str | None = None, log=print) -> ResultsFolder:
    """Train (or resume training) the sym-STDP network into the results folder ``out``."""
    folder = ResultsFolder(out)
    if resume:
        info, settings = resumed_settings(folder, settings)
        params = SymStdpParams.from_dict(info["model"])
    elif os.path.exists(folder.file("params.json")):
        raise TrainingError(f"{out!r} already holds a training; use resume or another output folder")
    params.validate()
    settings.validate()
    dataset = load_dataset(settings.dataset)
    if dataset.labels.min() < 0:
        raise TrainingError(f"dataset {settings.dataset!r} has no labels: sym-STDP learns from labelled images")
    rows_in, training, _ = _inputs(dataset, params, settings)
    chunk = settings.chunk_size
    # the order runs one chunk past the end: the last chunk's slots are all filled
    order = training[presentation_order(len(training), settings.presentations + chunk, settings.seed)]
    simulator = Simulator(params, rows_in.shape[1], chunk, settings.device, build_root=build_root,
                          threads=settings.threads, compute_capability=settings.compute_capability, log=log,
                          model=symstdp)
    if resume and folder.checkpoints():
        done, state = folder.load_checkpoint(state_class=symstdp.SymState)
        rows = [r for r in folder.read_metrics() if r["chunk"] < int(state.chunk)]
    else:
        done, rows = 0, []
        state = symstdp.SymState.initial(params, rows_in.shape[1] - 1, settings.seed)
        folder.write_params({"model": params.to_dict(), "run": dataclasses.asdict(settings),
                             "dataset": {"name": dataset.name, "images": len(dataset.images),
                                         "image_shape": list(dataset.shape), "training_images": len(training),
                                         "label_units": N_CLASSES},
                             "command": sys.argv, "versions": _versions(), "created": time.strftime("%Y-%m-%d %H:%M:%S")})
        folder.save_checkpoint(0, state)
    simulator.prepare()
    started, before = time.perf_counter(), done
    while done < settings.presentations:
        chunk_start = time.perf_counter()
        state = dataclasses.replace(state, seed=np.array(symstdp.chunk_seed(settings.seed, int(state.chunk))))
        shown = present(simulator, state, rows_in[order[done:done + chunk]], params)
        state = shown["state"]
        done += shown["images"]
        wall = time.perf_counter() - chunk_start
        rows.append({"presentations": done, "chunk": int(state.chunk) - 1, "slots": chunk,
                     "retried_slots": chunk - shown["images"],
                     "excitatory_spikes_per_image": shown["excitatory"].sum(axis=1).mean(),
                     "teacher_spikes_per_image": shown["labels"].sum(axis=1).mean(),
                     "theta_mean_mV": 1e3 * state.theta.mean(), "presentations_per_s": shown["images"] / shown["wall"],
                     "wall_s": wall})
        folder.write_metrics(rows, METRIC_COLUMNS)  # the checkpoint last: a killed run redoes this chunk
        folder.save_checkpoint(done, state)
        rate = (done - before) / (time.perf_counter() - started)
        log(f"[{done:>7d}/{settings.presentations}] {100 * min(done / settings.presentations, 1):5.1f}%  "
            f"{rate:6.1f} images/s  ETA {max(settings.presentations - done, 0) / rate:6.0f} s  "
            f"retried {rows[-1]['retried_slots']:.0f}/{chunk} slots  excitatory spikes/image "
            f"{rows[-1]['excitatory_spikes_per_image']:.1f}  θ {rows[-1]['theta_mean_mV']:.2f} mV")
    return folder


def present(simulator: Simulator, state, stimulus_rows: np.ndarray, params: SymStdpParams) -> dict:
    """One chunk: the images it got through (in order), their excitatory and label spike counts in
    their accepted presentation, the new state, the binary's wall time."""
    result = simulator.run(state, stimulus_rows)
    slots = len(stimulus_rows)
    images, accepted, retries, last_retries = symstdp.slot_images(result.spikes["excitatory"], slots,
                                                                  int(state.retries), params)
    if result.state.last_slot.tolist() != [images[-1], last_retries]:  # the replay must be the binary's rule
        raise RuntimeError(f"the presentation control replayed from the spikes (last slot: image {images[-1]}, "
                           f"retry {last_retries}) differs from the binary's ({result.state.last_slot.tolist()})")
    state = dataclasses.replace(result.state, retries=np.array(retries), seed=state.seed,
                                chunk=np.array(int(state.chunk) + 1), last_slot=None)
    counts = {name: _slot_counts(result.spikes[name], slots, n, params)[accepted]
              for name, n in (("excitatory", params.architecture.n_excitatory), ("labels", N_CLASSES))}
    return {"state": state, "images": int(accepted.sum()), **counts, "wall": result.wall_time}


def _slot_counts(spikes, n_slots, n_neurons, params):
    """(slots, neurons) spike counts in each slot's image period."""
    i, t = spikes
    slot, keep = symstdp.slot_steps(t, params)
    counts = np.zeros((n_slots, n_neurons), dtype=int)
    np.add.at(counts, (slot[keep], i[keep]), 1)
    return counts


def _frozen_counts(params, settings, state, rows_in, images, build_root, log):
    """Excitatory and label counts of ``images`` presented to the frozen network, without teacher."""
    frozen = params.with_overrides(plasticity={"eta_input": 0.0, "eta_label": 0.0})
    simulator = Simulator(frozen, rows_in.shape[1], settings.chunk_size, settings.device, build_root=build_root,
                          threads=settings.threads, compute_capability=settings.compute_capability, log=log,
                          model=symstdp)
    silent = rows_in[images].copy()
    silent[:, -1] = -1  # no class: the label neurons are LIF neurons driven by the excitatory layer
    chunk, done, k = settings.chunk_size, 0, 0
    excitatory, labels = [], []
    state = dataclasses.replace(state, retries=np.array(0))
    padded = silent[np.arange(len(images) + chunk) % len(images)]  # the last chunk's spare slots: first images again
    while done < len(images):
        state = dataclasses.replace(state, seed=np.array(symstdp.chunk_seed(settings.seed + 1000, k)))
        shown = present(simulator, state, padded[done:done + chunk], frozen)
        after = shown["state"]
        if not (np.array_equal(after.W_input, state.W_input) and np.array_equal(after.W_label, state.W_label)
                and np.array_equal(after.theta, state.theta)):
            raise TrainingError("weights or θ changed in a frozen presentation: plasticity was not switched off")
        take = min(shown["images"], len(images) - done)
        excitatory.append(shown["excitatory"][:take])
        labels.append(shown["labels"][:take])
        state, done, k = shown["state"], done + take, k + 1
    return np.concatenate(excitatory), np.concatenate(labels)


def classify_symstdp(out: str, *, build_root: str | None = None, log=print) -> dict:
    """Test the trained network on the held-out images; writes classification.json and evaluation/held-out.npz."""
    folder = ResultsFolder(out)
    info = read_training(folder, "symstdp")
    params, settings = SymStdpParams.from_dict(info["model"]), RunSettings(**info["run"])
    dataset = load_dataset(settings.dataset)
    rows_in, training, held_out = _inputs(dataset, params, settings)
    if not len(held_out):
        raise TrainingError(f"the training in {out!r} held no images out (holdout 0): nothing to test")
    done, state = folder.load_checkpoint(state_class=symstdp.SymState)
    start = time.perf_counter()
    assign_images = training[presentation_order(len(training), ASSIGNMENT_IMAGES, settings.seed + 1)]
    assign_exc, _ = _frozen_counts(params, settings, state, rows_in, assign_images, build_root, log)
    test_exc, test_labels = _frozen_counts(params, settings, state, rows_in, held_out, build_root, log)
    truth = dataset.labels[held_out]
    predicted = read_classes(test_labels)
    assignments = assign(assign_exc, dataset.labels[assign_images])
    vote = vote_classes(test_exc, assignments)
    metrics = folder.read_metrics()
    result = {"model": "symstdp", "accuracy": accuracy(predicted, truth), "unanswered": float(np.mean(predicted < 0)),
              "answered_accuracy": accuracy(predicted[predicted >= 0], truth[predicted >= 0])
              if np.any(predicted >= 0) else float("nan"),
              "accuracy_vote": accuracy(vote, truth), "test_images": len(held_out),
              "training_presentations": done, "training_images": len(training),
              "training_wall_s": float(sum(r["wall_s"] for r in metrics)),
              "test_wall_s": time.perf_counter() - start,
              "confusion": confusion(predicted, truth).tolist(), "dataset": settings.dataset}
    folder.save_evaluation("held-out", {"checkpoint": done, "image_indices": held_out,
                                        "z": test_exc.astype(np.int16), "label_counts": test_labels.astype(np.int16),
                                        "assignments": assignments})
    atomic_write(folder.file("classification.json"), json.dumps(result, indent=2).encode())
    log(f"held-out accuracy on {len(held_out)} images: label neurons {result['accuracy']:.3f} "
        f"({result['unanswered']:.1%} unanswered), excitatory vote {result['accuracy_vote']:.3f}")
    return result


def assign(counts: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each excitatory neuron's class: the one with its highest mean response (Diehl & Cook)."""
    means = np.stack([counts[labels == c].mean(axis=0) if np.any(labels == c) else np.zeros(counts.shape[1])
                      for c in range(N_CLASSES)])
    return means.argmax(axis=0)


def vote_classes(counts: np.ndarray, assignments: np.ndarray) -> np.ndarray:
    """The class whose assigned neurons respond most on average (−1 where no neuron fired)."""
    scores = np.stack([counts[:, assignments == c].mean(axis=1) if np.any(assignments == c)
                       else np.zeros(len(counts)) for c in range(N_CLASSES)], axis=1)
    return np.where(counts.sum(axis=1) > 0, scores.argmax(axis=1), -1)
