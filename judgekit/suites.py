"""The metrics of a suite's run. Suite files are read and validated by :mod:`judgekit.plan`."""

from __future__ import annotations

import json

import pandas as pd

from judgekit.plan.spec import CUE_PROBES, PROBES, SuiteSpec, available_suites, load_suite
from judgekit.plan.trials import build_trials

__all__ = ["CUE_PROBES", "PROBES", "SuiteSpec", "available_suites", "build_trials", "compute_metrics", "expand_cues",
           "load_suite"]


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


def compute_metrics(suite: SuiteSpec, verdicts: pd.DataFrame, *, seed: int = 0,
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
    from judgekit.stats.mcq import is_mcq, mcq_metrics

    if is_mcq(everything):  # multiple-choice verdicts: the mcq metrics (judgekit/stats/mcq.py) instead
        frames.append(mcq_metrics(df, [p for p in suite.probes if p in set(df["probe"])], seed=seed))
        out = pd.concat(frames, ignore_index=True)
        if not out.empty:
            from judgekit.stats.model import add_adjusted_p

            out = add_adjusted_p(out)
        return out
    cue_probes = [p for p in suite.probes if p in CUE_PROBES]
    if "position" in suite.probes:
        m = position_metrics(df[df["probe"] == "position"], seed=seed)
        m.insert(0, "probe", "position")
        frames.append(m)
    if cue_probes:
        frames.extend(_cue_frames(df, cue_probes, seed))
    if mitigations and len(mitigations) > 1:
        from judgekit.stats.mitigation import mitigation_metrics

        frames.append(mitigation_metrics(everything, mitigations, list(suite.probes), seed=seed))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not out.empty:
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
