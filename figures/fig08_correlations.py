"""Fig 8: correlations between hidden units, of their weights and of their spike counts.

    python figures/fig08_correlations.py [--root results/paper] [--out figures/paper]

a, c: Pearson correlation of the final feedforward weight vectors of every
pair of hidden units; b, d: of their spike counts over the ``final`` probe
(1,000 presentations). Units are sorted by a hierarchical clustering of the
weight correlations, the same order in both panels of a dataset.
"""
import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

from brianmodel.cli import command
from brianmodel.plots import DATASET_LABEL, arguments, plt, present_runs, save


def correlations(values: np.ndarray) -> np.ndarray:
    """Row-by-row Pearson correlation; a constant row (a silent unit) correlates 0 with everything."""
    centred = values - values.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(centred, axis=1)
    ok = norm > 0
    out = np.zeros((len(values), len(values)))
    out[np.ix_(ok, ok)] = (centred[ok] / norm[ok, None]) @ (centred[ok] / norm[ok, None]).T
    return out


def cluster_order(c: np.ndarray) -> np.ndarray:
    distance = np.clip(1 - c, 0, 2)
    np.fill_diagonal(distance, 0)
    return leaves_list(linkage(squareform(distance, checks=False), "average"))


@command
def main(argv=None):
    args = arguments(__doc__, argv)
    runs = present_runs(args.root, ("mnist", "natural"), need=lambda run: run.probe("final"))
    fig, axes = plt.subplots(len(runs), 2, figsize=(9, 4.2 * len(runs)), squeeze=False)
    letters = iter("abcd")
    for row, (run, probe) in zip(axes, runs):
        weights = correlations(run.state()["W"])
        counts = correlations(probe["z"].T.astype(float))
        order = cluster_order(weights)
        silent = int((probe["z"].sum(axis=0) == 0).sum())
        for ax, c, what in ((row[0], weights, "feedforward weights"),
                            (row[1], counts, f"spike counts, {len(probe['z'])} presentations")):
            off = c[~np.eye(len(c), dtype=bool)]
            image = ax.imshow(c[np.ix_(order, order)], cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
            ax.set_title(f"{next(letters)}  {DATASET_LABEL[run.role]}: {what}\n"
                         f"off-diagonal mean {off.mean():.2f}, sd {off.std():.2f}", fontsize=8, loc="left")
            ax.set_xlabel("hidden unit (clustered)", fontsize=7)
            ax.tick_params(labelsize=6)
        fig.colorbar(image, ax=row, shrink=0.8, label="Pearson r")
        if silent:
            row[1].text(0.02, -0.2, f"{silent} units silent in the probe (r = 0)", transform=row[1].transAxes, fontsize=7)
    fig.suptitle("Fig 8: correlations between hidden units", fontsize=10)
    save(fig, args.out, "fig08_correlations.png")


if __name__ == "__main__":
    main()
