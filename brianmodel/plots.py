"""What figure scripts share: loading saved runs, drawing weight grids, saving PNGs. No brian2.

Figures read results; they never re-run a simulation. The paper's figures
read one folder of runs (``--root``, default ``results/paper``), one
sub-folder per role, written by ``protocols/paper.py``::

    mnist/  natural/  mnist-rho0.001/  natural-rho0.001/  mnist-rho0.3/   trainings (+ evaluation/ probes)
    pairing/                                                            the pairing protocol
"""
from __future__ import annotations

import importlib.util
import io
import logging
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .analysis import receptive_fields  # noqa: E402
from .cli import parser  # noqa: E402
from .errors import DamagedFile, MissingResult  # noqa: E402
from .io import atomic_write, csv_text  # noqa: E402
from .results import Checkpoint, ResultsFolder, check_folder_path  # noqa: E402
from .values import si_value  # noqa: E402

log = logging.getLogger(__name__)

__all__ = ["plt", "DATASET_LABEL", "MissingRun", "arguments", "Run", "show_field", "field_grid", "field_panels",
           "shape_shares", "panel_label", "save", "present_runs", "examples", "load_script", "seconds"]

DATASET_LABEL = {"mnist": "MNIST digits", "natural": "natural image patches"}
DEFAULT_ROOT = os.path.join("results", "paper")
DEFAULT_OUT = os.path.join("figures", "paper")


class MissingRun(MissingResult):
    """A run a figure needs is not in the root folder."""


def arguments(doc: str, argv=None, extra=None):
    p = parser(doc)
    p.add_argument("--root", default=DEFAULT_ROOT, help="folder of the paper's runs (protocols/paper.py)")
    p.add_argument("--out", default=DEFAULT_OUT, help="folder for the PNG")
    if extra:
        extra(p)
    return p.parse_args(argv)


def image_shape(info: dict, where: str) -> tuple:
    """The (height, width) of a training's images, from its params.json (``info``); ``where`` names the file."""
    dataset = info.get("dataset") if isinstance(info, dict) else None
    shape = dataset.get("image_shape") if isinstance(dataset, dict) else None
    if not (isinstance(shape, list) and len(shape) == 2 and all(isinstance(n, int) and n > 0 for n in shape)):
        raise DamagedFile(f"{where} has no image shape (dataset.image_shape): not the folder of a training on images")
    return tuple(shape)


def trained_weights(folder: ResultsFolder, presentations: int | None = None) -> tuple[dict, Checkpoint, tuple]:
    """(params.json, the checkpoint after ``presentations`` (default: the last), the image shape) of a training,
    checked before a figure reads them: W (n_hidden, ≥ 2 pixels) and Q (its transpose's shape), finite."""
    info = folder.read_params()
    shape = image_shape(info, folder.file("params.json"))
    state = folder.load_checkpoint(presentations)
    W, Q = state.arrays.get("W"), state.arrays.get("Q")
    if W is None or W.ndim != 2 or W.shape[1] < 2 * shape[0] * shape[1] or Q is None or Q.shape != W.shape[::-1]:
        raise DamagedFile(f"{state.path}: W and Q do not fit images of {shape[0]} x {shape[1]} ON/OFF pixels "
                          f"(W {None if W is None else W.shape}, Q {None if Q is None else Q.shape})")
    if not (np.isfinite(W).all() and np.isfinite(Q).all()):
        raise DamagedFile(f"{state.path}: W or Q holds values that are not finite")
    return info, state, shape


class Run:
    """One training of the root folder: parameters, checkpoints, metrics, probes."""

    def __init__(self, root: str, role: str):
        self.role, self.path = role, os.path.join(root, role)
        if not os.path.exists(os.path.join(self.path, "params.json")):
            raise MissingRun(f"no run {role!r} in {root!r} (protocols/paper.py writes it)")
        self.folder = ResultsFolder(self.path)
        self.info = self.folder.read_params()
        self.shape = image_shape(self.info, self.folder.file("params.json"))
        self.n_pixels = int(np.prod(self.shape))

    def seconds(self, section: str, name: str) -> float:
        """A parameter of the run in SI units (seconds for a time), read without brian2."""
        return float(si_value(self.info["model"][section][name])[0])

    def state(self, presentations: int | None = None) -> Checkpoint:
        """A checkpoint (default: the last): ``.presentations`` and the arrays (``state["W"]``)."""
        return self.folder.load_checkpoint(presentations)

    def fields(self, presentations: int | None = None) -> np.ndarray:
        """ON − OFF feedforward fields of every hidden unit, each scaled to [-1, 1] (Fig 4)."""
        return receptive_fields(self.state(presentations)["W"], self.shape)

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


def field_panels(panels, n=64, columns=3):
    """A figure of ``(title, fields)`` panels, ``n`` fields each in a square grid, up to ``columns`` a line."""
    columns = min(columns, len(panels))
    lines = -(-len(panels) // columns)
    fig = plt.figure(figsize=(4.2 * columns, 4.8 * lines))
    grid = fig.add_gridspec(lines, columns, wspace=0.12, hspace=0.3)
    for place, (title, fields) in enumerate(panels):
        field_grid(fig, grid[place // columns, place % columns], fields[:n], n=n, title=title)
    return fig


def shape_shares(row: dict) -> str:
    """A panel's line of analysis.field_shapes' shares (``oriented``, ``localized``, ``v1_like``) in %."""
    return (f"oriented {100 * row['oriented']:.0f}%, localized {100 * row['localized']:.0f}%, "
            f"both {100 * row['v1_like']:.0f}%")


def panel_label(ax, letter):
    ax.text(-0.02, 1.02, letter, transform=ax.transAxes, fontsize=12, fontweight="bold", va="bottom", ha="right")


def save(fig, out: str, name: str) -> str:
    """Write ``fig`` to ``out/name`` whole (atomic_write: a full disk leaves no half picture) and close it."""
    os.makedirs(check_folder_path(out), exist_ok=True)
    path = os.path.join(out, name)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=130, format=os.path.splitext(name)[1][1:] or "png")
    plt.close(fig)
    atomic_write(path, buffer.getvalue())
    log.info("wrote %s", path)
    return path


def save_table(out: str, name: str, columns, rows, formats: dict | None = None) -> str:
    """Write ``rows`` (dicts) as the CSV ``out/name`` (:func:`~brianmodel.io.csv_text`), whole: a figure's numbers
    beside its picture."""
    os.makedirs(check_folder_path(out), exist_ok=True)
    path = os.path.join(out, name)
    atomic_write(path, csv_text(columns, rows, formats).encode())
    log.info("wrote %s", path)
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
            log.warning("skipping panel: %s", missing)
    if not usable:
        raise MissingRun(f"none of {', '.join(roles)} in {root!r} has what this figure needs")
    return usable


def examples(probe: dict, n: int) -> list[int]:
    """The first ``n`` probe presentations with input spikes and hidden spikes (low-contrast
    natural patches evoke neither, and would show as blank panels)."""
    active = np.flatnonzero((probe["x"].sum(axis=1) > 0) & (probe["z"].sum(axis=1) > 0))
    return [int(k) for k in active[:n]]


def seconds(value) -> float:
    """A time as params.json holds it ('0.065 * second'), in seconds."""
    return float(si_value(value)[0])


def load_script(path: str):
    """A figure script as a module (its ``main``), under a name of its own: no sys.path entry, no name clash."""
    name = "figure_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
