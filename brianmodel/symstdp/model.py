"""The sym-STDP network of one shape, as a model a simulator runs (:class:`brianmodel.device.Model`)."""
from __future__ import annotations

import os

import numpy as np

from ..errors import DamagedFile, SimulationError
from ..params.symstdp import SymStdpParams
from ..rules import base as rule_base, pair
from . import network
from .network import N_LABELS, SymState, build_network, build_values, compiled_form, slot_steps

__all__ = ["Model"]

_SOURCES = tuple(os.path.abspath(module.__file__) for module in (network, pair, rule_base))  # the code's sources
_STATE = ("W_input", "W_label", "theta", "retries", "seed", "chunk")


class Model:
    """The sym-STDP network for stimuli of ``n_inputs`` = pixels + 1 columns (the last: the image's class,
    −1 for no teacher). ``extra(net)``: the user's own Brian2 objects, as for :class:`brianmodel.mstdp.Model`."""

    name = "symstdp"
    copies = 1  # (ensembles of this network are not built)

    def __init__(self, params: SymStdpParams, n_inputs: int, extra=None):
        if not isinstance(params, SymStdpParams):
            raise SimulationError(f"symstdp.Model needs sym-STDP parameters (SymStdpParams), "
                                  f"got {type(params).__name__}")
        if not isinstance(n_inputs, int) or n_inputs < 2:
            raise SimulationError(f"n_inputs must be pixels + 1 (the class column), got {n_inputs!r}")
        if extra is not None and not callable(extra):
            raise SimulationError(f"extra must be a function of the built network, got {type(extra).__name__}")
        self.params, self.n_inputs, self.extra = params.validate(), n_inputs, extra

    def __repr__(self):
        return f"symstdp.Model({self.n_inputs - 1} pixels, {self.params.architecture.n_excitatory} excitatory)"

    def build(self, n_presentations: int, stimulus=None, before_delays=None) -> network.SymStdpNetwork:
        return build_network(self.params, self.n_inputs, n_presentations, stimulus, before_delays, self.extra)

    def compiled_params(self) -> SymStdpParams:
        return build_values(self.params)

    def compiled_form(self, n_presentations: int) -> dict:
        return compiled_form(self.params)

    def sources(self) -> tuple[str, ...]:
        return _SOURCES

    def with_params(self, params: SymStdpParams) -> "Model":
        return Model(params, self.n_inputs, self.extra)

    def initial_state(self, seed: int) -> SymState:
        return SymState.initial(self.params, self.n_inputs - 1, seed)

    def load_state(self, arrays: dict) -> SymState:
        missing = set(_STATE) - set(arrays)
        if missing:
            raise DamagedFile(f"not a sym-STDP state: {sorted(missing)} missing among {sorted(arrays)}")
        broken = [name for name in _STATE if not np.isfinite(np.asarray(arrays[name], dtype=float)).all()]
        if broken:
            raise DamagedFile(f"a sym-STDP state with values that are not finite in {', '.join(broken)}")
        return SymState(**{name: arrays[name] for name in _STATE})

    def presentations(self, stimulus) -> np.ndarray:
        """Rows (slots, pixels + 1): pixel values in [0, 1], then the image's class (−1: no teacher)."""
        rows = np.asarray(stimulus, dtype=float)
        if rows.ndim != 2 or rows.shape[1] != self.n_inputs or not len(rows):
            raise SimulationError(f"stimulus must have shape (slots >= 1, {self.n_inputs}), got {rows.shape}")
        return rows

    def split_spikes(self, spikes: dict) -> list[dict]:
        return [spikes]

    def memory_estimate(self, n_presentations: int) -> int:
        """Bytes the binary needs, about: its synapses and the stimulus table."""
        n_exc = self.params.architecture.n_excitatory
        synapses = (self.n_inputs - 1) * n_exc + n_exc * N_LABELS + n_exc * n_exc + 2 * n_exc
        return 80 * synapses + 8 * n_presentations * self.n_inputs

    def counts(self, spikes: dict, n_presentations: int) -> dict:
        """{'excitatory', 'labels'}: (slots, neurons) spike counts in each slot's image period."""
        n = {"excitatory": self.params.architecture.n_excitatory, "labels": N_LABELS}
        return {name: slot_counts(spikes[name], n_presentations, n[name], self.params) for name in n}


def slot_counts(spikes, n_slots: int, n_neurons: int, params: SymStdpParams) -> np.ndarray:
    """(slots, neurons) spike counts in each slot's image period."""
    i, t = spikes
    slot, keep = slot_steps(t, params)
    counts = np.zeros((n_slots, n_neurons), dtype=int)
    np.add.at(counts, (slot[keep], i[keep]), 1)
    return counts
