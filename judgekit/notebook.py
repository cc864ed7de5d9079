"""DataFrame functions for notebooks: runs, verdicts, metrics, bias profiles, comparisons and cards.

Each call opens a short read-only connection and closes it, so a run can keep writing
while a notebook reads (see :mod:`judgekit.store.db`). Two lines give the numbers of a
report::

    from judgekit import notebook as nb
    nb.bias_profile(db="judgekit.duckdb")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from judgekit.report.queries import CUE_FIELDS
from judgekit.store.db import Store
from judgekit.store.queries import bias_profile as profile_sql

DEFAULT_DB = "judgekit.duckdb"
_VERDICT_COLS = """v.run_id, v.trial_id, t.item_id, t.probe, t.condition, t."order", t.repeat, t.mitigation,
    i.label, i.kind, i.category, i.source, t.gold_position, {cue},
    v.choice, v.chosen, v.correct, v.p_a, v.p_b, v.error, v.input_tokens, v.output_tokens, v.latency_s,
    v.cost_usd, v.cached, v.created_at"""
_TEXT_COLS = ", i.prompt, i.response_a, i.response_b, t.first, t.second, t.cue, v.raw"


def _store(db: str | Path) -> Store:
    return Store(db, create=False)


def _ids(store: Store, run_ids: str | Sequence[str] | None) -> list[str]:
    if run_ids is None:
        df = store.query("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")
        if df.empty:
            raise ValueError(f"{store.path} holds no runs yet")
        return [str(df.iloc[0, 0])]
    return [run_ids] if isinstance(run_ids, str) else list(run_ids)


def runs(db: str | Path = DEFAULT_DB) -> pd.DataFrame:
    """One row per run (the ``run_summary`` view): counts, parse failures, errors, cost."""
    return _store(db).query("SELECT * FROM run_summary ORDER BY started_at")


def verdicts(run_id: str | Sequence[str] | None = None, db: str | Path = DEFAULT_DB, *, texts: bool = False,
             probe: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Verdicts with their trial and item joined; cue target/template/placement as columns.

    ``texts=True`` adds the prompt, responses, shown texts, cue JSON and raw output (large
    for big runs); ``probe`` and ``limit`` narrow the rows in SQL.
    """
    store = _store(db)
    ids = _ids(store, run_id)
    sql = (f"SELECT {_VERDICT_COLS.format(cue=CUE_FIELDS)}{_TEXT_COLS if texts else ''} "
           "FROM verdicts v JOIN trials t ON t.run_id = v.run_id AND t.trial_id = v.trial_id "
           "JOIN items i ON i.run_id = t.run_id AND i.item_id = t.item_id "
           f"WHERE v.run_id IN ({', '.join('?' * len(ids))})")
    params: list[Any] = list(ids)
    if probe is not None:
        sql += " AND t.probe = ?"
        params.append(probe)
    sql += ' ORDER BY v.run_id, t.item_id, t.probe, t.condition, t."order", t.repeat'
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return store.query(sql, params)


def metrics(run_id: str | Sequence[str] | None = None, db: str | Path = DEFAULT_DB, *,
            metric: str | None = None, subset: str | None = None) -> pd.DataFrame:
    """The metrics table of one or more runs, with the judge joined, optionally one metric/subset."""
    store = _store(db)
    ids = _ids(store, run_id)
    sql = ("SELECT r.judge, m.* FROM metrics m JOIN runs r USING (run_id) "
           f"WHERE m.run_id IN ({', '.join('?' * len(ids))})")
    params: list[Any] = list(ids)
    for col, val in (("metric", metric), ("subset", subset)):
        if val is not None:
            sql += f" AND m.{col} = ?"
            params.append(val)
    return store.query(sql + " ORDER BY m.run_id, m.probe, m.metric, m.subset", params)


def bias_profile(run_id: str | Sequence[str] | None = None, db: str | Path = DEFAULT_DB) -> pd.DataFrame:
    """One row per (run, cue probe): the ``bias_profile`` view (docs/sql.md), read from the same SQL.

    ``metric`` names the probe's headline (``cue_net_effect`` for the cue probes with a neutral
    control), ``estimate, ci_low, ci_high, n, p_value, p_adjusted`` are its stored row, and the
    ``bias_effect*`` / ``added_text_effect*`` columns the two estimates beside it.
    """
    store = _store(db)
    ids = _ids(store, run_id)
    sql = f"SELECT * FROM ({profile_sql()}) WHERE run_id IN ({', '.join('?' * len(ids))}) ORDER BY run_id, probe"
    return store.query(sql, list(ids)).drop(columns=["dataset", "note"]).reset_index(drop=True)


def comparison(run_ids: Sequence[str], db: str | Path = DEFAULT_DB, *, n_boot: int = 2000,
               seed: int = 0) -> dict[str, pd.DataFrame]:
    """The comparison tables: ``runs``, ``profile``, ``ranking``, ``tests``, ``agreement``."""
    from judgekit.compare import compare_runs

    c = compare_runs(db, list(run_ids), n_boot=n_boot, seed=seed)
    return {"runs": c.runs, "profile": c.profile, "ranking": c.ranking, "tests": c.tests,
            "agreement": c.agreement}


def agreement_matrix(run_ids: Sequence[str], db: str | Path = DEFAULT_DB, value: str = "kappa") -> pd.DataFrame:
    """Judges x (judges + gold) matrix of ``kappa`` or ``agreement``."""
    a = comparison(run_ids, db, n_boot=0)["agreement"]
    return a.pivot(index="judge_1", columns="judge_2", values=value)


def card(run_id: str | None = None, db: str | Path = DEFAULT_DB) -> dict[str, Any]:
    """The bias card of a run (schema ``judgekit.bias-card/1``)."""
    from judgekit.card import bias_card

    store = _store(db)
    return bias_card(db, _ids(store, run_id)[0])


def cards(run_ids: Sequence[str] | None = None, db: str | Path = DEFAULT_DB) -> pd.DataFrame:
    """Bias cards flattened to one row per (run, probe, metric) for side-by-side tables; ``headline`` marks
    each probe's headline metric (``cue_net_effect`` for the cue probes)."""
    from judgekit.card import bias_card

    store = _store(db)
    ids = list(run_ids) if run_ids is not None else runs(db)["run_id"].tolist()
    del store
    rows = []
    for rid in ids:
        c = bias_card(db, rid)
        for probe, stats in c["headline"].items():
            for metric, s in stats.items():
                rows.append({"run_id": rid, "judge": c["judge"]["spec"], "probe": probe, "metric": metric,
                             "headline": metric == c["headline_metric"].get(probe), **s})
    return pd.DataFrame(rows)
