"""Scale benchmark: build the report of a run with 1,000,000 verdicts and measure time and peak memory.

    python benchmarks/report_scale.py [--verdicts 1000000] [--db /tmp/judgekit-scale.duckdb] [--keep]
    python benchmarks/report_scale.py --verdicts 10000000           # the 10,000,000-verdict target (60 s)

The store is filled with DuckDB ``INSERT ... SELECT`` over ``range()`` (no Python loops):
items with realistic text lengths, 50 trials per item over the six probes of the bias
suite (conditions, both orders, cue templates and placements, control repeats), one
verdict per trial, and a metrics table of the usual size. ``build_report`` then runs in a
fresh subprocess; its wall time and peak resident memory (``ru_maxrss`` of the child)
are printed, with the size of the HTML.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from judgekit.store.db import Store

# (probe, condition, order, repeat, placement, template): 50 trials per item.
_CUE = {"bandwagon": ("user", 1), "authority": ("response_end", 1), "verbosity": ("response_end", 1),
        "distraction": ("response_end", 1), "reflection": ("start", 3)}


_METRIC_COLS = ("(run_id, suite, probe, metric, subset, estimate, ci_low, ci_high, p_value, p_adjusted, n, note, "
                "computed_at)")


def design() -> list[tuple[str, str, str, int, str | None, str | None]]:
    rows = [("position", "control", o, 0, None, None) for o in ("AB", "BA")]
    rows += [("position", "control", o, r, None, None) for o in ("AB", "BA") for r in (1, 2)]
    for probe, (placement, n_place) in _CUE.items():
        rows += [(probe, "control", o, 0, None, None) for o in ("AB", "BA")]
        places = [placement] if n_place == 1 else ["start", "middle", "end"]
        neutral = "irrelevant" if probe == "verbosity" else "neutral"  # verbosity's irrelevant text is its neutral
        conds = ["cue_gold", "cue_other", f"{neutral}_gold", f"{neutral}_other"]
        rows += [(probe, c, o, 0, p, f"t{k}") for c in conds for o in ("AB", "BA") for k, p in enumerate(places)]
        if probe == "reflection":
            rows += [(probe, "between", o, 0, "between", "t0") for o in ("AB", "BA")]
    return rows


def fill(db: Path, n_verdicts: int) -> tuple[str, float]:
    cells = design()
    n_items = max(1, n_verdicts // len(cells))
    run_id = "scale-run"
    Store(db)  # schema
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO runs VALUES (?, 'bias', 'scripted/bandwagon=0.3', 'synthetic', ?, ?, 0, 'finished', "
                "now(), now(), 'scale', ?, NULL)",
                [run_id, json.dumps({"probes": list({c[0]: 1 for c in cells}), "repeats": 2, "repeat_fraction": 1.0,
                                     "n_items": n_items, "data": "synthetic"}),
                 json.dumps({"judgekit": "bench"}), n_items * len(cells)])
    con.execute("""
        INSERT INTO items (run_id, item_id, prompt, response_a, response_b, label, kind, category, source,
                           metadata)
        SELECT ?, 'it' || lpad(i::VARCHAR, 7, '0'),
          'Question ' || i || ': ' || repeat('explain the trade-offs carefully. ', 6),
          'Answer A to ' || i || '. ' || repeat('A detailed and careful answer. ', 10),
          'Answer B to ' || i || '. ' || repeat('A shorter answer. ', 8),
          CASE WHEN i % 2 = 0 THEN 'A' ELSE 'B' END, CASE WHEN i % 3 = 0 THEN 'preference' ELSE 'fact' END,
          'cat' || (i % 7), 'synthetic', NULL
        FROM range(?) r(i)""", [run_id, n_items])
    con.execute("CREATE TEMP TABLE d (k INTEGER, probe VARCHAR, condition VARCHAR, ord VARCHAR, rep INTEGER, "
                "placement VARCHAR, template VARCHAR)")
    con.executemany("INSERT INTO d VALUES (?, ?, ?, ?, ?, ?, ?)", [(k, *c) for k, c in enumerate(cells)])
    con.execute("""
        INSERT INTO trials (run_id, trial_id, item_id, probe, condition, "order", repeat, first, second, gold_position,
                            cue, request_key, mitigation)
        SELECT ?, i.item_id || '/' || d.k, i.item_id, d.probe, d.condition, d.ord, d.rep,
          CASE d.ord WHEN 'AB' THEN i.response_a ELSE i.response_b END || CASE WHEN d.placement IS NULL THEN ''
            ELSE ' Cue text for ' || d.probe END,
          CASE d.ord WHEN 'AB' THEN i.response_b ELSE i.response_a END,
          CASE WHEN (i.label = 'A') = (d.ord = 'AB') THEN 'A' ELSE 'B' END,
          CASE WHEN d.placement IS NULL THEN NULL ELSE json_object('target',
            CASE WHEN d.condition = 'between' OR d.condition LIKE 'neutral%' THEN NULL
                 WHEN d.condition LIKE '%gold' THEN i.label
                 WHEN i.label = 'A' THEN 'B' ELSE 'A' END,
            'template', d.template, 'placement', d.placement, 'text', 'Cue text for ' || d.probe)::VARCHAR END,
          md5(i.item_id || d.k), 'none'
        FROM items i CROSS JOIN d WHERE i.run_id = ?""", [run_id, run_id])
    con.execute("""
        INSERT INTO verdicts (run_id, trial_id, request_key, choice, chosen, correct, p_a, p_b, raw, error,
                              input_tokens, output_tokens, latency_s, cost_usd, cached, created_at, parse_rule,
                              p_ab_mass)
        SELECT run_id, trial_id, request_key, choice,
          CASE WHEN choice IN ('A', 'B') THEN CASE WHEN (choice = 'A') = ("order" = 'AB') THEN 'A' ELSE 'B' END END,
          CASE WHEN choice IN ('A', 'B') THEN (CASE WHEN (choice = 'A') = ("order" = 'AB') THEN 'A' ELSE 'B' END)
               = gold_letter END,
          pa, 1 - pa, 'Verdict: ' || choice, NULL, 180, 3, 0.05, 0.0001, false, now(), 'text:label', NULL
        FROM (SELECT t.*, (hash(t.trial_id) % 1000) / 1000.0 AS pa,
                     CASE WHEN hash(t.trial_id || 'x') % 100 < 2 THEN 'invalid'
                          WHEN hash(t.trial_id || 'y') % 100 < 60 THEN t.gold_position
                          ELSE CASE t.gold_position WHEN 'A' THEN 'B' ELSE 'A' END END AS choice,
                     i.label AS gold_letter
              FROM trials t JOIN items i ON i.run_id = t.run_id AND i.item_id = t.item_id WHERE t.run_id = ?)""",
                [run_id])
    con.execute(f"""
        INSERT INTO metrics {_METRIC_COLS}
        SELECT ?, 'bias', probe, metric, subset, 0.1, 0.05, 0.15, 0.01, 0.02, 1000, 'synthetic', now()
        FROM (SELECT DISTINCT probe FROM d WHERE probe <> 'position') p,
             (VALUES ('bias_effect', 'all'), ('bias_effect', 'fact'), ('bias_effect', 'cue_gold'),
                     ('flip_rate', 'all'), ('flip_rate_net', 'all'), ('noise_floor', 'all'),
                     ('robustness_rate', 'all'), ('accuracy', 'control'), ('accuracy', 'cue_gold'),
                     ('accuracy', 'cue_other'), ('bias_effect', 'template:t0')) m(metric, subset)""", [run_id])
    con.execute(f"INSERT INTO metrics {_METRIC_COLS} SELECT ?, 'bias', 'position', m, 'all', 0.55, 0.5, 0.6, 0.04, "
                "NULL, 20000, 'synthetic', now() FROM (VALUES ('first_position_rate'), ('position_consistency'), "
                "('accuracy')) v(m)", [run_id])
    n = con.execute("SELECT count(*) FROM verdicts").fetchone()[0]
    con.close()
    print(f"filled {n:,} verdicts ({n_items:,} items x {len(cells)} trials) in {time.perf_counter() - t0:.1f} s; "
          f"file {db.stat().st_size / 1e6:.0f} MB")
    return run_id, time.perf_counter() - t0


CHILD = """
import sys, time
from judgekit.report.build import build_report
t = time.perf_counter()
p = build_report(sys.argv[1], sys.argv[2], sys.argv[3])
print(f"build_report {time.perf_counter() - t:.2f} s -> {p} ({p.stat().st_size / 1e6:.1f} MB)")
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verdicts", type=int, default=1_000_000)
    ap.add_argument("--db", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--keep", action="store_true", help="keep an existing --db instead of refilling it")
    ap.add_argument("--keep-files", action="store_true", help="keep the temporary store and report")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="judgekit-scale-"))
    db = Path(a.db) if a.db else tmp / "scale.duckdb"
    if not (a.keep and db.exists()):
        db.unlink(missing_ok=True)
        run_id, _ = fill(db, a.verdicts)
    else:
        run_id = "scale-run"
    out = Path(a.out) if a.out else tmp / "reports"
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD, str(db), run_id, str(out)], check=True)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    print(f"report wall time (subprocess, including imports): {wall:.1f} s; CPU {cpu:.1f} s; "
          f"peak RSS {peak_mb:.0f} MB; load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
    if not a.keep_files:
        shutil.rmtree(tmp, ignore_errors=True)
    ok = wall < 60 and peak_mb < 2048
    print("PASS" if ok else "FAIL", "(limits: 60 s, 2048 MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
