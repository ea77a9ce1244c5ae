"""Training in chunks: one compiled binary, re-run per chunk, checkpointed and resumable.

Every chunk presents ``chunk_size`` images (one ``run()`` in the binary),
then W, Q, Φ and the homeostasis counts carry to the next chunk through
``run_args``. Each presentation starts from rest and the schedule of images
depends only on the seed, so a run resumed from a checkpoint reproduces the
uninterrupted run exactly.
"""
from __future__ import annotations

import dataclasses
import os
import platform
import sys
import time
from dataclasses import dataclass

from . import __version__
from .analysis import bout_counts, chunk_metrics
from .data import load_dataset, presentation_order
from .device import Simulator, check_device
from .labels import LABEL_INTENSITY, N_CLASSES, split, with_labels
from .model import NetworkState
from .parameters import ModelParams
from .results import ResultsFolder

__all__ = ["RunSettings", "train", "TrainingError", "training_inputs", "read_training", "resumed_settings", "MODELS"]

MODELS = ("mstdp", "symstdp")


class TrainingError(ValueError):
    """Inconsistent training settings or results folder."""


@dataclass(frozen=True)
class RunSettings:
    dataset: str = "mnist"  # brianmodel.data.load_dataset's names: 'mnist' (bundled digits), 'fashion', a folder...
    presentations: int = 5000
    chunk_size: int = 500  # presentations per binary run (and per checkpoint)
    seed: int = 0
    device: str = "cpp"
    threads: int = 0  # OpenMP threads for cpp (0: none)
    preset: str = "main"
    compute_capability: float | None = None  # cuda: build for this GPU generation instead of detecting one
    labels: bool = False  # label units: present image + one-hot label (brianmodel.labels)
    label_intensity: float = LABEL_INTENSITY  # the lit label unit's stimulus intensity
    label_copies: int = 1  # label units per class (a population code; brianmodel.labels)
    holdout: int = 0  # images held out of training, for testing (seeded split; 0: train on all)
    model: str = "mstdp"  # 'mstdp' (brianmodel.model) or 'symstdp' (brianmodel.symstdp; preset from its presets)

    def validate(self) -> "RunSettings":
        for name in ("presentations", "chunk_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise TrainingError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise TrainingError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.threads < 0:
            raise TrainingError(f"threads must be >= 0, got {self.threads}")
        if self.compute_capability is not None and self.device != "cuda":
            raise TrainingError("compute_capability applies to the cuda device only")
        if not isinstance(self.label_copies, int) or self.label_copies < 1:
            raise TrainingError(f"label_copies must be a positive integer, got {self.label_copies!r}")
        if not isinstance(self.holdout, int) or self.holdout < 0:
            raise TrainingError(f"holdout must be a non-negative integer, got {self.holdout!r}")
        if self.model not in MODELS:
            raise TrainingError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        check_device(self.device)
        return self

    @property
    def label_units(self) -> int:
        """Label units at the end of the visible layer (0 without labels)."""
        return N_CLASSES * self.label_copies if self.labels else 0

    @property
    def effective_chunk(self) -> int:
        return min(self.chunk_size, self.presentations)

    @property
    def total_presentations(self) -> int:
        """Presentations rounded up to whole chunks (the binary's length is fixed)."""
        chunk = self.effective_chunk
        return -(-self.presentations // chunk) * chunk


def _versions() -> dict:
    import brian2
    import numpy

    return {"python": platform.python_version(), "brian2": brian2.__version__, "numpy": numpy.__version__,
            "brianmodel": __version__, "platform": platform.platform()}


def train(params: ModelParams, settings: RunSettings, out: str, *, resume: bool = False,
          build_root: str | None = None, log=print) -> ResultsFolder:
    """Train (or resume training) into the results folder ``out``."""
    folder = ResultsFolder(out)
    if resume:
        params, settings, done, state, rows = _resume_point(folder, settings)
    else:
        if _has_results(folder):
            raise TrainingError(f"{out!r} already holds a training; use resume or another output folder")
        params.validate()
        settings.validate()
        done, state, rows = 0, None, []

    dataset = load_dataset(settings.dataset)
    X, training_images, _ = training_inputs(dataset, settings)
    n_visible = X.shape[1]
    total, chunk = settings.total_presentations, settings.effective_chunk
    if total != settings.presentations:
        log(f"presentations rounded up from {settings.presentations} to {total} (whole chunks of {chunk})")
    order = training_images[presentation_order(len(training_images), total, settings.seed)]
    # device checks (nvcc, GPU or compute capability) before anything is written
    simulator = Simulator(params, n_visible, chunk, settings.device, build_root=build_root,
                          threads=settings.threads, compute_capability=settings.compute_capability, log=log)
    if state is None:
        state = NetworkState.initial(params, n_visible, settings.seed)
        folder.write_params({"model": params.to_dict(), "run": dataclasses.asdict(settings),
                             "dataset": {"name": dataset.name, "images": len(dataset.images),
                                         "image_shape": list(dataset.shape), "n_visible": n_visible,
                                         "label_units": settings.label_units},
                             "command": sys.argv, "versions": _versions(), "created": time.strftime("%Y-%m-%d %H:%M:%S")})
        folder.save_checkpoint(0, state)

    simulator.prepare()
    period = float(params.presentation.duration)
    split = float(params.presentation.readout_split)
    started, simulated = time.perf_counter(), 0
    while done < total:
        images = order[done:done + chunk]
        chunk_start = time.perf_counter()
        result = simulator.run(state, X[images])
        W_before, state = state.W, result.state
        counts = bout_counts(result.spikes, n_visible, params.architecture.n_hidden, chunk, period, split)
        metrics = chunk_metrics(counts, result.spikes, state.W, state.Q, period, split, params.homeostasis.rho,
                                W_before=W_before)
        done += chunk
        wall = time.perf_counter() - chunk_start
        rows.append({"presentations": done, **metrics, "presentations_per_s": chunk / result.wall_time,
                     "wall_s": wall})
        # the checkpoint last: a run killed before it redoes this chunk and drops this row on resume
        folder.write_metrics(rows)
        folder.save_last_chunk(done - chunk, images, result.spikes, counts)
        folder.save_checkpoint(done, state)
        simulated += chunk
        log(_progress(done, total, simulated, time.perf_counter() - started, rows[-1]))
    return folder


def training_inputs(dataset, settings: RunSettings):
    """(visible intensities of every image, the images training may present, the held-out ones).

    With ``settings.labels`` the label units follow the image's neurons: lit by
    the image's class here (what training presents).
    """
    X = dataset.visible_intensities()
    if settings.labels:
        X = with_labels(X, dataset.labels, intensity=settings.label_intensity, copies=settings.label_copies)
    training_images, held_out = split(len(X), settings.holdout, settings.seed, dataset.n_test)
    return X, training_images, held_out


def _progress(done, total, simulated, elapsed, row) -> str:
    rate = simulated / elapsed if elapsed else float("nan")
    eta = (total - done) / rate if rate > 0 else float("nan")
    return (f"[{done:>7d}/{total}] {100 * done / total:5.1f}%  {rate:6.1f} pres/s  ETA {eta:6.0f} s  "
            f"loss {row['reconstruction_loss']:.3f}  corr(x,x̂) {row['reconstruction_corr']:.3f}  "
            f"corr(Q,Wᵀ) {row['qw_correlation']:.3f}  hidden rate {row['hidden_rate']:.3f}  "
            f"Δt1 {row['dt1_ms']:.1f} ms  Δt2 {row['dt2_ms']:.1f} ms")


def _has_results(folder) -> bool:
    return os.path.exists(folder.file("params.json"))


def read_training(folder: ResultsFolder, model: str) -> dict:
    """The folder's params.json, after checking that it holds a training of ``model``."""
    info = folder.read_params()
    saved = info["run"].get("model", "mstdp")
    if saved != model:
        raise TrainingError(f"{folder.path!r} holds a {saved} training, not a {model} one")
    return info


def resumed_settings(folder: ResultsFolder, requested: RunSettings) -> tuple[dict, RunSettings]:
    """(params.json, the saved settings with presentations grown to the requested ones, saved back)."""
    info = read_training(folder, requested.model)
    saved = RunSettings(**info["run"])
    settings = dataclasses.replace(saved, presentations=max(saved.presentations, requested.presentations))
    settings.validate()
    if settings.presentations != saved.presentations:
        info["run"] = dataclasses.asdict(settings)
        folder.write_params(info)
    return info, settings


def _resume_point(folder: ResultsFolder, requested: RunSettings):
    """Saved parameters and settings (presentations may grow), last checkpoint, its metrics."""
    info, settings = resumed_settings(folder, requested)
    params = ModelParams.from_dict(info["model"])
    if not folder.checkpoints():  # killed between params.json and the first checkpoint
        return params, settings, 0, None, []
    done, state = folder.load_checkpoint()
    rows = [row for row in folder.read_metrics() if row["presentations"] <= done]
    return params, settings, done, state, rows
