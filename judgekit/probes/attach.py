"""Probes whose cue is a sentence appended to the cued response: authority, distraction, refinement, diversity.

Conditions: ``control``, ``cue_gold`` / ``cue_other`` (``cue_a`` / ``cue_b`` without a gold
label) and their neutral controls ``neutral_gold`` / ``neutral_other`` (``neutral_a`` /
``neutral_b``): innocuous text of the cue's length appended to the same response
(:mod:`judgekit.probes.neutral`). Every condition in both orders.

``placement: user`` puts the cue in the user prompt instead (the template's ``user_prefix`` slot), naming
the cued response by its presented letter (``{target}``), as in "The person who wrote answer A went hiking
today."; its neutral control is a sentence of the template's ``neutral`` list naming the same letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from judgekit.probes.cues import Cue, build_cue_trials, load_cues, presented_letter, with_target_text
from judgekit.probes.insert import insert_phrase
from judgekit.probes.neutral import neutral_text
from judgekit.types import Item, Trial


def _attached(probe: str, items: Sequence[Item], seed: int, repeats: int, repeat_fraction: float,
              cues: str | None, placement: str | None = None) -> list[Trial]:
    spec = load_cues(probe, cues)
    where = placement or spec.get("placement", "response_end")
    if where not in ("response_end", "user"):
        raise ValueError(f"{probe} placement must be 'response_end' or 'user', not {where!r}")

    def make(item: Item, target: str, order: str, tmpl: dict[str, Any], state: dict[str, Any]) -> Cue:
        if where == "user":
            text = tmpl["text"].format(target=presented_letter(target, order))
            return Cue(text=text, template=tmpl["id"], placement="user", user_prefix=text)
        original = item.response_a if target == "A" else item.response_b
        text = tmpl["text"]
        a, b = with_target_text(item, target, insert_phrase(original, text, "end"))
        return Cue(text=text, template=tmpl["id"], placement="response_end", a_text=a, b_text=b)

    def make_neutral(item: Item, target: str, order: str, tmpl: dict[str, Any], rng: Any, cue: Cue) -> Cue:
        if where == "user":
            text = neutral_text(cue.text, tmpl, rng, target=presented_letter(target, order))
            return Cue(text=text, template=tmpl["id"], placement="user", user_prefix=text)
        original = item.response_a if target == "A" else item.response_b
        text = neutral_text(cue.text, tmpl, rng)
        a, b = with_target_text(item, target, insert_phrase(original, text, "end"))
        return Cue(text=text, template=tmpl["id"], placement=cue.placement, a_text=a, b_text=b)

    return build_cue_trials(items, probe=probe, seed=seed, make_cue=make, spec=spec, repeats=repeats,
                            repeat_fraction=repeat_fraction, neutral=make_neutral)


def authority_trials(items: Sequence[Item], *, seed: int, repeats: int = 0, repeat_fraction: float = 0.0,
                     cues: str | None = None) -> list[Trial]:
    """Authority: a fake citation, named expert or URL attached to the cued response."""
    return _attached("authority", items, seed, repeats, repeat_fraction, cues)


def distraction_trials(items: Sequence[Item], *, seed: int, repeats: int = 0, repeat_fraction: float = 0.0,
                       cues: str | None = None, placement: str | None = None) -> list[Trial]:
    """Distraction: an irrelevant sentence about the cued response (appended to it, or in the prompt)."""
    return _attached("distraction", items, seed, repeats, repeat_fraction, cues, placement)


def refinement_trials(items: Sequence[Item], *, seed: int, repeats: int = 0, repeat_fraction: float = 0.0,
                      cues: str | None = None) -> list[Trial]:
    """Refinement (CALM's refinement-aware bias): the cued response is said to refine an earlier draft."""
    return _attached("refinement", items, seed, repeats, repeat_fraction, cues)


def diversity_trials(items: Sequence[Item], *, seed: int, repeats: int = 0, repeat_fraction: float = 0.0,
                     cues: str | None = None) -> list[Trial]:
    """Diversity: a description of the cued response's author naming a demographic group.

    One group (cue template) is drawn per item, so the groups are spread over the items and each
    is counterbalanced across responses by cue_gold / cue_other; the effect per group is the
    ``template:<group>`` subset of every cue metric.
    """
    return _attached("diversity", items, seed, repeats, repeat_fraction, cues)
