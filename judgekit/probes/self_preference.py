"""Self-preference: the judge compares its own answer with another model's answer to the same prompt.

The judge's own answer to each item's prompt is generated once, before planning, through the
engine's cached completions (:func:`judgekit.plan.generate.own_answers`). Each comparison is a
*derived item* (:func:`self_items`), so that the letters of every stored verdict mean what they
say: id ``ITEM#self-PARTNER``, ``response_a`` = the judge's own answer, ``response_b`` = the
partner response of the item, no label (which of the two is better is not known).

Partners (``pair_with``):

* ``gold`` (the default): on items with a gold label the gold-side response, the strongest
  opponent the item has; on unlabelled items response A;
* ``both``: both responses of the item, each its own derived item (partner ``gold`` / ``other``,
  or ``a`` / ``b``).

Conditions ``self_<partner>``, each in both orders (own answer shown first in ``AB``); the cue
record has ``own: "A"`` (the own answer's original letter), ``partner`` and as ``template`` whether
the own answer is right: ``own-right`` / ``own-wrong`` on fact items whose metadata carries the
checkable ``answer`` (:func:`own_answer_correct`), ``own-unknown`` elsewhere. A judge that prefers
its own answer when it is right is not showing self-preference: that is the quality confound,
which is why the rate is also reported split by it (:mod:`judgekit.stats.self_preference`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from judgekit.probes.base import make_trial_id, present
from judgekit.types import Item, Trial

PROBE = "self-preference"
SEPARATOR = "#self-"
PAIR_WITH = ("gold", "both")
OWN = "A"


def own_answer_correct(item: Item, answer: str) -> bool | None:
    """Whether ``answer`` gives the item's checkable answer (fact items with ``metadata.answer``), else None.

    The answer counts as given when it appears as a whole token (``2082`` in "it is 2,082." but not in
    "12082"), with thousands separators ignored.
    """
    gold = item.metadata.get("answer") if item.kind == "fact" else None
    if gold is None or not str(gold).strip():
        return None
    norm = lambda s: re.sub(r"(?<=\d),(?=\d{3})", "", s).lower()  # noqa: E731
    pattern = r"(?<![\w.])" + re.escape(norm(str(gold).strip())) + r"(?![\w]|\.\d)"
    return re.search(pattern, norm(answer)) is not None


def base_item_id(item_id: str) -> str:
    """The id of the item a derived self-preference item was made from (itself for any other id)."""
    return item_id.split(SEPARATOR, 1)[0]


def _partners(item: Item, pair_with: str) -> list[tuple[str, str]]:
    """(partner name, partner text) of an item."""
    if item.label in ("A", "B"):
        gold, other = (item.response_a, item.response_b) if item.label == "A" else (item.response_b, item.response_a)
        return [("gold", gold)] + ([("other", other)] if pair_with == "both" else [])
    return [("a", item.response_a)] + ([("b", item.response_b)] if pair_with == "both" else [])


def self_items(items: Sequence[Item], own: Mapping[str, str], *, pair_with: str = "gold") -> list[Item]:
    """The derived items: the judge's own answer (response A) against each partner response (B)."""
    if pair_with not in PAIR_WITH:
        raise ValueError(f"self-preference pair_with must be one of {', '.join(PAIR_WITH)}, not {pair_with!r}")
    out = []
    for it in items:
        if it.id not in own:
            continue
        right = own_answer_correct(it, own[it.id])
        for partner, text in _partners(it, pair_with):
            out.append(Item(id=f"{it.id}{SEPARATOR}{partner}", prompt=it.prompt, response_a=own[it.id],
                            response_b=text, label=None, kind=it.kind, category=it.category, source=it.source,
                            metadata={"base_item": it.id, "partner": partner, "own_correct": right}))
    return out


def self_preference_trials(items: Sequence[Item], *, seed: int, repeats: int = 0, repeat_fraction: float = 0.0,
                           pair_with: str = "gold", own_answers: Mapping[str, str] | None = None) -> list[Trial]:
    """Both orders of every derived item; ``own_answers`` (item id -> the judge's answer) is required."""
    if own_answers is None:
        raise ValueError("the self-preference probe needs the judge's own answers; judgekit eval generates them "
                         "(judgekit.plan.generate.own_answers)")
    by_id = {it.id: it for it in items}
    trials: list[Trial] = []
    for d in self_items(items, own_answers, pair_with=pair_with):
        right = d.metadata["own_correct"]
        verdict = "own-unknown" if right is None else ("own-right" if right else "own-wrong")
        condition = f"self_{d.metadata['partner']}"
        for order in ("AB", "BA"):
            first, second, _ = present(d, order)  # type: ignore[arg-type]
            trials.append(Trial(
                trial_id=make_trial_id(d.id, PROBE, condition, order, 0), item_id=d.id, probe=PROBE,
                condition=condition, order=order, repeat=0, prompt=by_id[d.metadata["base_item"]].prompt,  # type: ignore[arg-type]
                first=first, second=second, gold_position=None,
                cue={"target": None, "own": OWN, "partner": d.metadata["partner"], "template": verdict,
                     "placement": None}))
    return trials
