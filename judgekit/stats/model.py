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
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from judgekit.stats.cues import Rows, cue_pairs, dedupe, prepare
from judgekit.stats.intervals import NAN
from judgekit.stats.net import NET_METRICS, headline_metric
from judgekit.types import shown_first_col

MAX_ABS_COEF = 20.0


def model_frame(df_all: pd.DataFrame) -> pd.DataFrame:
    """Long format: one row per (pair, arm) with ``item_id, probe, cued, target_first, y``."""
    d = prepare(df_all, one_probe=False)
    frames = []
    for probe, group in d.groupby(d["probe"].fillna(""), sort=True):
        p = cue_pairs(dedupe(group))
        p = p[p["cued"]]
        if p.empty:
            continue
        first = shown_first_col(p["cue_target"], p["order"]).to_numpy(float)
        for cued, col in ((1.0, "chosen"), (0.0, "chosen_0")):
            frames.append(pd.DataFrame({"item_id": p["item_id"].to_numpy(), "probe": probe, "cued": cued,
                                        "target_first": first,
                                        "y": (p[col] == p["cue_target"]).to_numpy(float)}))
    cols = ["item_id", "probe", "cued", "target_first", "y"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def bias_model(df_all: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Cluster-robust logistic model of picking the cue target across probes; see the module docstring."""
    out = Rows()
    d = prepare(df_all, one_probe=False)
    probes = sorted(str(p) for p in d["probe"].fillna("").unique())
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
    res, fail = None, ""
    n_items = long["item_id"].nunique()
    if not fitted:
        fail = "no probe with usable pairs"
    elif n_items < 2:
        fail = "fewer than 2 items"
    else:
        x = pd.DataFrame({f"probe[{p}]": (long["probe"] == p).to_numpy(float) for p in fitted})
        for p in fitted:
            x[f"cue[{p}]"] = x[f"probe[{p}]"] * long["cued"].to_numpy()
        x["target_first"] = long["target_first"].to_numpy()
        groups = pd.factorize(long["item_id"])[0]
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = sm.GLM(long["y"].to_numpy(), x, family=sm.families.Binomial()).fit(
                    cov_type="cluster", cov_kwds={"groups": groups})
            bad = any(issubclass(w.category, (PerfectSeparationWarning, ConvergenceWarning)) for w in caught)
            if bad or not res.converged or not np.all(np.isfinite(res.bse)) \
                    or np.max(np.abs(res.params)) > MAX_ABS_COEF:
                res, fail = None, "model did not converge or the data are (quasi-)separated"
        except Exception as exc:  # singular designs and similar
            res, fail = None, f"model failed: {type(exc).__name__}: {exc}"
    base = f"GLM Binomial (logit), cluster-robust SE by item over {n_items} items; {len(long)} arm rows"
    ci = res.conf_int(alpha) if res is not None else None
    for probe in probes:
        name = f"cue[{probe}]"
        n = int((long["probe"] == probe).sum())
        if res is not None and probe in fitted:
            out.add("model_cue_log_odds", probe, res.params[name], tuple(ci.loc[name]), n, res.pvalues[name],
                    f"{base}; probe main effect {res.params[f'probe[{probe}]']:.4f}")
        else:
            out.add("model_cue_log_odds", probe, NAN, n=n, note=notes.get(probe) or fail)
    if res is not None:
        out.add("model_target_first_log_odds", "all", res.params["target_first"], tuple(ci.loc["target_first"]),
                len(long), res.pvalues["target_first"], base)
    else:
        out.add("model_target_first_log_odds", "all", NAN, n=len(long), note=fail)
    return out.frame()


def benjamini_hochberg(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (``multipletests(method="fdr_bh")``); nan stays nan."""
    p = np.asarray(pvalues, dtype=float).ravel()
    adj = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        adj[ok] = multipletests(p[ok], method="fdr_bh")[1]
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
    ``bias_effect`` rows (condition, kind, template, placement); ``<probe>:mitigations``: its
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
    if metric == "bias_effect":
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
