"""Insert a phrase into a response at its start, middle or end without breaking its structure.

Code blocks are never split, list items stay whole, and texts without spaces
(Chinese, Japanese) or with several paragraphs are handled.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*(```|~~~)", re.M)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"')\]]?\s+|(?<=[。！？])")


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Character spans covered by fenced code blocks (an unclosed fence runs to the end)."""
    spans = []
    starts = [m.start() for m in _FENCE.finditer(text)]
    for i in range(0, len(starts), 2):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        line_end = text.find("\n", end)
        spans.append((starts[i], len(text) if line_end < 0 else line_end))
    return spans


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < pos < b for a, b in spans)


def _boundaries(text: str) -> list[tuple[int, str]]:
    """Candidate insertion points: (index, kind). Paragraph breaks first, then line and sentence ends."""
    spans = _code_spans(text)
    points: list[tuple[int, str]] = []
    for m in re.finditer(r"\n\s*\n", text):
        points.append((m.start(), "paragraph"))
    for m in re.finditer(r"\n", text):
        points.append((m.start(), "line"))
    for m in _SENTENCE_END.finditer(text):
        points.append((m.start(), "sentence"))
    return [(p, k) for p, k in points if 0 < p < len(text.rstrip()) and not _inside(p, spans)]


def insert_phrase(text: str, phrase: str, where: str) -> str:
    """Return ``text`` with ``phrase`` inserted at ``where`` ("start", "middle" or "end")."""
    if where == "start":
        first_line = text.lstrip().split("\n", 1)[0]
        if _FENCE.match(first_line) or first_line.lstrip().startswith(("-", "*", "#", "1.", "|")):
            return f"{phrase}\n\n{text}"
        return f"{phrase} {text}"
    if where == "end":
        stripped = text.rstrip()
        if "\n" in stripped:
            return f"{stripped}\n\n{phrase}"
        return f"{stripped} {phrase}"
    if where != "middle":
        raise ValueError(f"unknown placement {where!r}; use start, middle or end")
    points = _boundaries(text)
    if not points:
        # A single sentence: insert at the word boundary nearest the middle (or the middle character).
        mid = len(text) // 2
        spaces = [m.start() for m in re.finditer(r" ", text)]
        if spaces:
            cut = min(spaces, key=lambda s: abs(s - mid))
            return f"{text[:cut]} {phrase}{text[cut:]}"
        if text.isascii():
            return f"{text.rstrip()} {phrase}"  # one word: never split it
        return f"{text[:mid]}{phrase}{text[mid:]}"  # scripts written without spaces
    mid = len(text) / 2
    rank = {"paragraph": 0, "line": 1, "sentence": 2}
    pos, kind = min(points, key=lambda pk: (abs(pk[0] - mid) / max(len(text), 1) > 0.25, rank[pk[1]],
                                            abs(pk[0] - mid)))
    before, after = text[:pos].rstrip(), text[pos:].lstrip(" ")
    if kind == "paragraph":
        return f"{before}\n\n{phrase}\n\n{after.lstrip()}"
    if kind == "line":
        return f"{before}\n{phrase}{after}" if after.startswith("\n") else f"{before}\n{phrase}\n{after}"
    return f"{before} {phrase} {after.lstrip()}"
