"""Cue effects net of the text they add: what the cue's content does beyond its length.

A cue that adds text (authority, distraction, reflection, verbosity's padding) also makes the
cued response longer, and bandwagon's adds a sentence naming a response to the prompt. Each
cue probe therefore has a *neutral* control (:mod:`judgekit.probes.neutral`): the same trial
with the cue replaced by innocuous text of the same length in the same place. Three estimates
per probe, all "P(the judge picks the response the text sits in / names) under one condition
minus under another", over pairs of trials of the same item and order:

* ``bias_effect``: cue vs control (defined and stored by :mod:`judgekit.stats.cues`);
* ``added_text_effect``: neutral insertion vs control (what the extra text alone does);
* ``cue_net_effect``: cue vs neutral insertion (what the cue's content does beyond its text),
  the headline number of every probe with a neutral control
  (:func:`judgekit.stats.design.headline_metric`, re-exported here).

Input: the per-trial frame of ONE probe that :func:`judgekit.stats.cues.cue_metrics` receives,
after its preparation (``cues.dedupe(cues.prepare(df))``: every input column present, a
``status`` column, error rows dropped, the first non-error row per key); :func:`cue_metrics`
appends these rows itself. Only valid repeat-0 verdicts are used. Conditions:

* cue trials: ``cue_*`` conditions with ``cue_target`` A/B (the *side* is ``cue_target``);
* neutral trials: ``neutral_<gold|other|a|b>`` (every cue probe), and for verbosity its
  ``irrelevant_<...>`` conditions, which are that probe's neutral control. The side is read
  from the condition: gold = the item's label, other = the other response, a / b = A / B
  (original letters), so a neutral trial needs no ``cue_target`` (it favours no response);
* the control trial of the same pair key (:data:`judgekit.stats.design.PAIR`).

Pairs: the *net pairs* of :mod:`judgekit.stats.design` (``added_text_effect``: a neutral trial
with the control of its pair key; ``cue_net_effect``: a cue trial with the neutral trial of the
same pair key, placement and side); the SQL view ``net_pairs`` is generated from the same
definition (:mod:`judgekit.store.queries`). Per pair ``d = [chosen == side] - [reference
chosen == side]`` (a tie never picks the side); the estimate is the mean of ``d`` over pairs, ``n`` the number of pairs.
When every verdict is valid, ``bias_effect = added_text_effect + cue_net_effect`` exactly.

Interval: percentile bootstrap with items resampled (the two orders and two sides of an item
are correlated); when every replicate is equal (no discordant pair) Newcombe's hybrid score
interval over pairs instead. p: exact two-sided sign test over items on the per-item sum of
``d`` (items with a net shift toward the side vs away from it; items with no net shift left
out), which stays valid when items react in opposite directions. Rows have subset "all";
missing arms give a nan row with a note, never an exception.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from judgekit.stats.design import (  # noqa: F401  (headline_metric, NEUTRAL_PROBES: re-exported)
    CONTROL,
    CUE_PREFIX,
    NET_KEY,
    NET_PAIRS,
    NEUTRAL_PREFIXES,
    NEUTRAL_PROBES,
    PAIR,
    SIDE_SUFFIXES,
    TARGETS,
    headline_metric,
)
from judgekit.stats.intervals import NAN, exact_mcnemar, paired_diff_ci, ratio_bootstrap
from judgekit.stats.position import COLUMNS, _per_item, _per_item_ids

#: the metrics of :data:`judgekit.stats.design.NET_PAIRS`
NET_METRICS = tuple(name for name, _, _ in NET_PAIRS)
_SWAP = {"A": "B", "B": "A"}


def is_neutral(condition: object) -> bool:
    """Whether a condition is a neutral control (``neutral_*``, or verbosity's ``irrelevant_*``)."""
    return isinstance(condition, str) and condition.startswith(NEUTRAL_PREFIXES)


def neutral_side(condition: str, label: object) -> str | None:
    """Original letter of the response a neutral condition's text sits in (or names), or None."""
    side = SIDE_SUFFIXES.get(condition.rsplit("_", 1)[-1])
    if side in TARGETS:
        return side
    if side is None or label not in TARGETS:
        return None
    return str(label) if side == "label" else _SWAP[str(label)]


def arms(d: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """arm ("control", "cue", "neutral") -> valid repeat-0 trials with the pair key
    (:data:`judgekit.stats.design.PAIR`), ``placement`` ("" when none), ``chosen`` and, on cue and
    neutral rows, ``side``."""
    keep = [*PAIR, "placement", "chosen"]
    r0 = d.loc[(d["repeat"] == 0) & (d["status"] == "valid"), [*keep, "condition", "label", "cue_target"]]
    r0 = r0.assign(placement=r0["placement"].astype(object).fillna(""))
    cond = r0["condition"].astype(object)
    control = r0.loc[(cond == CONTROL).to_numpy(bool), keep]
    cued = (starts_with(cond, CUE_PREFIX) & r0["cue_target"].isin(list(TARGETS))).to_numpy(bool)
    cue = r0.loc[cued, keep].assign(side=r0.loc[cued, "cue_target"].astype(object))
    neutral_rows = r0[starts_with(cond, NEUTRAL_PREFIXES).to_numpy(bool)]
    pairs = pd.MultiIndex.from_arrays([neutral_rows["condition"].astype(object), neutral_rows["label"].astype(object)])
    codes, uniq = pd.factorize(pairs)
    sides = np.array([neutral_side(c, lab) for c, lab in uniq], dtype=object)  # one call per (condition, label)
    side = pd.Series(sides[codes] if codes.size else np.array([], dtype=object), index=neutral_rows.index, dtype=object)
    neutral = neutral_rows[keep].assign(side=side)
    return {"control": control, "cue": cue, "neutral": neutral[neutral["side"].isin(list(TARGETS)).to_numpy(bool)]}


def starts_with(values: pd.Series, prefix: str | tuple[str, ...]) -> pd.Series:
    """``values.str.startswith(prefix)`` evaluated once per distinct value (False for a missing one)."""
    codes, uniq = pd.factorize(values)
    hit = np.array([isinstance(u, str) and u.startswith(prefix) for u in uniq] + [False], dtype=bool)
    return pd.Series(hit[codes], index=values.index)  # code -1 (missing) reads the trailing False


def net_pairs(d: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """metric -> its net pairs (:mod:`judgekit.stats.design`) with ``item_id, x1, x0``: whether the
    compared and the reference verdict picked the side."""
    a = arms(d)
    out = {}
    for metric, arm, ref in NET_PAIRS:
        on = list(PAIR) if ref == CONTROL else list(NET_KEY)
        reference = a[ref][[*on, "chosen"]] if ref == CONTROL else a[ref]
        p = a[arm].merge(reference.rename(columns={"chosen": "chosen_0"})[[*on, "chosen_0"]], on=on, how="inner")
        out[metric] = pd.DataFrame({"item_id": as_given(p["item_id"]),
                                    "x1": (p["chosen"] == p["side"]).to_numpy(bool),
                                    "x0": (p["chosen_0"] == p["side"]).to_numpy(bool)})
    return out


def as_given(s: pd.Series):
    """``s``'s values for a new frame without re-inferring their type (a categorical stays one; text
    stays Python strings)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.array
    return pd.Series(s.to_numpy(object), dtype=object)  # positional (0..n-1), as the arrays beside it


def item_sign_test(items, d) -> tuple[float, int, int]:
    """Exact two-sided sign test over items of the per-item sum of ``d`` -> (p, n_up, n_down)."""
    net, _ = _per_item(items, np.asarray(d, dtype=float))
    up, down = int(np.sum(net > 0)), int(np.sum(net < 0))
    return exact_mcnemar(down, up), up, down


def shift(items, x1, x0, *, n_boot: int = 2000, seed: int = 0, alpha: float = 0.05):
    """mean(x1 - x0) over pairs -> (estimate, (lo, hi), n, p, note); see the module docstring."""
    x1, x0 = np.asarray(x1, bool), np.asarray(x0, bool)
    n = x1.size
    if n == 0:
        return NAN, (NAN, NAN), 0, NAN, "no valid pairs"
    d = x1.astype(float) - x0
    num, den, ids = _per_item_ids(items, d)
    ci = ratio_bootstrap(num, den, n_boot, seed, alpha, clusters=ids)
    p, up, down = item_sign_test(items, d)
    b, c = int(np.sum(x0 & ~x1)), int(np.sum(x1 & ~x0))
    note = (f"cluster bootstrap over {num.size} items; p: sign test over items ({up} toward, {down} away); "
            f"b={b}, c={c} pairs")
    if ci[0] == ci[1]:
        ci = paired_diff_ci(int(np.sum(x1 & x0)), c, b, n - int(np.sum(x1 | x0)), alpha)
        note += "; bootstrap degenerate: Newcombe hybrid score interval"
    return float(d.mean()), ci, n, p, note


_WHAT = {"added_text_effect": "neutral insertion vs control", "cue_net_effect": "cue vs neutral insertion"}


def net_rows(d: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0, alpha: float = 0.05) -> list[dict]:
    """``added_text_effect`` and ``cue_net_effect`` rows (subset "all") of one prepared probe frame."""
    rows = []
    for metric, p in net_pairs(d).items():
        est, ci, n, pv, note = shift(p["item_id"], p["x1"], p["x0"], n_boot=n_boot, seed=seed, alpha=alpha)
        rows.append({"metric": metric, "subset": "all", "estimate": float(est), "ci_low": float(ci[0]),
                     "ci_high": float(ci[1]), "p_value": float(pv), "n": int(n),
                     "note": f"{_WHAT[metric]}; {note}" if n else f"{_WHAT[metric]}: no valid pairs"})
    return rows


def net_metrics(d: pd.DataFrame, **kw) -> pd.DataFrame:
    """:func:`net_rows` as a metrics frame (columns of :data:`judgekit.stats.position.COLUMNS`)."""
    return pd.DataFrame(net_rows(d, **kw), columns=COLUMNS)
