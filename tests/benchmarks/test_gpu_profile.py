"""The GPU script's profile stage from given measurements: ncu's CSV parsed, kernels matched to code objects,
microseconds per time step."""
import json
import os

import pytest

HEADER = ('"ID","Process ID","Process Name","Host Name","Kernel Name","Context","Stream","Block Size","Grid Size",'
          '"Device","CC","Section Name","Metric Name","Metric Unit","Metric Value"')


def row(n, kernel, unit, value, metric="gpu__time_duration.sum"):
    return (f'"{n}","4242","main","127.0.0.1","{kernel}","1","7","(128, 1, 1)","(13, 1, 1)","0","9.0",'
            f'"Command line profiler metrics","{metric}","{unit}","{value}"')


# two time steps: the visible neurons' update (twice), a pathway's spike queue (twice), the pool's thresholder (once)
NCU = "\n".join([
    "==PROF== Connected to process 4242 (/tmp/build/main)",
    "running the binary",
    HEADER,
    row(0, "_run_kernel_visible_stateupdater_codeobject(int, int, double *, double *)", "nsecond", "3,104"),
    row(1, "_advance_kernel_feedforward_pre_push_spikes()", "nsecond", "2000"),
    row(1, "_advance_kernel_feedforward_pre_push_spikes()", "byte", "64", metric="dram__bytes.sum"),
    row(2, "_run_kernel_hidden_pool_spike_thresholder_codeobject(int, int)", "usecond", "1.5"),
    row(3, "_run_kernel_visible_stateupdater_codeobject(int, int, double *, double *)", "nsecond", "2,896"),
    row(4, "_advance_kernel_feedforward_pre_push_spikes()", "msecond", "0.004"),
    "==PROF== Disconnected from process 4242",
])
CODE_OBJECTS = {"visible_stateupdater_codeobject": 0.13, "feedforward_pre_push_spikes": 0.065,
                "hidden_spike_thresholder_codeobject": 0.026, "hidden_pool_spike_thresholder_codeobject": 0.039}


def test_ncu_csv_gives_each_kernel_s_launches_and_seconds(stages):
    kernels = stages.ncu_kernel_times(NCU)
    assert set(kernels) == {"_run_kernel_visible_stateupdater_codeobject", "_advance_kernel_feedforward_pre_push_spikes",
                            "_run_kernel_hidden_pool_spike_thresholder_codeobject"}
    assert kernels["_run_kernel_visible_stateupdater_codeobject"] == {"launches": 2, "seconds": pytest.approx(6e-6)}
    assert kernels["_advance_kernel_feedforward_pre_push_spikes"] == {"launches": 2, "seconds": pytest.approx(6e-6)}
    assert kernels["_run_kernel_hidden_pool_spike_thresholder_codeobject"]["seconds"] == pytest.approx(1.5e-6)
    assert stages.ncu_kernel_times("==PROF== no kernel was profiled\n") == {}
    with pytest.raises(ValueError, match="unknown unit 'cycle'"):
        stages.ncu_kernel_times(HEADER + "\n" + row(0, "k()", "cycle", "12"))


def test_kernels_belong_to_the_longest_code_object_name_they_contain(stages):
    assert stages.code_object_of("_run_kernel_hidden_pool_spike_thresholder_codeobject",
                                 CODE_OBJECTS) == "hidden_pool_spike_thresholder_codeobject"
    assert stages.code_object_of("_advance_kernel_feedforward_pre_push_spikes",
                                 CODE_OBJECTS) == "feedforward_pre_push_spikes"
    assert stages.code_object_of("thrust_sort_kernel", CODE_OBJECTS) == "thrust_sort_kernel"


def test_profile_table_gives_microseconds_per_step(stages):
    kernels = stages.ncu_kernel_times(NCU)
    results = {1: {"steps": 13000, "wall_s": 5.2, "code_objects": CODE_OBJECTS, "kernels": kernels,
                   "ncu_window_steps": 2, "ncu": "ran"},
               64: {"steps": 6500, "wall_s": 13.0, "code_objects": CODE_OBJECTS, "kernels": {},
                    "ncu_window_steps": None, "ncu": "ncu failed: LibraryNotLoaded"}}
    table = stages.profile_table(results).splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in table[4:]}
    # host: 0.13 s over 13,000 steps = 10 us; GPU: 6 us over 2 steps = 3 us, one launch per step
    assert rows["visible_stateupdater_codeobject"][:3] == ["10.0", "3.0", "1.00"]
    assert rows["visible_stateupdater_codeobject"][3:] == ["20.0", "-", "-"]  # K = 64: 6,500 steps, no ncu
    assert rows["hidden_pool_spike_thresholder_codeobject"][:3] == ["3.0", "0.8", "0.50"]
    assert rows["hidden_spike_thresholder_codeobject"][:3] == ["2.0", "-", "-"]
    assert table[4].split()[0] == "visible_stateupdater_codeobject"  # the largest first
    totals = next(line for line in table if line.startswith("all code objects")).split()[3:]
    assert totals == ["20.0", "6.8", "2.5", "40.0", "-"]
    assert "K=64: 6500 steps; ncu: ncu failed: LibraryNotLoaded" in table


def test_the_stage_writes_each_ensemble_size_as_it_ends(stages, tmp_path, monkeypatch):
    # a stand-in ncu: records how it was called, then gives the CSV above on --import
    (tmp_path / "ncu.csv").write_text(NCU)
    (tmp_path / "ncu").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/calls\n'
                                  f'case "$*" in *--import*) cat {tmp_path}/ncu.csv;; esac\n')
    (tmp_path / "ncu").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")

    def one(device, copies, threads, hidden, presentations, build_only=False, *extra):
        assert (device, build_only, extra) == ("cuda", False, ("--profile",))
        if copies == 64:
            raise RuntimeError("out of memory")  # the other size's results stay
        return {"steps": 13000, "wall_s": 5.2, "profile": CODE_OBJECTS}

    monkeypatch.setattr(stages, "_one", one)
    out = tmp_path / "out"
    out.mkdir()
    stages.profile(str(out), str(tmp_path), False)
    calls = (tmp_path / "calls").read_text().splitlines()
    assert "--launch-skip 20000 --launch-count 2000" in calls[0] and "--one cuda 1 0 --profile" in calls[0]
    assert calls[1].startswith("--import") and len(calls) == 2  # K = 64 failed before ncu
    table = (out / "profile.txt").read_text()
    assert "K=1: 13000 steps; ncu: ran, window of about 2 steps" in table and "K=64" not in table
    saved = json.loads((out / "profile.json").read_text())
    assert saved["1"]["kernels"]["_advance_kernel_feedforward_pre_push_spikes"]["launches"] == 2
