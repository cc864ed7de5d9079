"""Self-contained HTML reports: one run (:func:`build_report`), several judges (:func:`build_comparison`).

:func:`render_report` is the older DataFrame-in renderer of a single run, kept for callers
that already hold the verdicts in memory; new code should use :func:`build_report`, which
reads aggregates from the store and scales to millions of verdicts.
"""

from judgekit.report.build import build_comparison, build_report
from judgekit.report.html import render_report

__all__ = ["build_comparison", "build_report", "render_report"]
