import numpy as np
import pytest

from brianmodel.analysis import field_shapes, gabor_fits
from brianmodel.datasets import gabor_dictionary, gabor_patches, load_dataset
from brianmodel.errors import DatasetError


def test_the_gabor_atoms_are_localized_oriented_wavelets_by_the_fields_measure():
    atoms = gabor_dictionary(40, 16, seed=0)
    assert atoms.shape == (40, 16, 16)
    np.testing.assert_allclose(np.linalg.norm(atoms.reshape(40, -1), axis=1), 1.0)
    shares = field_shapes(*gabor_fits(atoms / np.abs(atoms).max(axis=(1, 2), keepdims=True)), (16, 16))
    assert shares["gabor"] == 1.0 and shares["localized"] == 1.0 and shares["v1_like"] >= 0.7
    assert not np.array_equal(atoms, gabor_dictionary(40, 16, seed=1))


def test_gabor_patches_are_sparse_sums_of_the_atoms():
    d = gabor_patches(n_patches=3000, size=12, n_atoms=30, active=0.1, noise=0.0, seed=2)
    assert d.images.shape == (3000, 12, 12) and d.name == "gabors" and d.images.std() == pytest.approx(1)
    # without noise, each patch is exactly its atoms' sum (scaled, less one global mean): about 30 x 0.1 atoms
    basis = np.vstack([gabor_dictionary(30, 12, seed=2).reshape(30, -1), np.ones(144)])
    x = d.images.reshape(3000, -1)
    coefficients, *_ = np.linalg.lstsq(basis.T, x.T, rcond=None)
    assert np.abs(basis.T @ coefficients - x.T).max() < 1e-9
    assert 2.7 <= (np.abs(coefficients[:30]) > 1e-9).sum(axis=0).mean() <= 3.3
    np.testing.assert_array_equal(d.images, gabor_patches(n_patches=3000, size=12, n_atoms=30, active=0.1,
                                                          noise=0.0, seed=2).images)


def test_gabor_patches_from_the_dataset_name():
    assert load_dataset("gabors:8").images.shape == (20000, 8, 8)
    with pytest.raises(DatasetError, match="patch size"):
        load_dataset("gabors:x")
    with pytest.raises(DatasetError, match="at least 1 atom and 4 x 4"):
        gabor_patches(n_patches=10, size=3)
    with pytest.raises(DatasetError, match="0 < active <= 1"):
        gabor_patches(n_patches=10, active=0.0)
