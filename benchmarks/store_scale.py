"""Writing N verdicts of the bias suite to DuckDB and computing every bias metric over them.

    python benchmarks/store_scale.py                       # 1,000,000 verdicts
    python benchmarks/store_scale.py --verdicts 100000

Synthetic items (gold known) go through the real bias-suite probes to make trials; a seeded rule
with a planted position prior answers them (no model). Items, trials and verdicts are written
through ``Store`` (verdicts in chunks, the engine's write path), read back through the
``metrics_frame`` (text-free) and passed to ``compute_metrics`` for the bias suite (position, the five cue
probes, bootstrap intervals, McNemar, the cluster-robust model). Time per phase and the peak RSS
of the process (``ru_maxrss``) are printed.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judgekit.engine.runner import _items_frame, _trials_frame
from judgekit.store.db import VERDICT_COLUMNS, Store
from judgekit.suites import build_trials, compute_metrics, load_suite
from judgekit.types import Item


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_items(n: int) -> list[Item]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        good = f"The answer to question {i} is {int(rng.integers(1000))}, because the facts say so."
        bad = f"I believe it is {int(rng.integers(1000))}." + (" Really." * int(rng.integers(0, 5)))
        gold_a = bool(rng.integers(2))
        out.append(Item(id=f"s{i}", prompt=f"Question {i}: what is the value?", response_a=good if gold_a else bad,
                        response_b=bad if gold_a else good, label="A" if gold_a else "B",
                        kind="fact" if i % 2 else "preference"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--verdicts", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=100_000)
    a = ap.parse_args()
    spec = load_suite("bias")
    per_item = len(build_trials(spec, synthetic_items(20), seed=0, options={"repeats": 0, "repeat_fraction": 0}))
    per_item /= 20
    n_items = max(10, round(a.verdicts / per_item))
    t = time.perf_counter()
    items = synthetic_items(n_items)
    trials = build_trials(spec, items, seed=0, options={"repeats": 0, "repeat_fraction": 0.0})
    t_trials = time.perf_counter() - t
    print(f"{n_items:,} items -> {len(trials):,} trials ({t_trials:.1f} s to build), peak RSS {peak_mb():.0f} MB")

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "scale.duckdb")
        run_id = "scale"
        keys = [f"k{i}" for i in range(len(trials))]
        t = time.perf_counter()
        store.create_run({"run_id": run_id, "suite": "bias", "judge": "synthetic", "dataset": "synthetic",
                          "config": {}, "versions": {}, "seed": 0, "fingerprint": "scale", "n_trials": len(trials)})
        store.insert_frame("items", _items_frame(run_id, items))
        store.insert_frame("trials", _trials_frame(run_id, trials, keys))
        t_meta = time.perf_counter() - t

        rng = np.random.default_rng(1)
        order = np.array([tr.order for tr in trials])
        gold = np.array([tr.gold_position or "A" for tr in trials])
        first = rng.random(len(trials)) < 0.3
        choice = np.where(first, "A", gold)
        labels = {it.id: it.label for it in items}
        item_label = np.array([labels[tr.item_id] for tr in trials])
        chosen = np.where(order == "AB", choice, np.where(choice == "A", "B", "A"))
        v = pd.DataFrame({"run_id": run_id, "trial_id": [tr.trial_id for tr in trials], "request_key": keys,
                          "choice": choice, "chosen": chosen, "correct": chosen == item_label,
                          "p_a": np.where(choice == "A", 0.8, 0.2), "p_b": np.where(choice == "A", 0.2, 0.8),
                          "raw": choice, "error": None, "input_tokens": 300, "output_tokens": 1, "latency_s": 0.0,
                          "cost_usd": 0.0, "cached": False, "created_at": pd.Timestamp("2025-01-01"),
                          "parse_rule": "text:label"})
        for col in VERDICT_COLUMNS:  # columns this benchmark does not fill (pointwise scores, ...) stay NULL
            if col not in v:
                v[col] = None
        t = time.perf_counter()
        for i in range(0, len(v), a.chunk):
            store.write_verdicts(v.iloc[i:i + a.chunk][list(VERDICT_COLUMNS)].to_dict(orient="records"))
        t_write = time.perf_counter() - t
        del v
        size = (Path(tmp) / "scale.duckdb").stat().st_size / 1e6
        print(f"write: items+trials {t_meta:.1f} s, {len(trials):,} verdicts {t_write:.1f} s "
              f"({len(trials) / t_write:,.0f}/s), file {size:.0f} MB, peak RSS {peak_mb():.0f} MB")

        t = time.perf_counter()
        df = store.metrics_frame(run_id)  # the text-free frame the statistics use
        t_read = time.perf_counter() - t
        print(f"read metrics frame: {t_read:.1f} s, frame {df.memory_usage(deep=True).sum() / 1e6:.0f} MB, "
              f"peak RSS {peak_mb():.0f} MB")
        t = time.perf_counter()
        m = compute_metrics(spec, df, seed=0)
        t_metrics = time.perf_counter() - t
        print(f"compute_metrics (bias suite): {t_metrics:.1f} s, {len(m)} metric rows, peak RSS {peak_mb():.0f} MB")
        print(json.dumps({"verdicts": len(trials), "items": n_items, "write_s": round(t_meta + t_write, 1),
                          "read_s": round(t_read, 1), "metrics_s": round(t_metrics, 1),
                          "peak_rss_mb": round(peak_mb())}))


if __name__ == "__main__":
    main()
