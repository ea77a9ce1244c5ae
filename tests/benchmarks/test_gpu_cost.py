"""The static cost of a CUDA time step (benchmarks/gpu/cost.py): the reader checked on small pieces of C++ and
against brian2cuda's step as counted by hand (../shared/GPU_NOTES.md), and brianmodel's CUDA device held to
no host wait and no serial kernel in a step, at most 30 launches, and a set-up without per-neuron copies or a
map of synapse pairs: for one network, an ensemble of 64 and an ensemble whose copies have their own delays;
with cuda-graphs, one graph launch per step whose kernels take nothing per step from the host.
Generating a project compiles nothing (about 10 s each)."""
import importlib.util
import os
import shutil

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
pytest.importorskip("brian2cuda", reason="brian2cuda not installed (pip install -e '.[cuda]')")
pytestmark = pytest.mark.cuda
needs_nvcc = pytest.mark.skipif(shutil.which("nvcc") is None, reason="no nvcc (the CUDA toolkit)")


@pytest.fixture(scope="module")
def cost():
    spec = importlib.util.spec_from_file_location("gpu_cost", os.path.join(ROOT, "benchmarks", "gpu", "cost.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _when(cost, body, one_delay=True):
    return [(site["what"], site["when"]) for site in cost.call_sites(body, one_delay)]


def test_a_call_under_a_count_copied_from_the_gpu_needs_spikes(cost):
    body = """
        int32_t n;  // "a { brace in a comment"
        CUDA_SAFE_CALL(cudaMemcpy(&n, ptr, sizeof(int32_t), cudaMemcpyDeviceToHost));
        int blocks = n * 4;
        if (blocks > 0) { kernel<<<blocks, 128>>>(ptr); }
        other<<<8, 32>>>(ptr);
    """
    assert _when(cost, body) == [("cudaMemcpy", "step"), ("kernel", "spikes"), ("other", "step")]


def test_set_up_blocks_and_the_delay_path_not_taken_are_left_out(cost):
    body = """
        static bool first_run = true;
        if (first_run) { CUDA_SAFE_CALL(cudaMalloc((void**)&p, 4)); first_run = false; }
        if (path_scalar_delay) { q = 1; }
        else if (path_max_size > 0) { CUDA_SAFE_CALL(cudaMemcpy(&n, p, 4, cudaMemcpyDeviceToHost));
                                      _advance_kernel_x<<<1, num_parallel_blocks>>>(); }
        for (int k = 0; k < 3; k++) { cudaMemsetAsync(p, 0, 4); }
    """
    assert _when(cost, body, one_delay=True) == [("cudaMalloc", "once"), ("memset", "step")]
    sites = cost.call_sites(body, one_delay=False)
    assert [(s["what"], s["when"]) for s in sites] == [("cudaMalloc", "once"), ("cudaMemcpy", "step"),
                                                       ("_advance_kernel_x", "step"), ("memset", "step")]
    assert sites[2]["serial"]  # one block over all events


def test_serial_kernels_are_found(cost):
    body = "num_blocks = 1;\nnum_threads = 1;\nk<<<num_blocks, num_threads>>>(a);\nm<<<num_blocks, 256>>>(a);"
    sites = cost.call_sites(body, True)
    assert [s["serial"] for s in sites] == [True, False] and all(s["one_block"] for s in sites)


@needs_nvcc
def test_brian2cuda_s_step_as_counted_by_hand(cost, tmp_path):
    """A quiet step of one network: 18 launches and 12 blocking copies (../shared/GPU_NOTES.md); spikes add a
    kernel and two resizes per monitor and a kernel per pathway; a map of pairs for each Synapses object; a
    copy per presynaptic neuron in every pathway's set-up; 60 bytes per plastic synapse written back."""
    stock = cost.cost("one", "cuda-stock", str(tmp_path))
    quiet, spikes = stock["per_step"]["quiet"], stock["per_step"]["spikes"]
    assert (quiet["launch"], quiet["blocking"]) == (18, 12)
    assert (spikes["launch"], spikes["blocking"]) == (18 + 4 + 8, 12 + 4 * 2)
    assert len(stock["setup"]["pair_map"]) == 6 and len(stock["setup"]["copies_in_a_loop"]) == 8
    assert stock["setup"]["writeout_bytes_per_synapse"] == 60


@needs_nvcc
@pytest.mark.parametrize("device", ["cuda", "cuda-graphs"])
@pytest.mark.parametrize("network", ["one", "ensemble64", "delays"])
def test_brianmodel_s_device_never_waits_in_a_step(cost, tmp_path, network, device):
    project = cost.cost(network, device, str(tmp_path))
    for kind in ("quiet", "spikes"):
        step = project["per_step"][kind]
        assert step["blocking"] == 0, step["blocking_calls"]
        assert step["serial"] == []
        assert step["launch"] <= 30
    assert project["per_step"]["quiet"]["launch"] == project["per_step"]["spikes"]["launch"]  # a fixed grid
    if device == "cuda-graphs":  # the host launches one graph per step; no per-step value left on the host
        graph = project["graph"]
        assert graph["host_launches_per_step"] == 1
        quiet = project["per_step"]["quiet"]
        assert graph["nodes"]["quiet"] == quiet["launch"] + quiet["memset"] + 1  # and the advance kernel
        build_dir, = [path for path in tmp_path.iterdir() if path.is_dir() and path.name.startswith("cuda-graphs-")]
        with open(os.path.join(build_dir, "network.cu")) as f:
            assert "brianmodel_graph::run_step(curclocks" in f.read()
        for code in (build_dir / "code_objects").glob("*.cu"):
            if not code.name.startswith(("before_run_", "after_run_")):
                assert "current_idx" not in cost.strip_code(code.read_text()), code.name
    else:
        assert project["graph"] is None
    setup = project["setup"]
    assert setup["pair_map"] == [] and setup["copies_in_a_loop"] == []
    assert setup["writeout_bytes_per_synapse"] == 8  # the weight: all that read_state reads
    if network == "one" and device == "cuda":  # every template of the device's own is the one generated from
        build_dir, = [path for path in tmp_path.iterdir() if path.is_dir() and path.name.startswith("cuda-")]
        folder = os.path.join(build_dir, "code_objects")
        for name in ("feedforward_pre_codeobject", "feedforward_pre_push_spikes",
                     "before_run_feedforward_pre_push_spikes", "hidden_spikes_codeobject",
                     "after_run_hidden_spikes_codeobject", "hidden_spike_thresholder_codeobject",
                     "hidden_spike_resetter_codeobject", "feedforward_synapses_create_generator_codeobject"):
            with open(os.path.join(folder, name + ".cu")) as f:
                assert "brianmodel's CUDA device:" in f.read(), name
