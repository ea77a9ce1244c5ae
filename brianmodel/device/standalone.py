"""Devices by name, standalone build folders, and Brian2's one-project-per-process rule.

``runtime``: Brian2's runtime mode (Cython code, numpy if Cython is missing),
for debugging small networks. ``cpp``: ``cpp_standalone``; ``cuda``:
``cuda_standalone`` (brian2cuda). A standalone project is generated and
compiled into a build folder named by a hash of what is compiled in
(``<build root>/<device>-<name>-...-<hash>``, the build root
``~/.cache/brianmodel/builds`` or ``BRIANMODEL_BUILD_ROOT``), so that
re-running it with other run-time values recompiles nothing.

Brian2 holds one standalone project per process: :func:`activate` resets
the device, and the project of the last build is kept (:data:`project`) so
that simulators of the same build folder share it; generating it again in one
process would rename code objects and recompile everything.
"""
from __future__ import annotations

import gc
import hashlib
import logging
import os
from dataclasses import dataclass

from brian2 import Network, device as brian_device, prefs, set_device
from brian2.devices.device import all_devices
from brian2.utils.filelock import FileLock

from ..errors import DeviceError
from .cuda import check_cuda_target, configure_cuda, cuda_toolkit, environment_compute_capability

__all__ = ["DEVICES", "check_device", "default_build_root", "activate", "openmp_environment", "release_project",
           "source_hash",
           "run_once", "runtime_target", "Project"]

log = logging.getLogger(__name__)

DEVICES = ("runtime", "cpp", "cuda")
BRIAN_DEVICE = {"cpp": "cpp_standalone", "cuda": "cuda_standalone"}


def check_device(name: str) -> str:
    """``name`` if this machine can use that device; a DeviceError naming what is missing otherwise."""
    if name not in DEVICES:
        raise DeviceError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    if name == "cuda":
        try:
            import brian2cuda  # noqa: F401  (optional: pip install -e '.[cuda]')
        except ImportError:
            raise DeviceError("device 'cuda' needs brian2cuda: pip install -e '.[cuda]'") from None
        cuda_toolkit()
    return name


def default_build_root() -> str:
    return os.environ.get("BRIANMODEL_BUILD_ROOT",
                          os.path.join(os.path.expanduser("~"), ".cache", "brianmodel", "builds"))


def runtime_target() -> str:
    """Cython when it is installed, numpy otherwise."""
    try:
        import Cython  # noqa: F401  (optional)
        return "cython"
    except ImportError:
        return "numpy"


def source_hash(files) -> str:
    digest = hashlib.sha1()
    for path in sorted(files):
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:12]


@dataclass
class Project:
    """The standalone project this process generated last: its folder, the built network, Brian2's device."""

    build_dir: str
    network: object
    device: object
    build_time: float


project: Project | None = None


def release_project():
    """Forget this process's standalone project, and its Brian2 objects with it: objects still
    alive would make the next network's names (and so its code) differ, and recompile it."""
    global project
    project = None
    gc.collect()


def activate(device_name: str, threads: int = 0, build_root: str | None = None,
             compute_capability: float | None = None):
    """A clean standalone device (one per process at a time, Brian2's rule), configured for ``device_name``."""
    brian_name = BRIAN_DEVICE[device_name]
    if device_name == "cuda":
        import brian2cuda  # noqa: F401  (optional; registers cuda_standalone)
    if brian_name in all_devices:
        all_devices[brian_name].reinit()
        gc.collect()  # the last project's code objects: alive, they would rename this one's
    prefs.reset_to_defaults()  # undo another device's workarounds
    prefs.devices.cpp_standalone.openmp_threads = threads
    if threads > 0:
        prefs.devices.cpp_standalone.run_environment_variables = openmp_environment()
    set_device(brian_name, build_on_run=False)
    if device_name == "cuda":
        configure_cuda(build_root or default_build_root(), compute_capability)


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


def build(build_dir: str, run: bool = False):
    """Compile the generated project into ``build_dir`` (and run it), one process at a time per folder."""
    os.makedirs(os.path.dirname(build_dir), exist_ok=True)
    with FileLock(build_dir + ".lock"):  # parallel processes may share a build
        brian_device.build(directory=build_dir, compile=True, run=run, with_output=False)


def run_once(make, device: str = "cpp", name: str = "protocol", key: str = "", sources=(),
             build_root: str | None = None, compute_capability: float | None = None):
    """Build and run a small one-off network (a protocol's), return what ``make``'s reader returns.

    ``make()`` builds the Brian2 objects and returns ``(network, namespace,
    duration, read)``; ``read()`` is called after the run. Standalone builds
    go to ``<build_root>/<device>-<name>-<hash of key, sources>``, so
    repeating a protocol with the same ``key`` recompiles nothing.
    """
    check_device(device)
    if device == "runtime":
        set_device("runtime")
        network, namespace, duration, read = make()
        network.run(duration, namespace=namespace)
        return read()
    compute_capability = environment_compute_capability(compute_capability)
    if device == "cuda":
        check_cuda_target(compute_capability)
    build_root = build_root or default_build_root()
    digest = hashlib.sha1(f"{key}|{source_hash(sources)}|{compute_capability}".encode()).hexdigest()[:16]
    build_dir = os.path.join(build_root, f"{device}-{name}-{digest}")
    release_project()  # a simulator's project, if any, goes with the device reset
    activate(device, 0, build_root, compute_capability)
    network, namespace, duration, read = make()
    if not isinstance(network, Network):
        raise TypeError(f"make() must return a brian2 Network first, got {type(network).__name__}")
    network.run(duration, namespace=namespace)
    log.info("building and running the %s network (%s) in %s", name, device, build_dir)
    with FileLock(build_dir + ".lock"):  # parallel processes may share the build and its results folder
        brian_device.build(directory=build_dir, compile=True, run=True, with_output=False)
        return read()
