"""Generation from a clamped label: the image the mSTDP network draws for each class.

    python figures/generation.py results/classify-mstdp-c20 [--out FOLDER]

Reads <results>/evaluation/generation.npz (protocols/classify.py, or
brianmodel.mstdp.classification.generate) and writes <out>/generation.png (default:
the results folder): for each class, the final bout's image part (ON − OFF
spike counts, averaged over the presentations) when only that class's label
units are driven, with the hidden spikes the label evoked.
"""

import numpy as np

from brianmodel.cli import command, parser
from brianmodel.plots import plt, save
from brianmodel.results import ResultsFolder


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("results")
    p.add_argument("--out")
    args = p.parse_args(argv)
    generation = ResultsFolder(args.results).load_evaluation("generation")
    images, hidden = generation["class_images"], generation["hidden_spikes"]
    scale = max(float(np.abs(images).max()), 1e-9)
    fig, axes = plt.subplots(1, len(images), figsize=(1.3 * len(images), 1.9))
    for k, (ax, image) in enumerate(zip(axes, images)):
        ax.imshow(image, cmap="RdBu_r", vmin=-scale, vmax=scale)
        ax.set_title(f"{k}\n{hidden[k]:.0f} hidden sp.", fontsize=7)
        ax.axis("off")
    fig.suptitle(f"Generated from the clamped label (intensity {float(generation['intensity']):g}, "
                 f"checkpoint {int(generation['checkpoint'])}): final-bout ON − OFF counts", fontsize=8)
    fig.tight_layout()
    save(fig, args.out or args.results, "generation.png")


if __name__ == "__main__":
    main()
