"""The judge protocol every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any

from judgekit.types import JudgeOutput, JudgeRequest


class JudgeError(RuntimeError):
    """A judge cannot run at all (model missing, key rejected, package absent)."""


class Judge(ABC):
    """A pairwise judge.

    Backends implement :meth:`judge`, which takes a batch of requests and yields
    ``(request, output)`` pairs *as they complete*, in any order. The engine
    writes each one as it arrives, so a killed run loses nothing it was given.

    ``identity()`` returns everything besides the request itself that determines
    the output (model, revision, decoding parameters, scoring mode). It is part of
    the cache key; things that cannot change an answer (timeouts, concurrency,
    batch size) stay out of it.
    """

    #: The spec the user wrote, e.g. ``hf/./my-model`` or ``openai/gpt-4o-mini``.
    spec: str = ""
    #: True when repeating an identical request can give a different answer.
    stochastic: bool = False
    #: ``--cache-scope NAME``: part of the identity, so a new name draws fresh answers
    cache_scope: str | None = None

    def scoped(self, identity: dict[str, Any]) -> dict[str, Any]:
        """``identity`` with the cache scope added when one is set."""
        return {**identity, "cache_scope": self.cache_scope} if self.cache_scope else identity

    @abstractmethod
    def identity(self) -> dict[str, Any]:
        """What determines the output besides the request (JSON-serialisable)."""

    @property
    def decoding(self) -> dict[str, Any]:
        """Decoding settings recorded with the run."""
        return {}

    @abstractmethod
    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        """Answer ``requests``, yielding each result as soon as it is known."""

    def count_tokens(self, text: str) -> int | None:
        """Tokens in ``text`` with the judge's own tokenizer, where it has one."""
        return None

    def close(self) -> None:
        """Release resources (threads, sessions, GPU memory). Backends without any keep this."""
        return None

    def __enter__(self) -> Judge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WrappedJudge(Judge):
    """A judge that answers through another one, ``base``, and changes only how it is asked (self-reflection's
    second turn, the pointwise protocol's score requests): identity, decoding, tokenizer and resources are the
    base judge's."""

    def __init__(self, base: Judge):
        self.base = base
        self.spec = base.spec
        self.stochastic = base.stochastic

    @abstractmethod
    def handles(self, req: JudgeRequest) -> bool:
        """Whether this wrapper answers ``req`` itself; the base judge answers every other request as it is."""

    @abstractmethod
    def judge_own(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        """Answer the requests :meth:`handles` (never empty), yielding each result as it is known."""

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        plain = [r for r in requests if not self.handles(r)]
        if plain:
            yield from self.base.judge(plain)
        own = [r for r in requests if self.handles(r)]
        if own:
            yield from self.judge_own(own)

    def identity(self) -> dict[str, Any]:
        return self.base.identity()

    @property
    def decoding(self) -> dict[str, Any]:
        return self.base.decoding

    def count_tokens(self, text: str) -> int | None:
        return self.base.count_tokens(text)

    def close(self) -> None:
        self.base.close()
