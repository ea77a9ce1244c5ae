"""The mSTDP network of one shape, as a model a simulator runs (:class:`brianmodel.device.Model`)."""
from __future__ import annotations

import os

from .. import cells
from ..analysis import BoutCounts, bout_counts
from ..errors import DamagedFile, SimulationError
from ..params.mstdp import ModelParams
from . import equations, network, placement
from .network import NetworkState, build_network, build_values, compiled_form

__all__ = ["Model", "SOURCES"]

# the files the network's code comes from (a standalone build's key)
SOURCES = tuple(os.path.abspath(module.__file__) for module in (equations, network, placement, cells))


class Model:
    """The mirrored-STDP network for stimuli of ``n_inputs`` visible intensities (ON then OFF, and label units).

    ``extra(net)``, if given, returns Brian2 objects (monitors, ...) to add to
    every build of the network; ``net`` is the built
    :class:`~brianmodel.mstdp.network.MStdpNetwork` (``net.visible``,
    ``net.hidden``, ``net.feedforward``, ``net.feedback``). Name them: a
    :class:`~brianmodel.device.Run` returns their records by name.
    """

    name = "mstdp"

    def __init__(self, params: ModelParams, n_inputs: int, extra=None):
        if not isinstance(params, ModelParams):
            raise SimulationError(f"mstdp.Model needs mstdp parameters (ModelParams), got {type(params).__name__}")
        if not isinstance(n_inputs, int) or n_inputs <= 0 or n_inputs % 2:
            raise SimulationError(f"n_inputs must be a positive even number (ON + OFF visible neurons), "
                                  f"got {n_inputs!r}")
        if extra is not None and not callable(extra):
            raise SimulationError(f"extra must be a function of the built network, got {type(extra).__name__}")
        self.params, self.n_inputs, self.extra = params.validate(), n_inputs, extra

    def __repr__(self):
        return f"mstdp.Model({self.n_inputs} visible, {self.params.architecture.n_hidden} hidden)"

    def build(self, n_presentations: int, stimulus=None, before_delays=None) -> network.MStdpNetwork:
        return build_network(self.params, self.n_inputs, n_presentations, stimulus, before_delays, self.extra)

    def compiled_params(self) -> ModelParams:
        return build_values(self.params)

    def compiled_form(self) -> dict:
        return compiled_form(self.params)

    def sources(self) -> tuple[str, ...]:
        return SOURCES

    def with_params(self, params: ModelParams) -> "Model":
        return Model(params, self.n_inputs, self.extra)

    def initial_state(self, seed: int) -> NetworkState:
        return NetworkState.initial(self.params, self.n_inputs, seed)

    def load_state(self, arrays: dict) -> NetworkState:
        missing = {"W", "Q", "phi", "count"} - set(arrays)
        if missing:
            raise DamagedFile(f"not an mstdp state: {sorted(missing)} missing among {sorted(arrays)}")
        state = NetworkState(W=arrays["W"], Q=arrays["Q"], phi=arrays["phi"], count=arrays["count"])
        n_hidden = self.params.architecture.n_hidden
        if state.W.shape != (n_hidden, self.n_inputs) or state.Q.shape != (self.n_inputs, n_hidden):
            raise DamagedFile(f"an mstdp state of W {state.W.shape}, Q {state.Q.shape} does not fit this network "
                              f"({n_hidden} hidden, {self.n_inputs} visible)")
        return state

    def counts(self, spikes: dict, n_presentations: int) -> BoutCounts:
        """Bout counts: x (initial visible bout), x_hat (final bout, the reconstruction), z (hidden)."""
        pres = self.params.presentation
        return bout_counts(spikes, self.n_inputs, self.params.architecture.n_hidden, n_presentations,
                           float(pres.duration), float(pres.readout_split))
