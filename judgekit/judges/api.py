"""API judges through litellm: OpenAI, Anthropic, Gemini, OpenRouter, self-hosted vLLM...

Requests run concurrently on a private asyncio event loop in a daemon thread; the
caller iterates a plain synchronous generator that yields each ``(request, output)``
as soon as it completes. Retries are done here (litellm's and the SDK's own retries
are switched off so they are not multiplied): exponential back-off with jitter on
429, 5xx, timeouts, connection failures and malformed bodies, honouring
``Retry-After``. Permanent errors (400/403/404) become ``choice="error"`` at once; a
rejected or missing key (401) raises :class:`JudgeError` because nothing can work.

Keys come from the environment (a ``.env`` file in the working directory is loaded
once, without overriding variables already set) and never appear in outputs or logs.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import os
import queue
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any
from urllib.parse import urlparse

from judgekit.engine.keys import body_identity, effective_stochastic
from judgekit.judges import _retry
from judgekit.judges.base import Judge, JudgeError
from judgekit.judges.concurrency import AdaptiveLimiter, is_throttle
from judgekit.judges.readers import TEXT_READER, read_text, read_text_with_first_token
from judgekit.types import JudgeOutput, JudgeRequest

log = logging.getLogger(__name__)

_redact = _retry.redact
_TOP_LOGPROBS = 20
_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _litellm() -> Any:
    """Import litellm lazily (it is slow to import) with its banners and network lookups off."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.set_verbose = False
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)
    return litellm


def _load_dotenv() -> None:
    """Load ``./.env`` (current directory) without overriding variables already set."""
    try:
        from dotenv import load_dotenv
    except ImportError:  # pragma: no cover - python-dotenv is a dependency
        return
    path = os.path.join(os.getcwd(), ".env")
    if os.path.isfile(path):
        load_dotenv(path, override=False)


def _event_loop() -> asyncio.AbstractEventLoop:
    """One long-lived loop shared by all API judges (litellm caches clients per loop)."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="judgekit-litellm", daemon=True).start()
            _loop = loop
        return _loop


def is_local_url(url: str | None) -> bool:
    """True for loopback, private-network, ``.local``/``.internal`` and dot-less hosts."""
    if not url:
        return False
    host = (urlparse(url if "//" in url else "//" + url).hostname or "").lower()
    if not host:
        return False
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")) or "." not in host:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def stream_results(start: Callable[[queue.Queue[tuple[str, Any]]], Coroutine[Any, Any, None]]
                   ) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
    """Run ``start(results)`` on the shared loop and yield each result as its worker puts it.

    Workers hand each ``(request, output)`` over with :func:`hand_over`; they put ``("auth", message)`` on a
    rejected key (raised as :class:`JudgeError` after the results already in), ``("crash", error)`` and
    ``("done", None)``.
    Stopping early (the caller breaks, or an error is raised) cancels the work still in flight.
    """
    results: queue.Queue[tuple[str, Any]] = queue.Queue()
    future = asyncio.run_coroutine_threadsafe(start(results), _event_loop())
    auth_error: str | None = None
    try:
        while True:
            kind, payload = results.get()
            if kind == "result":
                req, out, taken = payload
                yield req, out
                # the caller asked for the next result: it has handled (journaled) this one
                taken.get_loop().call_soon_threadsafe(lambda f=taken: f.done() or f.set_result(None))
            elif kind == "auth":
                auth_error = payload
            elif kind == "crash":
                raise JudgeError(_redact(f"API judge failed: {payload}")) from None
            elif kind == "done":
                break
        if auth_error is not None:
            raise JudgeError(auth_error)
    finally:
        if not future.done():
            future.cancel()


async def hand_over(results: queue.Queue[tuple[str, Any]], req: JudgeRequest, out: JudgeOutput) -> None:
    """Give a result to the caller's thread and wait until it has handled it (written it to its journal).

    A worker sends its next request only then, so answers received but not yet journaled are never
    more than the workers (the concurrency), however far behind the caller is.
    """
    taken = asyncio.get_running_loop().create_future()
    results.put(("result", (req, out, taken)))
    await taken


class _AuthFailed(Exception):
    pass


class MalformedResponseError(Exception):
    """A 200 answer whose body is not a chat completion (retried like a transient error)."""


def _count(value: Any) -> int | None:
    """A token count from ``usage``, which is optional: anything but a non-negative int is None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class LiteLLMJudge(Judge):
    """A chat-model judge behind any provider litellm supports.

    ``model`` is a litellm model string (``openai/gpt-4o-mini``,
    ``anthropic/claude-3-5-haiku-latest``, ``openai/NAME`` for an OpenAI-compatible
    server). With ``api_base`` pointing at a *local or self-hosted* server (loopback,
    private network, ``*.local``, a dot-less Docker host name) and no provider key in
    the environment, a placeholder key ``"EMPTY"`` is sent, because vLLM and similar
    servers accept any key while the client library refuses to start without one. A
    public ``api_base`` never gets a placeholder: a missing key there is reported.

    ``max_retries`` counts retries after the first attempt. Unsupported parameters
    (logprobs on providers without them) are dropped rather than failing. ``extra`` is
    passed to ``litellm.acompletion`` last, so it can add or override any argument.
    ``p_a``/``p_b`` come from the first token's top logprobs and are left None for a
    reply that does not parse ("invalid").
    """

    #: Base of the exponential back-off in seconds (the first retry waits 0.5-1x this).
    retry_base_s: float = 1.0
    retry_cap_s: float = 30.0

    def __init__(self, model: str, *, api_base: str | None = None, temperature: float = 0.0,
                 max_tokens: int = 16, concurrency: int = 16, max_retries: int = 6, timeout_s: float = 60.0,
                 logprobs: bool = True, extra: dict[str, Any] | None = None) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        _load_dotenv()
        self.model = model
        self.spec = model
        self.api_base = api_base or None
        self.temperature = float(temperature)
        self.max_tokens = int(max_tokens)
        self.concurrency = int(concurrency)
        self.max_retries = max(0, int(max_retries))
        self.timeout_s = float(timeout_s)
        self.logprobs = bool(logprobs)
        self.extra = dict(extra or {})
        #: a provider's hosted API (no local endpoint): not deterministic even at temperature 0
        self.hosted = not is_local_url(self.api_base)
        self.stochastic = effective_stochastic(self.params()) or self.hosted
        self.limiter: AdaptiveLimiter | None = None
        self._closed = False

    # -- protocol -----------------------------------------------------------------

    def identity(self) -> dict[str, Any]:
        return self.scoped({**body_identity("litellm", self.params(), self.api_base), "reader": TEXT_READER})

    @property
    def decoding(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens, "logprobs": self.logprobs}

    def count_tokens(self, text: str) -> int | None:
        try:
            return int(_litellm().token_counter(model=self.model, text=text))
        except Exception:
            return None

    def key_env_var(self) -> str:
        provider = self.model.split("/", 1)[0] if "/" in self.model else "openai"
        return f"{provider.upper().replace('-', '_')}_API_KEY"

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        if self._closed:
            raise JudgeError("judge is closed")
        requests = list(requests)
        if not requests:
            return
        _litellm()
        yield from stream_results(lambda results: self._run(requests, results))

    def close(self) -> None:
        self._closed = True

    # -- async machinery ------------------------------------------------------------

    async def _run(self, requests: list[JudgeRequest], results: queue.Queue[tuple[str, Any]]) -> None:
        pending = iter(requests)
        limiter = self.limiter = AdaptiveLimiter(self.concurrency)  # AIMD: halves on 429, +1 per window

        async def worker() -> None:
            for req in pending:  # shared iterator: each request goes to exactly one worker
                out = await self._one(req, limiter)
                await hand_over(results, req, out)

        try:
            async with asyncio.TaskGroup() as tg:
                for _ in range(min(self.concurrency, len(requests))):
                    tg.create_task(worker())
        except* _AuthFailed as eg:
            results.put(("auth", str(eg.exceptions[0])))
        except* Exception as eg:
            results.put(("crash", _retry.short_error(eg.exceptions[0])))
        finally:
            results.put(("done", None))

    def params(self) -> dict[str, Any]:
        """Every argument of the call but the messages."""
        kw = self._call_kwargs(None)
        kw.pop("messages")
        return kw

    def _call_kwargs(self, req: JudgeRequest | None) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in req.messages] if req is not None else [],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "timeout": self.timeout_s,
            "num_retries": 0,
            "max_retries": 0,
            "drop_params": True,
        }
        if self.logprobs:
            kw["logprobs"] = True
            kw["top_logprobs"] = _TOP_LOGPROBS
        if self.api_base:
            kw["api_base"] = self.api_base
            if is_local_url(self.api_base) and not os.environ.get(self.key_env_var()):
                kw["api_key"] = "EMPTY"
        kw.update(self.extra)
        return kw

    async def _one(self, req: JudgeRequest, limiter: AdaptiveLimiter) -> JudgeOutput:
        litellm = _litellm()
        kw = self._call_kwargs(req)
        attempt = 0
        while True:
            t0 = time.perf_counter()
            try:
                async with limiter.slot() as slot:
                    try:
                        resp = await litellm.acompletion(**kw)
                    except Exception as e:
                        if is_throttle(_retry.status_of(e)):
                            slot.throttled()
                        raise
                return self._output(resp, time.perf_counter() - t0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                kind = "transient" if isinstance(exc, MalformedResponseError) else _retry.classify(exc)
                msg = _retry.short_error(exc)
                if kind == "auth":
                    raise _AuthFailed(
                        f"API key missing or rejected for {self.model}: set {self.key_env_var()} "
                        f"(in the environment or a .env file) or check that the key is valid. {msg}"
                    ) from None
                if kind == "permanent" or attempt >= self.max_retries:
                    log.warning("%s: giving up after %d attempt(s): %s", self.model, attempt + 1, msg)
                    return JudgeOutput(choice="error", error=msg, latency_s=None)
                wait = _retry.backoff_s(attempt, self.retry_base_s, self.retry_cap_s, _retry.retry_after_s(exc))
                log.info("%s: retry %d in %.1fs after %s", self.model, attempt + 1, wait, msg)
                attempt += 1
                await asyncio.sleep(wait)

    def _output(self, resp: Any, latency_s: float) -> JudgeOutput:
        litellm = _litellm()
        choices = _get(resp, "choices")
        try:
            message = choices[0].message if not isinstance(choices[0], dict) else choices[0].get("message")
        except (AttributeError, IndexError, TypeError, KeyError):
            message = None
        if message is None or isinstance(message, (str, int, float, list)):
            raise MalformedResponseError("the answer has no choices[0].message object")
        content = _get(message, "content")
        text = content if isinstance(content, str) else ""
        if not text.strip():
            refusal = _get(message, "refusal")
            text = refusal if isinstance(refusal, str) else text
            r = read_text(None)
        elif self.logprobs:
            # probabilities are kept only when the first token is the letter the text was read as
            r = read_text_with_first_token(text, resp, one_token=self.max_tokens == 1)
        else:
            r = read_text(text)
        usage = _get(resp, "usage")
        try:
            cost = litellm.completion_cost(completion_response=resp)
            cost = float(cost) if cost is not None and math.isfinite(float(cost)) else None
        except Exception:
            cost = None
        return JudgeOutput(
            choice=r.choice,  # type: ignore[arg-type]
            p_a=r.p_a,
            p_b=r.p_b,
            parse_rule=r.rule,
            p_ab_mass=r.p_ab_mass,
            raw=_redact(text),
            input_tokens=_count(_get(usage, "prompt_tokens")),
            output_tokens=_count(_get(usage, "completion_tokens")),
            latency_s=latency_s,
            cost_usd=cost,
        )
