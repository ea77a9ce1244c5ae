"""The GPU script's tables and targets from given measurements (benchmarks/gpu/stages.py): rates with and without
set-up, a 500-presentation chunk from a shorter run, each target met or missed, what is not measured named."""
import json

import pytest



def run(device, copies, presentations, loop_us, setup_s, writeout_s=0.5):
    loop = loop_us * 1e-6 * 650 * presentations
    wall = setup_s + loop + writeout_s
    return {"device": device, "copies": copies, "presentations": presentations, "loop_us_per_step": loop_us,
            "setup_s": setup_s, "writeout_s": writeout_s, "binary_s": wall, "wall_s": wall, "loop_s": loop,
            "network_presentations_per_s": copies * presentations / wall,
            "loop_network_presentations_per_s": copies * presentations / loop, "gpu_peak_mb": None,
            "binary": "carried binary", "setup_lines": []}


def test_a_chunk_of_500_from_a_run_of_100(stages):
    r = run("cuda", 1024, 100, 400.0, 30.0)
    # set-up and write-out once, the loop five times
    assert stages._rate_at(r, 500) == pytest.approx(1024 * 500 / (30.5 + 5 * 400e-6 * 65000))


def test_targets_met_missed_and_not_measured(stages, tmp_path):
    cpu = run("cpp", 1, 100, 17.0, 0.2)
    devices = {"cpu": cpu, "cuda-1": run("cuda", 1, 100, 55.0, 1.0), "graphs-1": run("cuda-graphs", 1, 100, 70.0, 1.0),
               "cuda-256": run("cuda", 256, 500, 150.0, 8.0),
               "cuda-1024": {"error": "out of memory", "device": "cuda", "copies": 1024, "presentations": 100}}
    (tmp_path / "devices.json").write_text(json.dumps(devices))
    (tmp_path / "delays.json").write_text(json.dumps({"same": run("cuda", 27, 100, 100.0, 3.0),
                                                      "grid": run("cuda", 27, 100, 180.0, 3.0)}))
    stages.targets(str(tmp_path))
    lines = (tmp_path / "targets.txt").read_text().splitlines()
    assert lines[0] == "one network's loop, us per step (cuda): 55.00 (target <= 60.0): met"
    assert lines[1] == "one network's loop, us per step (cuda-graphs): 70.00 (target <= 60.0): MISSED"
    core500 = stages._rate_at(cpu, 500)
    ratio = stages._rate_at(devices["cuda-256"], 500) / core500
    assert lines[2].endswith(f"{ratio:.2f}x (target >= 50.0x): " + ("met" if ratio >= 50 else "MISSED"))
    assert "(cuda)" in lines[2] and lines[3].endswith("(cuda-graphs): not measured")
    assert lines[4].endswith("not measured")  # K = 1,024 failed
    assert lines[5] == "per-copy delays against identical copies, time per step: 1.80x (target <= 1.5x): MISSED"
    assert lines[6].endswith("not measured")
    table = stages.devices_table(devices)
    assert "cuda-1024    cuda        1024   100  out of memory" in table
    assert f"{ratio:>7.2f}x" in table.splitlines()[5]


def test_each_gpu_device_is_compared_with_cpp(stages, tmp_path):
    """equivalence.json: a chunk and a pairing window per device that ran; cuda's under its old keys, cuda-graphs'
    under its own; a differing presentation found."""
    import numpy as np
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir(), out.mkdir()
    rng = np.random.default_rng(0)
    chunk = {"x": rng.integers(0, 3, (4, 6)), "x_hat": rng.integers(0, 3, (4, 6)), "z": rng.integers(0, 2, (4, 5)),
             "hidden_i": np.array([0, 1, 2]), "hidden_t": np.array([0.001, 0.07, 0.2]),
             "W": rng.random((6, 5)), "Q": rng.random((5, 6))}
    pairing = {"lag_ms": np.array([-5.0, 5.0]), "feedforward_change": np.array([-0.1, 0.2]),
               "feedback_change": np.array([0.1, -0.2]), "feedforward_configured": np.array([-0.1, 0.2]),
               "feedback_configured": np.array([0.1, -0.2])}
    differing = dict(chunk, z=chunk["z"].copy())
    differing["z"][2, 0] = 1 - differing["z"][2, 0]
    for device, values in (("cpp", chunk), ("cuda-graphs", differing)):
        np.savez(work / f"chunk-{device}.npz", **values)
        (work / f"chunk-{device}.json").write_text(json.dumps({"metrics": {"corr": 0.5}, "wall_s": 1.0}))
        np.savez(work / f"pairing-{device}.npz", **pairing)
    stages.compare(str(work), str(out))
    report = json.loads((out / "equivalence.json").read_text())
    assert set(report) == {"chunk-cuda-graphs", "pairing-cuda-graphs"}  # cuda did not run
    assert report["chunk-cuda-graphs"]["first_differing_presentation"] == 2
    assert report["chunk-cuda-graphs"]["identical_counts_fraction"] == {"x": 1.0, "x_hat": 1.0, "z": 0.75}
    assert report["pairing-cuda-graphs"]["feedback"]["cuda_minus_cpp_max"] == 0.0
