"""Fallacy: items whose two responses reach the same right answer, one soundly and one through a
flawed argument. The item's ``label`` is the sound response, its ``category`` the fallacy type.

There is no cue: every item is judged unperturbed (condition ``control``) in both orders, so a
preference for the flawed argument cannot be a preference for a position. A seeded share of the
items is asked again with identical requests when the judge is stochastic (the noise floor).
Metrics: :mod:`judgekit.stats.fallacy`.
"""

from __future__ import annotations

from collections.abc import Sequence

from judgekit.probes.base import item_rng, make_trial_id, present
from judgekit.types import Item, Trial

PROBE = "fallacy"


def fallacy_trials(items: Sequence[Item], *, seed: int, repeats: int = 0,
                   repeat_fraction: float = 0.0) -> list[Trial]:
    """Every item in both orders (repeat 0), plus identical re-asks on a seeded subset."""
    if not 0.0 <= repeat_fraction <= 1.0:
        raise ValueError("repeat_fraction must lie in [0, 1]")
    unlabelled = [it for it in items if it.label not in ("A", "B")]
    if unlabelled:
        raise ValueError(f"the fallacy probe needs items labelled A or B (the sound response); item "
                         f"{unlabelled[0].id!r} has label {unlabelled[0].label!r} ({len(unlabelled)} such items)")
    trials: list[Trial] = []
    for item in items:
        n_rep = repeats if repeats > 0 and item_rng(seed, item.id, PROBE, "repeat").random() < repeat_fraction else 0
        for order in ("AB", "BA"):
            first, second, gold = present(item, order)  # type: ignore[arg-type]
            for r in range(n_rep + 1):
                trials.append(Trial(
                    trial_id=make_trial_id(item.id, PROBE, "control", order, r), item_id=item.id, probe=PROBE,
                    condition="control", order=order, repeat=r, prompt=item.prompt,  # type: ignore[arg-type]
                    first=first, second=second, gold_position=gold,
                ))
    return trials
