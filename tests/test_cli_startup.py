"""Start-up: `judgekit --help`, `runs`, `metrics` and `card` import none of the heavy libraries.

Not timed (the machine is shared); ``python -X importtime`` lists what a command imports, and
that list must not hold the statistics, model, plotting or analysis stacks. Wall times are in
benchmarks/cli_startup.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from judgekit.cli import main
from tests.conftest import write_fact_items

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("statsmodels", "scipy", "torch", "transformers", "litellm", "plotly", "judgekit.analysis.icai.run",
         "judgekit.analysis.profile.run", "judgekit.api")


def imported(*args: str, cwd: Path = ROOT) -> set[str]:
    """Top-level names of every module a ``python -m judgekit ARGS`` process imports."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "judgekit", *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    names = set()
    for line in res.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert names, "no -X importtime output"
    return names


def _heavy(names: set[str], extra: tuple[str, ...] = ()) -> list[str]:
    bad = HEAVY + extra
    return sorted(n for n in names if any(n == b or n.startswith(b + ".") for b in bad))


def test_help_imports_no_heavy_module_and_not_pandas():
    names = imported("--help")
    assert "judgekit.cli" in names
    assert _heavy(names, ("pandas", "numpy", "duckdb")) == []


def test_eval_help_imports_no_heavy_module():
    assert _heavy(imported("eval", "--help"), ("pandas",)) == []


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("startup")
    path = tmp / "s.duckdb"
    assert main(["eval", "--judge", "scripted/first=0.2", "--data", str(write_fact_items(tmp / "f.jsonl", 6)),
                 "--db", str(path), "--no-report"]) == 0
    return path


def test_runs_and_metrics_read_the_store_with_duckdb_alone(db):
    for cmd in (("runs", "--db", str(db)), ("metrics", "--db", str(db))):
        names = imported(*cmd)
        assert "duckdb" in names
        assert _heavy(names, ("pandas",)) == [], cmd


def test_card_reads_the_store_with_duckdb_alone(db):
    names = imported("card", "--db", str(db))
    assert "duckdb" in names
    assert _heavy(names, ("pandas", "numpy")) == []


def test_rerun_answered_by_an_identical_finished_run_imports_no_pandas(tmp_path):
    data = write_fact_items(tmp_path / "f.jsonl", 6)
    args = ["eval", "--judge", "scripted/first=0.2", "--data", str(data), "--db", str(tmp_path / "r.duckdb"),
            "--out", str(tmp_path / "rep")]
    assert main(args) == 0
    names = imported(*args)
    assert "judgekit.api" in names  # the orchestrator ran, and found the identical run ...
    assert _heavy(names - {"judgekit.api"}, ("pandas", "numpy")) == []  # ... without statistics, report or pandas
