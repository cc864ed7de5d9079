"""The mcq protocol's items, trials, template and readers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from judgekit.datasets.mcq import load_mcq_items
from judgekit.datasets.schema import DatasetError
from judgekit.judges.parse_mcq import read_option
from judgekit.judges.prompt import build_request, load_template
from judgekit.judges.readers import protocol_output, read_mcq_logits, read_mcq_text
from judgekit.judges.scripted import ScriptedJudge
from judgekit.plan.mcq import cue_trials, position_trials
from judgekit.plan.spec import parse_suite
from judgekit.plan.trials import load_suite_items, make_plan
from judgekit.types import OPTION_LETTERS, JudgeOutput, JudgeRequest, trial_verdict

DATA = Path(__file__).parent / "data" / "mcq_items.jsonl"
FACT = Path(__file__).resolve().parents[1] / ".." / "shared" / "lrm-paper" / "fact"


def _write(tmp_path: Path, rows: list[dict], name: str = "m.jsonl") -> str:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


# -- items ------------------------------------------------------------------------------------

def test_items_load_with_letters_indices_and_json_strings(tmp_path):
    rows = [{"q": "2+2?", "opts": ["3", "4", "5"], "gold": "B"},
            {"q": "Capital of France?", "opts": json.dumps(["Rome", "Paris"]), "gold": 1},
            {"q": "Largest planet?", "opts": ["Mars", "Jupiter", "Venus"], "gold": "0"}]
    items = load_mcq_items(_write(tmp_path, rows), mapping="question=q,options=opts,answer=gold")
    assert [it.label for it in items] == ["B", "B", "A"]
    assert items[1].options == ("Rome", "Paris")
    assert items[0].prompt == "2+2?" and items[0].response_a == "" and items[0].kind == "fact"


def test_csv_and_parquet_load_the_same_items(tmp_path):
    df = pd.DataFrame({"question": ["2+2?", "3+3?"], "options": [["3", "4"], ["6", "7", "8"]], "answer": ["B", "A"]})
    df.to_parquet(tmp_path / "m.parquet")
    csv = df.assign(options=df["options"].map(json.dumps))
    csv.to_csv(tmp_path / "m.csv", index=False)
    for name in ("m.parquet", "m.csv"):
        items = load_mcq_items(str(tmp_path / name))
        assert [(it.options, it.label) for it in items] == [(("3", "4"), "B"), (("6", "7", "8"), "A")]


@pytest.mark.parametrize(("row", "field", "message"), [
    ({"question": "q", "options": ["only"], "answer": "A"}, "options", "1 options; an item needs 2 to 26"),
    ({"question": "q", "options": [str(i) for i in range(27)], "answer": "A"}, "options", "27 options"),
    ({"question": "q", "options": ["x", "y", "x "], "answer": "A"}, "options", "option C repeats option A .*gold"),
    ({"question": "q", "options": ["x", ""], "answer": "A"}, "options", "option B is empty"),
    ({"question": "q", "options": ["x", "y"], "answer": "C"}, "answer", "out of range: the item has 2 options"),
    ({"question": "q", "options": ["x", "y"], "answer": 2}, "answer", "out of range"),
    ({"question": "q", "options": ["x", "y"], "answer": "maybe"}, "answer", "not an option letter or index"),
    ({"question": "q", "options": ["x", "y"]}, "answer", "missing field"),
    ({"question": "", "options": ["x", "y"], "answer": "A"}, "question", "empty text"),
    ({"question": "q", "options": "not json", "answer": "A"}, "options", "JSON string"),
])
def test_bad_items_name_file_row_and_field(tmp_path, row, field, message):
    path = _write(tmp_path, [{"question": "fine", "options": ["a", "b"], "answer": "A"}, row])
    with pytest.raises(DatasetError, match=message) as e:
        load_mcq_items(path)
    assert (e.value.file, e.value.row, e.value.field) == (path, 2, field)


def test_a_repeated_wrong_option_is_kept_and_recorded(tmp_path):
    [item] = load_mcq_items(_write(tmp_path, [{"question": "q", "options": ["x", "N/A", "N/A"], "answer": "A"}]))
    assert item.options == ("x", "N/A", "N/A") and item.metadata["duplicate_options"] == ["C"]


def test_unknown_map_target_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="unknown item field"):
        load_mcq_items(str(DATA), mapping="response_a=x")


def test_paper_mmlu_pro_files_load_via_map():
    files = sorted(FACT.glob("*.json")) if FACT.is_dir() else []
    if not files:
        pytest.skip(f"the paper's MMLU-Pro files are not at {FACT}")
    for f in files:
        items = load_mcq_items(str(f), mapping="question=question,options=options,answer=answer")
        raw = json.loads(f.read_text(encoding="utf-8"))
        assert len(items) == len(raw)
        for it, r in zip(items, raw, strict=True):
            assert it.label == r["answer"] and it.options[OPTION_LETTERS.index(it.label)] == r["options"][
                r["answer_index"]]


def test_suite_of_pairwise_sets_uses_the_builtin_mcq_set_under_mcq(monkeypatch):
    import judgekit.datasets.loaders as loaders

    monkeypatch.setitem(loaders.BUILTIN, "mcq", str(DATA))  # the built-in file is data18's; its name is ours
    monkeypatch.setattr(loaders, "data_dir", lambda: Path("/"))
    spec = parse_suite({"probes": ["position"], "data": ["facts", "preferences"]}, Path("s.yaml"))
    items, name = load_suite_items(spec, protocol="mcq", limit=5)
    assert name == "mcq_items.jsonl" and len(items) == 5 and all(it.options for it in items)


# -- trials -----------------------------------------------------------------------------------

def test_position_trials_move_the_gold_option_first_and_last():
    items = load_mcq_items(str(DATA))[:6]
    trials = position_trials(items, seed=1)
    assert len(trials) == 3 * len(items)
    for t in trials:
        item = next(it for it in items if it.id == t.item_id)
        g = OPTION_LETTERS.index(item.label)
        assert sorted(t.option_order) == list(range(len(item.options)))
        assert t.options == tuple(item.options[i] for i in t.option_order)
        assert trial_verdict(t, t.gold_position, item.label) == (item.label, True)
        rest = [i for i in t.option_order if i != g]
        if t.condition == "gold_first":
            assert t.option_order[0] == g and rest == sorted(rest) and t.gold_position == "A"
        if t.condition == "gold_last":
            assert t.option_order[-1] == g and rest == sorted(rest)
    assert position_trials(items, seed=1) == trials and position_trials(items, seed=2) != trials


def test_cue_trials_counterbalance_the_cued_slot_and_name_the_letter():
    items = load_mcq_items(str(DATA))[:8]
    trials = cue_trials(items, probe="bandwagon", seed=0)
    assert len(trials) == 10 * len(items)
    for item in items:
        mine = [t for t in trials if t.item_id == item.id]
        orders = sorted({t.option_order for t in mine})
        assert len(orders) == 2
        gold, wrong = (OPTION_LETTERS.index(x) for x in (item.label, mine[1].cue["target"] if
                       mine[1].condition == "cue_wrong" else next(t.cue["target"] for t in mine
                                                                   if t.condition == "cue_wrong")))
        a, b = orders
        # the second arrangement is the first with the gold and the wrong option trading slots
        assert a.index(gold) == b.index(wrong) and a.index(wrong) == b.index(gold)
        for t in mine:
            if t.condition.startswith("cue_"):
                letter = OPTION_LETTERS[t.option_order.index(OPTION_LETTERS.index(t.cue["target"]))]
                assert t.user_prefix.endswith(f"the answer is {letter}.") or f"chose {letter}." in t.user_prefix
                assert t.cue["slot"] == letter
            if t.condition.startswith("neutral_"):
                assert t.cue["target"] is None and t.cue["inserted"] in OPTION_LETTERS
                assert "answer is" not in t.user_prefix and "chose" not in t.user_prefix


def test_option_cues_attach_to_the_cued_option_and_subject_fills_in(tmp_path):
    items = load_mcq_items(str(DATA))[:3]
    for t in cue_trials(items, probe="authority", seed=0):
        if t.condition == "control":
            assert t.options == tuple(items[[i.id for i in items].index(t.item_id)].options[i] for i in t.option_order)
        else:
            changed = [o for o in t.options if " " in o]
            assert len(changed) == 1 and t.cue["text"] in changed[0]
    cues = tmp_path / "c.yaml"
    cues.write_text("templates:\n  - id: survey\n    text: \"According to a recent survey, 90% of {subject} "
                    "students believe the answer is {letter}.\"\n    neutral: [\"A question on {subject} follows; "
                    "its options include {letter}.\"]\n", encoding="utf-8")
    t = next(t for t in cue_trials(items, probe="bandwagon", seed=0, cues=str(cues)) if t.condition == "cue_gold")
    assert t.user_prefix.startswith("According to a recent survey, 90% of arithmetic students believe the answer is")


def test_probes_without_an_mcq_form_are_named():
    items = load_mcq_items(str(DATA))[:3]
    spec = parse_suite({"probes": ["verbosity"], "protocol": "mcq"}, Path("s.yaml"))
    with pytest.raises(ValueError, match="probe verbosity does not apply to the mcq protocol"):
        make_plan(spec, items, "d")
    mixed = parse_suite({"probes": ["position", "verbosity"]}, Path("s.yaml"))  # a pairwise suite: left out
    assert {t.probe for t in make_plan(mixed, items, "d", protocol="mcq").trials} == {"position"}
    with pytest.raises(ValueError, match="mitigations \\(icl\\)"):
        make_plan(mixed, items, "d", protocol="mcq", mitigations="icl")


def test_template_renders_the_options_block_with_the_fast_renderer():
    from judgekit.judges.prompt import render_jinja

    item = load_mcq_items(str(DATA))[1]
    t = position_trials([item], seed=0)[0]
    tmpl = load_template("mcq")
    msgs = tmpl.render(t)
    assert msgs == tmpl.render(t, renderer=render_jinja)
    user = msgs[-1]["content"]
    assert "[Options]\nA. " + item.options[OPTION_LETTERS.index(item.label)] in user
    assert user.endswith("Answer with a single letter: A, B, C, D or E.")


# -- readers ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "choice", "form"), [
    ("C", "C", "letter"), ("(B)", "B", "letter"), ("**D**", "D", "letter"), ("C. Rome", "C", "letter"),
    ("Answer: C", "C", "label"), ("The correct answer is (B).", "B", "label"), ('{"answer": "C"}', "C", "json"),
    ("<answer>D</answer>", "D", "tag"), ("I choose C.", "C", "statement"), ("Option B is correct.", "B", "statement"),
    ("The answer is B. So the answer is C.", "C", "label"),
    ("Answer: E", "invalid", None),  # beyond the four options
    ("Answer: A good question", "invalid", None), ("C. Paris", "invalid", None),
    ("Answer: B. Option C is correct.", "invalid", None),  # a declared answer contradicted
    ("Option B is not correct.", "invalid", None), ("<think>B", "invalid", None), ("", "invalid", None),
])
def test_option_reader_reads_only_explicit_forms(text, choice, form):
    r = read_option(text, 4, ("Paris", "London", "Rome", "Berlin"))
    assert (r.choice, r.rule) == (choice, form)
    assert read_mcq_text(text, ("Paris", "London", "Rome", "Berlin")).rule == (f"mcq:text:{form}" if form
                                                                               else "mcq:text")


def test_logit_reader_checks_the_mass_on_the_letters():
    import math

    r = read_mcq_logits([math.log(0.1), math.log(0.5), math.log(0.2)])
    assert (r.choice, r.rule) == ("B", "mcq:logits") and r.p_ab_mass == pytest.approx(0.8)
    assert read_mcq_logits([math.log(0.05), math.log(0.1)]).rule == "mcq:logits:low-mass"
    assert read_mcq_logits([math.log(0.3), math.log(0.3)]).choice == "invalid"


def test_chat_replies_are_read_for_the_request_protocol():
    req = JudgeRequest("k", ({"role": "user", "content": "q"},), "q", "", "", protocol="mcq", options=("x", "y", "z"))
    out = protocol_output(JudgeOutput(choice="invalid", raw="The answer is C.", p_a=0.5, p_b=0.5), req)
    assert (out.choice, out.parse_rule, out.p_a) == ("C", "mcq:text:label", None)
    pair = JudgeRequest("k", ({"role": "user", "content": "q"},), "q", "a", "b")
    assert protocol_output(JudgeOutput(choice="A", raw="A"), pair).choice == "A"
    assert protocol_output(JudgeOutput(choice="error", raw=""), req).choice == "error"


def test_scripted_judge_finds_the_gold_option_and_follows_cues():
    items = load_mcq_items(str(DATA))[:10]
    tmpl = load_template("mcq")
    trials = position_trials(items, seed=0) + cue_trials(items, probe="authority", seed=0) + \
        cue_trials(items, probe="bandwagon", seed=0)
    gold = ScriptedJudge(items, spec="scripted/gold")
    reqs = [build_request(tmpl, gold.identity(), t) for t in trials]
    for t, (_, out) in zip(trials, gold.judge(reqs), strict=True):
        assert out.choice == t.gold_position
    follower = ScriptedJudge(items, spec="scripted/cue=1")
    for t, (_, out) in zip(trials, follower.judge(reqs), strict=True):
        if t.condition.startswith("cue_"):
            assert out.choice == t.cue["slot"]
        else:
            assert out.choice == t.gold_position  # neutral controls and controls carry no cue
    last = ScriptedJudge(items, spec="scripted/last=1")
    assert all(o.choice == OPTION_LETTERS[len(r.options) - 1] for r, o in last.judge(reqs))


def test_reward_models_refuse_mcq():
    from judgekit.judges.base import JudgeError
    from judgekit.judges.rm import RewardModelJudge

    rm = RewardModelJudge.__new__(RewardModelJudge)
    rm.spec = "rm/x"
    req = JudgeRequest("k", ({"role": "user", "content": "q"},), "q", "", "", protocol="mcq", options=("x", "y"))
    with pytest.raises(JudgeError, match="cannot answer multiple-choice questions"):
        list(rm.judge([req]))
