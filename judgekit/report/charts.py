"""Plotly figures of the bias report and the comparison page.

Each builder returns a :class:`~judgekit.report.figures.FigureBlock` with a "How to
read this" line; the JSON goes through :func:`~judgekit.report.figures.embed_figure`,
so dataset text in labels and hovers cannot leave its ``<script>``.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import plotly.graph_objects as go

from judgekit.report.figures import _COLORS, FigureBlock, _layout, _num, _text, embed_figure, n_text, new_figure
from judgekit.stats.design import headline_metric, protocol_of

SIG = "#d1495b"
NS = "#8a93a3"
SIG_GROUPS = ("BH p < 0.05", "p < 0.05", "adjusted p < 0.05")
NS_GROUPS = ("BH p ≥ 0.05", "p ≥ 0.05", "adjusted p ≥ 0.05", "no test")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "x"


def _err(est: list[float], lo: list[float], hi: list[float], axis: str = "x") -> dict:
    return {f"error_{axis}": {
        "type": "data", "symmetric": False,
        "array": [0 if math.isnan(h) or math.isnan(e) else h - e for e, h in zip(est, hi, strict=True)],
        "arrayminus": [0 if math.isnan(w) or math.isnan(e) else e - w for e, w in zip(est, lo, strict=True)]}}


def dot_rows(rows: pd.DataFrame, *, key: str, title: str, how: str, zero: float | None = 0.0,
             axis_title: str = "estimate (95% CI)", percent: bool = True, missing: str = "") -> FigureBlock:
    """Dot-and-interval chart, one row per record (columns label, estimate, ci_low, ci_high, n, p, group)."""
    block = FigureBlock(key, title, how)
    rows = rows[pd.to_numeric(rows["estimate"], errors="coerce").notna()] if len(rows) else rows
    if rows.empty:
        block.missing = missing or "Nothing to plot: no estimate is available."
        return block
    rows = rows.iloc[::-1].reset_index(drop=True)  # plotly draws the first category at the bottom
    fig = new_figure()
    groups = list(dict.fromkeys(rows["group"])) if "group" in rows else [""]
    for idx, group in enumerate(groups):
        sub = rows[rows["group"] == group] if "group" in rows else rows
        est = [_num(v) for v in sub["estimate"]]
        color = SIG if group in SIG_GROUPS else NS if group in NS_GROUPS else _COLORS[idx % len(_COLORS)]
        fig.add_trace(go.Scatter(
            x=est, y=list(sub.index), mode="markers+text", name=group or "estimate",
            marker={"size": 10, "color": color}, text=[n_text(v) for v in sub["n"]], textposition="top center",
            textfont={"size": 10, "color": "#555"},
            **_err(est, [_num(v) for v in sub["ci_low"]], [_num(v) for v in sub["ci_high"]]),
            customdata=[[_text(r.label), _num(r.ci_low), _num(r.ci_high), _text(r.n), _text(r.p)]
                        for r in sub.itertuples()],
            hovertemplate="%{customdata[0]}<br>estimate %{x:.3f}<br>95% CI %{customdata[1]:.3f} to "
                          "%{customdata[2]:.3f}<br>n = %{customdata[3]}<br>%{customdata[4]}<extra></extra>"))
    if zero is not None:
        fig.add_vline(x=zero, line_dash="dash", line_color="#444")
    height = 110 + 26 * len(rows)
    _layout(fig, height, showlegend=len(groups) > 1)
    fig.update_xaxes(title_text=axis_title, tickformat="+.0%" if percent and zero == 0 else (".0%" if percent
                                                                                            else None))
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(rows))), ticktext=[_text(v) for v in rows["label"]],
                     range=[-0.6, len(rows) - 0.4])
    block.html = embed_figure(fig, height, f"jk-fig-{_slug(key)}")
    return block


def bias_profile_figure(rows: pd.DataFrame) -> FigureBlock:
    return dot_rows(
        rows, key="profile", title="Bias profile: how far each cue moves the judge",
        how="Each dot is a probe's headline cue_net_effect: the share of verdicts that go to the response a cue "
            "favours, minus the share that response got with a neutral insertion of the same length in the same "
            "place, so text that merely lengthens a response is not counted as a cue effect (for position: the "
            "first-position rate minus 50%). Bars are 95% intervals; red marks p < 0.05 (Benjamini-Hochberg "
            "adjusted across the cue probes; the position row uses its exact sign test). A dot right of the "
            "dashed zero line means the cue pulls the judge toward the cued response.",
        missing="No probe of this run has a headline estimate.")


def subset_figure(rows: pd.DataFrame, probe: str) -> FigureBlock:
    return dot_rows(
        rows, key=f"subsets-{probe}", title=f"{probe}: bias_effect by subset",
        how="One row per slice of the cued pairs: all pairs, fact and preference items, each condition "
            "(cue toward the gold response or toward the other one), each cue template and placement. An "
            "interval that crosses zero is an effect the data cannot tell from none; compare slices by "
            "overlap only loosely, as they share items.")


def flips_figure(rows: pd.DataFrame, probe: str) -> FigureBlock:
    return dot_rows(
        rows, key=f"flips-{probe}", zero=None, axis_title="share (95% CI)",
        title=f"{probe}: flips, robustness and the noise floor",
        how="Flip rate: share of cued verdicts that changed the chosen response against the same item and "
            "order without the cue. The noise floor is the flip rate of identical re-asks, so the net flip rate "
            "is what the cue adds beyond the judge's own randomness. Harmful flips go right to wrong, helpful "
            "ones wrong to right; robustness is 1 - flip rate (CALM's robustness rate).")


def accuracy_figure(rows: pd.DataFrame, probe: str) -> FigureBlock:
    block = FigureBlock(
        f"acc-{probe}", f"{probe}: accuracy per condition",
        "Accuracy against the gold labels without the cue (control), with the cue on the gold response and "
        "with it on the other response, with 95% item-clustered intervals. A judge the cue does not move "
        "scores the same in all three; a drop under cue_other is the harm the cue can do.")
    rows = rows[pd.to_numeric(rows["estimate"], errors="coerce").notna()] if len(rows) else rows
    if rows.empty:
        block.missing = "No labelled items, so accuracy cannot be computed for this probe."
        return block
    est = [_num(v) for v in rows["estimate"]]
    fig = new_figure(go.Bar(
        x=[_text(v) for v in rows["subset"]], y=est, marker_color=[_COLORS[i % len(_COLORS)] for i in range(len(est))],
        **_err(est, [_num(v) for v in rows["ci_low"]], [_num(v) for v in rows["ci_high"]], "y"),
        customdata=[[_text(v)] for v in rows["n"]], text=[n_text(v) for v in rows["n"]], textposition="inside",
        insidetextanchor="start",
        hovertemplate="%{x}: %{y:.1%}<br>n = %{customdata[0]}<extra></extra>"))
    _layout(fig, 300, showlegend=False)
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", title_text="accuracy")
    block.html = embed_figure(fig, 300, f"jk-fig-acc-{_slug(probe)}")
    return block


def p_first_hist_figure(hist: pd.DataFrame, bins: int = 20) -> FigureBlock:
    block = FigureBlock(
        "pfirst", "Distribution of p(first)",
        "p(first) is the judge's probability for the response shown first, normalised over the two letters, "
        "binned in steps of 5%. An order-blind judge spreads its mass the same way in both orders; a pile-up "
        "near 1 in both orders means it prefers whatever comes first, and mass near 0.5 means it is unsure.")
    if hist.empty:
        block.missing = "The judge returned no probabilities in this run, so there is nothing to plot."
        return block
    fig = new_figure()
    for idx, (order, g) in enumerate(hist.groupby("order", sort=True)):
        fig.add_trace(go.Bar(x=[(int(b) + 0.5) / bins for b in g["bin"]], y=g["n"].astype(int).tolist(),
                             width=1 / bins, name=f"order {order}", opacity=0.65,
                             marker_color=_COLORS[idx % len(_COLORS)]))
    fig.add_vline(x=0.5, line_dash="dash", line_color="#444")
    _layout(fig, 320, barmode="overlay")
    fig.update_xaxes(range=[0, 1], title_text="p(first) = p_a / (p_a + p_b)")
    fig.update_yaxes(title_text="verdicts")
    block.html = embed_figure(fig, 320, "jk-fig-pfirst")
    return block


#: (metric, panel, label, offset) of the comparison profile: panel 0 = shifts (0 = no bias), 1 = shares
PROFILE_ROWS = (("first_position_rate", 0, "position: first-position rate − 50%", -0.5),
                ("position_consistency", 1, "position consistency", 0.0),
                ("accuracy", 1, "accuracy (position probe)", 0.0))


def profile_points(profile: pd.DataFrame) -> pd.DataFrame:
    """The comparison profile as chart rows: judge, panel, label, estimate, ci_low, ci_high, n."""
    if profile.empty:
        return pd.DataFrame(columns=["judge", "panel", "label", "estimate", "ci_low", "ci_high", "n"])
    out = []
    protocol = protocol_of(profile["metric"])
    for rec in profile.to_dict("records"):
        metric, probe = _text(rec["metric"]), _text(rec["probe"])
        if (probe != "position" or protocol == "mcq") and metric == headline_metric(probe, protocol):
            spec = (0, f"{probe}: {metric}", 0.0)
        elif protocol == "mcq" and metric == "mcq_accuracy" and probe == "position":
            spec = (1, "accuracy (position probe)", 0.0)
        else:
            spec = next(((panel, label, off) for m, panel, label, off in PROFILE_ROWS
                         if m == metric and probe == "position"), None)
        if spec is None or math.isnan(_num(rec["estimate"])):
            continue
        panel, label, off = spec
        out.append({"judge": rec["judge"], "panel": panel, "label": label, "estimate": _num(rec["estimate"]) + off,
                    "ci_low": _num(rec["ci_low"]) + off, "ci_high": _num(rec["ci_high"]) + off, "n": rec["n"]})
    return pd.DataFrame(out, columns=["judge", "panel", "label", "estimate", "ci_low", "ci_high", "n"])


def judges_profile_figure(profile: pd.DataFrame) -> FigureBlock:
    """Each judge's bias and position metrics, one colour per judge with a legend (comparison page)."""
    from plotly.subplots import make_subplots

    block = FigureBlock(
        "judges-profile", "Bias profiles side by side",
        "One colour per judge (see the legend), one row per metric, each with a 95% interval and its n from the "
        "judge's own run. Left: shifts, where 0 is no bias: a cue probe's cue_net_effect (share of verdicts "
        "moved toward the cued response beyond a neutral insertion of the same length) and the first-position "
        "rate minus 50%. Right: shares, where higher is better: position consistency and accuracy. "
        "Overlapping intervals are not a test: read the paired tests below for whether two judges differ.")
    pts = profile_points(profile)
    if pts.empty:
        block.missing = "None of the runs has a bias or position metric with an estimate."
        return block
    panels = [p for p in (0, 1) if (pts["panel"] == p).any()]
    judges = list(dict.fromkeys(pts["judge"]))
    fig = make_subplots(rows=1, cols=len(panels), horizontal_spacing=0.22,
                        subplot_titles=[("shift (0 = no bias)", "share")[p] for p in panels])
    step = 0.6 / max(len(judges), 1)
    height = 150
    for col, panel in enumerate(panels, start=1):
        sub_p = pts[pts["panel"] == panel]
        labels = list(dict.fromkeys(sub_p["label"]))
        height = max(height, 150 + 30 * len(labels) * max(1, len(judges)))
        for j, judge in enumerate(judges):
            sub = sub_p[sub_p["judge"] == judge]
            if sub.empty:
                continue
            y = [labels.index(lab) + (j - (len(judges) - 1) / 2) * step for lab in sub["label"]]
            est = [_num(v) for v in sub["estimate"]]
            fig.add_trace(go.Scatter(
                x=est, y=y, mode="markers+text", name=_text(judge), legendgroup=_text(judge),
                showlegend=col == 1 or not (pts[pts["panel"] == panels[0]]["judge"] == judge).any(),
                marker={"size": 9, "color": _COLORS[j % len(_COLORS)]}, text=[n_text(v) for v in sub["n"]],
                textposition="top center", textfont={"size": 10, "color": "#555"},
                **_err(est, [_num(v) for v in sub["ci_low"]], [_num(v) for v in sub["ci_high"]]),
                customdata=[[_text(r.label), _num(r.ci_low), _num(r.ci_high), _text(r.n)] for r in sub.itertuples()],
                hovertemplate="%{fullData.name}<br>%{customdata[0]}<br>%{x:.3f} (95% CI %{customdata[1]:.3f} to "
                              "%{customdata[2]:.3f})<br>n = %{customdata[3]}<extra></extra>"), row=1, col=col)
        fig.update_yaxes(tickmode="array", tickvals=list(range(len(labels))), ticktext=labels, autorange="reversed",
                         row=1, col=col)
        fig.update_xaxes(tickformat="+.0%" if panel == 0 else ".0%", row=1, col=col,
                         title_text="estimate (95% CI)")
        if panel == 0:
            fig.add_vline(x=0, line_dash="dash", line_color="#444", row=1, col=col)
    height += 40  # room for the legend below the panels
    _layout(fig, height, showlegend=True)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "title": {"text": "judge"}},
                      margin={"l": 10, "r": 20, "t": 40, "b": 90})
    block.html = embed_figure(fig, height, "jk-fig-judges-profile")
    return block


def agreement_figure(agreement: pd.DataFrame) -> FigureBlock:
    block = FigureBlock(
        "agreement", "Agreement between judges and with gold",
        "Each cell is Cohen's kappa between the row judge and the column judge (or the gold labels) on the "
        "same control verdicts: 1 is perfect agreement, 0 is what chance would give with the same marginals. "
        "Hover for the raw share of identical choices and n.")
    if agreement.empty:
        block.missing = "No common control verdicts to compare."
        return block
    rows = list(dict.fromkeys(agreement["judge_1"]))
    cols = list(dict.fromkeys(agreement["judge_2"]))
    look = {(r.judge_1, r.judge_2): r for r in agreement.itertuples()}
    z = [[_num(look[(r, c)].kappa) if (r, c) in look else None for c in cols] for r in rows]
    text = [[f"{_num(look[(r, c)].kappa):.2f}" if (r, c) in look and not math.isnan(_num(look[(r, c)].kappa))
             else "" for c in cols] for r in rows]
    custom = [[[f"{_num(look[(r, c)].agreement):.1%}", int(look[(r, c)].n)] if (r, c) in look else ["", 0]
               for c in cols] for r in rows]
    fig = new_figure(go.Heatmap(z=z, x=cols, y=rows, text=text, texttemplate="%{text}", zmin=-1, zmax=1,
                               colorscale="RdBu", customdata=custom,
                               hovertemplate="kappa %{z:.3f}<br>same choice %{customdata[0]}<br>"
                                             "n = %{customdata[1]}<extra></extra>"))
    height = 160 + 46 * len(rows)
    _layout(fig, height)
    fig.update_yaxes(autorange="reversed")
    block.html = embed_figure(fig, height, "jk-fig-agreement")
    return block
