"""What mirrored STDP learns from a training's inputs when the spiking is ideal: the network's rate model.

    python protocols/rate_model.py results/forgetting                 # the three readouts, 3 seeds each
    python protocols/rate_model.py results/run --readouts graded --hidden 800 --k 20 --presentations 15000
    python protocols/rate_model.py results/run --readouts one-spike --eta 0.003 --label eta0.003

Reads the initial bouts of the training's code probes (run ``evaluate.py
results/run --code`` first), trains the rate model of
brianmodel.analysis.rate_model on the training images' inputs, scores it on
the held-out ones, prints a table and writes every row to
<results>/evaluation/rate-model.json (rate-model-LABEL.json with --label).
No simulation runs: a model takes about 10 s (200 hidden units, 5,000
presentations). docs/code.md ("What limits the code") says what the
readouts are and what they showed.
"""
import numpy as np

from brianmodel.analysis.rate_model import READOUTS, RateModel
from brianmodel.cli import command, parser
from brianmodel.errors import DamagedFile, UsageError
from brianmodel.mstdp.probes import rate_model_probe
from brianmodel.results import ResultsFolder

COLUMNS = [("corr", "corr(x, x̂)"), ("q_one_spike_corr", "Q, 1 spike"), ("q_spike_count_corr", "Q, counts"),
           ("q_linear_corr", "Q z"), ("final_bout_units", "x̂ units"), ("q_column_corr_coactive", "co-active r")]


def _table(rows: list[dict]) -> str:
    """Per readout: held-out means over seeds (training in brackets for corr(x, x̂))."""
    lines = [f"{'readout':12s} {'seeds':>5s} " + " ".join(f"{title:>16s}" for _, title in COLUMNS)]
    for readout in dict.fromkeys(row["readout"] for row in rows):
        mine = [row for row in rows if row["readout"] == readout]
        cells = []
        for key, _ in COLUMNS:
            held_out = np.mean([row[key] for row in mine])
            cell = f"{held_out:.3f}" if key != "final_bout_units" else f"{held_out:.0f}"
            if key == "corr":
                cell += f" ({np.mean([row['train_corr'] for row in mine]):.3f})"
            cells.append(f"{cell:>16s}")
        lines.append(f"{readout:12s} {len(mine):5d} " + " ".join(cells))
    return "\n".join(lines)


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("results", help="results folder of a training whose code was probed (evaluate.py --code)")
    p.add_argument("--readouts", default=",".join(READOUTS),
                   help=f"comma-separated final-bout readouts (default: all of {', '.join(READOUTS)})")
    p.add_argument("--seeds", type=int, default=3, help="seeds per readout (default 3)")
    p.add_argument("--presentations", type=int, default=5000, help="presentations learned from (default 5,000)")
    p.add_argument("--hidden", type=int, help="hidden units (default: the training's)")
    p.add_argument("--k", type=int, help="units per code (default: the code report's k)")
    p.add_argument("--eta", type=float, default=RateModel.eta, help=f"learning rate (default {RateModel.eta})")
    p.add_argument("--theta", type=float, default=RateModel.theta,
                   help=f"drive of a visible unit's first spike (default {RateModel.theta})")
    p.add_argument("--step", type=float, default=RateModel.step,
                   help=f"drive per further spike (default {RateModel.step})")
    p.add_argument("--levels", type=int, default=RateModel.levels,
                   help=f"most spikes per visible unit (default {RateModel.levels})")
    p.add_argument("--noise", type=float, default=RateModel.noise,
                   help=f"noisy: the s.d. of the threshold's noise, in drive units (default {RateModel.noise})")
    p.add_argument("--label", help="write evaluation/rate-model-LABEL.json instead of rate-model.json")
    args = p.parse_args(argv)
    if args.seeds < 1 or args.presentations < 1:
        raise UsageError("--seeds and --presentations must be at least 1")
    readouts = [readout.strip() for readout in args.readouts.split(",")]
    unknown = [readout for readout in readouts if readout not in READOUTS]
    if unknown:
        raise UsageError(f"unknown readout {unknown[0]!r}; known: {', '.join(READOUTS)}")
    try:  # the values that do not depend on the training, before anything is read
        RateModel(eta=args.eta, theta=args.theta, step=args.step, levels=args.levels, noise=args.noise)
    except ValueError as error:
        raise UsageError(str(error)) from None
    folder = ResultsFolder(args.results)
    code = folder.read_json("evaluation/code.json", "code report (run evaluate.py RESULTS --code first)")
    code = code.get("report") if isinstance(code, dict) else None
    if not isinstance(code, dict) or not all(key in code for key in ("n_hidden", "k", "held_out_presentations")):
        raise DamagedFile(f"{folder.file('evaluation/code.json')} is not a code report (run evaluate.py RESULTS "
                          f"--code again)")
    hidden = code["n_hidden"] if args.hidden is None else args.hidden
    k = code["k"] if args.k is None else args.k
    try:
        models = [RateModel(n_hidden=hidden, k=k, readout=readout, eta=args.eta, theta=args.theta,
                            step=args.step, levels=args.levels, noise=args.noise) for readout in readouts]
    except ValueError as error:
        raise UsageError(str(error)) from None
    rows = rate_model_probe(folder, models, seeds=args.seeds, presentations=args.presentations, label=args.label)
    print(_table(rows))
    print(f"held out ({code['held_out_presentations']} presentations; training in brackets); {hidden} hidden units, "
          f"k = {k}; written to {folder.file('evaluation')}")


if __name__ == "__main__":
    main()
