"""A rule's frequency dependence: weight change against pairing frequency, both orders (protocols/pairing.py
--frequencies).

    python figures/frequency.py --pairing results/triplet --out results/triplet

Reads a pairing folder written by the frequency protocol. One panel per
pathway: the change after n pairings at each frequency, for the visible
spike leading (Δ > 0: pre→post on W, post→pre on Q) and lagging, measured
(markers) beside the rule's equations (lines). Sjöström et al. (2001), in
visual cortex: no change for pre→post and LTD for post→pre at 0.1 Hz, LTP
for both above ~30 Hz.
"""
import numpy as np

from brianmodel.cli import command
from brianmodel.plots import arguments, plt, save
from brianmodel.readers import read_pairing


@command
def main(argv=None):
    args = arguments(__doc__, argv, extra=lambda p: p.add_argument("--pairing", required=True,
                                                                   help="a frequency-protocol pairing folder"))
    data = read_pairing(args.pairing)
    if "frequency_hz" not in data:
        raise SystemExit(f"error: {args.pairing} holds a window, not a frequency protocol (figures/fig02_windows.py)")
    info, protocol = data["info"], data["info"]["protocol"]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=False)
    for ax, pathway, label in zip(axes, ("feedforward", "feedback"), "ab"):
        for lag, color in zip(sorted(set(data["lag_ms"]), reverse=True), ("C3", "C0", "C2", "C1")):
            rows = data["lag_ms"] == lag
            order = np.argsort(data["frequency_hz"][rows])
            f = data["frequency_hz"][rows][order]
            pre_post = lag > 0 if pathway == "feedforward" else lag < 0
            name = f"Δ = {lag:+g} ms ({'pre→post' if pre_post else 'post→pre'})"
            ax.plot(f, data[f"{pathway}_configured"][rows][order], "-", color=color, lw=1)
            ax.plot(f, data[f"{pathway}_change"][rows][order], "o", color=color, mfc="none", label=name)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_xlabel("pairing frequency (Hz)", fontsize=8)
        ax.set_title(f"{label}  {pathway}: {info['pathways'][pathway]['rule']}", fontsize=9, loc="left")
        ax.legend(fontsize=7, frameon=False)
    axes[0].set_ylabel(f"Δw after {protocol['n_pairings']} pairings (from w = {protocol['w_max'] / 2:g})", fontsize=8)
    error = max(np.max(np.abs(data[f"{p}_change"] - data[f"{p}_configured"])) /
                max(np.max(np.abs(data[f"{p}_configured"])), 1e-300) for p in ("feedforward", "feedback"))
    fig.suptitle(f"Frequency dependence (markers: measured in Brian2; lines: the rule's equations; largest "
                 f"deviation {error:.1e} of the peak)", fontsize=9)
    fig.tight_layout()
    save(fig, args.out, "frequency.png")


if __name__ == "__main__":
    main()
