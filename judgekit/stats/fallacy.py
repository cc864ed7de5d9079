"""Statistics of the fallacy probe: does the judge prefer a flawed argument to a sound one?

Input: the verdicts of the fallacy probe (:mod:`judgekit.probes.fallacy`), one row per trial,
with the columns of :mod:`judgekit.stats.cues` plus ``category`` (the fallacy type). ``label``
is the sound response (original letters), ``chosen`` the response picked. Design cells,
validity and error handling are those of :mod:`judgekit.stats.design` (errors dropped and
counted, the first verdict of a cell kept, anything but A/B/tie a parse failure). Only valid
repeat-0 verdicts on items labelled A/B enter the estimates.

Definitions (``n`` is the number of units the estimate is computed over):

* ``flawed_preference_rate`` (subsets "all" and "category:<type>"): share of decisive (non-tie)
  verdicts that pick the flawed response. 0.5 is the no-discrimination line: a judge that
  cannot tell the arguments apart (or always picks one position, since every item is shown in
  both orders) sits on it; a judge that sees the flaw is below it. Interval: percentile
  bootstrap with items resampled (Wilson over items when degenerate at 0 or 1). p: exact
  two-sided sign test over items of H0 "the rate is 0.5": per item ``net = #flawed - #sound``
  over its decisive verdicts; items with net > 0 vs net < 0 (net 0 carries no sign).
* ``flawed_both_orders`` ("all"): share of items with a valid verdict in both orders that pick
  the flawed response in both; Wilson over items.
* ``accuracy`` ("all"): share of valid verdicts that pick the sound response (a tie is wrong);
  cluster bootstrap over items.
* ``tie_rate`` ("all"): ties / valid verdicts; cluster bootstrap over items.
* ``parse_failure_rate`` ("all"): invalid / non-error rows, every repeat; Wilson over rows.
* ``error_count`` ("all"): failed calls, excluded from everything.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from judgekit.stats.cues import Rows, dedupe, item_sign_test, prepare
from judgekit.stats.design import FALLACY, RATE_HEADLINES
from judgekit.stats.intervals import NAN, ratio, wilson
from judgekit.stats.position import _boot_share

#: the headline metric of the fallacy probe and its no-discrimination line
HEADLINE, NO_DISCRIMINATION = RATE_HEADLINES[FALLACY]


def fallacy_metrics(df: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0, alpha: float = 0.05) -> pd.DataFrame:
    """Fallacy metrics with ``1 - alpha`` intervals; see the module docstring. Never raises on empty input."""
    out = Rows()
    d = prepare(df)
    if "category" not in d:
        d["category"] = None
    out.add("error_count", "all", int((d["status"] == "error").sum()), n=len(d),
            note="failed calls; excluded from every metric")
    d = dedupe(d)
    k, n = int((d["status"] == "invalid").sum()), len(d)
    out.add("parse_failure_rate", "all", ratio(k, n), wilson(k, n, alpha), n, note="all repeats; Wilson over rows")
    v = d[(d["repeat"] == 0) & (d["status"] == "valid") & d["label"].isin(["A", "B"])]
    if v.empty:
        out.add(HEADLINE, "all", NAN, n=0, note="no valid verdicts on labelled items")
        return out.frame()
    sound = (v["chosen"] == v["label"]).to_numpy()
    tie = (v["chosen"] == "tie").to_numpy()
    est, ci, n, note = _boot_share(v["item_id"], sound, n_boot, seed, alpha)
    out.add("accuracy", "all", est, ci, n, note=f"ties count as wrong; {note}")
    est, ci, n, note = _boot_share(v["item_id"], tie, n_boot, seed, alpha)
    out.add("tie_rate", "all", est, ci, n, note=note)

    decisive = v[~tie]
    flawed = (decisive["chosen"] != decisive["label"]).to_numpy()
    _rate(out, "all", decisive["item_id"], flawed, n_boot, seed, alpha)
    for cat in sorted(decisive["category"].dropna().astype(str).unique()):
        mask = (decisive["category"].astype(str) == cat).to_numpy()
        _rate(out, f"category:{cat}", decisive["item_id"][mask], flawed[mask], n_boot, seed, alpha)

    both = v.assign(flawed=(v["chosen"] != v["label"]) & (v["chosen"] != "tie"))
    per_item = both.groupby("item_id")
    two = per_item["order"].nunique() == 2
    k = int((per_item["flawed"].all() & two).sum())
    m = int(two.sum())
    out.add("flawed_both_orders", "all", ratio(k, m), wilson(k, m, alpha), m,
            note=f"{k} of {m} items judged in both orders pick the flawed argument in both; Wilson over items")
    return out.frame()


def _rate(out: Rows, subset: str, items: pd.Series, flawed: np.ndarray, n_boot: int, seed: int,
          alpha: float) -> None:
    if flawed.size == 0:
        out.add(HEADLINE, subset, NAN, n=0, note="no decisive verdicts")
        return
    est, ci, n, note = _boot_share(items, flawed, n_boot, seed, alpha)
    p, up, down = item_sign_test(items.to_numpy(dtype=object), np.where(flawed, 1.0, -1.0))
    out.add(HEADLINE, subset, est, ci, n, p,
            f"share of decisive verdicts for the flawed argument ({NO_DISCRIMINATION:g} = no discrimination); "
            f"p: exact sign test over items ({up} lean flawed, {down} lean sound); {note}")
