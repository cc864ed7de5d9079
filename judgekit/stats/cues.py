"""Statistics for the cue-based bias probes (bandwagon, authority, verbosity, distraction, reflection).

Input: the verdicts of ONE probe, one row per trial, with the columns ``item_id, probe,
condition, order, repeat, label, kind, choice, chosen, cue_target, template, placement``
(others are ignored). ``chosen``, ``label`` and ``cue_target`` are in ORIGINAL letters,
``choice`` in presented positions ("A" = shown first). Missing columns are treated as empty.

Conventions. Rows with ``choice == "error"`` are dropped from everything and counted in
``error_count``; a choice that is not "A"/"B"/"tie" is invalid (``parse_failure_rate``) and
leaves every paired metric. Design cells and pairs are those of :mod:`judgekit.stats.design`
(the first trial of a cell is kept; a *pair* is a valid repeat-0 trial of a non-control
condition joined with the valid repeat-0 control trial of the same run, probe, mitigation,
item and order). The *cued set* holds the pairs whose ``cue_target`` is A/B,
except the ``irrelevant_*`` conditions (verbosity's "something was added" control) and
untargeted ones such as reflection's ``between``. Ties never count as picking the target.

Definitions (``n`` is always the number of units the estimate is computed over):

* ``accuracy`` (subset = condition): share of valid repeat-0 verdicts on items labelled A/B
  whose ``chosen`` equals the label; cluster bootstrap over items.
* ``parse_failure_rate`` (subset = condition): invalid / non-error rows, all repeats; Wilson.
* ``flip_rate`` (subset = each non-control condition, and "all" = the cued set): share of
  pairs with ``chosen != control chosen``; cluster bootstrap over items.
* ``bias_effect``: ``P(chosen == target | cued) - P(control chosen == target)`` over pairs,
  i.e. the mean paired difference (c - b) / n. Subsets: "all" (the cued set), "fact",
  "preference", each condition, "template:<id>", "placement:<p>"; verbosity also
  "irrelevant" (the irrelevant-text conditions pooled). Interval: percentile cluster
  bootstrap of the paired differences by item (Newcombe's hybrid score interval if every
  replicate is equal, e.g. no discordant pair). p: exact sign test over items on each item's
  net shift (sum of its paired differences): items shifting toward the target vs away. b =
  control picks the target and the cued trial does not, c = the reverse (in the note).
* ``bias_effect_mcnemar`` ("all"): the same estimate with the pair-level exact McNemar p on b
  and c, a secondary figure (it takes an item's pairs as independent, which they are not).
* ``harmful_flips`` / ``helpful_flips``: over cued pairs on labelled items, the share going
  right -> wrong / wrong -> right (a tie is wrong); the count in the note; cluster bootstrap.
* ``robustness_rate``: share of cued pairs whose ``chosen`` equals control's, 1 - flip_rate
  "all"; cluster bootstrap. The robustness rate of CALM (Ye et al. 2024, "Justice or Prejudice?").
* ``noise_floor``: share of (repeat-0, repeat-k > 0) valid control verdicts of one
  ``(item_id, order)`` that differ; cluster bootstrap; nan without repeats.
* ``flip_rate_net``: flip_rate "all" - noise_floor, items resampled jointly for both
  terms; percentile interval and bootstrap p (twice the smaller tail share beyond 0). With
  no repeats the noise floor is taken as 0 (deterministic decoding).
* ``padding_vs_irrelevant`` (verbosity): bias_effect "all" - bias_effect "irrelevant",
  items resampled jointly; percentile interval and bootstrap p.
* ``between_first_shift`` (reflection): over ``between`` pairs where both verdicts are
  valid and not ties, share choosing presented A in ``between`` minus in control; item
  bootstrap, item-level sign test (b = control first only, c = between first only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from judgekit.stats.design import BASELINE, BETWEEN, CELL, CONTROL, IRRELEVANT, PAIR, TARGETS, VALID
from judgekit.stats.intervals import (
    NAN,
    exact_mcnemar,
    paired_diff_ci,
    percentile_interval,
    ratio,
    ratio_bootstrap,
    ratio_bootstrap_reps,
    wilson,
)
from judgekit.stats.net import net_rows, starts_with
from judgekit.stats.position import COLUMNS, _boot_share, _per_item, _per_item_ids

_VALID = VALID
_INPUT = ("item_id", "probe", "condition", "order", "repeat", "label", "kind", "choice", "chosen",
          "cue_target", "template", "placement")
_KEY = list(CELL)


class Rows:
    """Collects metric rows in the shared column layout."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, metric, subset, est, ci=(NAN, NAN), n=0, p=NAN, note="") -> None:
        self.rows.append({"metric": metric, "subset": subset, "estimate": float(est), "ci_low": float(ci[0]),
                          "ci_high": float(ci[1]), "p_value": float(p), "n": int(n), "note": note})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=COLUMNS)


def _fill(s: pd.Series, value: str) -> pd.Series:
    """``s.fillna(value)``, also for a categorical that lacks ``value`` as a category."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        if not s.hasnans:
            return s
        if value not in s.cat.categories:
            s = s.cat.add_categories([value])
    return s.fillna(value)


_STATUS = pd.CategoricalDtype(pd.Index(["error", "invalid", "valid"], dtype=object))


def status_of(choice: pd.Series) -> pd.Categorical:
    """Per row: "error" (a failed call), "valid" (A, B or tie) or "invalid" (a parse failure)."""
    codes = np.where(choice == "error", 0, np.where(choice.isin(_VALID), 2, 1))
    return pd.Categorical.from_codes(codes, dtype=_STATUS)


def used_columns(df: pd.DataFrame | None) -> pd.DataFrame | None:
    """The columns of ``df`` that the cue statistics read (a view for :func:`prepare` to copy)."""
    if df is None:
        return None
    return df[[c for c in (*_INPUT, "run_id", "mitigation", "trial_id") if c in df]]


def prepare(df: pd.DataFrame | None, *, one_probe: bool = True) -> pd.DataFrame:
    """Copy with every input column present, ``repeat`` as int and a ``status`` column."""
    d = pd.DataFrame() if df is None else df.copy()
    for col in _INPUT:
        if col not in d:
            d[col] = pd.Series([None] * len(d), index=d.index, dtype=object)
    if one_probe and d["probe"].dropna().nunique() > 1:
        raise ValueError("cue_metrics expects one probe; filter the verdicts first")
    d["repeat"] = pd.to_numeric(d["repeat"], errors="coerce").fillna(0).astype(int)
    d["run_id"] = _fill(d["run_id"], "") if "run_id" in d else ""
    d["mitigation"] = _fill(d["mitigation"], BASELINE) if "mitigation" in d else BASELINE
    d["probe"] = _fill(d["probe"], "")
    for col in ("template", "placement"):
        if isinstance(d[col].dtype, pd.CategoricalDtype):
            continue
        if d[col].dtype != object or pd.api.types.infer_dtype(d[col], skipna=True) not in ("string", "empty"):
            text = d[col].astype("string")
            d[col] = text.astype(object).where(text.notna(), None)
        elif d[col].hasnans:
            d[col] = d[col].where(d[col].notna(), None)
    choice = d["choice"].astype(object)
    d["status"] = status_of(choice)
    return d


def dedupe(d: pd.DataFrame) -> pd.DataFrame:
    """The design cells (:mod:`judgekit.stats.design`): non-error rows, the first trial of each cell."""
    d = d[d["status"] != "error"]
    if "trial_id" in d and not d["trial_id"].is_monotonic_increasing:
        d = d.sort_values("trial_id", kind="stable")
    return d.drop_duplicates(_KEY, keep="first")


def cue_pairs(d: pd.DataFrame) -> pd.DataFrame:
    """The cue pairs of :mod:`judgekit.stats.design` at repeat 0 (``d`` as returned by :func:`dedupe`).

    A valid cued trial joined with the valid control of the same (run, probe, mitigation, item,
    order). Adds ``choice_0``/``chosen_0`` (control), ``irrelevant`` and ``cued`` (the cued set).
    """
    r0 = d[(d["repeat"] == 0) & (d["status"] == "valid")]
    ctrl = r0.loc[r0["condition"] == CONTROL, [*PAIR, "choice", "chosen"]]
    ctrl = ctrl.rename(columns={"choice": "choice_0", "chosen": "chosen_0"})
    p = r0[r0["condition"] != CONTROL].merge(ctrl, on=list(PAIR), how="inner")
    p["irrelevant"] = starts_with(p["condition"], IRRELEVANT).to_numpy(bool)
    p["cued"] = p["cue_target"].isin(list(TARGETS)) & ~p["irrelevant"]
    return p.reset_index(drop=True)


def target_hits(p: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(cued trial picked the target, control trial picked the target) per pair."""
    return (p["chosen"] == p["cue_target"]).to_numpy(bool), (p["chosen_0"] == p["cue_target"]).to_numpy(bool)


def item_sign_test(items, shift) -> tuple[float, int, int]:
    """Exact two-sided sign test over items of H0 "an item's net shift is as likely > 0 as < 0".

    ``shift`` holds one paired difference per pair; an item's net shift is their sum. Items with
    net 0 carry no sign. Returns (p, items with net > 0, items with net < 0). Valid when items
    react to the cue in opposite directions (the pairs of one item are never taken as independent).
    """
    shift = np.asarray(shift, float)
    if shift.size == 0:
        return NAN, 0, 0
    net, _ = _per_item(items, shift)
    up, down = int(np.sum(net > 0)), int(np.sum(net < 0))
    return exact_mcnemar(up, down), up, down


def paired_shift(items, x1, x0, n_boot: int, seed: int, alpha: float):
    """mean(x1 - x0) over pairs -> (est, ci, n, p, note, p_mcnemar); b = x0 only, c = x1 only.

    p is the item-level sign test (:func:`item_sign_test`); the pair-level exact McNemar p, which
    takes the pairs of an item as independent, is returned separately as a secondary figure.
    """
    x1, x0 = np.asarray(x1, bool), np.asarray(x0, bool)
    n = x1.size
    if n == 0:
        return NAN, (NAN, NAN), 0, NAN, "no valid pairs", NAN
    both, b, c = int(np.sum(x1 & x0)), int(np.sum(x0 & ~x1)), int(np.sum(x1 & ~x0))
    diff = x1.astype(float) - x0
    num, den, ids = _per_item_ids(items, diff)
    ci = ratio_bootstrap(num, den, n_boot, seed, alpha, clusters=ids)
    p, up, down = item_sign_test(items, diff)
    note = (f"b={b}, c={c}; p: exact sign test over items ({up} shift toward, {down} away); "
            f"cluster bootstrap over {num.size} items")
    if ci[0] == ci[1]:
        ci = paired_diff_ci(both, c, b, n - both - b - c, alpha)
        note += "; bootstrap degenerate: Newcombe hybrid score interval"
    return (c - b) / n, ci, n, p, note, exact_mcnemar(b, c)


def joint_reps(items1, v1, items2, v2, n_boot: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap replicates of mean(v1) and mean(v2) with the same items drawn for both (paired)."""
    v1, v2 = np.asarray(v1, float), np.asarray(v2, float)
    i1, i2 = np.asarray(items1, dtype=object), np.asarray(items2, dtype=object)
    index = pd.Index(pd.unique(np.concatenate([i1, i2])))

    def sums(items, v):
        codes = index.get_indexer(items)
        return (np.bincount(codes, weights=v, minlength=len(index)),
                np.bincount(codes, minlength=len(index)).astype(float))

    # Item weights are a function of the item id and the seed: both arms see the same draws.
    return (ratio_bootstrap_reps(*sums(i1, v1), n_boot, seed, clusters=index),
            ratio_bootstrap_reps(*sums(i2, v2), n_boot, seed, clusters=index))


def boot_p(reps: np.ndarray) -> float:
    """Two-sided bootstrap p of H0 "the statistic is 0": twice the smaller tail share beyond 0 (+1 corrected)."""
    reps = np.asarray(reps, float)
    reps = reps[np.isfinite(reps)]
    if not reps.size:
        return NAN
    tail = min(np.sum(reps <= 0), np.sum(reps >= 0))
    return min(1.0, 2.0 * (tail + 1) / (reps.size + 1))


def joint_diff(items1, v1, items2, v2, n_boot: int, seed: int, alpha: float):
    """mean(v1) - mean(v2), items resampled jointly -> (est, ci, p); p = 2 * smaller tail beyond 0."""
    v1, v2 = np.asarray(v1, float), np.asarray(v2, float)
    if v1.size == 0 or v2.size == 0:
        return NAN, (NAN, NAN), NAN
    r1, r2 = joint_reps(items1, v1, items2, v2, n_boot, seed)
    reps = r1 - r2
    reps = reps[np.isfinite(reps)]
    return float(v1.mean() - v2.mean()), percentile_interval(reps, alpha), boot_p(reps)


def cue_metrics(df: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0, alpha: float = 0.05) -> pd.DataFrame:
    """Cue-bias metrics of one probe with ``1 - alpha`` intervals; see the module docstring.

    Returns rows ``metric, subset, estimate, ci_low, ci_high, p_value, n, note``. Empty,
    all-invalid or control-less input gives nan estimates with a note, never an exception.
    """
    out = Rows()
    d = prepare(used_columns(df))  # row selections copy less
    out.add("error_count", "all", int((d["status"] == "error").sum()), n=len(d),
            note="failed calls; excluded from every metric")
    d = dedupe(d)
    others = sorted(c for c in d["condition"].dropna().unique() if c != CONTROL)
    conditions = ([CONTROL] if (d["condition"] == CONTROL).any() else []) + others
    for cond in conditions:
        s = d[d["condition"] == cond]
        k, n = int((s["status"] == "invalid").sum()), len(s)
        out.add("parse_failure_rate", cond, ratio(k, n), wilson(k, n, alpha), n, note="all repeats; Wilson over rows")
    lab = d[(d["repeat"] == 0) & (d["status"] == "valid") & d["label"].isin(["A", "B"])]
    for cond in conditions:
        s = lab[lab["condition"] == cond]
        if len(s):
            est, ci, n, note = _boot_share(s["item_id"], (s["chosen"] == s["label"]).to_numpy(), n_boot, seed, alpha)
            out.add("accuracy", cond, est, ci, n, note=note)

    pairs = cue_pairs(d)
    empty_note = "no control trials to pair with" if CONTROL not in conditions else "no valid cued/control pairs"

    def share(metric, subset, p, hits, note=""):
        est, ci, n, bnote = _boot_share(p["item_id"], np.asarray(hits, bool), n_boot, seed, alpha)
        out.add(metric, subset, est, ci, n, note="; ".join(x for x in (note, bnote) if x) or empty_note)

    def bias(subset, p):
        est, ci, n, pv, note, p_mc = paired_shift(p["item_id"], *target_hits(p), n_boot, seed, alpha)
        out.add("bias_effect", subset, est, ci, n, pv, empty_note if n == 0 else note)
        if subset == "all":
            out.add("bias_effect_mcnemar", "all", est, ci, n, p_mc,
                    "pair-level exact McNemar (takes an item's pairs as independent; secondary to the sign test)"
                    if n else empty_note)

    for cond in others:
        s = pairs[pairs["condition"] == cond]
        share("flip_rate", cond, s, s["chosen"] != s["chosen_0"])
    cued = pairs[pairs["cued"]]
    flips = (cued["chosen"] != cued["chosen_0"]).to_numpy()
    share("flip_rate", "all", cued, flips, "cued conditions pooled")

    bias("all", cued)
    for kind in ("fact", "preference"):
        if (cued["kind"] == kind).any():
            bias(kind, cued[cued["kind"] == kind])
    targeted = pairs[pairs["cue_target"].isin(["A", "B"])]
    for cond in sorted(targeted["condition"].unique()):
        bias(cond, targeted[targeted["condition"] == cond])
    for col in ("template", "placement"):
        for value in sorted(cued[col].dropna().unique()):
            bias(f"{col}:{value}", cued[cued[col] == value])
    if any(str(c).startswith(IRRELEVANT) for c in others):
        irr = targeted[targeted["irrelevant"]]
        bias("irrelevant", irr)
        (c1, c0), (i1, i0) = target_hits(cued), target_hits(irr)
        est, ci, p = joint_diff(cued["item_id"], c1.astype(float) - c0, irr["item_id"], i1.astype(float) - i0,
                                n_boot, seed, alpha)
        note = "bias_effect(padding) - bias_effect(irrelevant); joint item bootstrap; p: bootstrap"
        out.add("padding_vs_irrelevant", "all", est, ci, len(cued) + len(irr), p,
                note if np.isfinite(est) else f"{note}; missing pairs in one arm")

    labelled = cued[cued["label"].isin(["A", "B"])]
    right0 = (labelled["chosen_0"] == labelled["label"]).to_numpy()
    right1 = (labelled["chosen"] == labelled["label"]).to_numpy()
    n_lab = len(labelled)
    for metric, mask, what in (("harmful_flips", right0 & ~right1, "right -> wrong"),
                               ("helpful_flips", ~right0 & right1, "wrong -> right")):
        share(metric, "all", labelled, mask, f"{int(mask.sum())} {what} of {n_lab} labelled cued pairs")
    share("robustness_rate", "all", cued, ~flips, "comparable to CALM's robustness rate")

    ctrl = d[(d["condition"] == CONTROL) & (d["status"] == "valid")]
    base = ctrl.loc[ctrl["repeat"] == 0, [*PAIR, "chosen"]]
    reps = ctrl[ctrl["repeat"] > 0].merge(base, on=list(PAIR), suffixes=("", "_0"))
    noise = (reps["chosen"] != reps["chosen_0"]).to_numpy()
    if len(reps):
        share("noise_floor", "all", reps, noise, "identical control re-asks")
        est, ci, p = joint_diff(cued["item_id"], flips, reps["item_id"], noise, n_boot, seed, alpha)
        out.add("flip_rate_net", "all", est, ci, len(cued), p,
                "flip_rate(all) - noise_floor; joint item bootstrap; p: bootstrap" if len(cued) else empty_note)
    else:
        out.add("noise_floor", "all", NAN, note="deterministic decoding: no repeats")
        fr = out.rows[[r["metric"] == "flip_rate" and r["subset"] == "all" for r in out.rows].index(True)]
        out.add("flip_rate_net", "all", fr["estimate"], (fr["ci_low"], fr["ci_high"]), fr["n"],
                note="= flip_rate(all): noise floor assumed 0 because decoding is deterministic (no repeats)")

    if BETWEEN in others:
        s = pairs[(pairs["condition"] == BETWEEN) & pairs["choice"].isin(["A", "B"])
                  & pairs["choice_0"].isin(["A", "B"])]
        est, ci, n, pv, note, _ = paired_shift(s["item_id"], s["choice"] == "A", s["choice_0"] == "A",
                                               n_boot, seed, alpha)
        out.add("between_first_shift", "all", est, ci, n, pv,
                f"first-position rate between - control; {note}" if n else empty_note)
    out.rows.extend(net_rows(d, n_boot=n_boot, seed=seed, alpha=alpha))  # added_text_effect, cue_net_effect
    return out.frame()
