"""The four findings of Wang et al. 2025 as hypotheses tested on the judges of one ``lrm-paper`` run.

Every function takes frames built from stored verdicts and metrics (``judgekit.presets.lrm_paper`` builds
them) and returns a :class:`Finding`: a status (supported / contradicted / inconclusive), one sentence
saying why, and the table of numbers behind it. Conventions: 95% intervals; "significant" means a
Benjamini-Hochberg adjusted p < 0.05 over every (judge, bias) test of the finding; an effect is "shown
absent" when its whole interval lies within ±:data:`MARGIN`.

1. **Every judge is susceptible** (:func:`susceptibility`): per judge and bias, judgekit's headline
   (``cue_net_effect``: the cue's effect beyond the text it adds; position: ``first_position_rate`` - 0.5).
   Supported when every judge has a significant bias; contradicted when some judge's biases are all shown
   absent; else inconclusive.
2. **Reasoning judges are more robust on fact sets, not on preference sets** (:func:`robustness_interaction`):
   a linear probability model of the item-level robust indicator (a cued answer equals its control answer,
   both orders, every cue condition) on ``reasoning``, ``fact`` and ``reasoning x fact``, with standard errors
   clustered by item (the same items are judged by every judge). Supported when the reasoning effect on facts
   is > 0 and the interaction is > 0 (intervals above 0); contradicted when either interval lies below 0.
3. **Reasoning judges prefer later positions** (:func:`position_preference`): per judge, the later-position
   effect (pairs: share of verdicts for the response shown second - 0.5; facts: accuracy with the gold option
   last - first), one value per item, and the reasoning - standard difference (cluster-robust by item).
   Supported when every reasoning judge's effect and the difference are > 0; contradicted when a reasoning
   judge's effect or the difference is < 0.
4. **Superficial reflection moves judgments** (:func:`reflection_effect`): the reflection probe's headline
   per judge. Supported when it is significant for every reasoning judge (every judge when none is labelled);
   contradicted when it is shown absent for all of them.

(2) and (3) need both judge types; with one, they are inconclusive and say so.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from judgekit.stats.intervals import NAN
from judgekit.stats.model import benjamini_hochberg

SUPPORTED, CONTRADICTED, INCONCLUSIVE = "supported", "contradicted", "inconclusive"
MARGIN = 0.05
ALPHA = 0.05
REASONING, STANDARD = "reasoning", "standard"
JUDGE_TYPES = (REASONING, STANDARD)


@dataclass
class Finding:
    """One hypothesis, its status on these judges, why, and the numbers behind it."""

    number: int
    title: str
    status: str
    why: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame)


def _sig(row: pd.Series) -> bool:
    return bool(np.isfinite(row["p_adjusted"]) and row["p_adjusted"] < ALPHA)


def _absent(row: pd.Series) -> bool:
    return bool(np.isfinite(row["ci_low"]) and -MARGIN <= row["ci_low"] and row["ci_high"] <= MARGIN)


def adjust(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``p_adjusted`` (Benjamini-Hochberg over its rows) and ``significant``."""
    t = table.copy()
    t["p_adjusted"] = benjamini_hochberg(t["p_value"].to_numpy(float)) if len(t) else []
    t["significant"] = [_sig(r) for _, r in t.iterrows()]
    return t


def susceptibility(headlines: pd.DataFrame) -> Finding:
    """Finding 1 from rows ``judge, judge_type, kind, probe, metric, estimate, ci_low, ci_high, p_value``."""
    title = "Every judge is susceptible to the biases"
    if headlines.empty:
        return Finding(1, title, INCONCLUSIVE, "no bias estimates were stored", headlines)
    t = adjust(headlines)
    judges = list(dict.fromkeys(t["judge"]))
    hit = {j: t[(t["judge"] == j) & t["significant"]]["probe"].unique().tolist() for j in judges}
    clean = [j for j in judges if all(_absent(r) for _, r in t[t["judge"] == j].iterrows())]
    counts = "; ".join(f"{j}: {len(hit[j])} of {t[t['judge'] == j]['probe'].nunique()} biases significant"
                       + (f" ({', '.join(hit[j])})" if hit[j] else "") for j in judges)
    if clean:
        return Finding(1, title, CONTRADICTED, f"{', '.join(clean)} showed every bias absent (within ±{MARGIN:.2f}); "
                       + counts, t)
    if all(hit[j] for j in judges):
        return Finding(1, title, SUPPORTED, counts, t)
    return Finding(1, title, INCONCLUSIVE, counts + "; a judge without a significant bias is not shown robust either",
                   t)


def _cluster_ols(y: np.ndarray, x: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """OLS of ``y`` on ``x`` (with an intercept) and standard errors clustered by ``groups``."""
    import statsmodels.api as sm

    X = sm.add_constant(x.astype(float), has_constant="add")
    codes = pd.factorize(groups)[0]
    with warnings.catch_warnings():  # no variation left (e.g. every answer robust): the interval is nan
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sm.OLS(y.astype(float), X).fit(cov_type="cluster", cov_kwds={"groups": codes})
        ci = res.conf_int(ALPHA)
    return pd.DataFrame({"term": X.columns, "estimate": res.params.to_numpy(), "ci_low": ci[0].to_numpy(),
                         "ci_high": ci[1].to_numpy(), "p_value": res.pvalues.to_numpy(), "n": len(y),
                         "clusters": int(codes.max() + 1)})


def _one_type(types: pd.Series) -> str | None:
    present = sorted(set(types.dropna()) & set(JUDGE_TYPES))
    if len(present) < 2:
        return (f"only {present[0]} judges were given" if present else "no judge type is known") + \
            "; label judges with --judge-type reasoning|standard (or let judgekit infer it from <think> output)"
    return None


def robustness_interaction(units: pd.DataFrame) -> Finding:
    """Finding 2 from item-level rows ``judge, judge_type, kind, item_id, robust``."""
    title = "Reasoning judges are more robust than standard ones on fact sets, but not on preference sets"
    rates = (units.groupby(["judge", "judge_type", "kind"], sort=False)["robust"].agg(["mean", "size"])
             .reset_index().rename(columns={"mean": "robust_rate", "size": "n"})) if len(units) else pd.DataFrame()
    why = _one_type(units["judge_type"]) if len(units) else "no cued verdicts were stored"
    if why is None and units["kind"].nunique() < 2:
        why = f"only {units['kind'].iloc[0]} sets were judged; the interaction needs fact and preference sets"
    if why:
        return Finding(2, title, INCONCLUSIVE, why, rates)
    x = pd.DataFrame({"reasoning": (units["judge_type"] == REASONING).to_numpy(),
                      "fact": (units["kind"] == "fact").to_numpy()})
    x["reasoning_x_fact"] = x["reasoning"] & x["fact"]
    model = _cluster_ols(units["robust"].to_numpy(float), x, units["item_id"])
    # the reasoning effect on facts is reasoning + reasoning_x_fact: refit with facts as the reference
    x2 = pd.DataFrame({"reasoning": x["reasoning"], "preference": ~x["fact"],
                       "reasoning_x_preference": x["reasoning"] & ~x["fact"]})
    m2 = _cluster_ols(units["robust"].to_numpy(float), x2, units["item_id"])
    terms = {"reasoning effect on preference sets": model.iloc[1], "reasoning effect on fact sets": m2.iloc[1],
             "interaction (fact - preference)": model.iloc[3]}
    table = pd.DataFrame([{"quantity": k, **{c: v[c] for c in ("estimate", "ci_low", "ci_high", "p_value", "n",
                                                                 "clusters")}} for k, v in terms.items()])
    fact, inter, pref = terms["reasoning effect on fact sets"], terms["interaction (fact - preference)"], \
        terms["reasoning effect on preference sets"]
    nums = (f"robust rate, reasoning - standard: facts {fact['estimate']:+.3f} [{fact['ci_low']:+.3f}, "
            f"{fact['ci_high']:+.3f}], preferences {pref['estimate']:+.3f} [{pref['ci_low']:+.3f}, "
            f"{pref['ci_high']:+.3f}]; interaction {inter['estimate']:+.3f} [{inter['ci_low']:+.3f}, "
            f"{inter['ci_high']:+.3f}] (linear probability model, SE clustered by item)")
    if fact["ci_low"] > 0 and inter["ci_low"] > 0:
        status = SUPPORTED
    elif fact["ci_high"] < 0 or inter["ci_high"] < 0:
        status = CONTRADICTED
    else:
        status = INCONCLUSIVE
    return Finding(2, title, status, nums, pd.concat([table, rates], ignore_index=True))


def _mean_ci(v: np.ndarray) -> tuple[float, float, float]:
    from scipy import stats

    n = len(v)
    if n == 0:
        return NAN, NAN, NAN
    m = float(np.mean(v))
    if n < 2 or np.std(v) == 0:
        return m, m, m
    h = float(stats.t.ppf(1 - ALPHA / 2, n - 1) * np.std(v, ddof=1) / np.sqrt(n))
    return m, m - h, m + h


def position_preference(effects: pd.DataFrame) -> Finding:
    """Finding 3 from rows ``judge, judge_type, kind, item_id, later`` (an item's later-position effect)."""
    title = "Reasoning judges prefer options in later positions"
    rows = []
    for (judge, jtype, kind), s in effects.groupby(["judge", "judge_type", "kind"], sort=False):
        m, lo, hi = _mean_ci(s["later"].to_numpy(float))
        rows.append({"judge": judge, "judge_type": jtype, "kind": kind, "later_effect": m, "ci_low": lo,
                     "ci_high": hi, "n": len(s)})
    table = pd.DataFrame(rows)
    why = _one_type(effects["judge_type"]) if len(effects) else "no position verdicts were stored"
    if why:
        return Finding(3, title, INCONCLUSIVE, why, table)
    diff = _cluster_ols(effects["later"].to_numpy(float),
                        pd.DataFrame({"reasoning": (effects["judge_type"] == REASONING).to_numpy()}),
                        effects["item_id"]).iloc[1]
    table = pd.concat([table, pd.DataFrame([{"judge": "reasoning - standard", "judge_type": "", "kind": "all",
                                             "later_effect": diff["estimate"], "ci_low": diff["ci_low"],
                                             "ci_high": diff["ci_high"], "n": diff["n"]}])], ignore_index=True)
    reas = table[table["judge_type"] == REASONING]
    nums = "; ".join(f"{r.judge} ({r.kind}) {r.later_effect:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]"
                     for r in table.itertuples())
    if (reas["ci_low"] > 0).all() and diff["ci_low"] > 0:
        status = SUPPORTED
    elif (reas["ci_high"] < 0).any() or diff["ci_high"] < 0:
        status = CONTRADICTED
    else:
        status = INCONCLUSIVE
    return Finding(3, title, status, "later-position effect (> 0: later preferred): " + nums, table)


def reflection_effect(headlines: pd.DataFrame) -> Finding:
    """Finding 4 from the reflection rows of :func:`susceptibility`'s input."""
    title = "Superficial reflection (\u201cwait, let me think\u2026\u201d) moves judgments"
    t = headlines[headlines["probe"] == "reflection"]
    if t.empty:
        return Finding(4, title, INCONCLUSIVE, "the reflection probe was not run", t)
    t = adjust(t)
    who = t[t["judge_type"] == REASONING] if (t["judge_type"] == REASONING).any() else t
    nums = "; ".join(f"{r.judge} ({r.kind}) {r.estimate:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}], adjusted p "
                     f"{r.p_adjusted:.3g}" for r in t.itertuples())
    scope = "every reasoning judge" if (t["judge_type"] == REASONING).any() else "every judge"
    if all(_sig(r) for _, r in who.iterrows()):
        return Finding(4, title, SUPPORTED, f"significant for {scope}: {nums}", t)
    if all(_absent(r) for _, r in who.iterrows()):
        return Finding(4, title, CONTRADICTED, f"shown absent for {scope}: {nums}", t)
    return Finding(4, title, INCONCLUSIVE, f"not significant for {scope}: {nums}", t)
