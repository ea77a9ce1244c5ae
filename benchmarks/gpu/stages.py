"""The GPU script's stages (benchmarks/gpu/run.sh), one configuration per process.

    python benchmarks/gpu/stages.py versions OUT
    python benchmarks/gpu/stages.py calibrate OUT WORK [--build-only]      # launch, copy, sync, graph costs
    python benchmarks/gpu/stages.py devices OUT WORK [--dry-run]           # cuda(-graphs), cuda-stock, 1 core
    python benchmarks/gpu/stages.py delays OUT [--dry-run]                 # copies with their own delays
    python benchmarks/gpu/stages.py wide OUT [--dry-run]                   # 6,400 hidden: cuda, cpp 16 threads
    python benchmarks/gpu/stages.py chunk DEVICE WORK [--build-only]       # 500 presentations from one state
    python benchmarks/gpu/stages.py pairing DEVICE WORK [--build-only]     # the pairing window (dendritic)
    python benchmarks/gpu/stages.py learn cpp|cuda WORK [--build-only]     # 2,000 presentations from one seed
    python benchmarks/gpu/stages.py compare WORK OUT                        # equivalence.json, learning.csv
    python benchmarks/gpu/stages.py nsys OUT WORK                           # nsys profile --stats of a run
    python benchmarks/gpu/stages.py profile OUT WORK [--dry-run]            # profile builds and ncu (optional)

``cuda`` is brianmodel's CUDA device, ``cuda-graphs`` the same with each
step replayed as one CUDA graph, ``cuda-stock`` brian2cuda's as it is
(brianmodel.device.targets). Each configuration that builds a standalone
project runs in a process of its own, as the first project of that process:
Brian2 generates the first project of a process slightly differently (one
more line setting the clock's dt), and a binary carried from the machine
that compiled it (prebuild.py) is only used where the project generated here
matches the one it was compiled from. ``--build-only`` generates and compiles
(or finds the carried binary) and prints the build folder as JSON: what
prebuild.py and the dry run do. Every measured run reports the binary's
set-up, time-step loop and write-out apart (brianmodel.device.timing).
"""
import argparse
import csv
import glob
import json
import logging
import os
import platform
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ENSEMBLES = os.path.join(os.path.dirname(HERE), "ensembles.py")
CALIBRATE = os.path.join(HERE, "calibrate.cu")

CHUNK = 500  # the equivalence chunk (one chunk of 500 presentations at 200 hidden)
LEARNING, LEARNING_CHUNK = 2000, 100  # the learning curves: 2,000 presentations, a point every 100
# the devices stage, in order of importance: (label, device, copies, presentations); 200 hidden, main preset.
# 'cpu' is one network on one CPU core, the reference of every target. brian2cuda's K = 256 did not finish in
# 300 s at 100 presentations (docs/gpu.md), nor would its set-up at K = 1,024 (a map of 650 M pairs): not run.
# 'graphs-K' is brianmodel's device with each step captured as a CUDA graph (cuda-graphs).
DEVICE_RUNS = [("cpu", "cpp", 1, 100), ("cuda-1", "cuda", 1, 100), ("graphs-1", "cuda-graphs", 1, 100),
               ("stock-1", "cuda-stock", 1, 100), ("cuda-64", "cuda", 64, 100), ("graphs-64", "cuda-graphs", 64, 100),
               ("cuda-256", "cuda", 256, CHUNK), ("stock-64", "cuda-stock", 64, 100), ("cuda-1024", "cuda", 1024, 100),
               ("graphs-256", "cuda-graphs", 256, CHUNK)]
GPU_DEVICES = ("cuda", "cuda-graphs")  # brianmodel's, each checked against cpp (stage 6)
COPY_CHECK = ("cuda-1", "cuda-64")  # copy 0 of the ensemble against the same network alone (seed 0)
# copies with their own delays (the sweep's location x delay grid) against identical copies, one binary
DELAY_RUN = ("cuda", "dendritic", 27, 100)
# (label, device, threads, presentations) of one network at 6,400 hidden (threads 16 = the GPU machine's cores)
WIDE_RUNS = [("cuda", "cuda", 0, 100), ("cpp 16 threads", "cpp", 16, 50)]
WIDE_HIDDEN = 6400
# where a step's time goes (optional): brian2cuda's profile build of one network and of an ensemble of 64, and
# where ncu runs, the GPU time of the kernels of a window of launches
PROFILE_COPIES = (1, 64)
PROFILE_PRESENTATIONS = 10
NCU_SKIP, NCU_COUNT, NCU_TIMEOUT_S = 20000, 2000, 150
NSYS_TIMEOUT_S, NSYS_DURATION_S = 170, 20
PAIRING_PRESET = "dendritic"  # feedback synapses on the dendrite: both pathways delayed (brian2cuda issue #61)
# the targets of the issue "A CUDA device that pays" (docs/gpu.md)
TARGETS = {"loop_us_one_network": 60.0, "K256_vs_core": 50.0, "K1024_vs_core": 80.0, "delays_vs_same": 1.5,
           "wide_vs_16_threads": 5.0}


# -- one configuration per process ------------------------------------------------------
def _log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _binary_origin(build_dir):
    from brianmodel.device.standalone import binary_origin  # (brian2 is imported by the stage itself)
    return binary_origin(build_dir)


def _mnist_trainer(device, presentations, chunk_size):
    from brianmodel.datasets import load_dataset
    from brianmodel.mstdp import Trainer, preset
    from brianmodel.params.run import RunSettings
    settings = RunSettings(dataset="mnist", presentations=presentations, chunk_size=chunk_size, seed=0,
                           device=device)
    return Trainer([(preset("main"), settings)], load_dataset("mnist"))


def chunk(device, work, build_only):
    """One chunk of 500 presentations from the seed-0 state: per-presentation counts, spikes, W and Q after."""
    from brianmodel.device import Simulator
    trainer = _mnist_trainer(device, CHUNK, CHUNK)
    sim = Simulator(trainer.model, device, CHUNK)
    start = time.perf_counter()
    sim.prepare()
    prepared = time.perf_counter() - start
    if build_only:
        print(json.dumps({"build_dir": sim.build_dir, "build_s": prepared, "binary": _binary_origin(sim.build_dir)}))
        return
    states = trainer.initial_states()
    after, _, rows, activities = trainer.run_chunk(sim, states, 0)
    np.savez(os.path.join(work, f"chunk-{device}.npz"), W=after[0].W, Q=after[0].Q, **activities[0])
    with open(os.path.join(work, f"chunk-{device}.json"), "w") as f:
        json.dump({"metrics": rows[0], "wall_s": CHUNK / rows[0]["presentations_per_s"], "prepare_s": prepared},
                  f, default=float)
    _log(f"chunk on {device}: {rows[0]['presentations_per_s']:.1f} presentations/s")


def pairing(device, work, build_only):
    from brianmodel.mstdp import preset
    from brianmodel.protocols.pairing import PairingProtocol, run_pairing
    result = run_pairing(preset(PAIRING_PRESET), PairingProtocol(), device, run=not build_only)
    if build_only:
        print(json.dumps({"build_dir": result["build_dir"], "binary": _binary_origin(result["build_dir"])}))
        return
    np.savez(os.path.join(work, f"pairing-{device}.npz"),
             **{k: np.asarray(v) for k, v in result.items() if k not in ("params", "eta")})


def learn(device, work, build_only):
    from brianmodel.device import Simulator
    from brianmodel.mstdp import preset
    from brianmodel.params.run import RunSettings
    from brianmodel.training import train
    if build_only:  # the simulator train() makes
        trainer = _mnist_trainer(device, LEARNING, LEARNING_CHUNK)
        sim = Simulator(trainer.model, device, LEARNING_CHUNK)
        sim.prepare()
        print(json.dumps({"build_dir": sim.build_dir, "binary": _binary_origin(sim.build_dir)}))
        return
    out = os.path.join(work, f"learn-{device}")
    shutil.rmtree(out, ignore_errors=True)
    settings = RunSettings(dataset="mnist", presentations=LEARNING, chunk_size=LEARNING_CHUNK, seed=0, device=device)
    train(preset("main"), settings, out)


# -- reading what the processes wrote ------------------------------------------------------
def _same_spikes(a, b, name, n, period, dt):
    """Per presentation: are the (neuron, time step) spikes of ``name`` identical on both devices?"""
    same = np.zeros(n, bool)
    keys = []
    for d in (a, b):
        i, t = d[f"{name}_i"], d[f"{name}_t"]
        steps = np.round(t / dt).astype(np.int64)
        presentation = np.minimum((t // period).astype(int), n - 1)
        keys.append([set(zip(i[presentation == p].tolist(), steps[presentation == p].tolist())) for p in range(n)])
    for p in range(n):
        same[p] = keys[0][p] == keys[1][p]
    return same


def _difference(a, b):
    d = np.abs(np.asarray(a, float) - np.asarray(b, float))
    return {"max": float(d.max()), "mean": float(d.mean()), "identical_fraction": float(np.mean(d == 0))}


def compare(work, out):
    """equivalence.json (cuda and cuda-graphs against cpp: the chunk and the pairing window; an ensemble's copy
    against the network alone on cuda) and learning.csv."""
    from brianmodel.mstdp import preset
    params = preset("main")
    period, dt = float(params.presentation.duration), float(params.presentation.dt)
    report = {}
    for device in GPU_DEVICES:
        report.update(_compare_device(work, device, period, dt))
    report.update(_compare_copy(work))
    if report:  # (added to what an earlier call of the script found)
        path = os.path.join(out, "equivalence.json")
        _write_json(path, {**(json.load(open(path)) if os.path.exists(path) else {}), **report})
    _learning_csv(work, out)


def _compare_device(work, device, period, dt):
    """The chunk and the pairing window on ``device`` against cpp: {'chunk', 'pairing'} for cuda, with the
    device's name after them for another ('chunk-cuda-graphs')."""
    suffix = "" if device == "cuda" else f"-{device}"
    report = {}
    paths = [os.path.join(work, f"chunk-{d}.npz") for d in ("cpp", device)]
    if all(map(os.path.exists, paths)):
        a, b = (np.load(p) for p in paths)
        n = len(a["z"])
        counts = {name: float(np.mean(np.all(a[name] == b[name], axis=1))) for name in ("x", "x_hat", "z")}
        names = sorted(k[:-2] for k in a.files if k.endswith("_i"))
        spikes = {name: _same_spikes(a, b, name, n, period, dt) for name in names}
        all_same = np.logical_and.reduce([np.all(a[k] == b[k], axis=1) for k in ("x", "x_hat", "z")]
                                         + list(spikes.values()))
        first = int(np.argmin(all_same)) if not all_same.all() else None
        metrics = {d: json.load(open(os.path.join(work, f"chunk-{d}.json"))) for d in ("cpp", device)}
        report["chunk" + suffix] = {
            "presentations": n,
            "identical_counts_fraction": counts,
            "identical_spike_trains_fraction": {k: float(v.mean()) for k, v in spikes.items()},
            "identical_presentations_fraction": float(all_same.mean()),
            "first_differing_presentation": first,
            "W": _difference(a["W"], b["W"]), "Q": _difference(a["Q"], b["Q"]),
            "metrics": {d: metrics[d]["metrics"] for d in metrics},
            "wall_s": {d: metrics[d]["wall_s"] for d in metrics}}
    paths = [os.path.join(work, f"pairing-{d}.npz") for d in ("cpp", device)]
    if all(map(os.path.exists, paths)):
        a, b = (np.load(p) for p in paths)
        report["pairing" + suffix] = {"preset": PAIRING_PRESET, "lags": len(a["lag_ms"])}
        for pathway in ("feedforward", "feedback"):
            change = a[f"{pathway}_change"]
            report["pairing" + suffix][pathway] = {
                "largest_change": float(np.abs(change).max()),
                "cuda_minus_cpp_max": float(np.abs(b[f"{pathway}_change"] - change).max()),
                "cpp_minus_configured_max": float(np.abs(change - a[f"{pathway}_configured"]).max()),
                "cuda_minus_configured_max": float(np.abs(b[f"{pathway}_change"] - a[f"{pathway}_configured"]).max())}
    return report


def _compare_copy(work):
    """Copy 0 of an ensemble against the same network alone (cuda): {'copy'}, or nothing yet."""
    report = {}
    paths = [os.path.join(work, f"copy-{label}.npz") for label in COPY_CHECK]
    if all(map(os.path.exists, paths)):  # copy 0 of an ensemble against the same network alone (cuda)
        a, b = (np.load(p) for p in paths)
        same = np.logical_and.reduce([np.all(a[k] == b[k], axis=1) for k in ("x", "x_hat", "z")])
        report["copy"] = {
            "runs": list(COPY_CHECK), "presentations": len(same),
            "identical_counts_fraction": {k: float(np.mean(np.all(a[k] == b[k], axis=1))) for k in ("x", "x_hat", "z")},
            "identical_presentations_fraction": float(same.mean()),
            "first_differing_presentation": int(np.argmin(same)) if not same.all() else None,
            "W": _difference(a["W"], b["W"]), "Q": _difference(a["Q"], b["Q"])}
    return report


def _learning_csv(work, out):
    rows = []
    for device in ("cpp", "cuda"):
        path = os.path.join(work, f"learn-{device}", "metrics.csv")
        if os.path.exists(path):
            with open(path) as f:
                rows += [{"device": device, **row} for row in csv.DictReader(f)]
    if rows:
        with open(os.path.join(out, "learning.csv.part"), "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        os.replace(os.path.join(out, "learning.csv.part"), os.path.join(out, "learning.csv"))


def _write_json(path, value):
    with open(path + ".part", "w") as f:
        json.dump(value, f, indent=1, default=float)
    os.replace(path + ".part", path)


# -- measurements (benchmarks/ensembles.py --one, a process each) -------------------------------
def _one_command(device, copies, threads, hidden, presentations, *extra):
    return [sys.executable, ENSEMBLES, "--presentations", str(presentations), "--hidden", str(hidden),
            "--one", device, str(copies), str(threads), *extra]


def _one(device, copies, threads, hidden, presentations, build_only=False, *extra):
    command = _one_command(device, copies, threads, hidden, presentations,
                           *(["--build-only"] if build_only else []), *extra)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"{command} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _record(out, name, results, table):
    _write_json(os.path.join(out, f"{name}.json"), results)
    _write_text(os.path.join(out, f"{name}.txt"), table(results))


def _measure(label, device, copies, threads, hidden, presentations, dry_run, *extra):
    """One configuration's JSON (ensembles.py --one): measured, or on a dry run built only when it is a CUDA one
    (the cpp ones run here too); {'error': why} when it failed."""
    try:
        if dry_run and device != "cpp":
            built = _one(device, copies, threads, hidden, presentations, True, *extra)
            result = {"binary": built["binary"], "build_dir": built["build_dir"], "built_only": True}
        else:
            result = _one(device, copies, threads, hidden, presentations, False, *extra)
    except RuntimeError as error:  # (the other configurations may still run)
        result = {"error": str(error)}
    _log(f"{label}: " + (result.get("error") or result.get("binary", "") if "wall_s" not in result else
                         f"{result['loop_us_per_step']:.1f} us/step, set-up {result['setup_s']:.2f} s, "
                         f"{result['network_presentations_per_s']:.1f} net-pres/s"))
    return {**result, "device": device, "copies": copies, "threads": threads, "hidden": hidden,
            "presentations": presentations}


def devices(out, work, dry_run, runs=None):
    """devices.json and devices.txt: one network and ensembles on brianmodel's device (cuda) and on brian2cuda's
    (cuda-stock) against one network on one CPU core, the loop, set-up and write-out apart (DEVICE_RUNS, or those
    of them labelled ``runs``: added to an earlier call's); copy 0 of COPY_CHECK's runs saved for the equivalence
    of an ensemble's copy and the network alone."""
    path = os.path.join(out, "devices.json")
    results = json.load(open(path)) if runs and os.path.exists(path) else {}
    for label, device, copies, presentations in DEVICE_RUNS:
        if runs and label not in runs:
            continue
        extra = ["--save", os.path.join(work, f"copy-{label}.npz")] if label in COPY_CHECK else []
        results[label] = _measure(label, device, copies, 0, 200, presentations, dry_run, *extra)
        _record(out, "devices", {key: results[key] for key, *_ in DEVICE_RUNS if key in results}, devices_table)


def _rate_at(r, presentations):
    """Network-presentations/s of a chunk of ``presentations`` from a run of another length: the loop scaled,
    set-up, write-out and the process's start as measured."""
    fixed = r["wall_s"] - r["loop_s"]
    return r["copies"] * presentations / (fixed + r["loop_s"] * presentations / r["presentations"])


def devices_table(results):
    cpu = results.get("cpu", {})
    core = cpu.get("network_presentations_per_s")
    core500 = _rate_at(cpu, 500) if core else None
    lines = ["one network (200 hidden, main preset) and ensembles of it; net-pres/s: network-presentations per "
             "second of the binary's whole run (set-up and write-out included) and of its loop alone; "
             "x core: against one network on one CPU core (cpp, whole run); at 500: both for a chunk of 500 "
             "presentations (each loop scaled from its run's)",
             f"{'run':<12} {'device':<10} {'K':>5} {'pres':>5} {'us/step':>9} {'set-up s':>9} {'write s':>8} "
             f"{'binary s':>9} {'net-pres/s':>11} {'loop only':>10} {'x core':>8} {'at 500':>8} {'GPU MB/copy':>12}"
             f"  binary"]
    for label, r in results.items():
        head = f"{label:<12} {r['device']:<10} {r['copies']:>5} {r['presentations']:>5}"
        if "wall_s" not in r:
            lines.append(f"{head}  {r.get('error') or 'built only: ' + r.get('binary', '?')}")
            continue
        at500 = _rate_at(r, 500) / core500 if core else None
        gpu = r.get("gpu_peak_mb")
        lines.append(f"{head} {r['loop_us_per_step']:>9.1f} {r['setup_s']:>9.2f} {r['writeout_s']:>8.2f} "
                     f"{r['binary_s']:>9.2f} {r['network_presentations_per_s']:>11.1f} "
                     f"{r['loop_network_presentations_per_s']:>10.1f} "
                     + (f"{r['network_presentations_per_s'] / core:>7.2f}x {at500:>7.2f}x" if core else f"{'-':>17}")
                     + f" {gpu / r['copies'] if gpu is not None else float('nan'):>12.1f}  {r['binary']}")
    for label, r in results.items():
        for line in r.get("setup_lines", []):
            lines.append(f"  {label} set-up: {line}")
    return "\n".join(lines) + "\n"


def delays(out, dry_run):
    """delays.json and delays.txt: an ensemble whose copies have their own delays and feedback locations (the
    sweep's grid) against the same binary's copies all at one point (DELAY_RUN)."""
    device, preset, copies, presentations = DELAY_RUN
    results = {}
    for vary in ("same", "grid"):
        results[vary] = _measure(f"{preset} K={copies} {vary}", device, copies, 0, 200, presentations, dry_run,
                                 "--preset", preset, "--vary", vary)
        _record(out, "delays", results, delays_table)


def delays_table(results):
    lines = [f"{DELAY_RUN[2]} copies of the {DELAY_RUN[1]} network on {DELAY_RUN[0]}, {DELAY_RUN[3]} presentations: "
             "'same' every copy at the sweep grid's middle point, 'grid' each copy at its own point (feedback "
             "location, feedforward and feedback delays): one binary",
             f"{'copies':<8} {'us/step':>9} {'set-up s':>9} {'net-pres/s':>11}  binary"]
    for vary, r in results.items():
        if "wall_s" in r:
            lines.append(f"{vary:<8} {r['loop_us_per_step']:>9.1f} {r['setup_s']:>9.2f} "
                         f"{r['network_presentations_per_s']:>11.1f}  {r['binary']}")
        else:
            lines.append(f"{vary:<8}  {r.get('error') or 'built only: ' + r.get('binary', '?')}")
    if all("wall_s" in results.get(k, {}) for k in ("same", "grid")):
        lines.append(f"grid / same, time per step: "
                     f"{results['grid']['loop_us_per_step'] / results['same']['loop_us_per_step']:.2f}x")
    return "\n".join(lines) + "\n"


def wide(out, dry_run):
    """wide.json and wide.txt: one network of WIDE_HIDDEN hidden units on cuda and on cpp with 16 threads."""
    results = {}
    for label, device, threads, presentations in WIDE_RUNS:
        threads = min(threads, os.cpu_count())
        results[label] = _measure(label, device, 1, threads, WIDE_HIDDEN, presentations, dry_run)
        _record(out, "wide", results, wide_table)


def wide_table(results):
    lines = [f"one network of {WIDE_HIDDEN} hidden units (main preset); net-pres/s of the whole run and of the loop",
             f"{'run':<16} {'pres':>5} {'us/step':>9} {'set-up s':>9} {'net-pres/s':>11} {'loop only':>10}  binary"]
    for label, r in results.items():
        if "wall_s" in r:
            lines.append(f"{label:<16} {r['presentations']:>5} {r['loop_us_per_step']:>9.1f} {r['setup_s']:>9.2f} "
                         f"{r['network_presentations_per_s']:>11.2f} {r['loop_network_presentations_per_s']:>10.2f}"
                         f"  {r['binary']}")
        else:
            lines.append(f"{label:<16}  {r.get('error') or 'built only: ' + r.get('binary', '?')}")
    gpu, cpu = (results.get(label, {}) for label, *_ in WIDE_RUNS)
    if "wall_s" in gpu and "wall_s" in cpu:
        whole = gpu["network_presentations_per_s"] / cpu["network_presentations_per_s"]
        loops = gpu["loop_network_presentations_per_s"] / cpu["loop_network_presentations_per_s"]
        lines.append(f"cuda / cpp 16 threads: {whole:.2f}x (loops: {loops:.2f}x)")
    return "\n".join(lines) + "\n"


def targets(out):
    """targets.txt: each target of docs/gpu.md met or missed, from what the stages wrote into ``out``."""
    def load(name):
        path = os.path.join(out, f"{name}.json")
        return json.load(open(path)) if os.path.exists(path) else {}

    devices_, delays_, wide_ = load("devices"), load("delays"), load("wide")
    cpu = devices_.get("cpu", {})
    core = _rate_at(cpu, 500) if "wall_s" in cpu else None  # one CPU core, a chunk of 500 presentations
    rows = []

    def row(name, value, target, better, unit):
        if value is None:
            rows.append(f"{name}: not measured")
        else:
            met = value <= target if better == "below" else value >= target
            rows.append(f"{name}: {value:.2f}{unit} (target {'<=' if better == 'below' else '>='} {target}{unit}): "
                        f"{'met' if met else 'MISSED'}")

    for device, prefix in (("cuda", "cuda"), ("cuda-graphs", "graphs")):
        one = devices_.get(f"{prefix}-1", {})
        row(f"one network's loop, us per step ({device})", one.get("loop_us_per_step"),
            TARGETS["loop_us_one_network"], "below", "")
    for device, prefix in (("cuda", "cuda"), ("cuda-graphs", "graphs")):
        k256 = devices_.get(f"{prefix}-256", {})
        row(f"K = 256 against one CPU core, 500-presentation chunk, set-up included ({device})",
            _rate_at(k256, 500) / core if core and "wall_s" in k256 else None, TARGETS["K256_vs_core"], "above", "x")
    k1024 = devices_.get("cuda-1024", {})
    row("K = 1,024 against one CPU core, 500 presentations (loop scaled from 100), set-up included",
        _rate_at(k1024, 500) / core if core and "wall_s" in k1024 else None, TARGETS["K1024_vs_core"], "above", "x")
    same, grid = delays_.get("same", {}), delays_.get("grid", {})
    row("per-copy delays against identical copies, time per step",
        grid["loop_us_per_step"] / same["loop_us_per_step"] if "wall_s" in same and "wall_s" in grid else None,
        TARGETS["delays_vs_same"], "below", "x")
    gpu, cpu = (wide_.get(label, {}) for label, *_ in WIDE_RUNS)
    row(f"{WIDE_HIDDEN} hidden against cpp on 16 threads",
        gpu["network_presentations_per_s"] / cpu["network_presentations_per_s"]
        if "wall_s" in gpu and "wall_s" in cpu else None, TARGETS["wide_vs_16_threads"], "above", "x")
    _write_text(os.path.join(out, "targets.txt"), "\n".join(rows) + "\n")


def calibrate(out, work, build_only):
    """calibration.txt: what a launch, a launch and a synchronisation, a 4-byte copy (pageable, pinned), a thrust
    resize, brian2cuda's quiet step, brianmodel's step and each as one CUDA graph cost on this GPU
    (calibrate.cu, compiled by prebuild.py and carried, or here)."""
    binary = os.path.join(work, "calibrate")
    carried = os.path.join(os.path.dirname(os.path.dirname(HERE)), ".gpu", "calibrate")
    if os.path.exists(carried):
        shutil.copy2(carried, binary)
    else:
        from brianmodel.device.cuda import environment_compute_capability
        compile_calibration(binary, environment_compute_capability(None) or 9.0)
    if build_only:
        print(json.dumps({"binary": binary}))
        return
    done = subprocess.run([binary], capture_output=True, text=True, timeout=120)
    _write_text(os.path.join(out, "calibration.txt"), done.stdout + (done.stderr if done.returncode else ""))
    print(done.stdout)


def compile_calibration(binary, compute_capability):
    """Compile calibrate.cu for the GPU generation ``compute_capability`` (e.g. 9.0) into ``binary``."""
    from brianmodel.device.cuda import cuda_toolkit
    subprocess.run([os.path.join(cuda_toolkit(), "bin", "nvcc"), "-O2", "-std=c++17",
                    f"-arch=sm_{int(round(float(compute_capability) * 10))}", CALIBRATE, "-o", binary], check=True)


def nsys(out, work):
    """nsys.txt: Nsight Systems' summary (kernels' GPU time, CUDA API calls) of brianmodel's device running one
    network and an ensemble of 64 (100 presentations; at most NSYS_DURATION_S s of each recorded)."""
    found = [shutil.which("nsys")] + sorted(glob.glob("/opt/nvidia/nsight-systems/*/bin/nsys")) + \
        sorted(glob.glob("/usr/local/cuda*/bin/nsys"))
    tool = next((path for path in found if path), None)
    if tool is None:
        _write_text(os.path.join(out, "nsys.txt"), "nsys not found on this machine\n")
        return
    text = []
    for copies in (1, 64):
        report = os.path.join(work, f"nsys-K{copies}")
        command = [tool, "profile", "--stats=true", "--trace=cuda", "--sample=none", "--cpuctxsw=none",
                   f"--duration={NSYS_DURATION_S}", "--force-overwrite=true", "-o", report,
                   *_one_command("cuda", copies, 0, 200, 100)]
        try:
            done = _run_group(command, NSYS_TIMEOUT_S)
            text.append(f"== K={copies}: nsys exit {done.returncode}\n{done.stdout[-20000:]}\n{done.stderr[-3000:]}")
        except subprocess.TimeoutExpired:
            text.append(f"== K={copies}: nsys ran past {NSYS_TIMEOUT_S} s")
        _write_text(os.path.join(out, "nsys.txt"), "\n".join(text) + "\n")


# -- where a step's time goes ---------------------------------------------------------------------
def profile(out, work, dry_run):
    """profile.txt and profile.json: per code object, the host time of brian2cuda's profile build (each code
    object's kernels launched, synchronised and timed) and, where ncu runs, its kernels' own time on the GPU,
    per time step, for one network and for an ensemble of 64. On a dry run the profile builds are built only."""
    results = {}
    for copies in PROFILE_COPIES:
        if dry_run:
            built = _one("cuda", copies, 0, 200, PROFILE_PRESENTATIONS, True, "--profile")
            results[copies] = {"binary": built["binary"], "build_dir": built["build_dir"]}
            _log(f"profile build K={copies}: {built['binary']}")
            continue
        try:
            run = _one("cuda", copies, 0, 200, PROFILE_PRESENTATIONS, False, "--profile")
        except RuntimeError as error:  # (the other ensemble size may still run)
            _log(f"profile K={copies} failed: {error}")
            continue
        kernels, window_steps, error = _ncu(copies, work)
        results[copies] = {"steps": run["steps"], "wall_s": run["wall_s"], "code_objects": run["profile"],
                           "kernels": kernels, "ncu_window_steps": window_steps, "ncu": error or "ran"}
        _write_json(os.path.join(out, "profile.json"), results)
        _write_text(os.path.join(out, "profile.txt"), profile_table(results))
        _log(f"profile K={copies}: {run['wall_s']:.1f} s; ncu: {error or 'ran'}")
    if dry_run:
        _write_text(os.path.join(out, "profile.txt"), "dry run: profile builds built only\n" + "".join(
            f"K={k}: {r['binary']} in {r['build_dir']}\n" for k, r in results.items()))


def _ncu(copies, work):
    """The GPU time of each kernel of NCU_COUNT launches after NCU_SKIP, from Nsight Compute:
    ({kernel: {"launches", "seconds"}}, the time steps the window covers, None) or ({}, None, why not)."""
    found = [shutil.which("ncu")] + sorted(glob.glob("/opt/nvidia/nsight-compute/*/ncu")) + \
        sorted(glob.glob("/usr/local/cuda*/bin/ncu"))
    ncu = next((path for path in found if path), None)
    if ncu is None:
        return {}, None, "ncu not found"
    report = os.path.join(work, f"ncu-K{copies}")
    command = [ncu, "--target-processes", "all", "--metrics", "gpu__time_duration.sum", "--launch-skip",
               str(NCU_SKIP), "--launch-count", str(NCU_COUNT), "--cache-control", "none", "--clock-control", "none",
               "-f", "-o", report, *_one_command("cuda", copies, 0, 200, PROFILE_PRESENTATIONS, "--profile")]
    try:
        done = _run_group(command, NCU_TIMEOUT_S)
        if done.returncode == 0:
            done = subprocess.run([ncu, "--import", report + ".ncu-rep", "--csv", "--print-units", "base"],
                                  capture_output=True, text=True, timeout=60,
                                  env=dict(os.environ, LC_ALL="C"))  # (numbers as 1,234.5, not 1.234,5)
    except subprocess.TimeoutExpired:
        return {}, None, f"ncu ran past {NCU_TIMEOUT_S} s"
    if done.returncode != 0:
        lines = (done.stderr + done.stdout).strip().splitlines()
        return {}, None, f"ncu failed: {lines[-1] if lines else done.returncode}"
    try:
        kernels = ncu_kernel_times(done.stdout)
    except ValueError as error:
        return {}, None, str(error)
    if not kernels:
        return {}, None, "ncu reported no kernel"
    # the visible neurons' update runs once per step
    steps = next((k["launches"] for name, k in kernels.items() if "visible_stateupdater_codeobject" in name),
                 max(k["launches"] for k in kernels.values()))
    return kernels, steps, None


def _run_group(command, timeout):
    """subprocess.run, but a timeout ends the command's children too (ncu's python, its binary on the GPU)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


SECONDS_PER = {"nsecond": 1e-9, "ns": 1e-9, "usecond": 1e-6, "us": 1e-6, "msecond": 1e-3, "ms": 1e-3,
               "second": 1.0, "s": 1.0}


def ncu_kernel_times(text):
    """{kernel: {"launches": n, "seconds": total GPU time}} from ncu's CSV (details page: a row per kernel launch and
    metric); ncu's own lines (==PROF==, ==WARNING==) and the application's output before the header are skipped."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith('"ID"')), None)
    kernels = {}
    if start is None:
        return kernels
    for row in csv.DictReader(lines[start:]):
        if row.get("Metric Name") != "gpu__time_duration.sum":
            continue
        unit = SECONDS_PER.get(row.get("Metric Unit", "").strip())
        if unit is None:
            raise ValueError(f"ncu: unknown unit {row.get('Metric Unit')!r} of gpu__time_duration.sum")
        name = row["Kernel Name"].split("(")[0].strip()
        kernel = kernels.setdefault(name, {"launches": 0, "seconds": 0.0})
        kernel["launches"] += 1
        kernel["seconds"] += float(row["Metric Value"].replace(",", "")) * unit
    return kernels


def code_object_of(kernel, code_objects):
    """The code object a brian2cuda kernel belongs to (_run_kernel_X, _advance_kernel_X, kernel_X...): the longest
    code object name in the kernel's name; the kernel's own name when none is."""
    matches = [name for name in code_objects if name in kernel]
    return max(matches, key=len) if matches else kernel


def profile_table(results):
    """Microseconds per time step per code object: host (profile build) and GPU (ncu) for each ensemble size."""
    columns = []
    for copies, r in sorted(results.items()):
        gpu = {}
        for kernel, k in r["kernels"].items():
            name = code_object_of(kernel, r["code_objects"])
            g = gpu.setdefault(name, [0.0, 0])
            g[0] += k["seconds"] / r["ncu_window_steps"]
            g[1] += k["launches"] / r["ncu_window_steps"]
        host = {name: seconds / r["steps"] for name, seconds in r["code_objects"].items()}
        columns.append((copies, r, host, gpu))
    names = sorted({n for _, _, host, gpu in columns for n in (*host, *gpu)},
                   key=lambda n: -max(max(host.get(n, 0), gpu.get(n, (0, 0))[0]) for _, _, host, gpu in columns))
    lines = [f"where a time step's time goes on cuda: 200 hidden per copy, {PROFILE_PRESENTATIONS} presentations per "
             "copy; microseconds per time step",
             "host: brian2cuda's profile build, each code object launched, synchronised and timed on the host, over "
             "the whole run",
             f"GPU: its kernels' own time (Nsight Compute, gpu__time_duration) over {NCU_COUNT} kernel launches after "
             f"the first {NCU_SKIP}; launches: kernel launches per step in that window",
             f"{'code object':<52}" + "".join(f"{f'K={c} host':>12}{f'K={c} GPU':>11}{'launches':>9}"
                                            for c, *_ in columns)]
    for name in names:
        lines.append(f"{name[:51]:<52}" + "".join(
            f"{1e6 * host.get(name, 0):>12.1f}" + (f"{1e6 * gpu[name][0]:>11.1f}{gpu[name][1]:>9.2f}"
                                                    if name in gpu else f"{'-':>11}{'-':>9}")
            for _, _, host, gpu in columns))
    lines.append(f"{'all code objects':<52}" + "".join(
        f"{1e6 * sum(host.values()):>12.1f}" + (f"{1e6 * sum(g[0] for g in gpu.values()):>11.1f}"
                                                f"{sum(g[1] for g in gpu.values()):>9.1f}" if gpu else f"{'-':>20}")
        for _, _, host, gpu in columns))
    wall = "the profile build's run (start-up included)"
    lines.append(f"{wall:<52}"
                 + "".join(f"{1e6 * r['wall_s'] / r['steps']:>12.1f}{'':>20}" for _, r, *_ in columns))
    for copies, r, *_ in columns:
        lines.append(f"K={copies}: {r['steps']} steps; ncu: {r['ncu']}"
                     + (f", window of about {r['ncu_window_steps']} steps" if r["ncu_window_steps"] else ""))
    return "\n".join(lines) + "\n"


def _write_text(path, text):
    with open(path + ".part", "w") as f:
        f.write(text)
    os.replace(path + ".part", path)


def _quiet():
    """brianmodel's progress (and which binary runs) on stderr; Brian2's INFO lines (every preference) not."""
    from brian2.utils.logger import BrianLogger
    if BrianLogger.console_handler is not None:
        BrianLogger.console_handler.setLevel(logging.WARNING)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(message)s", "%H:%M:%S"))
    logging.getLogger("brianmodel").addHandler(handler)
    logging.getLogger("brianmodel").setLevel(logging.INFO)


# -- versions ---------------------------------------------------------------------------------
def _command(*args):
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=60)
        return (done.stdout + done.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"({args[0]}: {error})"


def versions(out):
    from importlib.metadata import PackageNotFoundError, version
    lines = [f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}", f"host: {platform.node()}, {os.cpu_count()} cores, "
             f"{platform.processor() or platform.machine()}", f"python: {sys.version.split()[0]} ({sys.executable})"]
    for name in ("brian2", "brian2cuda", "numpy", "sympy", "jinja2", "mlxtend", "scipy"):
        try:
            lines.append(f"{name}: {version(name)}")
        except PackageNotFoundError:
            lines.append(f"{name}: not installed")
    lines.append("nvidia-smi: " + _command("nvidia-smi", "--query-gpu=name,memory.total,driver_version,clocks.max.sm",
                                           "--format=csv,noheader"))
    lines.append("nvcc: " + _command("nvcc", "--version").splitlines()[-1] if shutil.which("nvcc") else "nvcc: none")
    for tool in ("g++", "make"):
        lines.append(f"{tool}: " + (_command(tool, "--version").splitlines()[0] if shutil.which(tool) else "none"))
    cpu = [line.split(":", 1)[1].strip() for line in _command("lscpu").splitlines() if line.startswith("Model name")]
    lines.append(f"cpu: {cpu[0] if cpu else '?'}")
    _write_text(os.path.join(out, "versions.txt"), "\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stage", choices=["versions", "calibrate", "devices", "delays", "wide", "chunk", "pairing", "learn",
                                     "compare", "targets", "nsys", "profile"])
    p.add_argument("args", nargs="*")
    p.add_argument("--build-only", action="store_true")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--runs", nargs="*", help="devices: only these of DEVICE_RUNS (e.g. cuda-1024 stock-64)")
    args = p.parse_args(argv)
    _quiet()
    if args.stage in ("chunk", "pairing", "learn"):
        device, work = args.args
        os.makedirs(work, exist_ok=True)
        {"chunk": chunk, "pairing": pairing, "learn": learn}[args.stage](device, work, args.build_only)
    elif args.stage == "calibrate":
        calibrate(*args.args, args.build_only)
    elif args.stage == "devices":
        devices(*args.args, args.dry_run, args.runs)
    elif args.stage == "profile":
        profile(*args.args, args.dry_run)
    elif args.stage in ("delays", "wide"):
        {"delays": delays, "wide": wide}[args.stage](args.args[0], args.dry_run)
    elif args.stage == "compare":
        compare(*args.args)
    elif args.stage == "targets":
        targets(args.args[0])
    elif args.stage == "nsys":
        nsys(*args.args)
    else:
        versions(args.args[0])


if __name__ == "__main__":
    main()
