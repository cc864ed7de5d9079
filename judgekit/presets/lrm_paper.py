"""``judgekit eval --suite lrm-paper``: the design of Wang et al. 2025 on any judges, in one command.

For every judge: one run of ``suites/lrm-paper-pairs.yaml`` on the preference sets (pairwise) and one of
``suites/lrm-paper-facts.yaml`` on the fact sets (mcq), all in the same DuckDB file, decoded at temperature
0.7 unless told otherwise (the paper's setting; the repeats of each run measure the noise floor). Then the
findings page (:mod:`judgekit.report.findings`): the paper's four findings as hypotheses tested on the judges
given, the paper's metrics (:mod:`judgekit.stats.paper`) beside judgekit's, and the mitigations.

Judge types come from ``judge_types`` (``--judge-type``), else from the judge's raw outputs: a judge whose
answers mostly hold a ``<think>`` block is a reasoning judge (:func:`infer_judge_type`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from judgekit.presets.lrm_data import PaperData, load_paper_data
from judgekit.stats.findings import JUDGE_TYPES, REASONING, STANDARD

log = logging.getLogger("judgekit")

PAPER_TEMPERATURE = 0.7
SUITES = {"preference": "lrm-paper-pairs", "fact": "lrm-paper-facts"}
PROTOCOL = {"preference": "pairwise", "fact": "mcq"}
#: share of a run's answers with a <think> block above which its judge is taken for a reasoning judge
THINK_SHARE = 0.5


@dataclass
class PresetResult:
    """The runs of a preset (one row per judge and dataset kind), what was skipped and why, and the page."""

    runs: pd.DataFrame
    skipped: list[str]
    findings_path: Path | None


def mcq_available() -> str | None:
    """None when this judgekit can plan mcq trials, else why not."""
    from judgekit.plan import load_suite
    from judgekit.plan.trials import build_trials
    from judgekit.types import Item

    probe = Item(id="probe:1", prompt="1 + 1 = ?", response_a="", response_b="", label="B", kind="fact",
                 options=("1", "2"), metadata={"subject": "math"})
    try:
        build_trials(load_suite(SUITES["fact"]), [probe], seed=0, options={"repeats": 0, "repeat_fraction": 0.0},
                     protocol="mcq")
    except (ValueError, KeyError, TypeError) as exc:
        return str(exc)
    return None


def infer_judge_type(raw: pd.Series) -> str:
    """``reasoning`` when more than :data:`THINK_SHARE` of the outputs hold ``<think>``, else ``standard``."""
    raw = raw.dropna().astype(str)
    if raw.empty:
        return STANDARD
    return REASONING if raw.str.contains("<think>", regex=False).mean() > THINK_SHARE else STANDARD


def _spec(judge: Any) -> str:
    return judge if isinstance(judge, str) else str(getattr(judge, "spec", type(judge).__name__))


def run_lrm_paper(data_dir: str | Path, judges: Sequence[Any], *, judge_types: Sequence[str] | None = None,
                  db: str | Path = "judgekit.duckdb", out: str | Path = "reports", limit: int | None = None,
                  seed: int = 0, mitigations: str | list[str] | None = None,
                  judge_options: dict[str, Any] | None = None, repeats: int | None = None,
                  progress: bool = True, make_report: bool = True) -> PresetResult:
    """Run the paper's design with every judge in ``judges`` (specs or ready judges) and write the findings page.

    ``judge_types`` labels the judges in order (``reasoning`` / ``standard``); ``limit`` rows per set
    (default 100, the paper's sample); ``judge_options`` default to temperature 0.7."""
    from judgekit import api

    if not judges:
        raise ValueError("lrm-paper needs at least one --judge")
    types = list(judge_types or [])
    if types and len(types) != len(judges):
        raise ValueError(f"--judge-type given {len(types)} times for {len(judges)} judges; give it once per judge "
                         f"(in the same order) or not at all")
    bad = [t for t in types if t not in JUDGE_TYPES]
    if bad:
        raise ValueError(f"unknown judge type {bad[0]!r}; valid: {', '.join(JUDGE_TYPES)}")
    data: PaperData = load_paper_data(data_dir, limit=limit, seed=seed)
    opts = {k: v for k, v in (judge_options or {}).items() if v is not None}
    opts.setdefault("temperature", PAPER_TEMPERATURE)
    skipped: list[str] = []
    no_mcq = mcq_available() if data.fact else None
    if no_mcq:
        skipped.append(f"fact sets not judged: {no_mcq}")
    from judgekit.mitigations import parse_mitigations

    if data.fact and not no_mcq and len(parse_mitigations(mitigations)) > 1:
        skipped.append("mitigations run on the preference sets only: the mcq protocol takes none")
    rows = []
    for i, judge in enumerate(judges):
        spec = _spec(judge)
        for kind, items in (("preference", data.preference), ("fact", data.fact)):
            if not items or (kind == "fact" and no_mcq):
                continue
            log.info("lrm-paper: %s on %d %s items", spec, len(items), kind)
            res = api.evaluate(SUITES[kind], judge=judge if isinstance(judge, str) else None,
                               judge_obj=None if isinstance(judge, str) else judge, items=items,
                               dataset=f"lrm-paper-{kind}", db=db, out=out, seed=seed,
                               mitigations=mitigations if kind == "preference" else None,
                               judge_options=opts, repeats=repeats, progress=progress, make_report=make_report)
            rows.append({"judge": spec, "judge_type": types[i] if types else None, "kind": kind,
                         "protocol": PROTOCOL[kind], "run_id": res.run_id, "n_items": len(items),
                         "n_trials": res.stats.n_trials, "seconds": res.stats.seconds})
    runs = pd.DataFrame(rows)
    if not types:
        runs = infer_types(runs, db=db)
    path = findings_page(runs, db=db, out=out, skipped=skipped, inferred=not types)
    return PresetResult(runs=runs, skipped=skipped, findings_path=path)


def infer_types(runs: pd.DataFrame, *, db: str | Path) -> pd.DataFrame:
    """``runs`` with each judge's type inferred from the raw outputs of all its runs (:func:`infer_judge_type`)."""
    from judgekit.store.db import Store

    store = Store(db, create=False)
    raw = {r.run_id: store.query("SELECT raw FROM verdicts WHERE run_id = ? AND choice <> 'error'",
                                 [r.run_id])["raw"] for r in runs.itertuples()}
    by_judge = {j: infer_judge_type(pd.concat([raw[r] for r in g["run_id"]]))
                for j, g in runs.groupby("judge", sort=False)}
    return runs.assign(judge_type=runs["judge"].map(by_judge))


def findings_page(runs: pd.DataFrame, *, db: str | Path, out: str | Path, skipped: Sequence[str] = (),
                  inferred: bool = False) -> Path:
    """Write the findings page of ``runs`` (a :class:`PresetResult` table) and return its path."""
    from judgekit.report.findings import write_findings
    from judgekit.store.db import Store

    store = Store(db, create=False)
    frames = {r.run_id: store.metrics_frame(r.run_id) for r in runs.itertuples()}
    metrics = {r.run_id: store.metrics(r.run_id) for r in runs.itertuples()}
    return write_findings(runs, frames, metrics, out=out, skipped=skipped, inferred=inferred)
