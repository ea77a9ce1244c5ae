"""Probes of a trained network: frozen presentations of a fixed image set.

A probe runs the saved network (a checkpoint of a training) with plasticity
and homeostasis switched off (η = 0, homeostasis rate 0, so W, Q and Φ stay
as saved) on a seeded set of images, and saves the spike counts of every
presentation in ``<results>/evaluation/<label>.npz``. Figures of the paper
that need activity beyond the training's last chunk read these:
correlations of hidden spike counts over 1,000 presentations (Fig 8), the
most active units per input (Fig 9), reconstructions at several points of
training (Fig 5) and with all Φ_j scaled (Fig 7e).

The probe reuses the training's compiled binary: η and the homeostasis rate
are run-time parameters, and the chunk size is the training's.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .analysis import bout_counts, reconstruction_corr, reconstruction_loss
from .data import load_dataset
from .device import Simulator
from .model import NetworkState
from .parameters import ModelParams
from .results import ResultsFolder
from .labels import silent_labels
from .training import RunSettings, training_inputs

__all__ = ["probe_images", "probe", "standard_probes", "frozen_counts", "ProbeError"]


class ProbeError(ValueError):
    """A probe that cannot run on this results folder."""


def probe_images(n_images: int, n: int, seed: int) -> np.ndarray:
    """The probe image set: ``n`` indices of a seeded permutation (the same set for every probe of a run)."""
    rng = np.random.default_rng([seed, 3])
    order = np.concatenate([rng.permutation(n_images) for _ in range(-(-n // n_images))])
    return order[:n]


def _frozen(params: ModelParams) -> ModelParams:
    return params.with_overrides(plasticity={"eta": 0.0}, homeostasis={"rate": 0.0})


def probe(folder: ResultsFolder | str, label: str, *, presentations: int = 1000, checkpoint: int | None = None,
          phi_scale: float = 1.0, held_out_only: bool = False, silence_labels: bool = False,
          build_root: str | None = None, log=print) -> dict:
    """Run a frozen probe of ``checkpoint`` (default: the last) and save it as ``evaluation/<label>.npz``.

    ``presentations`` is rounded up to whole chunks of the training.
    ``held_out_only``: present the training's held-out images instead (each
    once, then the first ones again to fill the last chunk).
    ``silence_labels``: present the images without their labels (testing a
    training with label units). Returns the saved arrays.
    """
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    if not label or not label.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ProbeError(f"probe label must be letters, digits, '-', '_' or '.', got {label!r}")
    if presentations <= 0:
        raise ProbeError(f"presentations must be positive, got {presentations}")
    if not phi_scale > 0:
        raise ProbeError(f"phi_scale must be positive, got {phi_scale}")
    info = folder.read_params()
    params = ModelParams.from_dict(info["model"])
    settings = RunSettings(**info["run"])
    saved = folder.checkpoints()
    if checkpoint is not None and checkpoint not in saved:
        raise ProbeError(f"no checkpoint after {checkpoint} presentations in {folder.path!r}; saved: {saved}")
    done, state = folder.load_checkpoint(checkpoint)
    state = dataclasses.replace(state, phi=state.phi * phi_scale)

    dataset = load_dataset(settings.dataset)
    X, _, held_out = training_inputs(dataset, settings)
    chunk = settings.effective_chunk
    if held_out_only:
        if not len(held_out):
            raise ProbeError(f"the training in {folder.path!r} held no images out (holdout 0)")
        total = -(-len(held_out) // chunk) * chunk
        images = held_out[np.arange(total) % len(held_out)]  # every held-out image, the first ones again to fill
    else:
        total = -(-presentations // chunk) * chunk
        images = probe_images(len(X), total, settings.seed)
    if silence_labels:
        if not settings.labels:
            raise ProbeError(f"the training in {folder.path!r} has no label units to silence")
        X = silent_labels(X[:, :-settings.label_units], copies=settings.label_copies)
    x, x_hat, z, first_spikes = frozen_counts(params, settings, state, X[images], build_root=build_root, log=log)
    arrays = {"checkpoint": done, "phi_scale": phi_scale, "image_indices": images, "x": x.astype(np.int16),
              "x_hat": x_hat.astype(np.int16), "z": z.astype(np.int16),
              "reconstruction_corr": reconstruction_corr(x, x_hat),
              "reconstruction_loss": reconstruction_loss(x, x_hat)}
    for name, (i, t) in first_spikes.items():  # the first chunk's spikes, for rasters
        arrays[f"{name}_i"], arrays[f"{name}_t"] = i.astype(np.int32), t
    folder.save_evaluation(label, arrays)
    log(f"probe {label!r}: checkpoint {done}, Φ × {phi_scale:g}, {total} presentations, "
        f"corr(x, x̂) {arrays['reconstruction_corr']:.3f}, hidden spikes/presentation {z.sum(axis=1).mean():.1f}")
    return arrays


def frozen_counts(params: ModelParams, settings: RunSettings, state: NetworkState, stimulus: np.ndarray, *,
                  build_root: str | None = None, log=print):
    """(x, x_hat, z, first chunk's spikes) of ``stimulus`` rows presented to the frozen network
    (η = 0, no homeostasis) in chunks of the training's size; the last chunk is padded with the first rows."""
    chunk, n = settings.effective_chunk, len(stimulus)
    rows = stimulus[np.arange(-(-n // chunk) * chunk) % n]
    simulator = Simulator(_frozen(params), stimulus.shape[1], chunk, settings.device, build_root=build_root,
                          threads=settings.threads, compute_capability=settings.compute_capability, log=log)
    period, split = float(params.presentation.duration), float(params.presentation.readout_split)
    counts, first_spikes = [], None
    for start in range(0, len(rows), chunk):
        result = simulator.run(state, rows[start:start + chunk])
        _check_frozen(state, result.state)
        counts.append(bout_counts(result.spikes, stimulus.shape[1], params.architecture.n_hidden, chunk,
                                  period, split))
        first_spikes = first_spikes or result.spikes
    return (np.concatenate([c.x for c in counts]), np.concatenate([c.x_hat for c in counts]),
            np.concatenate([c.z for c in counts]), first_spikes)


def _check_frozen(before: NetworkState, after: NetworkState):
    # η and the homeostasis rate are run-time parameters: make sure they reached the binary
    if not (np.array_equal(before.W, after.W) and np.array_equal(before.Q, after.Q)
            and np.allclose(before.phi, after.phi)):
        raise ProbeError("weights or Φ changed during a frozen probe: plasticity was not switched off")


def standard_probes(folder: ResultsFolder | str, *, presentations: int = 1000, phi_scale: float = 1.5,
                    n_checkpoints: int = 6, build_root: str | None = None, log=print) -> list[str]:
    """The probes the paper's figures read: ``final`` (``presentations`` images), ``phi-<scale>``
    (the first chunk, Φ scaled), ``checkpoint-<n>`` (the first chunk, at ``n_checkpoints`` points of training)."""
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    chunk = RunSettings(**folder.read_params()["run"]).effective_chunk
    labels = []
    probe(folder, "final", presentations=presentations, build_root=build_root, log=log)
    labels.append("final")
    label = f"phi-{phi_scale:g}"
    probe(folder, label, presentations=chunk, phi_scale=phi_scale, build_root=build_root, log=log)
    labels.append(label)
    for n in training_points(folder.checkpoints(), n_checkpoints):
        probe(folder, f"checkpoint-{n}", presentations=chunk, checkpoint=n, build_root=build_root, log=log)
        labels.append(f"checkpoint-{n}")
    return labels


def training_points(saved: list[int], n: int) -> list[int]:
    """``n`` checkpoints spread on a log scale from the first to the last (0 always included)."""
    if len(saved) <= n:
        return list(saved)
    positive = [s for s in saved if s > 0]
    targets = np.geomspace(positive[0], positive[-1], n - 1)
    chosen = {0 if 0 in saved else saved[0]}
    for target in targets:
        chosen.add(min(positive, key=lambda s: abs(np.log(s / target))))
    return sorted(chosen)
