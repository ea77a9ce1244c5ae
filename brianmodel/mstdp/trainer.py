"""What training the mSTDP network means: its stimulus, its schedule, and what one chunk records.

The one training loop (:func:`brianmodel.training.train`) runs this: every
chunk presents ``chunk_size`` images (one binary run), then W, Q, Φ and the
homeostasis counts carry to the next chunk. Each presentation starts from
rest and the images' order depends on the seed only, so a resumed training
reproduces the uninterrupted one exactly.

Several trainings of one network shape (other seeds, other run-time
parameters) run as the copies of one ensemble (:class:`~.model.Ensemble`),
in lockstep; each copy's results are exactly those of its training alone.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..analysis import chunk_metrics
from ..datasets import Dataset
from ..errors import TrainingError
from ..params.mstdp import ModelParams
from ..params.run import RunSettings
from ..schedule import presentation_order, split
from .labels import with_labels
from .model import Ensemble, Model
from .network import EnsembleState, NetworkState, Presentations

__all__ = ["Trainer", "describe_chunk", "training_inputs", "image_table", "METRIC_COLUMNS", "SHARED_SETTINGS"]

METRIC_COLUMNS = ("presentations", "reconstruction_loss", "reconstruction_corr", "sparsity_loss",
                  "qw_correlation", "hidden_rate", "initial_bout_spikes", "final_bout_spikes",
                  "dt1_ms", "dt2_ms", "gradient_alignment", "presentations_per_s", "wall_s")
# settings the copies of one ensemble share (they run in lockstep, on one binary, from one dataset)
SHARED_SETTINGS = ("dataset", "presentations", "chunk_size", "device", "threads", "compute_capability", "labels",
                   "label_intensity", "label_copies", "holdout", "model")


def training_inputs(dataset: Dataset, settings: RunSettings):
    """(visible intensities of every image, the images training may present, the held-out ones).

    With ``settings.labels`` the label units follow the image's neurons: lit by
    the image's class here (what training presents).
    """
    X = dataset.visible_intensities()
    if settings.labels:
        X = with_labels(X, dataset.labels, intensity=settings.label_intensity, copies=settings.label_copies)
    training_images, held_out = split(len(X), settings.holdout, settings.seed, dataset.n_test)
    return X, training_images, held_out


def image_table(X: np.ndarray) -> np.ndarray:
    """The stimuli a model draws from: every image, then a blank one (what idle copies are shown)."""
    return np.vstack([X, np.zeros((1, X.shape[1]))])


class Trainer:
    """Training of one or more copies of the mSTDP network on ``dataset`` (see
    :class:`brianmodel.training.Trainer`); ``idle`` more copies fill an ensemble to a size whose binary
    exists (they are shown a blank stimulus, and nothing of them is saved)."""

    metric_columns = METRIC_COLUMNS

    def __init__(self, copies: Sequence[tuple[ModelParams, RunSettings]], dataset: Dataset, idle: int = 0):
        settings = [s for _, s in copies]
        first = settings[0]
        for other in settings[1:]:
            differ = [name for name in SHARED_SETTINGS if getattr(other, name) != getattr(first, name)]
            if differ:
                raise TrainingError(f"the copies of an ensemble share {', '.join(differ)}; they differ")
        X, _, _ = training_inputs(dataset, first)
        self.table = image_table(X)
        self.settings, self.dataset, self.active = settings, dataset, len(copies)
        self.phi_max = float(copies[0][0].homeostasis.phi_max)  # (compiled in: the same for every copy)
        self.chunk_size = first.effective_chunk
        self.presentations = first.total_presentations  # whole chunks: the binary's length is fixed
        self.orders = []
        for s in settings:  # each copy its own held-out split and image order (seeded)
            training = split(len(X), s.holdout, s.seed, dataset.n_test)[0]
            self.orders.append(training[presentation_order(len(training), self.presentations, s.seed)])
        blank = np.full(self.presentations, len(X))
        params = [p for p, _ in copies] + [copies[0][0]] * idle
        self.orders = np.array(self.orders + [blank] * idle)
        if len(params) == 1:
            self.model = Model(params[0], X.shape[1], n_images=len(self.table))
        else:
            self.model = Ensemble(params, X.shape[1], n_images=len(self.table))
        self._idle, self._n_idle = [], idle  # the idle copies' state: made at the first chunk, after the memory check
        self.notes = ([f"presentations rounded up from {first.presentations} to {self.presentations} "
                       f"(whole chunks of {self.chunk_size})"] if self.presentations != first.presentations else [])
        if idle:
            self.notes.append(f"{len(copies)} copies and {idle} idle one(s): an ensemble of {self.model.copies}")

    def dataset_info(self) -> dict:
        return {"name": self.dataset.name, "images": len(self.dataset.images), "image_shape": list(self.dataset.shape),
                "n_visible": self.model.n_inputs, "label_units": self.settings[0].label_units}

    def initial_states(self) -> list[NetworkState]:
        return [NetworkState.initial(p, self.model.n_inputs, s.seed)
                for p, s in zip(self.model.copy_params, self.settings)]

    def load_state(self, arrays: dict) -> NetworkState:
        return Model(self.model.copy_params[0], self.model.n_inputs).load_state(arrays)

    def run_chunk(self, simulator, states: list, done: int):
        """(states after, presentations made, each copy's metrics row and activity for last_chunk.npz)."""
        if self._n_idle and not self._idle:
            self._idle = [NetworkState.initial(self.model.copy_params[0], self.model.n_inputs,
                                               self.settings[0].seed)] * self._n_idle
        state = states[0] if self.model.copies == 1 else EnsembleState([*states, *self._idle])
        result = simulator.run_chunk(state, Presentations(self.table, self.orders[:, done:done + self.chunk_size]))
        after = [result.state] if self.model.copies == 1 else list(result.state)
        spikes = self.model.split_spikes(result.spikes)
        all_counts = self.model.counts(result.spikes, self.chunk_size)
        all_counts = [all_counts] if self.model.copies == 1 else all_counts
        rows, activities = [], []
        for k in range(self.active):
            counts, params = all_counts[k], self.model.copy_params[k]
            metrics = chunk_metrics(counts, spikes[k], after[k].W, after[k].Q,
                                    float(params.presentation.duration), float(params.presentation.readout_split),
                                    params.homeostasis.rho, W_before=states[k].W)
            rows.append({**metrics, "presentations_per_s": self.chunk_size / result.wall_time})
            activity = {"first_presentation": done, "image_indices": self.orders[k, done:done + self.chunk_size],
                        "x": counts.x.astype(np.int16), "x_hat": counts.x_hat.astype(np.int16),
                        "z": counts.z.astype(np.int16)}
            for name, (i, t) in spikes[k].items():
                activity[f"{name}_i"], activity[f"{name}_t"] = i.astype(np.int32), t
            activities.append(activity)
        return after[:self.active], self.chunk_size, rows, activities

    def silent(self, row: dict, before, after) -> bool:
        """No hidden spike in the whole chunk, and nothing left to wake the hidden layer: no input reached the
        network (no visible spike), or homeostasis cannot raise the drive (every φ at φ_max, or no φ grew: ρ or
        its rate 0). A layer that starts silent while φ grows trains on: very sparse codes (ρ = 0.001) wake up
        after thousands of presentations."""
        if row["hidden_rate"] > 0:
            return False
        phi = np.asarray(after.phi, dtype=float)
        return bool(row["initial_bout_spikes"] == 0 or np.all(phi >= self.phi_max * (1 - 1e-9))
                    or not np.any(phi > np.asarray(before.phi, dtype=float)))

    def describe(self, rows: list[dict]) -> str:
        return describe_chunk(rows)


def describe_chunk(rows: list[dict]) -> str:
    """The progress line of a chunk: its copies' mean metrics (NaN, without a warning, where no copy has one:
    a silent chunk has no bout gaps)."""
    def mean(key):
        values = np.array([row[key] for row in rows], dtype=float)
        values = values[~np.isnan(values)]
        return float(values.mean()) if len(values) else float("nan")

    prefix = f"mean of {len(rows)} copies: " if len(rows) > 1 else ""
    return (f"{prefix}loss {mean('reconstruction_loss'):.3f}  corr(x,x̂) {mean('reconstruction_corr'):.3f}  "
            f"corr(Q,Wᵀ) {mean('qw_correlation'):.3f}  hidden rate {mean('hidden_rate'):.3f}  "
            f"Δt1 {mean('dt1_ms'):.1f} ms  Δt2 {mean('dt2_ms'):.1f} ms")
