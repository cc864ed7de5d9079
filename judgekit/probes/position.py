"""Position probe: every pair in both orders, plus identical repeats for the noise floor."""

from __future__ import annotations

from collections.abc import Sequence

from judgekit.probes.base import item_rng, make_trial_id, present
from judgekit.types import Item, Trial

PROBE = "position"


def position_trials(items: Sequence[Item], *, seed: int, repeats: int = 0,
                    repeat_fraction: float = 0.0, orders: Sequence[str] = ("AB", "BA")) -> list[Trial]:
    """Trials for the position suite.

    Each item is shown in order AB and BA (repeat 0). When ``repeats`` > 0, a
    seeded subset of ``repeat_fraction`` of the items is asked ``repeats`` more
    times in both orders with identical requests, which measures how much the
    judge disagrees with itself (the noise floor against which position effects
    are read).
    """
    if not 0.0 <= repeat_fraction <= 1.0:
        raise ValueError("repeat_fraction must lie in [0, 1]")
    trials: list[Trial] = []
    for item in items:
        n_rep = 0
        if repeats > 0 and item_rng(seed, item.id, PROBE, "repeat").random() < repeat_fraction:
            n_rep = repeats
        for order in orders:
            first, second, gold = present(item, order)  # type: ignore[arg-type]
            for r in range(n_rep + 1):
                trials.append(Trial(
                    trial_id=make_trial_id(item.id, PROBE, "control", order, r),
                    item_id=item.id, probe=PROBE, condition="control", order=order,  # type: ignore[arg-type]
                    repeat=r, prompt=item.prompt, first=first, second=second, gold_position=gold,
                ))
    return trials
