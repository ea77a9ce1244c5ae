"""The network trained with each pair of rules (protocols/compare_rules.py): fields and held-out numbers.

    python figures/rules_comparison.py results/rules [--out FOLDER]

One row per pair of rules: the feedforward fields of the first 8 hidden
units (ON − OFF of W_j), the same units' feedback fields (ON − OFF of the
column Q_·j, what unit j writes back onto the visible layer), and the
held-out reconstruction corr(x, x̂) and corr(Q, Wᵀ). Mirrored rules make the
two rows of fields alike.
"""


from brianmodel.analysis import receptive_fields
from brianmodel.cli import command, parser
from brianmodel.errors import MissingResult
from brianmodel.io import read_csv
from brianmodel.plots import plt, save, show_field, trained_weights
from brianmodel.results import ResultsFolder

UNITS = 8


def _short(spec: str) -> str:
    """A rule as a label: long parameter lists shortened (rules.csv has them whole)."""
    return spec if len(spec) <= 24 else spec.partition("(")[0] + "(…)"


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("comparison", help="results folder of protocols/compare_rules.py")
    p.add_argument("--out", help="folder for rules.png (default: the comparison's)")
    args = p.parse_args(argv)
    rows = read_csv(ResultsFolder(args.comparison).file("rules.csv"))
    if not rows:
        raise MissingResult(f"no rules.csv in {args.comparison!r} (run protocols/compare_rules.py)")
    fig = plt.figure(figsize=(12, 0.85 * len(rows) + 0.5))
    grid = fig.add_gridspec(len(rows), 2 * UNITS + 3, width_ratios=[1] * UNITS + [0.3] + [1] * UNITS + [0.3, 3.5],
                            wspace=0.08, hspace=0.45)
    for r, row in enumerate(rows):
        folder = ResultsFolder(f"{args.comparison}/{row['pair']}")
        _, state, shape = trained_weights(folder)
        w_fields = receptive_fields(state["W"][:UNITS], shape)
        q_fields = receptive_fields(state["Q"][:, :UNITS].T, shape)
        for k in range(UNITS):
            show_field(fig.add_subplot(grid[r, k]), w_fields[k], scale=1.0)
            show_field(fig.add_subplot(grid[r, UNITS + 1 + k]), q_fields[k], scale=1.0)
        label = fig.add_subplot(grid[r, 2 * UNITS + 2])
        label.axis("off")
        scores = (f"failed: {row['failed'].partition(':')[0]}\n(fields at its last checkpoint)" if row.get("failed")
                  else f"corr(x, x̂) {float(row['reconstruction_corr']):.3f}\n"
                       f"corr(Q, Wᵀ) {float(row['qw_correlation']):.3f}")
        label.text(0, 0.5, f"W: {_short(row['feedforward'])}\nQ: {_short(row['feedback'])}\n{scores}", fontsize=8,
                   va="center")
    fig.subplots_adjust(left=0.02, right=0.99, top=1 - 0.35 / (0.85 * len(rows) + 0.5), bottom=0.02)
    fig.text(0.12, 0.99, "feedforward fields W_j (ON − OFF), units 1–8", fontsize=9, va="top")
    fig.text(0.43, 0.99, "feedback fields Q_·j, the same units", fontsize=9, va="top")
    fig.text(0.74, 0.99, "held-out digits", fontsize=9, va="top")
    save(fig, args.out or args.comparison, "rules.png")


if __name__ == "__main__":
    main()
