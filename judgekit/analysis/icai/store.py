"""DuckDB tables of the ICAI analysis (created on first use, next to the judgekit tables).

icai_runs            one row per analysis: dataset, judge, config, split sizes, constitution file
icai_principles      every voted principle: text, cluster members, support, length check, selection
icai_votes           per-principle vote counts per split (train: all principles, test: the constitution)
icai_metrics         agreement, relevance, accuracy, strength with intervals, per principle and split
icai_constitutions   the chosen principles in order
icai_reconstruction  agreement with held-out labels per condition, with intervals

Rows are keyed by ``icai_id``; rerunning an analysis replaces its rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from judgekit.store.db import Store, now

ICAI_TABLES = """
CREATE TABLE IF NOT EXISTS icai_runs (
    icai_id VARCHAR PRIMARY KEY, dataset VARCHAR, judge VARCHAR, config JSON, n_train INTEGER,
    n_test INTEGER, constitution_path VARCHAR, created_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS icai_principles (
    icai_id VARCHAR, principle_id VARCHAR, text VARCHAR, members JSON, support INTEGER,
    length_alignment DOUBLE, p_beyond_length DOUBLE, length_explained BOOLEAN, candidate BOOLEAN,
    reason VARCHAR, selected BOOLEAN, PRIMARY KEY (icai_id, principle_id));
CREATE TABLE IF NOT EXISTS icai_votes (
    icai_id VARCHAR, principle_id VARCHAR, split VARCHAR, n INTEGER, agree INTEGER, disagree INTEGER,
    "both" INTEGER, na INTEGER, inconsistent INTEGER, invalid INTEGER, PRIMARY KEY (icai_id, principle_id, split));
CREATE TABLE IF NOT EXISTS icai_metrics (
    icai_id VARCHAR, principle_id VARCHAR, split VARCHAR, metric VARCHAR, estimate DOUBLE, ci_low DOUBLE,
    ci_high DOUBLE, n INTEGER, PRIMARY KEY (icai_id, principle_id, split, metric));
CREATE TABLE IF NOT EXISTS icai_constitutions (
    icai_id VARCHAR, position INTEGER, principle_id VARCHAR, text VARCHAR, PRIMARY KEY (icai_id, position));
CREATE TABLE IF NOT EXISTS icai_reconstruction (
    icai_id VARCHAR, condition VARCHAR, estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, n INTEGER,
    n_invalid INTEGER, PRIMARY KEY (icai_id, condition));
"""

_TABLES = ("icai_runs", "icai_principles", "icai_votes", "icai_metrics", "icai_constitutions",
           "icai_reconstruction")


def ensure_tables(store: Store) -> None:
    with store.connect() as con:
        con.execute(ICAI_TABLES)


def _clean(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalars
        return _clean(v.item())
    return v


def _insert(con: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    con.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", [[_clean(v) for v in r] for r in rows])


def _frame_rows(df: pd.DataFrame, columns: Sequence[str]) -> list[list[Any]]:
    return [[r[c] for c in columns] for r in df.to_dict(orient="records")]


def save_icai(store: Store, icai_id: str, *, run: dict[str, Any], principles: pd.DataFrame,
              votes: dict[str, pd.DataFrame], metrics: pd.DataFrame, constitution: Sequence[tuple[str, str]],
              reconstruction: pd.DataFrame) -> None:
    """Replace every stored row of ``icai_id`` with these results, in one transaction."""
    ensure_tables(store)
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        for table in _TABLES:
            con.execute(f"DELETE FROM {table} WHERE icai_id = ?", [icai_id])
        _insert(con, "icai_runs", ("icai_id", "dataset", "judge", "config", "n_train", "n_test",
                                   "constitution_path", "created_at"),
                [[icai_id, run["dataset"], run["judge"], json.dumps(run["config"], default=str), run["n_train"],
                  run["n_test"], run["constitution_path"], now()]])
        pcols = ("principle_id", "text", "members", "support", "length_alignment", "p_beyond_length",
                 "length_explained", "candidate", "reason", "selected")
        _insert(con, "icai_principles", ("icai_id", *pcols),
                [[icai_id, *r] for r in _frame_rows(principles.assign(
                    members=principles["members"].map(lambda m: json.dumps(list(m), ensure_ascii=False))), pcols)])
        vcols = ("principle_id", "n", "agree", "disagree", "both", "na", "inconsistent", "invalid")
        for split, df in votes.items():
            _insert(con, "icai_votes", ("icai_id", "split", *vcols), [[icai_id, split, *r]
                                                                     for r in _frame_rows(df, vcols)])
        mcols = ("principle_id", "split", "metric", "estimate", "ci_low", "ci_high", "n")
        _insert(con, "icai_metrics", ("icai_id", *mcols), [[icai_id, *r] for r in _frame_rows(metrics, mcols)])
        _insert(con, "icai_constitutions", ("icai_id", "position", "principle_id", "text"),
                [[icai_id, i + 1, pid, text] for i, (pid, text) in enumerate(constitution)])
        rcols = ("condition", "estimate", "ci_low", "ci_high", "n", "n_invalid")
        _insert(con, "icai_reconstruction", ("icai_id", *rcols),
                [[icai_id, *r] for r in _frame_rows(reconstruction, rcols)])
        con.execute("COMMIT")


def load_icai(store: Store, icai_id: str | None = None) -> dict[str, Any]:
    """Every stored table of one analysis (the newest when ``icai_id`` is None) as DataFrames."""
    ensure_tables(store)
    if icai_id is None:
        runs = store.query("SELECT icai_id FROM icai_runs ORDER BY created_at DESC LIMIT 1")
        if runs.empty:
            raise ValueError(f"{store.path} holds no ICAI analysis yet")
        icai_id = str(runs.iloc[0]["icai_id"])
    out: dict[str, Any] = {"icai_id": icai_id}
    by_id = "length(principle_id), principle_id"
    order = {"icai_runs": "", "icai_principles": f" ORDER BY {by_id}", "icai_votes": f" ORDER BY split, {by_id}",
             "icai_metrics": f" ORDER BY split, {by_id}, metric", "icai_constitutions": " ORDER BY position",
             "icai_reconstruction": ""}
    for table in _TABLES:
        out[table.removeprefix("icai_")] = store.query(f"SELECT * FROM {table} WHERE icai_id = ?{order[table]}",
                                                       [icai_id])
    if out["runs"].empty:
        raise ValueError(f"{store.path}: no ICAI analysis with id {icai_id!r}")
    return out
