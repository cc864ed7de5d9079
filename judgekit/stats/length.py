"""Observational length preference of a judge, on unperturbed (control, repeat-0) verdicts.

Input: cue-probe verdicts (see :mod:`judgekit.stats.cues`) with ``response_a`` and
``response_b`` (original texts); only ``condition == "control"`` rows at repeat 0 with a
valid verdict are used (error and invalid rows are dropped). Lengths are in characters.

* ``p_prefer_longer``: over non-tie verdicts on items whose responses differ in length by
  more than 10% (``max / min > 1.1``), the share choosing the longer one. Interval:
  cluster bootstrap over items (Wilson over items if degenerate). p: exact two-sided
  binomial test against 0.5 on the items' leans (per item, #longer - #shorter over its
  verdicts; items with net > 0 vs net < 0), since the two orders of an item are not
  independent. Ties are left out and counted in the note.
* ``length_logit_slope``: logistic regression, over all non-tie verdicts with non-empty
  responses, of [judge chose the presented-first response] on
  ``log(len(first) / len(second))`` with an intercept (the position prior at equal
  lengths). Statsmodels ``Logit`` with cluster-robust (by item) standard errors; estimate =
  slope (change in log-odds per unit log length ratio), Wald interval and p from the
  robust SE; the intercept and its interval are in the note. Too few rows, no variation,
  (quasi-)separation or non-convergence give a nan row with a note.

This is observational: longer responses may also be better. The causal test is the
verbosity probe's ``bias_effect`` and ``padding_vs_irrelevant``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from judgekit.stats.cues import CONTROL, Rows, dedupe, prepare
from judgekit.stats.intervals import NAN, exact_mcnemar
from judgekit.stats.position import _boot_share, _per_item

MIN_RATIO = 1.1
MIN_ROWS = 10
MAX_ABS_COEF = 20.0


def _lengths(series: pd.Series) -> np.ndarray:
    return np.array([len(v) if isinstance(v, str) else 0 for v in series], dtype=float)


def _logit(y: np.ndarray, x: np.ndarray, groups: np.ndarray, alpha: float):
    """(slope, ci, p, note) of a cluster-robust logit of y on [1, x]; nan with a note on failure."""
    fail = (NAN, (NAN, NAN), NAN)
    n_groups = np.unique(groups).size
    if y.size < MIN_ROWS or n_groups < 2:
        return (*fail, f"too few rows ({y.size}) or items ({n_groups}) for the regression")
    if np.ptp(x) == 0:
        return (*fail, "no variation in the length ratio")
    if y.min() == y.max():
        return (*fail, "the judge always picks the same position; slope not identifiable")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = sm.Logit(y, sm.add_constant(x, has_constant="add")).fit(
                disp=0, maxiter=200, cov_type="cluster", cov_kwds={"groups": groups})
    except Exception as exc:  # statsmodels raises several types on degenerate designs
        return (*fail, f"logit failed: {type(exc).__name__}: {exc}")
    bad = any(issubclass(w.category, (PerfectSeparationWarning, ConvergenceWarning)) for w in caught)
    params, ci = np.asarray(res.params), np.asarray(res.conf_int(alpha))
    if bad or not res.mle_retvals.get("converged", True) or not np.all(np.isfinite(ci)) \
            or np.max(np.abs(params)) > MAX_ABS_COEF:
        return (*fail, "logit did not converge or the data are (quasi-)separated")
    note = (f"intercept {params[0]:.4f} [{ci[0, 0]:.4f}, {ci[0, 1]:.4f}] = position prior (log-odds of the "
            f"first slot at equal lengths); Logit, cluster-robust SE by item over {n_groups} items")
    return float(params[1]), (float(ci[1, 0]), float(ci[1, 1])), float(np.asarray(res.pvalues)[1]), note


def length_preference(df: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0, alpha: float = 0.05) -> pd.DataFrame:
    """Length-preference metrics (``p_prefer_longer``, ``length_logit_slope``); see the module docstring."""
    out = Rows()
    d = prepare(df, one_probe=False)
    for col in ("response_a", "response_b"):
        if col not in d:
            d[col] = None
    d = dedupe(d)
    d = d[(d["condition"] == CONTROL) & (d["repeat"] == 0) & (d["status"] == "valid")]
    if "response_a_len" in d and "response_b_len" in d:  # lengths precomputed by the store (no texts loaded)
        la, lb = (d[c].fillna(0).to_numpy(dtype=float) for c in ("response_a_len", "response_b_len"))
    else:
        la, lb = _lengths(d["response_a"]), _lengths(d["response_b"])
    lo, hi = np.minimum(la, lb), np.maximum(la, lb)
    with np.errstate(divide="ignore", invalid="ignore"):
        differ = (lo > 0) & (hi / np.where(lo > 0, lo, 1.0) > MIN_RATIO)
    decided = d["chosen"].isin(["A", "B"]).to_numpy()
    m = differ & decided
    longer = np.where(la > lb, "A", "B")[m]
    hits = d["chosen"].to_numpy(dtype=object)[m] == longer
    items = d["item_id"][m]
    n_ties = int((differ & (d["chosen"] == "tie").to_numpy()).sum())
    est, ci, n, bnote = _boot_share(items, hits, n_boot, seed, alpha)
    if n:
        net, _ = _per_item(items, np.where(hits, 1.0, -1.0))
        n_pos, n_neg = int((net > 0).sum()), int((net < 0).sum())
        note = (f"control repeat 0, lengths differ by >10%; {n_ties} ties left out; p: exact binomial test vs 0.5 "
                f"over items ({n_pos} lean longer, {n_neg} shorter); {bnote}")
        out.add("p_prefer_longer", "all", est, ci, n, exact_mcnemar(n_pos, n_neg), note)
    else:
        out.add("p_prefer_longer", "all", NAN, n=0, note="no valid control verdicts on items whose lengths differ")

    ok = decided & (la > 0) & (lb > 0)
    ab = (d["order"] == "AB").to_numpy()
    first, second = np.where(ab, la, lb)[ok], np.where(ab, lb, la)[ok]
    y = (d["choice"] == "A").to_numpy()[ok].astype(float)
    x = np.log(first / second) if ok.any() else np.zeros(0)
    groups = pd.factorize(d["item_id"][ok])[0]
    slope, sci, p, note = _logit(y, x, groups, alpha)
    out.add("length_logit_slope", "all", slope, sci, int(ok.sum()), p, note)
    return out.frame()
