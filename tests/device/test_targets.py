"""The devices as classes: their names, configurations checked once, what of them is compiled in, and
brianmodel's CUDA device pinned to the brian2cuda it derives from."""
import shutil

import pytest

from brianmodel.device import DEVICES, target, targets
from brianmodel.errors import DeviceError, SimulationError

needs_cuda = pytest.mark.skipif(shutil.which("nvcc") is None, reason="no nvcc")


def test_every_device_is_a_class_with_its_configuration():
    assert DEVICES == ("runtime", "cpp", "cuda", "cuda-graphs", "cuda-stock")
    cpp = target("cpp", threads=2)
    assert isinstance(cpp, targets.Cpp) and cpp.standalone and not cpp.gpu and cpp.threads == 2
    assert cpp.key() == {"device": "cpp", "threads": 2, "cc": None}
    assert not target("runtime").standalone
    with pytest.raises(DeviceError, match="unknown device 'gpu'; choose one of runtime, cpp, cuda, cuda-graphs, cuda-stock"):
        target("gpu")
    with pytest.raises(SimulationError, match="threads must be an integer >= 0"):
        target("cpp", threads=-1)
    with pytest.raises(SimulationError, match="compute_capability applies to a CUDA device only"):
        target("cpp", compute_capability=9.0)


@needs_cuda
def test_the_cuda_devices(monkeypatch):
    pytest.importorskip("brian2cuda")
    cuda, stock = target("cuda", compute_capability=9.0), target("cuda-stock", compute_capability=9.0)
    assert cuda.gpu and cuda.spike_buffers and not stock.spike_buffers
    assert cuda.brian_device == "brianmodel_cuda" and stock.brian_device == "cuda_standalone"
    assert cuda.key() == {"device": "cuda", "threads": 0, "cc": 9.0, "brian2cuda": "1.0b1"}
    assert "cudaDeviceSynchronize" in cuda.wait_code and not target("cpp").wait_code
    graphs = target("cuda-graphs", compute_capability=9.0)  # cuda, built apart, a step captured as a graph
    assert isinstance(graphs, targets.Cuda) and graphs.brian_device == "brianmodel_cuda" and graphs.spike_buffers
    assert graphs.key() == {**cuda.key(), "device": "cuda-graphs"}
    with pytest.raises(SimulationError, match="threads .* apply to the cpp device only"):
        target("cuda", threads=2, compute_capability=9.0)
    monkeypatch.setattr(targets, "_brian2cuda_version", lambda: "1.1.0")
    with pytest.raises(DeviceError, match="derives from brian2cuda 1.0b1, found 1.1.0: install brian2cuda==1.0b1"):
        target("cuda", compute_capability=9.0)
    assert target("cuda-stock", compute_capability=9.0).key()["brian2cuda"] == "1.1.0"  # stock takes any


@needs_cuda
def test_cuda_graphs_is_cuda_with_its_step_captured_and_cuda_stays_as_it_was(tmp_path):
    """Activating cuda-graphs turns on the capture and the per-thread default stream; activating cuda afterwards
    (the same Brian2 device) turns both off again."""
    pytest.importorskip("brian2cuda")
    from brian2 import get_device, prefs
    graphs, cuda = target("cuda-graphs", compute_capability=9.0), target("cuda", compute_capability=9.0)
    graphs.activate(str(tmp_path))
    flags = prefs.devices.cuda_standalone.cuda_backend.extra_compile_args_nvcc
    assert get_device().graphs and flags[-2:] == ["--default-stream", "per-thread"]
    cuda.activate(str(tmp_path))
    assert not get_device().graphs
    assert "per-thread" not in prefs.devices.cuda_standalone.cuda_backend.extra_compile_args_nvcc
