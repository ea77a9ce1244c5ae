"""One training loop for every model: chunks, progress with ETA, atomic checkpoints, resume, provenance.

A model says what training it means through a :class:`Trainer`
(:class:`brianmodel.mstdp.Trainer`, :class:`brianmodel.symstdp.Trainer`):
its network, what to present, and what one chunk records. This loop runs it
into results folders (:class:`~brianmodel.results.ResultsFolder`), each
locked while it is written:

- every chunk is one run of the compiled binary; after it come the metrics
  row, the chunk's activity and, last, the checkpoint, so a run killed in
  between redoes that chunk and drops its row on resume;
- ``resume=True`` continues from the last good checkpoint (a damaged one is
  named, set aside as ``*.damaged``, and the one before it used) and
  reproduces the uninterrupted run exactly;
- params.json records the parameters, the run settings, the dataset and the
  provenance of the run (and of every resume).

:func:`train_ensemble` trains several copies of one network shape (other
seeds, other run-time parameters) in one binary, in lockstep; each copy is
written to its own folder exactly as :func:`train` would write it alone, and
the ensemble's summary table to ``ensemble.csv``.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from . import mstdp, symstdp
from .datasets import load_dataset
from .device import Model, Simulator, standalone
from .memory import available_memory, check_fits
from .device.processes import private_build, worker_pool
from .errors import DamagedFile, TrainingError
from .io import csv_text
from .params.mstdp import ModelParams
from .params.run import RunSettings
from .params.symstdp import SymStdpParams
from .results import ResultsFolder

__all__ = ["Trainer", "ModelKind", "MODELS", "Member", "train", "train_ensemble", "load_params", "failures"]

log = logging.getLogger(__name__)


class Trainer(Protocol):
    """What a model provides for training its copies on one dataset (one copy: a single training)."""

    model: Model  # the network (brianmodel.device.Model), all copies
    presentations: int  # presentations to reach
    chunk_size: int  # presentations (or slots) per binary run and checkpoint
    metric_columns: tuple  # columns of metrics.csv
    notes: list  # what the user should know before it starts (e.g. presentations rounded up)

    def dataset_info(self) -> dict:
        """The dataset as params.json records it."""

    def initial_states(self) -> list:
        """The seeded state of each copy's fresh training."""

    def load_state(self, arrays: dict) -> Any:
        """A copy's state from its checkpoint's arrays."""

    def run_chunk(self, simulator: Simulator, states: list, done: int) -> tuple[list, int, list[dict], list]:
        """One chunk after ``done`` presentations: (states after, presentations made, each copy's metrics row,
        each copy's activity saved as last_chunk.npz or None)."""

    def describe(self, rows: list[dict]) -> str:
        """The model's part of a progress line."""

    def silent(self, row: dict, before, after) -> bool:
        """Whether a copy's chunk (its metrics ``row``, its state ``before`` and ``after``) leaves a dead network:
        no spike of the layer that learns, and nothing left that would wake it."""


@dataclass(frozen=True)
class ModelKind:
    """A model known by name: its parameter set and its trainer."""

    params: type
    trainer: Callable[..., Trainer]  # ([(params, settings), ...], dataset, idle=0) -> Trainer
    preset: Callable[[str], Any]


MODELS = {"mstdp": ModelKind(ModelParams, mstdp.Trainer, mstdp.preset),
          "symstdp": ModelKind(SymStdpParams, symstdp.Trainer, symstdp.preset)}


@dataclass(frozen=True)
class Member:
    """One copy of an ensemble training: its parameters, its run settings (its seed) and its results folder."""

    params: Any
    settings: RunSettings
    out: str


def load_params(info: dict, model: str):
    """The parameter set of ``model`` saved in params.json (``info``)."""
    return MODELS[model].params.from_dict(info.get("model"))


def train(params, settings: RunSettings, out: str, *, resume: bool = False,
          build_root: str | None = None, on_divergence: str = "stop") -> ResultsFolder:
    """Train (or, with ``resume``, continue training) ``settings.model`` with ``params`` into the folder ``out``.

    On resume the folder's own parameters and settings are used; only
    ``settings.presentations`` may grow. Everything that can fail on input
    (settings, parameters, dataset, device) fails before the folder is written.
    ``on_divergence``: as for :func:`train_ensemble`.
    """
    return train_ensemble([Member(params, settings, out)], resume=resume, build_root=build_root,
                          on_divergence=on_divergence)[0]


def train_ensemble(members: Sequence[Member], *, resume: bool = False, build_root: str | None = None,
                   idle: int = 0, summary: str | None = None, workers: int = 1,
                   on_divergence: str = "stop") -> list[ResultsFolder]:
    """Train the ``members`` as the copies of one ensemble (one binary, in lockstep), each into its folder.

    The members share the network's shape and the settings of
    :data:`brianmodel.mstdp.trainer.SHARED_SETTINGS`; they may differ in seed
    and in every run-time parameter. ``idle`` more copies fill the ensemble to
    a size whose binary exists. ``summary``: a folder for ``ensemble.csv``
    (each copy's folder, seed, run-time values and last metrics).
    ``workers`` > 1: the members train as that many smaller ensembles at
    once, one process each (:func:`_split_members`; on CPUs, how an ensemble
    uses several cores: OpenMP threads gain little on this network); every
    copy's results are the same.

    A copy whose chunk diverges (its state not finite, or no spike of the
    layer that learns in the whole chunk) saves nothing of that chunk: its
    last checkpoint is the last good one. ``on_divergence='stop'`` (the
    default) then stops the training with a TrainingError naming the chunk,
    the copy and what diverged; ``'continue'`` writes ``diverged.json`` (the
    chunk and the reason) into that copy's folder and trains the others on
    (a sweep's failed points).
    """
    if on_divergence not in ("stop", "continue"):
        raise TrainingError(f"on_divergence must be 'stop' or 'continue', got {on_divergence!r}")
    if not isinstance(workers, int) or workers < 1:
        raise TrainingError(f"workers must be a positive integer, got {workers!r}")
    if workers > 1 and len(members) > 1:
        return _train_in_processes(members, workers, resume=resume, build_root=build_root, summary=summary)
    members, folders, trainer, simulator = _plan(members, resume=resume, build_root=build_root, idle=idle)
    summary_folder = ResultsFolder(summary) if summary else None
    with contextlib.ExitStack() as stack:
        for folder in folders + ([summary_folder] if summary_folder else []):
            stack.enter_context(folder.writing("training"))
        if resume:
            for member, folder in zip(members, folders):
                folder.write_params({**folder.read_params(), "run": member.settings.to_dict()}, resumed=True)
            done, chunks, states, rows = _resume_point(folders, trainer)
        else:
            _check_fresh(folders)  # (here, holding their locks: a folder being written says so first)
            done, chunks, states, rows = 0, 0, trainer.initial_states(), [[] for _ in folders]
            for member, folder, state in zip(members, folders, states):
                folder.write_params({"model": member.params.to_dict(), "run": member.settings.to_dict(),
                                     "dataset": trainer.dataset_info()})
                folder.save_checkpoint(0, state.arrays(), chunks=0)
        _loop(trainer, simulator, folders, states, done, chunks, rows, on_divergence)
        if summary_folder:
            _write_summary(summary_folder, members, folders, rows)
    return folders


def _plan(members: Sequence[Member], *, resume: bool = False, build_root: str | None = None, idle: int = 0):
    """(members as they will train, their folders, the trainer, the simulator) of an ensemble training, checked:
    the errors on input (settings, parameters, dataset, device, memory) come here, before anything is written
    or compiled."""
    if not members:
        raise TrainingError("an ensemble training needs at least one member")
    for member in members:  # (the Python API's mistakes, before an attribute error deep inside)
        if not isinstance(member.settings, RunSettings):
            raise TrainingError(f"a training's settings are a RunSettings, got {type(member.settings).__name__}")
        if not isinstance(member.out, (str, os.PathLike)):
            raise TrainingError(f"a training's results folder is a path, got {member.out!r}")
    folders = [ResultsFolder(m.out) for m in members]
    if len({f.path for f in folders}) != len(folders):
        raise TrainingError("two members of the ensemble share a results folder")
    members = [_prepare(member, folder, resume) for member, folder in zip(members, folders)]
    kind = MODELS[members[0].settings.model]
    trainer = kind.trainer([(m.params, m.settings) for m in members], load_dataset(members[0].settings.dataset),
                           idle=idle)
    settings = members[0].settings
    # device checks (nvcc, GPU or compute capability) and the memory estimate before anything is written
    simulator = Simulator(trainer.model, settings.device, trainer.chunk_size, build_root=build_root,
                          threads=settings.threads, compute_capability=settings.compute_capability)
    for note in trainer.notes:
        log.info(note)
    return members, folders, trainer, simulator


def _check_fresh(folders: list[ResultsFolder]):
    for folder in folders:
        if folder.has_params():
            raise TrainingError(f"{folder.path!r} already holds a training; use resume or another output folder")


def _prepare(member: Member, folder: ResultsFolder, resume: bool) -> Member:
    """The member as it will train: on resume, its folder's parameters and settings (presentations may grow)."""
    member.settings.validate()
    if resume:
        info = folder.read_params()
        saved = RunSettings.from_info(info, model=member.settings.model)
        settings = replace(saved, presentations=max(saved.presentations, member.settings.presentations)).validate()
        return Member(load_params(info, settings.model), settings, member.out)
    if not isinstance(member.params, MODELS[member.settings.model].params):
        raise TrainingError(f"settings.model is {member.settings.model!r} but the parameters are "
                            f"{type(member.params).__name__} (expected {MODELS[member.settings.model].params.__name__})")
    member.params.validate()
    return member


def _resume_point(folders: list[ResultsFolder], trainer: Trainer):
    """(presentations done, chunks run, states, metrics rows) at the last checkpoint good in every folder."""
    common = sorted(set.intersection(*(set(f.checkpoints()) for f in folders)), reverse=True)
    for presentations in common:
        try:
            checkpoints = [f.read_checkpoint(presentations) for f in folders]
            states = [trainer.load_state(c.arrays) for c in checkpoints]
        except DamagedFile as damaged:
            for folder in folders:  # set aside what is damaged at this point, try the one before
                try:
                    folder.read_checkpoint(presentations)
                except DamagedFile:
                    log.warning("%s; set aside as %s", damaged, folder.set_aside(presentations))
            continue
        rows = []
        for folder, checkpoint in zip(folders, checkpoints):
            saved = folder.read_metrics()
            rows.append(saved[:checkpoint.chunks] if checkpoint.chunks is not None
                        else [row for row in saved if row["presentations"] <= checkpoint.presentations])
        log.info("resuming after %d presentations (%s)", presentations, checkpoints[0].path)
        return presentations, len(rows[0]), states, rows
    # none readable (or killed between params.json and the first checkpoint): the seed gives the start again
    log.warning("no readable checkpoint common to %s: training starts again from the seeded initial state",
                ", ".join(f.path for f in folders))
    states = trainer.initial_states()
    for folder, state in zip(folders, states):
        folder.save_checkpoint(0, state.arrays(), chunks=0)
    return 0, 0, states, [[] for _ in folders]


def divergence(trainer: Trainer, before, state, row: dict) -> str | None:
    """Why a copy's chunk (from state ``before`` to ``state``) diverged: its state not finite, or no spike of the
    layer that learns and nothing left to wake it (:meth:`Trainer.silent`); or None."""
    bad = sorted(name for name, values in state.arrays().items() if not np.all(np.isfinite(np.asarray(values, float))))
    if bad:
        return f"{', '.join(bad)} not finite"
    if trainer.silent(row, before, state):
        return "no spike of the layer that learns in the whole chunk (a silent network)"
    return None


def failures(folders) -> dict[int, str]:
    """The copies (by index into ``folders``: paths or ResultsFolders) whose training diverged under
    ``on_divergence='continue'``, each with its reason as a study's row says it."""
    failed = {}
    for k, folder in enumerate(folders):
        folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
        if os.path.exists(folder.file("diverged.json")):
            info = folder.read_json("diverged.json")
            first, last = info["presentations"]
            failed[k] = f"diverged in presentations {first}-{last}: {info['reason']}"
    return failed


def _loop(trainer: Trainer, simulator: Simulator, folders: list[ResultsFolder], states: list, done: int,
          chunks: int, rows: list[list], on_divergence: str = "stop"):
    simulator.prepare()
    progress = _Progress(trainer.presentations, done)
    diverged = {k for k, folder in enumerate(folders) if os.path.exists(folder.file("diverged.json"))}
    while done < trainer.presentations:
        chunk_start = time.perf_counter()
        earlier = states
        states, presented, new_rows, activities = trainer.run_chunk(simulator, earlier, done)
        before, done, chunks = done, done + presented, chunks + 1
        wall = time.perf_counter() - chunk_start
        fresh = {k: why for k, (start, state, row) in enumerate(zip(earlier, states, new_rows))
                 if k not in diverged and (why := divergence(trainer, start, state, row))}
        if fresh and on_divergence == "stop":
            raise TrainingError("; ".join(f"{folders[k].path}: the training diverged in presentations "
                                          f"{before + 1}-{done} ({why})" for k, why in fresh.items())
                                + f"; nothing of that chunk was saved: the checkpoint at {before} presentations "
                                  f"is the last")
        for k, why in fresh.items():
            log.warning("%s: diverged in presentations %d-%d (%s); the others train on", folders[k].path,
                        before + 1, done, why)
            folders[k].write_json("diverged.json", {"presentations": [before + 1, done], "reason": why,
                                                    "last_checkpoint": before})
        diverged |= set(fresh)
        if len(diverged) == len(folders):  # (only with 'continue': nothing left to train)
            log.warning("every copy diverged by presentation %d; see diverged.json in their folders", done)
            return
        for k, (folder, state, copy_rows, row, activity) in enumerate(zip(folders, states, rows, new_rows,
                                                                          activities)):
            if k in diverged:
                continue
            copy_rows.append({**row, "presentations": done, "wall_s": wall})
            # the checkpoint last: a run killed before it redoes this chunk and drops this row on resume
            folder.write_metrics(copy_rows, trainer.metric_columns)
            if activity is not None:
                folder.save_last_chunk(activity)
            folder.save_checkpoint(done, state.arrays(), chunks=chunks)
        log.info("%s  %s", progress.line(done), trainer.describe([copy_rows[-1] for k, copy_rows in enumerate(rows)
                                                                  if k not in diverged]))


def _write_summary(folder: ResultsFolder, members: list[Member], folders: list[ResultsFolder], rows: list[list]):
    """ensemble.csv: one row per copy: its folder, seed, the run-time values that differ between copies, its last
    metrics."""
    values = [{f"{section}.{name}": value for section, fields in m.params.to_dict().items()
               for name, value in fields.items()} for m in members]
    varying = sorted(key for key in values[0] if len({str(v.get(key)) for v in values}) > 1)
    metrics = [key for key in (rows[0][-1] if rows[0] else {}) if key not in ("presentations",)]
    table = [{"folder": f.path, "seed": m.settings.seed, **{k: v[k] for k in varying},
              **{k: (r[-1][k] if r else float("nan")) for k in ["presentations", *metrics]}}
             for m, f, v, r in zip(members, folders, values, rows)]
    columns = ["folder", "seed", *varying, "presentations", *metrics]
    folder.write_text("ensemble.csv", csv_text(columns, table))
    folder.write_params({"copies": [f.path for f in folders], "varying": varying})


# -- an ensemble over processes -------------------------------------------------
# OpenMP threads gain little on this network: 17% of a step's work runs on one thread (the thresholders and the
# presynaptic pathways, which write to neurons), the neurons' state moves between the cores every step, and the
# threads wait for each other some 40 times per step (docs/ensembles.md, benchmarks/threads_perf.py). Processes
# share nothing: ``workers`` of them, each training an ensemble of a share of the copies, use as many cores about
# fully. A copy's results are what it gives trained alone, however the copies are split. The shared binary is
# compiled once, into the build root; each process runs its own copy of the build folder
# (device.processes.private_build), removed at the end.

def _split_members(members, workers: int) -> tuple[list[list], int]:
    """(the members in ``workers`` consecutive groups of equal size but the last, idle copies that fill the last
    to the others' size, so that every group runs one binary)."""
    size = -(-len(members) // min(workers, len(members)))
    groups = [list(members[k:k + size]) for k in range(0, len(members), size)]
    return groups, size - len(groups[-1])


def _train_in_processes(members, workers: int, *, resume: bool = False, build_root: str | None = None,
                        summary: str | None = None) -> list[ResultsFolder]:
    """Train ``members`` as ``workers`` ensembles at once, one process each; their folders, in member order."""
    groups, last_idle = _split_members(members, workers)
    idle = [0] * (len(groups) - 1) + [last_idle]
    build_root = os.path.abspath(build_root or standalone.default_build_root())
    # every group checked here, before any process starts, compiles or writes
    planned = [_plan(group, resume=resume, build_root=build_root, idle=n) for group, n in zip(groups, idle)]
    if not resume:
        _check_fresh([folder for _, group_folders, _, _ in planned for folder in group_folders])
    simulator = planned[0][3]
    check_fits(len(groups) * simulator.model.memory_estimate(simulator.chunk_size), available_memory(),
               f"{len(groups)} processes of {simulator.model!r} need", " together; this machine has {:.1f} GiB "
               "available", "use fewer workers or copies", TrainingError)
    log.info("%d copies in %d processes of %d copies each", len(members), len(groups), len(groups[0]))
    level = logging.getLogger().getEffectiveLevel()
    # a fresh process for each task: one Brian2 project per process
    with worker_pool(len(groups), fresh_processes=True, initializer=_log_to_stderr, initargs=(level,)) as submit:
        name = submit(_compile, [(groups[0], build_root, resume)])[0]
        submit(_train, [(group, n, resume, build_root, name, label)
                        for group, n, label in zip(groups, idle, _labels(groups))])
    folders = [folder for _, group_folders, _, _ in planned for folder in group_folders]
    if summary:
        summary_folder = ResultsFolder(summary)
        with summary_folder.writing("training"):
            _write_summary(summary_folder, [m for group_members, *_ in planned for m in group_members], folders,
                          [folder.read_metrics() for folder in folders])
    return folders


def _labels(groups) -> list[str]:
    labels, first = [], 0
    for group in groups:
        labels.append(f"copies {first}-{first + len(group) - 1}")
        first += len(group)
    return labels


def _compile(task) -> str:
    """Compile the groups' binary into the shared build root; its folder's name."""
    group, build_root, resume = task
    simulator = _plan(group, resume=resume, build_root=build_root)[3]
    simulator.prepare()
    return os.path.basename(simulator.build_dir)


def _train(task):
    group, idle, resume, build_root, name, label = task
    with private_build(build_root, name) as own_root:
        log.info("%s: training in process %d", label, os.getpid())
        train_ensemble(group, resume=resume, build_root=own_root, idle=idle)


def _log_to_stderr(level: int):
    logging.basicConfig(level=level, format=f"%(asctime)s [process {os.getpid()}] %(message)s", datefmt="%H:%M:%S")


class _Progress:
    """'[done/total] percent, presentations per second, ETA' from the rate since this run started."""

    def __init__(self, total: int, start: int):
        self.total, self.start, self.started = total, start, time.perf_counter()

    def line(self, done: int) -> str:
        elapsed = time.perf_counter() - self.started
        rate = (done - self.start) / elapsed if elapsed > 0 else float("nan")
        eta = max(self.total - done, 0) / rate if rate > 0 else float("nan")
        return (f"[{done:>7d}/{self.total}] {100 * min(done / self.total, 1):5.1f}%  {rate:6.1f} pres/s  "
                f"ETA {_duration(eta)}")


def _duration(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "?"
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
