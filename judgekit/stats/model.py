"""One model across the cue probes, and the multiple-testing adjustment of the headline tests.

:func:`bias_model` fits a single logistic regression to the pairs of every probe (pairs
and the cued set as in :mod:`judgekit.stats.cues`). Long format, two rows per pair (one
per arm)::

    y = [chosen == target]                   control arm: the control verdict, scored
                                             against the target of its paired cued trial
    logit P(y) = a_probe + g_probe * cued + d * target_first

``a_probe`` are probe main effects (one per probe, no global intercept), ``g_probe`` is
the probe-specific cue effect (``C(probe):cued``), ``target_first`` is 1 when the target
is shown in the first slot (the same in both arms of a pair). Fitted as a statsmodels GLM
Binomial (logit link) with cluster-robust sandwich standard errors by ``item_id``
(``cov_type="cluster"``): population-averaged log odds, equal to GEE with an independence
working correlation. This is chosen over exchangeable GEE because a control verdict
appears in several pairs (once per cued condition) and the sandwich estimator is valid
whatever the within-item correlation. Wald intervals and p-values.

Rows: ``model_cue_log_odds`` (subset = probe; estimate = ``g_probe``) and
``model_target_first_log_odds`` (subset "all"; ``d``). A probe whose cued or control arm
is all 0 or all 1 (separation) is left out of the fit and gets a nan row; a fit that fails
or does not converge gives nan rows with a note, never an exception.

:func:`add_adjusted_p` adds ``family`` and ``p_adjusted``: Benjamini-Hochberg within each
family (:func:`family_of`): the headline tests (one per probe: ``cue_net_effect`` of each cue
probe, the position probe's first-position rate), the components beside them (``bias_effect``
and ``added_text_effect``), each probe's subset rows, its secondary tests, its mitigation rows
and the model. Rows without a p-value get nan.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from judgekit.stats.cues import Rows, cue_pairs, dedupe, prepare, used_columns
from judgekit.stats.intervals import NAN
from judgekit.stats.net import NET_METRICS, as_given, headline_metric
from judgekit.types import shown_first_col

MAX_ABS_COEF = 20.0


def model_frame(df_all: pd.DataFrame) -> pd.DataFrame:
    """Long format: one row per (pair, arm) with ``item_id, probe, cued, target_first, y``."""
    d = prepare(used_columns(df_all), one_probe=False)
    frames = []
    for probe, group in d.groupby("probe", sort=True, observed=True):  # prepare filled missing probes
        p = cue_pairs(dedupe(group))
        p = p[p["cued"]]
        if p.empty:
            continue
        first = shown_first_col(p["cue_target"], p["order"]).to_numpy(float)
        for cued, col in ((1.0, "chosen"), (0.0, "chosen_0")):
            frames.append(pd.DataFrame({"item_id": as_given(p["item_id"]), "probe": _constant(probe, len(p)),
                                        "cued": cued, "target_first": first,
                                        "y": (p[col] == p["cue_target"]).to_numpy(float)}))
    cols = ["item_id", "probe", "cued", "target_first", "y"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def _constant(value: str, n: int) -> pd.Categorical:
    """``n`` copies of ``value`` as a categorical (no string column built per row)."""
    dtype = pd.CategoricalDtype(pd.Index([value], dtype=object))
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), dtype=dtype)


def bias_model(df_all: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Cluster-robust logistic model of picking the cue target across probes; see the module docstring."""
    out = Rows()
    if df_all is None or len(df_all) == 0:
        probes: list[str] = []
    else:
        probes = sorted(str(p) for p in df_all["probe"].fillna("").unique()) if "probe" in df_all else [""]
    long = model_frame(df_all)
    fitted: list[str] = []
    notes: dict[str, str] = {}
    for probe in probes:
        s = long[long["probe"] == probe]
        arms = [s.loc[s["cued"] == a, "y"] for a in (1.0, 0.0)]
        if s.empty:
            notes[probe] = "no valid cued/control pairs"
        elif any(arm.min() == arm.max() for arm in arms):
            notes[probe] = "separation: an arm always or never picks the target; left out of the model"
        else:
            fitted.append(probe)
    long = long[long["probe"].isin(fitted)]
    fit, fail = None, ""
    n_items = long["item_id"].nunique()
    if not fitted:
        fail = "no probe with usable pairs"
    elif n_items < 2:
        fail = "fewer than 2 items"
    else:
        fit, fail = _fit(long, fitted)
    base = f"GLM Binomial (logit), cluster-robust SE by item over {n_items} items; {len(long)} arm rows"
    fit = _wald(*fit, n_items, len(long), alpha) if fit is not None else None
    for probe in probes:
        name = f"cue[{probe}]"
        n = int((long["probe"] == probe).sum())
        if fit is not None and probe in fitted:
            params, ci, pvalues = fit
            out.add("model_cue_log_odds", probe, params[name], tuple(ci.loc[name]), n, pvalues[name],
                    f"{base}; probe main effect {params[f'probe[{probe}]']:.4f}")
        else:
            out.add("model_cue_log_odds", probe, NAN, n=n, note=notes.get(probe) or fail)
    if fit is not None:
        params, ci, pvalues = fit
        out.add("model_target_first_log_odds", "all", params["target_first"], tuple(ci.loc["target_first"]),
                len(long), pvalues["target_first"], base)
    else:
        out.add("model_target_first_log_odds", "all", NAN, n=len(long), note=fail)
    return out.frame()


def _design(frame: pd.DataFrame, fitted: list[str]) -> pd.DataFrame:
    """Model columns ``probe[p]``, ``cue[p]`` (per fitted probe) and ``target_first`` of rows with
    ``probe, cued, target_first``."""
    x = pd.DataFrame({f"probe[{p}]": (frame["probe"] == p).to_numpy(float) for p in fitted})
    for p in fitted:
        x[f"cue[{p}]"] = x[f"probe[{p}]"] * frame["cued"].to_numpy(float)
    x["target_first"] = frame["target_first"].to_numpy(float)
    return x


def _fit(long: pd.DataFrame, fitted: list[str]) -> tuple[tuple[pd.Series, np.ndarray] | None, str]:
    """((params, cluster-robust covariance without small-sample factor), "") or (None, why it failed).

    The covariates take one value per (probe, arm, target slot), so the likelihood depends only on
    the successes and trials of those few patterns: the GLM is fitted on them (the same estimates
    as the row-level fit). The sandwich ``H^-1 (sum_g s_g s_g') H^-1`` is then computed over items:
    ``H`` the Fisher information of the fit, ``s_g`` the sum over item ``g``'s rows of the score
    ``x (y - p)`` (accumulated per (item, pattern) from successes and trials), which is what
    statsmodels' ``cov_type="cluster"`` computes on the row-level data."""
    import statsmodels.api as sm  # here, not at the top: a suite without two cue probes never needs it
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    keys = ["probe", "cued", "target_first"]
    per_item = long.groupby(["item_id", *keys], sort=False, observed=True)["y"].agg(["sum", "count"]).reset_index()
    pat = per_item.groupby(keys, sort=True, observed=True)[["sum", "count"]].sum().reset_index()
    x_pat = _design(pat, fitted)
    k, m = pat["sum"].to_numpy(float), pat["count"].to_numpy(float)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = sm.GLM(np.column_stack([k, m - k]), x_pat, family=sm.families.Binomial()).fit()
        bad = any(issubclass(w.category, (PerfectSeparationWarning, ConvergenceWarning)) for w in caught)
        params = pd.Series(np.asarray(res.params, float), index=x_pat.columns)
        if bad or not res.converged or not np.all(np.isfinite(params)) or np.max(np.abs(params)) > MAX_ABS_COEF:
            return None, "model did not converge or the data are (quasi-)separated"
        x_pat_arr = x_pat.to_numpy(float)
        p_pat = 1.0 / (1.0 + np.exp(-(x_pat_arr @ params.to_numpy())))
        hessian = x_pat_arr.T @ (x_pat_arr * (m * p_pat * (1.0 - p_pat))[:, None])
        x = _design(per_item, fitted).to_numpy(float)
        p = 1.0 / (1.0 + np.exp(-(x @ params.to_numpy())))
        resid = per_item["sum"].to_numpy(float) - per_item["count"].to_numpy(float) * p
        groups = pd.factorize(per_item["item_id"])[0]
        scores = np.column_stack([np.bincount(groups, weights=x[:, j] * resid) for j in range(x.shape[1])])
        bread = np.linalg.inv(hessian)
        cov = bread @ (scores.T @ scores) @ bread
    except Exception as exc:  # singular designs and similar
        return None, f"model failed: {type(exc).__name__}: {exc}"
    if not np.all(np.isfinite(np.diag(cov))):
        return None, "model did not converge or the data are (quasi-)separated"
    return (params, cov), ""


def _wald(params: pd.Series, cov: np.ndarray, n_groups: int, n_rows: int,
          alpha: float) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """(params, Wald interval, p) with the row-level small-sample factor ``G/(G-1) * (N-1)/(N-K)``
    (statsmodels' ``use_correction=True`` of a row-level fit, N = the arm rows)."""
    from scipy import stats

    k = params.size
    factor = (n_groups / (n_groups - 1.0)) * ((n_rows - 1.0) / (n_rows - k)) if n_rows > k else NAN
    bse = pd.Series(np.sqrt(np.diag(cov) * factor), index=params.index)
    z = stats.norm.ppf(1 - alpha / 2)
    ci = pd.DataFrame({0: params - z * bse, 1: params + z * bse})
    pvalues = pd.Series(2 * stats.norm.sf(np.abs(params / bse)), index=params.index)
    return params, ci, pvalues


def benjamini_hochberg(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (equal to statsmodels' ``multipletests(method="fdr_bh")``, which
    ``tests/test_stats_tests.py`` checks); nan stays nan.

    Sorted ascending, the i-th of m p-values (1-based) becomes min over j >= i of p_(j) * m / j, capped at 1."""
    p = np.asarray(pvalues, dtype=float).ravel()
    adj = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size:
        order = ok[np.argsort(p[ok], kind="mergesort")]
        m = order.size
        scaled = p[order] * m / np.arange(1, m + 1)
        adj[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return adj


HEADLINE = "headline"
#: the estimates shown beside each probe's headline (bias_effect, added_text_effect), one family across probes
COMPONENTS = "components"


def family_of(probe: str, metric: str, subset: str) -> str:
    """The multiplicity family of a metrics row (see docs/metrics.md "Multiplicity").

    ``headline``: each probe's :func:`judgekit.stats.net.headline_metric` "all" (``cue_net_effect``
    of a cue probe with a neutral control, else its ``bias_effect``; the position probe's
    ``first_position_rate``); ``components``: the other two estimates of those cue probes,
    ``bias_effect`` and ``added_text_effect`` "all"; ``<probe>:subsets``: a probe's other
    ``bias_effect`` rows (condition, kind, template, placement) and the other subsets of its headline
    (the fallacy probe's ``category:<type>``); ``<probe>:mitigations``: its
    ``mitigation_*`` rows; ``model``: the cross-probe model; ``<probe>:secondary``: every other test.
    An mcq run's rows (``mcq_*``) follow the same scheme with the mcq headlines and components
    (:mod:`judgekit.stats.mcq`).
    """
    probe = str(probe)
    if metric.startswith("mcq_"):  # an mcq run's rows (judgekit/stats/mcq.py)
        from judgekit.stats.mcq import COMPONENTS as MCQ_COMPONENTS
        from judgekit.stats.mcq import mcq_headline

        if subset == "all" and metric == mcq_headline(probe):
            return HEADLINE
        return COMPONENTS if subset == "all" and metric in MCQ_COMPONENTS else f"{probe}:secondary"
    if subset == "all" and metric == headline_metric(probe):
        return HEADLINE
    if subset == "all" and metric in ("bias_effect", *NET_METRICS):
        return COMPONENTS
    if metric == "bias_effect" or metric == headline_metric(probe):
        return f"{probe}:subsets"
    if metric.startswith("mitigation_"):
        return f"{probe}:mitigations"
    if metric.startswith("model_"):
        return "model"
    return f"{probe}:secondary"


def add_adjusted_p(metrics_df: pd.DataFrame) -> pd.DataFrame:
    """Copy with ``family`` and ``p_adjusted``: Benjamini-Hochberg within each family of rows with a p-value."""
    out = metrics_df.copy()
    out["p_adjusted"] = np.nan
    out["family"] = None
    if out.empty:
        return out
    has_p = np.isfinite(out["p_value"].to_numpy(float))
    probes = out["probe"] if "probe" in out else pd.Series([""] * len(out), index=out.index)
    fam = pd.Series([family_of(p, m, s) if ok else None
                     for p, m, s, ok in zip(probes, out["metric"], out["subset"], has_p, strict=True)], index=out.index)
    out["family"] = fam
    for name in sorted(fam.dropna().unique()):
        rows = (fam == name).to_numpy()
        out.loc[rows, "p_adjusted"] = benjamini_hochberg(out.loc[rows, "p_value"].to_numpy())
    return out
