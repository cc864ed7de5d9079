"""Declarative suite definitions (``suites/NAME.yaml``): which probes, which data, which defaults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from judgekit.probes.position import position_trials
from judgekit.resources import suites_dir
from judgekit.types import Item, Trial

ProbeFn = Callable[..., list[Trial]]
StatsFn = Callable[..., pd.DataFrame]


def _position_stats(df: pd.DataFrame, **kw: Any) -> pd.DataFrame:
    from judgekit.stats.position import position_metrics

    return position_metrics(df, **kw)


PROBES: dict[str, tuple[ProbeFn, StatsFn]] = {
    "position": (position_trials, _position_stats),
}


def available_suites() -> list[str]:
    return sorted(p.stem for p in suites_dir().glob("*.yaml"))


def load_suite(name_or_path: str) -> dict[str, Any]:
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = suites_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ValueError(f"unknown suite {name_or_path!r}; available: {', '.join(available_suites())}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = [p for p in spec.get("probes", []) if p not in PROBES]
    if unknown or not spec.get("probes"):
        raise ValueError(f"{path}: unknown or missing probes {unknown}; known: {', '.join(PROBES)}")
    spec.setdefault("name", path.stem)
    spec.setdefault("data", "facts")
    spec.setdefault("template", "pairwise")
    spec.setdefault("defaults", {})
    return spec


def build_trials(suite: dict[str, Any], items: list[Item], *, seed: int, options: dict[str, Any]) -> list[Trial]:
    trials: list[Trial] = []
    for probe in suite["probes"]:
        fn, _ = PROBES[probe]
        trials.extend(fn(items, seed=seed, **options))
    return trials


def compute_metrics(suite: dict[str, Any], verdicts: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    frames = []
    for probe in suite["probes"]:
        _, stats = PROBES[probe]
        df = verdicts[verdicts["probe"] == probe]
        m = stats(df, seed=seed)
        m.insert(0, "probe", probe)
        frames.append(m)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
