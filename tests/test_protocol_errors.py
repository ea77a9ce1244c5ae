"""protocols/train.py and classify.py reject bad input with a clear message, before anything is compiled."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "protocols"))
import classify as classify_protocol  # noqa: E402
import train as train_protocol  # noqa: E402


@pytest.fixture
def empty_build_root(tmp_path, monkeypatch):
    root = tmp_path / "builds"
    monkeypatch.setenv("BRIANMODEL_BUILD_ROOT", str(root))
    return root


def _fails(argv, message, tmp_path, build_root):
    with pytest.raises(SystemExit) as exit_info:
        train_protocol.main(argv + ["--out", str(tmp_path / "out")])
    assert message in str(exit_info.value), str(exit_info.value)
    assert not build_root.exists() or not os.listdir(build_root), "something was compiled"


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "/no/such/folder/"], "does not exist"),
    (["--dataset", "imagenet"], "unknown dataset 'imagenet'"),
    (["--hidden", "0"], "n_hidden = 0 must be positive"),
    (["--presentations", "0"], "presentations must be a positive integer"),
    (["--chunk", "-5"], "chunk_size must be a positive integer"),
    (["--delay-feedback", "-1"], "delay_feedback = -1. ms must not be negative"),
    (["--delay-feedforward", "0.05"], "not a multiple of dt"),
    (["--device", "gpu"], "unknown device 'gpu'"),
    (["--preset", "dense"], "unknown preset 'dense'"),
    (["--set", "connections.delay_feedback=3"], "needs units of time"),
    (["--set", "neurons.E_L=-65*ms"], "needs units of voltage"),
    (["--set", "nonsense"], "SECTION.NAME=VALUE"),
    (["--set", "plasticity.eta=fast"], "cannot read the value 'fast'"),
    (["--seed", "-1"], "seed must be a non-negative integer"),
])
def test_bad_arguments(argv, message, tmp_path, empty_build_root):
    _fails(argv, message, tmp_path, empty_build_root)


def test_malformed_idx_file(tmp_path, empty_build_root):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte").write_bytes(b"not an idx file at all")
    _fails(["--dataset", str(folder)], "not an IDX file", tmp_path, empty_build_root)


def test_resume_without_results(tmp_path, empty_build_root):
    _fails(["--resume"], "no params.json", tmp_path, empty_build_root)


def test_cuda_without_gpu_or_compute_capability(tmp_path, empty_build_root):
    import shutil

    from brianmodel.device import gpu_present
    pytest.importorskip("brian2cuda")
    if shutil.which("nvcc") is None or gpu_present():
        pytest.skip("needs nvcc and no GPU")
    _fails(["--device", "cuda"], "give the target's compute capability", tmp_path, empty_build_root)
    assert not (tmp_path / "out").exists()  # nothing written: the error came first


import sweep as sweep_protocol  # noqa: E402


@pytest.mark.parametrize("argv, message", [
    (["--locations", "50", "600"], "beyond the dendrite"),
    (["--locations", "-50"], "must not be negative"),
    (["--delays-feedback", "2.55"], "not a multiple of dt"),
    (["--delays-feedforward", "-2"], "must not be negative"),
    (["--device", "runtime"], "standalone"),
    (["--workers", "0"], "workers must be at least 1"),
    (["--dataset", "imagenet"], "unknown dataset 'imagenet'"),
    (["--set", "cable.n_compartments=20"], "too stiff"),
])
def test_bad_sweep_arguments(argv, message, tmp_path, empty_build_root):
    out = tmp_path / "sweep"
    with pytest.raises(SystemExit) as exit_info:
        sweep_protocol.main(argv + ["--out", str(out)])
    assert message in str(exit_info.value), str(exit_info.value)
    assert not out.exists(), "the sweep started"


@pytest.mark.parametrize("argv, message", [
    (["--model", "lstm"], "unknown model 'lstm'"),
    (["--model", "symstdp", "--hidden", "0"], "n_excitatory = 0 must be positive"),
    (["--model", "symstdp", "--preset", "cifar"], "unknown sym-STDP preset 'cifar'"),
    (["--model", "symstdp", "--set", "presentation.image_duration=350"], "needs units of time"),
    (["--model", "symstdp", "--holdout", "5000"], "holdout must lie in 0..4999"),
    (["--label-copies", "0"], "label_copies must be a positive integer"),
    (["--dataset", "cifar"], "unknown dataset 'cifar'"),
])
def test_classify_protocol_errors(argv, message, tmp_path, empty_build_root):
    with pytest.raises(SystemExit) as exit_info:
        classify_protocol.main(argv + ["--out", str(tmp_path / "out")])
    assert message in str(exit_info.value), str(exit_info.value)
    assert not empty_build_root.exists() or not os.listdir(empty_build_root), "something was compiled"
    assert not (tmp_path / "out").exists(), "something was written"
