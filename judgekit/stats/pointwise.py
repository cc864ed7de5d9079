"""Score statistics of pointwise runs: how far a cue moves the cued response's score, and how scores spread.

Input: the verdicts of ONE probe of a pointwise run (``trials.protocol = 'pointwise'``), one row per
trial, with the columns of :mod:`judgekit.stats.cues` plus ``score_first`` / ``score_second`` (the
scores of the responses shown first and second; NaN when unreadable) and ``cue_inserted``. Only
``mitigation = 'none'`` and repeat 0 are used; failed calls are dropped; a score that could not be read
leaves every pair it is in. The change a cue induces in the pair *verdict* is the pair statistics'
business (:mod:`judgekit.stats.cues`, :mod:`judgekit.stats.net`), which read pointwise verdicts as any
other.

A *score pair* joins the score of one original response ("the side") in a compared trial with its score
in a reference trial of the same (run, probe, mitigation, item, order) (and placement, for the neutral
reference): ``shift = score(compared) - score(reference)``, in points of the template's scale.

* ``score_shift``: compared = a cued trial (``cue_*``, target A/B), side = its target, reference = the
  control. Subsets: "all", "fact", "preference", each condition, "template:<id>".
* ``score_shift_net``: compared = a cued trial, reference = its neutral control (``neutral_*``;
  verbosity: ``irrelevant_*``) of the same placement and side: the cue's content net of the text it adds.
* ``added_text_score_shift``: compared = a neutral control, side = the response its text sits in (or
  names), reference = the control.

Each: mean shift over pairs; percentile cluster bootstrap over items (``ratio_bootstrap`` of per-item
sums and counts); p = exact sign test over items on each item's net shift (items up vs down; items at
0 carry no sign). The note gives the item counts.

Score distribution, over the control trials of the probe (one score per response and item):

* ``score_mean``: mean score, cluster bootstrap over items.
* ``score_share`` (subset "score:<v>" for each value seen): share of responses scored v; Wilson.
* ``score_tie_rate``: share of items whose two responses got equal scores (the pair verdict is a tie);
  Wilson over items.
* ``score_gap_gold``: mean of (gold response's score - other's) over labelled items; cluster bootstrap,
  sign test over items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from judgekit.stats.cues import Rows, item_sign_test, prepare
from judgekit.stats.design import BASELINE, CONTROL, CUE_PREFIX, NEUTRAL_PREFIXES, PAIR, SIDE_SUFFIXES, TARGETS
from judgekit.stats.intervals import NAN, ratio_bootstrap, wilson
from judgekit.stats.position import _per_item

_OTHER = {"A": "B", "B": "A"}


def _side_score(d: pd.DataFrame, side: pd.Series) -> pd.Series:
    """The score of original response ``side`` in each row (NaN when the side is not A/B)."""
    first = np.where(d["order"] == "AB", "A", "B")  # original letter shown first
    s1 = pd.to_numeric(d["score_first"], errors="coerce")
    s2 = pd.to_numeric(d["score_second"], errors="coerce")
    out = np.where(side.to_numpy(object) == first, s1, np.where(side.isin(list(TARGETS)), s2, np.nan))
    return pd.Series(out.astype(float), index=d.index)


def _neutral_side(d: pd.DataFrame) -> pd.Series:
    """The side of a neutral control: the response its text sits in or names (:mod:`judgekit.stats.design`)."""
    inserted = d["cue_inserted"] if "cue_inserted" in d else pd.Series([None] * len(d), index=d.index)
    side = []
    for cond, ins, label in zip(d["condition"].astype(str), inserted, d["label"], strict=True):
        if ins in TARGETS:
            side.append(ins)
            continue
        s = SIDE_SUFFIXES.get(cond.rsplit("_", 1)[-1])
        if s == "label":
            s = label if label in TARGETS else None
        elif s == "other":
            s = _OTHER.get(label)
        side.append(s)
    return pd.Series(side, index=d.index, dtype=object)


def _scope(df: pd.DataFrame) -> pd.DataFrame:
    d = prepare(df)
    for col in ("score_first", "score_second"):
        if col not in d:
            d[col] = np.nan
    d = d[(d["status"] != "error") & (d["repeat"] == 0) & (d["mitigation"] == BASELINE)]
    if "trial_id" in d:
        d = d.sort_values("trial_id", kind="stable")
    d = d.drop_duplicates(["run_id", "probe", "mitigation", "item_id", "condition", "placement", "order"])
    d = d.copy()
    cond = d["condition"].astype(str)
    d["arm"] = np.where(cond == CONTROL, "control", np.where(cond.str.startswith(CUE_PREFIX), "cue",
                        np.where(cond.str.startswith(NEUTRAL_PREFIXES), "neutral", "other")))
    side = pd.Series([None] * len(d), index=d.index, dtype=object)
    cue = d["arm"] == "cue"
    side[cue] = d.loc[cue, "cue_target"].where(d.loc[cue, "cue_target"].isin(list(TARGETS)))
    neutral = d["arm"] == "neutral"
    side[neutral] = _neutral_side(d[neutral])
    d["side"] = side
    return d


def score_pairs(d: pd.DataFrame, compared: str, reference: str) -> pd.DataFrame:
    """Score pairs of the ``compared`` arm against the ``reference`` arm (module docstring); ``d`` from
    :func:`_scope`. Columns: the pair key, ``condition``, ``template``, ``kind``, ``side``, ``shift``."""
    a = d[(d["arm"] == compared) & d["side"].isin(list(TARGETS))].copy()
    if a.empty:
        return a.assign(shift=pd.Series(dtype=float))
    a["score"] = _side_score(a, a["side"])
    keys = list(PAIR) + (["placement", "side"] if reference == "neutral" else [])
    ref = d[d["arm"] == reference]
    if reference == "control":  # the control has no side: read the compared row's side in it
        r = ref[[*PAIR, "score_first", "score_second"]].rename(columns={"score_first": "rf", "score_second": "rs"})
        m = a.merge(r, on=list(PAIR), how="inner")
        m["ref_score"] = _side_score(pd.DataFrame({"order": m["order"], "score_first": m["rf"],
                                                   "score_second": m["rs"]}), m["side"])
    else:
        r = ref[ref["side"].isin(list(TARGETS))].copy()
        r["ref_score"] = _side_score(r, r["side"])
        m = a.merge(r[[*keys, "ref_score"]], on=keys, how="inner")
    m = m[np.isfinite(m["score"]) & np.isfinite(m["ref_score"])].copy()
    m["shift"] = m["score"] - m["ref_score"]
    return m.reset_index(drop=True)


def _mean_row(rows: Rows, metric: str, subset: str, items: pd.Series, values: np.ndarray, *, seed: int,
              n_boot: int, test: bool = True) -> None:
    values = np.asarray(values, float)
    if values.size == 0:
        rows.add(metric, subset, NAN, n=0, note="no pairs with both scores readable")
        return
    num, den = _per_item(items.reset_index(drop=True), values)
    ci = ratio_bootstrap(num, den, n_boot=n_boot, seed=seed)
    p, up, down = item_sign_test(items.to_numpy(object), values) if test else (NAN, 0, 0)
    note = f"points; cluster bootstrap over {num.size} items" + (
        f"; sign test over items: {up} up, {down} down" if test else "")
    rows.add(metric, subset, float(values.mean()), ci, n=values.size, p=p, note=note)


def _shift_rows(rows: Rows, metric: str, p: pd.DataFrame, *, seed: int, n_boot: int, by_condition: bool) -> None:
    _mean_row(rows, metric, "all", p["item_id"], p["shift"].to_numpy(float), seed=seed, n_boot=n_boot)
    if not by_condition or p.empty:
        return
    for kind in ("fact", "preference"):
        sub = p[p["kind"] == kind]
        if len(sub):
            _mean_row(rows, metric, kind, sub["item_id"], sub["shift"].to_numpy(float), seed=seed, n_boot=n_boot)
    for cond, sub in p.groupby("condition", sort=True):
        _mean_row(rows, metric, str(cond), sub["item_id"], sub["shift"].to_numpy(float), seed=seed, n_boot=n_boot)
    for tmpl, sub in p.dropna(subset=["template"]).groupby("template", sort=True):
        _mean_row(rows, metric, f"template:{tmpl}", sub["item_id"], sub["shift"].to_numpy(float), seed=seed,
                  n_boot=n_boot)


def _distribution_rows(rows: Rows, d: pd.DataFrame, *, seed: int, n_boot: int) -> None:
    ctrl = d[d["arm"] == "control"]
    if ctrl.empty:
        return
    ctrl = ctrl.drop_duplicates(["run_id", "item_id"], keep="first")
    s_a = _side_score(ctrl, pd.Series(["A"] * len(ctrl), index=ctrl.index))
    s_b = _side_score(ctrl, pd.Series(["B"] * len(ctrl), index=ctrl.index))
    items = pd.concat([ctrl["item_id"], ctrl["item_id"]], ignore_index=True)
    scores = pd.concat([s_a, s_b], ignore_index=True)
    ok = np.isfinite(scores.to_numpy(float))
    _mean_row(rows, "score_mean", "all", items[ok], scores[ok].to_numpy(float), seed=seed, n_boot=n_boot, test=False)
    n = int(ok.sum())
    for v, k in sorted(pd.Series(scores[ok]).value_counts().items()):
        rows.add("score_share", f"score:{v:g}", k / n, wilson(k, n), n=n, note="share of responses; Wilson")
    both = np.isfinite(s_a.to_numpy(float)) & np.isfinite(s_b.to_numpy(float))
    ties = int(np.sum(s_a.to_numpy(float)[both] == s_b.to_numpy(float)[both]))
    nb = int(both.sum())
    rows.add("score_tie_rate", "all", ties / nb if nb else NAN, wilson(ties, nb) if nb else (NAN, NAN), n=nb,
             note="items whose two responses scored equal; Wilson over items")
    lab = ctrl["label"].isin(list(TARGETS)).to_numpy(bool) & both
    if lab.any():
        gold = np.where(ctrl["label"].to_numpy(object)[lab] == "A", s_a.to_numpy(float)[lab], s_b.to_numpy(float)[lab])
        other = np.where(ctrl["label"].to_numpy(object)[lab] == "A", s_b.to_numpy(float)[lab], s_a.to_numpy(float)[lab])
        _mean_row(rows, "score_gap_gold", "all", ctrl["item_id"][lab], gold - other, seed=seed, n_boot=n_boot)


def pointwise_metrics(df: pd.DataFrame, *, seed: int = 0, n_boot: int = 2000,
                      distribution: bool = True) -> pd.DataFrame:
    """Every score metric of one probe's pointwise verdicts (module docstring); ``distribution=False`` leaves
    out the score distribution rows (a suite reports them for its first probe only: every probe's control
    trials are the same requests)."""
    d = _scope(df)
    rows = Rows()
    if distribution:
        _distribution_rows(rows, d, seed=seed, n_boot=n_boot)
    if (d["arm"] == "cue").any():
        _shift_rows(rows, "score_shift", score_pairs(d, "cue", "control"), seed=seed, n_boot=n_boot,
                    by_condition=True)
        if (d["arm"] == "neutral").any():
            _shift_rows(rows, "score_shift_net", score_pairs(d, "cue", "neutral"), seed=seed, n_boot=n_boot,
                        by_condition=False)
            _shift_rows(rows, "added_text_score_shift", score_pairs(d, "neutral", "control"), seed=seed,
                        n_boot=n_boot, by_condition=False)
    return rows.frame()
