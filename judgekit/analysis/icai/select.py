"""Step 5: split into train and test, choose at most k principles on train only.

Candidates are principles whose training strength is positive, that apply to at least
``min_relevance`` of training pairs and (by default) are not flagged as explained by length.

* ``forward`` (default): greedy forward selection. Each step adds the candidate that most
  lowers the cross-validated log-loss (K folds *within* the training split) of a ridge
  logistic model of the label on the chosen principles' votes, and stops at k principles or
  when the best gain is below ``min_gain``. Redundant principles (paraphrases, or rules that
  cover the same pairs) add nothing and are not chosen; near-copies (vote correlation above
  ``max_corr``) are not even tried.
* ``rank``: principles by training strength, skipping any whose votes correlate above
  ``max_corr`` with one already chosen (diversity).

The test split is never looked at here; it is only used to report.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd

from judgekit.analysis.icai.metrics import fit_logistic
from judgekit.types import Item


def split_items(items: Sequence[Item], test_fraction: float, seed: int) -> tuple[list[Item], list[Item]]:
    """Seeded train/test split, stratified by category; both parts keep dataset order."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, not {test_fraction}")
    groups: dict[str | None, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        groups[it.category].append(i)
    rng = random.Random(f"{seed}|icai-split")
    test: set[int] = set()
    for key in sorted(groups, key=str):
        idx = groups[key]
        n_test = round(len(idx) * test_fraction)
        test.update(rng.sample(idx, n_test))
    return ([it for i, it in enumerate(items) if i not in test], [it for i, it in enumerate(items) if i in test])


def fold_ids(n: int, folds: int, seed: int) -> np.ndarray:
    """Fold number of each of ``n`` rows, balanced and seeded."""
    perm = np.random.default_rng(seed).permutation(n)
    out = np.empty(n, dtype=int)
    out[perm] = np.arange(n) % max(2, min(folds, n))
    return out


def cv_logloss(votes: np.ndarray, y: np.ndarray, folds: np.ndarray, l2: float = 1.0) -> float:
    """Mean held-out log-loss of a ridge logistic model of ``y`` (0/1) on an intercept and ``votes``."""
    x = np.column_stack([np.ones(len(y)), votes]) if votes.size else np.ones((len(y), 1))
    total = 0.0
    for f in np.unique(folds):
        test = folds == f
        beta, _ = fit_logistic(x[~test], y[~test], l2=l2)
        eta = x[test] @ beta
        total += float(np.sum(np.logaddexp(0.0, eta) - y[test] * eta))
    return total / len(y)


def candidates(metrics: pd.DataFrame, *, min_relevance: float = 0.05, exclude_length: bool = True) -> pd.DataFrame:
    """Mark which principles may enter the constitution, with the reason when not."""
    reasons = []
    for _, r in metrics.iterrows():
        if not r["strength"] > 0:
            reasons.append("strength not positive")
        elif not r["relevance"] >= min_relevance:
            reasons.append(f"relevance below {min_relevance:g}")
        elif exclude_length and bool(r["length_explained"]):
            reasons.append("explained by length")
        else:
            reasons.append("")
    out = metrics[["principle_id"]].copy()
    out["candidate"] = [not x for x in reasons]
    out["reason"] = reasons
    return out


def _max_corr(votes: np.ndarray, j: int, chosen: Sequence[int]) -> float:
    """Largest absolute correlation between column ``j`` and the ``chosen`` columns (0 for constant columns)."""
    v = votes[:, j]
    out = 0.0
    for c in chosen:
        w = votes[:, c]
        if v.std() > 0 and w.std() > 0:
            out = max(out, abs(float(np.corrcoef(v, w)[0, 1])))
    return out


def forward_select(votes: np.ndarray, y: np.ndarray, ids: Sequence[str], pool: Sequence[str], *, k: int,
                   min_gain: float = 0.005, folds: int = 5, seed: int = 0, l2: float = 1.0, max_corr: float = 0.9
                   ) -> tuple[list[str], pd.DataFrame]:
    """Greedy forward selection by held-out log-loss gain; returns chosen ids and the trace.

    A candidate whose votes correlate above ``max_corr`` with a chosen principle is a restatement
    of it and is not considered (with a ridge penalty, a copy could otherwise "gain" by splitting
    the penalised weight).
    """
    col = {pid: j for j, pid in enumerate(ids)}
    fold = fold_ids(len(y), folds, seed)
    chosen: list[str] = []
    best = cv_logloss(np.zeros((len(y), 0)), y, fold, l2)
    trace = [{"step": 0, "principle_id": None, "cv_logloss": best, "gain": float("nan")}]
    remaining = [p for p in pool if p in col]
    while remaining and len(chosen) < k:
        remaining = [p for p in remaining if _max_corr(votes, col[p], [col[c] for c in chosen]) <= max_corr]
        if not remaining:
            break
        scores = {p: cv_logloss(votes[:, [col[c] for c in [*chosen, p]]], y, fold, l2) for p in remaining}
        pick = min(remaining, key=lambda p: (scores[p], remaining.index(p)))
        gain = best - scores[pick]
        if gain < min_gain:
            break
        chosen.append(pick)
        remaining.remove(pick)
        best = scores[pick]
        trace.append({"step": len(chosen), "principle_id": pick, "cv_logloss": best, "gain": gain})
    return chosen, pd.DataFrame(trace)


def rank_select(votes: np.ndarray, ids: Sequence[str], strength: dict[str, float], pool: Sequence[str], *, k: int,
                max_corr: float = 0.7) -> tuple[list[str], pd.DataFrame]:
    """The strongest candidates, skipping any whose votes correlate above ``max_corr`` with a chosen one."""
    col = {pid: j for j, pid in enumerate(ids)}
    chosen: list[str] = []
    trace = []
    for pid in sorted((p for p in pool if p in col), key=lambda p: -strength[p]):
        if len(chosen) >= k:
            break
        corr = _max_corr(votes, col[pid], [col[c] for c in chosen])
        if corr > max_corr:
            continue
        chosen.append(pid)
        trace.append({"step": len(chosen), "principle_id": pid, "strength": strength[pid], "max_corr": corr})
    return chosen, pd.DataFrame(trace, columns=["step", "principle_id", "strength", "max_corr"])


def majority_scores(votes: np.ndarray, y_sign: np.ndarray) -> np.ndarray:
    """Per pair: 1 when the chosen principles' majority vote matches the label, 0 when not, 0.5 on no majority."""
    total = votes.sum(axis=1) if votes.size else np.zeros(len(y_sign))
    pred = np.sign(total)
    return np.where(pred == 0, 0.5, (pred == y_sign).astype(float))
