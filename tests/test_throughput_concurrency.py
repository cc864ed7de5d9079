"""Adaptive concurrency: AIMD window, per-provider limits, and convergence against a server
that answers 429 above a set level of concurrency."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openai import FakeOpenAI, fault, reply

from judgekit.judges.concurrency import AdaptiveLimiter, ProviderLimit, limit_for, parse_limits, provider_of
from judgekit.judges.openai_compat import OpenAICompatJudge
from judgekit.types import JudgeRequest


def test_provider_limits_defaults_env_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUDGEKIT_PROVIDER_LIMITS", raising=False)
    assert provider_of("anthropic/claude-3") == "anthropic" and provider_of("gpt-4o") == "openai"
    assert limit_for("anthropic/claude-3").max_concurrency == 16
    assert limit_for("somewhere/model") == limit_for("x/y")  # the "*" default
    monkeypatch.setenv("JUDGEKIT_PROVIDER_LIMITS", "anthropic=4:120, openai=8")
    assert limit_for("anthropic/claude-3") == ProviderLimit(4, 120.0)
    assert limit_for("openai/gpt-4o", overrides={"openai": ProviderLimit(3)}).max_concurrency == 3
    assert limit_for("openai/gpt-4o", concurrency=5, rpm=60) == ProviderLimit(5, 60.0)
    with pytest.raises(ValueError):
        parse_limits("openai:64")
    with pytest.raises(ValueError):
        parse_limits("openai=0")


def test_aimd_window_moves() -> None:
    async def scenario() -> AdaptiveLimiter:
        lim = AdaptiveLimiter(10, initial=4)
        for _ in range(8):  # 8 successes at window ~4 add about 2
            s = await lim.acquire()
            lim.release(s)
        assert 5.5 < lim.window < 6.2
        # two throttles from the same overload: only the first cuts
        a, b = await lim.acquire(), await lim.acquire()
        a.throttled()
        b.throttled()
        w = lim.window
        lim.release(a)
        lim.release(b)
        assert lim.window == pytest.approx(w / 2) and lim.n_throttled == 2
        for _ in range(5):
            s = await lim.acquire()
            s.throttled()
            lim.release(s)
        assert lim.limit == 1  # never below the floor
        return lim

    asyncio.run(scenario())


def test_limiter_blocks_at_the_window() -> None:
    async def scenario() -> int:
        lim = AdaptiveLimiter(3)
        peak = 0

        async def task() -> None:
            nonlocal peak
            async with lim.slot():
                peak = max(peak, lim.in_flight)
                await asyncio.sleep(0.01)

        await asyncio.gather(*(task() for _ in range(30)))
        assert lim.in_flight == 0
        return peak

    assert asyncio.run(scenario()) == 3


def test_rpm_spaces_request_starts() -> None:
    async def scenario() -> float:
        lim = AdaptiveLimiter(8, rpm=600)  # one start every 0.1 s
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for _ in range(4):
            lim.release(await lim.acquire())
        return loop.time() - t0

    assert asyncio.run(scenario()) >= 0.28


def test_converges_below_server_limit_and_every_request_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-FAKEKEY0123456789")
    monkeypatch.setattr(OpenAICompatJudge, "retry_base_s", 0.02)
    monkeypatch.setattr(OpenAICompatJudge, "retry_cap_s", 0.2)
    allowed = 6
    lock = threading.Lock()
    state = {"in_flight": 0, "rejected": 0}
    holder: dict[str, FakeOpenAI] = {}

    def responder(req: dict, i: int):
        with lock:
            over = holder["s"].in_flight > allowed
            state["rejected"] += over
        return fault(429) if over else reply("A", delay_s=0.03)

    with FakeOpenAI(responder) as server:
        holder["s"] = server
        judge = OpenAICompatJudge("openai/fake", api_base=server.base_url, concurrency=32, max_retries=30)
        reqs = [JudgeRequest(key=f"k{i}", messages=({"role": "user", "content": f"q{i}"},), prompt=f"q{i}",
                             first="a", second="b") for i in range(300)]
        outs = [o for _, o in judge.judge(reqs)]
    lim = judge.limiter
    assert lim is not None
    assert len(outs) == 300 and all(o.choice == "A" for o in outs)
    assert state["rejected"] > 0 and lim.n_throttled == state["rejected"]
    late = list(lim.history)[-50:]
    assert max(late) <= allowed + 3  # the window settled near the server's limit, far below 32
    assert min(lim.history) <= allowed
    assert state["rejected"] < 300  # it adapted instead of hammering
