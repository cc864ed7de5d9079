"""A scripted judge for tests and demonstrations: planted biases, known answers.

It knows the gold answer of each item (looked up by the texts shown) and answers
by a seeded rule, e.g. "pick the first slot with probability 0.3, otherwise the
gold answer". Randomness is derived from the request key, so results do not
depend on ordering, batching or resumption.

Spec strings: ``scripted/first=0.3`` (position prior), ``scripted/first=0.3,invalid=0.05``,
``scripted/gold`` (always right), ``scripted/random``.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from judgekit.judges.base import Judge
from judgekit.types import Item, JudgeOutput, JudgeRequest

Policy = Callable[[JudgeRequest, str | None, random.Random], JudgeOutput]


def _gold_position(req: JudgeRequest, gold_text: dict[tuple[str, str], str]) -> str | None:
    return gold_text.get((req.first, req.second))


def parse_scripted_spec(spec: str) -> dict[str, float]:
    body = spec.split("/", 1)[1] if "/" in spec else ""
    params: dict[str, float] = {"first": 0.0, "invalid": 0.0, "random": 0.0, "delay": 0.0}
    if body in ("", "gold"):
        return params
    if body == "random":
        params["random"] = 1.0
        return params
    for part in body.split(","):
        key, _, value = part.partition("=")
        if key not in params:
            raise ValueError(f"unknown scripted judge parameter {key!r} in {spec!r}; "
                             f"known: {', '.join(params)}")
        params[key] = float(value)
    return params


class ScriptedJudge(Judge):
    """Answers by rule. ``items`` gives it the gold answers; ``policy`` overrides the rule."""

    def __init__(self, items: Sequence[Item] = (), *, spec: str = "scripted/gold",
                 policy: Policy | None = None, seed: int = 0):
        self.spec = spec
        self.params = parse_scripted_spec(spec)
        self.seed = seed
        self.policy = policy
        self.calls = 0
        self._gold: dict[tuple[str, str], str] = {}
        self.add_items(items)

    def add_items(self, items: Sequence[Item]) -> None:
        for it in items:
            if it.label in ("A", "B"):
                self._gold[(it.response_a, it.response_b)] = it.label
                self._gold[(it.response_b, it.response_a)] = "B" if it.label == "A" else "A"

    def identity(self) -> dict[str, Any]:
        # The delay only slows the judge down; it cannot change an answer, so it stays out of the key.
        params = {k: v for k, v in self.params.items() if k != "delay"}
        return {"backend": "scripted", "params": params, "seed": self.seed,
                "policy": getattr(self.policy, "__name__", None)}

    def _rng(self, req: JudgeRequest) -> random.Random:
        digest = hashlib.sha256(f"{self.seed}|{req.key}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def _answer(self, req: JudgeRequest) -> JudgeOutput:
        rng = self._rng(req)
        gold = _gold_position(req, self._gold)
        if self.policy is not None:
            return self.policy(req, gold, rng)
        p = self.params
        if rng.random() < p["invalid"]:
            return JudgeOutput(choice="invalid", raw="I cannot decide.")
        if rng.random() < p["first"]:
            choice = "A"
        elif gold is None or rng.random() < p["random"]:
            choice = rng.choice(["A", "B"])
        else:
            choice = gold
        p_a = 0.9 if choice == "A" else 0.1
        return JudgeOutput(choice=choice, p_a=p_a, p_b=1 - p_a, raw=choice,  # type: ignore[arg-type]
                           input_tokens=len(req.first.split()) + len(req.second.split()),
                           output_tokens=1, latency_s=0.0, cost_usd=0.0)

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        for req in requests:
            self.calls += 1
            if self.params["delay"]:
                time.sleep(self.params["delay"])
            yield req, self._answer(req)
