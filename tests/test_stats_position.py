"""Known-answer tests for judgekit.stats (intervals and the position suite)."""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

from judgekit.stats import (
    cluster_bootstrap,
    exact_mcnemar,
    paired_diff_ci,
    position_metrics,
    ratio_bootstrap,
    wilson,
)

SWAP = {"A": "B", "B": "A", "tie": "tie"}


def simulate(n_items, judge, seed=0, labels=None, kind="fact"):
    """Verdicts of a scripted judge. ``judge(gold_presented, rng) -> presented choices``."""
    rng = np.random.default_rng(seed)
    if labels is None:
        labels = np.where(np.arange(n_items) % 2 == 0, "A", "B")  # gold position balanced
    labels = np.asarray(labels, dtype=object)
    frames = []
    for order in ("AB", "BA"):
        gold = labels if order == "AB" else np.array([SWAP[x] for x in labels], dtype=object)
        choice = np.asarray(judge(gold, rng), dtype=object)
        chosen = choice if order == "AB" else np.array([SWAP[c] for c in choice], dtype=object)
        frames.append(
            pd.DataFrame(
                {
                    "item_id": [f"i{i}" for i in range(n_items)],
                    "probe": "position",
                    "condition": "control",
                    "order": order,
                    "repeat": 0,
                    "label": labels,
                    "kind": kind,
                    "choice": choice,
                    "chosen": chosen,
                    "correct": chosen == labels,
                    "p_a": np.nan,
                    "p_b": np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def slot_judge(q_first, q_second=0.0):
    """Picks presented A with prob q_first, presented B with prob q_second, else the gold."""

    def judge(gold, rng):
        u = rng.random(gold.size)
        return np.where(u < q_first, "A", np.where(u < q_first + q_second, "B", gold))

    return judge


def get(out, metric, subset="all"):
    row = out[(out["metric"] == metric) & (out["subset"] == subset)]
    assert len(row) == 1, (metric, subset)
    return row.iloc[0]


def covers(row, value):
    return row["ci_low"] <= value <= row["ci_high"]


# --- intervals -------------------------------------------------------------------------------------


def test_wilson_reference_values():
    assert wilson(0, 10) == pytest.approx((0.0, 0.27753), abs=1e-5)
    assert wilson(5, 10) == pytest.approx((0.23659, 0.76341), abs=1e-5)
    for k, n in [(0, 10), (5, 10), (10, 10), (3, 7), (1, 1000), (999, 1000)]:
        assert wilson(k, n) == pytest.approx(proportion_confint(k, n, method="wilson"), abs=1e-12)
    assert wilson(3, 7, alpha=0.1) == pytest.approx(proportion_confint(3, 7, 0.1, method="wilson"))


def test_empty_inputs_give_nan_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all(math.isnan(x) for x in wilson(0, 0))
        assert all(math.isnan(x) for x in paired_diff_ci(0, 0, 0, 0))
        assert all(math.isnan(x) for x in ratio_bootstrap([], []))
        assert all(math.isnan(x) for x in ratio_bootstrap([0.0, 0.0], [0.0, 0.0]))
        assert all(math.isnan(x) for x in cluster_bootstrap(pd.DataFrame({"item_id": []}), len))
    assert exact_mcnemar(0, 0) == 1.0


def test_exact_mcnemar_matches_statsmodels():
    assert exact_mcnemar(0, 10) == pytest.approx(2 * 0.5**10)
    for b, c in [(3, 9), (10, 10), (0, 1), (25, 40)]:
        ref = mcnemar([[5, b], [c, 5]], exact=True).pvalue
        assert exact_mcnemar(b, c) == pytest.approx(ref)


def test_paired_diff_ci_properties_and_coverage():
    lo, hi = paired_diff_ci(40, 12, 3, 45)
    assert lo < 0.09 < hi and -1 <= lo and hi <= 1
    assert paired_diff_ci(40, 3, 12, 45) == pytest.approx((-hi, -lo))  # mirror symmetry
    # Coverage for correlated pairs: p(both)=.5, p(1 only)=.15, p(2 only)=.1, true diff .05.
    rng = np.random.default_rng(7)
    tables = rng.multinomial(80, [0.5, 0.15, 0.1, 0.25], size=1000)
    hits = [lo <= 0.05 <= hi for lo, hi in (paired_diff_ci(*t) for t in tables)]
    assert 0.93 <= np.mean(hits) <= 0.985


def test_bootstraps_agree_and_are_fast():
    rng = np.random.default_rng(1)
    n = 10_000
    num, den = rng.integers(0, 3, n).astype(float), np.full(n, 2.0)
    t0 = time.perf_counter()
    lo, hi = ratio_bootstrap(num, den, n_boot=2000, seed=0)
    assert time.perf_counter() - t0 < 2.0
    est = num.sum() / den.sum()
    se = np.std(num / 2) / math.sqrt(n)
    assert lo < est < hi and (hi - lo) == pytest.approx(2 * 1.96 * se, rel=0.1)
    df = pd.DataFrame({"item_id": np.repeat(np.arange(2000), 2), "x": rng.random(4000)})
    rows_ci = cluster_bootstrap(df, lambda f: f["x"].mean(), n_boot=500)
    per_item = df.groupby("item_id")["x"].agg(["sum", "count"])
    fast_ci = ratio_bootstrap(per_item["sum"], per_item["count"], n_boot=500)
    assert rows_ci == pytest.approx(fast_ci, abs=0.004)


# --- position metrics: scripted judges -------------------------------------------------------------


def test_scripted_primacy_judge():
    # Each verdict picks presented A w.p. 0.3, else the gold; gold position balanced.
    # * Gold shown first: always right. Gold shown second: right w.p. 0.7.
    #   Each order has half its items gold-first -> accuracy(AB) = accuracy(BA) = .5*1 + .5*.7 = .85.
    # * P(choice = presented A) = P(gold first) + P(gold second) * .3 = .5 + .5*.3 = .65.
    # * An item is inconsistent exactly when its gold-second verdict took slot A (p = .3),
    #   so consistency = .7, and every inconsistent pair is A/A (primacy): PF = -.3.
    # * Accuracy gold-first minus gold-second = 1 - .7 = .3; AB minus BA = 0.
    out = position_metrics(simulate(2000, slot_judge(0.3), seed=3))
    assert covers(get(out, "position_consistency"), 0.7)
    assert abs(get(out, "position_consistency")["estimate"] - 0.7) < 0.03
    for subset in ("all", "AB", "BA"):
        assert covers(get(out, "accuracy", subset), 0.85)
    assert covers(get(out, "first_position_rate"), 0.65)
    assert get(out, "first_position_rate")["p_value"] < 1e-10
    pf = get(out, "preference_fairness")
    assert pf["estimate"] < 0 and pf["ci_high"] < 0 and covers(pf, -0.3)
    assert "n_recency=0" in pf["note"]
    assert covers(get(out, "accuracy_gold_position_gap", "first-second"), 0.3)
    assert covers(get(out, "accuracy_order_gap", "AB-BA"), 0.0)
    assert get(out, "position_consistency")["n"] == 2000 and get(out, "accuracy")["n"] == 4000


def test_unbiased_judge():
    out = position_metrics(simulate(300, slot_judge(0.0), seed=1), n_boot=200)
    assert get(out, "position_consistency")["estimate"] == 1.0
    assert get(out, "accuracy")["estimate"] == 1.0
    assert get(out, "accuracy")["ci_low"] < 1.0  # degenerate bootstrap replaced by Wilson over items
    pf = get(out, "preference_fairness")
    assert pf["estimate"] == 0.0 and pf["ci_low"] < 0 < pf["ci_high"]
    assert get(out, "accuracy_order_gap", "AB-BA")["p_value"] == 1.0
    assert get(out, "first_position_rate")["estimate"] == 0.5


def test_order_dependent_accuracy_is_detected():
    # Gold is always response_a; the judge errs (picks slot A) w.p. .4 only when gold sits in slot B,
    # i.e. in order BA: accuracy(AB) = 1, accuracy(BA) = .6.
    def judge(gold, rng):
        return np.where((gold == "B") & (rng.random(gold.size) < 0.4), "A", gold)

    out = position_metrics(simulate(500, judge, seed=2, labels=["A"] * 500), n_boot=200)
    gap = get(out, "accuracy_order_gap", "AB-BA")
    assert gap["p_value"] < 0.001 and gap["ci_low"] > 0 and covers(gap, 0.4)
    assert gap["note"].startswith("exact McNemar, b=")


def _noisy(gold, rng):
    return np.where(rng.random(gold.size) < 0.8, gold, np.where(gold == "A", "B", "A"))


def test_noisy_unbiased_judge_mcnemar_is_calibrated():
    out = position_metrics(simulate(500, _noisy, seed=0), n_boot=50)
    assert get(out, "accuracy_order_gap", "AB-BA")["p_value"] > 0.01
    rejections = [
        get(position_metrics(simulate(500, _noisy, seed=s), n_boot=1), "accuracy_order_gap", "AB-BA")[
            "p_value"
        ]
        < 0.05
        for s in range(200)
    ]
    assert np.mean(rejections) <= 0.08


def test_interval_coverage():
    # Slot A w.p. q1 = .3, slot B w.p. q2 = .1, else gold. Per item (either label):
    # primacy pair (1-q2)*q1 = .27, recency pair q2*(1-q1) = .07 -> PF = q2 - q1 = -.2;
    # consistent = (1-q1)(1-q2) + q1*q2 = .66; accuracy = .5*(1-q2) + .5*(1-q1) = .8;
    # first-slot rate = .5*(1-q2) + .5*q1 = .6.
    truth = {
        "preference_fairness": -0.2,
        "position_consistency": 0.66,
        "accuracy": 0.8,
        "first_position_rate": 0.6,
    }
    hits = {m: 0 for m in truth}
    n_sim = 200
    for s in range(n_sim):
        out = position_metrics(simulate(300, slot_judge(0.3, 0.1), seed=100 + s), n_boot=500, seed=s)
        for m, v in truth.items():
            hits[m] += covers(get(out, m), v)
    for m in truth:
        assert 0.90 <= hits[m] / n_sim <= 0.99, (m, hits[m] / n_sim)


# --- hand-computed table ---------------------------------------------------------------------------


def _row(item, order, rep, choice, label, kind, p_a=np.nan, p_b=np.nan):
    chosen = None if choice in ("invalid", "error") else (choice if order == "AB" else SWAP[choice])
    return {
        "item_id": item,
        "probe": "position",
        "condition": "control",
        "order": order,
        "repeat": rep,
        "label": label,
        "kind": kind,
        "choice": choice,
        "chosen": chosen,
        "p_a": p_a,
        "p_b": p_b,
    }


HAND = pd.DataFrame(
    [
        _row("i1", "AB", 0, "A", "A", "fact", 0.8, 0.2),  # chosen A, right
        _row("i1", "BA", 0, "B", "A", "fact"),  # chosen A, right -> consistent pair
        _row("i1", "AB", 1, "A", "A", "fact"),  # repeats of (i1, AB): stable
        _row("i1", "AB", 2, "A", "A", "fact"),
        _row("i1", "BA", 1, "A", "A", "fact"),  # repeat of (i1, BA): differs -> unstable
        _row("i1", "BA", 2, "error", "A", "fact"),  # error, excluded
        _row("i2", "AB", 0, "A", "B", "fact", 0.6, 0.2),  # chosen A, wrong
        _row("i2", "BA", 0, "A", "B", "fact"),  # chosen B, right -> primacy pair (A, A)
        _row("i3", "AB", 0, "B", "A", "preference"),  # chosen B, wrong
        _row("i3", "BA", 0, "B", "A", "preference", 1.0, 3.0),  # chosen A, right -> recency pair (B, B)
        _row("i4", "AB", 0, "B", "tie", "preference"),  # chosen B  } recency pair (B, B),
        _row("i4", "BA", 0, "B", "tie", "preference"),  # chosen A  } unlabelled for accuracy
        _row("i5", "AB", 0, "invalid", "A", "preference"),  # parse failure
        _row("i5", "BA", 0, "tie", "A", "preference"),  # tie, wrong
        _row("i6", "AB", 0, "error", "B", "fact"),  # error, excluded
        _row("i6", "BA", 0, "B", "B", "fact"),  # chosen A, wrong
    ]
)


def test_hand_computed_table():
    out = position_metrics(HAND, n_boot=200)
    expected = {
        ("error_count", "all"): (2, 16),  # rows 6 and 15, of 16
        # labelled valid repeat-0 verdicts: i1 AB+, i1 BA+, i2 AB-, i2 BA+, i3 AB-, i3 BA+, i5 BA-, i6 BA-
        ("accuracy", "all"): (4 / 8, 8),
        ("accuracy", "AB"): (1 / 3, 3),  # i1+, i2-, i3-
        ("accuracy", "BA"): (3 / 5, 5),  # i1+, i2+, i3+, i5-, i6-
        ("accuracy", "fact"): (3 / 5, 5),  # i1 ++, i2 -+, i6 -
        ("accuracy", "preference"): (1 / 3, 3),  # i3 -+, i5 -
        ("accuracy_strict", "all"): (4 / 9, 9),  # + i5 AB invalid as wrong
        # labelled items with a non-error verdict in both orders: i1 (right twice), i2, i3, i5 -> 1 of 4
        ("accuracy_both_orders", "all"): (1 / 4, 4),
        # labelled pairs i1, i2, i3: AB right only in i1, BA right in all -> a=1, b=0, c=2, d=0
        ("accuracy_order_gap", "AB-BA"): (-2 / 3, 3),
        # gold-first right: i1 (AB), i2 (BA), not i3 (AB); gold-second right: i1, not i2, i3 -> b=c=1
        ("accuracy_gold_position_gap", "first-second"): (0.0, 3),
        ("position_consistency", "all"): (1 / 4, 4),  # pairs i1..i4; only i1 agrees
        ("preference_fairness", "all"): ((2 - 1) / 4, 4),  # recency i3, i4; primacy i2
        ("first_position_rate", "all"): (3 / 9, 9),  # 9 non-tie verdicts, slot A in i1 AB, i2 AB, i2 BA
        ("mean_p_first", "all"): ((0.8 + 0.75 + 0.25) / 3, 3),
        ("repetition_stability", "all"): (1 / 2, 2),  # (i1, AB) stable, (i1, BA) not
        ("parse_failure_rate", "all"): (1 / 14, 14),  # 1 invalid among 14 non-error rows
        ("tie_rate", "all"): (1 / 10, 10),  # 1 tie among 10 valid repeat-0 verdicts
    }
    assert set(zip(out["metric"], out["subset"], strict=True)) == set(expected)
    for (metric, subset), (est, n) in expected.items():
        row = get(out, metric, subset)
        assert row["estimate"] == pytest.approx(est), (metric, subset)
        assert row["n"] == n, (metric, subset)
    assert get(out, "accuracy_order_gap", "AB-BA")["p_value"] == pytest.approx(0.5)  # 2 * 0.5**2
    assert "b=0, c=2" in get(out, "accuracy_order_gap", "AB-BA")["note"]
    assert get(out, "accuracy_gold_position_gap", "first-second")["p_value"] == 1.0
    assert get(out, "preference_fairness")["p_value"] == 1.0  # sign test 2 vs 1
    # per-item net slot-A lean: i1 0, i2 +2, i3 -2, i4 -2, i6 -1 -> 1 vs 3: p = 2 * 5/16
    assert get(out, "first_position_rate")["p_value"] == pytest.approx(0.625)
    assert get(out, "accuracy", "AB")[["ci_low", "ci_high"]].tolist() == pytest.approx(wilson(1, 3))
    assert get(out, "parse_failure_rate")[["ci_low", "ci_high"]].tolist() == pytest.approx(wilson(1, 14))
    assert math.isnan(get(out, "error_count")["ci_low"])


# --- invalid / error handling ----------------------------------------------------------------------


def test_errors_are_excluded_and_counted():
    df = simulate(200, slot_judge(0.2), seed=5)
    broken = df.copy()
    broken["correct"] = broken["correct"].astype(object)
    broken.loc[:9, ["choice", "chosen", "correct"]] = ["error", None, None]
    broken.loc[10:29, ["choice", "chosen", "correct"]] = ["invalid", None, None]
    out = position_metrics(broken, n_boot=100)
    assert get(out, "error_count")["estimate"] == 10 and get(out, "error_count")["n"] == 400
    pfr = get(out, "parse_failure_rate")
    assert pfr["estimate"] == pytest.approx(20 / 390) and pfr["n"] == 390
    assert get(out, "accuracy")["n"] == 370 and get(out, "accuracy_strict")["n"] == 390
    assert get(out, "position_consistency")["n"] == 170  # rows 0-29 are AB rows of items 0-29
    expected = position_metrics(df[df.index >= 30].copy(), n_boot=100)
    assert get(out, "accuracy")["estimate"] == get(expected, "accuracy")["estimate"]


def test_all_invalid_and_empty_give_nan_rows():
    df = simulate(20, slot_judge(0.2), seed=0)
    df["choice"], df["chosen"], df["correct"] = "invalid", None, None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = position_metrics(df, n_boot=50)
        empty = position_metrics(df.iloc[:0], n_boot=50)
    assert get(out, "parse_failure_rate")["estimate"] == 1.0
    assert get(out, "accuracy_strict")["estimate"] == 0.0
    for metric in ("accuracy", "position_consistency", "preference_fairness", "first_position_rate"):
        row = get(out, metric)
        assert math.isnan(row["estimate"]) and math.isnan(row["ci_low"]) and row["n"] == 0
        assert math.isnan(get(empty, metric)["estimate"])
    assert get(out, "repetition_stability")["note"] == "no repeats (deterministic decoding)"
    assert get(empty, "error_count")["estimate"] == 0


def test_mixed_conditions_are_rejected():
    df = simulate(10, slot_judge(0.0))
    df.loc[0, "condition"] = "other"
    with pytest.raises(ValueError):
        position_metrics(df)
