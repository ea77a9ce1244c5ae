"""What the rule learns with ideal spiking, beside what the network learned: the rate model's final bouts.

    python figures/rate_model.py results/forgetting --out figures/rate-model

Reads <results>/evaluation/rate-model.json (protocols/rate_model.py;
rate-model-LABEL.json with --label) and the code report
<results>/evaluation/code.json (evaluate.py --code); nothing is re-run.
Left: the final bout each of the rate model's readouts makes of a visible
unit's feedback drive Q z (its θ, step and levels). Right: corr(x, x̂) on the
held-out images of the network, of its code through Q and through its best
one-spike decoder, of the rate model with each readout (the bar the mean over
seeds, a dot per seed) and of the top-k code's ceilings, with the study's
target of 0.78. Writes <out>/<name>.png.
"""
import dataclasses
import os

import numpy as np

from brianmodel.analysis.rate_model import READOUTS, RateModel, final_bout
from brianmodel.cli import command, parser
from brianmodel.errors import ProtocolError
from brianmodel.plots import plt, save
from brianmodel.results import ResultsFolder

TARGET = 0.78  # docs/lateral.md: the study's target for held-out corr(x, x̂)
NETWORK_BARS = (("the network", "held_out_corr"), ("its code through Q, one spike", "q_one_spike_corr"),
                ("its code, best one-spike decoder", "own_one_spike_readout_corr"))
CEILING_BARS = (("top-k code, one spike", "ceiling_topk_one_spike_corr"),
                ("top-k code, spike count", "ceiling_topk_spike_count_corr"),
                ("top-k code, graded (D z)", "ceiling_topk_corr"))


def read(path: str, label: str | None) -> tuple[list[dict], dict]:
    """(the rate model's rows, the code report) of a results folder."""
    folder = ResultsFolder(path)
    name = "evaluation/rate-model.json" if label is None else f"evaluation/rate-model-{label}.json"
    for needed, command_line in ((name, f"protocols/rate_model.py {path}"),
                                 ("evaluation/code.json", f"protocols/evaluate.py {path} --code")):
        if not os.path.exists(folder.file(needed)):
            raise ProtocolError(f"{path!r} has no {needed}: run {command_line}")
    return folder.read_json(name)["rows"], folder.read_json("evaluation/code.json")["report"]


def draw_readouts(ax, row: dict):
    model = RateModel(**{field: row[field] for field in ("theta", "step", "levels")})
    drive = np.linspace(0, model.theta + (model.levels + 0.5) * model.step, 400)
    for k, (readout, style) in enumerate(zip(READOUTS, ("-", "--", "-"))):
        ax.plot(drive, final_bout(drive, dataclasses.replace(model, readout=readout)), style, color=f"C{k}",
                lw=2.2 - 0.4 * k, label=readout)
    ax.axvline(model.theta, color="0.7", lw=0.6, ls=":")
    ax.set_xlabel("feedback drive Q z (weights)", fontsize=8)
    ax.set_ylabel("final bout x̂ of one visible unit", fontsize=8)
    ax.set_title("the rate model's final bouts", fontsize=9, loc="left")
    ax.legend(fontsize=7, loc="upper left")


def draw_scores(ax, rows: list[dict], report: dict):
    bars = [(name, report.get(key), [], "0.45") for name, key in NETWORK_BARS]
    for k, readout in enumerate(READOUTS):
        seeds = [row["corr"] for row in rows if row["readout"] == readout]
        if seeds:
            bars.append((f"rate model, {readout} bout", float(np.mean(seeds)), seeds, f"C{k}"))
    bars += [(name, report.get(key), [], "0.8") for name, key in CEILING_BARS]
    bars = [bar for bar in bars if bar[1] is not None]
    places = np.arange(len(bars))[::-1]
    for place, (name, value, seeds, colour) in zip(places, bars):
        ax.barh(place, value, color=colour, height=0.7)
        ax.plot(seeds, [place] * len(seeds), "k.", ms=3)
        ax.text(max([value, *seeds]) + 0.006, place, f"{value:.3f}", va="center", fontsize=7)
    ax.axvline(TARGET, color="C3", lw=0.8, ls="--", label=f"target {TARGET}")
    ax.set_yticks(places, [bar[0] for bar in bars], fontsize=7)
    ax.set_xlim(0.3, 0.9)
    ax.set_xlabel("corr(x, x̂), held-out images", fontsize=8)
    n = rows[0]["n_hidden"]
    ax.set_title(f"{n} hidden units, k = {rows[0]['k']}, {rows[0]['presentations']:,} presentations",
                 fontsize=9, loc="left")
    ax.legend(fontsize=7, loc="upper right")


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("results", help="results folder with evaluation/rate-model.json and evaluation/code.json")
    p.add_argument("--label", help="read evaluation/rate-model-LABEL.json instead")
    p.add_argument("--out", required=True, help="folder for the PNG")
    p.add_argument("--name", default="rate-model", help="file name of the PNG (default: rate-model)")
    args = p.parse_args(argv)
    rows, report = read(args.results, args.label)  # everything read before anything is written
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1, 1.5]})
    draw_readouts(axes[0], rows[0])
    draw_scores(axes[1], rows, report)
    fig.tight_layout()
    save(fig, args.out, f"{args.name}.png")
    print(f"wrote {args.out}/{args.name}.png")


if __name__ == "__main__":
    main()
