"""Models that hold correlated factors fixed.

**Joint model** (:func:`joint_model`). One logistic regression per annotator, fitted to its
decisive judgments (choice ties are left out and counted)::

    logit P(A chosen) = b0 + Σ_f b_f · z_f,     z_f = (f(A) − f(B)) / sd(f(A) − f(B))

``b_f`` is the partial effect of f: the change in log-odds of choosing a response per standard
deviation of its advantage in f, *with every other factor held fixed*; ``b0`` absorbs a
position prior. The same data also give the **marginal** effect (a logit on z_f alone). Both
use statsmodels ``Logit`` with cluster-robust standard errors by pair, Wald intervals. A factor
is flagged ``explained_by_correlates`` when its marginal interval excludes 0 but its joint
interval contains 0: its apparent influence is carried by correlated factors, listed in
``correlates`` (|corr(z_f, z_g)| >= 0.3). Factors with no variation, or missing on more than
half of the judgments, are left out of the fit; the rest is fitted on complete cases.

**Length-controlled win rate** (:func:`lc_win_rate`, AlpacaEval-style GLM). For a target model
against its opponents, with y = 1 (target chosen), 0 (opponent) or 0.5 (tie)::

    logit P(y) = θ + φ · tanh(Δlen / sd(Δlen)),   Δlen = len(target) − len(opponent)

fitted as a Binomial GLM (fractional outcome) with cluster-robust errors. The LC win rate is the
prediction at equal length, σ(θ); interval σ(θ ± z·se). AlpacaEval's instruction-difficulty
term is omitted (it needs many models per instruction).

**Style-controlled Bradley–Terry** (:func:`style_bt`, arena-style). Over battles between named
models (ties as y = 0.5)::

    logit P(A chosen) = β_{model_a} − β_{model_b} + γ_len · s_len + γ_md · s_md

where s = (x_A − x_B) / (x_A + x_B) for length and markdown counts, standardised to unit
variance. The first model (alphabetically) is the reference, β = 0. Without model names the
model terms are replaced by an intercept, and only the style coefficients γ are reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from judgekit.stats.intervals import NAN

MAX_ABS_COEF = 20.0
MIN_ROWS = 10
CORRELATE_THRESHOLD = 0.3
JOINT_COLUMNS = ["factor", "marginal", "marginal_ci_low", "marginal_ci_high", "estimate", "ci_low", "ci_high",
                 "p_value", "n", "explained_by_correlates", "correlates", "note"]


def _fit(y: np.ndarray, x: np.ndarray, groups: np.ndarray, alpha: float, glm: bool = False):
    """(params, ci, pvalues, note) of a cluster-robust logit; params None with a note on failure."""
    if y.size < MIN_ROWS or np.unique(groups).size < 2:
        return None, None, None, f"too few judgments ({y.size}) or pairs for the regression"
    if np.all(y == y[0]):
        return None, None, None, "every judgment went the same way; effects are not identifiable"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kw = {"cov_type": "cluster", "cov_kwds": {"groups": groups}}
            if glm:
                res = sm.GLM(y, x, family=sm.families.Binomial()).fit(maxiter=200, **kw)
            else:
                res = sm.Logit(y, x).fit(disp=0, maxiter=200, **kw)
    except Exception as exc:  # singular designs, separation: several exception types
        return None, None, None, f"fit failed: {type(exc).__name__}: {exc}"
    params, ci = np.asarray(res.params), np.asarray(res.conf_int(alpha))
    bad = any(issubclass(w.category, (PerfectSeparationWarning, ConvergenceWarning)) for w in caught)
    converged = res.mle_retvals.get("converged", True) if hasattr(res, "mle_retvals") else res.converged
    if bad or not converged or not np.all(np.isfinite(ci)) or np.max(np.abs(params)) > MAX_ABS_COEF:
        return None, None, None, "the fit did not converge or the data are (quasi-)separated"
    return params, ci, np.asarray(res.pvalues), ""


def design(judgments: pd.DataFrame, deltas: pd.DataFrame, factors: Sequence[str],
           max_missing: float = 0.5) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Decisive judgments with standardised differences: (frame, kept factors, notes on dropped ones)."""
    j = judgments[judgments["choice"].isin(["A", "B"])]
    d = deltas.reindex(j["pair_id"].astype(str)).reset_index(drop=True)
    frame = pd.DataFrame({"pair_id": j["pair_id"].astype(str).to_numpy(),
                          "y": (j["choice"] == "A").to_numpy(float)})
    kept, notes = [], []
    for f in factors:
        col = d[f].to_numpy(dtype=float) if f in d else np.full(len(d), np.nan)
        ok = np.isfinite(col)
        if len(col) == 0 or ok.mean() < 1 - max_missing:
            notes.append(f"{f}: missing on more than {max_missing:.0%} of judgments")
            continue
        sd = float(np.std(col[ok], ddof=1)) if ok.sum() > 1 else 0.0
        if not sd > 0:
            notes.append(f"{f}: no variation in the difference")
            continue
        frame[f] = col / sd
        kept.append(f)
    return frame.dropna().reset_index(drop=True), kept, notes


def joint_model(judgments: pd.DataFrame, deltas: pd.DataFrame, factors: Sequence[str], *,
                alpha: float = 0.05) -> pd.DataFrame:
    """Marginal and joint effects per factor for one annotator's judgments (see module docstring)."""
    frame, kept, notes = design(judgments, deltas, factors)
    rows = [{"factor": n.split(":")[0], "note": n} for n in notes]
    if not kept:
        return pd.DataFrame(rows, columns=JOINT_COLUMNS)
    y, groups = frame["y"].to_numpy(), frame["pair_id"].to_numpy()
    x = sm.add_constant(frame[kept].to_numpy(), has_constant="add")
    params, ci, pvals, note = _fit(y, x, groups, alpha)
    corr = np.corrcoef(frame[kept].to_numpy(), rowvar=False) if len(kept) > 1 else np.ones((1, 1))
    for i, f in enumerate(kept):
        m_params, m_ci, _, m_note = _fit(y, sm.add_constant(frame[[f]].to_numpy(), has_constant="add"),
                                         groups, alpha)
        mar = (m_params[1], m_ci[1, 0], m_ci[1, 1]) if m_params is not None else (NAN, NAN, NAN)
        est = (params[i + 1], ci[i + 1, 0], ci[i + 1, 1], pvals[i + 1]) if params is not None else (NAN,) * 4
        mar_excl = np.isfinite(mar[1]) and (mar[1] > 0 or mar[2] < 0)
        joint_incl = np.isfinite(est[1]) and est[1] <= 0 <= est[2]
        correlates = [g for k, g in enumerate(kept) if k != i and abs(corr[i, k]) >= CORRELATE_THRESHOLD]
        rows.append({"factor": f, "marginal": mar[0], "marginal_ci_low": mar[1], "marginal_ci_high": mar[2],
                     "estimate": est[0], "ci_low": est[1], "ci_high": est[2], "p_value": est[3],
                     "n": len(frame), "explained_by_correlates": bool(mar_excl and joint_incl),
                     "correlates": ", ".join(correlates), "note": note or m_note or
                     f"log-odds per SD of the difference; {len(kept)} factors, {np.unique(groups).size} pairs"})
    return pd.DataFrame(rows, columns=JOINT_COLUMNS)


def _sigmoid(v: float) -> float:
    return float(1.0 / (1.0 + np.exp(-v)))


def lc_win_rate(y: Sequence[float], delta_len: Sequence[float], groups: Sequence[str], *,
                alpha: float = 0.05) -> dict:
    """Length-controlled win rate σ(θ) of a target model (see module docstring)."""
    yv, dl = np.asarray(y, dtype=float), np.asarray(delta_len, dtype=float)
    g = np.asarray(groups, dtype=object)
    raw = float(np.mean(yv)) if yv.size else NAN
    out = {"estimate": NAN, "ci_low": NAN, "ci_high": NAN, "raw_win_rate": raw, "length_coef": NAN,
           "n": int(yv.size), "note": ""}
    sd = float(np.std(dl, ddof=1)) if dl.size > 1 else 0.0
    if not sd > 0:
        out["note"] = "no variation in length difference"
        return out
    x = sm.add_constant(np.tanh(dl / sd), has_constant="add")
    params, ci, _, note = _fit(yv, x, g, alpha, glm=True)
    if params is None:
        out["note"] = note
        return out
    out.update(estimate=_sigmoid(params[0]), ci_low=_sigmoid(ci[0, 0]), ci_high=_sigmoid(ci[0, 1]),
               length_coef=float(params[1]), note=f"phi (length) = {params[1]:.3f}; Binomial GLM, cluster-robust")
    return out


def _style(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    tot = a + b
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(tot > 0, (a - b) / np.where(tot > 0, tot, 1.0), 0.0)
    sd = float(np.std(s, ddof=1)) if s.size > 1 else 0.0
    return s / sd if sd > 0 else s * 0.0


def style_bt(battles: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Style-controlled BT. ``battles``: pair_id, y, len_a, len_b, md_a, md_b[, model_a, model_b]."""
    b = battles.reset_index(drop=True)
    cols, names = [], []
    models: list[str] = []
    if "model_a" in b and b["model_a"].notna().all() and b["model_b"].notna().all():
        models = sorted(set(b["model_a"].astype(str)) | set(b["model_b"].astype(str)))
    if len(models) >= 2:
        for m in models[1:]:
            cols.append((b["model_a"].astype(str) == m).to_numpy(float) - (b["model_b"].astype(str) == m)
                        .to_numpy(float))
            names.append(f"model:{m}")
    else:
        cols.append(np.ones(len(b)))
        names.append("intercept")
    for key in ("len", "md"):
        s = _style(b[f"{key}_a"].to_numpy(float), b[f"{key}_b"].to_numpy(float))
        if np.ptp(s) > 0:
            cols.append(s)
            names.append({"len": "style:length", "md": "style:markdown"}[key])
    x = np.column_stack(cols)
    params, ci, pvals, note = _fit(b["y"].to_numpy(float), x, b["pair_id"].astype(str).to_numpy(), alpha, glm=True)
    rows = []
    if models and len(models) >= 2:
        rows.append({"term": f"model:{models[0]}", "estimate": 0.0, "ci_low": 0.0, "ci_high": 0.0,
                     "p_value": NAN, "n": len(b), "note": "reference model"})
    for i, name in enumerate(names):
        if params is None:
            rows.append({"term": name, "estimate": NAN, "ci_low": NAN, "ci_high": NAN, "p_value": NAN,
                         "n": len(b), "note": note})
        else:
            rows.append({"term": name, "estimate": float(params[i]), "ci_low": float(ci[i, 0]),
                         "ci_high": float(ci[i, 1]), "p_value": float(pvals[i]), "n": len(b),
                         "note": "log-odds; Binomial GLM, cluster-robust by pair"})
    return pd.DataFrame(rows, columns=["term", "estimate", "ci_low", "ci_high", "p_value", "n", "note"])
