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
import stages  # noqa: E402  (the configurations)


def commands(work):
    """Every cuda build of run.sh, as the command that makes it there."""
    python, stage, ensembles = sys.executable, os.path.join(HERE, "stages.py"), stages.ENSEMBLES
    yield [python, stage, "chunk", "cuda", work, "--build-only"]
    yield [python, stage, "learn", "cuda", work, "--build-only"]
    yield [python, stage, "pairing", "cuda", work, "--build-only"]
    one = [python, ensembles, "--presentations"]
    for hidden, device, threads, presentations in stages.THROUGHPUT:
        if device == "cuda":
            yield one + [str(presentations), "--hidden", str(hidden), "--one", "cuda", "1", "0", "--build-only"]
    for copies in stages.ENSEMBLE_COPIES:
        yield one + [str(stages.ENSEMBLE_PRESENTATIONS), "--hidden", "200", "--one", "cuda", str(copies), "0",
                     "--build-only"]
    for copies in stages.PROFILE_COPIES:  # the profile builds (brian2cuda's timing of every code object)
        yield one + [str(stages.PROFILE_PRESENTATIONS), "--hidden", "200", "--one", "cuda", str(copies), "0",
                     "--build-only", "--profile"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--compute-capability", default="9.0", help="the GPU's (9.0: H100, H200)")
    p.add_argument("--build-root", default=os.path.expanduser("~/.cache/brianmodel/gpu-prebuild"),
                   help="where the full build folders stay (on this machine)")
    p.add_argument("--carry", default=os.path.join(ROOT, ".gpu", "builds"), help="binaries to carry (run.sh's root)")
    args = p.parse_args(argv)
    env = dict(os.environ, BRIANMODEL_CUDA_COMPUTE_CAPABILITY=args.compute_capability,
               BRIANMODEL_BUILD_ROOT=args.build_root, PYTHONPATH=ROOT)
    work = os.path.join(args.build_root, "work")
    os.makedirs(work, exist_ok=True)
    sys.path.insert(0, ROOT)
    from brianmodel.device import standalone
    folders = {}  # build folder -> the hash of the code generated into it
    for command in commands(work):
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
    shutil.rmtree(args.carry, ignore_errors=True)
    total = 0
    for folder in folders:
        standalone.mark_prebuilt(folder, note=f"benchmarks/gpu/prebuild.py, compute capability "
                                              f"{args.compute_capability}")
        target = os.path.join(args.carry, os.path.basename(folder))
        os.makedirs(target)
        shutil.copy2(os.path.join(folder, standalone.PREBUILT), target)
        # 26 MB each, mostly the same device code in every code object: xz finds the repeats (10x), gzip does not
        with open(os.path.join(folder, "main"), "rb") as f, lzma.open(os.path.join(target, "main.xz"), "wb",
                                                                     preset=9) as packed:
            shutil.copyfileobj(f, packed)
        total += os.path.getsize(os.path.join(target, "main.xz"))
    print(f"{len(folders)} binaries in {args.carry}: {total / 2 ** 20:.1f} MiB packed (xz)")
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
