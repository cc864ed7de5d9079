"""Strict option-letter reading from free text (the ``mcq`` protocol): only explicit forms count.

The provenance rules are those of the pairwise reader (:mod:`judgekit.judges.parse`), over the
letters of the ``n`` options of the request. Forms, each named by the rule recorded with the verdict
(``parse_rule`` ``mcq:text:<form>``):

``json``       a JSON object whose ``answer``/``choice``/``verdict``/... field is exactly a letter.
``tag``        ``<answer>C</answer>``, ``[[C]]``, ``\\boxed{C}``.
``label``      "Answer: C", "The correct answer is (C).", "Final answer - C", "Correct option: C"; the
               letter must end the statement (punctuation, a line end, ")" or "because"), so
               "Answer: A good question" is not one.
``statement``  "Option C is correct", "C is the correct answer", "I choose C", "I pick option (C)";
               not when the clause is negated or conditional ("C is not correct", "if C is correct").
``letter``     a reply, or its first line, that is only a letter (``C``, ``(C)``, ``**C**``, ``C.``),
               or a letter followed by the text of that very option ("C. Paris").

Reasoning blocks are removed first (an unclosed one: nothing after it counts); markdown emphasis is
ignored. The *last* explicit answer wins; a ``json``/``tag``/``label`` answer followed by a different
letter is a contradiction and reads as ``invalid``, and prose naming different letters is read by its
last statement only when that one revises ("actually", "so", "therefore"...). A letter beyond the
``n`` options (an "E" among four) is ``invalid``. Anything else is ``invalid``: a parse failure, never
scored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from judgekit.judges.parse import (
    _MARKDOWN,
    _NEGATED,
    _REVISION,
    _STRONG_RULES,
    TextReading,
    _clause_before,
    json_answers,
    strip_reasoning,
)
from judgekit.types import OPTION_LETTERS

_JSON_KEYS = ("answer", "choice", "option", "verdict", "final_answer", "correct_option", "correct_answer",
              "selection", "result", "decision")
_STRONG = _STRONG_RULES  # the explicit forms, as for verdicts
_L = r"([A-Z])"
_END = r"(?=\s*(?:$|[.,;!)\]'\"’”。，！:]|\s(?:because|since|as|—|–|-|\()|\n))(?!\s*(?:or|and|/|vs\.?)\s)(?!/)"
_LABEL_WORDS = (r"(?:(?:the\s+)?(?:final\s+|correct\s+|right\s+|best\s+|my\s+)?(?:answer|option|choice|verdict|"
                r"selection|pick|decision|respuesta(?:\s+final)?|réponse|antwort|答案|选项))")
_SEP = r"\s*(?:(?:is|es|est|ist|would\s+be|must\s+be)\s*:?|[:=\-–—：])\s*"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("tag", re.compile(r"<answer>\s*(?:option\s*)?[\(\[]?\s*([A-Za-z])\s*[\)\]]?\s*</answer>", re.I)),
    ("tag", re.compile(r"\[\[\s*([A-Z])\s*\]\]")),
    ("tag", re.compile(r"\\boxed\{\s*(?:\\text\{)?\s*([A-Z])\s*\}?\s*\}")),
    ("label", re.compile(r"(?<![\w])" + _LABEL_WORDS + _SEP + r"(?:option\s*)?[\(\[]?\s*" + _L + r"\s*[\)\]]?" + _END,
                         re.I)),
    ("statement", re.compile(r"\b(?:option|answer|choice)\s*[\(\[]?\s*" + _L + r"\s*[\)\]]?\s+(?:is|seems|appears)\s+"
                             r"(?:to\s+be\s+)?(?:the\s+)?(?:correct|right|true)\b", re.I)),
    ("statement", re.compile(r"(?<![\w'’/])[\(\[]?" + _L + r"[\)\]]?\s+is\s+(?:the\s+)?(?:correct|right)"
                             r"(?:\s+(?:answer|option|choice))?\b")),
    ("statement", re.compile(r"\b(?:I|we)\s+(?:would\s+|will\s+)?(?:choose|pick|select|go\s+with|answer)\s+"
                             r"(?:option\s+|answer\s+)?[\(\[]?" + _L + r"[\)\]]?" + _END, re.I)),
]
_BARE = re.compile(r"\W*(?:option\s*)?[\(\[]?\s*([A-Za-z])\s*[\)\]]?[.!]?\W*", re.I)
_LEADING = re.compile(r"\s*[\(\[]?([A-Z])\s*[\)\].:]\s+(\S.*)$")


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _from_json(body: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for pos, value in json_answers(body, _JSON_KEYS, lambda v: isinstance(v, str)):
        v = value.strip().strip("()[]. ")
        v = re.sub(r"^option\s*", "", v, flags=re.I).strip("()[]. ")
        if len(v) == 1 and v.isalpha():
            found.append((pos, v.upper()))
    return found


def _first_line(line: str, options: Sequence[str]) -> str | None:
    """The letter of a first line that is only a letter, or a letter followed by that option's text."""
    m = _BARE.fullmatch(line.strip())
    if m:
        return m.group(1).upper()
    m = _LEADING.match(line)
    if m and m.group(1) in OPTION_LETTERS[:len(options)]:
        shown = _norm(options[OPTION_LETTERS.index(m.group(1))])
        said = _norm(m.group(2)).rstrip(".")
        if shown and said and (said.startswith(shown[:40].rstrip(".")) or shown.startswith(said)):
            return m.group(1)
    return None


def read_option(text: str | None, n: int, options: Sequence[str] = ()) -> TextReading:
    """Read an answer to an ``n``-option question: ``TextReading(letter or "invalid", form)``.

    ``options`` (the presented option texts) let a first line such as "C. Paris" count as the letter C."""
    if not text or not text.strip() or n < 1:
        return TextReading("invalid", None)
    body = _MARKDOWN.sub("", strip_reasoning(text))
    if not body.strip():
        return TextReading("invalid", None)
    found: list[tuple[int, str, str]] = [(pos, val, "json") for pos, val in _from_json(body)]
    for rule, pat in _PATTERNS:
        for m in pat.finditer(body):
            if rule == "statement" and (_NEGATED.search(_clause_before(body, m.start()))
                                        or _NEGATED.search(m.group(0))):
                continue
            found.append((m.start(), m.group(1).upper(), rule))
    lines = [ln for ln in body.strip().splitlines() if ln.strip()]
    if lines:
        letter = _first_line(lines[0], options)
        if letter:
            found.append((body.find(lines[0].strip()), letter, "letter"))
    if not found:
        return TextReading("invalid", None)
    found.sort(key=lambda f: f[0])
    pos, val, rule = found[-1]
    strong = [f for f in found if f[2] in _STRONG]
    if strong and rule not in _STRONG:
        s_pos, s_val, s_rule = strong[-1]
        if {f[1] for f in found if f[0] > s_pos} - {s_val}:
            return TextReading("invalid", None)  # a declared answer contradicted afterwards
        pos, val, rule = s_pos, s_val, s_rule
    elif strong:
        later_other = [f for f in strong if f[1] != val]
        if later_other and not _REVISION.search(body[later_other[-1][0]:pos]):
            return TextReading("invalid", None)
    else:
        differing = [f for f in found if f[1] != val]
        if differing and not _REVISION.search(body[differing[-1][0]:pos]):
            return TextReading("invalid", None)
    if val not in OPTION_LETTERS[:n]:
        return TextReading("invalid", None)  # a letter the question does not have
    return TextReading(val, rule)
