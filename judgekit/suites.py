"""Declarative suite definitions (``suites/NAME.yaml``): which probes, which data, which defaults."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from judgekit.probes.attach import authority_trials, distraction_trials
from judgekit.probes.bandwagon import bandwagon_trials
from judgekit.probes.position import position_trials
from judgekit.probes.reflection import reflection_trials
from judgekit.probes.verbosity import verbosity_trials
from judgekit.resources import suite_names, suites_dir
from judgekit.types import Item, Trial

ProbeFn = Callable[..., list[Trial]]

PROBES: dict[str, ProbeFn] = {
    "position": position_trials,
    "bandwagon": bandwagon_trials,
    "authority": authority_trials,
    "verbosity": verbosity_trials,
    "distraction": distraction_trials,
    "reflection": reflection_trials,
}
CUE_PROBES = ("bandwagon", "authority", "verbosity", "distraction", "reflection")


def available_suites() -> list[str]:
    return suite_names()


def load_suite(name_or_path: str, probes: list[str] | None = None) -> dict[str, Any]:
    """Load a suite; ``probes`` narrows it to some of its probes (``--probes a,b``)."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = suites_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ValueError(f"unknown suite {name_or_path!r}; available: {', '.join(available_suites())}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = [p for p in spec.get("probes", []) if p not in PROBES]
    if unknown or not spec.get("probes"):
        raise ValueError(f"{path}: unknown or missing probes {unknown}; known: {', '.join(PROBES)}")
    if probes:
        bad = [p for p in probes if p not in spec["probes"]]
        if bad:
            raise ValueError(f"suite {path.stem!r} has no probe {', '.join(bad)}; it has {', '.join(spec['probes'])}")
        spec["probes"] = [p for p in spec["probes"] if p in probes]
    spec.setdefault("name", path.stem)
    spec.setdefault("data", "facts")
    spec.setdefault("template", "pairwise")
    spec.setdefault("defaults", {})
    spec.setdefault("probe_options", {})
    return spec


def build_trials(suite: dict[str, Any], items: list[Item], *, seed: int, options: dict[str, Any]) -> list[Trial]:
    trials: list[Trial] = []
    for probe in suite["probes"]:
        extra = suite["probe_options"].get(probe, {}) or {}
        trials.extend(PROBES[probe](items, seed=seed, **options, **extra))
    return trials


def expand_cues(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Add ``cue_target``, ``template`` and ``placement`` columns from the trials' cue JSON."""
    df = verdicts.copy()
    if "cue_target" in df and "cue" not in df:  # already expanded (Store.metrics_frame)
        return df
    parsed = [json.loads(c) if isinstance(c, str) and c else {} for c in df.get("cue", pd.Series(dtype=str))]
    df["cue_target"] = [c.get("target") for c in parsed]
    df["template"] = [c.get("template") for c in parsed]
    df["placement"] = [c.get("placement") for c in parsed]
    return df


def compute_metrics(suite: dict[str, Any], verdicts: pd.DataFrame, *, seed: int = 0,
                    mitigations: list[str] | None = None) -> pd.DataFrame:
    """Every metric of every probe in the suite, as one long table.

    Bias metrics use the unmitigated verdicts; with ``mitigations`` beyond "none", rows
    ``mitigation_*`` compare each mitigation with no mitigation on the same items.
    """
    from judgekit.stats.position import position_metrics

    everything = expand_cues(verdicts)
    if "mitigation" not in everything:
        everything["mitigation"] = "none"
    df = everything[everything["mitigation"].fillna("none") == "none"]
    frames = []
    cue_probes = [p for p in suite["probes"] if p in CUE_PROBES]
    if "position" in suite["probes"]:
        m = position_metrics(df[df["probe"] == "position"], seed=seed)
        m.insert(0, "probe", "position")
        frames.append(m)
    if cue_probes:
        frames.extend(_cue_frames(df, cue_probes, seed))
    if mitigations and len(mitigations) > 1:
        from judgekit.stats.mitigation import mitigation_metrics

        frames.append(mitigation_metrics(everything, mitigations, list(suite["probes"]), seed=seed))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if cue_probes and not out.empty:
        from judgekit.stats.model import add_adjusted_p

        out = add_adjusted_p(out)
    return out


def _cue_frames(df: pd.DataFrame, cue_probes: list[str], seed: int) -> list[pd.DataFrame]:
    from judgekit.stats.cues import cue_metrics
    from judgekit.stats.length import length_preference
    from judgekit.stats.model import bias_model

    frames = []
    for probe in cue_probes:
        sub = df[df["probe"] == probe]
        parts = [cue_metrics(sub, seed=seed)] + ([length_preference(sub)] if probe == "verbosity" else [])
        for m in parts:
            m.insert(0, "probe", probe)
            frames.append(m)
    if len(cue_probes) >= 2:
        m = bias_model(df[df["probe"].isin(cue_probes)])
        m.insert(0, "probe", "all")
        frames.append(m)
    return frames
