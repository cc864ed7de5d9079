"""Bring your own judgments: files of verdicts collected elsewhere, imported as judgekit runs.

``import_files(paths, fmt=None, judge_name=None, db=...)`` reads the files (the format is detected from the
content when unambiguous), groups them by judge (several files of one judge, such as the repetitions of a
Position-Bias-Analyzer run, become one run with repeats) and writes each judge as a run; see
:mod:`judgekit.imports.common`. Formats: ``pba``, ``llmbar``, ``judgebench``, ``mtbench`` (swap-order files,
:mod:`.positional`), ``alpaca_eval``, ``arena``, ``annotated_pairs``, ``table`` and ``judgekit`` (judgekit's own
verdict export) (:mod:`.preference`).
"""

from __future__ import annotations

from typing import Any

#: the import formats, in the order the command line lists them (one reader each in :mod:`.files`)
FORMATS = ("pba", "llmbar", "judgebench", "mtbench", "alpaca_eval", "arena", "annotated_pairs", "table", "judgekit")

__all__ = ["FORMATS", "ImportResult", "ImportedRun", "Judgment", "detect_format", "import_files", "read_files",
           "write_run"]


def __getattr__(name: str) -> Any:
    # Loaded on first use, so that building the command line (which lists FORMATS) imports no pandas.
    if name in __all__:
        from judgekit.imports import files

        return getattr(files, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
