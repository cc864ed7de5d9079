"""DuckDB tables of the profile analysis, created on first use through :meth:`Store.connect`.

``factor_values``   one row per (response, factor, measurer). ``response_id`` hashes the prompt
                    and the response text, so the same response in two datasets shares its
                    values. ``value`` is NULL when an LLM answer could not be parsed (missing,
                    never a number); ``raw`` keeps the model's text.
``judgments``       choices imported from elsewhere (or copied from runs): pair, annotator,
                    whether the annotator is human or a judge, choice A | B | tie, and the raw
                    label as written in the source (e.g. ``tie (bothbad)``).
``profile_results`` every number an analysis produced, in long format, keyed by ``analysis_id``;
                    section ``meta`` holds the analysis configuration as JSON in ``note``.

All statements are parameterised; DataFrames are inserted through a registered view.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from judgekit.store.db import Store, now

TABLES = """
CREATE TABLE IF NOT EXISTS factor_values (
    response_id  VARCHAR NOT NULL,
    factor       VARCHAR NOT NULL,
    measurer     VARCHAR NOT NULL,      -- 'deterministic' or the extractor judge spec
    value        DOUBLE,                -- NULL = missing (unparseable answer)
    raw          VARCHAR,
    computed_at  TIMESTAMP,
    PRIMARY KEY (response_id, factor, measurer)
);

CREATE TABLE IF NOT EXISTS judgments (
    source          VARCHAR NOT NULL,   -- file name or run id it came from
    pair_id         VARCHAR NOT NULL,
    annotator       VARCHAR NOT NULL,
    annotator_kind  VARCHAR NOT NULL,   -- human | judge
    choice          VARCHAR NOT NULL,   -- A | B | tie
    raw_choice      VARCHAR,
    model_a         VARCHAR,
    model_b         VARCHAR,
    "row"           INTEGER NOT NULL,
    imported_at     TIMESTAMP,
    PRIMARY KEY (source, "row", annotator)
);

CREATE TABLE IF NOT EXISTS profile_results (
    analysis_id  VARCHAR NOT NULL,
    section      VARCHAR NOT NULL,      -- meta | influence | alignment | joint | length_control | style_bt
    annotator    VARCHAR,
    factor       VARCHAR,               -- factor, model or style term
    metric       VARCHAR NOT NULL,
    estimate     DOUBLE,
    ci_low       DOUBLE,
    ci_high      DOUBLE,
    p_value      DOUBLE,
    n            BIGINT,
    flag         BOOLEAN,               -- misaligned / explained by correlates
    note         VARCHAR,
    computed_at  TIMESTAMP
);
"""

JUDGMENT_COLUMNS = ["source", "pair_id", "annotator", "annotator_kind", "choice", "raw_choice", "model_a",
                    "model_b", "row", "imported_at"]
RESULT_COLUMNS = ["analysis_id", "section", "annotator", "factor", "metric", "estimate", "ci_low", "ci_high",
                  "p_value", "n", "flag", "note", "computed_at"]
FACTOR_COLUMNS = ["response_id", "factor", "measurer", "value", "raw", "computed_at"]


def response_id(prompt: str, response: str) -> str:
    blob = json.dumps([prompt, response], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


def ensure_tables(store: Store) -> None:
    with store.connect() as con:
        con.execute(TABLES)


def _insert(store: Store, table: str, df: pd.DataFrame, columns: Sequence[str], replace: bool = True) -> None:
    if df.empty:
        return
    ensure_tables(store)
    frame = df.reindex(columns=list(columns))
    cols = ", ".join(f'"{c}"' for c in columns)
    with store.connect() as con:
        con.register("_profile_frame", frame)
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        con.execute(f"{verb} INTO {table} ({cols}) SELECT {cols} FROM _profile_frame")
        con.unregister("_profile_frame")


def write_factor_values(store: Store, df: pd.DataFrame) -> None:
    df = df.copy()
    df["computed_at"] = now()
    df["value"] = df["value"].astype("float64")
    _insert(store, "factor_values", df, FACTOR_COLUMNS)


def read_factor_values(store: Store, response_ids: Sequence[str], measurers: Sequence[str]) -> pd.DataFrame:
    ensure_tables(store)
    with store.connect(read_only=True) as con:
        con.register("_ids", pd.DataFrame({"response_id": list(dict.fromkeys(response_ids))}))
        con.register("_ms", pd.DataFrame({"measurer": list(measurers) or [""]}))
        return con.execute("SELECT response_id, factor, measurer, value, raw FROM factor_values "
                           "WHERE response_id IN (SELECT response_id FROM _ids) "
                           "AND measurer IN (SELECT measurer FROM _ms)").df()


def write_judgments(store: Store, df: pd.DataFrame) -> int:
    df = df.copy()
    df["imported_at"] = now()
    _insert(store, "judgments", df, JUDGMENT_COLUMNS)
    return len(df)


def read_judgments(store: Store, pair_ids: Sequence[str]) -> pd.DataFrame:
    ensure_tables(store)
    with store.connect(read_only=True) as con:
        con.register("_pairs", pd.DataFrame({"pair_id": list(dict.fromkeys(pair_ids)) or [""]}))
        return con.execute("SELECT * FROM judgments WHERE pair_id IN (SELECT pair_id FROM _pairs) "
                           'ORDER BY source, "row", annotator').df()


def write_results(store: Store, analysis_id: str, results: pd.DataFrame, meta: dict[str, Any]) -> None:
    df = results.copy()
    meta_row = pd.DataFrame([{"section": "meta", "metric": "config", "note": json.dumps(meta, default=str)}])
    df = pd.concat([meta_row, df], ignore_index=True)
    df["analysis_id"] = analysis_id
    df["computed_at"] = now()
    ensure_tables(store)
    with store.connect() as con:
        con.execute("DELETE FROM profile_results WHERE analysis_id = ?", [analysis_id])
    _insert(store, "profile_results", df, RESULT_COLUMNS, replace=False)


def read_results(store: Store, analysis_id: str) -> pd.DataFrame:
    ensure_tables(store)
    return store.query("SELECT * FROM profile_results WHERE analysis_id = ? ORDER BY section, annotator, factor, "
                       "metric", [analysis_id])


def find_analysis(store: Store, run_or_analysis_id: str | None) -> str | None:
    """The analysis with this id, else the newest analysis that used this run; None if neither."""
    ensure_tables(store)
    if run_or_analysis_id is None:
        df = store.query("SELECT analysis_id FROM profile_results WHERE section = 'meta' "
                         "ORDER BY computed_at DESC LIMIT 1")
        return None if df.empty else str(df.iloc[0, 0])
    df = store.query("SELECT analysis_id FROM profile_results WHERE analysis_id = ? LIMIT 1", [run_or_analysis_id])
    if not df.empty:
        return run_or_analysis_id
    df = store.query("SELECT analysis_id FROM profile_results WHERE section = 'meta' AND "
                     "list_contains(CAST(json_extract(note, '$.run_ids') AS VARCHAR[]), ?) "
                     "ORDER BY computed_at DESC LIMIT 1", [run_or_analysis_id])
    return None if df.empty else str(df.iloc[0, 0])
