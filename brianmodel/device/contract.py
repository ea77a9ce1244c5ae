"""What a model must provide for a simulator to run it, declared and checked.

A *model* holds a network shape and its parameters (``brianmodel.mstdp.Model``,
``brianmodel.symstdp.Model``). A simulator asks it to build the Brian2
network for a chunk of presentations, gives the built network the run-time
parameters and the state, runs it on its device, and reads the state and the
spikes back. The simulators never ask which model they run.

Standalone devices compile the network once: the model builds it from
:meth:`Model.compiled_params` (every run-time parameter at a fixed value, so
that the generated code does not depend on them), and the real values reach
the binary through run_args (:meth:`Network.run_time_values`). Everything the
binary depends on is in :meth:`Model.compiled_form` and the source files
:meth:`Model.sources`: they name its build folder.
"""
from __future__ import annotations

from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np

__all__ = ["Model", "Network", "State", "check_model", "add_extra"]


@runtime_checkable
class State(Protocol):
    """What carries from one chunk to the next (weights, homeostatic factors, ...)."""

    def arrays(self) -> dict[str, np.ndarray]:
        """The state as named arrays (a checkpoint's content)."""


@runtime_checkable
class Network(Protocol):
    """A model's Brian2 network, built for one chunk of presentations."""

    network: Any  # brian2.Network
    namespace: dict  # the constants its equations refer to
    stimulus: Any  # brian2.TimedArray: one row per presentation, set per chunk
    extra_objects: list  # the user's own Brian2 objects (Model.extra), part of the network

    @property
    def duration(self) -> Any:
        """Simulated time of the chunk (a Brian2 quantity)."""

    @property
    def period(self) -> Any:
        """Simulated time of one presentation."""

    @property
    def seed_variable(self) -> Any | None:
        """The shared variable a standalone binary seeds its random generators from (None: no randomness)."""

    def run_time_values(self, params) -> dict:
        """{VariableView: value} of the run-time parameters of ``params`` (set by run_args standalone)."""

    def state_values(self, state: State) -> dict:
        """{VariableView: value} that put ``state`` into the network."""

    def read_state(self) -> State:
        """The state after the chunk."""

    def read_spikes(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """{name: (indices, times in s from the chunk start)} of the model's spike monitors."""


@runtime_checkable
class Model(Protocol):
    """A network shape with its parameters: what a simulator needs to build, run and key it."""

    name: str  # the model's name, e.g. 'mstdp': it names build folders
    params: Any  # its parameter set (brianmodel.params)
    n_inputs: int  # columns of the stimulus table
    extra: Callable | None  # extra(network) -> Brian2 object(s) added to every build, e.g. a StateMonitor

    def build(self, n_presentations: int, stimulus: np.ndarray | None = None, before_delays=None) -> Network:
        """The network for chunks of ``n_presentations`` presentations (``stimulus``: zeros if None).
        ``before_delays()`` is called once every variable has its default, before the synaptic delays are
        derived from variables (a standalone device applies its run_args there)."""

    def compiled_params(self) -> Any:
        """``params`` with every run-time parameter at a fixed value: what a standalone binary is built from."""

    def compiled_form(self) -> dict:
        """What of ``params`` is compiled into a binary (JSON-able; the build key)."""

    def sources(self) -> tuple[str, ...]:
        """Source files the network's code comes from (the build key)."""

    def with_params(self, params) -> "Model":
        """The same model with other parameters (e.g. frozen: η = 0)."""

    def initial_state(self, seed: int) -> State:
        """The seeded state a training starts from."""

    def load_state(self, arrays: dict) -> State:
        """The state saved as :meth:`State.arrays`."""

    def counts(self, spikes: dict, n_presentations: int) -> Any:
        """What each presentation's spikes say (e.g. bout counts), from :meth:`Network.read_spikes`."""


def check_model(model) -> None:
    """Raise TypeError unless ``model`` meets :class:`Model` (a programming error, not a user's)."""
    if not isinstance(model, Model):
        missing = [name for name in ("name", "params", "n_inputs", "extra", "build", "compiled_params",
                                     "compiled_form", "sources", "with_params", "initial_state", "load_state",
                                     "counts") if not hasattr(model, name)]
        raise TypeError(f"{type(model).__name__} is not a brianmodel model: it lacks {', '.join(missing)} "
                        f"(see brianmodel.device.contract.Model)")


def add_extra(extra: Callable | None, built) -> list:
    """Call the user's ``extra(built)`` and add what it returns (one object or several) to ``built.network``."""
    if extra is None:
        return []
    made = extra(built)
    objects = [] if made is None else list(made) if isinstance(made, (list, tuple)) else [made]
    for obj in objects:
        built.network.add(obj)
    return objects
