"""The anchors' named definitions on hand-computed cases, and where they part from judgekit's."""

import numpy as np
import pandas as pd
import pytest

from judgekit.stats import anchors as A
from judgekit.stats.position import position_metrics


def test_shi_pair_counts_and_pf_keep_unextracted_pairs():
    # AB-order choices, BA-order choices (presented positions); tie = C, invalid = N
    ab = ["A", "B", "tie", "A", "A", "B", "B", "invalid", "A"]
    ba = ["B", "A", "tie", "A", "tie", "B", "tie", "A", "invalid"]
    c = A.shi_pairs(ab, ba)
    assert (c["n_pairs"], c["n_consistent"], c["n_primacy"], c["n_recency"], c["n_pairs_with_invalid"]) == \
        (9, 3, 2, 2, 2)
    assert A.preference_fairness_shi(c) == 0.0
    assert A.position_consistency_shi(c) == pytest.approx(3 / 7)
    # 16 extracted rows; 2 of them have an unextracted partner
    assert A.extraction_success_rate(c) == pytest.approx(14 / 16)
    ab2, ba2 = ["B", "B", "A", "invalid"], ["B", "B", "B", "invalid"]
    c2 = A.shi_pairs(ab2, ba2)
    assert A.preference_fairness_shi(c2) == pytest.approx(2 / 4)  # the all-N pair stays in n_pairs
    # judgekit's preference_fairness drops the unextracted pair: 2 / 3
    df = pd.DataFrame({"item_id": [f"i{k}" for k in range(4)] * 2, "order": ["AB"] * 4 + ["BA"] * 4,
                       "choice": ab2 + ba2, "repeat": 0})
    df["chosen"] = [c if o == "AB" else {"A": "B", "B": "A"}.get(c) for c, o in zip(df["choice"], df["order"],
                                                                                     strict=True)]
    m = position_metrics(df, n_boot=50).set_index("metric")
    assert m.loc["preference_fairness", "estimate"] == pytest.approx(2 / 3)


def test_repetition_stability_majority_versus_all_equal():
    groups = [["A", "A", "A"], ["A", "B", "A"], ["B", "invalid", "B"], ["invalid", "invalid", "invalid"]]
    rs, sd, n = A.repetition_stability_majority(groups)
    assert n == 3 and rs == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)
    one_off = np.std([1.0, 0.0, 1.0], ddof=1)
    assert sd == pytest.approx((0 + one_off + one_off) / 3)
    # a tie between modes takes the smallest (pandas mode()[0]): A over B
    assert A.repetition_stability_majority([["B", "A"]])[0] == 0.5


def test_llmbar_agreement_counts_two_unparsed_as_equal():
    assert A.positional_agreement_llmbar(["A", None, "B", None], ["A", None, "A", "B"]) == 0.5


def test_judgebench_swap_vote_counts_decisive_plus_tie_as_a_win():
    labels = ["A", "A", "A", "B", "B"]
    ab = ["A", "A", "A", "B", None]
    ba = ["A", "tie", "B", "tie", "tie"]
    assert A.accuracy_swap_vote(labels, ab, ba) == pytest.approx(3 / 5)  # AA, A+tie, B+tie win; A/B and tie lose
    assert A.inconsistency_judgebench(ab, ba) == pytest.approx(1 / 5)


def test_alpaca_win_rates_on_soft_preferences():
    q = np.array([1.0, 0.75, 0.5, 0.0, 0.25])  # preference - 1
    assert A.win_rate(q) == pytest.approx(50.0)
    assert A.win_rate_se(q) == pytest.approx(100 * np.std(q, ddof=1) / np.sqrt(5))
    assert A.discrete_counts(q) == {"n_wins": 2, "n_wins_base": 2, "n_draws": 1, "n_total": 5}
    assert A.win_rate_discrete(q) == pytest.approx(100 * 2.5 / 5)


def test_p_prefer_longer_uses_30_characters_and_drops_duplicates():
    texts = pd.DataFrame({"prompt": ["p1", "p2", "p3", "p4", "p1"],
                          "response_a": ["x" * 10, "x" * 100, "x" * 50, "x" * 10, "x" * 10],
                          "response_b": ["y" * 100, "y" * 10, "y" * 60, "y" * 100, "y" * 100]})
    q = np.array([0.9, 0.8, 0.9, 0.5, 0.1])  # row 5 duplicates row 1 and is dropped
    lb = A.length_biases(texts, q)
    # row 1: longer b wins (+90); row 2: shorter b wins (-90); row 3: +10 (not significant); row 4: a draw, 0
    assert lb["n_significant"] == 2 and lb["p_prefer_longer"] == 0.5 and lb["n_pairs"] == 4
    assert lb["percentage_longer"] == pytest.approx((90 / 10 - 90 / 100 + 10 / 50 + 0) / 4)


def test_lc_win_rate_recovers_a_planted_length_effect():
    rng = np.random.default_rng(0)
    la = rng.integers(100, 2000, 4000)
    lb = rng.integers(100, 2000, 4000)
    sd = np.std(la - lb, ddof=1)
    w_len, w_const = -1.5, 0.4  # b preferred more when b is longer (delta = la - lb negative)
    q = 1 / (1 + np.exp(-(w_len * np.tanh((la - lb) / sd) + w_const)))
    assert A.lc_win_rate(la, lb, q) == pytest.approx(100 / (1 + np.exp(-w_const)), abs=1e-8)
    penalised = A.lc_win_rate(la, lb, q, C=100.0)
    assert abs(penalised - A.lc_win_rate(la, lb, q)) < 0.01  # the L1 term with C = 100 barely moves it
    assert A.win_rate(q) != pytest.approx(100 / (1 + np.exp(-w_const)), abs=0.1)


def test_principle_metrics_and_no_decisive_vote():
    ref = ["A", "A", "B", "B", "tie"]
    votes = ["A", "B", "B", None, "A"]  # the tie pair is not counted
    m = A.principle_metrics(ref, votes)
    assert (m["agreed"], m["disagreed"], m["not_applicable"], m["n"]) == (2, 1, 1, 4)
    assert m["agreement"] == 0.5 and m["relevance"] == 0.75 and m["accuracy"] == pytest.approx(2 / 3)
    assert m["strength"] == pytest.approx(0.25)
    silent = A.principle_metrics(ref, [None] * 5)
    assert silent["accuracy"] == 0.5 and silent["strength"] == 0.0 and silent["not_applicable"] == 4
