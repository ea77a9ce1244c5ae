"""The fields of the best binary codes of a training's own inputs, beside the network's fields.

    python protocols/evaluate.py results/natural --label inputs --presentations 6000
    python figures/code_fields.py results/natural --probe inputs --k 2,5,10,20 --sparse-coding 2 --out figures/natural-scale

What would a one-shot binary autoencoder learn from the inputs this network
sees? For each k, a non-negative dictionary D is fitted to the probe's
initial-bout spike counts x (analysis.fit_binary_code: k of n units, top-k,
and at the network's k also explaining away), and its ON − OFF columns are
fitted with Gabors like the network's fields (analysis.field_shapes: Gabor,
oriented, localized, V1-like = both; the first --units fields, 100 by default). With --sparse-coding α, also
Olshausen & Field's sparse code of the training's signed patches
(analysis.sparse_coding_dictionary: graded coefficients, L1 penalty α), the
code that learns V1-like wavelets on their images. With --input patches the
binary codes are fitted instead to the graded ON and OFF parts of the signed
patches (max(±p, 0)), with no probe: whether what they learn comes from the
spikes' all-or-none pixels or from the binary code itself. Reads a saved
probe (not with --input patches), the last checkpoint and the dataset; runs
no simulation. Writes code_fields.png and code_fields.csv.
"""

import numpy as np

from brianmodel.analysis import field_shapes, gabor_fits, receptive_fields
from brianmodel.analysis.code import explaining_away_code, fit_binary_code, sparse_coding_dictionary, topk_code
from brianmodel.cli import command, parser
from brianmodel.datasets import load_dataset
from brianmodel.errors import DamagedFile, UsageError
from brianmodel.plots import field_panels, save, save_table, shape_shares, trained_weights
from brianmodel.results import ResultsFolder, check_folder_path

SHARES = ("gabor_r2_0.5", "oriented", "localized", "v1_like", "median_extent")
COLUMNS = ("fields", "k", "alpha", *SHARES, "units")  # units: the fields fitted


def shape_row(name: str, k, alpha, fields: np.ndarray, shape) -> dict:
    params, r2 = gabor_fits(fields)
    shares = field_shapes(params, r2, shape)
    return {"fields": name, "k": k, "alpha": alpha, "gabor_r2_0.5": shares["gabor"], "oriented": shares["oriented"],
            "localized": shares["localized"], "v1_like": shares["v1_like"], "median_extent": shares["median_extent"],
            "units": len(fields)}


def code_fields(x: np.ndarray, k: int, n: int, encode, shape) -> np.ndarray:
    """The ON − OFF columns of the binary code's dictionary, as fields (n, *shape) in [-1, 1]."""
    D = fit_binary_code(x, k, n, encode, iterations=15)
    return receptive_fields(D.T, shape)


def _numbers(text: str, kind, option: str) -> list:
    try:
        values = [kind(v) for v in text.split(",")] if text else []
    except ValueError:
        raise UsageError(f"{option} takes numbers separated by commas, got {text!r}") from None
    if any(not 0 < v < np.inf for v in values):
        raise UsageError(f"{option} takes positive finite numbers, got {text!r}")
    return values


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("results", help="results folder of a training on image patches, with a saved probe")
    p.add_argument("--probe", default="final",
                   help="the probe whose x the codes are fitted to (evaluation/<probe>.npz; not read with "
                        "--input patches)")
    p.add_argument("--k", default="2,5,10,20", help="active units of the binary codes, comma-separated")
    p.add_argument("--sparse-coding", default="", metavar="ALPHAS",
                   help="L1 penalties α of sparse codes of the signed patches to add, comma-separated (e.g. 2)")
    p.add_argument("--input", choices=("spikes", "patches"), default="spikes",
                   help="what the binary codes are fitted to: the probe's initial-bout spikes, or the graded ON and "
                        "OFF parts of the signed patches")
    p.add_argument("--fit", type=int, default=5000,
                   help="presentations of the probe (patches of the dataset) the codes are fitted to")
    p.add_argument("--units", type=int, default=100,
                   help="fields fitted with Gabors per panel, the first ones (default 100, the issue's measure)")
    p.add_argument("--out", required=True, help="folder for code_fields.png and code_fields.csv")
    args = p.parse_args(argv)
    check_folder_path(args.out)  # (before the fits, which take minutes)
    ks, alphas = _numbers(args.k, int, "--k"), _numbers(args.sparse_coding, float, "--sparse-coding")
    if not ks:
        raise UsageError("--k takes at least one number of active units")
    if args.fit < 1:
        raise UsageError(f"--fit takes a positive number of presentations, got {args.fit}")
    if args.units < 1:
        raise UsageError(f"--units takes a positive number of fields, got {args.units}")
    folder = ResultsFolder(args.results)
    info, state, shape = trained_weights(folder)
    n_pixels = int(np.prod(shape))
    if max(ks) > len(state["W"]):
        raise UsageError(f"--k {max(ks)} is more than the network's {len(state['W'])} hidden units")
    # everything read (the dataset too) before the fits, which take minutes
    patches = load_dataset(info["run"]["dataset"]).images[:args.fit] if alphas or args.input == "patches" else None
    if args.input == "patches":
        signed = patches.reshape(len(patches), n_pixels)
        x, of = np.concatenate([np.maximum(signed, 0), np.maximum(-signed, 0)], axis=1), " of the patches"
    else:
        x, of = np.asarray(folder.load_evaluation(args.probe)["x"], dtype=float), ""
        if x.ndim != 2 or x.shape[1] < 2 * n_pixels or not np.isfinite(x).all():
            raise DamagedFile(f"probe {args.probe!r}: its x {x.shape} is not finite ON/OFF counts of "
                              f"{shape[0]} x {shape[1]} patches")
        x = x[:args.fit, :2 * n_pixels]
    n_hidden, network_k = state["W"].shape[0], round(info["model"]["homeostasis"]["rho"] * state["W"].shape[0])
    panels = [("network", network_k, "", receptive_fields(state["W"], shape))]
    for k in ks:
        panels.append((f"top-k code{of}", k, "", code_fields(x, k, n_hidden, topk_code, shape)))
    if network_k in ks:
        panels.append((f"explaining-away code{of}", network_k, "",
                       code_fields(x, network_k, n_hidden, explaining_away_code, shape)))
    for alpha in alphas:
        atoms = sparse_coding_dictionary(patches, n_hidden, alpha)
        atoms /= np.abs(atoms).max(axis=1, keepdims=True).clip(1e-12)
        panels.append(("sparse coding", "", alpha, atoms.reshape(n_hidden, *shape)))
    rows = [shape_row(name, k, alpha, fields[:args.units], shape) for name, k, alpha, fields in panels]
    fig = field_panels([(f"{name}, {f'k = {k}' if alpha == '' else f'α = {alpha:g}'}\n{shape_shares(row)}", fields)
                        for (name, k, alpha, fields), row in zip(panels, rows)])
    save(fig, args.out, "code_fields.png")
    save_table(args.out, "code_fields.csv", COLUMNS, rows, {c: "{:.3g}".format for c in SHARES})
    source = f"{len(x)} patches" if args.input == "patches" else f"{len(x)} presentations of {args.probe!r}"
    print(f"wrote {args.out}/code_fields.png and code_fields.csv ({source})")


if __name__ == "__main__":
    main()
