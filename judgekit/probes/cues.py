"""Shared machinery of the cue probes (bandwagon, authority, verbosity, distraction, reflection).

Design, the same for every probe:

* conditions: ``control`` (unperturbed), ``cue_gold`` (the cue favours the gold response) and
  ``cue_other`` (the same cue favours the other one); items without a gold label get
  ``cue_a`` / ``cue_b`` instead;
* for probes whose cue adds text, the neutral controls ``neutral_gold`` / ``neutral_other``
  (``neutral_a`` / ``neutral_b``): for each cued trial, the same trial with the cue replaced by
  a neutral insertion of the same length in the same place (:mod:`judgekit.probes.neutral`).
  Their cue record has ``target: null`` (the text favours no response), ``inserted`` (the
  original letter of the response, or the response named, that carries it) and
  ``control: "neutral"``;
* every condition in both orders (AB, BA), with the *same* cue text on both sides: one
  paraphrase is drawn per item and used for every condition and order of that item;
* a seeded subset of control trials is repeated when the judge is stochastic (noise floor).

A probe module only says how a cue changes the texts; this module builds the trials.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from judgekit.probes.base import item_rng, make_trial_id, present
from judgekit.probes.neutral import NEUTRAL, NEUTRAL_PREFIX
from judgekit.resources import suites_dir
from judgekit.types import Item, Trial, original_to_presented

_SWAP = {"A": "B", "B": "A"}


@dataclass
class Cue:
    """How one cued condition changes an item. Texts are in ORIGINAL letters (a = response_a)."""

    text: str
    template: str
    placement: str
    a_text: str | None = None
    b_text: str | None = None
    user_prefix: str = ""
    system_extra: str = ""
    between: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


#: (item, target original letter, presented order, template, per-item rng state) -> Cue
CueFn = Callable[[Item, str, str, dict[str, Any], dict[str, Any]], Cue]
#: (item, target, presented order, template, per-item rng, the cued condition's Cue) -> neutral Cue
NeutralFn = Callable[[Item, str, str, dict[str, Any], random.Random, Cue], Cue]


@lru_cache(maxsize=32)
def _load(path: str) -> dict[str, Any]:
    spec = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not spec.get("templates"):
        raise ValueError(f"{path}: a cue file needs a non-empty 'templates' list")
    for i, t in enumerate(spec["templates"]):
        if "id" not in t:
            raise ValueError(f"{path}: template {i + 1} has no 'id'")
    return spec


def load_cues(probe: str, path: str | None = None) -> dict[str, Any]:
    """Cue templates of a probe: ``suites/cues/PROBE.yaml`` unless ``path`` names another file; a relative
    path that is no file is read from ``suites/cues/`` (``lrm-paper/bandwagon.yaml``: a bundled cue set)."""
    if not path:
        return _load(str(suites_dir() / "cues" / f"{probe}.yaml"))
    file = Path(path)
    if not file.is_absolute() and not file.is_file() and (suites_dir() / "cues" / file).is_file():
        file = suites_dir() / "cues" / file
    return _load(str(file))


def cued_conditions(item: Item) -> list[tuple[str, str]]:
    """(condition, target) pairs: toward gold and toward the other response, or toward A and B."""
    if item.label in ("A", "B"):
        return [("cue_gold", item.label), ("cue_other", _SWAP[item.label])]
    return [("cue_a", "A"), ("cue_b", "B")]


def presented_letter(target: str, order: str) -> str:
    return str(original_to_presented(target, order))


def with_target_text(item: Item, target: str, new_text: str) -> tuple[str | None, str | None]:
    return (new_text, None) if target == "A" else (None, new_text)


def _trial(item: Item, probe: str, condition: str, order: str, repeat: int, cue: Cue | None,
           target: str | None, cond_id: str | None = None) -> Trial:
    a_text = cue.a_text if cue else None
    b_text = cue.b_text if cue else None
    first, second, gold = present(item, order, a_text, b_text)  # type: ignore[arg-type]
    info: dict[str, Any] = {}
    if cue is not None:
        info = {"target": target, "template": cue.template, "placement": cue.placement, "text": cue.text,
                **cue.extra}
    return Trial(
        trial_id=make_trial_id(item.id, probe, cond_id or condition, order, repeat), item_id=item.id, probe=probe,
        condition=condition, order=order, repeat=repeat, prompt=item.prompt,  # type: ignore[arg-type]
        first=first, second=second, gold_position=gold, cue=info,
        system_extra=cue.system_extra if cue else "", user_prefix=cue.user_prefix if cue else "",
        between=cue.between if cue else "",
    )


def build_cue_trials(items: Sequence[Item], *, probe: str, seed: int, make_cue: CueFn,
                     spec: dict[str, Any], repeats: int = 0, repeat_fraction: float = 0.0,
                     placements: Sequence[str] = ("default",), one_placement_per_item: bool = False,
                     extra_conditions: Sequence[tuple[str, CueFn]] = (),
                     untargeted: Sequence[tuple[str, Callable[[Item, str, dict[str, Any]], Cue]]] = (),
                     neutral: NeutralFn | None = None) -> list[Trial]:
    """Control + cued conditions in both orders for every item, with one paraphrase per item.

    ``placements`` repeats the cued conditions once per placement (reflection: start, middle,
    end); with ``one_placement_per_item`` each item gets one seeded placement instead, used in all
    its conditions and orders (a third of the requests; placements are compared across items).
    ``extra_conditions`` are further targeted conditions (verbosity's irrelevant-text
    control) named ``NAME_gold`` / ``NAME_other``. ``untargeted`` conditions favour no response
    (reflection's phrase between the two responses). ``neutral`` builds the neutral control of
    each cued trial (``neutral_<gold|other|a|b>``, per placement like the cue); it gets an RNG
    with the same state in every call for an item, so one neutral text is drawn per item.
    """
    trials: list[Trial] = []
    for item in items:
        rng = item_rng(seed, item.id, probe)
        template = rng.choice(spec["templates"])
        state: dict[str, Any] = {"rng": random.Random(rng.random()), "seed": rng.random()}
        neutral_seed = item_rng(seed, item.id, probe, NEUTRAL).random()
        n_rep = repeats if repeats > 0 and item_rng(seed, item.id, probe, "repeat").random() < repeat_fraction \
            else 0
        for order in ("AB", "BA"):
            for r in range(n_rep + 1):
                trials.append(_trial(item, probe, "control", order, r, None, None))
        where = [item_rng(seed, item.id, probe, "placement").choice(list(placements))] \
            if one_placement_per_item else list(placements)
        for condition, target in cued_conditions(item):
            suffix = condition.split("_", 1)[1]
            for placement in where:
                for order in ("AB", "BA"):
                    tmpl = {**template, "_placement": placement}
                    state["rng"] = random.Random(state["seed"])  # same draws in every condition and order
                    cue = make_cue(item, target, order, tmpl, state)
                    cond_id = f"{condition}@{placement}" if len(where) > 1 else condition
                    trials.append(_trial(item, probe, condition, order, 0, cue, target, cond_id))
                    if neutral is not None:
                        ncue = neutral(item, target, order, tmpl, random.Random(neutral_seed), cue)
                        ncue.extra = {**ncue.extra, "inserted": target, "control": NEUTRAL}
                        name = f"{NEUTRAL_PREFIX}{suffix}"
                        nid = f"{name}@{placement}" if len(where) > 1 else name
                        trials.append(_trial(item, probe, name, order, 0, ncue, None, nid))
            for name, fn in extra_conditions:
                for order in ("AB", "BA"):
                    state["rng"] = random.Random(state["seed"])
                    cue = fn(item, target, order, template, state)
                    trials.append(_trial(item, probe, f"{name}_{suffix}", order, 0, cue, target))
        for name, ufn in untargeted:
            for order in ("AB", "BA"):
                cue = ufn(item, order, template)
                trials.append(_trial(item, probe, name, order, 0, cue, None))
    return trials
