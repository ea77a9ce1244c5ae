"""The devices brianmodel runs on, one class each, with its configuration read once.

- ``runtime`` (:class:`Runtime`): Brian2's runtime mode (Cython, numpy), for small networks;
- ``cpp`` (:class:`Cpp`, ``cpp_standalone``): C++ standalone on ``threads`` OpenMP threads (0: none);
- ``cuda`` (:class:`Cuda`, ``brianmodel_cuda``): brianmodel's CUDA device (:mod:`.cuda.device`);
- ``cuda-graphs`` (:class:`CudaGraphs`): ``cuda`` whose time step is captured once as a CUDA graph and
  replayed (:mod:`.cuda.graphs`), for networks whose per-step code keeps no state on the host;
- ``cuda-stock`` (:class:`CudaStock`, ``cuda_standalone``): brian2cuda 1.0b1 as it is, the reference
  ``cuda`` is measured against.

A target is what the rest of :mod:`brianmodel.device` asks instead of
testing a device's name: how to activate Brian2's device, what of it is
compiled into a binary (its part of the build key), how a binary reseeds its
random numbers from a run argument, which arrays it may leave unwritten after
a run, and whether a network fits the device's memory. Models never see
targets.
"""
from __future__ import annotations

import gc
import os
from importlib.metadata import PackageNotFoundError, version

from brian2 import get_device, prefs, set_device
from brian2.devices.device import all_devices

from ..errors import DeviceError, SimulationError
from ..memory import check_fits
from .writeout import skip_writing
from .cuda import (check_cuda_target, configure_cuda, cuda_toolkit, environment_compute_capability, gpu_free_memory,
                   gpu_present)

__all__ = ["Target", "Runtime", "Cpp", "Cuda", "CudaGraphs", "CudaStock", "TARGETS", "DEVICES", "target",
           "default_build_root", "openmp_environment", "BRIAN2CUDA"]

BRIAN2CUDA = "1.0b1"  # the brian2cuda whose templates and internals brianmodel's CUDA device derives from


def default_build_root() -> str:
    return os.environ.get("BRIANMODEL_BUILD_ROOT",
                          os.path.join(os.path.expanduser("~"), ".cache", "brianmodel", "builds"))


class Target:
    """A device and its configuration (``threads``: OpenMP threads of cpp; ``compute_capability``: the GPU a
    CUDA binary is built for, detected when None)."""

    name = ""
    brian_device: str | None = None  # Brian2's name of the device (None: runtime mode)
    standalone = True  # compiled into a binary, re-run per chunk
    gpu = False
    spike_buffers = False  # spike monitors record into buffers sized before the run (.spike_buffers)
    wait_code = ""  # C++ that waits until the binary's device has done its queued work (timing the loop)

    def __init__(self, threads: int = 0, compute_capability: float | None = None):
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 0:
            raise SimulationError(f"threads must be an integer >= 0 (0: no OpenMP), got {threads!r}")
        if threads and not isinstance(self, Cpp):
            raise SimulationError(f"threads (OpenMP) apply to the cpp device only, not to {self.name!r}")
        self.threads = threads
        self.compute_capability = environment_compute_capability(compute_capability) if self.gpu else None
        if compute_capability is not None and not self.gpu:
            raise SimulationError(f"compute_capability applies to a CUDA device only, not to {self.name!r}")

    def __repr__(self):
        return f"{type(self).__name__}(threads={self.threads}, compute_capability={self.compute_capability})"

    def check(self) -> "Target":
        """This target, if this machine can build for it; a DeviceError naming what is missing otherwise."""
        return self

    def key(self) -> dict:
        """What of the target is compiled into a binary (part of the build folder's name)."""
        return {"device": self.name, "threads": self.threads, "cc": self.compute_capability}

    def activate(self, build_root: str | None = None):
        """A clean standalone device (one per process at a time, Brian2's rule), configured for this target."""
        if self.brian_device in all_devices:
            all_devices[self.brian_device].reinit()
            gc.collect()  # the last project's code objects: alive, they would rename this one's
        prefs.reset_to_defaults()  # undo another device's workarounds
        set_device(self.brian_device, build_on_run=False)

    def seed_code(self, value: str) -> str:
        """C++ that seeds the binary's random generators from ``value`` (a run argument's array element)."""
        raise NotImplementedError

    def prepare_build(self, unwritten):
        """Before Brian2 writes the project: the per-synapse arrays the binary need not write after a run."""

    def patch_project(self, build_dir: str, unwritten, previous):
        """After Brian2 wrote the project into ``build_dir``, before it compiles."""

    def check_memory(self, model, chunk_size: int):
        """Refuse, before building, a network the device here cannot hold."""

    def runs_here(self) -> bool:
        """Whether the binary is built to run on this machine (not compiled here for a GPU elsewhere)."""
        return True


class Runtime(Target):
    name = "runtime"
    standalone = False

    def activate(self, build_root=None):
        set_device("runtime")


class Cpp(Target):
    name = "cpp"
    brian_device = "cpp_standalone"

    def activate(self, build_root=None):
        super().activate(build_root)
        prefs.devices.cpp_standalone.openmp_threads = self.threads
        if self.threads > 0:
            prefs.devices.cpp_standalone.run_environment_variables = openmp_environment()

    def seed_code(self, value):
        return f"for (int _i = 0; _i < {max(self.threads, 1)}; _i++) brian::_random_generators[_i].seed({value} + _i);"

    def patch_project(self, build_dir, unwritten, previous):
        skip_writing(build_dir, unwritten, previous)


class CudaStock(Target):
    """brian2cuda's ``cuda_standalone`` as it is (with :func:`.cuda.configure_cuda`'s toolkit workarounds)."""

    name = "cuda-stock"
    brian_device = "cuda_standalone"
    gpu = True
    wait_code = "CUDA_SAFE_CALL(cudaDeviceSynchronize());"

    def check(self):
        try:
            import brian2cuda  # noqa: F401  (optional: pip install -e '.[cuda]')
        except ImportError:
            raise DeviceError(f"device {self.name!r} needs brian2cuda: pip install -e '.[cuda]'") from None
        cuda_toolkit()
        return self

    def key(self):
        return {**super().key(), "brian2cuda": _brian2cuda_version()}

    def activate(self, build_root=None):
        self._load()
        super().activate(build_root)
        configure_cuda(build_root or default_build_root(), self.compute_capability)

    def _load(self):
        import brian2cuda  # noqa: F401  (optional; registers cuda_standalone)

    def seed_code(self, value):
        return f"random_number_buffer.set_seed({value});"

    def runs_here(self):
        return gpu_present()

    def check_memory(self, model, chunk_size):
        """No check where there is no GPU (compiling for another machine). brian2cuda keeps the state, the
        synapses' structures and the image table on the GPU."""
        check_cuda_target(self.compute_capability)
        check_fits(model.memory_estimate(chunk_size), gpu_free_memory(), f"{model!r} in chunks of {chunk_size} needs",
                   " on the GPU, which has {:.1f} GiB free", "use fewer copies or hidden units")


class Cuda(CudaStock):
    """brianmodel's CUDA device (:mod:`.cuda.device`), derived from brian2cuda 1.0b1 and pinned to it."""

    name = "cuda"
    brian_device = "brianmodel_cuda"
    spike_buffers = True

    def check(self):
        super().check()
        found = _brian2cuda_version()
        if found != BRIAN2CUDA:
            raise DeviceError(f"device {self.name!r} derives from brian2cuda {BRIAN2CUDA}, found {found}: install "
                              f"brian2cuda=={BRIAN2CUDA} (or use device 'cuda-stock')")
        return self

    def _load(self):
        from .cuda import device  # noqa: F401  (imports brian2cuda, optional; registers brianmodel_cuda)

    def prepare_build(self, unwritten):
        get_device().unwritten_arrays = set(unwritten)


class CudaGraphs(Cuda):
    """:class:`Cuda` with a time step captured once as a CUDA graph and replayed (:mod:`.cuda.graphs`): one
    launch per step. Every launch goes to the per-thread default stream, the one a graph is captured from."""

    name = "cuda-graphs"

    def activate(self, build_root=None):
        super().activate(build_root)
        backend = prefs.devices.cuda_standalone.cuda_backend
        backend.extra_compile_args_nvcc = list(backend.extra_compile_args_nvcc) + ["--default-stream", "per-thread"]
        get_device().graphs = True


TARGETS = {cls.name: cls for cls in (Runtime, Cpp, Cuda, CudaGraphs, CudaStock)}
DEVICES = tuple(TARGETS)


def target(name: str, threads: int = 0, compute_capability: float | None = None) -> Target:
    """The target called ``name`` ('runtime', 'cpp', 'cuda', 'cuda-graphs', 'cuda-stock') with its configuration,
    checked against this machine (a DeviceError names what is missing)."""
    if name not in TARGETS:
        raise DeviceError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    return TARGETS[name](threads, compute_capability).check()


def _brian2cuda_version() -> str | None:
    try:
        return version("brian2cuda")
    except PackageNotFoundError:
        return None


def openmp_environment() -> dict:
    """The binary's environment with OpenMP threads: idle threads spin (``OMP_WAIT_POLICY=active``).

    Every time step runs some 40 short parallel regions; with GOMP's default
    policy the threads fall asleep between them, and waking them costs more
    than the work: an ensemble of 16 networks on 2 threads took 20.6 s with
    the default policy, 15.0 s spinning, 13.7 s on one thread
    (benchmarks/results/ensembles-cpu-2cores.txt, docs/ensembles.md).
    Spinning threads need a core each: threads x processes must not exceed
    the cores. A policy in the environment wins.
    """
    environment = dict(prefs.devices.cpp_standalone.run_environment_variables)
    environment["OMP_WAIT_POLICY"] = os.environ.get("OMP_WAIT_POLICY", "active")
    return environment
