"""Heatmaps of a location × delay sweep (protocols/sweep.py).

    python figures/sweep_heatmaps.py results/sweep [--out FOLDER]

Reads <sweep>/sweep.csv and writes <out>/sweep.png (default: the sweep
folder): one row of panels per feedforward delay; columns: reconstruction
corr(x, x̂) of the frozen probe, corr(Q, Wᵀ), and Δt2 − Δt1 (the imbalance
of the bout gaps), each over feedback location × feedback delay.
"""
import argparse

import numpy as np

from brianmodel.plots import plt, save
from brianmodel.protocols.readers import read_sweep_table
from brianmodel.results import ResultsFolder
from brianmodel.protocols.cli import command

PANELS = (("reconstruction_corr", "corr(x, x̂)", "viridis", (0, None)),
          ("qw_correlation", "corr(Q, Wᵀ)", "viridis", (0, 1)),
          ("dt_imbalance", "Δt2 − Δt1 (ms)", "RdBu_r", "symmetric"))


def grid_of(rows, column, ff, locations, feedback_delays):
    values = np.full((len(feedback_delays), len(locations)), np.nan)
    for row in rows:
        if row["delay_feedforward_ms"] == ff:
            value = row["dt2_ms"] - row["dt1_ms"] if column == "dt_imbalance" else row[column]
            values[feedback_delays.index(row["delay_feedback_ms"]), locations.index(row["location_um"])] = value
    return values


@command
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sweep", help="the sweep's results folder")
    p.add_argument("--out", help="folder for sweep.png (default: the sweep folder)")
    args = p.parse_args(argv)
    rows = read_sweep_table(args.sweep)
    locations = sorted({r["location_um"] for r in rows})
    feedforward = sorted({r["delay_feedforward_ms"] for r in rows})
    feedback = sorted({r["delay_feedback_ms"] for r in rows})
    limits = {}
    for column, _, _, scale in PANELS:
        every = np.concatenate([grid_of(rows, column, ff, locations, feedback).ravel() for ff in feedforward])
        every = every[np.isfinite(every)]
        if scale == "symmetric":
            bound = np.abs(every).max() if every.size else 1
            limits[column] = (-bound, bound)
        else:
            limits[column] = (scale[0], scale[1] if scale[1] is not None else (every.max() if every.size else 1))
    fig, axes = plt.subplots(len(feedforward), len(PANELS), figsize=(3.6 * len(PANELS), 2.7 * len(feedforward)),
                             squeeze=False)
    for r, ff in enumerate(feedforward):
        for c, (column, label, cmap, _) in enumerate(PANELS):
            ax = axes[r, c]
            values = grid_of(rows, column, ff, locations, feedback)
            image = ax.imshow(values, origin="lower", cmap=cmap, vmin=limits[column][0], vmax=limits[column][1],
                              aspect="auto")
            for (i, j), value in np.ndenumerate(values):
                ax.text(j, i, "–" if not np.isfinite(value) else f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}",
                        ha="center", va="center", fontsize=7, color="w" if column != "dt_imbalance" else "k")
            ax.set_xticks(range(len(locations)), [f"{x:g}" for x in locations], fontsize=7)
            ax.set_yticks(range(len(feedback)), [f"{d:g}" for d in feedback], fontsize=7)
            ax.set_xlabel("feedback location (µm from the visible soma)", fontsize=7)
            ax.set_ylabel("feedback delay (ms)", fontsize=7)
            ax.set_title(f"{label}, feedforward delay {ff:g} ms", fontsize=8, loc="left")
            fig.colorbar(image, ax=ax, shrink=0.85).ax.tick_params(labelsize=6)
    info = ResultsFolder(args.sweep).read_params()
    run = info["run"]
    fig.suptitle(f"Location × delay sweep: {run['presentations']} {run['dataset']} presentations per point, "
                 f"{info['model']['architecture']['n_hidden']} hidden units, seed {run['seed']} "
                 f"(– : no final bout, Δt2 undefined)", fontsize=9)
    fig.tight_layout()
    save(fig, args.out or args.sweep, "sweep.png")


if __name__ == "__main__":
    main()
