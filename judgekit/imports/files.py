"""Reading judgment files: format detection, one run per judge; see :mod:`judgekit.imports`."""


from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from judgekit.datasets.schema import DatasetError
from judgekit.imports import FORMATS
from judgekit.imports.common import ImportedRun, ImportResult, Judgment, write_run
from judgekit.imports.positional import import_judgebench, import_llmbar, import_mtbench, import_pba
from judgekit.imports.preference import (
    import_alpaca_eval,
    import_annotated_pairs,
    import_arena,
    import_judgekit,
    import_table,
)
from judgekit.store.db import Store

__all__ = ["FORMATS", "ImportResult", "ImportedRun", "Judgment", "detect_format", "import_files", "read_files",
           "write_run"]

Reader = Callable[[list[Path], str | None], list[ImportedRun]]
READERS: dict[str, Reader] = {
    "pba": import_pba, "llmbar": import_llmbar, "judgebench": import_judgebench, "mtbench": import_mtbench,
    "alpaca_eval": import_alpaca_eval, "arena": import_arena, "annotated_pairs": import_annotated_pairs,
    "table": import_table, "judgekit": import_judgekit,
}
if tuple(READERS) != FORMATS:  # the command line lists FORMATS without importing this module
    raise ImportError("judgekit.imports.FORMATS must name every reader, in order")


def _first_record(path: Path) -> dict[str, Any] | None:
    """The first record of a JSON / JSONL file or the header of a table (as an empty-valued record)."""
    suffix = path.suffix.lower()
    if suffix in (".tsv", ".csv"):
        with path.open(encoding="utf-8", errors="replace") as fh:
            header = fh.readline()
        sep = "\t" if suffix == ".tsv" else ","
        return {c.strip().strip('"'): "" for c in header.rstrip("\r\n").split(sep)}
    if suffix in (".parquet", ".pq"):
        cols = pd.read_parquet(path).columns
        return {str(c): "" for c in cols}
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        data = None
    if isinstance(data, dict):
        if "comparisons" in data:
            return data
        inner = data.get("annotations") or data.get("battles") or data.get("data")
        data = inner if isinstance(inner, list) else [data]
    if isinstance(data, list):
        return data[0] if data and isinstance(data[0], dict) else None
    line = next((ln for ln in text.split("\n") if ln.strip()), "")  # JSONL: the first record
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def detect_format(path: str | Path) -> str:
    """The format of ``path`` from its content; a clear error when none or several fit."""
    p = Path(path)
    if not p.is_file():
        raise DatasetError(str(path), None, None, "file not found")
    rec = _first_record(p)
    if rec is None:
        raise DatasetError(str(path), None, None, "cannot tell the format (no JSON record or table header); "
                                                  f"pass --format ({', '.join(FORMATS)})")
    keys = set(rec)
    fits = []
    if "cmp_index" in keys:
        fits.append("pba")
    if {"input", "output_1", "output_2", "results"} <= keys:
        fits.append("llmbar")
    if "judgments" in keys and {"response_A", "response_B"} <= keys:
        fits.append("judgebench")
    if {"g1_winner", "g2_winner"} <= keys:
        fits.append("mtbench")
    if {"instruction", "output_1", "output_2", "preference"} <= keys:
        fits.append("alpaca_eval")
    if "comparisons" in keys:
        fits.append("annotated_pairs")
    if {"model_a", "model_b", "winner"} <= keys:
        fits.append("arena")
    if {"trial_id", "item_id", "order", "choice", "probe"} <= keys:
        fits.append("judgekit")
    elif any(k in keys for k in ("pair_id", "item_id", "pair")) and any(k in keys for k in ("choice", "verdict")):
        fits.append("table")
    if len(fits) != 1:
        what = "no known format fits" if not fits else f"several formats fit ({', '.join(fits)})"
        raise DatasetError(str(path), None, None, f"{what}; pass --format ({', '.join(FORMATS)})")
    return fits[0]


def read_files(paths: list[str | Path], fmt: str | None = None, judge_name: str | None = None) -> list[ImportedRun]:
    """Parse the files into one :class:`ImportedRun` per judge (nothing is written)."""
    if not paths:
        raise ValueError("no files to import")
    ps = [Path(p) for p in paths]
    for p in ps:
        if not p.is_file():
            raise DatasetError(str(p), None, None, "file not found")
    if fmt is None:
        found = {str(p): detect_format(p) for p in ps}
        if len(set(found.values())) > 1:
            raise DatasetError(", ".join(found), None, None, "the files have different formats "
                               f"({', '.join(sorted(set(found.values())))}); import them separately")
        fmt = next(iter(found.values()))
    if fmt not in READERS:
        raise ValueError(f"unknown import format {fmt!r}; formats are {', '.join(FORMATS)}")
    runs = READERS[fmt](ps, judge_name)
    runs = [r for r in runs if r.judgments]
    if not runs:
        raise DatasetError(", ".join(str(p) for p in ps), None, None, "no judgments")
    return runs


def import_files(paths: list[str | Path], fmt: str | None = None, *, judge_name: str | None = None,
                 db: str | Path = "judgekit.duckdb", seed: int = 0) -> list[ImportResult]:
    """Import the files as runs (one per judge) into ``db`` and compute their metrics."""
    store = Store(db)
    return [write_run(store, run, seed=seed) for run in read_files(paths, fmt, judge_name)]
