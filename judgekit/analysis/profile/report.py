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
#: fewer pairs than this behind an estimate: its interval is not trusted and the page says so
TINY_N = 10
#: a log-odds coefficient this large (or an interval this wide) on standardised factors means separation
SEPARATED_LOG_ODDS = 5.0
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


def caveats(est: Any, lo: Any, hi: Any, n: Any, *, log_odds: bool = False, note: Any = None) -> list[str]:
    """What a reader must know about one estimate, in words: tiny n, a degenerate interval, separation."""
    out = []
    if _isnum(n) and int(n) < TINY_N:
        out.append(f"only {int(n)} pairs")
    if _isnum(est) and _isnum(lo) and _isnum(hi) and float(lo) == float(hi):
        out.append("degenerate interval (every resample gives the same value)")
    text = note if isinstance(note, str) else ""
    if log_odds and ("separated" in text or (_isnum(est) and abs(float(est)) >= SEPARATED_LOG_ODDS)
                     or (_isnum(lo) and _isnum(hi) and float(hi) - float(lo) >= 2 * SEPARATED_LOG_ODDS)):
        out.append("likely separated: the coefficient is not identified by these pairs")
    return out


def _with_n(est: Any, lo: Any, hi: Any, n: Any) -> str:
    text = _fmt(est, lo, hi)
    return f"{text} n={int(n)}" if _isnum(n) and text != "–" else text


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
        cells, notes, small = [factor], [], set()
        for a in annotators:
            r = infl[(infl["annotator"] == a) & (infl["factor"] == factor)]
            if not len(r):
                cells.append("–")
                continue
            x = r.iloc[0]
            cells.append(_with_n(x["estimate"], x["ci_low"], x["ci_high"], x["n"]))
            words = caveats(x["estimate"], x["ci_low"], x["ci_high"], x["n"])
            if words:
                notes.append(f"{a}: {'; '.join(words)}")
            if _isnum(x["n"]) and int(x["n"]) < TINY_N:
                small.add(a)
        flagged = [j for j in judges if (j, factor) in misaligned]
        trusted = [j for j in flagged if j not in small and HUMAN not in small]
        cells.append(", ".join(trusted + [f"{j} (too few pairs to tell)" for j in flagged if j not in trusted]))
        cells.append("; ".join(notes))
        rows.append((cells, bool(trusted)))
    caption = ("Factor influence τ(f) = (C − D)/(C + D) with 95% bootstrap intervals and n, the pairs where the "
               "factor differs and the annotator decided; highlighted rows: a judge's influence differs from the "
               f"human one (paired bootstrap interval of the difference excludes 0) with at least {TINY_N} pairs "
               "on each side")
    return _table(["factor", *annotators, "misaligned for", "caveats"], rows, caption), annotators


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
    rows = [([r.annotator, r.metric, _with_n(r.estimate, r.ci_low, r.ci_high, r.n), r.note,
              "; ".join(caveats(r.estimate, r.ci_low, r.ci_high, None))], False) for r in al.itertuples()]
    return _table(["judge", "metric", "estimate [95% CI] n", "detail", "caveats"], rows,
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
        j0 = jo.iloc[0]
        words = caveats(j0["estimate"], j0["ci_low"], j0["ci_high"], j0["n"], log_odds=True, note=j0["note"])
        rows.append(([a, f, _with_n(*m.iloc[0][["estimate", "ci_low", "ci_high", "n"]]) if len(m) else "–",
                      _with_n(j0["estimate"], j0["ci_low"], j0["ci_high"], j0["n"]),
                      "explained by correlates" if flag else "", j0["note"], "; ".join(words)], flag))
    return _table(["annotator", "factor", "marginal log-odds", "joint log-odds", "", "note", "caveats"], rows,
                  "Joint logistic model (log-odds per SD of the factor difference, cluster-robust 95% CI); "
                  "highlighted: marginal influence that disappears once correlated factors are held fixed") \
        if rows else ""


def _length_control(res: pd.DataFrame) -> str:
    lc = res[res["section"].isin(["length_control", "style_bt"])]
    rows = [([r.annotator, r.section, r.factor if isinstance(r.factor, str) else "", r.metric,
              _with_n(r.estimate, r.ci_low, r.ci_high, r.n), r.note if isinstance(r.note, str) else "",
              "" if r.note == "reference model" else
              "; ".join(caveats(r.estimate, r.ci_low, r.ci_high, r.n, log_odds=r.section == "style_bt",
                                note=r.note))], False)
            for r in lc.itertuples()]
    return _table(["annotator", "analysis", "term", "metric", "estimate [95% CI] n", "note", "caveats"], rows,
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


def _strongest(infl: pd.DataFrame, annotator: str) -> str | None:
    d = infl[(infl["annotator"] == annotator) & infl["estimate"].notna() & (infl["n"] >= TINY_N)]
    if d.empty:
        return None
    r = d.loc[d["estimate"].abs().idxmax()]
    return f"{r['factor']} (τ = {_with_n(r['estimate'], r['ci_low'], r['ci_high'], r['n'])})"


def profile_summary(res: pd.DataFrame, meta: dict[str, Any]) -> tuple[str, list[str]]:
    """The page's headline sentence and its cautions, from the stored results of one analysis."""
    infl = res[res["section"] == "influence"]
    annotators = sorted(set(infl["annotator"]), key=lambda a: (a != HUMAN, a))
    al = res[(res["section"] == "alignment") & (res["metric"] == "tau_difference")]
    n_pairs = meta.get("n_pairs")
    parts = [f"{n_pairs} pairs." if n_pairs is not None else ""]
    human = _strongest(infl, HUMAN) if HUMAN in annotators else None
    if human:
        parts.append(f"The human labels follow {human} most.")
    small = {(r.annotator, r.factor) for r in infl.itertuples() if _isnum(r.n) and int(r.n) < TINY_N}
    for j in (a for a in annotators if a != HUMAN):
        mis = [r.factor for r in al.itertuples() if r.annotator == j and _flag(r.flag)
               and (j, r.factor) not in small and (HUMAN, r.factor) not in small]
        if HUMAN in annotators:
            parts.append(f"{j} departs from them on {len(mis)} factor{'s' if len(mis) != 1 else ''}"
                         + (f": {', '.join(mis)}." if mis else "."))
        else:
            top = _strongest(infl, j)
            parts.append(f"{j} follows {top} most." if top else f"{j}: no factor with {TINY_N} or more pairs.")
    warnings = []
    if _isnum(n_pairs) and int(n_pairs) < 30:
        warnings.append(f"only {n_pairs} pairs: intervals are wide and most differences cannot be told apart "
                        "from chance; profile at least a few hundred pairs before drawing conclusions.")
    tiny = sorted({f for _, f in small})
    if tiny:
        warnings.append(f"{len(tiny)} factor{'s' if len(tiny) != 1 else ''} rest on fewer than {TINY_N} pairs "
                        f"for some annotator ({', '.join(tiny)}); their τ and intervals are shown but not "
                        "called misaligned.")
    sep = res[res["section"].isin(["joint", "style_bt"])]
    n_sep = sum(1 for r in sep.itertuples() if r.note != "reference model" and any(
        w.startswith("likely separated") for w in caveats(r.estimate, r.ci_low, r.ci_high, r.n, log_odds=True,
                                                          note=r.note)))
    if n_sep:
        warnings.append(f"{n_sep} model coefficient{'s are' if n_sep != 1 else ' is'} likely separated (very "
                        "large log-odds or no fit): not identified by these pairs; read them as 'strong, size "
                        "unknown'.")
    return " ".join(p for p in parts if p), warnings


def write_profile_report(db: str | Path, analysis_id: str | None = None, out_dir: str | Path = "reports") -> Path:
    """A standalone page in the report's design around :func:`profile_section_html`; returns its path."""
    from judgekit.analysis.page import render_page, write_page

    store = Store(db, create=False)
    aid = pstore.find_analysis(store, analysis_id)
    if aid is None:
        raise ValueError(f"{db}: no profile analysis {analysis_id or ''}".strip())
    res = pstore.read_results(store, aid)
    meta_rows = res[res["section"] == "meta"]
    meta = json.loads(meta_rows.iloc[0]["note"]) if len(meta_rows) else {}
    headline, warnings = profile_summary(res[res["section"] != "meta"], meta)
    facts = [("Analysis", aid), ("Data", str(meta.get("data"))), ("Pairs", str(meta.get("n_pairs"))),
             ("Annotators", ", ".join(map(str, meta.get("annotators", []))))]
    page = render_page("Preference factors (PROFILE)", meta=facts, headline=headline, warnings=warnings,
                       body_html=profile_section_html(db, aid))
    return write_page(Path(out_dir) / f"{aid}.html", page)
