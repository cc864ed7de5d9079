"""What each mitigation buys and what it costs, measured on the same items in the same run.

Verdict frames per mitigation:

* ``none`` and the trial mitigations (system-prompt, icl, self-reflection) are the rows whose
  ``mitigation`` column names them: each was judged with its own requests.
* ``swap`` is derived from the ``none`` rows: the two orders of every (item, probe, condition,
  placement) are aggregated into one verdict on the original responses: by the mean
  probability of each response over both orders when the judge gives probabilities, otherwise
  by agreement, with disagreement becoming a tie. Each aggregated verdict costs both calls.
* ``calibrate`` is derived from the ``none`` rows of judges with probabilities: the position
  prior, the mean log-odds of the first position over swapped control pairs, is estimated on
  the other folds of items (cross-fitting: no item calibrates itself) and subtracted from each
  verdict's log-odds. It costs no extra call per verdict (only a one-off calibration set).

For every (probe, mitigation) the table reports, against ``none`` on the same items. The bias
of a cue probe is its ``bias_effect``; of the position probe the first-position rate minus 0.5
(signed: > 0 primacy, < 0 recency); of the self-preference probe the self-preference rate minus 0.5.

* ``mitigation_bias_change``: ``|bias with| - |bias without|``, the change in the SIZE of the
  bias: negative = the bias shrank (lower is better), whichever its direction.
* ``mitigation_overshoot``: ``-sign(bias without) * bias with``: the bias left after the fix in
  the direction opposite to the original one. > 0 with an interval above 0 means the fix
  overshot (e.g. +0.3 primacy turned into -0.3 recency, which ``bias_change`` scores as 0).
* ``mitigation_accuracy_change`` (control trials, against gold).
* ``mitigation_tie_rate`` (so that a fix cannot win by answering "tie"): one verdict per trial
  (for ``swap`` one per aggregated pair of orders), cluster bootstrap over items.
* ``mitigation_extra_tokens`` and ``mitigation_extra_cost`` (per verdict).

Intervals: a paired bootstrap over items that resamples the same items for both arms;
p-values: the bootstrap's two-sided tail share beyond 0.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from judgekit.probes.self_preference import OWN, base_item_id
from judgekit.stats.cues import boot_p, cue_pairs, dedupe, joint_diff, joint_reps, prepare, target_hits
from judgekit.stats.design import SELF_PREFERENCE
from judgekit.stats.intervals import NAN, percentile_interval
from judgekit.stats.position import COLUMNS, _boot_share
from judgekit.types import original_p_a_col, original_to_presented_col, presented_to_original_col, score_against_gold

AGGREGATE = ("swap", "calibrate")


def _p_first(d: pd.DataFrame) -> pd.Series:
    s = d["p_a"].astype(float) + d["p_b"].astype(float)
    return d["p_a"].astype(float) / s.where(s > 0)


def _with_choice(d: pd.DataFrame, chosen: pd.Series) -> pd.DataFrame:
    """Set ``chosen`` (original letters) and derive ``choice`` (presented) and ``correct``."""
    d = d.copy()
    d["chosen"] = chosen.where(chosen.isin(["A", "B", "tie"]), None)
    d["choice"] = original_to_presented_col(d["chosen"], d["order"]).fillna("invalid")
    d["correct"] = [score_against_gold(c, g) for c, g in zip(d["chosen"], d["label"], strict=True)]
    return d


def swap_aggregate(df: pd.DataFrame) -> pd.DataFrame:
    """Verdicts of the ``swap`` mitigation, derived from both orders of each trial."""
    d = prepare(df, one_probe=False)
    d = d[(d["status"] != "error") & (d["repeat"] == 0)].copy()
    if d.empty:
        return d
    pf = _p_first(d).where(d["status"] == "valid")
    d["_p"] = original_p_a_col(pf, d["order"])  # probability of ORIGINAL response A
    d["_c"] = d["chosen"].where(d["status"] == "valid")
    d["_pk"] = d["placement"].astype(object).fillna("")
    keys = ["item_id", "probe", "condition", "_pk"]
    cost_cols = [c for c in ("input_tokens", "output_tokens", "cost_usd", "latency_s") if c in d]
    g = d.groupby(keys, dropna=False)
    agg = pd.DataFrame({
        "n_valid": g["_c"].count(), "first": g["_c"].first(), "last": g["_c"].last(),
        "n_p": g["_p"].count(), "mean_p": g["_p"].mean(),
        **{c: g[c].sum(min_count=1) for c in cost_cols},
    })
    by_p = np.where(agg["mean_p"] > 0.5, "A", np.where(agg["mean_p"] < 0.5, "B", "tie"))
    by_vote = np.where(agg["first"] == agg["last"], agg["first"], "tie")
    agg["agg"] = np.where(agg["n_valid"] == 0, None,
                          np.where(agg["n_valid"] == 1, agg["first"],
                                   np.where(agg["n_p"] == 2, by_p, by_vote)))
    merged = d.drop(columns=cost_cols).merge(agg[["agg", "mean_p", *cost_cols]].reset_index(), on=keys, how="left")
    out = _with_choice(merged, merged["agg"])
    out["p_a"] = original_p_a_col(out["mean_p"], out["order"])  # the same map takes it back to presented
    out["p_b"] = 1 - out["p_a"]
    out["mitigation"] = "swap"
    return out.drop(columns=["_p", "_c", "_pk", "agg", "mean_p"])


def calibrate(df: pd.DataFrame, *, folds: int | None = None) -> pd.DataFrame | None:
    """Verdicts of the ``calibrate`` mitigation, or None when the judge gave no probabilities.

    ``folds`` defaults to the ``folds`` of ``suites/mitigations/calibrate.yaml``."""
    from judgekit.mitigations import mitigation_option

    folds = int(folds if folds is not None else mitigation_option("calibrate", "folds", 5))
    d = prepare(df, one_probe=False)
    d = d[d["status"] != "error"].copy()
    pf = _p_first(d).clip(1e-6, 1 - 1e-6)
    if pf.notna().sum() == 0:
        return None
    logit = np.log(pf / (1 - pf))
    fold = d["item_id"].astype(str).map(lambda s: zlib.crc32(s.encode()) % folds)
    ctrl = (d["condition"] == "control") & (d["repeat"] == 0) & logit.notna()
    prior = pd.Series(NAN, index=d.index)
    overall = float(logit[ctrl].mean())
    for k in range(folds):
        train = ctrl & (fold != k)
        prior[fold == k] = float(logit[train].mean()) if train.any() else overall
    adj = logit - prior
    presented = pd.Series(np.where(adj > 0, "A", np.where(adj < 0, "B", "tie")), index=d.index).where(adj.notna())
    chosen = presented_to_original_col(presented, d["order"])
    out = _with_choice(d, chosen)
    out["p_a"] = 1 / (1 + np.exp(-adj))
    out["p_b"] = 1 - out["p_a"]
    out["mitigation"] = "calibrate"
    return out


def _bias_values(d: pd.DataFrame, probe: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit bias values whose mean is the probe's bias measure, with their item ids."""
    if probe == "position":
        r = d[(d["repeat"] == 0) & d["choice"].isin(["A", "B"])]
        return r["item_id"].to_numpy(object), (r["choice"] == "A").to_numpy(float) - 0.5
    if probe == SELF_PREFERENCE:  # own answer = original A of every derived item; clustered by the original item
        r = d[(d["repeat"] == 0) & d["chosen"].isin(["A", "B"])]
        return r["item_id"].astype(str).map(base_item_id).to_numpy(object), (r["chosen"] == OWN).to_numpy(float) - 0.5
    p = cue_pairs(dedupe(d))
    p = p[p["cued"]]
    x1, x0 = target_hits(p)
    return p["item_id"].to_numpy(object), x1.astype(float) - x0


def _accuracy_values(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    r = d[(d["condition"] == "control") & (d["repeat"] == 0) & d["correct"].notna()]
    return r["item_id"].to_numpy(object), r["correct"].astype(bool).to_numpy(float)


def _per_verdict(d: pd.DataFrame, col: str) -> float:
    return float(d[col].astype(float).mean()) if col in d and d[col].notna().any() else NAN


def mitigation_metrics(df: pd.DataFrame, mitigations: list[str], probes: list[str], *, n_boot: int = 2000,
                       seed: int = 0, alpha: float = 0.05) -> pd.DataFrame:
    """One block of rows per (probe, mitigation other than none); columns ``probe`` + the usual ones."""
    d = prepare(df, one_probe=False)
    if "mitigation" not in d:
        d["mitigation"] = "none"
    base = d[d["mitigation"].astype(object).fillna("none") == "none"]
    frames: dict[str, pd.DataFrame | None] = {}
    for m in mitigations:
        if m == "none":
            continue
        if m == "swap":
            frames[m] = swap_aggregate(base)
        elif m == "calibrate":
            frames[m] = calibrate(base)
        else:
            frames[m] = d[d["mitigation"] == m]
    rows = []
    for probe in probes:
        b = prepare(base[base["probe"] == probe], one_probe=False)
        for m, f in frames.items():
            sub = None if f is None else prepare(f[f["probe"] == probe], one_probe=False)
            rows.extend(_rows(probe, m, b, sub, n_boot, seed, alpha))
    return pd.DataFrame(rows, columns=["probe", *COLUMNS])


def _rows(probe: str, m: str, base: pd.DataFrame, mit: pd.DataFrame | None, n_boot: int, seed: int,
          alpha: float) -> list[list[object]]:
    subset = f"mitigation:{m}"
    if mit is None or mit.empty:
        why = "needs the judge's probabilities (p_a, p_b)" if m == "calibrate" else "no verdicts"
        return [[probe, "mitigation_bias_change", subset, NAN, NAN, NAN, NAN, 0, why],
                [probe, "mitigation_overshoot", subset, NAN, NAN, NAN, NAN, 0, why]]
    ok_m, ok_b = mit[mit["status"] != "error"], base[base["status"] != "error"]
    rows = []
    i1, v1 = _bias_values(ok_m, probe)
    i0, v0 = _bias_values(ok_b, probe)
    what = {"position": "first-position rate - 0.5", SELF_PREFERENCE: "self-preference rate - 0.5"}.get(
        probe, "bias_effect")
    before, after = (float(v0.mean()) if v0.size else NAN), (float(v1.mean()) if v1.size else NAN)
    if v1.size and v0.size:
        r1, r0 = joint_reps(i1, v1, i0, v0, n_boot, seed)
        direction = float(np.sign(before)) or 1.0
        change, over = np.abs(r1) - np.abs(r0), -direction * r1
        ci_c, p_c = percentile_interval(change, alpha), boot_p(change)
        ci_o, p_o = percentile_interval(over, alpha), boot_p(over)
    else:
        ci_c = ci_o = (NAN, NAN)
        p_c = p_o = NAN
    rows.append([probe, "mitigation_bias_change", subset, abs(after) - abs(before), ci_c[0], ci_c[1], p_c,
                 int(v1.size), f"|{what}|: {abs(before):.3f} without, {abs(after):.3f} with {m} (signed "
                 f"{before:+.3f} -> {after:+.3f}); lower is better; paired item bootstrap"])
    rows.append([probe, "mitigation_overshoot", subset, -(float(np.sign(before)) or 1.0) * after, ci_o[0], ci_o[1],
                 p_o, int(v1.size), f"{what} with {m} in the direction opposite to without ({before:+.3f}); "
                 "> 0: the fix overshot; paired item bootstrap"])
    a1, acc1 = _accuracy_values(ok_m)
    a0, acc0 = _accuracy_values(ok_b)
    est, ci, p = joint_diff(a1, acc1, a0, acc0, n_boot, seed, alpha)
    rows.append([probe, "mitigation_accuracy_change", subset, est, ci[0], ci[1], p, int(acc1.size),
                 "gold accuracy on control trials, mitigated minus unmitigated"])
    valid_m = ok_m[ok_m["status"] == "valid"]
    if m == "swap":  # the aggregated verdict sits on both order rows: count it once
        valid_m = valid_m[valid_m["order"] == "AB"]
    base_ties = float((ok_b.loc[ok_b["status"] == "valid", "choice"] == "tie").mean()) if len(ok_b) else NAN
    est, ci, n, bnote = _boot_share(valid_m["item_id"], (valid_m["choice"] == "tie").to_numpy(), n_boot, seed,
                                    alpha)
    rows.append([probe, "mitigation_tie_rate", subset, est, ci[0], ci[1], NAN, n,
                 f"tie rate without mitigation: {base_ties:.3f}; {bnote or 'no verdicts'}"])
    tok = lambda f: _per_verdict(f, "input_tokens") + _per_verdict(f, "output_tokens")  # noqa: E731
    extra_note = "per verdict; plus a one-off calibration set" if m == "calibrate" else "per verdict"
    extra_tok = 0.0 if m == "calibrate" else tok(ok_m) - tok(ok_b)
    extra_cost = 0.0 if m == "calibrate" else _per_verdict(ok_m, "cost_usd") - _per_verdict(ok_b, "cost_usd")
    rows.append([probe, "mitigation_extra_tokens", subset, extra_tok, NAN, NAN, NAN, len(ok_m), extra_note])
    rows.append([probe, "mitigation_extra_cost", subset, extra_cost, NAN, NAN, NAN, len(ok_m),
                 extra_note + " (USD; empty when the provider's price is unknown)"])
    return rows
