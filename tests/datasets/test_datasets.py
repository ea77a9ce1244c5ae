import gzip
import os

import numpy as np
import pytest

from brianmodel.datasets import load_dataset, load_idx_folder, load_mnist_bundled, on_off, read_idx
from brianmodel.datasets.mnist import FASHION_MNIST_PATHS
from brianmodel.errors import DatasetError


def test_on_off_split_is_nonnegative_and_invertible():
    s = np.random.default_rng(1).normal(size=(5, 4, 3))
    v = on_off(s)
    assert v.shape == (5, 24)
    assert (v >= 0).all()
    np.testing.assert_allclose(v[:, :12] - v[:, 12:], s.reshape(5, 12))
    assert ((v[:, :12] > 0) & (v[:, 12:] > 0)).sum() == 0  # a pixel is ON or OFF, not both


def test_bundled_mnist():
    d = load_mnist_bundled()
    assert d.images.shape == (5000, 28, 28) and d.n_visible == 1568
    assert 0 <= d.images.min() and d.images.max() <= 1
    X = d.visible_intensities()
    assert X.shape == (5000, 1568) and (X >= 0).all()


def test_idx_roundtrip_plain_and_gzipped(tmp_path, write_idx):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    np.testing.assert_array_equal(read_idx(tmp_path / "train-images-idx3-ubyte"), images)
    with open(tmp_path / "train-images-idx3-ubyte", "rb") as f, gzip.open(tmp_path / "x.gz", "wb") as g:
        g.write(f.read())
    np.testing.assert_array_equal(read_idx(tmp_path / "x.gz"), images)


def test_idx_folder(tiny_idx_folder):
    d = load_dataset(tiny_idx_folder)
    assert d.images.shape == (60, 14, 14) and d.labels.shape == (60,)


def test_an_idx_test_split_follows_the_training_images(toy_bars_folder):
    d = load_dataset(toy_bars_folder)
    assert d.images.shape == (150, 10, 10) and d.n_test == 50
    np.testing.assert_array_equal(d.labels[100:], np.repeat(np.arange(10), 5))  # the t10k files, last
    assert load_idx_folder(toy_bars_folder, "t10k").images.shape == (50, 10, 10)


@pytest.mark.skipif(not any(os.path.isdir(p) for p in FASHION_MNIST_PATHS),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_from_the_debian_package():
    d = load_dataset("fashion")
    assert d.images.shape == (70000, 28, 28) and d.n_test == 10000
    assert 0 <= d.images.min() and d.images.max() <= 1 and set(np.unique(d.labels)) == set(range(10))


def test_malformed_idx_files_are_rejected(tmp_path, write_idx):
    (tmp_path / "bad").write_bytes(b"\x12\x34\x08\x03rest")
    with pytest.raises(DatasetError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((4, 5, 5), np.uint8))
    data = (tmp_path / "train-images-idx3-ubyte").read_bytes()
    (tmp_path / "train-images-idx3-ubyte").write_bytes(data[:-7])
    with pytest.raises(DatasetError, match="header says"):
        load_idx_folder(str(tmp_path))


def test_missing_and_unknown_datasets(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset(str(tmp_path / "nowhere") + os.sep)
    with pytest.raises(DatasetError, match="unknown dataset 'cifar'"):
        load_dataset("cifar")
    with pytest.raises(DatasetError, match="no train-images"):
        load_idx_folder(str(tmp_path))
