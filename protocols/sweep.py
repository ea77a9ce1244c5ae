"""Sweep feedback location × feedforward delay × feedback delay; one training per grid point.

    python protocols/sweep.py --out results/sweep
    python protocols/sweep.py --out results/sweep --workers 2 --locations 50 250 450 \
        --delays-feedforward 2 5 8 --delays-feedback 1 3 5 --presentations 2000
    python protocols/sweep.py --out results/sweep --scheduler tcp://10.0.0.5:8786

Each point trains the autoencoder with the feedback synapses at that distance
from the visible soma (ball-and-stick visible cells) and those axonal delays,
then probes it frozen. All points share one compiled binary (location and
delays are run-time parameters); --workers processes run them in parallel,
each from its own copy of the build, or the workers of the Dask cluster at
--scheduler do. Writes <out>/sweep.csv (one row per point), sweep.json (wall
time, compilations), params.json, points/<point>/ (each training's results
folder), and draws the heatmaps (figures/sweep_heatmaps.py) into <out>/sweep.png.
Re-running with the same --out resumes: finished points are not re-run.
"""
import argparse
import os
import subprocess
import sys

from brianmodel.device import DEVICES
from brianmodel.params.base import parse_assignments
from brianmodel.params.mstdp import PRESETS, preset
from brianmodel.params.run import RunSettings
from brianmodel.protocols.cli import command
from brianmodel.protocols.sweep import SweepGrid, run_sweep


@command
def main(argv=None):
    grid = SweepGrid()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="results folder of the sweep")
    p.add_argument("--locations", type=float, nargs="+", default=list(grid.locations_um), metavar="UM",
                   help="feedback synapse distances from the visible soma (µm)")
    p.add_argument("--delays-feedforward", type=float, nargs="+", default=list(grid.delays_feedforward_ms),
                   metavar="MS", help="axonal delays of W (ms, multiples of dt)")
    p.add_argument("--delays-feedback", type=float, nargs="+", default=list(grid.delays_feedback_ms),
                   metavar="MS", help="axonal delays of Q (ms, multiples of dt)")
    p.add_argument("--preset", default="dendritic", help=f"parameter preset: {', '.join(PRESETS)}")
    p.add_argument("--hidden", type=int, default=100, help="hidden neurons")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="any other model parameter, as in protocols/train.py")
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--presentations", type=int, default=2000, help="training presentations per point")
    p.add_argument("--chunk", type=int, default=250, help="presentations per binary run and checkpoint")
    p.add_argument("--probe", type=int, default=250, help="frozen presentations that measure reconstruction")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpp", help=f"standalone device: {', '.join(d for d in DEVICES if d != 'runtime')}")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local worker processes")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler's workers instead")
    args = p.parse_args(argv)
    overrides = parse_assignments(args.set)
    overrides.setdefault("architecture", {})["n_hidden"] = args.hidden
    base = preset(args.preset).with_overrides(**overrides)
    settings = RunSettings(dataset=args.dataset, presentations=args.presentations, chunk_size=args.chunk,
                           seed=args.seed, device=args.device, preset=args.preset)
    grid = SweepGrid(tuple(args.locations), tuple(args.delays_feedforward), tuple(args.delays_feedback))
    run_sweep(base, settings, grid, args.out, workers=args.workers, scheduler=args.scheduler,
              probe_presentations=args.probe)
    figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "figures", "sweep_heatmaps.py")
    subprocess.run([sys.executable, figure, args.out], check=True)


if __name__ == "__main__":
    main()
