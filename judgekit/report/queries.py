"""Parameterised SQL that feeds the reports, the comparison and the bias card.

Everything here aggregates inside DuckDB and returns small frames: counts per
design cell, a binned p(first) histogram, per-item outcomes and a bounded,
seeded sample of example verdicts. No function reads every verdict's texts, so
a run of a million verdicts costs seconds and little memory. Only the base
tables are used (no views), so older databases work unchanged; the analysis units come from the
read model (:mod:`judgekit.store.queries`), so every count here matches the stored metrics.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import duckdb

from judgekit.store import queries as sq

if TYPE_CHECKING:  # pandas is imported by the functions that return frames: the bias card reads records only
    import pandas as pd

#: Columns of the trial cue JSON pulled out in SQL.
CUE_FIELDS = """json_extract_string(t.cue, '$.target') AS cue_target,
json_extract_string(t.cue, '$.template') AS template,
json_extract_string(t.cue, '$.placement') AS placement"""

VALID = "('A', 'B', 'tie')"


def df(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pd.DataFrame:
    return con.execute(sql, params).df()


def records(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """The rows of ``sql`` as dicts (NULL as None), read with DuckDB alone."""
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


COUNTS_SQL = """
    SELECT count(*) AS n_verdicts,
           count(*) FILTER (WHERE choice = 'invalid') AS n_invalid,
           count(*) FILTER (WHERE choice = 'error' OR error IS NOT NULL) AS n_errors,
           count(*) FILTER (WHERE choice = 'tie') AS n_ties,
           count(*) FILTER (WHERE cached) AS n_cached,
           sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
           sum(cost_usd) AS cost_usd, count(cost_usd) AS n_costed,
           median(latency_s) AS latency_median_s, quantile_cont(latency_s, 0.95) AS latency_p95_s
    FROM verdicts WHERE run_id = ?"""

DESIGN_SQL = """
    SELECT t.probe, t.condition, t."order", t.repeat, count(*) AS n_trials, count(v.trial_id) AS n_verdicts
    FROM trials t LEFT JOIN verdicts v ON v.run_id = t.run_id AND v.trial_id = t.trial_id
    WHERE t.run_id = ? GROUP BY ALL ORDER BY ALL"""

PROVENANCE_SQL = """
    SELECT coalesce(source, '') AS source, coalesce(kind, '') AS kind, coalesce(label, '') AS label,
           count(*) AS n_items
    FROM items WHERE run_id = ? GROUP BY ALL ORDER BY ALL"""


def counts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Verdict counts, tokens, cost and latency of a run (one row)."""
    [row] = records(con, COUNTS_SQL, [run_id])
    return {k: (None if v is None or v != v else (int(v) if k.startswith("n_") or k.endswith("tokens") else float(v)))
            for k, v in row.items()}


def design(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Trials and verdicts per (probe, condition, order, repeat)."""
    return df(con, DESIGN_SQL, [run_id])


def cue_design(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Trials per (probe, template, placement) of the cued conditions."""
    return df(con, f"""
        SELECT t.probe, {CUE_FIELDS}, count(*) AS n_trials
        FROM trials t WHERE t.run_id = ? AND t.condition <> 'control' GROUP BY ALL ORDER BY ALL""", [run_id])


def provenance(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Items per (source, kind, label)."""
    return df(con, PROVENANCE_SQL, [run_id])


def p_first_hist(con: duckdb.DuckDBPyConnection, run_id: str, bins: int = 20) -> pd.DataFrame:
    """Histogram of p(first) = p_a / (p_a + p_b) per order for the position probe (all probes if none)."""
    return df(con, """
        WITH v AS (
          SELECT t."order" AS ord, t.probe, v.p_a / (v.p_a + v.p_b) AS pf
          FROM verdicts v JOIN trials t ON t.run_id = v.run_id AND t.trial_id = v.trial_id
          WHERE v.run_id = ? AND v.p_a IS NOT NULL AND v.p_b IS NOT NULL AND v.p_a + v.p_b > 0),
        pick AS (SELECT * FROM v WHERE probe = 'position' OR NOT EXISTS (SELECT 1 FROM v WHERE probe = 'position'))
        SELECT ord AS "order", least(floor(greatest(pf, 0) * ?), ? - 1)::INTEGER AS bin, count(*) AS n
        FROM pick GROUP BY ALL ORDER BY ALL""", [run_id, bins, bins])


def _pairs_cte() -> str:
    """The run's cue pairs in the analysis scope (mitigation none, repeat 0), from the read model."""
    return f"""
    WITH pairs AS ({sq.scoped("cue_pairs")})"""


#: The temporary table of one run's cued pairs in the analysis scope, and the statement that builds it.
CUED_PAIRS = "_jk_cued_pairs"
_BUILD_CUED_PAIRS = (f"CREATE OR REPLACE TEMP TABLE {CUED_PAIRS} AS SELECT ? AS jk_key, * "
                     f"FROM ({sq.scoped('cue_pairs')}) WHERE cued")


def _cued_pairs(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Fill the temporary table :data:`CUED_PAIRS` with the run's cued pairs, unless it holds them already.

    The flip counts and the flip examples both read it, so the pairing (a window over every
    verdict of the run and a self-join) runs once per report. Its key is the run id with the
    run's verdict count and newest verdict time, so verdicts written later on a long-lived
    connection rebuild it, never giving stale counts.
    """
    n, newest = con.execute("SELECT count(*), max(created_at) FROM verdicts WHERE run_id = ?", [run_id]).fetchone()
    key = hashlib.md5(f"{run_id}\0{n}\0{newest}".encode()).hexdigest()
    known = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                        [CUED_PAIRS]).fetchone()[0]
    if known and con.execute("SELECT any_value(jk_key) FROM " + CUED_PAIRS).fetchone()[0] == key:
        return
    con.execute(_BUILD_CUED_PAIRS, [key, run_id])


def item_bias(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Per (probe, item): summed paired shift toward the cued response over the cued set, and pair count.

    ``sum(diff) / sum(n)`` over items equals the stored ``bias_effect`` "all" estimate.
    """
    return df(con, _pairs_cte() + """
        SELECT probe, item_id,
               sum((chosen = cue_target)::INTEGER - (control_chosen = cue_target)::INTEGER) AS diff,
               count(*) AS n
        FROM pairs WHERE cued GROUP BY ALL ORDER BY ALL""", [run_id])


def item_net(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Per (probe, metric, item) of the net pairs in the analysis scope: summed shift toward the side, pair count.

    ``sum(diff) / sum(n)`` over items equals the stored ``added_text_effect`` / ``cue_net_effect`` estimate.
    """
    return df(con, f"""
        SELECT probe, metric, item_id,
               sum((chosen = side)::INTEGER - (reference_chosen = side)::INTEGER) AS diff, count(*) AS n
        FROM ({sq.scoped("net_pairs")}) GROUP BY ALL ORDER BY ALL""", [run_id])


def item_position(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Per item of the position probe (analysis scope): chosen in each order, correctness."""
    return df(con, f"""
        SELECT item_id, chosen_ab, chosen_ba, choice_ab, choice_ba, correct_ab, correct_ba
        FROM ({sq.scoped("position_pairs")}) ORDER BY item_id""", [run_id])


def choices(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """The run's own judge choices (valid control verdicts, mitigation none, repeat 0) with the gold label."""
    return df(con, f"""
        SELECT item_id, probe, 'control' AS condition, "order", chosen, label
        FROM ({sq.for_run("judge_choices")}) ORDER BY item_id, probe, "order\"""", [run_id])


def item_hashes(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """item_id and a hash of its texts and label, to check that runs judged the same items."""
    return df(con, """SELECT item_id, md5(coalesce(prompt, '') || chr(0) || coalesce(response_a, '') || chr(0)
                      || coalesce(response_b, '') || chr(0) || coalesce(label, '')) AS h
                      FROM items WHERE run_id = ?""", [run_id])


def flip_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Cued pairs per probe, and how many changed the chosen response (harmful/helpful on labelled items)."""
    _cued_pairs(con, run_id)
    return df(con, f"""
        SELECT probe, count(*) AS n_pairs, count(*) FILTER (WHERE chosen <> control_chosen) AS n_flipped,
               count(*) FILTER (WHERE control_correct AND NOT correct) AS n_harmful,
               count(*) FILTER (WHERE NOT control_correct AND correct) AS n_helpful
        FROM {CUED_PAIRS} GROUP BY probe ORDER BY probe""", [])


def flip_examples(con: duckdb.DuckDBPyConnection, run_id: str, per_probe: int = 6, seed: int = 0) -> pd.DataFrame:
    """A seeded sample of cued verdicts that changed the chosen response, with texts.

    Flips toward the cued response come first, then fact items.

    The sample is drawn on slim columns; texts are joined for the chosen rows only.
    """
    _cued_pairs(con, run_id)
    return df(con, f"""
    WITH picked AS (
      SELECT * FROM {CUED_PAIRS} WHERE chosen <> control_chosen
      QUALIFY row_number() OVER (PARTITION BY probe ORDER BY (chosen = cue_target) DESC, (kind = 'fact') DESC,
                                hash(trial_id || ?)) <= ?)
    SELECT p.probe, p.item_id, p.condition, p."order", p.cue_target, p.template, p.placement, p.kind,
           p.label, p.choice, p.chosen, p.correct, p.control_choice AS choice_0, p.control_chosen AS chosen_0,
           p.control_correct AS correct_0,
           i.prompt, i.category, t.first, t.second, t.cue, v.raw, v0.raw AS raw_0
    FROM picked p
    JOIN trials t ON t.run_id = ? AND t.trial_id = p.trial_id
    JOIN verdicts v ON v.run_id = ? AND v.trial_id = p.trial_id
    JOIN verdicts v0 ON v0.run_id = ? AND v0.trial_id = p.control_trial_id
    JOIN items i ON i.run_id = ? AND i.item_id = p.item_id
    ORDER BY p.probe, (p.chosen = p.cue_target) DESC, (p.kind = 'fact') DESC, p.item_id""",
              [str(seed), per_probe, run_id, run_id, run_id, run_id])


def order_flip_examples(con: duckdb.DuckDBPyConnection, run_id: str, limit: int = 8,
                        seed: int = 0) -> tuple[pd.DataFrame, int]:
    """Position-probe items whose chosen response differs between orders AB and BA (sampled), and their count."""
    flips = item_position(con, run_id)
    flips = flips[flips["chosen_ab"].notna() & flips["chosen_ba"].notna() & (flips["chosen_ab"] != flips["chosen_ba"])]
    if flips.empty:
        return flips, 0
    import pandas as pd

    pick = flips.sample(n=min(limit, len(flips)), random_state=seed)["item_id"].tolist()
    con.register("_pick", pd.DataFrame({"item_id": pick}))
    try:
        out = df(con, """
            SELECT i.item_id, i.prompt, i.response_a, i.response_b, i.label, i.kind, i.category, t."order",
                   v.choice, v.chosen, v.correct, v.p_a, v.p_b, v.raw
            FROM items i JOIN trials t ON t.run_id = i.run_id AND t.item_id = i.item_id
            JOIN verdicts v ON v.run_id = t.run_id AND v.trial_id = t.trial_id
            WHERE i.run_id = ? AND i.item_id IN (SELECT item_id FROM _pick) AND t.probe = 'position'
              AND t.repeat = 0 AND coalesce(t.mitigation, 'none') = 'none'
            ORDER BY (i.kind = 'fact') DESC, i.item_id, t."order\"""", [run_id])
    finally:
        con.unregister("_pick")
    return out, len(flips)


def cue_json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        out = json.loads(value) if isinstance(value, str) and value else {}
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}
