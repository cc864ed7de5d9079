"""Command line: parse arguments, call :mod:`judgekit.api`, print. No logic lives here."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

EXIT_USAGE = 2


def _add_eval(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="run a suite against a judge, store verdicts, write the report")
    p.add_argument("--suite", default="position", help="suite name (suites/NAME.yaml) or a YAML path")
    p.add_argument("--probes", default=None, help="run only these probes of the suite, e.g. bandwagon,authority")
    p.add_argument("--mitigations", default=None,
                   help="also judge under these mitigations and compare: none,swap,calibrate,system-prompt,icl,"
                        "self-reflection")
    p.add_argument("--judge", default=None,
                   help="smollm2 (default), hf/PATH_OR_ID, rm/PATH_OR_ID, or a litellm model such as openai/gpt-4o")
    p.add_argument("--data", default=None, help="JSONL/CSV/Parquet file, hf://org/name, or a built-in set (facts)")
    p.add_argument("--map", dest="mapping", default=None,
                   help="column mapping, e.g. prompt=instruction,response_a=output_1,response_b=output_2,label=pref")
    p.add_argument("--split", default="train", help="split for hf:// datasets")
    p.add_argument("--kind", choices=("fact", "preference"), default=None, help="kind for items without one")
    p.add_argument("--limit", type=int, default=None, help="use a seeded sample of N items from each dataset")
    p.add_argument("--db", default="judgekit.duckdb", help="DuckDB file (default ./judgekit.duckdb)")
    p.add_argument("--out", default="reports", help="report folder (default reports/)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--principles", type=int, default=None, help="icai suite: at most this many principles")
    p.add_argument("--repeats", type=int, default=None, help="identical re-asks per order for the noise floor")
    p.add_argument("--repeat-fraction", type=float, default=None, help="share of items that get repeats")
    p.add_argument("--template", default=None, help="judge prompt template name or YAML path")
    p.add_argument("--no-report", action="store_true", help="skip the HTML report")
    p.add_argument("--dry-run", action="store_true",
                   help="print requests, tokens, estimated cost and minimum detectable effect; call no model")
    _add_judge_options(p)


def _judge_options(a: argparse.Namespace) -> dict[str, Any]:
    return {"api_base": a.api_base, "temperature": a.temperature, "max_tokens": a.max_tokens,
            "concurrency": a.concurrency, "device": a.device, "dtype": a.dtype, "batch_size": a.batch_size,
            "mode": a.mode, "max_new_tokens": a.max_new_tokens, "client": a.client, "batch": a.batch,
            "db": getattr(a, "db", None)}


def _fmt(x: Any) -> str:
    try:
        return "–" if x is None or x != x else f"{float(x):.3f}"
    except (TypeError, ValueError):
        return str(x)


def _print_metrics(m: Any) -> None:
    keep = m[m["subset"].isin(["all", None]) | m["subset"].isna()] if "subset" in m else m
    for _, r in keep.iterrows():
        ci = f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
        pv = f"  p={r['p_value']:.3g}" if r["p_value"] == r["p_value"] and r["p_value"] is not None else ""
        print(f"  {r['probe']:<10} {r['metric']:<24} {_fmt(r['estimate']):>7} {ci:<18} n={r['n']}{pv}")


def _print_profile(analysis: dict[str, Any]) -> None:
    """Factor influence tau(f) side by side: the human labels and each judge."""
    inf = analysis.get("influence")
    if inf is None or len(inf) == 0:
        return
    print("factor influence tau(f) = (C - D) / (C + D), 95% bootstrap interval:")
    for factor, rows in inf.groupby("factor", sort=False):
        cells = [f"{r.annotator}: {_fmt(r.estimate)} [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]"
                 for r in rows.itertuples()]
        print(f"  {factor:<14} " + "   ".join(cells))


def _cmd_eval(a: argparse.Namespace) -> int:
    from judgekit import api
    from judgekit.analysis.icai.run import is_icai_suite

    if is_icai_suite(a.suite):
        from judgekit.analysis.icai.cli import cmd_icai

        return cmd_icai(a)
    probes = [p.strip() for p in a.probes.split(",") if p.strip()] if a.probes else None
    if a.dry_run:
        from judgekit.dryrun import dry_run_suite, format_dry_run

        print(format_dry_run(dry_run_suite(
            a.suite, judge=a.judge, data=a.data, mapping=a.mapping, split=a.split, limit=a.limit, kind=a.kind,
            db=a.db, seed=a.seed, repeats=a.repeats, repeat_fraction=a.repeat_fraction, template=a.template,
            probes=probes, mitigations=a.mitigations, judge_options={**_judge_options(a), "batch": False},
            batch=a.batch)))
        return 0

    res = api.evaluate(a.suite, judge=a.judge, data=a.data, mapping=a.mapping, split=a.split, limit=a.limit,
                       kind=a.kind, db=a.db, seed=a.seed, out=a.out, make_report=not a.no_report,
                       repeats=a.repeats, repeat_fraction=a.repeat_fraction, template=a.template,
                       progress=sys.stderr.isatty() or os.environ.get("JUDGEKIT_PROGRESS") == "1",
                       judge_options=_judge_options(a),
                       mitigations=a.mitigations,
                       probes=probes)
    s = res.stats
    resumed = f" (resumed: {s.n_done_before} already done)" if s.resumed else ""
    print(f"run {res.run_id}{resumed}: {s.n_trials} trials, {s.n_judged} requests sent, "
          f"{s.n_cached} from cache, {s.n_errors} errors, {s.seconds:.1f} s")
    _print_metrics(res.metrics)
    if res.analysis is not None:
        _print_profile(res.analysis)
    print(f"database: {a.db}")
    if res.report_path:
        print(f"report:   {res.report_path}")
    if s.n_errors:
        print(f"{s.n_errors} requests failed; run the same command again to retry them", file=sys.stderr)
        return 1
    return 0


def _cmd_judge(a: argparse.Namespace) -> int:
    from judgekit.debias import judge_pairs

    res = judge_pairs(a.data, judge=a.judge, mitigations=a.mitigations, out=a.out, db=a.db, mapping=a.mapping,
                      split=a.split, seed=a.seed, judge_options=_judge_options(a),
                      progress=sys.stderr.isatty() or os.environ.get("JUDGEKIT_PROGRESS") == "1")
    counts = res["verdict"].value_counts().to_dict()
    print(f"{len(res)} pairs judged with mitigations {res['mitigations'].iloc[0]}: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"database: {a.db} (table debiased, run {res['run_id'].iloc[0]})")
    if a.out:
        print(f"verdicts: {a.out}")
    return 0


def _add_judge_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("judge options")
    g.add_argument("--api-base", default=None,
                   help="base URL of an OpenAI-compatible server; several comma-separated URLs are load-balanced")
    g.add_argument("--client", choices=("auto", "litellm"), default="auto",
                   help="client for openai/ and hosted_vllm/ models (default: the lean built-in client)")
    g.add_argument("--batch", action="store_true",
                   help="use the provider's batch API (OpenAI, Anthropic): half price, results within 24 h")
    g.add_argument("--temperature", type=float, default=None)
    g.add_argument("--max-tokens", type=int, default=None)
    g.add_argument("--concurrency", type=int, default=None, help="parallel API requests")
    g.add_argument("--device", default=None, help="cpu, cuda, cuda:1, mps (default: automatic)")
    g.add_argument("--dtype", default=None, help="float32, bfloat16, float16 (default: automatic)")
    g.add_argument("--batch-size", type=int, default=None)
    g.add_argument("--mode", choices=("logprobs", "generate"), default=None,
                   help="hf judges: next-token probabilities (default) or generate then parse")
    g.add_argument("--max-new-tokens", type=int, default=None)


def _cmd_report(a: argparse.Namespace) -> int:
    from judgekit import api

    print(api.report(a.run_id, db=a.db, out=a.out))
    return 0


def _cmd_compare(a: argparse.Namespace) -> int:
    from judgekit.report.build import compare_console

    print(compare_console(a.db, a.run_ids, a.out, last=a.last, n_boot=a.n_boot))
    return 0


def _cmd_card(a: argparse.Namespace) -> int:
    from judgekit import api
    from judgekit.card import write_card

    run_id = a.run_id or api.latest_run(api.Store(a.db, create=False))
    text = write_card(a.db, run_id, a.out)
    print(a.out or text)
    return 0


def _cmd_runs(a: argparse.Namespace) -> int:
    from judgekit import api

    df = api.runs(a.db)
    if df.empty:
        print("no runs")
        return 0
    cols = ["run_id", "suite", "judge", "dataset", "status", "n_trials", "n_verdicts", "n_invalid", "n_errors",
            "started_at"]
    print(df[cols].to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="judgekit", description="Audit LLM judges, reward models and human "
                                     "preference data.")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_eval(sub)
    p = sub.add_parser("judge", help="judge pairs with mitigations and write debiased verdicts")
    p.add_argument("--data", required=True, help="JSONL/CSV/Parquet file or hf://org/name")
    p.add_argument("--judge", default=None, help="judge spec (default: smollm2)")
    p.add_argument("--mitigations", default="swap",
                   help="comma list: swap, calibrate, system-prompt, icl, self-reflection (default: swap)")
    p.add_argument("--map", dest="mapping", default=None, help="column mapping, as for eval")
    p.add_argument("--split", default="train")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--db", default="judgekit.duckdb")
    p.add_argument("--out", default=None, help="write verdicts to this .jsonl or .parquet file")
    _add_judge_options(p)
    p = sub.add_parser("report", help="write the HTML report of a run")
    p.add_argument("run_id", nargs="?", default=None, help="run id (default: the newest run)")
    p.add_argument("--db", default="judgekit.duckdb")
    p.add_argument("--out", default="reports")
    p = sub.add_parser("runs", help="list the runs in a database")
    p.add_argument("--db", default="judgekit.duckdb")
    p = sub.add_parser("compare", help="compare judges (runs) on the same items in one HTML page")
    p.add_argument("run_ids", nargs="*", help="run ids to compare (or use --last)")
    p.add_argument("--last", type=int, default=None, metavar="N", help="also compare the N newest runs")
    p.add_argument("--db", default="judgekit.duckdb")
    p.add_argument("--out", default="reports")
    p.add_argument("--n-boot", type=int, default=2000)
    p = sub.add_parser("card", help="write a run's bias card as JSON (docs/bias-card.md)")
    p.add_argument("run_id", nargs="?", default=None, help="run id (default: the newest run)")
    p.add_argument("--db", default="judgekit.duckdb")
    p.add_argument("--out", default=None, help="write the card to this file instead of printing it")
    from judgekit.analysis.icai.cli import register as register_icai
    from judgekit.analysis.profile.cli import register as register_profile

    register_profile(sub)
    register_icai(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="judgekit: %(message)s")
    from judgekit.datasets.schema import DatasetError
    from judgekit.judges.base import JudgeError
    from judgekit.store.db import StoreError

    handlers = {"eval": _cmd_eval, "judge": _cmd_judge, "report": _cmd_report, "runs": _cmd_runs,
                "compare": _cmd_compare, "card": _cmd_card}
    try:
        return handlers[args.command](args) if args.command in handlers else args.func(args)
    except (DatasetError, JudgeError, StoreError, ValueError, FileNotFoundError) as exc:
        print(f"judgekit: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("judgekit: interrupted; verdicts so far are saved. Run the same command again to resume.",
              file=sys.stderr)
        return 130
    except OSError as exc:  # e.g. a read-only report folder, a full disk
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"judgekit: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
