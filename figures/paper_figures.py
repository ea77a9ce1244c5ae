"""Draw every figure of the paper from a root folder of runs (protocols/paper.py writes it).

    python figures/paper_figures.py [--root results/paper] [--out figures/paper]

Runs each figure script in turn; a figure whose runs are missing is skipped
with the reason, and the command fails only if none could be drawn.
"""
import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import MissingRun, arguments  # noqa: E402

SCRIPTS = ("fig01b_activity", "fig02_windows", "fig04_weights", "fig05_evolution", "fig06_07_behaviour",
           "fig08_correlations", "fig09_most_active", "fig10_sparsity")


def main(argv=None):
    args = arguments(__doc__, argv)
    drawn, skipped = [], []
    for name in SCRIPTS:
        try:
            importlib.import_module(name).main(["--root", args.root, "--out", args.out])
            drawn.append(name)
        except (MissingRun, FileNotFoundError) as missing:
            skipped.append(f"{name}: {missing}")
    for line in skipped:
        print(f"skipped {line}")
    print(f"{len(drawn)} of {len(SCRIPTS)} figure scripts drew into {args.out}")
    if not drawn:
        sys.exit("error: no figure could be drawn")


if __name__ == "__main__":
    main()
