"""A 200 whose body does not have the expected shape is retried; ``usage`` is optional."""

from __future__ import annotations

from typing import Any

import pytest

from judgekit.judges.api import LiteLLMJudge
from judgekit.judges.openai_compat import OpenAICompatJudge, completion_output
from judgekit.types import JudgeRequest
from tests.fake_openai import Action, FakeOpenAI, reply


def _req() -> JudgeRequest:
    return JudgeRequest(key="k", messages=({"role": "user", "content": "Which? A or B"},), prompt="q",
                        first="x", second="y")


def _set(path: tuple[Any, ...], value: Any):
    def mangle(body: dict[str, Any]) -> dict[str, Any]:
        target = body
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value
        return body
    return mangle


MALFORMED = {
    "choice-not-object": _set(("choices", 0), "A"),
    "message-not-object": _set(("choices", 0, "message"), ["A"]),
    "no-choices": _set(("choices",), []),
}


@pytest.mark.parametrize("client", ["openai-compatible", "litellm"])
@pytest.mark.parametrize("shape", sorted(MALFORMED))
def test_malformed_200_is_retried(client, shape):
    def responder(req: dict[str, Any], i: int) -> Action:
        return Action(content="B", mangle=MALFORMED[shape]) if i == 0 else reply("B")

    cls = OpenAICompatJudge if client == "openai-compatible" else LiteLLMJudge
    with FakeOpenAI(responder) as server:
        judge = cls("openai/fake", api_base=server.base_url, logprobs=False, max_retries=2)
        judge.retry_base_s = 0.01
        [(_, out)] = list(judge.judge([_req()]))
        judge.close()
        assert len(server.requests) == 2
    assert out.choice == "B" and out.error is None


@pytest.mark.parametrize("usage", ["not an object", ["x"], {"prompt_tokens": "7", "completion_tokens": None}, None])
def test_malformed_usage_keeps_the_answer(usage):
    body = {"choices": [{"message": {"role": "assistant", "content": "Final answer: B"}}], "usage": usage}
    out = completion_output(body, logprobs=True)
    assert out.choice == "B" and out.parse_rule == "text:label"
    assert out.input_tokens is None and out.output_tokens is None and out.cost_usd is None


def test_malformed_usage_over_the_wire_is_not_an_error():
    def responder(req: dict[str, Any], i: int) -> Action:
        return Action(content="A", mangle=_set(("usage",), "garbage"))

    with FakeOpenAI(responder) as server:
        judge = OpenAICompatJudge("openai/fake", api_base=server.base_url, logprobs=False, max_retries=0)
        [(_, out)] = list(judge.judge([_req()]))
        judge.close()
        assert len(server.requests) == 1
    assert out.choice == "A" and out.error is None
