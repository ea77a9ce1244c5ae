"""Fig 1b: spikes of one visible and one hidden neuron in one presentation, with Δt1 and Δt2.

    python figures/fig01b_activity.py [--root results/paper] [--out figures/paper]

Reads the MNIST run's ``final`` probe (its first presentation). The visible
neuron is the one with the most spikes in both bouts; the hidden neuron is the
active one with the strongest feedforward weight from it.
"""
import numpy as np

from brianmodel.cli import command
from brianmodel.plots import Run, arguments, plt, save


def pick_pair(run, probe, presentation=0):
    period = run.seconds("presentation", "duration")
    split = run.seconds("presentation", "readout_split")
    vi, vt = probe["visible_i"], probe["visible_t"]
    hi, ht = probe["hidden_i"], probe["hidden_t"]
    v_mine = np.floor(vt / period + 1e-9) == presentation
    h_mine = np.floor(ht / period + 1e-9) == presentation
    vi, vt = vi[v_mine], vt[v_mine] - presentation * period
    hi, ht = hi[h_mine], ht[h_mine] - presentation * period
    if not len(hi):
        raise SystemExit("no hidden spike in the first probe presentation")
    initial = np.bincount(vi[vt < split], minlength=2 * run.n_pixels)
    final = np.bincount(vi[vt >= split], minlength=2 * run.n_pixels)
    i = int(np.argmax(np.minimum(initial, final) * 1000 + initial + final))
    W = run.state()["W"]
    active = np.unique(hi)
    j = int(active[np.argmax(W[active, i])])
    return (vt[vi == i], ht[hi == j], i, j, split)


@command
def main(argv=None):
    args = arguments(__doc__, argv)
    run = Run(args.root, "mnist")
    t_visible, t_hidden, i, j, split = pick_pair(run, run.probe("final"))
    stim = run.seconds("presentation", "stimulus_duration")
    initial, final = t_visible[t_visible < split], t_visible[t_visible >= split]
    dt1 = np.mean(t_hidden[:, None] - initial[None, :]) if len(initial) else np.nan
    dt2 = np.mean(final[:, None] - t_hidden[None, :]) if len(final) else np.nan

    fig, ax = plt.subplots(figsize=(6.5, 2.6))
    ax.axvspan(0, stim * 1e3, color="0.85", label="stimulus")
    ax.vlines(t_visible * 1e3, 0.1, 0.9, color="k", lw=2)
    ax.vlines(t_hidden * 1e3, 1.1, 1.9, color="C0", lw=2)
    y = 2.15
    for start, stop, text in ((initial.mean(), t_hidden.mean(), f"Δt1 = {dt1 * 1e3:.1f} ms"),
                              (t_hidden.mean(), final.mean() if len(final) else np.nan, f"Δt2 = {dt2 * 1e3:.1f} ms")):
        if np.isfinite(stop):
            ax.annotate("", (stop * 1e3, y), (start * 1e3, y), arrowprops=dict(arrowstyle="<->", lw=1))
            ax.text((start + stop) / 2 * 1e3, y + 0.08, text, ha="center", fontsize=8)
    ax.text(1, 0.5, "initial\nbout", fontsize=7, va="center", ha="left", color="0.3")
    if len(final):
        ax.text(final.max() * 1e3 + 0.7, 0.5, "final bout\n(reconstruction)", fontsize=7, va="center", color="0.3")
    ax.set_yticks([0.5, 1.5], [f"visible {i}", f"hidden {j}"])
    ax.set_ylim(0, 2.6)
    ax.set_xlim(0, 30)
    ax.set_xlabel("time in presentation (ms)")
    ax.set_title("Fig 1b: one visible and one hidden neuron (MNIST)", fontsize=9)
    ax.legend(loc="lower right", fontsize=7, frameon=False)
    fig.tight_layout()
    save(fig, args.out, "fig01b_activity.png")


if __name__ == "__main__":
    main()
