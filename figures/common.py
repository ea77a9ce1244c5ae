"""What the figure scripts share: where the paper's runs live, loading them, drawing weight grids.

The paper's figures read one folder of runs (``--root``, default
``results/paper``), one sub-folder per role, written by ``protocols/paper.py``:

    mnist/  natural/  mnist-rho0.001/  natural-rho0.001/  mnist-rho0.3/   trainings (+ evaluation/ probes)
    pairing/                                                            the pairing protocol
"""
from __future__ import annotations

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from brianmodel.analysis import receptive_fields  # noqa: E402
from brianmodel.parameters import decode_value  # noqa: E402
from brianmodel.results import ResultsFolder  # noqa: E402

DATASET_LABEL = {"mnist": "MNIST digits", "natural": "natural image patches"}
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ROOT = os.path.join(HERE, "..", "results", "paper")
DEFAULT_OUT = os.path.join(HERE, "paper")


class MissingRun(FileNotFoundError):
    """A run a figure needs is not in the root folder."""


def arguments(doc: str, argv=None, extra=None):
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default=DEFAULT_ROOT, help="folder of the paper's runs (protocols/paper.py)")
    p.add_argument("--out", default=DEFAULT_OUT, help="folder for the PNG")
    if extra:
        extra(p)
    return p.parse_args(argv)


class Run:
    """One training of the root folder: parameters, checkpoints, metrics, probes."""

    def __init__(self, root: str, role: str):
        self.role, self.path = role, os.path.join(root, role)
        if not os.path.exists(os.path.join(self.path, "params.json")):
            raise MissingRun(f"no run {role!r} in {root!r} (protocols/paper.py writes it)")
        self.folder = ResultsFolder(self.path)
        self.info = self.folder.read_params()
        self.shape = tuple(self.info["dataset"]["image_shape"])
        self.n_pixels = int(np.prod(self.shape))

    def seconds(self, section: str, name: str) -> float:
        return float(decode_value(self.info["model"][section][name]))

    def state(self, presentations: int | None = None):
        return self.folder.load_checkpoint(presentations)

    def fields(self, presentations: int | None = None) -> np.ndarray:
        """ON − OFF feedforward fields of every hidden unit, each scaled to [-1, 1] (Fig 4)."""
        return receptive_fields(self.state(presentations)[1].W, self.shape)

    def probe(self, label: str) -> dict:
        return self.folder.load_evaluation(label)

    def image(self, counts: np.ndarray) -> np.ndarray:
        """ON − OFF of a visible-layer vector, as an image."""
        counts = np.asarray(counts, dtype=float)
        return (counts[:self.n_pixels] - counts[self.n_pixels:]).reshape(self.shape)


def show_field(ax, field, alpha=1.0, scale=None):
    scale = scale or max(float(np.abs(field).max()), 1e-12)
    ax.imshow(field, cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest", alpha=alpha)
    ax.set_xticks([])
    ax.set_yticks([])


def field_grid(fig, spec, fields, n=100, title=None):
    """Fields in a square grid inside ``spec`` (a GridSpec cell)."""
    fields = fields[:n]
    side = int(np.ceil(np.sqrt(len(fields))))
    inner = spec.subgridspec(side, side, wspace=0.05, hspace=0.05)
    for k in range(side * side):
        ax = fig.add_subplot(inner[k // side, k % side])
        if k < len(fields):
            show_field(ax, fields[k], scale=1.0)
        else:
            ax.axis("off")
        if k == 0 and title:
            ax.set_title(title, fontsize=9, loc="left", pad=4)


def panel_label(ax, letter):
    ax.text(-0.02, 1.02, letter, transform=ax.transAxes, fontsize=12, fontweight="bold", va="bottom", ha="right")


def save(fig, out: str, name: str) -> str:
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, name)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    print(f"wrote {path}")
    return path


def present_runs(root: str, roles, need=None) -> list:
    """The runs of ``roles`` in ``root`` that a figure can draw, as (run, need(run)) pairs.

    ``need(run)`` loads what the figure reads besides the run (e.g. a probe);
    a run that is missing, or whose ``need`` raises FileNotFoundError, is
    skipped with the reason. Raises :class:`MissingRun` if none is left.
    """
    usable = []
    for role in roles:
        try:
            run = Run(root, role)
            usable.append((run, need(run) if need else None))
        except FileNotFoundError as missing:  # MissingRun included
            print(f"skipping panel: {missing}")
    if not usable:
        raise MissingRun(f"none of {', '.join(roles)} in {root!r} has what this figure needs")
    return usable


def examples(probe: dict, n: int) -> list[int]:
    """The first ``n`` probe presentations with input spikes and hidden spikes (low-contrast
    natural patches evoke neither, and would show as blank panels)."""
    active = np.flatnonzero((probe["x"].sum(axis=1) > 0) & (probe["z"].sum(axis=1) > 0))
    return [int(k) for k in active[:n]]
