"""Figs 6 (MNIST) and 7 (natural patches): behaviour of the trained spiking network.

    python figures/fig06_07_behaviour.py [--root results/paper] [--out figures/paper]

a: raster of one probe presentation (neurons with ≥ 1 spike; visible bottom,
hidden above, inhibitory pools in grey on top), cut at 30 ms. b: reconstruction
loss (black) and sparsity loss (red, log scale) over training. c: corr(Q, Wᵀ)
over training. d: probe stimuli (ON − OFF), their final-bout reconstructions
and the linear readout Qz. e: final-bout reconstructions of the same stimuli
with every Φ_j × 1.5 (the ``phi-1.5`` probe).
"""
import numpy as np

from brianmodel.cli import command
from brianmodel.plots import DATASET_LABEL, arguments, examples, panel_label, plt, present_runs, save, show_field

ROWS = (("visible", "k"), ("hidden", "C0"), ("visible_pool", "0.55"), ("hidden_pool", "0.35"))


def raster(ax, run, probe, presentation=0):
    period = run.seconds("presentation", "duration")
    offset, ticks = 0, []
    for name, color in ROWS:
        i, t = probe[f"{name}_i"], probe[f"{name}_t"]
        mine = np.floor(t / period + 1e-9) == presentation
        i, t = i[mine], (t[mine] - presentation * period) * 1e3
        active = np.unique(i)
        ax.plot(t, np.searchsorted(active, i) + offset, "|", color=color, ms=2.5)
        ticks.append((offset + len(active) / 2, name.replace("_", " ")))
        offset += len(active) + 3
    ax.axvspan(0, run.seconds("presentation", "stimulus_duration") * 1e3, color="0.9", zorder=-1)
    ax.set_yticks([p for p, _ in ticks], [n for _, n in ticks], fontsize=7)
    ax.set_xlim(0, 30)
    ax.set_xlabel("time (ms)", fontsize=8)


def curves(ax_loss, ax_corr, run):
    rows = run.folder.read_metrics()
    n = np.array([r["presentations"] for r in rows])
    ax_loss.plot(n, [r["reconstruction_loss"] for r in rows], "k.", ms=4)
    ax_loss.set_ylabel("reconstruction loss", fontsize=8)
    ax_loss.set_xlabel("presentations", fontsize=8)
    twin = ax_loss.twinx()
    twin.semilogy(n, [r["sparsity_loss"] for r in rows], "r.", ms=4)
    twin.set_ylabel("sparsity loss (log)", color="r", fontsize=8)
    ax_corr.plot(n, [r["qw_correlation"] for r in rows], "k.-", ms=4)
    ax_corr.set_ylabel("corr(Q, Wᵀ)", fontsize=8)
    ax_corr.set_xlabel("presentations", fontsize=8)


def images(fig, spec, run, rows, n=None):
    n = n or len(rows[0][1])
    inner = spec.subgridspec(len(rows), n, wspace=0.05, hspace=0.08)
    for r, (label, vectors) in enumerate(rows):
        for c in range(n):
            ax = fig.add_subplot(inner[r, c])
            show_field(ax, run.image(vectors[c]))
            if c == 0:
                ax.set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")


def figure(run, number):
    final = run.probe("final")
    state = run.state()
    fig = plt.figure(figsize=(12, 6.5))
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 1.1], hspace=0.35, wspace=0.6)
    ax = fig.add_subplot(grid[0, 0])
    raster(ax, run, final)
    panel_label(ax, "a")
    ax_loss, ax_corr = fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[0, 2])
    curves(ax_loss, ax_corr, run)
    panel_label(ax_loss, "b")
    panel_label(ax_corr, "c")
    shown = examples(final, 8)  # from the first chunk: the Φ probe saw the same images
    linear = final["z"][shown] @ state["Q"].T  # Qz: the reconstruction the feedback weights encode
    images(fig, grid[1, :2], run, [("input", final["x"][shown]), ("final bout", final["x_hat"][shown]), ("Qz", linear)])
    fig.text(0.1, 0.47, "d  inputs, reconstructions (final-bout counts) and Qz", fontsize=9, fontweight="bold")
    try:
        boosted = run.probe("phi-1.5")
        same = [k for k in shown if k < len(boosted["x"])][:4]
        images(fig, grid[1, 2], run, [("input", boosted["x"][same]), ("Φ × 1.5", boosted["x_hat"][same])], n=len(same))
        fig.text(0.68, 0.47, "e  with every Φ_j × 1.5", fontsize=9, fontweight="bold")
    except FileNotFoundError as missing:
        print(f"skipping panel e: {missing}")
    done = state.presentations
    fig.suptitle(f"Fig {number}: the spiking network on {DATASET_LABEL[run.role]} after {done} presentations "
                 f"(probe: corr(x, x̂) {float(final['reconstruction_corr']):.2f})", fontsize=10)
    return fig


@command
def main(argv=None):
    args = arguments(__doc__, argv)
    number = {"mnist": 6, "natural": 7}
    for run, _ in present_runs(args.root, number, need=lambda run: run.probe("final")):
        save(figure(run, number[run.role]), args.out, f"fig{number[run.role]:02d}_{run.role}_behaviour.png")


if __name__ == "__main__":
    main()
