"""Where an ensemble's OpenMP threads spend their time: CPU seconds per code object and thread, from `perf`.

    python benchmarks/threads_perf.py [--copies 16] [--threads 2] [--presentations 100]

Runs the ensemble's binary (the `main` preset, 200 hidden per copy, as
benchmarks/ensembles.py) under `perf record` (CPU-clock sampling, no
hardware counters needed) on one thread and on --threads threads, and
prints, per code object, the CPU seconds of the one-thread run and of each
thread of the multi-thread run. A code object that no thread but the first
runs (or barely: a fifth of thread 0's time) is serial: Brian2 runs a synaptic pathway on one thread when its
code writes to neurons, and a thresholder builds its spike list on one. The
serial share of the one-thread run bounds what the threads can give
(Amdahl): 1 / (serial + (1 - serial) / threads). Needs Linux `perf`.
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FREQUENCY = 1999  # samples per second and thread
LINE = re.compile(r"^\s*[\d.]+%\s+(\d+)\s+(\d+):\S+\s+\[(.)\]\s+(\S+)")  # share, samples, pid, [kind] symbol


def measure(copies, threads, presentations, data):
    """In a fresh process: build (if needed) and run the ensemble under perf; its wall time."""
    sys.path.insert(0, HERE)
    import numpy as np
    from brian2 import prefs

    from ensembles import network_params
    from brianmodel.datasets import load_mnist_bundled
    from brianmodel.device import Simulator
    from brianmodel.mstdp import Ensemble, Presentations
    from brianmodel.mstdp.trainer import image_table
    from brianmodel.schedule import presentation_order

    X = load_mnist_bundled().visible_intensities()
    table = image_table(X)
    model = Ensemble([network_params("main", 200)] * copies, X.shape[1], n_images=len(table))
    order = np.stack([presentation_order(len(X), presentations, seed) for seed in range(copies)])
    simulator = Simulator(model, "cpp", presentations, threads=threads)
    simulator.prepare()
    prefs.devices.cpp_standalone.run_cmd_unix = ["perf", "record", "-q", "-F", str(FREQUENCY), "-e", "cpu-clock",
                                                 "-o", data, "./main"]
    result = simulator.run_chunk(model.initial_state(list(range(copies))), Presentations(table, order))
    print(json.dumps({"wall_s": result.wall_time}))


def name(kind, symbol):
    if symbol.startswith("_run_"):
        return symbol[len("_run_"):].removesuffix("_codeobject")
    if kind == "k":
        return "(kernel: writing files, page faults)"
    if "exp" in symbol:
        return "(exp, called by the synaptic code)"
    if symbol.startswith("0x"):  # libgomp has no symbols here: its barrier loops
        return "(OpenMP: waiting at barriers)"
    return "(other)"


def seconds(data):
    """{(thread rank, code object): CPU seconds}, thread rank 0 = the main thread, from a perf file."""
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "pid,sym", "--stdio",
                             "--show-nr-samples"], capture_output=True, text=True, check=True).stdout
    rows = [(int(m.group(1)), int(m.group(2)), m.group(3), m.group(4))
            for m in map(LINE.match, report.splitlines()) if m]
    pids = sorted({pid for _, pid, _, _ in rows})
    out = collections.Counter()
    for samples, pid, kind, symbol in rows:
        out[(pids.index(pid), name(kind, symbol))] += samples / FREQUENCY
    return out, len(pids)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--copies", type=int, default=16)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--presentations", type=int, default=100, help="presentations per copy")
    p.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        return measure(args.copies, int(args.one[0]), args.presentations, args.one[1])
    if not shutil.which("perf"):
        sys.exit("threads_perf.py needs Linux perf (linux-tools)")
    folder = tempfile.mkdtemp(prefix="threads-perf-")
    runs = {}
    for threads in (0, args.threads):
        data = os.path.join(folder, f"threads-{threads}.data")
        done = subprocess.run([sys.executable, __file__, "--copies", str(args.copies), "--presentations",
                               str(args.presentations), "--one", str(threads), data],
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(done.stderr.strip().splitlines()[-1])
        wall = json.loads(done.stdout.strip().splitlines()[-1])["wall_s"]
        runs[threads] = (wall, *seconds(data))
    shutil.rmtree(folder, ignore_errors=True)
    (wall1, one, _), (wall_n, many, ranks) = runs[0], runs[args.threads]
    names = sorted({n for _, n in one} | {n for _, n in many}, key=lambda n: -one.get((0, n), 0))
    print(f"cpp, {args.copies} copies of the main network (1,568 visible, 200 hidden), {args.presentations} "
          f"presentations per copy; CPU seconds from perf (cpu-clock, {FREQUENCY} Hz)")
    header = f"{'code object':<44}{'1 thread':>10}" + "".join(f"{f'thread {r}':>10}" for r in range(ranks))
    print(header + f"{'parallel':>10}")
    serial = 0.0
    for n in names:
        alone = one.get((0, n), 0)
        spread = [many.get((r, n), 0) for r in range(ranks)]
        # (a serial object's few samples on another thread: perf attributes a barrier's entry to it)
        parallel = n.startswith(("(OpenMP", "(exp")) or sum(spread[1:]) >= 0.2 * spread[0]
        if not parallel and not n.startswith("(OpenMP"):
            serial += alone
        if max(alone, *spread) >= 0.05:
            print(f"{n[:43]:<44}{alone:>10.2f}" + "".join(f"{s:>10.2f}" for s in spread)
                  + f"{'yes' if parallel else 'no':>10}")
    total = sum(one.values())
    print(f"{'CPU seconds in all':<44}{total:>10.2f}" + "".join(
        f"{sum(v for (r, _), v in many.items() if r == rank):>10.2f}" for rank in range(ranks)))
    print(f"wall seconds: {wall1:.2f} on 1 thread, {wall_n:.2f} on {args.threads} ({wall1 / wall_n:.2f}x)")
    share = serial / total
    print(f"serial share of the 1-thread run (code that only thread 0 runs; exp counted parallel): {share:.0%}; "
          f"bound on {args.threads} threads (Amdahl): {1 / (share + (1 - share) / args.threads):.2f}x")


if __name__ == "__main__":
    main()
