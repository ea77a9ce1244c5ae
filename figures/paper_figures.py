"""Draw every figure of the paper from a root folder of runs (protocols/paper.py writes it).

    python figures/paper_figures.py [--root results/paper] [--out figures/paper]

Runs each figure script in turn; a figure whose runs are missing is skipped
with the reason, and the command fails only if none could be drawn.
"""
import os

from brianmodel.cli import command
from brianmodel.errors import MissingResult, ProtocolError
from brianmodel.plots import arguments, load_script

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = ("fig01b_activity", "fig02_windows", "fig04_weights", "fig05_evolution", "fig06_07_behaviour",
           "fig08_correlations", "fig09_most_active", "fig10_sparsity")


@command
def main(argv=None):
    args = arguments(__doc__, argv)
    drawn, skipped = [], []
    for name in SCRIPTS:
        figure = load_script(os.path.join(HERE, f"{name}.py"))
        try:
            figure.main.__wrapped__(["--root", args.root, "--out", args.out])  # errors as exceptions
            drawn.append(name)
        except MissingResult as missing:
            skipped.append(f"{name}: {missing}")
    for line in skipped:
        print(f"skipped {line}")
    print(f"{len(drawn)} of {len(SCRIPTS)} figure scripts drew into {args.out}")
    if not drawn:
        raise ProtocolError("no figure could be drawn")


if __name__ == "__main__":
    main()
