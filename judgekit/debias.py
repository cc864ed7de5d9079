"""Debiased judging for production: judge pairs with the mitigations that work, get verdicts out.

``judge_pairs`` runs a judge over a pairwise dataset with any combination of mitigations:
trial mitigations (system-prompt, icl, self-reflection) change every request; ``swap`` judges
both orders and aggregates them; ``calibrate`` removes the judge's position prior, estimated
cross-fitted on the same run's swapped pairs (so it needs both orders, which it asks for).
Every request goes through the engine (cache, resume, concurrency); the final verdicts, one
per pair with the probability of each original response, go to the ``debiased`` table and to
a JSONL or Parquet file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from judgekit.atomic import atomic_write, atomic_write_text
from judgekit.datasets.loaders import load_items, resolve_path
from judgekit.engine.runner import execute
from judgekit.judges.prompt import load_template
from judgekit.judges.registry import make_judge
from judgekit.mitigations import check_generates, parse_mitigations
from judgekit.plan import judge_suite, make_plan
from judgekit.stats.mitigation import calibrate, swap_aggregate
from judgekit.store.db import Store, now
from judgekit.types import original_p_a_col

OUTPUT_COLUMNS = ["item_id", "verdict", "p_a", "p_b", "mitigations", "verdict_ab", "verdict_ba", "input_tokens",
                  "output_tokens", "cost_usd", "run_id"]


def _final(verdicts: pd.DataFrame, mits: list[str]) -> pd.DataFrame:
    v = verdicts[verdicts["repeat"] == 0].copy()
    v["placement"] = None
    if "calibrate" in mits:
        v = calibrate(v)
        if v is None:
            raise ValueError("calibrate needs a judge that gives probabilities (hf/..., smollm2, or an API "
                             "model that returns logprobs)")
    raw = v.copy()
    if "swap" in mits or "calibrate" in mits:
        v = swap_aggregate(v)
    one = v.sort_values("order").drop_duplicates("item_id", keep="first")  # AB row carries the verdict
    by_order = raw.pivot_table(index="item_id", columns="order", values="chosen", aggfunc="first")
    p_orig_a = original_p_a_col(one["p_a"] / (one["p_a"] + one["p_b"]), one["order"])
    out = pd.DataFrame({
        "item_id": one["item_id"].to_numpy(),
        "verdict": one["chosen"].fillna("invalid").to_numpy(),
        "p_a": p_orig_a.to_numpy(), "p_b": (1 - p_orig_a).to_numpy(),
        "mitigations": ",".join(m for m in mits if m != "none") or "none",
    })
    for order in ("AB", "BA"):
        col = by_order[order] if order in by_order else pd.Series(dtype=object)
        out[f"verdict_{order.lower()}"] = out["item_id"].map(col)
    tokens = verdicts.groupby("item_id")[["input_tokens", "output_tokens", "cost_usd"]].sum(min_count=1)
    return out.join(tokens, on="item_id")


def judge_pairs(data: str, *, judge: str | None = None, mitigations: str | list[str] | None = "swap",
                out: str | Path | None = None, db: str | Path = "judgekit.duckdb", mapping: Any = None,
                split: str = "train", seed: int = 0, judge_options: dict[str, Any] | None = None,
                judge_obj: Any = None, progress: bool = True) -> pd.DataFrame:
    """Judge every pair of ``data`` with ``mitigations``; returns one verdict per pair (original letters)."""
    mits = parse_mitigations(mitigations)
    items = load_items(data, mapping=mapping, split=split)
    owned = judge_obj is None
    j = judge_obj or make_judge(judge, items=items, seed=seed, **(judge_options or {}))
    store = Store(db)
    try:
        check_generates(j, mits)  # the cot judge mode needs a judge that writes its reasoning
        plan = make_plan(judge_suite(mits), items, Path(resolve_path(data)).name, seed=seed, stochastic=j.stochastic,
                         mitigations=mits, mode="compose")
        stats = execute(store, j, plan.items, plan.trials, plan.run_spec, load_template(plan.template),
                        config=plan.config, progress=progress)
    finally:
        if owned:
            j.close()
    result = _final(store.verdicts_frame(stats.run_id), mits)
    result["run_id"] = stats.run_id
    result = result[OUTPUT_COLUMNS]
    with store.connect(timeout_s=120) as con:
        con.execute("DELETE FROM debiased WHERE run_id = ?", [stats.run_id])
        con.register("_d", result.assign(created_at=now()))
        con.execute("INSERT INTO debiased SELECT * FROM _d")
        con.unregister("_d")
    if out:
        path = Path(out)
        if path.suffix.lower() in (".parquet", ".pq"):
            atomic_write(path, lambda tmp: result.to_parquet(tmp, index=False))
        else:
            atomic_write_text(path, "".join(json.dumps({k: (None if isinstance(v, float) and v != v else v)
                                                        for k, v in rec.items()}, ensure_ascii=False) + "\n"
                                            for rec in result.to_dict(orient="records")))
    return result
