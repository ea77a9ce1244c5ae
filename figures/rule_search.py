"""The rule search (protocols/rule_search.py): scores per generation and the best windows.

    python figures/rule_search.py results/rule-search [--out FOLDER]

a: held-out corr(x, x̂) of every candidate per generation (dots), the best
(line) and hand-tuned mSTDP trained beside them (dashed). b, c: the best
candidate's windows of each generation (dark: first, yellow: last) against
Δ = t_hidden − t_visible: W's F_W(Δ), and Q's window read time-reversed,
F_Q(−Δ) (its postsynaptic cell is the visible one), so that a mirrored pair
draws the same curve in b and c; mSTDP dashed. d: how mirrored the best
pair is: corr(F_W(Δ), F_Q(−Δ)) (mirrored, 1 for mSTDP) and corr(F_W(Δ),
F_Q(Δ)) (the same window on both pathways).
"""

import numpy as np

from brianmodel.cli import command, parser
from brianmodel.errors import MissingResult
from brianmodel.io import read_csv
from brianmodel.plots import plt, save
from brianmodel.results import ResultsFolder

LAGS = np.linspace(-50, 50, 401)


def window(row, pathway, lags):
    a_plus, a_minus = float(row[f"{pathway}_a_plus"]), float(row[f"{pathway}_a_minus"])
    tau_plus, tau_minus = float(row[f"{pathway}_tau_plus"]), float(row[f"{pathway}_tau_minus"])
    return np.where(lags >= 0, a_plus * np.exp(-np.abs(lags) / tau_plus), a_minus * np.exp(-np.abs(lags) / tau_minus))


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("search", help="results folder of protocols/rule_search.py")
    p.add_argument("--out", help="folder for rule_search.png (default: the search's)")
    args = p.parse_args(argv)
    rows = read_csv(ResultsFolder(args.search).file("search.csv"))
    if not rows:
        raise MissingResult(f"no search.csv in {args.search!r} (run protocols/rule_search.py)")
    generations = sorted({int(r["generation"]) for r in rows})
    candidates = [r for r in rows if r["reference"] == "False"]
    references = [r for r in rows if r["reference"] == "True"]
    best = [max((r for r in candidates if int(r["generation"]) == g), key=lambda r: float(r["reconstruction_corr"]))
            for g in generations]
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.4))
    a, b, c, d = axes
    a.plot([int(r["generation"]) for r in candidates], [float(r["reconstruction_corr"]) for r in candidates], ".",
           color="0.6", ms=4, label="candidates")
    a.plot(generations, [float(r["reconstruction_corr"]) for r in best], "-o", color="C3", ms=4, label="best")
    if references:
        a.plot([int(r["generation"]) for r in references], [float(r["reconstruction_corr"]) for r in references],
               "--", color="k", lw=1, label="mSTDP (hand-tuned)")
    a.set_xlabel("generation", fontsize=8)
    a.set_ylabel("held-out corr(x, x̂)", fontsize=8)
    a.set_title("a  scores", fontsize=9, loc="left")
    a.legend(fontsize=7, frameon=False)
    colors = plt.cm.viridis(np.linspace(0.15, 0.95, len(best)))
    for ax, pathway, sign, title in ((b, "feedforward", 1, "b  W: F_W(Δ)"), (c, "feedback", -1, "c  Q: F_Q(−Δ)")):
        for row, color in zip(best, colors):
            ax.plot(LAGS, window(row, pathway, sign * LAGS), color=color, lw=1)
        if references:
            ax.plot(LAGS, window(references[0], pathway, sign * LAGS), "--", color="k", lw=1.2, label="mSTDP")
            ax.legend(fontsize=7, frameon=False)
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        ax.set_xlabel("Δ = t_hidden − t_visible (ms)", fontsize=8)
        ax.set_title(f"{title}, best of each generation", fontsize=9, loc="left")
    b.set_ylabel("Δw per pairing", fontsize=8)
    d.plot(generations, [float(r["mirror_score"]) for r in best], "-o", ms=4, color="C0",
           label="corr(F_W(Δ), F_Q(−Δ)): mirrored")
    d.plot(generations, [float(r["same_score"]) for r in best], "-s", ms=4, color="C1",
           label="corr(F_W(Δ), F_Q(Δ)): the same")
    d.axhline(0, color="k", lw=0.5)
    d.set_ylim(-1.05, 1.05)
    d.set_xlabel("generation", fontsize=8)
    d.set_title("d  is the best pair mirrored?", fontsize=9, loc="left")
    d.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    save(fig, args.out or args.search, "rule_search.png")


if __name__ == "__main__":
    main()
