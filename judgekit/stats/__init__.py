"""Statistics for judgekit's bias suites: work on pandas DataFrames of verdicts.

Names are imported on first use, so that the light modules (:mod:`judgekit.stats.design`,
read by the store's SQL generator) do not pull in scipy and statsmodels.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Version of the statistics: bump it whenever a stored estimate, interval or p-value can change.
#: Stored metrics are reused for a cached rerun only when it and the judgekit version match.
STATS_VERSION = "4"

_EXPORTS = {
    "add_adjusted_p": "judgekit.stats.model",
    "benjamini_hochberg": "judgekit.stats.model",
    "bias_model": "judgekit.stats.model",
    "cluster_bootstrap": "judgekit.stats.intervals",
    "cue_metrics": "judgekit.stats.cues",
    "exact_mcnemar": "judgekit.stats.intervals",
    "length_preference": "judgekit.stats.length",
    "paired_diff_ci": "judgekit.stats.intervals",
    "position_metrics": "judgekit.stats.position",
    "ratio_bootstrap": "judgekit.stats.intervals",
    "wilson": "judgekit.stats.intervals",
}

__all__ = ["STATS_VERSION", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'judgekit.stats' has no attribute {name!r}")
