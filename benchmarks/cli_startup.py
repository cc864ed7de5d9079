"""Start-up of the command line: wall time and `python -X importtime` totals per command.

    python benchmarks/cli_startup.py               # median of 5 runs per command
    python benchmarks/cli_startup.py --repeats 9
    python /path/to/other/checkout/benchmarks/cli_startup.py    # measures that checkout (ROOT = its parent)

Target (issue "Fast end to end"): `judgekit --help`, `judgekit runs` and `judgekit card` in at most
0.4 s. A small scripted run is stored first so that `runs`, `metrics` and `card` read a real
database. Prints the load average, since the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "JUDGEKIT_PROGRESS": "off"}


def wall(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "judgekit", *args], env=ENV, check=True, capture_output=True)
    return time.perf_counter() - t0


def import_totals(args: list[str]) -> tuple[float, int, list[tuple[str, float]]]:
    """Total import time (s), modules imported and the three largest top-level packages."""
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "judgekit", *args], env=ENV, check=True,
                         capture_output=True, text=True)
    top: dict[str, float] = {}
    n = 0
    for line in res.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
            continue
        _, cumulative, raw = line.split(":", 1)[1].split("|")
        n += 1
        if raw.startswith(" ") and not raw.startswith("  "):  # imported by the command itself, not nested
            top[raw.strip()] = top.get(raw.strip(), 0.0) + int(cumulative) / 1e6
    biggest = sorted(top.items(), key=lambda kv: -kv[1])[:3]
    return sum(top.values()), n, biggest


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "f.jsonl"
        from tests.conftest import write_fact_items

        write_fact_items(data, 20)
        db = str(Path(tmp) / "s.duckdb")
        subprocess.run([sys.executable, "-m", "judgekit", "eval", "--judge", "scripted/first=0.2", "--data",
                        str(data), "--db", db, "--no-report"], env=ENV, check=True, capture_output=True)
        commands = {"--help": ["--help"], "eval --help": ["eval", "--help"], "runs": ["runs", "--db", db],
                    "metrics": ["metrics", "--db", db], "card": ["card", "--db", db]}
        base = statistics.median(
            [(lambda t0: (subprocess.run([sys.executable, "-c", "pass"], check=True), time.perf_counter() - t0)[1])(
                time.perf_counter()) for _ in range(a.repeats)])
        print(f"load average {os.getloadavg()[0]:.2f}; python -c pass: {base:.3f} s (median of {a.repeats})")
        print(f"{'command':<14} {'median wall':>12} {'min':>7} {'importtime':>11} {'modules':>8}  largest imports")
        for label, args in commands.items():
            try:
                times = [wall(args) for _ in range(a.repeats)]
            except subprocess.CalledProcessError:  # e.g. a command an older checkout does not have
                print(f"{label:<14} (fails in this checkout)")
                continue
            total, n, biggest = import_totals(args)
            big = ", ".join(f"{k} {v:.2f}s" for k, v in biggest)
            print(f"{label:<14} {statistics.median(times):>10.3f} s {min(times):>6.3f} {total:>9.3f} s {n:>8}  {big}")


if __name__ == "__main__":
    main()
