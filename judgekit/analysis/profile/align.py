"""Alignment between the human and a judge's factor profiles.

* ``kendall_tau_factors``: Kendall's τ-b between the two vectors of factor influences τ(f)
  (one entry per factor): +1 when the judge ranks the factors exactly as humans do. Factors
  whose τ is undefined for either side (no decisive, non-tied judgment) are left out.
* ``top_k_overlap``: |top-k(human) ∩ top-k(judge)| / k, with the top-k factors being those of
  largest τ (most positively influential), ties broken by factor name.
* ``tau_difference`` per factor: τ_judge(f) − τ_human(f).

Intervals: one paired bootstrap over pairs (clusters). Each replicate redraws the pairs once
and recomputes every τ for both annotators on the same draw, then Kendall's τ across factors
and each difference; percentile intervals. A factor is **misaligned** when the interval of its
difference excludes 0, and **opposed** when, in addition, the two τ point estimates have
opposite signs and neither interval contains 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from judgekit.analysis.profile.influence import signed_agreement
from judgekit.stats.intervals import NAN, percentile_interval

_CHUNK = 250


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's τ-b of two score vectors, ignoring entries where either is nan; nan if undefined."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 2 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return NAN
    return float(stats.kendalltau(a[keep], b[keep], variant="b").statistic)


def top_k(values: dict[str, float], k: int) -> list[str]:
    finite = [(f, v) for f, v in values.items() if np.isfinite(v)]
    return [f for f, _ in sorted(finite, key=lambda fv: (-fv[1], fv[0]))[:k]]


def top_k_overlap(human: dict[str, float], judge: dict[str, float], k: int) -> tuple[float, list[str], list[str]]:
    h, j = top_k(human, k), top_k(judge, k)
    kk = min(k, len(h), len(j))
    return (len(set(h) & set(j)) / kk if kk else NAN), h, j


def pair_sums(judgments: pd.DataFrame, deltas: pd.DataFrame, factors: Sequence[str],
              pairs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per pair and factor: (C − D, C + D) summed over the judgments, as (n_pairs, n_factors) arrays."""
    pos = {p: i for i, p in enumerate(pairs)}
    num = np.zeros((len(pairs), len(factors)))
    den = np.zeros_like(num)
    j = judgments[judgments["pair_id"].astype(str).isin(pos)]
    rows = np.array([pos[p] for p in j["pair_id"].astype(str)], dtype=int)
    d = deltas.reindex(j["pair_id"].astype(str))
    for k, f in enumerate(factors):
        s = signed_agreement(j["choice"].to_numpy(), d[f].to_numpy(dtype=float))
        ok = np.isfinite(s) & (s != 0)
        np.add.at(num[:, k], rows[ok], s[ok])
        np.add.at(den[:, k], rows[ok], 1.0)
    return num, den


def _taus(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def alignment(human: pd.DataFrame, judge: pd.DataFrame, deltas: pd.DataFrame, factors: Sequence[str], *,
              k: int = 3, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05,
              judge_name: str = "judge") -> pd.DataFrame:
    """Alignment rows (``metric, factor, estimate, ci_low, ci_high, n, misaligned, opposed, note``)."""
    factors = list(factors)
    pairs = sorted(set(human["pair_id"].astype(str)) | set(judge["pair_id"].astype(str)))
    nh, dh = pair_sums(human, deltas, factors, pairs)
    nj, dj = pair_sums(judge, deltas, factors, pairs)
    th, tj = _taus(nh.sum(0, keepdims=True), dh.sum(0, keepdims=True))[0], \
        _taus(nj.sum(0, keepdims=True), dj.sum(0, keepdims=True))[0]
    rng = np.random.default_rng(seed)
    n = len(pairs)
    reps_h, reps_j = np.full((n_boot, len(factors)), np.nan), np.full((n_boot, len(factors)), np.nan)
    for start in range(0, n_boot if n else 0, _CHUNK):
        m = min(_CHUNK, n_boot - start)
        w = np.zeros((m, n))
        np.add.at(w, (np.repeat(np.arange(m), n), rng.integers(0, n, size=m * n)), 1.0)
        reps_h[start:start + m] = _taus(w @ nh, w @ dh)
        reps_j[start:start + m] = _taus(w @ nj, w @ dj)
    kt_reps = np.array([kendall_tau(a, b) for a, b in zip(reps_h, reps_j, strict=True)])
    n_f = int(np.sum(np.isfinite(th) & np.isfinite(tj)))
    rows = [{"metric": "kendall_tau_factors", "factor": None, "estimate": kendall_tau(th, tj),
             "ci": percentile_interval(kt_reps, alpha), "n": n_f,
             "note": f"Kendall tau-b across {n_f} factors; paired bootstrap over {n} pairs"}]
    hd, jd = dict(zip(factors, th, strict=True)), dict(zip(factors, tj, strict=True))
    overlap, top_h, top_j = top_k_overlap(hd, jd, k)
    rows.append({"metric": "top_k_overlap", "factor": None, "estimate": overlap, "ci": (NAN, NAN), "n": k,
                 "note": f"top-{k} human: {', '.join(top_h)}; top-{k} {judge_name}: {', '.join(top_j)}"})
    for i, f in enumerate(factors):
        diff_ci = percentile_interval(reps_j[:, i] - reps_h[:, i], alpha)
        h_ci, j_ci = percentile_interval(reps_h[:, i], alpha), percentile_interval(reps_j[:, i], alpha)
        misaligned = bool(np.isfinite(diff_ci[0]) and (diff_ci[0] > 0 or diff_ci[1] < 0))
        excl = [bool(ci[0] > 0 or ci[1] < 0) for ci in (h_ci, j_ci)]
        opposed = misaligned and all(excl) and np.sign(th[i]) * np.sign(tj[i]) < 0
        rows.append({"metric": "tau_difference", "factor": f, "estimate": tj[i] - th[i], "ci": diff_ci,
                     "n": int(dh[:, i].sum() + dj[:, i].sum()), "misaligned": misaligned,
                     "opposed": bool(opposed), "note": f"human {th[i]:.3f}, {judge_name} {tj[i]:.3f}"})
    for r in rows:
        r["ci_low"], r["ci_high"] = r.pop("ci")
        r.setdefault("misaligned", False)
        r.setdefault("opposed", False)
    out = pd.DataFrame(rows)
    return out[["metric", "factor", "estimate", "ci_low", "ci_high", "n", "misaligned", "opposed", "note"]]
