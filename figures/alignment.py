"""The weight change against the autoencoder's gradient, over training, on held-out and training images.

    python figures/alignment.py results/main results/lateral --out figures/alignment

Reads each training's evaluation/alignment.json (protocols/evaluate.py
--alignment: from six checkpoints the network learns on every held-out image,
and on as many training images) and draws the cosine of ΔW with the
autoencoder's descent direction Σ z (x − x̂) (left), and with the direction
the window predicts, Σ z (r x − x̂), where r = F(+Δt1)/|F(−Δt2)| weighs the
initial bout's potentiation against the final bout's depression (right).
Writes alignment.png.
"""
import os

from brianmodel.cli import command, parser
from brianmodel.errors import ProtocolError
from brianmodel.plots import plt, save
from brianmodel.results import ResultsFolder

PANELS = (("alignment", "cos(ΔW, Σ z (x − x̂)): the autoencoder's gradient"),
          ("alignment_window", "cos(ΔW, Σ z (r x − x̂)): the window's direction"))
IMAGES = (("held_out", "-", "o", "held-out images"), ("training", "--", "s", "training images"))


def read(path: str) -> dict:
    folder = ResultsFolder(path)
    if not os.path.exists(folder.file("evaluation/alignment.json")):
        raise ProtocolError(f"{path!r} has no evaluation/alignment.json: run protocols/evaluate.py {path} "
                            f"--alignment")
    return folder.read_json("evaluation/alignment.json")


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("results", nargs="+", help="results folders with evaluation/alignment.json")
    p.add_argument("--labels", nargs="+", help="one label per folder (default: the folders' names)")
    p.add_argument("--out", required=True, help="folder for alignment.png")
    args = p.parse_args(argv)
    labels = args.labels or [os.path.basename(os.path.normpath(r)) for r in args.results]
    if len(labels) != len(args.results):
        raise ProtocolError(f"{len(labels)} labels for {len(args.results)} folders")
    measured = [read(path) for path in args.results]  # everything read before anything is written
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6), sharey=True)
    for ax, (key, title) in zip(axes, PANELS):
        for k, (label, rows) in enumerate(zip(labels, measured)):
            for images, style, marker, name in IMAGES:
                points = [(max(r["checkpoint"], 1), r[key]) for r in rows[images]]
                ax.plot(*zip(*points), style, marker=marker, ms=3, color=f"C{k}", label=f"{label}, {name}")
        ax.set_xscale("log")
        ax.set_xlabel("presentations trained (0 drawn at 1)", fontsize=8)
        ax.set_title(title, fontsize=8, loc="left")
        ax.axhline(0, color="0.7", lw=0.6)
    axes[0].set_ylabel("cosine over one chunk of learning", fontsize=8)
    axes[0].set_ylim(0, 1.02)
    axes[1].legend(fontsize=6, loc="lower left")
    fig.tight_layout()
    save(fig, args.out, "alignment.png")
    print(f"wrote {args.out}/alignment.png")


if __name__ == "__main__":
    main()
