"""Robust verdict extraction from free text.

Rules, in order:

1. Reasoning blocks (``<think>...</think>``, ``<reasoning>...</reasoning>``) are
   removed; an unclosed ``<think>`` means the model never finished thinking, so
   nothing after it counts.
2. A JSON object with a ``verdict``/``winner``/``choice``/``answer``/``better``
   field is read when present (the last such object wins).
3. Tagged answers: ``<answer>A</answer>``, ``[[A]]``, ``\\boxed{A}``.
4. Explicit statements: "Answer: B", "Verdict: Response A", "Response B is better",
   "I choose A", "Output (a)". The *last* statement wins, so a judge that
   discusses both responses and then concludes is read by its conclusion.
5. A reply that is only a letter (``A``, ``(B)``, ``b.``) is that letter.

The article "A" inside a sentence ("A good answer would...") is never read as a
verdict. Anything else is ``invalid``, which is counted as a parse failure and
never scored.
"""

from __future__ import annotations

import json
import re

_THINK_BLOCK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)

_TIE_WORDS = {"tie", "draw", "equal", "both", "neither", "c", "same"}
_JSON_KEYS = ("verdict", "winner", "choice", "answer", "better", "preferred", "preference", "result")

_LETTER = r"(?:response|answer|assistant|option|output|candidate)?\s*[\(\[]?\s*([AB12])\s*[\)\]]?"

_PATTERNS: list[re.Pattern[str]] = [
    re.compile(r"<answer>\s*" + _LETTER + r"\s*</answer>", re.IGNORECASE),
    re.compile(r"\[\[\s*([AB]|tie|C)\s*\]\]", re.IGNORECASE),
    re.compile(r"\\boxed\{\s*(?:\\text\{)?\s*([AB])\s*\}?\s*\}", re.IGNORECASE),
    re.compile(
        r"(?:final\s+)?(?:answer|verdict|choice|decision|winner|judgment|judgement|preference|selection)"
        r"\s*(?:is)?\s*[:=\-]?\s*\**\s*" + _LETTER + r"\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:response|answer|assistant|option|output|candidate)\s*[\(\[]?\s*([AB12])\s*[\)\]]?\s*\**\s*"
        r"(?:is|was|seems|appears)\s+(?:clearly\s+|much\s+|slightly\s+|the\s+)?"
        r"(?:better|superior|preferred|stronger|more\s+(?:accurate|helpful|correct)|correct|the\s+winner|best)",
        re.IGNORECASE,
    ),
    # "A is better", "B is the better choice": the article "A" is never followed by "is"
    re.compile(r"(?<![\w'])([AB])\s+(?:is|was|seems)\s+(?:clearly\s+|much\s+|slightly\s+)?(?:the\s+)?"
               r"(?:better|best|correct|superior|preferred|stronger|more\s+(?:accurate|helpful|correct))", re.I),
    re.compile(
        r"\b(?:I|we)\s+(?:would\s+)?(?:choose|pick|select|prefer|go\s+with|vote\s+for)\s+" + _LETTER + r"\b",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:prefer|choose|select)\s+(?:response|answer|assistant|output)\s*[\(\[]?([AB12])", re.IGNORECASE),
    re.compile(r"\b(it'?s\s+a\s+tie|tie|both\s+are\s+equally\s+(?:good|bad))\b", re.IGNORECASE),
]
_ONLY_LETTER = re.compile(r"^\W*(?:response|answer|output|option)?\s*[\(\[]?\s*([AB12])\s*[\)\]]?\W*$", re.IGNORECASE)


def _normalise(token: str) -> str | None:
    t = token.strip().strip("*\"'.()[] ").lower()
    if t in ("a", "1", "response_a", "response a", "output_1", "output (a)"):
        return "A"
    if t in ("b", "2", "response_b", "response b", "output_2", "output (b)"):
        return "B"
    if t in _TIE_WORDS or t.startswith(("tie", "both", "it's a tie", "its a tie")):
        return "tie"
    return None


def strip_reasoning(text: str) -> str:
    """Drop closed reasoning blocks; drop everything after an unclosed one."""
    text = _THINK_BLOCK.sub(" ", text)
    m = _THINK_OPEN.search(text)
    if m:
        text = text[: m.start()]
    # A dangling close tag (the opening was in the prompt) means the answer follows it.
    for close in ("</think>", "</thinking>", "</reasoning>"):
        idx = text.lower().rfind(close)
        if idx >= 0:
            text = text[idx + len(close):]
    return text


def _from_json(text: str) -> str | None:
    found: str | None = None
    for m in re.finditer(r"\{[^{}]*\}", text, re.DOTALL):
        try:
            obj = json.loads(m.group(0))
        except (json.JSONDecodeError, ValueError):
            continue
        if not isinstance(obj, dict):
            continue
        lowered = {str(k).lower(): v for k, v in obj.items()}
        for key in _JSON_KEYS:
            if key in lowered and isinstance(lowered[key], (str, int)):
                val = _normalise(str(lowered[key]))
                if val:
                    found = val
                break
    return found


def parse_verdict(text: str | None) -> str:
    """Return "A", "B", "tie" or "invalid" for a judge's free-text answer."""
    if not text or not text.strip():
        return "invalid"
    body = strip_reasoning(text)
    if not body.strip():
        return "invalid"
    js = _from_json(body)
    if js:
        return js
    best_pos = -1
    best: str | None = None
    for pat in _PATTERNS:
        for m in pat.finditer(body):
            val = _normalise(m.group(1))
            if val and m.start() >= best_pos:
                best_pos, best = m.start(), val
    if best:
        return best
    m = _ONLY_LETTER.match(body.strip())
    if m:
        return _normalise(m.group(1)) or "invalid"
    return "invalid"
