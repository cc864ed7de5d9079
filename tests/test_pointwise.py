"""The pointwise protocol through the whole pipeline: trials, score sub-requests asked once, planted score biases
recovered, and the pair verdict from the two scores."""

from __future__ import annotations

import json
from dataclasses import replace

import duckdb
import pytest

from judgekit import api
from judgekit.judges.pointwise import PointwiseJudge, pair_output, pointwise_request
from judgekit.judges.prompt import load_template
from judgekit.judges.scripted import ScriptedJudge
from judgekit.plan.spec import load_suite
from judgekit.plan.trials import make_plan
from judgekit.store.db import Store
from judgekit.types import Item, JudgeOutput
from tests.conftest import write_fact_items

CUE_PROBES = ("bandwagon", "authority", "verbosity", "distraction", "reflection")


class Counting(ScriptedJudge):
    """A scripted judge that records every score sub-request it is asked."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.asked: list[str] = []

    def judge(self, requests):
        self.asked.extend(r.key for r in requests)
        yield from super().judge(requests)


def _items(n=6):
    return [Item(f"q{i}", f"What is {i} times 7?", f"The answer is {7 * i}.", f"The answer is {7 * i + 1}.",
                 label="A" if i % 2 else "B", kind="fact") for i in range(n)]


def _plan(probes, items=None, **kw):
    suite = load_suite("bias", probes=list(probes))
    return make_plan(suite, items or _items(), "d", protocol="pointwise", **kw)


def test_pointwise_trials_are_the_pairwise_trials_scored_alone():
    items = _items()
    pair = make_plan(load_suite("bias"), items, "d")
    point = _plan(load_suite("bias").probes, items)
    assert point.template == "pointwise" and point.config["protocol"] == "pointwise"
    assert {t.protocol for t in point.trials} == {"pointwise"}
    # every pairwise trial but reflection's "between" (no text lies between two responses scored alone)
    assert {t.trial_id for t in point.trials} == {t.trial_id for t in pair.trials if t.condition != "between"}


def test_a_prompt_level_cue_goes_only_into_the_scoring_request_of_its_target():
    tmpl = load_template("pointwise")
    plan = _plan(["bandwagon"])
    cued = [t for t in plan.trials if t.condition.startswith(("cue_", "neutral_"))]
    assert cued
    for t in cued:
        slot = t.cue["score_slot"]
        target = t.cue.get("target") or t.cue.get("inserted")
        assert slot == (target if t.order == "AB" else {"A": "B", "B": "A"}[target])
        req = pointwise_request(tmpl, {"backend": "x"}, t)
        mine, other = req.parts if slot == "A" else req.parts[::-1]
        text = "\n".join(m["content"] for m in mine.messages)
        assert t.cue["text"] in text and "Response A" not in text and "Response B" not in text
        assert t.cue["text"] not in "\n".join(m["content"] for m in other.messages)
        if t.condition.startswith("cue_"):
            assert "%" in t.cue["text"]
        else:
            assert "%" not in t.cue["text"]  # the neutral control names the response without an opinion


def test_identical_sub_requests_share_one_key_across_orders_and_conditions():
    tmpl = load_template("pointwise")
    plan = _plan(["authority"])
    by_id = {t.trial_id: t for t in plan.trials}
    ab = next(t for t in plan.trials if t.condition == "control" and t.order == "AB")
    ba = by_id[ab.trial_id.replace("AB", "BA")] if ab.trial_id.replace("AB", "BA") in by_id else next(
        t for t in plan.trials if t.item_id == ab.item_id and t.condition == "control" and t.order == "BA")
    r_ab, r_ba = pointwise_request(tmpl, {}, ab), pointwise_request(tmpl, {}, ba)
    assert r_ab.parts[0].key == r_ba.parts[1].key and r_ab.parts[1].key == r_ba.parts[0].key
    assert r_ab.key != r_ba.key
    # the response the cue does not touch is the same request in the cued trial and in the control
    cue = next(t for t in plan.trials if t.item_id == ab.item_id and t.condition == "cue_gold" and t.order == "AB")
    untouched = "B" if cue.cue["target"] == "A" else "A"
    i = 0 if untouched == "A" else 1
    assert pointwise_request(tmpl, {}, cue).parts[i].key == r_ab.parts[i].key


def test_a_pairwise_template_cannot_run_pointwise():
    plan = _plan(["position"])
    with pytest.raises(ValueError, match="has no 'scale'"):
        pointwise_request(load_template("pairwise"), {}, plan.trials[0])


def test_pair_verdict_follows_from_the_two_scores():
    def s(v, choice="invalid"):
        return JudgeOutput(choice=choice, score_first=v, parse_rule="score:text:bracket", input_tokens=10)

    assert pair_output(s(7.0), s(4.0)).choice == "A"
    assert pair_output(s(3.0), s(4.0)).choice == "B"
    out = pair_output(s(5.0), s(5.0))
    assert out.choice == "tie" and (out.score_first, out.score_second) == (5.0, 5.0)
    assert pair_output(s(None), s(4.0)).choice == "invalid"  # an unreadable score is never an answer
    assert pair_output(JudgeOutput(choice="error", error="timeout"), s(4.0)).choice == "error"
    # a sub-request shared with an earlier pair is not charged twice
    assert pair_output(s(7.0), s(4.0), charge=(True, False)).input_tokens == 10


def test_text_answers_are_read_by_the_strict_score_reader():
    class Texting(ScriptedJudge):
        def judge(self, requests):
            for r in requests:
                text = "Rating: [[8]]" if "35" in r.first else "I would give it a 3."
                yield r, JudgeOutput(choice="invalid", raw=text)

    plan = _plan(["position"])
    reqs = [pointwise_request(load_template("pointwise"), {}, t) for t in plan.trials]
    outs = list(PointwiseJudge(Texting()).judge(reqs))
    assert len(outs) == len(reqs)
    assert {o.choice for _, o in outs} == {"invalid"}  # "I would give it a 3." is prose, not a score
    one = next(o for r, o in outs if "35" in r.first or "35" in r.second)
    assert "score:text:bracket" in one.parse_rule and "score:text" in one.parse_rule.split("|")


def _run(tmp_path, judge, probes, name="d", n=24, judge_obj=None):
    data = write_fact_items(tmp_path / f"{name}.jsonl", n)
    res = api.evaluate("bias", judge=judge, judge_obj=judge_obj, data=str(data), db=tmp_path / "p.duckdb",
                       probes=list(probes), protocol="pointwise", make_report=False, progress=False)
    return res


def test_ab_and_ba_sub_requests_are_asked_once_and_a_rerun_is_all_cache(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 10)
    from judgekit.datasets import load_items

    items = load_items(str(data))
    judge = Counting(items, spec="scripted/score_noise=1")
    db = tmp_path / "p.duckdb"
    res = api.evaluate("bias", judge_obj=judge, data=str(data), db=db, probes=["position", "authority"],
                       protocol="pointwise", make_report=False, progress=False)
    assert len(judge.asked) == len(set(judge.asked))  # every distinct sub-request once
    with duckdb.connect(str(db), read_only=True) as con:
        keys = con.execute("SELECT request_key FROM trials WHERE run_id = ?", [res.run_id]).fetchall()
        n_scores = con.execute("SELECT count(*) FROM scores").fetchone()[0]
    plan = _plan(["position", "authority"], items)
    tmpl = load_template("pointwise")
    subs = {p.key for t in plan.trials for p in pointwise_request(tmpl, judge.identity(), t).parts}
    assert len(judge.asked) == len(subs) == n_scores
    # position control in AB and BA, authority control, untouched responses: 2 responses per item scored once,
    # plus one per cued/neutral condition (the cued response; its order does not matter)
    n_conditions = len({t.condition for t in plan.trials if t.probe == "authority"}) - 1
    assert len(subs) == 10 * (2 + n_conditions)
    assert len(keys) == len(plan.trials) and res.stats.n_scores_asked == len(subs)
    # the same command again: nothing is asked
    judge.asked.clear()
    again = api.evaluate("bias", judge_obj=judge, data=str(data), db=db, probes=["position", "authority"],
                         protocol="pointwise", make_report=False, progress=False)
    assert judge.asked == [] and again.stats.n_judged == 0
    # another suite over the same responses: pairs it shares are cached; the scores of the others are stored
    judge.asked.clear()
    other = api.evaluate("bias", judge_obj=judge, data=str(data), db=db, probes=["distraction"],
                         protocol="pointwise", make_report=False, progress=False)
    assert other.stats.n_scores_stored > 0
    assert len(judge.asked) == other.stats.n_scores_asked <= 10 * 4


def _metric(db, run_id, probe, metric, subset="all"):
    m = Store(db, create=False).metrics(run_id)
    row = m[(m.probe == probe) & (m.metric == metric) & (m.subset == subset)]
    assert len(row) == 1, (probe, metric, subset)
    return row.iloc[0]


def _shift_rows(db, run_id):
    return [_metric(db, run_id, probe, metric) for probe in CUE_PROBES for metric in ("score_shift", "score_shift_net")]


def test_a_planted_score_bias_is_recovered_in_points(tmp_path):
    k = 2.0
    res = _run(tmp_path, f"scripted/score_cue={k:g},score_noise=1", CUE_PROBES, n=60)
    db = tmp_path / "p.duckdb"
    rows = _shift_rows(db, res.run_id)
    # ten 95% intervals on one seeded sample (sharing its control trials): at most one may miss by chance
    assert sum(r.ci_low <= k <= r.ci_high for r in rows) >= 9, [(r.probe, r.metric, r.ci_low, r.ci_high) for r in rows]
    for r in rows:
        assert r.estimate == pytest.approx(k, abs=0.3) and r.p_value < 0.001, (r.probe, r.metric, r.estimate)
    for probe in CUE_PROBES:
        added = _metric(db, res.run_id, probe, "added_text_score_shift")
        assert abs(added.estimate) < 0.3 and added.ci_low <= 0.0 <= added.ci_high, (probe, added.estimate)
        # the induced change in the pair verdict comes from the pair statistics
        assert _metric(db, res.run_id, probe, "bias_effect").estimate > 0


def test_a_judge_without_the_bias_shows_no_score_shift(tmp_path):
    res = _run(tmp_path, "scripted/score_noise=1", CUE_PROBES, n=60)
    rows = _shift_rows(tmp_path / "p.duckdb", res.run_id)
    assert sum(r.ci_low <= 0.0 <= r.ci_high for r in rows) >= 9, [(r.probe, r.metric, r.ci_low) for r in rows]
    for r in rows:
        assert abs(r.estimate) < 0.3 and r.p_value > 0.01, (r.probe, r.metric, r.estimate, r.p_value)


def test_score_distribution_and_ties_of_a_known_judge(tmp_path):
    # no noise: gold scores 7, the other 4 on 1-10; no tie, a gap of 3 points
    res = _run(tmp_path, "scripted/gold", ["position", "authority"], n=12)
    db = tmp_path / "p.duckdb"
    assert _metric(db, res.run_id, "position", "score_gap_gold").estimate == 3.0
    assert _metric(db, res.run_id, "position", "score_tie_rate").estimate == 0.0
    assert _metric(db, res.run_id, "position", "score_mean").estimate == 5.5
    assert _metric(db, res.run_id, "position", "score_share", "score:7").estimate == 0.5
    # given once per run, on the first probe: every probe's control trials are the same requests
    m = Store(db, create=False).metrics(res.run_id)
    assert set(m.loc[m.metric == "score_mean", "probe"]) == {"position"}
    # position is moot by design: AB and BA are the same two score requests
    assert _metric(db, res.run_id, "position", "position_consistency").estimate == 1.0
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT v.choice, v.score_first, v.score_second, t.\"order\", i.label FROM verdicts v "
                           "JOIN trials t USING (run_id, trial_id) JOIN items i ON i.run_id = t.run_id AND "
                           "i.item_id = t.item_id WHERE v.run_id = ? AND t.condition = 'control'",
                           [res.run_id]).fetchall()
    for choice, s1, s2, order, label in rows:
        gold_first = (label == "A") == (order == "AB")
        assert (s1, s2) == ((7.0, 4.0) if gold_first else (4.0, 7.0)) and choice == ("A" if gold_first else "B")


def test_an_unreadable_score_makes_the_pair_invalid_and_is_stored(tmp_path):
    res = _run(tmp_path, "scripted/invalid=0.3", ["position"], n=12)
    with duckdb.connect(str(tmp_path / "p.duckdb"), read_only=True) as con:
        bad = con.execute("SELECT count(*) FROM verdicts WHERE run_id = ? AND choice = 'invalid'",
                          [res.run_id]).fetchone()[0]
        null = con.execute("SELECT count(*) FROM scores WHERE score IS NULL").fetchone()[0]
    assert bad > 0 and null > 0


def test_a_cue_template_without_pointwise_wording_is_a_clear_error(tmp_path):
    cues = json.loads(json.dumps({"probe": "bandwagon", "placement": "user", "pct": [80], "templates": [
        {"id": "plain", "text": "{pct}% prefer Response {target}.", "neutral": ["One is Response {target}."]}]}))
    path = tmp_path / "cues.yaml"
    import yaml

    path.write_text(yaml.safe_dump(cues), encoding="utf-8")
    suite = load_suite("bias", probes=["bandwagon"])
    suite = replace(suite, probe_options={"bandwagon": {"cues": str(path)}})
    with pytest.raises(ValueError, match=r"cues.yaml: cue template 'plain' has no 'pointwise' text"):
        make_plan(suite, _items(), "d", protocol="pointwise")


def test_mcq_items_cannot_run_pointwise():
    item = Item("m1", "Which?", "", "", label="A", options=("x", "y"))
    with pytest.raises(ValueError, match="multiple-choice"):
        _plan(["position"], [item])


def test_dry_run_counts_the_distinct_score_requests(tmp_path):
    from judgekit.dryrun import dry_run_suite

    data = write_fact_items(tmp_path / "d.jsonl", 8)
    d = dry_run_suite("bias", judge="scripted/gold", data=str(data), probes=["position", "authority"],
                      protocol="pointwise", db=None)
    n_conditions = 4  # authority: cue_gold, cue_other, neutral_gold, neutral_other (control is position's)
    assert d["n_trials"] == 8 * 2 + 8 * 2 * 5 and d["n_requests"] == 8 * (2 + n_conditions)


def test_compare_states_the_protocols_of_the_runs(tmp_path):
    from judgekit.compare import compare_runs

    data = write_fact_items(tmp_path / "d.jsonl", 10)
    db = tmp_path / "c.duckdb"
    ids = [api.evaluate("bias", judge="scripted/gold", data=str(data), db=db, probes=["position", "authority"],
                        protocol=p, make_report=False, progress=False).run_id for p in ("pairwise", "pointwise")]
    c = compare_runs(db, ids, n_boot=20)
    assert list(c.runs["protocol"]) == ["pairwise", "pointwise"]
    assert any("different protocols" in w for w in c.warnings)


def test_mitigations_are_refused_for_pointwise():
    with pytest.raises(ValueError, match="mitigations are written for pairwise judging"):
        _plan(["position"], mitigations="system-prompt")
    assert _plan(["position"], mitigations="none").trials  # "none" alone is no mitigation


def test_report_and_card_state_the_protocol_and_the_score_shift(tmp_path):
    data = write_fact_items(tmp_path / "d.jsonl", 8)
    res = api.evaluate("bias", judge="scripted/score_cue=2,score_noise=1", data=str(data), db=tmp_path / "r.duckdb",
                       probes=["position", "bandwagon"], protocol="pointwise", out=tmp_path / "out", progress=False)
    html = res.report_path.read_text(encoding="utf-8")
    assert "Protocol <b>pointwise</b>" in html and "By design" in html
    assert "Each response scored alone: the cue moved the cued response&#39;s score by +" in html
    from judgekit.card import bias_card

    card = bias_card(tmp_path / "r.duckdb", res.run_id)
    assert card["run"]["protocol"] == "pointwise" and "score_shift_net" in card["headline"]["bandwagon"]
