"""Classification by label units (mstdp) or label neurons (symstdp): confusion matrix and the hidden code.

    python figures/classification.py results/classify-mstdp [--out FOLDER]

Reads <results>/classification.json and evaluation/held-out.npz
(protocols/classify.py) and writes <out>/classification.png (default: the
results folder): a, confusion matrix (rows: true class, normalised; last
column: no label unit fired); b, the held-out images' hidden (mstdp) or
excitatory (symstdp) spike counts (each image's normalised to sum 1) in a
seeded t-SNE embedding, coloured by true class.
"""

import numpy as np

from sklearn.manifold import TSNE

from brianmodel.cli import command, parser
from brianmodel.datasets import load_dataset
from brianmodel.plots import plt, save
from brianmodel.results import ResultsFolder


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("results")
    p.add_argument("--out")
    args = p.parse_args(argv)
    folder = ResultsFolder(args.results)
    result = folder.read_json("classification.json", "run protocols/classify.py")
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
    symstdp = result.get("model") == "symstdp"
    axes[0].set_xlabel("answer (most active label neuron)" if symstdp
                       else "answer (most active label unit, final bout)", fontsize=8)
    axes[0].set_ylabel("true class", fontsize=8)
    other = (f"excitatory vote: {result['accuracy_vote']:.1%}" if symstdp
             else f"Q_label z: {result['accuracy_linear']:.1%}")
    axes[0].set_title(f"a  label spikes: {result['accuracy']:.1%} of {n} held-out images ({other})",
                      fontsize=9, loc="left")
    fig.colorbar(image, ax=axes[0], shrink=0.8).ax.tick_params(labelsize=6)

    # t-SNE (seeded) of each image's share of its spikes per neuron: the pattern, not how many spikes
    # (retries at raised rates and bright images give more); PCA is dominated by a few sparse classes
    z = z / np.maximum(z.sum(axis=1, keepdims=True), 1)
    if len(z) < 3 or np.allclose(z.std(axis=0), 0):  # nothing to embed (e.g. no spikes at all)
        axes[1].text(0.5, 0.5, "no variation in the spike counts", ha="center", transform=axes[1].transAxes)
    else:
        embedded = TSNE(n_components=2, init="pca", random_state=0,
                        perplexity=min(30, len(z) - 1)).fit_transform(z)
        for c in range(classes):
            chosen = truth == c
            axes[1].scatter(embedded[chosen, 0], embedded[chosen, 1], s=5, color=plt.cm.tab10(c), label=str(c))
        axes[1].legend(fontsize=7, markerscale=2, frameon=False, ncol=2)
    layer = "excitatory" if symstdp else "hidden"
    axes[1].set_xlabel(f"t-SNE 1 of {layer} spike counts (each image's normalised to sum 1)", fontsize=8)
    axes[1].set_ylabel("t-SNE 2", fontsize=8)
    axes[1].set_title(f"b  {layer} code of the held-out images", fontsize=9, loc="left")
    what = (f"sym-STDP, {probe['z'].shape[1]} excitatory neurons" if symstdp
            else f"mSTDP label units; image reconstruction corr {result['reconstruction_corr']:.2f}")
    fig.suptitle(f"{what}: {result['training_presentations']} training presentations of "
                 f"{result['training_images']} images, {result['dataset']}", fontsize=9)
    fig.tight_layout()
    save(fig, args.out or args.results, "classification.png")


if __name__ == "__main__":
    main()
