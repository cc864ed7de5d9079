"""Step 1: ask a model for candidate principles that explain each (preferred, rejected) pair."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from judgekit.analysis.icai.prompts import Messages, render_messages
from judgekit.engine.completions import complete
from judgekit.judges.base import Judge
from judgekit.judges.parse import strip_reasoning
from judgekit.store.db import Store
from judgekit.types import Item

PREFIX = "Select the response that"
_PREFIX_RE = re.compile(r"^\s*(?:[-*•]|\d+[.):]|principle\s*\d*[.:)]?)?\s*[\"'“]?\s*(select the (?:response|answer|"
                        r"output) (?:that|which)\b.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Proposal:
    item_id: str
    text: str


def preferred_rejected(item: Item) -> tuple[str, str]:
    """(preferred text, rejected text) of an item labelled A or B."""
    if item.label == "A":
        return item.response_a, item.response_b
    if item.label == "B":
        return item.response_b, item.response_a
    raise ValueError(f"item {item.id!r} has no A/B label")


def propose_prompt(item: Item, n: int) -> Messages:
    preferred, rejected = preferred_rejected(item)
    return render_messages("propose", question=item.prompt, preferred=preferred, rejected=rejected, n=n)


def clean_principle(text: str) -> str | None:
    """Normalise one principle: one line, starts with "Select the response that", ends with a full stop."""
    m = _PREFIX_RE.match(" ".join(str(text).split()))
    if not m:
        return None
    body = m.group(1).strip().strip("\"'”“ ").rstrip(",;")
    rest = re.sub(r"^select the (?:response|answer|output) (?:that|which)\s*", "", body, flags=re.IGNORECASE)
    if len(rest.split()) < 2:
        return None
    if not rest.endswith((".", "!", "?")):
        rest += "."
    return f"{PREFIX} {rest}"


def parse_principles(text: str | None, limit: int | None = None) -> list[str]:
    """Principles in a proposal: a JSON list of strings, or lines that start with "Select the response that"."""
    if not text:
        return []
    body = strip_reasoning(text)
    candidates: list[str] = []
    for m in re.finditer(r"\[[^\[\]]*\]", body, re.DOTALL):
        try:
            obj = json.loads(m.group(0))
        except (json.JSONDecodeError, ValueError):
            continue
        if isinstance(obj, list):
            candidates.extend(str(x) for x in obj if isinstance(x, str))
    if not candidates:
        candidates = body.splitlines()
    out: list[str] = []
    for c in candidates:
        p = clean_principle(c)
        if p and p not in out:
            out.append(p)
    return out[:limit] if limit else out


def proposal_items(train: Sequence[Item], max_pairs: int | None, seed: int) -> list[Item]:
    """The training pairs that get a proposal request: all of them, or a seeded sample in order."""
    if max_pairs is None or len(train) <= max_pairs:
        return list(train)
    keep = set(random.Random(f"{seed}|icai-propose").sample(range(len(train)), max_pairs))
    return [it for i, it in enumerate(train) if i in keep]


def propose(store: Store, judge: Judge, items: Sequence[Item], *, n: int = 3,
            progress: bool = False) -> tuple[list[Proposal], dict[str, int]]:
    """Ask for ``n`` principles per pair; returns the proposals and request counts."""
    prompts = [propose_prompt(it, n) for it in items]
    results = complete(store, judge, prompts, task="icai-propose", progress=progress)
    proposals: list[Proposal] = []
    failed = 0
    for it, res in zip(items, results, strict=True):
        found = parse_principles(res.text, limit=n)
        failed += not found
        proposals.extend(Proposal(it.id, p) for p in found)
    sent = sum(not r.cached for r in results)
    return proposals, {"requests": len(results), "sent": sent, "unparsed": failed}
