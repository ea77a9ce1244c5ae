"""MNIST-format IDX files (``train-images-idx3-ubyte[.gz]`` and friends), optionally with a test split."""
from __future__ import annotations

import gzip
import os
import struct

import numpy as np

from ..errors import DatasetError
from .base import Dataset

__all__ = ["read_idx", "load_idx_folder"]


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
