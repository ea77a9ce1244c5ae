"""One training loop for every model: chunks, progress with ETA, atomic checkpoints, resume, provenance.

A model says what training it means through a :class:`Trainer`
(:class:`brianmodel.mstdp.Trainer`, :class:`brianmodel.symstdp.Trainer`):
its network, what to present, and what one chunk records. This loop runs it
into a results folder (:class:`~brianmodel.results.ResultsFolder`), locked
while it writes:

- every chunk is one run of the compiled binary; after it come the metrics
  row, the chunk's activity and, last, the checkpoint, so a run killed in
  between redoes that chunk and drops its row on resume;
- ``resume=True`` continues from the last good checkpoint (a damaged one is
  named, set aside as ``*.damaged``, and the one before it used) and
  reproduces the uninterrupted run exactly;
- params.json records the parameters, the run settings, the dataset and the
  provenance of the run (and of every resume).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Protocol

from . import mstdp, symstdp
from .datasets import load_dataset
from .device import Model, Simulator
from .errors import DamagedFile, TrainingError
from .params.mstdp import ModelParams
from .params.run import RunSettings
from .params.symstdp import SymStdpParams
from .results import ResultsFolder

__all__ = ["Trainer", "ModelKind", "MODELS", "train", "load_params"]

log = logging.getLogger(__name__)


class Trainer(Protocol):
    """What a model provides for training on one dataset with one set of run settings."""

    model: Model  # the network (brianmodel.device.Model)
    presentations: int  # presentations to reach
    chunk_size: int  # presentations (or slots) per binary run and checkpoint
    metric_columns: tuple  # columns of metrics.csv
    notes: list  # what the user should know before it starts (e.g. presentations rounded up)

    def dataset_info(self) -> dict:
        """The dataset as params.json records it."""

    def initial_state(self) -> Any:
        """The seeded state of a fresh training."""

    def run_chunk(self, simulator: Simulator, state, done: int) -> tuple[Any, int, dict, dict | None]:
        """One chunk after ``done`` presentations: (state after, presentations made, metrics row, activity
        saved as last_chunk.npz or None)."""

    def describe(self, row: dict) -> str:
        """The model's part of a progress line."""


@dataclass(frozen=True)
class ModelKind:
    """A model known by name: its parameter set and its trainer."""

    params: type
    trainer: Callable[..., Trainer]  # (params, dataset, settings) -> Trainer
    preset: Callable[[str], Any]


MODELS = {"mstdp": ModelKind(ModelParams, mstdp.Trainer, mstdp.preset),
          "symstdp": ModelKind(SymStdpParams, symstdp.Trainer, symstdp.preset)}


def load_params(info: dict, model: str):
    """The parameter set of ``model`` saved in params.json (``info``)."""
    return MODELS[model].params.from_dict(info.get("model"))


def train(params, settings: RunSettings, out: str, *, resume: bool = False,
          build_root: str | None = None) -> ResultsFolder:
    """Train (or, with ``resume``, continue training) ``settings.model`` with ``params`` into the folder ``out``.

    On resume the folder's own parameters and settings are used; only
    ``settings.presentations`` may grow. Everything that can fail on input
    (settings, parameters, dataset, device) fails before the folder is written.
    """
    folder = ResultsFolder(out)
    settings.validate()
    if resume:
        info = folder.read_params()
        saved = RunSettings.from_info(info, model=settings.model)
        settings = replace(saved, presentations=max(saved.presentations, settings.presentations)).validate()
        params = load_params(info, settings.model)
    elif not isinstance(params, MODELS[settings.model].params):
        raise TrainingError(f"settings.model is {settings.model!r} but the parameters are {type(params).__name__} "
                            f"(expected {MODELS[settings.model].params.__name__})")
    params.validate()
    trainer = MODELS[settings.model].trainer(params, load_dataset(settings.dataset), settings)
    # device checks (nvcc, GPU or compute capability) before anything is written
    simulator = Simulator(trainer.model, settings.device, trainer.chunk_size, build_root=build_root,
                          threads=settings.threads, compute_capability=settings.compute_capability)
    for note in trainer.notes:
        log.info(note)
    with folder.writing("training"):
        if resume:
            info = folder.read_params()
            folder.write_params({**info, "run": settings.to_dict()}, resumed=True)
            done, chunks, state, rows = _resume_point(folder, trainer)
        else:
            if folder.has_params():
                raise TrainingError(f"{out!r} already holds a training; use resume or another output folder")
            state, done, chunks, rows = trainer.initial_state(), 0, 0, []
            folder.write_params({"model": params.to_dict(), "run": settings.to_dict(),
                                 "dataset": trainer.dataset_info()})
            folder.save_checkpoint(0, state.arrays(), chunks=0)
        _loop(trainer, simulator, folder, state, done, chunks, rows)
    return folder


def _resume_point(folder: ResultsFolder, trainer: Trainer):
    """(presentations done, chunks run, state, metrics rows) of the last good checkpoint."""
    for presentations in reversed(folder.checkpoints()):
        try:
            checkpoint = folder.read_checkpoint(presentations)
            state = trainer.model.load_state(checkpoint.arrays)
        except DamagedFile as damaged:
            log.warning("%s; set aside as %s", damaged, folder.set_aside(presentations))
            continue
        rows = folder.read_metrics()
        rows = (rows[:checkpoint.chunks] if checkpoint.chunks is not None
                else [row for row in rows if row["presentations"] <= checkpoint.presentations])
        log.info("resuming after %d presentations (checkpoint %s)", checkpoint.presentations, checkpoint.path)
        return checkpoint.presentations, len(rows), state, rows
    # none readable (or killed between params.json and the first checkpoint): the seed gives the start again
    log.warning("no readable checkpoint in %s: training starts again from the seeded initial state", folder.path)
    state = trainer.initial_state()
    folder.save_checkpoint(0, state.arrays(), chunks=0)
    return 0, 0, state, []


def _loop(trainer: Trainer, simulator: Simulator, folder: ResultsFolder, state, done: int, chunks: int, rows: list):
    simulator.prepare()
    progress = _Progress(trainer.presentations, done)
    while done < trainer.presentations:
        chunk_start = time.perf_counter()
        state, presented, row, activity = trainer.run_chunk(simulator, state, done)
        done, chunks = done + presented, chunks + 1
        rows.append({**row, "presentations": done, "wall_s": time.perf_counter() - chunk_start})
        # the checkpoint last: a run killed before it redoes this chunk and drops this row on resume
        folder.write_metrics(rows, trainer.metric_columns)
        if activity is not None:
            folder.save_last_chunk(activity)
        folder.save_checkpoint(done, state.arrays(), chunks=chunks)
        log.info("%s  %s", progress.line(done), trainer.describe(rows[-1]))


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
