"""The functions the CLI and notebooks share. Every result is a pandas DataFrame or a path."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from judgekit.atomic import report_missing
from judgekit.datasets.loaders import check_limit, load_items, resolve_path
from judgekit.datasets.schema import DatasetError
from judgekit.engine.runner import RunSpec, RunStats, execute
from judgekit.judges.prompt import load_template
from judgekit.judges.registry import make_judge
from judgekit.mitigations import apply_mitigation, parse_mitigations
from judgekit.notebook import agreement_matrix, bias_profile, cards, comparison
from judgekit.store.db import Store
from judgekit.suites import build_trials, compute_metrics, load_suite
from judgekit.types import Item

__all__ = ["EvalResult", "Store", "agreement_matrix", "bias_profile", "card", "cards", "compare", "comparison",
           "dry_run", "evaluate", "icai", "judge_pairs", "metrics", "report", "runs", "verdicts"]

DEFAULT_DB = "judgekit.duckdb"
DEFAULT_OUT = "reports"
log = logging.getLogger("judgekit")


@dataclass
class EvalResult:
    run_id: str
    stats: RunStats
    metrics: pd.DataFrame
    report_path: Path | None
    #: results of an analysis suite (``profile``): the dict :func:`run_profile` returns
    analysis: dict[str, Any] | None = None


def evaluate(suite: str = "position", *, judge: str | None = None, data: str | None = None,
             mapping: str | dict[str, str] | None = None, split: str = "train", limit: int | None = None,
             kind: str | None = None, db: str | Path = DEFAULT_DB, seed: int = 0, out: str | Path = DEFAULT_OUT,
             make_report: bool = True, repeats: int | None = None, repeat_fraction: float | None = None,
             template: str | None = None, progress: bool = True, judge_options: dict[str, Any] | None = None,
             judge_obj: Any = None, probes: list[str] | None = None,
             mitigations: str | list[str] | None = None, principles: int | None = None) -> EvalResult:
    """Run a suite against a judge, store every verdict, compute metrics and write the report.

    Running the same call again after an interruption resumes the unfinished run.
    ``judge_obj`` accepts a ready :class:`~judgekit.judges.base.Judge` instead of a spec.
    The ``icai`` suite is an analysis, not a probe suite: it returns :func:`icai`'s dict.
    """
    from judgekit.analysis.icai.run import is_icai_suite

    if is_icai_suite(suite):
        return icai(data=data, db=db, judge=judge_obj if judge_obj is not None else judge,  # type: ignore[return-value]
                    mapping=mapping, principles=principles, seed=seed, judge_options=judge_options, out=out,
                    progress=progress)
    spec = load_suite(suite, probes=list(probes) if probes else None)
    items, dataset = load_suite_items(spec, data=data, mapping=mapping, split=split, limit=limit, kind=kind,
                                      seed=seed)
    tmpl_name = template or spec["template"]
    tmpl = load_template(tmpl_name)
    owned = judge_obj is None
    j = judge_obj if judge_obj is not None else make_judge(judge, items=items, seed=seed,
                                                           **{"db": db, **(judge_options or {})})
    try:
        defaults = spec["defaults"]
        n_rep = int(repeats if repeats is not None else defaults.get("repeats", 0))
        frac = float(repeat_fraction if repeat_fraction is not None else defaults.get("repeat_fraction", 0.0))
        if repeats is None and not j.stochastic:
            n_rep = 0  # identical requests to a deterministic judge give identical answers
        options = {"repeats": n_rep, "repeat_fraction": frac if n_rep else 0.0}
        trials = build_trials(spec, items, seed=seed, options=options)
        mits = parse_mitigations(mitigations)
        trials += [t for m in mits for t in apply_mitigation(trials, m)]
        # Everything that changes the set of trials is in the spec, so only an identical command resumes a run.
        run_spec = RunSpec(suite=spec["name"], dataset=dataset, seed=seed, template=tmpl_name,
                           probe_config={**options, "probes": list(spec["probes"]), "mitigations": mits,
                                         "probe_options": spec["probe_options"]})
        config = {"probes": spec["probes"], "template": tmpl_name, "n_items": len(items), "limit": limit,
                  "split": split, "mapping": mapping, "data": data or spec["data"], "mitigations": mits,
                  **options}
        store = Store(db)
        stats = execute(store, j, items, trials, run_spec, tmpl, config=config, progress=progress,
                        reuse_finished=report_missing(out) if make_report else None)
    finally:
        if owned:
            j.close()
    source = _identical_finished_run(store, stats)
    if source:  # every verdict came from the cache of an identical run: its metrics are these metrics
        store.copy_metrics(source, stats.run_id)
    else:
        m = compute_metrics(spec, store.metrics_frame(stats.run_id), seed=seed, mitigations=mits)
        store.write_metrics(stats.run_id, spec["name"], m)
    analysis = None
    if spec.get("analysis") == "profile":
        from judgekit.analysis.profile.run import run_profile

        d = spec["defaults"]
        analysis = run_profile(data=data or str(spec["data"]), items=items, db=db, judges=(j.spec,), mapping=mapping,
                    judge_options=judge_options, extractor=d.get("extractor"), factors=d.get("factors"),
                    seed=seed, progress=progress, n_boot=int(d.get("n_boot", 2000)),
                    top_k=int(d.get("top_k", 3)), run_missing=False, use_gold=bool(d.get("use_gold", True)))
    path = report(stats.run_id, db=db, out=out) if make_report else None
    return EvalResult(stats.run_id, stats, store.metrics(stats.run_id), path, analysis)


def dry_run(suite: str = "position", **kwargs: Any) -> dict[str, Any]:
    """Requests, tokens, estimated cost and minimum detectable effect of a run, without calling a model."""
    from judgekit.dryrun import dry_run_suite

    return dry_run_suite(suite, **kwargs)


def judge_pairs(data: str, **kwargs: Any) -> pd.DataFrame:
    """Judge every pair of ``data`` with mitigations; see :func:`judgekit.debias.judge_pairs`."""
    from judgekit.debias import judge_pairs as run

    return run(data, **kwargs)


def icai(*, data: str | None = None, db: str | Path = DEFAULT_DB, judge: Any = None,
         mapping: str | dict[str, str] | None = None, principles: int | None = None, seed: int = 0,
         judge_options: dict[str, Any] | None = None, out: str | Path = DEFAULT_OUT, progress: bool = True,
         **options: Any) -> dict[str, Any]:
    """Inverse constitution extraction: a short list of principles that reconstructs the labels."""
    from judgekit.analysis.icai.run import run_icai

    return run_icai(data=data, db=db, judge=judge, mapping=mapping, principles_k=principles or 5, seed=seed,
                    judge_options=judge_options, out_dir=str(out), progress=progress, options=options or None)


def _sample(items: list[Item], n: int, seed: int) -> list[Item]:
    """A seeded sample of ``n`` items, kept in dataset order."""
    if len(items) <= n:
        return items
    keep = set(random.Random(f"{seed}|sample").sample(range(len(items)), n))
    return [it for i, it in enumerate(items) if i in keep]


def load_suite_items(spec: dict[str, Any], *, data: str | None = None, mapping: str | dict[str, str] | None = None,
                     split: str = "train", limit: int | None = None, kind: str | None = None,
                     seed: int = 0) -> tuple[list[Item], str]:
    """The items of a run: ``data`` if given, else the suite's built-in sets.

    ``limit`` takes a seeded sample of that many items from each dataset; without it the
    suite's ``sample_per_dataset`` applies to its built-in sets.
    """
    check_limit(limit)
    sources = [data] if data else (spec["data"] if isinstance(spec["data"], list) else [spec["data"]])
    n = limit if limit is not None else (None if data else spec["defaults"].get("sample_per_dataset"))
    items: list[Item] = []
    seen: dict[str, str] = {}
    for src in sources:
        loaded = load_items(src, mapping=mapping if data else None, split=split, kind=kind)
        for it in _sample(loaded, int(n), seed) if n else loaded:
            if it.id in seen:
                raise DatasetError(resolve_path(src), None, "id", f"id {it.id!r} also occurs in {seen[it.id]}")
            seen[it.id] = resolve_path(src)
            items.append(it)
    names = [s if s.startswith("hf://") else Path(resolve_path(s)).name for s in sources]
    return items, "+".join(names)


def _identical_finished_run(store: Store, stats: RunStats) -> str | None:
    """A finished run with the same fingerprint and metrics, when this run was answered wholly from the cache."""
    if stats.n_judged or stats.n_done_before or stats.n_cached != stats.n_trials:
        return None
    df = store.query("SELECT r.run_id FROM runs r WHERE r.fingerprint = "
                     "(SELECT fingerprint FROM runs WHERE run_id = ?) AND r.run_id <> ? AND r.status = 'finished' "
                     "AND EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.run_id) "
                     "ORDER BY r.started_at DESC LIMIT 1", [stats.run_id, stats.run_id])
    return None if df.empty else str(df.iloc[0]["run_id"])


def report(run_id: str | None = None, *, db: str | Path = DEFAULT_DB, out: str | Path = DEFAULT_OUT,
           extra_sections: list[tuple[str, str]] | None = None) -> Path:
    """Write the HTML report of a run (the newest when ``run_id`` is None) and return its path."""
    from judgekit.report import build_report

    store = Store(db, create=False)
    run_id = run_id or latest_run(store)
    sections = list(extra_sections or ())
    from judgekit.report.mitigation import mitigation_section_html

    mit = mitigation_section_html(store.metrics(run_id))
    if mit:
        sections.append(("Mitigations: what each fix buys and what it costs", mit))
    if store.run(run_id)["suite"] == "profile":
        from judgekit.analysis.profile.report import profile_section_html

        sections.append(("Preference factors (PROFILE)", profile_section_html(db, run_id)))
    return build_report(db, run_id, out, extra_sections=tuple(sections))


def compare(run_ids: list[str], *, db: str | Path = DEFAULT_DB, out: str | Path = DEFAULT_OUT,
            n_boot: int = 2000) -> Path:
    """One HTML page comparing judges (runs) on the same items; returns its path."""
    from judgekit.report import build_comparison

    return build_comparison(db, run_ids, Path(out) / ("compare-" + "-".join(run_ids)[:80] + ".html"), n_boot=n_boot)


def card(run_id: str | None = None, db: str | Path = DEFAULT_DB) -> dict[str, Any]:
    """The bias card of a run (the newest when ``run_id`` is None): a JSON-serialisable dict."""
    from judgekit.card import bias_card

    return bias_card(db, run_id or latest_run(Store(db, create=False)))


def latest_run(store: Store) -> str:
    """The id of the newest run in ``store``; a clear error when it holds none."""
    df = store.runs()
    if df.empty:
        raise ValueError(f"{store.path} holds no runs yet")
    return str(df.sort_values("started_at").iloc[-1]["run_id"])


def runs(db: str | Path = DEFAULT_DB) -> pd.DataFrame:
    """One row per run with counts of verdicts, parse failures, errors, cache hits and cost."""
    return Store(db, create=False).runs()


def verdicts(run_id: str | None = None, db: str | Path = DEFAULT_DB) -> pd.DataFrame:
    """Every verdict of a run with its trial and item joined (the ``verdicts_full`` view)."""
    store = Store(db, create=False)
    return store.verdicts_frame(run_id or latest_run(store))


def metrics(run_id: str | None = None, db: str | Path = DEFAULT_DB) -> pd.DataFrame:
    """The metrics table of a run: estimate, 95% interval, p-value and n per metric."""
    store = Store(db, create=False)
    return store.metrics(run_id or latest_run(store))
