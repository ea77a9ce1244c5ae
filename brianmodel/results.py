"""A training's results folder: every file written atomically, readable by figures.

Layout::

    params.json                 model parameters (with units), run settings, versions
    metrics.csv                 one row per chunk of presentations
    checkpoint_0000500.npz      W, Q, phi, count after that many presentations
    last_chunk.npz              spikes and bout counts of the last chunk (rasters, reconstructions)
    evaluation/<label>.npz      frozen probes of the trained network (brianmodel.evaluation)
"""
from __future__ import annotations

import csv
import glob
import io
import json
import os
import re
import tempfile

import numpy as np

from .model import NetworkState

__all__ = ["ResultsFolder", "atomic_write"]

METRIC_COLUMNS = ["presentations", "reconstruction_loss", "reconstruction_corr", "sparsity_loss",
                  "qw_correlation", "hidden_rate", "initial_bout_spikes", "final_bout_spikes",
                  "dt1_ms", "dt2_ms", "gradient_alignment", "presentations_per_s", "wall_s"]


def atomic_write(path: str, data: bytes):
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half of one."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-" + os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


class ResultsFolder:
    def __init__(self, path: str):
        self.path = path

    def file(self, name):
        return os.path.join(self.path, name)

    # -- parameters ---------------------------------------------------------
    def write_params(self, info: dict):
        os.makedirs(self.path, exist_ok=True)
        atomic_write(self.file("params.json"), json.dumps(info, indent=2, sort_keys=True).encode())

    def read_params(self) -> dict:
        path = self.file("params.json")
        if not os.path.exists(path):
            raise FileNotFoundError(f"no params.json in {self.path!r}: not a results folder")
        with open(path) as f:
            return json.load(f)

    # -- checkpoints --------------------------------------------------------
    def save_checkpoint(self, presentations: int, state: NetworkState):
        atomic_write(self.file(f"checkpoint_{presentations:07d}.npz"),
                     _npz_bytes(presentations=presentations, **state.arrays()))

    def checkpoints(self) -> list[int]:
        """Presentations done at each saved checkpoint, ascending."""
        names = glob.glob(self.file("checkpoint_*.npz"))
        return sorted(int(re.search(r"checkpoint_(\d+)\.npz$", n).group(1)) for n in names)

    def load_checkpoint(self, presentations: int | None = None, state_class=NetworkState) -> tuple[int, NetworkState]:
        """(presentations, state) of a checkpoint (default: the last); ``state_class`` is the model's
        state (its fields are the file's arrays)."""
        done = self.checkpoints()
        if not done:
            raise FileNotFoundError(f"no checkpoint in {self.path!r}")
        presentations = done[-1] if presentations is None else presentations
        with np.load(self.file(f"checkpoint_{presentations:07d}.npz")) as f:
            return int(f["presentations"]), state_class(**{k: f[k] for k in f.files if k != "presentations"})

    # -- metrics ------------------------------------------------------------
    def read_metrics(self) -> list[dict]:
        path = self.file("metrics.csv")
        if not os.path.exists(path):
            return []
        with open(path, newline="") as f:
            return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]

    def write_metrics(self, rows: list[dict], columns=METRIC_COLUMNS):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (int(row[k]) if k == "presentations" else f"{row[k]:.6g}") for k in columns})
        atomic_write(self.file("metrics.csv"), buffer.getvalue().encode())

    # -- last chunk's activity ----------------------------------------------
    def save_last_chunk(self, first_presentation: int, image_indices, spikes: dict, counts):
        arrays = {"first_presentation": first_presentation, "image_indices": np.asarray(image_indices),
                  "x": counts.x.astype(np.int16), "x_hat": counts.x_hat.astype(np.int16),
                  "z": counts.z.astype(np.int16)}
        for name, (i, t) in spikes.items():
            arrays[f"{name}_i"], arrays[f"{name}_t"] = i.astype(np.int32), t
        atomic_write(self.file("last_chunk.npz"), _npz_bytes(**arrays))

    def load_last_chunk(self) -> dict:
        with np.load(self.file("last_chunk.npz")) as f:
            return {k: f[k] for k in f.files}

    # -- frozen probes (brianmodel.evaluation) ------------------------------
    def save_evaluation(self, label: str, arrays: dict):
        os.makedirs(self.file("evaluation"), exist_ok=True)
        atomic_write(self.file(os.path.join("evaluation", f"{label}.npz")), _npz_bytes(**arrays))

    def evaluations(self) -> list[str]:
        return sorted(os.path.basename(n)[:-4] for n in glob.glob(self.file(os.path.join("evaluation", "*.npz"))))

    def load_evaluation(self, label: str) -> dict:
        path = self.file(os.path.join("evaluation", f"{label}.npz"))
        if not os.path.exists(path):
            raise FileNotFoundError(f"no probe {label!r} in {self.path!r} (run protocols/evaluate.py on it); "
                                    f"present: {self.evaluations() or 'none'}")
        with np.load(path) as f:
            return {k: f[k] for k in f.files}
