"""A three-factor rule under the modulation protocol (protocols/modulation.py): weights against time.

    python figures/modulation.py --modulation results/reward --out results/reward

a: each synapse's weight against time, paired at its own time (dots) and
moved only during the modulator pulse (shaded). b: the change against the
pairing-to-pulse delay, measured and from the rule's equations, beside the
eligibility's decay exp(−delay / tau_eligibility).
"""
import numpy as np

from brianmodel.cli import command
from brianmodel.errors import MissingResult
from brianmodel.io import read_csv
from brianmodel.plots import arguments, plt, save
from brianmodel.results import ResultsFolder


@command
def main(argv=None):
    args = arguments(__doc__, argv, extra=lambda p: p.add_argument("--modulation", required=True,
                                                                   help="a modulation results folder"))
    folder = ResultsFolder(args.modulation)
    rows = read_csv(folder.file("modulation.csv"))
    if not rows:
        raise MissingResult(f"no modulation.csv in {args.modulation!r} (run protocols/modulation.py)")
    table = {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}
    weights = folder.load_arrays("weights", "run protocols/modulation.py")
    info = folder.read_params()
    protocol = info["protocol"]
    t = weights["t_ms"] / 1000
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.4))
    reward = protocol["reward_s"]
    a.axvspan(reward, reward + protocol["reward_duration_ms"] / 1000, color="0.85", label="modulator on")
    for k, delay in enumerate(weights["delay_s"]):
        w = weights["w"][k]
        a.plot(t, w - w[0], lw=1, color=f"C{k % 10}", label=f"paired {delay:g} s before")
        a.plot(reward - delay, 0, "o", color=f"C{k % 10}", ms=4)
    a.set_xlabel("time (s)", fontsize=8)
    a.set_ylabel("w − w(0)", fontsize=8)
    a.set_title(f"a  {info['rule']}: weights move only while the modulator is on", fontsize=9, loc="left")
    a.legend(fontsize=7, frameon=False, loc="upper left")
    order = np.argsort(table["delay_s"])
    b.plot(table["delay_s"][order], table["configured"][order], "-", color="0.5", label="the rule's equations")
    b.plot(table["delay_s"], table["change"], "o", color="C3", mfc="none", label="measured")
    tau = info["tau_eligibility_s"]
    first = order[0]
    b.plot(table["delay_s"][order], table["change"][first] * np.exp(-(table["delay_s"][order] -
                                                                      table["delay_s"][first]) / tau),
           ":", color="k", lw=1, label=f"exp(−delay / {tau:g} s)")
    b.set_xlabel("pairing → modulator delay (s)", fontsize=8)
    b.set_ylabel("Δw", fontsize=8)
    b.set_title("b  the change follows the eligibility left", fontsize=9, loc="left")
    b.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    save(fig, args.out, "modulation.png")


if __name__ == "__main__":
    main()
