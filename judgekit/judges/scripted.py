"""A scripted judge for tests and demonstrations: planted biases, known answers.

It knows the gold answer of each item (looked up by the texts shown) and answers
by a seeded rule, e.g. "pick the first slot with probability 0.3, otherwise the
gold answer". Randomness is derived from the request key, so results do not
depend on ordering, batching or resumption.

Spec strings: ``scripted/first=0.3`` (position prior), ``scripted/first=0.3,invalid=0.05``,
``scripted/gold`` (always right), ``scripted/random``, ``scripted/bandwagon=0.4`` (follows a
crowd-opinion cue with probability 0.4), ``scripted/cue=0.4`` (follows the cue of any cue
probe with probability 0.4: a crowd opinion, or a response carrying a built-in authority,
distraction, reflection or verbosity-padding text; neutral insertions are not cues and are
ignored), ``scripted/longer=0.2`` (picks the longer response with probability 0.2). Rules are
tried in the order invalid, bandwagon, cue, longer, first, then the gold answer (random when the
item has none). On multiple-choice requests (protocol ``mcq``) the rules of
:mod:`judgekit.judges.scripted_mcq` apply (``first``, ``last``, ``cue``, ``random``, ``accuracy``).

A crowd opinion is a sentence in the paragraph before the question (or the system prompt) that
gives a percentage and names "Response A/B"; a sentence naming a response without a percentage
(bandwagon's neutral control) is not one.

Gold answers are found by the texts shown: a response counts as shown when its original text
appears inside the presented text, so cue probes that add to a response are recognised; when
text was inserted inside one response, the other one, shown unchanged, identifies the item.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import yaml

from judgekit.judges.base import Judge
from judgekit.judges.scripted_mcq import MCQ_PARAMS, MCQIndex, mcq_answer
from judgekit.resources import suites_dir
from judgekit.types import Item, JudgeOutput, JudgeRequest

Policy = Callable[[JudgeRequest, str | None, random.Random], JudgeOutput]


_CROWD = re.compile(r"\d+\s*%[^.\n]*?\bResponse ([AB])\b")


@lru_cache(maxsize=1)
def _cue_texts() -> tuple[str, ...]:
    """Texts whose presence in a response is a built-in cue (suites/cues/*.yaml)."""
    folder = suites_dir() / "cues"
    texts: list[str] = []
    for probe in ("authority", "distraction", "reflection"):
        spec = yaml.safe_load((folder / f"{probe}.yaml").read_text(encoding="utf-8")) or {}
        texts += [t["text"] for t in spec.get("templates", [])]
    verbosity = yaml.safe_load((folder / "verbosity.yaml").read_text(encoding="utf-8")) or {}
    return (*texts, *verbosity.get("filler", []), "To summarise the key points:")


def parse_scripted_spec(spec: str) -> dict[str, float]:
    body = spec.split("/", 1)[1] if "/" in spec else ""
    params: dict[str, float] = {"first": 0.0, "invalid": 0.0, "random": 0.0, "delay": 0.0, "bandwagon": 0.0,
                                "longer": 0.0, "cue": 0.0, **MCQ_PARAMS}
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
        self._by_prompt: dict[str, list[tuple[str, str]]] = {}
        self._mcq = MCQIndex()
        self.add_items(items)

    def add_items(self, items: Sequence[Item]) -> None:
        self._mcq.add(items)
        for it in items:
            if it.label in ("A", "B"):
                gold, other = (it.response_a, it.response_b) if it.label == "A" else (it.response_b, it.response_a)
                self._gold[(gold, other)] = "A"
                self._gold[(other, gold)] = "B"
                self._by_prompt.setdefault(it.prompt, []).append((gold, other))

    def gold_position(self, req: JudgeRequest) -> str | None:
        """Where the gold response sits in this presentation, or None when the item is unknown."""
        exact = self._gold.get((req.first, req.second))
        if exact:
            return exact
        candidates = self._by_prompt.get(req.prompt)
        if candidates is None:  # a probe put text around the question: match its paragraphs
            parts = req.prompt.split("\n\n")
            candidates = [c for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)
                          for c in self._by_prompt.get("\n\n".join(parts[i:j]), [])]
        for gold, other in candidates:
            if gold in req.first and other in req.second and not (gold in req.second and other in req.first):
                return "A"
            if gold in req.second and other in req.first and not (gold in req.first and other in req.second):
                return "B"
        for gold, other in candidates:  # text inserted inside one response: the other is shown as it is
            if (req.first, req.second).count(gold) + (req.first, req.second).count(other) == 1:
                if gold in (req.first, req.second):
                    return "A" if req.first == gold else "B"
                return "B" if req.first == other else "A"
        return None

    @staticmethod
    def cued_position(req: JudgeRequest) -> str | None:
        """Presented position of the response a cue favours (crowd opinion or built-in cue text), or None."""
        user = next((m["content"] for m in req.messages if m["role"] == "user"), "")
        cue_zone = user.rsplit("[Question]", 1)[0].rstrip().split("\n\n")[-1]  # the paragraph before the question
        crowd = _CROWD.findall(cue_zone + "\n" + "".join(m["content"] for m in req.messages if m["role"] == "system"))
        if crowd:
            return crowd[-1]
        in_a = any(t in req.first for t in _cue_texts())
        in_b = any(t in req.second for t in _cue_texts())
        return "A" if in_a and not in_b else "B" if in_b and not in_a else None

    def identity(self) -> dict[str, Any]:
        # The delay only slows the judge down; it cannot change an answer, so it stays out of the key.
        params = {k: v for k, v in self.params.items() if k != "delay" and MCQ_PARAMS.get(k, -1.0) != v}
        # it finds the gold answer from the texts shown, so those are part of the key
        return self.scoped({"backend": "scripted", "params": params, "seed": self.seed,
                            "policy": getattr(self.policy, "__name__", None), "reads": ["prompt", "first", "second"]})

    def _rng(self, req: JudgeRequest) -> random.Random:
        digest = hashlib.sha256(f"{self.seed}|{req.key}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def _answer(self, req: JudgeRequest) -> JudgeOutput:
        rng = self._rng(req)
        if req.protocol == "mcq" and self.policy is None:
            return mcq_answer(req, self._mcq.gold_slot(req), self.params, rng)
        gold = self.gold_position(req)
        if self.policy is not None:
            return self.policy(req, gold, rng)
        p = self.params
        if rng.random() < p["invalid"]:
            return JudgeOutput(choice="invalid", raw="I cannot decide.", parse_rule="scripted")
        user = next((m["content"] for m in req.messages if m["role"] == "user"), "")
        cue_zone = user.rsplit("[Question]", 1)[0].rstrip().split("\n\n")[-1]  # the paragraph before the question
        crowd = _CROWD.findall(cue_zone + "".join(m["content"] for m in req.messages if m["role"] == "system"))
        cued = self.cued_position(req) if p["cue"] else None
        if crowd and rng.random() < p["bandwagon"]:
            choice = crowd[-1]
        elif cued and rng.random() < p["cue"]:
            choice = cued
        elif len(req.first) != len(req.second) and rng.random() < p["longer"]:
            choice = "A" if len(req.first) > len(req.second) else "B"
        elif rng.random() < p["first"]:
            choice = "A"
        elif gold is None or rng.random() < p["random"]:
            choice = rng.choice(["A", "B"])
        else:
            choice = gold
        p_a = 0.9 if choice == "A" else 0.1
        return JudgeOutput(choice=choice, p_a=p_a, p_b=1 - p_a, raw=choice, parse_rule="scripted",  # type: ignore[arg-type]
                           input_tokens=len(req.first.split()) + len(req.second.split()),
                           output_tokens=1, latency_s=0.0, cost_usd=0.0)

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        for req in requests:
            self.calls += 1
            if self.params["delay"]:
                time.sleep(self.params["delay"])
            yield req, self._answer(req)
