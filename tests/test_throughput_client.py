"""The lean OpenAI-compatible judge against tests/fake_openai.py: retries, Retry-After,
logprobs, redaction, auth, cost and multi-endpoint balancing."""

from __future__ import annotations

import dataclasses
import math
import socket
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openai import FakeOpenAI, default_responder, fault, letter_logprobs, reply, truncated

from judgekit.judges.base import JudgeError
from judgekit.judges.openai_compat import OpenAICompatJudge, split_endpoints
from judgekit.judges.prices import token_prices
from judgekit.types import JudgeOutput, JudgeRequest

FAKE_KEY = "sk-test-FAKEKEY0123456789abcdef"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.delenv("JUDGEKIT_PROVIDER_LIMITS", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(OpenAICompatJudge, "retry_base_s", 0.05)


def make_request(i: int) -> JudgeRequest:
    user = f"question {i}\n\n[A] first {i}\n[B] second {i}\nReply with A or B."
    return JudgeRequest(key=f"k{i}", messages=({"role": "system", "content": "You are a judge."},
                                               {"role": "user", "content": user}),
                        prompt=f"question {i}", first=f"first {i}", second=f"second {i}")


def judge_for(server: FakeOpenAI | str, model: str = "openai/fake-judge", **kw: object) -> OpenAICompatJudge:
    base = server if isinstance(server, str) else server.base_url
    return OpenAICompatJudge(model, api_base=base, **kw)  # type: ignore[arg-type]


def no_key_anywhere(out: JudgeOutput) -> None:
    for f in dataclasses.fields(out):
        assert "FAKEKEY" not in str(getattr(out, f.name))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_verdict_logprobs_and_request_body() -> None:
    with FakeOpenAI(lambda req, i: reply("B", [*letter_logprobs("B", 0.75), (" b", math.log(0.05))])) as server:
        judge = judge_for(server)
        [(req, out)] = list(judge.judge([make_request(0)]))
        judge.close()
    assert req.key == "k0" and out.choice == "B" and out.error is None
    # a lowercase " b" does not spell the letter
    assert out.p_b == pytest.approx(0.7501 / 1.0001) and out.p_a + out.p_b == pytest.approx(1.0)
    assert out.raw == "B" and out.output_tokens == 1 and out.input_tokens
    assert out.latency_s is not None and out.latency_s > 0
    assert out.cost_usd is None  # not in litellm's price table
    body = server.requests[0].body
    assert body["model"] == "fake-judge"  # the provider prefix is not sent
    assert body["logprobs"] is True and body["top_logprobs"] >= 5
    assert body["temperature"] == 0.0 and body["max_tokens"] == 16
    assert server.requests[0].headers["authorization"] == f"Bearer {FAKE_KEY}"


def test_no_logprobs_and_unparseable_reply() -> None:
    with FakeOpenAI(lambda req, i: reply("Verdict: A") if i == 0 else reply("I like both of them")) as server:
        judge = judge_for(server, logprobs=False, concurrency=1)
        outs = [o for _, o in judge.judge([make_request(0), make_request(1)])]
    assert outs[0].choice == "A" and outs[0].p_a is None
    assert outs[1].choice == "invalid" and outs[1].p_a is None
    assert "logprobs" not in server.requests[0].body


def test_429_retry_after_is_honoured() -> None:
    with FakeOpenAI(lambda req, i: fault(429, retry_after=0.8) if i == 0 else default_responder(req, i)) as server:
        t0 = time.monotonic()
        [(_, out)] = list(judge_for(server).judge([make_request(0)]))
        elapsed = time.monotonic() - t0
    assert out.choice == "A" and out.p_a == pytest.approx(0.8001 / 1.0001)
    assert len(server.requests) == 2
    assert elapsed >= 0.75


def test_transient_faults_retried_permanent_not() -> None:
    script = {0: fault(500), 1: truncated(), 2: fault(503)}
    with FakeOpenAI(lambda req, i: script.get(i, reply("A"))) as server:
        [(_, out)] = list(judge_for(server, concurrency=1).judge([make_request(0)]))
    assert out.choice == "A" and len(server.requests) == 4

    with FakeOpenAI(lambda req, i: fault(400, message="bad model name")) as server:
        [(_, out)] = list(judge_for(server).judge([make_request(0)]))
    assert out.choice == "error" and "400" in out.error and len(server.requests) == 1


def test_gives_up_after_max_retries() -> None:
    with FakeOpenAI(lambda req, i: fault(503)) as server:
        [(_, out)] = list(judge_for(server, max_retries=2).judge([make_request(0)]))
    assert out.choice == "error" and len(server.requests) == 3


def test_logprobs_rejected_falls_back_without_them() -> None:
    def responder(req: dict, i: int):
        if req.get("logprobs"):
            return fault(400, message="logprobs are not supported for this model")
        return reply("B")

    with FakeOpenAI(responder) as server:
        [(_, out)] = list(judge_for(server).judge([make_request(0)]))
    assert out.choice == "B" and out.p_a is None and len(server.requests) == 2


def test_key_redacted_from_errors_and_text() -> None:
    leak = f"invalid request, your key was {FAKE_KEY}"
    answer = f"Answer: A. Bearer {FAKE_KEY}"
    with FakeOpenAI(lambda req, i: fault(400, message=leak) if i == 0 else reply(answer)) as server:
        outs = [o for _, o in judge_for(server, concurrency=1).judge([make_request(0), make_request(1)])]
    assert outs[0].choice == "error" and "[REDACTED]" in outs[0].error
    assert outs[1].choice == "A"
    for o in outs:
        no_key_anywhere(o)


def test_401_raises_judge_error_without_the_key() -> None:
    with FakeOpenAI(lambda req, i: fault(401, message=f"bad key {FAKE_KEY}")) as server:
        with pytest.raises(JudgeError) as info:
            list(judge_for(server).judge([make_request(0)]))
    assert "OPENAI_API_KEY" in str(info.value) and "FAKEKEY" not in str(info.value)


def test_local_server_without_key_gets_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOSTED_VLLM_API_KEY", raising=False)
    with FakeOpenAI() as server:
        [(_, out)] = list(judge_for(server, model="hosted_vllm/org/model").judge([make_request(0)]))
    assert out.choice == "A"
    assert server.requests[0].body["model"] == "org/model"
    assert server.requests[0].headers["authorization"] == "Bearer EMPTY"
    with pytest.raises(JudgeError, match="api-base"):
        OpenAICompatJudge("hosted_vllm/org/model")


def test_cost_from_litellm_price_table(monkeypatch: pytest.MonkeyPatch) -> None:
    prices = token_prices("gpt-4o-mini")
    assert prices is not None and prices[0] > 0 and prices[1] > prices[0]
    with FakeOpenAI() as server:
        [(_, out)] = list(judge_for(server, model="openai/gpt-4o-mini").judge([make_request(0)]))
        assert out.cost_usd is None  # a loopback server has no per-token price
        monkeypatch.setattr("judgekit.judges.prices.is_local_url", lambda url: False)  # as if it were hosted
        [(_, out)] = list(judge_for(server, model="openai/gpt-4o-mini").judge([make_request(0)]))
    assert out.cost_usd == pytest.approx(out.input_tokens * prices[0] + out.output_tokens * prices[1])


def test_many_requests_respect_concurrency_and_all_arrive() -> None:
    with FakeOpenAI(lambda req, i: reply("A", delay_s=0.02)) as server:
        judge = judge_for(server, concurrency=8)
        got = {r.key for r, o in judge.judge([make_request(i) for i in range(60)]) if o.choice == "A"}
    assert got == {f"k{i}" for i in range(60)}
    assert server.max_in_flight <= 8


def test_balancing_over_endpoints_least_in_flight() -> None:
    with FakeOpenAI(lambda req, i: reply("A", delay_s=0.02)) as s1, \
            FakeOpenAI(lambda req, i: reply("A", delay_s=0.02)) as s2:
        assert split_endpoints(f" {s1.base_url}/, {s2.base_url} ") == [s1.base_url, s2.base_url]
        judge = judge_for(f"{s1.base_url},{s2.base_url}", concurrency=8)
        outs = [o for _, o in judge.judge([make_request(i) for i in range(80)])]
    assert all(o.choice == "A" for o in outs) and len(outs) == 80
    assert len(s1.requests) + len(s2.requests) == 80
    assert min(len(s1.requests), len(s2.requests)) >= 20  # both used, roughly evenly
    assert judge.identity()["api_base"] == ",".join(sorted([s1.base_url, s2.base_url]))


def test_round_robin_and_dead_endpoint_is_skipped() -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    with FakeOpenAI() as server:
        judge = judge_for(f"{dead},{server.base_url}", concurrency=2, balance="round_robin")
        outs = [o for _, o in judge.judge([make_request(i) for i in range(20)])]
        ok = {ep.url: ep.n_sent for ep in judge.endpoints}
    assert all(o.choice == "A" for o in outs)
    assert len(server.requests) == 20
    assert ok[dead + "/chat/completions"] <= 3  # skipped after it refused connections
