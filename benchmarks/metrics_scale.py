"""``compute_metrics`` of the bias suite on N stored verdicts: wall time, CPU time and peak memory, new vs old.

    python benchmarks/metrics_scale.py                                   # 1,000,000 verdicts
    python benchmarks/metrics_scale.py --verdicts 200000 --rounds 3
    python benchmarks/metrics_scale.py --baseline /tmp/judgekit-base     # interleave with an older checkout

The store is filled in DuckDB SQL over ``range()`` (:func:`report_scale.fill`: the six probes of the
bias suite, both orders, cue templates and placements, control repeats) under a temporary directory
and deleted afterwards. Each measurement runs in a fresh subprocess that imports judgekit first
(imports are not timed), reads the run's metrics frame (``Store.metrics_frame``) and times
``compute_metrics``; the peak RSS is the child's ``ru_maxrss`` (frame and imports included). With
``--baseline DIR`` (an older checkout's ``judgekit/``, ``suites/`` and ``data/``, e.g. ``git archive REV judgekit suites
data | tar -x -C DIR``) the old and the new code run alternately, ``--rounds`` times each, and the medians are compared;
the estimates of both are compared row by row (equal up to float rounding), and so are the interval
bounds (equal within Monte Carlo error where the resampling scheme changed). The load average is printed
with every measurement: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from judgekit.store.db import Store
from judgekit.suites import compute_metrics, load_suite
import judgekit.stats.cues, judgekit.stats.length, judgekit.stats.model, judgekit.stats.position  # noqa: F401
import scipy.stats, statsmodels.api  # noqa: F401  (imports are not timed)
store, spec = Store(sys.argv[2]), load_suite("bias")
t, c = time.perf_counter(), time.process_time()
df = store.metrics_frame(sys.argv[3])
read_s, read_cpu = time.perf_counter() - t, time.process_time() - c
t, c = time.perf_counter(), time.process_time()
m = compute_metrics(spec, df, seed=0)
wall, cpu = time.perf_counter() - t, time.process_time() - c
m.to_pickle(sys.argv[4])
print(json.dumps({"read_s": read_s, "read_cpu_s": read_cpu, "metrics_s": wall, "metrics_cpu_s": cpu,
                  "rows": len(m), "verdicts": len(df),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(code_root: Path, db: Path, run_id: str, out: Path) -> dict:
    load = os.getloadavg()[0]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = subprocess.run([sys.executable, "-c", CHILD, str(code_root), str(db), run_id, str(out)],
                         capture_output=True, text=True, env=env)
    if res.returncode:
        raise SystemExit(f"measurement with {code_root} failed:\n{res.stderr[-3000:]}")
    out = res.stdout  # DuckDB may draw a progress bar on the same stream
    row = json.loads(out[out.rindex('{"read_s"'):].splitlines()[0])
    row["load_before"] = load
    row["load_after"] = os.getloadavg()[0]
    return row


def compare(new: Path, old: Path) -> str:
    import numpy as np
    import pandas as pd

    a, b = pd.read_pickle(new), pd.read_pickle(old)
    key = ["probe", "metric", "subset"]
    m = a.merge(b, on=key, suffixes=("", "_old"), how="outer", indicator=True)
    both = m[m["_merge"] == "both"]
    est = np.nanmax(np.abs(both["estimate"] - both["estimate_old"]).to_numpy(float)) if len(both) else np.nan
    lo = np.abs(both["ci_low"] - both["ci_low_old"]).to_numpy(float)
    hi = np.abs(both["ci_high"] - both["ci_high_old"]).to_numpy(float)
    width = (both["ci_high_old"] - both["ci_low_old"]).abs().to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.nanmax(np.maximum(lo, hi) / np.where(width > 0, width, np.nan)) if len(both) else np.nan
    only = int((m["_merge"] != "both").sum())
    return (f"{len(both)} common rows, {only} in one only; max |estimate difference| {est:.2e}; "
            f"max interval-bound shift {rel:.1%} of the old interval's width")


def main() -> int:
    from report_scale import fill

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verdicts", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--baseline", default=None, help="directory holding an older judgekit/, suites/ and data/")
    ap.add_argument("--db", default=None, help="reuse this store (filled when missing; kept)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="judgekit-metrics-"))
    try:
        db = Path(a.db) if a.db else tmp / "scale.duckdb"
        if not db.exists():
            fill(db, a.verdicts)
        run_id = "scale-run"
        arms = [("new", ROOT)] + ([("old", Path(a.baseline))] if a.baseline else [])
        results: dict[str, list[dict]] = {name: [] for name, _ in arms}
        for r in range(a.rounds):
            for name, root in (arms if r % 2 == 0 else arms[::-1]):
                row = measure(root, db, run_id, tmp / f"{name}.pkl")
                results[name].append(row)
                print(f"round {r + 1} {name}: compute_metrics {row['metrics_s']:.1f} s wall, "
                      f"{row['metrics_cpu_s']:.1f} s CPU ({row['rows']} rows over {row['verdicts']:,} verdicts); "
                      f"read {row['read_s']:.1f} s; peak RSS {row['peak_rss_mb']:.0f} MB; "
                      f"load average {row['load_before']:.1f} -> {row['load_after']:.1f}", flush=True)
        summary = {}
        for name, rows in results.items():
            summary[name] = {k: round(statistics.median(r[k] for r in rows), 2)
                             for k in ("metrics_s", "metrics_cpu_s", "read_s", "peak_rss_mb")}
            print(f"median {name}: {summary[name]}")
        if a.baseline:
            print("old / new (median wall):", round(summary["old"]["metrics_s"] / summary["new"]["metrics_s"], 2),
                  "| (median CPU):", round(summary["old"]["metrics_cpu_s"] / summary["new"]["metrics_cpu_s"], 2))
            print("agreement:", compare(tmp / "new.pkl", tmp / "old.pkl"))
        new = summary["new"]
        ok = new["metrics_cpu_s"] <= 15 and new["peak_rss_mb"] <= 1536
        print(json.dumps({"verdicts": a.verdicts, **{f"{k}_{n}": v for n, s in summary.items() for k, v in s.items()}}))
        print("PASS" if ok else "FAIL", "(targets: 15 s of compute, 1.5 GB peak)")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
