"""The report section for mitigations: a table per (bias, mitigation), a recommendation and a figure."""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go

from judgekit.console import mitigation_advice
from judgekit.mitigations import mitigation_label
from judgekit.report.caveats import caveat_list
from judgekit.report.charts import _err
from judgekit.report.figures import _COLORS, _layout, embed_figure, n_text, new_figure

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
    m["mitigation"] = m["subset"].str.removeprefix("mitigation:").map(mitigation_label)  # "judge mode cot"
    wide = m.pivot_table(index=["probe", "mitigation"], columns="metric",
                         values=["estimate", "ci_low", "ci_high", "n"], aggfunc="first")
    wide.columns = [f"{b}:{a}" for a, b in wide.columns]
    return wide.reset_index()


def figure_labels(t: pd.DataFrame) -> list[str]:
    """One category per (bias, fix): ``bias · fix n=K (+N tokens/verdict)``, K the units of the bias change;
    the same order as the table."""
    return [f"{r['probe']} · {r['mitigation']} {n_text(r.get('mitigation_bias_change:n'))} "
            f"({_tokens(r.get('mitigation_extra_tokens:estimate'))} tokens/verdict)"
            for r in t.to_dict(orient="records")]


def _tokens(x: object) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(v) else f"{v:+,.1f}"


def figure_height(t: pd.DataFrame) -> int:
    """Pixels: a fixed row pitch, so that category labels never overlap however many cells there are."""
    return 120 + 30 * len(t)


def mitigation_figure(t: pd.DataFrame) -> go.Figure:
    """Dot and 95% interval per (bias, fix): the change in the size of the bias in percentage points (the table's
    unit), one row each, coloured by fix; no text is drawn on the plot area, so nothing can overlap."""
    labels = figure_labels(t)
    t = t.assign(_label=labels)
    fig = new_figure()

    def pts(sub: pd.DataFrame, col: str) -> list[float]:
        return [100 * float(x) for x in sub.get(f"mitigation_bias_change:{col}", pd.Series(math.nan, sub.index))]

    for i, (mit, sub) in enumerate(t.groupby("mitigation", sort=False)):
        est = pts(sub, "estimate")
        fig.add_trace(go.Scatter(
            x=est, y=list(sub["_label"]), mode="markers", name=str(mit),
            marker={"size": 10, "color": _COLORS[i % len(_COLORS)]},
            hovertemplate="%{y}: %{x:+.1f} pp<extra></extra>",
            **_err(est, pts(sub, "ci_low"), pts(sub, "ci_high"), axis="x")))
    fig.add_vline(x=0, line_dash="dash", line_color="#444")
    fig.update_xaxes(title="change in the size of the bias, |with| − |without| (pp, 95% CI; left of 0: it shrank)",
                     zeroline=False)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels[::-1], automargin=True)
    _layout(fig, figure_height(t), showlegend=True)
    return fig


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
    fig = mitigation_figure(t)
    how = ("How to read this: each row is one bias under one fix, in the table's units: the change in the size of "
           "the bias in percentage points, whatever its direction, with its 95% interval from a bootstrap over "
           "items that resamples the same items in both arms. Left of the dashed line the bias shrank (left is "
           "better); the label gives the fix's extra tokens per verdict, its cost. A fix that flips the direction "
           "of the bias shows in the overshoot column; a fix can also look good by answering 'tie', so check the "
           "tie rate. A degenerate interval (every resample gives the same value) shows no uncertainty and is named "
           "in the caveat column.")
    calib = ("calibrate subtracts the position prior, a constant shift in the log-odds of the first position "
             "estimated on other items; it cannot remove a position bias that is not a log-odds shift (for example "
             "a judge that answers 'first' outright on some items whatever its confidence), and its measured "
             "effect is the row above, with its interval, not a guarantee on other data.")
    if "calibrate" in set(t["mitigation"]):
        how += " " + calib
    advice = mitigation_advice(metrics.astype(object).where(metrics.notna(), None).to_dict("records"))
    advice_html = ("<p><strong>Recommendation</strong> (from the rows above):</p><ul class='recommendation'>"
                   + "".join(f"<li>{html.escape(a)}</li>" for a in advice) + "</ul>") if advice else ""
    return (f"<p>Every mitigation was measured on the same items in the same run as no mitigation.</p>{table}"
            f"{advice_html}<h3>Bias reduction and its cost</h3>"
            f"{embed_figure(fig, figure_height(t), 'mitigation-pareto')}"
            f"<p class='how'>{html.escape(how)}</p>")
