"""A scripted judge for tests and demonstrations: planted biases, known answers.

It knows the gold answer of each item (looked up by the texts shown) and answers
by a seeded rule, e.g. "pick the first slot with probability 0.3, otherwise the
gold answer". Randomness is derived from the request key, so results do not
depend on ordering, batching or resumption.

Spec strings: ``scripted/first=0.3`` (position prior), ``scripted/first=0.3,invalid=0.05``,
``scripted/gold`` (always right), ``scripted/random``, ``scripted/bandwagon=0.4`` (follows a
crowd-opinion cue with probability 0.4), ``scripted/cue=0.4`` (follows the cue of any cue
probe with probability 0.4: a crowd opinion, or a response carrying a built-in authority,
distraction, reflection, refinement, diversity or verbosity-padding text, or the attribution to
the high-standing name of an identity pair; neutral insertions are not cues and are ignored),
``scripted/longer=0.2`` (picks the longer response with probability 0.2),
``scripted/sentiment=0.4`` (follows a built-in tone phrase of ``suites/cues/sentiment.yaml``: picks
the response with a positive phrase, or the one without a negative phrase, with probability 0.4),
``scripted/self=0.4`` (picks its own answer, recognised by :data:`OWN_MARK`, with probability 0.4).
Rules are tried in the order invalid, bandwagon, cue, sentiment, self, longer, first, then the gold
answer (random when the item has none). ``reason=0.8``: under a judge mode that asks for reasoning
(``instruction`` of ``suites/mitigations/cot.yaml``) the bias rules are skipped with probability 0.8,
and the reply is reasoning ending in "Verdict: X", read by the strict text reader.

Without a ``policy``, asked for free text (a request with no responses, from
:func:`judgekit.engine.completions.complete`) it writes: to a known item's prompt, its own answer,
the gold response (the other one with probability ``wrong``) followed by :data:`OWN_MARK`; to
anything else, the last user message back.
On multiple-choice requests (protocol ``mcq``) the rules of :mod:`judgekit.judges.scripted_mcq` apply
(``first``, ``last``, ``cue``, ``random``, ``accuracy``).

Score sub-requests (the pointwise protocol, ``JudgeRequest.scale`` set) get a score instead: on a
scale from lo to hi, the gold response scores round(mid + (hi - lo) / 6) and the other one
round(mid - (hi - lo) / 6) (mid = (lo + hi) / 2: 7 and 4 on 1-10), plus a seeded integer noise
uniform in [-score_noise, score_noise], plus ``score_cue`` points when the response carries a cue (a
built-in cue text, or a crowd-opinion percentage in its scoring request), clipped to the scale; a
response of an unknown item gets a uniform score. ``invalid`` applies as for verdicts; the other
rules are about pairs and do not apply. ``scripted/score_cue=2,score_noise=1`` plants a bias of 2 points.

A crowd opinion is a sentence in the paragraph before the question (or the system prompt) that
gives a percentage and names "Response A/B"; a sentence naming a response without a percentage
(bandwagon's neutral control) is not one.

Gold answers are found by the texts shown: a response counts as shown when its original text
appears inside the presented text, so cue probes that add to a response are recognised; when
text was inserted inside one response, the other one, shown unchanged, identifies the item.
"""

from __future__ import annotations

import difflib
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


#: rules whose parameter stays out of the judge's identity when it is 0 (see :meth:`ScriptedJudge.identity`)
_LATER_RULES = ("sentiment", "self", "wrong", "reason")
#: the signature of the scripted judge's own answers (self-preference)
OWN_MARK = "(answer written by the scripted judge)"
_CROWD = re.compile(r"\d+\s*%[^.\n]*?\bResponse ([AB])\b")
#: a crowd opinion about the one response of a score request (the pointwise wording of bandwagon)
_CROWD_ONE = re.compile(r"\d+\s*%")
#: where the question starts in the shipped pointwise templates
_QUESTION = re.compile(r"\[Question\]|###The instruction to evaluate:")
#: parameters about scores; they enter the identity only when set, so verdict caches keep their keys
_SCORE_PARAMS = ("score_cue", "score_noise")


@lru_cache(maxsize=1)
def _cue_texts() -> tuple[str, ...]:
    """Texts whose presence in a response is a built-in cue (suites/cues/*.yaml)."""
    folder = suites_dir() / "cues"
    texts: list[str] = []
    for probe in ("authority", "distraction", "reflection", "refinement", "diversity"):
        spec = yaml.safe_load((folder / f"{probe}.yaml").read_text(encoding="utf-8")) or {}
        texts += [t["text"] for t in spec.get("templates", [])]
    identity = yaml.safe_load((folder / "identity.yaml").read_text(encoding="utf-8")) or {}
    texts += [identity["format"].format(name=t["high"]) for t in identity.get("templates", [])]
    verbosity = yaml.safe_load((folder / "verbosity.yaml").read_text(encoding="utf-8")) or {}
    return (*texts, *verbosity.get("filler", []), "To summarise the key points:")


@lru_cache(maxsize=1)
def _tone_texts() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(positive, negative) tone phrases of the sentiment probe's offline rewrites."""
    spec = yaml.safe_load((suites_dir() / "cues" / "sentiment.yaml").read_text(encoding="utf-8")) or {}
    pick = lambda tone: tuple(v for t in spec.get("templates", []) for v in (t.get(tone) or {}).values() if v)  # noqa: E731
    return pick("positive"), pick("negative")


@lru_cache(maxsize=1)
def _reasoning_instruction() -> str:
    spec = yaml.safe_load((suites_dir() / "mitigations" / "cot.yaml").read_text(encoding="utf-8")) or {}
    return " ".join(str(spec.get("instruction") or "").split())


def toned_position(req: JudgeRequest) -> str | None:
    """Presented position of the response a built-in tone phrase favours, or None."""
    pos, neg = _tone_texts()
    score = {k: sum(t in text for t in pos) - sum(t in text for t in neg)
             for k, text in (("A", req.first), ("B", req.second))}
    return None if score["A"] == score["B"] else ("A" if score["A"] > score["B"] else "B")


def parse_scripted_spec(spec: str) -> dict[str, float]:
    body = spec.split("/", 1)[1] if "/" in spec else ""
    params: dict[str, float] = {"first": 0.0, "invalid": 0.0, "random": 0.0, "delay": 0.0, "bandwagon": 0.0,
                                "longer": 0.0, "cue": 0.0, "sentiment": 0.0, "self": 0.0, "wrong": 0.0,
                                "reason": 0.0, "score_cue": 0.0, "score_noise": 0.0, **MCQ_PARAMS}
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
        self._role: dict[str, str] = {}
        self.add_items(items)

    def add_items(self, items: Sequence[Item]) -> None:
        self._mcq.add(items)
        for it in items:
            if it.label in ("A", "B"):
                gold, other = (it.response_a, it.response_b) if it.label == "A" else (it.response_b, it.response_a)
                self._gold[(gold, other)] = "A"
                self._gold[(other, gold)] = "B"
                self._by_prompt.setdefault(it.prompt, []).append((gold, other))
                if gold != other:
                    self._role[gold], self._role[other] = "gold", "other"

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
        # The delay only slows the judge down; it cannot change an answer, so it stays out of the key. The rules
        # of the sentiment, self-preference, cot and pointwise probes never fire at 0, and the mcq rules do nothing
        # at their defaults, so there they stay out of it too: a judge that does not use them keeps its keys, and
        # so its seeded answers and its cache.
        params = {k: v for k, v in self.params.items() if k != "delay" and not (k in _LATER_RULES and not v)
                  and not (k in _SCORE_PARAMS and not v) and MCQ_PARAMS.get(k, -1.0) != v}
        # it finds the gold answer from the texts shown, so those are part of the key
        return self.scoped({"backend": "scripted", "params": params, "seed": self.seed,
                            "policy": getattr(self.policy, "__name__", None), "reads": ["prompt", "first", "second"]})

    def _rng(self, req: JudgeRequest) -> random.Random:
        digest = hashlib.sha256(f"{self.seed}|{req.key}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def _write(self, req: JudgeRequest, rng: random.Random) -> JudgeOutput:
        """Free text (see the module docstring); ``choice`` "invalid" because it is not a verdict."""
        user = next((m["content"] for m in reversed(req.messages) if m["role"] == "user"), "")
        pairs = self._by_prompt.get(user)
        if pairs:
            gold, other = pairs[0]
            text = f"{other if rng.random() < self.params['wrong'] else gold} {OWN_MARK}"
        else:
            text = user
        return JudgeOutput(choice="invalid", raw=text, parse_rule="scripted", input_tokens=len(user.split()),
                           output_tokens=len(text.split()), latency_s=0.0, cost_usd=0.0)

    def _candidates(self, prompt: str) -> list[tuple[str, str]]:
        found = self._by_prompt.get(prompt)
        if found is not None:
            return found
        parts = prompt.split("\n\n")  # a probe put text around the question: match its paragraphs
        return [c for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)
                for c in self._by_prompt.get("\n\n".join(parts[i:j]), [])]

    def response_role(self, req: JudgeRequest) -> str | None:
        """"gold" or "other" for the one response of a score request (``req.first``), None when unknown."""
        if req.first in self._role:
            return self._role[req.first]
        best, role = 0.0, None
        for gold, other in self._candidates(req.prompt):
            inside = [r for t, r in ((gold, "gold"), (other, "other")) if t in req.first]
            if len(inside) == 1:
                return inside[0]
            for text, r in ((gold, "gold"), (other, "other")):  # text inserted inside it: the closer one
                ratio = difflib.SequenceMatcher(None, text, req.first, autojunk=False).quick_ratio()
                if ratio > best:
                    best, role = ratio, r
        return role

    @staticmethod
    def score_cued(req: JudgeRequest) -> bool:
        """Whether the one response of a score request carries a cue (module docstring)."""
        user = next((m["content"] for m in req.messages if m["role"] == "user"), "")
        zone = _QUESTION.split(user)[0].rstrip().split("\n\n")[-1]
        system = "".join(m["content"] for m in req.messages if m["role"] == "system")
        return bool(_CROWD_ONE.search(zone + "\n" + system)) or any(t in req.first for t in _cue_texts())

    def _score(self, req: JudgeRequest, rng: random.Random) -> JudgeOutput:
        assert req.scale is not None
        lo, hi = req.scale
        p = self.params
        tokens = {"input_tokens": len(req.first.split()), "output_tokens": 1, "latency_s": 0.0, "cost_usd": 0.0}
        if rng.random() < p["invalid"]:
            return JudgeOutput(choice="invalid", raw="I cannot rate this.", parse_rule="score:scripted", **tokens)
        role = self.response_role(req)
        mid, step = (lo + hi) / 2, (hi - lo) / 6
        if role is None or rng.random() < p["random"]:
            base = float(rng.randint(lo, hi))
        else:
            base = float(round(mid + step) if role == "gold" else round(mid - step))
        n = int(p["score_noise"])
        score = base + (rng.randint(-n, n) if n else 0) + (p["score_cue"] if self.score_cued(req) else 0.0)
        score = min(float(hi), max(float(lo), score))
        return JudgeOutput(choice="invalid", score_first=score, raw=f"Rating: [[{score:g}]]",
                           parse_rule="score:scripted", **tokens)

    def _answer(self, req: JudgeRequest) -> JudgeOutput:
        rng = self._rng(req)
        if req.protocol == "mcq" and self.policy is None:
            return mcq_answer(req, self._mcq.gold_slot(req), self.params, rng)
        if req.scale is not None:  # a score request of the pointwise protocol
            return self.policy(req, None, rng) if self.policy is not None else self._score(req, rng)
        if self.policy is None and not req.first and not req.second:
            return self._write(req, rng)
        # its own answer against a response of the item: which is better is not known (self-preference)
        gold = None if OWN_MARK in req.first or OWN_MARK in req.second else self.gold_position(req)
        if self.policy is not None:
            return self.policy(req, gold, rng)
        p = self.params
        if rng.random() < p["invalid"]:
            return JudgeOutput(choice="invalid", raw="I cannot decide.", parse_rule="scripted")
        user = next((m["content"] for m in req.messages if m["role"] == "user"), "")
        cue_zone = user.rsplit("[Question]", 1)[0].rstrip().split("\n\n")[-1]  # the paragraph before the question
        crowd = _CROWD.findall(cue_zone + "".join(m["content"] for m in req.messages if m["role"] == "system"))
        cued = self.cued_position(req) if p["cue"] else None
        toned = toned_position(req) if p["sentiment"] else None
        own = ("A" if OWN_MARK in req.first else "B" if OWN_MARK in req.second else None) if p["self"] else None
        reasoning = bool(_reasoning_instruction()) and _reasoning_instruction() in " ".join(user.split())
        if reasoning and rng.random() < p["reason"]:
            choice = gold or rng.choice(["A", "B"])
        elif crowd and rng.random() < p["bandwagon"]:
            choice = crowd[-1]
        elif cued and rng.random() < p["cue"]:
            choice = cued
        elif toned and rng.random() < p["sentiment"]:
            choice = toned
        elif own and rng.random() < p["self"]:
            choice = own
        elif len(req.first) != len(req.second) and rng.random() < p["longer"]:
            choice = "A" if len(req.first) > len(req.second) else "B"
        elif rng.random() < p["first"]:
            choice = "A"
        elif gold is None or rng.random() < p["random"]:
            choice = rng.choice(["A", "B"])
        else:
            choice = gold
        if reasoning:
            from judgekit.judges.readers import read_text

            raw = (f"Response A and Response B both address the question. Response {'B' if choice == 'A' else 'A'} "
                   f"has a weaker point.\nVerdict: {choice}")
            r = read_text(raw)
            return JudgeOutput(choice=r.choice, raw=raw, parse_rule=r.rule,  # type: ignore[arg-type]
                               input_tokens=len(req.first.split()) + len(req.second.split()),
                               output_tokens=len(raw.split()), latency_s=0.0, cost_usd=0.0)
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
