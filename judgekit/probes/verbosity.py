"""Verbosity: the cued response is lengthened without adding information.

Padding is template based (no model needed): the response's own first sentence restated
with filler, generic filler sentences, or a repetitive list of its own sentences. The
``irrelevant_*`` conditions add the same length of clearly irrelevant text instead, which
separates "longer" from "something was added".

Conditions: ``control``, ``cue_gold`` / ``cue_other`` (``cue_a`` / ``cue_b`` without a gold
label) and ``irrelevant_gold`` / ``irrelevant_other`` (``irrelevant_a`` / ``irrelevant_b``).
The irrelevant conditions are this probe's neutral controls: :mod:`judgekit.stats.net` reads
them as the other probes' ``neutral_*`` conditions. Every condition in both orders.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from judgekit.probes.cues import Cue, build_cue_trials, load_cues, with_target_text
from judgekit.probes.insert import insert_phrase
from judgekit.types import Item, Trial

PROBE = "verbosity"
_SENT = re.compile(r"(?<=[.!?。！？])\s+")


def _sentences(text: str) -> list[str]:
    parts = [s.strip() for s in _SENT.split(text.replace("\n", " ")) if s.strip()]
    return parts or [text.strip()]


def _fill(pool: Sequence[str], target_len: int, rng: random.Random, start: str = "") -> str:
    out, order = [start] if start else [], list(pool)
    rng.shuffle(order)
    i = 0
    while len(" ".join(out)) < target_len:
        out.append(order[i % len(order)])
        i += 1
    return " ".join(out)


def padding(original: str, style: str, spec: dict[str, Any], tmpl: dict[str, Any], rng: random.Random) -> str:
    target_len = max(int(spec.get("min_chars", 160)), int(spec.get("length_factor", 1.0) * len(original)))
    sentences = _sentences(original)
    if style == "restate":
        lead = rng.choice(tmpl.get("lead", ["In other words, {first}"])).format(first=sentences[0])
        return _fill(spec["filler"], target_len, rng, start=lead)
    if style == "filler":
        return _fill(spec["filler"], target_len, rng)
    if style == "list":
        lines, i = ["To summarise the key points:"], 0
        while len("\n".join(lines)) < target_len:
            lines.append(f"- {sentences[i % len(sentences)]}")
            i += 1
        return "\n".join(lines)
    raise ValueError(f"unknown verbosity style {style!r}; use restate, filler or list")


def _irrelevant(spec: dict[str, Any], length: int, rng: random.Random) -> str:
    text = _fill(spec["irrelevant"], length, rng)
    return text if len(text) <= length + 5 else text[:length].rsplit(" ", 1)[0]


def verbosity_trials(items: Sequence[Item], *, seed: int, repeats: int = 0, repeat_fraction: float = 0.0,
                     cues: str | None = None) -> list[Trial]:
    spec = load_cues(PROBE, cues)

    def _pad(item: Item, target: str, tmpl: dict[str, Any], state: dict[str, Any]) -> tuple[str, str]:
        original = item.response_a if target == "A" else item.response_b
        return original, padding(original, tmpl.get("style", tmpl["id"]), spec, tmpl, state["rng"])

    def make(item: Item, target: str, order: str, tmpl: dict[str, Any], state: dict[str, Any]) -> Cue:
        original, pad = _pad(item, target, tmpl, state)
        padded = f"{original.rstrip()}\n\n{pad}" if "\n" in pad else insert_phrase(original, pad, "end")
        a, b = with_target_text(item, target, padded)
        return Cue(text=pad, template=tmpl["id"], placement="response_end", a_text=a, b_text=b,
                   extra={"added_chars": len(pad)})

    def make_irrelevant(item: Item, target: str, order: str, tmpl: dict[str, Any], state: dict[str, Any]) -> Cue:
        original, pad = _pad(item, target, tmpl, state)
        noise = _irrelevant(spec, len(pad), random.Random(state["seed"] + 1))
        a, b = with_target_text(item, target, insert_phrase(original, noise, "end"))
        return Cue(text=noise, template=tmpl["id"], placement="response_end", a_text=a, b_text=b,
                   extra={"added_chars": len(noise), "control": "irrelevant"})

    return build_cue_trials(items, probe=PROBE, seed=seed, make_cue=make, spec=spec, repeats=repeats,
                            repeat_fraction=repeat_fraction, extra_conditions=[("irrelevant", make_irrelevant)])
