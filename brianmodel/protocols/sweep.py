"""Sweeps over synapse location and delays: one training per grid point, run in parallel.

A grid point is (feedback location, feedforward axonal delay, feedback axonal
delay). Every point trains the autoencoder from the same seed (same initial
weights, same images) and records the frozen-probe reconstruction_corr,
corr(Q, Wᵀ) and Δt1, Δt2 of the last training chunk, in one row of
``<out>/sweep.csv``.

Builds: locations and delays are run-time parameters, so all points of one
network shape run one binary. It is compiled once, into ``<out>/builds``
(:func:`compile_shape`); each worker process copies the compiled folder into
its own ``<out>/workers/<host>-<pid>`` and runs it from there, so that no
process deletes run_args files another is about to read. A row records
whether its worker had to compile code objects (it should not; Brian2
regenerates main.cpp in every process, with some initialisations in another
order, so that one file is recompiled, in about a second). A worker that
cannot see ``<out>/builds`` (a Dask worker on another machine) compiles its own copy.

Workers: a local process pool (``workers``), or an existing Dask cluster
(``scheduler``, the address of a ``dask.distributed`` scheduler). Points whose
row is saved are not run again, so an interrupted sweep resumes.
"""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import logging
import math
import multiprocessing
import os
import shutil
import socket
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from brian2 import ms, um

from ..datasets import load_dataset
from ..device import Simulator, StandaloneSimulator
from ..errors import ProtocolError
from ..io import csv_text
from ..mstdp.model import Model
from ..mstdp.probes import probe
from ..params.mstdp import ModelParams
from ..params.run import RunSettings
from ..results import ResultsFolder
from ..training import train
from .readers import GRID_COLUMNS, RESULT_COLUMNS, TABLE_COLUMNS

__all__ = ["SweepGrid", "run_sweep", "compile_shape", "run_point", "point_params", "point_name", "comparable"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepGrid:
    """The grid: every combination of feedback location, feedforward delay and feedback delay."""

    locations_um: tuple = (50.0, 250.0, 450.0)  # the feedback synapse's distance from the visible soma
    delays_feedforward_ms: tuple = (2.0, 5.0, 8.0)  # W's axonal delay
    delays_feedback_ms: tuple = (1.0, 3.0, 5.0)  # Q's axonal delay

    def points(self) -> list[dict]:
        return [dict(zip(GRID_COLUMNS, values)) for values in
                itertools.product(self.locations_um, self.delays_feedforward_ms, self.delays_feedback_ms)]

    def validate(self, base: ModelParams) -> "SweepGrid":
        for name in ("locations_um", "delays_feedforward_ms", "delays_feedback_ms"):
            values = getattr(self, name)
            if not values:
                raise ProtocolError(f"the grid needs at least one value of {name}")
            if len(set(values)) != len(values):
                raise ProtocolError(f"{name} repeats a value: {values}")
        names = [point_name(point) for point in self.points()]
        if len(set(names)) != len(names):
            raise ProtocolError("grid values closer than 6 significant digits would share a results folder")
        for point in self.points():
            point_params(base, point)
        return self


def point_params(base: ModelParams, point: dict) -> ModelParams:
    """``base`` with this point's location and delays (validated: bad values fail before anything runs)."""
    return base.with_overrides(locations={"feedback": point["location_um"] * um},
                               connections={"delay_feedforward": point["delay_feedforward_ms"] * ms,
                                            "delay_feedback": point["delay_feedback_ms"] * ms})


def comparable(rows: list[dict]) -> list[tuple]:
    """The grid and result columns of ``rows`` as the CSV keeps them (6 significant digits, NaN as
    'nan': no final bout), for comparing two runs of one sweep."""
    def value(v):
        return "nan" if math.isnan(v) else float(f"{v:.5g}")

    return [tuple(value(float(row[k])) for k in GRID_COLUMNS + RESULT_COLUMNS) for row in rows]


def point_name(point: dict) -> str:
    return "loc{location_um:g}um-ff{delay_feedforward_ms:g}ms-fb{delay_feedback_ms:g}ms".format(**point)


# -- one point (runs in a worker process) -------------------------------------

def _worker_root(out: str) -> str:
    return os.path.join(out, "workers", f"{socket.gethostname()}-{os.getpid()}")


def _private_build(shared_root: str, own_root: str, build_name: str) -> None:
    """Copy the compiled build into this worker's build root (once), atomically."""
    target = os.path.join(own_root, build_name)
    source = os.path.join(shared_root, build_name)
    if os.path.exists(target) or not os.path.exists(os.path.join(source, "main")):
        return
    os.makedirs(own_root, exist_ok=True)
    tmp = target + f".copy-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    # copy2 keeps modification times: make sees the objects up to date and compiles nothing
    shutil.copytree(source, tmp, symlinks=True, ignore=shutil.ignore_patterns("results", "init_*.dat"))
    os.replace(tmp, target)


def _simulator(params: ModelParams, settings: RunSettings, n_visible: int, root: str) -> StandaloneSimulator:
    """The point's simulator (constructing one compiles nothing: it names the build folder)."""
    return Simulator(Model(params, n_visible), settings.device, settings.effective_chunk, build_root=root,
                     threads=settings.threads, compute_capability=settings.compute_capability)


def compile_shape(task: dict) -> dict:
    """Compile the sweep's binary into ``task['builds']`` (unless it is there); {'build': folder name,
    'seconds': build time, 'compiled': whether anything was compiled}."""
    params, settings = ModelParams.from_dict(task["params"]), RunSettings(**task["settings"])
    n_visible = load_dataset(settings.dataset).n_visible
    simulator = _simulator(params, settings, n_visible, task["builds"])
    before = _object_times(simulator.build_dir)
    simulator.prepare()
    return {"build": os.path.basename(simulator.build_dir), "seconds": simulator.build_time,
            "compiled": _object_times(simulator.build_dir) != before}


def run_point(task: dict) -> dict:
    """Train and probe one grid point; its row (saved in ``<point folder>/row.json``)."""
    folder = os.path.join(task["out"], "points", point_name(task["point"]))
    row_file = os.path.join(folder, "row.json")
    if os.path.exists(row_file):
        with open(row_file) as f:
            return json.load(f)
    start = time.perf_counter()
    base, settings = ModelParams.from_dict(task["params"]), RunSettings(**task["settings"])
    params = point_params(base, task["point"])
    own_root = _worker_root(task["out"])
    n_visible = load_dataset(settings.dataset).n_visible
    build_dir = _simulator(params, settings, n_visible, own_root).build_dir
    _private_build(task["builds"], own_root, os.path.basename(build_dir))
    before = _object_times(build_dir)

    results = ResultsFolder(folder)
    with _point_log(point_name(task["point"]), quiet=task.get("quiet", False)):
        train(params, settings, folder, resume=results.has_params(), build_root=own_root)
        final = probe(results, "final", presentations=task["probe_presentations"], build_root=own_root)
    last = results.read_metrics()[-1]
    row = {**task["point"], "reconstruction_corr": float(final["reconstruction_corr"]),
           **{k: float(last[k]) for k in ("qw_correlation", "dt1_ms", "dt2_ms", "hidden_rate")},
           "compiled": _object_times(build_dir) != before,
           "wall_s": time.perf_counter() - start, "worker": os.path.basename(own_root)}
    with results.writing("sweep point"):
        results.write_json("row.json", row)
    return row


@contextlib.contextmanager
def _point_log(name: str, quiet: bool):
    """brianmodel's messages in this worker, prefixed by the point's name (nothing if ``quiet``)."""
    logger = logging.getLogger("brianmodel")
    if quiet:
        yield
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(f"[{name}] %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _object_times(build_dir: str) -> dict:
    """Modification times of the compiled code objects. (main.cpp is regenerated and recompiled
    in every process: Brian2 orders some initialisations differently per process.)"""
    folder = os.path.join(build_dir, "code_objects")
    if not os.path.isdir(folder):
        return {}
    return {name: os.path.getmtime(os.path.join(folder, name)) for name in os.listdir(folder) if name.endswith(".o")}


# -- the whole sweep ----------------------------------------------------------

def run_sweep(base: ModelParams, settings: RunSettings, grid: SweepGrid, out: str, *, workers: int = 1,
              scheduler: str | None = None, probe_presentations: int = 200, build_root: str | None = None,
              quiet: bool = False) -> list[dict]:
    """Run every grid point (skipping saved ones), write ``<out>/sweep.csv`` and ``<out>/sweep.json``.

    The binary is compiled into ``build_root`` (default ``<out>/builds``) unless it is there already.
    """
    if workers < 1:
        raise ProtocolError(f"workers must be at least 1, got {workers}")
    if probe_presentations < 1:
        raise ProtocolError(f"probe_presentations must be positive, got {probe_presentations}")
    settings.validate()
    base.validate()
    grid.validate(base)
    if settings.device == "runtime":
        raise ProtocolError("a sweep needs a standalone device (cpp or cuda): its points share one compiled binary")
    load_dataset(settings.dataset)  # a missing dataset fails here, not in every worker
    out = os.path.abspath(out)
    # one build serves every point: compile it for the first point's parameters
    first = point_params(base, grid.points()[0])
    common = {"params": first.to_dict(), "settings": dataclasses.asdict(settings),
              "builds": os.path.abspath(build_root or os.path.join(out, "builds"))}
    tasks = [{**common, "params": base.to_dict(), "point": point, "out": out,
              "probe_presentations": probe_presentations, "quiet": quiet} for point in grid.points()]
    started = time.perf_counter()
    folder = ResultsFolder(out)
    with _executor(workers, scheduler) as submit, folder.writing("sweep"):  # connects first: nothing is written
        _write_info(folder, base, settings, grid, workers, scheduler, probe_presentations)
        log.info("compiling the sweep's network (%d points, %s)", len(tasks),
                 f"scheduler {scheduler}" if scheduler else f"{workers} worker process(es)")
        build = submit(compile_shape, [common])[0]
        log.info("build %s ready in %.1f s; running the points", build["build"], build["seconds"])
        rows = submit(run_point, tasks)
        wall = time.perf_counter() - started
        folder.write_text("sweep.csv", csv_text(TABLE_COLUMNS, rows))
        summary = {"points": len(rows), "builds": int(build["compiled"]) + sum(bool(r["compiled"]) for r in rows),
                   "network_shapes": 1, "wall_s": wall, "workers": workers, "scheduler": scheduler,
                   "build": build["build"], "build_s": build["seconds"]}
        folder.write_json("sweep.json", summary)
    log.info("%d points in %.0f s with %d compilation(s) for 1 network shape; table in %s", len(rows), wall,
             summary["builds"], folder.file("sweep.csv"))
    return rows


class _executor:
    """``submit(function, tasks) -> results in task order`` on a process pool or a Dask cluster."""

    def __init__(self, workers, scheduler):
        self.workers, self.scheduler = workers, scheduler

    def __enter__(self):
        if self.scheduler:
            try:
                from distributed import Client  # optional: pip install -e '.[sweep]'
            except ImportError:
                raise ProtocolError("--scheduler needs dask.distributed: pip install -e '.[sweep]'") from None
            try:
                self.client = Client(self.scheduler, timeout=30)
            except (OSError, TimeoutError) as error:
                raise ProtocolError(f"cannot reach the Dask scheduler at {self.scheduler}: {error}") from None
            threads = self.client.nthreads()
            if not threads or any(n != 1 for n in threads.values()):
                self.client.close()
                # Brian2 holds one standalone project per process: two points at once in one process collide
                raise ProtocolError(f"every Dask worker must run one thread (dask worker ... --nthreads 1); "
                                 f"the cluster at {self.scheduler} has {sorted(set(threads.values()))} threads "
                                 f"per worker")
            return lambda function, tasks: self.client.gather(self.client.map(function, tasks, pure=False))
        # spawn: a fresh Brian2 in every worker (a forked one would inherit this process's device)
        self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return lambda function, tasks: list(self.pool.map(function, tasks))

    def __exit__(self, *exc):
        if self.scheduler:
            self.client.close()
        else:
            self.pool.shutdown(cancel_futures=True)
        return False


def _write_info(folder: ResultsFolder, base, settings, grid, workers, scheduler, probe_presentations):
    info = {"model": base.to_dict(), "run": dataclasses.asdict(settings), "grid": dataclasses.asdict(grid),
            "workers": workers, "scheduler": scheduler, "probe_presentations": probe_presentations}
    if folder.has_params():  # resuming: the same sweep, or refuse
        saved = folder.read_params()
        for key in ("model", "run", "probe_presentations"):
            if saved.get(key) != json.loads(json.dumps(info[key])):
                raise ProtocolError(f"{folder.path!r} holds a sweep with other {key} settings; use another output "
                                    f"folder")
        folder.write_params({**saved, **info}, resumed=True)
    else:
        folder.write_params(info)
