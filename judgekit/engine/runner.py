"""Trials -> verdicts: cache lookup, judging what is missing, writing as it arrives, resuming."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sys
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from judgekit.datasets.loaders import dataset_fingerprint
from judgekit.engine.lock import WriterLock
from judgekit.engine.progress import Progress
from judgekit.engine.writer import VerdictWriter
from judgekit.judges.base import Judge
from judgekit.judges.prompt import PromptTemplate, build_request
from judgekit.store.db import Store, StoreError, now
from judgekit.store.journal import Journal
from judgekit.types import Item, JudgeOutput, JudgeRequest, Trial, trial_verdict

log = logging.getLogger("judgekit")


@dataclass
class RunSpec:
    """Everything that defines a run. Two identical specs resume the same run."""

    suite: str
    dataset: str
    seed: int
    template: str
    probe_config: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunStats:
    run_id: str
    resumed: bool
    n_trials: int
    n_done_before: int
    n_cached: int
    n_judged: int
    n_errors: int
    seconds: float
    #: pointwise runs: score sub-requests sent to the judge (each distinct one once) and found in the scores table
    n_scores_asked: int = 0
    n_scores_stored: int = 0
    #: an identical finished run answered the call: nothing was opened, asked or written
    reused: bool = False


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for pkg in ("judgekit", "torch", "transformers", "litellm", "duckdb", "pandas", "numpy", "statsmodels",
                "scipy", "plotly"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


def run_fingerprint(spec: RunSpec, identity: dict[str, Any], items: Sequence[Item], template: PromptTemplate) -> str:
    """The identity of a run: suite spec, whole judge identity, data and template text (equal = same run)."""
    blob = json.dumps({"spec": asdict(spec), "judge": identity, "data": dataset_fingerprint(list(items)),
                       "template": [template.system, template.user]}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _items_frame(run_id: str, items: Sequence[Item]) -> list[dict[str, Any]]:
    """The item rows of a run, for :meth:`Store.insert_frame` (dict rows: no pandas before the first request)."""
    return [{
        "run_id": run_id, "item_id": it.id, "prompt": it.prompt, "response_a": it.response_a,
        "response_b": it.response_b, "label": it.label, "kind": it.kind, "category": it.category,
        "source": it.source, "metadata": json.dumps(it.metadata, ensure_ascii=False, default=str),
        "options": json.dumps(list(it.options), ensure_ascii=False) if it.options else None,
    } for it in items]


def _trials_frame(run_id: str, trials: Sequence[Trial], keys: Sequence[str]) -> list[dict[str, Any]]:
    return [{
        "run_id": run_id, "trial_id": t.trial_id, "item_id": t.item_id, "probe": t.probe,
        "condition": t.condition, "order": t.order, "repeat": t.repeat, "first": t.first, "second": t.second,
        "gold_position": t.gold_position,
        "cue": json.dumps({**t.cue, **{k: v for k, v in (("system_extra", t.system_extra),
                                                           ("user_prefix", t.user_prefix),
                                                           ("user_suffix", t.user_suffix),
                                                           ("between", t.between)) if v}}, ensure_ascii=False),
        "request_key": k, "mitigation": t.mitigation, "protocol": t.protocol,
        "option_order": json.dumps(list(t.option_order)) if t.option_order else None,
    } for t, k in zip(trials, keys, strict=True)]


def _verdict_row(run_id: str, trial: Trial, key: str, label: str | None, out: JudgeOutput | dict[str, Any],
                 cached: bool) -> dict[str, Any]:
    o = out if isinstance(out, dict) else out.__dict__
    chosen, correct = trial_verdict(trial, o["choice"], label)
    return {
        "run_id": run_id, "trial_id": trial.trial_id, "request_key": key, "choice": o["choice"],
        "chosen": chosen, "correct": correct, "p_a": o.get("p_a"), "p_b": o.get("p_b"), "raw": o.get("raw"),
        "error": o.get("error"), "input_tokens": o.get("input_tokens"), "output_tokens": o.get("output_tokens"),
        "latency_s": o.get("latency_s"), "cost_usd": o.get("cost_usd"), "cached": cached,
        "created_at": now().isoformat(), "parse_rule": o.get("parse_rule"), "p_ab_mass": o.get("p_ab_mass"),
        "score_first": o.get("score_first"), "score_second": o.get("score_second"),
    }


class _RowsInBackground:
    """A run's item and trial rows, written on a thread of their own while the cache is read and the judge starts
    (DuckDB inserts mostly outside the interpreter lock).

    Nothing reads them before the run's end; a run killed before they are in lacks them, and its resume writes
    them (``execute`` compares their counts). :meth:`check` raises the thread's error (a full disk) once it is
    known, :meth:`wait` joins the thread and raises it.
    """

    def __init__(self, store: Store, tables: list[tuple[str, list[dict[str, Any]]]]) -> None:
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if tables:
            self._thread = threading.Thread(target=self._write, args=(store, tables), name="judgekit-setup-rows",
                                            daemon=True)
            self._thread.start()

    def _write(self, store: Store, tables: list[tuple[str, list[dict[str, Any]]]]) -> None:
        try:
            for table, rows in tables:
                store.insert_frame(table, rows)
        except BaseException as exc:  # raised in the caller's thread by check() / wait()
            self.error = exc

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def wait(self, raise_error: bool = True) -> None:
        if self._thread is not None:
            self._thread.join()
        if raise_error:
            self.check()


def execute(store: Store, judge: Judge, items: Sequence[Item], trials: Sequence[Trial], spec: RunSpec,
            template: PromptTemplate, *, config: dict[str, Any], progress: bool | str | None = True,
            reuse_finished: Callable[[str], bool] | None = None,
            on_judging: Callable[[], object] | None = None) -> RunStats:
    """Judge every trial, resuming an unfinished run with the same spec, and return counts.

    ``on_judging()`` is called once, when the judge's first answer arrives (work that can overlap the
    rest of the judging starts there, not during the setup before the first request).

    ``reuse_finished(run_id)`` True reopens a finished run with the same spec instead of starting a new
    one (its report is missing, say); nothing is asked again.
    """
    started = datetime.now()
    identity = judge.identity()
    requests: list[JudgeRequest] = [build_request(template, identity, t, sample_index=t.repeat) for t in trials]
    keys = [r.key for r in requests]
    labels = {it.id: it.label for it in items}
    fingerprint = run_fingerprint(spec, identity, items, template)

    # one connection for the setup statements below (closed before the judge is called: see Store.session)
    with WriterLock(store.path), store.session() as setup:
        journal = Journal(str(store.path) + ".journal")
        store.mark_interrupted()  # this process holds the writer lock: a run still 'running' lost its process
        leftover = journal.replay()
        known = store.known_runs({r["run_id"] for r in leftover})
        # answers of a run that is no longer in the file (it was deleted or replaced) are reused by request key
        orphans = {r["request_key"]: r for r in leftover if r["run_id"] not in known and r.get("choice") != "error"}
        leftover = [r for r in leftover if r["run_id"] in known]
        if leftover:
            log.info("writing %d verdicts recovered from an interrupted run", len(leftover))
            store.write_verdicts(leftover)
        if not orphans:
            journal.clear()

        run_id = store.find_resumable(fingerprint)
        if run_id is None and reuse_finished is not None:
            last = store.latest_finished(fingerprint)
            run_id = last if last is not None and reuse_finished(last) else None
        resumed = run_id is not None
        if run_id is None:
            run_id = f"{started:%Y%m%d-%H%M%S}-{fingerprint[:6]}{uuid.uuid4().hex[:4]}"
            store.create_run({"run_id": run_id, "suite": spec.suite, "judge": judge.spec, "dataset": spec.dataset,
                              "config": {**config, "decoding": judge.decoding, "judge_identity": identity},
                              "versions": package_versions(), "seed": spec.seed, "fingerprint": fingerprint,
                              "n_trials": len(trials)})
        else:
            store.set_status(run_id, "running")
            log.info("resuming run %s", run_id)
        try:
            # A new run, or one killed right after its row was created, lacks its items or trials: write them.
            with store.connect(read_only=True) as con:
                have = con.execute("SELECT (SELECT count(*) FROM items WHERE run_id = ?), "
                                   "(SELECT count(*) FROM trials WHERE run_id = ?)", [run_id, run_id]).fetchall()[0]
            tables = [*([("items", _items_frame(run_id, items))] if int(have[0]) < len(items) else []),
                      *([("trials", _trials_frame(run_id, trials, keys))] if int(have[1]) < len(trials) else [])]
        except BaseException as exc:  # the run is not left 'running'
            with contextlib.suppress(StoreError):
                store.set_status(run_id, "failed", message=str(exc)[:500] or type(exc).__name__)
            raise
        rows = _RowsInBackground(store, tables)

        done = store.finished_trials(run_id)
        pending = [(t, r) for t, r in zip(trials, requests, strict=True) if t.trial_id not in done]
        writer = VerdictWriter(store, journal)
        bar = Progress(len(trials), initial=len(done), unit="verdict", mode=progress,
                       desc=f"{spec.suite} · {judge.spec}")
        n_cached = n_judged = n_errors = n_asked = n_stored = 0
        try:
            # 1. cache: identical requests answered before (by any run) cost nothing.
            hits = {row["request_key"]: row for row in store.cached_rows(sorted({r.key for _, r in pending}))}
            hits.update({k: v for k, v in orphans.items() if k not in hits})
            cached_rows = [_verdict_row(run_id, t, r.key, labels.get(t.item_id), hits[r.key], cached=True)
                           for t, r in pending if r.key in hits]
            store.write_verdicts(cached_rows)
            if orphans:
                journal.clear()
            n_cached = len(cached_rows)
            bar.update(n_cached)
            setup.close()

            # 2. judge the rest: one request per distinct key, fanned out to its trials.
            by_key: dict[str, list[Trial]] = defaultdict(list)
            unique: list[JudgeRequest] = []
            for t, r in pending:
                if r.key in hits:
                    continue
                if r.key not in by_key:
                    unique.append(r)
                by_key[r.key].append(t)
            if any(r.followup for r in unique):
                from judgekit.judges.reflect import ReflectingJudge

                judge = ReflectingJudge(judge)
            if any(r.parts for r in unique):  # pointwise: each pair through its two score sub-requests
                from judgekit.judges.pointwise import PointwiseJudge

                judge = PointwiseJudge(judge, store)
            for req, out in judge.judge(unique):
                if on_judging is not None:
                    on_judging()
                    on_judging = None
                for t in by_key[req.key]:
                    writer.add(_verdict_row(run_id, t, req.key, labels.get(t.item_id), out, cached=False))
                    bar.update(1)
                n_judged += 1
                n_errors += out.choice == "error"
                bar.set_errors(n_errors)
                rows.check()  # the item and trial rows could not be written (a full disk): stop, this answer kept
            rows.wait()
            writer.flush(timeout_s=max(store.lock_timeout_s, 300))
            n_asked, n_stored = getattr(judge, "n_asked", 0), getattr(judge, "n_stored", 0)
        except BaseException as exc:
            bar.close()
            rows.wait(raise_error=False)
            try:
                writer.flush(timeout_s=max(store.lock_timeout_s, 60))
            finally:
                status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
                store.set_status(run_id, status, message=str(exc)[:500] or type(exc).__name__)
            raise
        bar.close()
        status = "finished" if n_errors == 0 else "incomplete"
        store.set_status(run_id, status, message=None if n_errors == 0 else
                         f"{n_errors} requests failed; run the same command again to retry them")
    seconds = (datetime.now() - started).total_seconds()
    return RunStats(run_id, resumed, len(trials), len(done), n_cached, n_judged, n_errors, seconds,
                    n_scores_asked=n_asked, n_scores_stored=n_stored)
