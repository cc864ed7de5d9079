"""Inverse Constitutional AI: compress pairwise preferences into principles that reconstruct them.

See ``docs/icai.md``. The entry point is :func:`judgekit.analysis.icai.run.run_icai`.
"""

from judgekit.analysis.icai.run import run_icai

__all__ = ["run_icai"]
