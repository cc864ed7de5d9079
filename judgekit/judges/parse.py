"""Strict verdict reading from free text: only explicit forms count.

A judge that reasons aloud writes sentences such as "The correct answer is 2 apples,
which Response A gives" or "My decision is a hard one". Neither is a verdict, and a
reader that finds a letter or a digit somewhere in them invents one. This reader reads
a verdict only from these explicit forms, each named by the rule recorded with the
verdict (``parse_rule``):

``json``       a JSON object whose ``verdict``/``winner``/``choice``/``answer``/``better``/
               ``preferred``/``preference``/``result`` field is exactly a letter, "Response A",
               or a tie word (``{"verdict": "both are wrong, A less so"}`` is not).
``tag``        ``<answer>A</answer>``, ``[[A]]``, ``[[tie]]``, ``\\boxed{A}``.
``label``      "Final answer: B", "Verdict: Response A", "The answer is A.", "Winner - B",
               "Respuesta final: A", "答案：B"; the letter must end the statement (a comma,
               full stop, line end or "because"), so "Verdict: A good answer..." is not one.
``statement``  "Response A is better", "B is clearly better than A", "I choose A",
               "I prefer Response B", "Response B wins", "La respuesta A es mejor"; not when
               the clause is negated or conditional ("I don't think Response A is better",
               "If Response A is better...") or the comparison is partial ("better in style").
``tie``        only explicit ties: "It's a tie", "Verdict: tie", "Both responses are equally good".
``letter``     a reply, or its first line, that is only a letter (``A``, ``(B)``, ``**A**``, ``b.``).

Reasoning blocks (``<think>...</think>``, ``<reasoning>``) are removed first; an unclosed
one means the model never finished thinking, so nothing after it counts. Markdown
emphasis is ignored. The *last* explicit verdict wins, so a judge that discusses both
responses and then concludes is read by its conclusion, except that a ``json``/``tag``/
``label`` verdict followed by a prose statement naming the other letter is ambiguous and
reads as ``invalid``. Digits (1/2) are letters only when the prompt asked for numbers
(``numbers=True``). Anything else is ``invalid``: a parse failure, never scored.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

_THINK_BLOCK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)

_JSON_KEYS = ("verdict", "winner", "choice", "answer", "better", "preferred", "preference", "result",
              "final_answer", "final_verdict", "decision")
_TIE_VALUES = {"tie", "draw", "equal", "c", "[[c]]", "both", "neither", "same", "empate", "égalité", "unentschieden",
               "平局", "both equally good", "both are equally good", "equally good", "equally bad", "it's a tie"}
_NOUN = r"(?:response|answer|assistant|option|output|candidate|respuesta|réponse|antwort|reponse)"
_STRONG_RULES = ("json", "tag", "label")


@dataclass(frozen=True)
class TextReading:
    """A verdict read from text: ``choice`` and the rule that produced it (None when invalid)."""

    choice: str
    rule: str | None


def _letter(numbers: bool) -> str:
    return "[AB12]" if numbers else "[AB]"


def _end(numbers: bool) -> str:
    """What may follow a letter that ends a statement (not "A good", "A or B", "A/B", "2 apples")."""
    return (r"(?=\s*(?:$|[.,;!)\]'\"’”。，！]|\s(?:because|since|as|due|—|–|-|\()|\n))"
            r"(?!\s*(?:or|and|/|vs\.?|versus|o|ou|oder)\s)(?!/)")


@functools.cache
def _compile(numbers: bool) -> list[tuple[str, re.Pattern[str]]]:
    L, E = _letter(numbers), _end(numbers)
    label_words = (r"(?:final\s+|overall\s+|my\s+)?(?:answer|verdict|choice|decision|winner|judgment|judgement|"
                   r"preference|preferred|selection|pick|conclusion|better\s+response|best\s+response|"
                   r"respuesta(?:\s+final)?|veredicto|réponse(?:\s+finale)?|verdict\s+final|antwort|urteil|"
                   r"entscheidung|答案|最终答案|结论|选择|判断|回答)")
    sep = r"\s*(?:(?:is|es|est|ist)\s*:?|[:=\-–—：])\s*"
    better = (r"(?:better|superior|preferred|stronger|preferable|the\s+winner|the\s+best|best|"
              r"the\s+better(?:\s+(?:one|response|answer|choice|option))?)")
    statement_end = (r"(?=\s*(?:$|[.,;:!)\]]|\s(?:than|overall|because|since|as|and|here|"
                     r"in\s+(?:this|my|every|all|each)\b)))")
    adv = r"(?:(?:clearly|much|slightly|far|significantly|definitely|somewhat|marginally|substantially|overall)\s+)?"
    return [
        ("tag", re.compile(r"<answer>\s*(?:" + _NOUN + r"\s*)?[\(\[]?\s*(" + L + r"|tie)\s*[\)\]]?\s*</answer>",
                           re.I)),
        ("tag", re.compile(r"\[\[\s*(" + L + r"|tie|C)\s*\]\]", re.I)),
        ("tag", re.compile(r"\\boxed\{\s*(?:\\text\{)?\s*(" + L + r")\s*\}?\s*\}")),
        ("label", re.compile(r"(?<![\w])" + label_words + sep + r"(?:" + _NOUN + r"\s*)?[\(\[]?\s*(" + L + r")"
                             + r"\s*[\)\]]?" + E, re.I)),
        ("label", re.compile(r"(?<![\w])" + label_words + sep + r"(tie|a\s+tie|draw|empate|平局)\b", re.I)),
        # a heading ("## Verdict", "Final Answer") with the letter alone on the next line
        ("label", re.compile(r"^[ \t]*" + label_words + r"[ \t]*:?[ \t]*\n\s*[\(\[]?\s*(" + L
                             + r")\s*[\)\]]?\.?[ \t]*$", re.I | re.M)),
        ("statement", re.compile(r"\b" + _NOUN + r"\s*[\(\[]?\s*(" + L + r")\s*[\)\]]?\s*(?:is|was|seems|appears)\s+"
                                 r"(?:to\s+be\s+)?" + adv + better + statement_end, re.I)),
        ("bare-statement", re.compile(r"(?<![\w'’/])(" + L + r")\s+(?:is|was|seems)\s+" + adv + better
                                      + statement_end)),
        ("statement", re.compile(r"\b" + _NOUN + r"\s*[\(\[]?\s*(" + L + r")\s*[\)\]]?\s+(?:wins|is\s+the\s+winner)\b",
                                 re.I)),
        ("statement", re.compile(r"\b(?:I|we)\s+(?:would\s+|will\s+)?(?:choose|pick|select|prefer|go\s+with|vote\s+for)"
                                 r"\s+(?:" + _NOUN + r"\s*)?[\(\[]?(" + L + r")[\)\]]?" + E, re.I)),
        ("statement", re.compile(r"\b(?:la\s+)?(?:respuesta|réponse)\s+(" + L + r")\s+(?:es|est)\s+(?:claramente\s+|"
                                 r"clairement\s+)?(?:mejor|meilleure|supérieure|superior)\b", re.I)),
        ("statement", re.compile(r"\bantwort\s+(" + L + r")\s+ist\s+(?:klar\s+|eindeutig\s+|deutlich\s+)?besser\b",
                                 re.I)),
        ("statement", re.compile(r"(?:回答|回复|答案)\s*(" + L + r")\s*(?:更好|更优|更佳|胜出)")),
        ("tie", re.compile(r"\b(?:it'?s|it\s+is|this\s+is|that'?s|call\s+it)\s+a\s+(tie)\b", re.I)),
        ("tie", re.compile(r"\b(?:both|the\s+two)\s+(?:responses\s+|answers\s+)?(?:are\s+)?(equally)\s+"
                           r"(?:good|bad|wrong|correct|helpful|strong|weak|valid)\b", re.I)),
    ]


_NEGATED = re.compile(r"\b(?:not|n't|never|no|neither|nor|whether|if|unless|would\s+be|could|might|should|"
                      r"may|wonder|ask|asks|asked|question|suppose|assume|hypothetically|either)\b|n't\b|\?",
                      re.I)
_PARTIAL = re.compile(r"^\s*(?!in\s+(?:every|all|each)\s+(?:way|respect|regard|aspect)s?\b)"
                      r"(?:in|at|on|for|when|regarding|with\s+respect|about|stylistically|written|"
                      r"formatted|structured|organi[sz]ed|presented)\b", re.I)
#: What may stand before a bare "A is better" in its clause ("So A is better"), unlike "Plan A is better".
_BARE_LEAD = re.compile(r"^(?:\W*(?:so|thus|therefore|overall|hence|and|but|however|clearly|honestly|in\s+conclusion|"
                        r"in\s+summary|in\s+short|to\s+conclude|i\s+think|i\s+believe|i'd\s+say)\b)*\W*$", re.I)
#: Words that mark a later statement as a revision of an earlier, different one.
_REVISION = re.compile(r"\b(?:actually|wait|on\s+second\s+thought|on\s+reflection|correction|overall|in\s+the\s+end|"
                       r"ultimately|however|but|therefore|so|thus|hence|conclusion|all\s+things\s+considered|"
                       r"final(?:ly)?|still)\b", re.I)
_BARE_TIE = re.compile(r"\W*(?:tie|draw|it'?s\s+a\s+tie)\W*", re.I)
_MARKDOWN = re.compile(r"(\*+|__|`+|^#+\s*|^>\s*)", re.M)
_SENTENCE_START = re.compile(r"[.!?;\n。！？]|,\s+(?:but|however|although|though)\b", re.I)


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


def _normalise(token: str, numbers: bool) -> str | None:
    t = token.strip().strip("*\"'.()[] ").lower()
    t = re.sub(r"^" + _NOUN + r"[\s_]*", "", t).strip("*\"'.()[] ")
    if t == "a" or (numbers and t == "1"):
        return "A"
    if t == "b" or (numbers and t == "2"):
        return "B"
    if t in _TIE_VALUES or t in ("a tie", "equally"):
        return "tie"
    return None


def json_answers(text: str, keys: Sequence[str], accept: Callable[[Any], bool]) -> list[tuple[int, Any]]:
    """(position, value) of every flat JSON object in ``text``: the value of the first of ``keys`` (matched
    case-insensitively) whose value ``accept`` takes. The JSON form of an answer, for the verdict and option
    readers alike."""
    found: list[tuple[int, Any]] = []
    for m in re.finditer(r"\{[^{}]*\}", text, re.DOTALL):
        try:
            obj = json.loads(m.group(0))
        except (json.JSONDecodeError, ValueError):
            continue
        if not isinstance(obj, dict):
            continue
        lowered = {str(k).lower(): v for k, v in obj.items()}
        value = next((lowered[k] for k in keys if k in lowered and accept(lowered[k])), None)
        if value is not None:
            found.append((m.start(), value))
    return found


def _from_json(text: str, numbers: bool) -> list[tuple[int, str]]:
    def accept(v: Any) -> bool:
        return isinstance(v, str) or (numbers and isinstance(v, int) and not isinstance(v, bool))

    found = ((pos, _normalise(str(value), numbers)) for pos, value in json_answers(text, _JSON_KEYS, accept))
    return [(pos, val) for pos, val in found if val]


def _clause_before(body: str, start: int) -> str:
    """The text between the last sentence (or "but") boundary and ``start``."""
    head = body[:start]
    last = 0
    for m in _SENTENCE_START.finditer(head):
        last = m.end()
    return head[last:]


def _clause_after(body: str, end: int) -> str:
    m = _SENTENCE_START.search(body, end)
    return body[end: m.start() + 1 if m else len(body)]


def _bare_letter(line: str, numbers: bool) -> str | None:
    m = re.fullmatch(r"\W*(?:" + _NOUN + r"\s*)?[\(\[]?\s*(" + _letter(numbers) + r")\s*[\)\]]?[.!]?\W*", line.strip(),
                     re.I)
    return _normalise(m.group(1), numbers) if m else None


def read_verdict(text: str | None, *, numbers: bool = False) -> TextReading:
    """Read a judge's free-text answer: ``TextReading(choice, rule)`` with choice A, B, tie or invalid."""
    if not text or not text.strip():
        return TextReading("invalid", None)
    body = _MARKDOWN.sub("", strip_reasoning(text))
    if not body.strip():
        return TextReading("invalid", None)
    found: list[tuple[int, str, str]] = [(pos, val, "json") for pos, val in _from_json(body, numbers)]
    for rule, pat in _compile(numbers):
        for m in pat.finditer(body):
            if rule == "bare-statement":
                if not _BARE_LEAD.match(_clause_before(body, m.start())):
                    continue
                rule = "statement"
            if rule in ("statement", "tie"):
                before = _clause_before(body, m.start())
                if _NEGATED.search(before) or _NEGATED.search(m.group(0)):
                    continue
                if "?" in _clause_after(body, m.end()):
                    continue
            if rule == "statement" and _PARTIAL.match(body[m.end():]):
                continue
            val = _normalise(m.group(1), numbers)
            if val:
                found.append((m.start(), val, rule))
    lines = [ln for ln in body.strip().splitlines() if ln.strip()]
    if lines:
        first = _bare_letter(lines[0], numbers)
        if first:
            found.append((body.find(lines[0].strip()), first, "letter"))
    if _BARE_TIE.fullmatch(body.strip()):
        found.append((0, "tie", "tie"))
    if not found:
        return TextReading("invalid", None)
    found.sort(key=lambda f: f[0])
    pos, val, rule = found[-1]
    strong = [f for f in found if f[2] in _STRONG_RULES]
    if strong and rule not in _STRONG_RULES:
        s_pos, s_val, s_rule = strong[-1]
        later = {f[1] for f in found if f[0] > s_pos}
        if later - {s_val}:
            return TextReading("invalid", None)  # a declared verdict contradicted afterwards: ambiguous
        return TextReading(s_val, s_rule)
    if not strong:
        # prose that names different letters is read by its last statement only when that one revises
        differing = [f for f in found if f[1] != val]
        if differing and not _REVISION.search(body[differing[-1][0]:pos]):
            return TextReading("invalid", None)
    return TextReading(val, rule)


def parse_verdict(text: str | None, *, numbers: bool = False) -> str:
    """Return "A", "B", "tie" or "invalid" for a judge's free-text answer (see :func:`read_verdict`)."""
    return read_verdict(text, numbers=numbers).choice
