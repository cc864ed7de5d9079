"""The metrics of an mcq run (protocol ``mcq``): accuracy, slot preferences and cue shifts.

Scope, as for the pairwise probes (:mod:`judgekit.stats.design`): mitigation ``none``, repeat 0, failed
calls (``error``) dropped, one verdict per trial. A verdict is *valid* when it names one of the
question's options (``chosen`` is an original option letter); anything else is a parse failure.

Paired metrics compare two verdicts of the same item in the same arrangement (``order``): the
estimate is the mean of the per-pair differences, the interval a percentile bootstrap over items
(:func:`~judgekit.stats.intervals.ratio_bootstrap`) and the p-value an exact sign test over items
(:func:`~judgekit.stats.intervals.exact_mcnemar`: items whose pairs differ on balance one way
against the other way). Every metric is defined once in docs/metrics.md ("Multiple choice").
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from judgekit.stats.design import headline_metric
from judgekit.stats.intervals import NAN, exact_mcnemar, normal_sf, ratio, ratio_bootstrap
from judgekit.types import OPTION_LETTERS

PROTOCOL = "mcq"
POSITION_CONDITIONS = ("gold_first", "gold_last", "shuffle")
CUE_SIDES = ("gold", "wrong")
#: the estimates beside a cue probe's headline (one family across probes, like the pairwise components)
COMPONENTS = ("mcq_cue_shift", "mcq_added_text_shift")
HEADLINE_SHIFT = "mcq_cue_net_shift"
METRICS = ("mcq_accuracy", "mcq_invalid_rate", "mcq_gold_position_gap", "mcq_first_slot_preference",
           "mcq_last_slot_preference", "mcq_cue_pick_rate", "mcq_cue_shift", "mcq_cue_net_shift",
           "mcq_added_text_shift", "mcq_accuracy_change")


def mcq_headline(probe: str) -> str:
    """The headline metric of an mcq probe (:func:`judgekit.stats.design.headline_metric`)."""
    return headline_metric(probe, PROTOCOL)


def is_mcq(verdicts: pd.DataFrame) -> bool:
    """True when the verdicts are of an mcq run (``protocol`` column of :meth:`Store.metrics_frame`)."""
    return "protocol" in verdicts and bool((verdicts["protocol"] == PROTOCOL).any())


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    d = df.copy()
    if "mitigation" in d:
        d = d[d["mitigation"].fillna("none") == "none"]
    d = d[(d["repeat"] == 0) & (d["choice"] != "error")].drop_duplicates("trial_id", keep="first")
    d["valid"] = d["chosen"].notna()
    orders = [json.loads(o) if isinstance(o, str) else list(o) for o in d["option_order"]]
    d["n_opt"] = [len(o) for o in orders]
    d["slot"] = [OPTION_LETTERS[o.index(OPTION_LETTERS.index(c))] if isinstance(c, str) and c in OPTION_LETTERS
                 and OPTION_LETTERS.index(c) in o else None for c, o in zip(d["chosen"], orders, strict=True)]
    d["correct"] = d["valid"] & (d["chosen"] == d["label"])
    return d


class _Rows:
    def __init__(self, probe: str, n_boot: int, seed: int, alpha: float) -> None:
        self.probe, self.n_boot, self.seed, self.alpha = probe, n_boot, seed, alpha
        self.rows: list[dict[str, object]] = []

    def add(self, metric: str, subset: str, est: float, ci: tuple[float, float], n: int, p: float = NAN,
            note: str = "") -> None:
        self.rows.append({"probe": self.probe, "metric": metric, "subset": subset, "estimate": float(est),
                          "ci_low": float(ci[0]), "ci_high": float(ci[1]), "p_value": float(p), "n": int(n),
                          "note": note})

    def share(self, metric: str, subset: str, items: pd.Series, hits: np.ndarray, note: str = "") -> None:
        """A share over verdicts with an item-clustered bootstrap interval."""
        g = pd.DataFrame({"item": items.to_numpy(), "hit": hits.astype(float)}).groupby("item")["hit"]
        num, den = g.sum().to_numpy(), g.count().to_numpy()
        ci = ratio_bootstrap(num, den, n_boot=self.n_boot, seed=self.seed, alpha=self.alpha) if len(num) else \
            (NAN, NAN)
        self.add(metric, subset, ratio(num.sum(), den.sum()), ci, int(den.sum()),
                 note=f"{len(num)} items; item-clustered bootstrap" + (f"; {note}" if note else ""))

    def paired(self, metric: str, subset: str, items: pd.Series, diff: np.ndarray, note: str) -> None:
        """The mean of per-pair differences (-1, 0, 1): item bootstrap interval, exact sign test over items."""
        g = pd.DataFrame({"item": items.to_numpy(), "d": diff.astype(float)}).groupby("item")["d"]
        num, den = g.sum().to_numpy(), g.count().to_numpy()
        if not len(num):
            self.add(metric, subset, NAN, (NAN, NAN), 0, note=f"no pairs; {note}")
            return
        ci = ratio_bootstrap(num, den, n_boot=self.n_boot, seed=self.seed, alpha=self.alpha)
        up, down = int((num > 0).sum()), int((num < 0).sum())
        self.add(metric, subset, ratio(num.sum(), den.sum()), ci, int(den.sum()), exact_mcnemar(up, down),
                 f"{note}; {len(num)} items ({up} up, {down} down: exact sign test); item-clustered bootstrap")


def _slot_preference(r: _Rows, metric: str, d: pd.DataFrame, last: bool) -> None:
    """Share of valid picks at slot A (or the last slot) beyond 1/n, in seeded shuffles."""
    v = d[d["valid"]]
    slot = np.array([OPTION_LETTERS[n - 1] if last else "A" for n in v["n_opt"]])
    hit = (v["slot"].to_numpy() == slot).astype(float)
    p0 = 1.0 / v["n_opt"].to_numpy(float)
    if not len(v):
        r.add(metric, "shuffle", NAN, (NAN, NAN), 0, note="no valid verdicts")
        return
    g = pd.DataFrame({"item": v["item_id"].to_numpy(), "x": hit - p0}).groupby("item")["x"]
    num, den = g.sum().to_numpy(), g.count().to_numpy()
    ci = ratio_bootstrap(num, den, n_boot=r.n_boot, seed=r.seed, alpha=r.alpha)
    sd = math.sqrt(float((p0 * (1 - p0)).sum()))
    p = 2 * normal_sf(abs(float((hit - p0).sum())) / sd) if sd > 0 else NAN  # two-sided normal p-value
    r.add(metric, "shuffle", ratio(num.sum(), den.sum()), ci, len(v), p,
          f"picks at slot {'n' if last else 'A'} minus 1/n over {len(v)} shuffled presentations; no preference "
          "gives 0; normal test of the Poisson-binomial count; item-clustered bootstrap")


def _pairs(d: pd.DataFrame, a: str, b: str, on: tuple[str, ...] = ("item_id", "order")) -> pd.DataFrame:
    """Valid verdicts of conditions ``a`` and ``b`` of one item (in one arrangement), side by side."""
    keep = ["item_id", "order", "chosen", "correct", "cue_target", "cue_inserted"]
    x = d[(d["condition"] == a) & d["valid"]][keep]
    y = d[(d["condition"] == b) & d["valid"]][keep]
    return x.merge(y, on=list(on), suffixes=("_1", "_2"))


#: a shift metric -> (compared condition, reference condition, the column naming the cued option); {} is the side
_SHIFTS = {"mcq_cue_shift": ("cue_{}", "control", "cue_target_1"),
           "mcq_cue_net_shift": ("cue_{}", "neutral_{}", "cue_target_1"),
           "mcq_added_text_shift": ("neutral_{}", "control", "cue_inserted_1")}


def shift_pairs(d: pd.DataFrame, metric: str, side: str) -> pd.DataFrame:
    """The pairs of a shift metric on one side (gold / wrong), with ``diff``: [picked the cued option] in the
    compared condition minus in the reference condition, of the same item and arrangement."""
    a, b, col = _SHIFTS[metric]
    pr = _pairs(d, a.format(side), b.format(side))
    return pr.assign(diff=(pr["chosen_1"] == pr[col]).astype(int) - (pr["chosen_2"] == pr[col]).astype(int))


def gap_pairs(d: pd.DataFrame) -> pd.DataFrame:
    """Items with valid gold_first and gold_last verdicts, with ``diff``: correct first minus correct last."""
    pr = _pairs(d, "gold_first", "gold_last", on=("item_id",))
    return pr.assign(diff=pr["correct_1"].astype(int) - pr["correct_2"].astype(int))


def headline_pairs(df: pd.DataFrame, probe: str) -> pd.DataFrame:
    """Per pair (``item_id``, ``diff``) of ``probe``'s headline metric: the rows whose mean it is."""
    d = _prepare(df[df["probe"] == probe])
    if probe == "position":
        return gap_pairs(d)[["item_id", "diff"]]
    return pd.concat([shift_pairs(d, HEADLINE_SHIFT, s) for s in CUE_SIDES], ignore_index=True)[["item_id", "diff"]]


def position_rows(d: pd.DataFrame, r: _Rows) -> None:
    for cond in POSITION_CONDITIONS:
        c = d[(d["condition"] == cond) & d["valid"]]
        r.share("mcq_accuracy", cond, c["item_id"], c["correct"].to_numpy())
    v = d[d["valid"]]
    r.share("mcq_accuracy", "all", v["item_id"], v["correct"].to_numpy())
    pr = gap_pairs(d)
    r.paired("mcq_gold_position_gap", "all", pr["item_id"], pr["diff"].to_numpy(),
             "accuracy with the gold option first minus last, paired by item")
    sh = d[d["condition"] == "shuffle"]
    _slot_preference(r, "mcq_first_slot_preference", sh, last=False)
    _slot_preference(r, "mcq_last_slot_preference", sh, last=True)


def cue_rows(d: pd.DataFrame, r: _Rows) -> None:
    for cond in ("control", *(f"{k}_{s}" for k in ("cue", "neutral") for s in CUE_SIDES)):
        c = d[(d["condition"] == cond) & d["valid"]]
        r.share("mcq_accuracy", cond, c["item_id"], c["correct"].to_numpy())
    for side in CUE_SIDES:
        c = d[(d["condition"] == f"cue_{side}") & d["valid"]]
        r.share("mcq_cue_pick_rate", f"cue_{side}", c["item_id"], (c["chosen"] == c["cue_target"]).to_numpy())
    shifts: dict[str, list[pd.DataFrame]] = {m: [] for m in _SHIFTS}
    for side in CUE_SIDES:
        for metric in _SHIFTS:
            pr = shift_pairs(d, metric, side)
            shifts[metric].append(pr)
            a, b, _ = _SHIFTS[metric]
            r.paired(metric, side, pr["item_id"], pr["diff"].to_numpy(),
                     f"pick rate of the cued option, {a.format(side)} - {b.format(side)}")
        pr = _pairs(d, f"cue_{side}", "control")
        r.paired("mcq_accuracy_change", f"cue_{side}", pr["item_id"],
                 pr["correct_1"].to_numpy(int) - pr["correct_2"].to_numpy(int), f"accuracy, cue_{side} - control")
    for metric, parts in shifts.items():
        allp = pd.concat(parts, ignore_index=True)
        what = {"mcq_cue_shift": "cue - control", "mcq_cue_net_shift": "cue - neutral control",
                "mcq_added_text_shift": "neutral control - control"}[metric]
        r.paired(metric, "all", allp["item_id"], allp["diff"].to_numpy(),
                 f"pick rate of the cued option, {what}, gold and wrong cues pooled")


def mcq_metrics(df: pd.DataFrame, probes: list[str], *, seed: int = 0, n_boot: int = 2000,
                alpha: float = 0.05) -> pd.DataFrame:
    """Every mcq metric of ``probes`` from the verdicts of an mcq run (:meth:`Store.metrics_frame`)."""
    frames = []
    for probe in probes:
        raw = df[df["probe"] == probe]
        if raw.empty:
            continue
        r = _Rows(probe, n_boot, seed, alpha)
        scoped = raw[(raw["repeat"] == 0) & (raw.get("mitigation", pd.Series("none", index=raw.index))
                                              .fillna("none") == "none")]
        n_err = int((scoped["choice"] == "error").sum())
        r.add("error_count", "all", n_err, (NAN, NAN), len(scoped), note="failed calls; excluded from every metric")
        d = _prepare(raw)
        inv = (~d["valid"]).to_numpy()
        r.share("mcq_invalid_rate", "all", d["item_id"], inv, "answers that name no option of the question")
        if probe == "position":
            position_rows(d, r)
        else:
            cue_rows(d, r)
        frames.append(pd.DataFrame(r.rows))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
