"""Statistics for the position-bias suite.

Input is a verdicts DataFrame with one row per trial (columns ``item_id``,
``order`` ("AB" = ``item.response_a`` shown first, "BA" = swapped), ``repeat``,
``label``, ``kind``, ``choice`` (presented positions: "A" = shown first), ``chosen``
(original responses), ``p_a``/``p_b``). It must hold one probe/condition; filter
first. Rows with ``choice == "error"`` (failed calls) are excluded from every
metric and counted in ``error_count``. A choice that is neither a verdict
("A"/"B"/"tie") nor "error" is a parse failure ("invalid"). If several non-error
rows share ``(item_id, order, repeat)`` the first is used.

Definitions (repeat-0 rows unless said otherwise; "item pair" = an item with a
valid repeat-0 verdict in both orders):

* ``accuracy``: share of valid verdicts on items labelled A/B whose ``chosen``
  equals the label (a tie is wrong). Subsets "all" (cluster bootstrap over items,
  as the two orders of an item are correlated), "AB"/"BA" (Wilson) and, when
  both kinds occur, "fact"/"preference" (cluster bootstrap).
* ``accuracy_strict``: as ``accuracy`` "all" but invalid verdicts count as wrong (a share of
  verdicts, not of items).
* ``accuracy_both_orders``: share of labelled items with a repeat-0 verdict in both orders
  that are right in both; an invalid verdict counts as wrong. Wilson over items.
* ``accuracy_order_gap``: accuracy(AB) - accuracy(BA) over labelled item pairs;
  Newcombe hybrid score interval; exact McNemar p on the discordant pairs.
* ``accuracy_gold_position_gap``: accuracy when the gold response is shown first
  minus when it is shown second, over the same pairs (each item is seen once
  each way); same interval and test. With balanced labels this, not the order
  gap, is the one a position bias moves.
* ``position_consistency``: share of item pairs whose ``chosen`` agrees across
  orders (tie/tie is consistent); Wilson over items.
* ``preference_fairness`` (after Shi et al. 2024, "Judging the Judges"):
  ``PF = (n_recency - n_primacy) / n_pairs`` where a primacy pair chose
  presented position A in both orders and a recency pair chose B in both;
  in [-1, 1], > 0 recency, < 0 primacy, 0 fair. Inconsistent pairs involving a
  tie count in ``n_pairs`` only. Percentile bootstrap over items; p-value: exact
  sign test of n_recency vs n_primacy. (The paper rescales a raw score by its
  attainable min/max; this unscaled share-difference is used instead because it
  has a direct reading and a plain sampling distribution.)
* ``first_position_rate``: share of valid non-tie verdicts choosing presented
  position A; cluster bootstrap over items. p-value: exact sign test over items
  of H0 "no position lean": per item ``net = #first - #second`` over its
  verdicts, comparing the counts of items with net > 0 and net < 0.
* ``mean_p_first`` (only when probabilities exist): mean of
  ``p_a / (p_a + p_b)`` over non-error rows; cluster bootstrap.
* ``repetition_stability``: over (item, order) groups with a valid repeat-0
  verdict and at least one valid repeat > 0: share where every valid repeat's
  ``choice`` equals the repeat-0 ``choice``; Wilson over groups.
* ``parse_failure_rate``: invalid / (valid + invalid) over all non-error rows,
  every repeat included; Wilson over rows.
* ``tie_rate``: ties / valid verdicts; cluster bootstrap over items.

A bootstrap whose replicates are all equal at 0 or 1 (e.g. a perfect judge) is
replaced by a Wilson interval over items (conservative: items <= rows), and the
note says so. ``n`` is always the number of units the estimate is computed over.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from judgekit.stats.intervals import (
    NAN,
    exact_mcnemar,
    paired_diff_ci,
    ratio,
    ratio_bootstrap,
    wilson,
)

COLUMNS = ["metric", "subset", "estimate", "ci_low", "ci_high", "p_value", "n", "note"]
_VALID = ("A", "B", "tie")


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    missing = {"item_id", "order", "choice", "chosen"} - set(df.columns)
    if missing:
        raise ValueError(f"verdicts are missing columns: {sorted(missing)}")
    keys = [c for c in ("probe", "condition") if c in df.columns]
    if keys and len(df[keys].drop_duplicates()) > 1:
        raise ValueError("position_metrics expects one probe/condition; filter the verdicts first")
    d = df.copy()
    d["repeat"] = pd.to_numeric(d["repeat"], errors="coerce").fillna(0).astype(int) if "repeat" in d else 0
    for col in ("label", "kind"):
        if col not in d:
            d[col] = None
    choice = d["choice"].astype(object)
    d["status"] = np.where(choice == "error", "error", np.where(choice.isin(_VALID), "valid", "invalid"))
    return d


def _per_item_ids(items, num: np.ndarray, den: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """(numerator, denominator, item id) per item: sums of ``num`` and of ``den`` (default 1 per row)."""
    codes, uniq = pd.factorize(items if isinstance(items, pd.Series) else np.asarray(items, dtype=object))
    weights = np.ones(len(codes)) if den is None else np.asarray(den, dtype=float)
    num_c = np.bincount(codes, weights=np.asarray(num, dtype=float), minlength=len(uniq))
    den_c = np.bincount(codes, weights=weights, minlength=len(uniq))
    return num_c, den_c, np.asarray(uniq, dtype=object)


def _per_item(items, num: np.ndarray, den: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    return _per_item_ids(items, num, den)[:2]


def _boot_share(items: pd.Series, hits: np.ndarray, n_boot: int, seed: int, alpha: float):
    """Row share with an item-cluster bootstrap; Wilson over items if degenerate at 0/1."""
    hits = np.asarray(hits, dtype=float)
    n = hits.size
    if n == 0:
        return NAN, (NAN, NAN), 0, ""
    est = float(hits.mean())
    num_c, den_c, ids = _per_item_ids(items, hits)
    ci = ratio_bootstrap(num_c, den_c, n_boot=n_boot, seed=seed, alpha=alpha, clusters=ids)
    note = f"cluster bootstrap over {num_c.size} items"
    if ci[0] == ci[1] and est in (0.0, 1.0):
        ci = wilson(est * num_c.size, num_c.size, alpha)
        note = f"bootstrap degenerate at {est:g}; Wilson over {num_c.size} items"
    return est, ci, n, note


def _pairs(valid0: pd.DataFrame) -> pd.DataFrame:
    cols = ["item_id", "choice", "chosen", "label", "kind"]
    ab = valid0.loc[valid0["order"] == "AB", cols]
    ba = valid0.loc[valid0["order"] == "BA", ["item_id", "choice", "chosen"]]
    return ab.merge(ba, on="item_id", how="inner", suffixes=("_ab", "_ba"))


def _paired_gap(first: np.ndarray, second: np.ndarray, alpha: float):
    first, second = np.asarray(first, bool), np.asarray(second, bool)
    a = int(np.sum(first & second))
    b = int(np.sum(first & ~second))
    c = int(np.sum(~first & second))
    d = int(np.sum(~first & ~second))
    n = a + b + c + d
    est = ratio(b - c, n)
    p = exact_mcnemar(b, c) if n else NAN
    note = f"exact McNemar, b={b}, c={c}; Newcombe hybrid score interval"
    return est, paired_diff_ci(a, b, c, d, alpha), n, p, note


def position_metrics(
    df: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0, alpha: float = 0.05
) -> pd.DataFrame:
    """Position-bias metrics with ``1 - alpha`` intervals; see the module docstring.

    Returns one row per (metric, subset) with columns ``metric, subset, estimate,
    ci_low, ci_high, p_value, n, note``. Empty or all-invalid input gives nan
    estimates, never an exception.

    Preference fairness is ``PF = (n_recency - n_primacy) / n_pairs`` over items
    with valid verdicts in both orders (primacy: presented A chosen in both
    orders; recency: presented B chosen in both), in [-1, 1], negative = primacy.
    """
    rows: list[dict] = []

    def add(metric, subset, est, ci, n, p=NAN, note=""):
        rows.append(
            {
                "metric": metric,
                "subset": subset,
                "estimate": float(est),
                "ci_low": float(ci[0]),
                "ci_high": float(ci[1]),
                "p_value": float(p),
                "n": int(n),
                "note": note,
            }
        )

    def boot(metric, subset, items, hits, note="", p=NAN):
        est, ci, n, bnote = _boot_share(items, hits, n_boot, seed, alpha)
        add(metric, subset, est, ci, n, p, "; ".join(x for x in (note, bnote) if x))

    d = _prepare(df)
    n_err = int((d["status"] == "error").sum())
    add("error_count", "all", n_err, (NAN, NAN), len(d), note="failed calls; excluded from every metric")
    d = d[d["status"] != "error"].drop_duplicates(["item_id", "order", "repeat"], keep="first")
    r0 = d[d["repeat"] == 0]
    valid0 = r0[r0["status"] == "valid"]
    labelled = valid0[valid0["label"].isin(["A", "B"])]
    correct = (labelled["chosen"] == labelled["label"]).to_numpy()

    # Accuracy.
    boot("accuracy", "all", labelled["item_id"], correct)
    for order in ("AB", "BA"):
        m = (labelled["order"] == order).to_numpy()
        k, n = int(correct[m].sum()), int(m.sum())
        add("accuracy", order, ratio(k, n), wilson(k, n, alpha), n, note="Wilson")
    kinds = set(labelled["kind"].dropna())
    if {"fact", "preference"} <= kinds:
        for kind in ("fact", "preference"):
            m = (labelled["kind"] == kind).to_numpy()
            boot("accuracy", kind, labelled["item_id"][m], correct[m])
    strict = r0[r0["label"].isin(["A", "B"])]
    strict_hit = ((strict["status"] == "valid") & (strict["chosen"] == strict["label"])).to_numpy()
    boot("accuracy_strict", "all", strict["item_id"], strict_hit, note="invalid verdicts count as wrong")

    both = strict.assign(hit=strict_hit).groupby("item_id")["hit"].agg(["sum", "count"])
    both = both[both["count"] >= 2]
    k, n = int((both["sum"] >= both["count"]).sum()), len(both)
    add("accuracy_both_orders", "all", ratio(k, n), wilson(k, n, alpha), n,
        note=f"{k} of {n} labelled items right in both orders (invalid = wrong); Wilson over items")

    # Paired accuracy gaps over labelled item pairs.
    pairs = _pairs(valid0)
    lab = pairs[pairs["label"].isin(["A", "B"])]
    c_ab = (lab["chosen_ab"] == lab["label"]).to_numpy()
    c_ba = (lab["chosen_ba"] == lab["label"]).to_numpy()
    est, ci, n, p, note = _paired_gap(c_ab, c_ba, alpha)
    add("accuracy_order_gap", "AB-BA", est, ci, n, p, note)
    gold_first = (lab["label"] == "A").to_numpy()  # in order AB the gold sits first iff label is A
    est, ci, n, p, note = _paired_gap(
        np.where(gold_first, c_ab, c_ba), np.where(gold_first, c_ba, c_ab), alpha
    )
    add("accuracy_gold_position_gap", "first-second", est, ci, n, p, note)

    # Consistency and preference fairness over item pairs.
    n_pairs = len(pairs)
    consistent = (pairs["chosen_ab"] == pairs["chosen_ba"]).to_numpy()
    k = int(consistent.sum())
    add(
        "position_consistency",
        "all",
        ratio(k, n_pairs),
        wilson(k, n_pairs, alpha),
        n_pairs,
        note="Wilson over items",
    )
    primacy = ((pairs["choice_ab"] == "A") & (pairs["choice_ba"] == "A")).to_numpy()
    recency = ((pairs["choice_ab"] == "B") & (pairs["choice_ba"] == "B")).to_numpy()
    n_pri, n_rec = int(primacy.sum()), int(recency.sum())
    n_other = n_pairs - k - n_pri - n_rec
    pf = ratio(n_rec - n_pri, n_pairs)
    ci = ratio_bootstrap(
        recency.astype(float) - primacy, np.ones(n_pairs), n_boot=n_boot, seed=seed, alpha=alpha,
        clusters=pairs["item_id"].to_numpy(object),
    )
    pf_note = (
        f"PF = (n_recency - n_primacy) / n_pairs; n_recency={n_rec}, n_primacy={n_pri}, "
        f"other inconsistent (tie)={n_other}; bootstrap over items; p: exact sign test rec vs pri"
    )
    if n_pairs and ci[0] == ci[1]:
        (lr, ur), (lp, up) = wilson(n_rec, n_pairs, alpha), wilson(n_pri, n_pairs, alpha)
        ci = (max(-1.0, lr - up), min(1.0, ur - lp))
        pf_note += "; bootstrap degenerate, Wilson bound (l_rec - u_pri, u_rec - l_pri)"
    add(
        "preference_fairness",
        "all",
        pf,
        ci,
        n_pairs,
        exact_mcnemar(n_rec, n_pri) if n_pairs else NAN,
        pf_note,
    )

    # Lean towards the first presented slot.
    decided = valid0[valid0["choice"].isin(["A", "B"])]
    first = (decided["choice"] == "A").to_numpy()
    net_num, _ = _per_item(decided["item_id"], np.where(first, 1.0, -1.0))
    n_pos, n_neg = int((net_num > 0).sum()), int((net_num < 0).sum())
    p = exact_mcnemar(n_pos, n_neg) if first.size else NAN
    boot(
        "first_position_rate",
        "all",
        decided["item_id"],
        first,
        p=p,
        note=f"p: exact sign test over items, {n_pos} lean first vs {n_neg} lean second",
    )
    if {"p_a", "p_b"} <= set(d.columns):
        pa = pd.to_numeric(r0["p_a"], errors="coerce").to_numpy(dtype=float)
        pb = pd.to_numeric(r0["p_b"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(pa) & np.isfinite(pb) & (pa + pb > 0)
        if ok.any():
            share = pa[ok] / (pa[ok] + pb[ok])
            num_c, den_c, ids = _per_item_ids(r0["item_id"][ok], share)
            add(
                "mean_p_first",
                "all",
                share.mean(),
                ratio_bootstrap(num_c, den_c, n_boot, seed, alpha, clusters=ids),
                share.size,
                note=f"p_a/(p_a+p_b); cluster bootstrap over {num_c.size} items",
            )

    # Repetition stability.
    reps = d[(d["repeat"] > 0) & (d["status"] == "valid")]
    if (d["repeat"] > 0).sum() == 0:
        add("repetition_stability", "all", NAN, (NAN, NAN), 0, note="no repeats (deterministic decoding)")
    else:
        base = valid0[["item_id", "order", "choice"]]
        merged = reps.merge(base, on=["item_id", "order"], suffixes=("", "_0"))
        stable = (merged["choice"] == merged["choice_0"]).groupby([merged["item_id"], merged["order"]]).all()
        k, n = int(stable.sum()), int(stable.size)
        add(
            "repetition_stability",
            "all",
            ratio(k, n),
            wilson(k, n, alpha),
            n,
            note="Wilson over (item, order) groups" if n else "no valid repeat groups",
        )

    # Parse failures and ties.
    n_valid, n_invalid = int((d["status"] == "valid").sum()), int((d["status"] == "invalid").sum())
    add(
        "parse_failure_rate",
        "all",
        ratio(n_invalid, n_valid + n_invalid),
        wilson(n_invalid, n_valid + n_invalid, alpha),
        n_valid + n_invalid,
        note="all repeats; Wilson over rows",
    )
    boot("tie_rate", "all", valid0["item_id"], (valid0["choice"] == "tie").to_numpy())
    return pd.DataFrame(rows, columns=COLUMNS)
