"""Simulations of the cue-probe tests and intervals under planted truths (vectorised, no model involved).

* a heterogeneous null (items react to the cue in opposite directions, mean zero): the headline
  test of ``bias_effect`` rejects at most at the nominal rate;
* a probe with no effect: no subset row is called significant after the family's adjustment
  more often than the nominal rate;
* flip and robustness shares: item-clustered intervals cover the planted truth.

The replications call the estimators of :mod:`judgekit.stats.cues` on simulated pairs (arrays);
one run through ``cue_metrics`` checks that the stored rows are those estimators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from judgekit.stats import add_adjusted_p, benjamini_hochberg, cue_metrics, exact_mcnemar
from judgekit.stats.cues import item_sign_test, paired_shift
from judgekit.stats.position import _boot_share

ALPHA = 0.05


def _mc_bound(rate: float, reps: int) -> float:
    """Nominal rate plus three Monte Carlo standard errors."""
    return rate + 3 * np.sqrt(rate * (1 - rate) / reps)


def pairs(n_items: int, rng: np.random.Generator, susceptibility=(-1, 0, 0, 1), q: float = 0.9) -> dict:
    """Four cue pairs per item (cue_gold / cue_other x two orders), flat arrays.

    Item i follows the cue (s_i = +1), resists it (-1) or ignores it (0). A control verdict is
    right with probability ``q``; an ignoring item's cued verdict is a fresh draw of the same kind.
    """
    s = np.repeat(rng.choice(np.asarray(susceptibility), size=n_items), 4)
    items = np.repeat(np.arange(n_items), 4)
    gold_target = np.tile([True, False, True, False], n_items)  # target = gold on cue_gold pairs
    right0 = rng.random(4 * n_items) < q
    right0[1::2] = right0[0::2]  # the two conditions of one order share the control verdict
    fresh = rng.random(4 * n_items) < q
    right1 = np.where(s > 0, gold_target, np.where(s < 0, ~gold_target, fresh))
    x0 = right0 == gold_target  # control picked the target
    x1 = right1 == gold_target
    subset = {"cond": np.where(gold_target, "cue_gold", "cue_other"),
              "template": np.repeat(np.arange(n_items) % 3, 4), "kind": np.repeat(np.arange(n_items) % 2, 4),
              "order": np.tile([0, 0, 1, 1], n_items)}
    return {"items": items, "x1": x1, "x0": x0, "right0": right0, "right1": right1, "subset": subset}


def test_heterogeneous_null_sign_test_holds_alpha():
    # Per-item susceptibility from {-1, 0, 0, +1}: mean effect 0. The pair-level McNemar test takes
    # an item's four pairs as independent and over-rejects; the item-level sign test does not.
    rng = np.random.default_rng(12)
    reps, n_items = 400, 60
    sign_rej = mcnemar_rej = 0
    for _ in range(reps):
        p = pairs(n_items, rng)
        _, _, _, p_sign, _, p_mc = paired_shift(p["items"], p["x1"], p["x0"], 1, 0, ALPHA)
        sign_rej += p_sign < ALPHA
        mcnemar_rej += p_mc < ALPHA
    assert sign_rej / reps <= _mc_bound(ALPHA, reps), sign_rej / reps
    assert mcnemar_rej / reps > _mc_bound(ALPHA, reps), mcnemar_rej / reps  # why McNemar is secondary


def test_sign_test_detects_a_real_effect():
    rng = np.random.default_rng(3)
    p = pairs(80, rng, susceptibility=(0, 1))
    _, ci, _, pv, _, _ = paired_shift(p["items"], p["x1"], p["x0"], 500, 0, ALPHA)
    assert pv < 1e-6 and ci[0] > 0
    pv, up, down = item_sign_test(["a", "a", "b", "c", "c"], [1, -1, 1, 1, 0])
    assert (up, down) == (2, 0) and pv == exact_mcnemar(2, 0) == 0.5


def test_subset_rows_adjusted_within_the_probe_family():
    # A probe with no effect: raw p-values of its 9 subset rows reject somewhere in many runs; after
    # the within-probe adjustment (the one add_adjusted_p applies), at most at the nominal rate.
    rng = np.random.default_rng(7)
    reps, n_items = 300, 60
    raw_any = adj_any = 0
    for _ in range(reps):
        p = pairs(n_items, rng, susceptibility=(0,), q=0.7)
        pv = []
        for values in p["subset"].values():
            for v in np.unique(values):
                m = values == v
                pv.append(item_sign_test(p["items"][m], p["x1"][m].astype(float) - p["x0"][m])[0])
        pv = np.asarray(pv)
        assert pv.size == 9
        raw_any += (pv < ALPHA).any()
        adj_any += (benjamini_hochberg(pv) < ALPHA).any()
    assert adj_any / reps <= _mc_bound(ALPHA, reps), adj_any / reps
    assert raw_any / reps > 2 * ALPHA  # without the adjustment some row "moves" in many null runs


def test_stored_subset_rows_carry_their_family():
    rows = []
    rng = np.random.default_rng(1)
    for i in range(40):
        gold = "A" if i % 2 else "B"
        other = "B" if gold == "A" else "A"
        for order in ("AB", "BA"):
            ctrl = gold if rng.random() < 0.8 else other
            rows.append((f"i{i}", "control", order, ctrl, None, None))
            for cond, tgt in (("cue_gold", gold), ("cue_other", other)):
                rows.append((f"i{i}", cond, order, gold if rng.random() < 0.8 else other, tgt, f"t{i % 3}"))
    d = pd.DataFrame(rows, columns=["item_id", "condition", "order", "chosen", "cue_target", "template"])
    d["choice"] = np.where(d["order"] == "AB", d["chosen"], d["chosen"].map({"A": "B", "B": "A"}))
    d["label"] = np.where(d["item_id"].str[1:].astype(int) % 2, "A", "B")
    d["probe"] = "bandwagon"
    out = add_adjusted_p(cue_metrics(d, n_boot=50).assign(probe="bandwagon"))
    sub = out[(out["metric"] == "bias_effect") & (out["subset"] != "all")]
    assert len(sub) >= 5 and (sub["family"] == "bandwagon:subsets").all()
    np.testing.assert_allclose(sub["p_adjusted"], benjamini_hochberg(sub["p_value"]))
    raw = out[(out["metric"] == "bias_effect") & (out["subset"] == "all")]
    assert (raw["family"] == "components").all()  # the headline family holds cue_net_effect
    assert out.loc[np.isfinite(out["p_value"]), "p_adjusted"].notna().all()


def test_flip_and_robustness_intervals_cover_planted_truth():
    # A quarter of the items always follow the cue; the rest ignore it (fresh draws, right with
    # prob q). Per pair: a follower flips when its control missed the target (prob 1/2 * q + 1/2 *
    # (1 - q) = 1/2); an ignorer when two draws differ (2 q (1 - q)). Harmful (right -> wrong):
    # followers on cue_other pairs with a right control (1/2 * q); ignorers q (1 - q). Helpful
    # (wrong -> right): followers on cue_gold pairs with a wrong control (1/2 * (1 - q)); ignorers the same.
    q = 0.75
    truth_flip = 0.25 * 0.5 + 0.75 * 2 * q * (1 - q)
    truth = {"robustness": 1 - truth_flip, "harmful": 0.25 * 0.5 * q + 0.75 * q * (1 - q),
             "helpful": 0.25 * 0.5 * (1 - q) + 0.75 * q * (1 - q)}
    rng = np.random.default_rng(5)
    reps, n_items = 250, 40
    hits = dict.fromkeys(truth, 0)
    for r in range(reps):
        p = pairs(n_items, rng, susceptibility=(1, 0, 0, 0), q=q)
        flips = p["right0"] != p["right1"]
        for name, hit in (("robustness", ~flips), ("harmful", p["right0"] & ~p["right1"]),
                          ("helpful", ~p["right0"] & p["right1"])):
            _, (lo, hi), _, _ = _boot_share(pd.Series(p["items"]), hit, 400, r, ALPHA)
            hits[name] += lo <= truth[name] <= hi
    for name, k in hits.items():
        assert k / reps >= 0.93, (name, k / reps)


def test_benjamini_hochberg_equals_statsmodels_and_a_hand_computed_case():
    from statsmodels.stats.multitest import multipletests

    # hand-computed: m = 4, sorted 0.01, 0.02, 0.03, 0.5 -> 0.04, 0.04, 0.04, 0.5 (ties keep the running minimum)
    np.testing.assert_allclose(benjamini_hochberg([0.03, 0.5, 0.01, 0.02]), [0.04, 0.5, 0.04, 0.04])
    rng = np.random.default_rng(7)
    for _ in range(200):
        p = rng.uniform(size=int(rng.integers(1, 30))) ** rng.uniform(0.2, 3)
        p[rng.uniform(size=p.size) < 0.1] = np.nan
        p[rng.uniform(size=p.size) < 0.1] = 1.0
        ok = np.isfinite(p)
        got = benjamini_hochberg(p)
        assert np.isnan(got[~ok]).all()
        if ok.any():
            np.testing.assert_allclose(got[ok], multipletests(p[ok], method="fdr_bh")[1], rtol=1e-12)


def test_exact_test_and_normal_quantile_equal_scipy_stats():
    from scipy import stats

    from judgekit.stats.intervals import _z

    assert _z(0.05) == pytest.approx(stats.norm.ppf(0.975), rel=1e-12)
    assert exact_mcnemar(1, 5) == pytest.approx(2 * 7 / 64, rel=1e-12)  # 2 * P(X <= 1), X ~ Binomial(6, 1/2)
    for b in range(0, 40, 3):
        for c in range(0, 60, 7):
            want = 1.0 if b + c == 0 else min(1.0, 2 * stats.binom.cdf(min(b, c), b + c, 0.5))
            assert exact_mcnemar(b, c) == pytest.approx(want, rel=1e-10, abs=1e-300)


def test_normal_and_binomial_functions_equal_scipy_in_the_tails_and_at_scale():
    from scipy import stats

    from judgekit.stats.intervals import _z, binom_half_cdf, normal_sf

    for alpha in (0.5, 0.1, 0.01, 1e-6):
        assert _z(alpha) == pytest.approx(stats.norm.ppf(1 - alpha / 2), rel=1e-12)
    for z in (0.0, 0.3, 1.96, 5.0, 12.0, 30.0):
        assert normal_sf(z) == pytest.approx(stats.norm.sf(z), rel=1e-12, abs=1e-300)
    for n, k in ((1, 0), (10, 3), (1000, 480), (20_000, 9_800), (20_000, 9_000), (50_001, 25_000), (5_000, 10)):
        assert binom_half_cdf(k, n) == pytest.approx(stats.binom.cdf(k, n, 0.5), rel=1e-10, abs=1e-300)
    assert binom_half_cdf(-1, 5) == 0.0 and binom_half_cdf(5, 5) == 1.0
