"""LiteLLMJudge against a real HTTP server on 127.0.0.1 (tests/fake_openai.py)."""

from __future__ import annotations

import dataclasses
import math
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openai import (
    FakeOpenAI,
    default_responder,
    delayed,
    empty,
    fault,
    letter_logprobs,
    reply,
    truncated,
)

from judgekit.judges._retry import redact
from judgekit.judges.api import LiteLLMJudge, _litellm, is_local_url
from judgekit.judges.base import JudgeError
from judgekit.types import JudgeOutput, JudgeRequest

FAKE_KEY = "sk-test-FAKEKEY0123456789abcdef"


@pytest.fixture(scope="module", autouse=True)
def _import_litellm() -> None:
    """Import litellm (seconds) once, outside the time of any single test."""
    _litellm()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.chdir(tmp_path)  # no stray .env is picked up
    monkeypatch.setattr(LiteLLMJudge, "retry_base_s", 0.1)


def make_request(i: int, prompt: str | None = None) -> JudgeRequest:
    prompt = prompt or f"question {i}"
    user = f"{prompt}\n\n[A] first answer {i}\n[B] second answer {i}\nReply with A or B."
    return JudgeRequest(
        key=f"k{i}",
        messages=({"role": "system", "content": "You are a judge."}, {"role": "user", "content": user}),
        prompt=prompt,
        first=f"first answer {i}",
        second=f"second answer {i}",
        sample_index=0,
    )


def judge_for(server: FakeOpenAI, **kw: object) -> LiteLLMJudge:
    return LiteLLMJudge("openai/fake-judge", api_base=server.base_url, **kw)  # type: ignore[arg-type]


def no_key_anywhere(out: JudgeOutput) -> None:
    for f in dataclasses.fields(out):
        assert FAKE_KEY not in str(getattr(out, f.name))
        assert "FAKEKEY" not in str(getattr(out, f.name))


def by_prompt(server: FakeOpenAI, marker: str) -> int:
    return sum(1 for p in server.prompts() if marker in p)


def test_plain_verdict_with_logprobs() -> None:
    with FakeOpenAI(lambda req, i: reply("B", [*letter_logprobs("B", 0.75), (" b", math.log(0.05))])) as server:
        judge = judge_for(server)
        [(req, out)] = list(judge.judge([make_request(0)]))
    assert req.key == "k0"
    assert out.choice == "B" and out.ok and out.error is None
    assert out.p_a is not None and out.p_b is not None
    assert out.p_a + out.p_b == pytest.approx(1.0)
    # "B" + " B" against "A"; a lowercase " b" does not spell the letter (it is usually the article)
    assert out.p_b == pytest.approx(0.7501 / 1.0001)
    assert out.p_ab_mass == pytest.approx(1.0) and out.parse_rule == "text:letter+first-token"
    assert out.raw == "B"
    assert out.input_tokens is not None and out.output_tokens == 1
    assert out.latency_s is not None and out.latency_s > 0
    assert out.cost_usd is None  # an unmapped model has no price
    body = server.requests[0].body
    assert body["logprobs"] is True and body["top_logprobs"] >= 5
    assert body["temperature"] == 0.0 and body["max_tokens"] == 16
    assert server.requests[0].headers.get("authorization") == f"Bearer {FAKE_KEY}"
    no_key_anywhere(out)


def test_no_logprobs_gives_none() -> None:
    with FakeOpenAI(lambda req, i: reply("Verdict: A")) as server:
        [(_, out)] = list(judge_for(server, logprobs=False).judge([make_request(0)]))
    assert out.choice == "A" and out.p_a is None and out.p_b is None
    assert "logprobs" not in server.requests[0].body


def test_429_retry_after_then_success() -> None:
    def responder(req: dict, i: int):
        return fault(429, retry_after=1) if i == 0 else default_responder(req, i)

    with FakeOpenAI(responder) as server:
        t0 = time.monotonic()
        [(_, out)] = list(judge_for(server).judge([make_request(0)]))
        elapsed = time.monotonic() - t0
        assert by_prompt(server, "question 0") == 2
    assert out.choice == "A" and out.p_a == pytest.approx(0.8001 / 1.0001)
    assert elapsed >= 0.95
    assert elapsed < 5
    no_key_anywhere(out)


def test_500_then_success() -> None:
    with FakeOpenAI(lambda req, i: fault(500) if i == 0 else reply("A")) as server:
        [(_, out)] = list(judge_for(server).judge([make_request(0)]))
        assert len(server.requests) == 2
    assert out.choice == "A" and out.ok


def test_retries_exhausted_gives_error() -> None:
    with FakeOpenAI(lambda req, i: fault(503)) as server:
        [(_, out)] = list(judge_for(server, max_retries=2).judge([make_request(0)]))
        assert len(server.requests) == 3
    assert out.choice == "error" and not out.ok
    assert out.error and "503" in out.error
    no_key_anywhere(out)


def test_timeout_then_success() -> None:
    with FakeOpenAI(lambda req, i: delayed(3.0) if i == 0 else reply("B")) as server:
        t0 = time.monotonic()
        [(_, out)] = list(judge_for(server, timeout_s=0.5).judge([make_request(0)]))
        assert time.monotonic() - t0 < 3.0
        assert len(server.requests) == 2
    assert out.choice == "B"


def test_malformed_answer_is_invalid_not_an_answer() -> None:
    with FakeOpenAI(lambda req, i: reply("I cannot decide", [("I", -0.1), ("A", -3.0), ("B", -3.5)])) as server:
        [(_, out)] = list(judge_for(server).judge([make_request(0)]))
        assert len(server.requests) == 1
    assert out.choice == "invalid"
    assert out.raw == "I cannot decide"
    assert out.ok and out.error is None
    assert out.p_a is None and out.p_b is None  # a parse failure carries no verdict at all


def test_empty_content_is_invalid() -> None:
    with FakeOpenAI(lambda req, i: empty()) as server:
        [(_, out)] = list(judge_for(server).judge([make_request(0)]))
        assert len(server.requests) == 1
    assert out.choice == "invalid" and out.raw == ""


def test_truncated_json_then_success() -> None:
    with FakeOpenAI(lambda req, i: truncated() if i == 0 else reply("A")) as server:
        [(_, out)] = list(judge_for(server).judge([make_request(0)]))
        assert len(server.requests) == 2
    assert out.choice == "A"


def test_permanent_400_not_retried() -> None:
    with FakeOpenAI(lambda req, i: fault(400)) as server:
        [(_, out)] = list(judge_for(server).judge([make_request(0)]))
        assert len(server.requests) == 1
    assert out.choice == "error"
    assert out.error and "400" in out.error
    no_key_anywhere(out)


def test_401_raises_judge_error_without_key() -> None:
    def responder(req: dict, i: int):
        return reply("A") if "question 0" in req["messages"][-1]["content"] else fault(401)

    with FakeOpenAI(responder) as server:
        judge = judge_for(server, concurrency=1)
        got = []
        with pytest.raises(JudgeError) as info:
            for pair in judge.judge([make_request(i) for i in range(30)]):
                got.append(pair)
        assert len(server.requests) < 30  # stopped at the first 401 instead of trying every request
    msg = str(info.value)
    assert "OPENAI_API_KEY" in msg and "openai/fake-judge" in msg
    assert FAKE_KEY not in msg and "FAKEKEY" not in msg
    assert [r.key for r, _ in got] == ["k0"]  # what was yielded before the failure stays yielded


def test_concurrency_bound() -> None:
    with FakeOpenAI(lambda req, i: reply("A", delay_s=0.1)) as server:
        t0 = time.monotonic()
        outs = list(judge_for(server, concurrency=4).judge([make_request(i) for i in range(20)]))
        elapsed = time.monotonic() - t0
        assert len(server.requests) == 20
        assert 2 <= server.max_in_flight <= 4
    assert sorted(r.key for r, _ in outs) == sorted(f"k{i}" for i in range(20))
    assert all(o.choice == "A" for _, o in outs)
    assert elapsed < 4.0


def test_results_are_yielded_incrementally() -> None:
    n = 12
    with FakeOpenAI(lambda req, i: reply("A", delay_s=0.15)) as server:
        gen = judge_for(server, concurrency=2).judge([make_request(i) for i in range(n)])
        first = next(gen)
        seen_at_first = len(server.requests)
        t_first = time.monotonic()
        rest = list(gen)
        last_sent = max(r.t_received for r in server.requests)
    assert first[1].choice == "A"
    assert seen_at_first < n  # the first result came before the last request was sent
    assert last_sent > t_first
    assert len(rest) == n - 1


def test_judge_object_is_reusable_and_threads_safe() -> None:
    with FakeOpenAI() as server:
        judge = judge_for(server, concurrency=3)
        a = list(judge.judge([make_request(i) for i in range(5)]))
        b = list(judge.judge([make_request(i) for i in range(5, 9)]))
        results: list[int] = []
        t = threading.Thread(target=lambda: results.append(len(list(judge.judge([make_request(99)])))))
        t.start()
        t.join(5)
    assert len(a) == 5 and len(b) == 4 and results == [1]


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
def test_early_stop_cancels_remaining_work() -> None:
    with FakeOpenAI(lambda req, i: reply("A", delay_s=0.1)) as server:
        gen = judge_for(server, concurrency=2).judge([make_request(i) for i in range(40)])
        next(gen)
        gen.close()
        time.sleep(0.4)
        assert len(server.requests) < 10


def test_identity_and_decoding() -> None:
    j = LiteLLMJudge("openai/gpt-4o-mini", temperature=0.7, max_tokens=8, concurrency=3, timeout_s=5)
    assert j.spec == "openai/gpt-4o-mini"
    # the whole call but the messages, without transport settings (timeout, retries, concurrency)
    assert j.identity() == {"backend": "litellm", "model": "openai/gpt-4o-mini", "api_base": None,
                            "temperature": 0.7, "max_tokens": 8, "logprobs": True, "top_logprobs": 20,
                            "reader": "strict-1"}
    assert j.decoding == {"temperature": 0.7, "max_tokens": 8, "logprobs": True}
    assert j.stochastic
    # a hosted API is not deterministic at temperature 0 (the suite repeats a sample for the noise floor);
    # a local server at temperature 0 is
    assert LiteLLMJudge("openai/gpt-4o-mini").stochastic
    assert not LiteLLMJudge("openai/gpt-4o-mini", api_base="http://127.0.0.1:8000/v1").stochastic


def test_placeholder_key_only_for_local_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    with FakeOpenAI() as server:
        [(_, out)] = list(judge_for(server).judge([make_request(0)]))
        assert server.requests[0].headers.get("authorization") == "Bearer EMPTY"
    assert out.choice == "A"
    assert is_local_url("http://localhost:8000/v1") and is_local_url("http://10.0.0.5/v1")
    assert is_local_url("http://vllm:8000/v1")
    assert not is_local_url("https://api.openai.com/v1") and not is_local_url(None)
    remote = LiteLLMJudge("openai/x", api_base="https://api.example.com/v1")
    assert "api_key" not in remote._call_kwargs(make_request(0))


def test_redact() -> None:
    msg = f"bad key {FAKE_KEY} and sk-abcdefgh12345678 Bearer abcdefghijkl"
    out = redact(msg)
    assert FAKE_KEY not in out and "sk-abcdefgh12345678" not in out and "abcdefghijkl" not in out
