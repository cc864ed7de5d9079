"""The functions the CLI and notebooks share. Every result is a pandas DataFrame or a path."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judgekit.atomic import artefact_missing, report_missing
from judgekit.engine.runner import RunStats, execute, run_fingerprint
from judgekit.judges.prompt import check_template, load_template
from judgekit.judges.registry import make_judge
from judgekit.mitigations import check_generates, parse_mitigations
from judgekit.notebook import agreement_matrix, bias_profile, cards, comparison
from judgekit.plan import load_suite, load_suite_items, make_plan
from judgekit.plan.generate import prepare_run, with_rewriter
from judgekit.store.db import Store

if TYPE_CHECKING:
    import pandas as pd

    from judgekit.types import Item

# The analyses, the report builders and the statistics are imported inside the functions that use them:
# a rerun answered by an identical finished run needs none of them.
__all__ = ["EvalResult", "Store", "agreement_matrix", "bias_profile", "card", "cards", "compare", "comparison",
           "dry_run", "evaluate", "icai", "import_judgments", "judge_pairs", "load_suite_items", "metrics",
           "principles", "profile", "report", "runs",
           "verdicts"]

DEFAULT_DB = "judgekit.duckdb"
DEFAULT_OUT = "reports"
log = logging.getLogger("judgekit")


@dataclass
class EvalResult:
    """What :func:`evaluate` returns. ``metrics`` (the run's stored metric rows, a DataFrame) is read from the
    store on first access, so a command that does not look at it does not import pandas."""

    run_id: str
    stats: RunStats
    report_path: Path | None
    #: results of an analysis suite (``profile``): the dict :func:`run_profile` returns
    analysis: dict[str, Any] | None = None
    db: str | Path | None = None
    _metrics: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def metrics(self) -> pd.DataFrame:
        if self._metrics is None:
            self._metrics = Store(self.db if self.db is not None else DEFAULT_DB, create=False).metrics(self.run_id)
        return self._metrics


def evaluate(suite: str = "position", *, judge: str | None = None, data: str | None = None,
             mapping: str | dict[str, str] | None = None, split: str = "train", limit: int | None = None,
             kind: str | None = None, db: str | Path = DEFAULT_DB, seed: int = 0, out: str | Path = DEFAULT_OUT,
             make_report: bool = True, repeats: int | None = None, repeat_fraction: float | None = None,
             template: str | None = None, progress: bool = True, judge_options: dict[str, Any] | None = None,
             judge_obj: Any = None, probes: list[str] | None = None,
             mitigations: str | list[str] | None = None, principles: int | None = None,
             protocol: str | None = None, rewriter: str | None = None,
             rewriter_options: dict[str, Any] | None = None, items: list[Item] | None = None,
             dataset: str | None = None) -> EvalResult:
    """Run a suite against a judge, store every verdict, compute metrics and write the report.

    This is the orchestrator: the suite's ``kind`` decides what runs. A ``probe`` suite runs its
    plan (:func:`judgekit.plan.make_plan`); a ``profile`` suite runs its plan and then the factor
    analysis on those verdicts; an ``icai`` suite is an analysis only and returns :func:`icai`'s dict.
    Running the same call again after an interruption resumes the unfinished run.
    ``judge_obj`` accepts a ready :class:`~judgekit.judges.base.Judge` instead of a spec; ``items`` (with the
    ``dataset`` name that identifies them) replaces loading the suite's data (presets build their own items).
    ``rewriter`` (a judge spec, with ``rewriter_options``) rewrites the responses of the sentiment probe; the
    self-preference probe's answers come from the judge (:mod:`judgekit.plan.generate`).
    """
    t0 = time.monotonic()
    spec = with_rewriter(load_suite(suite, probes=list(probes) if probes else None), rewriter)
    if spec.kind == "icai":
        return icai(data=data, db=db, judge=judge_obj if judge_obj is not None else judge,  # type: ignore[return-value]
                    mapping=mapping, principles=principles, seed=seed, judge_options=judge_options, out=out,
                    progress=progress, **spec.defaults)
    if items is None:
        items, dataset = load_suite_items(spec, data=data, mapping=mapping, split=split, limit=limit, kind=kind,
                                          seed=seed, protocol=protocol)
    dataset = dataset or "items"
    owned = judge_obj is None
    j = judge_obj if judge_obj is not None else make_judge(judge, items=items, seed=seed,
                                                           **{"db": db, **(judge_options or {})})
    try:
        check_generates(j, parse_mitigations(mitigations))
        store = Store(db)
        prepared = prepare_run(spec, items, judge=j, store=store, seed=seed, own_judge=owned,
                               judge_options={"db": db, **(judge_options or {})},
                               rewriter_options=rewriter_options, progress=progress)
        plan = make_plan(spec, items, dataset, seed=seed, stochastic=j.stochastic, repeats=repeats,
                         repeat_fraction=repeat_fraction, template=template, mitigations=mitigations,
                         protocol=protocol, config={"limit": limit, "split": split, "mapping": mapping,
                                 "data": data or (list(spec.data) if len(spec.data) > 1 else spec.data[0]),
                                 **prepared.config},
                         probe_args=prepared.probe_args, derived_items=prepared.items)
        tmpl = load_template(plan.template)
        check_template(tmpl, plan.trials)
        # the template text is kept with the run, so an old run can be reconstructed after a template edit
        config = {**plan.config, "template_text": {"system": tmpl.system, "user": tmpl.user}}
        same = reusable_run(store, run_fingerprint(plan.run_spec, j.identity(), plan.items, tmpl),
                            out=out if make_report and spec.kind == "probe" else None)
        if same is not None:  # an identical finished run answers this call: nothing is asked, written or rendered
            log.info("run %s is identical and complete: reused", same)
            n = len(plan.trials)
            stats = RunStats(same, True, n, n, 0, 0, 0, time.monotonic() - t0, reused=True)
            path = Path(out) / f"{same}.html" if make_report and spec.kind == "probe" else None
            return EvalResult(same, stats, path, None, db=db)
        # the statistics and report stacks (pandas, scipy, statsmodels, plotly: seconds of imports) load while
        # the judge answers, instead of after it
        warm = ["judgekit.suites", *(["judgekit.report.build:prepare"] if make_report else []),
                *(["judgekit.analysis.profile.run"] if spec.kind == "profile" else [])]
        stats = execute(store, j, plan.items, plan.trials, plan.run_spec, tmpl, config=config, progress=progress,
                        reuse_finished=_unfinished_artefacts(store, out if make_report else None),
                        on_judging=lambda: warm_imports(warm))
    finally:
        if owned:
            j.close()
    with store.session():  # a few statements on the file: one connection
        source = _identical_finished_run(store, stats)
        if source:  # every verdict came from the cache of an identical run: its metrics are these metrics
            store.copy_metrics(source, stats.run_id)
        else:
            from judgekit.suites import compute_metrics

            m = compute_metrics(spec, store.metrics_frame(stats.run_id), seed=seed, mitigations=plan.mitigations)
            store.write_metrics(stats.run_id, spec.name, m)
            del m
        path = None
        if make_report and spec.kind != "profile":  # on the same connection: the file is not opened again
            from judgekit.memory import release

            release()  # the verdict frames of the statistics are gone: the report starts from what is live
            path = report(stats.run_id, db=db, out=out)
    analysis = None
    if spec.kind == "profile":
        from judgekit.analysis.profile.run import run_profile

        analysis = run_profile(data=data or spec.data[0], items=items, db=db, judges=(j.spec,), mapping=mapping,
                               judge_options=judge_options, extractor=spec.default("extractor"),
                               factors=spec.default("factors"), seed=seed, progress=progress,
                               n_boot=int(spec.default("n_boot", 2000)), top_k=int(spec.default("top_k", 3)),
                               use_gold=bool(spec.default("use_gold", True)))
    if make_report and spec.kind == "profile":
        path = report(stats.run_id, db=db, out=out)
    return EvalResult(stats.run_id, stats, path, analysis, db=db)


def profile(*, data: str, db: str | Path = DEFAULT_DB, judges: Sequence[str] = (), mapping: str | dict[str, str] |
            None = None, judge_options: dict[str, Any] | None = None, seed: int = 0, progress: bool = True,
            split: str = "train", limit: int | None = None, **options: Any) -> dict[str, Any]:
    """PROFILE of ``data``: first judge the pairs (position suite, both orders) with every judge in
    ``judges`` that has no verdicts on them yet, then :func:`~judgekit.analysis.profile.run.run_profile`.
    ``options`` go to ``run_profile`` (extractor, factors, n_boot, top_k, use_gold)."""
    from judgekit.analysis.profile.run import gather_judgments, run_profile
    from judgekit.datasets.loaders import load_items

    items = load_items(data, mapping=mapping, split=split, limit=limit)
    if judges:
        have, _ = gather_judgments(Store(db), items, judges, use_gold=False)
        for spec in judges:
            if spec not in set(have["annotator"]):
                log.info("profile: judging %d pairs with %s", len(items), spec)
                evaluate("position", judge=spec, data=data, mapping=mapping, split=split, db=db,
                         seed=seed, make_report=False, progress=progress, judge_options=judge_options)
    return run_profile(data=data, items=items, db=db, judges=tuple(judges), mapping=mapping,
                       judge_options=judge_options, seed=seed, progress=progress, **options)


def dry_run(suite: str = "position", **kwargs: Any) -> dict[str, Any]:
    """Requests, tokens, estimated cost and minimum detectable effect of a run, without calling a model."""
    from judgekit.dryrun import dry_run_suite

    return dry_run_suite(suite, **kwargs)


def judge_pairs(data: str, **kwargs: Any) -> pd.DataFrame:
    """Judge every pair of ``data`` with mitigations; see :func:`judgekit.debias.judge_pairs`."""
    from judgekit.debias import judge_pairs as run_judge_pairs

    return run_judge_pairs(data, **kwargs)


def icai(*, data: str | None = None, db: str | Path = DEFAULT_DB, judge: Any = None,
         mapping: str | dict[str, str] | None = None, principles: int | None = None, seed: int = 0,
         judge_options: dict[str, Any] | None = None, out: str | Path = DEFAULT_OUT, progress: bool = True,
         **options: Any) -> dict[str, Any]:
    """Inverse constitution extraction: a short list of principles that reconstructs the labels.

    Settings not given here (``principles``, ``options``) are the defaults written in ``suites/icai.yaml``."""
    from judgekit.analysis.icai.run import run_icai

    return run_icai(data=data, db=db, judge=judge, mapping=mapping, principles_k=principles, seed=seed,
                    judge_options=judge_options, out_dir=str(out), progress=progress, options=options or None)


def _unfinished_artefacts(store: Store, out: str | Path | None) -> Callable[[str], bool]:
    """``f(run_id)``: whether a finished run lacks what comes after judging (its metrics, or its report in
    ``out``), as when the process was killed between the last verdict and the report; such a run is reopened."""
    missing_report = report_missing(out) if out is not None else None

    def unfinished(run_id: str) -> bool:
        n = store.query("SELECT count(*) AS n FROM metrics WHERE run_id = ?", [run_id]).iloc[0]["n"]
        return int(n) == 0 or (missing_report is not None and missing_report(run_id))

    return unfinished


def warm_imports(modules: Sequence[str]) -> threading.Thread:
    """Import ``modules`` in a background thread (a daemon: it never keeps the process alive).

    An entry ``"module:function"`` also calls that function of the module, with no arguments, once it is
    imported (work a later step would otherwise do first, such as compiling a template).

    Importing is thread-safe (the import system locks each module), so a module the main thread needs
    before the thread is done is waited for, not imported twice; an import that fails here fails again,
    with its traceback, where the main thread imports it.
    """
    def run() -> None:
        import importlib

        for entry in modules:
            name, _, func = entry.partition(":")
            try:
                module = importlib.import_module(name)
                if func:
                    getattr(module, func)()
            except Exception:  # the main thread's own import or call reports it
                log.debug("background import of %s failed", entry, exc_info=True)

    thread = threading.Thread(target=run, name="judgekit-warm-imports", daemon=True)
    thread.start()
    return thread


def reusable_run(store: Store, fingerprint: str, *, out: str | Path | None = None) -> str | None:
    """The newest finished run with ``fingerprint`` that can stand for a new one, or None.

    It must hold a verdict for every trial and no error (errors are asked again), metrics computed by
    this judgekit and statistics version, and, when ``out`` is given, a complete report ``out/RUN_ID.html``.
    """
    from judgekit import __version__
    from judgekit.stats import STATS_VERSION

    with store.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT r.run_id FROM runs r WHERE r.fingerprint = ? AND r.status = 'finished' "
            "AND (SELECT count(*) FROM verdicts v WHERE v.run_id = r.run_id AND v.choice <> 'error' "
            "     AND v.error IS NULL) = (SELECT count(*) FROM trials t WHERE t.run_id = r.run_id) "
            "AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.run_id = r.run_id "
            "                AND (v.choice = 'error' OR v.error IS NOT NULL)) "
            "AND EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.run_id) "
            "AND NOT EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.run_id AND (m.judgekit_version "
            "IS DISTINCT FROM ? OR m.stats_version IS DISTINCT FROM ?)) ORDER BY r.started_at DESC",
            [fingerprint, __version__, STATS_VERSION]).fetchall()
    for (run_id,) in rows:
        if out is None or not artefact_missing(Path(out) / f"{run_id}.html"):
            return str(run_id)
    return None


def _identical_finished_run(store: Store, stats: RunStats) -> str | None:
    """A finished run with the same fingerprint and metrics, when this run was answered wholly from the cache.

    Its metrics are reused only when every row was computed by this judgekit and statistics version.
    """
    from judgekit import __version__
    from judgekit.stats import STATS_VERSION

    if stats.n_judged or stats.n_done_before or stats.n_cached != stats.n_trials:
        return None
    df = store.query("SELECT r.run_id FROM runs r WHERE r.fingerprint = "
                     "(SELECT fingerprint FROM runs WHERE run_id = ?) AND r.run_id <> ? AND r.status = 'finished' "
                     "AND EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.run_id) "
                     "AND NOT EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = r.run_id AND (m.judgekit_version "
                     "IS DISTINCT FROM ? OR m.stats_version IS DISTINCT FROM ?)) "
                     "ORDER BY r.started_at DESC LIMIT 1", [stats.run_id, stats.run_id, __version__, STATS_VERSION])
    return None if df.empty else str(df.iloc[0]["run_id"])


def report(run_id: str | None = None, *, db: str | Path = DEFAULT_DB, out: str | Path = DEFAULT_OUT,
           extra_sections: list[tuple[str, str]] | None = None) -> Path:
    """Write the HTML report of a run (the newest when ``run_id`` is None) and return its path."""
    store = Store(db, create=False)
    with store.session(read_only=True):  # the report's queries share one connection
        run_id = run_id or latest_run(store)  # resolved once, for the thread setting and the page
        with store.connect(read_only=True) as con, _threads_for(con, run_id):
            return _report(store, run_id, db, out, extra_sections)


#: DuckDB scans a table in parallel by row groups of this many rows: below one, a second thread does no work
_ROW_GROUP = 122_880


@contextlib.contextmanager
def _threads_for(con: Any, run_id: str) -> Iterator[None]:
    """One DuckDB thread for the queries of a run smaller than a row group (each extra thread holds its own
    buffers, ~15 MB, and cannot share a single row group's scan); DuckDB's own setting otherwise."""
    (n,) = con.execute("SELECT count(*) FROM verdicts WHERE run_id = ?", [run_id]).fetchall()[0]
    if int(n) >= _ROW_GROUP:
        yield
        return
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute("RESET threads")


def _report(store: Store, run_id: str | None, db: str | Path, out: str | Path,
            extra_sections: list[tuple[str, str]] | None) -> Path:
    from judgekit.report.build import build_report
    from judgekit.report.mitigation import mitigation_section_html

    run_id = run_id or latest_run(store)
    sections = list(extra_sections or ())
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
    from judgekit.report.build import compare_page

    return compare_page(db, run_ids, out, n_boot=n_boot)[0]


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


def import_judgments(files: list[str], fmt: str | None = None, *, judge_name: str | None = None,
                     db: str | Path = DEFAULT_DB) -> list[Any]:
    """Import judgments collected elsewhere as runs (one per judge); see :mod:`judgekit.imports`."""
    from judgekit.imports import import_files

    return import_files(list(files), fmt, judge_name=judge_name, db=db)


def principles(run_id: str | None = None, db: str | Path = DEFAULT_DB) -> pd.DataFrame:
    """Per-principle agreement, relevance, accuracy and strength of an imported AnnotatedPairs run."""
    store = Store(db, create=False)
    m = store.metrics(run_id or latest_run(store))
    m = m[(m["probe"] == "principle") & (m["subset"] != "all")]
    if m.empty:
        import pandas as pd

        return pd.DataFrame(columns=["principle", "n"])
    wide = m.pivot_table(index="subset", columns="metric", values="estimate", sort=False)
    wide.columns = [c.removeprefix("principle_") for c in wide.columns]
    wide["n"] = m.groupby("subset", sort=False)["n"].first()
    return wide.reset_index().rename(columns={"subset": "principle"})
