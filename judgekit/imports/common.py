"""An import is a run: judgments collected elsewhere written as ``runs``/``items``/``trials``/``verdicts`` rows.

Every importer returns :class:`ImportedRun` objects (one per judge); :func:`write_run` stores one through the
Store's own methods, exactly as a live run of the ``position`` suite would (probe ``position``, condition
``control``, order ``AB`` = ``response_a`` shown first, repeats numbered from 0), then computes the same metrics
a live run computes plus the anchors' named definitions (:mod:`judgekit.stats.anchors`). Votes of principle
annotators (AnnotatedPairs) are trials of probe ``principle`` whose condition is the principle.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from judgekit.engine.runner import _items_frame, package_versions
from judgekit.probes.base import make_trial_id
from judgekit.store.db import Store, now
from judgekit.types import Item, original_verdict

SUITE = "position"


@dataclass
class Judgment:
    """One verdict as the source file has it. ``choice`` is in presented positions (A = shown first)."""

    item_id: str
    order: str
    repeat: int
    choice: str
    raw: str | None = None
    p_a: float | None = None
    p_b: float | None = None
    probe: str = "position"
    condition: str = "control"
    cue: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportedRun:
    """The judgments of one judge read from one or more files."""

    judge: str
    fmt: str
    files: list[str]
    items: list[Item]
    judgments: list[Judgment]
    skipped: int = 0
    #: format details the anchors need (e.g. the reference annotator of AnnotatedPairs)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportResult:
    run_id: str
    judge: str
    n_items: int
    n_verdicts: int
    n_invalid: int
    skipped: int
    reused: bool
    metrics: pd.DataFrame


def _fingerprint(run: ImportedRun) -> str:
    h = hashlib.sha256(json.dumps([run.judge, run.fmt], ensure_ascii=False).encode())
    for it in run.items:
        h.update(json.dumps([it.id, it.prompt, it.response_a, it.response_b, it.label], ensure_ascii=False).encode())
    for j in run.judgments:
        h.update(json.dumps([j.item_id, j.probe, j.condition, j.order, j.repeat, j.choice, j.raw, j.p_a, j.p_b],
                            ensure_ascii=False, default=str).encode())
    return "import-" + h.hexdigest()[:16]


def _shown(item: Item, order: str) -> tuple[str, str]:
    return (item.response_a, item.response_b) if order == "AB" else (item.response_b, item.response_a)


def _gold_position(label: str | None, order: str) -> str | None:
    if label not in ("A", "B"):
        return label
    return label if order == "AB" else {"A": "B", "B": "A"}[label]


def write_run(store: Store, run: ImportedRun, *, dataset: str | None = None, seed: int = 0) -> ImportResult:
    """Store ``run`` as a finished run and compute its metrics; importing the same judgments again reuses it."""
    from judgekit.stats.anchor_rows import anchor_metrics
    from judgekit.suites import compute_metrics, load_suite

    seen: set[tuple[str, str, str, str, int]] = set()
    for j in run.judgments:
        key = (j.item_id, j.probe, j.condition, j.order, j.repeat)
        if key in seen:
            raise ValueError(f"{', '.join(run.files)}: judge {run.judge!r} has two verdicts for item {j.item_id!r}, "
                             f"order {j.order}, repeat {j.repeat}; give them different repeat numbers")
        seen.add(key)
    fp = _fingerprint(run)
    old = store.query("SELECT run_id FROM runs WHERE fingerprint = ? AND status = 'finished' "
                      "ORDER BY started_at DESC LIMIT 1", [fp])
    items = {it.id: it for it in run.items}
    n_invalid = sum(j.choice not in ("A", "B", "tie") for j in run.judgments)
    if not old.empty:
        rid = str(old.iloc[0]["run_id"])
        return ImportResult(rid, run.judge, len(items), len(run.judgments), n_invalid, run.skipped, True,
                            store.metrics(rid))
    rid = f"{datetime.now():%Y%m%d-%H%M%S}-{fp[7:13]}{hashlib.sha256(repr(now()).encode()).hexdigest()[:4]}"
    config = {"imported": True, "format": run.fmt, "files": run.files, "probes": sorted({j.probe for j in
                                                                                        run.judgments}),
              "n_items": len(items), **{k: v for k, v in run.extra.items() if isinstance(v, str | int | float)}}
    store.create_run({"run_id": rid, "suite": SUITE, "judge": run.judge,
                      "dataset": dataset or "+".join(sorted({f.rsplit("/", 1)[-1] for f in run.files})),
                      "config": config, "versions": package_versions(), "seed": seed, "fingerprint": fp,
                      "n_trials": len(run.judgments)})
    store.insert_frame("items", _items_frame(rid, run.items))
    trials, verdicts = [], []
    created = now().isoformat()
    for j in run.judgments:
        it = items[j.item_id]
        tid = make_trial_id(j.item_id, j.probe, j.condition, j.order, j.repeat)
        first, second = _shown(it, j.order)
        key = "import-" + hashlib.sha256(f"{fp}|{tid}".encode()).hexdigest()[:24]
        trials.append({"run_id": rid, "trial_id": tid, "item_id": j.item_id, "probe": j.probe,
                       "condition": j.condition, "order": j.order, "repeat": j.repeat, "first": first,
                       "second": second, "gold_position": _gold_position(it.label, j.order),
                       "cue": json.dumps(j.cue, ensure_ascii=False), "request_key": key, "mitigation": "none"})
        chosen, correct = original_verdict(j.choice, j.order, it.label)
        verdicts.append({"run_id": rid, "trial_id": tid, "request_key": key, "choice": j.choice, "chosen": chosen,
                         "correct": correct, "p_a": j.p_a, "p_b": j.p_b, "raw": j.raw, "error": None,
                         "input_tokens": None, "output_tokens": None, "latency_s": None, "cost_usd": None,
                         "cached": False, "created_at": created})
    store.insert_frame("trials", pd.DataFrame(trials))
    store.write_verdicts(verdicts)
    suite = load_suite(SUITE)
    frames = [compute_metrics(suite, store.metrics_frame(rid), seed=seed)]
    frames.append(anchor_metrics(store.verdicts_frame(rid), fmt=run.fmt, extra=run.extra))
    metrics = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    store.write_metrics(rid, SUITE, metrics)
    store.set_status(rid, "finished")
    return ImportResult(rid, run.judge, len(items), len(run.judgments), n_invalid, run.skipped, False,
                        store.metrics(rid))
