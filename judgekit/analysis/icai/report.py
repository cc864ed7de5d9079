"""The ICAI section of the HTML report, built from the stored tables only (no model calls).

All dataset and model text is escaped with :func:`html.escape`. The figures label
principles by id (P1, P2, ...) so that no model text enters their script.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from judgekit.analysis.icai.store import load_icai
from judgekit.store.db import Store

_CONDITIONS = {
    "constitution": "judge with the constitution",
    "no_constitution": "same judge without it",
    "length_only": "length only (longer response wins)",
    "constitution_votes": "majority of the constitution's votes",
    "constitution - no_constitution": "gain over the judge without it",
    "constitution - length_only": "gain over length only",
}


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _f(x: Any, digits: int = 3) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(v) else f"{v:.{digits}f}"


def _ci(est: Any, lo: Any, hi: Any) -> str:
    return f"{_f(est)} [{_f(lo)}, {_f(hi)}]"


def _pid_key(pid: str) -> tuple[int, str]:
    digits = "".join(ch for ch in str(pid) if ch.isdigit())
    return (int(digits) if digits else 0, str(pid))


def _wide(metrics: pd.DataFrame, split: str) -> pd.DataFrame:
    m = metrics[metrics["split"] == split]
    if m.empty:
        return pd.DataFrame()
    wide = m.pivot(index="principle_id", columns="metric", values=["estimate", "ci_low", "ci_high"])
    wide.columns = [f"{metric}_{stat}" for stat, metric in wide.columns]
    wide["n"] = m.groupby("principle_id")["n"].first()
    return wide


def _strength_figure(principles: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame) -> str:
    fig = go.Figure()
    for label, wide, color in (("train", train, "#1f5fa8"), ("test", test, "#d1495b")):
        if wide.empty:
            continue
        ids = sorted(wide.index, key=_pid_key)
        est = wide.loc[ids, "strength_estimate"]
        fig.add_trace(go.Scatter(
            x=est, y=[str(i) for i in ids], mode="markers", name=label, marker={"color": color, "size": 9},
            error_x={"type": "data", "symmetric": False, "array": wide.loc[ids, "strength_ci_high"] - est,
                     "arrayminus": est - wide.loc[ids, "strength_ci_low"]}))
    fig.add_vline(x=0, line_dash="dot", line_color="#888")
    fig.update_layout(title="Strength per principle (95% bootstrap interval)", xaxis_title="strength",
                      yaxis={"autorange": "reversed", "title": "principle"}, height=180 + 28 * len(principles),
                      margin={"l": 60, "r": 20, "t": 50, "b": 40}, template="plotly_white")
    return fig.to_html(full_html=False, include_plotlyjs=False)


def _recon_figure(recon: pd.DataFrame) -> str:
    r = recon[~recon["condition"].str.contains(" - ")]
    fig = go.Figure(go.Bar(
        x=r["estimate"], y=[_CONDITIONS.get(c, c) for c in r["condition"]], orientation="h", marker_color="#2a9d8f",
        error_x={"type": "data", "symmetric": False, "array": r["ci_high"] - r["estimate"],
                 "arrayminus": r["estimate"] - r["ci_low"]}))
    fig.add_vline(x=0.5, line_dash="dot", line_color="#888")
    fig.update_layout(title="Agreement with held-out labels (95% bootstrap interval)", xaxis={"range": [0, 1.05]},
                      height=260, margin={"l": 260, "r": 20, "t": 50, "b": 40}, template="plotly_white")
    return fig.to_html(full_html=False, include_plotlyjs=False)


def icai_section_html(db: str | Path, icai_id: str | None = None) -> str:
    """An HTML fragment (a ``<section>``) with the constitution, reconstruction and principle tables."""
    t = load_icai(Store(db, create=False), icai_id)
    run = t["runs"].iloc[0]
    principles = t["principles"]
    train, test = _wide(t["metrics"], "train"), _wide(t["metrics"], "test")
    parts = [f'<section class="icai" id="{_e(t["icai_id"])}">',
             f"<h2>Constitution ({_e(t['icai_id'])})</h2>",
             f"<p>Learned from <code>{_e(run['dataset'])}</code> with judge <code>{_e(run['judge'])}</code>: "
             f"{int(run['n_train'])} training pairs chose the principles, {int(run['n_test'])} held-out pairs "
             "test them.</p>", "<ol>"]
    parts += [f"<li>{_e(r['text'])} <small>({_e(r['principle_id'])})</small></li>"
              for _, r in t["constitutions"].iterrows()]
    parts.append("</ol>" if len(t["constitutions"]) else "</ol><p>No principle improved held-out prediction.</p>")
    parts.append("<h3>Reconstruction on held-out pairs</h3><table><thead><tr><th>condition</th>"
                 "<th>agreement [95% CI]</th><th>pairs</th><th>unreadable verdicts</th></tr></thead><tbody>")
    for _, r in t["reconstruction"].iterrows():
        parts.append(f"<tr><td>{_e(_CONDITIONS.get(r['condition'], r['condition']))}</td>"
                     f"<td>{_ci(r['estimate'], r['ci_low'], r['ci_high'])}</td><td>{_e(r['n'])}</td>"
                     f"<td>{_e(r['n_invalid'])}</td></tr>")
    parts.append("</tbody></table>")
    if len(t["reconstruction"]):
        parts.append(_recon_figure(t["reconstruction"]))
    parts.append("<h3>Principles (metrics on the training split; test for the constitution)</h3>"
                 "<table><thead><tr><th>id</th><th>principle</th><th>support</th><th>n</th>"
                 "<th>relevance</th><th>accuracy</th><th>strength</th><th>test strength</th>"
                 "<th>explained by length</th><th>status</th></tr></thead><tbody>")
    for _, r in principles.iterrows():
        pid = r["principle_id"]
        tr = train.loc[pid] if pid in train.index else None
        te = test.loc[pid] if pid in test.index else None
        cells = [_ci(tr[f"{m}_estimate"], tr[f"{m}_ci_low"], tr[f"{m}_ci_high"]) if tr is not None else "–"
                 for m in ("relevance", "accuracy", "strength")]
        test_cell = _ci(te["strength_estimate"], te["strength_ci_low"], te["strength_ci_high"]) if te is not None \
            else "–"
        status = "selected" if r["selected"] else (r["reason"] or "not chosen")
        flag = "yes" if r["length_explained"] else "no"
        parts.append(f"<tr><td>{_e(pid)}</td><td>{_e(r['text'])}</td><td>{_e(r['support'])}</td>"
                     f"<td>{_e(int(tr['n']) if tr is not None else '')}</td>"
                     + "".join(f"<td>{c}</td>" for c in cells)
                     + f"<td>{test_cell}</td><td>{flag} (p={_f(r['p_beyond_length'], 3)})</td>"
                     f"<td>{_e(status)}</td></tr>")
    parts.append("</tbody></table>")
    if not train.empty:
        parts.append(_strength_figure(principles, train, test))
    parts.append("<p><small>strength = (agree − disagree)/n; relevance = (agree + disagree)/n; "
                 "accuracy = agree/(agree + disagree). Votes are taken in both orders; a principle votes only "
                 "when both orders pick the same response. “Explained by length”: positive strength but no "
                 "significant contribution beyond the length of the responses in a joint logistic model.</small></p>")
    parts.append("</section>")
    return "\n".join(parts)


#: fewer held-out pairs than this: the page warns that the comparison with the baselines is weak
MIN_TEST_PAIRS = 30


def _side(row: Any) -> str:
    """'beats', 'loses to' or 'cannot be told apart from' for a stored difference row with its interval."""
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if _f(lo) == "–" or _f(hi) == "–":
        return "cannot be compared with"
    if float(lo) > 0:
        return "beats"
    if float(hi) < 0:
        return "loses to"
    return "cannot be told apart from"


def icai_summary(recon: pd.DataFrame, n_test: int, n_principles: int) -> tuple[str, list[str]]:
    """The page's headline (does the constitution beat both baselines?) and its cautions."""
    rows = {r["condition"]: r for r in recon.to_dict(orient="records")}
    c = rows.get("constitution")
    warnings = []
    if n_principles == 0:
        headline = (f"No principle improved held-out prediction on the training split; nothing to test on the "
                    f"{n_test} held-out pairs.")
    elif c is None:
        headline = f"The constitution has {n_principles} principles; no reconstruction on held-out pairs is stored."
    else:
        parts = [f"On {n_test} held-out pairs the constitution agrees with the labels "
                 f"{_ci(c['estimate'], c['ci_low'], c['ci_high'])}."]
        for key, name in (("no_constitution", "the same judge without it"), ("length_only", "length only")):
            d, b = rows.get(f"constitution - {key}"), rows.get(key)
            if d is None or b is None:
                continue
            parts.append(f"It {_side(d)} {name} ({_f(b['estimate'])}): difference "
                         f"{_ci(d['estimate'], d['ci_low'], d['ci_high'])}.")
        headline = " ".join(parts)
        lo = rows.get("length_only")
        if lo is not None and _f(lo["estimate"]) != "–" and float(c["estimate"]) < float(lo["estimate"]):
            warnings.append(f"the constitution ({_f(c['estimate'])}) agrees with the labels less often than "
                            f"picking the longer response ({_f(lo['estimate'])}): its principles explain the "
                            "labels worse than length alone.")
        for r in recon.to_dict(orient="records"):
            if _f(r["ci_low"]) != "–" and float(r["ci_low"]) == float(r["ci_high"]):
                warnings.append(f"the interval of “{_CONDITIONS.get(r['condition'], r['condition'])}” is "
                                f"degenerate ({_ci(r['estimate'], r['ci_low'], r['ci_high'])}): every resample "
                                "gives the same value, which shows the sample is small, not that it is certain.")
    if n_test < MIN_TEST_PAIRS:
        warnings.insert(0, f"only {n_test} held-out pairs (fewer than {MIN_TEST_PAIRS}): a difference from the "
                           "baselines this small a test cannot detect may well exist; use more data or a larger "
                           "--test-fraction.")
    return headline, warnings


def write_icai_report(db: str | Path, icai_id: str | None = None, out_dir: str | Path = "reports") -> Path:
    """A standalone page in the report's design around :func:`icai_section_html`; returns its path."""
    from judgekit.analysis.page import render_page, write_page

    store = Store(db, create=False)
    t = load_icai(store, icai_id)
    icai_id = t["icai_id"]
    run = t["runs"].iloc[0]
    headline, warnings = icai_summary(t["reconstruction"], int(run["n_test"]), len(t["constitutions"]))
    facts = [("Constitution", str(icai_id)), ("Data", str(run["dataset"])), ("Judge", str(run["judge"])),
             ("Train pairs", str(int(run["n_train"]))), ("Held-out pairs", str(int(run["n_test"])))]
    page = render_page("Constitution (Inverse Constitutional AI)", meta=facts, headline=headline,
                       warnings=warnings, body_html=icai_section_html(db, icai_id))
    return write_page(Path(out_dir) / f"{icai_id}.html", page)
