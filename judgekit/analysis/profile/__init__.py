"""PROFILE: which factors drive human and judge preferences, and where the two part.

Entry point: :func:`judgekit.analysis.profile.run.run_profile`; see ``docs/profile.md``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FACTORS", "Factor", "factor_influence", "influence_table", "measure", "measure_all"]

_HOME = {"FACTORS": "factors", "Factor": "factors", "measure": "factors", "measure_all": "factors",
         "factor_influence": "influence", "influence_table": "influence"}


def __getattr__(name: str) -> Any:
    # Imported on first use, so that the command line starts without numpy, pandas and scipy.
    if name in _HOME:
        import importlib

        return getattr(importlib.import_module(f"judgekit.analysis.profile.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
