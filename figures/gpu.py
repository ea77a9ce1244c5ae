"""The GPU run's learning curves: the same training (seed 0, 2,000 presentations) on cuda and on cpp, side by side.

    python figures/gpu.py benchmarks/results/gpu-h200 [--out benchmarks/results/gpu-h200]

Reads learning.csv written by benchmarks/gpu/run.sh (one row per chunk of 100
presentations and device). Three panels: corr(x, x̂), corr(Q, Wᵀ) and the
reconstruction loss against presentations; cpp as a line, cuda as markers,
so that equal curves show as markers on the line.
"""
import csv
import os

import numpy as np

from brianmodel.cli import command, parser
from brianmodel.plots import plt, save

PANELS = (("reconstruction_corr", "corr(x, x̂)"), ("qw_correlation", "corr(Q, Wᵀ)"),
          ("reconstruction_loss", "reconstruction loss"))


def read(folder):
    path = os.path.join(folder, "learning.csv")
    if not os.path.exists(path):
        raise SystemExit(f"error: no learning.csv in {folder} (benchmarks/gpu/run.sh writes it)")
    with open(path) as f:
        rows = list(csv.DictReader(f))
    curves = {}
    for row in rows:
        curve = curves.setdefault(row["device"], {})
        for key in ("presentations", *(name for name, _ in PANELS)):
            curve.setdefault(key, []).append(float(row[key]))
    return {device: {k: np.asarray(v) for k, v in curve.items()} for device, curve in curves.items()}


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("folder", help="a GPU run's results (benchmarks/results/gpu-<device>)")
    p.add_argument("--out", help="folder for learning_curves.png (default: the run's folder)")
    args = p.parse_args(argv)
    curves = read(args.folder)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.1))
    for ax, (name, label) in zip(axes, PANELS):
        for device, style in (("cpp", dict(ls="-", color="k", lw=1.2)),
                              ("cuda", dict(ls="none", marker="o", mfc="none", color="C2", ms=5))):
            if device in curves:
                ax.plot(curves[device]["presentations"], curves[device][name], label=device, **style)
        ax.set_xlabel("presentations", fontsize=8)
        ax.set_title(label, fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=8)
    fig.suptitle("the same training on cuda (GPU) and cpp (one CPU core): seed 0, 200 hidden, bundled digits",
                 fontsize=9)
    fig.tight_layout()
    save(fig, args.out or args.folder, "learning_curves.png")


if __name__ == "__main__":
    main()
