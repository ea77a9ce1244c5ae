"""Ensembles against separate runs: network-presentations/s, threads, peak memory per copy, and where the time goes.

    python benchmarks/ensembles.py [--copies 1 4 16 64] [--hidden 200] [--presentations 100] [--threads N]
    python benchmarks/ensembles.py --preset dendritic --hidden 100 --copies 1 2 4 14 --threads 0 --no-profile
    python benchmarks/ensembles.py --device cuda --copies 16 64 256        # on a GPU machine (cuda-stock: brian2cuda's)

For every ensemble size K (the `main` preset on the bundled digits, each copy
its own seed and image order): an ensemble of K copies in one binary, run on
one thread, on N OpenMP threads (all cores), and as N processes of K/N
copies each (how the sweep uses N cores: --workers N --copies K/N), against
K separate single-network runs: one after another on one core (the single
network's rate), and N at a time on N cores. Every configuration is measured
once per round, over --repeats rounds, and each ratio is the median of its
rounds' ratios (this VM's speed drifts between minutes). Rates count network-presentations (K × the
presentations of a chunk) per second of the binary's run (its start-up,
reading the state and writing the results included; compilation and writing
the run_args excluded). Peak memory is the binary's maximum resident set (host memory), per copy; on cuda
also the GPU memory the run adds at its peak (nvidia-smi), per copy.
On cuda, the ensembles run on the GPU against one network on the GPU and one
network on one CPU core (cpp).
Every configuration runs in its own process; builds happen in an earlier one
so that the compiler's memory does not count.

The profile table gives the share of the binary's time per code object
(Brian2's standalone profiling, a separate build) for one network and for an
ensemble of 16, on one thread and on N: with GOMP's default wait policy
(before) and with the spinning threads brianmodel runs OpenMP with (after).
"""
import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time

import numpy as np
from brian2 import prefs

from brianmodel.analysis import synaptic_events
from brianmodel.datasets import load_mnist_bundled
from brianmodel.device import Simulator, check_device, gpu_present, standalone
from brianmodel.device.cuda import gpu_memory_mib
from brianmodel.device.targets import TARGETS
from brianmodel.errors import DeviceError
from brianmodel.mstdp import Ensemble, Model, Presentations, preset
from brianmodel.mstdp.trainer import image_table
from brianmodel.protocols.sweep import DEFAULT_GRID
from brianmodel.schedule import presentation_order

PEAK_WRAPPER = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
                "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
                "sys.exit(code)")


def network_params(name, hidden):
    """The preset at ``hidden`` units; ``main``'s feedback gain scaled to keep its drive (as the scaling benchmark)."""
    if name != "main":
        return preset(name).with_overrides(architecture={"n_hidden": hidden})
    return preset("main").with_overrides(architecture={"n_hidden": hidden},
                                         connections={"g_feedback": preset("main").connections.g_feedback * 200
                                                      / hidden})


def copy_params(name, hidden, copies, vary=None):
    """The copies' parameters: identical, or (``vary='grid'``) the points of the sweep's location x delay grid
    (brianmodel.protocols.sweep.DEFAULT_GRID) in turn, each copy its own delays; ``vary='same'``: every copy
    the grid's middle point (the same binary, one delay per pathway)."""
    params = network_params(name, hidden)
    if vary is None:
        return [params] * copies
    points = DEFAULT_GRID.points()
    if vary == "same":
        points = [points[len(points) // 2]] * copies
    return [DEFAULT_GRID.params(params, points[k % len(points)]) for k in range(copies)]


def measure_one(device, copies, threads, presentations, hidden, build_only=False, profile=False,
                gomp_default=False, name="main", vary=None, save=None):
    """In a fresh process: one configuration, printed as JSON (``save``: copy 0's counts, W and Q, into that
    .npz file)."""
    params = copy_params(name, hidden, copies, vary)
    X = load_mnist_bundled().visible_intensities()
    table = image_table(X)
    model = (Model(params[0], X.shape[1], n_images=len(table)) if copies == 1 else
             Ensemble(params, X.shape[1], n_images=len(table)))
    seeds = list(range(copies))
    order = np.stack([presentation_order(len(X), presentations, seed) for seed in seeds])
    state = model.initial_state(seeds[0] if copies == 1 else seeds)
    options = {"profile": True} if profile else {}
    sim = Simulator(model, device, presentations, threads=threads, **options)
    start = time.perf_counter()
    sim.prepare()
    build = time.perf_counter() - start
    if build_only:
        print(json.dumps({"build_s": build, "build_dir": sim.build_dir,
                          "binary": standalone.binary_origin(sim.build_dir)}))
        return
    # wrap the binary to read its own peak memory (make and the compiler are children too)
    peak_file = os.path.join(sim.build_dir, f"peak-{os.getpid()}")
    prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, "-c", PEAK_WRAPPER, peak_file, "./main"]
    if gomp_default:  # the threads' wait policy before brianmodel set it (device.standalone.openmp_environment)
        prefs.devices.cpp_standalone.run_environment_variables = {
            name: value for name, value in prefs.devices.cpp_standalone.run_environment_variables.items()
            if name != "OMP_WAIT_POLICY"}
    # (not beside a profile: ncu may be timing the kernels)
    with GpuMemory() if TARGETS[device].gpu and not profile else contextlib.nullcontext() as gpu:
        result = sim.run_chunk(state, Presentations(table, order))
    arch = params[0].architecture
    events = sum(synaptic_events(spikes, X.shape[1], hidden, arch.n_visible_pool, arch.n_hidden_pool)
                 for spikes in model.split_spikes(result.spikes))
    with open(peak_file) as f:
        peak_mb = int(f.read()) / 1024
    os.remove(peak_file)
    if save:
        counts = model.counts(result.spikes, presentations)
        counts = counts if copies == 1 else counts[0]
        state = result.state if copies == 1 else result.state[0]
        np.savez(save, x=counts.x, x_hat=counts.x_hat, z=counts.z, W=state.W, Q=state.Q)
    steps = presentations * round(float(params[0].presentation.duration / params[0].presentation.dt))
    timing = result.timing.as_dict()
    print(json.dumps({"network_presentations_per_s": copies * presentations / result.wall_time,
                      "loop_network_presentations_per_s": copies * presentations / timing["loop_s"],
                      "loop_us_per_step": 1e6 * timing["loop_s"] / steps, **timing,
                      "setup_lines": result.timing.setup_lines,
                      "binary": standalone.binary_origin(sim.build_dir),
                      "events_per_s": events / result.wall_time, "peak_mb": peak_mb, "build_s": build,
                      "wall_s": result.wall_time, "profile": result.profile, "steps": steps,
                      "gpu_peak_mb": gpu.peak_mb if gpu else None}))


class GpuMemory:
    """The GPU memory a run adds at its peak (nvidia-smi's memory.used, polled every 0.2 s, less its value
    before): the binary's own use, as no other program runs on the GPU during a benchmark."""

    def __enter__(self):
        self.before, self.peak_mb, self._stop = self._used(), None, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _poll(self):
        while not self._stop.wait(0.2):
            used = self._used()
            if used is not None and self.before is not None:
                self.peak_mb = max(self.peak_mb or 0.0, used - self.before)

    @staticmethod
    def _used():
        """MiB used on the first GPU; None where nvidia-smi does not answer."""
        used = gpu_memory_mib("memory.used")
        return float(used[0]) if used else None


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def command(args, device, copies, threads, *extra):
    return [sys.executable, __file__, "--presentations", str(args.presentations), "--hidden", str(args.hidden),
            "--preset", args.preset, "--one", device, str(copies), str(threads), *extra]


def separate_runs(args, device, n, copies=1):
    """n runs of ``copies``-copy ensembles at once (one process each, one thread): their network-presentations/s
    together."""
    procs = [subprocess.Popen(command(args, device, copies, 0), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(n)]
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    return n * copies * args.presentations / max(r["wall_s"] for r in results)


def rounds(args, device, threads, cores):
    """Every configuration once per round, the rounds one after another: {configuration: [rate per round]}.

    This VM's speed drifts by tens of percent from minute to minute (other
    machines share its host), so a ratio is taken between measurements of
    the same round and the median over rounds is reported.
    """
    rates = {}

    def add(key, rate):
        rates.setdefault(key, []).append(rate)

    for r in range(args.repeats):
        print(f"round {r + 1} of {args.repeats}", file=sys.stderr, flush=True)
        add("single", run(command(args, device, 1, 0))["network_presentations_per_s"])
        if device == "cpp":
            add("separate", separate_runs(args, device, cores))
        for copies in args.copies:
            one = run(command(args, device, copies, 0))
            add(("one", copies), one["network_presentations_per_s"])
            add(("peak", copies), one["peak_mb"] / copies)
            add(("events", copies), one["events_per_s"])
            add(("build", copies), one["build_s"])
            for key in ("loop_us_per_step", "setup_s", "writeout_s", "loop_network_presentations_per_s"):
                add((key, copies), one[key])
            if one.get("gpu_peak_mb") is not None:
                add(("gpu", copies), one["gpu_peak_mb"] / copies)
            if threads:
                add(("threads", copies), run(command(args, device, copies, threads))["network_presentations_per_s"])
            if device == "cpp" and copies % cores == 0 and copies > cores:
                add(("split", copies), separate_runs(args, device, cores, copies // cores))
    return rates


def median_ratio(rates, top, bottom):
    return float(np.median(np.array(rates[top]) / np.array(rates[bottom])))


def profile_table(args, device, threads):
    """Share of the binary's time per code object, for 1 and 16 copies on 1 and ``threads`` threads."""
    columns = {}
    for copies in (1, 16):
        run(command(args, device, copies, 0, "--build-only", "--profile"))
        columns[f"K={copies} 1 thr"] = run(command(args, device, copies, 0, "--profile"))["profile"]
    run(command(args, device, 16, threads, "--build-only", "--profile"))
    columns[f"K=16 {threads} thr before"] = run(command(args, device, 16, threads, "--profile",
                                                        "--gomp-default"))["profile"]
    columns[f"K=16 {threads} thr"] = run(command(args, device, 16, threads, "--profile"))["profile"]
    shares = {label: {name: seconds / sum(profile.values()) for name, seconds in profile.items()}
              for label, profile in columns.items()}
    top = sorted({name for share in shares.values() for name in share},
                 key=lambda name: -max(share.get(name, 0) for share in shares.values()))[:12]
    print(f"\nshare of the binary's time per code object ({args.presentations} presentations per copy):")
    print(f"{'code object':<46}" + "".join(f"{label:>20}" for label in shares))
    for name in top:
        print(f"{name[:45]:<46}" + "".join(f"{100 * share.get(name, 0):>19.1f}%" for share in shares.values()))
    print(f"{'(the rest)':<46}" + "".join(f"{100 * (1 - sum(share.get(n, 0) for n in top)):>19.1f}%"
                                          for share in shares.values()))
    print(f"{'total seconds':<46}" + "".join(f"{sum(p.values()):>20.2f}" for p in columns.values()))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--copies", type=int, nargs="+", default=[1, 4, 16, 64])
    p.add_argument("--preset", default="main", help="the network: main (compact cells) or dendritic (ball-and-stick)")
    p.add_argument("--hidden", type=int, default=200)
    p.add_argument("--presentations", type=int, default=100, help="presentations per copy")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="OpenMP threads of the multi-thread column")
    p.add_argument("--device", default="cpp")
    p.add_argument("--no-profile", action="store_true", help="skip the profile table")
    p.add_argument("--repeats", type=int, help="rounds of measurements (default: 3 on cpp, 1 on cuda)")
    p.add_argument("--one", nargs=3, metavar=("DEVICE", "COPIES", "THREADS"), help=argparse.SUPPRESS)
    p.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--gomp-default", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--vary", choices=["grid", "same"], help="copies at the sweep's grid points (grid) or all at its "
                                                          "middle point (same); default: identical copies")
    p.add_argument("--save", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        return measure_one(args.one[0], int(args.one[1]), int(args.one[2]), args.presentations, args.hidden,
                           args.build_only, args.profile, args.gomp_default, args.preset, args.vary, args.save)
    if TARGETS[args.device].gpu:
        try:
            check_device(args.device)
        except DeviceError as error:
            sys.exit(f"cuda skipped: {error}")
        if not gpu_present():
            sys.exit("cuda skipped: no GPU found by nvidia-smi")
    gpu = TARGETS[args.device].gpu
    threads = args.threads if args.device == "cpp" else 0
    args.repeats = args.repeats or (1 if gpu else 3)
    print(f"{args.device}, {args.preset} preset: 1,568 visible, {args.hidden} hidden per copy; "
          f"{args.presentations} presentations per copy; "
          f"{os.cpu_count()} cores; multi-thread column: {threads} OpenMP threads")
    # on cpp, builds run first, each in a process of its own, so that no measurement competes with a compiler;
    # on cuda (binaries carried or built once) each configuration is one process, its build timed in it
    separate_build = args.device == "cpp"
    if separate_build:
        run(command(args, args.device, 1, 0, "--build-only"))
    core = None
    if gpu:  # the reference of the GPU's targets: one network on one CPU core
        run(command(args, "cpp", 1, 0, "--build-only"))
        core = run(command(args, "cpp", 1, 0))["network_presentations_per_s"]
        print(f"one network on one CPU core (cpp): {core:.1f} net-pres/s")
    build = {}
    for copies in args.copies if separate_build else ():
        build[copies] = run(command(args, args.device, copies, 0, "--build-only"))["build_s"]
        if threads:
            run(command(args, args.device, copies, threads, "--build-only"))
        if copies % os.cpu_count() == 0 and copies > os.cpu_count():  # the split column's K/cores copies
            run(command(args, args.device, copies // os.cpu_count(), 0, "--build-only"))
    cores = os.cpu_count()
    rates = rounds(args, args.device, threads, cores)
    build = build or {copies: rates[("build", copies)][0] for copies in args.copies}
    median = {key: float(np.median(values)) for key, values in rates.items()}
    print(f"medians of {args.repeats} rounds; each ratio is the median of its rounds' ratios; net-pres/s of the "
          f"binary's whole run (set-up and write-out included) and of its time-step loop alone (loop only)")
    print(f"separate single-network runs: one after another{' on 1 core' if threads else ''} "
          f"{median['single']:.1f} net-pres/s (rounds: {', '.join(f'{v:.1f}' for v in rates['single'])})"
          + (f"; {cores} at once on {cores} cores {median['separate']:.1f} net-pres/s" if 'separate' in median else ""))
    header = (f"{'K':>4} {'1 thread' if args.device == 'cpp' else args.device:>10} {'vs separate':>12} "
              f"{'loop only':>10} {'us/step':>9} {'set-up s':>9} {'write s':>8} "
              f"{'peak MB/copy':>13} {'build s':>8}"
              + (f" {f'{threads} threads':>11} {'vs 1 thread':>12} {f'{cores} x K/{cores} proc':>16} "
                 f"{'vs 1 thread':>12} {f'vs {cores} separate':>14}" if threads else "")
              + (f" {'vs 1 CPU core':>14} {'events/s':>10} {'GPU MB/copy':>12}" if core else ""))
    print(header)
    for copies in args.copies:
        line = (f"{copies:>4} {median[('one', copies)]:>10.1f} {median_ratio(rates, ('one', copies), 'single'):>11.2f}x "
                f"{median[('loop_network_presentations_per_s', copies)]:>10.1f} "
                f"{median[('loop_us_per_step', copies)]:>9.1f} {median[('setup_s', copies)]:>9.2f} "
                f"{median[('writeout_s', copies)]:>8.2f} "
                f"{median[('peak', copies)]:>13.1f} {build[copies]:>8.1f}")
        if threads:
            line += (f" {median[('threads', copies)]:>11.1f} "
                     f"{median_ratio(rates, ('threads', copies), ('one', copies)):>11.2f}x")
            if ("split", copies) in rates:
                line += (f" {median[('split', copies)]:>16.1f} "
                         f"{median_ratio(rates, ('split', copies), ('one', copies)):>11.2f}x "
                         f"{median_ratio(rates, ('split', copies), 'separate'):>13.2f}x")
            else:
                line += f" {'-':>16} {'-':>12} {'-':>14}"
        if core:
            gpu = median.get(("gpu", copies))
            line += (f" {median[('one', copies)] / core:>13.1f}x {median[('events', copies)]:>10.3g} "
                     f"{f'{gpu:.1f}' if gpu is not None else '-':>12}")
        print(line, flush=True)
    if not args.no_profile and threads:
        profile_table(args, args.device, threads)
    print(f"(peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
