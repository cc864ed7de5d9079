"""One runner behind both API transports: the same retry, Retry-After, throttle and auth behaviour, checked
once over both clients against the loopback server, and the runner's policy on a scripted provider."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from judgekit.judges.api import LiteLLMJudge, _litellm
from judgekit.judges.base import JudgeError
from judgekit.judges.concurrency import ProviderLimit
from judgekit.judges.openai_compat import OpenAICompatJudge
from judgekit.judges.runner import ChatJudge, Endpoint, MalformedResponseError
from judgekit.types import JudgeOutput, JudgeRequest
from tests.fake_openai import Action, FakeOpenAI, fault, reply

FAKE_KEY = "sk-test-FAKEKEY0123456789abcdef"
CLIENTS = {"openai-compatible": OpenAICompatJudge, "litellm": LiteLLMJudge}
#: what a provider may define; everything else about sending is the runner's
PROVIDER_PART = {"request", "chat", "output", "prepare", "open", "adapt", "classify", "key_env_var"}
POLICY = ("judge", "_run", "_attempts", "pick", "auth_message")


@pytest.fixture(scope="module", autouse=True)
def _import_litellm() -> None:
    _litellm()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.chdir(tmp_path)


def req(i: int) -> JudgeRequest:
    return JudgeRequest(key=f"k{i}", messages=({"role": "user", "content": f"question {i}: A or B?"},),
                        prompt=f"question {i}", first="a", second="b")


def make(client: str, base: str, **kw: Any) -> ChatJudge:
    judge = CLIENTS[client]("openai/fake", api_base=base, logprobs=False, **kw)
    judge.retry_base_s = 0.01  # back-off alone waits ~10 ms: a longer gap can only be Retry-After
    return judge


def test_both_transports_are_the_same_runner() -> None:
    for cls in CLIENTS.values():
        assert issubclass(cls, ChatJudge)
        for name in POLICY:  # neither client has its own loop, retries or balancing
            assert getattr(cls, name) is getattr(ChatJudge, name), (cls.__name__, name)
        own = {n for n in vars(cls) if callable(vars(cls)[n]) and n in vars(ChatJudge)}
        assert own <= PROVIDER_PART, (cls.__name__, own - PROVIDER_PART)


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_retry_after_then_5xx_then_answer(client: str) -> None:
    def responder(body: dict[str, Any], i: int) -> Action:
        return [fault(429, retry_after=0.4), fault(503), reply("B")][min(i, 2)]

    with FakeOpenAI(responder) as server:
        judge = make(client, server.base_url, max_retries=3)
        [(_, out)] = list(judge.judge([req(0)]))
        judge.close()
        t = [r.t_received for r in server.requests]
    assert out.choice == "B" and out.error is None and len(t) == 3
    assert t[1] - t[0] >= 0.4  # the server's Retry-After, not the 10 ms back-off
    assert judge.limiter is not None and judge.limiter.n_throttled == 1  # the 429 was seen as throttling


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_retries_exhausted_and_permanent_errors(client: str) -> None:
    def responder(body: dict[str, Any], i: int) -> Action:
        return fault(400) if "question 1" in body["messages"][-1]["content"] else fault(500)

    with FakeOpenAI(responder) as server:
        judge = make(client, server.base_url, max_retries=2, concurrency=1)
        outs = {r.key: o for r, o in judge.judge([req(0), req(1)])}
        judge.close()
        sent = [r.prompt for r in server.requests]
    assert outs["k0"].choice == "error" and "500" in (outs["k0"].error or "")
    assert outs["k1"].choice == "error" and "400" in (outs["k1"].error or "")
    assert sent.count("question 0: A or B?") == 3  # first attempt + max_retries
    assert sent.count("question 1: A or B?") == 1  # a 400 is never retried


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_auth_error_raised_after_the_answers_in(client: str) -> None:
    def responder(body: dict[str, Any], i: int) -> Action:
        return reply("A") if "question 0" in body["messages"][-1]["content"] else fault(401)

    with FakeOpenAI(responder) as server:
        judge = make(client, server.base_url, concurrency=1)
        got: list[str] = []
        with pytest.raises(JudgeError, match="OPENAI_API_KEY"):
            for r, o in judge.judge([req(i) for i in range(5)]):
                got.append(f"{r.key}={o.choice}")
        judge.close()
        n = len(server.requests)
    assert got == ["k0=A"] and n == 2  # the answer in was yielded; the first 401 stopped the run


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_throttling_cuts_the_window(client: str) -> None:
    def responder(body: dict[str, Any], i: int) -> Action:
        return fault(429, retry_after=0.05) if i < 4 else reply("A", delay_s=0.01)

    with FakeOpenAI(responder) as server:
        judge = make(client, server.base_url, concurrency=8)
        outs = [o.choice for _, o in judge.judge([req(i) for i in range(16)])]
        judge.close()
    lim = judge.limiter
    assert outs == ["A"] * 16
    assert lim is not None and lim.n_throttled >= 1 and min(lim.history) < 8  # AIMD halved at least once


class Scripted(ChatJudge):
    """A provider in a dozen lines: replies are scripted per (key, attempt) and per endpoint."""

    def __init__(self, script: dict[str, list[Any]], endpoints: int = 1, **kw: Any) -> None:
        self.model = "scripted/x"
        self.limit = ProviderLimit(kw.pop("concurrency", 4))
        self.max_retries = kw.pop("max_retries", 3)
        self.endpoints = [Endpoint(f"http://e{i}") for i in range(endpoints)]
        self.script = script
        self.sent: list[tuple[str, str | None, Any]] = []
        self.retry_base_s = 0.001

    def identity(self) -> dict[str, Any]:
        return {"backend": "scripted"}

    def request(self, r: JudgeRequest) -> dict[str, Any]:
        return {"key": r.key, "extra": True}

    async def chat(self, state: dict[str, Any], endpoint: Endpoint) -> Any:
        key = state["key"]
        self.sent.append((key, endpoint.base, state.get("extra")))
        await asyncio.sleep(0.001)
        step = self.script[key].pop(0)
        if isinstance(step, BaseException):
            raise step
        return step

    def output(self, reply: Any, state: dict[str, Any], latency_s: float) -> JudgeOutput:
        if reply == "garbled":
            raise MalformedResponseError("not a completion")
        return JudgeOutput(choice=reply, latency_s=latency_s)

    def adapt(self, exc: BaseException, kind: str, state: dict[str, Any]) -> dict[str, Any] | None:
        return {**state, "extra": False} if "drop extra" in str(exc) and state["extra"] else None


class Status(Exception):
    def __init__(self, code: int, msg: str = "") -> None:
        super().__init__(msg or f"status {code}")
        self.status_code = code


def test_runner_policy_on_a_scripted_provider() -> None:
    judge = Scripted({"k0": ["garbled", Status(503), "A"], "k1": [Status(400, "drop extra"), "B"],
                      "k2": [Status(404)], "k3": [ConnectionError("refused")] * 9})
    outs = {r.key: o for r, o in judge.judge([req(i) for i in range(4)])}
    assert outs["k0"].choice == "A" and outs["k0"].latency_s is not None  # malformed 200 and 503 retried
    assert outs["k1"].choice == "B"  # the hook changed the request and sent it again at once
    assert [s[2] for s in judge.sent if s[0] == "k1"] == [True, False]
    assert outs["k2"].choice == "error" and "404" in (outs["k2"].error or "")
    assert outs["k3"].choice == "error" and sum(s[0] == "k3" for s in judge.sent) == 4  # 1 + max_retries


def test_runner_balances_endpoints_and_skips_a_dead_one() -> None:
    n = 40
    judge = Scripted({f"k{i}": ["A"] for i in range(n)}, endpoints=2)
    assert all(o.choice == "A" for _, o in judge.judge([req(i) for i in range(n)]))
    per = [ep.n_sent for ep in judge.endpoints]
    assert sum(per) == n and min(per) >= n // 4  # both endpoints take a share

    judge = Scripted({"k0": [ConnectionError("refused"), "A"], **{f"k{i}": ["A"] for i in range(1, 9)}},
                     endpoints=2, concurrency=1)
    assert all(o.choice == "A" for _, o in judge.judge([req(i) for i in range(9)]))
    dead = judge.sent[0][1]
    assert [s[1] for s in judge.sent[1:]] == ["http://e1" if dead == "http://e0" else "http://e0"] * 9
