"""Self-reflection as a wrapper around any chat judge.

For a request with a ``followup``, the judge first answers the plain request; then the
conversation continues with its answer as an assistant turn and the follow-up question
("review your verdict ...") as a user turn, and the second answer is the verdict. Tokens,
latency and cost of both calls are added up, so the mitigation's cost is counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from judgekit.judges.base import Judge, JudgeError, WrappedJudge
from judgekit.types import JudgeOutput, JudgeRequest


def _add(a: float | int | None, b: float | int | None) -> Any:
    return None if a is None and b is None else (a or 0) + (b or 0)


class ReflectingJudge(WrappedJudge):
    def __init__(self, base: Judge):
        if not getattr(base, "supports_followup", True):
            raise JudgeError(f"{base.spec} scores responses without a conversation; self-reflection needs a "
                             "chat judge (hf/..., an API model, or smollm2)")
        super().__init__(base)

    def handles(self, req: JudgeRequest) -> bool:
        return bool(req.followup)

    def judge_own(self, reflect: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        by_key = {r.key: r for r in reflect}
        firsts: dict[str, JudgeOutput] = {}
        second: list[JudgeRequest] = []
        for req, out in self.base.judge([replace(r, followup="", key=f"{r.key}:first") for r in reflect]):
            key = req.key.removesuffix(":first")
            original = by_key[key]
            if out.choice == "error":
                yield original, out
                continue
            firsts[key] = out
            answer = (out.raw or "").strip() or out.choice
            messages = (*original.messages, {"role": "assistant", "content": answer},
                        {"role": "user", "content": original.followup})
            second.append(replace(original, messages=messages, followup=""))
        for req, out in self.base.judge(second):
            first = firsts[req.key]
            out.input_tokens = _add(first.input_tokens, out.input_tokens)
            out.output_tokens = _add(first.output_tokens, out.output_tokens)
            out.latency_s = _add(first.latency_s, out.latency_s)
            out.cost_usd = _add(first.cost_usd, out.cost_usd)
            out.raw = f"[first answer] {first.raw}\n[after review] {out.raw}"
            yield by_key[req.key], out
