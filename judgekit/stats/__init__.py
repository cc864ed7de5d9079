"""Statistics for judgekit's bias suites: work on pandas DataFrames of verdicts."""

from judgekit.stats.cues import cue_metrics
from judgekit.stats.intervals import (
    cluster_bootstrap,
    exact_mcnemar,
    paired_diff_ci,
    ratio_bootstrap,
    wilson,
)
from judgekit.stats.length import length_preference
from judgekit.stats.model import add_adjusted_p, benjamini_hochberg, bias_model
from judgekit.stats.position import position_metrics

__all__ = [
    "add_adjusted_p",
    "benjamini_hochberg",
    "bias_model",
    "cluster_bootstrap",
    "cue_metrics",
    "exact_mcnemar",
    "length_preference",
    "paired_diff_ci",
    "position_metrics",
    "ratio_bootstrap",
    "wilson",
]
