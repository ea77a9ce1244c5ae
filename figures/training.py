"""Figures of one training, drawn from its results folder (no simulation is re-run).

    python figures/training.py results/mnist [--out figures/mnist]

Writes:
  raster.png               one presentation of the last chunk (cf. Fig 6a)
  learning_curves.png      reconstruction loss and correlation, sparsity loss (log), corr(Q, Wᵀ), Δt1/Δt2 (cf. Figs 6b, 7b-c)
  receptive_fields.png     ON − OFF feedforward weights of the first 100 hidden units (cf. Fig 4a)
  feedback_fields.png      the same for the feedback weights Q (columns): symmetry by eye
  reconstructions.png      initial-bout input vs final-bout reconstruction (cf. Fig 6c)
  lateral.png              with lateral inhibition (rules.lateral): M, and M against the overlap of the units' Q columns
"""
import os

import numpy as np

from brianmodel.analysis import lateral_matrix, receptive_fields
from brianmodel.cli import command, parser
from brianmodel.plots import plt, save, seconds, trained_weights
from brianmodel.results import ResultsFolder, check_folder_path


def _grid(fields, title, n=100):
    fields = fields[:n]
    side = int(np.ceil(np.sqrt(len(fields))))
    fig, axes = plt.subplots(side, side, figsize=(side * 0.8, side * 0.8 + 0.4))
    for ax in axes.flat:
        ax.axis("off")
    for ax, field in zip(axes.flat, fields):
        ax.imshow(field, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout(pad=0.2)
    return fig


def raster(chunk, info, out):
    period = seconds(info["model"]["presentation"]["duration"])
    split_ms = seconds(info["model"]["presentation"]["readout_split"]) * 1e3
    stim_ms = seconds(info["model"]["presentation"]["stimulus_duration"]) * 1e3
    fig, ax = plt.subplots(figsize=(7, 4.5))
    offset = 0
    rows = [("visible", "k"), ("hidden", "C0"), ("visible_pool", "0.6"), ("hidden_pool", "0.4")]
    ticks = []
    for name, color in rows:
        i, t = chunk[f"{name}_i"], chunk[f"{name}_t"]
        mine = np.floor(t / period + 1e-9) == 0  # the chunk's first presentation
        i, t = i[mine], t[mine] * 1e3
        active = np.unique(i)
        rank = np.searchsorted(active, i)
        ax.plot(t, rank + offset, "|", color=color, ms=3)
        ticks.append((offset + len(active) / 2, f"{name}\n({len(active)} active)"))
        offset += len(active) + 5
    ax.axvspan(0, stim_ms, color="0.9", zorder=-1, label="stimulus")
    ax.axvline(split_ms, color="C3", ls="--", lw=0.8, label="readout split (initial | final bout)")
    ax.set_yticks([p for p, _ in ticks], [n for _, n in ticks], fontsize=7)
    ax.set_xlim(0, 35)
    ax.set_xlabel("time in presentation (ms)")
    ax.set_title(f"presentation {int(chunk['first_presentation'])}: neurons with ≥ 1 spike", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    save(fig, out, "raster.png")


def learning_curves(rows, out):
    n = np.array([r["presentations"] for r in rows])
    get = lambda key: np.array([r[key] for r in rows])  # noqa: E731
    fig, axes = plt.subplots(1, 4, figsize=(13, 3))
    axes[0].plot(n, get("reconstruction_loss"), "k.-", label="reconstruction loss")
    axes[0].set_ylabel("reconstruction loss")
    twin = axes[0].twinx()
    twin.semilogy(n, get("sparsity_loss"), "r.-")
    twin.set_ylabel("sparsity loss (log)", color="r")
    axes[1].plot(n, get("reconstruction_corr"), "k.-")
    axes[1].set_ylabel("corr(x, x̂) per image")
    axes[2].plot(n, get("qw_correlation"), "k.-")
    axes[2].set_ylabel("corr(Q, Wᵀ)")
    axes[3].plot(n, get("dt1_ms"), ".-", label="Δt1")
    axes[3].plot(n, get("dt2_ms"), ".-", label="Δt2")
    axes[3].set_ylabel("bout gap (ms)")
    axes[3].legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel("presentations")
    fig.tight_layout()
    save(fig, out, "learning_curves.png")


def weights(state, info, out):
    done, shape = state.presentations, info["dataset"]["image_shape"]
    ff = receptive_fields(state["W"], shape)
    fb = receptive_fields(state["Q"].T, shape)
    save(_grid(ff, f"feedforward W, first 100 hidden units, ON − OFF, after {done} presentations"), out,
         "receptive_fields.png")
    save(_grid(fb, f"feedback Q (columns), same units, after {done} presentations"), out, "feedback_fields.png")


def reconstructions(chunk, info, out, n=10):
    shape = info["dataset"]["image_shape"]
    half = int(np.prod(shape))
    fig, axes = plt.subplots(2, n, figsize=(n * 1.0, 2.3))
    for k in range(n):
        for row, key in enumerate(("x", "x_hat")):
            counts = chunk[key][k].astype(float)
            image = (counts[:half] - counts[half:]).reshape(shape)
            scale = max(np.abs(image).max(), 1)
            axes[row, k].imshow(image, cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest")
            axes[row, k].axis("off")
    axes[0, 0].set_title("input (initial bout)", fontsize=8, loc="left")
    axes[1, 0].set_title("reconstruction (final bout)", fontsize=8, loc="left")
    fig.tight_layout(pad=0.3)
    save(fig, out, "reconstructions.png")


def lateral(state, out):
    """M[k, j] (inhibition of unit k by unit j) ordered by Q's leading direction, and M against corr(Q_j, Q_k)."""
    M = lateral_matrix(state["lateral_m"], len(state["phi"]))
    overlap = np.corrcoef(state["Q"].T)
    order = np.argsort(np.linalg.svd(overlap)[0][:, 1])  # units with alike features side by side
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.5, 3.8))
    image = left.imshow(M[np.ix_(order, order)], cmap="Greys", vmin=0, interpolation="nearest")
    left.set_title(f"lateral inhibition M[k, j] after {state.presentations} presentations", fontsize=8, loc="left")
    left.set_xlabel("presynaptic unit j (ordered by Q's 2nd direction)", fontsize=7)
    left.set_ylabel("postsynaptic unit k", fontsize=7)
    fig.colorbar(image, ax=left, shrink=0.8)
    off = ~np.eye(len(M), dtype=bool)
    right.plot(overlap[off], M[off], ".", ms=1, alpha=0.3, color="k")
    right.set_xlabel("corr(Q_j, Q_k): overlap of the two units' features", fontsize=7)
    right.set_ylabel("M[k, j]", fontsize=7)
    right.set_title(f"r = {np.corrcoef(overlap[off], M[off])[0, 1]:.2f}", fontsize=8, loc="left")
    fig.tight_layout()
    save(fig, out, "lateral.png")


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("results", help="results folder written by protocols/train.py")
    p.add_argument("--out", help="where to write the PNGs (default: figures/<results folder name>)")
    args = p.parse_args(argv)
    folder = ResultsFolder(args.results)
    # everything read before anything is written
    info, chunk, rows = folder.read_params(), folder.load_last_chunk(), folder.read_metrics()
    state = trained_weights(folder)[1]
    out = args.out or os.path.join(os.path.dirname(__file__), os.path.basename(os.path.normpath(args.results)))
    os.makedirs(check_folder_path(out), exist_ok=True)
    raster(chunk, info, out)
    learning_curves(rows, out)
    weights(state, info, out)
    reconstructions(chunk, info, out)
    if "lateral_m" in state.arrays:
        lateral(state, out)
    plt.close("all")
    print(f"figures written to {out}")


if __name__ == "__main__":
    main()
