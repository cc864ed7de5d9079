"""The report section for mitigations: a table per (bias, mitigation) and a Pareto figure."""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go

from judgekit.report.caveats import caveat_list
from judgekit.report.charts import _err
from judgekit.report.figures import _COLORS, _layout, embed_figure, n_text

_METRICS = ("mitigation_bias_change", "mitigation_overshoot", "mitigation_accuracy_change", "mitigation_tie_rate",
            "mitigation_extra_tokens", "mitigation_extra_cost")


def _fmt(x: float, pct: bool = True) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x * 100:+.1f} pp" if pct else f"{x:,.1f}"


def _cell(r: dict, metric: str, pct: bool = True, ci: bool = True) -> str:
    est = r.get(f"mitigation_{metric}:estimate", math.nan)
    lo, hi = r.get(f"mitigation_{metric}:ci_low", math.nan), r.get(f"mitigation_{metric}:ci_high", math.nan)
    text = _fmt(est, pct)
    if ci and not (isinstance(lo, float) and math.isnan(lo)):
        text += f" [{_fmt(lo, pct)}, {_fmt(hi, pct)}]"
    return html.escape(text)


def _n(r: dict, metric: str) -> str:
    """The n of a mitigation row as stored: the units (pairs or verdicts) of the mitigated arm ("–" if unknown)."""
    return n_text(r.get(f"mitigation_{metric}:n")).removeprefix("n=") or "–"


def _caveats(r: dict) -> str:
    """The caveats of a row's interval columns in words (:mod:`judgekit.report.caveats`)."""
    out = []
    for metric, label in (("bias_change", "bias change"), ("overshoot", "overshoot"),
                          ("accuracy_change", "accuracy change")):
        items = caveat_list(f"mitigation_{metric}", *(r.get(f"mitigation_{metric}:{k}", math.nan)
                                                      for k in ("estimate", "ci_low", "ci_high", "n")))
        out += [f"{label}: {x.split(':', 1)[0].lower()}" for x in items]
    return "; ".join(out)


def mitigation_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """Wide table: one row per (probe, mitigation) with the mitigation numbers."""
    m = metrics[metrics["metric"].isin(_METRICS)].copy()
    if m.empty:
        return m
    m["mitigation"] = m["subset"].str.removeprefix("mitigation:")
    wide = m.pivot_table(index=["probe", "mitigation"], columns="metric",
                         values=["estimate", "ci_low", "ci_high", "n"], aggfunc="first")
    wide.columns = [f"{b}:{a}" for a, b in wide.columns]
    return wide.reset_index()


def mitigation_section_html(metrics: pd.DataFrame) -> str | None:
    """An HTML fragment (escaped) or None when the run measured no mitigation."""
    t = mitigation_table(metrics)
    if t.empty:
        return None
    rows = []
    for r in t.to_dict(orient="records"):
        tie = r.get("mitigation_tie_rate:estimate", math.nan)
        rows.append(
            f"<tr><td>{html.escape(str(r['probe']))}</td><td>{html.escape(str(r['mitigation']))}</td>"
            f"<td>{_cell(r, 'bias_change')}</td><td>{_cell(r, 'overshoot')}</td><td>{_cell(r, 'accuracy_change')}</td>"
            f"<td class='num'>{html.escape(_n(r, 'bias_change'))}</td><td class='num'>"
            f"{html.escape(_n(r, 'accuracy_change'))}</td>"
            f"<td>{html.escape('–' if math.isnan(tie) else f'{tie:.1%}')}</td>"
            f"<td>{_cell(r, 'extra_tokens', pct=False, ci=False)}</td>"
            f"<td>{_cell(r, 'extra_cost', pct=False, ci=False)}</td><td class='note'>{html.escape(_caveats(r))}</td>"
            "</tr>")
    table = ("<table class='sortable'><thead><tr><th>bias</th><th>mitigation</th>"
             "<th>change in the size of the bias, |with| − |without| (95% CI; lower is better)</th>"
             "<th>overshoot: bias left in the opposite direction (95% CI; above 0 = overshot)</th>"
             "<th>change in gold accuracy</th><th>n (bias rows)</th><th>n (accuracy)</th><th>tie rate</th>"
             "<th>extra tokens / verdict</th><th>extra cost / verdict (USD)</th><th>caveat</th></tr></thead><tbody>"
             + "".join(rows) + "</tbody></table>")
    fig = go.Figure()
    for i, (mit, sub) in enumerate(t.groupby("mitigation")):
        est = [float(x) for x in sub["mitigation_bias_change:estimate"]]
        fig.add_trace(go.Scatter(
            x=[float(x) for x in sub["mitigation_extra_tokens:estimate"]], y=est, mode="markers+text",
            name=str(mit), text=[f"{p} ({n_text(n)})" for p, n in zip(sub["probe"], sub["mitigation_bias_change:n"],
                                                                       strict=True)], textposition="top center",
            marker={"size": 11, "color": _COLORS[i % len(_COLORS)]},
            **_err(est, [float(x) for x in sub["mitigation_bias_change:ci_low"]],
                   [float(x) for x in sub["mitigation_bias_change:ci_high"]], axis="y")))
    fig.add_hline(y=0, line_dash="dash", line_color="#444")
    fig.update_xaxes(title="extra tokens per verdict")
    fig.update_yaxes(title="change in |bias| (mitigated − none)")
    _layout(fig, 420, showlegend=True)
    how = ("How to read this: each point is one bias under one mitigation. The vertical axis is the change in the "
           "size of the bias, whatever its direction: lower is better (the bias shrank; bars are 95% intervals from "
           "a bootstrap over items that resamples the same items in both arms); further right costs more tokens per "
           "verdict. Points below the dashed line on the left are fixes worth their cost. A fix that flips the "
           "direction of the bias shows in the overshoot column; a fix can also look good by answering 'tie', "
           "so check the tie rate. A degenerate interval (every resample gives the same value) shows no uncertainty "
           "and is named in the caveat column.")
    calib = ("calibrate subtracts the position prior, a constant shift in the log-odds of the first position "
             "estimated on other items; it cannot remove a position bias that is not a log-odds shift (for example "
             "a judge that answers 'first' outright on some items whatever its confidence), and its measured "
             "effect is the row above, with its interval, not a guarantee on other data.")
    if "calibrate" in set(t["mitigation"]):
        how += " " + calib
    return (f"<p>Every mitigation was measured on the same items in the same run as no mitigation.</p>{table}"
            f"<h3>Bias reduction against cost</h3>{embed_figure(fig, 420, 'mitigation-pareto')}"
            f"<p class='how'>{html.escape(how)}</p>")
