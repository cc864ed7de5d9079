"""The one async runner behind every API judge: concurrency, retries, back-off and endpoints.

A provider is a :class:`ChatJudge` subclass that only knows its wire format:

``request(req)``           the per-request state to send (a kwargs dict, an encoded body);
``chat(state, endpoint)``  send it once and return the raw reply, or raise (the error is classified
                           by :func:`judgekit.judges._retry.classify`);
``output(reply, state, latency_s)``  read the reply into a :class:`JudgeOutput`; raises
                           :class:`MalformedResponseError` for a body of the wrong shape. The runner
                           reads it for the request's protocol (:func:`~judgekit.judges.readers.protocol_output`:
                           an mcq reply's text by the option-letter reader).

Everything else is policy and lives here, with hooks a provider may override:

- requests run on one long-lived event loop in a daemon thread; the caller iterates a plain generator
  (:func:`stream_results`) and a worker sends its next request only after the caller has taken
  (journaled) its last answer (:func:`hand_over`);
- in-flight requests are bounded by an AIMD window (:class:`~judgekit.judges.concurrency.AdaptiveLimiter`)
  that halves on 429/529 and grows back by about one per window of successes, optionally paced to an RPM;
- transient failures (429, 5xx, timeouts, dropped connections, malformed 200 bodies) are retried up to
  ``max_retries`` times with exponential back-off and jitter, a server's ``Retry-After`` winning;
- permanent failures (400/403/404) become ``choice="error"`` at once, unless :meth:`ChatJudge.adapt`
  returns a changed request to send instead (a server that refuses logprobs);
- a rejected or missing key (401) stops the run: it raises :class:`JudgeError` after the answers
  already in have been yielded;
- several endpoints serving the same model are balanced per attempt (fewest in flight, or round robin),
  and one that drops connections is skipped for ``endpoint_cooldown_s``.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any

from judgekit.judges import _retry
from judgekit.judges.base import Judge, JudgeError
from judgekit.judges.concurrency import AdaptiveLimiter, ProviderLimit, is_throttle
from judgekit.judges.readers import protocol_output
from judgekit.types import JudgeOutput, JudgeRequest

log = logging.getLogger("judgekit.judges.runner")

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


class MalformedResponseError(Exception):
    """A 200 answer whose body is not a chat completion (retried like a transient error)."""


class AuthFailed(Exception):
    """The key was rejected or is missing: nothing can work, the run stops."""


def event_loop() -> asyncio.AbstractEventLoop:
    """One long-lived loop shared by all API judges (client libraries cache connections per loop)."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="judgekit-api", daemon=True).start()
            _loop = loop
        return _loop


def stream_results(start: Callable[[queue.Queue[tuple[str, Any]]], Coroutine[Any, Any, None]]
                   ) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
    """Run ``start(results)`` on the shared loop and yield each result as its worker puts it.

    Workers hand each ``(request, output)`` over with :func:`hand_over`; they put ``("auth", message)`` on a
    rejected key (raised as :class:`JudgeError` after the results already in), ``("crash", error)`` and
    ``("done", None)``.
    Stopping early (the caller breaks, or an error is raised) cancels the work still in flight.
    """
    results: queue.Queue[tuple[str, Any]] = queue.Queue()
    future = asyncio.run_coroutine_threadsafe(start(results), event_loop())
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
                raise JudgeError(_retry.redact(f"API judge failed: {payload}")) from None
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


def split_endpoints(api_base: str | Sequence[str] | None) -> list[str]:
    """``"http://a/v1, http://b/v1/"`` (or a list) -> ``["http://a/v1", "http://b/v1"]``."""
    parts = api_base.split(",") if isinstance(api_base, str) else list(api_base or [])
    return [p.strip().rstrip("/") for p in parts if p and p.strip()]


class Endpoint:
    """One server: its base URL (None: the provider's default), the URL requests go to, and its load."""

    __slots__ = ("base", "down_until", "in_flight", "n_sent", "url")

    def __init__(self, base: str | None, path: str = "") -> None:
        self.base = base
        self.url = (base or "") + path
        self.in_flight = 0
        self.n_sent = 0
        self.down_until = 0.0


class ChatJudge(Judge):
    """A judge that sends one chat request per :class:`JudgeRequest` through the shared runner.

    Subclasses set ``model``, ``limit`` (a :class:`ProviderLimit`), ``max_retries``, ``endpoints`` and
    ``balance``, and implement :meth:`request`, :meth:`chat` and :meth:`output` (see the module docstring).
    """

    #: Base of the exponential back-off in seconds (the first retry waits 0.5-1x this).
    retry_base_s: float = 1.0
    retry_cap_s: float = 30.0
    #: How long an endpoint that dropped a connection is skipped when there are others.
    endpoint_cooldown_s: float = 5.0

    model: str
    limit: ProviderLimit
    max_retries: int
    endpoints: list[Endpoint]
    balance: str = "least"
    limiter: AdaptiveLimiter | None = None
    _closed: bool = False
    _rr: int = 0

    # -- the provider's part --------------------------------------------------------------
    @abstractmethod
    def request(self, req: JudgeRequest) -> Any:
        """What :meth:`chat` sends for ``req`` (built once, reused by every retry)."""

    @abstractmethod
    async def chat(self, state: Any, endpoint: Endpoint) -> Any:
        """Send ``state`` to ``endpoint`` once; return the raw reply or raise."""

    @abstractmethod
    def output(self, reply: Any, state: Any, latency_s: float) -> JudgeOutput:
        """The verdict in ``reply``; raise :class:`MalformedResponseError` when it is not a completion."""

    # -- hooks with defaults ----------------------------------------------------------------
    def prepare(self) -> None:
        """Called in the caller's thread before a batch (imports, price lookups)."""

    async def open(self) -> None:
        """Called on the runner's loop before a batch (sessions, connection pools)."""

    def classify(self, exc: BaseException) -> _retry.Kind:
        """``auth``, ``permanent`` or ``transient``; a malformed 200 body is transient."""
        return "transient" if isinstance(exc, MalformedResponseError) else _retry.classify(exc)

    def adapt(self, exc: BaseException, kind: _retry.Kind, state: Any) -> Any | None:
        """A changed request to send at once instead of failing on ``exc``, or None (the default)."""
        return None

    def key_env_var(self) -> str:
        provider = self.model.split("/", 1)[0] if "/" in self.model else "openai"
        return f"{provider.upper().replace('-', '_')}_API_KEY"

    def auth_message(self, msg: str) -> str:
        return (f"API key missing or rejected for {self.model}: set {self.key_env_var()} "
                f"(in the environment or a .env file) or check that the key is valid. {msg}")

    # -- protocol ---------------------------------------------------------------------------
    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        if self._closed:
            raise JudgeError("judge is closed")
        if not len(requests):
            return
        self.prepare()
        yield from stream_results(lambda results: self._run(requests, results))

    # -- the runner -------------------------------------------------------------------------
    async def _run(self, requests: Sequence[JudgeRequest], results: queue.Queue[tuple[str, Any]]) -> None:
        try:
            await self.open()
            limiter = self.limiter = AdaptiveLimiter(self.limit.max_concurrency, rpm=self.limit.rpm)
            pending = iter(requests)  # shared: each request goes to exactly one worker, read lazily

            async def worker() -> None:
                for req in pending:
                    out = await self._attempts(limiter, req)
                    await hand_over(results, req, out)

            async with asyncio.TaskGroup() as tg:
                for _ in range(min(self.limit.max_concurrency, len(requests))):
                    tg.create_task(worker())
        except* AuthFailed as eg:
            results.put(("auth", str(eg.exceptions[0])))
        except* Exception as eg:
            results.put(("crash", _retry.short_error(eg.exceptions[0])))
        finally:
            results.put(("done", None))

    def pick(self) -> Endpoint:
        """The endpoint for the next attempt: fewest in flight (ties round the ring) or the next in turn;
        endpoints in their cool-down are skipped unless all are."""
        eps = self.endpoints
        if len(eps) == 1:
            return eps[0]
        now = time.monotonic()
        up = [e for e in eps if e.down_until <= now] or eps
        self._rr = (self._rr + 1) % len(up)
        if self.balance == "round_robin":
            return up[self._rr]
        rotated = up[self._rr:] + up[: self._rr]
        return min(rotated, key=lambda e: e.in_flight)

    async def _attempts(self, limiter: AdaptiveLimiter, req: JudgeRequest) -> JudgeOutput:
        """One request to its answer: the first attempt, then the retries the policy allows."""
        state = self.request(req)
        attempt = 0
        while True:
            ep = None
            try:
                async with limiter.slot() as slot:
                    ep = self.pick()
                    t0 = time.perf_counter()
                    ep.in_flight += 1
                    ep.n_sent += 1
                    try:
                        reply = await self.chat(state, ep)
                    except Exception as e:
                        if is_throttle(_retry.status_of(e)):
                            slot.throttled()
                        raise
                    finally:
                        ep.in_flight -= 1
                    out = protocol_output(self.output(reply, state, time.perf_counter() - t0), req)
                    return out if req.scale is None else score_output(reply, out, req.scale)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                kind = self.classify(exc)
                msg = _retry.short_error(exc)
                if kind == "auth":
                    raise AuthFailed(self.auth_message(msg)) from None
                changed = self.adapt(exc, kind, state)
                if changed is not None:
                    state = changed
                    continue
                if ep is not None and _retry.status_of(exc) is None and kind == "transient" and len(self.endpoints) > 1:
                    ep.down_until = time.monotonic() + self.endpoint_cooldown_s  # connection-level: skip it a while
                if kind == "permanent" or attempt >= self.max_retries:
                    log.warning("%s: giving up after %d attempt(s): %s", self.model, attempt + 1, msg)
                    return JudgeOutput(choice="error", error=msg)
                wait = _retry.backoff_s(attempt, self.retry_base_s, self.retry_cap_s, _retry.retry_after_s(exc))
                log.info("%s: retry %d in %.1fs after %s", self.model, attempt + 1, wait, msg)
                attempt += 1
                await asyncio.sleep(wait)


def score_output(reply: Any, out: JudgeOutput, scale: tuple[int, int]) -> JudgeOutput:
    """A score sub-request's output (the pointwise protocol): the expected score at the token that spells the
    text's score when the reply has top logprobs there (``score:expected``), else the strict text score
    (:func:`judgekit.judges.scores.read_score_with_top_logprobs`)."""
    from judgekit.judges.scores import read_score_with_top_logprobs

    if out.choice == "error":
        return out
    r = read_score_with_top_logprobs(out.raw, reply, scale)
    out.score_first, out.parse_rule, out.p_a, out.p_b, out.p_ab_mass = r.score, r.rule, None, None, None
    return out
