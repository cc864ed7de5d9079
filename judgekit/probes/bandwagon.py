"""Bandwagon: "N% of people think Response X is better", in the user prompt (or system prompt).

Conditions: ``control``, ``cue_gold`` / ``cue_other`` (``cue_a`` / ``cue_b`` without a gold
label) and their neutral controls ``neutral_gold`` / ``neutral_other`` (``neutral_a`` /
``neutral_b``): a sentence of the cue's length in the same place that names the same response
without endorsing it (the template's ``neutral`` list in ``suites/cues/bandwagon.yaml``). Every
condition in both orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from judgekit.probes.cues import Cue, build_cue_trials, load_cues, presented_letter
from judgekit.probes.neutral import neutral_text
from judgekit.types import Item, Trial

PROBE = "bandwagon"


def bandwagon_trials(items: Sequence[Item], *, seed: int, repeats: int = 0, repeat_fraction: float = 0.0,
                     placement: str | None = None, cues: str | None = None) -> list[Trial]:
    spec = load_cues(PROBE, cues)
    where = placement or spec.get("placement", "user")
    if where not in ("user", "system"):
        raise ValueError(f"bandwagon placement must be 'user' or 'system', not {where!r}")
    pcts = spec.get("pct", [80])

    def make(item: Item, target: str, order: str, tmpl: dict[str, Any], state: dict[str, Any]) -> Cue:
        pct = state["rng"].choice(pcts)
        text = tmpl["text"].format(pct=pct, target=presented_letter(target, order))
        kw = {"user_prefix": text} if where == "user" else {"system_extra": text}
        return Cue(text=text, template=tmpl["id"], placement=where, extra={"pct": pct}, **kw)

    def make_neutral(item: Item, target: str, order: str, tmpl: dict[str, Any], rng: Any, cue: Cue) -> Cue:
        if not tmpl.get("neutral"):
            raise ValueError(f"bandwagon cue template {tmpl['id']!r} needs a 'neutral' list: sentences of the "
                             f"cue's length naming Response {{target}} without endorsing it")
        text = neutral_text(cue.text, tmpl, rng, target=presented_letter(target, order))
        kw = {"user_prefix": text} if where == "user" else {"system_extra": text}
        return Cue(text=text, template=tmpl["id"], placement=where, **kw)

    return build_cue_trials(items, probe=PROBE, seed=seed, make_cue=make, spec=spec, repeats=repeats,
                            repeat_fraction=repeat_fraction, neutral=make_neutral)
