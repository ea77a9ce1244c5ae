"""The network's rate model: what mirrored STDP learns when the spiking is ideal.

Over a presentation mSTDP moves W_j and Q_·j by η z_j (x − x̂): the initial
bout potentiates, the final bout depresses (docs/model.md). This module runs
that update on the network's own inputs (initial-bout counts x) with every
spiking detail idealised, so that what is left of the gap between the network
and its code's ceiling can be traced to the learning rule or to the spikes:

- the code z: the k units whose scaled drive Φ_j W_j·x is largest, one spike
  each (the hidden pool's k-winners-take-all, k = ρ n);
- the final bout x̂ = R(Q z), a readout of the feedback drive (:data:`READOUTS`):
  ``one-spike`` [Q z > θ], the network's own (one spike or none per visible
  unit); ``spike-count`` 1 + ⌊(Q z − θ)/step⌋ spikes from θ on, at most
  ``levels``, a bout that counts as the initial one does; ``graded``
  min(levels, max(0, Q z − θ)/step), a threshold-linear rate, which a bout of
  one or two spikes cannot give; ``noisy`` one spike with probability Φ((Q z − θ)/noise), a one-spike bout
  whose threshold is noisy (the visible somata's membrane noise, ``neurons.visible_noise``): graded in
  expectation, drawn in training;
- W and Qᵀ: + η z (x − x̂)ᵀ, each from its own uniform start, clipped to
  [0, w_max] (the mirrored pair);
- Φ: after each presentation Φ_j ← clip(Φ_j exp(rate (ρ − z_j)), Φ_min, Φ_max),
  the network's homeostasis.

:func:`rate_model_report` scores the trained model as :func:`~.code.code_report`
scores the network: its own readout, and its code through Q with the one
threshold (or thresholds) fitted on the training inputs.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import ndtr

from .code import one_spike_threshold, q_column_corr, spike_count_readout, spike_count_thresholds
from .measures import qw_correlation, reconstruction_corr

__all__ = ["READOUTS", "RateModel", "RateModelState", "final_bout", "rate_model_code", "train_rate_model",
           "rate_model_report"]

READOUTS = ("one-spike", "spike-count", "graded", "noisy")


@dataclasses.dataclass(frozen=True)
class RateModel:
    """The rate model's parameters; drives are in units of a weight (a Q z of 3 is three full synapses).

    The defaults are the network's where it has them (the initial weights, their bound, the homeostasis);
    η, θ and step are the model's own: on the digits, η 0.003–0.03 and θ 1–3 move its results by up to
    0.05 and leave the readouts' order as it is (docs/code.md).
    """
    n_hidden: int = 200
    k: int = 20  # units in each code (the network's ~20 of 200)
    readout: str = "one-spike"  # one of READOUTS
    eta: float = 0.01  # learning rate of W and Q
    theta: float = 1.0  # feedback drive at which a visible unit fires its first spike
    step: float = 1.0  # spike-count, graded: further drive per further spike
    levels: int = 2  # spike-count, graded: the most spikes a visible unit fires (x's most on the digits)
    noise: float = 0.5  # noisy: the s.d. of the threshold's noise, in drive units
    w_init_max: float = 0.3  # W, Q ~ U(0, w_init_max), as the network's
    w_max: float = 1.0
    homeostasis_rate: float = 0.1
    phi_init: float = 0.8
    phi_min: float = 0.02
    phi_max: float = 50.0

    def __post_init__(self):
        if self.readout not in READOUTS:
            raise ValueError(f"unknown readout {self.readout!r}; known: {', '.join(READOUTS)}")
        if not 1 <= self.k <= self.n_hidden:
            raise ValueError(f"a code of k = {self.k} of n = {self.n_hidden} units needs 1 <= k <= n")
        values = (self.eta, self.theta, self.step, self.w_max, self.noise)
        if not all(np.isfinite(values)) or min(values) <= 0 or self.levels < 1:
            raise ValueError("eta, theta, step, w_max and noise must be positive and finite, and levels at least 1")

    @property
    def rho(self) -> float:
        return self.k / self.n_hidden


@dataclasses.dataclass
class RateModelState:
    W: np.ndarray  # (n_hidden, n_visible), as the network's
    Q: np.ndarray  # (n_visible, n_hidden)
    phi: np.ndarray  # (n_hidden,)


def final_bout(drive: np.ndarray, model: RateModel, rng: np.random.Generator | None = None) -> np.ndarray:
    """x̂ = R(Q z): the final bout that feedback drive ``drive`` gives under ``model.readout`` (``noisy``: spikes
    drawn with ``rng``, or without one their probability, the expected bout)."""
    above = np.maximum(0.0, drive - model.theta) / model.step
    if model.readout == "noisy":
        probability = ndtr((drive - model.theta) / model.noise)
        return probability if rng is None else (rng.random(np.shape(drive)) < probability).astype(float)
    if model.readout == "one-spike":
        return (drive > model.theta).astype(float)
    if model.readout == "spike-count":
        return np.where(drive > model.theta, np.minimum(model.levels, 1 + np.floor(above)), 0.0)
    return np.minimum(model.levels, above)


def rate_model_code(x: np.ndarray, state: RateModelState, k: int) -> np.ndarray:
    """Binary codes (n_presentations, n_hidden): the k units with the largest Φ_j W_j·x."""
    drive = np.atleast_2d(x) @ state.W.T * state.phi
    z = np.zeros_like(drive)
    np.put_along_axis(z, np.argpartition(-drive, k - 1, axis=1)[:, :k], 1.0, axis=1)
    return z


def _checked_inputs(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or not len(x) or np.any(x < 0):
        raise ValueError(f"inputs must be non-negative counts, (presentations, visible units); got shape {x.shape}")
    return x


def train_rate_model(x_train: np.ndarray, model: RateModel, presentations: int, seed: int = 0) -> RateModelState:
    """W, Q and Φ after ``presentations`` presentations of rows of ``x_train`` drawn at random (seeded)."""
    x_train = _checked_inputs(x_train)
    if presentations < 1:
        raise ValueError(f"presentations must be at least 1, got {presentations}")
    rng = np.random.default_rng(seed)
    n, n_visible = model.n_hidden, x_train.shape[1]
    state = RateModelState(W=rng.uniform(0, model.w_init_max, (n, n_visible)),
                           Q=rng.uniform(0, model.w_init_max, (n_visible, n)), phi=np.full(n, model.phi_init))
    for index in rng.integers(len(x_train), size=presentations):
        x = x_train[index]
        active = np.flatnonzero(rate_model_code(x, state, model.k)[0])
        error = x - final_bout(state.Q[:, active].sum(axis=1), model, rng)
        # only the active rows and columns change: z_j = 1 there, 0 elsewhere
        state.W[active] = np.clip(state.W[active] + model.eta * error, 0.0, model.w_max)
        state.Q[:, active] = np.clip(state.Q[:, active] + model.eta * error[:, None], 0.0, model.w_max)
        spikes = np.zeros(n)
        spikes[active] = 1.0
        state.phi = np.clip(state.phi * np.exp(model.homeostasis_rate * (model.rho - spikes)),
                            model.phi_min, model.phi_max)
    return state


def rate_model_report(x_train: np.ndarray, x_test: np.ndarray, model: RateModel, presentations: int,
                      seed: int = 0) -> dict:
    """The trained rate model's scores, held-out images unprefixed and training images ``train_``.

    ``corr``: its own final bout; ``q_one_spike_corr`` and ``q_spike_count_corr``: its code through Q with the
    threshold(s) fitted on the training inputs (as the network's ``q_one_spike_corr`` in the code report);
    ``q_linear_corr``: corr(x, Q z); ``final_bout_units``: visible units of x̂ with a spike, mean.
    """
    x_train, x_test = _checked_inputs(x_train), _checked_inputs(x_test)
    state = train_rate_model(x_train, model, presentations, seed)
    drives = [rate_model_code(x, state, model.k) @ state.Q.T for x in (x_train, x_test)]
    theta = one_spike_threshold(x_train, drives[0])
    thresholds = spike_count_thresholds(x_train, drives[0], max(1, int(np.round(x_train.max()))))
    report = {"qw_correlation": qw_correlation(state.W, state.Q)}
    for prefix, x, drive in (("train_", x_train, drives[0]), ("", x_test, drives[1])):
        own = final_bout(drive, model)
        report[f"{prefix}corr"] = reconstruction_corr(x, own)
        report[f"{prefix}q_one_spike_corr"] = reconstruction_corr(x, (drive > theta).astype(float))
        report[f"{prefix}q_spike_count_corr"] = reconstruction_corr(x, spike_count_readout(drive, thresholds))
        report[f"{prefix}q_linear_corr"] = reconstruction_corr(x, drive)
        report[f"{prefix}final_bout_units"] = float((own > 0).sum(axis=1).mean())
    report["q_column_corr_coactive"] = q_column_corr(state.Q, rate_model_code(x_test, state, model.k))[1]
    return report
