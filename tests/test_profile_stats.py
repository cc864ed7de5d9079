"""Profile statistics against hand-computed tables and planted truths."""

import numpy as np
import pandas as pd
import pytest

from judgekit.analysis.profile.align import alignment, kendall_tau, top_k, top_k_overlap
from judgekit.analysis.profile.influence import factor_influence, influence_table
from judgekit.analysis.profile.joint import joint_model, lc_win_rate, style_bt

# pair, f(A) - f(B), choice      -> outcome
HAND = [("p1", 2.0, "A"),        # C
        ("p2", 1.0, "B"),        # D
        ("p3", -3.0, "B"),       # C
        ("p4", 0.0, "A"),        # factor tie
        ("p5", 5.0, "tie"),      # choice tie
        ("p6", np.nan, "A"),     # missing value
        ("p7", -1.0, "B"),       # C
        ("p8", -2.0, "A")]       # D


def test_tau_hand_table():
    pid, d, c = zip(*HAND, strict=True)
    r = factor_influence(pid, c, d, n_boot=500, seed=1)
    assert (r["concordant"], r["discordant"]) == (3, 2)
    assert r["estimate"] == pytest.approx((3 - 2) / (3 + 2))
    assert (r["n_tie_factor"], r["n_tie_choice"], r["n_missing"], r["n"], r["n_pairs"]) == (1, 1, 1, 5, 8)
    assert -1 <= r["ci_low"] <= r["estimate"] <= r["ci_high"] <= 1
    # sign test on pair leans: 3 pairs lean +, 2 lean -: 2 * P(X <= 2 | n=5) = 2 * 16/32 = 1
    assert r["p_value"] == pytest.approx(1.0)
    # a tolerance of 1 turns p2 and p7 into factor ties: C = 2, D = 1
    r = factor_influence(pid, c, d, tol=1.0, n_boot=200)
    assert (r["concordant"], r["discordant"], r["n_tie_factor"]) == (2, 1, 3)
    assert r["estimate"] == pytest.approx(1 / 3)


def test_tau_clusters_and_table():
    j = pd.DataFrame({"pair_id": ["p1", "p1", "p2", "p1"], "annotator": ["h", "h", "h", "j"],
                      "choice": ["A", "A", "B", "B"]})
    deltas = pd.DataFrame({"len": [3.0, 1.0]}, index=["p1", "p2"])
    t = influence_table(j, deltas, n_boot=300).set_index("annotator")
    # human: p1 twice concordant, p2 discordant -> (2 - 1) / 3 over 2 pairs; judge: one discordant
    assert t.loc["h", "estimate"] == pytest.approx(1 / 3) and t.loc["h", "n_pairs"] == 2
    assert t.loc["j", "estimate"] == -1.0 and t.loc["j", "n"] == 1
    # no decisive non-tied judgment: undefined, not zero
    r = factor_influence(["x"], ["tie"], [1.0])
    assert np.isnan(r["estimate"]) and np.isnan(r["ci_low"]) and r["n"] == 0


def test_kendall_across_factors_by_hand():
    human = {"f1": 0.8, "f2": 0.4, "f3": -0.2, "f4": 0.1}
    judge = {"f1": 0.3, "f2": 0.7, "f3": -0.5, "f4": 0.2}
    # 6 factor pairs: only (f1, f2) is discordant -> (5 - 1) / 6
    assert kendall_tau(list(human.values()), list(judge.values())) == pytest.approx(4 / 6)
    # tau-b with a tie in x: C = 2, D = 0, n0 = 3, ties_x = 1 -> 2 / sqrt(2 * 3)
    assert kendall_tau([1, 1, 2], [1, 2, 3]) == pytest.approx(2 / np.sqrt(6))
    assert np.isnan(kendall_tau([1, 1], [1, 2]))
    assert top_k(judge, 2) == ["f2", "f1"]
    assert top_k_overlap(human, judge, 2)[0] == 1.0
    assert top_k_overlap(human, judge, 1) == (0.0, ["f1"], ["f2"])
    assert top_k_overlap(human, judge, 3)[0] == 1.0  # {f1, f2, f4} on both sides
    judge["f3"] = 0.25  # judge top-3 becomes {f2, f1, f3}: 2 of 3 shared
    assert top_k_overlap(human, judge, 3)[0] == pytest.approx(2 / 3)


def _planted(n=600, seed=1):
    """Humans prefer more facts whatever the length; the judge prefers length; the two correlate."""
    rng = np.random.default_rng(seed)
    fa, fb = rng.integers(1, 9, n), rng.integers(1, 9, n)
    la, lb = 15 * fa + rng.normal(0, 20, n), 15 * fb + rng.normal(0, 20, n)
    ids = [f"p{i}" for i in range(n)]
    deltas = pd.DataFrame({"facts": fa - fb, "length": la - lb, "noise": rng.normal(0, 1, n)}, index=ids)
    ph, pj = 1 / (1 + np.exp(-1.2 * (fa - fb))), 1 / (1 + np.exp(-0.06 * (la - lb)))
    human = pd.DataFrame({"pair_id": ids, "annotator": "human", "choice": np.where(rng.random(n) < ph, "A", "B")})
    judge = pd.DataFrame({"pair_id": ids, "annotator": "judge", "choice": np.where(rng.random(n) < pj, "A", "B")})
    return deltas, human, judge


def test_planted_confound_is_separated():
    deltas, human, judge = _planted()
    assert deltas[["facts", "length"]].corr().iloc[0, 1] > 0.8
    t = influence_table(pd.concat([human, judge]), deltas, n_boot=500).set_index(["annotator", "factor"])
    # marginally both factors "drive" both annotators, through the correlation
    assert t.loc[("human", "length"), "ci_low"] > 0 and t.loc[("judge", "facts"), "ci_low"] > 0
    assert t.loc[("human", "facts"), "estimate"] > t.loc[("human", "length"), "estimate"]
    assert t.loc[("judge", "length"), "estimate"] > t.loc[("judge", "facts"), "estimate"]
    h = joint_model(human, deltas, ["facts", "length", "noise"]).set_index("factor")
    j = joint_model(judge, deltas, ["facts", "length", "noise"]).set_index("factor")
    assert h.loc["length", "marginal_ci_low"] > 0 and h.loc["length", "ci_low"] <= 0 <= h.loc["length", "ci_high"]
    assert h.loc["facts", "ci_low"] > 0 and bool(h.loc["length", "explained_by_correlates"])
    assert not bool(h.loc["facts", "explained_by_correlates"]) and "facts" in h.loc["length", "correlates"]
    assert j.loc["facts", "marginal_ci_low"] > 0 and j.loc["facts", "ci_low"] <= 0 <= j.loc["facts", "ci_high"]
    assert j.loc["length", "ci_low"] > 0 and bool(j.loc["facts", "explained_by_correlates"])
    al = alignment(human, judge, deltas, ["facts", "length", "noise"], k=1, n_boot=300).set_index("metric")
    assert al.loc["top_k_overlap", "estimate"] == 0.0  # human: facts first; judge: length first
    diffs = al[al.index == "tau_difference"].set_index("factor")
    assert bool(diffs.loc["facts", "misaligned"]) and diffs.loc["facts", "ci_high"] < 0
    assert bool(diffs.loc["length", "misaligned"]) and diffs.loc["length", "ci_low"] > 0
    assert not bool(diffs.loc["noise", "misaligned"])


def test_joint_model_degenerate_inputs_give_notes():
    deltas = pd.DataFrame({"f": [1.0, 1.0, 1.0]}, index=["a", "b", "c"])
    j = pd.DataFrame({"pair_id": ["a", "b", "c"], "annotator": "h", "choice": ["A", "B", "A"]})
    out = joint_model(j, deltas, ["f"])
    assert out.iloc[0]["factor"] == "f" and "no variation" in out.iloc[0]["note"]


def test_lc_win_rate_on_a_judge_that_only_likes_length():
    rng = np.random.default_rng(4)
    n = 800
    dl = rng.normal(300, 80, n) - rng.normal(200, 80, n)   # the model is usually longer than the baseline
    y = (rng.random(n) < 1 / (1 + np.exp(-3 * np.tanh(dl / dl.std())))).astype(float)
    r = lc_win_rate(y, dl, [str(i) for i in range(n)])
    assert r["raw_win_rate"] > 0.7
    assert r["ci_low"] <= 0.5 <= r["ci_high"] and abs(r["estimate"] - 0.5) < 0.06
    assert r["length_coef"] > 2
    # a model that is genuinely better keeps its advantage after length control
    y2 = (rng.random(n) < 1 / (1 + np.exp(-(1.0 + 3 * np.tanh(dl / dl.std()))))).astype(float)
    assert lc_win_rate(y2, dl, [str(i) for i in range(n)])["ci_low"] > 0.6
    # ties count as half a win
    assert lc_win_rate([1.0, 0.5, 0.0, 0.5], [1, 2, 3, 4], list("abcd"))["raw_win_rate"] == 0.5


def test_style_bt_recovers_planted_coefficients():
    rng = np.random.default_rng(5)
    n, beta = 3000, {"m0": 0.0, "m1": 0.8, "m2": -0.5}
    ma, mb = rng.choice(list(beta), n), rng.choice(list(beta), n)
    keep = ma != mb
    ma, mb = ma[keep], mb[keep]
    la, lb = rng.uniform(50, 500, ma.size), rng.uniform(50, 500, ma.size)
    s = (la - lb) / (la + lb)
    s_std = s / s.std(ddof=1)
    eta = np.array([beta[a] - beta[b] for a, b in zip(ma, mb, strict=True)]) + 0.7 * s_std
    y = (rng.random(ma.size) < 1 / (1 + np.exp(-eta))).astype(float)
    b = pd.DataFrame({"pair_id": np.arange(ma.size).astype(str), "y": y, "len_a": la, "len_b": lb,
                      "md_a": rng.integers(0, 4, ma.size), "md_b": rng.integers(0, 4, ma.size),
                      "model_a": ma, "model_b": mb})
    out = style_bt(b).set_index("term")
    for m in ("m1", "m2"):
        assert out.loc[f"model:{m}", "ci_low"] <= beta[m] <= out.loc[f"model:{m}", "ci_high"]
    assert out.loc["style:length", "ci_low"] <= 0.7 <= out.loc["style:length", "ci_high"]
    assert out.loc["style:markdown", "ci_low"] <= 0 <= out.loc["style:markdown", "ci_high"]
    assert out.loc["model:m0", "estimate"] == 0.0
    no_models = style_bt(b.drop(columns=["model_a", "model_b"])).set_index("term")
    assert "intercept" in no_models.index and "style:length" in no_models.index
