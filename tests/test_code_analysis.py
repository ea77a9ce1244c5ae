"""The code's measures and ceilings (brianmodel.analysis.code) on hand-made codes with known answers."""
import json
import os

import numpy as np
import pytest

from brianmodel.analysis import (active_units, binary_code_ceiling, code_ceilings, code_report, code_statistics,
                                 distinct_codes, effective_units, explaining_away_code, format_report, linear_readout,
                                 one_spike_threshold, pca_ceiling, q_column_corr, reconstruction_corr, repeat_corr,
                                 spike_count_readout, spike_count_thresholds, template_corr, topk_code, unit_usage)
from brianmodel.errors import ProtocolError
from brianmodel.mstdp.probes import code_probe
from brianmodel.params.run import RunSettings

# 4 presentations of a 4-unit code: units 0 and 1 fire together twice, unit 3 never fires
Z = np.array([[1, 2, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 1, 0]])


def test_active_units_distinct_codes_and_usage():
    assert active_units(Z) == {"mean": 1.75, "median": 2.0, "min": 1, "max": 2}
    assert distinct_codes(Z) == (3, 0.75)  # the first two share the active set {0, 1}
    np.testing.assert_allclose(unit_usage(Z), [0.75, 0.5, 0.5, 0.0])
    assert effective_units(np.array([0.3, 0.3, 0.3, 0.0])) == pytest.approx(3.0)
    assert effective_units(np.array([1.0, 0.0, 0.0])) == pytest.approx(1.0)
    statistics = code_statistics(Z)
    assert statistics["units_never_active"] == 1 and statistics["distinct_codes_fraction"] == 0.75
    assert 2.0 < statistics["effective_units"] < 3.0  # three units used, unequally


def test_q_column_corr_of_identical_and_disjoint_columns():
    column = np.array([3.0, 1.0, 0.0, 0.0, 2.0, 0.0])
    assert q_column_corr(np.column_stack([column, column, 2 * column]))[0] == pytest.approx(1.0)
    disjoint = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])  # no shared pixel: r = −1 here
    assert q_column_corr(disjoint)[0] == pytest.approx(-1.0)
    # co-active weighting: only the pair (0, 1) fires together, and it is identical; (0, 2) anti-correlated
    Q = np.column_stack([column, column, -column])
    z = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1]])
    all_pairs, coactive = q_column_corr(Q, z)
    assert all_pairs == pytest.approx(-1 / 3) and coactive == pytest.approx(1.0)


def test_template_corr_is_one_when_each_active_unit_is_the_image():
    rng = np.random.default_rng(0)
    Q = rng.random((30, 5))
    x = Q.T[[0, 3, 4]] * 7  # presentation p shows unit (0, 3, 4)[p]'s template, scaled
    z = np.zeros((3, 5))
    z[[0, 1, 2], [0, 3, 4]] = 1
    assert template_corr(Q, x, z) == pytest.approx(1.0)
    z[0, 1] = 1  # another unit active with an unrelated template lowers the mean
    assert template_corr(Q, x, z) < 0.9


def test_linear_readout_recovers_an_exactly_linear_input():
    rng = np.random.default_rng(1)
    A, b = rng.normal(size=(10, 40)), rng.normal(size=40)
    z = rng.poisson(1.0, size=(300, 10)).astype(float)
    z[:, 9] = z[:, 8]  # a duplicate unit: the ridge keeps the fit stable
    x = z @ A + b
    train, held_out = linear_readout(z[:200], x[:200], z[200:], x[200:])
    assert train > 0.999 and held_out > 0.999
    # a code that does not carry the input reads out only the mean input (r ≈ 0.7 here)
    assert linear_readout(rng.random((200, 10)), x[:200], rng.random((100, 10)), x[200:])[1] < 0.8


def test_pca_ceiling_of_rank_k_data_is_one_and_lower_with_fewer_components():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(400, 3)) @ rng.normal(size=(3, 50)) + 5.0  # rank 3 about a mean
    assert pca_ceiling(x[:300], x[300:], 3)[1] > 0.999
    assert pca_ceiling(x[:300], x[300:], 1)[1] < 0.95


def _sparse_dictionary_data(n_visible, n, k, presentations, overlap, seed):
    """x = D z with binary k-of-n z and non-negative D, whose neighbouring columns share ``overlap`` of their
    pixels."""
    rng = np.random.default_rng(seed)
    width = n_visible // n
    D = np.zeros((n_visible, n))
    for j in range(n):
        start = int(round(j * width * (1 - overlap)))
        D[start:start + width, j] = rng.random(width) + 0.5
    z = np.zeros((presentations, n))
    for p in range(presentations):
        z[p, rng.choice(n, k, replace=False)] = 1
    return z @ D.T


def test_topk_code_reaches_a_binary_sparse_nonnegative_dictionary():
    x = _sparse_dictionary_data(n_visible=200, n=20, k=3, presentations=1200, overlap=0.0, seed=3)
    train, held_out = binary_code_ceiling(x[:1000], x[1000:], 3, 20, topk_code, seed=0)
    assert held_out > 0.95 and train > 0.95


def test_explaining_away_does_at_least_as_well_on_overlapping_dictionaries():
    x = _sparse_dictionary_data(n_visible=200, n=20, k=3, presentations=1200, overlap=0.7, seed=4)
    topk = binary_code_ceiling(x[:1000], x[1000:], 3, 20, topk_code, seed=0)[1]
    away = binary_code_ceiling(x[:1000], x[1000:], 3, 20, explaining_away_code, seed=0)[1]
    assert away >= topk - 0.005 and away > 0.9


def test_codes_have_exactly_k_ones_and_explaining_away_avoids_a_redundant_unit():
    D = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.1, 1.0]])  # unit 1 ≈ unit 0, unit 2 apart
    x = np.array([[1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(topk_code(x, D, 2), [[1, 1, 0]])  # the two most similar templates
    np.testing.assert_array_equal(explaining_away_code(x, D, 2), [[0, 1, 1]])  # the second explains the rest
    assert topk_code(np.random.default_rng(0).random((7, 3)), D, 2).sum(axis=1).tolist() == [2] * 7


def test_one_spike_threshold_separates_the_drive_of_the_units_that_should_fire():
    rng = np.random.default_rng(6)
    x = (rng.random((300, 80)) < 0.2).astype(float)
    drive = 2.0 * x + rng.random(x.shape)  # every unit that fired has a drive ≥ 2, the others < 1
    theta = one_spike_threshold(x, drive)
    np.testing.assert_array_equal(drive > theta, x > 0)
    assert one_spike_threshold(x, np.zeros_like(x)) == 0.0  # no drive: nothing fires, whatever θ


def test_spike_count_thresholds_grade_the_readout_as_the_input_counts():
    rng = np.random.default_rng(8)
    x = rng.choice([0.0, 1.0, 2.0], p=[0.8, 0.15, 0.05], size=(300, 80))
    drive = 2.0 * x + rng.random(x.shape)  # a unit's drive lies in [2 x, 2 x + 1): two gaps to find
    thresholds = spike_count_thresholds(x, drive, 2)
    np.testing.assert_array_equal(spike_count_readout(drive, thresholds), x)
    assert spike_count_thresholds(x, drive, 1) == pytest.approx([one_spike_threshold(x, drive)])
    assert reconstruction_corr(x, (drive > spike_count_thresholds(x, drive, 1)[0]).astype(float)) < 0.98
    with pytest.raises(ValueError, match="at least one level"):
        spike_count_thresholds(x, drive, 0)


def test_a_one_spike_readout_reaches_binary_inputs_but_not_graded_ones():
    x = _sparse_dictionary_data(n_visible=200, n=20, k=3, presentations=1200, overlap=0.0, seed=3)
    graded = code_ceilings(x[:1000], x[1000:], 3, 20, topk_code, seed=0)
    binary = code_ceilings((x[:1000] > 0.75).astype(float), (x[1000:] > 0.75).astype(float), 3, 20, topk_code,
                           seed=0)
    assert binary["one_spike"] > 0.95 and binary["train_one_spike"] > 0.95
    assert graded["linear"] > 0.95 and graded["one_spike"] < graded["linear"] - 0.02  # a spike can't grade
    assert binary["spike_count"] == binary["one_spike"]  # binary inputs: one level, the same readout
    assert binary_code_ceiling(x[:1000], x[1000:], 3, 20, topk_code, seed=0) == (graded["train_linear"],
                                                                                   graded["linear"])


def test_repeat_corr_of_repeated_images():
    x = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [3.0, 1.0, 0.0]])
    assert repeat_corr(x, np.array([5, 5, 6])) == pytest.approx(1.0)
    assert np.isnan(repeat_corr(x, np.array([1, 2, 3])))


def test_code_report_has_every_measure_finite_and_formats():
    rng = np.random.default_rng(5)
    Q = rng.random((60, 12))
    z = (rng.random((150, 12)) < 0.25).astype(float)
    x = z @ Q.T + rng.random((150, 60))
    report = code_report((x[:100], z[:100]), (x[100:], z[100:]), Q, x_hat_test=x[100:] + 1, seed=0,
                         x_hat_train=x[:100], images=(np.arange(100) % 90, np.arange(50)), iterations=5)
    keys = ["held_out_corr", "train_corr", "active_units_mean", "q_column_corr_all", "q_column_corr_coactive",
            "template_corr", "q_one_spike_corr", "own_one_spike_readout_corr", "own_linear_readout_corr",
            "ceiling_pca_k_corr",
            "ceiling_linear_n_corr",
            "ceiling_topk_corr", "ceiling_explaining_away_corr", "ceiling_topk_one_spike_corr",
            "ceiling_explaining_away_one_spike_corr", "ceiling_topk_spike_count_corr",
            "ceiling_explaining_away_spike_count_corr", "distinct_codes_fraction", "units_never_active",
            "effective_units", "k", "train_noise_ceiling_corr"]
    for key in keys:
        assert key in report, key
    for key in keys[2:-1]:  # each measure of the code also on the training images, but Q's own
        assert f"train_{key}" in report or key in ("q_column_corr_all", "k"), key
    assert "noise_ceiling_corr" not in report  # every held-out image shown once
    assert "train_corr_once" in report and "held_out_corr_once" in report
    assert all(np.isfinite(v) for v in report.values())
    assert report["k"] == round(report["train_active_units_mean"])
    assert report["train_ceiling_linear_n_corr"] >= report["train_ceiling_pca_k_corr"]  # n ≥ k components
    json.dumps(report)  # plain numbers, ready for code.json
    table = format_report(report)
    assert "ceiling binary top-k" in table and f"{report['ceiling_topk_corr']:.3f}" in table
    assert f"{report['ceiling_explaining_away_one_spike_corr']:.3f}" in table
    assert "final_bout_echo" not in report  # every unit fired in the initial bout: no x = 0 side to compare


def test_code_probe_refuses_a_training_without_holdout(tmp_path):
    folder = tmp_path / "run"
    os.makedirs(folder)
    settings = RunSettings(dataset="mnist", presentations=10).to_dict()
    (folder / "params.json").write_text(json.dumps({"run": settings}))
    with pytest.raises(ProtocolError, match="--holdout"):
        code_probe(str(folder))


def test_the_final_bouts_echo_of_the_initial_bout_is_measured_at_equal_drive():
    from brianmodel.analysis import final_bout_echo
    rng = np.random.default_rng(3)
    drive = rng.random((400, 50))
    x = (rng.random((400, 50)) < 0.3).astype(float)  # the initial bout, independent of the drive here
    by_code = (drive > 0.6).astype(float)  # a reconstruction from the code alone: no echo
    assert abs(final_bout_echo(x, by_code, drive)["gap"]) < 0.03
    echoing = (drive + 0.3 * x > 0.6).astype(float)  # the initial bout's spike lowers the threshold by 0.3
    echo = final_bout_echo(x, echoing, drive, bins=10)
    assert echo["gap"] == pytest.approx(0.3, abs=0.05) and len(echo["bin_gaps"]) == 10
    assert echo["bin_gaps"][0] == pytest.approx(0.0, abs=0.03)  # drive < 0.1: even the echo does not reach 0.6
    assert echo["fired_off"][9] == 1.0 and echo["fired_on"][9] == 1.0  # drive > 0.9: both sides fire
    assert echo["fired_on"][4] == 1.0 and echo["fired_off"][4] == 0.0  # 0.4-0.5: only with the echo
    assert np.isnan(final_bout_echo(np.ones((5, 4)), echoing[:5, :4], drive[:5, :4])["gap"])  # no x = 0 side


def test_the_code_report_carries_the_echo_of_a_binary_initial_bout():
    rng = np.random.default_rng(4)
    Q = rng.random((40, 10))
    z = (rng.random((120, 10)) < 0.3).astype(float)
    x = (rng.random((120, 40)) < 0.3).astype(float)
    x_hat = (z @ Q.T + 2.0 * x > np.quantile(z @ Q.T, 0.7)).astype(float)  # the initial bout helps a lot
    report = code_report((x[:80], z[:80]), (x[80:], z[80:]), Q, x_hat_test=x_hat[80:], x_hat_train=x_hat[:80],
                         iterations=3)
    assert report["final_bout_echo"] > 0.3 and report["train_final_bout_echo"] > 0.3
    assert "final bout's echo of x at equal drive" in format_report(report)


def test_spikes_counted_once_shows_what_the_inputs_doubles_cost_a_one_spike_reconstruction():
    rng = np.random.default_rng(9)
    z = (rng.random((120, 10)) < 0.3).astype(float)
    x = rng.choice([0.0, 1.0, 2.0], p=[0.7, 0.25, 0.05], size=(120, 40))  # the initial bout: some doubles
    x_hat = np.minimum(x, 1)  # a final bout that fires every unit of x, once
    report = code_report((x[:80], z[:80]), (x[80:], z[80:]), rng.random((40, 10)), x_hat_test=x_hat[80:],
                         x_hat_train=x_hat[:80], iterations=2)
    assert report["held_out_corr_once"] == pytest.approx(1.0) and report["train_corr_once"] == pytest.approx(1.0)
    assert report["held_out_corr"] < 0.99  # counted as spikes, the doubles are missed


def test_q_one_spike_readout_is_the_reconstruction_the_code_alone_gives_through_q():
    rng = np.random.default_rng(10)
    Q = (rng.random((60, 12)) < 0.2).astype(float)  # each unit drives its own few visible units
    z = (rng.random((200, 12)) < 0.25).astype(float)
    z[np.arange(200), rng.integers(12, size=200)] = 1.0  # every presentation codes something
    x = (z @ Q.T > 0).astype(float)  # exactly what Q z drives: the code alone reconstructs x
    noise = (rng.random(x.shape) < 0.2).astype(float)
    report = code_report((x[:150], z[:150]), (x[150:], z[150:]), Q, iterations=2)
    assert report["q_one_spike_corr"] == pytest.approx(1.0) and report["train_q_one_spike_corr"] == pytest.approx(1.0)
    other = code_report((x[:150], z[:150]), (np.maximum(x[150:], noise[150:]), z[150:]), Q, iterations=2)
    assert other["q_one_spike_corr"] < 0.9  # inputs the code does not carry are not reconstructed


def test_the_best_decoder_of_the_own_code_finds_what_a_wrong_q_misses():
    rng = np.random.default_rng(11)
    D = np.zeros((60, 12))
    D[np.arange(48), np.arange(48) % 12] = 1.0  # each unit stands for four visible units of its own
    z = (rng.random((300, 12)) < 0.25).astype(float)
    z[np.arange(300), rng.integers(12, size=300)] = 1.0
    x = z @ D.T  # binary: the code carries x exactly, through D
    wrong_q = rng.permutation(D.T).T  # the same columns given to the wrong units
    report = code_report((x[:200], z[:200]), (x[200:], z[200:]), wrong_q, iterations=2)
    assert report["own_one_spike_readout_corr"] > 0.99 and report["train_own_one_spike_readout_corr"] > 0.99
    assert report["q_one_spike_corr"] < 0.8  # Q itself reads the code out wrongly


def test_readout_scores_are_reconstruction_corr_without_building_the_readout():
    from brianmodel.analysis.code import _ReadoutScores
    rng = np.random.default_rng(12)
    x = rng.choice([0.0, 1.0, 2.0], p=[0.7, 0.2, 0.1], size=(40, 30))
    x[0] = 1.0  # a constant input row counts as 0, as in reconstruction_corr
    drive = rng.random(x.shape) + x
    scores = _ReadoutScores(x, drive)
    for thresholds in ([0.5], [0.9, 1.7], [0.2, 0.2, 2.5], [5.0]):  # [5.0]: no unit fires
        counts, overlap = scores.above(np.array(thresholds))
        weights = 2 * np.arange(len(thresholds)) + 1
        fast = scores.corr(counts.sum(axis=1, keepdims=True), (counts * weights).sum(axis=1, keepdims=True),
                           overlap.sum(axis=1, keepdims=True))
        assert fast[0] == pytest.approx(reconstruction_corr(x, spike_count_readout(drive, thresholds)), abs=1e-12)


def test_the_code_report_is_recomputed_from_saved_probes_without_simulating(tmp_path):
    from brianmodel.mstdp.network import NetworkState
    from brianmodel.params.mstdp import ModelParams
    from brianmodel.results import ResultsFolder
    params = ModelParams().with_overrides(architecture={"n_hidden": 12})
    folder = ResultsFolder(str(tmp_path / "run"))
    os.makedirs(folder.path)
    (tmp_path / "run" / "params.json").write_text(json.dumps({
        "run": RunSettings(dataset="mnist", presentations=10, holdout=50).to_dict(), "model": params.to_dict(),
        "dataset": {"n_visible": 60}}))
    state = NetworkState.initial(params, 60, seed=0)
    with folder.writing():
        folder.save_checkpoint(10, state.arrays())
    rng = np.random.default_rng(13)
    for label, n in (("code-train", 80), ("code-held-out", 50)):
        z = (rng.random((n, 12)) < 0.3).astype(float)
        x = (z @ state.Q.T > 0.4).astype(float)
        with folder.writing():
            folder.save_evaluation(label, {"x": x, "z": z, "x_hat": x, "image_indices": np.arange(n),
                                           "checkpoint": 10})
    report = code_probe(folder.path, presentations=80, reuse=True)  # a probe to run would need a build: none
    saved = folder.load_evaluation("code-held-out")
    assert report["held_out_corr"] == reconstruction_corr(saved["x"], saved["x_hat"])  # the saved probe's
    assert folder.read_json("evaluation/code.json")["report"]["held_out_presentations"] == 50
