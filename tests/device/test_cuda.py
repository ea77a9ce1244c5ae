"""cuda_standalone: clear errors, and (opt-in, minutes) generating and compiling the training network without a GPU."""
import os
import shutil

import pytest
from brian2 import ms, um

from brianmodel import mstdp, symstdp
from brianmodel.device import Simulator, check_device, configure_cuda, cuda_toolkit, gpu_present
from brianmodel.device.cuda import toolkit as cuda_module
from brianmodel.errors import DeviceError

brian2cuda = pytest.importorskip("brian2cuda", reason="brian2cuda not installed (pip install -e '.[cuda]')")
pytestmark = pytest.mark.cuda


def test_missing_nvcc_is_named(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CUDA_PATH", raising=False)
    monkeypatch.setattr(cuda_module, "CUDA_DEFAULT_PATHS", ())
    with pytest.raises(DeviceError, match="need NVIDIA's CUDA toolkit \\(nvcc\\)"):
        check_device("cuda")


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="no nvcc")
def test_toolkit_folder_has_headers():
    # /usr/local/bin/nvcc may be a wrapper script: the toolkit is where the headers are
    assert os.path.exists(os.path.join(cuda_toolkit(), "include", "cuda_runtime.h"))


@pytest.mark.skipif(shutil.which("nvcc") is None or gpu_present(), reason="needs nvcc and no GPU")
def test_without_gpu_a_compute_capability_is_required(tmp_path):
    with pytest.raises(DeviceError, match="give the target's compute capability"):
        configure_cuda(str(tmp_path))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nvcc") is None, reason="no nvcc: CUDA code cannot be compiled here")
@pytest.mark.parametrize("name", ["main", "dendritic"])
def test_training_network_compiles_for_cuda_without_a_gpu(tmp_path, name):
    """Generate and compile (not run) the 200-hidden training network for an H100 (sm_90): ~6-8 min on 2 cores
    each (``dendritic``: ball-and-stick visible cells, delays derived from run-time variables)."""
    sim = Simulator(mstdp.Model(mstdp.preset(name), 1568), "cuda", 500, build_root=str(tmp_path),
                    compute_capability=9.0)
    sim.prepare()
    binary = os.path.join(sim.build_dir, "main")
    assert os.access(binary, os.X_OK)
    with open(os.path.join(sim.build_dir, "makefile")) as f:
        makefile = f.read()
    assert "-arch=sm_90" in makefile and "-std=c++17" in makefile


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nvcc") is None, reason="no nvcc: CUDA code cannot be compiled here")
def test_symstdp_network_compiles_for_cuda_without_a_gpu(tmp_path):
    """The sym-STDP network (Poisson inputs, the teacher, its random stream seeded from run_args) for sm_90."""
    sim = Simulator(symstdp.Model(symstdp.preset("mnist"), 785), "cuda", 500, build_root=str(tmp_path),
                    compute_capability=9.0)
    sim.prepare()
    assert os.access(os.path.join(sim.build_dir, "main"), os.X_OK)
    with open(os.path.join(sim.build_dir, "code_objects", "..", "main.cu")) as f:
        assert "random_number_buffer.set_seed(" in f.read()  # each chunk's stream from its run_args


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nvcc") is None, reason="no nvcc: CUDA code cannot be compiled here")
def test_ensemble_compiles_for_cuda_without_a_gpu(tmp_path):
    """An ensemble of 4 ``dendritic`` copies at other locations and delays (per-copy tables, the shared image
    table, synapses created within copies) generates and compiles for sm_90."""
    base = mstdp.preset("dendritic")
    copies = [base.with_overrides(locations={"feedback": x * um}, connections={"delay_feedback": d * ms})
              for x, d in ((50, 1), (250, 3), (450, 5), (350, 2))]
    sim = Simulator(mstdp.Ensemble(copies, 1568, n_images=5000), "cuda", 500, build_root=str(tmp_path),
                    compute_capability=9.0)
    sim.prepare()
    assert os.access(os.path.join(sim.build_dir, "main"), os.X_OK)
    with open(os.path.join(sim.build_dir, "makefile")) as f:
        assert "-arch=sm_90" in f.read()
    with open(os.path.join(sim.build_dir, "code_objects", "feedback_pre_codeobject.cu")) as f:
        assert "feedback_values" in f.read()  # each synapse reads its copy's row


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nvcc") is None, reason="no nvcc: CUDA code cannot be compiled here")
def test_lateral_inhibition_compiles_for_cuda_without_a_gpu(tmp_path):
    """Copies with plastic lateral inhibition (hidden -> the copy's other hidden units, istdp, their own values
    per copy) generate and compile for sm_90 with brianmodel's device."""
    base = mstdp.preset("lateral")
    copies = [base.with_overrides(rules={"lateral": f"istdp(alpha={a})"}, lateral={"delay": d * ms})
              for a, d in ((0.05, 0), (0.2, 1))]
    sim = Simulator(mstdp.Ensemble(copies, 1568, n_images=5000), "cuda", 500, build_root=str(tmp_path),
                    compute_capability=9.0)
    sim.prepare()
    assert os.access(os.path.join(sim.build_dir, "main"), os.X_OK)
    with open(os.path.join(sim.build_dir, "code_objects", "lateral_pre_codeobject.cu")) as f:
        assert "lateral_values" in f.read()  # each synapse reads its copy's row


@pytest.mark.slow
@pytest.mark.skipif(not gpu_present(), reason="needs a GPU (nvidia-smi -L finds none)")
def test_pairing_window_on_a_gpu_equals_cpp(tmp_path):
    """Feedback synapses on the dendrite, so both pathways of every synapse are delayed (brian2cuda issue #61:
    an on_post pathway's delays left unset): the window on cuda equals cpp's to the bit (so it was on an H200,
    docs/gpu.md; no sum there has two terms in one step)."""
    from numpy.testing import assert_array_equal
    from brianmodel.protocols.pairing import PairingProtocol, run_pairing
    params, protocol = mstdp.preset("dendritic"), PairingProtocol(lags_ms=(-20.0, -5.0, 5.0, 20.0), n_pairings=10)
    cpp = run_pairing(params, protocol, "cpp", build_root=str(tmp_path))
    cuda = run_pairing(params, protocol, "cuda", build_root=str(tmp_path))
    for pathway in ("feedforward", "feedback"):
        assert abs(cpp[f"{pathway}_change"]).min() > 0  # every lag changes the weight
        assert_array_equal(cuda[f"{pathway}_change"], cpp[f"{pathway}_change"])


def _fake_nvidia_smi(tmp_path, monkeypatch, script):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "nvidia-smi").write_text("#!/bin/sh\n" + script)
    (bin_dir / "nvidia-smi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


def test_free_gpu_memory_is_the_emptiest_gpu_s(tmp_path, monkeypatch):
    _fake_nvidia_smi(tmp_path, monkeypatch, 'echo "1024"; echo "81559"\n')  # MiB, one line per GPU
    assert cuda_module.gpu_free_memory() == 81559 * 2 ** 20
    _fake_nvidia_smi(tmp_path, monkeypatch, "echo 'NVIDIA-SMI has failed'; exit 9\n")
    assert cuda_module.gpu_free_memory() is None
    monkeypatch.setenv("PATH", "/nonexistent")
    assert cuda_module.gpu_free_memory() is None


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="no nvcc")
def test_an_ensemble_the_gpu_cannot_hold_is_refused_before_it_is_built(tmp_path, monkeypatch):
    from brianmodel.device import simulator, targets
    ensemble = mstdp.Ensemble([mstdp.preset("main")] * 64, 1568)
    needed = ensemble.memory_estimate(100)
    monkeypatch.setattr(targets, "gpu_free_memory", lambda: needed)  # 80% of it is not enough
    with pytest.raises(simulator.SimulationError, match=r"needs about .* GiB on the GPU, which has .* GiB free"):
        Simulator(ensemble, "cuda", 100, build_root=str(tmp_path), compute_capability=9.0)
    monkeypatch.setattr(targets, "gpu_free_memory", lambda: 2 * needed)
    assert Simulator(ensemble, "cuda", 100, build_root=str(tmp_path), compute_capability=9.0).build_dir
    assert not os.listdir(tmp_path)  # nothing generated or compiled by either
