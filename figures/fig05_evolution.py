"""Fig 5: weights and reconstructions at several points in training.

    python figures/fig05_evolution.py [--root results/paper] [--out figures/paper]

Top: feedforward fields of 10 example hidden units (rows: checkpoints).
Bottom: final-bout reconstructions of 8 probe stimuli by the network frozen
at each checkpoint (the ``checkpoint-<n>`` probes), stimuli in the last row.
One column pair per dataset present.
"""
import numpy as np

from brianmodel.cli import command
from brianmodel.plots import DATASET_LABEL, MissingRun, arguments, examples, plt, present_runs, save, show_field


def checkpoint_probes(run):
    labels = [l for l in run.folder.evaluations() if l.startswith("checkpoint-")]
    if not labels:
        raise MissingRun(f"{run.path}: no checkpoint-<n> probes (run protocols/evaluate.py on it)")
    return sorted(labels, key=lambda l: int(l.split("-")[1]))


def draw(fig, spec, run, letters, n_units=10, n_stimuli=8):
    labels = checkpoint_probes(run)
    points = [int(l.split("-")[1]) for l in labels]
    units = np.arange(n_units)
    outer = spec.subgridspec(2, 1, hspace=0.25)
    top = outer[0].subgridspec(len(points), n_units, wspace=0.05, hspace=0.05)
    for r, n in enumerate(points):
        fields = run.fields(n)
        for c, unit in enumerate(units):
            ax = fig.add_subplot(top[r, c])
            show_field(ax, fields[unit], scale=1.0)
            if c == 0:
                ax.set_ylabel(f"{n}", fontsize=7, rotation=0, ha="right", va="center")
            if r == 0 and c == 0:
                ax.set_title(f"{letters[0]}  {DATASET_LABEL[run.role]}: weights of 10 hidden units "
                             f"(rows: presentations)", fontsize=8, loc="left")
    shown = examples(run.probe(labels[-1]), n_stimuli)  # stimuli the trained network responds to
    bottom = outer[1].subgridspec(len(points) + 1, n_stimuli, wspace=0.05, hspace=0.05)
    for r, label in enumerate(labels + [labels[-1]]):
        probe = run.probe(label)
        for c, k in enumerate(shown):
            ax = fig.add_subplot(bottom[r, c])
            counts = probe["x"][k] if r == len(labels) else probe["x_hat"][k]
            show_field(ax, run.image(counts))
            if c == 0:
                ax.set_ylabel("input" if r == len(labels) else f"{points[r]}", fontsize=7, rotation=0,
                              ha="right", va="center")
            if r == 0 and c == 0:
                ax.set_title(f"{letters[1]}  reconstructions (final bout) during training; bottom row: stimuli",
                             fontsize=8, loc="left")


@command
def main(argv=None):
    args = arguments(__doc__, argv)
    runs = [run for run, _ in present_runs(args.root, ("mnist", "natural"), need=checkpoint_probes)]
    fig = plt.figure(figsize=(6.5 * len(runs), 9))
    grid = fig.add_gridspec(1, len(runs), wspace=0.15)
    for k, run in enumerate(runs):
        draw(fig, grid[0, k], run, ("ac"[k], "bd"[k]))
    fig.suptitle("Fig 5: evolution of weights and reconstructions", fontsize=10)
    save(fig, args.out, "fig05_evolution.png")


if __name__ == "__main__":
    main()
