"""Step 3: test every principle on every pair, all principles of a pair in one request.

Each pair is asked twice, once in each order. A request answers per principle "A", "B",
"both" or "not applicable". The two orders are then combined into one vote per pair, in
terms of the original responses:

* both orders pick the same response            -> ``a`` or ``b`` (a decisive vote)
* the orders pick different responses           -> ``inconsistent`` (position decided it)
* both orders say "both"                        -> ``both``
* anything else ("not applicable", mixed)       -> ``na``
* either order could not be read                -> ``invalid``: not a vote, left out of n

Only decisive votes count as agreeing or disagreeing with the label.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from judgekit.analysis.icai.prompts import Messages, render_messages
from judgekit.engine.completions import complete
from judgekit.judges.base import Judge
from judgekit.judges.parse import strip_reasoning
from judgekit.store.db import Store
from judgekit.types import Item

VOTE_COLUMNS = ("item_id", "principle_id", "vote_ab", "vote_ba", "vote")
COUNT_COLUMNS = ("principle_id", "n", "agree", "disagree", "both", "na", "inconsistent", "invalid")

_A = {"a", "response a", "a is better", "first", "response 1", "1"}
_B = {"b", "response b", "b is better", "second", "response 2", "2"}
_BOTH = {"both", "tie", "equal", "equally", "both equally", "same"}
_NA = {"not applicable", "n a", "na", "neither", "none", "not relevant", "irrelevant", "does not apply", "no"}
_LINE = re.compile(r"^\s*[\"']?(?:principle\s*|p)?(\d+)[\"']?\s*[.:)=\-–]+\s*(.+?)\s*,?\s*$", re.IGNORECASE)


def normalise_answer(value: object) -> str:
    """"A", "B", "both", "na", or "invalid" for an answer that cannot be read."""
    text = " ".join(re.sub(r"[^\w\s]", " ", str(value).casefold()).split())
    text = re.sub(r"^(?:response|answer|option|output)\s+(?=[ab]\b)", "response ", text)
    if text in _A:
        return "A"
    if text in _B:
        return "B"
    if text in _BOTH:
        return "both"
    if text in _NA or text.startswith(("not applicable", "n a ", "neither")):
        return "na"
    return "invalid"


def _index(key: object) -> int | None:
    m = re.search(r"(\d+)", str(key))
    return int(m.group(1)) if m else None


def parse_votes(text: str | None, n: int) -> list[str]:
    """Per-principle answers (numbered 1..n in the prompt) from a vote reply; missing ones are "invalid"."""
    out = ["invalid"] * n
    if not text:
        return out
    body = strip_reasoning(text)
    found: dict[int, str] = {}
    for m in re.finditer(r"\{[^{}]*\}", body, re.DOTALL):
        try:
            obj = json.loads(m.group(0))
        except (json.JSONDecodeError, ValueError):
            continue
        if isinstance(obj, dict):
            for k, v in obj.items():
                i = _index(k)
                if i is not None:
                    found[i] = normalise_answer(v)
    if not found:
        for line in body.splitlines():
            m = _LINE.match(line)
            if m:
                found[int(m.group(1))] = normalise_answer(m.group(2).strip("\"' "))
    for i, v in found.items():
        if 1 <= i <= n:
            out[i - 1] = v
    return out


def combine_orders(ab: str, ba: str) -> str:
    """One vote in original terms from the answers in order AB and order BA (see module doc)."""
    if ab == "invalid" or ba == "invalid":
        return "invalid"
    first = {"A": "a", "B": "b"}.get(ab, ab)
    second = {"A": "b", "B": "a"}.get(ba, ba)
    if first in ("a", "b") and second in ("a", "b"):
        return first if first == second else "inconsistent"
    if first == "both" and second == "both":
        return "both"
    return "na"


def vote_prompt(item: Item, principles: Sequence[str], order: str) -> Messages:
    first, second = (item.response_a, item.response_b) if order == "AB" else (item.response_b, item.response_a)
    return render_messages("vote", question=item.prompt, first=first, second=second, principles=list(principles))


def _batches(ids: Sequence[str], size: int) -> list[list[int]]:
    size = max(1, size or len(ids))
    return [list(range(s, min(s + size, len(ids)))) for s in range(0, len(ids), size)]


def collect_votes(store: Store, judge: Judge, items: Sequence[Item], principles: dict[str, str], *,
                  batch_size: int = 32, task: str = "icai-vote", progress: bool = False
                  ) -> tuple[pd.DataFrame, dict[str, int]]:
    """Votes of every principle on every item; one row per (item, principle)."""
    ids = list(principles)
    batches = _batches(ids, batch_size)
    prompts: list[Messages] = []
    index: list[tuple[int, int, str]] = []
    for i, it in enumerate(items):
        for b, batch in enumerate(batches):
            for order in ("AB", "BA"):
                prompts.append(vote_prompt(it, [principles[ids[j]] for j in batch], order))
                index.append((i, b, order))
    results = complete(store, judge, prompts, task=task, progress=progress)
    answers: dict[tuple[int, str, str], str] = {}
    for (i, b, order), res in zip(index, results, strict=True):
        parsed = parse_votes(res.text, len(batches[b]))
        for j, ans in zip(batches[b], parsed, strict=True):
            answers[(i, ids[j], order)] = ans
    rows = []
    for i, it in enumerate(items):
        for pid in ids:
            ab, ba = answers[(i, pid, "AB")], answers[(i, pid, "BA")]
            rows.append((it.id, pid, ab, ba, combine_orders(ab, ba)))
    stats = {"requests": len(results), "sent": sum(not r.cached for r in results),
             "unparsed": sum(a == "invalid" for a in answers.values())}
    return pd.DataFrame(rows, columns=list(VOTE_COLUMNS)), stats


def vote_counts(votes: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Per-principle counts. n counts every readable vote; agree/disagree only decisive ones."""
    rows = []
    for pid, g in votes.groupby("principle_id", sort=False):
        truth = g["item_id"].map(lambda i: labels[i].lower())
        v = g["vote"]
        rows.append((pid, int((v != "invalid").sum()), int((v == truth).sum()),
                     int(v.isin(["a", "b"]).sum() - (v == truth).sum()), int((v == "both").sum()),
                     int((v == "na").sum()), int((v == "inconsistent").sum()), int((v == "invalid").sum())))
    return pd.DataFrame(rows, columns=list(COUNT_COLUMNS))


def vote_matrix(votes: pd.DataFrame, item_ids: Sequence[str], principle_ids: Sequence[str]) -> np.ndarray:
    """+1 where a principle picks response_a, -1 for response_b, 0 otherwise (items x principles)."""
    wide = votes.pivot(index="item_id", columns="principle_id", values="vote")
    wide = wide.reindex(index=list(item_ids), columns=list(principle_ids))
    return np.where(wide.to_numpy() == "a", 1, np.where(wide.to_numpy() == "b", -1, 0)).astype(float)


def valid_mask(votes: pd.DataFrame, item_ids: Sequence[str], principle_ids: Sequence[str]) -> np.ndarray:
    """True where the vote could be read (not ``invalid``), items x principles."""
    wide = votes.pivot(index="item_id", columns="principle_id", values="vote")
    wide = wide.reindex(index=list(item_ids), columns=list(principle_ids))
    return (wide.to_numpy() != "invalid") & wide.notna().to_numpy()
