import numpy as np
import pytest

from brianmodel.analysis import (bout_counts, bout_gaps, qw_correlation, rate_model_update, receptive_fields,
                                 reconstruction_corr, reconstruction_loss, sparsity_loss)

T, SPLIT = 0.065, 0.009


def _spikes():
    # presentation 0: visible 0 at 2 ms (initial), hidden 1 at 8 ms, visible 0 and 2 at 15 ms (final)
    # presentation 1: visible 3 at T + 1 ms, hidden 0 at T + 7 ms, visible 3 at T + 20 ms
    return {"visible": (np.array([0, 0, 2, 3, 3]), np.array([0.002, 0.015, 0.015, T + 0.001, T + 0.020])),
            "hidden": (np.array([1, 0]), np.array([0.008, T + 0.007]))}


def test_bout_counts_split_by_time_and_presentation():
    c = bout_counts(_spikes(), 4, 2, 2, T, SPLIT)
    np.testing.assert_array_equal(c.x, [[1, 0, 0, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(c.x_hat, [[1, 0, 1, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(c.z, [[0, 1], [1, 0]])


def test_bout_gaps():
    dt1, dt2 = bout_gaps(_spikes(), T, SPLIT)
    assert dt1 == pytest.approx(np.mean([0.006, 0.006]))
    assert dt2 == pytest.approx(np.mean([0.007, 0.013]))


def test_reconstruction_measures():
    x = np.array([[2.0, 0, 1, 0], [0, 1, 0, 1]])
    assert reconstruction_loss(x, x) == 0
    assert reconstruction_loss(x, np.zeros_like(x)) == 1
    assert reconstruction_corr(x, 3 * x) == pytest.approx(1)
    assert reconstruction_corr(x, x[::-1]) < 0
    # no final bout counts as a failed reconstruction (r = 0), not as missing data
    assert reconstruction_corr(x, np.vstack([x[0], np.zeros(4)])) == pytest.approx(0.5)


def test_sparsity_and_symmetry():
    z = np.array([[1.0, 0], [0, 0]])
    assert sparsity_loss(z, 0.5) == pytest.approx(np.mean([0, 0.25]))
    W = np.random.default_rng(0).uniform(size=(3, 8))
    assert qw_correlation(W, W.T) == pytest.approx(1)
    assert abs(qw_correlation(W, np.random.default_rng(1).uniform(size=(8, 3)))) < 0.6


def test_receptive_fields_are_on_minus_off_normalised():
    W = np.zeros((2, 8))
    W[0, 1], W[0, 4 + 2] = 0.5, 0.25  # ON at pixel 1, OFF at pixel 2
    fields = receptive_fields(W, (2, 2))
    np.testing.assert_allclose(fields[0].ravel(), [0, 1, -0.5, 0])
    assert np.all(fields[1] == 0)
    with pytest.raises(ValueError, match="needs 18"):
        receptive_fields(W, (3, 3))


def test_rate_model_update_is_autoencoder_descent_direction():
    c = bout_counts(_spikes(), 4, 2, 2, T, SPLIT)
    update = rate_model_update(c)
    # presentation 0: hidden 1 active, x - x_hat = [0, 0, -1, 0]
    np.testing.assert_array_equal(update, [[0, 0, 0, 0], [0, 0, -1, 0]])


def test_gradient_alignment():
    from brianmodel.analysis import gradient_alignment
    c = bout_counts(_spikes(), 4, 2, 2, T, SPLIT)
    W = np.full((2, 4), 0.5)
    assert gradient_alignment(W, W + 0.01 * rate_model_update(c), c) == pytest.approx(1)
    assert gradient_alignment(W, W - 0.01 * rate_model_update(c), c) == pytest.approx(-1)
    assert np.isnan(gradient_alignment(W, W, c))


def test_gabor_fit_recovers_a_gabor_and_rejects_noise():
    from brianmodel.analysis import fit_gabor, gabor
    truth = [1.0, 7.2, 8.1, 2.0, 3.5, 0.6, 0.15, 0.3, 0.0]
    field = gabor(truth, (16, 16)) + np.random.default_rng(0).normal(scale=0.05, size=(16, 16))
    params, r2 = fit_gabor(field)
    assert r2 > 0.9
    assert params[1] == pytest.approx(7.2, abs=0.5) and params[2] == pytest.approx(8.1, abs=0.5)
    _, r2_noise = fit_gabor(np.random.default_rng(1).normal(size=(16, 16)))
    assert r2_noise < 0.5


def test_the_gabor_fits_jacobian_is_the_gabors_derivative():
    from brianmodel.analysis.measures import _gabor_parts, gabor
    params = np.array([1.3, 7.2, 8.1, 2.0, 3.5, 0.6, 0.15, 0.3, 0.2])
    value, jacobian = _gabor_parts(params, (12, 16))
    np.testing.assert_array_equal(value, gabor(params, (12, 16)))
    for k in range(9):  # central differences, one parameter at a time
        step = np.zeros(9)
        step[k] = 1e-6
        numeric = (gabor(params + step, (12, 16)) - gabor(params - step, (12, 16))) / 2e-6
        np.testing.assert_allclose(jacobian[k], numeric, atol=1e-7, err_msg=f"parameter {k}")


def test_oriented_tells_edge_detectors_from_blobs():
    from brianmodel.analysis import fit_gabor, gabor, oriented

    edge = gabor([1.0, 8, 8, 3.0, 4.0, 0.6, 0.15, np.pi / 2, 0.0], (16, 16))  # ON and OFF side by side
    blob = gabor([1.0, 6, 9, 2.5, 4.0, 0.3, 0.0, 0.0, 0.0], (16, 16))  # one-signed, elongated
    assert oriented(fit_gabor(edge)[0])[0]
    assert not oriented(fit_gabor(blob)[0])[0]


def test_a_wavelet_is_localized_and_a_grating_spanning_the_patch_is_not():
    from brianmodel.analysis import envelope_extent, fit_gabor, gabor, localized
    shape = (16, 16)
    wavelet = gabor([1.0, 7.5, 8.0, 2.0, 2.5, 0.6, 0.2, 0.0, 0.0], shape)
    grating = gabor([1.0, 7.5, 8.0, 12.0, 14.0, 0.6, 0.2, 0.0, 0.0], shape)
    params = np.array([fit_gabor(field)[0] for field in (wavelet, grating)])
    assert localized(params, shape).tolist() == [True, False]
    assert envelope_extent(params, shape)[0] == pytest.approx(2.5 / 16, rel=0.05)


def test_the_alignment_report_separates_the_windows_imbalance_and_the_bounds():
    from brianmodel.analysis import BoutCounts, alignment_report, window_ratio
    rng = np.random.default_rng(0)
    counts = BoutCounts(x=rng.poisson(1.0, (50, 12)).astype(float), x_hat=rng.poisson(0.8, (50, 12)).astype(float),
                        z=(rng.random((50, 4)) < 0.3).astype(float))
    ratio = window_ratio(6.0, 9.0, 1.0, 1.0, 10.0, 10.0)
    assert ratio == pytest.approx(np.exp(0.3))
    W = rng.uniform(0.2, 0.8, (4, 12))
    after = W + 1e-3 * counts.z.T @ (ratio * counts.x - counts.x_hat)  # a change along the window's direction
    report = alignment_report(W, after, counts, ratio, 1.0)
    assert report["alignment_window"] == pytest.approx(1.0) and report["alignment"] < 0.99
    assert report["free_fraction"] == 1.0
    at_bound = W.copy()  # unit 0's synapses held at the bound: only the free ones count in the _free cosines
    at_bound[0] = 1.0
    report = alignment_report(at_bound, np.where(np.arange(4)[:, None] == 0, 1.0, after), counts, ratio, 1.0)
    assert report["alignment_window_free"] == pytest.approx(1.0) and report["free_fraction"] == 0.75


def test_field_shapes_count_only_the_fields_a_gabor_fits():
    from brianmodel.analysis import field_shapes
    # a localized oriented fit, a grating across the patch, a good localized fit below the R² threshold,
    # and a small blob (localized, too low a frequency to be oriented)
    params = np.array([[1, 8, 8, 2, 2, 0, 0.25, 0, 0], [1, 8, 8, 12, 12, 0, 0.25, 0, 0], [1, 8, 8, 2, 2, 0, 0.25, 0, 0],
                       [1, 8, 8, 2, 2, 0, 0.05, 0, 0]])
    shares = field_shapes(params, np.array([0.9, 0.8, 0.3, 0.9]), (16, 16))
    assert shares["gabor"] == pytest.approx(3 / 4) and shares["localized"] == pytest.approx(2 / 4)
    assert shares["oriented"] == pytest.approx(2 / 4) and shares["v1_like"] == pytest.approx(1 / 4)
    assert shares["median_extent"] == pytest.approx(2 / 16)


def test_sparse_coding_recovers_the_atoms_of_sparsely_mixed_patches():
    from brianmodel.analysis import sparse_coding_dictionary
    rng = np.random.default_rng(0)
    atoms = np.zeros((6, 64))  # six non-overlapping bars, each of one sign, in 8 x 8 patches
    for k in range(6):
        atoms[k, 8 * k:8 * k + 8] = (-1) ** k
    atoms /= np.linalg.norm(atoms, axis=1, keepdims=True)
    coefficients = rng.laplace(size=(3000, 6)) * (rng.random((3000, 6)) < 0.15)
    patches = coefficients @ atoms + 0.01 * rng.normal(size=(3000, 64))
    D = sparse_coding_dictionary(patches, 6, alpha=0.3)
    match = np.abs(atoms @ (D / np.linalg.norm(D, axis=1, keepdims=True)).T)  # |cosine| of atoms and learned
    assert D.shape == (6, 64) and match.max(axis=1).min() > 0.98
    with pytest.raises(ValueError, match="α > 0"):
        sparse_coding_dictionary(patches, 6, alpha=0.0)
    # every pass asked for is run: scikit-learn's own early stop ends both of these after 30 mini-batches,
    # fewer than 5 passes of 12, and would make them equal
    assert not np.allclose(sparse_coding_dictionary(patches, 6, alpha=0.3, epochs=5),
                           sparse_coding_dictionary(patches, 6, alpha=0.3, epochs=10))


def test_final_bout_latency_follows_the_drive_where_the_spikes_do():
    from brianmodel.analysis import final_bout_latency
    rng = np.random.default_rng(4)
    period, split = 0.065, 0.009
    drive = rng.random((20, 30)) * 10
    hidden_t = np.repeat(np.arange(20) * period + 0.007, 3)  # each presentation's hidden bout at 7 ms
    units = np.tile(np.arange(30), 20)
    presentations = np.repeat(np.arange(20), 30)
    early = 0.010 - drive[presentations, units] * 0.0002  # the more drive, the earlier: 10 ms down to 8 ms
    visible_t = np.concatenate([presentations * period + 0.002, presentations * period + 0.007 + early])
    visible_i = np.concatenate([units, units])  # an initial-bout spike at 2 ms, before the split, is left out
    result = final_bout_latency({"visible": (visible_i, visible_t), "hidden": (np.zeros(60, int), hidden_t)},
                                drive, period, split, bins=5)
    assert result["spikes"].sum() == 600
    assert np.all(np.diff(result["latency_ms"]) < 0)  # later deciles of drive come earlier
    assert result["latency_ms"][0] == pytest.approx(9.8, abs=0.2)  # drive 0-2: 9.6-10 ms
    assert result["latency_ms"][-1] == pytest.approx(8.2, abs=0.2)  # drive 8-10: 8-8.4 ms


def test_count_thresholds_find_each_spikes_onset_on_a_known_staircase():
    from brianmodel.analysis import count_thresholds
    rng = np.random.default_rng(5)
    intensity = rng.uniform(0, 3, (400, 50))
    counts = (intensity[..., None] >= np.array([0.3, 0.9, 2.2])).sum(axis=-1)  # 1, 2, 3 spikes from 0.3, 0.9, 2.2
    assert count_thresholds(intensity, counts) == pytest.approx([0.3, 0.9, 2.2], abs=0.03)
    assert count_thresholds(intensity, np.minimum(counts, 2))[2] == np.inf  # never a third spike
    with pytest.raises(ValueError, match="same non-empty shape"):
        count_thresholds(intensity, counts[:10])
    with pytest.raises(ValueError, match="width must be positive"):
        count_thresholds(intensity, counts, width=0)
