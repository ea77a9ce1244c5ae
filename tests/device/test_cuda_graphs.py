"""Device cuda-graphs: a step's per-step kernel arguments rewritten into GPU pointers (brianmodel.device.cuda.graphs),
networks it cannot capture refused before anything compiles, and (slow) the training network compiled for sm_90."""
import os
import shutil

import pytest

pytest.importorskip("brian2cuda", reason="brian2cuda not installed (pip install -e '.[cuda]')")
pytestmark = pytest.mark.cuda
from brianmodel.device.cuda.graphs import capture_ready, per_step_arguments, split_top_level  # noqa: E402
from brianmodel.errors import DeviceError  # noqa: E402

needs_nvcc = pytest.mark.skipif(shutil.which("nvcc") is None, reason="no nvcc (the CUDA toolkit)")
VARYING = {"_array_defaultclock_t", "_array_defaultclock_timestep"}

# the shape of a brian2cuda code object: a kernel, then its host function's launch
CODE = """
__global__ void
_run_kernel_g_thresholder(
    int _N,
    int THREADS_PER_BLOCK,
    ///// KERNEL_PARAMETERS /////
    int32_t* _ptr_array_g__spikespace,
\tconst double _array_defaultclock_dt,
\tconst double _value_array_defaultclock_t,
    const int _current_slot
    )
{
    using namespace brian;
    _ptr_array_g__spikespace[_N] = (int)_value_array_defaultclock_t + _current_slot;
}

void _run_g_thresholder()
{
    _run_kernel_g_thresholder<<<num_blocks, num_threads>>>(
            _N,
            num_threads,
            ///// HOST_PARAMETERS /////
            dev_array_g__spikespace[current_idx_array_g__spikespace],
\t\t\t_array_defaultclock_dt[0],
\t\t\t_array_defaultclock_t[0],
            current_idx_array_g__spikespace
        );
}
"""


def test_arguments_split_at_top_level_commas_without_comments():
    assert split_top_level(" a, f(b, c), d[e, 1], p->q, // note, here\n x ") == \
        ["a", "f(b, c)", "d[e, 1]", "p->q", "x"]
    assert split_top_level("  ") == []


def test_only_values_that_change_every_step_are_rewritten():
    eventspace = "dev_array_g__spikespace[current_idx_array_g__spikespace]"
    assert per_step_arguments(eventspace, VARYING)[1] == "slot-eventspace"
    assert per_step_arguments("current_idx_array_g__spikespace", VARYING)[1] == "slot"
    assert per_step_arguments("_array_defaultclock_t[0]", VARYING) == ("dev_array_defaultclock_t", "value")
    for constant in ("_array_defaultclock_dt[0]", "_N", "dev_array_g_v", "dev_array_g__spikespace[0]"):
        assert per_step_arguments(constant, VARYING) is None


def test_a_launch_passes_its_per_step_values_as_gpu_pointers():
    code = capture_ready(CODE, VARYING)
    kernel, host = code.split("void _run_g_thresholder()")
    # the host passes pointers to the GPU's current slot, t and the ring, nothing that changes per step
    assert "current_idx" not in code and "_array_defaultclock_t[0]" not in host
    assert ("brianmodel_graph::slots(dev_array_g__spikespace), "
            "brianmodel_graph::current_slot(dev_array_g__spikespace)") in host
    assert "dev_array_defaultclock_t," in host and "_array_defaultclock_dt[0]" in host  # dt is constant: by value
    # the kernel reads them back into the names its body uses, before the body
    assert "int32_t* const* _ptr_array_g__spikespace_slots, const int* _ptr_array_g__spikespace_current" in kernel
    assert "const double* _value_array_defaultclock_t_on_gpu" in kernel and "const int* _current_slot_on_gpu" in kernel
    prelude = kernel[kernel.index("{"):kernel.index("using namespace brian;")]
    assert ("int32_t* _ptr_array_g__spikespace = "
            "_ptr_array_g__spikespace_slots[*_ptr_array_g__spikespace_current];") in prelude
    assert "const double _value_array_defaultclock_t = *_value_array_defaultclock_t_on_gpu;" in prelude
    assert "const int _current_slot = *_current_slot_on_gpu;" in prelude
    assert code.startswith('#include "brianlib/brianmodel_graph.h"')
    # arguments and parameters still pair up one to one
    launch = host[host.index(">>>(") + 4:host.index(");")]
    params = kernel[kernel.index("_run_kernel_g_thresholder(") + len("_run_kernel_g_thresholder("):kernel.index(")\n{")]
    assert len(split_top_level(launch)) == len(split_top_level(params)) == 7  # 6, the eventspace as 2


def test_code_without_per_step_values_is_left_as_it_is():
    code = CODE.replace("dev_array_g__spikespace[current_idx_array_g__spikespace]", "dev_array_g_v").replace(
        "_array_defaultclock_t[0]", "_array_defaultclock_dt[0]").replace("current_idx_array_g__spikespace\n", "_N\n")
    assert capture_ready(code, VARYING) == code


def test_a_launch_that_does_not_match_its_kernel_or_a_slot_left_on_the_host_is_refused():
    with pytest.raises(DeviceError, match="arguments for .* parameters"):
        capture_ready(CODE.replace("\tconst double _array_defaultclock_dt,\n", ""), VARYING)
    with pytest.raises(DeviceError, match="still uses current_idx_array_g__spikespace"):
        memset = "cudaMemsetAsync(dev_array_g__spikespace[current_idx_array_g__spikespace], 0, 4);"
        capture_ready(CODE + "\nvoid f() { " + memset + " }\n", VARYING)


@needs_nvcc
def test_a_network_with_per_step_random_numbers_is_refused_before_compiling(tmp_path):
    """The sym-STDP network draws Poisson inputs from cuRAND every step: a graph would replay one step's."""
    from brianmodel import symstdp
    from brianmodel.device import Simulator
    sim = Simulator(symstdp.Model(symstdp.preset("mnist"), 785), "cuda-graphs", 100, build_root=str(tmp_path),
                    compute_capability=9.0)
    with pytest.raises(DeviceError, match="device 'cuda-graphs' cannot capture .*use device 'cuda'"):
        sim.write_project()
    assert not any(path.suffix == ".o" for path in tmp_path.rglob("*.o"))


@pytest.mark.slow
@needs_nvcc
def test_training_network_compiles_for_cuda_graphs_without_a_gpu(tmp_path):
    """The 200-hidden training network for sm_90 with every launch on the per-thread default stream (~6 min on
    2 cores): the step's code objects, the graph's registry and the network loop that captures it."""
    from brianmodel import mstdp
    from brianmodel.device import Simulator
    sim = Simulator(mstdp.Model(mstdp.preset("main"), 1568), "cuda-graphs", 500, build_root=str(tmp_path),
                    compute_capability=9.0)
    sim.prepare()
    assert os.access(os.path.join(sim.build_dir, "main"), os.X_OK)
    with open(os.path.join(sim.build_dir, "makefile")) as f:
        assert "--default-stream per-thread" in f.read()
    with open(os.path.join(sim.build_dir, "network.cu")) as f:
        assert "brianmodel_graph::run_step(curclocks" in f.read()
