"""Train the network with other plasticity rules and compare them with mSTDP on held-out digits.

    python protocols/compare_rules.py --out results/rules
    python protocols/compare_rules.py --out results/rules --pair feedforward=stdp,feedback=stdp \
        --pair feedforward=bcm,feedback=bcm --presentations 2000

--pair FEEDFORWARD and FEEDBACK rules as --rule writes them (repeatable;
default: the paper's mirrored rule and five others). Every pair trains the
same network (--preset, --set) from the same seed for --presentations on the
bundled digits minus --holdout held-out ones, on --workers processes; each is
probed frozen on its held-out digits. Writes <out>/rules.csv (one row per
pair), <out>/<pair>/ (each training's results folder) and <out>/rules.png
(figures/rules_comparison.py). Re-running with the same --out resumes.
"""
import os
import subprocess
import sys

from brianmodel.cli import command, parser
from brianmodel.parameters import parse_assignments
from brianmodel.params.mstdp import PRESETS, preset
from brianmodel.params.run import RunSettings
from brianmodel.protocols.rule_comparison import compare_rules
from brianmodel.rules import parse_rules

DEFAULT_PAIRS = ["feedforward=mirrored,feedback=mirrored",  # the paper's: STDP on W, aSTDP on Q
                 "feedforward=stdp,feedback=stdp",  # STDP on both: Q learns the time-reversed correlations
                 "feedforward=stdp-soft,feedback=astdp-soft",  # mirrored, with soft bounds
                 "feedforward=triplet(eta=6),feedback=astdp",  # Pfister & Gerstner on W (η: pair LTD ≈ mSTDP's)
                 "feedforward=bcm,feedback=bcm",
                 "feedforward=oja,feedback=oja"]


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--out", required=True, help="results folder of the comparison")
    p.add_argument("--pair", action="append", metavar="feedforward=RULE,feedback=RULE",
                   help="a pair of rules (repeatable; default: mirrored and five others)")
    p.add_argument("--presentations", type=int, default=5000)
    p.add_argument("--holdout", type=int, default=500, help="digits held out of training, for the probe")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--preset", default="main", help=f"parameter preset: {', '.join(PRESETS)}")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="any other model parameter, as in protocols/train.py")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="trainings at once")
    args = p.parse_args(argv)
    pairs = [{"feedforward": "mirrored", "feedback": "mirrored", **parse_rules([text])}
             for text in (args.pair or DEFAULT_PAIRS)]
    base = preset(args.preset).with_overrides(**parse_assignments(args.set))
    settings = RunSettings(dataset="mnist", presentations=args.presentations, seed=args.seed, preset=args.preset,
                           holdout=args.holdout)
    compare_rules(base, settings, pairs, args.out, workers=args.workers)
    figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "figures", "rules_comparison.py")
    subprocess.run([sys.executable, figure, args.out, "--out", args.out], check=True)


if __name__ == "__main__":
    main()
