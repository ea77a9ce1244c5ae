"""The mSTDP network as models a simulator runs (:class:`brianmodel.device.Model`): one network, or an ensemble.

:class:`Ensemble` is K independent copies of one network shape in one
compiled binary, each with its own run-time parameters, state and stimulus
order; :class:`Model` is the ensemble of one copy, with a single state.
"""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from .. import cells, rules
from ..analysis import BoutCounts, bout_counts
from ..errors import DamagedFile, ParameterError, SimulationError
from ..params.mstdp import ModelParams
from . import equations, layers, mirrored, network, placement
from .network import (EnsembleState, NetworkState, Presentations, build_network, build_values, compiled_form,
                      synapse_state_names)

__all__ = ["Model", "Ensemble", "SOURCES", "differences"]

# the files the network's code comes from (a standalone build's key)
SOURCES = tuple(os.path.abspath(module.__file__) for module in (equations, layers, mirrored, network, placement,
                                                                cells)) \
    + tuple(sorted(os.path.join(os.path.dirname(rules.__file__), name)
                   for name in os.listdir(os.path.dirname(rules.__file__)) if name.endswith(".py")))

# bytes per synapse and per neuron of a running binary (measured: benchmarks/ensembles.py, 200 hidden units)
SYNAPSE_BYTES, NEURON_BYTES = 80, 600


def differences(a: dict, b: dict, where: str = "") -> list[str]:
    """The dotted names at which two nested dicts (e.g. compiled forms) differ."""
    names = []
    for key in sorted(set(a) | set(b)):
        if isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
            names += differences(a[key], b[key], f"{where}{key}.")
        elif a.get(key) != b.get(key):
            names.append(f"{where}{key}")
    return names


def _check_rules(params: ModelParams):
    for pathway in rules.PATHWAYS:
        if isinstance(params.rule(pathway), rules.Modulated):
            raise ParameterError(f"rules.{pathway} = {getattr(params.rules, pathway)!r} is a three-factor rule: "
                                 f"it needs a modulator signal, which only the modulation protocol drives "
                                 f"(brianmodel.protocols.modulation)")


class Ensemble:
    """K copies of the mirrored-STDP network for stimuli of ``n_inputs`` visible intensities (ON then OFF, and
    label units), one :class:`~brianmodel.params.mstdp.ModelParams` per copy.

    The copies must agree in what is compiled (sizes, neuron constants, whether
    synapses have a location); they may differ in every run-time parameter
    (:data:`.network.RUN_TIME_FIELDS`: learning rates, ρ, gains, trace time
    constants, locations, delays). ``n_images``: the most distinct stimuli a
    chunk shows (the image table's rows; default: every presentation of every
    copy). ``extra(net)``: Brian2 objects of one's own added to every build
    (``net.visible``, ``net.hidden``, ... hold all copies).
    """

    name = "mstdp"

    def __init__(self, copies: Sequence[ModelParams], n_inputs: int, extra=None, n_images: int | None = None):
        copies = tuple(copies)
        if not copies:
            raise SimulationError("an ensemble needs at least one copy")
        for params in copies:
            if not isinstance(params, ModelParams):
                raise SimulationError(f"mstdp copies need mstdp parameters (ModelParams), got {type(params).__name__}")
            params.validate()
            _check_rules(params)
        reference = compiled_form(copies[0])
        for k, params in enumerate(copies[1:], 1):
            differ = differences(reference, compiled_form(params))
            if differ:
                raise SimulationError(f"copy {k} differs from copy 0 in what is compiled into the binary: "
                                      f"{', '.join(differ)} (copies may differ in run-time parameters only)")
        if not isinstance(n_inputs, (int, np.integer)) or n_inputs <= 0 or n_inputs % 2:
            raise SimulationError(f"n_inputs must be a positive even number (ON + OFF visible neurons), "
                                  f"got {n_inputs!r}")
        if extra is not None and not callable(extra):
            raise SimulationError(f"extra must be a function of the built network, got {type(extra).__name__}")
        if n_images is not None and (not isinstance(n_images, (int, np.integer)) or n_images < 1):
            raise SimulationError(f"n_images must be a positive integer, got {n_images!r}")
        self.copy_params, self.n_inputs, self.extra = copies, int(n_inputs), extra
        self.n_images = None if n_images is None else int(n_images)

    @property
    def params(self):
        return self.copy_params

    @property
    def copies(self) -> int:
        return len(self.copy_params)

    @property
    def n_hidden(self) -> int:
        return self.copy_params[0].architecture.n_hidden

    def __repr__(self):
        return f"mstdp.Ensemble({self.copies} copies of {self.n_inputs} visible, {self.n_hidden} hidden)"

    # -- building ----------------------------------------------------------------
    def image_rows(self, n_presentations: int) -> int:
        """Rows of the image table of a chunk: every presentation distinct, or at most n_images."""
        rows = self.copies * n_presentations
        return rows if self.n_images is None else min(rows, self.n_images)

    def build(self, n_presentations: int, stimulus=None, before_delays=None) -> network.MStdpNetwork:
        presentations = None if stimulus is None else self.presentations(stimulus)
        return build_network(self.copy_params, self.n_inputs, n_presentations, presentations, before_delays,
                             self.extra, self.image_rows(n_presentations), single=self._single)

    _single = False

    def compiled_params(self):
        return tuple(build_values(p) for p in self.copy_params)

    def compiled_form(self, n_presentations: int) -> dict:
        return {**compiled_form(self.copy_params[0]), "copies": self.copies,
                "image_rows": self.image_rows(n_presentations)}

    def sources(self) -> tuple[str, ...]:
        return SOURCES

    def with_params(self, params) -> "Ensemble":
        return Ensemble(params, self.n_inputs, self.extra, self.n_images)

    def memory_estimate(self, n_presentations: int) -> int:
        """Bytes the binary needs, about: synapses, neurons and the image table (before building)."""
        p = self.copy_params[0]
        arch = p.architecture
        n_vis, n_hid = self.n_inputs, arch.n_hidden
        synapses = 2 * n_vis * n_hid + n_vis * arch.n_visible_pool + n_hid * arch.n_hidden_pool \
            + arch.n_visible_pool + arch.n_hidden_pool + (n_hid * (n_hid - 1) if p.rule("lateral") else 0)
        compartments = p.cable.n_compartments + 1 if p.locations.feedback is not None else 2
        neurons = n_vis * compartments + n_hid + arch.n_visible_pool + arch.n_hidden_pool
        table = 8 * n_vis * self.image_rows(n_presentations)
        return self.copies * (SYNAPSE_BYTES * synapses + NEURON_BYTES * neurons) + table

    # -- state and stimulus --------------------------------------------------------
    def initial_state(self, seed) -> EnsembleState:
        """The seeded states: ``seed`` one seed per copy (a sequence), or one for all."""
        seeds = [seed] * self.copies if isinstance(seed, (int, np.integer)) else list(seed)
        if len(seeds) != self.copies:
            raise SimulationError(f"{len(seeds)} seeds for {self.copies} copies")
        return EnsembleState(NetworkState.initial(p, self.n_inputs, s) for p, s in zip(self.copy_params, seeds))

    def load_state(self, arrays: dict) -> EnsembleState:
        """The states saved as :meth:`EnsembleState.arrays` (copy axis first)."""
        missing = {"W", "Q", "phi", "count"} - set(arrays)
        if missing or len(arrays["W"]) != self.copies:
            raise DamagedFile(f"not the state of {self.copies} mstdp copies: {sorted(arrays)}")
        names = [n for n in synapse_state_names(self.copy_params[0]) if n in arrays]  # (older checkpoints: none)
        return EnsembleState(self._check_state(NetworkState(W=arrays["W"][k], Q=arrays["Q"][k], phi=arrays["phi"][k],
                                                            count=arrays["count"][k],
                                                            synapses={n: arrays[n][k] for n in names}))
                             for k in range(self.copies))

    def _check_state(self, state: NetworkState) -> NetworkState:
        n_hidden = self.n_hidden
        if state.W.shape != (n_hidden, self.n_inputs) or state.Q.shape != (self.n_inputs, n_hidden):
            raise DamagedFile(f"an mstdp state of W {state.W.shape}, Q {state.Q.shape} does not fit this network "
                              f"({n_hidden} hidden, {self.n_inputs} visible)")
        arrays = {"W": state.W, "Q": state.Q, "phi": state.phi, **state.synapses}
        broken = [name for name, values in arrays.items() if not np.isfinite(np.asarray(values, dtype=float)).all()]
        if broken:
            raise DamagedFile(f"an mstdp state with values that are not finite in {', '.join(broken)}")
        return state

    def presentations(self, stimulus) -> Presentations:
        """What the copies are shown, from :class:`~.network.Presentations` (images and each copy's order),
        rows (presentations, n_inputs) that every copy is shown, or rows (copies, presentations, n_inputs)."""
        if isinstance(stimulus, Presentations):
            result = stimulus
        else:
            rows = np.asarray(stimulus, dtype=float)
            if rows.ndim == 2:
                result = Presentations(rows, np.tile(np.arange(len(rows)), (self.copies, 1)))
            elif rows.ndim == 3 and rows.shape[0] == self.copies:
                result = Presentations(rows.reshape(-1, rows.shape[2]),
                                       np.arange(rows.shape[0] * rows.shape[1]).reshape(rows.shape[:2]))
            else:
                raise SimulationError(f"stimulus must have shape (presentations, {self.n_inputs}) or ({self.copies}, "
                                      f"presentations, {self.n_inputs}), got {rows.shape}")
        if result.images.shape[1] != self.n_inputs or result.order.shape[0] != self.copies:
            raise SimulationError(f"stimulus for {self.copies} copies of {self.n_inputs} visible intensities "
                                  f"expected, got images {result.images.shape}, order {result.order.shape}")
        if not len(result):
            raise SimulationError("the stimulus has no presentation")
        return result

    # -- reading -------------------------------------------------------------------
    def split_spikes(self, spikes: dict) -> list[dict]:
        """The spikes of each copy, with the copy's own neuron indices."""
        sizes = {"visible": self.n_inputs, "hidden": self.n_hidden,
                 "visible_pool": self.copy_params[0].architecture.n_visible_pool,
                 "hidden_pool": self.copy_params[0].architecture.n_hidden_pool}
        copies = [{} for _ in range(self.copies)]
        for name, (i, t) in spikes.items():
            i, t = np.asarray(i), np.asarray(t)
            copy = i // sizes[name]
            order = np.argsort(copy, kind="stable")  # one pass for all copies; time order kept within each
            bounds = np.searchsorted(copy[order], np.arange(self.copies + 1))
            for k in range(self.copies):
                mine = order[bounds[k]:bounds[k + 1]]
                copies[k][name] = (i[mine] - k * sizes[name], t[mine])
        return copies

    def counts(self, spikes: dict, n_presentations: int) -> list[BoutCounts]:
        """Each copy's bout counts: x (initial visible bout), x_hat (final bout, the reconstruction), z (hidden)."""
        pres = self.copy_params[0].presentation
        return [bout_counts(mine, self.n_inputs, self.n_hidden, n_presentations, float(pres.duration),
                            float(pres.readout_split)) for mine in self.split_spikes(spikes)]


class Model(Ensemble):
    """The mirrored-STDP network for stimuli of ``n_inputs`` visible intensities (ON then OFF, and label units).

    ``extra(net)``, if given, returns Brian2 objects (monitors, ...) to add to
    every build of the network; ``net`` is the built
    :class:`~brianmodel.mstdp.network.MStdpNetwork` (``net.visible``,
    ``net.hidden``, ``net.feedforward``, ``net.feedback``). Name them: a
    :class:`~brianmodel.device.Run` returns their records by name.
    """

    _single = True

    def __init__(self, params: ModelParams, n_inputs: int, extra=None, n_images: int | None = None):
        if not isinstance(params, ModelParams):
            raise SimulationError(f"mstdp.Model needs mstdp parameters (ModelParams), got {type(params).__name__}")
        super().__init__((params,), n_inputs, extra, n_images)

    @property
    def params(self) -> ModelParams:
        return self.copy_params[0]

    def __repr__(self):
        return f"mstdp.Model({self.n_inputs} visible, {self.n_hidden} hidden)"

    def compiled_params(self) -> ModelParams:
        return build_values(self.params)

    def with_params(self, params: ModelParams) -> "Model":
        return Model(params, self.n_inputs, self.extra, self.n_images)

    def initial_state(self, seed: int) -> NetworkState:
        return NetworkState.initial(self.params, self.n_inputs, seed)

    def load_state(self, arrays: dict) -> NetworkState:
        missing = {"W", "Q", "phi", "count"} - set(arrays)
        if missing:
            raise DamagedFile(f"not an mstdp state: {sorted(missing)} missing among {sorted(arrays)}")
        names = [n for n in synapse_state_names(self.params) if n in arrays]  # (older checkpoints: none)
        return self._check_state(NetworkState(W=arrays["W"], Q=arrays["Q"], phi=arrays["phi"], count=arrays["count"],
                                              synapses={n: arrays[n] for n in names}))

    def counts(self, spikes: dict, n_presentations: int) -> BoutCounts:
        return super().counts(spikes, n_presentations)[0]
