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

A model may hold several independent copies of its network (an ensemble,
``copies`` > 1): one binary runs them all, each with its own run-time values,
state and stimulus; :meth:`Model.split_spikes` tells them apart.
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

    def stimulus_values(self, stimulus) -> dict:
        """{TimedArray: values} that present ``stimulus`` (as :meth:`Model.presentations` returns it)."""

    def run_time_values(self, params) -> dict:
        """{VariableView: value} of the run-time parameters of ``params`` (set by run_args standalone)."""

    def state_values(self, state: State) -> dict:
        """{VariableView: value} that put ``state`` into the network."""

    def read_state(self) -> State:
        """The state after the chunk."""

    def read_spikes(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """{name: (indices, times in s from the chunk start)} of the model's spike monitors."""

    # Optional: ``results() -> list`` of the Brian2 variables of its synapses that read_state reads (e.g.
    # ``synapses.variables['w']``). A standalone binary then writes no other per-synapse array after a run
    # (Brian2 writes every array); without it, it writes them all.


@runtime_checkable
class Model(Protocol):
    """A network shape with its parameters: what a simulator needs to build, run and key it."""

    name: str  # the model's name, e.g. 'mstdp': it names build folders
    params: Any  # its parameter set (brianmodel.params), or one per copy
    n_inputs: int  # columns of the stimulus table
    copies: int  # independent copies of the network (1: a single network)
    extra: Callable | None  # extra(network) -> Brian2 object(s) added to every build, e.g. a StateMonitor

    def build(self, n_presentations: int, stimulus: np.ndarray | None = None, before_delays=None) -> Network:
        """The network for chunks of ``n_presentations`` presentations (``stimulus``: zeros if None).
        ``before_delays()`` is called once every variable has its default, before the synaptic delays are
        derived from variables (a standalone device applies its run_args there)."""

    def compiled_params(self) -> Any:
        """``params`` with every run-time parameter at a fixed value: what a standalone binary is built from."""

    def compiled_form(self, n_presentations: int) -> dict:
        """What of ``params`` is compiled into a binary of chunks of ``n_presentations`` (JSON-able; the build
        key)."""

    def sources(self) -> tuple[str, ...]:
        """Source files the network's code comes from (the build key)."""

    def with_params(self, params) -> "Model":
        """The same model with other parameters (e.g. frozen: η = 0)."""

    def initial_state(self, seed: int) -> State:
        """The seeded state a training starts from."""

    def load_state(self, arrays: dict) -> State:
        """The state saved as :meth:`State.arrays`."""

    def presentations(self, stimulus) -> Any:
        """``stimulus`` checked and in the form the network takes: something with ``len()`` (presentations)
        that slices along presentations; a SimulationError if it cannot be shown."""

    def counts(self, spikes: dict, n_presentations: int) -> Any:
        """What each presentation's spikes say (e.g. bout counts), from :meth:`Network.read_spikes`."""

    def split_spikes(self, spikes: dict) -> list[dict]:
        """The spikes of each copy, with the copy's own neuron indices."""

    def memory_estimate(self, n_presentations: int) -> int:
        """Bytes a binary of chunks of ``n_presentations`` needs, about (checked before building)."""


def check_model(model) -> None:
    """Raise TypeError unless ``model`` meets :class:`Model` (a programming error, not a user's)."""
    if not isinstance(model, Model):
        missing = [name for name in ("name", "params", "n_inputs", "copies", "extra", "build", "compiled_params",
                                     "compiled_form", "sources", "with_params", "initial_state", "load_state",
                                     "presentations", "counts", "split_spikes", "memory_estimate")
                   if not hasattr(model, name)]
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
