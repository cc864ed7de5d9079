"""The scripted judge on multiple-choice requests (protocol ``mcq``): planted slot preferences and cue following.

Parameters of the spec (``scripted/first=0.3,cue=0.5``), tried in this order on each request:

``invalid=p``   answer "invalid" (a parse failure) with probability p;
``cue=p``       pick the option a cue names with probability p (a crowd opinion or an authority
                statement naming a letter, or a built-in cue text attached to an option; a neutral
                control names or carries nothing of the kind and is ignored);
``first=p``     pick slot A with probability p;
``last=p``      pick the last slot with probability p;
``random=p``    pick a uniformly random option with probability p;
``accuracy=q``  otherwise pick the gold option with probability q (default 1) and a uniformly random
                wrong option otherwise.

The gold option is found by the texts shown: the question (or a paragraph of the prompt) and the
options, a cued option counting as the option whose text it starts with.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from functools import lru_cache

import yaml

from judgekit.resources import suites_dir
from judgekit.types import OPTION_LETTERS, Item, JudgeOutput, JudgeRequest

#: spec parameters only the mcq answers read, with their defaults (kept out of the identity at the default)
MCQ_PARAMS = {"last": 0.0, "accuracy": 1.0}
#: a sentence that endorses a lettered option ("... believe the answer is C", "chose C", "recommend option B")
_ENDORSE = re.compile(r"(?:answer\s+is|\bchose|\bchoose|\bpicked|\bselected|\brecommends?|\bconfirms?|"
                      r"correct\s+(?:answer|option)\s+is)\s+(?:option\s+)?\(?([A-Z])\)?(?![\w])")


@lru_cache(maxsize=1)
def option_cue_texts() -> tuple[str, ...]:
    """Texts whose presence in an option is a built-in mcq cue (suites/cues/mcq/*.yaml, option placement)."""
    texts: list[str] = []
    for path in sorted((suites_dir() / "cues" / "mcq").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        texts += [t["text"] for t in spec.get("templates", []) if "{" not in t["text"]]
    return tuple(texts)


def cued_slot(req: JudgeRequest) -> str | None:
    """Presented letter of the option a cue names or carries, or None."""
    user = next((m["content"] for m in req.messages if m["role"] == "user"), "")
    zone = user.rsplit("[Question]", 1)[0] + "\n" + "".join(m["content"] for m in req.messages
                                                           if m["role"] == "system")
    named = [x for x in _ENDORSE.findall(zone) if x in OPTION_LETTERS[:len(req.options)]]
    if named:
        return named[-1]
    carriers = [i for i, o in enumerate(req.options) if any(t in o for t in option_cue_texts())]
    return OPTION_LETTERS[carriers[0]] if len(carriers) == 1 else None


class MCQIndex:
    """Gold options of mcq items, found from a request's question and options."""

    def __init__(self) -> None:
        self._by_prompt: dict[str, list[Item]] = {}

    def add(self, items: Sequence[Item]) -> None:
        for it in items:
            if it.options and it.label:
                self._by_prompt.setdefault(it.prompt, []).append(it)

    def gold_slot(self, req: JudgeRequest) -> str | None:
        """The presented letter of the gold option, or None when the item is unknown."""
        candidates = self._by_prompt.get(req.prompt)
        if candidates is None:
            parts = req.prompt.split("\n\n")
            candidates = [c for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)
                          for c in self._by_prompt.get("\n\n".join(parts[i:j]), [])]
        for item in candidates:
            if len(item.options) != len(req.options):
                continue
            gold = item.options[OPTION_LETTERS.index(str(item.label))]
            # each shown option is the original it equals, else the longest original it starts with
            shown = []
            for text in req.options:
                matches = [o for o in item.options if text == o or text.startswith(o)]
                shown.append(max(matches, key=lambda o: (text == o, len(o))) if matches else None)
            if sorted(map(str, shown)) == sorted(item.options) and gold in shown:
                return OPTION_LETTERS[shown.index(gold)]
        return None


def mcq_answer(req: JudgeRequest, gold: str | None, params: dict[str, float], rng: random.Random) -> JudgeOutput:
    """The scripted answer to an mcq request (module docstring)."""
    letters = OPTION_LETTERS[:len(req.options)]
    if rng.random() < params["invalid"]:
        return JudgeOutput(choice="invalid", raw="I cannot decide.", parse_rule="scripted")
    cued = cued_slot(req) if params["cue"] else None
    if cued and rng.random() < params["cue"]:
        choice = cued
    elif params["first"] and rng.random() < params["first"]:
        choice = letters[0]
    elif params.get("last", 0.0) and rng.random() < params["last"]:
        choice = letters[-1]
    elif gold is None or (params["random"] and rng.random() < params["random"]):
        choice = rng.choice(letters)
    elif rng.random() < params.get("accuracy", 1.0):
        choice = gold
    else:
        choice = rng.choice([x for x in letters if x != gold])
    return JudgeOutput(choice=choice, raw=choice, parse_rule="scripted", output_tokens=1,  # type: ignore[arg-type]
                       input_tokens=len(req.prompt.split()) + sum(len(o.split()) for o in req.options),
                       latency_s=0.0, cost_usd=0.0)
