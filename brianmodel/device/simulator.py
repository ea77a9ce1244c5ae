"""Simulators: run any model that meets the contract (:mod:`.contract`) on one device, chunk by chunk.

``Simulator(model, device="cpp")`` gives the simulator of that device:

- :class:`RuntimeSimulator`: Brian2's runtime mode; the network is rebuilt
  for every chunk (small networks, debugging, reference results);
- :class:`StandaloneSimulator`: ``cpp``, ``cuda``, ``cuda-graphs`` or ``cuda-stock``
  (:mod:`.targets`). The network is generated and compiled once per shape
  into a build folder; every chunk re-runs that binary with run_args
  carrying the stimulus, the state and the run-time parameters, so nothing
  is recompiled between chunks, seeds or learning rates. Each chunk's
  binary run is timed in parts: set-up, the time-step loop, write-out
  (:mod:`.timing`).

A chunk is ``chunk_size`` presentations, one ``run()`` of the network:
:meth:`Simulator.run_chunk`. :meth:`Simulator.run` presents any number of
presentations, in chunks (a last, shorter chunk runs its own binary, built
once), and returns a :class:`Run`: the final state, spikes and the user's
monitors with units, and the model's counts.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from importlib.metadata import version

import numpy as np
from brian2 import (EventMonitor, PopulationRateMonitor, Quantity, SpikeMonitor, StateMonitor, device as brian_device,
                    get_device, prefs, second, seed as brian_seed, TimedArray)
from brian2.core.variables import ArrayVariable
from brian2.units.fundamentalunits import DIMENSIONLESS

from ..errors import SimulationError
from . import standalone
from .contract import check_model
from ..memory import available_memory, check_fits
from .run_args import seed_from_run_args, write_run_args
from .spike_buffers import SpikeBuffers
from .targets import TARGETS, target
from .timing import RunTiming, instrument, read_timing
from .writeout import unread_synapse_arrays

__all__ = ["Simulator", "RuntimeSimulator", "StandaloneSimulator", "ChunkResult", "Run", "CopyRun", "MonitorData",
           "available_memory"]

log = logging.getLogger(__name__)


@dataclass
class ChunkResult:
    """One chunk: the state after it, spikes (name -> (indices, times in s from the chunk start)), the
    user's monitors (name -> {variable: quantity}), and the seconds spent simulating."""

    state: object
    spikes: dict
    wall_time: float
    period: float  # seconds per presentation
    monitors: dict = field(default_factory=dict)
    profile: dict = field(default_factory=dict)  # standalone with profile=True: seconds spent per code object
    timing: RunTiming | None = None  # standalone: the binary's set-up, loop and write-out


class MonitorData:
    """What one of the user's monitors recorded, with units, over a whole :class:`Run` (``data.t``, ``data.v``)."""

    def __init__(self, name: str, values: dict):
        self.name, self._values = name, values

    def __getattr__(self, variable):
        try:
            return self.__dict__["_values"][variable]
        except KeyError:
            raise AttributeError(f"monitor {self.name!r} recorded {sorted(self._values)}, not {variable!r}") from None

    @property
    def variables(self) -> list[str]:
        return sorted(self._values)

    @staticmethod
    def join(name: str, parts: list[dict], offsets: list[float]) -> "MonitorData":
        """The chunks' records as one: times shifted by each chunk's start, state records joined along time."""
        values = {}
        for variable in parts[0]:
            arrays = []
            for part, offset in zip(parts, offsets):
                array = np.asarray(part[variable], dtype=float if variable == "t" else None)
                arrays.append(array + offset if variable == "t" else array)
            joined = np.concatenate(arrays, axis=arrays[0].ndim - 1)
            dim = getattr(parts[0][variable], "dim", DIMENSIONLESS)
            values[variable] = joined if dim is DIMENSIONLESS else Quantity(joined, dim=dim)
        return MonitorData(name, values)


class Run:
    """What :meth:`Simulator.run` returns: the final state, spikes and monitors with units, counts.

    For an ensemble, ``state`` and ``counts`` hold every copy and ``spikes``
    index neurons over all copies; :meth:`copy` is one copy alone.
    """

    def __init__(self, model, chunks: list[ChunkResult], chunk_size: int, n_presentations: int):
        self.model, self.n_presentations = model, n_presentations
        self.state = chunks[-1].state
        self.wall_time = sum(c.wall_time for c in chunks)
        offsets = [k * chunk_size * chunks[0].period for k in range(len(chunks))]
        self._spikes = {name: (np.concatenate([c.spikes[name][0] for c in chunks]),
                               np.concatenate([c.spikes[name][1] + o for c, o in zip(chunks, offsets)]))
                        for name in chunks[0].spikes}
        self._monitors = {name: MonitorData.join(name, [c.monitors[name] for c in chunks], offsets)
                          for name in chunks[0].monitors}
        self._counts = None
        self._copy_spikes = None  # each copy's spikes, split once

    def spikes(self, name: str) -> tuple[np.ndarray, Quantity]:
        """(neuron indices, spike times with units from the run's start) of one of the model's spike monitors."""
        if name not in self._spikes:
            raise KeyError(f"no spike monitor {name!r}; the model records {sorted(self._spikes)}")
        i, t = self._spikes[name]
        return i, t * second

    def copy(self, k: int) -> "CopyRun":
        """Copy ``k`` of an ensemble: its state, spikes (its own neuron indices) and counts."""
        if not 0 <= k < self.model.copies:
            raise IndexError(f"copy {k} of an ensemble of {self.model.copies}")
        if self._copy_spikes is None:
            self._copy_spikes = self.model.split_spikes(self._spikes)
        return CopyRun(self, k)

    @property
    def spike_monitors(self) -> list[str]:
        return sorted(self._spikes)

    def monitor(self, name: str) -> MonitorData:
        """One of the user's monitors (the model's ``extra``), by its Brian2 name."""
        if name not in self._monitors:
            raise KeyError(f"no monitor {name!r} among the model's extra objects; recorded: {sorted(self._monitors)}")
        return self._monitors[name]

    @property
    def counts(self):
        """The model's per-presentation counts (mstdp: bout counts x, x_hat, z; a list of them for an ensemble)."""
        if self._counts is None:
            self._counts = self.model.counts(self._spikes, self.n_presentations)
        return self._counts


class CopyRun:
    """One copy of an ensemble's :class:`Run`."""

    def __init__(self, run: Run, k: int):
        self.run, self.k = run, k
        self.state = run.state[k]
        self._spikes = run._copy_spikes[k]

    def spikes(self, name: str) -> tuple[np.ndarray, Quantity]:
        """(the copy's neuron indices, spike times with units from the run's start)."""
        i, t = self._spikes[name]
        return i, t * second

    @property
    def counts(self):
        return self.run.counts[self.k]


class Simulator:
    """Runs chunks of ``chunk_size`` presentations of ``model`` on ``device`` ('runtime', 'cpp', 'cuda',
    'cuda-graphs', 'cuda-stock').

    ``Simulator(model, device)`` returns a :class:`RuntimeSimulator` or a
    :class:`StandaloneSimulator`. Checks of the device (nvcc, a GPU or a
    compute capability) happen here, before anything is built or written.
    """

    def __new__(cls, model=None, device: str = "cpp", *args, **kwargs):
        if cls is Simulator:  # (an unknown name is refused by __init__, which checks the device)
            cls = StandaloneSimulator if getattr(TARGETS.get(device), "standalone", False) else RuntimeSimulator
        return super().__new__(cls)

    def __init__(self, model, device: str = "cpp", chunk_size: int = 500, *, build_root: str | None = None,
                 threads: int = 0, compute_capability: float | None = None):
        check_model(model)
        self.target = target(device, threads, compute_capability)
        self.model, self.device = model, device
        if not isinstance(chunk_size, int) or chunk_size <= 0:
            raise SimulationError(f"chunk_size must be a positive integer, got {chunk_size!r}")
        # (a binary compiled here for a GPU machine runs, and needs its memory, there)
        if self.target.runs_here():
            check_fits(model.memory_estimate(chunk_size), available_memory(), f"{model!r} in chunks of {chunk_size} "
                       f"needs", "; this machine has {:.1f} GiB available", "use fewer copies or hidden units")
        self.chunk_size, self.threads = chunk_size, threads
        self.build_root = build_root or standalone.default_build_root()
        self.compute_capability = self.target.compute_capability
        self._options = dict(build_root=build_root, threads=threads, compute_capability=compute_capability)
        self._shorter = {}  # simulators of a last, shorter chunk, by size

    # -- one chunk -----------------------------------------------------------
    def run_chunk(self, state, stimulus) -> ChunkResult:
        """Present ``stimulus`` (chunk_size presentations, in a form the model takes) starting from ``state``."""
        stimulus = self.model.presentations(stimulus)
        if len(stimulus) != self.chunk_size:
            raise SimulationError(f"a chunk is {self.chunk_size} presentations, got {len(stimulus)}")
        return self._run_chunk(state, stimulus)

    def _run_chunk(self, state, stimulus) -> ChunkResult:
        raise NotImplementedError

    def prepare(self):
        """Build what the device needs before the first chunk (standalone: generate and compile)."""

    # -- any number of presentations -----------------------------------------
    def run(self, stimulus, state=None) -> Run:
        """Present ``stimulus`` (e.g. rows (n, n_inputs); see the model's ``presentations``), from ``state``
        (default: the model's initial state for seed 0), in chunks; a last, shorter chunk runs a binary of its
        own (built once)."""
        stimulus = self.model.presentations(stimulus)
        state = self.model.initial_state(0) if state is None else state
        n, chunks = len(stimulus), []
        full = n - n % self.chunk_size
        for start in range(0, full, self.chunk_size):
            chunks.append(self.run_chunk(state, stimulus[start:start + self.chunk_size]))
            state = chunks[-1].state
        if full < n:
            if n - full not in self._shorter:
                self._shorter[n - full] = type(self)(self.model, self.device, n - full, **self._options)
            chunks.append(self._shorter[n - full].run_chunk(state, stimulus[full:]))
        return Run(self.model, chunks, self.chunk_size, n)


class RuntimeSimulator(Simulator):
    """Brian2's runtime mode: the network is rebuilt and run in this process for every chunk."""

    def __init__(self, model, device: str = "runtime", chunk_size: int = 500, *, runtime_target: str | None = None,
                 run_per_presentation: bool = False, **options):
        super().__init__(model, device, chunk_size, **options)
        if runtime_target not in (None, "cython", "numpy"):
            raise SimulationError(f"runtime_target must be 'cython' or 'numpy', got {runtime_target!r}")
        self.runtime_target = runtime_target or standalone.runtime_target()
        # one run() call per presentation, the way Brian2's Diehl & Cook example trains (benchmarks)
        self.run_per_presentation = run_per_presentation
        self._options.update(runtime_target=runtime_target, run_per_presentation=run_per_presentation)

    def _run_chunk(self, state, stimulus):
        self.target.activate()
        prefs.codegen.target = self.runtime_target
        net = self.model.build(self.chunk_size, stimulus)
        _assign(net.run_time_values(self.model.params))
        _assign(net.state_values(state))
        if net.seed_variable is not None:  # a model with random numbers: the chunk's stream from its state
            brian_seed(int(net.seed_variable.get_value()[0]))
        start = time.perf_counter()
        if self.run_per_presentation:
            for _ in range(self.chunk_size):
                net.network.run(net.period, namespace=net.namespace)
        else:
            net.network.run(net.duration, namespace=net.namespace)
        wall = time.perf_counter() - start
        return ChunkResult(net.read_state(), net.read_spikes(), wall, float(net.period),
                           _monitor_values(net.extra_objects))


class StandaloneSimulator(Simulator):
    """cpp_standalone or cuda_standalone: one compiled binary per network shape, re-run per chunk.

    ``profile=True`` compiles Brian2's timing of every code object into the
    binary; each chunk's :attr:`ChunkResult.profile` holds it.
    """

    def __init__(self, model, device: str = "cpp", chunk_size: int = 500, *, profile: bool = False, **options):
        super().__init__(model, device, chunk_size, **options)
        self.profile = profile
        self._options["profile"] = profile
        if not self.target.standalone:
            raise SimulationError(f"StandaloneSimulator runs a standalone device; use RuntimeSimulator for "
                                  f"{self.device!r}")
        self.target.check_memory(model, chunk_size)
        self.spike_buffers = SpikeBuffers(self.target.spike_buffers)
        # known now unless the model has extra objects, whose generated code is part of the key
        self.build_dir = None if model.extra is not None else self._build_dir()
        self.build_time = None

    # -- build folder ----------------------------------------------------------
    def build_key(self, extras: str = "") -> str:
        """Hash of everything compiled into the binary (not the run-time parameters)."""
        key = dict(**self.target.key(), n_inputs=self.model.n_inputs, chunk_size=self.chunk_size,
                   params=self.model.compiled_form(self.chunk_size),
                   brian2=version("brian2"), model=self.model.name, source=standalone.source_hash(self.model.sources()),
                   extras=extras, profile=self.profile)
        return hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]

    def _build_dir(self, extras: str = "") -> str:
        copies = f"x{self.model.copies}" if self.model.copies > 1 else ""
        return os.path.join(self.build_root, f"{self.device}-{self.model.name}{copies}-{self.model.n_inputs}"
                                             f"-{self.chunk_size}-{self.build_key(extras)}")

    # -- running ---------------------------------------------------------------
    def prepare(self):
        """Generate and compile now, so that timing the first chunk excludes it.

        Simulators of the same build folder share this process's project
        (:data:`.standalone.project`).
        """
        # (no reference to a project may outlive this: its objects, alive, would rename the next project's)
        if self.build_dir is not None and getattr(standalone.project, "build_dir", None) == self.build_dir:
            self.build_time = self.build_time or 0.0
        else:
            standalone.release_project()
            standalone.project = self._build()
            self.build_dir = standalone.project.build_dir

    def _run_chunk(self, state, stimulus):
        self.prepare()
        net, device = standalone.project.network, standalone.project.device
        run_args = {**net.stimulus_values(stimulus), **net.run_time_values(self.model.params),
                    **net.state_values(state)}
        chunk = uuid.uuid4().hex
        arguments, files = write_run_args(device, run_args, self.build_dir, chunk)
        try:
            return self._run_binary(net, device, arguments, chunk)
        finally:
            for name in files:  # this chunk's stimulus and weights
                _remove(os.path.join(self.build_dir, "static_arrays", name))

    def _run_binary(self, net, device, arguments, chunk, retry=True) -> ChunkResult:
        """Run the binary once with ``arguments``; a spike buffer too small for the chunk (brianmodel's CUDA
        device) is enlarged to what the binary needed, and the chunk run again, once."""
        results = os.path.join("results", chunk)
        device.run_environment_variables.update(self.spike_buffers.environment(net.network.objects, net.duration))
        start = time.perf_counter()
        try:
            try:
                device.run(directory=self.build_dir, results_directory=results, with_output=False,
                           run_args=arguments)
            except RuntimeError:  # (Brian2's "Project run failed"; the binary's output says why)
                needed = self.spike_buffers.overflows(_stdout(self.build_dir, results))
                if not needed:
                    raise
                if not retry:
                    raise SimulationError(f"the spike buffers overflowed twice ({needed}): see "
                                          f"brianmodel.device.spike_buffers") from None
                log.warning("spike buffers too small for this chunk (%s): running it again with larger ones",
                            ", ".join(f"{name} needed {count}" for name, count in needed.items()))
                self.spike_buffers.enlarge(needed)
                shutil.rmtree(os.path.join(self.build_dir, results), ignore_errors=True)
                return self._run_binary(net, device, arguments, chunk, retry=False)
            wall = time.perf_counter() - start
            folder, output = os.path.join(self.build_dir, results), _stdout(self.build_dir, results)
            timing = read_timing(folder, device._last_run_time, device.timers.get("run_binary"), output)
            self.spike_buffers.learn(output)
            profile = _profile(os.path.join(folder, "profiling_info.txt")) if self.profile else {}
            return ChunkResult(net.read_state(), net.read_spikes(), wall, float(net.period),
                               _monitor_values(net.extra_objects), profile, timing)
        finally:
            shutil.rmtree(os.path.join(self.build_dir, results), ignore_errors=True)

    def generate(self):
        """Generate the standalone project (no compiling): (network, its build folder).

        Without extra objects the folder is known beforehand; with them, it
        depends on what they generate (code, recorded indices, initial values).
        """
        standalone.release_project()
        self.target.activate(self.build_root)
        # run_args must reach the binary before the delays are derived from them
        net = self.model.with_params(self.model.compiled_params()).build(
            self.chunk_size, before_delays=brian_device.apply_run_args)
        if net.seed_variable is not None:
            seed_from_run_args(self.target, get_device(), net.seed_variable)
        instrument(get_device(), self.target.wait_code)
        net.network.run(net.duration, namespace=net.namespace, profile=self.profile)
        return net, self.build_dir or self._build_dir(_extras_key(get_device(), net.extra_objects))

    def write_project(self) -> str:
        """Generate the project and write its sources into its build folder, compiling nothing (to read what
        the device generates: ``benchmarks/gpu/cost.py``); the folder."""
        net, build_dir = self.generate()
        standalone.build(build_dir, unwritten=_unread_arrays(net), device_target=self.target, compile=False)
        return build_dir

    def _build(self) -> standalone.Project:
        """Generate and compile the standalone project."""
        net, build_dir = self.generate()
        start = time.perf_counter()
        fresh = not os.path.exists(os.path.join(build_dir, "main"))
        log.info("%s %s network in %s", "compiling" if fresh else "checking build of", self.device, build_dir)
        standalone.build(build_dir, unwritten=_unread_arrays(net), device_target=self.target)
        self.build_time = time.perf_counter() - start
        log.info("build ready in %.1f s", self.build_time)
        return standalone.Project(build_dir, net, get_device(), self.build_time)


def _unread_arrays(net) -> list:
    """The model's per-synapse arrays that its network does not read back after a run (Network.results);
    none without that declaration, or for the user's extra objects."""
    if not hasattr(net, "results"):
        return []
    extra = {id(obj) for obj in net.extra_objects}
    return unread_synapse_arrays([obj for obj in net.network.objects if id(obj) not in extra], net.results())


def _stdout(build_dir: str, results: str) -> str:
    """What the binary printed (Brian2 keeps it in the results folder); '' if nothing."""
    try:
        with open(os.path.join(build_dir, results, "stdout.txt"), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _profile(path: str) -> dict:
    """{code object: seconds} of Brian2's profiling_info.txt."""
    with open(path) as f:
        return {name: float(seconds) for name, seconds in (line.split() for line in f if line.strip())}


def _assign(values: dict):
    """Set variables; a TimedArray's values are fixed when it is made, so they can only be checked."""
    for key, value in values.items():
        if not isinstance(key, TimedArray):
            key[:] = value
        elif not np.array_equal(key.values, value):
            raise SimulationError(f"the runtime device cannot change TimedArray {key.name} after building")


def _monitor_values(objects) -> dict:
    """{name: {variable: copy with units}} of the user's monitors, read before the results go."""
    recorded = {}
    for obj in objects:
        if isinstance(obj, StateMonitor):
            names = ["t", *obj.record_variables]
        elif isinstance(obj, (SpikeMonitor, EventMonitor)):
            names = sorted(obj.record_variables)
        elif isinstance(obj, PopulationRateMonitor):
            names = ["t", "rate"]
        else:
            continue
        recorded[obj.name] = {name: _copy(getattr(obj, name)) for name in names}
    return recorded


def _copy(value):
    """An array read out of a monitor now (its memory, or the standalone results, go with the chunk)."""
    if hasattr(value, "get_item"):  # a VariableView: read lazily otherwise
        value = value[:]
    dim = getattr(value, "dim", DIMENSIONLESS)
    array = np.array(value, copy=True)
    return array if dim is DIMENSIONLESS else Quantity(array, dim=dim)


def _extras_key(device, objects) -> str:
    """Hash of what the user's extra objects put into the binary: their code objects' code, and the
    arrays and values their variables are initialised with."""
    names = {obj.name for obj in objects}
    digest = hashlib.sha1()
    for name in sorted(device.code_objects):
        code = device.code_objects[name]
        if getattr(code.owner, "name", None) in names:
            digest.update(name.encode())
            digest.update(json.dumps(dict(code.code), sort_keys=True).encode())
    arrays = {device.get_array_name(variable, access_data=False) for obj in objects
              for variable in obj.variables.values()
              if isinstance(variable, ArrayVariable) and getattr(variable.owner, "name", None) == obj.name}
    for name in sorted(device.static_arrays):
        if any(name.startswith(f"_static_array_{array}") for array in arrays):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(device.static_arrays[name]).tobytes())
    for function, arguments in device.main_queue:
        if function.startswith("set_") and any(isinstance(a, str) and a in arrays for a in arguments):
            digest.update(repr((function, arguments)).encode())
    return digest.hexdigest()[:12]


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass

