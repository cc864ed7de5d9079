"""Command line: parse arguments, call :mod:`judgekit.api`, print. No logic lives here.

Building the parser imports nothing heavy (no pandas, statistics or model libraries), so
``judgekit --help`` and ``judgekit runs`` start fast; each command imports what it needs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from judgekit import __version__
from judgekit.engine.progress import add_progress_option
from judgekit.resources import suite_names, template_names

EXIT_USAGE = 2
_DB_HELP = "DuckDB file (default ./judgekit.duckdb)"


def _add_eval(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="run a suite against a judge, store verdicts, write the report")
    p.add_argument("--suite", default="position",
                   help=f"a built-in suite ({', '.join(suite_names())}; default position), a suite YAML path, or the "
                        "preset lrm-paper (with --data-dir)")
    p.add_argument("--probes", default=None, help="run only these probes of the suite, e.g. bandwagon,authority")
    p.add_argument("--mitigations", default=None,
                   help="also judge under these mitigations and compare: none,swap,calibrate,system-prompt,icl,"
                        "self-reflection, and the judge mode cot (reasoning before the verdict)")
    p.add_argument("--judge", default=None, action="append",
                   help="smollm2 (default), hf/PATH_OR_ID, rm/PATH_OR_ID, or a litellm model such as openai/gpt-4o "
                        "(a preset such as lrm-paper takes several)")
    p.add_argument("--data-dir", default=None,
                   help="preset lrm-paper: the folder of the paper's data (dpo/*.json, fact/*.json)")
    p.add_argument("--judge-type", dest="judge_type", default=None, action="append",
                   choices=("reasoning", "standard"),
                   help="preset lrm-paper: the type of each --judge, in order (default: inferred from <think>)")
    p.add_argument("--data", default=None,
                   help="JSONL/CSV/Parquet file, hf://org/name, or a built-in set (facts, preferences); "
                        "default: the suite's own data")
    p.add_argument("--rewriter", default=None, metavar="MODEL",
                   help="sentiment probe: the model (a judge spec) that rewrites responses in a positive, negative "
                        "and neutral tone; default: the offline template rewrite")
    p.add_argument("--rewriter-api-base", default=None, metavar="URL",
                   help="base URL of the rewriter's OpenAI-compatible server (default: none)")
    p.add_argument("--map", dest="mapping", default=None,
                   help="column mapping, e.g. prompt=instruction,response_a=output_1,response_b=output_2,label=pref")
    p.add_argument("--split", default="train", help="split for hf:// datasets (default train)")
    p.add_argument("--kind", choices=("fact", "preference"), default=None, help="kind for items without one")
    p.add_argument("--limit", type=int, default=None, help="use a seeded sample of N items from each dataset")
    p.add_argument("--db", default="judgekit.duckdb", help=_DB_HELP)
    p.add_argument("--out", default="reports", help="report folder (default reports/)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed for sampling items, cue placement and the bootstrap (default 0)")
    p.add_argument("--principles", type=int, default=None, help="icai suite: at most this many principles")
    p.add_argument("--repeats", type=int, default=None, help="identical re-asks per order for the noise floor")
    p.add_argument("--repeat-fraction", type=float, default=None, help="share of items that get repeats")
    p.add_argument("--template", default=None,
                   help=f"judge prompt template: a built-in name ({', '.join(template_names())}) or a YAML path; "
                        "default: the suite's template")
    p.add_argument("--protocol", choices=("pairwise", "pointwise", "mcq"), default=None,
                   help="how the judge is asked: pairwise (pick the better of two), pointwise (score each response "
                        "alone; the pair verdict follows from the scores), mcq (pick the correct option); "
                        "default: the suite's")
    p.add_argument("--no-report", action="store_true", help="skip the HTML report")
    p.add_argument("--dry-run", action="store_true",
                   help="print requests, tokens, estimated cost, wall time and minimum detectable effect; an API "
                        "model is not called, a local model judges a few requests to time them")
    p.add_argument("--assume-latency", type=float, default=None, metavar="SECONDS",
                   help="--dry-run: seconds per API request assumed for the wall time (default 1)")
    p.add_argument("--time-sample", type=int, default=None, metavar="N",
                   help="--dry-run: requests a local model judges to be timed (default max(4, batch size); 0: none)")
    p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                   help="also print every stored metric row (as `judgekit metrics RUN_ID` does)")
    add_progress_option(p)
    _add_judge_options(p)


def _judge_options(a: argparse.Namespace) -> dict[str, Any]:
    return {"api_base": a.api_base, "temperature": a.temperature, "max_tokens": a.max_tokens,
            "concurrency": a.concurrency, "device": a.device, "dtype": a.dtype, "batch_size": a.batch_size,
            "mode": a.mode, "max_new_tokens": a.max_new_tokens, "client": a.client, "batch": a.batch,
            "db": getattr(a, "db", None), "cache_scope": getattr(a, "cache_scope", None)}


def _fmt(x: Any) -> str:
    from judgekit.console import num

    return num(x)


def print_run_summary(db: str, run_id: str, verbose: bool = False) -> None:
    """The console summary of a stored run: the judge and its decoding in words, the headline per probe and
    mitigation x bias; ``verbose`` adds every stored metric row."""
    from judgekit import console

    info = console.run_info(db, run_id)
    print(f"judge {info['judge']}; decoding: {console.decoding_text(info['config'].get('decoding'))}")
    rows = console.metric_rows(db, run_id)
    for line in console.summary_lines(rows, console.items_per_probe(db, run_id), info["config"].get("probes") or ()):
        print(line)
    if verbose:
        print("all stored metrics:")
        for line in console.dump_lines(rows):
            print(line)


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
    from judgekit.plan.spec import is_icai_suite
    from judgekit.presets import is_preset

    if is_preset(a.suite):
        from judgekit.presets.cli import cmd_preset

        return cmd_preset(a, _judge_options(a))
    a.judge = a.judge[-1] if a.judge else None  # a suite takes one judge: the last --judge, as always
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
            rewriter=a.rewriter,
            batch=a.batch, latency_s=a.assume_latency, time_sample=a.time_sample, protocol=a.protocol)))
        return 0

    res = api.evaluate(a.suite, judge=a.judge, data=a.data, mapping=a.mapping, split=a.split, limit=a.limit,
                       kind=a.kind, db=a.db, seed=a.seed, out=a.out, make_report=not a.no_report,
                       repeats=a.repeats, repeat_fraction=a.repeat_fraction, template=a.template,
                       progress=a.progress, judge_options=_judge_options(a),
                       mitigations=a.mitigations, protocol=a.protocol,
                       probes=probes, rewriter=a.rewriter, rewriter_options={"api_base": a.rewriter_api_base})
    s = res.stats
    resumed = ("" if not s.resumed else " (identical to this finished run: nothing asked again)" if s.reused
               else f" (resumed: {s.n_done_before} already done)")
    print(f"run {res.run_id}{resumed}: {s.n_trials} trials, {s.n_judged} requests sent, "
          f"{s.n_cached} from cache, {s.n_errors} errors, {s.seconds:.1f} s")
    if s.n_scores_asked or s.n_scores_stored:
        print(f"pointwise: {s.n_scores_asked} score requests sent to the judge (each response scored alone, "
              f"each distinct request once), {s.n_scores_stored} found in the scores table")
    from judgekit.console import generation_lines
    from judgekit.judges.checks import unusable_run_message
    from judgekit.store.db import Store

    with Store(a.db, create=False).session(read_only=True):  # the summary's reads: the file is opened once
        print_run_summary(a.db, res.run_id, verbose=getattr(a, "verbose", False))
        for line in generation_lines(a.db, res.run_id):
            print(line)
        if res.analysis is not None:
            _print_profile(res.analysis)
        print(f"database: {a.db}")
        if res.report_path:
            print(f"report:   {res.report_path}")
        unusable = unusable_run_message(a.db, res.run_id)
    if unusable:
        print(unusable, file=sys.stderr)
        return 1
    if s.n_errors:
        print(f"{s.n_errors} requests failed; run the same command again to retry them", file=sys.stderr)
        return 1
    return 0


def _cmd_judge(a: argparse.Namespace) -> int:
    from judgekit.debias import judge_pairs

    res = judge_pairs(a.data, judge=a.judge, mitigations=a.mitigations, out=a.out, db=a.db, mapping=a.mapping,
                      split=a.split, seed=a.seed, judge_options=_judge_options(a),
                      progress=a.progress)
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
    g.add_argument("--temperature", type=float, default=None,
                   help="sampling temperature (default: the backend's; 0 for local judges)")
    g.add_argument("--max-tokens", type=int, default=None, help="API judges: most tokens per answer")
    g.add_argument("--concurrency", type=int, default=None, help="parallel API requests")
    g.add_argument("--device", default=None, help="cpu, cuda, cuda:1, mps (default: automatic)")
    g.add_argument("--dtype", default=None, help="float32, bfloat16, float16 (default: automatic)")
    g.add_argument("--batch-size", type=int, default=None, help="local judges: pairs per forward pass")
    g.add_argument("--mode", choices=("logprobs", "generate"), default=None,
                   help="hf judges: next-token probabilities (default) or generate then parse")
    g.add_argument("--max-new-tokens", type=int, default=None, help="hf judges in generate mode: most new tokens")
    g.add_argument("--cache-scope", default=None, metavar="NAME",
                   help="part of the judge identity: a new name draws fresh answers instead of cached ones")


def _cmd_report(a: argparse.Namespace) -> int:
    from judgekit import api

    print(api.report(a.run_id, db=a.db, out=a.out))
    return 0


def _cmd_compare(a: argparse.Namespace) -> int:
    from judgekit.report.build import compare_console

    print(compare_console(a.db, a.run_ids, a.out, last=a.last, n_boot=a.n_boot))
    return 0


def _cmd_card(a: argparse.Namespace) -> int:
    from judgekit.card import write_card
    from judgekit.console import latest_run_id

    run_id = a.run_id or latest_run_id(a.db)
    text = write_card(a.db, run_id, a.out)
    print(a.out or text)
    return 0


def _cmd_runs(a: argparse.Namespace) -> int:
    from judgekit.console import runs_lines

    for line in runs_lines(a.db):
        print(line)
    return 0


def _cmd_metrics(a: argparse.Namespace) -> int:
    from judgekit import console

    run_id = a.run_id or console.latest_run_id(a.db)
    print(f"run {run_id}")
    for line in console.dump_lines(console.metric_rows(a.db, run_id)):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="judgekit", description="Audit LLM judges, reward models and human "
                                     "preference data.")
    parser.add_argument("--version", action="version", version=f"judgekit {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log what judgekit does; after eval, also print every stored metric row")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_eval(sub)
    p = sub.add_parser("judge", help="judge pairs with mitigations and write debiased verdicts")
    p.add_argument("--data", required=True, help="JSONL/CSV/Parquet file or hf://org/name")
    p.add_argument("--judge", default=None, help="judge spec (default: smollm2)")
    p.add_argument("--mitigations", default="swap",
                   help="comma list: swap, calibrate, system-prompt, icl, self-reflection (default: swap)")
    p.add_argument("--map", dest="mapping", default=None, help="column mapping, as for eval")
    p.add_argument("--split", default="train", help="split for hf:// datasets (default train)")
    p.add_argument("--seed", type=int, default=0, help="seed for mitigation examples and sampling (default 0)")
    p.add_argument("--db", default="judgekit.duckdb", help=_DB_HELP)
    p.add_argument("--out", default=None, help="write verdicts to this .jsonl or .parquet file")
    add_progress_option(p)
    _add_judge_options(p)
    p = sub.add_parser("report", help="write the HTML report of a run")
    p.add_argument("run_id", nargs="?", default=None, help="run id (default: the newest run)")
    p.add_argument("--db", default="judgekit.duckdb", help=_DB_HELP)
    p.add_argument("--out", default="reports", help="report folder (default reports/)")
    p = sub.add_parser("runs", help="list the runs in a database, with their strongest headline and mitigations")
    p.add_argument("--db", default="judgekit.duckdb", help=_DB_HELP)
    p = sub.add_parser("metrics", help="print every stored metric of a run (all subsets)")
    p.add_argument("run_id", nargs="?", default=None, help="run id (default: the newest run)")
    p.add_argument("--db", default="judgekit.duckdb", help=_DB_HELP)
    p = sub.add_parser("compare", help="compare judges (runs) on the same items in one HTML page")
    p.add_argument("run_ids", nargs="*", help="run ids to compare (see `judgekit runs`), or use --last")
    p.add_argument("--last", type=int, default=None, metavar="N", help="also compare the N newest runs")
    p.add_argument("--db", default="judgekit.duckdb", help=_DB_HELP)
    p.add_argument("--out", default="reports", help="report folder (default reports/)")
    p.add_argument("--n-boot", type=int, default=2000, help="bootstrap resamples for the intervals (default 2000)")
    p = sub.add_parser("card", help="write a run's bias card as JSON (docs/bias-card.md)")
    p.add_argument("run_id", nargs="?", default=None, help="run id (default: the newest run)")
    p.add_argument("--db", default="judgekit.duckdb", help=_DB_HELP)
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
    handlers = {"eval": _cmd_eval, "judge": _cmd_judge, "report": _cmd_report, "runs": _cmd_runs,
                "metrics": _cmd_metrics, "compare": _cmd_compare, "card": _cmd_card}
    try:
        return handlers[args.command](args) if args.command in handlers else args.func(args)
    except KeyboardInterrupt:
        print("judgekit: interrupted; verdicts so far are saved. Run the same command again to resume.",
              file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `judgekit metrics | head`
        return 0
    except Exception as exc:
        if isinstance(exc, _user_errors()):
            print(f"judgekit: error: {' '.join(str(exc).split())}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(exc, OSError):  # e.g. a read-only report folder, a full disk
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"judgekit: error: {where}{exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
        raise


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors reported in one line. Imported only when something failed, to keep start-up light."""
    from judgekit.datasets.schema import DatasetError
    from judgekit.judges.base import JudgeError
    from judgekit.store.db import StoreError

    return (DatasetError, JudgeError, StoreError, ValueError, FileNotFoundError)

if __name__ == "__main__":
    sys.exit(main())
