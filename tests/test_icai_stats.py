"""ICAI voting, metrics, selection and reconstruction statistics on hand-computed tables."""

import numpy as np
import pandas as pd
import pytest

from judgekit.analysis.icai.metrics import fit_logistic, long_metrics, lr_test_beyond_length, principle_metrics
from judgekit.analysis.icai.reconstruct import length_scores, reconstruction_table, verdict_score
from judgekit.analysis.icai.select import (
    candidates,
    cv_logloss,
    forward_select,
    majority_scores,
    rank_select,
    split_items,
)
from judgekit.analysis.icai.vote import combine_orders, normalise_answer, parse_votes, vote_counts, vote_matrix
from judgekit.stats.intervals import ratio_bootstrap
from judgekit.types import Item


def _item(i, label, a="one two", b="one two", category=None):
    return Item(id=f"i{i}", prompt="q", response_a=a, response_b=b, label=label, category=category)


def test_parse_votes_json_lines_and_failures():
    assert parse_votes('```json\n{"1": "A", "2": "not applicable", "3": "Both"}\n```', 3) == ["A", "na", "both"]
    assert parse_votes('<think>{"1": "B"}</think>{"1": "A", "2": "Response B"}', 2) == ["A", "B"]
    assert parse_votes("1. A\n2: N/A\nPrinciple 3 - B", 4) == ["A", "na", "B", "invalid"]
    assert parse_votes("I cannot help with that.", 2) == ["invalid", "invalid"]
    assert parse_votes('{"1": "maybe", "7": "A"}', 2) == ["invalid", "invalid"]
    assert parse_votes(None, 1) == ["invalid"]
    assert [normalise_answer(x) for x in ("(a)", "b.", "tie", "neither", "?")] == ["A", "B", "both", "na", "invalid"]


@pytest.mark.parametrize("ab,ba,expected", [
    ("A", "B", "a"), ("B", "A", "b"),            # same response in both orders
    ("A", "A", "inconsistent"),                  # always the first slot: position, not content
    ("both", "both", "both"), ("A", "na", "na"), ("na", "na", "na"), ("both", "B", "na"),
    ("invalid", "A", "invalid"), ("B", "invalid", "invalid"),
])
def test_combine_orders(ab, ba, expected):
    assert combine_orders(ab, ba) == expected


HAND_VOTES = ["a", "a", "b", "na", "both", "b", "b", "a", "inconsistent", "invalid"]
HAND_LABELS = ["A"] * 5 + ["B"] * 5


def _hand_table():
    items = [_item(i, lab) for i, lab in enumerate(HAND_LABELS)]
    votes = pd.DataFrame({"item_id": [it.id for it in items], "principle_id": "P1", "vote_ab": "x", "vote_ba": "x",
                          "vote": HAND_VOTES})
    return items, votes


def test_counts_and_metrics_match_hand_computation():
    items, votes = _hand_table()
    counts = vote_counts(votes, {it.id: it.label for it in items}).iloc[0]
    # agree: i0, i1 (a on A), i5, i6 (b on B); disagree: i2 (b on A), i7 (a on B); i9 unreadable is not a vote
    assert (counts.n, counts.agree, counts.disagree, counts.both, counts.na, counts.inconsistent, counts.invalid) \
        == (9, 4, 2, 1, 1, 1, 1)
    m = principle_metrics(votes, items, n_boot=500, seed=3).iloc[0]
    assert m.agreement == pytest.approx(4 / 9) and m.relevance == pytest.approx(6 / 9)
    assert m.accuracy == pytest.approx(4 / 6) and m.strength == pytest.approx(2 / 9)
    agree = np.array([1, 1, 0, 0, 0, 1, 1, 0, 0, 0.0])
    dis = np.array([0, 0, 1, 0, 0, 0, 0, 1, 0, 0.0])
    valid = np.array([1] * 9 + [0.0])
    assert (m.strength_lo, m.strength_hi) == pytest.approx(ratio_bootstrap(agree - dis, valid, n_boot=500, seed=3))
    assert (m.accuracy_lo, m.accuracy_hi) == pytest.approx(ratio_bootstrap(agree, agree + dis, n_boot=500, seed=3))
    assert m.accuracy_lo <= m.accuracy <= m.accuracy_hi
    long = long_metrics(principle_metrics(votes, items, n_boot=50), "train")
    assert list(long.metric) == ["agreement", "relevance", "accuracy", "strength"] and set(long.n) == {9}
    assert vote_matrix(votes, [it.id for it in items], ["P1"])[:, 0].tolist() == [1, 1, -1, 0, 0, -1, -1, 1, 0, 0]


def test_fit_logistic_matches_statsmodels_and_lr_test():
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    x = np.column_stack([np.ones(300), rng.normal(size=300), rng.integers(-1, 2, 300)])
    y = (rng.random(300) < 1 / (1 + np.exp(-(0.3 + 0.8 * x[:, 1] - 0.5 * x[:, 2])))).astype(float)
    beta, ll = fit_logistic(x, y, l2=0.0)
    ref = sm.Logit(y, x).fit(disp=0)
    assert beta == pytest.approx(ref.params, abs=1e-5) and ll == pytest.approx(ref.llf, abs=1e-6)
    small = sm.Logit(y, x[:, :2]).fit(disp=0)
    p = lr_test_beyond_length(y, x[:, 1], x[:, 2])
    from scipy import stats

    assert p == pytest.approx(stats.chi2.sf(2 * (ref.llf - small.llf), 1), rel=1e-3)
    # a vote identical to the length sign adds nothing beyond length
    sign = np.sign(x[:, 1])
    assert lr_test_beyond_length(y, sign, sign) == pytest.approx(1.0)


def test_length_flag_on_a_constructed_table():
    # 40 pairs; the longer response wins 34 times; principle L votes for the longer one,
    # principle R follows a content rule that decides 20 pairs and never looks at length.
    items, rows = [], []
    for i in range(40):
        label = "A" if i % 2 == 0 else "B"
        longer_is_gold = i % 20 >= 3  # 34 of 40
        long_side = label if longer_is_gold else ("B" if label == "A" else "A")
        a, b = ("w " * 9, "w " * 3) if long_side == "A" else ("w " * 3, "w " * 9)
        items.append(_item(i, label, a, b))
        rows.append((f"i{i}", "L", long_side.lower()))
        rows.append((f"i{i}", "R", label.lower() if i < 20 else "na"))
    votes = pd.DataFrame(rows, columns=["item_id", "principle_id", "vote"]).assign(vote_ab="", vote_ba="")
    m = principle_metrics(votes, items, n_boot=300).set_index("principle_id")
    assert m.loc["L", "strength"] == pytest.approx((34 - 6) / 40) and m.loc["L", "strength_lo"] > 0
    assert m.loc["L", "length_alignment"] == 1.0 and m.loc["L", "length_explained"]
    assert m.loc["R", "strength"] == pytest.approx(0.5) and not m.loc["R", "length_explained"]
    assert m.loc["R", "p_beyond_length"] < 0.01
    c = candidates(m.reset_index(), min_relevance=0.1).set_index("principle_id")
    assert c.loc["L", "reason"] == "explained by length" and c.loc["R", "candidate"]
    assert candidates(m.reset_index(), exclude_length=False).set_index("principle_id").loc["L", "candidate"]


def test_cv_logloss_intercept_only_by_hand():
    y = np.array([1, 1, 0, 1, 0, 1.0])
    folds = np.array([0, 0, 0, 1, 1, 1])
    # fold 0 held out: train mean 2/3; fold 1 held out: train mean 2/3
    p = 2 / 3
    # held-out y: [1, 1, 0] and [1, 0, 1]
    expected = -(2 * np.log(p) + np.log(1 - p) + 2 * np.log(p) + np.log(1 - p)) / 6
    assert cv_logloss(np.zeros((6, 0)), y, folds) == pytest.approx(expected, abs=1e-6)


def test_forward_selection_skips_duplicates_and_noise():
    rng = np.random.default_rng(1)
    n = 120
    y_sign = rng.choice([-1.0, 1.0], n)
    rule1 = np.where(np.arange(n) < 60, y_sign, 0)     # decides half the pairs
    rule2 = np.where(np.arange(n) >= 60, y_sign, 0)    # decides the other half
    noise = rng.choice([-1.0, 0.0, 1.0], n)
    votes = np.column_stack([noise, rule1, rule1.copy(), rule2])
    ids = ["noise", "r1", "r1_copy", "r2"]
    chosen, trace = forward_select(votes, (y_sign > 0).astype(float), ids, ids, k=4, min_gain=0.005, seed=0)
    assert sorted(chosen) == ["r1", "r2"] and len(trace) == 3
    assert (trace["gain"].dropna() > 0.005).all()
    ranked, _ = rank_select(votes, ids, {"noise": 0.01, "r1": 0.5, "r1_copy": 0.49, "r2": 0.45}, ids, k=3)
    assert ranked == ["r1", "r2", "noise"]  # the copy correlates 1.0 with r1


def test_majority_scores_and_split():
    votes = np.array([[1, 1, -1], [0, 0, 0], [-1, 1, 0], [-1, -1, 1]], dtype=float)
    assert majority_scores(votes, np.array([1, 1, 1, 1.0])).tolist() == [1.0, 0.5, 0.5, 0.0]
    items = [_item(i, "A", category=c) for i, c in enumerate(["x"] * 10 + ["y"] * 10 + ["z"] * 10)]
    train, test = split_items(items, 0.3, seed=4)
    assert len(test) == 9 and {it.category for it in test} == {"x", "y", "z"}
    assert sum(it.category == "x" for it in test) == 3
    assert {it.id for it in train} | {it.id for it in test} == {it.id for it in items}
    assert not {it.id for it in train} & {it.id for it in test}
    assert split_items(items, 0.3, seed=4) == (train, test)


def test_reconstruction_scores_and_table():
    assert [verdict_score(c, o, "A") for c, o in [("A", "AB"), ("A", "BA"), ("B", "BA"), ("tie", "AB")]] == \
        [1.0, 0.0, 1.0, 0.5]
    assert np.isnan(verdict_score("invalid", "AB", "A"))
    items = [_item(0, "A", "a b c", "a"), _item(1, "B", "a b c", "a"), _item(2, "A", "a", "b")]
    assert length_scores(items).tolist() == [1.0, 0.0, 0.5]
    s1 = pd.Series([1.0, 1.0, 0.5, 1.0], index=list("wxyz"))
    s2 = pd.Series([0.0, 1.0, 0.5], index=list("wxy"))
    t = reconstruction_table({"c": s1, "b": s2}, {"c": 2}, compare=[("c", "b")], n_boot=400, seed=1)
    t = t.set_index("condition")
    assert t.loc["c", "estimate"] == pytest.approx(0.875) and t.loc["c", "n"] == 4 and t.loc["c", "n_invalid"] == 2
    assert t.loc["c - b", "estimate"] == pytest.approx(1 / 3) and t.loc["c - b", "n"] == 3
    assert (t.loc["c", "ci_low"], t.loc["c", "ci_high"]) == pytest.approx(
        ratio_bootstrap(s1.to_numpy(), np.ones(4), n_boot=400, seed=1))
