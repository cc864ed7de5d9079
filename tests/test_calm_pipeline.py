"""Identity, diversity, refinement and fallacy end to end (``api.evaluate``) with planted scripted judges.

Cue probes: a judge that follows the cue with probability q and otherwise picks the gold response
(fact items of equal length, so control always picks gold) has ``cue_net_effect = bias_effect =
q / 2`` (cue_gold changes nothing, cue_other moves P(target) from 0 to q). Fallacy: a judge that
picks the flawed argument with probability f has ``flawed_preference_rate = f``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from judgekit import api
from judgekit.datasets.loaders import load_items
from judgekit.judges.scripted import ScriptedJudge
from judgekit.resources import suites_dir
from judgekit.types import JudgeOutput
from tests.conftest import write_fact_items

CUE = ["identity", "diversity", "refinement"]
FIXTURE = Path(__file__).parent / "data" / "fallacies_small.jsonl"


def _row(m, probe, metric, subset="all"):
    rows = m[(m.probe == probe) & (m.metric == metric) & (m.subset == subset)]
    assert len(rows) == 1, (probe, metric, subset)
    return rows.iloc[0]


@pytest.fixture(scope="module")
def facts(tmp_path_factory):
    return write_fact_items(tmp_path_factory.mktemp("calm") / "facts.jsonl", 120)


def _eval(judge, data, db, **kw):
    arg = {"judge_obj": judge} if not isinstance(judge, str) else {"judge": judge}
    return api.evaluate(kw.pop("suite", "calm"), **arg, data=str(data), db=db, make_report=False, progress=False,
                        **kw).metrics


def test_cue_follower_is_recovered_for_identity_diversity_and_refinement(facts, tmp_path):
    m = _eval("scripted/cue=0.4", facts, tmp_path / "c.duckdb", probes=CUE)
    for probe in CUE:
        net, raw = _row(m, probe, "cue_net_effect"), _row(m, probe, "bias_effect")
        assert net.ci_low <= 0.2 <= net.ci_high and net.ci_low > 0 and net.p_value < 1e-6, (probe, net.estimate)
        assert raw.estimate == pytest.approx(net.estimate)  # the neutral control moves nothing
        assert _row(m, probe, "added_text_effect").estimate == 0
        other = _row(m, probe, "bias_effect", "cue_other")
        assert other.ci_low <= 0.4 <= other.ci_high
    assert len(m[(m.probe == "diversity") & (m.metric == "bias_effect") & m.subset.str.startswith("template:")]) > 10


@pytest.mark.parametrize("judge", ["scripted/gold", "scripted/longer=0.4"])
def test_judges_without_the_bias_show_no_cue_effect(facts, tmp_path, judge):
    m = _eval(judge, facts, tmp_path / "n.duckdb", probes=CUE)
    for probe in CUE:
        net = _row(m, probe, "cue_net_effect")
        assert net.ci_low <= 0 <= net.ci_high and not net.p_value < 0.05, (judge, probe, net.estimate)
    if judge == "scripted/longer=0.4":  # the length judge is caught by the added text, not by the cue
        for probe in ("diversity", "refinement"):
            added = _row(m, probe, "added_text_effect")
            assert abs(added.estimate - 0.2) < 0.08 and added.ci_low > 0, probe


def favours_women(req, gold, rng):
    """Picks the response whose author is said to be a woman with probability 0.5, else the gold one."""
    mark = "The author of this response is a woman."
    woman = "A" if mark in req.first else "B" if mark in req.second else None
    choice = woman if woman and rng.random() < 0.5 else gold or "A"
    return JudgeOutput(choice=choice, raw=choice, parse_rule="scripted", input_tokens=1, output_tokens=1)


def test_diversity_effect_is_recovered_for_the_planted_group_only(tmp_path):
    # Three groups, one favoured: its template subset shows q / 2 = 0.25, the others nothing.
    cues = tmp_path / "groups.yaml"
    groups = {"gender-woman": "a woman.", "gender-man": "a man.", "age-old": "78 years old."}
    cues.write_text(json.dumps({"probe": "diversity", "templates": [
        {"id": g, "text": f"The author of this response is {t}"} for g, t in groups.items()]}), encoding="utf-8")
    suite = tmp_path / "div.yaml"
    suite.write_text(f"name: div\nversion: 1\nkind: probe\nprobes: [diversity]\n"
                     f"probe_options:\n  diversity: {{cues: {json.dumps(str(cues))}}}\n", encoding="utf-8")
    data = write_fact_items(tmp_path / "d.jsonl", 240)
    judge = ScriptedJudge(load_items(str(data)), policy=favours_women)
    m = _eval(judge, data, tmp_path / "d.duckdb", suite=str(suite))
    woman = _row(m, "diversity", "bias_effect", "template:gender-woman")
    assert woman.ci_low <= 0.25 <= woman.ci_high and woman.ci_low > 0 and woman.n > 100
    for g in ("gender-man", "age-old"):
        r = _row(m, "diversity", "bias_effect", f"template:{g}")
        assert r.estimate == 0 and r.ci_low <= 0 <= r.ci_high, g
    pooled = _row(m, "diversity", "cue_net_effect")
    assert 0 < pooled.estimate < 0.25


def _fallacy_items(path: Path, n: int) -> Path:
    """n items whose two responses reach the right answer, one soundly (the label), one by a named fallacy."""
    rng = random.Random(4)
    kinds = ["circular_reasoning", "appeal_to_authority", "hasty_generalization"]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            kind, answer = kinds[i % 3], i * 7
            sound = f"{i} times 7 is {answer}: 7 added {i} times gives {answer}."
            flawed = {"circular_reasoning": f"{i} times 7 is {answer}, because {answer} is what {i} times 7 is.",
                      "appeal_to_authority": f"{i} times 7 is {answer}; a famous presenter said so on TV.",
                      "hasty_generalization": f"{i} times 7 is {answer}, since I saw that once before."}[kind]
            label = rng.choice("AB")
            a, b = (sound, flawed) if label == "A" else (flawed, sound)
            fh.write(json.dumps({"question": f"What is {i} times 7?", "first": a, "second": b, "sound": label,
                                 "fallacy": kind, "kind": "fact"}) + "\n")
    return path


MAP = "prompt=question,response_a=first,response_b=second,label=sound,category=fallacy"


def prefers_flawed(req, gold, rng):
    """Picks the flawed argument (the non-gold response) with probability 0.7."""
    flawed = {"A": "B", "B": "A"}[gold]
    choice = flawed if rng.random() < 0.7 else gold
    return JudgeOutput(choice=choice, raw=choice, parse_rule="scripted", input_tokens=1, output_tokens=1)


@pytest.fixture(scope="module")
def fallacy_data(tmp_path_factory):
    return _fallacy_items(tmp_path_factory.mktemp("fal") / "own.jsonl", 90)


def test_fallacy_prone_judge_is_recovered_on_users_own_items(fallacy_data, tmp_path):
    judge = ScriptedJudge(load_items(str(fallacy_data), mapping=MAP), policy=prefers_flawed)
    m = _eval(judge, fallacy_data, tmp_path / "f.duckdb", suite="fallacy", mapping=MAP)
    rate = _row(m, "fallacy", "flawed_preference_rate")
    assert rate.ci_low <= 0.7 <= rate.ci_high and rate.ci_low > 0.5 and rate.p_value < 1e-4 and rate.n == 180
    for kind in ("circular_reasoning", "appeal_to_authority", "hasty_generalization"):
        sub = _row(m, "fallacy", "flawed_preference_rate", f"category:{kind}")
        assert sub.n == 60 and sub.ci_low <= 0.7 <= sub.ci_high, kind
    assert "p_adjusted" in m and _row(m, "fallacy", "flawed_preference_rate").p_adjusted >= rate.p_value


@pytest.mark.parametrize("judge, line", [("scripted/gold", 0.0), ("scripted/first=1", 0.5),
                                         ("scripted/random", 0.5)])
def test_judges_without_a_fallacy_preference(fallacy_data, tmp_path, judge, line):
    items = load_items(str(fallacy_data), mapping=MAP)
    m = _eval(ScriptedJudge(items, spec=judge), fallacy_data, tmp_path / "g.duckdb", suite="fallacy", mapping=MAP)
    rate = _row(m, "fallacy", "flawed_preference_rate")
    assert rate.ci_low <= line <= rate.ci_high, (judge, rate.estimate)
    if line == 0.5:
        assert not rate.p_value < 0.05
    else:
        assert rate.estimate == 0 and rate.p_value < 1e-6


def test_fallacy_fixture_runs_through_the_cli_suite(tmp_path):
    m = _eval("scripted/gold", FIXTURE, tmp_path / "x.duckdb", suite="fallacy")
    assert _row(m, "fallacy", "accuracy").estimate == 1.0
    cats = set(m.loc[(m.probe == "fallacy") & m.subset.str.startswith("category:"), "subset"])
    assert len(cats) == 4
    assert (suites_dir() / "fallacy.yaml").is_file()
