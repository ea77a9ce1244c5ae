"""Search the two pathways' plasticity windows for the rule that makes the network an autoencoder.

    python protocols/rule_search.py --out results/rule-search
    python protocols/rule_search.py --out results/rule-search --generations 20 --population 12 --presentations 1000

CMA-ES over the general pair window of each pathway (sign, amplitude and
time constant of each lobe: 8 numbers), from a random seeded start; a
candidate's score is the frozen reconstruction corr(x, x̂) of --holdout
held-out digits after --presentations of training from --seed. Each
generation trains as one ensemble (with hand-tuned mSTDP beside it), so the
search compiles once. Writes <out>/search.csv, generations.json and
<out>/rule_search.png (figures/rule_search.py); re-running with the same
--out resumes.
"""
import os
import subprocess
import sys

from brianmodel.cli import command, parser
from brianmodel.device import DEVICES
from brianmodel.parameters import parse_assignments
from brianmodel.params.mstdp import PRESETS, preset, preset_hidden
from brianmodel.params.run import RunSettings
from brianmodel.protocols.rule_search import SearchSettings, run_search


@command
def main(argv=None):
    p = parser(__doc__)
    defaults = SearchSettings()
    p.add_argument("--out", required=True, help="results folder of the search")
    p.add_argument("--generations", type=int, default=defaults.generations)
    p.add_argument("--population", type=int, default=defaults.population, help="candidates per generation")
    p.add_argument("--sigma", type=float, default=defaults.sigma, help="CMA-ES's initial step")
    p.add_argument("--search-seed", type=int, default=defaults.seed, help="the starting windows and CMA-ES")
    p.add_argument("--no-reference", action="store_true", help="do not train hand-tuned mSTDP beside each generation")
    p.add_argument("--presentations", type=int, default=500, help="training presentations per candidate")
    p.add_argument("--holdout", type=int, default=250, help="held-out digits each candidate is scored on")
    p.add_argument("--chunk", type=int, default=250,
                   help="presentations per binary run (the probe shows the held-out digits in whole chunks)")
    p.add_argument("--seed", type=int, default=0, help="the network's seed (the same for every candidate)")
    p.add_argument("--hidden", type=int, help="hidden neurons (default 100, or the preset's own size)")
    p.add_argument("--preset", default="main", help=f"parameter preset: {', '.join(PRESETS)}")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="any other model parameter, as in protocols/train.py")
    p.add_argument("--device", default="cpp", help=f"one of {', '.join(DEVICES)}")
    p.add_argument("--threads", type=int, default=0, help="OpenMP threads for cpp (0: none)")
    args = p.parse_args(argv)
    overrides = parse_assignments(args.set)
    overrides.setdefault("architecture", {})["n_hidden"] = (args.hidden if args.hidden is not None
                                                       else preset_hidden(args.preset, 100))
    base = preset(args.preset).with_overrides(**overrides)
    settings = RunSettings(dataset="mnist", presentations=args.presentations, chunk_size=args.chunk,
                           seed=args.seed, device=args.device, threads=args.threads, preset=args.preset,
                           holdout=args.holdout)
    search = SearchSettings(generations=args.generations, population=args.population, sigma=args.sigma,
                            seed=args.search_seed, reference=not args.no_reference)
    run_search(base, settings, search, args.out)
    figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "figures", "rule_search.py")
    subprocess.run([sys.executable, figure, args.out, "--out", args.out], check=True)


if __name__ == "__main__":
    main()
