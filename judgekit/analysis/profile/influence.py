"""Factor influence τ(f) = (C − D) / (C + D), for humans and for each judge.

For every judgment of a pair (one annotator's choice between responses A and B):

* C (concordant): the preferred response shows *more* of f than the other one;
* D (discordant): the preferred response shows *less* of f.

Ties are handled explicitly and never enter C or D:

* a **choice tie** (the annotator said "tie") is counted in ``n_tie_choice``;
* a **factor tie** (``|f(A) − f(B)| <= tol``, default 0: exactly equal) is counted in
  ``n_tie_factor``;
* a judgment whose pair lacks a factor value on either side (an unparseable LLM answer) is
  counted in ``n_missing``.

τ lies in [−1, 1]: +1 means the preferred response always has more of f, −1 always less,
0 no relation. Interval: percentile bootstrap with pairs as clusters (a pair judged by several
annotators or several times is one cluster), via :func:`judgekit.stats.intervals.ratio_bootstrap`
on per-pair (C − D, C + D). p-value: exact two-sided sign test on the pairs' leans (pairs with
net C − D > 0 against pairs with net < 0), so repeated judgments of a pair are not treated as
independent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from judgekit.stats.intervals import NAN, exact_mcnemar, ratio, ratio_bootstrap

INFLUENCE_COLUMNS = ["annotator", "factor", "estimate", "ci_low", "ci_high", "p_value", "n", "concordant",
                     "discordant", "n_tie_choice", "n_tie_factor", "n_missing", "n_pairs"]


def signed_agreement(choice: Sequence[str], delta: Sequence[float], tol: float = 0.0) -> np.ndarray:
    """Per judgment: +1 concordant, −1 discordant, 0 factor tie, nan for a choice tie or missing value."""
    c = np.asarray(choice, dtype=object)
    d = np.asarray(delta, dtype=float)
    side = np.where(c == "A", 1.0, np.where(c == "B", -1.0, np.nan))
    s = np.sign(d) * side
    return np.where(np.abs(d) <= tol, 0.0 * side, s)


def factor_influence(pair_id: Sequence[str], choice: Sequence[str], delta: Sequence[float], *,
                     tol: float = 0.0, n_boot: int = 2000, seed: int = 0, alpha: float = 0.05) -> dict:
    """τ(f) with its bootstrap interval; ``delta`` is f(A) − f(B) per judgment (nan = missing)."""
    pid = np.asarray(pair_id, dtype=object)
    c = np.asarray(choice, dtype=object)
    d = np.asarray(delta, dtype=float)
    decisive = np.isin(c, ["A", "B"])
    n_tie_choice = int(np.sum(c == "tie"))
    missing = decisive & ~np.isfinite(d)
    s = signed_agreement(c, d, tol)
    usable = decisive & np.isfinite(d)
    n_tie_factor = int(np.sum(usable & (s == 0)))
    conc = usable & (s > 0)
    disc = usable & (s < 0)
    n_c, n_d = int(conc.sum()), int(disc.sum())
    frame = pd.DataFrame({"pid": pid, "num": conc.astype(float) - disc.astype(float),
                          "den": conc.astype(float) + disc.astype(float)})
    per = frame.groupby("pid", sort=True)[["num", "den"]].sum()
    est = ratio(n_c - n_d, n_c + n_d)
    lo, hi = ratio_bootstrap(per["num"].to_numpy(), per["den"].to_numpy(), n_boot=n_boot, seed=seed,
                             alpha=alpha) if n_c + n_d else (NAN, NAN)
    pos, neg = int((per["num"] > 0).sum()), int((per["num"] < 0).sum())
    return {"estimate": est, "ci_low": lo, "ci_high": hi,
            "p_value": exact_mcnemar(pos, neg) if n_c + n_d else NAN, "n": n_c + n_d,
            "concordant": n_c, "discordant": n_d, "n_tie_choice": n_tie_choice,
            "n_tie_factor": n_tie_factor, "n_missing": int(missing.sum()), "n_pairs": len(per)}


def influence_table(judgments: pd.DataFrame, deltas: pd.DataFrame, factors: Sequence[str] | None = None, *,
                    tol: dict[str, float] | None = None, n_boot: int = 2000, seed: int = 0,
                    alpha: float = 0.05) -> pd.DataFrame:
    """τ for every (annotator, factor).

    ``judgments``: columns ``pair_id, annotator, choice`` (A | B | tie). ``deltas``: indexed by
    pair id, one column per factor holding f(A) − f(B). Judgments of pairs absent from
    ``deltas`` count as missing.
    """
    factors = list(factors if factors is not None else deltas.columns)
    rows = []
    for annotator, group in judgments.groupby("annotator", sort=True):
        d = deltas.reindex(group["pair_id"].astype(str))
        for f in factors:
            res = factor_influence(group["pair_id"].astype(str).to_numpy(), group["choice"].to_numpy(),
                                   d[f].to_numpy(dtype=float), tol=(tol or {}).get(f, 0.0), n_boot=n_boot,
                                   seed=seed, alpha=alpha)
            rows.append({"annotator": annotator, "factor": f, **res})
    return pd.DataFrame(rows, columns=INFLUENCE_COLUMNS)
