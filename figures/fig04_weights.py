"""Fig 4: feedforward weights of the first 100 hidden units, MNIST and natural image patches.

    python figures/fig04_weights.py [--root results/paper] [--out figures/paper]

ON − OFF weights of each hidden unit, divided by their largest absolute
value (the caption's normalisation). For natural patches the title gives the
fraction of units whose field a 2-D Gabor fits with R² ≥ 0.5, how many of
those are oriented (brianmodel.analysis.oriented) and how many localized
(analysis.localized: the envelope spans at most the patch, as the paper's
V1-like fields; not a grating across it).
"""

from brianmodel.analysis import field_shapes, gabor_fits
from brianmodel.cli import command
from brianmodel.plots import DATASET_LABEL, arguments, field_grid, plt, present_runs, save


def gabor_note(fields):
    params, r2 = gabor_fits(fields)
    shares = field_shapes(params, r2, fields.shape[1:])
    return (f"Gabor R² ≥ 0.5: {100 * shares['gabor']:.0f}% of units; with ON and OFF side by side: "
            f"{100 * shares['oriented']:.0f}%;\nlocalized: {100 * shares['localized']:.0f}%; both: "
            f"{100 * shares['v1_like']:.0f}%")


@command
def main(argv=None):
    args = arguments(__doc__, argv)
    runs = [run for run, _ in present_runs(args.root, ("mnist", "natural"))]
    fig = plt.figure(figsize=(6.2 * len(runs), 6.8))
    grid = fig.add_gridspec(1, len(runs), wspace=0.08)
    for k, run in enumerate(runs):
        done = run.state().presentations
        fields = run.fields()[:100]
        dataset = run.info["dataset"]["name"]  # another dataset in the role's place (IMAGES: Olshausen & Field's)
        label = DATASET_LABEL[run.role] + ("" if dataset == run.role else f" ({dataset})")
        title = f"{'ab'[k]}  {label}, after {done} presentations"
        if run.role == "natural":
            title += "\n" + gabor_note(fields)
        field_grid(fig, grid[0, k], fields, title=title)
    fig.suptitle("Fig 4: feedforward weights (ON − OFF) of the first 100 hidden units", fontsize=10)
    save(fig, args.out, "fig04_weights.png")


if __name__ == "__main__":
    main()
