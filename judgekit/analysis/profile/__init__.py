"""PROFILE: which factors drive human and judge preferences, and where the two part.

Entry point: :func:`judgekit.analysis.profile.run.run_profile`; see ``docs/profile.md``.
"""

from judgekit.analysis.profile.factors import FACTORS, Factor, measure, measure_all
from judgekit.analysis.profile.influence import factor_influence, influence_table

__all__ = ["FACTORS", "Factor", "factor_influence", "influence_table", "measure", "measure_all"]
