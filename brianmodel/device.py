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

import gc
import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass

import numpy as np

from . import model as mstdp_model
from .model import NetworkState
from .parameters import ModelParams

__all__ = ["DEVICES", "DeviceError", "ChunkResult", "Simulator", "check_device", "default_build_root",
           "configure_cuda", "cuda_toolkit", "gpu_present", "run_once"]

DEVICES = ("runtime", "cpp", "cuda")
_BRIAN_DEVICE = {"cpp": "cpp_standalone", "cuda": "cuda_standalone"}
_PROJECT = None  # (build folder, network, Brian2 device): the one standalone project of this process


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
        cuda_toolkit()
    return name


# -- CUDA: brian2cuda 1.0b1 with current toolkits, no package edited ----------

CUDA_DEFAULT_PATHS = ("/usr/local/cuda", "/opt/cuda")  # where toolkits install when not on PATH

def cuda_toolkit() -> str:
    """The CUDA installation folder (holding bin/nvcc), found as brian2cuda looks for it."""
    candidates = [os.environ.get("CUDA_PATH")]
    nvcc = shutil.which("nvcc")
    if nvcc:
        candidates.append(os.path.dirname(os.path.dirname(os.path.realpath(nvcc))))
        candidates.append(os.path.dirname(os.path.dirname(nvcc)))
    candidates += list(CUDA_DEFAULT_PATHS)
    for path in filter(None, candidates):  # a wrapper script's folder is not the toolkit: check headers
        if os.path.exists(os.path.join(path, "bin", "nvcc")) and \
                os.path.exists(os.path.join(path, "include", "cuda_runtime.h")):
            return path
    raise DeviceError("device 'cuda' needs NVIDIA's CUDA toolkit (nvcc), version 12 or 13: install it "
                      "(https://developer.nvidia.com/cuda-downloads, or Debian's nvidia-cuda-toolkit) and put "
                      "nvcc on PATH or set CUDA_PATH to the toolkit folder")


def gpu_present() -> bool:
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


def _check_cuda_target(compute_capability):
    if compute_capability is None and not gpu_present():
        raise DeviceError("no GPU found (nvidia-smi -L): to generate and compile CUDA code without one, give the "
                          "target's compute capability (e.g. 9.0 for H100/H200, 8.0 for A100)")


def _curand_paths(toolkit):
    """(include dir, library dir) of cuRAND, or None when the toolkit has it itself.

    Some toolkit installs lack cuRAND; the pip wheels carry it: ``nvidia-curand``
    (CUDA 13: nvidia/cu13) or ``nvidia-curand-cu12`` (nvidia/curand).
    """
    if os.path.exists(os.path.join(toolkit, "include", "curand.h")):
        return None
    try:
        import nvidia
    except ImportError:
        nvidia = None
    for root in getattr(nvidia, "__path__", []):
        for sub in ("cu13", "curand"):
            include, lib = os.path.join(root, sub, "include"), os.path.join(root, sub, "lib")
            if os.path.exists(os.path.join(include, "curand.h")):
                return include, lib
    raise DeviceError(f"the CUDA toolkit in {toolkit} has no cuRAND headers: pip install nvidia-curand "
                      "(CUDA 13) or nvidia-curand-cu12 (CUDA 12)")


def configure_cuda(build_root: str, compute_capability: float | None = None):
    """Set brian2cuda's and Brian2's preferences so that cuda_standalone builds here.

    - C++17 for host and device code (CUDA 13's Thrust needs it; brian2cuda's
      makefile says c++11 for nvcc, overridden by a later flag, and Brian2's
      default host flags say c++11).
    - cuRAND from the pip wheel when the toolkit lacks it; brian2cuda links
      ``-lcurand`` but the wheel ships only ``libcurand.so.10``, so a
      ``libcurand.so`` link goes into the build root.
    - Without a GPU, ``compute_capability`` (e.g. 9.0 for H100/H200) replaces
      GPU detection, so that code can be generated and compiled on a CPU-only
      machine and the binary run on the GPU machine; host code is then built
      without -march=native.
    """
    from brian2 import prefs

    toolkit = cuda_toolkit()
    _check_cuda_target(compute_capability)
    backend = prefs.devices.cuda_standalone.cuda_backend
    backend.cuda_path = toolkit
    host_flags = [f for f in prefs.codegen.cpp.extra_compile_args_gcc if not f.startswith("-std=")]
    if compute_capability is not None:
        backend.detect_gpus = False
        backend.gpu_id = 0
        backend.compute_capability = float(compute_capability)
        host_flags = [f for f in host_flags if f != "-march=native"]
    prefs.codegen.cpp.extra_compile_args_gcc = host_flags + ["-std=c++17"]
    backend.extra_compile_args_nvcc = list(backend.extra_compile_args_nvcc) + ["-std=c++17"]
    curand = _curand_paths(toolkit)
    if curand:
        include, lib = curand
        link_dir = os.path.join(build_root, "curand-link")
        os.makedirs(link_dir, exist_ok=True)
        link = os.path.join(link_dir, "libcurand.so")
        if not os.path.lexists(link):
            os.symlink(os.path.join(lib, "libcurand.so.10"), link)
        prefs.codegen.cpp.include_dirs = list(prefs.codegen.cpp.include_dirs) + [include]
        prefs.codegen.cpp.library_dirs = list(prefs.codegen.cpp.library_dirs) + [link_dir]
        prefs.codegen.cpp.runtime_library_dirs = list(prefs.codegen.cpp.runtime_library_dirs) + [lib]


def default_build_root() -> str:
    return os.environ.get("BRIANMODEL_BUILD_ROOT", os.path.join(os.path.expanduser("~"), ".cache", "brianmodel", "builds"))


@dataclass
class ChunkResult:
    state: NetworkState
    spikes: dict  # monitor name -> (indices, times in s relative to the chunk start)
    wall_time: float  # seconds spent simulating (binary run, or runtime run())


class Simulator:
    """Runs chunks of ``chunk_size`` presentations of one network shape on one device.

    ``model`` is the module that builds the network: :mod:`brianmodel.model`
    (mirrored STDP, the default) or another with the same functions
    (``build_network``, ``build_values``, ``compiled_form``, ``NAME``), such as
    :mod:`brianmodel.symstdp`; its network object sets and reads run_args the
    same way.
    """

    def __init__(self, params: ModelParams, n_visible: int, chunk_size: int, device: str = "cpp",
                 build_root: str | None = None, threads: int = 0, runtime_target: str | None = None,
                 run_per_presentation: bool = False, compute_capability: float | None = None, log=print,
                 model=mstdp_model):
        self.model = model
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
        if run_per_presentation and model is not mstdp_model:
            raise DeviceError("run_per_presentation is a benchmark option of the mstdp model")
        if run_per_presentation and device != "runtime":
            raise DeviceError("run_per_presentation is a runtime-mode option (standalone compiles one run per chunk)")
        # runtime only: one run() call per presentation, the way Brian2's
        # Diehl & Cook example trains (for benchmarks against standalone)
        self.run_per_presentation = run_per_presentation
        # cuda only: build for this compute capability instead of detecting the GPU
        env_cc = os.environ.get("BRIANMODEL_CUDA_COMPUTE_CAPABILITY")
        self.compute_capability = compute_capability or (float(env_cc) if env_cc else None)
        if device == "cuda":
            _check_cuda_target(self.compute_capability)
        self._network = self._device = None  # standalone: the compiled network and its Brian2 device
        self.build_dir = self._build_dir()  # fixed now: the key hashes the model's source
        self.build_time = None

    # -- build folder -------------------------------------------------------
    def build_key(self) -> str:
        """Hash of everything compiled into the binary (not the run-time parameters)."""
        import brian2

        compiled = self.model.compiled_form(self.params)
        key = dict(device=self.device, threads=self.threads, n_visible=self.n_visible, cc=self.compute_capability,
                   chunk_size=self.chunk_size, params=compiled, brian2=brian2.__version__,
                   model=_source_hash(self.model))
        return hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]

    def _build_dir(self) -> str:
        if self.model is not mstdp_model:
            return os.path.join(self.build_root, f"{self.device}-{self.model.NAME}-{self.n_visible}"
                                                 f"-{self.chunk_size}-{self.build_key()}")
        return os.path.join(self.build_root, f"{self.device}-{self.n_visible}x{self.params.architecture.n_hidden}"
                                             f"-{self.chunk_size}-{self.build_key()}")

    # -- running ------------------------------------------------------------
    def prepare(self):
        """Generate and compile now (standalone), so that timing the first chunk excludes it.

        Brian2 holds one standalone project per process; Simulators of the
        same build folder share it (generating it again in one process renames
        code objects, and make would recompile everything).
        """
        global _PROJECT
        if self.device == "runtime":
            return
        if _PROJECT is None or _PROJECT[0] != self.build_dir:
            _release_project()
            _PROJECT = (self.build_dir, *self._build())
        else:
            self.build_time = self.build_time or 0.0
        _, self._network, self._device = _PROJECT

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
        net = self.model.build_network(self.params, self.n_visible, self.chunk_size, stimulus)
        net.set_values(net.run_time_values())
        net.set_values(net.state_values(state))
        if hasattr(net, "seed_variable"):  # a model with random numbers: the chunk's stream from its state
            from brian2 import seed

            seed(int(net.seed_variable.get_value()[0]))
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
        chunk = uuid.uuid4().hex
        arguments, files = _write_run_args(device, run_args, self.build_dir, chunk)
        results = os.path.join("results", chunk)
        start = time.perf_counter()
        try:
            device.run(directory=self.build_dir, results_directory=results, with_output=False, run_args=arguments)
            wall = time.perf_counter() - start
            return ChunkResult(net.read_state(), net.read_spikes(), wall)
        finally:
            shutil.rmtree(os.path.join(self.build_dir, results), ignore_errors=True)
            for name in files:  # this chunk's stimulus and weights
                _remove(os.path.join(self.build_dir, "static_arrays", name))

    def _build(self):
        """Generate and compile the standalone project: (network, Brian2 device)."""
        from brian2 import device, get_device
        from brian2.utils.filelock import FileLock

        os.makedirs(self.build_root, exist_ok=True)
        _activate_standalone(self.device, self.build_dir, self.threads)
        if self.device == "cuda":
            configure_cuda(self.build_root, self.compute_capability)
        # run_args must reach the binary before the delays are derived from them
        net = self.model.build_network(self.model.build_values(self.params), self.n_visible, self.chunk_size,
                                       before_delays=device.apply_run_args)
        if hasattr(net, "seed_variable"):
            _seed_from_run_args(self.device, device, net.seed_variable, self.threads)
        net.network.run(net.duration, namespace=net.namespace)
        start = time.perf_counter()
        fresh = not os.path.exists(os.path.join(self.build_dir, "main"))
        self.log(f"{'compiling' if fresh else 'checking build of'} {self.device} network in {self.build_dir}")
        with FileLock(self.build_dir + ".lock"):  # parallel processes may share a build
            device.build(directory=self.build_dir, compile=True, run=False, with_output=False)
        self.build_time = time.perf_counter() - start
        self.log(f"build ready in {self.build_time:.1f} s")
        return net, get_device()


def run_once(make, device: str = "cpp", name: str = "protocol", key: str = "", build_root: str | None = None,
             compute_capability: float | None = None, log=print):
    """Build and run a small one-off network (a protocol's), return what ``make``'s reader returns.

    ``make()`` builds the Brian2 objects and returns ``(network, namespace,
    duration, read)``; ``read()`` is called after the run. Standalone builds
    go to ``<build_root>/<device>-<name>-<hash of key and model source>``, so
    repeating a protocol with the same ``key`` recompiles nothing.
    """
    check_device(device)
    if device == "runtime":
        from brian2 import set_device

        set_device("runtime")
        network, namespace, duration, read = make()
        network.run(duration, namespace=namespace)
        return read()
    from brian2 import device as brian_device
    from brian2.utils.filelock import FileLock

    env_cc = os.environ.get("BRIANMODEL_CUDA_COMPUTE_CAPABILITY")
    compute_capability = compute_capability or (float(env_cc) if env_cc else None)
    if device == "cuda":
        _check_cuda_target(compute_capability)
    build_root = build_root or default_build_root()
    digest = hashlib.sha1(f"{key}|{_source_hash(mstdp_model)}|{compute_capability}".encode()).hexdigest()[:16]
    build_dir = os.path.join(build_root, f"{device}-{name}-{digest}")
    os.makedirs(build_root, exist_ok=True)
    _release_project()  # the Simulator's project, if any, goes with the device reset
    _activate_standalone(device, build_dir, 0)
    if device == "cuda":
        configure_cuda(build_root, compute_capability)
    network, namespace, duration, read = make()
    network.run(duration, namespace=namespace)
    log(f"building and running the {name} network ({device}) in {build_dir}")
    with FileLock(build_dir + ".lock"):  # parallel processes may share the build and its results folder
        brian_device.build(directory=build_dir, compile=True, run=True, with_output=False)
        return read()


def _seed_from_run_args(device_name, device, variable, threads):
    """Seed the binary's random generators from a variable set by run_args (Brian2 compiles the
    seed into the binary; a training needs another stream for every chunk and seed)."""
    value = f"(unsigned long long){device.get_array_name(variable)}[0]"
    if device_name == "cuda":
        device.insert_code("main", f"random_number_buffer.set_seed({value});")
    else:
        device.insert_code("main", f"for (int _i = 0; _i < {max(threads, 1)}; _i++) "
                                   f"brian::_random_generators[_i].seed({value} + _i);")


def _release_project():
    """Forget this process's standalone project, and its Brian2 objects with it: objects still
    alive would make the next network's names (and so its code) differ, and recompile it."""
    global _PROJECT
    _PROJECT = None
    gc.collect()


def _write_run_args(device, run_args: dict, build_dir: str, chunk: str) -> tuple[list[str], list[str]]:
    """Write the run_args arrays ourselves, in files of this chunk only: (command-line arguments, files).

    Brian2 names an array file by a hash of its content and skips writing one
    that exists. Trainings that share a build (same seed and shape, another
    run-time parameter such as η) then share their stimulus files, and the
    first to remove one after its chunk takes it from the other, whose chunk
    runs without input. A killed process could also leave a truncated file
    that a resumed run would read as its weights. Names unique to the chunk,
    written atomically, avoid both.
    """
    from brian2 import TimedArray

    from .results import atomic_write

    arguments, files = [], []
    for key, value in run_args.items():
        prepare = device._prepare_timed_array_run_arg if isinstance(key, TimedArray) \
            else device._prepare_variableview_run_arg
        name, string_value, value_name, array = prepare(key, value)
        if value_name:  # an array; a scalar goes on the command line as it is
            value_name = f"{chunk}_{value_name}"
            atomic_write(os.path.join(build_dir, "static_arrays", value_name), array.tobytes())
            files.append(value_name)
            string_value = os.path.join("static_arrays", value_name)
        arguments.append(f"{name}={string_value}")
    return arguments, files


def _activate_standalone(device_name, build_dir, threads):
    """A clean standalone device (one per process at a time, Brian2's rule)."""
    from brian2 import prefs, set_device
    from brian2.devices.device import all_devices

    brian_name = _BRIAN_DEVICE[device_name]
    if device_name == "cuda":
        import brian2cuda  # noqa: F401  (registers cuda_standalone)
    if brian_name in all_devices:
        all_devices[brian_name].reinit()
        gc.collect()  # the last project's code objects: alive, they would rename this one's
    prefs.reset_to_defaults()  # undo another device's workarounds
    prefs.devices.cpp_standalone.openmp_threads = threads
    set_device(brian_name, directory=build_dir, build_on_run=False)


def _runtime_target():
    try:
        import Cython  # noqa: F401
        return "cython"
    except ImportError:
        return "numpy"


def _source_hash(model):
    with open(model.__file__, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()[:12]


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
