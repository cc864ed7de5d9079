"""Score readers: how a judge's answer to a score sub-request becomes a score on the template's scale.

Two readers; the rule each returns is stored with the pair verdict (``verdicts.parse_rule``):

``score:text:<form>``  the strict text reader. Only explicit forms count:

                       ``json``      ``{"score": 7}`` (also ``rating``, ``grade``, ``result``)
                       ``bracket``   ``[[7]]`` (MT-Bench: ``Rating: [[7]]``)
                       ``result``    ``[RESULT] 4`` (Prometheus)
                       ``label``     ``Rating: 7``, ``Score: 7/10``, ``Overall score - 8 out of 10``
                       ``fraction``  ``7/10`` or ``7 out of 10``, the denominator being the scale's top
                       ``number``    a reply (or its first line) that is only a number

                       The *last* explicit score wins (a judge that revises its score is read by its
                       conclusion), except that a ``fraction`` after a stronger form that disagrees with it
                       is a contradiction (``score:text:contradiction``, invalid), as are several fractions
                       that disagree ("7/10 for accuracy, 4/10 for style"). A score outside the scale is
                       invalid (``score:text:out-of-scale``). A bare number in prose ("I would give it a 7")
                       is not a score. Reasoning blocks (``<think>...</think>``) are removed first.
``score:expected``     the expected score under the next-token distribution over the tokens that spell the
                       scale's values: sum(v * p(v)) / sum(p(v)). When the probability on those tokens
                       together is below ``min_score_mass`` (default :data:`DEFAULT_MIN_SCORE_MASS`) the
                       model was not writing a score there: invalid, ``score:expected:low-mass``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from judgekit.judges.readers import _get

#: The score reader's version: part of the identity of pointwise sub-requests whose score is read from text.
SCORE_READER = "score-strict-1"
#: Below this much next-token probability on the scale's values together, an expected score means nothing.
DEFAULT_MIN_SCORE_MASS = 0.2

_THINK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)
_NUM = r"(\d+(?:\.\d+)?)"
_OF = r"(?:\s*(?:/|out\s+of)\s*(\d+))?"
_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("json", re.compile(r"\{[^{}]*\}")),
    ("bracket", re.compile(r"\[\[\s*" + _NUM + r"\s*\]\]")),
    ("result", re.compile(r"\[RESULT\]\s*:?\s*" + _NUM + r"\b", re.IGNORECASE)),
    ("label", re.compile(r"\b(?:(?:final|overall|my)\s+)?(?:rating|score|grade)\s*(?:is\s*:?|[:=\-–—])\s*\**\s*"
                         + _NUM + _OF + r"(?![\d.]*\d)", re.IGNORECASE)),
    ("fraction", re.compile(r"(?<![\w.])" + _NUM + r"\s*(?:/|out\s+of)\s*(\d+)\b", re.IGNORECASE)),
)
_JSON_KEYS = ("score", "rating", "grade", "result", "final_score")
_ONLY_NUMBER = re.compile(r"^\s*\**\s*" + _NUM + r"\s*\**\s*\.?\s*$")


@dataclass(frozen=True)
class ScoreReading:
    """A score (None when unreadable) and the rule that produced it."""

    score: float | None
    rule: str
    #: ``score:expected``: the probability on the scale's tokens together
    mass: float | None = None


def check_scale(scale: Any, where: str = "scale") -> tuple[int, int]:
    """``scale`` as (lowest, highest) integers, lowest < highest; ``ValueError`` naming ``where`` otherwise."""
    ok = (isinstance(scale, (list, tuple)) and len(scale) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) for v in scale) and scale[0] < scale[1])
    if not ok:
        raise ValueError(f"{where}: a scale is two integers [lowest, highest] with lowest < highest, not {scale!r}")
    return int(scale[0]), int(scale[1])


def _strip(text: str) -> str:
    text = _THINK.sub(" ", text)
    m = _THINK_OPEN.search(text)
    return text[:m.start()] if m else text


def _json_score(blob: str) -> float | None:
    try:
        obj = json.loads(blob)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    for k, v in obj.items():
        if str(k).lower() in _JSON_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
    return None


def _found(text: str, hi: int) -> list[tuple[int, str, float]]:
    """(position, form, value) of every explicit score in ``text``."""
    out: list[tuple[int, str, float]] = []
    taken: list[tuple[int, int]] = []
    for form, pat in _FORMS:
        for m in pat.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue  # "Score: 7/10" is one label, not also a fraction
            if form == "json":
                value = _json_score(m.group(0))
                if value is None:
                    continue
            else:
                value = float(m.group(1))
                if form in ("label", "fraction") and m.lastindex and m.lastindex >= 2 and m.group(2) is not None:
                    if int(m.group(2)) != hi:
                        continue  # "3/4 of the steps": a fraction, not a score on this scale
            taken.append((m.start(), m.end()))
            out.append((m.start(), form, value))
    return sorted(out)


def read_score_text(text: str | None, scale: tuple[int, int]) -> ScoreReading:
    """The strict text score reader (module docstring)."""
    lo, hi = scale
    if not text or not text.strip():
        return ScoreReading(None, "score:text")
    body = _strip(text)
    found = _found(body, hi)
    if not found:
        first = body.strip().splitlines()[0] if body.strip() else ""
        m = _ONLY_NUMBER.match(first)
        if not m:
            return ScoreReading(None, "score:text")
        found = [(0, "number", float(m.group(1)))]
    _, form, value = found[-1]
    strong = [v for _, f, v in found if f != "fraction"]
    fractions = [v for _, f, v in found if f == "fraction"]
    if form == "fraction" and ((strong and strong[-1] != value) or len(set(fractions)) > 1):
        return ScoreReading(None, "score:text:contradiction")
    if not lo <= value <= hi:
        return ScoreReading(None, "score:text:out-of-scale")
    return ScoreReading(value, f"score:text:{form}")


def scale_values(scale: tuple[int, int]) -> list[int]:
    """Every score on the scale, lowest first."""
    return list(range(scale[0], scale[1] + 1))


def read_expected_score(log_masses: Mapping[int, float], *,
                        min_score_mass: float = DEFAULT_MIN_SCORE_MASS) -> ScoreReading:
    """The expected score from the log-probability of the next token spelling each scale value."""
    probs = {v: (math.exp(lp) if math.isfinite(lp) else 0.0) for v, lp in log_masses.items()}
    mass = min(1.0, sum(probs.values()))
    if mass <= 0.0 or mass < min_score_mass:
        return ScoreReading(None, "score:expected:low-mass", mass)
    return ScoreReading(sum(v * p for v, p in probs.items()) / sum(probs.values()), "score:expected", mass)


def _value_of(token: Any, values: set[int]) -> int | None:
    if not isinstance(token, str):
        return None
    t = token.strip().lstrip("*([").strip()
    return int(t) if t.isdigit() and int(t) in values else None


def score_token_masses(tops: Iterable[Any], scale: tuple[int, int]) -> dict[int, float]:
    """Log-probability of each scale value among the top logprobs of one position (-inf when absent)."""
    values = set(scale_values(scale))
    mass = dict.fromkeys(sorted(values), 0.0)
    for t in tops:
        v, lp = _value_of(_get(t, "token"), values), _get(t, "logprob")
        if v is not None and isinstance(lp, (int, float)) and not isinstance(lp, bool) and math.isfinite(lp):
            mass[v] += math.exp(lp)
    return {v: (math.log(m) if m > 0 else -math.inf) for v, m in mass.items()}


def read_score_with_top_logprobs(text: str | None, resp: Any, scale: tuple[int, int], *,
                                 min_score_mass: float = DEFAULT_MIN_SCORE_MASS) -> ScoreReading:
    """An API answer's score: the expected score at the generated token that spells the text's score, when its
    top logprobs are given and hold enough mass on the scale (``score:expected``); else the text score."""
    reading = read_score_text(text, scale)
    if reading.score is None or reading.score != int(reading.score):
        return reading
    try:
        content = _get(_get(_get(resp, "choices")[0], "logprobs"), "content") or []
    except (TypeError, IndexError, KeyError):
        return reading
    values = set(scale_values(scale))
    for pos in reversed(list(content)):  # the last token spelling the score: the text reader reads the last form
        if _value_of(_get(pos, "token"), values) == int(reading.score):
            tops = _get(pos, "top_logprobs")
            if not isinstance(tops, (list, tuple)) or not tops:
                return reading
            expected = read_expected_score(score_token_masses(tops, scale), min_score_mass=min_score_mass)
            return expected if expected.score is not None else reading
    return reading
