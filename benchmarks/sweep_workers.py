"""Wall time of one location × delay sweep with 1 worker process and with N, side by side.

    python benchmarks/sweep_workers.py [--workers 2] [--presentations 400] [--out results/bench-sweep]

The same 2 × 2 sweep (feedback at 50 and 450 µm, feedback delays 1 and 5
ms, the preset's feedforward delay; 100 hidden units, bundled digits) runs twice from scratch, into
<out>/workers-1 and <out>/workers-N, sharing one compiled binary (compiled
before either timing starts). Prints both wall times, their ratio, and
whether the two tables agree (they must: same seed, same device).
"""
import argparse
import os
import shutil
import time

from brian2 import ms, um

from brianmodel.params.mstdp import preset
from brianmodel.params.run import RunSettings
from brianmodel.protocols.sweep import Axis, Grid, comparable, run_sweep
from brianmodel.readers import RESULT_COLUMNS


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--presentations", type=int, default=400)
    p.add_argument("--out", default="results/bench-sweep")
    args = p.parse_args(argv)
    params = preset("dendritic").with_overrides(architecture={"n_hidden": 100})
    settings = RunSettings(presentations=args.presentations, chunk_size=200)
    grid = Grid((Axis("locations.feedback", (50 * um, 450 * um)), Axis("connections.delay_feedback", (1 * ms, 5 * ms))))
    builds = os.path.join(args.out, "builds")
    quiet = dict(quiet=True, probe_presentations=100, build_root=builds)
    # compile first (a 1-point sweep), outside the timings
    run_sweep(params, settings, Grid((Axis("locations.feedback", (50 * um,)),)), os.path.join(args.out, "compile"),
              **quiet)
    times, tables = {}, {}
    for workers in (1, args.workers):
        out = os.path.join(args.out, f"workers-{workers}")
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        tables[workers] = run_sweep(params, settings, grid, out, workers=workers, **quiet)
        times[workers] = time.perf_counter() - start
    print(f"sweep of {len(grid.points())} points × {args.presentations} presentations (+100 probe), "
          f"{os.cpu_count()} cores")
    for workers, seconds in times.items():
        print(f"  {workers} worker(s): {seconds:7.1f} s")
    print(f"  speed-up with {args.workers} workers: {times[1] / times[args.workers]:.2f}×")
    same = comparable(tables[1], RESULT_COLUMNS) == comparable(tables[args.workers], RESULT_COLUMNS)
    print(f"  tables identical: {same}")


if __name__ == "__main__":
    main()
