"""Texts some probes need from a model, generated before planning through the engine's cached completions.

Probes are pure functions of their inputs and never call a model; what they need from one is made
here, once per text, with :func:`judgekit.engine.completions.complete` (cached by model identity
and messages, journaled, resumable) and handed to the probe as data:

* ``self-preference``: the judge's own answer to each item's prompt (:func:`own_answers`), with
  the judge built for generation (:data:`GENERATE`), a plain answer prompt (:data:`ANSWER_SYSTEM`);
* ``sentiment`` with a rewriter (``--rewriter MODEL``): three rewrites of every response,
  positive, negative and neutral in tone (:func:`sentiment_rewrites`), each checked by
  :func:`judgekit.probes.sentiment.check_rewrite`; a response with a failed rewrite gets the
  offline rewrite, and the failures are counted in the run's config.

:func:`prepare` runs what a suite needs and returns the probes' extra arguments, the derived
items (self-preference) and what the run's config records about the generation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from judgekit.engine.completions import complete
from judgekit.judges.base import Judge
from judgekit.plan.spec import SuiteSpec
from judgekit.probes.cues import load_cues
from judgekit.probes.self_preference import PROBE as SELF
from judgekit.probes.self_preference import self_items
from judgekit.probes.sentiment import PROBE as SENTIMENT
from judgekit.probes.sentiment import check_rewrite
from judgekit.store.db import Store
from judgekit.types import Item

#: generation settings of a judge that writes answers or rewrites (not a single letter)
GENERATE = {"mode": "generate", "max_new_tokens": 512, "max_tokens": 1024}
ANSWER_SYSTEM = "Answer the user's question correctly and helpfully."
TONES = ("positive", "negative", "neutral")
#: the first line of a dry run's stand-in for the judge's own answer
STAND_IN = "(stand-in for the judge's own answer)"


@dataclass
class Prepared:
    """What :func:`prepare` made: per probe, extra keyword arguments; derived items; config entries."""

    probe_args: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)


def answer_prompt(item: Item) -> tuple[dict[str, str], ...]:
    return ({"role": "system", "content": ANSWER_SYSTEM}, {"role": "user", "content": item.prompt})


def own_answers(store: Store, judge: Judge, items: Sequence[Item], *, progress: bool | str | None = False
                ) -> tuple[dict[str, str], dict[str, Any]]:
    """(item id -> the judge's answer, counts); items whose answer failed or came back empty are left out."""
    results = complete(store, judge, [answer_prompt(it) for it in items], task="self-preference-answer",
                       progress=progress)
    answers = {it.id: r.text.strip() for it, r in zip(items, results, strict=True) if r.text and r.text.strip()}
    return answers, {"judge": judge.spec, "n_items": len(items), "answered": len(answers),
                     "failed": len(items) - len(answers), "system": ANSWER_SYSTEM}


def rewrite_prompt(spec: dict[str, Any], text: str, tone: str) -> tuple[dict[str, str], ...]:
    rw = spec["rewrite"]
    return ({"role": "system", "content": rw["system"].strip()},
            {"role": "user", "content": f"{rw['tones'][tone].strip()}\n\n[Text]\n{text}"})


def sentiment_rewrites(store: Store, rewriter: Judge, items: Sequence[Item], *, cues: str | None = None,
                       progress: bool | str | None = False) -> tuple[dict[str, dict[str, dict[str, str]]],
                                                                      dict[str, Any]]:
    """(item id -> original letter -> tone -> rewrite, counts) for the responses whose three rewrites all
    pass the fact check; the counts give the failures and a reason for each."""
    spec = load_cues(SENTIMENT, cues)
    rw = spec["rewrite"]
    bounds = {"min_ratio": float(rw.get("min_length_ratio", 0.6)), "max_ratio": float(rw.get("max_length_ratio", 2)),
              "slack": int(rw.get("length_slack", 160))}
    jobs = [(it, letter, tone) for it in items for letter in ("A", "B") for tone in TONES]
    text = lambda it, letter: it.response_a if letter == "A" else it.response_b  # noqa: E731
    results = complete(store, rewriter, [rewrite_prompt(spec, text(it, ltr), tone) for it, ltr, tone in jobs],
                       task="sentiment-rewrite", progress=progress)
    got: dict[tuple[str, str], dict[str, str]] = {}
    failed: dict[tuple[str, str], str] = {}
    for (it, letter, tone), r in zip(jobs, results, strict=True):
        reason = "the call failed" if r.text is None else check_rewrite(text(it, letter), r.text, **bounds)
        if reason:
            failed.setdefault((it.id, letter), f"{tone}: {reason}")
        else:
            got.setdefault((it.id, letter), {})[tone] = (r.text or "").strip()
    out: dict[str, dict[str, dict[str, str]]] = {}
    for (item_id, letter), tones in got.items():
        if (item_id, letter) not in failed:
            out.setdefault(item_id, {})[letter] = tones
    n = 2 * len(items)
    info = {"rewriter": rewriter.spec, "responses": n, "rewritten": n - len(failed), "fallback": len(failed),
            "fallback_reasons": {f"{i}:{ltr}": why for (i, ltr), why in sorted(failed.items())}}
    return out, info


def prepare(suite: SuiteSpec, items: Sequence[Item], *, store: Store, judge: Judge | None = None,
            rewriter: Judge | None = None, progress: bool | str | None = False) -> Prepared:
    """Generate what the suite's probes need: ``judge`` answers for self-preference, ``rewriter`` rewrites for
    sentiment (when the suite sets one); either may be None when its probe is not in the suite."""
    out = Prepared()
    if SELF in suite.probes:
        if judge is None:
            raise ValueError("the self-preference probe needs a judge to answer the items")
        answers, info = own_answers(store, judge, items, progress=progress)
        pair_with = suite.probe_options.get(SELF, {}).get("pair_with", "gold")
        out.probe_args[SELF] = {"own_answers": answers}
        out.items = self_items(items, answers, pair_with=pair_with)
        out.config["self_preference_answers"] = {**info, "pair_with": pair_with}
    if SENTIMENT in suite.probes and suite.probe_options.get(SENTIMENT, {}).get("rewriter"):
        if rewriter is None:
            raise ValueError("the sentiment probe's rewriter was not built")
        rewrites, info = sentiment_rewrites(store, rewriter, items,
                                            cues=suite.probe_options[SENTIMENT].get("cues"), progress=progress)
        out.probe_args[SENTIMENT] = {"rewrites": rewrites}
        out.config["sentiment_rewrites"] = info
    return out


def with_rewriter(suite: SuiteSpec, rewriter: str | None) -> SuiteSpec:
    """``suite`` with the sentiment probe's ``rewriter`` set (``--rewriter MODEL``); an error when it has no
    sentiment probe. The rewriter is then part of the probe options, and so of the run's identity."""
    if not rewriter:
        return suite
    if SENTIMENT not in suite.probes:
        raise ValueError(f"--rewriter applies to the sentiment probe; suite {suite.name!r} does not run it")
    options = {**suite.probe_options, SENTIMENT: {**suite.probe_options.get(SENTIMENT, {}), "rewriter": rewriter}}
    return replace(suite, probe_options=options)


def needs_generation(suite: SuiteSpec) -> bool:
    return SELF in suite.probes or bool(suite.probe_options.get(SENTIMENT, {}).get("rewriter"))


def prepare_run(suite: SuiteSpec, items: Sequence[Item], *, judge: Judge, store: Store, seed: int = 0,
                own_judge: bool = True, judge_options: dict[str, Any] | None = None,
                rewriter_options: dict[str, Any] | None = None, progress: bool | str | None = False) -> Prepared:
    """:func:`prepare` with the generating models built from specs: the judge's answers come from the same
    judge spec with the generation settings :data:`GENERATE` (``own_judge`` False: from ``judge`` itself, a
    ready object), the rewrites from the sentiment probe's ``rewriter`` spec with ``rewriter_options``."""
    if not needs_generation(suite):
        return Prepared()
    from judgekit.judges.registry import make_judge

    opts = {k: v for k, v in (judge_options or {}).items() if v is not None}
    built: list[Judge] = []
    try:
        answerer = None
        if SELF in suite.probes:
            answerer = judge if not own_judge or judge.spec.startswith("scripted") else \
                make_judge(judge.spec, items=items, seed=seed, **{**opts, **GENERATE})
            if answerer is not judge:
                built.append(answerer)
        rewriter = None
        spec = suite.probe_options.get(SENTIMENT, {}).get("rewriter")
        if spec:
            ropts = {k: v for k, v in (rewriter_options or {}).items() if v is not None}
            rewriter = make_judge(spec, items=items, seed=seed, **{"db": opts.get("db"), **GENERATE, **ropts})
            built.append(rewriter)
        out = prepare(suite, items, store=store, judge=answerer, rewriter=rewriter, progress=progress)
        for key, who in (("self_preference_answers", answerer), ("sentiment_rewrites", rewriter)):
            if key in out.config and who is not None:
                out.config[key]["identity"] = who.identity()
        return out
    finally:
        for j in built:
            j.close()


def placeholders(suite: SuiteSpec, items: Sequence[Item]) -> Prepared:
    """Stand-ins for a dry run (nothing is generated): each item's own answer is its first response under a
    :data:`STAND_IN` line, and a sentiment rewriter's rewrites are the offline ones. The trials, and so the
    request count, are the same."""
    out = Prepared()
    if SELF in suite.probes:
        answers = {it.id: f"{STAND_IN}\n{it.response_a}" for it in items}
        out.probe_args[SELF] = {"own_answers": answers}
        out.items = self_items(items, answers, pair_with=suite.probe_options.get(SELF, {}).get("pair_with", "gold"))
    if SENTIMENT in suite.probes and suite.probe_options.get(SENTIMENT, {}).get("rewriter"):
        out.probe_args[SENTIMENT] = {"rewrites": {}}
    return out
