"""A lean judge for OpenAI-compatible chat-completions servers, on aiohttp.

For ``openai/...`` models and any OpenAI-compatible server (vLLM, SGLang, llama.cpp,
most hosted open-model APIs). It spends about 0.3 ms of CPU per request where the
litellm path spends 6 ms, which is what decides throughput on a small machine at
realistic latencies (see ``docs/scaling.md``). Only the wire format is here: one POST per
attempt and the reading of its body. Concurrency, retries, back-off, ``Retry-After``,
endpoint balancing and the streaming hand-over are the shared runner's
(:mod:`judgekit.judges.runner`), the same code that drives
:class:`~judgekit.judges.api.LiteLLMJudge`; a 401 raises :class:`JudgeError`.

Several endpoints serving the same model go behind one spec: ``api_base`` takes a
comma-separated list (or a list), and every attempt goes to the endpoint with the
fewest requests in flight (``balance="least"``) or to the next one in turn
(``"round_robin"``). An endpoint that refuses connections is skipped for a few
seconds. Concurrency is adaptive (:mod:`judgekit.judges.concurrency`). A server that
rejects ``logprobs`` is asked again without them (:meth:`OpenAICompatJudge.adapt`).

Serving a model with vLLM on two local GPUs and judging against both::

    CUDA_VISIBLE_DEVICES=0 vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000 &
    CUDA_VISIBLE_DEVICES=1 vllm serve Qwen/Qwen2.5-7B-Instruct --port 8001 &
    judgekit eval --judge hosted_vllm/Qwen/Qwen2.5-7B-Instruct \\
        --api-base http://127.0.0.1:8000/v1,http://127.0.0.1:8001/v1 --concurrency 256
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Sequence
from typing import Any

from judgekit.engine.keys import body_identity, effective_stochastic
from judgekit.judges import _retry
from judgekit.judges.api import _litellm, _load_dotenv, is_local_url
from judgekit.judges.base import JudgeError
from judgekit.judges.concurrency import ProviderLimit, limit_for, provider_of
from judgekit.judges.prices import endpoint_prices
from judgekit.judges.readers import DEFAULT_MIN_LETTER_MASS, TEXT_READER, read_text, read_text_with_first_token
from judgekit.judges.runner import ChatJudge, Endpoint, MalformedResponseError, event_loop, split_endpoints
from judgekit.types import JudgeOutput, JudgeRequest

log = logging.getLogger(__name__)

OPENAI_BASE = "https://api.openai.com/v1"
#: Providers this client speaks for (their wire format is OpenAI chat completions).
PREFIXES = ("openai", "hosted_vllm")
_TOP_LOGPROBS = 20


class HTTPStatusError(Exception):
    """A non-200 answer. ``status_code`` and ``headers`` are read by :mod:`judgekit.judges._retry`."""

    def __init__(self, status_code: int, message: str, headers: Any = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.headers = dict(headers or {})


def _count(usage: Any, name: str) -> int | None:
    value = usage.get(name) if isinstance(usage, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def completion_output(data: dict[str, Any], *, logprobs: bool, prices: tuple[float, float] | None = None,
                      latency_s: float | None = None, one_token: bool = False,
                      min_letter_mass: float = DEFAULT_MIN_LETTER_MASS) -> JudgeOutput:
    """A chat-completion body -> JudgeOutput: the verdict read from the text, p(A)/p(B) from the first
    token only when they belong to it (:mod:`judgekit.judges.readers`), tokens from ``usage`` (optional)
    and cost from ``prices``. A body without ``choices[0].message`` as objects raises
    :class:`MalformedResponseError`, which is retried."""
    choices = data.get("choices")
    head = choices[0] if isinstance(choices, list) and choices else None
    message = head.get("message") if isinstance(head, dict) else None
    if not isinstance(message, dict):
        raise MalformedResponseError("the answer has no choices[0].message object")
    content = message.get("content")
    text = content if isinstance(content, str) else ""
    if not text.strip():
        refusal = message.get("refusal")
        text = refusal if isinstance(refusal, str) else text
        r = read_text(None)
    elif logprobs:
        r = read_text_with_first_token(text, data, one_token=one_token, min_letter_mass=min_letter_mass)
    else:
        r = read_text(text)
    usage = data.get("usage")
    n_in, n_out = _count(usage, "prompt_tokens"), _count(usage, "completion_tokens")
    cost = None
    if prices is not None and n_in is not None and n_out is not None:
        cost = n_in * prices[0] + n_out * prices[1]
    return JudgeOutput(choice=r.choice, p_a=r.p_a, p_b=r.p_b, raw=_retry.redact(text),  # type: ignore[arg-type]
                       parse_rule=r.rule, p_ab_mass=r.p_ab_mass,
                       input_tokens=n_in, output_tokens=n_out, latency_s=latency_s, cost_usd=cost)


class OpenAICompatJudge(ChatJudge):
    """A chat judge for OpenAI-compatible endpoints (see the module docstring).

    ``model`` is ``openai/NAME``, ``hosted_vllm/NAME`` or a bare ``NAME``; ``NAME`` is sent
    as the model. ``concurrency`` caps requests in flight (default: the provider's limit in
    :data:`~judgekit.judges.concurrency.DEFAULT_LIMITS`); ``rpm`` caps request starts per
    minute. ``extra`` is merged into every request body last.
    """

    def __init__(self, model: str, *, api_base: str | Sequence[str] | None = None, temperature: float = 0.0,
                 max_tokens: int = 16, concurrency: int | None = None, rpm: float | None = None,
                 max_retries: int = 6, timeout_s: float = 60.0, logprobs: bool = True,
                 balance: str = "least", api_key: str | None = None, extra: dict[str, Any] | None = None,
                 limits: dict[str, ProviderLimit] | None = None) -> None:
        if balance not in ("least", "round_robin"):
            raise ValueError("balance must be 'least' or 'round_robin'")
        _load_dotenv()
        self.model = model
        self.spec = model
        self.provider = provider_of(model)
        self.wire_model = model.split("/", 1)[1] if self.provider in PREFIXES and "/" in model else model
        bases = split_endpoints(api_base or os.environ.get(f"{self.provider.upper()}_API_BASE"))
        if not bases and self.provider == "hosted_vllm":
            raise JudgeError(f"{model}: a self-hosted model needs --api-base (e.g. http://127.0.0.1:8000/v1)")
        self.endpoints = [Endpoint(b, "/chat/completions") for b in (bases or [OPENAI_BASE])]
        self.api_base = ",".join(sorted(bases)) or None
        self.temperature = float(temperature)
        self.max_tokens = int(max_tokens)
        self.limit = limit_for(model, concurrency=concurrency, rpm=rpm, overrides=limits)
        self.concurrency = self.limit.max_concurrency
        self.max_retries = max(0, int(max_retries))
        self.timeout_s = float(timeout_s)
        self.logprobs = bool(logprobs)
        #: set when the server refused logprobs and the judge asks without them (never changes the identity)
        self.logprobs_refused = False
        self.balance = balance
        self.extra = dict(extra or {})
        #: a hosted API (an endpoint that is not local): not deterministic even at temperature 0, so suites
        #: repeat a sample of requests to measure the noise floor (``--repeats 0`` turns that off)
        self.hosted = not all(is_local_url(e.url) for e in self.endpoints)
        self.stochastic = effective_stochastic(self.params(refused=False)) or self.hosted
        self._key = api_key or os.environ.get(self.key_env_var()) or ""
        if not self._key and (self.provider == "hosted_vllm" or all(is_local_url(b) for b in bases)) and bases:
            self._key = "EMPTY"  # vLLM and friends accept any key
        self._session: Any = None
        self._prices: tuple[float, float] | None = None
        self._closed = False

    # -- protocol -----------------------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        # the whole request body as configured (a later logprobs refusal is recorded in decoding, not here)
        return self.scoped({**body_identity("openai-compatible", self.params(refused=False), self.api_base),
                            "reader": TEXT_READER})

    @property
    def decoding(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens, "logprobs": self.logprobs,
                "logprobs_refused": self.logprobs_refused}

    def count_tokens(self, text: str) -> int | None:
        try:
            return int(_litellm().token_counter(model=self.wire_model, text=text))
        except Exception:
            return None

    def prices(self) -> tuple[float, float] | None:
        """Per-token prices when litellm's table knows the model (never for local or self-hosted servers)."""
        return endpoint_prices(self.provider, self.wire_model, [e.url for e in self.endpoints])

    def close(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None and not session.closed:
            try:
                asyncio.run_coroutine_threadsafe(session.close(), event_loop()).result(timeout=5)
            except Exception:  # pragma: no cover - best effort at shutdown
                pass

    def __del__(self) -> None:
        session = getattr(self, "_session", None)
        if session is not None and not session.closed:
            try:
                loop = event_loop()
                loop.call_soon_threadsafe(lambda: loop.create_task(session.close()))
            except Exception:  # pragma: no cover - interpreter shutdown
                pass

    # -- async machinery ------------------------------------------------------------------
    # -- the provider's part of the runner (:class:`~judgekit.judges.runner.ChatJudge`) ----------
    def prepare(self) -> None:
        self._prices = self.prices()

    async def open(self) -> None:
        import aiohttp

        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=60)
            headers = {"Content-Type": "application/json"}
            if self._key:
                headers["Authorization"] = f"Bearer {self._key}"
            self._session = aiohttp.ClientSession(connector=connector, headers=headers,
                                                  timeout=aiohttp.ClientTimeout(total=self.timeout_s))

    def params(self, refused: bool | None = None) -> dict[str, Any]:
        """Every field of the request body but the messages (``refused``: without logprobs)."""
        refused = self.logprobs_refused if refused is None else refused
        b: dict[str, Any] = {"model": self.wire_model, "temperature": self.temperature, "max_tokens": self.max_tokens}
        if self.logprobs and not refused:
            b["logprobs"] = True
            b["top_logprobs"] = _TOP_LOGPROBS
        b.update(self.extra)
        return b

    def body(self, req: JudgeRequest) -> dict[str, Any]:
        params = self.params()
        return {"model": params.pop("model"), "messages": list(req.messages), **params}

    def request(self, req: JudgeRequest) -> dict[str, Any]:
        return self.body(req)

    async def chat(self, state: dict[str, Any], endpoint: Endpoint) -> dict[str, Any]:
        """POST the body to ``endpoint``; a non-200 raises :class:`HTTPStatusError`, a body without
        choices :class:`MalformedResponseError`."""
        async with self._session.post(endpoint.url, data=json.dumps(state).encode()) as resp:
            raw = await resp.read()
            if resp.status != 200:
                try:
                    err = json.loads(raw).get("error") or {}
                    msg = err.get("message") if isinstance(err, dict) else str(err)
                except (ValueError, AttributeError):
                    msg = raw[:200].decode(errors="replace")
                raise HTTPStatusError(resp.status, f"{resp.status} from {endpoint.url}: {msg}", resp.headers)
        try:
            data = json.loads(raw)
        except ValueError as e:
            raise MalformedResponseError(f"malformed JSON from {endpoint.url}: {e}") from None
        if not isinstance(data, dict) or not isinstance(data.get("choices"), list) or not data["choices"]:
            raise MalformedResponseError(f"no choices in the answer from {endpoint.url}")
        return data

    def output(self, reply: dict[str, Any], state: dict[str, Any], latency_s: float) -> JudgeOutput:
        return completion_output(reply, logprobs="logprobs" in state, prices=self._prices, latency_s=latency_s,
                                 one_token=self.max_tokens == 1)

    def adapt(self, exc: BaseException, kind: str, state: dict[str, Any]) -> dict[str, Any] | None:
        """A server that rejects logprobs (a permanent error naming them): the same body without them,
        for this and every later request of the run; the identity (what was asked for) stays as it was."""
        if "logprobs" not in state or kind != "permanent" or "logprob" not in str(exc).lower():
            return None
        log.info("%s: the server rejects logprobs; asking without them", self.model)
        self.logprobs_refused = True
        return {k: v for k, v in state.items() if k not in ("logprobs", "top_logprobs")}
