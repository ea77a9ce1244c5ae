"""The GPU script's stages (benchmarks/gpu/run.sh), one configuration per process.

    python benchmarks/gpu/stages.py versions OUT
    python benchmarks/gpu/stages.py chunk cpp|cuda WORK [--build-only]     # 500 presentations from one state
    python benchmarks/gpu/stages.py pairing cpp|cuda WORK [--build-only]   # the pairing window (dendritic)
    python benchmarks/gpu/stages.py learn cpp|cuda WORK [--build-only]     # 2,000 presentations from one seed
    python benchmarks/gpu/stages.py compare WORK OUT                        # equivalence.json, learning.csv
    python benchmarks/gpu/stages.py throughput OUT [--dry-run] [--rows 6400/cpp/16 ...]   # throughput.txt
    python benchmarks/gpu/stages.py ensembles-built OUT                    # the dry run's stage 5
    python benchmarks/gpu/stages.py profile OUT WORK [--dry-run]            # profile.txt: where a step's time goes

Each configuration that builds a standalone project runs in a process of its
own, as the first project of that process: Brian2 generates the first project
of a process slightly differently (one more line setting the clock's dt), and
a binary carried from the machine that compiled it (prebuild.py) is only used
where the project generated here matches the one it was compiled from.
``--build-only`` generates and compiles (or finds the carried binary) and
prints the build folder as JSON: what prebuild.py and the dry run do.
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

CHUNK = 500  # the equivalence chunk (issue: one chunk of 500 presentations at 200 hidden)
LEARNING, LEARNING_CHUNK = 2000, 100  # the learning curves: 2,000 presentations, a point every 100
# (hidden, device, threads, presentations); threads 16 = all cores of the GPU machine. One network at 200 hidden on
# cuda and on one CPU core: the ensemble benchmark's K = 1 and its reference (run.sh's stage 5).
THROUGHPUT = [(200, "cpp", 16, 100), (6400, "cuda", 0, 100), (6400, "cpp", 0, 20), (6400, "cpp", 16, 50)]
ENSEMBLE_COPIES = (16, 64, 256)
ENSEMBLE_PRESENTATIONS = 100
# where a step's time goes: brian2cuda's profile build of one network and of an ensemble of 64, and where ncu runs,
# the GPU time of the kernels of a window of launches (after the initialisation and about the first presentation)
PROFILE_COPIES = (1, 64)
PROFILE_PRESENTATIONS = 10
NCU_SKIP, NCU_COUNT, NCU_TIMEOUT_S = 20000, 2000, 150
PAIRING_PRESET = "dendritic"  # feedback synapses on the dendrite: both pathways delayed (brian2cuda issue #61)


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
    """equivalence.json (cuda against cpp: the chunk and the pairing window) and learning.csv."""
    from brianmodel.mstdp import preset
    params = preset("main")
    period, dt = float(params.presentation.duration), float(params.presentation.dt)
    report = {}
    paths = [os.path.join(work, f"chunk-{d}.npz") for d in ("cpp", "cuda")]
    if all(map(os.path.exists, paths)):
        a, b = (np.load(p) for p in paths)
        n = len(a["z"])
        counts = {name: float(np.mean(np.all(a[name] == b[name], axis=1))) for name in ("x", "x_hat", "z")}
        names = sorted(k[:-2] for k in a.files if k.endswith("_i"))
        spikes = {name: _same_spikes(a, b, name, n, period, dt) for name in names}
        all_same = np.logical_and.reduce([np.all(a[k] == b[k], axis=1) for k in ("x", "x_hat", "z")]
                                         + list(spikes.values()))
        first = int(np.argmin(all_same)) if not all_same.all() else None
        metrics = {d: json.load(open(os.path.join(work, f"chunk-{d}.json"))) for d in ("cpp", "cuda")}
        report["chunk"] = {
            "presentations": n,
            "identical_counts_fraction": counts,
            "identical_spike_trains_fraction": {k: float(v.mean()) for k, v in spikes.items()},
            "identical_presentations_fraction": float(all_same.mean()),
            "first_differing_presentation": first,
            "W": _difference(a["W"], b["W"]), "Q": _difference(a["Q"], b["Q"]),
            "metrics": {d: metrics[d]["metrics"] for d in metrics},
            "wall_s": {d: metrics[d]["wall_s"] for d in metrics}}
    paths = [os.path.join(work, f"pairing-{d}.npz") for d in ("cpp", "cuda")]
    if all(map(os.path.exists, paths)):
        a, b = (np.load(p) for p in paths)
        report["pairing"] = {"preset": PAIRING_PRESET, "lags": len(a["lag_ms"])}
        for pathway in ("feedforward", "feedback"):
            change = a[f"{pathway}_change"]
            report["pairing"][pathway] = {
                "largest_change": float(np.abs(change).max()),
                "cuda_minus_cpp_max": float(np.abs(b[f"{pathway}_change"] - change).max()),
                "cpp_minus_configured_max": float(np.abs(change - a[f"{pathway}_configured"]).max()),
                "cuda_minus_configured_max": float(np.abs(b[f"{pathway}_change"] - a[f"{pathway}_configured"]).max())}
    if report:
        _write_json(os.path.join(out, "equivalence.json"), report)
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


# -- throughput ---------------------------------------------------------------------------------
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


def throughput(out, dry_run, rows=None):
    """presentations/s and synaptic events/s of one network (THROUGHPUT) on cuda and on cpp with 1 and 16
    threads, all on one machine; on a dry run (no GPU), cuda is built only and threads = the cores here."""
    cores = os.cpu_count()
    lines = [f"one network, main preset, 1,568 visible; {platform.node()}, {cores} cores"
             + (" (dry run: cuda built only)" if dry_run else ""),
             f"{'hidden':>6} {'device':>6} {'threads':>7} {'pres':>5} {'pres/s':>9} {'events/s':>11} "
             f"{'peak MB':>8} {'binary':>16}"]
    rates = {}
    for hidden, device, threads, presentations in THROUGHPUT:
        if rows and f"{hidden}/{device}/{threads}" not in rows:
            continue
        threads = min(threads, cores)
        if device == "cuda" and dry_run:
            built = _one(device, 1, threads, hidden, presentations, build_only=True)
            lines.append(f"{hidden:>6} {device:>6} {threads:>7} {presentations:>5} {'-':>9} {'-':>11} {'-':>8} "
                         f"{built['binary']:>16}")
            continue
        one = _one(device, 1, threads, hidden, presentations)  # (its build, if any, is not timed)
        rates[(hidden, device, threads)] = one["network_presentations_per_s"]
        lines.append(f"{hidden:>6} {device:>6} {threads:>7} {presentations:>5} "
                     f"{one['network_presentations_per_s']:>9.2f} {one['events_per_s']:>11.3g} "
                     f"{one['peak_mb']:>8.0f} {one['binary']:>16}")
        _log(lines[-1])
        _write_text(os.path.join(out, "throughput.txt"), "\n".join(lines) + "\n")
    for hidden in (200, 6400):
        cuda = rates.get((hidden, "cuda", 0))
        for threads in sorted({min(t, cores) for _, d, t, _ in THROUGHPUT if d == "cpp"}):
            cpp = rates.get((hidden, "cpp", threads))
            if cuda and cpp:
                lines.append(f"{hidden} hidden: cuda / cpp {threads or 1} thread(s) = {cuda / cpp:.2f}x")
    _write_text(os.path.join(out, "throughput.txt"), "\n".join(lines) + "\n")


def ensembles_built(out):
    """The dry run's ensemble stage: every cuda ensemble of the benchmark generates and compiles (or finds its
    carried binary)."""
    lines = []
    for copies in (1, *ENSEMBLE_COPIES):
        built = _one("cuda", copies, 0, 200, ENSEMBLE_PRESENTATIONS, build_only=True)
        lines.append(f"K={copies}: {built['binary']} in {built['build_dir']} ({built['build_s']:.1f} s)")
        _log(lines[-1])
    _write_text(os.path.join(out, "ensembles.txt"), "dry run: cuda ensembles built only\n" + "\n".join(lines) + "\n")


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
    p.add_argument("stage", choices=["versions", "chunk", "pairing", "learn", "compare", "throughput", "ensembles-built",
                                     "profile"])
    p.add_argument("args", nargs="*")
    p.add_argument("--build-only", action="store_true")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--rows", nargs="*", help="throughput: only these rows, as HIDDEN/DEVICE/THREADS (6400/cpp/16)")
    args = p.parse_args(argv)
    _quiet()
    if args.stage in ("chunk", "pairing", "learn"):
        device, work = args.args
        os.makedirs(work, exist_ok=True)
        {"chunk": chunk, "pairing": pairing, "learn": learn}[args.stage](device, work, args.build_only)
    elif args.stage == "compare":
        compare(*args.args)
    elif args.stage == "throughput":
        throughput(args.args[0], args.dry_run, args.rows)
    elif args.stage == "ensembles-built":
        ensembles_built(args.args[0])
    elif args.stage == "profile":
        profile(*args.args, args.dry_run)
    else:
        versions(args.args[0])


if __name__ == "__main__":
    main()
