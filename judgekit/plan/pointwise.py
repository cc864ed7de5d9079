"""Trials of the ``pointwise`` protocol: every probe's pairwise trials, each response to be scored alone.

On pair items, each probe builds its trials as it does for a pairwise run; a pointwise trial is the same
trial with ``protocol="pointwise"``, judged through two score sub-requests (:mod:`judgekit.judges.pointwise`)
whose scores decide the pair verdict. So position, consistency and every cue probe apply through the
pair statistics, and the score statistics (:mod:`judgekit.stats.pointwise`) read the scores.

How cues carry over:

* text attached to a response (authority, distraction, verbosity, reflection placed in a response)
  is in that response's text, so it is in that response's scoring request and no other;
* a prompt-level cue (bandwagon's crowd opinion, in the user prompt or the system prompt) goes only
  into the scoring request of the response it targets (``cue["score_slot"]``, the presented letter of
  the target; for a neutral control, of the response it names), in the cue file's pointwise wording:
  each template's ``pointwise`` text (``{pct}`` filled as in the pairwise text) and ``pointwise_neutral``
  sentences (the neutral control, drawn once per item), which speak of "this response", never of
  "Response A". A cue template without them cannot run pointwise (a clear error names the file);
* reflection's ``between`` condition (the phrase between the two responses) has no pointwise form (no
  text lies between two responses scored alone) and is left out.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from judgekit.plan.spec import PROBES, SuiteSpec
from judgekit.probes.base import item_rng
from judgekit.probes.cues import load_cues
from judgekit.resources import suites_dir
from judgekit.types import Item, Trial, original_to_presented

#: conditions that have no pointwise form
NO_POINTWISE = ("between",)


def _cue_file(probe: str, suite: SuiteSpec) -> str:
    path = suite.probe_options.get(probe, {}).get("cues")
    return str(Path(path) if path else suites_dir() / "cues" / f"{probe}.yaml")


def _reword(trial: Trial, suite: SuiteSpec, seed: int) -> Trial:
    """``trial`` with its prompt-level cue in pointwise wording, aimed at the scoring request of one response."""
    cue = dict(trial.cue)
    target = cue.get("target") or cue.get("inserted")
    if target not in ("A", "B"):
        raise ValueError(f"trial {trial.trial_id}: prompt-level text without a target response has no pointwise form")
    path = _cue_file(trial.probe, suite)
    spec = load_cues(trial.probe, suite.probe_options.get(trial.probe, {}).get("cues"))
    tmpl = next((t for t in spec["templates"] if t["id"] == cue.get("template")), None)
    neutral = cue.get("control") == "neutral"
    key = "pointwise_neutral" if neutral else "pointwise"
    if tmpl is None or not tmpl.get(key):
        raise ValueError(f"{path}: cue template {cue.get('template')!r} has no '{key}' text; the pointwise "
                         "protocol scores each response alone and needs the cue worded for one response "
                         "(see docs/protocols.md)")
    if neutral:
        options = tmpl[key] if isinstance(tmpl[key], list) else [tmpl[key]]
        text = str(item_rng(seed, trial.item_id, trial.probe, "pointwise-neutral").choice(options))
    else:
        text = str(tmpl[key]).format(pct=cue.get("pct", ""))
    if "{" in text:
        raise ValueError(f"{path}: cue template {tmpl['id']!r}: the '{key}' text may use only {{pct}}: {text!r}")
    cue.update(text=text, score_slot=original_to_presented(target, trial.order))
    fields = {name: (text if getattr(trial, name) else "") for name in ("user_prefix", "user_suffix", "system_extra")}
    return replace(trial, cue=cue, **fields)


def pointwise_trials(suite: SuiteSpec, items: list[Item], *, seed: int, options: dict[str, Any]) -> list[Trial]:
    """Every probe's trials on the pair items of ``items`` as pointwise trials (module docstring)."""
    pairs = [it for it in items if not it.options]
    if not pairs:
        raise ValueError("the pointwise protocol scores the two responses of pair items; these items are "
                         "multiple-choice questions (use --protocol mcq)")
    trials: list[Trial] = []
    for probe in suite.probes:
        for t in PROBES[probe](pairs, seed=seed, **options, **suite.probe_options.get(probe, {})):
            if t.condition in NO_POINTWISE or t.between:
                continue
            t = replace(t, protocol="pointwise")
            if t.user_prefix or t.user_suffix or t.system_extra:
                t = _reword(t, suite, seed)
            trials.append(t)
    return trials
