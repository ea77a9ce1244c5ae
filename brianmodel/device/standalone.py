"""Standalone build folders, and Brian2's one-project-per-process rule.

The devices themselves are classes (:mod:`.targets`). A standalone project
is generated and compiled into a build folder named by a hash of what is
compiled in (``<build root>/<device>-<name>-...-<hash>``, the build root
``~/.cache/brianmodel/builds`` or ``BRIANMODEL_BUILD_ROOT``), so that
re-running it with other run-time values recompiles nothing.

A build folder may be compiled on another machine and carried to the one
that runs it (:func:`mark_prebuilt`, ``benchmarks/gpu/prebuild.py``: CUDA
binaries compiled here for a GPU machine): its binary is run as is when the
project generated there matches the one it was compiled from
(:func:`generated_sources_digest`), and compiled again otherwise.

Brian2 holds one standalone project per process: a target's ``activate``
resets the device, and the project of the last build is kept (:data:`project`) so
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
import shutil
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import numpy as np
from brian2 import Network, defaultclock, device as brian_device
from brian2.codegen.cpp_prefs import get_compiler_and_args
from brian2.utils.filelock import FileLock

from ..errors import DeviceError, SimulationError
from .targets import DEVICES, Target, default_build_root, openmp_environment, target
from .writeout import OBJECTS_SOURCE, source_state

__all__ = ["DEVICES", "check_device", "default_build_root", "openmp_environment", "release_project", "source_hash",
           "run_once", "runtime_target", "Project", "PREBUILT", "mark_prebuilt", "generated_sources_digest",
           "binary_origin", "private_copy", "build"]

log = logging.getLogger(__name__)


def check_device(name: str) -> str:
    """``name`` if this machine can use that device; a DeviceError naming what is missing otherwise."""
    target(name)
    return name


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


def build(build_dir: str, run: bool = False, unwritten=(), device_target: Target | None = None,
          compile: bool = True):
    """Write the generated project into ``build_dir`` and compile it (and run it), one process at a time per
    folder (``compile=False``: write the sources only).

    ``unwritten``: names of arrays the binary need not write after a run
    (:func:`.writeout.unread_synapse_arrays`), left out by ``device_target``
    (the target the project was generated for). A folder marked by
    :func:`mark_prebuilt` keeps its binary when the project generated now
    matches the one it was compiled from; make alone would compare file
    times, which a copy to another machine does not keep.
    """
    os.makedirs(os.path.dirname(build_dir), exist_ok=True)
    with FileLock(build_dir + ".lock"):  # parallel processes may share a build
        marker = _prebuilt(build_dir)
        previous = source_state(os.path.join(build_dir, OBJECTS_SOURCE))
        if device_target is not None:
            device_target.prepare_build(unwritten)
        brian_device.build(directory=build_dir, compile=False, run=False, with_output=False)
        if device_target is not None:
            device_target.patch_project(build_dir, unwritten, previous)
        if not compile:
            return
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
    duration, read)``; ``read()`` is called after the run and returns a dict
    of arrays (or one array), which must be finite (a SimulationError says
    which are not: a parameter made the simulation unstable). Standalone builds
    go to ``<build_root>/<device>-<name>-<hash of key, sources>``, so
    repeating a protocol with the same ``key`` recompiles nothing.
    """
    chosen = target(device, compute_capability=compute_capability)
    if not chosen.standalone and not run:
        raise DeviceError("the runtime device builds nothing ahead: run=False needs a standalone device")
    clock_dt = defaultclock.dt  # make() sets the protocol's step; the caller's own networks keep theirs
    try:
        return _build_and_run(make, chosen, device, name, key, sources, build_root, run)
    finally:
        defaultclock.dt = clock_dt


def _build_and_run(make, chosen: Target, device, name, key, sources, build_root, run):
    if not chosen.standalone:
        chosen.activate()
        network, namespace, duration, read = make()
        network.run(duration, namespace=namespace)
        return _finite(name, read())
    build_root = build_root or default_build_root()
    digest = hashlib.sha1(f"{key}|{source_hash(sources)}|{json.dumps(chosen.key(), sort_keys=True)}".encode()
                          ).hexdigest()[:16]
    build_dir = os.path.join(build_root, f"{device}-{name}-{digest}")
    release_project()  # a simulator's project, if any, goes with the device reset
    chosen.activate(build_root)
    network, namespace, duration, read = make()
    if not isinstance(network, Network):
        raise TypeError(f"make() must return a brian2 Network first, got {type(network).__name__}")
    network.run(duration, namespace=namespace)
    log.info("building and running the %s network (%s) in %s", name, device, build_dir)
    os.makedirs(build_root, exist_ok=True)
    with FileLock(build_dir + ".run.lock"):  # parallel processes may share the build and its results folder
        build(build_dir, run=run, device_target=chosen)
        return _finite(name, read()) if run else build_dir


def _finite(name: str, result):
    """``result`` (a dict of arrays, or one array) if it is finite (a diverged simulation's is not: nothing of it
    may be saved)."""
    named = result.items() if isinstance(result, dict) else [("its result", result)]
    bad = [key for key, values in named if not np.all(np.isfinite(np.asarray(values, dtype=float)))]
    if bad:
        raise SimulationError(f"the {name} simulation diverged ({', '.join(bad)} not finite): a parameter (a "
                              f"conductance, a time constant, dt) makes it unstable; nothing was written")
    return result
