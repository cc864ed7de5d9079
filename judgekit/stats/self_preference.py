"""Statistics of the self-preference probe: how often the judge prefers its own answer.

Input: the verdicts of the ``self-preference`` probe (:mod:`judgekit.probes.self_preference`), one
row per trial, with ``item_id`` (a derived item ``ITEM#self-PARTNER``), ``condition``
(``self_<partner>``), ``order``, ``kind``, ``choice``, ``chosen`` and ``template`` (``own-right`` /
``own-wrong`` / ``own-unknown``). The own answer is original response A of every derived item, so a
verdict prefers it when ``chosen == "A"``.

Definitions (mitigation ``none``, repeat 0; failed calls dropped and counted in ``error_count``):

* ``parse_failure_rate`` ("all"): verdicts that are not A, B or tie, over the non-error ones; Wilson.
* ``self_preference_rate``: over verdicts that are A or B (ties left out and counted in the note), the
  share that picks the own answer. Subsets: "all", ``own:right`` / ``own:wrong`` / ``own:unknown``
  (whether the own answer gives the item's checkable answer), ``partner:<gold|other|a|b>``, and
  ``fact`` / ``preference``. Interval: percentile bootstrap over the ORIGINAL items (the derived items
  and both orders of one item are resampled together); Wilson over items when degenerate at 0 or 1.
  p: exact two-sided sign test over original items of H0 "rate = 50%": items whose verdicts pick the
  own answer more often than not vs less often (items with as many of each carry no sign).
* ``own_answer_accuracy`` ("all"): share of original items with a checkable answer whose own answer
  gives it; Wilson over items.

The quality confound: a judge whose own answer is better than the other answer *should* prefer it, so
a rate above 50% is self-preference only where the answers are equally good. On fact items the split
tells the two apart: preferring its own *wrong* answer to the gold response (``own:wrong``) is
self-preference, preferring its own right answer to a wrong one is not. ``partner:gold`` on fact items
pairs the own answer with the correct response, so a rate above 50% in ``own:right`` there is still a
preference between two right answers.
"""

from __future__ import annotations

import pandas as pd

from judgekit.probes.self_preference import OWN, base_item_id
from judgekit.stats.cues import Rows, item_sign_test
from judgekit.stats.intervals import ratio, wilson
from judgekit.stats.position import _boot_share

CONFOUND = ("quality confound: the own answer may simply be better; read the rate split by own:right / "
            "own:wrong; preferring an own wrong answer to the gold response is self-preference")


def self_preference_metrics(df: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0,
                            alpha: float = 0.05) -> pd.DataFrame:
    """The rows of the module docstring, in the shared metric columns."""
    out = Rows()
    d = df.copy()
    for col in ("item_id", "condition", "order", "kind", "choice", "chosen", "template", "repeat"):
        if col not in d:
            d[col] = None
    if "mitigation" in d:
        d = d[d["mitigation"].fillna("none") == "none"]
    d = d[pd.to_numeric(d["repeat"], errors="coerce").fillna(0) == 0]
    errors = d["choice"] == "error"
    out.add("error_count", "all", int(errors.sum()), n=len(d), note="failed calls; excluded from every metric")
    d = d[~errors].copy()
    valid = d["choice"].isin(["A", "B", "tie"])
    k = int((~valid).sum())
    out.add("parse_failure_rate", "all", ratio(k, len(d)), wilson(k, len(d), alpha), len(d), note="Wilson over rows")
    d = d[valid].copy()
    d["base"] = d["item_id"].astype(str).map(base_item_id)
    d["own"] = d["template"].fillna("own-unknown").astype(str).str.removeprefix("own-")
    d["partner"] = d["condition"].astype(str).str.removeprefix("self_")

    def rate(subset: str, s: pd.DataFrame) -> None:
        ties = int((s["chosen"] == "tie").sum())
        s = s[s["chosen"].isin(["A", "B"])]
        hits = (s["chosen"] == OWN).to_numpy()
        est, ci, n, note = _boot_share(s["base"], hits, n_boot, seed, alpha)
        p, up, down = item_sign_test(s["base"].to_numpy(object), hits.astype(float) - 0.5)
        notes = [f"prefers own answer; {ties} ties left out", note,
                 f"p: exact sign test over items vs 50% ({up} items mostly own, {down} mostly other)"]
        if subset in ("all", "own:right", "partner:gold"):
            notes.append(CONFOUND)
        out.add("self_preference_rate", subset, est, ci, n, p, "; ".join(x for x in notes if x) if n else
                "no A/B verdicts")

    rate("all", d)
    for own in ("right", "wrong", "unknown"):
        if (d["own"] == own).any():
            rate(f"own:{own}", d[d["own"] == own])
    for partner in sorted(d["partner"].dropna().unique()):
        rate(f"partner:{partner}", d[d["partner"] == partner])
    for kind in ("fact", "preference"):
        if (d["kind"] == kind).any():
            rate(kind, d[d["kind"] == kind])
    known = d[d["own"].isin(["right", "wrong"])].drop_duplicates("base")
    right = int((known["own"] == "right").sum())
    out.add("own_answer_accuracy", "all", ratio(right, len(known)), wilson(right, len(known), alpha), len(known),
            note=("share of items with a checkable answer whose own answer gives it; Wilson over items"
                  if len(known) else "no item with a checkable answer"))
    return out.frame()
