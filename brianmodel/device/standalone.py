"""Devices by name, standalone build folders, and Brian2's one-project-per-process rule.

``runtime``: Brian2's runtime mode (Cython code, numpy if Cython is missing),
for debugging small networks. ``cpp``: ``cpp_standalone``; ``cuda``:
``cuda_standalone`` (brian2cuda). A standalone project is generated and
compiled into a build folder named by a hash of what is compiled in
(``<build root>/<device>-<name>-...-<hash>``, the build root
``~/.cache/brianmodel/builds`` or ``BRIANMODEL_BUILD_ROOT``), so that
re-running it with other run-time values recompiles nothing.

A build folder may be compiled on another machine and carried to the one
that runs it (:func:`mark_prebuilt`, ``benchmarks/gpu/prebuild.py``: CUDA
binaries compiled here for a GPU machine): its binary is run as is when the
project generated there matches the one it was compiled from
(:func:`generated_sources_digest`), and compiled again otherwise.

Brian2 holds one standalone project per process: :func:`activate` resets
the device, and the project of the last build is kept (:data:`project`) so
that simulators of the same build folder share it; generating it again in one
process would rename code objects and recompile everything.
"""
from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import platform
import re
import shutil
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from brian2 import Network, Synapses, device as brian_device, prefs, set_device
from brian2.codegen.cpp_prefs import get_compiler_and_args
from brian2.devices.device import all_devices
from brian2.utils.filelock import FileLock

from ..errors import DeviceError
from .cuda import check_cuda_target, configure_cuda, cuda_toolkit, environment_compute_capability

__all__ = ["DEVICES", "check_device", "default_build_root", "activate", "openmp_environment", "release_project",
           "source_hash",
           "run_once", "runtime_target", "Project", "PREBUILT", "mark_prebuilt", "generated_sources_digest",
           "binary_origin", "unread_synapse_arrays", "skip_writing", "private_copy"]

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


def build(build_dir: str, run: bool = False, unwritten=()):
    """Compile the generated project into ``build_dir`` (and run it), one process at a time per folder.

    ``unwritten``: names of arrays the binary does not write after a run
    (:func:`unread_synapse_arrays`; cpp only). A folder marked by
    :func:`mark_prebuilt` keeps its binary when the project generated now
    matches the one it was compiled from; make alone would compare file
    times, which a copy to another machine does not keep.
    """
    os.makedirs(os.path.dirname(build_dir), exist_ok=True)
    with FileLock(build_dir + ".lock"):  # parallel processes may share a build
        marker = _prebuilt(build_dir)
        previous = _source_state(os.path.join(build_dir, OBJECTS_SOURCE))
        brian_device.build(directory=build_dir, compile=False, run=False, with_output=False)
        skip_writing(build_dir, unwritten, previous)
        if marker is not None and generated_sources_digest(build_dir) != marker.get("sources"):
            log.warning("the project generated in %s differs from the one its prebuilt binary (%s) was compiled "
                        "from: compiling it here", build_dir, marker.get("built_on", "?"))
            os.remove(os.path.join(build_dir, PREBUILT))
            marker = None
        if marker is None:
            brian_device.compile_source(build_dir, get_compiler_and_args()[0], False, False)
        else:
            log.info("running the binary prebuilt in %s on %s", build_dir, marker.get("built_on", "?"))
        if run:
            brian_device.run(directory=build_dir, results_directory="results", with_output=False)


# -- what a binary writes after a run --------------------------------------------
OBJECTS_SOURCE = "objects.cpp"  # cpp_standalone's; its _write_arrays() writes every array after a run


def unread_synapse_arrays(objects, results) -> list[str]:
    """Names of the per-synapse arrays of the Synapses among ``objects`` other than those of the Brian2
    variables ``results``: what no one reads after a run (indices, delays, traces, ...).

    Brian2 writes every array after a run; an ensemble of 16 networks
    wrote 600 MB that way, a tenth of its run time, to read back 80 MB of
    weights.
    """
    owners = {obj.name for obj in objects if isinstance(obj, Synapses)}
    kept = {brian_device.get_array_name(variable, access_data=False) for variable in results}
    return sorted(name for variable, name in brian_device.dynamic_arrays.items()
                  if _owner_name(variable) in owners and name not in kept)


def _owner_name(variable):
    try:
        return variable.owner.name
    except (AttributeError, ReferenceError):  # no owner, or one gone
        return None


def skip_writing(build_dir: str, names, previous=None):
    """Take the writing of the arrays ``names`` out of a generated cpp project (the binary then writes the
    others only). ``previous``: the patched source's (text, times) before Brian2 generated it again, whose
    times are kept when the text comes out the same, so that make does not recompile it."""
    path = os.path.join(build_dir, OBJECTS_SOURCE)
    if not names or not os.path.exists(path):  # (cuda_standalone: objects.cu, written otherwise; left alone)
        return
    with open(path) as f:
        text = f.read()
    for name in names:
        block = re.compile(r"\n[ \t]*ofstream outfile_" + re.escape(name) + r";\n.*?Error writing output file for "
                           + re.escape(name) + r"\.\" << endl;\n[ \t]*\}", re.DOTALL)
        text, found = block.subn("", text)
        if found != 1:
            raise DeviceError(f"cannot take {name} out of {path}'s results: Brian2's objects.cpp template is "
                              f"not the one brianmodel knows ({found} blocks found)")
    with open(path, "w") as f:
        f.write(text)
    if previous is not None and previous[0] == text:  # Brian2 rewrote it unpatched: as it was before
        os.utime(path, ns=previous[1])


def _source_state(path):
    """(text, (atime_ns, mtime_ns)) of a file, None if it does not exist."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        stat = os.stat(path)
        return f.read(), (stat.st_atime_ns, stat.st_mtime_ns)


def private_copy(shared_root: str, own_root: str, build_name: str) -> str:
    """A compiled build folder copied (once, atomically) from ``shared_root`` into ``own_root``; its path.

    Processes that run one binary at once each run their own copy: a
    process that generates the project again rewrites its data files,
    which another's binary may be reading.
    """
    target = os.path.join(own_root, build_name)
    source = os.path.join(shared_root, build_name)
    if os.path.exists(target) or not os.path.exists(os.path.join(source, "main")):
        return target
    os.makedirs(own_root, exist_ok=True)
    tmp = target + f".copy-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    # copy2 keeps modification times: make sees the objects up to date and compiles nothing
    shutil.copytree(source, tmp, symlinks=True, ignore=shutil.ignore_patterns("results", "init_*.dat"))
    os.replace(tmp, target)
    return target


PREBUILT = "PREBUILT.json"  # in a build folder: its binary was compiled elsewhere, from the sources hashed there
SOURCE_SUFFIXES = (".cu", ".cpp", ".c", ".h", ".hpp", ".cuh")


def generated_sources_digest(build_dir: str) -> str:
    """Hash of what generated a project folder's C++/CUDA sources: the code generator's versions and each
    source file's name and size (not the makefile, which names local paths, nor the data).

    Sizes, not contents: brian2cuda writes some code in the order of Python
    sets of objects, which changes from process to process (the order of
    statements; which of a monitor's equally long arrays gives its size), so
    one network's sources differ in order between two generations; another
    code generator, or another network, changes their sizes.
    """
    digest = hashlib.sha1(json.dumps(_generator_versions(), sort_keys=True).encode())
    for root, dirs, files in os.walk(build_dir):
        dirs[:] = sorted(d for d in dirs if d not in ("results", "static_arrays"))
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                path = os.path.join(root, name)
                digest.update(f"{os.path.relpath(path, build_dir)}:{os.path.getsize(path)}\n".encode())
    return digest.hexdigest()


def _generator_versions() -> dict:
    versions = {}
    for name in ("brian2", "brian2cuda", "sympy", "jinja2"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def mark_prebuilt(build_dir: str, note: str = "") -> dict:
    """Mark a compiled project folder as carried elsewhere: writes ``PREBUILT.json`` (the sources' hash,
    where and when it was built) into it; returns what was written."""
    if not os.access(os.path.join(build_dir, "main"), os.X_OK):
        raise DeviceError(f"{build_dir} holds no compiled binary 'main' to carry")
    marker = {"sources": generated_sources_digest(build_dir), "built_on": platform.node() or "?",
              "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "note": note}
    with open(os.path.join(build_dir, PREBUILT), "w") as f:
        json.dump(marker, f, indent=1)
    return marker


def binary_origin(build_dir: str) -> str:
    """'carried binary' (compiled elsewhere and run as is) or 'compiled here', for a built folder."""
    return "carried binary" if _prebuilt(build_dir) is not None else "compiled here"


def _prebuilt(build_dir: str) -> dict | None:
    path = os.path.join(build_dir, PREBUILT)
    if not os.path.exists(path) or not os.access(os.path.join(build_dir, "main"), os.X_OK):
        return None
    try:
        with open(path) as f:
            marker = json.load(f)
    except (OSError, ValueError):
        log.warning("unreadable %s: compiling %s here", path, build_dir)
        return None
    return marker if isinstance(marker, dict) else None


def run_once(make, device: str = "cpp", name: str = "protocol", key: str = "", sources=(),
             build_root: str | None = None, compute_capability: float | None = None, run: bool = True):
    """Build and run a small one-off network (a protocol's), return what ``make``'s reader returns
    (``run=False``: build it only, for a machine that runs it later, and return its folder).

    ``make()`` builds the Brian2 objects and returns ``(network, namespace,
    duration, read)``; ``read()`` is called after the run. Standalone builds
    go to ``<build_root>/<device>-<name>-<hash of key, sources>``, so
    repeating a protocol with the same ``key`` recompiles nothing.
    """
    check_device(device)
    if device == "runtime" and not run:
        raise DeviceError("the runtime device builds nothing ahead: run=False needs 'cpp' or 'cuda'")
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
    os.makedirs(build_root, exist_ok=True)
    with FileLock(build_dir + ".run.lock"):  # parallel processes may share the build and its results folder
        build(build_dir, run=run)
        return read() if run else build_dir
