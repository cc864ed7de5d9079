"""Step 4: per-principle metrics with bootstrap intervals, and the length check.

For a principle voted on n pairs (readable votes only):

* agreement = agree / n
* relevance = (agree + disagree) / n
* accuracy  = agree / (agree + disagree)
* strength  = (agree - disagree) / n

Intervals are percentile bootstraps over pairs (:func:`judgekit.stats.intervals.ratio_bootstrap`).

Length check. Annotators and judges often prefer the longer response, and a principle such
as "is more detailed" can look strong only because it tracks length. Each principle is put
into a joint logistic model of the label (response A preferred) on the sign of the length
difference and the principle's vote (+1 for A, -1 for B, 0 otherwise). ``p_beyond_length``
is the likelihood-ratio test of the vote's coefficient against the length-only model. A
principle is flagged ``length_explained`` when its strength is positive (interval above 0)
but its vote adds nothing significant (at level ``alpha``) beyond length. ``length_alignment``
(the share of its decisive votes that pick the longer response) is reported but not used for
the flag: a genuine rule is also aligned with length when annotators happen to prefer both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from judgekit.analysis.icai.vote import vote_counts, vote_matrix
from judgekit.stats.intervals import ratio, ratio_bootstrap
from judgekit.types import Item

METRICS = ("agreement", "relevance", "accuracy", "strength")


def word_count(text: str) -> int:
    return len(text.split())


def length_sign(items: Sequence[Item]) -> np.ndarray:
    """+1 where response_a has more words, -1 where response_b has, 0 when equal."""
    return np.sign([word_count(it.response_a) - word_count(it.response_b) for it in items]).astype(float)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-6, max_iter: int = 100) -> tuple[np.ndarray, float]:
    """Maximum-likelihood logistic regression by Newton's method; returns (coefficients, log-likelihood).

    ``x`` includes any intercept column. ``l2`` is a ridge penalty on every coefficient but the
    first, small by default so that separated or collinear data still give a finite answer.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    pen = np.full(x.shape[1], float(l2))
    pen[0] = 0.0

    def objective(b: np.ndarray) -> float:
        eta = x @ b
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)) - 0.5 * np.sum(pen * b * b))

    beta = np.zeros(x.shape[1])
    current = objective(beta)
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        grad = x.T @ (y - p) - pen * beta
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(pen) + 1e-10 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-8 and objective(beta + t * step) < current - 1e-12:
            t /= 2
        if t <= 1e-8:
            break
        beta = beta + t * step
        value = objective(beta)
        gain, current = value - current, value
        if gain < 1e-10 or np.max(np.abs(t * step)) < 1e-9:
            break
    eta = x @ beta
    return beta, float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def lr_test_beyond_length(y: np.ndarray, length: np.ndarray, vote: np.ndarray) -> float:
    """p-value of adding ``vote`` to a logistic model of ``y`` on an intercept and ``length``."""
    if len(y) < 3 or not np.any(vote != 0):
        return float("nan")
    ones = np.ones(len(y))
    _, ll0 = fit_logistic(np.column_stack([ones, length]), y)
    _, ll1 = fit_logistic(np.column_stack([ones, length, vote]), y)
    stat = max(2.0 * (ll1 - ll0), 0.0)
    return float(stats.chi2.sf(stat, 1))


def _ci(num: np.ndarray, den: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    return ratio_bootstrap(num, den, n_boot=n_boot, seed=seed)


def principle_metrics(votes: pd.DataFrame, items: Sequence[Item], *, n_boot: int = 1000, seed: int = 0,
                      alpha: float = 0.05) -> pd.DataFrame:
    """One row per principle: counts, the four metrics with intervals, and the length check."""
    items = [it for it in items if it.label in ("A", "B")]
    labels = {it.id: str(it.label) for it in items}
    ids = [it.id for it in items]
    votes = votes[votes["item_id"].isin(labels)]
    pids = list(dict.fromkeys(votes["principle_id"]))
    counts = vote_counts(votes, labels).set_index("principle_id")
    mat = vote_matrix(votes, ids, pids)
    readable = votes.pivot(index="item_id", columns="principle_id", values="vote").reindex(index=ids, columns=pids)
    readable = ((readable != "invalid") & readable.notna()).to_numpy()
    y_sign = np.array([1.0 if labels[i] == "A" else -1.0 for i in ids])
    lsign = length_sign(items)
    rows = []
    for j, pid in enumerate(pids):
        c = counts.loc[pid]
        valid = readable[:, j].astype(float)
        agree = ((mat[:, j] == y_sign) & (mat[:, j] != 0)).astype(float)
        disagree = ((mat[:, j] == -y_sign) & (mat[:, j] != 0)).astype(float)
        n = float(c["n"])
        rec = {"principle_id": pid, **{k: int(c[k]) for k in c.index}}
        est = {"agreement": (agree, valid), "relevance": (agree + disagree, valid),
               "accuracy": (agree, agree + disagree), "strength": (agree - disagree, valid)}
        for name, (num, den) in est.items():
            rec[name] = ratio(num.sum(), den.sum())
            rec[f"{name}_lo"], rec[f"{name}_hi"] = _ci(num, den, n_boot, seed)
        decisive = (mat[:, j] != 0) & (lsign != 0)
        rec["length_alignment"] = ratio(float((mat[decisive, j] == lsign[decisive]).sum()), float(decisive.sum()))
        rec["length_accuracy"] = ratio(float((lsign[decisive] == y_sign[decisive]).sum()), float(decisive.sum()))
        keep = valid > 0
        rec["p_beyond_length"] = lr_test_beyond_length((y_sign[keep] > 0).astype(float), lsign[keep],
                                                       mat[keep, j]) if n else float("nan")
        p = rec["p_beyond_length"]
        rec["length_explained"] = bool(rec["strength_lo"] > 0 and p == p and p >= alpha)
        rows.append(rec)
    return pd.DataFrame(rows)


def long_metrics(wide: pd.DataFrame, split: str) -> pd.DataFrame:
    """The four metrics of :func:`principle_metrics` as rows (principle_id, split, metric, estimate, ci, n)."""
    rows = []
    for _, r in wide.iterrows():
        for m in METRICS:
            rows.append({"principle_id": r["principle_id"], "split": split, "metric": m, "estimate": r[m],
                         "ci_low": r[f"{m}_lo"], "ci_high": r[f"{m}_hi"], "n": int(r["n"])})
    return pd.DataFrame(rows, columns=["principle_id", "split", "metric", "estimate", "ci_low", "ci_high", "n"])
