"""A build folder compiled on one machine and run on another (the GPU script's CUDA binaries, compiled here).

Only the binary and its PREBUILT.json travel; the other machine generates the
project again and runs the binary as is when the generated code is what it was
compiled from, and compiles otherwise. Each run is a fresh process, as on the
GPU machine: Brian2 generates one more line (the clock's dt) into the first
project of a process than into later ones, so the code of one network is the
same only at the same place in a process's history.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from brianmodel.device import standalone
from brianmodel.errors import DeviceError

TINY = """
import sys
import numpy as np
from brian2 import Network, NeuronGroup, SpikeMonitor, ms
from brianmodel.device import standalone

def make():
    group = NeuronGroup(3, "dv/dt = (1 + i) / (5 * ms) : 1", threshold="v > 1", reset="v = 0", name="cells")
    monitor = SpikeMonitor(group, name="cells_spikes")
    return Network(group, monitor), {}, 20 * ms, lambda: np.bincount(np.asarray(monitor.i[:]), minlength=3)

print(standalone.run_once(make, name="tiny", key="a", build_root=sys.argv[1]).tolist())
"""


def _run(script, build_root):
    done = subprocess.run([sys.executable, script, build_root], capture_output=True, text=True, timeout=300,
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def _objects(folder):
    return glob.glob(os.path.join(folder, "**", "*.o"), recursive=True)


def test_a_carried_binary_runs_without_compiling_and_a_changed_one_compiles(tmp_path):
    script = tmp_path / "tiny.py"
    script.write_text(TINY)
    here, there = str(tmp_path / "here"), str(tmp_path / "there")
    expected = _run(script, here)
    assert json.loads(expected)[0] < json.loads(expected)[2]  # the faster cell spikes more
    (folder,) = [d for d in glob.glob(os.path.join(here, "cpp-tiny-*")) if os.path.isdir(d)]
    standalone.mark_prebuilt(folder, note="test")
    carried = os.path.join(there, os.path.basename(folder))  # what benchmarks/gpu/prebuild.py carries
    os.makedirs(carried)
    for name in ("main", standalone.PREBUILT):
        shutil.copy2(os.path.join(folder, name), carried)

    assert _run(script, there) == expected
    assert not _objects(carried)  # nothing compiled there

    marker = json.loads(open(os.path.join(carried, standalone.PREBUILT)).read())
    marker["sources"] = "0" * 40  # as if the other machine generated other code (another sympy, say)
    with open(os.path.join(carried, standalone.PREBUILT), "w") as f:
        json.dump(marker, f)
    assert _run(script, there) == expected
    assert _objects(carried)  # compiled there
    assert not os.path.exists(os.path.join(carried, standalone.PREBUILT))  # and no longer marked


def test_marking_a_folder_without_a_binary_is_refused(tmp_path):
    with pytest.raises(DeviceError, match="no compiled binary"):
        standalone.mark_prebuilt(str(tmp_path))


def test_the_sources_digest_ignores_the_order_of_lines_but_not_other_code(tmp_path):
    """brian2cuda writes some statements in the order of Python sets of objects, which changes from process to
    process: the same program. Other code, or another code generator, is another matter; data files are not
    code."""
    def folder(name, code, data=b"1"):
        path = tmp_path / name
        (path / "code_objects").mkdir(parents=True)
        (path / "static_arrays").mkdir()
        (path / "code_objects" / "a.cu").write_text(code)
        (path / "static_arrays" / "x").write_bytes(data)
        (path / "makefile").write_text(f"NVCC = /{name}/bin/nvcc")
        return str(path)

    digest = standalone.generated_sources_digest
    same = digest(folder("one", "a.resize(n);\nb_t.resize(n);\n"))
    assert digest(folder("two", "b_i.resize(n);\na.resize(n);\n", data=b"22")) == same  # order, data, makefile
    assert digest(folder("three", "a.resize(n);\nb_t.resize(n + 1);\n")) != same


def test_building_without_running_needs_a_standalone_device():
    with pytest.raises(DeviceError, match="runtime device builds nothing ahead"):
        standalone.run_once(lambda: None, device="runtime", run=False)
