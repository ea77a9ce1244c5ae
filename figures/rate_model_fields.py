"""What the network's rate model learns from image patches, readout by readout: its fields and their shapes.

    python figures/rate_model_fields.py --dataset IMAGES.mat:16:::102000 --model readout=graded,theta=0.01,levels=3 \
        --model readout=one-spike --model readout=noisy,noise=0.5 --out figures/olshausen/rate-model
    python figures/rate_model_fields.py --dataset IMAGES.mat:16:::102000 --model readout=noisy,noise=0.5 \
        --input graded --input counts=0.25,0.5,2 --input counts=0.5,1.5,2.5 --out figures/olshausen/input-code

The rate model (analysis.rate_model: mirrored STDP with the spiking idealised, a k-winners code and a
final-bout readout R(Q z)) is trained on the graded ON and OFF parts of the dataset's signed patches
(max(±p, 0) in units of the patches' s.d., at most 3: the most initial-bout spikes of a visible unit with a
2 ms refractory period), 200 hidden units, k = 5 (ρ 0.025), W and Q ~ U(0, 0.05) and η 0.01 unless a --model
says otherwise. ``--input counts=T1,T2,T3`` gives it spike counts instead, as the network's visible units fire
them: n spikes from Tn s.d. on (a probe's thresholds: analysis.count_thresholds; the graded values stop at 3,
so a threshold above 3 is never reached, as the network's ~6/g_input third spike rarely is); each --model is
trained on each --input. Each model's first 100 fields (ON − OFF of W) are Gabor-fitted as the network's are
(analysis.field_shapes). The last 2,000 patches are held out: corr(x, x̂) is the model's own expected final
bout on them. Which readout the rule needs, without a network run: docs/natural-patches.md. Writes
rate_model_fields.png and rate_model_fields.csv.
"""
import dataclasses
import itertools

import numpy as np

from brianmodel.analysis import field_shapes, gabor_fits, reconstruction_corr, receptive_fields
from brianmodel.analysis.rate_model import RateModel, final_bout, rate_model_code, train_rate_model
from brianmodel.cli import command, parser
from brianmodel.datasets import load_dataset
from brianmodel.errors import UsageError
from brianmodel.plots import field_panels, save, save_table, shape_shares
from brianmodel.results import check_folder_path

COLUMNS = ("model", "readout", "k", "theta", "noise", "gabor_r2_0.5", "oriented", "localized", "v1_like",
           "median_extent", "corr", "input", "input_spikes")
SHARES = COLUMNS[5:11]
DEFAULTS = {"n_hidden": 200, "k": 5, "eta": 0.01, "w_init_max": 0.05}  # (the natural-patch recipe's start)
HELD_OUT = 2000


def parse_model(text: str) -> RateModel:
    """``readout=noisy,noise=0.5``: a RateModel with these fields over DEFAULTS (parsed, never evaluated)."""
    kinds = {f.name: f.type for f in dataclasses.fields(RateModel)}
    values = dict(DEFAULTS)
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        if name not in kinds or not value:
            raise UsageError(f"--model {text!r}: {item!r} is not FIELD=VALUE of the rate model "
                             f"({', '.join(kinds)})")
        try:
            values[name] = {"int": int, "float": float}.get(kinds[name], str)(value)
        except ValueError:
            raise UsageError(f"--model {text!r}: {name} takes a {kinds[name]}, got {value!r}") from None
    try:
        return RateModel(**values)
    except ValueError as error:
        raise UsageError(f"--model {text!r}: {error}") from None


def graded_inputs(images: np.ndarray) -> np.ndarray:
    """(patches, 2 × pixels): the ON and OFF parts of signed patches, in units of their s.d., at most 3."""
    signed = images.reshape(len(images), -1).astype(float)
    signed /= signed.std()
    return np.minimum(np.concatenate([np.maximum(signed, 0), np.maximum(-signed, 0)], axis=1), 3.0)


def parse_input(text: str) -> tuple | None:
    """``graded`` (None) or ``counts=T1,T2,...``: the increasing thresholds, in s.d., of each further spike."""
    if text == "graded":
        return None
    name, _, values = text.partition("=")
    try:
        thresholds = tuple(float(value) for value in values.split(","))
    except ValueError:
        thresholds = ()
    if name != "counts" or not thresholds or not all(0 < t < np.inf for t in thresholds) \
            or list(thresholds) != sorted(thresholds):
        raise UsageError(f"--input {text!r}: use 'graded' or 'counts=T1,T2,...' (increasing positive finite "
                         f"thresholds in s.d., one per spike)")
    return thresholds


def input_code(graded: np.ndarray, thresholds: tuple | None) -> np.ndarray:
    """The graded inputs as they are, or as spike counts: how many of ``thresholds`` each value reaches."""
    if thresholds is None:
        return graded
    return (graded[..., None] >= np.asarray(thresholds)).sum(axis=-1).astype(float)


def model_row(text, model, x_train, x_test, presentations, shape, seed) -> tuple[dict, np.ndarray]:
    state = train_rate_model(x_train, model, presentations, seed)
    fields = receptive_fields(state.W, shape)
    params, r2 = gabor_fits(fields[:100])
    shares = field_shapes(params, r2, shape)
    expected = final_bout(rate_model_code(x_test, state, model.k) @ state.Q.T, model)
    row = {"model": text, "readout": model.readout, "k": model.k, "theta": model.theta, "noise": model.noise,
           "gabor_r2_0.5": shares["gabor"], **{key: shares[key] for key in ("oriented", "localized", "v1_like")},
           "median_extent": shares["median_extent"], "corr": reconstruction_corr(x_test, expected)}
    return row, fields


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--dataset", required=True, help="patches (a dataset spec: IMAGES.mat:16:::102000, natural...)")
    p.add_argument("--model", action="append", required=True,
                   help="a rate model, FIELD=VALUE,... over the defaults (repeat for several)")
    p.add_argument("--input", action="append", default=None,
                   help="the visible code: graded (default), or counts=T1,T2,T3 (repeat for several)")
    p.add_argument("--presentations", type=int, default=120000, help="presentations learned from (default 120,000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="folder for rate_model_fields.png and rate_model_fields.csv")
    args = p.parse_args(argv)
    check_folder_path(args.out)
    models = [(text, parse_model(text)) for text in args.model]
    inputs = [(text, parse_input(text)) for text in args.input or ["graded"]]
    if args.presentations < 1:
        raise UsageError(f"--presentations takes a positive number, got {args.presentations}")
    images = load_dataset(args.dataset).images
    if images.ndim != 3 or len(images) <= HELD_OUT:
        raise UsageError(f"--dataset {args.dataset!r}: needs more than {HELD_OUT} image patches, got shape "
                         f"{images.shape}")
    graded = graded_inputs(images)
    rows, panels = [], []
    for (text, model), (code, thresholds) in itertools.product(models, inputs):
        x = input_code(graded, thresholds)
        row, fields = model_row(text, model, x[:-HELD_OUT], x[-HELD_OUT:], args.presentations, images.shape[1:],
                                args.seed)
        row.update(input=code, input_spikes=x.sum(axis=1).mean())
        name = text if len(inputs) == 1 else f"{text}; {code}"
        print(f"{name}: Gabor {row['gabor_r2_0.5']:.0%}, {shape_shares(row)}, corr(x, x̂) {row['corr']:.3f}")
        rows.append(row)
        panels.append((f"{name}\n{shape_shares(row)}", fields))
    save(field_panels(panels), args.out, "rate_model_fields.png")
    save_table(args.out, "rate_model_fields.csv", COLUMNS, rows,
               {c: "{:.3g}".format for c in (*SHARES, "input_spikes")})
    print(f"wrote {args.out}/rate_model_fields.png and rate_model_fields.csv")


if __name__ == "__main__":
    main()
