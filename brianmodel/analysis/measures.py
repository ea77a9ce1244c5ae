"""Measures of what the network learned, computed from spikes and weights.

Notation (per presentation p): ``x`` are the visible spike counts of the
initial bout (spikes before ``presentation.readout_split``: the network's
input), ``x̂`` the visible counts of the final bout (after it: the
reconstruction) and ``z`` the hidden spike counts (the code). Spike times are
in seconds from the start of the chunk; presentation p occupies
[p T, (p + 1) T).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

__all__ = ["BoutCounts", "bout_counts", "reconstruction_loss", "reconstruction_corr", "sparsity_loss",
           "qw_correlation", "bout_gaps", "receptive_fields", "rate_model_update", "gradient_alignment", "chunk_metrics",
           "synaptic_events", "gabor", "fit_gabor", "gabor_fits", "oriented", "envelope_extent", "localized",
           "lateral_matrix", "window_ratio", "alignment_report", "field_shapes", "final_bout_latency",
           "count_curve", "count_thresholds"]


@dataclass
class BoutCounts:
    x: np.ndarray  # (n_presentations, n_visible) initial-bout visible counts
    x_hat: np.ndarray  # (n_presentations, n_visible) final-bout visible counts
    z: np.ndarray  # (n_presentations, n_hidden) hidden counts


def _split(indices, times, period):
    presentation = np.floor(times / period + 1e-9).astype(int)
    return presentation, times - presentation * period


def bout_counts(spikes: dict, n_visible: int, n_hidden: int, n_presentations: int,
                period: float, readout_split: float) -> BoutCounts:
    """Count visible spikes per bout and hidden spikes, per presentation (times in s)."""
    vi, vt = spikes["visible"]
    p, t_in = _split(vi, vt, period)
    initial = t_in < readout_split
    x = np.zeros((n_presentations, n_visible))
    x_hat = np.zeros((n_presentations, n_visible))
    np.add.at(x, (p[initial], vi[initial]), 1)
    np.add.at(x_hat, (p[~initial], vi[~initial]), 1)
    hi, ht = spikes["hidden"]
    hp, _ = _split(hi, ht, period)
    z = np.zeros((n_presentations, n_hidden))
    np.add.at(z, (hp, hi), 1)
    return BoutCounts(x, x_hat, z)


def reconstruction_loss(x: np.ndarray, x_hat: np.ndarray) -> float:
    """Relative count loss Σ‖x − x̂‖² / Σ‖x‖² over all presentations (0 is perfect, 1 is no final bout)."""
    denominator = float(np.sum(x ** 2))
    return float(np.sum((x - x_hat) ** 2)) / denominator if denominator else float("nan")


def count_curve(intensity: np.ndarray, x: np.ndarray, width: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """(bin centres, mean initial-bout counts): the counts ``x`` of a probe averaged over stimuli ``intensity`` (the
    same shape) in bins ``width`` wide; only bins that hold a stimulus."""
    if not 0 < width < np.inf:
        raise ValueError(f"the bins' width must be positive and finite, got {width}")
    intensity, x = np.asarray(intensity, float), np.asarray(x, float)
    if intensity.shape != x.shape or not x.size:
        raise ValueError(f"intensity and counts must have the same non-empty shape, got {intensity.shape} and {x.shape}")
    present, which = np.unique(np.floor(intensity.ravel() / width).astype(int), return_inverse=True)
    return (present + 0.5) * width, np.bincount(which, weights=x.ravel()) / np.bincount(which)


def count_thresholds(intensity: np.ndarray, x: np.ndarray, levels: int = 3, width: float = 0.05) -> np.ndarray:
    """The visible code's staircase: for n = 1 … ``levels``, the stimulus intensity from which the initial bout
    has n spikes on average (its mean count crosses n − ½; inf where it never does).

    ``intensity`` (presentations, visible units) is each unit's stimulus (``Dataset.visible_intensities``, in
    the patches' s.d. for natural patches), ``x`` the initial-bout counts a probe measured for it. The mean
    count is taken in bins ``width`` wide (:func:`count_curve`), and the crossing interpolated between bin centres.
    """
    centres, means = count_curve(intensity, x, width)
    thresholds = np.full(levels, np.inf)
    for n in range(1, levels + 1):
        above = np.flatnonzero(means >= n - 0.5)
        if not len(above):
            continue
        i = above[0]
        if i == 0:
            thresholds[n - 1] = centres[0]
        else:  # linear between the last bin below and the first at or above
            f = (n - 0.5 - means[i - 1]) / (means[i] - means[i - 1])
            thresholds[n - 1] = centres[i - 1] + f * (centres[i] - centres[i - 1])
    return thresholds


def reconstruction_corr(x: np.ndarray, x_hat: np.ndarray) -> float:
    """Mean over presentations of Pearson r between x and x̂ (each a visible-layer vector).

    A presentation whose input or reconstruction is constant (e.g. no final
    bout) counts as r = 0: a missing reconstruction is a failed one.
    """
    x = x - x.mean(axis=1, keepdims=True)
    x_hat = x_hat - x_hat.mean(axis=1, keepdims=True)
    norm = np.sqrt(np.sum(x ** 2, axis=1) * np.sum(x_hat ** 2, axis=1))
    r = np.divide(np.sum(x * x_hat, axis=1), norm, out=np.zeros(len(x)), where=norm > 0)
    return float(r.mean())


def sparsity_loss(z: np.ndarray, rho: float) -> float:
    """Mean over hidden units of (mean spikes per presentation − ρ)²."""
    return float(np.mean((z.mean(axis=0) - rho) ** 2))


def qw_correlation(W: np.ndarray, Q: np.ndarray) -> float:
    """Pearson correlation of all entries of Q (n_visible, n_hidden) and Wᵀ."""
    return float(np.corrcoef(Q.ravel(), W.T.ravel())[0, 1])


def bout_gaps(spikes: dict, period: float, readout_split: float) -> tuple[float, float]:
    """(Δt1, Δt2) in seconds, averaged over presentations that have all three bouts.

    Δt1 = mean hidden spike time − mean initial-bout visible spike time;
    Δt2 = mean final-bout visible spike time − mean hidden spike time
    (Fig 1b: average time between spikes of consecutive bouts).
    """
    vi, vt = spikes["visible"]
    hi, ht = spikes["hidden"]
    vp, vt_in = _split(vi, vt, period)
    hp, ht_in = _split(hi, ht, period)
    n = int(max(vp.max(initial=-1), hp.max(initial=-1))) + 1
    initial = vt_in < readout_split

    def mean_time(pres, t):
        total, count = np.zeros(n), np.zeros(n)
        np.add.at(total, pres, t)
        np.add.at(count, pres, 1)
        return np.divide(total, count, out=np.full(n, np.nan), where=count > 0)

    t_initial = mean_time(vp[initial], vt_in[initial])
    t_final = mean_time(vp[~initial], vt_in[~initial])
    t_hidden = mean_time(hp, ht_in)
    ok = ~np.isnan(t_initial) & ~np.isnan(t_final) & ~np.isnan(t_hidden)
    if not ok.any():
        return float("nan"), float("nan")
    return float(np.mean(t_hidden[ok] - t_initial[ok])), float(np.mean(t_final[ok] - t_hidden[ok]))


def final_bout_latency(spikes: dict, drive: np.ndarray, period: float, readout_split: float,
                       bins: int = 10) -> dict:
    """How long after its presentation's hidden bout each final-bout spike comes, by decile of its drive.

    ``spikes``: {'visible': (i, t), 'hidden': (i, t)}, times in s from the start of presentation 0; ``drive``:
    (n_presentations, n_visible), the feedback's drive Q z of each presentation. A final-bout spike's latency is
    its time minus the mean hidden spike time of its presentation: the Δt2 at which the window weighs its
    depression. Returns ``latency_ms`` (mean per decile of the drive of the spikes' units), ``edges`` (the
    deciles' bounds) and ``spikes`` (per decile).
    """
    vi, vt = spikes["visible"]
    hi, ht = spikes["hidden"]
    vp, v_in = _split(vi, vt, period)
    hp, h_in = _split(hi, ht, period)
    total, count = np.zeros(len(drive)), np.zeros(len(drive))
    np.add.at(total, hp, h_in)
    np.add.at(count, hp, 1)
    final = (v_in >= readout_split) & (count[vp] > 0)
    latency = (v_in[final] - total[vp[final]] / count[vp[final]]) * 1e3
    driven = drive[vp[final], vi[final]]
    edges = np.quantile(driven, np.linspace(0.0, 1.0, bins + 1)) if len(driven) else np.zeros(bins + 1)
    decile = np.clip(np.searchsorted(edges, driven, side="right") - 1, 0, bins - 1)
    spikes_per = np.bincount(decile, minlength=bins)
    mean = np.divide(np.bincount(decile, latency, minlength=bins), spikes_per, out=np.full(bins, np.nan),
                     where=spikes_per > 0)
    return {"latency_ms": mean, "edges": edges, "spikes": spikes_per}


def receptive_fields(W: np.ndarray, image_shape) -> np.ndarray:
    """ON − OFF weights of each hidden unit, divided by their largest absolute value (Fig 4).

    W has shape (n_hidden, 2 * n_pixels [+ label units]), ON half first;
    returns (n_hidden, *image_shape) in [-1, 1].
    """
    n_pixels = int(np.prod(image_shape))
    if W.shape[1] < 2 * n_pixels:
        raise ValueError(f"W has {W.shape[1]} visible inputs; image shape {image_shape} needs {2 * n_pixels}")
    fields = W[:, :n_pixels] - W[:, n_pixels:2 * n_pixels]
    scale = np.abs(fields).max(axis=1, keepdims=True)
    fields = np.divide(fields, scale, out=np.zeros_like(fields), where=scale > 0)
    return fields.reshape(len(W), *image_shape)


def rate_model_update(counts: BoutCounts) -> np.ndarray:
    """Σ_p z_pj (x_pi − x̂_pi): the tied-weight autoencoder's descent direction for W (n_hidden, n_visible).

    mSTDP should move W (and Qᵀ) along this direction (docs/model.md).
    """
    return counts.z.T @ (counts.x - counts.x_hat)


def gradient_alignment(W_before: np.ndarray, W_after: np.ndarray, counts: BoutCounts) -> float:
    """Cosine between the spiking network's ΔW over a chunk and :func:`rate_model_update` of its counts.

    docs/model.md's check that mSTDP descends the autoencoder loss: random
    directions in this many dimensions give ~0; 1 would be exact descent.
    """
    return _cosine(W_after - W_before, rate_model_update(counts))


def chunk_metrics(counts: BoutCounts, spikes: dict, W: np.ndarray, Q: np.ndarray, period: float,
                  readout_split: float, rho: float, W_before: np.ndarray | None = None) -> dict:
    """The metrics.csv row for one chunk of presentations (times in ms)."""
    dt1, dt2 = bout_gaps(spikes, period, readout_split)
    return {
        "gradient_alignment": (float("nan") if W_before is None else gradient_alignment(W_before, W, counts)),
        "reconstruction_loss": reconstruction_loss(counts.x, counts.x_hat),
        "reconstruction_corr": reconstruction_corr(counts.x, counts.x_hat),
        "sparsity_loss": sparsity_loss(counts.z, rho),
        "qw_correlation": qw_correlation(W, Q),
        "hidden_rate": float(counts.z.mean()),
        "initial_bout_spikes": float(counts.x.sum(axis=1).mean()),
        "final_bout_spikes": float(counts.x_hat.sum(axis=1).mean()),
        "dt1_ms": dt1 * 1e3,
        "dt2_ms": dt2 * 1e3,
    }


def synaptic_events(spikes: dict, n_visible: int, n_hidden: int, n_visible_pool: int, n_hidden_pool: int) -> int:
    """Synapse updates caused by the spikes: every pre- and postsynaptic pathway counts.

    Visible spike: W pre (n_hidden), Q post (n_hidden), to pool (n_visible_pool);
    hidden spike: Q pre (n_visible), W post (n_visible), to pool (n_hidden_pool);
    pool spike: one update of its layer's shared inhibitory conductance.
    """
    n = {name: len(spikes[name][0]) for name in ("visible", "hidden", "visible_pool", "hidden_pool")}
    return (n["visible"] * (2 * n_hidden + n_visible_pool) + n["hidden"] * (2 * n_visible + n_hidden_pool)
            + n["visible_pool"] + n["hidden_pool"])


def gabor(params, shape) -> np.ndarray:
    """2-D Gabor: A exp(-(x'²/2σx² + y'²/2σy²)) cos(2π f x' + φ) + c, (x', y') rotated by θ about (x0, y0)."""
    return _gabor_parts(params, shape)[0]


def _gabor_parts(params, shape):
    """The Gabor (h, w) and its derivatives by the nine parameters (9, h, w): the fit's exact Jacobian, which
    spares least_squares ten evaluations per step."""
    amplitude, x0, y0, sigma_x, sigma_y, theta, frequency, phase, offset = params
    y, x = np.mgrid[:shape[0], :shape[1]].astype(float)
    cos_t, sin_t = np.cos(theta), np.sin(theta)
    xr = (x - x0) * cos_t + (y - y0) * sin_t
    yr = -(x - x0) * sin_t + (y - y0) * cos_t
    envelope = np.exp(-(xr ** 2 / (2 * sigma_x ** 2) + yr ** 2 / (2 * sigma_y ** 2)))
    carrier = 2 * np.pi * frequency * xr + phase
    cos_c, sin_c = np.cos(carrier), np.sin(carrier)
    g = amplitude * envelope * cos_c  # the Gabor without its offset
    d_xr = -g * xr / sigma_x ** 2 - amplitude * envelope * sin_c * 2 * np.pi * frequency  # ∂/∂x'
    d_yr = -g * yr / sigma_y ** 2  # ∂/∂y'
    jacobian = np.stack([envelope * cos_c,
                         -d_xr * cos_t + d_yr * sin_t,  # x0: ∂x'/∂x0 = -cos θ, ∂y'/∂x0 = sin θ
                         -d_xr * sin_t - d_yr * cos_t,  # y0
                         g * xr ** 2 / sigma_x ** 3,
                         g * yr ** 2 / sigma_y ** 3,
                         d_xr * yr - d_yr * xr,  # θ: ∂x'/∂θ = y', ∂y'/∂θ = -x'
                         -amplitude * envelope * sin_c * 2 * np.pi * xr,
                         -amplitude * envelope * sin_c,
                         np.ones(shape)])
    return g + offset, jacobian


def fit_gabor(field: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares fit of :func:`gabor` to a receptive field: (parameters, R²).

    Starts at the field's largest absolute value, from several orientations,
    spatial frequencies and phases, and keeps the best fit. R² is
    1 − SS_residual / SS_total of the field.
    """
    field = np.asarray(field, dtype=float)
    h, w = field.shape
    y0, x0 = np.unravel_index(np.argmax(np.abs(field)), field.shape)
    size = max(h, w)
    lower = [-np.inf, -0.5, -0.5, 0.5, 0.5, -np.inf, 0.0, -np.inf, -np.inf]
    upper = [np.inf, w - 0.5, h - 0.5, size, size, np.inf, 0.5, np.inf, np.inf]
    best, best_cost = None, np.inf
    last = {}

    def parts(p):  # least_squares asks for the residuals and then the Jacobian at the same point
        key = tuple(p)
        if key not in last:
            last.clear()
            last[key] = _gabor_parts(p, field.shape)
        return last[key]

    for theta in np.linspace(0, np.pi, 4, endpoint=False):
        for frequency in (0.5 / size * 2, 2.0 / size, 4.0 / size):
            for phase in (0.0, np.pi / 2):
                start = [field[y0, x0], x0, y0, size / 6, size / 6, theta, min(frequency, 0.45), phase, 0.0]
                try:
                    fit = least_squares(lambda p: (parts(p)[0] - field).ravel(), start,
                                        jac=lambda p: parts(p)[1].reshape(9, -1).T, bounds=(lower, upper),
                                        max_nfev=400)
                except ValueError:
                    continue
                if fit.cost < best_cost:
                    best, best_cost = fit.x, fit.cost
    total = float(np.sum((field - field.mean()) ** 2))
    r2 = 1 - 2 * best_cost / total if total > 0 else float("nan")
    return best, float(r2)


def gabor_fits(fields: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gabor fits of receptive fields (n, h, w): (parameters (n, 9), R² (n,))."""
    fits = [fit_gabor(field) for field in fields]
    return np.array([p for p, _ in fits]), np.array([r2 for _, r2 in fits])


def oriented(params: np.ndarray, min_cycles: float = 0.25) -> np.ndarray:
    """Which fitted Gabors are oriented edge or bar detectors: the carrier puts an
    ON and an OFF subregion side by side inside the envelope (frequency × σ along
    the carrier ≥ ``min_cycles``: the first side lobe keeps ≥ 13% of the peak).
    A one-signed blob, round or elongated, fits with a low frequency and is not."""
    params = np.atleast_2d(params)
    return params[:, 6] * np.abs(params[:, 3]) >= min_cycles


def envelope_extent(params: np.ndarray, shape) -> np.ndarray:
    """The fitted Gabors' envelope size: the larger σ, as a fraction of the patch's larger side (n,).
    A localized, wavelet-like field has a small one (sparse coding on 16 × 16 patches: ~0.1–0.2); a
    grating or edge that spans the patch, ≥ 0.3."""
    params = np.atleast_2d(params)
    return np.maximum(np.abs(params[:, 3]), np.abs(params[:, 4])) / max(shape)


def localized(params: np.ndarray, shape, max_extent: float = 0.25) -> np.ndarray:
    """Which fitted Gabors are localized: ±2σ of the envelope's longer axis spans at most the patch
    (:func:`envelope_extent` ≤ ``max_extent``)."""
    return envelope_extent(params, shape) <= max_extent


def lateral_matrix(m: np.ndarray, n_hidden: int) -> np.ndarray:
    """M (n_hidden, n_hidden) from the lateral synapses' weights in synapse order (a state's ``lateral_m``):
    M[k, j], the inhibition of hidden unit k by unit j; 0 on the diagonal (no synapse)."""
    m = np.asarray(m, dtype=float)
    if m.shape != (n_hidden * (n_hidden - 1),):
        raise ValueError(f"{m.shape} lateral weights do not connect {n_hidden} hidden units to each other")
    matrix = np.zeros((n_hidden, n_hidden))
    matrix.T[~np.eye(n_hidden, dtype=bool)] = m  # synapse order: presynaptic unit j major, then k != j
    return matrix


def window_ratio(dt1_ms: float, dt2_ms: float, A_plus: float, A_minus: float, tau_plus_ms: float,
                 tau_minus_ms: float) -> float:
    """F(+Δt1) / |F(−Δt2)| of the pair window: how much more an initial-bout pair potentiates than a
    final-bout pair depresses (1: the exact autoencoder rule, docs/model.md)."""
    return float(A_plus * np.exp(-dt1_ms / tau_plus_ms) / (A_minus * np.exp(-dt2_ms / tau_minus_ms)))


def alignment_report(W_before: np.ndarray, W_after: np.ndarray, counts: BoutCounts, ratio: float,
                     w_max: float) -> dict:
    """What sets :func:`gradient_alignment`: the cosine of ΔW with Σ z (x − x̂) (``alignment``), with the
    direction the window's imbalance predicts, Σ z (r x − x̂), r = :func:`window_ratio` (``alignment_window``),
    and both over the synapses no bound stopped (``..._free``: 0 < W < w_max before and after)."""
    change = W_after - W_before
    free = (W_before > 0) & (W_before < w_max) & (W_after > 0) & (W_after < w_max)
    targets = {"alignment": rate_model_update(counts),
               "alignment_window": counts.z.T @ (ratio * counts.x - counts.x_hat)}
    report = {}
    for name, target in targets.items():
        report[name] = _cosine(change, target)
        report[f"{name}_free"] = _cosine(change[free], target[free])
    return {**report, "window_ratio": ratio, "free_fraction": float(free.mean()),
            "change_norm": float(np.linalg.norm(change))}


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    return float(np.sum(a * b) / norm) if norm else float("nan")


def field_shapes(params: np.ndarray, r2: np.ndarray, shape, min_r2: float = 0.5) -> dict:
    """Fractions of fields that a Gabor fits (R² ≥ ``min_r2``: ``gabor``), and that fit and are ``oriented``,
    ``localized``, or both (``v1_like``: the wavelets of sparse coding; a small blob is localized but not
    oriented); the median :func:`envelope_extent` of the fits (``median_extent``)."""
    good = np.asarray(r2) >= min_r2
    extent = envelope_extent(params, shape)
    is_oriented, is_localized = good & oriented(params), good & localized(params, shape)
    return {"gabor": float(good.mean()), "oriented": float(is_oriented.mean()),
            "localized": float(is_localized.mean()), "v1_like": float((is_oriented & is_localized).mean()),
            "median_extent": float(np.median(extent[good])) if good.any() else float("nan")}
