"""CPU per verdict in the engine: request building, cache lookup, journal and DuckDB writes.

    python benchmarks/engine_cpu.py                      # 2,000-item bias suite, scripted judge, 3 rounds
    python benchmarks/engine_cpu.py --items 500 --rounds 1 --profile 25
    python benchmarks/engine_cpu.py --compare-jinja      # and the same rounds rendering through Jinja2

Synthetic items with known gold answers go through the bias suite's probes (trials are built
before the clock starts); each round runs ``judgekit.engine.runner.execute`` on a fresh DuckDB
file with ``scripted/first=0.3`` (no delay). The CPU time of the process during ``execute``
(``time.process_time``: every thread, DuckDB's included) minus the CPU the scripted judge spends
answering is the engine's CPU; divided by the verdicts written it is the figure of issue 16
(target <= 0.3 ms per verdict). ``--profile N`` runs one more round under cProfile and prints
the N functions with the most cumulative time. The load average is printed: CPU time is less
sensitive to other jobs than wall time, but not immune (caches, frequency).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from store_scale import synthetic_items

from judgekit.engine.runner import RunSpec, execute
from judgekit.judges.prompt import PromptTemplate, load_template, render_jinja
from judgekit.judges.scripted import ScriptedJudge
from judgekit.store.db import Store
from judgekit.suites import build_trials, load_suite
from judgekit.types import JudgeOutput, JudgeRequest

TARGET_MS = 0.3


class JinjaTemplate(PromptTemplate):
    """The same template rendered through Jinja2 on every trial (the rendering before issue 16)."""

    def render(self, trial, *, renderer=render_jinja):  # type: ignore[no-untyped-def, override]
        return super().render(trial, renderer=render_jinja)


class TimedJudge(ScriptedJudge):
    """The scripted judge, with the CPU it spends answering counted apart from the engine's."""

    judge_cpu = 0.0

    def judge(self, requests: Sequence[JudgeRequest]) -> Iterator[tuple[JudgeRequest, JudgeOutput]]:
        it = super().judge(requests)
        while True:
            t0 = time.process_time()
            try:
                pair = next(it)
            except StopIteration:
                self.judge_cpu += time.process_time() - t0
                return
            self.judge_cpu += time.process_time() - t0
            yield pair


def one_round(items: list, trials: list, folder: Path, template: PromptTemplate) -> tuple[float, float, float, int]:
    """(engine CPU s, judge CPU s, wall s, verdicts) of one ``execute`` on a fresh store."""
    n = len(list(folder.glob("*.duckdb")))
    store = Store(folder / f"engine{n}.duckdb")
    judge = TimedJudge(items, spec="scripted/first=0.3")
    spec = RunSpec(suite="bias", dataset="synthetic", seed=0, template="pairwise", probe_config={"bench": n})
    c0, w0 = time.process_time(), time.perf_counter()
    stats = execute(store, judge, items, trials, spec, template, config={}, progress=False)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    verdicts = int(store.query("SELECT count(*) AS n FROM verdicts").iloc[0, 0])
    assert verdicts == stats.n_trials == len(trials), (verdicts, stats)
    return cpu - judge.judge_cpu, judge.judge_cpu, wall, verdicts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--compare-jinja", action="store_true",
                    help="also run rounds rendering every prompt through Jinja2 (interleaved)")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="one more round under cProfile; top N")
    a = ap.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    items = synthetic_items(a.items)
    trials = build_trials(load_suite("bias"), items, seed=0, options={"repeats": 0, "repeat_fraction": 0.0})
    print(f"bias suite, {len(items):,} synthetic items -> {len(trials):,} trials, judge scripted/first=0.3")
    fast = load_template("pairwise")
    variants = {"fast": fast}
    if a.compare_jinja:
        variants["jinja"] = JinjaTemplate(fast.name, fast.system, fast.user)
    per: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(a.rounds):
            for name, tmpl in variants.items():  # interleaved
                eng, jud, wall, v = one_round(items, trials, Path(tmp), tmpl)
                per[name].append(eng / v * 1000)
                print(f"  round {n + 1} {name:5}: engine {eng:6.2f} CPU-s, judge {jud:5.2f} CPU-s, wall {wall:6.2f} s,"
                      f" {v:,} verdicts -> {per[name][-1]:.3f} ms per verdict", flush=True)
        for name, values in per.items():
            med = statistics.median(values)
            verdict = "met" if med <= TARGET_MS else f"not met ({med / TARGET_MS:.1f}x the target)"
            label = "templates rendered through Jinja2 per trial" if name == "jinja" else "as shipped"
            print(f"engine CPU per verdict ({label}), median of {len(values)}: {med:.3f} ms "
                  f"(target <= {TARGET_MS} ms: {verdict})")
        if a.profile:
            prof = cProfile.Profile()
            prof.enable()
            one_round(items, trials, Path(tmp), fast)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(a.profile)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
