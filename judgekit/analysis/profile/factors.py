"""The factor taxonomy and the deterministic measurers.

A factor is a property of *one* response that might drive a preference. Following PROFILE
(task-agnostic vs task-specific factors), every factor has a group, a measurer kind and a
direction: the value always means "more of f", so for ``hallucination`` more is worse.

Deterministic measurers (pure functions of the text, no model):

=================  ===========================================================================
``length``         words (whitespace-separated tokens)
``markdown``       markdown elements: headers, list items, bold/italic spans, code fences,
                   table rows, block quotes
``lists``          list items (lines starting with ``-``, ``*``, ``+``, ``1.`` or ``1)``)
``hedging``        hedge phrases ("might", "perhaps", "I think", ...) per 100 words
``readability``    Flesch reading ease, 206.835 - 1.015 * words/sentences - 84.6 * syllables/words
``repetition``     share of repeated word trigrams, 1 - distinct/total (0 when < 3 words)
``citations``      URLs plus bracketed references ``[1]`` plus "according to" / "source:"
``numbers``        numeric tokens (figures, dates, quantities): a cheap proxy for specificity
``formality``      -100 * informal markers per word (contractions, "!", emoji, slang);
                   0 is the most formal, lower is more casual
=================  ===========================================================================

LLM factors are measured by :mod:`judgekit.analysis.profile.extract` with the prompts in
``suites/prompts/factors/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

DETERMINISTIC = "deterministic"
LLM = "llm"


@dataclass(frozen=True)
class Factor:
    name: str
    group: str  # task-agnostic | task-specific
    kind: str  # deterministic | llm
    description: str


_WORD = re.compile(r"\S+")
_ALPHA_WORD = re.compile(r"[A-Za-zÀ-ÿ']+")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n\s*\n")
_LIST_LINE = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+\S", re.MULTILINE)
_HEADER = re.compile(r"^\s{0,3}#{1,6}\s+\S", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![*\w])\*(?=[^\s*])([^*\n]+?)(?<=\S)\*(?!\*)")
_FENCE = re.compile(r"^\s*(```|~~~)", re.MULTILINE)
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.MULTILINE)
_QUOTE = re.compile(r"^\s*>\s?\S", re.MULTILINE)
_URL = re.compile(r"https?://[^\s)>\]]+|www\.[^\s)>\]]+", re.IGNORECASE)
_BRACKET_REF = re.compile(r"\[\d{1,3}(?:[,–-]\s*\d{1,3})*\]")
_SOURCE_PHRASE = re.compile(r"\baccording to\b|\bsource:|\bsee also\b|\bet al\.", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?%?(?![\w])")
_CONTRACTION = re.compile(r"\b\w+'(?:s|re|ve|ll|d|m|t)\b|\b\w+n't\b", re.IGNORECASE)
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
_SLANG = frozenset("lol gonna wanna gotta yeah yep nope hey cool awesome stuff kinda sorta btw omg "
                   "tbh dude ok okay super totally".split())
_HEDGES = ("might", "may", "perhaps", "possibly", "probably", "likely", "unlikely", "seems", "appears",
           "could", "suggests", "i think", "i believe", "it is possible", "not sure", "generally",
           "typically", "often", "usually", "arguably", "somewhat", "roughly", "approximately")
_HEDGE = re.compile(r"\b(?:" + "|".join(re.escape(h) for h in _HEDGES) + r")\b", re.IGNORECASE)
_VOWELS = re.compile(r"[aeiouy]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def length(text: str) -> float:
    return float(len(words(text)))


def lists(text: str) -> float:
    return float(len(_LIST_LINE.findall(text)))


def markdown(text: str) -> float:
    fences = len(_FENCE.findall(text)) // 2
    return float(len(_HEADER.findall(text)) + lists(text) + len(_EMPHASIS.findall(text)) + fences
                 + len(_TABLE_ROW.findall(text)) + len(_QUOTE.findall(text)))


def hedging(text: str) -> float:
    n = len(words(text))
    return 100.0 * len(_HEDGE.findall(text)) / n if n else 0.0


def syllables(word: str) -> int:
    """Vowel-group count with the silent-e and -le rules; at least 1 per word."""
    w = word.lower().strip("'")
    if not w:
        return 0
    count = len(_VOWELS.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(count, 1)


def sentences(text: str) -> int:
    parts = [p for p in _SENTENCE_END.split(text) if _ALPHA_WORD.search(p or "")]
    return max(len(parts), 1)


def readability(text: str) -> float:
    """Flesch reading ease over alphabetic words; 0.0 for text without words."""
    ws = _ALPHA_WORD.findall(text)
    if not ws:
        return 0.0
    n_syl = sum(syllables(w) for w in ws)
    return 206.835 - 1.015 * (len(ws) / sentences(text)) - 84.6 * (n_syl / len(ws))


def repetition(text: str) -> float:
    ws = [w.lower().strip(".,;:!?\"'()") for w in words(text)]
    grams = list(zip(ws, ws[1:], ws[2:], strict=False))
    return 1.0 - len(set(grams)) / len(grams) if grams else 0.0


def citations(text: str) -> float:
    return float(len(_URL.findall(text)) + len(_BRACKET_REF.findall(text)) + len(_SOURCE_PHRASE.findall(text)))


def numbers(text: str) -> float:
    return float(len(_NUMBER.findall(text)))


def formality(text: str) -> float:
    ws = words(text)
    if not ws:
        return 0.0
    informal = (len(_CONTRACTION.findall(text)) + text.count("!") + len(_EMOJI.findall(text))
                + sum(1 for w in ws if w.lower().strip(".,;:!?\"'()") in _SLANG))
    return -100.0 * informal / len(ws)


MEASURERS: dict[str, Callable[[str], float]] = {
    "length": length, "markdown": markdown, "lists": lists, "hedging": hedging, "readability": readability,
    "repetition": repetition, "citations": citations, "numbers": numbers, "formality": formality,
}

_TAXONOMY: tuple[tuple[str, str, str, str], ...] = (
    ("length", "task-agnostic", DETERMINISTIC, "number of words"),
    ("markdown", "task-agnostic", DETERMINISTIC, "markdown elements (headers, lists, emphasis, code, tables)"),
    ("lists", "task-agnostic", DETERMINISTIC, "bulleted or numbered list items"),
    ("hedging", "task-agnostic", DETERMINISTIC, "hedge phrases per 100 words"),
    ("readability", "task-agnostic", DETERMINISTIC, "Flesch reading ease (higher is easier)"),
    ("repetition", "task-agnostic", DETERMINISTIC, "share of repeated word trigrams"),
    ("citations", "task-agnostic", DETERMINISTIC, "URLs, bracketed references, attributions"),
    ("numbers", "task-agnostic", DETERMINISTIC, "numeric tokens"),
    ("formality", "task-agnostic", DETERMINISTIC, "minus informal markers per 100 words"),
    ("fluency", "task-agnostic", LLM, "grammatical, natural, easy-to-read prose (1-5)"),
    ("intent_alignment", "task-agnostic", LLM, "addresses what the user actually asked for (1-5)"),
    ("facts", "task-specific", LLM, "number of distinct factual claims"),
    ("source_coverage", "task-specific", LLM, "share of the key points of the source or question covered (1-5)"),
    ("off_focus", "task-specific", LLM, "number of statements unrelated to the request"),
    ("hallucination", "task-specific", LLM, "number of unsupported or fabricated claims"),
    ("coherence", "task-specific", LLM, "logical flow and consistency (1-5)"),
    ("misinformation", "task-specific", LLM, "number of factually wrong statements"),
    ("helpfulness", "task-specific", LLM, "how useful the response is to the user (1-5)"),
    ("receptiveness", "task-specific", LLM, "acknowledges the user's framing, constraints and feedback (1-5)"),
)

FACTORS: dict[str, Factor] = {name: Factor(name, group, kind, desc) for name, group, kind, desc in _TAXONOMY}
DETERMINISTIC_FACTORS: tuple[str, ...] = tuple(f.name for f in FACTORS.values() if f.kind == DETERMINISTIC)
LLM_FACTORS: tuple[str, ...] = tuple(f.name for f in FACTORS.values() if f.kind == LLM)


def measure(text: str, factors: Iterable[str] = DETERMINISTIC_FACTORS) -> dict[str, float]:
    """Deterministic factor values of one response."""
    out: dict[str, float] = {}
    for name in factors:
        if name not in MEASURERS:
            raise ValueError(f"{name!r} has no deterministic measurer; deterministic factors are "
                             f"{', '.join(MEASURERS)}")
        out[name] = MEASURERS[name](text)
    return out


def measure_all(texts: Iterable[str], factors: Iterable[str] = DETERMINISTIC_FACTORS) -> list[dict[str, float]]:
    names = tuple(factors)
    return [measure(t, names) for t in texts]


def split_factors(names: Iterable[str] | None, *, with_llm: bool) -> tuple[list[str], list[str]]:
    """(deterministic, llm) factor lists from a requested list (None = all that can be measured)."""
    if names is None:
        return list(DETERMINISTIC_FACTORS), list(LLM_FACTORS) if with_llm else []
    det, llm = [], []
    for n in names:
        if n not in FACTORS:
            raise ValueError(f"unknown factor {n!r}; factors are {', '.join(FACTORS)}")
        (det if FACTORS[n].kind == DETERMINISTIC else llm).append(n)
    if llm and not with_llm:
        raise ValueError(f"factors {', '.join(llm)} need an LLM extractor (--extractor JUDGE)")
    return det, llm
