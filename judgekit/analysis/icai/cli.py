"""``judgekit icai``: learn a constitution from a preference dataset and print it."""

from __future__ import annotations

import argparse
import math
from typing import Any

from judgekit.engine.progress import add_progress_option


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``icai`` subcommand; its handler is :func:`cmd_icai` (also set as ``func``)."""
    p = subparsers.add_parser("icai", help="compress preferences into a constitution (Inverse Constitutional AI)")
    p.add_argument("--data", default=None, help="JSONL/CSV/Parquet file or hf://org/name with labelled pairs "
                                                "(default: the synthetic demo set)")
    p.add_argument("--map", dest="mapping", default=None, help="column mapping, e.g. prompt=instruction,label=pref")
    p.add_argument("--judge", default=None, help="model that proposes, votes and judges (smollm2 default, "
                                                 "hf/..., a litellm model, or scripted/icai for the demo)")
    p.add_argument("--principles", type=int, default=None,
                   help="at most this many principles (default: principles_k of suites/icai.yaml)")
    p.add_argument("--test-fraction", type=float, default=None,
                   help="share of pairs held out (default: test_fraction of suites/icai.yaml)")
    p.add_argument("--embedder", default=None, help="minilm (default, offline) or litellm/<embedding model>")
    p.add_argument("--db", default="judgekit.duckdb")
    p.add_argument("--out", default="reports", help="folder for the constitution text file and the HTML page")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-report", action="store_true", help="skip the HTML page")
    add_progress_option(p)
    g = p.add_argument_group("judge options")
    g.add_argument("--api-base", default=None)
    g.add_argument("--temperature", type=float, default=None)
    g.add_argument("--max-tokens", type=int, default=None)
    g.add_argument("--concurrency", type=int, default=None)
    g.add_argument("--device", default=None)
    g.add_argument("--dtype", default=None)
    g.add_argument("--batch-size", type=int, default=None)
    g.add_argument("--max-new-tokens", type=int, default=None)
    p.set_defaults(func=cmd_icai)
    return p


def _judge_options(a: argparse.Namespace) -> dict[str, Any]:
    names = ("api_base", "temperature", "max_tokens", "concurrency", "device", "dtype", "batch_size",
             "max_new_tokens")
    return {k: getattr(a, k, None) for k in names if getattr(a, k, None) is not None}


def _fmt(x: Any) -> str:
    try:
        return "–" if x is None or math.isnan(float(x)) else f"{float(x):.3f}"
    except (TypeError, ValueError):
        return str(x)


def cmd_icai(a: argparse.Namespace) -> int:
    """Run the analysis and print the constitution. Works for ``judgekit icai`` and ``eval --suite icai``."""
    from judgekit.analysis.icai.run import run_icai, suite_defaults

    res = run_icai(data=a.data, db=a.db, judge=a.judge, mapping=getattr(a, "mapping", None),
                   principles_k=getattr(a, "principles", None), seed=a.seed,
                   test_fraction=getattr(a, "test_fraction", None), judge_options=_judge_options(a),
                   options=suite_defaults(getattr(a, "suite", None) or "icai"),
                   out_dir=a.out, embedder=getattr(a, "embedder", None),
                   progress=getattr(a, "progress", None))
    print(f"constitution {res['icai_id']} ({res['n_train']} train / {res['n_test']} test pairs, "
          f"{res['n_requests_sent']} requests sent):")
    for i, text in enumerate(res["constitution"], start=1):
        print(f"  {i}. {text}")
    if not res["constitution"]:
        print("  (no principle improved held-out prediction on the training split)")
    print("agreement with held-out labels:")
    for _, r in res["reconstruction"].iterrows():
        print(f"  {r['condition']:<32} {_fmt(r['estimate']):>7} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}] "
              f"n={r['n']}")
    print(f"constitution: {res['constitution_path']}")
    if not getattr(a, "no_report", False):
        from judgekit.analysis.icai.report import write_icai_report

        print(f"report:       {write_icai_report(a.db, res['icai_id'], a.out)}")
    print(f"database:     {a.db}")
    return 0
