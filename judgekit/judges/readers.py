"""Verdict readers: how an answer becomes a verdict, apart from how the answer was fetched.

Four named readers; each returns a :class:`Reading` whose ``rule`` is stored with the
verdict (``verdicts.parse_rule``):

``text``               the strict text reader (:mod:`judgekit.judges.parse`); rule ``text:<form>``
                       (``text:label``, ``text:json``...), or ``text`` when nothing explicit was found.
``first-token``        p(A)/p(B) from the first generated token's top logprobs, attached to a text
                       verdict only when they belong to it: the first token spells the letter the text
                       was read as, or the judge was asked for a single token. Rule ``text:<form>+first-token``.
``ab-logits``          the next-token distribution after the prompt, read at the tokens that spell A
                       and B (transformers judges in logprobs mode).
``reward-difference``  a reward model's two scores; p(A) is the Bradley-Terry probability.
``mcq:text``           (protocol ``mcq``) the strict option-letter reader (:mod:`judgekit.judges.parse_mcq`)
                       over the letters of the request's options; rule ``mcq:text:<form>``.
``mcq:logits``         (protocol ``mcq``) the next-token distribution read at the tokens spelling each
                       of the ``n`` option letters; the most probable letter is the answer and
                       ``p_ab_mass`` holds the probability on the ``n`` letters together.

For the probability readers ``p_ab_mass`` is the total probability of the two letters at the
position read (``verdicts.p_ab_mass``). When it is below ``min_letter_mass`` (default
:data:`DEFAULT_MIN_LETTER_MASS`), the model was not answering with a letter: an ``ab-logits``
verdict is ``invalid`` (rule ``ab-logits:low-mass``) and first-token probabilities are dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from judgekit.judges.parse import read_verdict
from judgekit.judges.parse_mcq import read_option
from judgekit.types import OPTION_LETTERS, JudgeOutput, JudgeRequest

#: The text reader's version: part of the identity of judges whose verdict is read from text, so
#: verdicts cached under an earlier reader are not reused.
TEXT_READER = "strict-1"
#: Below this much next-token probability on "A" and "B" together, letter probabilities mean nothing.
DEFAULT_MIN_LETTER_MASS = 0.2


@dataclass(frozen=True)
class Reading:
    """A verdict (``A``/``B``/``tie``/``invalid``) with its probabilities and provenance."""

    choice: str
    rule: str
    p_a: float | None = None
    p_b: float | None = None
    p_ab_mass: float | None = None


def check_min_mass(value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"min_letter_mass must be between 0 and 1, not {value}")
    return value


def read_text(text: str | None, *, numbers: bool = False) -> Reading:
    """The strict text reader."""
    r = read_verdict(text, numbers=numbers)
    return Reading(r.choice, f"text:{r.rule}" if r.rule else "text")


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _letter_of(token: Any) -> str | None:
    """The letter a token spells ("A", " B", "(A", "**B"), case-sensitive; None otherwise."""
    if not isinstance(token, str):
        return None
    t = token.strip().lstrip("*([").strip()
    return t if t in ("A", "B") else None


def first_token(resp: Any) -> tuple[str | None, list[Any]]:
    """The first generated token and its top logprobs, from an OpenAI-style completion (dict or object)."""
    try:
        choice = _get(resp, "choices")[0]
        content = _get(_get(choice, "logprobs"), "content")
        head = content[0] if content else None
    except (TypeError, IndexError, KeyError):
        return None, []
    tops = _get(head, "top_logprobs")
    return _get(head, "token"), list(tops) if isinstance(tops, (list, tuple)) else []


def letter_masses(tops: Iterable[Any]) -> tuple[float, float]:
    """Probability of tokens spelling A and B among the top logprobs of one position."""
    mass = {"A": 0.0, "B": 0.0}
    for t in tops:
        letter, lp = _letter_of(_get(t, "token")), _get(t, "logprob")
        if letter and isinstance(lp, (int, float)) and not isinstance(lp, bool) and math.isfinite(lp):
            mass[letter] += math.exp(lp)
    return mass["A"], mass["B"]


def read_text_with_first_token(text: str | None, resp: Any, *, one_token: bool = False, numbers: bool = False,
                               min_letter_mass: float = DEFAULT_MIN_LETTER_MASS) -> Reading:
    """A text verdict, with first-token p(A)/p(B) kept only when they belong to it (module docstring)."""
    verdict = read_text(text, numbers=numbers)
    if verdict.choice not in ("A", "B"):
        return verdict
    token, tops = first_token(resp)
    if not tops or not (one_token or _letter_of(token) == verdict.choice):
        return verdict
    mass_a, mass_b = letter_masses(tops)
    total = mass_a + mass_b
    if total <= 0.0 or total < min_letter_mass:
        return verdict
    return Reading(verdict.choice, verdict.rule + "+first-token", mass_a / total, mass_b / total, min(1.0, total))


def read_ab_logits(log_mass_a: float, log_mass_b: float, *,
                   min_letter_mass: float = DEFAULT_MIN_LETTER_MASS) -> Reading:
    """A verdict from the log-probabilities of the next token spelling A and spelling B."""
    mass = (math.exp(log_mass_a) if math.isfinite(log_mass_a) else 0.0) + \
           (math.exp(log_mass_b) if math.isfinite(log_mass_b) else 0.0)
    mass = min(1.0, mass)
    if mass <= 0.0 or mass < min_letter_mass:
        return Reading("invalid", "ab-logits:low-mass", p_ab_mass=mass)
    # sigmoid of the log-odds: exact even when both masses are tiny
    p_a = 1.0 / (1.0 + math.exp(min(log_mass_b - log_mass_a, 700.0)))
    choice = "A" if log_mass_a > log_mass_b else "B" if log_mass_b > log_mass_a else "tie"
    return Reading(choice, "ab-logits", p_a, 1.0 - p_a, mass)


def bradley_terry(score_first: float, score_second: float) -> float:
    """P(first preferred) = sigmoid(score_first - score_second), computed without overflow."""
    d = score_first - score_second
    if d >= 0:
        return 1.0 / (1.0 + math.exp(-d))
    e = math.exp(d)
    return e / (1.0 + e)


def read_reward_difference(score_first: float, score_second: float) -> Reading:
    """A verdict from two reward scores: the higher one wins; p(A) is Bradley-Terry."""
    if not (math.isfinite(score_first) and math.isfinite(score_second)):
        return Reading("invalid", "reward-difference:non-finite")
    p_a = bradley_terry(score_first, score_second)
    choice = "A" if score_first > score_second else "B" if score_second > score_first else "tie"
    return Reading(choice, "reward-difference", p_a, 1.0 - p_a)


def read_mcq_text(text: str | None, options: tuple[str, ...] | list[str]) -> Reading:
    """The strict option-letter reader over the ``len(options)`` letters of an mcq request."""
    r = read_option(text, len(options), options)
    return Reading(r.choice, f"mcq:text:{r.rule}" if r.rule else "mcq:text")


def read_mcq_logits(log_masses: list[float], *, min_letter_mass: float = DEFAULT_MIN_LETTER_MASS) -> Reading:
    """An mcq answer from the log-probabilities of the next token spelling each option letter ("A", "B"...)."""
    masses = [math.exp(x) if math.isfinite(x) else 0.0 for x in log_masses]
    mass = min(1.0, sum(masses))
    if not masses or mass <= 0.0 or mass < min_letter_mass:
        return Reading("invalid", "mcq:logits:low-mass", p_ab_mass=mass)
    best = max(range(len(masses)), key=lambda i: (log_masses[i], -i))
    if sum(1 for x in log_masses if x == log_masses[best]) > 1:
        return Reading("invalid", "mcq:logits:tie", p_ab_mass=mass)
    return Reading(OPTION_LETTERS[best], "mcq:logits", p_ab_mass=mass)


def protocol_output(out: JudgeOutput, req: JudgeRequest) -> JudgeOutput:
    """A chat judge's output for the protocol of ``req``: a pairwise verdict as it is; for an mcq request
    the reply text (``raw``) read again by the option-letter reader, without the A/B probabilities.
    Failed calls stay what they were."""
    if req.protocol != "mcq" or out.choice == "error":
        return out
    r = read_mcq_text(out.raw, req.options)
    out.choice, out.parse_rule = r.choice, r.rule  # type: ignore[assignment]
    out.p_a = out.p_b = out.p_ab_mass = None
    return out
