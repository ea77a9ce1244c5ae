"""The network's rate model (brianmodel.analysis.rate_model): its readouts, its learning, its errors."""
import dataclasses

import numpy as np
import pytest

from brianmodel.analysis import reconstruction_corr
from brianmodel.analysis.rate_model import (READOUTS, RateModel, final_bout, rate_model_code, rate_model_report,
                                            train_rate_model)


def _bars(count: int, rng) -> np.ndarray:
    """Inputs that are one of four bars of 10 visible units each."""
    return np.kron(np.eye(4), np.ones(10))[rng.integers(4, size=count)]


def test_the_readouts_turn_the_feedback_drive_into_the_final_bout():
    drive = np.array([0.5, 1.0, 1.2, 2.5, 3.7])
    expected = {"one-spike": [0, 0, 1, 1, 1],  # θ = 1: one spike above it
                "spike-count": [0, 0, 1, 2, 2],  # one more spike per step above θ, at most 2
                "graded": [0, 0, 0.2, 1.5, 2],  # (drive − θ) / step, at most 2
                "noisy": [0.159, 0.5, 0.655, 0.999, 1]}  # Φ((drive − θ) / noise), noise 0.5: expected spikes
    for readout in READOUTS:
        np.testing.assert_allclose(final_bout(drive, RateModel(readout=readout, theta=1.0, step=1.0, levels=2)),
                                   expected[readout], err_msg=readout, atol=1e-3)
    # noisy, drawn: one spike or none, as often as the expected bout says
    drawn = final_bout(np.full(20000, 1.2), RateModel(readout="noisy", noise=0.5), np.random.default_rng(0))
    assert set(np.unique(drawn)) == {0.0, 1.0} and drawn.mean() == pytest.approx(0.655, abs=0.01)


def test_the_rule_learns_one_unit_per_bar_and_reconstructs_held_out_inputs():
    rng = np.random.default_rng(0)
    x_train, x_test = _bars(200, rng), _bars(50, rng)
    for readout in READOUTS:
        model = RateModel(n_hidden=4, k=1, readout=readout, eta=0.05, theta=0.5, step=0.25, levels=1, noise=0.1)
        # one presentation: nothing learned (the noisy bout's expected spikes follow the random start's drive a little)
        assert rate_model_report(x_train, x_test, model, 1)["corr"] < (0.2 if readout == "noisy" else 0.1)
        report = rate_model_report(x_train, x_test, model, 500)
        assert report["corr"] > 0.99 and report["q_one_spike_corr"] > 0.99, readout
        state = train_rate_model(x_train, model, 500)
        codes = rate_model_code(np.kron(np.eye(4), np.ones(10)), state, 1)
        np.testing.assert_array_equal(codes.sum(axis=0), 1)  # each bar has a unit of its own


def test_homeostasis_scales_the_winners_down_and_the_others_up_as_the_network_does():
    x = np.kron(np.eye(4), np.ones(10))[:1]
    model = RateModel(n_hidden=4, k=1, homeostasis_rate=0.1, phi_init=0.8)
    state = train_rate_model(x, model, 1)
    winner = np.flatnonzero(np.isclose(state.phi, 0.8 * np.exp(0.1 * (0.25 - 1))))
    assert len(winner) == 1  # Φ_j exp(rate (ρ − z_j)), ρ = k / n
    np.testing.assert_allclose(np.delete(state.phi, winner), 0.8 * np.exp(0.1 * 0.25))
    start = np.random.default_rng(0).uniform(0, 0.3, (4, 40))  # the seeded start: only the winner learned
    np.testing.assert_array_equal(np.delete(state.W, winner, axis=0), np.delete(start, winner, axis=0))
    assert not np.array_equal(state.W[winner], start[winner])
    assert np.all(train_rate_model(x, dataclasses.replace(model, phi_max=0.81), 100).phi <= 0.81)  # clipped


def test_the_same_seed_gives_the_same_model_and_another_seed_another():
    rng = np.random.default_rng(2)
    x = rng.poisson(0.3, size=(50, 30)).astype(float)
    model = RateModel(n_hidden=10, k=3, readout="graded")
    a, b, c = (train_rate_model(x, model, 100, seed) for seed in (0, 0, 1))
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.Q, b.Q)
    assert not np.array_equal(a.W, c.W)
    assert reconstruction_corr(x, final_bout(rate_model_code(x, a, 3) @ a.Q.T, model)) > -1


def test_bad_models_and_inputs_are_refused_in_one_line():
    with pytest.raises(ValueError, match="unknown readout 'rate'; known: one-spike, spike-count, graded, noisy"):
        RateModel(readout="rate")
    with pytest.raises(ValueError, match="k = 30 of n = 20"):
        RateModel(n_hidden=20, k=30)
    with pytest.raises(ValueError, match="must be positive and finite"):
        RateModel(theta=0.0)
    with pytest.raises(ValueError, match="must be positive and finite"):
        RateModel(eta=float("nan"))
    with pytest.raises(ValueError, match="non-negative counts"):
        train_rate_model(-np.ones((3, 4)), RateModel(n_hidden=4, k=1), 10)
    with pytest.raises(ValueError, match="at least 1"):
        train_rate_model(np.ones((3, 4)), RateModel(n_hidden=4, k=1), 0)


def test_a_trainings_code_probes_feed_the_rate_model_and_its_rows_are_saved(tmp_path):
    from brianmodel.errors import ProtocolError
    from brianmodel.mstdp.probes import rate_model_probe
    from brianmodel.results import ResultsFolder
    folder = ResultsFolder(str(tmp_path / "run"))
    rng = np.random.default_rng(3)
    for label, n in (("code-train", 200), ("code-held-out", 50)):
        with folder.writing():
            folder.save_evaluation(label, {"x": _bars(n, rng), "checkpoint": 10})
    models = [RateModel(n_hidden=4, k=1, readout=readout, eta=0.05, theta=0.5, step=0.25, levels=1)
              for readout in ("one-spike", "graded")]
    rows = rate_model_probe(folder.path, models, seeds=2, presentations=300, label="bars")
    assert [(row["readout"], row["seed"]) for row in rows] == [("one-spike", 0), ("one-spike", 1), ("graded", 0),
                                                              ("graded", 1)]
    saved = folder.read_json("evaluation/rate-model-bars.json")["rows"]
    assert saved[2]["corr"] == rows[2]["corr"] > 0.99 and saved[0]["eta"] == 0.05
    with pytest.raises(ProtocolError, match="probe label must be"):
        rate_model_probe(folder.path, models, label="../code")
