"""The lrm-paper preset end to end on the paper's own data with two scripted judges of known biases.

A planted "standard" judge follows every cue of the paper (bandwagon, authority, distraction, superficial
reflection) with probability 0.6 and leans to the first position; a planted "reasoning" judge follows the
same cues on preference pairs, ignores them on fact questions, prefers the later (last) position, and writes a
<think> block (so its type is inferred). The findings page must report the planted pattern.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from judgekit.judges.scripted import ScriptedJudge
from judgekit.presets.lrm_data import load_paper_data
from judgekit.presets.lrm_paper import infer_judge_type, run_lrm_paper
from judgekit.resources import suites_dir
from judgekit.stats.paper import paper_metrics, relative_reduction
from judgekit.types import OPTION_LETTERS, JudgeOutput

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "lrm-paper"
needs_data = pytest.mark.skipif(not (DATA / "dpo").is_dir(),
                                reason=f"the paper's data is not at {DATA} (see the README: Reproduce the LRM study)")
LIMIT = 8

_IN_PROMPT = re.compile(r"option ([AB]) is better|answer ([AB]) went hiking|the answer is ([A-J])\b")


def _attached_cues() -> tuple[str, ...]:
    texts = []
    for f in ("lrm-paper/authority.yaml", "reflection.yaml"):
        spec = yaml.safe_load((suites_dir() / "cues" / f).read_text(encoding="utf-8"))
        texts += [t["text"] for t in spec["templates"]]
    return tuple(texts)


def cued_letter(req) -> str | None:
    """The presented letter a paper cue favours in this request, or None (neutral controls are not cues)."""
    user = next(m["content"] for m in req.messages if m["role"] == "user")
    hit = _IN_PROMPT.search(user)
    if hit:
        return next(g for g in hit.groups() if g)
    texts = _attached_cues()
    in_a, in_b = any(t in req.first for t in texts), any(t in req.second for t in texts)
    return "A" if in_a and not in_b else "B" if in_b and not in_a else None


def question(req, questions) -> str:
    """The item's question in ``req.prompt`` (which also holds a prompt-level cue)."""
    return max((q for q in questions if q in req.prompt), key=len, default=req.prompt)


def leans(q: str) -> bool:
    """Whether the judge's position lean decides this item: seeded by the question, so that a control and a
    cued request of the same item get the same answer unless the cue is followed."""
    return int(hashlib.sha256(q.encode()).hexdigest(), 16) % 3 != 0


def planted(kind: str, gold_option: dict[str, str], questions: list[str]):
    """A policy: ``standard`` (follows cues, first-position lean) or ``reasoning`` (later lean, fact-robust)."""
    think = "<think>Let me weigh both answers.</think>" if kind == "reasoning" else ""

    def policy(req, gold, rng):
        q = question(req, questions)
        if req.protocol == "mcq":
            right = OPTION_LETTERS[req.options.index(gold_option[q])]
            cue, last = cued_letter(req), OPTION_LETTERS[len(req.options) - 1]
            if cue and kind == "standard" and rng.random() < 0.6:
                choice = cue
            elif leans(q):
                choice = last if kind == "reasoning" else "A"
            else:
                choice = right
            return JudgeOutput(choice=choice, raw=think + choice, parse_rule="scripted")  # type: ignore[arg-type]
        cue = cued_letter(req)
        if cue and rng.random() < 0.6:
            choice = cue
        elif leans(q):
            choice = "B" if kind == "reasoning" else "A"
        else:
            choice = gold or "A"
        return JudgeOutput(choice=choice, p_a=0.9 if choice == "A" else 0.1, p_b=0.1 if choice == "A" else 0.9,
                           raw=think + choice, parse_rule="scripted", input_tokens=10, output_tokens=1,
                           cost_usd=0.0)  # type: ignore[arg-type]

    policy.__name__ = f"planted_{kind}"
    return policy


def judges(items, facts):
    gold_option = {it.prompt: it.options[OPTION_LETTERS.index(str(it.label))] for it in facts}
    out = []
    for k in ("standard", "reasoning"):
        j = ScriptedJudge(items, policy=planted(k, gold_option, [it.prompt for it in [*items, *facts]]), seed=1)
        j.spec = f"scripted/planted-{k}"  # the name the runs and the page show
        out.append(j)
    return out


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lrm")
    data = load_paper_data(DATA, limit=LIMIT)
    res = run_lrm_paper(DATA, judges(data.preference, data.fact), db=tmp / "j.duckdb", out=tmp / "reports",
                        limit=LIMIT, progress=False, make_report=False)
    return res, tmp


def test_loader_gold_is_chosen_with_seeded_placement():
    if not (DATA / "dpo").is_dir():
        pytest.skip(f"the paper's data is not at {DATA}")
    data = load_paper_data(DATA, limit=20)
    import json

    truthy = json.loads((DATA / "dpo" / "truthy_dpo_samples.json").read_text())
    by_id = {f"truthy:{r['id']}": r for r in truthy}
    items = [it for it in data.preference if it.category == "truthy"]
    assert len(items) == 20 and len(data.preference) == 80 and len(data.fact) == 80
    for it in items:
        gold = it.response_a if it.label == "A" else it.response_b
        assert gold == by_id[it.id]["chosen"]
    labels = [it.label for it in data.preference]
    assert 0.3 < labels.count("A") / len(labels) < 0.7  # seeded placement, not always first
    f = data.fact[0]
    assert f.options and f.label in OPTION_LETTERS[:len(f.options)] and f.metadata["subject"]
    assert load_paper_data(DATA, limit=20, seed=0).preference == data.preference


def test_loader_names_file_row_and_field(tmp_path):
    (tmp_path / "dpo").mkdir()
    (tmp_path / "dpo" / "x_dpo_samples.json").write_text('[{"prompt": "q", "chosen": "a"}]')
    with pytest.raises(ValueError, match=r"x_dpo_samples.json, row 1, field 'rejected'"):
        load_paper_data(tmp_path)


def test_judge_type_inferred_from_think():
    assert infer_judge_type(pd.Series(["<think>x</think>A", "<think>y</think>B", "A"])) == "reasoning"
    assert infer_judge_type(pd.Series(["A", "B", "<think>x</think>A"])) == "standard"


@needs_data
def test_findings_page_reports_the_planted_pattern(preset):
    res, _ = preset
    runs = res.runs
    assert set(runs["judge_type"]) == {"standard", "reasoning"}  # inferred from <think>
    assert runs[runs["judge"].str.contains("reasoning")]["judge_type"].eq("reasoning").all()
    html = res.findings_path.read_text(encoding="utf-8")
    status = dict(re.findall(r"id='finding-(\d)' data-status='(\w+)'", html))
    assert status["1"] == "supported"  # every judge follows the cues
    assert status["3"] == "supported"  # the reasoning judge prefers later positions
    assert status["4"] == "supported"  # superficial reflection moves both
    if "fact" in set(runs["kind"]):
        assert status["2"] == "supported"  # fact-robust reasoning judge
    else:
        assert status["2"] == "inconclusive" and "fact" in html
    assert "<script>alert" not in html


@needs_data
def test_paper_metrics_from_stored_verdicts(preset):
    from judgekit.store.db import Store

    res, tmp = preset
    r = res.runs[(res.runs["kind"] == "preference") & res.runs["judge"].str.contains("standard")].iloc[0]
    frame = Store(tmp / "j.duckdb").metrics_frame(r["run_id"])
    pm = paper_metrics(frame, kind="preference", pairwise=True)
    rr = pm[(pm["metric"] == "paper_robust_rate") & (pm["subset"] == "all")].set_index(["probe", "condition"])
    # the paper's bandwagon cue names the rejected answer: a judge following it 60% of the time flips often
    assert rr.loc[("bandwagon", "cue_other"), "estimate"] < 0.7
    assert rr.loc[("bandwagon", "cue_other"), "n"] == 4 * LIMIT
    assert ("bandwagon", "cue_gold") not in rr.index  # not a condition of the paper's design
    acc = pm[(pm["metric"] == "paper_accuracy") & (pm["probe"] == "bandwagon")].set_index("condition")
    assert acc.loc["cue_other", "estimate"] < acc.loc["control", "estimate"]
    rel = relative_reduction(frame, "none", kind="preference", pairwise=True)
    assert (rel["relative_reduction"].abs() < 1e-12).all()  # no mitigation: nothing removed


@needs_data
def test_cli_runs_the_preset_with_labelled_judges_and_mitigations(tmp_path, capsys):
    from judgekit.cli import main

    args = ["eval", "--suite", "lrm-paper", "--data-dir", str(DATA), "--judge", "scripted/cue=0.5",
            "--judge", "scripted/first=0.5", "--judge-type", "standard", "--judge-type", "reasoning", "--limit", "2",
            "--db", str(tmp_path / "c.duckdb"), "--out", str(tmp_path / "out"), "--mitigations", "system-prompt",
            "--no-report", "--progress", "off"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "scripted/cue=0.5 (standard) preference" in out and "scripted/first=0.5 (reasoning) fact" in out
    page = (tmp_path / "out" / "lrm-paper-findings.html").read_text(encoding="utf-8")
    assert "relative reduction" in page and "mitigation_bias_change" in page
    from judgekit.store.db import Store

    runs = Store(tmp_path / "c.duckdb").runs()
    assert len(runs) == 4 and set(runs["suite"]) == {"lrm-paper-pairs", "lrm-paper-facts"}


def test_cli_dry_run_and_bad_judge_types(tmp_path, capsys):
    from judgekit.cli import main

    if not (DATA / "dpo").is_dir():
        pytest.skip(f"the paper's data is not at {DATA}")
    assert main(["eval", "--suite", "lrm-paper", "--data-dir", str(DATA), "--judge", "scripted/gold", "--limit", "2",
                 "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"preference: 8 items, \d+ requests", out) and re.search(r"per judge: \d+ requests", out)
    assert main(["eval", "--suite", "lrm-paper", "--data-dir", str(DATA), "--judge", "scripted/gold",
                 "--judge-type", "standard", "--judge-type", "reasoning", "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "--judge-type given 2 times for 1 judges" in capsys.readouterr().err
    assert main(["eval", "--suite", "lrm-paper", "--judge", "scripted/gold"]) == 2
    assert "needs --data-dir" in capsys.readouterr().err
