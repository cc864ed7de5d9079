"""Every benchmark script still runs against the current code, at a size of seconds.

The benchmarks are run by hand, not in the suite, so a schema or API change can break one unnoticed
(a fill that inserts one column too few, a frame missing a new verdict column). This runs each at a
tiny size and checks that it exits 0 and prints its summary line; it asserts nothing about speed (the
figures at this size mean nothing, and machines here are shared). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: (script and tiny-size arguments, a line its output must hold)
RUNS = [
    (["report_scale.py", "--verdicts", "3000"], "report wall time (subprocess, including imports):"),
    (["metrics_scale.py", "--verdicts", "3000", "--rounds", "1"], '"verdicts": 3000'),
    (["store_scale.py", "--verdicts", "3000", "--chunk", "1000"], "compute_metrics (bias suite):"),
    (["engine_cpu.py", "--items", "20", "--rounds", "1"], "engine CPU per verdict (as shipped)"),
    (["e2e_position.py", "--pairs", "20", "--rounds", "1", "--latency-ms", "1"], "cached rerun / first run:"),
    (["cache_rerun.py", "--suite", "position", "--delay", "0"], "second / first:"),
    (["soak.py", "--items", "60", "--kills", "1", "--max-wait", "1"], "verdicts lost: 0"),
    (["cli_startup.py", "--repeats", "1"], "python -c pass:"),
]


@pytest.mark.parametrize(("args", "expect"), RUNS, ids=[r[0][0] for r in RUNS])
def test_benchmark_runs_at_a_tiny_size(args, expect, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "TMPDIR": str(tmp_path),
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / args[0]), *args[1:]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"benchmarks/{args[0]} exited {proc.returncode}:\n{out[-3000:]}"
    assert expect in out, f"benchmarks/{args[0]} printed no {expect!r}:\n{out[-3000:]}"
