"""Probes of a trained network: frozen presentations of a fixed image set.

A probe runs the saved network (a checkpoint of a training) with plasticity
and homeostasis switched off (η = 0, homeostasis rate 0, so W, Q and Φ stay
as saved) on a seeded set of images, and saves the spike counts of every
presentation in ``<results>/evaluation/<label>.npz``. Figures of the paper
that need activity beyond the training's last chunk read these:
correlations of hidden spike counts over 1,000 presentations (Fig 8), the
most active units per input (Fig 9), reconstructions at several points of
training (Fig 5) and with all Φ_j scaled (Fig 7e).

The probe reuses the training's compiled binary: η and the homeostasis rate
are run-time parameters, and the chunk size is the training's.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
from dataclasses import dataclass

import numpy as np
from brian2 import ms

from ..analysis import (alignment_report, bout_gaps, code_report, code_statistics, feature_statistics,
                        reconstruction_corr, reconstruction_loss, window_ratio)
from ..analysis.rate_model import RateModel, rate_model_report
from ..datasets import load_dataset
from ..device import Simulator
from ..errors import ProtocolError
from ..params.mstdp import ModelParams
from ..params.run import RunSettings
from ..results import ResultsFolder
from ..schedule import probe_images, split
from .labels import silent_labels
from .model import Ensemble, Model
from .network import EnsembleState, NetworkState, Presentations
from .trainer import SHARED_SETTINGS, image_table, training_inputs

__all__ = ["Trained", "load_training", "probe", "probe_ensemble", "frozen_counts", "standard_probes",
           "training_points", "code_probe", "rate_model_probe", "alignment_probe"]

log = logging.getLogger(__name__)


@dataclass
class Trained:
    """An mSTDP training read from its results folder, at one checkpoint."""

    folder: ResultsFolder
    params: ModelParams
    settings: RunSettings
    presentations: int  # done at the checkpoint
    state: NetworkState


def load_training(folder: ResultsFolder | str, checkpoint: int | None = None) -> Trained:
    """The training in ``folder`` at ``checkpoint`` presentations (default: the last checkpoint)."""
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    info = folder.read_params()
    settings = RunSettings.from_info(info, model="mstdp")
    if not isinstance(info.get("model"), dict):
        raise DamagedFile(f"{folder.file('params.json')} has no model parameters ('model'): not a training's folder")
    params = ModelParams.from_dict(info["model"])
    saved = folder.load_checkpoint(checkpoint)
    dataset = info.get("dataset")
    n_visible = dataset.get("n_visible") if isinstance(dataset, dict) else None
    if not isinstance(n_visible, int):  # older folders: the weights tell
        n_visible = saved["W"].shape[1] if "W" in saved.arrays else 2
    state = Model(params, n_visible).load_state(saved.arrays)
    return Trained(folder, params, settings, saved.presentations, state)


def _overridden(trained: Trained, overrides: dict | None) -> Trained:
    """``trained`` with its parameters changed by ``overrides`` (refused: the architecture, which the weights
    have, and parameters the network's rules ignore)."""
    if not overrides:
        return trained
    if "architecture" in overrides:
        raise ProtocolError("a probe cannot change the architecture: the trained weights have its shape")
    params = trained.params.with_overrides(**overrides).validate()
    for section, values in overrides.items():
        for name in values:
            params.check_effective(section, name)
    return dataclasses.replace(trained, params=params)


def _frozen(params: ModelParams) -> ModelParams:
    return params.frozen()


def probe(folder: ResultsFolder | str, label: str, *, presentations: int = 1000, checkpoint: int | None = None,
          phi_scale: float = 1.0, held_out_only: bool = False, training_only: bool = False,
          silence_labels: bool = False, overrides: dict | None = None, build_root: str | None = None) -> dict:
    """Run a frozen probe of ``checkpoint`` (default: the last) and save it as ``evaluation/<label>.npz``.

    ``presentations`` is rounded up to whole chunks of the training.
    ``held_out_only``: present the training's held-out images instead (each
    once, then the first ones again to fill the last chunk); ``training_only``:
    draw the images from those training presented (without held-out ones).
    ``silence_labels``: present the images without their labels (testing a
    training with label units). ``overrides``: {section: {name: value}} of
    the model's parameters to probe the trained weights under instead of the
    training's (e.g. another refractory period; not the architecture), saved
    with the probe. Returns the saved arrays.
    """
    return probe_ensemble([folder], label, presentations=presentations, checkpoint=checkpoint, phi_scale=phi_scale,
                          held_out_only=held_out_only, training_only=training_only, silence_labels=silence_labels,
                          overrides=overrides, build_root=build_root)[0]


def _check_phi_scale(phi_scale: float) -> None:
    if not 0 < phi_scale < math.inf:
        raise ProtocolError(f"phi_scale must be positive and finite, got {phi_scale}")


def _check_label(label: str) -> None:
    if not label or not label.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ProtocolError(f"probe label must be letters, digits, '-', '_' or '.', got {label!r}")


def probe_ensemble(folders, label: str, *, presentations: int = 1000, checkpoint: int | None = None,
                   phi_scale: float = 1.0, held_out_only: bool = False, training_only: bool = False,
                   silence_labels: bool = False, overrides: dict | None = None, idle: int = 0,
                   build_root: str | None = None) -> list[dict]:
    """:func:`probe` of several trainings of one network shape at once, as the copies of one frozen ensemble
    (``idle`` more copies fill it to a size whose binary exists). Each folder gets exactly the probe it would
    get alone."""
    _check_label(label)
    if not isinstance(presentations, int) or presentations <= 0:
        raise ProtocolError(f"presentations must be a positive integer, got {presentations!r}")
    _check_phi_scale(phi_scale)
    if held_out_only and training_only:
        raise ProtocolError("held_out_only and training_only exclude each other")
    trained = [_overridden(load_training(folder, checkpoint), overrides) for folder in folders]
    settings = trained[0].settings
    for other in trained[1:]:
        differ = [name for name in SHARED_SETTINGS if getattr(other.settings, name) != getattr(settings, name)]
        if differ:
            raise ProtocolError(f"trainings probed together share {', '.join(differ)}; {other.folder.path!r} "
                                f"differs")
    dataset = load_dataset(settings.dataset)  # once: the trainings share it
    X, _, _ = training_inputs(dataset, settings)
    chunk = settings.effective_chunk
    images = []
    for t in trained:
        training, held_out = split(len(X), t.settings.holdout, t.settings.seed, dataset.n_test)
        if held_out_only:
            if not len(held_out):
                raise ProtocolError(f"the training in {t.folder.path!r} held no images out (holdout 0)")
            total = -(-len(held_out) // chunk) * chunk
            images.append(held_out[np.arange(total) % len(held_out)])  # every held-out image, then the first again
        elif training_only:  # the seeded probe set, drawn from the images training presented
            images.append(training[probe_images(len(training), -(-presentations // chunk) * chunk, t.settings.seed)])
        else:
            images.append(probe_images(len(X), -(-presentations // chunk) * chunk, t.settings.seed))
    if len({len(i) for i in images}) > 1:
        raise ProtocolError("trainings probed together must hold out as many images")
    table = image_table(X)
    if silence_labels:
        if not settings.labels:
            raise ProtocolError(f"the training in {trained[0].folder.path!r} has no label units to silence")
        table = image_table(silent_labels(X[:, :-settings.label_units], copies=settings.label_copies))
    states = [dataclasses.replace(t.state, phi=t.state.phi * phi_scale) for t in trained]
    with contextlib.ExitStack() as stack:
        for t in trained:
            stack.enter_context(t.folder.writing(f"probe {label}"))
        counted = _frozen_run([t.params for t in trained], settings, states, table, np.array(images), idle,
                              build_root)
        saved = []
        for t, copy_images, (x, x_hat, z, first_spikes) in zip(trained, images, counted):
            arrays = {"checkpoint": t.presentations, "phi_scale": phi_scale, "image_indices": copy_images,
                      **({"overrides": json.dumps(overrides, default=str, sort_keys=True)} if overrides else {}),
                      "x": x.astype(np.int16), "x_hat": x_hat.astype(np.int16), "z": z.astype(np.int16),
                      "reconstruction_corr": reconstruction_corr(x, x_hat),
                      "reconstruction_loss": reconstruction_loss(x, x_hat), **code_statistics(z),
                      **feature_statistics(t.state.Q, x, z)}
            for name, (i, spike_t) in first_spikes.items():  # the first chunk's spikes, for rasters
                arrays[f"{name}_i"], arrays[f"{name}_t"] = i.astype(np.int32), spike_t
            t.folder.save_evaluation(label, arrays)
            saved.append(arrays)
            log.info("probe %r of %s: checkpoint %d, Φ × %g, %d presentations, corr(x, x̂) %.3f, hidden "
                     "spikes/presentation %.1f", label, t.folder.path, t.presentations, phi_scale, len(copy_images),
                     arrays["reconstruction_corr"], z.sum(axis=1).mean())
    return saved


def frozen_counts(params: ModelParams, settings: RunSettings, state: NetworkState, stimulus: np.ndarray, *,
                  build_root: str | None = None):
    """(x, x_hat, z, first chunk's spikes) of ``stimulus`` rows presented to the frozen network
    (η = 0, no homeostasis) in chunks of the training's size; the last chunk is padded with the first rows.
    The training's binary is reused: the rows are drawn as from a table of the training's size."""
    chunk, n = settings.effective_chunk, len(stimulus)
    rows, order = np.unique(stimulus[np.arange(-(-n // chunk) * chunk) % n], axis=0, return_inverse=True)
    X, _, _ = training_inputs(load_dataset(settings.dataset), settings)
    if len(rows) > len(image_table(X)):
        raise ProtocolError(f"{len(rows)} distinct stimuli; the training's binary holds {len(image_table(X))}")
    table = np.zeros((len(image_table(X)), stimulus.shape[1]))
    table[:len(rows)] = rows
    x, x_hat, z, spikes = _frozen_run([params], settings, [state], table, order.reshape(1, -1), 0, build_root)[0]
    return x[:n], x_hat[:n], z[:n], spikes


def _frozen_run(copy_params, settings: RunSettings, states, table, orders, idle: int, build_root):
    """Each copy's (x, x_hat, z, first chunk's spikes) of the frozen network shown ``table[orders[k]]``."""
    frozen = [_frozen(p) for p in copy_params] + [_frozen(copy_params[0])] * idle
    orders = np.vstack([orders, np.full((idle, orders.shape[1]), len(table) - 1)])
    if len(frozen) == 1:
        model, state = Model(frozen[0], table.shape[1], n_images=len(table)), states[0]
    else:
        model = Ensemble(frozen, table.shape[1], n_images=len(table))
        state = EnsembleState([*states, *[states[0]] * idle])
    chunk = settings.effective_chunk
    simulator = Simulator(model, settings.device, chunk, build_root=build_root, threads=settings.threads,
                          compute_capability=settings.compute_capability)
    counts, first_spikes = [[] for _ in states], None
    for start in range(0, orders.shape[1], chunk):
        result = simulator.run_chunk(state, Presentations(table, orders[:, start:start + chunk]))
        after = [result.state] if model.copies == 1 else list(result.state)
        before = [state] if model.copies == 1 else list(state)
        for b, a in zip(before, after):
            _check_frozen(b, a)
        chunk_counts = model.counts(result.spikes, chunk)
        chunk_counts = [chunk_counts] if model.copies == 1 else chunk_counts
        for k in range(len(states)):
            counts[k].append(chunk_counts[k])
        first_spikes = first_spikes or model.split_spikes(result.spikes)
    return [(np.concatenate([c.x for c in copy_counts]), np.concatenate([c.x_hat for c in copy_counts]),
             np.concatenate([c.z for c in copy_counts]), first_spikes[k]) for k, copy_counts in enumerate(counts)]


def _check_frozen(before: NetworkState, after: NetworkState):
    # η and the homeostasis rate are run-time parameters: make sure they reached the binary
    lateral = [state.synapses.get("lateral_m") for state in (before, after)]
    if not (np.array_equal(before.W, after.W) and np.array_equal(before.Q, after.Q)
            and np.allclose(before.phi, after.phi)
            and (lateral[0] is None or np.array_equal(*lateral))):
        raise RuntimeError("weights or Φ changed during a frozen probe: plasticity was not switched off")


def standard_probes(folder: ResultsFolder | str, *, presentations: int = 1000, phi_scale: float = 1.5,
                    n_checkpoints: int = 6, build_root: str | None = None) -> list[str]:
    """The probes the paper's figures read: ``final`` (``presentations`` images), ``phi-<scale>``
    (the first chunk, Φ scaled), ``checkpoint-<n>`` (the first chunk, at ``n_checkpoints`` points of training)."""
    _check_phi_scale(phi_scale)  # (before the first probe runs)
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    chunk = RunSettings.from_info(folder.read_params(), model="mstdp").effective_chunk
    labels = []
    probe(folder, "final", presentations=presentations, build_root=build_root)
    labels.append("final")
    label = f"phi-{phi_scale:g}"
    probe(folder, label, presentations=chunk, phi_scale=phi_scale, build_root=build_root)
    labels.append(label)
    for n in training_points(folder.checkpoints(), n_checkpoints):
        probe(folder, f"checkpoint-{n}", presentations=chunk, checkpoint=n, build_root=build_root)
        labels.append(f"checkpoint-{n}")
    return labels


def training_points(saved: list[int], n: int) -> list[int]:
    """``n`` checkpoints spread on a log scale from the first to the last (0 always included)."""
    if len(saved) <= n:
        return list(saved)
    positive = [s for s in saved if s > 0]
    targets = np.geomspace(positive[0], positive[-1], n - 1)
    chosen = {0 if 0 in saved else saved[0]}
    for target in targets:
        chosen.add(min(positive, key=lambda s: abs(np.log(s / target))))
    return sorted(chosen)


def _saved_probe(folder: ResultsFolder, label: str, checkpoint: int, presentations: int | None) -> dict | None:
    """The saved probe ``label`` if it is of ``checkpoint`` and (where given) ``presentations`` long, else None."""
    if label not in folder.evaluations():
        return None
    saved = folder.load_evaluation(label)
    if int(saved["checkpoint"]) != checkpoint or (presentations is not None and len(saved["x"]) != presentations):
        return None
    log.info("reusing the saved probe %r of %s (checkpoint %d)", label, folder.path, checkpoint)
    return saved


def code_probe(folder: ResultsFolder | str, presentations: int = 4000, checkpoint: int | None = None,
               build_root: str | None = None, reuse: bool = False) -> dict:
    """The code's measures and ceilings (:func:`~brianmodel.analysis.code_report`) of a training with a holdout.

    Probes ``presentations`` of the images training presented (``code-train``)
    and every held-out image (``code-held-out``), and writes the report, with
    the checkpoint and presentations it describes, to ``evaluation/code.json``.
    Returns the report. With ``reuse``, probes already saved for this checkpoint and length are read instead
    of run again (the report alone is recomputed). The default 4,000 presentations: the own code's linear
    readout has n_hidden + 1 weights per pixel, and 1,000 overfit it (training
    0.80, held out 0.68 where 4,000 give 0.76 and 0.73).
    """
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    if RunSettings.from_info(folder.read_params(), model="mstdp").holdout <= 0:  # before any compiling
        raise ProtocolError(f"the training in {folder.path!r} held no images out, and the code is measured on "
                            f"held-out images: train with --holdout N (RunSettings(holdout=N) in Python)")
    trained = load_training(folder, checkpoint)
    done = trained.presentations
    train = (reuse and _saved_probe(folder, "code-train", done, presentations)) or probe(
        folder, "code-train", presentations=presentations, checkpoint=done, training_only=True, build_root=build_root)
    test = (reuse and _saved_probe(folder, "code-held-out", done, None)) or probe(
        folder, "code-held-out", checkpoint=done, held_out_only=True, build_root=build_root)
    report = code_report((train["x"], train["z"]), (test["x"], test["z"]), trained.state.Q, x_hat_test=test["x_hat"],
                         seed=trained.settings.seed, x_hat_train=train["x_hat"],
                         images=(train["image_indices"], test["image_indices"]))
    with folder.writing("code report"):
        folder.write_json("evaluation/code.json", {"checkpoint": trained.presentations, "report": report},
                          with_provenance=True)  # the report says how many presentations it describes
    return report


def rate_model_probe(folder: ResultsFolder | str, models: list[RateModel], seeds: int = 3,
                     presentations: int = 5000, label: str | None = None) -> list[dict]:
    """The network's rate model (:mod:`brianmodel.analysis.rate_model`) trained on the inputs of a training's
    code probes: for each model and seed, :func:`~brianmodel.analysis.rate_model.rate_model_report` on the
    initial bouts of ``code-train`` (learned from, ``train_``) and ``code-held-out``. Rows, with each model's
    parameters, go to ``evaluation/rate-model.json`` (``rate-model-<label>.json`` with a ``label``). Needs
    ``evaluate.py FOLDER --code`` first; runs no simulation."""
    if label is not None:
        _check_label(label)
    name = "rate-model" if label is None else f"rate-model-{label}"
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    train, test = (folder.load_evaluation(probe_label)["x"] for probe_label in ("code-train", "code-held-out"))
    rows = []
    for model in models:
        for seed in range(seeds):
            row = {**dataclasses.asdict(model), "seed": seed, "presentations": presentations,
                   **rate_model_report(train, test, model, presentations, seed)}
            log.info("rate model %s, seed %d: corr(x, x̂) %.3f held out (%.3f training)", model.readout, seed,
                     row["corr"], row["train_corr"])
            rows.append(row)
    with folder.writing("rate model"):
        folder.write_json(f"evaluation/{name}.json", {"inputs": ["code-train", "code-held-out"], "rows": rows},
                          with_provenance=True)
    return rows


def alignment_probe(folder: ResultsFolder | str, *, n_checkpoints: int = 6, build_root: str | None = None) -> dict:
    """How well the weight change follows the autoencoder's descent direction, on images training never
    presented and on ones it did, at ``n_checkpoints`` points of training (:func:`training_points`).

    From each checkpoint the network learns on (plasticity and homeostasis as trained) every held-out image,
    chunk by chunk, and then on as many training images (a seeded draw); each chunk's
    :func:`~brianmodel.analysis.alignment_report` is averaged over the chunks. Nothing is saved to the
    training's state; the reports go to ``evaluation/alignment.json``. Needs a training with a holdout.
    """
    folder = folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)
    info = folder.read_params()
    settings = RunSettings.from_info(info, model="mstdp")
    if settings.holdout <= 0:  # before any compiling
        raise ProtocolError(f"the training in {folder.path!r} held no images out: train with --holdout N")
    dataset = load_dataset(settings.dataset)
    X, _, _ = training_inputs(dataset, settings)
    training, held_out = split(len(X), settings.holdout, settings.seed, dataset.n_test)
    chunk = settings.effective_chunk
    total = -(-len(held_out) // chunk) * chunk
    images = {"held_out": held_out[np.arange(total) % len(held_out)],
              "training": training[probe_images(len(training), total, settings.seed)]}
    rows = {name: [] for name in images}
    table, params = image_table(X), ModelParams.from_dict(info["model"])
    model = Model(params, table.shape[1], n_images=len(table))  # the training's network, plastic
    simulator = Simulator(model, settings.device, chunk, build_root=build_root, threads=settings.threads,
                          compute_capability=settings.compute_capability)
    for n in training_points(folder.checkpoints(), n_checkpoints):
        state = load_training(folder, n).state
        for name, shown in images.items():
            reports = _plastic_reports(simulator, state, table, shown)
            rows[name].append({"checkpoint": n, **{key: float(np.nanmean([r[key] for r in reports]))
                                                   for key in reports[0]}})
            log.info("alignment at %d presentations, %s images: %.3f (window-corrected %.3f)", n, name,
                     rows[name][-1]["alignment"], rows[name][-1]["alignment_window"])
    with folder.writing("alignment probe"):
        folder.write_json("evaluation/alignment.json", rows, with_provenance=True)
    return rows


def _plastic_reports(simulator, state: NetworkState, table: np.ndarray, shown: np.ndarray) -> list[dict]:
    """Each chunk's alignment report of ``simulator``'s network learning on ``table[shown]`` from ``state``."""
    model, chunk = simulator.model, simulator.chunk_size
    pl, pres = model.params.plasticity, model.params.presentation
    reports = []
    for start in range(0, len(shown), chunk):
        result = simulator.run_chunk(state, Presentations(table, shown[start:start + chunk].reshape(1, -1)))
        counts, spikes = model.counts(result.spikes, chunk), model.split_spikes(result.spikes)[0]
        dt1, dt2 = bout_gaps(spikes, float(pres.duration), float(pres.readout_split))
        ratio = window_ratio(dt1 * 1e3, dt2 * 1e3, pl.A_plus, pl.A_minus, float(pl.tau_plus / ms),
                             float(pl.tau_minus / ms))
        reports.append(alignment_report(state.W, result.state.W, counts, ratio, pl.w_max))
        state = result.state
    return reports
