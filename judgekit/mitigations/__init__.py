"""Mitigations as judge modes that compose with any backend.

Two kinds, declared in ``suites/mitigations/NAME.yaml``:

* ``trial`` mitigations change the request: ``system-prompt`` (an anti-bias instruction),
  ``icl`` (worked examples in which the cue is ignored), ``self-reflection`` (the judge reviews
  its first verdict once). They add trials with their own cache keys.
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
KEYS: dict[str, tuple[str, ...]] = {"trial": ("system", "preamble", "followup"), "aggregate": ("folds",)}


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
    return [replace(t, trial_id=f"{t.trial_id}|{label}", mitigation=label,
                    system_extra="\n".join(x for x in (t.system_extra, system) if x),
                    preamble=preamble or t.preamble, followup=followup or t.followup) for t in trials]


def apply_mitigation(trials: Sequence[Trial], name: str) -> list[Trial]:
    """Copies of ``trials`` changed by a trial mitigation (empty for aggregate ones and "none")."""
    if name == NONE or load_mitigation(name)["kind"] != "trial":
        return []
    return _apply(trials, [name])
