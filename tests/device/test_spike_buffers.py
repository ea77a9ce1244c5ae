"""How many events each spike monitor may record on brianmodel's CUDA device: sized from a rate bound, within a
budget, then from what the monitors recorded; an overflow read from the binary's output, and the simulator
running the chunk again with larger buffers, once."""
import os

import numpy as np
import pytest
from brian2 import NeuronGroup, SpikeMonitor, ms

from brianmodel.device import Simulator, spike_buffers
from brianmodel.device.spike_buffers import ENVIRONMENT, MINIMUM, SpikeBuffers
from brianmodel.errors import SimulationError
from brianmodel.mstdp import Model


def _monitors(*sizes, names=None):
    names = names or [f"m{k}" for k in range(len(sizes))]
    return [SpikeMonitor(NeuronGroup(n, "v : 1", threshold="v > 1", reset=""), name=name)
            for n, name in zip(sizes, names)]


def _sizes(environment):
    return {name: int(value) for name, value in (item.split("=") for item in environment[ENVIRONMENT].split(","))}


def test_the_first_chunk_s_buffers_hold_the_rate_bound_within_the_budget(monkeypatch):
    buffers = SpikeBuffers(True)
    sizes = _sizes(buffers.environment(_monitors(100, 10), 650 * ms))
    assert sizes == {"m0": int(np.ceil(100 * 0.65 * 100)) + MINIMUM, "m1": int(np.ceil(100 * 0.65 * 10)) + MINIMUM}
    monkeypatch.setattr(spike_buffers, "BUDGET_BYTES", 12 * 4000)  # 4,000 events in all, shared out in proportion
    sizes = _sizes(SpikeBuffers(True).environment(_monitors(100, 10), 650 * ms))
    assert sizes["m0"] < 4000 <= sum(sizes.values()) <= 4000 + MINIMUM and sizes["m1"] == MINIMUM
    assert SpikeBuffers(False).environment(_monitors(100), 650 * ms) == {}


def test_after_a_run_a_buffer_holds_twice_what_its_monitor_recorded():
    buffers = SpikeBuffers(True)
    monitors = _monitors(100, 10)
    buffers.environment(monitors, 650 * ms)
    output = "INFO: something\nbrianmodel-spikes m0 5000 7524\nbrianmodel-spikes m1 12 1674\n"
    assert buffers.overflows(output) == {}
    buffers.learn(output)
    assert _sizes(buffers.environment(monitors, 650 * ms)) == {"m0": 10000, "m1": MINIMUM}


def test_an_overflow_is_read_and_the_buffer_enlarged():
    buffers = SpikeBuffers(True)
    output = "brianmodel-spikes m0 9000 7524\nbrianmodel-spikes m1 12 1674\n"
    assert buffers.overflows(output) == {"m0": 9000}
    buffers.enlarge({"m0": 9000})
    assert buffers.capacity["m0"] >= 9000 * 1.25


def test_the_simulator_runs_a_chunk_again_once_when_a_buffer_overflowed(learning_params, tmp_path):
    """A device whose binary overflows the first time (its output as brianmodel's CUDA device's), then not: the
    chunk's result is the second run's; overflowing twice is an error that names the buffers."""
    class Device:
        run_environment_variables = {}
        timers = {"run_binary": 1.0}
        _last_run_time = 0.5

        def __init__(self, overflows):
            self.overflows, self.runs = overflows, []

        def run(self, directory, results_directory, with_output, run_args):
            folder = os.path.join(directory, results_directory)
            os.makedirs(folder)
            self.runs.append(dict(self.run_environment_variables))
            with open(os.path.join(folder, "stdout.txt"), "w") as f:
                f.write("brianmodel-spikes hidden_spikes 9000 100\n" if self.overflows else
                        "brianmodel-spikes hidden_spikes 9000 12000\n")
            if self.overflows:
                self.overflows -= 1
                raise RuntimeError("Project run failed")

    class Net:
        network = type("N", (), {"objects": _monitors(20, names=["hidden_spikes"])})()
        duration, period, extra_objects = 650 * ms, 65 * ms, []

        def read_state(self):
            return "state"

        def read_spikes(self):
            return {}

    sim = Simulator(Model(learning_params, 392), "cpp", 10, build_root=str(tmp_path))
    sim.build_dir = str(tmp_path)
    sim.spike_buffers = SpikeBuffers(True)
    net = Net()
    device = Device(overflows=1)
    result = sim._run_binary(net, device, [], "chunk")
    assert result.state == "state" and len(device.runs) == 2
    assert device.runs[1][ENVIRONMENT] == f"hidden_spikes={int(np.ceil(1.25 * 9000)) + MINIMUM}"
    assert not os.listdir(os.path.join(tmp_path, "results"))  # both runs' results removed
    with pytest.raises(SimulationError, match="overflowed twice .*hidden_spikes"):
        sim._run_binary(net, Device(overflows=2), [], "chunk2")
