"""Pointwise score sub-requests on the local backends: the hf expected score equals the model's own
next-token probabilities; a reward model's score is its reward."""

from __future__ import annotations

import math

import pytest
import torch

from judgekit.judges.hf import HFJudge, render_prompt
from judgekit.judges.pointwise import PointwiseJudge, pointwise_request
from judgekit.judges.prompt import load_template
from judgekit.judges.rm import RewardModelJudge
from judgekit.types import Trial
from tests.test_hf_judge import lm_dir, offline, rm_dir  # noqa: F401  (fixtures)

ANSWERS = ["Paris.", "The capital of France is Paris.", "Water boils at 100 degrees.", "Seven."]


def _trials():
    return [Trial(f"t{i}", f"i{i}", "position", "control", "AB", 0, "What is the capital of France?",
                  ANSWERS[i], ANSWERS[(i + 1) % 4], None, protocol="pointwise") for i in range(4)]


def _manual_expected(judge: HFJudge, sub, scale):
    """p(v) from full forward passes, one per token of each value's spelling: the reference."""
    text = render_prompt(judge.tokenizer, sub.messages, add_generation_prompt=True) + sub.answer_prefix
    ids = judge.tokenizer(text, add_special_tokens=not judge.templated)["input_ids"]

    def logp(seq):
        with torch.no_grad():
            out = judge.model(input_ids=torch.tensor([seq]))
        return torch.log_softmax(out.logits[0, -1].float(), dim=-1)

    spell = {v: judge.tokenizer.encode(str(v), add_special_tokens=False) for v in range(scale[0], scale[1] + 1)}
    first = logp(ids)
    probs = {}
    for v, sp in spell.items():
        p = math.exp(float(first[sp[0]]))
        longer = [w for w in spell.values() if len(w) == 2 and w[0] == sp[0]]
        if len(sp) == 2:
            p *= math.exp(float(logp([*ids, sp[0]])[sp[1]]))
        elif longer:
            nxt = logp([*ids, sp[0]])
            p *= 1.0 - sum(math.exp(float(nxt[w[1]])) for w in longer)
        probs[v] = p
    return sum(v * p for v, p in probs.items()) / sum(probs.values()), sum(probs.values())


def _short_template(tmp_path, scale):
    """A pointwise template short enough for the tiny model's 256 positions."""
    path = tmp_path / f"short-{scale[1]}.yaml"
    path.write_text(f"name: short\nscale: [{scale[0]}, {scale[1]}]\nanswer_prefix: 'Rating: [['\n"
                    "system: Rate the answer.\nuser: |-\n  {{ user_prefix }}{{ question }}\n  {{ response }}\n",
                    encoding="utf-8")
    return load_template(str(path))


@pytest.mark.parametrize("scale", [(1, 10), (1, 5)])
def test_hf_expected_score_is_the_mean_under_the_models_distribution(lm_dir, tmp_path, scale):  # noqa: F811
    judge = HFJudge(str(lm_dir), batch_size=3, min_letter_mass=0.0)
    tmpl = _short_template(tmp_path, scale)
    reqs = [pointwise_request(tmpl, judge.identity(), t) for t in _trials()]
    subs = {p.key: p for r in reqs for p in r.parts}
    outs = dict((r.key, o) for r, o in judge.judge(list(subs.values())))
    for key, sub in subs.items():
        o = outs[key]
        want, mass = _manual_expected(judge, sub, tmpl.scale)
        assert o.parse_rule == "score:expected" and o.score_first == pytest.approx(want, abs=1e-3)
        assert f"{mass:.3f}"[:4] in o.raw
        assert tmpl.scale[0] <= o.score_first <= tmpl.scale[1]
    # through the pointwise wrapper: the pair verdict follows from the two expected scores
    for req, out in PointwiseJudge(judge).judge(reqs):
        s1, s2 = outs[req.parts[0].key].score_first, outs[req.parts[1].key].score_first
        assert out.choice == ("A" if s1 > s2 else "B" if s2 > s1 else "tie")


def test_hf_expected_score_below_the_mass_threshold_is_invalid(lm_dir, tmp_path):  # noqa: F811
    judge = HFJudge(str(lm_dir), batch_size=4, min_letter_mass=1.0)  # no model puts all its mass on the scale
    tmpl = _short_template(tmp_path, (1, 10))
    reqs = [pointwise_request(tmpl, judge.identity(), t) for t in _trials()]
    for _, out in PointwiseJudge(judge).judge(reqs):
        assert out.choice == "invalid" and out.parse_rule == "score:expected:low-mass"


def test_reward_model_scores_each_response_by_its_reward(rm_dir, tmp_path):  # noqa: F811
    judge = RewardModelJudge(str(rm_dir), batch_size=2)
    tmpl = _short_template(tmp_path, (1, 10))
    trials = _trials()
    reqs = [pointwise_request(tmpl, judge.identity(), t) for t in trials]
    pairs = {r.key: o for r, o in PointwiseJudge(judge).judge(reqs)}
    for t, r in zip(trials, reqs, strict=True):
        out = pairs[r.key]
        want = judge.score([judge.encode_response(t.prompt, t.first), judge.encode_response(t.prompt, t.second)])
        assert out.parse_rule == "score:reward"
        assert (out.score_first, out.score_second) == pytest.approx(tuple(want), abs=1e-4)


def test_api_judge_reads_the_expected_score_from_top_logprobs():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from fake_openai import FakeOpenAI, reply

    from judgekit.judges.openai_compat import OpenAICompatJudge

    def responder(req, i):
        user = req["messages"][-1]["content"]
        if "Paris." in user and "capital of France is" not in user:
            return reply("7", [("7", math.log(0.6)), ("8", math.log(0.4))])
        return reply("A fine answer. Rating: [[6]]", None)  # no logprobs: the text score stands

    tmpl = load_template("pointwise")
    with FakeOpenAI(responder) as server:
        judge = OpenAICompatJudge("openai/fake", api_base=server.base_url)
        reqs = [pointwise_request(tmpl, judge.identity(), t) for t in _trials()]
        outs = {r.key: o for r, o in PointwiseJudge(judge).judge(reqs)}
        judge.close()
        n_sent = len(server.requests)
    assert n_sent == len({p.key for r in reqs for p in r.parts}) == 4  # four distinct answers, each asked once
    first = outs[reqs[0].key]  # "Paris." then "The capital of France is Paris."
    assert first.score_first == pytest.approx(7.4) and first.score_second == 6.0 and first.choice == "A"
    assert first.parse_rule == "score:expected|score:text:bracket"
