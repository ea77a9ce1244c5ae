"""Olshausen & Field's sparse coding of a dataset's patches, its atoms Gabor-fitted like the network's fields.

    python figures/sparse_coding.py --dataset natural:16:0.4 --dataset gabors --alpha 2 --out figures/natural-scale

Does a dataset hold localized, oriented wavelets at all? Sparse coding
(analysis.sparse_coding_dictionary: graded coefficients of either sign, L1
penalty α) learns them from Olshausen & Field's natural scenes; here it is
fitted to the first --patches patches of each --dataset, and the first 100
atoms are counted like the network's fields (analysis.field_shapes: Gabor,
oriented, localized, V1-like = both). For ``gabors`` (synthetic patches made
of localized Gabors) the dictionary that made them is counted too: what the
measure gives when the answer is known. Runs no simulation. Writes
sparse_coding.png (64 atoms per dataset) and sparse_coding.csv.
"""

import numpy as np

from brianmodel.analysis import field_shapes, gabor_fits
from brianmodel.analysis.code import sparse_coding_dictionary
from brianmodel.cli import command, parser
from brianmodel.datasets import dataset_label, gabor_dictionary, load_dataset
from brianmodel.errors import UsageError
from brianmodel.memory import check_array_fits
from brianmodel.plots import field_panels, save, save_table, shape_shares
from brianmodel.results import check_folder_path

COLUMNS = ("dataset", "fields", "alpha", "atoms", "patches", "epochs", "gabor_r2_0.5", "oriented", "localized",
           "v1_like", "median_extent")


def shape_row(dataset: str, fields_name: str, fields: np.ndarray, **settings) -> dict:
    """The field_shapes of the first 100 ``fields`` (n, h, w), as one CSV row."""
    shares = field_shapes(*gabor_fits(fields[:100]), fields.shape[1:])
    return {"dataset": dataset, "fields": fields_name, **settings, "gabor_r2_0.5": shares["gabor"],
            "oriented": shares["oriented"], "localized": shares["localized"], "v1_like": shares["v1_like"],
            "median_extent": shares["median_extent"]}


def atoms_of(patches: np.ndarray, n: int, alpha: float, epochs: int) -> np.ndarray:
    """Sparse coding's atoms (n, h, w), each scaled to a largest |value| of 1."""
    atoms = sparse_coding_dictionary(patches.reshape(len(patches), -1), n, alpha, epochs=epochs)
    atoms /= np.abs(atoms).max(axis=1, keepdims=True).clip(1e-12)
    return atoms.reshape(n, *patches.shape[1:])


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--dataset", action="append", required=True,
                   help="a dataset of patches (natural[:P[:F0[:S[:N]]]], gabors, a folder of photographs...); "
                        "repeat for several")
    p.add_argument("--alpha", type=float, default=2.0, help="the L1 penalty α (patches have unit variance)")
    p.add_argument("--atoms", type=int, default=200, help="atoms of the dictionary (the network's hidden units)")
    p.add_argument("--patches", type=int, default=10000, help="patches fitted, the first of each dataset")
    p.add_argument("--epochs", type=int, default=30, help="passes over the patches")
    p.add_argument("--out", required=True, help="folder for sparse_coding.png and sparse_coding.csv")
    args = p.parse_args(argv)
    check_folder_path(args.out)  # (before the fits, which take minutes)
    if not 0 < args.alpha < np.inf or args.atoms < 1 or args.patches < 1 or args.epochs < 1:
        raise UsageError("--alpha must be positive and finite, and --atoms, --patches and --epochs at least 1")
    check_array_fits((args.atoms, args.atoms), f"the Gram matrix of {args.atoms} atoms would", "use fewer atoms",
                     UsageError)
    datasets = {spec: load_dataset(spec) for spec in args.dataset}  # every dataset read before the fits
    panels, rows = [], []
    for spec, dataset in datasets.items():
        patches = dataset.images[:args.patches]
        settings = {"alpha": args.alpha, "atoms": args.atoms, "patches": len(patches), "epochs": args.epochs}
        print(f"sparse coding of {len(patches)} patches of {spec!r}")
        atoms = atoms_of(patches, args.atoms, args.alpha, args.epochs)
        panels.append((f"{dataset_label(spec)}: sparse coding, α = {args.alpha:g}", atoms))
        rows.append(shape_row(spec, "sparse coding", atoms, **settings))
        if dataset.name == "gabors":
            truth = gabor_dictionary(args.atoms, patches.shape[1])
            truth /= np.abs(truth).max(axis=(1, 2), keepdims=True)
            panels.append((f"{dataset_label(spec)}: the atoms that made them", truth))
            rows.append(shape_row(spec, "generating atoms", truth, **{k: "" for k in settings}))
    fig = field_panels([(f"{title}\n{shape_shares(row)}", fields) for (title, fields), row in zip(panels, rows)])
    save(fig, args.out, "sparse_coding.png")
    save_table(args.out, "sparse_coding.csv", COLUMNS, rows, {c: "{:.3g}".format for c in COLUMNS[6:]})
    print(f"wrote {args.out}/sparse_coding.png and sparse_coding.csv")


if __name__ == "__main__":
    main()
