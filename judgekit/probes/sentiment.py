"""Sentiment: the cued response in a more positive, or the other response in a more negative, tone.

Conditions (:mod:`judgekit.probes.cues`): ``control``; ``cue_gold`` / ``cue_other`` (``cue_a`` /
``cue_b`` without a gold label), each at two *tones*, recorded as the trial's ``placement``:

* ``positive``: the response the cue favours (its ``target``) is rewritten in a warmer tone;
* ``negative``: the *other* response is rewritten in a colder tone, which favours the target.

So ``target`` is always the response the tone change favours, and ``bias_effect`` "all" pools
both tones as "the shift toward the response the tone favours"; ``placement:positive`` and
``placement:negative`` split them. The cue record also names the ``tone`` and the response
``rewritten`` (original letters). Every condition in both orders.

The neutral controls ``neutral_<side>`` rewrite the same response as the cued trial of that
side and tone, without a tone: innocuous sentences of the tone phrases' lengths in their places
(offline rewrite), or the rewriter's neutral-tone rewrite (``--rewriter``). Their side is the
target, as for every cue probe, so ``cue_net_effect`` compares a tone with no tone on the same
rewritten response.

Rewrites, per response:

* offline (the default): the tone phrases of one template per item (``suites/cues/sentiment.yaml``)
  before and after the response; the ``template`` recorded is the template's id;
* ``rewriter``: the model rewrites of :mod:`judgekit.plan.generate`, passed in as ``rewrites``
  (item id -> original letter -> tone -> text). A response whose three rewrites did not all pass
  :func:`check_rewrite` is absent there and gets the offline rewrite, recorded as template
  ``fallback:<id>``; model rewrites are recorded as template ``rewriter``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from judgekit.probes.cues import Cue, build_cue_trials, load_cues, with_target_text
from judgekit.probes.neutral import neutral_text
from judgekit.types import Item, Trial

PROBE = "sentiment"
TONES = ("positive", "negative")
#: the template name of a model rewrite, and the prefix of an offline rewrite standing in for a failed one
REWRITER, FALLBACK = "rewriter", "fallback:"
_OTHER = {"A": "B", "B": "A"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")

Rewrites = Mapping[str, Mapping[str, Mapping[str, str]]]


def rewritten_letter(target: str, tone: str) -> str:
    """The original letter of the response whose tone changes: the target (positive) or the other one."""
    return target if tone == "positive" else _OTHER[target]


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _names(text: str) -> set[str]:
    """Capitalised words that do not open a sentence or a line: a rough list of named entities."""
    return {m.group(0) for line in text.splitlines() for m in _NAME.finditer(line.strip())}


def check_rewrite(original: str, rewritten: str, *, min_ratio: float = 0.6, max_ratio: float = 2.0,
                  slack: int = 160) -> str | None:
    """None when ``rewritten`` keeps the facts of ``original``, else the reason it does not.

    Kept means: every number of the original is in the rewrite and the rewrite has no other number;
    every name (a capitalised word inside a sentence) of the original is in the rewrite; its length
    is between ``min_ratio`` and ``max_ratio`` times the original's, widened by ``slack`` characters
    on both sides (a short answer gains a sentence of tone).
    """
    text = (rewritten or "").strip()
    if not text:
        return "empty rewrite"
    n = len(original.strip())
    if not min_ratio * n - slack <= len(text) <= max_ratio * n + slack:
        return (f"length {len(text)} characters for an original of {n} (allowed {min_ratio:g}-{max_ratio:g} "
                f"times, +-{slack})")
    before, after = _numbers(original), _numbers(text)
    if before - after:
        return f"numbers dropped: {', '.join(sorted(before - after))}"
    if after - before:
        return f"numbers added: {', '.join(sorted(after - before))}"
    lost = {n for n in _names(original) if n not in text}
    if lost:
        return f"names dropped: {', '.join(sorted(lost))}"
    return None


def template_rewrite(text: str, phrases: Mapping[str, str]) -> str:
    """``text`` between a start and an end phrase (either may be empty)."""
    return " ".join(x for x in (phrases.get("start", ""), text.strip(), phrases.get("end", "")) if x)


def sentiment_trials(items: Sequence[Item], *, seed: int, repeats: int = 0, repeat_fraction: float = 0.0,
                     cues: str | None = None, rewriter: str | None = None,
                     rewrites: Rewrites | None = None) -> list[Trial]:
    """Sentiment trials; ``rewriter`` (a judge spec) needs its ``rewrites`` (see the module docstring)."""
    spec = load_cues(PROBE, cues)
    for t in spec["templates"]:
        for tone in TONES:
            if not isinstance(t.get(tone), dict):
                raise ValueError(f"sentiment cue template {t['id']!r}: needs a '{tone}' mapping with start/end")
    if rewriter and rewrites is None:
        raise ValueError("the sentiment probe with a rewriter needs its rewrites; judgekit eval generates them "
                         "(judgekit.plan.generate.sentiment_rewrites)")
    made = rewrites or {}

    def original(item: Item, letter: str) -> str:
        return item.response_a if letter == "A" else item.response_b

    def model_text(item: Item, letter: str, tone: str) -> str | None:
        return (made.get(item.id) or {}).get(letter, {}).get(tone) if rewriter else None

    def make(item: Item, target: str, order: str, tmpl: dict[str, Any], state: dict[str, Any]) -> Cue:
        tone = tmpl["_placement"]
        letter = rewritten_letter(target, tone)
        text = model_text(item, letter, tone)
        if text is not None:
            name, cue_text = REWRITER, f"{tone} rewrite by {rewriter}"
        else:
            name = f"{FALLBACK}{tmpl['id']}" if rewriter else tmpl["id"]
            cue_text = " … ".join(x for x in (tmpl[tone].get("start", ""), tmpl[tone].get("end", "")) if x)
            text = template_rewrite(original(item, letter), tmpl[tone])
        a, b = with_target_text(item, letter, text)
        return Cue(text=cue_text, template=name, placement=tone, a_text=a, b_text=b,
                   extra={"tone": tone, "rewritten": letter})

    def make_neutral(item: Item, target: str, order: str, tmpl: dict[str, Any], rng: random.Random,
                     cue: Cue) -> Cue:
        tone = cue.placement
        letter = rewritten_letter(target, tone)
        text = model_text(item, letter, "neutral") if cue.template == REWRITER else None
        if text is not None:
            cue_text = f"neutral rewrite by {rewriter}"
        else:
            plain = {"id": tmpl["id"]}  # match the lengths from the neutral bank, never a template's own list
            phrases = {k: neutral_text(v, plain, rng) for k, v in tmpl[tone].items() if k in ("start", "end") and v}
            cue_text = " … ".join(phrases.get(k, "") for k in ("start", "end") if phrases.get(k))
            text = template_rewrite(original(item, letter), phrases)
        a, b = with_target_text(item, letter, text)
        return Cue(text=cue_text, template=cue.template, placement=tone, a_text=a, b_text=b,
                   extra={"tone": "neutral", "rewritten": letter})

    return build_cue_trials(items, probe=PROBE, seed=seed, make_cue=make, spec=spec, repeats=repeats,
                            repeat_fraction=repeat_fraction, placements=TONES, neutral=make_neutral)
