"""The self-preference probe: own answers generated once, derived items, planted judges end to end."""

import json

import pytest

from judgekit import api
from judgekit.datasets.loaders import load_items
from judgekit.judges.scripted import OWN_MARK, ScriptedJudge
from judgekit.probes.self_preference import base_item_id, own_answer_correct, self_items, self_preference_trials
from judgekit.store.db import Store
from judgekit.types import Item


def write_checkable_facts(path, n, seed=1):
    """Fact items whose metadata carries the checkable answer, gold position alternating."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            right, wrong = f"The answer is {i * 7}.", f"The answer is {i * 7 + 1}."
            a, b, label = (right, wrong, "A") if (i + seed) % 2 else (wrong, right, "B")
            fh.write(json.dumps({"id": f"q{i}", "prompt": f"What is {i} times 7?", "response_a": a, "response_b": b,
                                 "label": label, "kind": "fact", "metadata": {"answer": str(i * 7)}}) + "\n")
    return path


def _metric(m, metric, subset="all"):
    row = m[(m.probe == "self-preference") & (m.metric == metric) & (m.subset == subset)]
    assert len(row) == 1, (metric, subset)
    return row.iloc[0]


def test_own_answer_correct_reads_the_checkable_answer():
    item = Item("q", "What is 289 x 7?", "x", "y", "A", "fact", metadata={"answer": "2023"})
    assert own_answer_correct(item, "It is 2,023.") is True
    assert own_answer_correct(item, "It is 12023.") is False
    assert own_answer_correct(item, "It is 2023.5") is False
    assert own_answer_correct(Item("p", "q", "x", "y", "A", "preference"), "anything") is None


def test_derived_items_and_trials(tmp_path):
    items = load_items(str(write_checkable_facts(tmp_path / "d.jsonl", 4)))
    own = {it.id: f"My answer is {i}." for i, it in enumerate(items) if i != 3}  # one item got no answer
    derived = self_items(items, own, pair_with="both")
    assert len(derived) == 6 and {base_item_id(d.id) for d in derived} == {"q0", "q1", "q2"}
    assert all(d.response_a == own[base_item_id(d.id)] and d.label is None for d in derived)
    gold_side = next(d for d in derived if d.id == "q1#self-gold")
    q1 = items[1]
    assert gold_side.response_b == (q1.response_a if q1.label == "A" else q1.response_b)
    assert gold_side.metadata["own_correct"] is False
    trials = self_preference_trials(items, seed=0, own_answers=own)
    assert len(trials) == 6 and {t.condition for t in trials} == {"self_gold"}
    ab = next(t for t in trials if t.item_id == "q0#self-gold" and t.order == "AB")
    ba = next(t for t in trials if t.item_id == "q0#self-gold" and t.order == "BA")
    assert ab.first == own["q0"] and ba.second == own["q0"] and ab.cue["own"] == "A"
    assert ab.cue["template"] == "own-right"  # "My answer is 0." gives q0's answer, 0
    with pytest.raises(ValueError, match="needs the judge's own answers"):
        self_preference_trials(items, seed=0)


@pytest.mark.parametrize("judge,rate", [("scripted/self=0.4,wrong=0.5", 0.7), ("scripted/wrong=0.5", 0.5)])
def test_planted_self_preference_is_recovered_and_absent_without_it(tmp_path, judge, rate):
    # Its own answers are marked; it picks its own with probability s = 0.4 and otherwise at random (which of
    # the two is better is unknown to it): rate = s + (1 - s) / 2 = 0.7; half its answers are wrong.
    data = write_checkable_facts(tmp_path / "d.jsonl", 300)
    res = api.evaluate("self-preference", judge=judge, data=str(data), db=tmp_path / "s.duckdb",
                       make_report=True, out=tmp_path, progress=False)
    m = res.metrics
    for subset in ("all", "own:right", "own:wrong", "partner:gold", "fact"):
        r = _metric(m, "self_preference_rate", subset)
        assert r.ci_low <= rate <= r.ci_high and abs(r.estimate - rate) < 0.08, (subset, r.estimate)
    head = _metric(m, "self_preference_rate")
    assert head.n == 600 and "own:right / own:wrong" in head.note
    assert (head.p_value < 1e-6) if rate != 0.5 else (head.p_value > 0.01)
    acc = _metric(m, "own_answer_accuracy")
    assert acc.n == 300 and acc.ci_low <= 0.5 <= acc.ci_high
    html = res.report_path.read_text(encoding="utf-8")
    assert "self_preference_rate" in html or "self-preference" in html


def test_own_answers_are_generated_once_and_cached(tmp_path):
    data = write_checkable_facts(tmp_path / "d.jsonl", 20)
    items = load_items(str(data))
    judge = ScriptedJudge(items, spec="scripted/self=0.4")
    db = tmp_path / "c.duckdb"
    first = api.evaluate("self-preference", judge_obj=judge, data=str(data), db=db, make_report=False,
                         progress=False)
    assert judge.calls == 20 + 40  # 20 answers, then 20 derived items in two orders
    again = api.evaluate("self-preference", judge_obj=judge, data=str(data), db=db, make_report=False,
                         progress=False)
    assert judge.calls == 60 and again.run_id == first.run_id
    stored = api.verdicts(first.run_id, db=db)
    assert stored["response_a"].str.endswith(OWN_MARK).all()
    config = Store(db).run(first.run_id)["config"]
    config = json.loads(config) if isinstance(config, str) else config
    assert config["self_preference_answers"]["answered"] == 20
    assert config["self_preference_answers"]["identity"]["backend"] == "scripted"


def test_pair_with_both_from_a_suite_file(tmp_path):
    data = write_checkable_facts(tmp_path / "d.jsonl", 30)
    suite = tmp_path / "sp.yaml"
    suite.write_text("name: sp\nprobes: [self-preference]\nprobe_options:\n  self-preference: {pair_with: both}\n")
    res = api.evaluate(str(suite), judge="scripted/self=0.4", data=str(data), db=tmp_path / "b.duckdb",
                       make_report=False, progress=False)
    assert res.stats.n_trials == 30 * 2 * 2
    assert {"partner:gold", "partner:other"} <= set(res.metrics["subset"])
