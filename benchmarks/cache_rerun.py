"""Re-running a finished suite: model calls and time, against the first run.

    python benchmarks/cache_rerun.py                      # bias suite, scripted judge with 10 ms per call
    python benchmarks/cache_rerun.py --suite position --delay 0.05

The scripted judge stands in for a model that costs ``--delay`` seconds per request (its delay
is not part of the cache key). Both runs go through ``judgekit.api.evaluate`` on a fresh
database (no report), so the second run is the cache path end to end. The time of the engine
(``execute``: trials, cache lookup, writes) and of the metrics is reported apart.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judgekit.api import evaluate, load_suite_items
from judgekit.judges.scripted import ScriptedJudge
from judgekit.suites import load_suite


def run(suite: str, spec: str, db: Path, items: list) -> tuple[float, float, int, int]:
    judge = ScriptedJudge(items, spec=spec)
    t0 = time.perf_counter()
    res = evaluate(suite, judge_obj=judge, db=db, make_report=False, progress=False)
    return time.perf_counter() - t0, res.stats.seconds, judge.calls, res.stats.n_cached


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", default="bias")
    ap.add_argument("--delay", type=float, default=0.01, help="seconds per model call (default 0.01)")
    a = ap.parse_args()
    spec_text = f"scripted/first=0.3,delay={a.delay:g}"
    items, _ = load_suite_items(load_suite(a.suite))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        t1, e1, calls1, _ = run(a.suite, spec_text, db, items)
        t2, e2, calls2, cached2 = run(a.suite, spec_text, db, items)
    print(f"suite {a.suite}, {spec_text}")
    print(f"first run:  {t1:6.2f} s total ({e1:6.2f} s engine, {t1 - e1:5.2f} s metrics), {calls1} model calls")
    print(f"second run: {t2:6.2f} s total ({e2:6.2f} s engine, {t2 - e2:5.2f} s metrics), {calls2} model calls, "
          f"{cached2} verdicts from cache")
    print(f"second / first: {t2 / t1:.1%} (engine only: {e2 / e1:.1%})")


if __name__ == "__main__":
    main()
