"""The findings page of an ``lrm-paper`` run: the paper's four findings tested on the judges given.

It reads stored verdicts and metrics only (frames passed in by :func:`judgekit.presets.lrm_paper.findings_page`)
and writes one self-contained HTML file in the report's design (:func:`judgekit.analysis.page.render_page`).
Every text from a dataset, a judge spec or a model is escaped; the numbers come from
:mod:`judgekit.stats.findings` and :mod:`judgekit.stats.paper`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import escape

from judgekit.stats.design import headline_metric
from judgekit.stats.findings import (
    Finding,
    position_preference,
    reflection_effect,
    robustness_interaction,
    susceptibility,
)
from judgekit.stats.mcq import mcq_headline
from judgekit.stats.paper import (
    design_units,
    later_position_effects,
    noise_floor,
    paper_metrics,
    relative_reduction,
)

FINDINGS_FILE = "lrm-paper-findings.html"
BIASES = ("position", "bandwagon", "authority", "distraction", "reflection")


def _cell(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.3g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"
    return str(escape("" if v is None else v))


def html_table(df: pd.DataFrame, caption: str = "", cls: str = "") -> str:
    """``df`` as an escaped HTML table."""
    if df.empty:
        return f"<p class='empty'>{escape(caption)}: nothing to show.</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table class='{escape(cls)}'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def headline_rows(runs: pd.DataFrame, metrics: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per judge and bias, judgekit's headline estimate (pairwise position: first_position_rate - 0.5; an mcq
    run's headlines are those of :mod:`judgekit.stats.mcq`)."""
    rows = []
    for r in runs.itertuples():
        m = metrics[r.run_id]
        for probe in BIASES:
            name = mcq_headline(probe) if r.protocol == "mcq" else headline_metric(probe)
            hit = m[(m["probe"] == probe) & (m["metric"] == name) & (m["subset"] == "all")]
            if hit.empty:
                continue
            h = hit.iloc[0]
            shift = 0.5 if name == "first_position_rate" else 0.0
            rows.append({"judge": r.judge, "judge_type": r.judge_type, "kind": r.kind, "probe": probe,
                         "metric": name + (" - 0.5" if shift else ""), "estimate": float(h["estimate"]) - shift,
                         "ci_low": float(h["ci_low"]) - shift, "ci_high": float(h["ci_high"]) - shift,
                         "p_value": float(h["p_value"]), "n": int(h["n"])})
    return pd.DataFrame(rows, columns=["judge", "judge_type", "kind", "probe", "metric", "estimate", "ci_low",
                                       "ci_high", "p_value", "n"])


def _tag(runs: pd.DataFrame, frame_of: Any) -> pd.DataFrame:
    parts = []
    for r in runs.itertuples():
        f = frame_of(r)
        if len(f):
            parts.append(f.assign(judge=r.judge, judge_type=r.judge_type, kind=f["kind"] if "kind" in f else r.kind))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["judge", "judge_type", "kind", "item_id"])


def compute_findings(runs: pd.DataFrame, frames: Mapping[str, pd.DataFrame],
                     metrics: Mapping[str, pd.DataFrame]) -> list[Finding]:
    """The four findings on these runs."""
    heads = headline_rows(runs, metrics)
    units = _tag(runs, lambda r: design_units(frames[r.run_id]))
    later = _tag(runs, lambda r: later_position_effects(frames[r.run_id], pairwise=r.protocol == "pairwise"))
    for col, default in (("robust", False), ("later", 0.0)):
        for f in (units, later):
            if col not in f:
                f[col] = pd.Series(dtype=type(default))
    return [susceptibility(heads[heads["probe"] != "reflection"]), robustness_interaction(units),
            position_preference(later), reflection_effect(heads)]


def _paper_tables(runs: pd.DataFrame, frames: Mapping[str, pd.DataFrame]) -> str:
    parts = []
    for r in runs.itertuples():
        pm = paper_metrics(frames[r.run_id], kind=r.kind, pairwise=r.protocol == "pairwise")
        pm = pm[pm["subset"] == "all"].drop(columns="subset")
        parts.append(html_table(pm, f"{r.judge} · {r.kind} sets (run {r.run_id})", "paper"))
        noise = pd.DataFrame([noise_floor(frames[r.run_id])])
        parts.append(html_table(noise, f"{r.judge} · {r.kind}: noise floor (share of identical re-asks answered "
                                       "differently; blank without repeats, e.g. a deterministic judge)", "noise"))
    return "".join(parts)


def _mitigation_tables(runs: pd.DataFrame, frames: Mapping[str, pd.DataFrame],
                       metrics: Mapping[str, pd.DataFrame]) -> str:
    parts = []
    for r in runs.itertuples():
        m = metrics[r.run_id]
        mit = m[m["metric"].isin(["mitigation_bias_change", "mitigation_extra_tokens", "mitigation_extra_cost"])]
        if mit.empty:
            continue
        names = sorted({str(s).removeprefix("mitigation:") for s in mit["subset"]})
        rel = [relative_reduction(frames[r.run_id], n, kind=r.kind, pairwise=r.protocol == "pairwise")
               .assign(mitigation=n) for n in names]
        rel_df = pd.concat(rel, ignore_index=True) if rel else pd.DataFrame()
        parts.append(html_table(rel_df, f"{r.judge} · {r.kind}: the paper's relative reduction "
                                        "(flip = 1 - robust rate, paper design)", "mitigation"))
        cols = ["probe", "metric", "subset", "estimate", "ci_low", "ci_high", "p_value", "n"]
        parts.append(html_table(mit[cols], f"{r.judge} · {r.kind}: judgekit's change in bias size "
                                           "(negative = smaller) and cost per verdict", "mitigation"))
    return "".join(parts) or "<p>No mitigations were run (add <code>--mitigations system-prompt,icl,self-reflection" \
                             "</code>).</p>"


def findings_html(runs: pd.DataFrame, frames: Mapping[str, pd.DataFrame], metrics: Mapping[str, pd.DataFrame],
                  *, skipped: Sequence[str] = (), inferred: bool = False) -> tuple[str, str, list[str]]:
    """(headline, body HTML, warnings) of the page."""
    findings = compute_findings(runs, frames, metrics)
    body = ["<section id='findings'><h2>The paper's findings, tested on these judges</h2>"]
    for f in findings:
        body.append(f"<article class='finding' id='finding-{f.number}' data-status='{escape(f.status)}'>"
                    f"<h3>Finding {f.number}: {escape(f.title)} — <span class='status'>{escape(f.status)}</span></h3>"
                    f"<p class='why'>{escape(f.why)}</p>{html_table(f.table, 'the numbers behind it')}</article>")
    body.append("</section><section id='paper-metrics'><h2>The paper's metrics (its design: one seeded order, "
                "the paper's cue conditions)</h2>")
    body.append(_paper_tables(runs, frames))
    body.append("</section><section id='mitigations'><h2>Mitigations</h2>")
    body.append(_mitigation_tables(runs, frames, metrics))
    body.append("</section><section id='runs'><h2>Runs</h2>")
    body.append(html_table(runs, "one run per judge and dataset kind, in the same database"))
    body.append("</section>")
    head = "; ".join(f"({f.number}) {f.status}" for f in findings)
    warnings = list(skipped)
    if inferred:
        warnings.append("judge types were inferred from <think> blocks in the raw outputs; label them with "
                        "--judge-type to decide them yourself")
    return f"Findings of Wang et al. 2025 on {runs['judge'].nunique()} judge(s): {head}.", "".join(body), warnings


def write_findings(runs: pd.DataFrame, frames: Mapping[str, pd.DataFrame], metrics: Mapping[str, pd.DataFrame],
                   *, out: str | Path, skipped: Sequence[str] = (), inferred: bool = False) -> Path:
    """Write ``out/lrm-paper-findings.html`` and return its path."""
    from judgekit.analysis.page import render_page, write_page

    headline, body, warnings = findings_html(runs, frames, metrics, skipped=skipped, inferred=inferred)
    judges = ", ".join(dict.fromkeys(runs["judge"]))
    types = dict(zip(runs["judge"], runs["judge_type"], strict=True))
    meta = [("judges", judges), ("runs", str(len(runs))), ("types", ", ".join(f"{j}: {t}" for j, t in types.items()))]
    html = render_page("LRM judging-bias study (Wang et al. 2025)", meta=meta, headline=headline,
                       warnings=warnings, body_html=body)
    return write_page(Path(out) / FINDINGS_FILE, html)
