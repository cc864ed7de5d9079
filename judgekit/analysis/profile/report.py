"""The profile section of the HTML report: an HTML fragment, every text escaped.

The page that embeds the fragment provides plotly.js once; the figure here is written with
``include_plotlyjs=False``.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from judgekit.analysis.profile import store as pstore
from judgekit.analysis.profile.run import HUMAN
from judgekit.store.db import Store

_MISALIGNED_STYLE = "background:#fde2e1"
_COLORS = ["#1f5fa8", "#d1495b", "#2a9d8f", "#e9a23b", "#6a4c93", "#577590"]


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _flag(v: Any) -> bool:
    return bool(v) if isinstance(v, (bool, np.bool_)) else False


def _isnum(v: Any) -> bool:
    try:
        return not math.isnan(float(v))
    except (TypeError, ValueError):
        return False


def _fmt(est: Any, lo: Any = None, hi: Any = None) -> str:
    if not _isnum(est):
        return "–"
    out = f"{float(est):.3f}"
    if _isnum(lo) and _isnum(hi):
        out += f" [{float(lo):.3f}, {float(hi):.3f}]"
    return out


def _table(headers: list[str], rows: list[tuple[list[str], bool]], caption: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for cells, highlight in rows:
        attr = f' class="jk-misaligned" style="{_MISALIGNED_STYLE}"' if highlight else ""
        body.append(f"<tr{attr}>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    return (f'<table class="jk-table"><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def _influence(res: pd.DataFrame) -> tuple[str, list[str]]:
    infl = res[res["section"] == "influence"]
    annotators = sorted(set(infl["annotator"]), key=lambda a: (a != HUMAN, a))
    judges = [a for a in annotators if a != HUMAN]
    al = res[(res["section"] == "alignment") & (res["metric"] == "tau_difference")]
    misaligned = {(r.annotator, r.factor) for r in al.itertuples() if _flag(r.flag)}
    rows = []
    for factor in dict.fromkeys(infl["factor"]):
        cells = [factor]
        for a in annotators:
            r = infl[(infl["annotator"] == a) & (infl["factor"] == factor)]
            cells.append(_fmt(*r.iloc[0][["estimate", "ci_low", "ci_high"]]) if len(r) else "–")
        flagged = [j for j in judges if (j, factor) in misaligned]
        cells.append(", ".join(flagged) or "")
        rows.append((cells, bool(flagged)))
    caption = ("Factor influence τ(f) = (C − D)/(C + D) with 95% bootstrap intervals; highlighted rows: a "
               "judge's influence differs from the human one (paired bootstrap interval of the difference "
               "excludes 0)")
    return _table(["factor", *annotators, "misaligned for"], rows, caption), annotators


def _figure(res: pd.DataFrame, annotators: list[str]) -> str:
    infl = res[res["section"] == "influence"]
    fig = go.Figure()
    for i, a in enumerate(annotators):
        d = infl[infl["annotator"] == a]
        fig.add_trace(go.Scatter(
            x=d["estimate"], y=d["factor"], mode="markers", name=str(a),
            marker={"color": _COLORS[i % len(_COLORS)], "size": 9},
            error_x={"type": "data", "symmetric": False, "array": (d["ci_high"] - d["estimate"]).tolist(),
                     "arrayminus": (d["estimate"] - d["ci_low"]).tolist()}))
    fig.add_vline(x=0, line_dash="dot", line_color="#888")
    fig.update_layout(title="Factor influence: humans vs judges", xaxis_title="τ(f)", xaxis_range=[-1.05, 1.05],
                      height=120 + 28 * max(1, infl["factor"].nunique()), margin={"l": 140, "r": 20, "t": 50})
    return fig.to_html(full_html=False, include_plotlyjs=False)


def _alignment(res: pd.DataFrame) -> str:
    al = res[(res["section"] == "alignment") & res["metric"].isin(["kendall_tau_factors", "top_k_overlap"])]
    rows = [([r.annotator, r.metric, _fmt(r.estimate, r.ci_low, r.ci_high), r.note], False) for r in al.itertuples()]
    return _table(["judge", "metric", "estimate [95% CI]", "detail"], rows,
                  "Alignment of each judge's factor profile with the human one") if rows else ""


def _joint(res: pd.DataFrame) -> str:
    j = res[res["section"] == "joint"]
    rows = []
    for (a, f), g in j.groupby(["annotator", "factor"], sort=True):
        m = g[g["metric"] == "marginal_log_odds"]
        jo = g[g["metric"] == "joint_log_odds"]
        if jo.empty:
            continue
        flag = _flag(jo.iloc[0]["flag"])
        rows.append(([a, f, _fmt(*m.iloc[0][["estimate", "ci_low", "ci_high"]]) if len(m) else "–",
                      _fmt(*jo.iloc[0][["estimate", "ci_low", "ci_high"]]),
                      "explained by correlates" if flag else "", jo.iloc[0]["note"]], flag))
    return _table(["annotator", "factor", "marginal log-odds", "joint log-odds", "", "note"], rows,
                  "Joint logistic model (log-odds per SD of the factor difference, cluster-robust 95% CI); "
                  "highlighted: marginal influence that disappears once correlated factors are held fixed") \
        if rows else ""


def _length_control(res: pd.DataFrame) -> str:
    lc = res[res["section"].isin(["length_control", "style_bt"])]
    rows = [([r.annotator, r.section, r.factor if isinstance(r.factor, str) else "", r.metric,
              _fmt(r.estimate, r.ci_low, r.ci_high), r.note if isinstance(r.note, str) else ""], False)
            for r in lc.itertuples()]
    return _table(["annotator", "analysis", "term", "metric", "estimate [95% CI]", "note"], rows,
                  "Length-controlled win rates (AlpacaEval-style GLM) and style-controlled Bradley–Terry "
                  "coefficients (length and markdown)") if rows else ""


def profile_section_html(db: str | Path, run_or_analysis_id: str | None = None) -> str:
    """The profile report section for an analysis id, or the newest analysis that used a run id."""
    store = Store(db, create=False)
    aid = pstore.find_analysis(store, run_or_analysis_id)
    if aid is None:
        return ('<section class="jk-profile"><h2>Factor profile</h2><p>No profile analysis for '
                f"{_e(run_or_analysis_id or 'this database')}.</p></section>")
    res = pstore.read_results(store, aid)
    meta_rows = res[res["section"] == "meta"]
    meta = json.loads(meta_rows.iloc[0]["note"]) if len(meta_rows) else {}
    res = res[res["section"] != "meta"]
    influence, annotators = _influence(res)
    parts = [
        '<section class="jk-profile">',
        "<h2>Factor profile: what drives human and judge preferences</h2>",
        f"<p>Analysis {_e(aid)} on {_e(meta.get('data'))}: {_e(meta.get('n_pairs'))} pairs, annotators "
        f"{_e(', '.join(map(str, meta.get('annotators', []))))}.</p>",
        influence, _figure(res, annotators), _alignment(res), _joint(res), _length_control(res),
        "</section>",
    ]
    return "\n".join(p for p in parts if p)
