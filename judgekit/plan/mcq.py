"""Trials of the ``mcq`` protocol: the judge picks the correct option of a multiple-choice question.

Letters: a trial shows the item's options in an *arrangement* (``Trial.option_order``: the original
index shown at each presented slot; ``Trial.order`` spells it in original letters, "CABD"). The
judge answers with a presented letter; :func:`judgekit.types.trial_verdict` maps it back.

``position``: every item three ways: ``gold_first`` (the gold option moved to slot A, the others in
their original relative order), ``gold_last`` (moved to the last slot) and ``shuffle`` (a seeded
permutation). With repeats, a seeded ``repeat_fraction`` of the items is asked ``repeats`` more
times in every condition with identical requests (the noise floor).

Cue probes (``bandwagon``, ``authority``, ``distraction``, ``reflection``): per item, a seeded wrong
option and two arrangements, a seeded shuffle and the same shuffle with the gold and the wrong option
trading slots, so the option a cue names sits in the same slots whether it is the gold or the wrong
one. In each arrangement: ``control`` (no cue), ``cue_gold`` / ``cue_wrong`` (the cue names the gold /
the wrong option) and their neutral controls ``neutral_gold`` / ``neutral_wrong`` (text of about the
cue's length in the cue's place naming nothing). Cue texts come from ``suites/cues/mcq/PROBE.yaml``
or the file given as the probe's ``cues`` option; ``placement`` is ``user`` (the paragraph before the
question), ``system`` or ``option`` (appended to the cued option). Placeholders: ``{letter}`` (the
presented letter of the cued option), ``{pct}``, ``{subject}`` (the item's category).

The pairwise layout options of a suite (``orders``, ``placements``, ``between``,
``one_placement_per_item``) have no meaning here and are not used. ``verbosity`` (a longer response)
has no multiple-choice form: a suite written for mcq that names it is refused, naming it; a pairwise
suite run with ``--protocol mcq`` (``bias``) runs its other probes and logs the one left out.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from typing import Any

from judgekit.plan.spec import SuiteSpec
from judgekit.probes.base import item_rng, make_trial_id
from judgekit.probes.cues import load_cues
from judgekit.probes.neutral import NEUTRAL, NEUTRAL_PREFIX, neutral_text
from judgekit.resources import suites_dir
from judgekit.types import OPTION_LETTERS, Item, Trial

log = logging.getLogger("judgekit")

PROTOCOL = "mcq"
POSITION_CONDITIONS = ("gold_first", "gold_last", "shuffle")
CUE_PROBES = ("bandwagon", "authority", "distraction", "reflection")
MCQ_PROBES = ("position", *CUE_PROBES)
PLACEMENTS = ("user", "system", "option")
#: what each mcq probe reads from the suite's ``probe_options`` (the rest are pairwise layout options)
_USED_OPTIONS = {"position": (), **{p: ("cues", "placement") for p in CUE_PROBES}}


def arrangement(option_order: Sequence[int]) -> str:
    """The arrangement in original letters ("CABD": slot A shows original option C)."""
    return "".join(OPTION_LETTERS[i] for i in option_order)


def _trial(item: Item, probe: str, condition: str, order: tuple[int, ...], repeat: int, *,
           cue: dict[str, Any] | None = None, option_text: dict[int, str] | None = None,
           user_prefix: str = "", system_extra: str = "") -> Trial:
    """One mcq trial; ``option_text`` replaces the text of original options (a cue appended to one)."""
    texts = {**dict(enumerate(item.options)), **(option_text or {})}
    gold = OPTION_LETTERS[list(order).index(OPTION_LETTERS.index(item.label))] if item.label else None
    arr = arrangement(order)
    return Trial(trial_id=make_trial_id(item.id, probe, condition, arr, repeat), item_id=item.id, probe=probe,
                 condition=condition, order=arr, repeat=repeat, prompt=item.prompt,  # type: ignore[arg-type]
                 first="", second="", gold_position=gold, cue=cue or {}, user_prefix=user_prefix,
                 system_extra=system_extra, protocol=PROTOCOL, options=tuple(texts[i] for i in order),
                 option_order=order)


def _repeats(item: Item, probe: str, seed: int, repeats: int, repeat_fraction: float) -> int:
    if not 0.0 <= repeat_fraction <= 1.0:
        raise ValueError("repeat_fraction must lie in [0, 1]")
    chosen = repeats > 0 and item_rng(seed, item.id, probe, "repeat").random() < repeat_fraction
    return repeats if chosen else 0


def _shuffled(n: int, rng: random.Random) -> tuple[int, ...]:
    order = list(range(n))
    rng.shuffle(order)
    return tuple(order)


def position_trials(items: Sequence[Item], *, seed: int, repeats: int = 0,
                    repeat_fraction: float = 0.0) -> list[Trial]:
    """gold_first, gold_last and a seeded shuffle of every item (module docstring)."""
    trials: list[Trial] = []
    for item in items:
        g = OPTION_LETTERS.index(str(item.label))
        rest = tuple(i for i in range(len(item.options)) if i != g)
        orders = {"gold_first": (g, *rest), "gold_last": (*rest, g),
                  "shuffle": _shuffled(len(item.options), item_rng(seed, item.id, "position", "shuffle"))}
        for r in range(_repeats(item, "position", seed, repeats, repeat_fraction) + 1):
            for condition in POSITION_CONDITIONS:
                trials.append(_trial(item, "position", condition, orders[condition], r))
    return trials


def _fill(text: str, *, letter: str, pct: Any, item: Item) -> str:
    return text.format(letter=letter, pct=pct, subject=item.category or "general", target=letter)


def cue_trials(items: Sequence[Item], *, probe: str, seed: int, repeats: int = 0, repeat_fraction: float = 0.0,
               cues: str | None = None, placement: str | None = None) -> list[Trial]:
    """control, cue_gold, cue_wrong, neutral_gold and neutral_wrong in two arrangements per item."""
    spec = load_cues(probe, cues or str(suites_dir() / "cues" / "mcq" / f"{probe}.yaml"))
    where = placement or spec.get("placement", "user")
    if where not in PLACEMENTS:
        raise ValueError(f"{probe} (mcq) placement must be one of {', '.join(PLACEMENTS)}, not {where!r}")
    pcts = spec.get("pct", [80])
    trials: list[Trial] = []
    for item in items:
        n, g = len(item.options), OPTION_LETTERS.index(str(item.label))
        rng = item_rng(seed, item.id, probe, PROTOCOL)
        template = rng.choice(spec["templates"])
        pct = rng.choice(pcts)
        wrong = rng.choice([i for i in range(n) if i != g])
        first = list(_shuffled(n, rng))
        second = list(first)
        a, b = second.index(g), second.index(wrong)
        second[a], second[b] = second[b], second[a]
        neutral_seed = item_rng(seed, item.id, probe, PROTOCOL, NEUTRAL).random()
        n_rep = _repeats(item, probe, seed, repeats, repeat_fraction)
        for order in (tuple(first), tuple(second)):
            for r in range(n_rep + 1):
                trials.append(_trial(item, probe, "control", order, r))
            for suffix, target in (("gold", g), ("wrong", wrong)):
                letter = OPTION_LETTERS[order.index(target)]
                text = _fill(template["text"], letter=letter, pct=pct, item=item)
                own = template.get("neutral")
                ntmpl = {**template, "neutral": [_fill(t, letter=letter, pct=pct, item=item)
                                                 for t in ([own] if isinstance(own, str) else own)]} if own \
                    else {k: v for k, v in template.items() if k != "neutral"}
                ntext = neutral_text(text, ntmpl, random.Random(neutral_seed))
                base = {"template": template["id"], "placement": where, "slot": letter, "pct": pct}
                for condition, body, info in (
                        (f"cue_{suffix}", text, {"target": OPTION_LETTERS[target]}),
                        (f"{NEUTRAL_PREFIX}{suffix}", ntext,
                         {"target": None, "inserted": OPTION_LETTERS[target], "control": NEUTRAL})):
                    kw: dict[str, Any] = {}
                    if where == "user":
                        kw["user_prefix"] = body
                    elif where == "system":
                        kw["system_extra"] = body
                    else:
                        kw["option_text"] = {target: f"{item.options[target]} {body}"}
                    trials.append(_trial(item, probe, condition, order, 0, cue={**info, **base, "text": body},
                                         **kw))
    return trials


def mcq_trials(suite: SuiteSpec, items: list[Item], *, seed: int, options: dict[str, Any]) -> list[Trial]:
    """Every probe's trials of ``suite`` on multiple-choice ``items``; ``options`` are the repeat settings."""
    bad = [p for p in suite.probes if p not in MCQ_PROBES]
    probes = [p for p in suite.probes if p in MCQ_PROBES]
    if bad and (suite.protocol == PROTOCOL or not probes):
        raise ValueError(f"probe {', '.join(bad)} does not apply to the mcq protocol (a multiple-choice question "
                         f"has no response to lengthen); mcq probes: {', '.join(MCQ_PROBES)}")
    if bad:  # a pairwise suite run with --protocol mcq: its probes that have an mcq form run
        log.warning("suite %s under --protocol mcq: probe %s does not apply to multiple-choice questions and is "
                    "left out", suite.name, ", ".join(bad))
    plain = [it.id for it in items if not it.options]
    if plain:
        raise ValueError(f"the mcq protocol needs multiple-choice items (question, options, answer); "
                         f"{len(plain)} item(s) have no options, e.g. {plain[0]!r}")
    unlabelled = [it.id for it in items if it.label is None]
    if unlabelled:
        raise ValueError(f"mcq items need a gold option; item {unlabelled[0]!r} has none")
    trials: list[Trial] = []
    for probe in probes:
        opts = {k: v for k, v in suite.probe_options.get(probe, {}).items() if k in _USED_OPTIONS[probe]}
        if probe == "position":
            trials += position_trials(items, seed=seed, **options)
        else:
            if opts.get("placement") is not None and opts["placement"] not in PLACEMENTS:
                opts.pop("placement")  # a pairwise placement (response_end...): the mcq cue file's own applies
            trials += cue_trials(items, probe=probe, seed=seed, **options, **opts)
    return trials
