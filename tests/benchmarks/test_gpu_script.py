"""The GPU script's dry run: every stage's code path that needs no GPU, before GPU time is spent on it.

Opt-in (slow): the cpp parts run at full size (a 2,000-presentation training,
the 6,400-hidden network); the cuda networks are generated and compiled for
sm_90, or found among the binaries benchmarks/gpu/prebuild.py carries (about
50 minutes on 2 cores when none are there).
"""
import csv
import os
import shutil
import subprocess
import sys

import pytest

from brianmodel.device import gpu_present

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nvcc") is None, reason="no nvcc: the cuda stages cannot be built here")
@pytest.mark.skipif(gpu_present(), reason="a GPU is here: run benchmarks/gpu/run.sh itself")
def test_dry_run_runs_every_stage(tmp_path):
    out = tmp_path / "out"
    env = dict(os.environ, PYTHON=sys.executable, GPU_WORK=str(tmp_path / "work"),
               BRIANMODEL_BUILD_ROOT=str(tmp_path / "builds"))
    done = subprocess.run(["benchmarks/gpu/run.sh", "--dry-run", str(out)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=4 * 3600)
    log = (out / "log.txt").read_text()
    assert done.returncode == 0, log[-3000:]
    for n in range(1, 7):
        assert f"stage {n}: " in log and any(line.startswith(f"== ") and f"stage {n}:" in line and "ended (0)" in line
                                             for line in log.splitlines()), f"stage {n} failed:\n{log[-3000:]}"
    assert "brian2cuda: 1.0b1" in (out / "versions.txt").read_text()
    with open(out / "learning.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["presentations"]) for r in rows] == list(range(100, 2001, 100))  # cpp; no GPU for cuda
    assert {r["device"] for r in rows} == {"cpp"}
    throughput = (out / "throughput.txt").read_text().splitlines()
    measured = [line.split() for line in throughput[2:] if line.split()[1:2] == ["cpp"]]
    assert len(measured) == 3 and all(float(row[4]) > 0 for row in measured)  # presentations/s of each cpp row
    built = [line for line in throughput if line.split()[1:2] == ["cuda"]]
    assert len(built) == 1 and all(line.endswith(("carried binary", "compiled here")) for line in built)
    ensembles = (out / "ensembles.txt").read_text()
    assert all(f"K={k}:" in ensembles for k in (1, 16, 64, 256))
    profile = (out / "profile.txt").read_text()  # the profile builds of stage 6
    assert all(f"K={k}: " in profile for k in (1, 64)) and "profile" in profile
