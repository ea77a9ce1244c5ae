"""benchmarks/ensembles.py's table from given measurements: ratios within rounds, both devices' columns."""
import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def bench(monkeypatch):
    spec = importlib.util.spec_from_file_location("ensembles_bench", os.path.join(ROOT, "benchmarks", "ensembles.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # rates per round: the machine halves its speed in round 2; K = 4 is 0.9x, 1.0x and 0.5x the single network
    single, packed = iter([100.0, 50.0, 80.0]), iter([90.0, 50.0, 40.0])
    calls, core = [], {}  # core: one network on one CPU core, the GPU's reference (the cuda test sets it)

    def run(command):
        calls.append(command)
        device, copies, threads = command[command.index("--one") + 1:][:3]
        if "--build-only" in command:
            return {"build_s": 1.5}
        if device == "cpp" and core:
            return {"network_presentations_per_s": core["rate"]}
        rate = next(single) if copies == "1" else next(packed) if threads == "0" else 30.0
        return {"network_presentations_per_s": rate, "peak_mb": 8.0 * int(copies), "events_per_s": 1e6,
                "build_s": 2.5, "wall_s": 1.0, "gpu_peak_mb": 60.0 * int(copies) if device == "cuda" else None,
                "loop_network_presentations_per_s": 2 * rate, "loop_us_per_step": 10.0 * int(copies),
                "setup_s": 0.5, "writeout_s": 0.25}

    monkeypatch.setattr(module, "run", run)
    monkeypatch.setattr(module, "separate_runs", lambda args, device, n, copies=1: 150.0)
    monkeypatch.setattr(module.os, "cpu_count", lambda: 2)
    return module, calls, core


def test_ratios_are_medians_of_each_round_s_ratios(bench, capsys):
    module, calls, _ = bench
    module.main(["--copies", "4", "--repeats", "3", "--no-profile"])
    out = capsys.readouterr().out
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == ["4"])
    # median rate 50, median single 80 (0.62x); the median of the rounds' ratios is 0.90x
    assert row[1:3] == ["50.0", "0.90x"] and row[7] == "8.0"
    assert row[3:7] == ["100.0", "40.0", "0.50", "0.25"]  # the loop alone: its rate, us per step; set-up, write-out
    assert row[9:11] == ["30.0", "0.60x"]  # two threads: 30 against 90, 50, 40
    assert "rounds: 100.0, 50.0, 80.0" in out
    assert any("--build-only" in c and c[c.index("--one") + 2] == "2" for c in calls)  # the split column's binary


def test_on_cuda_one_round_against_one_cpu_core(bench, capsys, monkeypatch):
    module, _, core = bench
    core["rate"] = 200.0
    monkeypatch.setattr(module, "check_device", lambda name: name)
    monkeypatch.setattr(module, "gpu_present", lambda: True)
    module.main(["--device", "cuda", "--copies", "4", "--no-profile"])
    out = capsys.readouterr().out
    assert "one network on one CPU core (cpp): 200.0 net-pres/s" in out
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == ["4"])
    assert row[1:3] == ["90.0", "0.90x"] and row[7:9] == ["8.0", "2.5"] and row[9] == "0.5x"  # 90 vs 200
    assert row[11] == "60.0"  # GPU memory per copy


def test_gpu_memory_is_what_the_run_adds_at_its_peak(bench, tmp_path, monkeypatch):
    module = bench[0]
    # nvidia-smi answers 1000 MiB used before the run, then the run's allocations, then its end
    readings = tmp_path / "readings"
    readings.write_text("1000\n1000\n1800\n3500\n3500\n1200\n")
    (tmp_path / "nvidia-smi").write_text(f"#!/bin/sh\nhead -n 1 {readings}; sed -i 1d {readings}\n")
    (tmp_path / "nvidia-smi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with module.GpuMemory() as gpu:
        while readings.read_text().count("\n") > 1:
            module.time.sleep(0.05)
    assert gpu.before == 1000 and gpu.peak_mb == 2500
    monkeypatch.setenv("PATH", "/nonexistent")
    with module.GpuMemory() as gpu:
        module.time.sleep(0.3)
    assert gpu.peak_mb is None  # no nvidia-smi: nothing measured, nothing made up
