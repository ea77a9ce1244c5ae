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
import logging
from dataclasses import dataclass

import numpy as np

from ..analysis import reconstruction_corr, reconstruction_loss
from ..datasets import load_dataset
from ..device import Simulator
from ..errors import ProtocolError
from ..params.mstdp import ModelParams
from ..params.run import RunSettings
from ..results import ResultsFolder
from ..schedule import probe_images
from .labels import silent_labels
from .model import Model
from .network import NetworkState
from .trainer import training_inputs

__all__ = ["Trained", "load_training", "probe", "frozen_counts", "standard_probes", "training_points"]

log = logging.getLogger(__name__)


@dataclass
class Trained:
    """An mSTDP training read from its results folder, at one checkpoint."""

    folder: ResultsFolder
    params: ModelParams
    settings: RunSettings
    presentations: int  # done at the checkpoint
    state: NetworkState


def load_training(folder: ResultsFolder | str, checkpoint: int | None = None) -> Trained:
    """The training in ``folder`` at ``checkpoint`` presentations (default: the last checkpoint)."""
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    info = folder.read_params()
    settings = RunSettings.from_info(info, model="mstdp")
    params = ModelParams.from_dict(info["model"])
    saved = folder.load_checkpoint(checkpoint)
    n_visible = info.get("dataset", {}).get("n_visible")
    if not isinstance(n_visible, int):  # older folders: the weights tell
        n_visible = saved["W"].shape[1] if "W" in saved.arrays else 2
    state = Model(params, n_visible).load_state(saved.arrays)
    return Trained(folder, params, settings, saved.presentations, state)


def _frozen(params: ModelParams) -> ModelParams:
    return params.with_overrides(plasticity={"eta": 0.0}, homeostasis={"rate": 0.0})


def probe(folder: ResultsFolder | str, label: str, *, presentations: int = 1000, checkpoint: int | None = None,
          phi_scale: float = 1.0, held_out_only: bool = False, silence_labels: bool = False,
          build_root: str | None = None) -> dict:
    """Run a frozen probe of ``checkpoint`` (default: the last) and save it as ``evaluation/<label>.npz``.

    ``presentations`` is rounded up to whole chunks of the training.
    ``held_out_only``: present the training's held-out images instead (each
    once, then the first ones again to fill the last chunk).
    ``silence_labels``: present the images without their labels (testing a
    training with label units). Returns the saved arrays.
    """
    if not label or not label.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ProtocolError(f"probe label must be letters, digits, '-', '_' or '.', got {label!r}")
    if not isinstance(presentations, int) or presentations <= 0:
        raise ProtocolError(f"presentations must be a positive integer, got {presentations!r}")
    if not phi_scale > 0:
        raise ProtocolError(f"phi_scale must be positive, got {phi_scale}")
    trained = load_training(folder, checkpoint)
    settings = trained.settings
    state = dataclasses.replace(trained.state, phi=trained.state.phi * phi_scale)
    X, _, held_out = training_inputs(load_dataset(settings.dataset), settings)
    chunk = settings.effective_chunk
    if held_out_only:
        if not len(held_out):
            raise ProtocolError(f"the training in {trained.folder.path!r} held no images out (holdout 0)")
        total = -(-len(held_out) // chunk) * chunk
        images = held_out[np.arange(total) % len(held_out)]  # every held-out image, the first ones again to fill
    else:
        total = -(-presentations // chunk) * chunk
        images = probe_images(len(X), total, settings.seed)
    if silence_labels:
        if not settings.labels:
            raise ProtocolError(f"the training in {trained.folder.path!r} has no label units to silence")
        X = silent_labels(X[:, :-settings.label_units], copies=settings.label_copies)
    with trained.folder.writing(f"probe {label}"):
        x, x_hat, z, first_spikes = frozen_counts(trained.params, settings, state, X[images], build_root=build_root)
        arrays = {"checkpoint": trained.presentations, "phi_scale": phi_scale, "image_indices": images,
                  "x": x.astype(np.int16), "x_hat": x_hat.astype(np.int16), "z": z.astype(np.int16),
                  "reconstruction_corr": reconstruction_corr(x, x_hat),
                  "reconstruction_loss": reconstruction_loss(x, x_hat)}
        for name, (i, t) in first_spikes.items():  # the first chunk's spikes, for rasters
            arrays[f"{name}_i"], arrays[f"{name}_t"] = i.astype(np.int32), t
        trained.folder.save_evaluation(label, arrays)
    log.info("probe %r: checkpoint %d, Φ × %g, %d presentations, corr(x, x̂) %.3f, hidden spikes/presentation %.1f",
             label, trained.presentations, phi_scale, total, arrays["reconstruction_corr"], z.sum(axis=1).mean())
    return arrays


def frozen_counts(params: ModelParams, settings: RunSettings, state: NetworkState, stimulus: np.ndarray, *,
                  build_root: str | None = None):
    """(x, x_hat, z, first chunk's spikes) of ``stimulus`` rows presented to the frozen network
    (η = 0, no homeostasis) in chunks of the training's size; the last chunk is padded with the first rows."""
    chunk, n = settings.effective_chunk, len(stimulus)
    rows = stimulus[np.arange(-(-n // chunk) * chunk) % n]
    model = Model(_frozen(params), stimulus.shape[1])
    simulator = Simulator(model, settings.device, chunk, build_root=build_root, threads=settings.threads,
                          compute_capability=settings.compute_capability)
    counts, first_spikes = [], None
    for start in range(0, len(rows), chunk):
        result = simulator.run_chunk(state, rows[start:start + chunk])
        _check_frozen(state, result.state)
        counts.append(model.counts(result.spikes, chunk))
        first_spikes = first_spikes or result.spikes
    return (np.concatenate([c.x for c in counts]), np.concatenate([c.x_hat for c in counts]),
            np.concatenate([c.z for c in counts]), first_spikes)


def _check_frozen(before: NetworkState, after: NetworkState):
    # η and the homeostasis rate are run-time parameters: make sure they reached the binary
    if not (np.array_equal(before.W, after.W) and np.array_equal(before.Q, after.Q)
            and np.allclose(before.phi, after.phi)):
        raise RuntimeError("weights or Φ changed during a frozen probe: plasticity was not switched off")


def standard_probes(folder: ResultsFolder | str, *, presentations: int = 1000, phi_scale: float = 1.5,
                    n_checkpoints: int = 6, build_root: str | None = None) -> list[str]:
    """The probes the paper's figures read: ``final`` (``presentations`` images), ``phi-<scale>``
    (the first chunk, Φ scaled), ``checkpoint-<n>`` (the first chunk, at ``n_checkpoints`` points of training)."""
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    chunk = RunSettings.from_info(folder.read_params(), model="mstdp").effective_chunk
    labels = []
    probe(folder, "final", presentations=presentations, build_root=build_root)
    labels.append("final")
    label = f"phi-{phi_scale:g}"
    probe(folder, label, presentations=chunk, phi_scale=phi_scale, build_root=build_root)
    labels.append(label)
    for n in training_points(folder.checkpoints(), n_checkpoints):
        probe(folder, f"checkpoint-{n}", presentations=chunk, checkpoint=n, build_root=build_root)
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
