"""Self-contained HTML reports: one run (:func:`judgekit.report.build.build_report`), several judges
(:func:`judgekit.report.build.build_comparison`).

:func:`judgekit.report.html.render_report` is the older DataFrame-in renderer of a single run, kept
for callers that already hold the verdicts in memory; new code should use ``build_report``, which
reads aggregates from the store and scales to millions of verdicts.

This file imports nothing: the bias card and ``compare`` read :mod:`judgekit.report.queries`, and
the report embeds both, so re-exporting the builders here would make every import of the queries
import the builders too (an import cycle).
"""

from __future__ import annotations
