"""Presentations/s, synaptic events/s and peak memory against hidden-layer size, per device.

    python benchmarks/scaling.py [--hidden 100 400 1600 6400] [--threads N] [--presentations 20]

Configurations: runtime (Cython; the smallest size only), cpp with one thread,
cpp with OpenMP (all cores), cuda when brian2cuda, nvcc and a GPU are present
(otherwise skipped, with the reason). Every configuration runs in its own
process so that peak memory (the simulation process's maximum resident set;
for standalone devices the binary's) is its own. The network is the `main`
preset on the bundled digits with the feedback gain scaled by 200 / n_hidden,
so that the feedback drive per visible neuron stays that of the 200-unit
network. Rates exclude compilation (build s: a fresh build, or the check of an
existing one); ratios are against cpp with one thread. pres/s counts the
binary's whole run; for standalone devices the loop's own rate (loop pres/s),
its microseconds per time step and the set-up's and write-out's seconds
follow (brianmodel.device.timing).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

from brian2 import prefs

from brianmodel.analysis import synaptic_events
from brianmodel.datasets import load_mnist_bundled
from brianmodel.device import Simulator, check_device, gpu_present
from brianmodel.errors import DeviceError
from brianmodel.mstdp import Model, preset
from brianmodel.schedule import presentation_order

PEAK_WRAPPER = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
                "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
                "sys.exit(code)")


def network_params(n_hidden):
    base = preset("main")
    return base.with_overrides(architecture={"n_hidden": n_hidden},
                               connections={"g_feedback": base.connections.g_feedback * 200 / n_hidden})


def measure_one(device, n_hidden, threads, presentations, build_only=False):
    """Run in a fresh process: one configuration, printed as JSON.

    Standalone builds happen in an earlier process (``build_only``), so that
    the compiler's memory does not count as the binary's peak.
    """
    params = network_params(n_hidden)
    X = load_mnist_bundled().visible_intensities()
    stimulus = X[presentation_order(len(X), presentations, seed=0)]
    model = Model(params, X.shape[1])
    state = model.initial_state(seed=0)
    sim = Simulator(model, device, presentations, threads=threads)
    start = time.perf_counter()
    if device == "runtime":
        Simulator(model, device, 1).run_chunk(state, stimulus[:1])  # code generation, Cython compilation
    else:
        sim.prepare()
    build = time.perf_counter() - start
    if build_only:
        print(json.dumps({"build_s": build}))
        return
    if device != "runtime":
        # wrap the binary to read its own peak memory (make and the compiler are children too)
        peak_file = os.path.join(sim.build_dir, f"peak-{os.getpid()}")
        prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, "-c", PEAK_WRAPPER, peak_file, "./main"]
    result = sim.run_chunk(state, stimulus)
    arch = params.architecture
    events = synaptic_events(result.spikes, X.shape[1], n_hidden, arch.n_visible_pool, arch.n_hidden_pool)
    if device == "runtime":
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    else:
        with open(peak_file) as f:
            peak_mb = int(f.read()) / 1024
        os.remove(peak_file)
    timing = result.timing.as_dict() if result.timing else {}
    steps = presentations * round(float(params.presentation.duration / params.presentation.dt))
    print(json.dumps({"presentations_per_s": presentations / result.wall_time, "events_per_s": events / result.wall_time,
                      "peak_mb": peak_mb, "build_s": build, "events_per_presentation": events / presentations,
                      "loop_presentations_per_s": presentations / timing["loop_s"] if timing else None,
                      "loop_us_per_step": 1e6 * timing["loop_s"] / steps if timing else None,
                      "setup_s": timing.get("setup_s"), "writeout_s": timing.get("writeout_s")}))


def gpu_status():
    """(usable, reason)."""
    try:
        check_device("cuda")  # brian2cuda and the toolkit
    except DeviceError as error:
        return False, str(error)
    return (True, "GPU present") if gpu_present() else (False, "no GPU found by nvidia-smi")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hidden", type=int, nargs="+", default=[100, 400, 1600, 6400])
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="OpenMP threads of the cpp-openmp column")
    p.add_argument("--presentations", type=int, default=20)
    p.add_argument("--one", nargs=3, metavar=("DEVICE", "HIDDEN", "THREADS"), help=argparse.SUPPRESS)
    p.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        return measure_one(args.one[0], int(args.one[1]), int(args.one[2]), args.presentations, args.build_only)

    gpu, reason = gpu_status()
    configs = [("cpp", 0), ("cpp", args.threads), ("runtime", 0)] + ([("cuda", 0), ("cuda-stock", 0)] if gpu else [])
    print(f"hidden sizes {args.hidden}; {args.presentations} presentations each; 1,568 visible; "
          f"cpu cores {os.cpu_count()}; cuda: {'yes, ' + reason if gpu else 'skipped: ' + reason}")
    header = (f"{'hidden':>7} {'device':<16} {'pres/s':>9} {'events/s':>10} {'peak MB':>8} {'build s':>8} {'vs cpp-1':>9}"
              f" {'loop pres/s':>12} {'us/step':>9} {'set-up s':>9} {'write s':>8}")
    print(header)
    for n_hidden in args.hidden:
        reference = None
        for device, threads in configs:
            if device == "runtime" and n_hidden != min(args.hidden):
                continue
            label = device if device != "cpp" else ("cpp-1" if threads == 0 else f"cpp-omp{threads}")
            cmd = [sys.executable, __file__, "--presentations", str(args.presentations), "--one", device,
                   str(n_hidden), str(threads)]
            build_s = None
            if device != "runtime":
                built = subprocess.run(cmd + ["--build-only"], capture_output=True, text=True)
                build_s = json.loads(built.stdout.strip().splitlines()[-1])["build_s"] if built.returncode == 0 else None
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode != 0:
                print(f"{n_hidden:>7} {label:<16} failed: {run.stderr.strip().splitlines()[-1] if run.stderr else '?'}")
                continue
            r = json.loads(run.stdout.strip().splitlines()[-1])
            r["build_s"] = build_s if build_s is not None else r["build_s"]
            if label == "cpp-1":
                reference = r["presentations_per_s"]
            ratio = f"{r['presentations_per_s'] / reference:.2f}x" if reference else "-"
            parts = ("-" if r.get(key) is None else f"{r[key]:.2f}" for key in ("loop_presentations_per_s",
                                                                             "loop_us_per_step", "setup_s",
                                                                             "writeout_s"))
            print(f"{n_hidden:>7} {label:<16} {r['presentations_per_s']:>9.2f} {r['events_per_s']:>10.3g} "
                  f"{r['peak_mb']:>8.0f} {r['build_s']:>8.1f} {ratio:>9} "
                  + " ".join(f"{part:>{width}}" for part, width in zip(parts, (12, 9, 9, 8))), flush=True)


if __name__ == "__main__":
    main()
