"""Mitigations as judge modes that compose with any backend.

Two kinds, declared in ``suites/mitigations/NAME.yaml``:

* ``trial`` mitigations change the request: ``system-prompt`` (an anti-bias instruction),
  ``icl`` (worked examples in which the cue is ignored), ``self-reflection`` (the judge reviews
  its first verdict once). They add trials with their own cache keys.
* the ``cot`` *judge mode* is a trial mitigation too: the same trials, with the closing request for
  a verdict replaced by one that asks for reasoning first (``instruction``); the strict verdict
  reader reads the final verdict after the reasoning. A file marks itself a judge mode with
  ``judge_mode: true``, and the report and console name it so (:func:`is_judge_mode`).
* ``aggregate`` mitigations combine verdicts the suite already asks for in both orders:
  ``swap`` (aggregate the two orders) and ``calibrate`` (remove the position prior). They cost
  no extra requests in an evaluation (the design already judges both orders); in production
  they double the requests.

A mitigation file holds ``name``, ``kind`` and the keys of its kind (:data:`KEYS`); any other key
is an error naming the file and the key. Settings written there are the ones used
(:func:`mitigation_option`), e.g. ``folds`` of ``calibrate.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from judgekit.resources import suites_dir
from judgekit.types import Trial

NONE = "none"
#: the keys a mitigation file may hold besides ``name`` and ``kind``, per kind
KEYS: dict[str, tuple[str, ...]] = {"trial": ("system", "preamble", "followup", "instruction", "judge_mode",
                                              "min_answer_tokens"), "aggregate": ("folds",)}


def available() -> list[str]:
    return sorted(p.stem for p in (suites_dir() / "mitigations").glob("*.yaml"))


@lru_cache(maxsize=16)
def load_mitigation(name: str) -> dict[str, Any]:
    path = Path(name) if name.endswith((".yaml", ".yml")) else suites_dir() / "mitigations" / f"{name}.yaml"
    if not path.is_file():
        raise ValueError(f"unknown mitigation {name!r}; available: none, {', '.join(available())}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(spec, dict):
        raise ValueError(f"{path}: a mitigation file must be a mapping of keys")
    spec.setdefault("name", path.stem)
    kind = spec.get("kind")
    if kind not in KEYS:
        raise ValueError(f"{path}: 'kind' must be 'trial' or 'aggregate'")
    valid = ("name", "kind", *KEYS[kind])
    for key in spec:
        if key not in valid:
            raise ValueError(f"{path}: unknown key {key!r} for a {kind} mitigation (valid: {', '.join(valid)})")
    return spec


def mitigation_option(name: str, key: str, fallback: Any = None) -> Any:
    """The setting ``key`` of mitigation ``name`` as its file writes it, else ``fallback``."""
    value = load_mitigation(name).get(key)
    return fallback if value is None else value


def is_judge_mode(name: str) -> bool:
    """True when mitigation ``name`` is a judge mode (``judge_mode: true`` in its file, e.g. ``cot``)."""
    return name != NONE and bool(load_mitigation(name).get("judge_mode"))


def mitigation_label(name: str) -> str:
    """How the report and console name a mitigation: ``judge mode cot`` for a judge mode, else its name
    (also for a name that is no mitigation file, such as a composed ``a+b``)."""
    try:
        return f"judge mode {name}" if is_judge_mode(name) else name
    except ValueError:
        return name


def check_generates(judge: object, names: Sequence[str]) -> None:
    """Raise ``ValueError`` when a mitigation in ``names`` asks for reasoning (``instruction``) that ``judge``
    cannot write: a local model reading next-token probabilities, or an API model allowed fewer answer tokens
    than the file's ``min_answer_tokens``."""
    for n in names:
        if n == NONE or not load_mitigation(n).get("instruction"):
            continue
        need = int(mitigation_option(n, "min_answer_tokens", 256))
        spec = getattr(judge, "spec", "the judge")
        if getattr(judge, "mode", None) == "logprobs":
            raise ValueError(f"{n}: {spec} reads next-token probabilities and cannot reason before its verdict; "
                             f"use --mode generate --max-new-tokens {2 * need}")
        for attr, flag in (("max_tokens", "--max-tokens"), ("max_new_tokens", "--max-new-tokens")):
            value = getattr(judge, attr, None)
            if getattr(judge, "mode", "generate") == "generate" and isinstance(value, int) and value < need:
                raise ValueError(f"{n}: {spec} may write only {value} tokens, too few to reason before the verdict; "
                                 f"pass {flag} {2 * need} or more")


def parse_mitigations(spec: str | Sequence[str] | None) -> list[str]:
    """``"none,swap,icl"`` -> ["none", "swap", "icl"], validated; "none" is always included first."""
    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else (spec or [])) if s.strip()]
    out = [NONE]
    for n in names:
        if n != NONE:
            load_mitigation(n)
            if n not in out:
                out.append(n)
    return out


def compose(trials: Sequence[Trial], names: Sequence[str]) -> list[Trial]:
    """Apply several trial mitigations to the same trials at once (production judging)."""
    applied = [n for n in names if n != NONE and load_mitigation(n)["kind"] == "trial"]
    return _apply(trials, applied) if applied else list(trials)


def _apply(trials: Sequence[Trial], names: Sequence[str]) -> list[Trial]:
    specs = [load_mitigation(n) for n in names]
    label = "+".join(names)
    system = "\n".join((s.get("system") or "").strip() for s in specs if s.get("system"))
    preamble = "\n\n".join((s.get("preamble") or "").strip() for s in specs if s.get("preamble"))
    followup = next(((s.get("followup") or "").strip() for s in specs if s.get("followup")), "")
    instruction = next(((s.get("instruction") or "").strip() for s in specs if s.get("instruction")), "")
    return [replace(t, trial_id=f"{t.trial_id}|{label}", mitigation=label,
                    system_extra="\n".join(x for x in (t.system_extra, system) if x),
                    preamble=preamble or t.preamble, followup=followup or t.followup,
                    instruction=instruction or t.instruction) for t in trials]


def apply_mitigation(trials: Sequence[Trial], name: str) -> list[Trial]:
    """Copies of ``trials`` changed by a trial mitigation (empty for aggregate ones and "none")."""
    if name == NONE or load_mitigation(name)["kind"] != "trial":
        return []
    return _apply(trials, [name])
