"""Fig 2: plasticity windows measured with the pairing protocol, beside the configured windows.

    python figures/fig02_windows.py [--root results/paper] [--out figures/paper]
    python figures/fig02_windows.py --pairing results/pairing-bp --out figures/pairing-bp

Reads ``<root>/pairing`` or ``--pairing FOLDER`` (protocols/pairing.py). a: feedforward STDP against
t_post − t_pre (hidden − visible); b: feedback aSTDP against t_post − t_pre
(visible − hidden): the mirror image; c: both against t_hidden − t_visible,
where they coincide (mSTDP).
"""
import os

import numpy as np

from brianmodel.cli import command
from brianmodel.plots import arguments, plt, save
from brianmodel.readers import read_pairing


@command
def main(argv=None):
    args = arguments(__doc__, argv, extra=lambda p: p.add_argument(
        "--pairing", help="a pairing results folder (default: <root>/pairing)"))
    data = read_pairing(args.pairing or os.path.join(args.root, "pairing"))
    protocol = data["info"]["protocol"]
    eta = data["info"]["eta_used"]  # None: the rules' own
    scale = protocol["n_pairings"] * (eta or 1.0)  # Δw / (n η) = F(Δ)
    lag = data["lag_ms"]
    order = np.argsort(lag)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    where = data["info"]["pathways"]  # recorded by the protocol: rule, location, back-propagation
    rule = {name: where[name]["rule"] for name in where}
    panels = (("feedforward", 1, "C3", "x", f"a  {rule['feedforward']} (feedforward W)",
               "t_post − t_pre = t_hidden − t_visible (ms)"),
              ("feedback", -1, "C0", "^", f"b  {rule['feedback']} (feedback Q)",
               "t_post − t_pre = t_visible − t_hidden (ms)"))
    for ax, (name, sign, color, marker, title, xlabel) in zip(axes, panels):
        ax.plot(sign * lag[order], data[f"{name}_configured"][order] / scale, "-", color="0.5", label="configured")
        ax.plot(sign * lag, data[f"{name}_change"] / scale, marker, color=color, ls="none", label="measured")
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_xlabel(xlabel, fontsize=8)
    for name, color, marker in (("feedforward", "C3", "x"), ("feedback", "C0", "^")):
        axes[2].plot(lag, data[f"{name}_change"] / scale, marker, color=color, ls="none", ms=7 if marker == "x" else 5,
                     mfc="none", label=f"{name} (measured)")
    axes[2].plot(lag[order], data["feedforward_configured"][order] / scale, "-", color="0.5", label="configured")
    if not np.allclose(data["feedback_configured"], data["feedforward_configured"]):  # unequal delays
        axes[2].plot(lag[order], data["feedback_configured"][order] / scale, "--", color="C0", lw=1,
                     label="configured (feedback)")
    axes[2].set_title("c  both against t_hidden − t_visible (mirrored rules coincide)", fontsize=9, loc="left")
    axes[2].set_xlabel("t_hidden − t_visible (ms)", fontsize=8)
    for ax in axes:
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
    per = "n η" if eta else "n"
    axes[0].set_ylabel(f"Δw / ({per})   (n = {protocol['n_pairings']} pairings at {protocol['frequency_hz']:g} Hz)",
                       fontsize=8)
    error = max(np.max(np.abs(data[f"{n}_change"] - data[f"{n}_configured"])) /
                max(np.max(np.abs(data[f"{n}_configured"])), 1e-300) for n in ("feedforward", "feedback"))
    title = (f"Fig 2: plasticity windows from the pairing protocol (largest deviation from the configured "
             f"window: {error:.1e} of its peak)")
    for name in ("feedforward", "feedback"):
        if where[name]["location_um"] is not None:
            title += (f"\n{name} synapse at {where[name]['location_um']:g} µm: back-propagating spike "
                      f"{where[name]['backprop_delay_ms']:g} ms after the soma's, amplitude {where[name]['bap']:.2f}")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    save(fig, args.out, "fig02_windows.png")


if __name__ == "__main__":
    main()
