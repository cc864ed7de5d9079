"""The bias card: one compact, JSON-serialisable summary of a judge on a run.

Schema ``judgekit.bias-card/1``, documented field by field in ``docs/bias-card.md``.
The card is built from whitelisted fields only: the judge identity and decoding
settings pass through :func:`_clean`, which keeps known keys, drops any key that
looks like a credential and strips user:password from URLs, so nothing secret can
reach a published card even if a future backend records more.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from judgekit.atomic import atomic_write_text
from judgekit.console import decoding_text
from judgekit.redact import redact_text
from judgekit.report import queries as q
from judgekit.stats.design import headline_metric, protocol_of

SCHEMA = "judgekit.bias-card/1"

#: metrics (subset "all") reported per probe after its headline (:func:`judgekit.stats.net.headline_metric`),
#: which comes first; a cue probe's headline ``cue_net_effect`` has ``added_text_effect`` and ``bias_effect``
#: beside it.
HEADLINE_METRICS = {
    "position": ("first_position_rate", "position_consistency", "accuracy", "preference_fairness",
                 "repetition_stability"),
    "cue": ("cue_net_effect", "added_text_effect", "bias_effect", "flip_rate", "flip_rate_net", "noise_floor",
            "robustness_rate", "harmful_flips",
            "helpful_flips"),
    "extra": ("padding_vs_irrelevant", "p_prefer_longer", "length_logit_slope", "between_first_shift"),
    # an mcq run (judgekit/stats/mcq.py)
    "mcq_position": ("mcq_gold_position_gap", "mcq_accuracy", "mcq_invalid_rate"),
    "mcq_cue": ("mcq_cue_net_shift", "mcq_cue_shift", "mcq_added_text_shift", "mcq_accuracy", "mcq_invalid_rate"),
}
IDENTITY_KEYS = ("backend", "model", "revision", "mode", "dtype", "temperature", "top_p", "max_tokens",
                 "max_new_tokens", "logprobs", "api_base", "params", "seed", "policy", "base", "wrapper")
DECODING_KEYS = ("mode", "temperature", "top_p", "top_k", "max_tokens", "max_new_tokens", "logprobs", "dtype",
                 "device", "batch_size", "do_sample", "n", "stop")
DESIGN_KEYS = ("probes", "template", "repeats", "repeat_fraction", "n_items", "limit", "split", "data", "protocol")
_SECRET = re.compile(r"((^|_)key$|api_?key|(^|_)token$|secret|password|passwd|authori[sz]ation|credential|cookie|"
                     r"bearer|private)", re.IGNORECASE)
_SECRET_VALUE = re.compile(r"\b(sk-[A-Za-z0-9_-]{12,}|hf_[A-Za-z0-9]{20,}|Bearer\s+\S+)")


def _clean(value: Any, allowed: tuple[str, ...] | None = None, depth: int = 0) -> Any:
    """Whitelisted, credential-free, JSON-safe copy of ``value``."""
    if depth > 4:
        return None
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            k = str(k)
            if (allowed is not None and k not in allowed) or _SECRET.search(k):
                continue
            out[k] = _clean(v, None, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_clean(v, None, depth + 1) for v in value]
    if isinstance(value, str):
        return _SECRET_VALUE.sub("[redacted]", redact_text(value))
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int)):
        return value
    return str(value)


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _stat(row: dict[str, Any]) -> dict[str, Any]:
    n = _num(row.get("n"))
    return {"estimate": _num(row.get("estimate")), "ci_low": _num(row.get("ci_low")),
            "ci_high": _num(row.get("ci_high")), "n": None if n is None else int(n),
            "p_value": _num(row.get("p_value")), "p_adjusted": _num(row.get("p_adjusted"))}


def headline(metrics: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """probe -> {metric: stat} for the probe's headline metrics (subset "all"); the headline first."""
    by_probe: dict[str, dict[str, Any]] = {}
    index = {(r["probe"], r["metric"]): r for r in metrics if r.get("subset") in ("all", None)}
    protocol = protocol_of(r["metric"] for r in metrics)
    for probe in dict.fromkeys(r["probe"] for r in metrics):
        if probe in (None, "all"):
            continue
        mcq = protocol == "mcq"
        rest = HEADLINE_METRICS[("mcq_" if mcq else "") + ("position" if probe == "position" else "cue")]
        names = tuple(dict.fromkeys((headline_metric(str(probe), protocol), *rest, *HEADLINE_METRICS["extra"])))
        stats = {m: _stat(index[(probe, m)]) for m in names if (probe, m) in index}
        if stats:
            by_probe[str(probe)] = stats
    return by_probe


def _quality(metrics: list[dict[str, Any]], counts: dict[str, Any]) -> dict[str, Any]:
    n = counts.get("n_verdicts") or 0
    rate = (counts.get("n_invalid") or 0) / n if n else None
    per_probe = {str(r["probe"]): _num(r["estimate"]) for r in metrics
                 if r["metric"] == "parse_failure_rate" and r.get("subset") in ("all", "control")}
    return {"verdicts": n, "parse_failures": counts.get("n_invalid"), "parse_failure_rate": rate,
            "parse_failure_rate_by_probe": per_probe, "errors": counts.get("n_errors"), "ties": counts.get("n_ties"),
            "cached": counts.get("n_cached")}


def bias_card(db: str | Path, run_id: str) -> dict[str, Any]:
    """The bias card of one run as a JSON-serialisable dict (schema ``judgekit.bias-card/1``).

    Read with DuckDB alone (no pandas), so ``judgekit card`` starts fast."""
    from judgekit.console import _connect

    con = _connect(db)
    try:
        run = _run_row(con, db, run_id)
        records = q.records(con, "SELECT probe, metric, subset, estimate, ci_low, ci_high, p_value, p_adjusted, n "
                                 "FROM metrics WHERE run_id = ? ORDER BY probe, metric, subset", [run_id])
        counts = q.counts(con, run_id)
        prov = q.records(con, q.PROVENANCE_SQL, [run_id])
        design = q.records(con, q.DESIGN_SQL, [run_id])
    finally:
        con.close()
    config = run.get("config") or {}
    identity = config.get("judge_identity") or {}
    model = [r for r in records if r["probe"] == "all" and r["metric"] == "model_cue_log_odds"]
    headline_stats = headline(records)
    headline_probes = list(headline_stats)
    return {
        "schema": SCHEMA,
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "run": {"run_id": str(run_id), "suite": str(run.get("suite")), "status": str(run.get("status")),
                "started_at": _iso(run.get("started_at")), "finished_at": _iso(run.get("finished_at")),
                "seed": None if run.get("seed") is None else int(run["seed"]),
                "fingerprint": _clean(run.get("fingerprint"))},
        "judge": {"spec": _clean(str(run.get("judge"))), "identity": _clean(identity, IDENTITY_KEYS)},
        "decoding": (decoding := _clean(config.get("decoding") or {}, DECODING_KEYS)),
        "decoding_text": decoding_text(decoding),
        "dataset": _dataset(str(run.get("dataset")), prov),
        "design": _design(config, design),
        "headline_metric": {p: headline_metric(p, protocol_of(r["metric"] for r in records))
                            for p in headline_probes},
        "headline": headline_stats,
        "model": {str(r["subset"]): _stat(r) for r in model},
        "quality": _quality(records, counts),
        "usage": {"input_tokens": counts.get("input_tokens"), "output_tokens": counts.get("output_tokens"),
                  "cost_usd": counts.get("cost_usd") if counts.get("n_costed") else None,
                  "latency_median_s": counts.get("latency_median_s"), "latency_p95_s": counts.get("latency_p95_s")},
        "versions": _clean({str(k): str(v) for k, v in (run.get("versions") or {}).items()}),
    }


def _run_row(con: Any, db: str | Path, run_id: str) -> dict[str, Any]:
    """The ``runs`` row of ``run_id`` with ``config`` and ``versions`` parsed; a clear error when absent."""
    rows = q.records(con, "SELECT * FROM runs WHERE run_id = ?", [run_id])
    if not rows:
        raise ValueError(f"{db}: no run with id {run_id!r}")
    rec = rows[0]
    for key in ("config", "versions"):
        rec[key] = json.loads(rec[key]) if isinstance(rec[key], str) else (rec[key] or {})
    return rec


def _dataset(name: str, prov: list[dict[str, Any]]) -> dict[str, Any]:
    """Sources, item count and items per kind, from the per-(source, kind, label) counts."""
    kinds: dict[str, int] = {}
    for r in prov:
        kinds[str(r["kind"])] = kinds.get(str(r["kind"]), 0) + int(r["n_items"])
    return {"name": name, "sources": sorted({r["source"] for r in prov}),
            "n_items": sum(int(r["n_items"]) for r in prov), "kinds": dict(sorted(kinds.items()))}


def _design(config: dict[str, Any], design: list[dict[str, Any]]) -> dict[str, Any]:
    """The run's design settings, orders, conditions per probe and trial count, from the per-cell counts."""
    conditions: dict[str, set[str]] = {}
    for r in design:
        conditions.setdefault(str(r["probe"]), set()).add(r["condition"])
    orders = sorted({r["order"] for r in design})
    if config.get("protocol") == "mcq":  # option arrangements, one or more per item: their number, not each one
        orders = [f"{len(orders)} option arrangements"]
    return {**_clean({k: config.get(k) for k in DESIGN_KEYS if k in config}),
            "orders": orders,
            "conditions": {p: sorted(c) for p, c in sorted(conditions.items())},
            "n_trials": sum(int(r["n_trials"]) for r in design)}


def _iso(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def write_card(db: str | Path, run_id: str, out: str | Path | None = None) -> str:
    """The card as indented JSON; written to ``out`` when given. Returns the JSON text."""
    text = json.dumps(bias_card(db, run_id), indent=2, ensure_ascii=False, allow_nan=False)
    if out is not None:
        atomic_write_text(out, text + "\n")
    return text
