"""Synthetic patches made of localized Gabor wavelets: a control for the natural-patch fields.

Each patch is a sparse sum of atoms from one fixed dictionary of localized,
oriented Gabors, plus a little noise: the generative model that sparse coding
assumes (Olshausen & Field 1996), with the answer known. A learner that finds
localized wavelets here but not in photographs is held back by the
photographs, not by its rule (docs/natural-patches.md).
"""
from __future__ import annotations

import numpy as np

from ..errors import DatasetError
from .base import Dataset
from .natural import check_patches_fit

__all__ = ["gabor_dictionary", "gabor_patches"]

# Ours: wavelets like sparse coding's on Olshausen & Field's images (16 x 16 patches): envelope σ 1.2-2.2
# pixels along the carrier, 1.5 times that across it, 0.12-0.25 cycles/pixel, centred in the middle half.
SIGMA = (1.2, 2.2)
ELONGATION = 1.5
FREQUENCY = (0.12, 0.25)


def gabor_dictionary(n_atoms: int = 200, size: int = 16, seed: int = 0) -> np.ndarray:
    """``n_atoms`` localized Gabors (n_atoms, size, size), each of unit norm, drawn with ``seed``."""
    if n_atoms < 1 or size < 4:
        raise DatasetError(f"a Gabor dictionary needs at least 1 atom and 4 x 4 pixels, got {n_atoms}, {size}")
    rng = np.random.default_rng([seed, 3])
    y, x = np.mgrid[:size, :size].astype(float)
    atoms = np.empty((n_atoms, size, size))
    for k in range(n_atoms):
        x0, y0 = rng.uniform(size / 4, 3 * size / 4, 2)
        theta, phase = rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi)
        sigma, frequency = rng.uniform(*SIGMA), rng.uniform(*FREQUENCY)
        along = (x - x0) * np.cos(theta) + (y - y0) * np.sin(theta)
        across = -(x - x0) * np.sin(theta) + (y - y0) * np.cos(theta)
        envelope = np.exp(-(along ** 2 + (across / ELONGATION) ** 2) / (2 * sigma ** 2))
        atom = envelope * np.cos(2 * np.pi * frequency * along + phase)
        atoms[k] = atom / np.linalg.norm(atom)
    return atoms


def gabor_patches(n_patches: int = 20000, size: int = 16, n_atoms: int = 200, active: float = 0.03,
                  noise: float = 0.05, seed: int = 0) -> Dataset:
    """``n_patches`` patches x = Σ_j a_j g_j + noise over :func:`gabor_dictionary` (``seed``): each atom is in
    a patch with probability ``active`` (0.03 of 200: 6 atoms), with a Laplace coefficient of either sign;
    Gaussian ``noise`` per pixel; unit variance overall, like whitened natural patches."""
    if n_patches < 1 or not 0 < active <= 1 or noise < 0:
        raise DatasetError(f"Gabor patches need n_patches >= 1, 0 < active <= 1 and noise >= 0, "
                           f"got {n_patches}, {active}, {noise}")
    check_patches_fit(n_patches, size)
    atoms = gabor_dictionary(n_atoms, size, seed).reshape(n_atoms, -1)
    rng = np.random.default_rng([seed, 4])
    coefficients = rng.laplace(size=(n_patches, n_atoms)) * (rng.random((n_patches, n_atoms)) < active)
    patches = coefficients @ atoms + noise * rng.normal(size=(n_patches, size * size))
    patches -= patches.mean()
    patches /= patches.std()
    return Dataset("gabors", patches.reshape(n_patches, size, size), np.full(n_patches, -1))
