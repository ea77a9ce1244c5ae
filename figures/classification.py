"""Classification by label units: confusion matrix and the hidden code of the held-out images.

    python figures/classification.py results/classify-mstdp [--out FOLDER]

Reads <results>/classification.json and evaluation/held-out.npz
(protocols/classify.py) and writes <out>/classification.png (default: the
results folder): a, confusion matrix (rows: true class, normalised; last
column: no label unit fired); b, the held-out images' hidden spike counts
projected on their first two principal components, coloured by true class.
"""
import argparse
import os

import numpy as np

from common import plt, save
from brianmodel.classification import load_classification
from brianmodel.data import load_dataset
from brianmodel.results import ResultsFolder


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results")
    p.add_argument("--out")
    args = p.parse_args(argv)
    result = load_classification(args.results)
    folder = ResultsFolder(args.results)
    probe = folder.load_evaluation("held-out")
    n = result["test_images"]
    truth = load_dataset(result["dataset"]).labels[probe["image_indices"][:n]]
    z = probe["z"][:n].astype(float)

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    matrix = np.asarray(result["confusion"], dtype=float)
    shown = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    image = axes[0].imshow(shown, cmap="Greys", vmin=0, vmax=1)
    classes = matrix.shape[0]
    axes[0].set_xticks(range(classes + 1), [str(c) for c in range(classes)] + ["none"], fontsize=7)
    axes[0].set_yticks(range(classes), [str(c) for c in range(classes)], fontsize=7)
    axes[0].set_xlabel("answer (most active label unit, final bout)", fontsize=8)
    axes[0].set_ylabel("true class", fontsize=8)
    axes[0].set_title(f"a  label spikes: {result['accuracy']:.1%} of {n} held-out images "
                      f"(Q_label z: {result['accuracy_linear']:.1%})", fontsize=9, loc="left")
    fig.colorbar(image, ax=axes[0], shrink=0.8).ax.tick_params(labelsize=6)

    centred = z - z.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ components[:2].T
    for c in range(classes):
        chosen = truth == c
        axes[1].scatter(projected[chosen, 0], projected[chosen, 1], s=5, color=plt.cm.tab10(c), label=str(c))
    axes[1].legend(fontsize=7, markerscale=2, frameon=False, ncol=2)
    axes[1].set_xlabel("PC 1 of hidden spike counts", fontsize=8)
    axes[1].set_ylabel("PC 2", fontsize=8)
    axes[1].set_title("b  hidden code of the held-out images", fontsize=9, loc="left")
    fig.suptitle(f"Label units: {result['training_presentations']} training presentations of "
                 f"{result['training_images']} images, {result['dataset']}; image reconstruction corr "
                 f"{result['reconstruction_corr']:.2f}", fontsize=9)
    fig.tight_layout()
    save(fig, args.out or args.results, "classification.png")


if __name__ == "__main__":
    main()
