"""The frame the statistics read of a run: one row per verdict, no texts, text columns as categoricals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pandas as pd


#: what the statistics read of a run: no texts (response lengths instead)
_METRICS_FRAME_SQL = """
            SELECT v.run_id, v.trial_id, t.item_id, t.probe, t.condition, t."order", t.repeat,
                   coalesce(t.mitigation, 'none') AS mitigation,
                   i.label, i.kind, i.category, v.choice, v.chosen, v.correct, v.p_a, v.p_b,
                   json_extract_string(t.cue, '$.target') AS cue_target,
                   json_extract_string(t.cue, '$.template') AS template,
                   json_extract_string(t.cue, '$.placement') AS placement,
                   length(i.response_a) AS response_a_len, length(i.response_b) AS response_b_len,
                   v.input_tokens, v.output_tokens, v.cost_usd,
                   coalesce(t.protocol, 'pairwise') AS protocol, CAST(t.option_order AS VARCHAR) AS option_order,
                   v.score_first, v.score_second,
                   json_array_length(i.options) AS n_options,
                   json_extract_string(t.cue, '$.inserted') AS cue_inserted
            FROM verdicts v
            JOIN trials t ON t.run_id = v.run_id AND t.trial_id = v.trial_id
            JOIN items i ON i.run_id = t.run_id AND i.item_id = t.item_id
            WHERE v.run_id = ? ORDER BY v.trial_id"""
#: letter columns: one category set, so that they compare with each other
_LETTERS = ("choice", "chosen", "label", "cue_target", "cue_inserted")


def _is_text(t) -> bool:
    """Whether an Arrow type is a text type."""
    import pyarrow as pa

    string_view = getattr(pa.types, "is_string_view", lambda _: False)  # pyarrow >= 16
    return pa.types.is_string(t) or pa.types.is_large_string(t) or string_view(t)


def _object_index(values) -> pd.Index:
    """Sorted categories as an object Index (conversions back to values copy pointers)."""
    import pandas as pd

    return pd.Index(sorted(v for v in values if v is not None), dtype=object)


def _categorical(arr, categories: pd.Index | None) -> pd.Categorical:
    """A dictionary-encoded Arrow array as a pandas categorical over ``categories`` (default: its own, sorted)."""
    import numpy as np
    import pandas as pd

    dictionary = pd.Index(arr.dictionary.to_pylist(), dtype=object)
    categories = _object_index(dictionary) if categories is None else categories
    remap = np.append(categories.get_indexer(dictionary), -1)  # null codes (-1) stay missing
    codes = arr.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return pd.Categorical.from_codes(remap[codes], dtype=pd.CategoricalDtype(categories))


def read_metrics_frame(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """What the statistics need of ``run_id``, without the texts (response lengths instead): bounded memory.

    Text columns other than ``trial_id`` (plain Python strings) come back as categoricals over
    object categories, encoded from the Arrow result without a Python string per cell (row
    selections, comparisons and joins in the statistics work on small integer codes); the letter
    columns ``choice``, ``chosen``, ``label``, ``cue_target`` and ``cue_inserted`` share one set of
    categories, so they compare with each other."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    rel = con.sql(_METRICS_FRAME_SQL, params=[run_id])
    table: Any = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
    letters = [c for c in _LETTERS if c in table.column_names]
    text = [c for c in table.column_names if c != "trial_id" and _is_text(table.schema.field(c).type)]
    encoded = {c: pc.dictionary_encode(table[c].combine_chunks()) for c in text}
    shared = _object_index(set().union(*(encoded[c].dictionary.to_pylist() for c in letters if c in encoded)))
    # numbers (nullable booleans as DuckDB's own frames give them) and trial_id
    df = table.drop_columns(text).to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
    if "trial_id" in df:
        df["trial_id"] = df["trial_id"].astype(object)  # row selections copy pointers, not string buffers
    for name in text:
        df[name] = _categorical(encoded[name], shared if name in letters else None)
    return df[table.column_names]
