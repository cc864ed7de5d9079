"""Comparison statistics: hand-computed kappa, Holm, ranks and paired tests, and an end-to-end comparison."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from judgekit import api
from judgekit.compare import agreement_table, cohen_kappa, compare_runs, holm, rank_table, ratio_reps
from judgekit.stats.intervals import exact_mcnemar


def test_cohen_kappa_hand_computed():
    # 2x2 table [[20, 5], [10, 15]]: p_o = 35/50 = 0.7; p_e = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.4
    x = ["A"] * 25 + ["B"] * 25
    y = ["A"] * 20 + ["B"] * 5 + ["A"] * 10 + ["B"] * 15
    assert cohen_kappa(x, y) == pytest.approx(0.4)
    assert cohen_kappa(x, x) == pytest.approx(1.0)
    assert np.isnan(cohen_kappa(["A", "A"], ["A", "A"]))  # p_e = 1: undefined
    assert np.isnan(cohen_kappa([], []))


def test_holm_hand_computed():
    # sorted p: 0.01, 0.02, 0.04 -> 3*0.01, max(0.03, 2*0.02), max(0.04, 1*0.04)
    out = holm([0.04, 0.01, 0.02, float("nan")])
    assert out[:3] == pytest.approx([0.04, 0.03, 0.04])
    assert np.isnan(out[3])


def test_rank_table_ties_and_direction():
    point = np.array([0.1, 0.3, 0.1])
    reps = np.array([[0.1, 0.3, 0.2], [0.2, 0.3, 0.1], [0.1, 0.2, 0.3]])
    lower = rank_table(point, reps, ["a", "b", "c"], higher_is_better=False)
    assert lower["rank"].tolist() == [1, 3, 1]  # tie shares the lowest rank
    assert lower["p_best"].tolist() == pytest.approx([2 / 3, 0, 1 / 3])
    higher = rank_table(point, reps, ["a", "b", "c"], higher_is_better=True)
    assert higher["rank"].tolist() == [2, 1, 2]


def test_ratio_reps_are_paired_and_exact_without_variation():
    num = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    den = np.ones_like(num)
    reps = ratio_reps(num, den, 300, 0)
    assert reps.shape == (300, 2) and np.all(reps[:, 0] == 1.0)
    assert 0.0 <= reps[:, 1].min() and reps[:, 1].max() <= 1.0 and abs(reps[:, 1].mean() - 0.5) < 0.05


def test_agreement_with_gold_and_between_judges():
    base = {"probe": "position", "condition": "control", "cue_key": "|"}
    j1 = pd.DataFrame([{**base, "item_id": f"i{k}", "order": o, "chosen": "A", "label": "A"}
                       for k in range(4) for o in ("AB", "BA")])
    j2 = j1.copy()
    j2.loc[j2["item_id"] == "i0", "chosen"] = "B"
    t = agreement_table({"one": j1, "two": j2}, ["i0", "i1", "i2", "i3"])
    row = t[(t.judge_1 == "one") & (t.judge_2 == "two")].iloc[0]
    assert row.n == 8 and row.agreement == pytest.approx(6 / 8)
    gold = t[(t.judge_1 == "two") & (t.judge_2 == "gold")].iloc[0]
    assert gold.agreement == pytest.approx(6 / 8)


def _items(path, n=40):
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            label = "AB"[i % 2]
            right, wrong = f"It is {i * 3}.", f"It is {i * 3 + 1}."
            a, b = (right, wrong) if label == "A" else (wrong, right)
            fh.write(json.dumps({"id": f"q{i}", "prompt": f"What is {i} times 3?", "response_a": a,
                                 "response_b": b, "label": label, "kind": "fact"}) + "\n")
    return path


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cmp")
    data, db = _items(tmp / "d.jsonl"), tmp / "c.duckdb"
    ids = [api.evaluate("bias", judge=j, data=str(data), db=db, probes=["position", "bandwagon", "authority"],
                        make_report=False, progress=False).run_id
           for j in ("scripted/bandwagon=0.6", "scripted/first=0.0", "scripted/bandwagon=0.6,first=0.5")]
    return db, ids


def test_compare_runs_end_to_end(three_runs):
    db, ids = three_runs
    c = compare_runs(db, ids, n_boot=2000)
    assert c.n_items == 40 and list(c.runs["run_id"]) == ids
    # the per-item SQL (net pairs of the read model) reproduces the stored headline cue_net_effect of each run
    for rid, label in zip(ids, c.runs["label"], strict=True):
        stored = api.metrics(rid, db=db)
        be = stored[(stored.probe == "bandwagon") & (stored.metric == "cue_net_effect") & (stored.subset == "all")]
        r = c.ranking[(c.ranking.criterion == "cue_net_effect:bandwagon") & (c.ranking.judge == label)].iloc[0]
        assert r.estimate == pytest.approx(abs(be.estimate.iloc[0]))
    bw = c.ranking[c.ranking.criterion == "cue_net_effect:bandwagon"].set_index("judge")
    assert bw.loc["scripted/first=0.0", "rank"] == 1 and bw.loc["scripted/first=0.0", "p_best"] > 0.9
    t = c.tests[(c.tests.criterion == "cue_net_effect:bandwagon") & (c.tests.judge_1 == "scripted/bandwagon=0.6")
                & (c.tests.judge_2 == "scripted/first=0.0")].iloc[0]
    assert t.difference > 0.15 and t.ci_low > 0 and t.p_holm < 0.05 and t.p_holm >= t.p_value
    # position consistency: the first-biased judge is inconsistent; McNemar p matches the counts
    pc = c.tests[(c.tests.criterion == "position_consistency")
                 & (c.tests.judge_2 == "scripted/bandwagon=0.6,first=0.5")]
    row = pc[pc.judge_1 == "scripted/bandwagon=0.6"].iloc[0]
    b, cc = (int(x) for x in row.test.split("b=")[1].rstrip(")").split(", c="))
    assert row.p_value == pytest.approx(exact_mcnemar(b, cc)) and row.difference == pytest.approx((b - cc) / row.n)
    assert set(c.agreement.judge_2) >= {"gold"} and (c.agreement.kappa <= 1).all()


def test_compare_rejects_unknown_or_single_run(three_runs):
    db, ids = three_runs
    with pytest.raises(ValueError, match="at least two"):
        compare_runs(db, ids[:1])
    with pytest.raises(ValueError, match="no run"):
        compare_runs(db, [ids[0], "nope"])
