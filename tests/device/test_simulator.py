"""Simulators run any model that meets the contract: one build per shape, run_args, runtime against C++."""
import os
import re

import numpy as np
import pytest
from brian2 import StateMonitor, second, volt

import brian2.devices.cpp_standalone.device as cpp_device
from brianmodel.datasets import load_dataset
from brianmodel.device import RuntimeSimulator, Simulator, StandaloneSimulator, standalone, writeout
from brianmodel.errors import DeviceError, SimulationError
from brianmodel.mstdp import Model
from brianmodel.params.run import RunSettings
from brianmodel.results import ResultsFolder
from brianmodel.schedule import presentation_order
from brianmodel.training import train

CHUNK = 20


@pytest.fixture
def stimulus(tiny_idx_folder):
    X = load_dataset(tiny_idx_folder).visible_intensities()
    return X[presentation_order(len(X), CHUNK, 7)]


def test_simulator_gives_the_device_s_subclass_and_checks_its_input(learning_params):
    model = Model(learning_params, 392)
    assert isinstance(Simulator(model, "runtime"), RuntimeSimulator)
    assert isinstance(Simulator(model, "cpp"), StandaloneSimulator)
    with pytest.raises(DeviceError, match="unknown device 'gpu'"):
        Simulator(model, "gpu")
    with pytest.raises(SimulationError, match="chunk_size"):
        Simulator(model, "cpp", chunk_size=0)
    with pytest.raises(TypeError, match="lacks .*build"):
        Simulator(object(), "cpp")  # not a model: a programming error, not a user's
    with pytest.raises(SimulationError, match="392 visible intensities expected"):
        Simulator(model, "cpp", CHUNK).run_chunk(model.initial_state(0), np.zeros((CHUNK, 10)))
    with pytest.raises(SimulationError, match="even"):
        Model(learning_params, 7)


def test_one_build_serves_run_time_parameters(learning_params, build_root):
    def build_dir(params, **options):
        return Simulator(Model(params, 392), "cpp", CHUNK, build_root=build_root, **options).build_dir

    a = build_dir(learning_params)
    assert a == build_dir(learning_params.with_overrides(
        homeostasis={"rho": 0.3}, plasticity={"eta": 0.01, "zeta_over_eta": 2.0}, connections={"g_feedback": 3.0}))
    assert len({a, build_dir(learning_params.with_overrides(architecture={"n_hidden": 21})),
                build_dir(learning_params, threads=2)}) == 3


def test_runtime_device_matches_cpp_standalone(learning_params, stimulus, build_root):
    model = Model(learning_params, 392)
    state = model.initial_state(7)
    cpp = Simulator(model, "cpp", CHUNK, build_root=build_root).run_chunk(state, stimulus)
    runtime = Simulator(model, "runtime", CHUNK, runtime_target="numpy").run_chunk(state, stimulus)
    assert len(runtime.spikes["hidden"][0]) == len(cpp.spikes["hidden"][0]) > 0
    np.testing.assert_allclose(runtime.state.W, cpp.state.W, atol=1e-9)
    np.testing.assert_allclose(runtime.state.Q, cpp.state.Q, atol=1e-9)
    # the binary's run in parts: set-up, the loop, write-out, each inside the whole process's time
    timing = cpp.timing
    assert all(value > 0 for value in (timing.setup_s, timing.loop_s, timing.writeout_s))
    assert timing.setup_s + timing.loop_s + timing.writeout_s <= timing.binary_s <= cpp.wall_time
    assert timing.other_s >= 0 and runtime.timing is None


def test_any_number_of_presentations_with_a_monitor_of_ones_own(learning_params, stimulus, build_root):
    # 30 presentations in chunks of 10, a monitor of one's own recording throughout
    # (a last, shorter chunk: the README's example, tests/test_api.py)
    model = Model(learning_params, 392, extra=lambda net: StateMonitor(net.hidden, "v", record=[0, 3],
                                                                       name="hidden_v"))
    simulator = Simulator(model, "cpp", 10, build_root=build_root)
    rows = np.vstack([stimulus, stimulus[:10]])
    run = simulator.run(rows, model.initial_state(7))
    period = float(learning_params.presentation.duration)
    trace = run.monitor("hidden_v")
    assert trace.v.shape == (2, round(30 * period / 1e-4)) and trace.v.dim == volt.dim
    np.testing.assert_allclose(np.diff(np.asarray(trace.t)), 1e-4, rtol=1e-6)  # continuous across chunks
    assert float(trace.v.min()) < -0.07 and float(trace.v.max()) > -0.055  # inhibited, and driven to threshold
    i, t = run.spikes("hidden")
    assert t.dim == second.dim and 20 * period < float(t.max()) < 30 * period
    assert run.counts.z.shape == (30, 20) and run.counts.z.sum() == len(i)
    # the same presentations in two runs: the second starts where the first ended
    first = simulator.run(rows[:20], model.initial_state(7))
    second_part = simulator.run(rows[20:], first.state)
    np.testing.assert_array_equal(run.state.W, second_part.state.W)
    assert not np.array_equal(first.state.W, second_part.state.W)
    with pytest.raises(KeyError, match="recorded"):
        run.monitor("soma")


def test_another_monitor_is_another_build(learning_params, build_root):
    def build_dir(record, name="hidden_v"):
        extra = lambda net: StateMonitor(net.hidden, "v", record=record, name=name)  # noqa: E731
        return Simulator(Model(learning_params, 392, extra=extra), "cpp", 5, build_root=build_root).generate()[1]

    assert build_dir([0]) == build_dir([0])
    assert len({build_dir([0]), build_dir([1]), build_dir([0], "other_name")}) == 3  # indices are compiled in


def test_a_truncated_run_args_file_left_by_a_killed_run_is_not_read(tmp_path, learning_params, tiny_idx_folder,
                                                                     build_root):
    # Brian2 names run_args files by content and skips existing ones: a training killed while
    # writing one left a truncated file under the very name its resumed run read; chunk-unique names now
    settings = RunSettings(dataset=tiny_idx_folder, presentations=20, chunk_size=CHUNK, seed=7)
    out = str(tmp_path / "truncated")
    train(learning_params, settings, out, build_root=build_root)
    state = Model(learning_params, 392).load_state(ResultsFolder(out).load_checkpoint().arrays)
    simulator = Simulator(Model(learning_params, 392), "cpp", CHUNK, build_root=build_root)
    simulator.prepare()
    net, device = standalone_project()
    _, _, name, array = device._prepare_variableview_run_arg(net.feedforward.w, state.W.T.ravel())
    with open(os.path.join(simulator.build_dir, "static_arrays", name), "wb") as f:
        f.write(array.tobytes()[:1000])
    train(learning_params, RunSettings(dataset=tiny_idx_folder, presentations=40, chunk_size=CHUNK, seed=7), out,
          resume=True, build_root=build_root)
    whole = str(tmp_path / "whole")
    train(learning_params, RunSettings(dataset=tiny_idx_folder, presentations=40, chunk_size=CHUNK, seed=7), whole,
          build_root=build_root)
    np.testing.assert_array_equal(ResultsFolder(out).load_checkpoint()["W"],
                                  ResultsFolder(whole).load_checkpoint()["W"])


def standalone_project():
    """(network, Brian2 device) of this process's standalone project."""
    return standalone.project.network, standalone.project.device


def test_trainings_sharing_a_build_keep_their_own_input(learning_params, stimulus, build_root, monkeypatch):
    # Two trainings with one seed and shape (say, another η) share a build and present
    # the same chunk. The other one finishing, and cleaning up, its chunk just before our
    # binary starts must leave ours its stimulus and weights (Brian2's content-named
    # files were shared, and ours were gone: a chunk without a single input spike).
    model = Model(learning_params, 392)
    state = model.initial_state(3)
    simulator = Simulator(model, "cpp", CHUNK, build_root=build_root)
    alone = simulator.run_chunk(state, stimulus)
    launch, others = cpp_device.subprocess.call, []

    def other_training_first(*args, **kwargs):
        device = standalone_project()[1]
        ours = device.results_dir
        monkeypatch.setattr(cpp_device.subprocess, "call", launch)
        others.append(simulator.run_chunk(state, stimulus))
        monkeypatch.setattr(cpp_device.subprocess, "call", other_training_first)
        device.results_dir = ours
        return launch(*args, **kwargs)

    monkeypatch.setattr(cpp_device.subprocess, "call", other_training_first)
    ours = simulator.run_chunk(state, stimulus)
    monkeypatch.setattr(cpp_device.subprocess, "call", launch)
    assert len(ours.spikes["visible"][0]) == len(alone.spikes["visible"][0]) > 0
    np.testing.assert_array_equal(ours.state.W, alone.state.W)
    np.testing.assert_array_equal(others[0].state.W, alone.state.W)


def test_run_time_values_reach_the_binary(learning_params, stimulus, build_root):
    # η = 0 and no homeostasis: nothing may change (they are run-time parameters, not constants)
    frozen = learning_params.with_overrides(plasticity={"eta": 0.0}, homeostasis={"rate": 0.0})
    model = Model(frozen, 392)
    state = model.initial_state(1)
    result = Simulator(model, "cpp", CHUNK, build_root=build_root).run_chunk(state, stimulus)
    assert len(result.spikes["hidden"][0]) > 0
    np.testing.assert_array_equal(result.state.W, state.W)
    np.testing.assert_array_equal(result.state.phi, state.phi)


def test_a_run_writes_back_only_the_synapses_the_network_reads(learning_params, stimulus, build_root):
    model = Model(learning_params, 392)
    simulator = Simulator(model, "cpp", CHUNK, build_root=build_root)
    simulator.run_chunk(model.initial_state(7), stimulus)  # (W read back: compared with the runtime device above)
    with open(os.path.join(simulator.build_dir, "objects.cpp")) as f:
        written = set(re.findall(r'results_dir \+ "(_dynamic_array_\w+)_\d+"', f.read()))
    plastic = {name for name in written if name.startswith(("_dynamic_array_feedforward_", "_dynamic_array_feedback_"))}
    assert plastic == {"_dynamic_array_feedforward_w", "_dynamic_array_feedback_q"}  # no delays, traces, indices
    assert {"_dynamic_array_hidden_spikes_i", "_dynamic_array_hidden_spikes_t"} <= written  # monitors are


WRITE_BLOCK = """
    ofstream outfile_{name};
    outfile_{name}.open(results_dir + "{name}_1", ios::binary | ios::out);
    if(outfile_{name}.is_open())
    {{
        outfile_{name}.close();
    }} else
    {{
        std::cout << "Error writing output file for {name}." << endl;
    }}
"""


def test_skipping_writes_keeps_the_others_and_refuses_a_template_it_does_not_know(tmp_path):
    source = tmp_path / "objects.cpp"
    generated = "void _write_arrays()\n{" + WRITE_BLOCK.format(name="_a") + WRITE_BLOCK.format(name="_b") + "}\n"
    source.write_text(generated)
    writeout.skip_writing(str(tmp_path), ["_a"])
    assert source.read_text() == "void _write_arrays()\n{\n" + WRITE_BLOCK.format(name="_b") + "}\n"
    # generated again (unpatched) after a patch: patched again, with the file times it had, so make compiles nothing
    os.utime(source, ns=(1, 10 ** 18))
    previous = writeout.source_state(str(source))
    source.write_text(generated)
    writeout.skip_writing(str(tmp_path), ["_a"], previous)
    assert source.read_text() == previous[0] and os.stat(source).st_mtime_ns == 10 ** 18
    with pytest.raises(DeviceError, match="cannot take _c out of .*0 blocks found"):
        writeout.skip_writing(str(tmp_path), ["_c"])
