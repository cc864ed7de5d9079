"""Self-contained HTML reports for one run (DataFrames in, one HTML file out)."""

from judgekit.report.html import render_report

__all__ = ["render_report"]
