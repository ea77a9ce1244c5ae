"""Compile, here, every CUDA binary the GPU script runs (sm_90), and put them where run.sh finds them.

    python benchmarks/gpu/prebuild.py [--compute-capability 9.0] [--carry .gpu/builds]

nvcc takes 6-8 minutes per network on 2 cores (64 code objects, Thrust
headers in each), about as long on a GPU machine's 16 cores as the whole
device time of a session would allow for nine of them; so the binaries are
compiled here (26 MB each, 2.3 MB packed with xz). Each configuration of benchmarks/gpu/stages.py and
benchmarks/ensembles.py that runs on cuda is built here by the same command
(``--build-only``, a fresh process each, as there), into a build root of
this machine; then only each folder's binary (packed) and a PREBUILT.json (the hash of
the sources it was compiled from) are copied to ``--carry``, which run.sh
uses as its build root. There the project is generated again and the binary
runs as is when the code is the same (brianmodel.device.standalone.build),
and is compiled there otherwise.
"""
import argparse
import glob
import json
import lzma
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)
import stages  # noqa: E402  (the configurations)
from brianmodel.device import standalone  # noqa: E402


def commands(work, profile_builds=False):
    """Every CUDA build of run.sh (all three devices), as the command that makes it there, most important first."""
    python, stage, ensembles = sys.executable, os.path.join(HERE, "stages.py"), stages.ENSEMBLES
    one = [python, ensembles, "--presentations"]
    order = {"cuda-1": 0, "cuda-64": 1, "graphs-1": 1.2, "graphs-64": 1.5, "stock-1": 2, "stock-64": 3, "cuda-256": 4,
             "graphs-256": 8, "cuda-1024": 9}
    runs = sorted((run for run in stages.DEVICE_RUNS if run[1] != "cpp"), key=lambda run: order.get(run[0], 5))
    for label, device, copies, presentations in runs[:7]:
        yield one + [str(presentations), "--hidden", "200", "--one", device, str(copies), "0", "--build-only"]
    for device in stages.GPU_DEVICES:
        yield [python, stage, "chunk", device, work, "--build-only"]
        yield [python, stage, "pairing", device, work, "--build-only"]
    yield [python, stage, "learn", "cuda", work, "--build-only"]
    device, preset, copies, presentations = stages.DELAY_RUN
    yield one + [str(presentations), "--hidden", "200", "--preset", preset, "--one", device, str(copies), "0",
                 "--vary", "grid", "--build-only"]
    for label, device, threads, presentations in stages.WIDE_RUNS:
        if device != "cpp":
            yield one + [str(presentations), "--hidden", str(stages.WIDE_HIDDEN), "--one", device, "1", "0",
                         "--build-only"]
    for label, device, copies, presentations in runs[7:]:
        yield one + [str(presentations), "--hidden", "200", "--one", device, str(copies), "0", "--build-only"]
    for copies in stages.PROFILE_COPIES if profile_builds else ():  # brian2cuda's timing of every code object
        yield one + [str(stages.PROFILE_PRESENTATIONS), "--hidden", "200", "--one", "cuda", str(copies), "0",
                     "--build-only", "--profile"]


def _carry(folder, carry, compute_capability):
    """Mark a compiled folder prebuilt and put its binary, packed, and its PREBUILT.json into ``carry``."""
    standalone.mark_prebuilt(folder, note=f"benchmarks/gpu/prebuild.py, compute capability {compute_capability}")
    target = os.path.join(carry, os.path.basename(folder))
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    shutil.copy2(os.path.join(folder, standalone.PREBUILT), target)
    # 26 MB each, mostly the same device code in every code object: xz finds the repeats (10x), gzip does not
    with open(os.path.join(folder, "main"), "rb") as f, lzma.open(os.path.join(target, "main.xz"), "wb",
                                                                 preset=9) as packed:
        shutil.copyfileobj(f, packed)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--compute-capability", default="9.0", help="the GPU's (9.0: H100, H200)")
    p.add_argument("--build-root", default=os.path.expanduser("~/.cache/brianmodel/gpu-prebuild"),
                   help="where the full build folders stay (on this machine)")
    p.add_argument("--carry", default=os.path.join(ROOT, ".gpu", "builds"), help="binaries to carry (run.sh's root)")
    p.add_argument("--profile-builds", action="store_true", help="also the profile builds of the optional stage 10")
    p.add_argument("--only", type=int, nargs="*", help="only these commands, by their number in the list (0: first)")
    args = p.parse_args(argv)
    env = dict(os.environ, BRIANMODEL_CUDA_COMPUTE_CAPABILITY=args.compute_capability,
               BRIANMODEL_BUILD_ROOT=args.build_root, PYTHONPATH=ROOT)
    work = os.path.join(args.build_root, "work")
    os.makedirs(work, exist_ok=True)
    folders = {}  # build folder -> the hash of the code generated into it
    calibrate = os.path.join(os.path.dirname(args.carry), "calibrate")  # stage 2's program
    os.makedirs(os.path.dirname(calibrate), exist_ok=True)
    stages.compile_calibration(calibrate, args.compute_capability)
    for n, command in enumerate(commands(work, args.profile_builds)):
        if args.only is not None and n not in args.only:
            continue
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command[1:])} failed:\n{done.stderr[-3000:]}")
        build_dir = json.loads(done.stdout.strip().splitlines()[-1])["build_dir"]
        print(f"{time.perf_counter() - start:7.1f} s  {os.path.basename(build_dir)}  ({' '.join(command[2:])})",
              flush=True)
        digest = standalone.generated_sources_digest(build_dir)
        if folders.setdefault(build_dir, digest) != digest:  # run.sh would compile it there
            sys.exit(f"two commands generate different code into {build_dir}: {' '.join(command[2:])}")
        _carry(build_dir, args.carry, args.compute_capability)  # at once: an interrupted prebuild keeps what it built
    if args.only is None:  # the carried binaries of configurations the script no longer runs
        for name in os.listdir(args.carry) if os.path.isdir(args.carry) else ():
            if name not in {os.path.basename(folder) for folder in folders}:
                shutil.rmtree(os.path.join(args.carry, name))
    sizes = [os.path.getsize(path) for path in glob.glob(os.path.join(args.carry, "*", "main.xz"))]
    print(f"{len(sizes)} binaries in {args.carry}: {sum(sizes) / 2 ** 20:.1f} MiB packed (xz)")
    # cuRAND's headers, in case the GPU machine must compile and neither its toolkit nor its wheels have them
    import nvidia
    for root in nvidia.__path__:
        for sub in ("cu13", "curand"):
            include = os.path.join(root, sub, "include")
            if os.path.exists(os.path.join(include, "curand.h")):
                target = os.path.join(os.path.dirname(args.carry), "curand-include")
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(include, target)
                return


if __name__ == "__main__":
    main()
