"""Inverse Constitutional AI: compress pairwise preferences into principles that reconstruct them.

See ``docs/icai.md``. The entry point is :func:`judgekit.analysis.icai.run.run_icai`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_icai"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that the command line starts without the analysis' dependencies.
    if name == "run_icai":
        from judgekit.analysis.icai.run import run_icai

        return run_icai
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
