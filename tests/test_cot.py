"""The cot judge mode: the same trials with reasoning asked for first, compared with none on every bias."""

import re
from types import SimpleNamespace

import pytest

from judgekit import api
from judgekit.cli import main
from judgekit.judges.parse import read_verdict
from judgekit.judges.prompt import check_template, load_template
from judgekit.mitigations import apply_mitigation, check_generates, is_judge_mode, load_mitigation, mitigation_label
from judgekit.probes.position import position_trials
from judgekit.store.db import Store
from judgekit.types import Item
from tests.conftest import write_fact_items
from tests.fake_openai import FakeOpenAI, reply

ITEM = Item("q1", "What is 2 + 2?", "It is 4.", "It is 5.", "A", "fact")
DEFAULT_CLOSE = "Which response is better? Answer with a single letter: A or B."


def _row(m, probe, metric, mit="cot"):
    r = m[(m.probe == probe) & (m.metric == metric) & (m.subset == f"mitigation:{mit}")]
    assert len(r) == 1, (probe, metric)
    return r.iloc[0]


def test_cot_replaces_the_closing_request_and_nothing_else():
    tmpl = load_template("pairwise")
    plain = position_trials([ITEM], seed=0)
    cot = apply_mitigation(plain, "cot")
    assert len(cot) == len(plain) and all(t.mitigation == "cot" and t.trial_id.endswith("|cot") for t in cot)
    before, after = tmpl.render(plain[0])[-1]["content"], tmpl.render(cot[0])[-1]["content"]
    assert before.endswith(DEFAULT_CLOSE) and DEFAULT_CLOSE not in after
    instruction = " ".join(load_mitigation("cot")["instruction"].split())
    assert after.endswith(instruction) and after.removesuffix(instruction) == before.removesuffix(DEFAULT_CLOSE)
    assert tmpl.render(plain[0])[0] == tmpl.render(cot[0])[0]  # the system prompt is unchanged
    assert is_judge_mode("cot") and not is_judge_mode("icl") and mitigation_label("cot") == "judge mode cot"
    assert mitigation_label("system-prompt+icl") == "system-prompt+icl"


def test_the_strict_reader_reads_the_verdict_after_the_reasoning():
    text = ("Response A is better in style, but let me check the facts. 2 + 2 = 4, so Response B is wrong.\n"
            "Overall Response A is correct.\nVerdict: A")
    assert read_verdict(text).choice == "A" and read_verdict(text).rule == "label"
    changed = "At first I thought Response B is better.\nOn reflection, Response A is correct.\nVerdict: A"
    assert read_verdict(changed).choice == "A"
    assert read_verdict("Response A is better in style; Response B is more correct. Hard to say.").choice == "invalid"
    assert read_verdict("<think>Verdict: B").choice == "invalid"  # never finished reasoning


def test_cot_needs_a_judge_that_writes_and_a_template_with_the_instruction(tmp_path):
    with pytest.raises(ValueError, match="--mode generate"):
        check_generates(SimpleNamespace(spec="hf/x", mode="logprobs"), ["none", "cot"])
    with pytest.raises(ValueError, match="--max-tokens 512"):
        check_generates(SimpleNamespace(spec="openai/x", max_tokens=16), ["none", "cot"])
    check_generates(SimpleNamespace(spec="openai/x", max_tokens=16), ["none", "icl"])  # a letter is enough there
    check_generates(SimpleNamespace(spec="openai/x", max_tokens=1024), ["cot"])
    old = tmp_path / "old.yaml"
    old.write_text("name: old\nsystem: Judge.\nuser: |-\n  {{ question }} {{ first }} {{ second }} Answer A or B.\n")
    cot = apply_mitigation(position_trials([ITEM], seed=0), "cot")
    with pytest.raises(ValueError, match=r"has no \{\{ instruction \}\}"):
        check_template(load_template(str(old)), cot)
    data = write_fact_items(tmp_path / "d.jsonl", 4)
    with pytest.raises(ValueError, match=r"has no \{\{ instruction \}\}"):
        api.evaluate("position", judge="scripted/gold", data=str(data), db=tmp_path / "t.duckdb", template=str(old),
                     mitigations="cot", make_report=False, progress=False)


def test_planted_cue_follower_is_cured_by_reasoning_and_every_bias_is_compared(tmp_path, capsys):
    # Follows any cue with probability 0.4 and prefers the first slot with probability 0.2; when asked to reason
    # it ignores both (reason=1). Without cot: authority bias 0.2, position prior 0.1, control accuracy 0.9.
    data = write_fact_items(tmp_path / "d.jsonl", 300)
    db, out = tmp_path / "c.duckdb", tmp_path / "r"
    assert main(["eval", "--suite", "bias", "--probes", "position,authority", "--judge",
                 "scripted/cue=0.4,first=0.2,reason=1", "--data", str(data), "--db", str(db), "--out", str(out),
                 "--mitigations", "cot"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"authority\s+judge mode cot", printed) and re.search(r"position\s+judge mode cot", printed)
    m = api.metrics(db=db)
    change = _row(m, "authority", "mitigation_bias_change")
    assert change.ci_low <= -0.2 <= change.ci_high and change.ci_high < 0
    pos = _row(m, "position", "mitigation_bias_change")
    assert pos.ci_low <= -0.1 <= pos.ci_high and pos.ci_high < 0
    acc = _row(m, "position", "mitigation_accuracy_change")
    assert acc.ci_low <= 0.1 <= acc.ci_high and acc.ci_low > 0
    assert _row(m, "authority", "mitigation_extra_tokens").estimate > 0  # reasoning costs tokens
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "judge mode cot" in html
    # a judge that reasons as it judges anyway: cot changes nothing
    plain_db = tmp_path / "p.duckdb"
    res = api.evaluate("bias", judge="scripted/gold", data=str(data), db=plain_db, probes=["authority"],
                       mitigations="cot", make_report=False, progress=False)
    flat = _row(res.metrics, "authority", "mitigation_bias_change")
    assert flat.ci_low <= 0 <= flat.ci_high


def _reasoning_server(body, i):
    """A judge behind an OpenAI-compatible API: reasons first when asked (mentioning the wrong response
    favourably on the way), answers with a letter otherwise; it always picks response A."""
    user = body["messages"][-1]["content"]
    if "First reason step by step" in user:
        return reply("Response B is better in style and longer.\nBut checking the facts, Response A is right.\n"
                     "Verdict: A")
    return reply("A")


def test_cot_through_an_api_judge_reads_the_final_verdict(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-fake")
    data = write_fact_items(tmp_path / "d.jsonl", 10)
    db = tmp_path / "a.duckdb"
    with FakeOpenAI(_reasoning_server) as server:
        res = api.evaluate("position", judge="openai/fake-judge", data=str(data), db=db, mitigations="cot",
                           judge_options={"api_base": server.base_url, "max_tokens": 1024}, make_report=False,
                           progress=False)
    cot = Store(db).query("SELECT v.choice, v.parse_rule, v.p_a, v.raw FROM verdicts v JOIN trials t USING (run_id, "
                          "trial_id) WHERE v.run_id = ? AND t.mitigation = 'cot'", [res.run_id])
    assert len(cot) == 20 and (cot["choice"] == "A").all()
    assert cot["parse_rule"].str.startswith("text:label").all() and cot["p_a"].isna().all()
    assert cot["raw"].str.contains("Response B is better in style").all()
    with pytest.raises(ValueError, match="too few to reason"):
        api.evaluate("position", judge="openai/fake-judge", data=str(data), db=db, mitigations="cot",
                     judge_options={"api_base": "http://127.0.0.1:9/v1"}, make_report=False, progress=False)
