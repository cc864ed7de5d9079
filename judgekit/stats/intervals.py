"""Confidence intervals and exact tests shared by every bias suite.

Everything here is plain numpy and the standard library and knows nothing about judges or probes,
so any suite can reuse it. Conventions:

* Every interval function returns ``(lo, hi)`` as Python floats, at confidence
  level ``1 - alpha`` (two-sided).
* An empty sample (``n == 0``, no clusters, a zero denominator) gives
  ``(nan, nan)``; nothing here raises or emits a numpy warning for it.
* Bootstrap intervals are *percentile* intervals over cluster resamples. Given
  cluster ids (as the bias suites do, with item ids), the resample is a Poisson
  bootstrap whose weights are a function of the id and the seed
  (:mod:`judgekit.stats.weights`); without ids, clusters are drawn with
  replacement, as many as observed. Replicates whose statistic is undefined
  (e.g. a zero denominator) are dropped. The seed makes them reproducible.

Which interval to use:

* one proportion of independent units ............ :func:`wilson`
* a proportion (or ratio) over correlated rows ..... :func:`ratio_bootstrap`
  (fast; pass per-cluster numerators and denominators) or
  :func:`cluster_bootstrap` (any statistic of a DataFrame; slower)
* a paired difference of two proportions (same units under two conditions,
  e.g. accuracy in two orders, or a flip rate between two prompt conditions)
  .................................................. :func:`paired_diff_ci`
  (Newcombe's hybrid score interval) with :func:`exact_mcnemar` for the test.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

from judgekit.stats.weights import weighted_sums

NAN = float("nan")
Interval = tuple[float, float]

# Resample at most this many (replicate x cluster) cells at once, to bound memory.
_CHUNK_CELLS = 2_000_000


_STD_NORMAL = NormalDist()


def _z(alpha: float) -> float:
    return _STD_NORMAL.inv_cdf(1.0 - alpha / 2.0)  # the normal quantile (scipy.stats.norm.ppf)


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z (scipy.stats.norm.sf), exact in the far tail through erfc."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def binom_half_cdf(k: int, n: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2) (scipy.stats.binom.cdf(k, n, 0.5)).

    Summed in log space (log-gamma terms, shifted by their largest), so it neither overflows nor loses the
    tail for any n; relative error about 1e-13.
    """
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    head = math.lgamma(n + 1) - n * math.log(2.0)
    logs = [head - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in range(k + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * math.fsum(math.exp(v - top) for v in logs))


def wilson(k: float, n: float, alpha: float = 0.05) -> Interval:
    """Wilson score interval for a binomial proportion ``k / n``.

    Same values as ``statsmodels.stats.proportion.proportion_confint(k, n,
    alpha, method="wilson")``; e.g. ``wilson(0, 10) == (0.0, 0.2775...)`` and
    ``wilson(5, 10) == (0.2366..., 0.7634...)``. ``n == 0`` gives ``(nan, nan)``.
    """
    if n is None or not n > 0 or k is None or not np.isfinite(k):
        return (NAN, NAN)
    k, n = float(k), float(n)
    z = _z(alpha)
    z2 = z * z
    p = k / n
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z * math.sqrt(max(p * (1.0 - p) / n + z2 / (4.0 * n * n), 0.0)) / denom
    lo = 0.0 if k <= 0 else max(0.0, centre - half)
    hi = 1.0 if k >= n else min(1.0, centre + half)
    return (lo, hi)


def ratio(num: float, den: float) -> float:
    """``num / den``, or nan when ``den == 0`` (no warning)."""
    return float(num) / float(den) if den else NAN


def percentile_interval(reps: np.ndarray, alpha: float = 0.05) -> Interval:
    """Percentile interval of bootstrap replicates, ignoring nan replicates."""
    reps = np.asarray(reps, dtype=float)
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return (NAN, NAN)
    lo, hi = np.quantile(reps, [alpha / 2.0, 1.0 - alpha / 2.0])
    return (float(lo), float(hi))


def ratio_bootstrap_reps(
    num_per_cluster: Sequence[float] | np.ndarray,
    den_per_cluster: Sequence[float] | np.ndarray,
    n_boot: int = 2000,
    seed: int = 0,
    clusters: Sequence[object] | np.ndarray | None = None,
) -> np.ndarray:
    """Bootstrap replicates of ``sum(num) / sum(den)`` with clusters resampled.

    ``num_per_cluster[i]`` and ``den_per_cluster[i]`` are cluster ``i``'s
    numerator and denominator (e.g. correct verdicts and scored verdicts of one
    item). For a plain mean over clusters pass ``den_per_cluster = ones``.
    Returns an array of ``n_boot`` replicates (nan where a replicate's
    denominator is 0).

    With ``clusters`` (the id of each cluster, e.g. item ids) each replicate
    weights cluster ``i`` by its Poisson(1) weight (:func:`item_weights`), which
    depends only on the id and the seed: every statistic over the same items
    sees the same draws, two arms on overlapping items are resampled jointly,
    and the replicates are matrix products (:func:`weighted_sums`). Without
    ``clusters`` each replicate draws as many clusters as observed, with
    replacement (multinomial weights).
    """
    num = np.asarray(num_per_cluster, dtype=float)
    den = np.asarray(den_per_cluster, dtype=float)
    if num.shape != den.shape or num.ndim != 1:
        raise ValueError("num_per_cluster and den_per_cluster must be 1-D and the same length")
    n = num.size
    if n == 0 or n_boot <= 0:
        return np.full(max(n_boot, 0), np.nan)
    if clusters is not None:
        s_num, s_den = weighted_sums(clusters, np.column_stack([num, den]), n_boot, seed).T
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s_den != 0, s_num / np.where(s_den != 0, s_den, 1.0), np.nan)
    rng = np.random.default_rng(seed)
    out = np.empty(n_boot)
    chunk = max(1, _CHUNK_CELLS // n)
    for start in range(0, n_boot, chunk):
        m = min(chunk, n_boot - start)
        idx = rng.integers(0, n, size=(m, n))
        s_num = num[idx].sum(axis=1)
        s_den = den[idx].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[start : start + m] = np.where(s_den != 0, s_num / np.where(s_den != 0, s_den, 1.0), np.nan)
    return out


def ratio_bootstrap(
    num_per_cluster: Sequence[float] | np.ndarray,
    den_per_cluster: Sequence[float] | np.ndarray,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    clusters: Sequence[object] | np.ndarray | None = None,
) -> Interval:
    """Percentile cluster-bootstrap interval for ``sum(num) / sum(den)``.

    The fast path for any statistic that is a ratio of per-cluster sums
    (accuracy, rates, means over rows, a mean of per-item scores). 2,000
    replicates over 10,000 clusters take a fraction of a second. ``clusters``
    as in :func:`ratio_bootstrap_reps` (the bias suites pass item ids).
    """
    return percentile_interval(ratio_bootstrap_reps(num_per_cluster, den_per_cluster, n_boot, seed, clusters), alpha)


def cluster_bootstrap(
    df: pd.DataFrame,
    stat_fn: Callable[[pd.DataFrame], float],
    cluster: str = "item_id",
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> Interval:
    """Percentile cluster-bootstrap interval for an arbitrary statistic.

    Clusters (values of ``df[cluster]``) are drawn with replacement, as many as
    observed; every row of a drawn cluster is kept, so a cluster drawn twice
    appears twice. ``stat_fn`` gets the resampled DataFrame (clusters are *not*
    relabelled, so a statistic that pairs rows within a cluster must not rely on
    cluster ids being unique) and returns a float; nan results are dropped.

    Row indices are built with numpy per replicate, so the cost is dominated by
    ``stat_fn``. For ratio statistics prefer :func:`ratio_bootstrap`.
    """
    if df is None or len(df) == 0 or n_boot <= 0:
        return (NAN, NAN)
    codes, _ = pd.factorize(df[cluster], sort=False)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    n_clusters = counts.size
    rng = np.random.default_rng(seed)
    reps = np.empty(n_boot)
    for b in range(n_boot):
        draw = rng.integers(0, n_clusters, size=n_clusters)
        lens = counts[draw]
        total = int(lens.sum())
        # Row positions of the drawn clusters, contiguous per cluster.
        offsets = np.repeat(starts[draw] - (np.cumsum(lens) - lens), lens)
        rows = order[offsets + np.arange(total)]
        reps[b] = stat_fn(df.iloc[rows])
    return percentile_interval(reps, alpha)


def paired_diff_ci(a: int, b: int, c: int, d: int, alpha: float = 0.05) -> Interval:
    """Newcombe's hybrid score interval for a paired difference of proportions.

    Units are measured twice (condition 1 and condition 2) with a binary
    outcome. ``a`` = success in both, ``b`` = success in 1 only, ``c`` = success
    in 2 only, ``d`` = success in neither; the estimate is
    ``p1 - p2 = (b - c) / n`` with ``n = a + b + c + d``.

    Method 10 of Newcombe (1998), "Improved confidence intervals for the
    difference between binomial proportions based on paired data", Stat Med
    17:2635-2650: Wilson intervals ``(l1, u1)``, ``(l2, u2)`` for ``p1`` and
    ``p2`` are combined with the correlation ``phi`` of the 2x2 table::

        lo = D - sqrt((p1-l1)^2 - 2 phi (p1-l1)(u2-p2) + (u2-p2)^2)
        hi = D + sqrt((p2-l2)^2 - 2 phi (p2-l2)(u1-p1) + (u1-p1)^2)

    where ``phi = C / sqrt((a+b)(c+d)(a+c)(b+d))`` with the numerator
    ``C = ad - bc - n/2`` if ``ad - bc > n/2``, ``ad - bc`` if negative, else 0;
    ``phi = 0`` when a margin is 0. Good coverage without any cell
    needing to be large; the interval is clipped to ``[-1, 1]``. ``n == 0``
    gives ``(nan, nan)``.
    """
    a, b, c, d = (float(x) for x in (a, b, c, d))
    n = a + b + c + d
    if n <= 0:
        return (NAN, NAN)
    p1, p2 = (a + b) / n, (a + c) / n
    diff = p1 - p2
    l1, u1 = wilson(a + b, n, alpha)
    l2, u2 = wilson(a + c, n, alpha)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    phi = 0.0
    if margins > 0:
        cross = a * d - b * c
        num = cross - n / 2.0 if cross > n / 2.0 else (cross if cross < 0 else 0.0)
        phi = num / math.sqrt(margins)
    dl = math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    du = math.sqrt(max((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2, 0.0))
    return (max(-1.0, diff - dl), min(1.0, diff + du))


def exact_mcnemar(b: int, c: int) -> float:
    """Two-sided exact McNemar test on the discordant counts ``b`` and ``c``.

    Under H0 (marginal homogeneity) ``b ~ Binomial(b + c, 1/2)``; the p-value is
    ``min(1, 2 * P(X <= min(b, c)))``, as in statsmodels'
    ``mcnemar(table, exact=True)``. No discordant pairs gives 1.0 (no evidence
    against H0). Also usable as an exact sign test (successes vs failures).
    """
    b, c = int(b), int(c)
    if b < 0 or c < 0:
        raise ValueError("counts must be non-negative")
    n = b + c
    if n == 0:
        return 1.0
    return min(1.0, 2.0 * binom_half_cdf(min(b, c), n))
