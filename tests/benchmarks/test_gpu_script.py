"""The GPU script's dry run: every stage's code path that needs no GPU, before GPU time is spent on it.

Opt-in (slow): the cpp parts run at full size (a 2,000-presentation training,
the 6,400-hidden network on 2 threads); the cuda networks (both devices) are
generated and compiled for sm_90, or found among the binaries
benchmarks/gpu/prebuild.py carries (about two and a half hours on 2 cores when
none are there).
"""
import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

from brianmodel.device import gpu_present

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
@pytest.mark.cuda
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
    for n in (1, 2, 3, 4, 5, 6, 8):
        assert any(line.startswith("== ") and f"stage {n}:" in line and "ended (0)" in line
                   for line in log.splitlines()), f"stage {n} failed:\n{log[-3000:]}"
    assert "brian2cuda: 1.0b1" in (out / "versions.txt").read_text()
    devices = json.loads((out / "devices.json").read_text())
    assert devices["cpu"]["network_presentations_per_s"] > 0 and devices["cpu"]["setup_s"] > 0  # measured here
    built = {label: run for label, run in devices.items() if label != "cpu"}
    assert len(built) == 9 and all(run.get("built_only") for run in built.values()), built  # 3 cuda-graphs
    assert all(run["binary"] in ("carried binary", "compiled here") for run in built.values())
    assert {"same", "grid"} == set(json.loads((out / "delays.json").read_text()))
    wide = json.loads((out / "wide.json").read_text())
    assert wide["cuda"]["built_only"] and wide["cpp 16 threads"]["network_presentations_per_s"] > 0
    with open(out / "learning.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["presentations"]) for r in rows] == list(range(100, 2001, 100))  # cpp; no GPU for cuda
    assert {r["device"] for r in rows} == {"cpp"}
    targets = (out / "targets.txt").read_text()
    assert targets.count("not measured") == 7  # nothing of the GPU's here (2 of them cuda-graphs')
