"""``judgekit import`` and ``judgekit profile``: argument parsing and printing only.

Wire into the main parser with ``register(sub)``; each subcommand sets ``func`` (a handler
taking the parsed namespace and returning an exit code).
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from judgekit.engine.progress import add_progress_option
from judgekit.imports import FORMATS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import judgments collected elsewhere as runs (format detected when "
                                      "unambiguous)")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="the files to import; several files of one judge (e.g. repetitions) become one run")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default=None, help="file format (default: detected)")
    p.add_argument("--judge-name", default=None, help="the judge's name when the file does not name it")
    p.add_argument("--db", default="judgekit.duckdb", help="DuckDB file (default ./judgekit.duckdb)")
    p.add_argument("--annotator-kind", choices=("human", "judge"), default=None,
                   help="for profile: who made the judgments (default: human for table and arena, else judge)")
    p.add_argument("--pairs-out", default=None,
                   help="also write the pairs found in the files as a JSONL dataset, for profile --data")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("profile", help="which factors drive human and judge preferences, and where they differ")
    p.add_argument("--data", default=None, help="pairwise dataset: JSONL/CSV/Parquet, hf://org/name or built-in")
    p.add_argument("--principles", default=None, metavar="RUN_ID",
                   help="print the per-principle agreement, relevance, accuracy and strength of an imported "
                        "AnnotatedPairs run (no --data needed)")
    p.add_argument("--db", default="judgekit.duckdb")
    p.add_argument("--judge", action="append", default=[],
                   help="judge spec whose verdicts to profile (repeatable); judged first if it has none")
    p.add_argument("--map", dest="mapping", default=None, help="column mapping, as for eval")
    p.add_argument("--split", default="train")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--extractor", default=None, help="judge spec that measures the LLM factors")
    p.add_argument("--factors", default=None, help="comma-separated factors (default: all measurable)")
    p.add_argument("--no-gold", action="store_true", help="ignore the dataset's labels as human judgments")
    p.add_argument("--n-boot", type=int, default=2000)
    p.add_argument("--top-k", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="reports", help="folder for the HTML page (default reports/)")
    p.add_argument("--no-report", action="store_true", help="skip the HTML page")
    add_progress_option(p)
    p.add_argument("--api-base", default=None)
    p.add_argument("--temperature", type=float, default=None)
    p.add_argument("--max-tokens", type=int, default=None)
    p.add_argument("--concurrency", type=int, default=None)
    p.add_argument("--device", default=None)
    p.add_argument("--dtype", default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.set_defaults(func=cmd_profile)


def _fmt(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–" if x is None else str(x)
    return "–" if math.isnan(v) else f"{v:.3f}"


def print_table(df: Any, columns: list[str], title: str) -> None:
    if df.empty:
        return
    print(f"\n{title}")
    cells = [[c for c in columns]] + [[_fmt(r[c]) if c in ("estimate", "ci_low", "ci_high") else
                                       ("" if r[c] is None or (isinstance(r[c], float) and math.isnan(r[c]))
                                        else str(r[c])) for c in columns] for _, r in df.iterrows()]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    for row in cells:
        print("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def cmd_import(a: argparse.Namespace) -> int:
    from judgekit.analysis.profile.store import write_judgments
    from judgekit.imports import read_files, write_run
    from judgekit.imports.judgments import profile_rows, write_pairs
    from judgekit.store.db import Store

    runs = read_files(a.files, a.fmt, a.judge_name)
    store = Store(a.db)
    for run in runs:
        res = write_run(store, run)
        again = " (already imported)" if res.reused else ""
        print(f"run {res.run_id}{again}: {res.judge} ({run.fmt}), {res.n_verdicts} verdicts on {res.n_items} items, "
              f"{res.n_invalid} unparsed, {res.skipped} skipped without a usable choice")
        m = res.metrics
        keep = m[(m["subset"] == "all") & m["estimate"].notna() & ~m["metric"].str.startswith("n_")]
        for _, r in keep.iterrows():
            print(f"  {r['metric']:<32} {_fmt(r['estimate']):>8}  n={r['n']}")
        rows = profile_rows(run, a.annotator_kind)
        if not rows.empty:
            write_judgments(store, rows)
    print(f"database: {a.db}")
    if a.pairs_out:
        items = list({it.id: it for run in runs for it in run.items if it.response_a or it.response_b}.values())
        if items:
            print(f"pairs:    {write_pairs(items, a.pairs_out)} ({len(items)} pairs)")
        else:
            print("the files hold no response texts; no pairs written", file=sys.stderr)
    return 0


def cmd_principles(a: argparse.Namespace) -> int:
    from judgekit.api import principles

    df = principles(a.principles, db=a.db)
    if df.empty:
        print(f"run {a.principles} has no principle votes", file=sys.stderr)
        return 1
    cols = ["principle", "agreement", "relevance", "accuracy", "strength", "agreed", "disagreed", "not_applicable"]
    print(f"principles of run {a.principles} against the reference annotator (n = {int(df['n'].iloc[0])} pairs)")
    cells = [cols] + [[str(r["principle"])] + [_fmt(r[c]) if c in cols[1:5] else str(int(r[c])) for c in cols[1:]]
                      for _, r in df.iterrows()]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cols))]
    for row in cells:
        print("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_profile(a: argparse.Namespace) -> int:
    from judgekit import api

    if a.principles:
        return cmd_principles(a)
    if not a.data:
        raise ValueError("profile needs --data (or --principles RUN_ID)")

    opts = {"api_base": a.api_base, "temperature": a.temperature, "max_tokens": a.max_tokens,
            "concurrency": a.concurrency, "device": a.device, "dtype": a.dtype, "batch_size": a.batch_size}
    factors = [f.strip() for f in a.factors.split(",") if f.strip()] if a.factors else None
    res = api.profile(data=a.data, db=a.db, judges=tuple(a.judge), mapping=a.mapping, judge_options=opts,
                      extractor=a.extractor, factors=factors, seed=a.seed, split=a.split, limit=a.limit,
                      n_boot=a.n_boot, top_k=a.top_k, use_gold=not a.no_gold,
                      progress=getattr(a, "progress", None))
    print(f"profile {res['analysis_id']}: {res['n_pairs']} pairs, {res['n_judgments']} judgments, "
          f"annotators: {', '.join(res['annotators'])}")
    cols = ["annotator", "factor", "estimate", "ci_low", "ci_high", "n"]
    print_table(res["influence"], cols, "factor influence tau(f) = (C - D) / (C + D)")
    al = res["alignment"]
    print_table(al[al["metric"] != "tau_difference"], ["annotator", "metric", "estimate", "ci_low", "ci_high",
                                                        "note"], "alignment with the human profile")
    mis = al[(al["metric"] == "tau_difference") & al["flag"].fillna(False).astype(bool)]
    print_table(mis, ["annotator", "factor", "estimate", "ci_low", "ci_high", "note"],
                "misaligned factors (judge tau - human tau)")
    jm = res["joint"]
    print_table(jm[jm["metric"] == "joint_log_odds"], [*cols, "flag"],
                "joint model: log-odds per SD (flag = influence explained by correlated factors)")
    print_table(res["length_control"], ["annotator", "factor", "metric", "estimate", "ci_low", "ci_high", "n"],
                "length-controlled win rates")
    print_table(res["style_bt"], ["annotator", "factor", "estimate", "ci_low", "ci_high", "n"],
                "style-controlled Bradley-Terry terms")
    print()
    if not getattr(a, "no_report", False):
        from judgekit.analysis.profile.report import write_profile_report

        print(f"report:   {write_profile_report(a.db, res['analysis_id'], getattr(a, 'out', 'reports'))}")
    print(f"database: {a.db}")
    return 0
