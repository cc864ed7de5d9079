"""Superficial reflection: "Wait, let me think..." inside the cued response, or between the two.

Conditions: ``control``; ``cue_gold`` / ``cue_other`` (``cue_a`` / ``cue_b`` without a gold
label), the phrase inserted at the start, middle or end of the cued response (the trial's
``placement``); their neutral controls ``neutral_gold`` / ``neutral_other`` (``neutral_a`` /
``neutral_b``), innocuous text of the phrase's length at the same placement of the same
response; and ``between``, the phrase between the two responses under its own marker line
(``BETWEEN_MARK``), so that it never reads as an end-placed cue on Response A. Every condition
in both orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from judgekit.probes.cues import Cue, build_cue_trials, load_cues, with_target_text
from judgekit.probes.insert import insert_phrase
from judgekit.probes.neutral import neutral_text
from judgekit.types import Item, Trial

PROBE = "reflection"
#: the line that opens the ``between`` block: text under it belongs to neither response
BETWEEN_MARK = "[Between the responses]"


def reflection_trials(items: Sequence[Item], *, seed: int, repeats: int = 0, repeat_fraction: float = 0.0,
                      placements: Sequence[str] | None = None, between: bool | None = None,
                      one_placement_per_item: bool = False, cues: str | None = None) -> list[Trial]:
    spec = load_cues(PROBE, cues)
    where = tuple(placements or spec.get("placements", ["start", "middle", "end"]))
    for p in where:
        if p not in ("start", "middle", "end"):
            raise ValueError(f"reflection placement must be start, middle or end, not {p!r}")

    def make(item: Item, target: str, order: str, tmpl: dict[str, Any], state: dict[str, Any]) -> Cue:
        original = item.response_a if target == "A" else item.response_b
        placement = tmpl["_placement"]
        a, b = with_target_text(item, target, insert_phrase(original, tmpl["text"], placement))
        return Cue(text=tmpl["text"], template=tmpl["id"], placement=placement, a_text=a, b_text=b)

    def make_neutral(item: Item, target: str, order: str, tmpl: dict[str, Any], rng: Any, cue: Cue) -> Cue:
        original = item.response_a if target == "A" else item.response_b
        text = neutral_text(cue.text, tmpl, rng)
        a, b = with_target_text(item, target, insert_phrase(original, text, cue.placement))
        return Cue(text=text, template=tmpl["id"], placement=cue.placement, a_text=a, b_text=b)

    def make_between(item: Item, order: str, tmpl: dict[str, Any]) -> Cue:
        return Cue(text=tmpl["text"], template=tmpl["id"], placement="between",
                   between=f"{BETWEEN_MARK}\n{tmpl['text']}")

    use_between = spec.get("between", True) if between is None else between
    return build_cue_trials(items, probe=PROBE, seed=seed, make_cue=make, spec=spec, repeats=repeats,
                            repeat_fraction=repeat_fraction, placements=where,
                            one_placement_per_item=one_placement_per_item,
                            untargeted=[("between", make_between)] if use_between else [], neutral=make_neutral)
