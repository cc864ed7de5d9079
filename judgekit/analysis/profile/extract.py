"""LLM factor extraction: ask any judge backend for one factor of one response.

Prompts live in ``suites/prompts/factors/NAME.yaml`` (fields ``name``, ``scale``, ``system``,
``user``; Jinja2 with ``prompt`` and ``response``). ``scale`` is ``count`` (a non-negative
number) or ``MIN-MAX`` (e.g. ``1-5``). Every request goes through
:func:`judgekit.engine.completions.complete`, so answers are cached in the ``completions``
table, journaled while a run is in flight, and a repeated extraction sends nothing.

:func:`parse_score` reads the number from the model's text. Rules, first that applies:

1. an explicit label: the *last* ``score`` / ``count`` / ``rating`` / ``answer`` / ``value``
   followed by ``:`` or ``=`` and a number (JSON such as ``{"score": 3}`` included);
2. the whole answer is a number, possibly ``N/M`` ("4/5") or with trailing punctuation;
3. the answer contains exactly one distinct number;
4. for counts, a spelled-out number zero..ten or "none" / "no" as the whole answer.

Anything else, and any value outside the scale, is *missing* (stored as NULL): an unparseable
answer is never turned into a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
import yaml

from judgekit.engine.completions import complete
from judgekit.judges.base import Judge
from judgekit.resources import suites_dir
from judgekit.store.db import Store

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
_NUM = r"[-+]?\d+(?:\.\d+)?"
_LABELLED = re.compile(r"\b(?:score|count|rating|answer|value|total)\b\W{0,3}\s*[:=]\s*\"?(" + _NUM + r")",
                       re.IGNORECASE)
_WHOLE = re.compile(r"^\s*\**\s*(" + _NUM + r")\s*(?:/\s*\d+(?:\.\d+)?)?\s*\**\s*[.!]?\s*$")
_ANY = re.compile(r"(?<![\w.])(" + _NUM + r")(?![\w])")
_WORDS = {"zero": 0, "none": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10}


@dataclass(frozen=True)
class FactorPrompt:
    name: str
    scale: str
    system: str
    user: str

    @property
    def bounds(self) -> tuple[float, float]:
        if self.scale == "count":
            return (0.0, float("inf"))
        lo, _, hi = self.scale.partition("-")
        return (float(lo), float(hi))

    def messages(self, prompt: str, response: str) -> tuple[dict[str, str], ...]:
        ctx = {"prompt": prompt, "response": response}
        msgs = []
        system = _ENV.from_string(self.system).render(ctx).strip()
        if system:
            msgs.append({"role": "system", "content": system})
        msgs.append({"role": "user", "content": _ENV.from_string(self.user).render(ctx).strip()})
        return tuple(msgs)


def prompts_dir() -> Path:
    return suites_dir() / "prompts" / "factors"


@lru_cache(maxsize=64)
def load_factor_prompt(name: str) -> FactorPrompt:
    path = prompts_dir() / f"{name}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no extractor prompt for factor {name!r} (expected {path})")
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for key in ("scale", "user"):
        if key not in spec:
            raise ValueError(f"{path}: factor prompt lacks the field '{key}'")
    scale = str(spec["scale"]).strip()
    if scale != "count" and not re.fullmatch(r"\d+-\d+", scale):
        raise ValueError(f"{path}: scale must be 'count' or MIN-MAX such as 1-5, not {scale!r}")
    return FactorPrompt(spec.get("name", name), scale, spec.get("system", ""), spec["user"])


def parse_score(text: str | None, scale: str = "count") -> float | None:
    """The number in a model's answer, or None when there is no unambiguous one (see module doc)."""
    if text is None or not text.strip():
        return None
    value: float | None = None
    labelled = _LABELLED.findall(text)
    if labelled:
        value = float(labelled[-1])
    elif m := _WHOLE.match(text):
        value = float(m.group(1))
    else:
        found = {float(x) for x in _ANY.findall(text)}
        if len(found) == 1:
            value = found.pop()
        elif not found and scale == "count":
            word = text.strip().strip(".!*").strip().lower()
            value = float(_WORDS[word]) if word in _WORDS else None
    if value is None:
        return None
    lo, hi = FactorPrompt("", scale, "", "").bounds
    return value if lo <= value <= hi else None


def extract_factors(store: Store, judge: Judge, responses: list[tuple[str, str, str]], factors: list[str], *,
                    progress: bool = False) -> list[dict]:
    """Measure ``factors`` on ``responses`` [(response_id, prompt, text)] with ``judge``.

    Returns factor-value rows (``response_id, factor, measurer, value, raw``); ``value`` is None
    where the answer could not be parsed or the call failed.
    """
    rows: list[dict] = []
    for name in factors:
        fp = load_factor_prompt(name)
        prompts = [fp.messages(prompt, text) for _, prompt, text in responses]
        results = complete(store, judge, prompts, task=f"profile-factor:{name}", progress=progress)
        for (rid, _, _), res in zip(responses, results, strict=True):
            rows.append({"response_id": rid, "factor": name, "measurer": judge.spec or "extractor",
                         "value": parse_score(res.text, fp.scale), "raw": res.text if res.text is not None
                         else f"error: {res.error}"})
    return rows
