"""What training the mSTDP network means: its stimulus, its schedule, and what one chunk records.

The one training loop (:func:`brianmodel.training.train`) runs this: every
chunk presents ``chunk_size`` images (one binary run), then W, Q, Φ and the
homeostasis counts carry to the next chunk. Each presentation starts from
rest and the images' order depends on the seed only, so a resumed training
reproduces the uninterrupted one exactly.
"""
from __future__ import annotations

import numpy as np

from ..analysis import chunk_metrics
from ..datasets import Dataset
from ..params.mstdp import ModelParams
from ..params.run import RunSettings
from ..schedule import presentation_order, split
from .labels import with_labels
from .model import Model
from .network import NetworkState

__all__ = ["Trainer", "training_inputs", "METRIC_COLUMNS"]

METRIC_COLUMNS = ("presentations", "reconstruction_loss", "reconstruction_corr", "sparsity_loss",
                  "qw_correlation", "hidden_rate", "initial_bout_spikes", "final_bout_spikes",
                  "dt1_ms", "dt2_ms", "gradient_alignment", "presentations_per_s", "wall_s")


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


class Trainer:
    """Training of the mSTDP network on ``dataset`` (see :class:`brianmodel.training.Trainer`)."""

    metric_columns = METRIC_COLUMNS

    def __init__(self, params: ModelParams, dataset: Dataset, settings: RunSettings):
        self.stimulus, training, _ = training_inputs(dataset, settings)
        self.model = Model(params, self.stimulus.shape[1])
        self.settings, self.dataset = settings, dataset
        self.chunk_size = settings.effective_chunk
        self.presentations = settings.total_presentations  # whole chunks: the binary's length is fixed
        self.order = training[presentation_order(len(training), self.presentations, settings.seed)]
        self.notes = ([f"presentations rounded up from {settings.presentations} to {self.presentations} "
                       f"(whole chunks of {self.chunk_size})"] if self.presentations != settings.presentations else [])

    def dataset_info(self) -> dict:
        return {"name": self.dataset.name, "images": len(self.dataset.images), "image_shape": list(self.dataset.shape),
                "n_visible": self.model.n_inputs, "label_units": self.settings.label_units}

    def initial_state(self) -> NetworkState:
        return self.model.initial_state(self.settings.seed)

    def run_chunk(self, simulator, state: NetworkState, done: int):
        """(state after, presentations made, metrics row, the chunk's activity for last_chunk.npz)."""
        images = self.order[done:done + self.chunk_size]
        result = simulator.run_chunk(state, self.stimulus[images])
        counts = self.model.counts(result.spikes, self.chunk_size)
        params = self.model.params
        metrics = chunk_metrics(counts, result.spikes, result.state.W, result.state.Q,
                                float(params.presentation.duration), float(params.presentation.readout_split),
                                params.homeostasis.rho, W_before=state.W)
        row = {**metrics, "presentations_per_s": self.chunk_size / result.wall_time}
        activity = {"first_presentation": done, "image_indices": np.asarray(images),
                    "x": counts.x.astype(np.int16), "x_hat": counts.x_hat.astype(np.int16),
                    "z": counts.z.astype(np.int16)}
        for name, (i, t) in result.spikes.items():
            activity[f"{name}_i"], activity[f"{name}_t"] = i.astype(np.int32), t
        return result.state, self.chunk_size, row, activity

    @staticmethod
    def describe(row: dict) -> str:
        return (f"loss {row['reconstruction_loss']:.3f}  corr(x,x̂) {row['reconstruction_corr']:.3f}  "
                f"corr(Q,Wᵀ) {row['qw_correlation']:.3f}  hidden rate {row['hidden_rate']:.3f}  "
                f"Δt1 {row['dt1_ms']:.1f} ms  Δt2 {row['dt2_ms']:.1f} ms")
