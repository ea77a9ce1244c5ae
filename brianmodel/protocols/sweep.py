"""Sweeps over run-time parameters: every point of a grid (× seeds) trained and probed, as the copies of ensembles.

A grid names run-time fields of :class:`~brianmodel.params.mstdp.ModelParams`
and their values (``locations.feedback = 50 µm, 250 µm, 450 µm``), or a
parameter of a pathway's rule (``rules.lateral.alpha = 0.05, 0.1``: the rule's
name is compiled in, its parameters are run-time values); a point is one value
of each, and a seed. Every point trains the autoencoder (its seed
draws its initial weights and image order) and is probed frozen; its row of
``<out>/sweep.csv`` holds its values, the probe's reconstruction_corr, and
corr(Q, Wᵀ), Δt1, Δt2 and the hidden rate of its last training chunk; with
a holdout (``settings.holdout``), the probe draws from the training images and
``held_out_corr`` is the reconstruction of the images it never trained on;
``q_column_corr_coactive`` and ``template_corr`` say how alike its active
units' features are (:mod:`brianmodel.analysis.code`, on the held-out images
where there are some). Its results folder, ``<out>/points/<name>``, is a training's like any other.

Ensembles: the points are packed, in grid order, into ensembles of ``copies``
copies (the last one filled with idle copies), each one binary run in
lockstep (:func:`brianmodel.training.train_ensemble`): every point's result is
exactly what it would be trained alone. All ensembles of a sweep have one
shape, so the sweep compiles once, into ``<out>/builds``
(:func:`compile_shape`); each worker process copies the compiled folder into
its own ``<out>/workers/<host>-<pid>`` and runs it from there, so that no
process deletes run_args files another is about to read. A worker that cannot
see ``<out>/builds`` (a Dask worker on another machine) compiles its own copy.

Workers: a local process pool (``workers``), or an existing Dask cluster
(``scheduler``, the address of a ``dask.distributed`` scheduler), one
ensemble per task. Ensembles whose points all have a row are not run again,
and an interrupted one resumes from its last checkpoint, so an interrupted
sweep resumes.
"""
from __future__ import annotations

import dataclasses
import itertools
import logging
import math
import os
import socket
import time
from dataclasses import dataclass, fields

from brian2 import Quantity, get_dimensions, get_unit, ms, um

from ..cli import worker_log
from ..datasets import load_dataset
from ..device import Simulator, StandaloneSimulator
from ..errors import ParameterError, ProtocolError
from ..io import csv_text
from ..mstdp.model import Ensemble
from ..mstdp.network import RUN_TIME_FIELDS
from ..mstdp.probes import probe_ensemble
from ..mstdp.trainer import image_table, training_inputs
from ..parameters import decode_value, encode_value
from ..params.mstdp import ModelParams
from ..params.run import RunSettings
from ..readers import RESULT_COLUMNS
from ..results import ResultsFolder
from ..rules import PATHWAYS
from ..training import Member, train_ensemble
from .study import last_metrics, open_study, point_rows, private_build, save_row, saved_row, worker_pool

__all__ = ["Axis", "Grid", "DEFAULT_GRID", "run_sweep", "compile_shape", "run_ensemble", "comparable",
           "parse_grid", "default_copies"]

log = logging.getLogger(__name__)

# fields a grid may run over: the run-time fields, and synapse locations (their values; whether there is one is
# compiled in)
GRID_FIELDS = RUN_TIME_FIELDS | {("locations", "feedback"), ("locations", "feedforward")}


@dataclass(frozen=True)
class Axis:
    """One field of the grid and its values (with units where the field has them)."""

    field: str  # 'section.name'
    values: tuple

    @property
    def unit(self):
        if _is_rule_parameter(self.field):  # a rule's parameter: the unit its values carry
            value = self.values[0] if self.values else None
            return get_unit(get_dimensions(value)) if isinstance(value, Quantity) else None
        section, name = self.field.split(".")
        return _field(section, name).metadata.get("unit")

    @property
    def column(self) -> str:
        """The table's column: the field, and the unit its numbers are in ('locations.feedback_um')."""
        return self.field if self.unit is None else f"{self.field}_{_unit_label(self.unit)}"

    def number(self, value) -> float:
        """A value as the table writes it: a number in the column's unit."""
        return float(value) if self.unit is None else float(value / self.unit)

    def label(self, value) -> str:
        return f"{self.field.split('.')[-1]}{self.number(value):g}{'' if self.unit is None else _unit_label(self.unit)}"


@dataclass(frozen=True)
class Grid:
    """Axes of run-time values, and seeds: every combination is a point."""

    axes: tuple = ()
    seeds: tuple = (0,)

    def points(self) -> list[dict]:
        """{field: value, ..., 'seed': seed} of every point, in grid order (the last axis and seed fastest)."""
        return [dict(zip([a.field for a in self.axes] + ["seed"], combination))
                for combination in itertools.product(*[a.values for a in self.axes], self.seeds)]

    def name(self, point: dict) -> str:
        return "-".join([a.label(point[a.field]) for a in self.axes] + [f"seed{point['seed']}"])

    def params(self, base: ModelParams, point: dict) -> ModelParams:
        """``base`` with this point's values (validated: bad values fail before anything runs)."""
        overrides, rule_values = {}, {}
        for axis in self.axes:
            if _is_rule_parameter(axis.field):
                _, pathway, name = axis.field.split(".")
                rule_values.setdefault(pathway, {})[name] = point[axis.field]
            else:
                section, name = axis.field.split(".")
                overrides.setdefault(section, {})[name] = point[axis.field]
        for pathway, values in rule_values.items():
            rule = base.rule(pathway)
            if rule is None:
                raise ProtocolError(f"the grid sets rules.{pathway}'s parameters, but rules.{pathway} is "
                                    f"{getattr(base.rules, pathway)!r}: give it a rule of brianmodel.rules "
                                    f"(--rule {pathway}=NAME)")
            overrides.setdefault("rules", {})[pathway] = rule.with_values(**values).spec()
        return base.with_overrides(**overrides)

    def row(self, point: dict) -> dict:
        """The point's columns of the table."""
        return {**{a.column: a.number(point[a.field]) for a in self.axes}, "seed": point["seed"]}

    def validate(self, base: ModelParams) -> "Grid":
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ProtocolError(f"the seeds must be distinct, at least one; got {self.seeds}")
        for axis in self.axes:
            if not axis.values:
                raise ProtocolError(f"the grid needs at least one value of {axis.field}")
            if any(v is None for v in axis.values):
                raise ProtocolError(f"{axis.field}: None is not a grid value (a grid's values are numbers, with "
                                    f"their units); run the unset value as a training of its own")
            if len({encode_value(v) for v in axis.values}) != len(axis.values):
                raise ProtocolError(f"{axis.field} repeats a value: {[encode_value(v) for v in axis.values]}")
        if len({a.field for a in self.axes}) != len(self.axes):
            raise ProtocolError("the grid names a field twice")
        names = [self.name(point) for point in self.points()]
        if len(set(names)) != len(names):
            raise ProtocolError("grid values closer than 6 significant digits would share a results folder")
        for axis in self.axes:
            if not _is_rule_parameter(axis.field):
                base.check_effective(*axis.field.split("."))
        for point in self.points():
            self.params(base, point)
        return self

    def to_dict(self) -> dict:
        return {"axes": [{"field": a.field, "values": [encode_value(v) for v in a.values], "column": a.column}
                         for a in self.axes], "seeds": list(self.seeds)}

    @classmethod
    def from_dict(cls, data: dict) -> "Grid":
        return cls(tuple(Axis(a["field"], tuple(decode_value(v, a["field"]) for v in a["values"]))
                         for a in data["axes"]), tuple(data["seeds"]))


# the location × delay grid of the project's question
DEFAULT_GRID = Grid((Axis("locations.feedback", (50 * um, 250 * um, 450 * um)),
                     Axis("connections.delay_feedforward", (2 * ms, 5 * ms, 8 * ms)),
                     Axis("connections.delay_feedback", (1 * ms, 3 * ms, 5 * ms))))


def parse_grid(assignments, seeds) -> Grid:
    """``['locations.feedback=50*um,250*um', ...]`` and seeds -> a :class:`Grid` (values parsed, never evaluated);
    no assignment: the location × delay grid (:data:`DEFAULT_GRID`)."""
    axes = []
    for assignment in assignments:
        field, _, text = assignment.partition("=")
        if _is_rule_parameter(field.strip()) and text:
            axes.append(Axis(field.strip(), tuple(decode_value(v.strip(), field.strip()) for v in text.split(","))))
            continue
        section, _, name = field.strip().partition(".")
        if not (section and name and text):
            raise ParameterError(f"expected --grid SECTION.NAME=VALUE,VALUE,..., got {assignment!r}")
        _field(section, name)  # known
        if (section, name) not in GRID_FIELDS:
            raise ParameterError(f"{section}.{name} is compiled into the binary, and a sweep runs one binary: run "
                                 f"one sweep per value (a grid runs over run-time fields: "
                                 f"{', '.join(sorted('.'.join(f) for f in GRID_FIELDS))})")
        axes.append(Axis(f"{section}.{name}", tuple(decode_value(v.strip(), f"{section}.{name}")
                                                     for v in text.split(","))))
    return Grid(tuple(axes) if assignments else DEFAULT_GRID.axes, tuple(seeds))


def _is_rule_parameter(field: str) -> bool:
    """``rules.PATHWAY.PARAMETER``: a parameter of a pathway's rule (a run-time value)."""
    parts = field.split(".")
    return len(parts) == 3 and parts[0] == "rules" and parts[1] in PATHWAYS and parts[2].isidentifier()


def _field(section: str, name: str):
    sections = {f.name: f.default_factory for f in fields(ModelParams)}
    if section not in sections:
        raise ParameterError(f"unknown parameter section {section!r}; known: {sorted(sections)}")
    known = {f.name: f for f in fields(sections[section])}
    if name not in known:
        raise ParameterError(f"unknown parameter {name!r} in {section!r}; known: {sorted(known)}")
    return known[name]


def _unit_label(unit) -> str:
    return str(unit).replace(" ", "").replace("**", "").replace("*", ".")


def comparable(rows: list[dict], columns) -> list[tuple]:
    """The given columns of ``rows`` as the CSV keeps them (6 significant digits, NaN as 'nan': no final
    bout), for comparing two runs of one sweep."""
    def value(v):
        return "nan" if math.isnan(v) else float(f"{v:.6g}")

    return [tuple(value(float(row[k])) for k in columns) for row in rows]


# -- one ensemble of points (runs in a worker process) ---------------------------------------------------

def _worker_root(out: str) -> str:
    return os.path.join(out, "workers", f"{socket.gethostname()}-{os.getpid()}")


def _ensemble_model(task: dict, n_copies: int) -> Ensemble:
    """The sweep's ensemble model (what every ensemble of it compiles to)."""
    base, settings = ModelParams.from_dict(task["params"]), RunSettings(**task["settings"])
    X, _, _ = training_inputs(load_dataset(settings.dataset), settings)
    return Ensemble([base] * n_copies, X.shape[1], n_images=len(image_table(X)))


def _simulator(task: dict, root: str) -> StandaloneSimulator:
    """The sweep's simulator (constructing one compiles nothing: it names the build folder)."""
    settings = RunSettings(**task["settings"])
    return Simulator(_ensemble_model(task, task["copies"]), settings.device, settings.effective_chunk,
                     build_root=root, threads=settings.threads, compute_capability=settings.compute_capability)


def compile_shape(task: dict) -> dict:
    """Compile the sweep's binary into ``task['builds']`` (unless it is there); {'build': folder name,
    'seconds': build time, 'compiled': whether anything was compiled}."""
    simulator = _simulator(task, task["builds"])
    before = _object_times(simulator.build_dir)
    simulator.prepare()
    return {"build": os.path.basename(simulator.build_dir), "seconds": simulator.build_time,
            "compiled": _object_times(simulator.build_dir) != before}


def run_ensemble(task: dict) -> list[dict]:
    """Train and probe one ensemble of grid points; their rows (each saved in ``<point folder>/row.json``)."""
    grid, points = Grid.from_dict(task["grid"]), task["points"]
    points = [{**{a.field: decode_value(p[a.field], a.field) for a in grid.axes}, "seed": p["seed"]}
              for p in points]
    folders = [ResultsFolder(os.path.join(task["out"], "points", grid.name(p))) for p in points]
    saved = [saved_row(f) for f in folders]
    if all(saved):
        return [{"failed": "", **row} for row in saved]  # (rows of before failures were recorded)
    start = time.perf_counter()
    base, settings = ModelParams.from_dict(task["params"]), RunSettings(**task["settings"])
    members = [Member(grid.params(base, p), dataclasses.replace(settings, seed=p["seed"]), f.path)
               for p, f in zip(points, folders)]
    idle = task["copies"] - len(points)
    started = [f.has_params() for f in folders]
    if any(started) and not all(started):  # killed while the folders were being made: none has run a chunk
        _restart(folders)

    def score(healthy):  # the points that trained to the end: probed as one ensemble (the diverged ones idle)
        paths, spare = [f.path for f in healthy], idle + len(folders) - len(healthy)
        # with a holdout, reconstruction_corr is of the images training presented, held_out_corr of the others
        finals = probe_ensemble(paths, "final", presentations=task["probe_presentations"],
                                training_only=bool(settings.holdout), idle=spare, build_root=own_root)
        held_out = probe_ensemble(paths, "held-out", held_out_only=True, idle=spare, build_root=own_root) \
            if settings.holdout else [{"reconstruction_corr": math.nan}] * len(paths)
        coded = held_out if settings.holdout else finals  # how alike the features: on held-out images if any
        return [{"reconstruction_corr": float(final["reconstruction_corr"]),
                 "held_out_corr": float(other["reconstruction_corr"]),
                 **last_metrics(folder, ("qw_correlation", "dt1_ms", "dt2_ms", "hidden_rate")),
                 **{name: float(code[name]) for name in ("q_column_corr_coactive", "template_corr")}}
                for folder, final, other, code in zip(healthy, finals, held_out, coded)]

    build_name = os.path.basename(_simulator(task, task["builds"]).build_dir)
    with private_build(task["builds"], build_name, _worker_root(task["out"])) as own_root, \
            worker_log(task["name"], quiet=task.get("quiet", False)):
        build_dir = os.path.join(own_root, build_name)
        before = _object_times(build_dir)
        # a point that diverges is recorded as failed; the others train and are probed on
        train_ensemble(members, resume=all(started), build_root=own_root, idle=idle, on_divergence="continue")
        results = point_rows(folders, score, RESULT_COLUMNS)
    run = {"compiled": _object_times(build_dir) != before, "wall_s": time.perf_counter() - start,
           "worker": os.path.basename(own_root), "ensemble": task["name"]}
    return [save_row(folder, {**grid.row(point), **result, **run}, "sweep point")
            for point, folder, result in zip(points, folders, results)]


def _restart(folders: list[ResultsFolder]):
    """Set the folders of an ensemble killed before its first chunk back to empty."""
    for folder in folders:
        if folder.has_params():
            if folder.checkpoints() != [0]:
                raise ProtocolError(f"{folder.path!r} has trained further than the rest of its ensemble")
            with folder.writing("sweep restart"):
                os.remove(folder.file("params.json"))
                os.remove(folder.file("checkpoint_0000000.npz"))


def _object_times(build_dir: str) -> dict:
    """Modification times of the compiled code objects. (main.cpp is regenerated and recompiled
    in every process: Brian2 orders some initialisations differently per process.)"""
    folder = os.path.join(build_dir, "code_objects")
    if not os.path.isdir(folder):
        return {}
    return {name: os.path.getmtime(os.path.join(folder, name)) for name in os.listdir(folder) if name.endswith(".o")}


# -- the whole sweep ----------------------------------------------------------

def default_copies(device: str, points: int, workers: int) -> int:
    """Points per ensemble: one on cpp, where a bigger ensemble is slower per copy (its neurons' state leaves the
    core's cache: docs/ensembles.md: 31.2 net-pres/s at 1 copy, 15.2 at 14 for the dendritic 100-hidden network);
    on cuda the points spread over the workers, up to 256 (a GPU's time step costs the same for more copies)."""
    return 1 if device == "cpp" else max(1, min(256, -(-points // workers)))


def run_sweep(base: ModelParams, settings: RunSettings, grid: Grid, out: str, *, copies: int | None = None,
              workers: int = 1, scheduler: str | None = None, probe_presentations: int = 200,
              build_root: str | None = None, quiet: bool = False) -> list[dict]:
    """Run every point of ``grid`` (skipping saved ones) in ensembles of ``copies`` (default:
    :func:`default_copies`), write ``<out>/sweep.csv`` and ``<out>/sweep.json``.

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
    points = grid.points()
    copies = copies if copies is not None else default_copies(settings.device, len(points), workers)
    if not isinstance(copies, int) or copies < 1:
        raise ProtocolError(f"copies must be a positive integer, got {copies!r}")
    copies = min(copies, len(points))
    if not scheduler and settings.threads * workers > (os.cpu_count() or 1):
        # brianmodel's OpenMP threads spin while they wait (device.standalone.openmp_environment): more of them than
        # cores take turns, and every ensemble slows down
        log.warning("%d workers × %d OpenMP threads on %d cores: the spinning threads will oversubscribe the cores; "
                    "use --threads × --workers ≤ cores", workers, settings.threads, os.cpu_count())
    out = os.path.abspath(out)
    common = {"params": base.to_dict(), "settings": dataclasses.asdict(settings), "copies": copies,
              "grid": grid.to_dict(), "builds": os.path.abspath(build_root or os.path.join(out, "builds"))}
    # the points, in ensembles: every point's values differ only in run-time fields (checked), and the memory
    shape = _ensemble_model(common, 1)
    model = Ensemble([grid.params(base, p) for p in points[:copies]], shape.n_inputs, n_images=shape.n_images)
    Simulator(model, settings.device, settings.effective_chunk, build_root=common["builds"],
              threads=settings.threads, compute_capability=settings.compute_capability)
    tasks = [{**common, "points": [{**{a.field: encode_value(p[a.field]) for a in grid.axes}, "seed": p["seed"]}
                                   for p in points[k:k + copies]],
              "out": out, "probe_presentations": probe_presentations, "quiet": quiet, "name": f"ensemble-{n}"}
             for n, k in enumerate(range(0, len(points), copies))]
    started = time.perf_counter()
    folder = ResultsFolder(out)
    with worker_pool(workers, scheduler) as submit, folder.writing("sweep"):  # connects first: nothing is written
        info = {"model": base.to_dict(), "run": dataclasses.asdict(settings), "grid": grid.to_dict(),
                "copies": copies, "workers": workers, "scheduler": scheduler,
                "probe_presentations": probe_presentations}
        open_study(folder, info, "sweep", same=("model", "run", "grid", "copies", "probe_presentations"))
        log.info("compiling the sweep's network (preset %s, dataset %s, %d hidden; %d points in %d ensembles of %d "
                 "copies, %s)", settings.preset, settings.dataset, base.architecture.n_hidden, len(points), len(tasks),
                 copies, f"scheduler {scheduler}" if scheduler else f"{workers} worker process(es)")
        build = submit(compile_shape, [common])[0]
        log.info("build %s ready in %.1f s; running the ensembles", build["build"], build["seconds"])
        rows = [row for rows in submit(run_ensemble, tasks) for row in rows]
        wall = time.perf_counter() - started
        columns = [a.column for a in grid.axes] + ["seed", *RESULT_COLUMNS, "compiled", "wall_s", "worker",
                                                   "ensemble", "failed"]
        folder.write_text("sweep.csv", csv_text(columns, rows))
        summary = {"points": len(rows), "failed": sum(bool(r["failed"]) for r in rows), "ensembles": len(tasks),
                   "copies": copies,
                   "builds": int(build["compiled"]) + len({r["ensemble"] for r in rows if r["compiled"]}),
                   "network_shapes": 1, "wall_s": wall, "workers": workers, "scheduler": scheduler,
                   "build": build["build"], "build_s": build["seconds"], **grid.to_dict()}
        folder.write_json("sweep.json", summary)
    log.info("%d points in %d ensembles in %.0f s with %d compilation(s); table in %s", len(rows), len(tasks), wall,
             summary["builds"], folder.file("sweep.csv"))
    for row in rows:
        if row.get("failed"):
            log.warning("point %s failed: %s", " ".join(f"{a.column}={row[a.column]}" for a in grid.axes),
                        row["failed"])
    return rows
