"""How much of a probe's final bout is the code's, and how much an echo of the initial bout.

    python figures/echo.py results/main:code-held-out=main results/main:refractory-8ms="main, 8 ms" \
        results/forgetting:held-out=forgetting --out figures/echo --name refractory-probe

Each FOLDER:LABEL is a saved probe (protocols/evaluate.py; nothing is re-run;
=NAME names it in the table and figure), read with the Q of the checkpoint it
probed. For each, one row of
<out>/<name>.csv: corr(x, x̂), the same with each unit's spikes counted once,
the final bout's echo of x at equal drive Q z (analysis.final_bout_echo), the
code alone read out through Q as one spike per visible unit (its threshold
fitted on the probe's first half and scored on the second), the bouts'
sizes, the final-bout spikes' mean latency after the hidden bout and how far
it moves from the weakest to the strongest decile of drive
(analysis.final_bout_latency: the window's depression grades with drive only
as far as the latency does); the probe's parameter overrides, if any. <out>/<name>.png draws, per
probe, how often a visible unit fires in the final bout against the feedback's
drive (deciles of Q z), for units that fired in the initial bout and for
units that did not: the gap between the two curves is the echo.
"""
import json

import numpy as np

from brianmodel.analysis import (corr_counted_once, final_bout_echo, final_bout_latency, one_spike_threshold,
                                 reconstruction_corr)
from brianmodel.cli import command, parser
from brianmodel.errors import UsageError
from brianmodel.plots import plt, save, save_table, seconds
from brianmodel.results import ResultsFolder

COLUMNS = ("probe", "source", "checkpoint", "presentations", "overrides", "corr", "corr_once", "echo", "q_one_spike",
           "x_units", "x_hat_units", "hidden_spikes", "latency_ms", "latency_strong_minus_weak_ms")


def measure(spec: str) -> tuple[dict, dict]:
    """(the table's row, the echo's curves) of the probe ``FOLDER:LABEL[=NAME]``."""
    spec, _, name = spec.partition("=")
    path, _, label = spec.rpartition(":")
    if not path or not label:
        raise UsageError(f"a probe is FOLDER:LABEL (e.g. results/main:code-held-out), got {spec!r}")
    folder = ResultsFolder(path)
    probe = folder.load_evaluation(label)
    Q = folder.load_checkpoint(int(probe["checkpoint"]))["Q"]
    x, x_hat, z = (np.asarray(probe[k], dtype=float) for k in ("x", "x_hat", "z"))
    drive = z @ Q.T
    echo = final_bout_echo(x, x_hat, drive)
    half = len(x) // 2
    theta = one_spike_threshold(x[:half], drive[:half])
    overrides = str(probe["overrides"]) if "overrides" in probe else ""
    params = folder.read_params()["model"]["presentation"]
    latency = final_bout_latency({"visible": (probe["visible_i"], probe["visible_t"]),
                                  "hidden": (probe["hidden_i"], probe["hidden_t"])}, drive,
                                 seconds(params["duration"]), seconds(params["readout_split"]))
    row = {"probe": name or spec, "source": spec, "checkpoint": int(probe["checkpoint"]),
           "presentations": len(x), "overrides": json.dumps(json.loads(overrides)) if overrides else "",
           "corr": reconstruction_corr(x, x_hat),
           "corr_once": corr_counted_once(x, x_hat), "echo": echo["gap"],
           "q_one_spike": reconstruction_corr(x[half:], (drive[half:] > theta).astype(float)),
           "x_units": float((x > 0).sum(axis=1).mean()), "x_hat_units": float((x_hat > 0).sum(axis=1).mean()),
           "hidden_spikes": float(z.sum(axis=1).mean()),
           "latency_ms": float(np.average(latency["latency_ms"], weights=latency["spikes"])),
           "latency_strong_minus_weak_ms": float(latency["latency_ms"][-1] - latency["latency_ms"][0])}
    return row, echo


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("probes", nargs="+", help="saved probes, FOLDER:LABEL, or FOLDER:LABEL=NAME to name one")
    p.add_argument("--out", required=True, help="folder for <name>.csv and <name>.png")
    p.add_argument("--name", default="echo", help="file name of the table and the figure (default: echo)")
    args = p.parse_args(argv)
    measured = [measure(spec) for spec in args.probes]  # everything read before anything written
    fig, axes = plt.subplots(1, len(measured), figsize=(3.4 * len(measured), 3.2), sharey=True, squeeze=False)
    for ax, (row, echo) in zip(axes[0], measured):
        deciles = np.arange(1, len(echo["fired_on"]) + 1)
        ax.plot(deciles, echo["fired_on"], "o-", color="C3", label="fired in the initial bout")
        ax.plot(deciles, echo["fired_off"], "o-", color="0.4", label="silent in the initial bout")
        ax.set_xlabel("feedback drive Q z, decile")
        ax.set_xticks(deciles)
        ax.set_xlim(0.5, len(deciles) + 0.5)
        ax.set_title(f"{row['probe']}\ncorr {row['corr']:.2f}, echo {row['echo']:.2f}", fontsize=8)
    axes[0][0].set_ylabel("P(fires in the final bout)")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    save_table(args.out, f"{args.name}.csv", COLUMNS, [row for row, _ in measured])
    save(fig, args.out, f"{args.name}.png")
    for row, _ in measured:
        print(f"{row['probe']:60s} corr {row['corr']:.3f}  once {row['corr_once']:.3f}  echo {row['echo']:.3f}  "
              f"Q one-spike {row['q_one_spike']:.3f}  x {row['x_units']:.0f}  x̂ {row['x_hat_units']:.0f}")


if __name__ == "__main__":
    main()
