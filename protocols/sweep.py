"""Sweep run-time parameters over a grid (× seeds); the points train and are probed as the copies of ensembles.

    python protocols/sweep.py --out results/sweep                         # the location × delay grid, 27 points
    python protocols/sweep.py --out results/rho --grid homeostasis.rho=0.05,0.1,0.3 --grid plasticity.eta=0.01,0.04 \\
        --seeds 3 --copies 9
    python protocols/sweep.py --out results/sweep --scheduler tcp://10.0.0.5:8786

--grid SECTION.NAME=V1,V2,... (repeatable) names a run-time field and its
values, with units where it has them (locations.feedback=50*um,250*um,450*um;
connections.delay_feedback=1*ms,3*ms), or a parameter of a pathway's rule
(--rule lateral=istdp --grid rules.lateral.alpha=0.05,0.1,0.2); without --grid the grid is the feedback
location {50, 250, 450} µm × W delay {2, 5, 8} ms × Q delay {1, 3, 5} ms.
--seeds N repeats every point with seeds --seed .. --seed + N − 1. The points
run in ensembles of --copies copies (default 1 on cpp, where a bigger
ensemble runs slower per copy: docs/ensembles.md), one binary for all (compiled once); the
ensembles run on --workers processes, or on the workers of the Dask cluster
at --scheduler. Writes <out>/sweep.csv (one row per point), sweep.json (the
grid, wall time, compilations), params.json, points/<point>/ (each training's
results folder), and draws the heatmaps (figures/sweep_heatmaps.py) into
<out>/sweep.png. Re-running with the same --out resumes: finished ensembles
are not re-run.
"""
import os
import subprocess
import sys

from brianmodel.cli import command, parser
from brianmodel.device import DEVICES
from brianmodel.errors import ParameterError
from brianmodel.parameters import parse_assignments
from brianmodel.params.mstdp import PRESETS, preset, preset_hidden
from brianmodel.params.run import RunSettings
from brianmodel.protocols.sweep import parse_grid, run_sweep
from brianmodel.rules.options import add_rule_argument, rule_overrides


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--out", required=True, help="results folder of the sweep")
    p.add_argument("--grid", action="append", default=[], metavar="SECTION.NAME=V1,V2,...",
                   help="a run-time field and its values (repeatable; default: feedback location × delays)")
    p.add_argument("--seeds", type=int, default=1, help="seeds per point (--seed, --seed + 1, ...)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--copies", type=int,
                   help="points per ensemble (default: 1 on cpp, where bigger ensembles run slower per copy; on cuda "
                        "the points spread over the workers, up to 256)")
    p.add_argument("--preset", default="dendritic",
                   help=f"parameter preset: {', '.join(PRESETS)} (default dendritic: the feedback has a location)")
    p.add_argument("--hidden", type=int, help="hidden neurons (default 100, or the preset's own size)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="any other model parameter, as in protocols/train.py")
    p.add_argument("--dataset", default="mnist", help="as in protocols/train.py")
    p.add_argument("--presentations", type=int, default=2000, help="training presentations per point")
    p.add_argument("--chunk", type=int, default=250, help="presentations per binary run and checkpoint")
    p.add_argument("--probe", type=int, default=250, help="frozen presentations that measure reconstruction (run in whole chunks: rounded up to --chunk)")
    p.add_argument("--holdout", type=int, default=0,
                   help="images held out of every point's training; their reconstruction is held_out_corr")
    p.add_argument("--device", default="cpp", help=f"standalone device: {', '.join(d for d in DEVICES if d != 'runtime')}")
    p.add_argument("--threads", type=int, default=0, help="OpenMP threads per ensemble (0: none)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local worker processes")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler's workers instead")
    add_rule_argument(p)
    args = p.parse_args(argv)
    overrides = {**parse_assignments(args.set), **rule_overrides(args)}
    overrides.setdefault("architecture", {})["n_hidden"] = (args.hidden if args.hidden is not None
                                                       else preset_hidden(args.preset, 100))
    base = preset(args.preset).with_overrides(**overrides)
    settings = RunSettings(dataset=args.dataset, presentations=args.presentations, chunk_size=args.chunk,
                           seed=args.seed, device=args.device, threads=args.threads, preset=args.preset,
                           holdout=args.holdout)
    if args.seeds < 1:
        raise ParameterError(f"--seeds must be at least 1, got {args.seeds}")
    grid = parse_grid(args.grid, range(args.seed, args.seed + args.seeds))
    run_sweep(base, settings, grid, args.out, copies=args.copies, workers=args.workers, scheduler=args.scheduler,
              probe_presentations=args.probe)
    figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "figures", "sweep_heatmaps.py")
    subprocess.run([sys.executable, figure, args.out], check=True)


if __name__ == "__main__":
    main()
