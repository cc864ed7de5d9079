"""Neutral insertions: text of a cue's length, in the cue's place, with none of its content.

A cue that adds text changes two things at once: what the judge reads (the cue's content) and
how long the cued response or prompt is. The neutral condition of a probe inserts text of the
same length (within the bank's ``tolerance``) in the same place and the same response, with no
cue content, so that the two can be told apart (:mod:`judgekit.stats.net`).

Where the text comes from, first match wins:

* the cue template's own ``neutral`` list (one entry drawn per item; bandwagon uses this to name
  the same response without endorsing it);
* a combination of one to three sentences from ``suites/cues/neutral.yaml`` (innocuous
  statements, never a cue of any probe) whose joined length is closest to the cue's, drawn per
  item among the combinations within the tolerance.
"""

from __future__ import annotations

import itertools
import random
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from judgekit.resources import suites_dir

NEUTRAL = "neutral"
#: the condition name prefix of the neutral controls (``neutral_gold`` / ``neutral_other``, or
#: ``neutral_a`` / ``neutral_b`` on items without a gold label)
NEUTRAL_PREFIX = "neutral_"


@lru_cache(maxsize=8)
def load_bank(path: str | None = None) -> tuple[tuple[str, ...], int]:
    """(sentences, tolerance in characters) of a neutral bank (``suites/cues/neutral.yaml`` by default)."""
    file = Path(path) if path else suites_dir() / "cues" / "neutral.yaml"
    spec = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    sentences = spec.get("sentences") or []
    if not sentences or not all(isinstance(s, str) and s.strip() for s in sentences):
        raise ValueError(f"{file}: 'sentences' must be a non-empty list of non-empty strings")
    tolerance = spec.get("tolerance", 3)
    if not isinstance(tolerance, int) or tolerance < 0:
        raise ValueError(f"{file}: 'tolerance' must be a non-negative integer, not {tolerance!r}")
    return tuple(s.strip() for s in sentences), tolerance


@lru_cache(maxsize=256)
def _combinations(length: int, bank: tuple[str, ...], tolerance: int) -> tuple[str, ...]:
    """Joined sequences of 1-3 distinct bank sentences within ``tolerance`` characters of ``length``,
    with the fewest sentences that reach it (empty when none does)."""
    for k in (1, 2, 3):
        pool = itertools.permutations(bank, k) if k < 3 else itertools.combinations(bank, k)
        within = tuple(t for t in (" ".join(combo) for combo in pool) if abs(len(t) - length) <= tolerance)
        if within:
            return within
    return ()


def neutral_text(cue_text: str, template: dict[str, Any], rng: random.Random, *, target: str = "",
                 bank_path: str | None = None) -> str:
    """The neutral insertion matched to ``cue_text``: drawn with ``rng`` (one per item).

    ``target`` fills ``{target}`` in a template's own neutral sentences (the presented letter
    the cue names). Raises ``ValueError`` when no text of the cue's length can be built.
    """
    own = template.get("neutral")
    if own:
        if isinstance(own, str):
            own = [own]
        return str(rng.choice(list(own))).format(target=target)
    bank, tolerance = load_bank(bank_path)
    options = _combinations(len(cue_text), bank, tolerance)
    if not options:
        raise ValueError(f"cue template {template.get('id')!r}: no neutral text within {tolerance} characters of "
                         f"its length ({len(cue_text)}) can be built from the neutral bank; give the template "
                         f"its own 'neutral' list")
    return rng.choice(sorted(options))
