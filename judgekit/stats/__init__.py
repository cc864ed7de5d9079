"""Statistics for judgekit's bias suites: work on pandas DataFrames of verdicts."""

from judgekit.stats.intervals import (
    cluster_bootstrap,
    exact_mcnemar,
    paired_diff_ci,
    ratio_bootstrap,
    wilson,
)
from judgekit.stats.position import position_metrics

__all__ = [
    "cluster_bootstrap",
    "exact_mcnemar",
    "paired_diff_ci",
    "position_metrics",
    "ratio_bootstrap",
    "wilson",
]
