"""Mitigations: planted biases that each fix must remove, and hand-computed cost accounting."""

import json
import math
import re

import pandas as pd
import pytest

from judgekit import api
from judgekit.datasets import load_items
from judgekit.judges.scripted import ScriptedJudge
from judgekit.stats.mitigation import mitigation_metrics, swap_aggregate
from judgekit.types import JudgeOutput
from tests.conftest import write_fact_items

PRIOR = 1.5  # log-odds bonus of the first position
CONTENT = 2.0  # log-odds bonus of the right answer


def prior_judge(req, gold, rng):
    """p(first) = sigmoid(+-2 + 1.5): a judge with a position prior in its probabilities."""
    z = (CONTENT if gold == "A" else -CONTENT) + PRIOR
    p = 1 / (1 + math.exp(-z))
    choice = "A" if rng.random() < p else "B"
    return JudgeOutput(choice=choice, p_a=p, p_b=1 - p, raw=choice, input_tokens=100, output_tokens=1)


def _row(m, probe, metric, mit):
    r = m[(m.probe == probe) & (m.metric == metric) & (m.subset == f"mitigation:{mit}")]
    assert len(r) == 1
    return r.iloc[0]


def test_swap_and_calibrate_remove_a_planted_position_prior(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 400)
    judge = ScriptedJudge(load_items(str(data)), policy=prior_judge)
    res = api.evaluate("position", judge_obj=judge, data=str(data), db=tmp_path / "p.duckdb",
                       mitigations="swap,calibrate", make_report=False, progress=False)
    m = res.metrics
    # without mitigation the first position wins far more than half the time
    fpr = m[(m.metric == "first_position_rate") & (m.subset == "all")].iloc[0]
    assert fpr.ci_low > 0.6
    before = fpr.estimate - 0.5
    for mit in ("swap", "calibrate"):
        change = _row(m, "position", "mitigation_bias_change", mit)
        # the first-position rate after the fix is 0.5 within the interval: change == -before
        assert change.ci_low - 0.01 <= -before <= change.ci_high + 0.01, (mit, change.estimate, before)
        assert abs(change.estimate + before) < 0.03
        acc = _row(m, "position", "mitigation_accuracy_change", mit)
        assert acc.estimate >= 0 and acc.ci_high > 0  # accuracy on gold is kept (here it improves)
        assert _row(m, "position", "mitigation_tie_rate", mit).estimate == 0
    assert _row(m, "position", "mitigation_extra_tokens", "swap").estimate == pytest.approx(101)
    assert _row(m, "position", "mitigation_extra_tokens", "calibrate").estimate == 0


OBEY = 0.75


def obedient_follower(req, gold, rng):
    """Follows a crowd cue with probability 0.4 unless it obeys the anti-bias system prompt (p = 0.75)."""
    system = " ".join(x["content"] for x in req.messages if x["role"] == "system")
    user = req.messages[-1]["content"]
    cue = re.findall(r"Response ([AB])", user.rsplit("[Question]", 1)[0])
    instructed = "what other people or experts prefer" in system
    if cue and rng.random() < 0.4 and not (instructed and rng.random() < OBEY):
        choice = cue[-1]
    else:
        choice = gold or "A"
    return JudgeOutput(choice=choice, raw=choice, input_tokens=len(system) // 4 + len(user) // 4, output_tokens=1)


def test_system_prompt_reduction_matches_the_planted_obedience(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 500)
    judge = ScriptedJudge(load_items(str(data)), policy=obedient_follower)
    res = api.evaluate("bias", judge_obj=judge, data=str(data), db=tmp_path / "b.duckdb", probes=["bandwagon"],
                       mitigations="system-prompt", make_report=False, progress=False)
    m = res.metrics
    be = m[(m.probe == "bandwagon") & (m.metric == "bias_effect") & (m.subset == "all")].iloc[0]
    assert be.ci_low <= 0.2 <= be.ci_high
    change = _row(m, "bandwagon", "mitigation_bias_change", "system-prompt")
    expected = -0.2 * OBEY  # 0.4 / 2 -> 0.4 * 0.25 / 2
    assert change.ci_low <= expected <= change.ci_high
    assert _row(m, "bandwagon", "mitigation_extra_tokens", "system-prompt").estimate > 0  # longer prompt


def _frame(rows):
    cols = ["item_id", "probe", "condition", "order", "repeat", "label", "kind", "choice", "chosen", "correct",
            "p_a", "p_b", "cue_target", "template", "placement", "input_tokens", "output_tokens", "cost_usd",
            "mitigation"]
    return pd.DataFrame(rows, columns=cols)


def test_tie_rate_and_cost_on_a_hand_computed_table():
    # Item x: AB picks A (original A), BA picks presented A (original B) -> disagreement -> tie under swap.
    # Item y: both orders pick original B -> B under swap. No probabilities: agreement rule.
    rows = [
        ["x", "position", "control", "AB", 0, "A", "fact", "A", "A", True, None, None, None, None, None, 10, 1, 0.01,
         "none"],
        ["x", "position", "control", "BA", 0, "A", "fact", "A", "B", False, None, None, None, None, None, 12, 1,
         0.02, "none"],
        ["y", "position", "control", "AB", 0, "B", "fact", "B", "B", True, None, None, None, None, None, 20, 1, 0.03,
         "none"],
        ["y", "position", "control", "BA", 0, "B", "fact", "A", "B", True, None, None, None, None, None, 22, 1, 0.04,
         "none"],
    ]
    df = _frame(rows)
    swapped = swap_aggregate(df)
    assert swapped.set_index(["item_id", "order"])["chosen"].to_dict() == {
        ("x", "AB"): "tie", ("x", "BA"): "tie", ("y", "AB"): "B", ("y", "BA"): "B"}
    m = mitigation_metrics(df, ["none", "swap"], ["position"], n_boot=200)
    get = lambda metric: m[m.metric == metric].iloc[0]  # noqa: E731
    # one aggregated verdict per item (not one per order row): x tie, y not -> 1/2 over n = 2
    assert get("mitigation_tie_rate").estimate == 0.5 and get("mitigation_tie_rate").n == 2
    # tokens per verdict: without = (11 + 13 + 21 + 23) / 4 = 17; with swap each verdict costs both calls:
    # x: 11 + 13 = 24, y: 21 + 23 = 44 -> (24 + 24 + 44 + 44) / 4 = 34 -> extra 17
    assert get("mitigation_extra_tokens").estimate == pytest.approx(17)
    # cost: without (0.01 + 0.02 + 0.03 + 0.04) / 4 = 0.025; swap (0.03 * 2 + 0.07 * 2) / 4 = 0.05
    assert get("mitigation_extra_cost").estimate == pytest.approx(0.025)
    # accuracy on control: 3/4 without; with swap x is a tie (wrong), y right -> 2/4
    assert get("mitigation_accuracy_change").estimate == pytest.approx(-0.25)


def test_judge_pairs_writes_debiased_verdicts(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 200)
    items = load_items(str(data))
    judge = ScriptedJudge(items, policy=prior_judge)
    db = tmp_path / "j.duckdb"
    out = api.judge_pairs(str(data), judge_obj=judge, mitigations="swap,calibrate", db=db,
                          out=tmp_path / "v.jsonl", progress=False)
    gold = {it.id: it.label for it in items}
    assert len(out) == 200 and (out.verdict == out.item_id.map(gold)).all()  # the prior is gone
    assert ((out.p_a + out.p_b - 1).abs() < 1e-9).all()
    lines = [json.loads(x) for x in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert len(lines) == 200 and {"verdict", "p_a", "verdict_ab", "verdict_ba"} <= set(lines[0])
    stored = api.Store(db, create=False).query("SELECT count(*) AS n FROM debiased").n[0]
    assert stored == 200
    calls = judge.calls
    again = api.judge_pairs(str(data), judge_obj=judge, mitigations="swap,calibrate", db=db,
                            out=tmp_path / "v.parquet", progress=False)
    assert judge.calls == calls  # served from the cache
    assert pd.read_parquet(tmp_path / "v.parquet").verdict.tolist() == again.verdict.tolist()


def test_unknown_mitigation_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown mitigation 'sawp'"):
        api.evaluate("position", judge="scripted/gold", data=str(write_fact_items(tmp_path / "d.jsonl", 5)),
                     db=tmp_path / "x.duckdb", mitigations="sawp", make_report=False, progress=False)
