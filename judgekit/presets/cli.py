"""The command line of the presets: ``judgekit eval --suite lrm-paper --data-dir DIR --judge SPEC ...``."""

from __future__ import annotations

import argparse
from typing import Any


def dry_run_lines(a: argparse.Namespace) -> list[str]:
    """Requests per judge and dataset kind, and the time they take at ``--assume-latency`` seconds each."""
    from judgekit.plan import load_suite, make_plan
    from judgekit.presets.lrm_data import load_paper_data
    from judgekit.presets.lrm_paper import SUITES, mcq_available

    data = load_paper_data(a.data_dir, limit=a.limit, seed=a.seed)
    latency = a.assume_latency if a.assume_latency is not None else 1.0
    lines, total = [], 0
    for kind, items in (("preference", data.preference), ("fact", data.fact)):
        if not items:
            continue
        why = mcq_available() if kind == "fact" else None
        if why:
            lines.append(f"  {kind}: {len(items)} items, not judged ({why})")
            continue
        plan = make_plan(load_suite(SUITES[kind]), items, f"lrm-paper-{kind}", seed=a.seed, stochastic=True,
                         repeats=a.repeats, mitigations=a.mitigations if kind == "preference" else None)
        total += len(plan.trials)
        lines.append(f"  {kind}: {len(items)} items, {len(plan.trials)} requests ({SUITES[kind]})")
    judges = a.judge or ["smollm2"]
    lines.append(f"per judge: {total} requests, about {total * latency / 60:.0f} min at {latency:g} s per request "
                 f"one at a time (--assume-latency; divide by the concurrency); {len(judges)} judge(s): "
                 f"{total * len(judges)} requests (a stochastic judge: with its noise-floor repeats)")
    return [f"lrm-paper on {a.data_dir}:", *lines]


def cmd_preset(a: argparse.Namespace, judge_options: dict[str, Any]) -> int:
    from judgekit.presets.lrm_paper import run_lrm_paper

    if not a.data_dir:
        raise ValueError("--suite lrm-paper needs --data-dir DIR: a copy of the paper's data (dpo/*.json, fact/*.json)")
    if a.dry_run:
        print("\n".join(dry_run_lines(a)))
        return 0
    res = run_lrm_paper(a.data_dir, a.judge or ["smollm2"], judge_types=a.judge_type, db=a.db, out=a.out,
                        limit=a.limit, seed=a.seed, mitigations=a.mitigations, judge_options=judge_options,
                        repeats=a.repeats, progress=a.progress, make_report=not a.no_report)
    for r in res.runs.itertuples():
        print(f"{r.judge} ({r.judge_type}) {r.kind}: run {r.run_id}, {r.n_trials} trials, {r.seconds:.1f} s")
    for s in res.skipped:
        print(f"skipped: {s}")
    print(f"database: {a.db}")
    print(f"findings: {res.findings_path}")
    return 0
