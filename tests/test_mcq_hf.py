"""The hf judge on mcq requests: the next-token distribution over the n option letters, and text answers."""

from __future__ import annotations

import math

import pytest
import torch

from judgekit.judges.hf import HFJudge, choice_token_ids, render_prompt
from judgekit.types import OPTION_LETTERS, JudgeRequest
from tests.test_hf_judge import _config, _sharpen, _tokenizer


@pytest.fixture(scope="module")
def lm_dir(tmp_path_factory):
    from transformers import LlamaForCausalLM

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        torch.manual_seed(3)
        tok = _tokenizer()
        model = LlamaForCausalLM(_config(tok))
        _sharpen(model)
        folder = tmp_path_factory.mktemp("tiny-lm-mcq")
        model.save_pretrained(folder)
        tok.save_pretrained(folder)
        yield folder


def _requests() -> list[JudgeRequest]:
    out = []
    for i, n in enumerate((2, 3, 4, 5, 4, 3)):
        options = tuple(f"option text {j + i}" for j in range(n))
        block = "\n".join(f"{OPTION_LETTERS[j]}. {o}" for j, o in enumerate(options))
        user = f"[Question]\nWhat is {i} + {i}?\n\n[Options]\n{block}\n\nAnswer with a single letter."
        out.append(JudgeRequest(key=f"m{i}", messages=({"role": "user", "content": user},), prompt=f"q{i}",
                                first="", second="", protocol="mcq", options=options))
    return out


def test_logits_are_read_over_the_requests_letters(lm_dir):
    reqs = _requests()
    judge = HFJudge(str(lm_dir), batch_size=3, min_letter_mass=0.0)
    outs = {r.key: o for r, o in judge.judge(reqs)}
    model, tok = judge.model, judge.tokenizer
    for req in reqs:
        out = outs[req.key]
        n = len(req.options)
        ids = tok(render_prompt(tok, req.messages, add_generation_prompt=True), add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([ids])).logits[0, -1].float(), dim=-1)
        masses = [float(torch.exp(logp[choice_token_ids(tok, OPTION_LETTERS[j])]).sum()) for j in range(n)]
        assert out.parse_rule == "mcq:logits" and out.choice == OPTION_LETTERS[max(range(n), key=masses.__getitem__)]
        assert out.p_ab_mass == pytest.approx(sum(masses), rel=1e-3, abs=1e-6)
        assert out.p_a is None and out.choice in OPTION_LETTERS[:n]
    single = {r.key: o.choice for r, o in HFJudge(str(lm_dir), batch_size=1, min_letter_mass=0.0).judge(reqs)}
    assert single == {k: o.choice for k, o in outs.items()}  # padding does not change an answer


def test_low_letter_mass_is_invalid(lm_dir):
    outs = [o for _, o in HFJudge(str(lm_dir), min_letter_mass=1.0).judge(_requests())]
    assert all(o.choice == "invalid" and o.parse_rule == "mcq:logits:low-mass" for o in outs)
    assert all(0.0 <= o.p_ab_mass < 1.0 and not math.isnan(o.p_ab_mass) for o in outs)


def test_generated_answers_go_through_the_option_reader(lm_dir):
    outs = [o for _, o in HFJudge(str(lm_dir), mode="generate", max_new_tokens=4).judge(_requests())]
    assert all(o.parse_rule.startswith("mcq:text") for o in outs)
    assert all(o.choice == "invalid" or o.choice in OPTION_LETTERS[:5] for o in outs)


def test_api_judges_read_mcq_replies_with_the_option_reader():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fake_openai import FakeOpenAI, letter_logprobs, reply

    from judgekit.judges.api import LiteLLMJudge
    from judgekit.judges.openai_compat import OpenAICompatJudge

    answers = {"m0": "B", "m1": "The correct answer is (C).", "m2": "Answer: E", "m3": "A"}

    def respond(req, i):
        key = next(k for k in answers if f"What is {k[1]} + {k[1]}?" in req["messages"][-1]["content"])
        return reply(answers[key], letter_logprobs("A", 0.9))

    reqs = [r for r in _requests() if r.key in answers]
    with FakeOpenAI(respond) as server:
        for judge in (OpenAICompatJudge("openai/fake", api_base=server.base_url, max_retries=0),
                      LiteLLMJudge("openai/fake", api_base=server.base_url, max_retries=0)):
            with judge:
                outs = {r.key: o for r, o in judge.judge(reqs)}
            # m2 has four options: "E" is beyond them
            assert {k: o.choice for k, o in outs.items()} == {"m0": "B", "m1": "C", "m2": "invalid", "m3": "A"}
            assert outs["m1"].parse_rule == "mcq:text:label" and outs["m3"].p_a is None
