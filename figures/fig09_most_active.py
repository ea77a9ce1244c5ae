"""Fig 9: the 10 most active hidden units for example inputs, and the reconstruction.

    python figures/fig09_most_active.py [--root results/paper] [--out figures/paper]

For 5 probe inputs that evoke hidden spikes (first column), the feedforward fields of the 10 hidden
units with the most spikes (opacity: spikes relative to the most active
unit; silent units left out), and the final-bout reconstruction (last column).
"""
import numpy as np

from brianmodel.cli import command
from brianmodel.plots import DATASET_LABEL, arguments, examples, plt, present_runs, save, show_field


def draw(fig, spec, run, probe, letter, n_inputs=5, n_units=10):
    fields = run.fields()
    inner = spec.subgridspec(n_inputs, n_units + 2, wspace=0.06, hspace=0.08)
    for r, p in enumerate(examples(probe, n_inputs)):
        z = probe["z"][p].astype(float)
        top = [j for j in np.argsort(-z, kind="stable")[:n_units] if z[j] > 0]
        axes = [fig.add_subplot(inner[r, c]) for c in range(n_units + 2)]
        for ax in axes:
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():
                side.set_visible(False)
        show_field(axes[0], run.image(probe["x"][p]))
        for c, j in enumerate(top):
            show_field(axes[c + 1], fields[j], alpha=float(z[j] / z[top[0]]), scale=1.0)
            axes[c + 1].set_title(f"{int(z[j])}", fontsize=5, pad=1)
        show_field(axes[-1], run.image(probe["x_hat"][p]))
        if r == 0:
            axes[0].set_title(f"{letter}  input", fontsize=7, loc="left")
            axes[-1].set_title("reconstruction", fontsize=7)


@command
def main(argv=None):
    args = arguments(__doc__, argv)
    runs = present_runs(args.root, ("mnist", "natural"), need=lambda run: run.probe("final"))
    fig = plt.figure(figsize=(9, 4.2 * len(runs)))
    grid = fig.add_gridspec(len(runs), 1, hspace=0.15)
    for k, (run, probe) in enumerate(runs):
        draw(fig, grid[k, 0], run, probe, f"{'ab'[k]}  {DATASET_LABEL[run.role]}:")
    fig.suptitle("Fig 9: the 10 most active hidden units per input (opacity: relative spike count, number above)",
                 fontsize=9)
    save(fig, args.out, "fig09_most_active.png")


if __name__ == "__main__":
    main()
