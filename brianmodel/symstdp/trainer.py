"""What training the sym-STDP network means: inputs, the retry rule's bookkeeping, what a chunk records.

Training presents ``settings.presentations`` images of the training split
(epochs of seeded permutations) with their class to the label neurons; a
chunk of ``chunk_size`` slots is one binary run, and it gets through fewer
images when some are repeated for too few spikes. W_input, W_label, θ and a
pending retry carry to the next chunk; each chunk's random stream depends on
the seed and the chunk's number only, so a resumed run reproduces the
uninterrupted one.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..datasets import Dataset
from ..errors import DatasetError, TrainingError
from ..params.run import RunSettings
from ..params.symstdp import SymStdpParams
from ..schedule import presentation_order, split
from .model import Model
from .network import N_LABELS, SymState, chunk_seed, input_rates, slot_images

__all__ = ["Trainer", "training_inputs", "present", "METRIC_COLUMNS"]

METRIC_COLUMNS = ("presentations", "chunk", "slots", "retried_slots", "excitatory_spikes_per_image",
                  "teacher_spikes_per_image", "theta_mean_mV", "presentations_per_s", "wall_s")


def training_inputs(dataset: Dataset, params: SymStdpParams, settings: RunSettings):
    """(input rows: pixels then class, training image indices, held-out image indices)."""
    rates = input_rates(dataset.images, params)
    rows = np.hstack([rates, dataset.labels[:, None].astype(float)])
    training, held_out = split(len(rows), settings.holdout, settings.seed, dataset.n_test)
    return rows, training, held_out


def present(simulator, state: SymState, stimulus_rows: np.ndarray, model: Model) -> dict:
    """One chunk: the images it got through (in order), their excitatory and label spike counts in
    their accepted presentation, the new state, the binary's wall time."""
    result = simulator.run_chunk(state, stimulus_rows)
    slots, params = len(stimulus_rows), model.params
    images, accepted, retries, last_retries = slot_images(result.spikes["excitatory"], slots, int(state.retries),
                                                          params)
    if result.state.last_slot.tolist() != [images[-1], last_retries]:  # the replay must be the binary's rule
        raise RuntimeError(f"the presentation control replayed from the spikes (last slot: image {images[-1]}, "
                           f"retry {last_retries}) differs from the binary's ({result.state.last_slot.tolist()})")
    state = dataclasses.replace(result.state, retries=np.array(retries), seed=state.seed,
                                chunk=np.array(int(state.chunk) + 1), last_slot=None)
    counts = {name: counts[accepted] for name, counts in model.counts(result.spikes, slots).items()}
    return {"state": state, "images": int(accepted.sum()), **counts, "wall": result.wall_time}


class Trainer:
    """Training of the sym-STDP network on ``dataset`` (see :class:`brianmodel.training.Trainer`); one copy
    (ensembles of this network are not built)."""

    metric_columns = METRIC_COLUMNS

    def __init__(self, copies, dataset: Dataset, idle: int = 0):
        if len(copies) != 1 or idle:
            raise TrainingError(f"the sym-STDP network trains one copy at a time, not {len(copies) + idle}")
        (params, settings), = copies
        if dataset.labels.min() < 0:
            raise DatasetError(f"dataset {settings.dataset!r} has no labels: sym-STDP learns from labelled images")
        self.stimulus, training, _ = training_inputs(dataset, params, settings)
        self.model = Model(params, self.stimulus.shape[1])
        self.settings, self.dataset, self.training = settings, dataset, training
        self.chunk_size = settings.chunk_size
        self.presentations = settings.presentations  # images; a chunk's slots may repeat some
        # the order runs one chunk past the end: the last chunk's slots are all filled
        self.order = training[presentation_order(len(training), settings.presentations + self.chunk_size,
                                                 settings.seed)]
        self.notes = []

    def dataset_info(self) -> dict:
        return {"name": self.dataset.name, "images": len(self.dataset.images), "image_shape": list(self.dataset.shape),
                "training_images": len(self.training), "label_units": N_LABELS}

    def initial_states(self) -> list[SymState]:
        return [self.model.initial_state(self.settings.seed)]

    def load_state(self, arrays: dict) -> SymState:
        return self.model.load_state(arrays)

    def silent(self, row: dict, before, after) -> bool:
        """No excitatory spike in the whole chunk (each image was already presented again, brighter, until it
        made some, up to max_retries)."""
        return row["excitatory_spikes_per_image"] == 0

    def run_chunk(self, simulator, states: list, done: int):
        """([state after], images presented, [metrics row], [None]: no activity file)."""
        state = dataclasses.replace(states[0], seed=np.array(chunk_seed(self.settings.seed, int(states[0].chunk))))
        shown = present(simulator, state, self.stimulus[self.order[done:done + self.chunk_size]], self.model)
        state = shown["state"]
        row = {"chunk": int(state.chunk) - 1, "slots": self.chunk_size,
               "retried_slots": self.chunk_size - shown["images"],
               "excitatory_spikes_per_image": shown["excitatory"].sum(axis=1).mean(),
               "teacher_spikes_per_image": shown["labels"].sum(axis=1).mean(),
               "theta_mean_mV": 1e3 * state.theta.mean(), "presentations_per_s": shown["images"] / shown["wall"]}
        return [state], shown["images"], [row], [None]

    def describe(self, rows: list[dict]) -> str:
        row = rows[0]
        return (f"retried {row['retried_slots']:.0f}/{self.chunk_size} slots  excitatory spikes/image "
                f"{row['excitatory_spikes_per_image']:.1f}  θ {row['theta_mean_mV']:.2f} mV")
