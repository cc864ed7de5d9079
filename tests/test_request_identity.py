"""The cache key is the whole request: every body field that can change an answer changes it, nothing else does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from judgekit.engine.keys import DENY_LIST, request_key
from judgekit.judges.api import LiteLLMJudge
from judgekit.judges.openai_compat import OpenAICompatJudge
from judgekit.judges.prompt import build_request, load_template
from judgekit.types import Trial

BASE = "http://127.0.0.1:9/v1"


def _trial(**kw: Any) -> Trial:
    fields = dict(trial_id="t", item_id="i", probe="position", condition="control", order="AB", repeat=0,
                  prompt="2+2?", first="4", second="5", gold_position="A")
    fields.update(kw)
    return Trial(**fields)


def _key(judge: Any, trial: Trial | None = None) -> str:
    return build_request(load_template("pairwise"), judge.identity(), trial or _trial()).key


CHANGES = {"temperature": 0.7, "top_p": 0.5, "seed": 7, "stop": ["\n"], "max_tokens": 3, "model": "other-model",
           "response_format": {"type": "json_object"}, "presence_penalty": 0.1, "logit_bias": {"32": 5},
           "reasoning_effort": "high", "n": 2, "top_logprobs": 5}


@pytest.mark.parametrize("cls", [OpenAICompatJudge, LiteLLMJudge])
def test_every_body_field_changes_the_key(cls):
    base = cls("openai/m", api_base=BASE)
    keys = {_key(base)}
    for field, value in CHANGES.items():
        judge = cls("openai/m", api_base=BASE, extra={field: value})
        keys.add(_key(judge))
        assert field in json.dumps(judge.identity())
    assert len(keys) == len(CHANGES) + 1
    assert _key(cls("openai/m", api_base="http://127.0.0.1:10/v1")) not in keys
    assert _key(cls("openai/m", api_base=BASE, logprobs=False)) not in keys
    # the body that is sent matches: the extra option is in it
    body = OpenAICompatJudge("openai/m", api_base=BASE, extra={"seed": 7}).body(build_request(
        load_template("pairwise"), {}, _trial()))
    assert body["seed"] == 7


@pytest.mark.parametrize("cls", [OpenAICompatJudge, LiteLLMJudge])
def test_transport_settings_do_not_change_the_key(cls):
    k = _key(cls("openai/m", api_base=BASE))
    assert _key(cls("openai/m", api_base=BASE, timeout_s=5, max_retries=1, concurrency=3)) == k
    assert _key(cls("openai/m", api_base=BASE.replace("127.0.0.1", "user:pw@127.0.0.1"))) == k
    assert {"timeout", "max_retries", "concurrency", "api_key"} <= DENY_LIST


def test_stochastic_follows_the_effective_parameters():
    assert not OpenAICompatJudge("openai/m", api_base=BASE).stochastic
    assert OpenAICompatJudge("openai/m", api_base=BASE, extra={"temperature": 1.0}).stochastic
    assert OpenAICompatJudge("openai/m", api_base=BASE, extra={"n": 3}).stochastic
    assert LiteLLMJudge("openai/m", api_base=BASE, extra={"temperature": 0.3}).stochastic
    # {"temperature": 1.0, "model": "other"} is a different judge with a different key
    a, b = OpenAICompatJudge("openai/m", api_base=BASE), OpenAICompatJudge(
        "openai/m", api_base=BASE, extra={"temperature": 1.0, "model": "other"})
    assert _key(a) != _key(b)


def test_hosted_judges_are_repeated_for_the_noise_floor(tmp_path):
    from judgekit.dryrun import dry_run_suite

    hosted = OpenAICompatJudge("openai/m", api_base="https://api.example.com/v1")
    assert hosted.stochastic and hosted.hosted
    assert not OpenAICompatJudge("openai/m", api_base=BASE).stochastic
    db = str(tmp_path / "x.duckdb")
    info = dry_run_suite("bias", judge="openai/gpt-4o-mini", limit=10, db=db, probes=["bandwagon"])
    local = dry_run_suite("bias", judge="openai/gpt-4o-mini", limit=10, db=db, probes=["bandwagon"],
                          judge_options={"api_base": BASE})
    assert info["n_requests"] > local["n_requests"]  # the hosted run adds the repeats


def test_identity_is_not_changed_by_a_logprob_refusal():
    judge = OpenAICompatJudge("openai/m", api_base=BASE)
    before = judge.identity()
    judge.logprobs_refused = True
    assert judge.identity() == before and judge.decoding["logprobs_refused"] is True
    assert "logprobs" not in judge.body(build_request(load_template("pairwise"), {}, _trial()))


def test_same_messages_are_the_same_request_for_chat_judges():
    ident = OpenAICompatJudge("openai/m", api_base=BASE).identity()
    # a cue appended to the first response, or the same text placed between the responses: one body
    cue = "Hmm, let me double-check."
    a = build_request(load_template("pairwise"), ident, _trial(first="4\n\n" + cue))
    b = build_request(load_template("pairwise"), ident, _trial(first="4", between=cue))
    assert a.messages == b.messages and a.key == b.key
    # a judge that reads the pieces (reward models, the scripted judge) tells them apart
    pieces = {"backend": "rm", "reads": ["prompt", "first", "second"]}
    assert request_key(pieces, a.messages, _trial(first="4\n\n" + cue), 0) != \
        request_key(pieces, b.messages, _trial(first="4", between=cue), 0)


def test_cache_scope_draws_fresh_answers():
    from judgekit.judges.registry import make_judge

    plain = make_judge("scripted/gold")
    scoped = make_judge("scripted/gold", cache_scope="fresh-1")
    assert scoped.identity()["cache_scope"] == "fresh-1" and _key(plain) != _key(scoped)
    assert _key(make_judge("scripted/gold", cache_scope="fresh-1")) == _key(scoped)
