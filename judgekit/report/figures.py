"""Plotly figures for the HTML report, and the safe way to embed them.

Every builder takes DataFrames and returns a :class:`FigureBlock`: a title, the
HTML fragment (a ``<div>`` plus one ``<script>`` that calls ``Plotly.newPlot``),
and a "How to read this" sentence. When the data for a figure is missing the
fragment is ``None`` and ``missing`` says why.

The figure JSON is written by :func:`embed_figure`, which escapes ``<``, ``>``
and ``&`` as ``\\u003c``-style JSON escapes, so text that came from a dataset or a
model (``</script>``, ``<!--``) can never end the script element it sits in.
plotly.js itself is not included here; the page inlines it once.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

#: Metrics whose estimate is not a proportion in [0, 1] (differences, scores, counts).
NON_RATE_METRICS = frozenset({"accuracy_order_gap", "preference_fairness", "error_count"})
_NON_RATE_PATTERN = re.compile(r"(count|gap|diff|delta|shift|fairness|tokens|cost|latency)", re.IGNORECASE)
#: Reference values drawn on the forest chart (what an unbiased judge would show).
REFERENCE_LINES: dict[str, float] = {"first_position_rate": 0.5, "mean_p_first": 0.5, "flawed_preference_rate": 0.5}

_PLOT_CONFIG = {"responsive": True, "displaylogo": False, "showLink": False}
#: the page's plotly theme: every embedded figure wears it (:func:`embed_figure`)
THEME = "plotly_white"
_COLORS = ["#1f5fa8", "#d1495b", "#2a9d8f", "#e9a23b", "#6a4c93", "#577590", "#8d6e63"]


@dataclass
class FigureBlock:
    key: str
    title: str
    how_to_read: str
    html: str | None = None
    missing: str | None = None


def _num(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def n_text(n: Any) -> str:
    """``n=123``, the label every interval in a chart carries beside it ("" when n is unknown)."""
    v = _num(n)
    return "" if not math.isfinite(v) else f"n={int(v):,}"


def is_rate(metric: str, estimate: float, low: float, high: float) -> bool:
    """True for proportions that belong on a 0-1 axis."""
    if metric in NON_RATE_METRICS or _NON_RATE_PATTERN.search(metric):
        return False
    values = [v for v in (estimate, low, high) if not math.isnan(v)]
    return bool(values) and all(-1e-9 <= v <= 1 + 1e-9 for v in values)


def script_safe_json(obj: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` only occur inside JSON strings, where their ``\\u003c``-style
    escapes mean the same thing; U+2028/2029 are escaped for old JS parsers.
    """
    text = json.dumps(obj, cls=PlotlyJSONEncoder, separators=(",", ":"))
    for char, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                      ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, esc)
    return text


def new_figure(data: Any = None) -> go.Figure:
    """A figure on plotly's empty template, for :func:`embed_figure` to dress in the page theme.

    Giving each figure the theme by name makes plotly validate the whole template, a validator for each
    of its trace types, once per figure: ~20 ms and ~8 MB per report for JSON that is the same every time."""
    return go.Figure(data=data, layout={"template": "none"})


@functools.cache
def theme_json() -> dict[str, Any]:
    """The :data:`THEME` template's JSON as plotly ships it (``plotly/package_data/templates/``): what
    ``plotly.io.templates[THEME].to_plotly_json()`` gives, read without building the template object."""
    try:
        text = importlib.resources.files("plotly").joinpath(f"package_data/templates/{THEME}.json").read_text(
            encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError):  # a plotly that keeps them elsewhere
        import plotly.io as pio

        return pio.templates[THEME].to_plotly_json()
    return json.loads(text)


def embed_figure(fig: go.Figure, height: int, div_id: str) -> str:
    """A ``<div>`` and a ``<script>`` drawing ``fig``; expects ``Plotly`` on the page."""
    if not re.fullmatch(r"[A-Za-z][\w-]*", div_id):
        raise ValueError(f"bad element id {div_id!r}")
    spec = fig.to_plotly_json()
    layout = {**spec.get("layout", {}), "template": theme_json()}
    payload = script_safe_json({"data": spec.get("data", []), "layout": layout})
    fragment = (
        f'<div id="{div_id}" class="plotly-graph-div" style="height:{int(height)}px;width:100%"></div>\n'
        f"<script>(function(){{var f={payload};"
        f'Plotly.newPlot("{div_id}",f.data,f.layout,{json.dumps(_PLOT_CONFIG)});}})();</script>'
    )
    if len(re.findall(r"</script", fragment, re.IGNORECASE)) != 1 or "<!--" in fragment:
        raise ValueError("figure JSON is not safe to embed in a <script> element")
    return fragment


def _layout(fig: go.Figure, height: int, **extra: Any) -> None:
    fig.update_layout(
        height=height, margin={"l": 10, "r": 20, "t": 30, "b": 40},
        font={"family": "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif", "size": 12},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0}, **extra,
    )


def forest_figure(metrics: pd.DataFrame) -> FigureBlock:
    """Dot + 95% CI for every rate metric, one row each, coloured by probe."""
    block = FigureBlock(
        "forest", "Rates with 95% confidence intervals",
        "Each dot is an estimate and the bar its 95% confidence interval. Dashed marks show the value an "
        "order-blind judge would give (0.5 for the first-position rate); an interval that does not cross "
        "its mark is a bias the data can distinguish from chance.",
    )
    rows = []
    for rec in metrics.to_dict("records"):
        metric = _text(rec.get("metric"))
        est, lo, hi = _num(rec.get("estimate")), _num(rec.get("ci_low")), _num(rec.get("ci_high"))
        if math.isnan(est) or not is_rate(metric, est, lo, hi):
            continue
        subset = _text(rec.get("subset"))
        label = f"{_text(rec.get('probe'))} · {metric}"
        label += f" [{subset}]" if subset and subset != "all" else ""
        rows.append({"probe": _text(rec.get("probe")), "metric": metric, "label": label, "est": est,
                     "lo": lo, "hi": hi, "n": _num(rec.get("n")), "note": _text(rec.get("note"))})
    if not rows:
        block.missing = "No rate metric has an estimate in this run."
        return block
    rows.reverse()  # plotly draws the first category at the bottom
    height = 90 + 24 * len(rows)
    fig = new_figure()
    for idx, probe in enumerate(dict.fromkeys(r["probe"] for r in reversed(rows))):
        sub = [(i, r) for i, r in enumerate(rows) if r["probe"] == probe]
        fig.add_trace(go.Scatter(
            x=[r["est"] for _, r in sub], y=[i for i, _ in sub], mode="markers+text", name=probe or "(probe)",
            marker={"size": 9, "color": _COLORS[idx % len(_COLORS)]}, text=[n_text(r["n"]) for _, r in sub],
            textposition="top center", textfont={"size": 10, "color": "#555"},
            error_x={"type": "data", "symmetric": False,
                     "array": [0 if math.isnan(r["hi"]) else r["hi"] - r["est"] for _, r in sub],
                     "arrayminus": [0 if math.isnan(r["lo"]) else r["est"] - r["lo"] for _, r in sub]},
            customdata=[[r["label"], r["lo"], r["hi"], r["n"], r["note"]] for _, r in sub],
            hovertemplate="%{customdata[0]}<br>estimate %{x:.3f}<br>95% CI %{customdata[1]:.3f}"
                          "–%{customdata[2]:.3f}<br>n = %{customdata[3]}<br>%{customdata[4]}<extra></extra>",
        ))
    for i, r in enumerate(rows):
        ref = REFERENCE_LINES.get(r["metric"])
        if ref is not None:
            fig.add_shape(type="line", x0=ref, x1=ref, y0=i - 0.45, y1=i + 0.45,
                          line={"color": "#444", "dash": "dash", "width": 1.5})
    _layout(fig, height, showlegend=len(fig.data) > 1)
    fig.update_xaxes(range=[-0.02, 1.02], tickformat=".0%", title_text="estimate (95% CI)")
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(rows))), ticktext=[r["label"] for r in rows],
                     range=[-0.6, len(rows) - 0.4])
    block.html = embed_figure(fig, height, "jk-fig-forest")
    return block


def accuracy_by_order_figure(metrics: pd.DataFrame) -> FigureBlock:
    """Accuracy in order AB vs BA for each probe, with CIs."""
    block = FigureBlock(
        "order", "Accuracy by presentation order",
        "Bars show accuracy against the gold labels when the pair was shown in its original order (AB) and "
        "swapped (BA), with 95% confidence intervals. A position-blind judge scores the same in both; the "
        "p-value is the exact McNemar test on items judged in both orders.",
    )
    if metrics.empty or "metric" not in metrics:
        block.missing = "No accuracy metrics in this run."
        return block
    acc = metrics[(metrics["metric"] == "accuracy") & metrics["subset"].isin(["AB", "BA"])]
    acc = acc[pd.to_numeric(acc["estimate"], errors="coerce").notna()]
    if acc.empty:
        block.missing = "Accuracy by order is not available (no gold labels or no valid verdicts)."
        return block
    fig = new_figure()
    probes = list(dict.fromkeys(acc["probe"].map(_text)))
    for order, color in (("AB", _COLORS[0]), ("BA", _COLORS[1])):
        sub = acc[acc["subset"] == order]
        est = [_num(v) for v in sub["estimate"]]
        lo = [_num(v) for v in sub["ci_low"]]
        hi = [_num(v) for v in sub["ci_high"]]
        fig.add_trace(go.Bar(
            x=[_text(p) for p in sub["probe"]], y=est, name=f"order {order}", marker_color=color,
            text=[n_text(v) for v in sub["n"]], textposition="inside", insidetextanchor="start",
            error_y={"type": "data", "symmetric": False,
                     "array": [0 if math.isnan(h) else h - e for e, h in zip(est, hi, strict=True)],
                     "arrayminus": [0 if math.isnan(w) else e - w for e, w in zip(est, lo, strict=True)]},
            hovertemplate="%{x}<br>" + order + ": %{y:.1%}<br>%{text}<extra></extra>",
        ))
    gaps = metrics[metrics["metric"] == "accuracy_order_gap"]
    for probe in probes:
        row = gaps[gaps["probe"].map(_text) == probe]
        if row.empty or math.isnan(_num(row["p_value"].iloc[0])):
            continue
        fig.add_annotation(x=probe, y=1.04, showarrow=False, yref="y",
                           text=f"McNemar {p_phrase(_num(row['p_value'].iloc[0]))}")
    _layout(fig, 360, barmode="group")
    fig.update_yaxes(range=[0, 1.1], tickformat=".0%", title_text="accuracy")
    block.html = embed_figure(fig, 360, "jk-fig-order")
    return block


def p_first_values(verdicts: pd.DataFrame) -> pd.DataFrame:
    """p(first) = p_a / (p_a + p_b) for verdicts that carry both probabilities."""
    if verdicts.empty or not {"p_a", "p_b"} <= set(verdicts.columns):
        return pd.DataFrame({"order": [], "p_first": []})
    p_a = pd.to_numeric(verdicts["p_a"], errors="coerce")
    p_b = pd.to_numeric(verdicts["p_b"], errors="coerce")
    total = p_a + p_b
    ok = p_a.notna() & p_b.notna() & (total > 0)
    order = verdicts["order"].map(_text) if "order" in verdicts else pd.Series("", index=verdicts.index)
    return pd.DataFrame({"order": order[ok], "p_first": (p_a[ok] / total[ok]).clip(0, 1)})


def p_first_figure(verdicts: pd.DataFrame) -> FigureBlock:
    block = FigureBlock(
        "pfirst", "Distribution of p(first)",
        "p(first) is the judge's probability for the response shown first, normalised over the two "
        "letters. An order-blind judge spreads its mass the same way in both orders; a pile-up near 1 in "
        "both orders means it prefers whatever comes first, and mass near 0.5 means it is unsure.",
    )
    values = p_first_values(verdicts)
    if values.empty:
        block.missing = "The judge returned no probabilities in this run, so there is nothing to plot."
        return block
    fig = new_figure()
    for idx, order in enumerate(sorted(values["order"].unique())):
        fig.add_trace(go.Histogram(
            x=values.loc[values["order"] == order, "p_first"], name=f"order {order}" if order else "all",
            xbins={"start": 0, "end": 1.0001, "size": 0.05}, opacity=0.65,
            marker_color=_COLORS[idx % len(_COLORS)],
        ))
    fig.add_vline(x=0.5, line_dash="dash", line_color="#444")
    _layout(fig, 340, barmode="overlay")
    fig.update_xaxes(range=[0, 1], title_text="p(first) = p_a / (p_a + p_b)")
    fig.update_yaxes(title_text="verdicts")
    block.html = embed_figure(fig, 340, "jk-fig-pfirst")
    return block


def format_p(p: float) -> str:
    if p is None or math.isnan(p):
        return "—"
    if p < 0.001:
        return "<0.001"
    return f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


def p_phrase(p: float) -> str:
    """"p = 0.012" or "p < 0.001"."""
    text = format_p(p)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def build_figures(metrics: pd.DataFrame, verdicts: pd.DataFrame) -> list[FigureBlock]:
    return [forest_figure(metrics), accuracy_by_order_figure(metrics), p_first_figure(verdicts)]
