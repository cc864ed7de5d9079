"""The metrics of Wang et al. 2025 ("Assessing Judging Bias in Large Reasoning Models"), from stored verdicts.

The paper's design is a subset of judgekit's counterbalanced one (``suites/lrm-paper-pairs.yaml``): each
item is shown once, in its seeded placement (order ``AB`` of the item: the loader drew which side holds the
gold answer), unperturbed (``control``) and under each of the paper's cue conditions (:data:`PAPER_CUES`).
Input: one run's verdict frame (``Store.metrics_frame``: ``item_id, probe, condition, order, repeat,
mitigation, label, kind, category, chosen``). Only repeat-0 verdicts count; a verdict with no ``chosen``
(a parse failure, a failed call) is no answer: it leaves every paired unit (the paper's code counted a
first-match letter instead).

Definitions (``n`` is the number of items an estimate is over; intervals: Wilson over items):

* ``paper_accuracy`` (condition = ``control`` or a cue condition; position: ``gold_first`` / ``gold_last``):
  share of items whose ``chosen`` is the gold answer in that condition;
* ``paper_robust_rate`` (condition = a cue condition): share of items whose answer under the cue equals
  their answer in ``control`` (the paper's "robust rate"); subset "all" or a category (dataset);
* ``paper_relative_reduction`` (:func:`relative_reduction`, per mitigation): the paper's way of reporting a
  mitigation: ``(flip_none - flip_mitigated) / flip_none`` where ``flip = 1 - robust rate``, pooled over the
  probe's paper cue conditions (the share of the bias removed; > 0 = it helped).

Multiple-choice runs (the fact sets) have no order to choose: their cue probes show each item in two seeded
arrangements (the paper shows the dataset's order), a cued verdict is paired with the control of its own
arrangement and both arrangements count (``n`` is then item-arrangements); their position conditions are
already ``gold_first`` / ``gold_last``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from judgekit.stats.intervals import NAN, wilson

#: (dataset kind, probe) -> the paper's cue conditions (the cue toward the gold or the wrong answer)
PAPER_CUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("preference", "bandwagon"): ("cue_other",),  # the paper cues the rejected answer only
    ("preference", "authority"): ("cue_other",),
    ("preference", "distraction"): ("cue_gold", "cue_other"),
    ("preference", "reflection"): ("cue_gold", "cue_other"),
    ("fact", "bandwagon"): ("cue_gold", "cue_wrong"),  # the paper names the correct and a wrong option in turn
    ("fact", "authority"): ("cue_gold", "cue_wrong"),
}
#: the presentation that is the paper's in a pairwise run (the item's seeded placement)
PAPER_ORDER = "AB"
COLUMNS = ["probe", "metric", "condition", "subset", "estimate", "ci_low", "ci_high", "n"]
CONTROL = "control"


def paper_conditions(kind: str, probe: str, conditions: list[str]) -> list[str]:
    """The paper's cue conditions of ``probe`` among ``conditions`` (every ``cue_*`` one when none is listed)."""
    listed = PAPER_CUES.get((kind, probe))
    cued = [c for c in conditions if str(c).startswith("cue_")]
    return [c for c in cued if c in listed] if listed else cued


def paper_subset(df: pd.DataFrame, *, pairwise: bool, mitigation: str = "none") -> pd.DataFrame:
    """The verdicts that are the paper's design: repeat 0, one mitigation, the item's seeded order (pairwise)."""
    d = df[(df["repeat"] == 0) & (df["mitigation"].fillna("none") == mitigation)]
    if pairwise:
        d = d[(d["order"] == PAPER_ORDER) | (d["probe"] == "position")]
    return d.drop_duplicates(["probe", "condition", "order", "item_id"])


def _position_conditions(d: pd.DataFrame, pairwise: bool) -> pd.DataFrame:
    """Position verdicts with ``condition`` gold_first / gold_last (pairwise: from the order and the label)."""
    p = d[d["probe"] == "position"].copy()
    if pairwise:
        p = p[p["label"].isin(["A", "B"])]
        first = ((p["order"] == "AB") & (p["label"] == "A")) | ((p["order"] == "BA") & (p["label"] == "B"))
        p["condition"] = np.where(first, "gold_first", "gold_last")
    return p


def paired_units(df: pd.DataFrame, *, kind: str, pairwise: bool, mitigation: str = "none") -> pd.DataFrame:
    """One row per (probe, paper cue condition, item) with both answers valid: ``robust`` and correctness."""
    d = paper_subset(df, pairwise=pairwise, mitigation=mitigation)
    d = d[d["chosen"].notna() & (d["probe"] != "position")]
    rows = []
    key = ["item_id", "order"]  # an mcq item has two arrangements: a cued verdict pairs with its own control
    for probe, sub in d.groupby("probe", sort=True):
        ctrl = sub[sub["condition"] == CONTROL].drop_duplicates(key).set_index(key)
        for cond in paper_conditions(kind, str(probe), sorted(sub["condition"].unique())):
            cued = sub[sub["condition"] == cond].drop_duplicates(key).set_index(key)
            both = cued.index.intersection(ctrl.index)
            if not len(both):
                continue
            c0, c1 = ctrl.loc[both], cued.loc[both]
            rows.append(pd.DataFrame({
                "probe": probe, "condition": cond, "item_id": both.get_level_values("item_id"),
                "category": c1["category"].to_numpy(),
                "robust": (c1["chosen"].to_numpy() == c0["chosen"].to_numpy()),
                "correct_control": (c0["chosen"] == c0["label"]).to_numpy(),
                "correct_cue": (c1["chosen"] == c1["label"]).to_numpy()}))
    cols = ["probe", "condition", "item_id", "category", "robust", "correct_control", "correct_cue"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


def _share(hits: np.ndarray) -> tuple[float, tuple[float, float], int]:
    n = len(hits)
    k = int(np.sum(hits))
    return (k / n if n else NAN), wilson(k, n), n


def paper_metrics(df: pd.DataFrame, *, kind: str, pairwise: bool, mitigation: str = "none") -> pd.DataFrame:
    """The paper's accuracy per condition and robust rate per cue condition; see the module docstring."""
    out: list[dict] = []

    def add(probe, metric, cond, subset, hits):
        est, (lo, hi), n = _share(np.asarray(hits, bool))
        out.append({"probe": probe, "metric": metric, "condition": cond, "subset": subset, "estimate": est,
                    "ci_low": lo, "ci_high": hi, "n": n})

    d = paper_subset(df, pairwise=pairwise, mitigation=mitigation)
    d = d[d["chosen"].notna() & d["label"].notna()]
    pos = _position_conditions(d, pairwise)
    for cond in ("gold_first", "gold_last"):
        s = pos[pos["condition"] == cond]
        if len(s):
            add("position", "paper_accuracy", cond, "all", s["chosen"] == s["label"])
    for probe, sub in d[d["probe"] != "position"].groupby("probe", sort=True):
        for cond in [CONTROL, *paper_conditions(kind, str(probe), sorted(sub["condition"].unique()))]:
            s = sub[sub["condition"] == cond]
            if len(s):
                add(probe, "paper_accuracy", cond, "all", s["chosen"] == s["label"])
    units = paired_units(df, kind=kind, pairwise=pairwise, mitigation=mitigation)
    for (probe, cond), s in units.groupby(["probe", "condition"], sort=True):
        add(probe, "paper_robust_rate", cond, "all", s["robust"])
        for cat, c in s.groupby("category", sort=True):
            add(probe, "paper_robust_rate", cond, f"category:{cat}", c["robust"])
    return pd.DataFrame(out, columns=COLUMNS)


def relative_reduction(df: pd.DataFrame, mitigation: str, *, kind: str, pairwise: bool) -> pd.DataFrame:
    """Per probe, the paper's relative reduction of the bias by ``mitigation`` (see the module docstring).

    Columns ``probe, flip_none, flip_mitigated, relative_reduction, n_none, n_mitigated``."""
    rows = []
    base = paired_units(df, kind=kind, pairwise=pairwise)
    mit = paired_units(df, kind=kind, pairwise=pairwise, mitigation=mitigation)
    for probe in sorted(set(base["probe"]) & set(mit["probe"])):
        f0 = 1 - base.loc[base["probe"] == probe, "robust"].mean()
        f1 = 1 - mit.loc[mit["probe"] == probe, "robust"].mean()
        rows.append({"probe": probe, "flip_none": f0, "flip_mitigated": f1,
                     "relative_reduction": (f0 - f1) / f0 if f0 > 0 else NAN,
                     "n_none": int((base["probe"] == probe).sum()), "n_mitigated": int((mit["probe"] == probe).sum())})
    return pd.DataFrame(rows, columns=["probe", "flip_none", "flip_mitigated", "relative_reduction", "n_none",
                                       "n_mitigated"])


def design_units(df: pd.DataFrame, mitigation: str = "none") -> pd.DataFrame:
    """judgekit's item-level robust indicators: every repeat-0 cued verdict (``cue_*`` condition, every order)
    paired with the control verdict of the same probe, item and order; both must be answers.

    Columns ``probe, condition, order, item_id, kind, robust``. Unlike :func:`paired_units` it uses the whole
    counterbalanced design (both orders, the cue toward either answer)."""
    d = df[(df["repeat"] == 0) & (df["mitigation"].fillna("none") == mitigation) & df["chosen"].notna()]
    d = d.drop_duplicates(["probe", "condition", "order", "item_id"])
    key = ["probe", "item_id", "order"]
    ctrl = d.loc[d["condition"] == CONTROL, [*key, "chosen"]].rename(columns={"chosen": "chosen_0"})
    cued = d[d["condition"].astype(str).str.startswith("cue_") & (d["probe"] != "position")]
    p = cued.merge(ctrl, on=key, how="inner")
    p["robust"] = p["chosen"] == p["chosen_0"]
    return p[["probe", "condition", "order", "item_id", "kind", "robust"]].reset_index(drop=True)


def later_position_effects(df: pd.DataFrame, *, pairwise: bool) -> pd.DataFrame:
    """One later-position effect per item (repeat 0, no mitigation, position probe): ``item_id, kind, later``.

    Pairwise: the share of the item's A/B verdicts (both orders) that pick the response shown second, minus
    0.5. Multiple choice: whether the gold option is picked when shown last minus when shown first."""
    d = df[(df["repeat"] == 0) & (df["mitigation"].fillna("none") == "none") & (df["probe"] == "position")]
    if pairwise:
        d = d[d["choice"].isin(["A", "B"])]
        g = d.assign(second=d["choice"] == "B").groupby(["item_id", "kind"], sort=True)["second"].mean()
        return (g - 0.5).rename("later").reset_index()
    d = d[d["condition"].isin(["gold_first", "gold_last"]) & d["label"].notna()]
    d = d.assign(right=(d["chosen"] == d["label"]).astype(float))
    w = d.pivot_table(index=["item_id", "kind"], columns="condition", values="right", aggfunc="first").dropna()
    if w.empty:
        return pd.DataFrame(columns=["item_id", "kind", "later"])
    return (w["gold_last"] - w["gold_first"]).rename("later").reset_index()


def noise_floor(df: pd.DataFrame) -> dict[str, float]:
    """The share of identical re-asks (repeat > 0) whose answer differs from the first ask (repeat 0) of the same
    request (probe, condition, order, item; no mitigation; both answers valid), with a Wilson interval over
    re-asks: how much the judge disagrees with itself at its decoding settings. nan without repeats."""
    d = df[(df["mitigation"].fillna("none") == "none") & df["chosen"].notna()]
    key = ["probe", "condition", "order", "item_id"]
    first = d[d["repeat"] == 0].drop_duplicates(key)[[*key, "chosen"]].rename(columns={"chosen": "chosen_0"})
    again = d[d["repeat"] > 0].merge(first, on=key, how="inner")
    est, (lo, hi), n = _share((again["chosen"] != again["chosen_0"]).to_numpy())
    return {"estimate": est, "ci_low": lo, "ci_high": hi, "n": n}
