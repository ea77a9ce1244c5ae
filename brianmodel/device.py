"""Which Brian2 device runs the network, and how a chunk of presentations runs on it.

``runtime``: Brian2's runtime mode (Cython code, numpy if Cython is missing),
for debugging small networks; the network is rebuilt for every chunk.
``cpp``: ``cpp_standalone``; ``cuda``: ``cuda_standalone`` (brian2cuda). A
standalone network is generated and compiled once per network shape into a
build folder named by a hash of what is compiled in; every chunk re-runs that
binary with ``run_args`` carrying the stimulus, the weights, Φ and the
run-time parameters, so nothing is recompiled between chunks, seeds, presets
or learning rates.

This is the only module that knows about devices; the model does not.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass

import numpy as np

from .model import RUN_TIME_FIELDS, NetworkState, build_network
from .parameters import ModelParams

__all__ = ["DEVICES", "DeviceError", "ChunkResult", "Simulator", "check_device", "default_build_root"]

DEVICES = ("runtime", "cpp", "cuda")
_BRIAN_DEVICE = {"cpp": "cpp_standalone", "cuda": "cuda_standalone"}
_ACTIVE = None  # Brian2 holds one standalone project per process: the Simulator that owns it


class DeviceError(ValueError):
    """Unknown device, or a device that cannot be used on this machine."""


def check_device(name: str) -> str:
    if name not in DEVICES:
        raise DeviceError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    if name == "cuda":
        try:
            import brian2cuda  # noqa: F401
        except ImportError:
            raise DeviceError("device 'cuda' needs brian2cuda: pip install -e '.[cuda]'") from None
        if shutil.which("nvcc") is None and not os.environ.get("CUDA_PATH"):
            raise DeviceError("device 'cuda' needs the CUDA toolkit's nvcc on PATH (or CUDA_PATH set)")
    return name


def default_build_root() -> str:
    return os.environ.get("BRIANMODEL_BUILD_ROOT", os.path.join(os.path.expanduser("~"), ".cache", "brianmodel", "builds"))


@dataclass
class ChunkResult:
    state: NetworkState
    spikes: dict  # monitor name -> (indices, times in s relative to the chunk start)
    wall_time: float  # seconds spent simulating (binary run, or runtime run())


class Simulator:
    """Runs chunks of ``chunk_size`` presentations of one network shape on one device."""

    def __init__(self, params: ModelParams, n_visible: int, chunk_size: int, device: str = "cpp",
                 build_root: str | None = None, threads: int = 0, runtime_target: str | None = None,
                 run_per_presentation: bool = False, log=print):
        self.params = params.validate()
        self.device = check_device(device)
        if chunk_size <= 0:
            raise ValueError(f"chunk_size must be positive, got {chunk_size}")
        if threads < 0:
            raise ValueError(f"threads must be >= 0 (0: no OpenMP), got {threads}")
        self.n_visible, self.chunk_size, self.threads = n_visible, chunk_size, threads
        self.build_root = build_root or default_build_root()
        self.log = log
        if runtime_target not in (None, "cython", "numpy"):
            raise DeviceError(f"runtime_target must be 'cython' or 'numpy', got {runtime_target!r}")
        self.runtime_target = runtime_target or _runtime_target()
        if run_per_presentation and device != "runtime":
            raise DeviceError("run_per_presentation is a runtime-mode option (standalone compiles one run per chunk)")
        # runtime only: one run() call per presentation, the way Brian2's
        # Diehl & Cook example trains (for benchmarks against standalone)
        self.run_per_presentation = run_per_presentation
        self._network = None  # standalone: the network compiled into the build folder
        self._device = None  # ... and the Brian2 device object that holds it
        self.build_time = None

    # -- build folder -------------------------------------------------------
    def build_key(self) -> str:
        """Hash of everything compiled into the binary (not the run-time parameters)."""
        import brian2

        compiled = self.params.to_dict()
        for section, name in RUN_TIME_FIELDS:
            compiled[section].pop(name)
        key = dict(device=self.device, threads=self.threads, n_visible=self.n_visible,
                   chunk_size=self.chunk_size, params=compiled, brian2=brian2.__version__,
                   model=_source_hash())
        return hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def build_dir(self) -> str:
        return os.path.join(self.build_root, f"{self.device}-{self.n_visible}x{self.params.architecture.n_hidden}"
                                             f"-{self.chunk_size}-{self.build_key()}")

    # -- running ------------------------------------------------------------
    def prepare(self):
        """Generate and compile now (standalone), so that timing the first chunk excludes it."""
        global _ACTIVE
        if self.device == "runtime" or self._network is not None:
            return
        if _ACTIVE is not None and _ACTIVE._network is not None and _ACTIVE.build_dir == self.build_dir:
            # Same binary: reuse the generated project (generating it again in
            # this process renames code objects, and make would recompile all).
            self._network, self._device, self.build_time = _ACTIVE._network, _ACTIVE._device, 0.0
            _ACTIVE = self
            return
        self._build()

    def run(self, state: NetworkState, stimulus: np.ndarray) -> ChunkResult:
        """Present ``stimulus`` (chunk_size, n_visible) starting from ``state``."""
        stimulus = np.asarray(stimulus, dtype=float)
        if stimulus.shape != (self.chunk_size, self.n_visible):
            raise ValueError(f"stimulus must have shape {(self.chunk_size, self.n_visible)}, got {stimulus.shape}")
        if self.device == "runtime":
            return self._run_runtime(state, stimulus)
        return self._run_standalone(state, stimulus)

    def _run_runtime(self, state, stimulus):
        from brian2 import prefs, set_device

        set_device("runtime")
        prefs.codegen.target = self.runtime_target
        net = build_network(self.params, self.n_visible, self.chunk_size, stimulus)
        net.set_values(net.run_time_values())
        net.set_values(net.state_values(state))
        start = time.perf_counter()
        if self.run_per_presentation:
            for _ in range(self.chunk_size):
                net.network.run(self.params.presentation.duration, namespace=net.namespace)
        else:
            net.network.run(net.duration, namespace=net.namespace)
        wall = time.perf_counter() - start
        return ChunkResult(net.read_state(), net.read_spikes(), wall)

    def _run_standalone(self, state, stimulus):
        self.prepare()
        net, device = self._network, self._device
        run_args = {net.stimulus: stimulus, **net.run_time_values(self.params), **net.state_values(state)}
        results = os.path.join("results", uuid.uuid4().hex)
        start = time.perf_counter()
        device.run(directory=self.build_dir, results_directory=results, with_output=False, run_args=run_args)
        wall = time.perf_counter() - start
        try:
            return ChunkResult(net.read_state(), net.read_spikes(), wall)
        finally:
            shutil.rmtree(os.path.join(self.build_dir, results), ignore_errors=True)
            for name in device.run_args_arrays:  # this chunk's stimulus and weights
                _remove(os.path.join(self.build_dir, "static_arrays", name))

    def _build(self):
        from brian2 import device, get_device
        from brian2.utils.filelock import FileLock

        os.makedirs(self.build_root, exist_ok=True)
        global _ACTIVE
        _activate_standalone(self.device, self.build_dir, self.threads)
        _ACTIVE = self
        net = build_network(self.params, self.n_visible, self.chunk_size)
        net.network.run(net.duration, namespace=net.namespace)
        start = time.perf_counter()
        fresh = not os.path.exists(os.path.join(self.build_dir, "main"))
        self.log(f"{'compiling' if fresh else 'checking build of'} {self.device} network in {self.build_dir}")
        with FileLock(self.build_dir + ".lock"):  # parallel processes may share a build
            device.build(directory=self.build_dir, compile=True, run=False, with_output=False)
        self.build_time = time.perf_counter() - start
        self.log(f"build ready in {self.build_time:.1f} s")
        self._network, self._device = net, get_device()


def _activate_standalone(device_name, build_dir, threads):
    """A clean standalone device (one per process at a time, Brian2's rule)."""
    from brian2 import prefs, set_device
    from brian2.devices.device import all_devices

    global _ACTIVE
    if _ACTIVE is not None:
        _ACTIVE._network = None  # its generated objects are about to be discarded
    brian_name = _BRIAN_DEVICE[device_name]
    if brian_name in all_devices:
        all_devices[brian_name].reinit()
    prefs.devices.cpp_standalone.openmp_threads = threads
    set_device(brian_name, directory=build_dir, build_on_run=False)


def _runtime_target():
    try:
        import Cython  # noqa: F401
        return "cython"
    except ImportError:
        return "numpy"


def _source_hash():
    here = os.path.dirname(__file__)
    with open(os.path.join(here, "model.py"), "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()[:12]


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
