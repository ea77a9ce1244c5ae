"""How good is the network's code? Its statistics, and what other codes of the same size reach.

Notation as in :mod:`brianmodel.analysis`: per presentation, ``x`` the input
(initial-bout visible counts), ``x̂`` the reconstruction (final-bout counts),
``z`` the code (hidden counts); Q is (n_visible, n_hidden). Rows are
presentations. Every score is :func:`~brianmodel.analysis.reconstruction_corr`
(mean per-presentation Pearson r), so a ceiling and the network compare
directly.

The ceilings are codes fitted on training inputs only and scored on held-out
ones, with the network's own budget: k = round(mean active units), n = n_hidden.

- PCA-k: the best linear code of k numbers (top k principal components);
- linear-n: the best linear code of n numbers (any linear readout of n units);
- top-k: n binary units, exactly k on, chosen at once as the k largest
  projections onto a non-negative dictionary D (x̂ = D z): a one-shot,
  feedforward spiking code at its best;
- explaining-away: the same decoder family, the k units chosen greedily, each
  the one that most reduces what is left to explain (binary matching pursuit).

The network's own reconstruction is binary: in the final bout a visible unit
fires once or not at all (the stimulus can make it fire twice in the first).
Each binary code's ceiling is therefore also given with a one-spike readout,
x̂ = [D z > θ], θ the one threshold that best reconstructs the training inputs:
what the same code reaches when its reconstruction, like the network's, is one
spike or none per visible unit. And with a spike-count readout, x̂ = Σ_l [D z > θ_l]
with as many thresholds as the most spikes a visible unit fires in x: what the
code reaches if the final bout could grade its counts as the initial bout does.
"""
from __future__ import annotations

import numpy as np

from .measures import reconstruction_corr

__all__ = ["active_units", "distinct_codes", "unit_usage", "effective_units", "code_statistics", "q_column_corr",
           "template_corr", "feature_statistics", "linear_readout", "pca_ceiling", "fit_binary_code", "topk_code",
           "explaining_away_code", "sparse_coding_dictionary", "binary_code_ceiling", "one_spike_threshold",
           "spike_count_thresholds", "spike_count_readout", "corr_counted_once",
           "code_ceilings", "repeat_corr", "final_bout_echo", "code_report", "format_report"]


def active_units(z: np.ndarray) -> dict:
    """Mean, median, min and max over presentations of the number of hidden units with z > 0."""
    n = (z > 0).sum(axis=1)
    return {"mean": float(n.mean()), "median": float(np.median(n)), "min": int(n.min()), "max": int(n.max())}


def distinct_codes(z: np.ndarray) -> tuple[int, float]:
    """Number of distinct binary active sets among the presentations, and that number / presentations."""
    count = len(np.unique(z > 0, axis=0))
    return count, count / len(z)


def unit_usage(z: np.ndarray) -> np.ndarray:
    """Fraction of presentations each hidden unit is active in, (n_hidden,)."""
    return (z > 0).mean(axis=0)


def effective_units(usage: np.ndarray) -> float:
    """exp(entropy) of the usage normalised to sum 1: n when all units are used equally, 1 when one is."""
    p = usage[usage > 0] / usage.sum() if usage.sum() > 0 else np.ones(1)
    return float(np.exp(-np.sum(p * np.log(p))))


def code_statistics(z: np.ndarray) -> dict:
    """The code's scalar statistics a probe saves beside its counts."""
    usage = unit_usage(z)
    return {"active_units_mean": active_units(z)["mean"], "distinct_codes_fraction": distinct_codes(z)[1],
            "units_never_active": int(np.sum(usage == 0)), "effective_units": effective_units(usage)}


def _standardised(a: np.ndarray, axis: int) -> np.ndarray:
    """Zero mean, unit norm along ``axis``; a constant vector becomes 0 (it correlates with nothing)."""
    a = a - a.mean(axis=axis, keepdims=True)
    norm = np.linalg.norm(a, axis=axis, keepdims=True)
    return np.divide(a, norm, out=np.zeros_like(a, dtype=float), where=norm > 0)


def q_column_corr(Q: np.ndarray, z: np.ndarray | None = None) -> tuple[float, float]:
    """(mean Pearson r over all pairs of Q's columns, over co-active pairs).

    Co-active: each pair weighted by the presentations of ``z`` in which both
    units are active (nan without ``z`` or without co-active pairs).
    Overlapping templates waste a code: co-active units then explain the same
    part of the input twice.
    """
    columns = _standardised(Q.astype(float), axis=0)
    r = columns.T @ columns
    pairs = ~np.eye(len(r), dtype=bool)
    all_pairs = float(r[pairs].mean())
    if z is None:
        return all_pairs, float("nan")
    active = (z > 0).astype(float)
    together = (active.T @ active)[pairs]
    coactive = float(np.sum(r[pairs] * together) / together.sum()) if together.sum() else float("nan")
    return all_pairs, coactive


def template_corr(Q: np.ndarray, x: np.ndarray, z: np.ndarray) -> float:
    """Mean over presentations and their active units of corr(Q column of the unit, x).

    How well one unit's template alone matches the input: near the network's
    reconstruction corr, each unit stands for the whole image (a lookup code)
    rather than a part of it.
    """
    r = _standardised(x.astype(float), axis=1) @ _standardised(Q.astype(float), axis=0)
    return float(r[z > 0].mean()) if np.any(z > 0) else float("nan")


def feature_statistics(Q: np.ndarray, x: np.ndarray, z: np.ndarray) -> dict:
    """How alike the active units' features are, as a probe saves it beside :func:`code_statistics`: the mean r
    of the Q columns of units active together, and of an active unit's Q column with the input."""
    return {"q_column_corr_coactive": q_column_corr(Q, z)[1], "template_corr": template_corr(Q, x, z)}


def linear_readout(z_train, x_train, z_test, x_test, ridge: float = 1e-6) -> tuple[float, float]:
    """(training, held-out) corr of the least-squares readout x ≈ z A + b fitted on the training presentations.

    The best any linear decoder could do with the network's own code; above
    the network's corr(x, x̂), Q is not the best decoder of its code. ``ridge``
    is relative to the code's mean variance, for codes with silent or
    duplicate units.
    """
    z_mean, x_mean = z_train.mean(axis=0), x_train.mean(axis=0)
    zc = z_train - z_mean
    gram = zc.T @ zc
    gram[np.diag_indices_from(gram)] += ridge * max(np.trace(gram) / len(gram), 1e-12)
    A = np.linalg.solve(gram, zc.T @ (x_train - x_mean))
    b = x_mean - z_mean @ A
    return reconstruction_corr(x_train, z_train @ A + b), reconstruction_corr(x_test, z_test @ A + b)


def _principal_axes(x_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, principal axes as columns, by decreasing variance) of the training inputs."""
    mean = x_train.mean(axis=0)
    centred = x_train - mean
    _, axes = np.linalg.eigh(centred.T @ centred)  # ascending variance
    return mean, axes[:, ::-1]


def pca_ceiling(x_train, x_test, k: int, axes=None) -> tuple[float, float]:
    """(training, held-out) corr of the reconstruction from the top ``k`` principal components of ``x_train``.

    ``axes``: :func:`_principal_axes` of ``x_train``, when already computed.
    """
    mean, axes = axes if axes is not None else _principal_axes(x_train)
    top = axes[:, :k]

    def reconstruct(x):
        return mean + (x - mean) @ top @ top.T

    return reconstruction_corr(x_train, reconstruct(x_train)), reconstruction_corr(x_test, reconstruct(x_test))


def topk_code(x: np.ndarray, D: np.ndarray, k: int) -> np.ndarray:
    """Binary codes (n_presentations, n): the k units whose normalised columns of D project most on x."""
    norms = np.linalg.norm(D, axis=0)
    scores = x @ np.divide(D, norms, out=np.zeros_like(D), where=norms > 0)
    z = np.zeros((len(x), D.shape[1]))
    np.put_along_axis(z, np.argpartition(-scores, k - 1, axis=1)[:, :k], 1.0, axis=1)
    return z


def explaining_away_code(x: np.ndarray, D: np.ndarray, k: int) -> np.ndarray:
    """Binary codes by matching pursuit: k times add the unit whose column most reduces ‖x − D z‖².

    Adding unit j to residual r changes the error by ‖d_j‖² − 2 r·d_j, and
    r·d_j = x·d_j − Σ_chosen d_i·d_j, so only the projections x D and D's Gram
    matrix are needed (no residual in visible space).
    """
    gram = D.T @ D
    projection = x @ D
    square = np.diag(gram)
    z = np.zeros((len(x), D.shape[1]))
    rows = np.arange(len(x))
    for _ in range(k):
        gain = 2 * projection - square
        gain[z > 0] = -np.inf  # a unit is binary: chosen once
        chosen = np.argmax(gain, axis=1)
        z[rows, chosen] = 1.0
        projection -= gram[chosen]
    return z


def _nonnegative_decoder(x: np.ndarray, z: np.ndarray, D: np.ndarray, sweeps: int = 3) -> np.ndarray:
    """D ≥ 0 lowering ‖x − z Dᵀ‖², by exact column-wise non-negative updates (HALS) from ``D``.

    Each column update is the exact NNLS step for that column with the others
    fixed: cheap (only zᵀz and xᵀz are needed) and never increases the error.
    """
    gram, cross = z.T @ z, x.T @ z
    D = D.copy()
    for _ in range(sweeps):
        for j in np.flatnonzero(np.diag(gram) > 0):
            D[:, j] = np.maximum(0.0, D[:, j] + (cross[:, j] - D @ gram[:, j]) / gram[j, j])
    return D


def fit_binary_code(x_train: np.ndarray, k: int, n: int, encode, iterations: int = 30, seed: int = 0) -> np.ndarray:
    """A non-negative dictionary D (n_visible, n) for the binary k-of-n ``encode`` (:func:`topk_code` or
    :func:`explaining_away_code`), fitted on ``x_train`` by alternating codes and D.

    Starts, like k-means, from n random training inputs (each / k, as k units
    add up); a unit no code uses is restarted on the input explained worst.
    """
    rng = np.random.default_rng(seed)
    x_train = x_train.astype(float)
    D = x_train[rng.choice(len(x_train), n, replace=len(x_train) < n)].T / k
    for _ in range(iterations):
        z = encode(x_train, D, k)
        unused = np.flatnonzero(z.sum(axis=0) == 0)
        if len(unused):
            error = np.sum((x_train - z @ D.T) ** 2, axis=1)
            D[:, unused] = x_train[np.argsort(-error)[:len(unused)]].T / k
        D = _nonnegative_decoder(x_train, z, D)
    return D


def sparse_coding_dictionary(patches: np.ndarray, n: int, alpha: float, seed: int = 0,
                             epochs: int = 30) -> np.ndarray:
    """Olshausen & Field's sparse coding of signed patches, (n, n_pixels): the dictionary D minimising
    ‖x − D a‖² + α ‖a‖₁ over graded coefficients a of either sign (scikit-learn's online dictionary
    learning, Mairal et al. 2009), fitted in ``epochs`` passes over ``patches`` (n_patches, n_pixels).

    Not the network's code (binary, non-negative, of ON/OFF spikes): what the graded code of the same
    pixels learns. On Olshausen & Field's images its atoms are localized, oriented wavelets.
    """
    from sklearn.decomposition import MiniBatchDictionaryLearning  # heavy, and only for this

    patches = np.asarray(patches, dtype=float).reshape(len(patches), -1)
    if alpha <= 0 or n < 1:
        raise ValueError(f"sparse coding needs α > 0 and n >= 1 atoms, got α {alpha}, n {n}")
    # every pass is run: scikit-learn's default early stop (no gain in its smoothed cost over 10 mini-batches)
    # ends the fit within the first epoch or two, with atoms still noisy
    learner = MiniBatchDictionaryLearning(n_components=n, alpha=alpha, batch_size=256, max_iter=epochs,
                                          random_state=seed, tol=0.0, max_no_improvement=None)
    return learner.fit(patches).components_


def _threshold_candidates(drive: np.ndarray, candidates: int) -> np.ndarray:
    """0 (every driven unit fires), quantiles of the positive drive and the midpoints between them (a gap in
    the drive is split in its middle), sorted; empty without positive drive."""
    positive = drive[drive > 0]
    if not len(positive):
        return positive
    quantiles = np.unique(np.quantile(positive, np.linspace(0.0, 1.0, candidates, endpoint=False)))
    return np.sort(np.concatenate([[0.0], quantiles, (quantiles[1:] + quantiles[:-1]) / 2]))


class _ReadoutScores:
    """Scores readouts Σ_l [drive > θ_l] of one ``drive`` against ``x`` without building them.

    Per presentation, a readout's corr with x needs only, for each θ, how many units the drive puts above it
    and their summed x: sorting each row of the drive once turns both into a search and a cumulative sum.
    The scores are those of :func:`~brianmodel.analysis.reconstruction_corr` (a constant row counts as 0).
    """

    def __init__(self, x: np.ndarray, drive: np.ndarray):
        order = np.argsort(-drive, axis=1, kind="stable")
        self._descending = -np.take_along_axis(drive, order, axis=1)  # each row ascending in −drive
        ordered_x = np.take_along_axis(x.astype(float), order, axis=1)
        self._x_above = np.concatenate([np.zeros((len(x), 1)), np.cumsum(ordered_x, axis=1)], axis=1)
        self._n, self._x_sum, self._x_square = x.shape[1], x.sum(axis=1), np.sum(x.astype(float) ** 2, axis=1)

    def above(self, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(units with drive > θ, their summed x), each (presentations, len(thresholds))."""
        counts = np.stack([np.searchsorted(row, -np.asarray(thresholds), side="left") for row in self._descending])
        return counts, np.take_along_axis(self._x_above, counts, axis=1)

    def corr(self, spikes: np.ndarray, squares: np.ndarray, overlap: np.ndarray) -> np.ndarray:
        """Mean corr per column, from x̂'s per-row Σ x̂, Σ x̂² and Σ x x̂ (each (presentations, columns))."""
        n, x_sum = self._n, self._x_sum[:, None]
        x_spread = n * self._x_square[:, None] - x_sum ** 2
        norm = np.sqrt(np.maximum(x_spread * (n * squares - spikes ** 2), 0.0))
        r = np.divide(n * overlap - x_sum * spikes, norm, out=np.zeros(norm.shape), where=norm > 0)
        return r.mean(axis=0)


def one_spike_threshold(x: np.ndarray, drive: np.ndarray, candidates: int = 64) -> float:
    """The θ whose one-spike readout [drive > θ] best reconstructs ``x`` (mean corr), among 0, quantiles of
    the positive drive and the midpoints between them (a gap in the drive is split in its middle)."""
    thresholds = _threshold_candidates(drive, candidates)
    if not len(thresholds):
        return 0.0
    scores = _ReadoutScores(x, drive)
    counts, overlap = scores.above(thresholds)
    return float(thresholds[int(np.argmax(scores.corr(counts, counts, overlap)))])


def spike_count_readout(drive: np.ndarray, thresholds) -> np.ndarray:
    """x̂ = Σ_l [drive > θ_l]: a visible unit fires one more spike for every threshold its drive exceeds."""
    return np.sum([drive > theta for theta in thresholds], axis=0).astype(float)


def spike_count_thresholds(x: np.ndarray, drive: np.ndarray, levels: int, candidates: int = 64,
                           rounds: int = 2) -> np.ndarray:
    """θ_1 ≤ … ≤ θ_levels whose :func:`spike_count_readout` best reconstructs ``x`` (mean corr): starts from
    the one-spike θ for every level, then sets each θ_l in turn, keeping the others, to the best of
    :func:`one_spike_threshold`'s candidates between its neighbours. ``levels`` 1: the one-spike θ."""
    if levels < 1:
        raise ValueError(f"a spike-count readout needs at least one level, got {levels}")
    thresholds = np.full(levels, one_spike_threshold(x, drive, candidates))
    grid = _threshold_candidates(drive, candidates)
    if levels == 1 or not len(grid):
        return thresholds
    grid = np.append(grid, drive.max())  # the top: a level no unit reaches
    scores = _ReadoutScores(x, drive)
    counts, overlap = scores.above(grid)
    weight = 2 * np.arange(levels) + 1  # x̂² = Σ_l (2l − 1) [drive > θ_l] while θ_1 ≤ … ≤ θ_levels
    for _ in range(rounds):
        for level in range(levels):
            low = thresholds[level - 1] if level else -np.inf
            high = thresholds[level + 1] if level + 1 < levels else np.inf
            options = np.flatnonzero((grid >= low) & (grid <= high))
            if not len(options):
                continue
            others = [np.searchsorted(grid, theta) for theta in np.delete(thresholds, level)]
            fixed = [sum(a[:, [i]] for i in others) if others else 0.0 for a in (counts, overlap)]
            fixed_squares = sum(w * counts[:, [i]] for w, i in zip(np.delete(weight, level), others)) if others else 0.0
            best = scores.corr(fixed[0] + counts[:, options], fixed_squares + weight[level] * counts[:, options],
                               fixed[1] + overlap[:, options])
            # a tie (within rounding) keeps the level where it is: an offset of a whole spike does not change
            # a corr, and a level moved to 0 for nothing would fire every unit and merge with the one above
            tied = options[best >= best.max() - 1e-12]
            thresholds[level] = grid[tied[np.argmin(np.abs(grid[tied] - thresholds[level]))]]
    return thresholds


def corr_counted_once(x: np.ndarray, x_hat: np.ndarray) -> float:
    """corr(x, x̂) with each unit's spikes counted once in both bouts: which units fired, not how often."""
    return reconstruction_corr(np.minimum(x, 1), np.minimum(x_hat, 1))


def code_ceilings(x_train, x_test, k: int, n: int, encode, iterations: int = 30, seed: int = 0) -> dict:
    """``encode``'s binary k-of-n code with D fitted on ``x_train``: corr on training (``train_``) and held-out
    inputs with the linear readout x̂ = D z (``linear``), the one-spike readout [D z > θ] (``one_spike``) and
    the spike-count readout with as many levels as x's largest count (``spike_count``); thresholds chosen on
    the training inputs."""
    D = fit_binary_code(x_train, k, n, encode, iterations, seed)
    drives = [encode(x.astype(float), D, k) @ D.T for x in (x_train, x_test)]
    theta = one_spike_threshold(x_train, drives[0])
    thresholds = spike_count_thresholds(x_train, drives[0], max(1, int(np.round(x_train.max()))))
    ceilings = {}
    for prefix, x, drive in (("train_", x_train, drives[0]), ("", x_test, drives[1])):
        ceilings[f"{prefix}linear"] = reconstruction_corr(x, drive)
        ceilings[f"{prefix}one_spike"] = reconstruction_corr(x, (drive > theta).astype(float))
        ceilings[f"{prefix}spike_count"] = reconstruction_corr(x, spike_count_readout(drive, thresholds))
    return ceilings


def binary_code_ceiling(x_train, x_test, k: int, n: int, encode, iterations: int = 30,
                        seed: int = 0) -> tuple[float, float]:
    """(training, held-out) corr of x̂ = D z with ``encode``'s binary k-of-n code, D fitted on ``x_train``."""
    ceilings = code_ceilings(x_train, x_test, k, n, encode, iterations, seed)
    return ceilings["train_linear"], ceilings["linear"]


def repeat_corr(x: np.ndarray, images: np.ndarray) -> float:
    """Mean corr between the inputs of presentations of the same image (nan without repeats): the noise ceiling."""
    pairs = [(i, j) for image in np.unique(images) for i, j in _pairs(np.flatnonzero(images == image))]
    if not pairs:
        return float("nan")
    first, second = np.array(pairs).T
    return reconstruction_corr(x[first], x[second])


def _pairs(indices):
    return [(indices[a], indices[b]) for a in range(len(indices)) for b in range(a + 1, len(indices))]


def final_bout_echo(x: np.ndarray, x_hat: np.ndarray, drive: np.ndarray, bins: int = 10,
                    min_count: int = 20) -> dict:
    """How much a visible unit's final-bout spike depends on its own initial-bout spike, beyond the
    feedback's drive: P(x̂ > 0 | x > 0) − P(x̂ > 0 | x = 0) among unit-presentations of equal ``drive``
    (= z Qᵀ, in ``bins`` quantile bins of the positive drive; a bin counts where each side has
    ``min_count``), averaged with the weights of the x > 0 side (``gap``; per bin: ``bin_gaps``, and the
    two sides' firing probabilities ``fired_on`` and ``fired_off``).

    0 when the final bout is a function of the code alone, as an autoencoder's reconstruction is; > 0
    when what is left of the initial bout in the visible cells helps the same units fire again.
    """
    x, x_hat, drive = (np.asarray(a, dtype=float).ravel() for a in (x, x_hat, drive))
    on, fired, driven = x > 0, x_hat > 0, drive > 0
    edges = np.quantile(drive[driven], np.linspace(0, 1, bins + 1)[1:-1]) if driven.any() else np.array([])
    which = np.digitize(drive, edges)
    fired_on, fired_off, weights = [], [], []
    for b in range(bins):
        inside = driven & (which == b)
        n_on, n_off = (inside & on).sum(), (inside & ~on).sum()
        counted = n_on >= min_count and n_off >= min_count
        fired_on.append(float(fired[inside & on].mean()) if counted else float("nan"))
        fired_off.append(float(fired[inside & ~on].mean()) if counted else float("nan"))
        weights.append(n_on if counted else 0)
    gaps = [a - b for a, b in zip(fired_on, fired_off)]
    gap = np.average(np.nan_to_num(gaps), weights=weights) if sum(weights) else float("nan")
    return {"gap": float(gap), "bin_gaps": gaps, "fired_on": fired_on, "fired_off": fired_off}


def code_report(train, test, Q: np.ndarray, x_hat_test: np.ndarray | None = None, seed: int = 0, *,
                x_hat_train: np.ndarray | None = None, images=None, iterations: int = 30) -> dict:
    """Every measure of the code, as one flat dict: held-out images unprefixed, training images ``train_``.

    ``train``, ``test``: (x, z) of a probe of training and of held-out images;
    ``x_hat_*``: the network's reconstructions; ``images``: (training, held-out)
    image indices, for the noise ceiling when an image is presented twice.
    """
    (x_train, z_train), (x_test, z_test) = train, test
    x_train, x_test = x_train.astype(float), x_test.astype(float)
    n = Q.shape[1]
    report = {"n_hidden": n, "train_presentations": len(x_train), "held_out_presentations": len(x_test)}
    if x_hat_train is not None:
        report["train_corr"] = reconstruction_corr(x_train, x_hat_train)
    if x_hat_test is not None:
        report["held_out_corr"] = reconstruction_corr(x_test, x_hat_test)
    for key, x, x_hat in (("held_out_corr_once", x_test, x_hat_test), ("train_corr_once", x_train, x_hat_train)):
        if x_hat is not None:  # each unit's spikes counted once, in both bouts: what x's doubles cost x̂
            report[key] = corr_counted_once(x, x_hat)
    for key, x, z, x_hat in (("final_bout_echo", x_test, z_test, x_hat_test),
                             ("train_final_bout_echo", x_train, z_train, x_hat_train)):
        echo = final_bout_echo(x, x_hat, z @ Q.T)["gap"] if x_hat is not None else float("nan")
        if np.isfinite(echo):  # undefined where every unit fired in the initial bout, or none did
            report[key] = echo
    for prefix, x, z in (("train_", x_train, z_train), ("", x_test, z_test)):
        report.update({f"{prefix}active_units_{name}": value for name, value in active_units(z).items()})
        report[f"{prefix}distinct_codes"], report[f"{prefix}distinct_codes_fraction"] = distinct_codes(z)
        statistics = code_statistics(z)
        report[f"{prefix}units_never_active"] = statistics["units_never_active"]
        report[f"{prefix}effective_units"] = statistics["effective_units"]
        report["q_column_corr_all"], report[f"{prefix}q_column_corr_coactive"] = q_column_corr(Q, z)
        report[f"{prefix}template_corr"] = template_corr(Q, x, z)
    k = max(1, int(round(report["train_active_units_mean"])))
    report["k"] = k
    theta = one_spike_threshold(x_train, z_train @ Q.T)  # Q's own drive, with no memory of the initial bout
    report["train_q_one_spike_corr"], report["q_one_spike_corr"] = (
        reconstruction_corr(x, (z @ Q.T > theta).astype(float)) for x, z in ((x_train, z_train), (x_test, z_test)))
    # the same code through the best decoder Q could be (D ≥ 0, fitted from Q on the training inputs), one spike
    # per visible unit: what the choice of units allows, apart from what Q learned
    D = _nonnegative_decoder(x_train, z_train.astype(float), Q.astype(float), sweeps=40)
    theta = one_spike_threshold(x_train, z_train @ D.T)
    report["train_own_one_spike_readout_corr"], report["own_one_spike_readout_corr"] = (
        reconstruction_corr(x, (z @ D.T > theta).astype(float)) for x, z in ((x_train, z_train), (x_test, z_test)))
    report["train_own_linear_readout_corr"], report["own_linear_readout_corr"] = linear_readout(
        z_train.astype(float), x_train, z_test.astype(float), x_test)
    axes = _principal_axes(x_train)
    report["train_ceiling_pca_k_corr"], report["ceiling_pca_k_corr"] = pca_ceiling(x_train, x_test, k, axes)
    report["train_ceiling_linear_n_corr"], report["ceiling_linear_n_corr"] = pca_ceiling(x_train, x_test, n, axes)
    for name, encode in (("topk", topk_code), ("explaining_away", explaining_away_code)):
        ceilings = code_ceilings(x_train, x_test, k, n, encode, iterations, seed)
        for prefix in ("train_", ""):
            report[f"{prefix}ceiling_{name}_corr"] = ceilings[f"{prefix}linear"]
            report[f"{prefix}ceiling_{name}_one_spike_corr"] = ceilings[f"{prefix}one_spike"]
            report[f"{prefix}ceiling_{name}_spike_count_corr"] = ceilings[f"{prefix}spike_count"]
    if images is not None:
        for prefix, x, shown in (("train_", x_train, images[0]), ("", x_test, images[1])):
            noise = repeat_corr(x, np.asarray(shown))
            if not np.isnan(noise):
                report[f"{prefix}noise_ceiling_corr"] = noise
    return report


# (measure, key on held-out images; its training key is 'train_' + key, or 'train_corr' for the network's)
_ROWS = [("network reconstruction corr(x, x̂)", "held_out_corr"),
         ("… each unit's spikes counted once", "held_out_corr_once"),
         ("noise ceiling (repeats of an image)", "noise_ceiling_corr"),
         ("active units, mean", "active_units_mean"), ("active units, median", "active_units_median"),
         ("active units, min", "active_units_min"), ("active units, max", "active_units_max"),
         ("distinct codes", "distinct_codes"), ("distinct codes, fraction", "distinct_codes_fraction"),
         ("units never active", "units_never_active"), ("effective units exp(H)", "effective_units"),
         ("Q column r, all pairs", "q_column_corr_all"), ("Q column r, co-active pairs", "q_column_corr_coactive"),
         ("one template: corr(Q_j, x), active j", "template_corr"),
         ("final bout's echo of x at equal drive", "final_bout_echo"),
         ("own code through Q, one-spike readout", "q_one_spike_corr"),
         ("own code, best one-spike readout (D ≥ 0)", "own_one_spike_readout_corr"),
         ("own code, best linear readout", "own_linear_readout_corr"),
         ("ceiling PCA-k", "ceiling_pca_k_corr"), ("ceiling linear-n (PCA-n)", "ceiling_linear_n_corr"),
         ("ceiling binary top-k", "ceiling_topk_corr"),
         ("ceiling binary explaining-away", "ceiling_explaining_away_corr"),
         ("ceiling binary top-k, one-spike readout", "ceiling_topk_one_spike_corr"),
         ("ceiling explaining-away, one-spike readout", "ceiling_explaining_away_one_spike_corr"),
         ("ceiling binary top-k, spike-count readout", "ceiling_topk_spike_count_corr"),
         ("ceiling explaining-away, spike-count readout", "ceiling_explaining_away_spike_count_corr")]


def format_report(report: dict) -> str:
    """A short table of :func:`code_report`: measure, training images, held-out images."""
    def cell(key):
        value = report.get(key)
        if value is None:
            return ""
        return f"{value:d}" if isinstance(value, (int, np.integer)) else f"{value:.3f}"

    lines = [f"{'measure':44s} {'training':>9s} {'held out':>9s}"]
    for measure, key in _ROWS:
        train_key = {"held_out_corr": "train_corr", "held_out_corr_once": "train_corr_once"}.get(key, f"train_{key}")
        if key == "q_column_corr_all":  # a property of Q alone
            train_key = key
        if key in report or train_key in report:
            lines.append(f"{measure:44s} {cell(train_key):>9s} {cell(key):>9s}")
    lines.append(f"k = {report.get('k')} of n = {report.get('n_hidden')} units; "
                 f"{report.get('train_presentations')} training and {report.get('held_out_presentations')} held-out "
                 f"presentations; ceilings fitted on the training inputs")
    return "\n".join(lines)
