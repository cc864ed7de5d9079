"""Adaptive concurrency for API judges: AIMD bounded by per-provider limits.

:class:`AdaptiveLimiter` is an asyncio limiter whose window moves like TCP's congestion
window: every success adds ``increase / window`` (about +1 per window of successes,
i.e. additive increase), and a rate-limit answer (429, or Anthropic's 529 "overloaded")
multiplies the window by ``decrease`` (multiplicative decrease). One overload event
usually produces a burst of 429s from requests that were already in flight; only
the first of them cuts the window (a request sent before the last cut cannot cut it
again), so the window halves once per event rather than collapsing to the floor.
An optional requests-per-minute pace spaces request starts evenly.

Limits per provider come from :data:`DEFAULT_LIMITS` (keyed by the model's provider
prefix, ``openai/gpt-4o`` -> ``openai``), overridden by the ``JUDGEKIT_PROVIDER_LIMITS``
environment variable (``"openai=64:5000,anthropic=8"``: max concurrency, then an
optional requests per minute) and by explicit arguments, in that order.
"""

from __future__ import annotations

import asyncio
import collections
import os
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

#: Status codes that mean "slow down" rather than "failed".
THROTTLE_STATUS = frozenset({429, 529})


@dataclass(frozen=True)
class ProviderLimit:
    """The most requests in flight, and optionally the most request starts per minute."""

    max_concurrency: int
    rpm: float | None = None


#: Conservative starting points; tier limits differ per account, so override them.
DEFAULT_LIMITS: dict[str, ProviderLimit] = {
    "openai": ProviderLimit(64),
    "anthropic": ProviderLimit(16),
    "gemini": ProviderLimit(32),
    "vertex_ai": ProviderLimit(32),
    "openrouter": ProviderLimit(32),
    "together_ai": ProviderLimit(32),
    "groq": ProviderLimit(16),
    "mistral": ProviderLimit(16),
    "deepseek": ProviderLimit(32),
    # self-hosted servers batch internally and want many concurrent requests
    "hosted_vllm": ProviderLimit(256),
    "ollama": ProviderLimit(4),
    "*": ProviderLimit(16),
}
ENV_VAR = "JUDGEKIT_PROVIDER_LIMITS"


def provider_of(model: str) -> str:
    """``openai/gpt-4o`` -> ``openai``; a bare name counts as ``openai``."""
    return model.split("/", 1)[0].lower() if "/" in model else "openai"


def parse_limits(text: str) -> dict[str, ProviderLimit]:
    """Parse ``"openai=64:5000,anthropic=8"`` (provider=max_concurrency[:rpm])."""
    out: dict[str, ProviderLimit] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        conc, _, rpm = value.partition(":")
        try:
            if not sep:
                raise ValueError
            limit = ProviderLimit(int(conc), float(rpm) if rpm else None)
        except ValueError:
            raise ValueError(f"bad provider limit {part!r}; expected provider=max_concurrency[:rpm]") from None
        if limit.max_concurrency < 1 or (limit.rpm is not None and limit.rpm <= 0):
            raise ValueError(f"bad provider limit {part!r}: values must be positive")
        out[name.strip().lower()] = limit
    return out


def limit_for(model: str, *, concurrency: int | None = None, rpm: float | None = None,
              overrides: Mapping[str, ProviderLimit] | None = None) -> ProviderLimit:
    """The limit for ``model``: defaults, then the environment, then ``overrides``, then arguments."""
    table = {**DEFAULT_LIMITS, **parse_limits(os.environ.get(ENV_VAR, "")), **(overrides or {})}
    limit = table.get(provider_of(model), table["*"])
    if concurrency is not None:
        limit = replace(limit, max_concurrency=int(concurrency))
    if rpm is not None:
        limit = replace(limit, rpm=float(rpm))
    if limit.max_concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    return limit


class Slot:
    """One admitted request. Call :meth:`throttled` when the server said 429/529."""

    __slots__ = ("_limiter", "epoch", "outcome")

    def __init__(self, limiter: AdaptiveLimiter, epoch: int) -> None:
        self._limiter = limiter
        self.epoch = epoch
        self.outcome = "ok"

    def throttled(self) -> None:
        self.outcome = "throttled"

    def failed(self) -> None:
        """An error that says nothing about load (the window is left alone)."""
        self.outcome = "failed"


class AdaptiveLimiter:
    """AIMD concurrency window for one event loop (not thread-safe; use it from its loop)."""

    def __init__(self, max_concurrency: int, *, initial: int | None = None, min_concurrency: int = 1,
                 increase: float = 1.0, decrease: float = 0.5, rpm: float | None = None) -> None:
        if max_concurrency < 1 or not 0 < decrease < 1 or increase <= 0:
            raise ValueError("need max_concurrency >= 1, 0 < decrease < 1 and increase > 0")
        self.max_concurrency = int(max_concurrency)
        self.min_concurrency = max(1, min(int(min_concurrency), self.max_concurrency))
        self.increase = float(increase)
        self.decrease = float(decrease)
        self.window = float(min(self.max_concurrency, initial or self.max_concurrency))
        self.in_flight = 0
        self.epoch = 0  # bumped on every cut
        self.n_throttled = 0
        self.history: collections.deque[float] = collections.deque(maxlen=4096)
        self._interval = 60.0 / rpm if rpm else 0.0
        self._next_start = 0.0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def limit(self) -> int:
        """Requests allowed in flight now."""
        return max(self.min_concurrency, int(self.window))

    async def acquire(self) -> Slot:
        while self.in_flight >= self.limit:
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            try:
                await fut
            except asyncio.CancelledError:
                if fut in self._waiters:
                    self._waiters.remove(fut)
                elif fut.done() and not fut.cancelled():
                    self._wake()  # we were woken but leave: pass the turn on
                raise
        self.in_flight += 1
        if self._interval:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
            if start > now:
                try:
                    await asyncio.sleep(start - now)
                except BaseException:
                    self.in_flight -= 1
                    self._wake()
                    raise
        return Slot(self, self.epoch)

    def release(self, slot: Slot) -> None:
        self.in_flight -= 1
        if slot.outcome == "throttled":
            self.n_throttled += 1
            if slot.epoch == self.epoch:  # the first 429 of an overload event cuts the window
                self.window = max(float(self.min_concurrency), self.window * self.decrease)
                self.epoch += 1
                self.history.append(self.window)
        elif slot.outcome == "ok" and self.window < self.max_concurrency:
            self.window = min(float(self.max_concurrency), self.window + self.increase / max(self.window, 1.0))
            self.history.append(self.window)
        self._wake()

    def _wake(self) -> None:
        free = self.limit - self.in_flight
        while free > 0 and self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                free -= 1

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[Slot]:
        s = await self.acquire()
        try:
            yield s
        except BaseException:
            if s.outcome == "ok":
                s.failed()
            raise
        finally:
            self.release(s)


def is_throttle(status: int | None) -> bool:
    return status in THROTTLE_STATUS
