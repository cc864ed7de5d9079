"""Render one self-contained HTML report for one run.

The report reads DataFrames only: it never calls a model and never imports the
engine. All dataset and model text goes through Jinja2 autoescaping; the only
markup marked safe is plotly.js itself and the figure fragments, whose JSON is
escaped by :func:`judgekit.report.figures.script_safe_json`.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from judgekit.atomic import atomic_write_text
from judgekit.report.caveats import caveat_list, names
from judgekit.report.figures import _num, _text, build_figures, format_p, is_rate, p_phrase
from judgekit.types import original_p_a

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
MAX_CHARS = 600
MAX_EXAMPLES = 20

METRIC_DESCRIPTIONS: dict[str, str] = {
    "accuracy": "Share of scored verdicts that pick the gold response.",
    "accuracy_strict": "Share of verdicts judged correctly, parse failures counted as wrong.",
    "accuracy_both_orders": "Share of items judged correctly in both orders (parse failures count as wrong).",
    "accuracy_order_gap": "Accuracy in order AB minus accuracy in order BA (exact McNemar test).",
    "position_consistency": "Share of items that get the same verdict in both orders.",
    "preference_fairness": "Balance between preferring first and second position (0 = fair, ±1 = one side).",
    "first_position_rate": "Share of verdicts that pick the response shown first (0.5 = no preference).",
    "mean_p_first": "Mean probability given to the response shown first.",
    "repetition_stability": "Share of repeated identical requests that get the same verdict (noise floor).",
    "parse_failure_rate": "Share of outputs from which no verdict could be read.",
    "tie_rate": "Share of valid verdicts that are ties.",
    "flawed_preference_rate": "Share of decisive verdicts for the flawed argument over the sound one (0.5 = no "
                              "discrimination).",
    "flawed_both_orders": "Share of items whose flawed argument wins in both orders.",
    "error_count": "Number of calls that failed.",
}

_COLUMNS = ("run_id", "suite", "probe", "metric", "subset", "estimate", "ci_low", "ci_high", "p_value", "n",
            "note", "p_adjusted", "family")


def pct(x: float) -> str:
    v = x * 100
    if 0 < v < 1 or 99 < v < 100:
        return f"{v:.1f}%"
    return f"{v:.0f}%"


def _ci_pct(lo: float, hi: float) -> str:
    if math.isnan(lo) or math.isnan(hi):
        return ""
    return f" (95% CI {pct(lo)[:-1]}–{pct(hi)})"


def _pick(metrics: pd.DataFrame, metric: str, subset: str = "all", probe: str | None = None) -> dict | None:
    rows = metrics[metrics["metric"] == metric]
    if probe is not None:
        rows = rows[rows["probe"] == probe]
    if rows.empty:
        return None
    subsets = rows["subset"].map(_text)
    for cand in (rows[subsets == subset], rows[subsets == ""] if subset == "all" else rows.iloc[:0]):
        if len(cand):
            rec = cand.iloc[0]
            out = {k: _num(rec.get(k)) for k in ("estimate", "ci_low", "ci_high", "p_value", "n")}
            return out if not math.isnan(out["estimate"]) else None
    return None


def headline(metrics: pd.DataFrame) -> str:
    """One plain-words paragraph computed from the metric estimates."""
    if metrics.empty or "metric" not in metrics:
        return "No metrics were computed for this run."
    probes = [p for p in metrics.loc[metrics["metric"] == "first_position_rate", "probe"]]
    probe = probes[0] if probes else None
    parts: list[str] = []

    def say(predicate: str) -> None:
        parts.append(("The judge " if not parts else "It ") + predicate)

    if fpr := _pick(metrics, "first_position_rate", probe=probe):
        e, lo, hi = fpr["estimate"], fpr["ci_low"], fpr["ci_high"]
        ci = _ci_pct(lo, hi)
        if lo > 0.5:
            say(f"picked the response shown first in {pct(e)} of verdicts{ci}, "
                "where a judge blind to order would pick it in 50%.")
        elif hi < 0.5:
            say(f"favoured the response shown second: it picked the one shown first in only {pct(e)} "
                f"of verdicts{ci}, where a judge blind to order would pick it in 50%.")
        elif ci:
            say(f"picked the response shown first in {pct(e)} of verdicts{ci}, "
                "which is consistent with no position preference.")
        else:
            say(f"picked the response shown first in {pct(e)} of verdicts (no interval could be computed).")
    if pc := _pick(metrics, "position_consistency", probe=probe):
        only = "only " if pc["estimate"] < 0.5 else ""
        say(f"gave the same answer in both orders for {only}{pct(pc['estimate'])} of items"
            f"{_ci_pct(pc['ci_low'], pc['ci_high'])}.")
    if acc := _pick(metrics, "accuracy", probe=probe):
        text = f"was right against the gold labels in {pct(acc['estimate'])} of verdicts"
        text += _ci_pct(acc["ci_low"], acc["ci_high"])
        if both := _pick(metrics, "accuracy_both_orders", probe=probe):
            text += (f", and right in both orders for {pct(both['estimate'])} of items"
                     f"{_ci_pct(both['ci_low'], both['ci_high'])}")
        say(text + ".")
    ab = _pick(metrics, "accuracy", "AB", probe=probe)
    ba = _pick(metrics, "accuracy", "BA", probe=probe)
    if ab and ba:
        gap = metrics[(metrics["metric"] == "accuracy_order_gap")
                      & ((metrics["probe"] == probe) if probe is not None else True)]
        p = _num(gap["p_value"].iloc[0]) if len(gap) else math.nan
        p_adj = _num(gap["p_adjusted"].iloc[0]) if len(gap) and "p_adjusted" in gap else math.nan
        tail = f" (exact McNemar {p_phrase(p)}" if not math.isnan(p) else ""
        tail += f", adjusted {p_phrase(p_adj)})" if tail and not math.isnan(p_adj) else (")" if tail else "")
        parts.append(f"Accuracy was {pct(ab['estimate'])}{_ci_pct(ab['ci_low'], ab['ci_high'])} in the dataset's "
                     f"order and {pct(ba['estimate'])}{_ci_pct(ba['ci_low'], ba['ci_high'])} with the responses "
                     f"swapped{tail}.")
    if (pf := _pick(metrics, "parse_failure_rate", probe=probe)) and pf["estimate"] > 0:
        parts.append(f"Of all outputs, {pct(pf['estimate'])}{_ci_pct(pf['ci_low'], pf['ci_high'])} could not be "
                     "parsed and were not scored.")
    if (ec := _pick(metrics, "error_count", probe=probe)) and ec["estimate"] > 0:
        n = int(ec["estimate"])
        parts.append(f"{n} call{'s' if n != 1 else ''} failed.")
    if parts:
        return " ".join(parts)
    valid = metrics[pd.to_numeric(metrics["estimate"], errors="coerce").notna()]
    if valid.empty:
        return ("No metric has an estimate for this run (for example because no verdict could be scored); "
                "see the counts under Run details.")
    names = ", ".join(dict.fromkeys(valid["probe"].map(_text)))
    return f"This run measured {len(valid)} metrics for the probes {names}; the table below lists them."


def _fmt(x: float, integer: bool = False) -> str:
    if math.isnan(x):
        return "—"
    return f"{round(x):,}" if integer else f"{x:.3f}"


def metric_groups(metrics: pd.DataFrame, *, pointwise: bool | str = False) -> list[dict[str, Any]]:
    """Table rows grouped by probe, with display text and raw sort keys; ``caveat`` names the row's caveats
    (:func:`judgekit.report.caveats.caveat_list`; ``pointwise``: the judge scores each response alone)."""
    if metrics.empty:
        return []
    metrics = metrics.reindex(columns=list(_COLUMNS))
    groups: dict[str, list[dict[str, Any]]] = {}
    for rec in metrics.to_dict("records"):
        metric = _text(rec["metric"])
        est, lo, hi = _num(rec["estimate"]), _num(rec["ci_low"]), _num(rec["ci_high"])
        p, n = _num(rec["p_value"]), _num(rec["n"])
        integer = metric.endswith("_count")
        groups.setdefault(_text(rec["probe"]), []).append({
            "metric": metric,
            "description": METRIC_DESCRIPTIONS.get(metric, ""),
            "subset": _text(rec["subset"]),
            "estimate": _fmt(est, integer), "estimate_key": "" if math.isnan(est) else repr(est),
            "ci": "—" if math.isnan(lo) or math.isnan(hi) else f"[{_fmt(lo, integer)}, {_fmt(hi, integer)}]",
            "ci_key": "" if math.isnan(lo) else repr(lo),
            "p_value": format_p(p) + ("" if math.isnan(p_adj := _num(rec["p_adjusted"])) else
                                      f" (adjusted {format_p(p_adj)}, {_text(rec['family'])})"),
            "p_key": "" if math.isnan(p) else repr(p),
            "n": _fmt(n, True), "n_key": "" if math.isnan(n) else repr(n),
            "note": _text(rec["note"]),
            "caveat": names(caveat_list(metric, est, lo, hi, n, rec["note"], pointwise=pointwise)),
            "rate": is_rate(metric, est, lo, hi),
        })
    return [{"probe": probe, "rows": rows} for probe, rows in groups.items()]


def clip(value: Any, limit: int = MAX_CHARS) -> dict[str, Any]:
    """Plain text cut at ``limit`` characters; escaping happens later, in the template."""
    text = _text(value)
    if len(text) <= limit:
        return {"text": text, "omitted": 0}
    return {"text": text[:limit], "omitted": len(text) - limit}


def _p_original_a(row: dict) -> str:
    p_a, p_b = _num(row.get("p_a")), _num(row.get("p_b"))
    if math.isnan(p_a) or math.isnan(p_b) or p_a + p_b <= 0:
        return "—"
    first = p_a / (p_a + p_b)
    return f"{original_p_a(first, str(row.get('order'))):.3f}"


def flipped_examples(verdicts: pd.DataFrame, limit: int = MAX_EXAMPLES) -> tuple[list[dict], int]:
    """Items whose (majority) chosen response differs between orders AB and BA, fact items first."""
    if verdicts.empty or not {"item_id", "order", "chosen"} <= set(verdicts.columns):
        return [], 0
    v = verdicts[verdicts["order"].isin(["AB", "BA"])].copy()
    v["_chosen"] = v["chosen"].map(_text)
    v = v[v["_chosen"] != ""]
    keys = [c for c in ("probe", "condition", "item_id") if c in v.columns]
    found: list[tuple[bool, dict]] = []
    for _, group in v.groupby(keys, sort=False, dropna=False):
        sides = {}
        for order in ("AB", "BA"):
            rows = group[group["order"] == order]
            if rows.empty:
                break
            counts = rows["_chosen"].value_counts()
            rep = rows[rows["_chosen"] == counts.index[0]].iloc[0].to_dict()
            sides[order] = {
                "choice": _text(rep.get("choice")), "chosen": counts.index[0],
                "correct": rep.get("correct") if isinstance(rep.get("correct"), bool) else None,
                "p_orig_a": _p_original_a(rep), "raw": clip(rep.get("raw")),
                "spread": ", ".join(f"{k}×{c}" for k, c in counts.items()) if len(rows) > 1 else "",
            }
        if len(sides) < 2 or sides["AB"]["chosen"] == sides["BA"]["chosen"]:
            continue
        first = group.iloc[0].to_dict()
        found.append((_text(first.get("kind")) == "fact", {
            "item_id": _text(first.get("item_id")), "probe": _text(first.get("probe")),
            "condition": _text(first.get("condition")), "kind": _text(first.get("kind")),
            "category": _text(first.get("category")), "label": _text(first.get("label")) or "—",
            "prompt": clip(first.get("prompt")), "response_a": clip(first.get("response_a")),
            "response_b": clip(first.get("response_b")), "orders": sides,
        }))
    ordered = [ex for fact, ex in found if fact] + [ex for fact, ex in found if not fact]
    return ordered[:limit], len(found)


def _when(value: Any) -> tuple[str, pd.Timestamp | None]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—", None
    ts = pd.to_datetime(value, errors="coerce", utc=True) if not isinstance(value, datetime) else value
    shown = value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime) else str(value)
    return shown, (None if ts is None or pd.isna(ts) else pd.Timestamp(ts))


def _sum(verdicts: pd.DataFrame, col: str) -> float:
    return float(pd.to_numeric(verdicts[col], errors="coerce").sum()) if col in verdicts else math.nan


def run_details(run: dict, verdicts: pd.DataFrame) -> dict[str, Any]:
    config = dict(run.get("config") or {})
    decoding = dict(config.pop("decoding", None) or {})
    started, t0 = _when(run.get("started_at"))
    finished, t1 = _when(run.get("finished_at"))
    duration = "—"
    if t0 is not None and t1 is not None:
        t0, t1 = (t.tz_convert(None) if t.tzinfo else t for t in (t0, t1))
        secs = int((t1 - t0).total_seconds())
        sign, secs = ("-" if secs < 0 else ""), abs(secs)
        duration = f"{sign}{secs // 3600}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    choice = verdicts["choice"].map(_text) if "choice" in verdicts else pd.Series("", index=verdicts.index)
    failed = choice == "error"
    if "error" in verdicts:
        failed = failed | (verdicts["error"].map(_text) != "")
    errors = int(failed.sum())
    cached = f"{int(verdicts['cached'].eq(True).sum()):,}" if "cached" in verdicts else "—"
    counts = [("Trials", _text(run.get("n_trials")) or "—"),
              ("Verdicts", _text(run.get("n_verdicts")) or "—"),
              ("Verdict rows in this report", f"{len(verdicts):,}"), ("Cached", cached),
              ("Errors", f"{errors:,}"), ("Parse failures", f"{int((choice == 'invalid').sum()):,}"),
              ("Ties", f"{int((choice == 'tie').sum()):,}")]
    for label, col in (("Input tokens", "input_tokens"), ("Output tokens", "output_tokens")):
        counts.append((label, _fmt(_sum(verdicts, col), True)))
    if "cost_usd" in verdicts and pd.to_numeric(verdicts["cost_usd"], errors="coerce").notna().any():
        counts.append(("Cost (USD)", f"{_sum(verdicts, 'cost_usd'):.4f}"))
    lat = pd.to_numeric(verdicts["latency_s"], errors="coerce").dropna() if "latency_s" in verdicts else []
    if len(lat):
        counts.append(("Latency median / p95 (s)", f"{lat.median():.2f} / {lat.quantile(0.95):.2f}"))
    return {
        "summary": [("Run id", _text(run.get("run_id"))), ("Suite", _text(run.get("suite"))),
                    ("Judge", _text(run.get("judge"))), ("Dataset", _text(run.get("dataset"))),
                    ("Status", _text(run.get("status"))), ("Seed", _text(run.get("seed")) or "—"),
                    ("Started", started), ("Finished", finished), ("Duration", duration)],
        "decoding": [(k, _json(v)) for k, v in decoding.items()],
        "config": [(k, _json(v)) for k, v in config.items()],
        "versions": sorted((str(k), _text(v)) for k, v in (run.get("versions") or {}).items()),
        "counts": counts,
    }


def _json(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)


def methods(run: dict) -> str:
    config = run.get("config") or {}
    decoding = config.get("decoding") or {}
    repeats = int(_num(config.get("repeats"))) if not math.isnan(_num(config.get("repeats"))) else 1
    temp = _num(decoding.get("temperature"))
    stochastic = (not math.isnan(temp) and temp > 0) or bool(decoding.get("do_sample"))
    n_items = _text(config.get("n_items"))
    text = (f"Each of the {n_items + ' ' if n_items else ''}items was judged with its two responses in both "
            "orders (AB as in the dataset, BA swapped), so a preference for a position can be told apart "
            "from a preference for a response. ")
    why = " because decoding is stochastic" if stochastic else ""
    why += f" (temperature {temp:g})" if why and not math.isnan(temp) else ""
    if repeats > 1:
        text += (f"Each presentation was judged {repeats} times{why}; agreement between repeats (repetition "
                 "stability) is the noise floor against which order effects should be read. ")
    elif stochastic:
        text += ("Decoding is stochastic but each presentation was judged once, so the noise floor is "
                 "not measured. ")
    else:
        text += "Decoding is deterministic, so each presentation was judged once. "
    return text + (
        "Proportions over verdicts carry Wilson score 95% intervals. Metrics that combine several verdicts "
        "of the same item (consistency, strict accuracy, fairness, mean probabilities) use a bootstrap that "
        "resamples items, so repeated and paired verdicts of one item are not counted as independent. The "
        "accuracy difference between orders is tested with an exact McNemar test on the items whose "
        "correctness changes with order. Unparseable outputs and failed calls are counted but never scored; "
        "the note column of the metrics table says where a metric departs from this.")


def render_report(run: dict, metrics: pd.DataFrame, verdicts: pd.DataFrame, out_path: Path) -> Path:
    """Write a self-contained HTML report for one run to ``out_path`` and return the path."""
    metrics = metrics if metrics is not None else pd.DataFrame(columns=list(_COLUMNS))
    metrics = metrics.reindex(columns=list(dict.fromkeys([*_COLUMNS, *metrics.columns])))
    verdicts = verdicts if verdicts is not None else pd.DataFrame()
    plotly_js = get_plotlyjs()
    if "</script" in plotly_js.lower():
        raise ValueError("the installed plotly.js cannot be inlined safely")
    examples, n_flipped = flipped_examples(verdicts)
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True, undefined=StrictUndefined)
    figures = [{"key": f.key, "title": f.title, "how_to_read": f.how_to_read, "missing": f.missing,
                "html": Markup(f.html) if f.html else None} for f in build_figures(metrics, verdicts)]
    html = env.get_template("report.html.j2").render(
        run={k: _text(run.get(k)) for k in ("run_id", "suite", "judge", "dataset", "status")},
        headline=headline(metrics), groups=metric_groups(metrics), figures=figures,
        examples=examples, n_flipped=n_flipped, max_chars=MAX_CHARS, details=run_details(run, verdicts),
        methods=methods(run), plotly_js=Markup(plotly_js),
        generated=datetime.now().astimezone().isoformat(sep=" ", timespec="seconds"),
    )
    out_path = Path(out_path)
    atomic_write_text(out_path, html)
    return out_path
