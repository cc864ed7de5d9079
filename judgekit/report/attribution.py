"""Which estimate moved the judge: a cue's content, the text it adds, or neither.

A cue probe has three stored estimates (:mod:`judgekit.stats.net`): ``bias_effect`` (cue vs
control), ``added_text_effect`` (neutral insertion vs control) and ``cue_net_effect`` (cue vs
neutral insertion, the headline). The report reads them side by side and says in words which
one moved the judge, from the 95% intervals:

* ``cue``: the net interval excludes 0: the cue's content moved the judge beyond its text;
* ``added_text``: the net interval contains 0 and the raw one does not: "the effect is
  explained by the added text" (never reported as a cue effect);
* ``none``: neither interval excludes 0;
* ``no_net``: no net estimate (no neutral control in the run): only the raw effect is read.

Nothing here is HTML; the template escapes every text.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from judgekit.report.figures import _num, _text, format_p
from judgekit.stats.net import headline_metric

#: the three estimates of a cue probe, the headline first
ESTIMATES = ("cue_net_effect", "added_text_effect", "bias_effect")
WHAT = {"cue_net_effect": "cue vs neutral insertion: what the cue's content does beyond its text",
        "added_text_effect": "neutral insertion vs control: what the added text alone does",
        "bias_effect": "cue vs control: the raw effect (content and text together)"}


def excludes_zero(rec: dict[str, Any] | None) -> bool:
    """Whether a row's 95% interval lies wholly on one side of 0 (False when missing)."""
    if not rec:
        return False
    lo, hi = _num(rec.get("ci_low")), _num(rec.get("ci_high"))
    return not (math.isnan(lo) or math.isnan(hi)) and (lo > 0 or hi < 0)


def _pts(x: float) -> str:
    return f"{x * 100:+.1f} points"


def _ci(rec: dict[str, Any]) -> str:
    est, lo, hi = _num(rec.get("estimate")), _num(rec.get("ci_low")), _num(rec.get("ci_high"))
    if math.isnan(est):
        return "—"
    if math.isnan(lo) or math.isnan(hi):
        return _pts(est)
    return f"{_pts(est)} (95% CI {lo * 100:+.1f} to {hi * 100:+.1f})"


def attribution(net: dict[str, Any] | None, raw: dict[str, Any] | None) -> str:
    """``cue``, ``added_text``, ``none`` or ``no_net`` (see the module docstring)."""
    if not net or math.isnan(_num(net.get("estimate"))):
        return "no_net"
    if excludes_zero(net):
        return "cue"
    return "added_text" if excludes_zero(raw) else "none"


def attribution_words(probe: str, rows: dict[str, dict[str, Any]]) -> str:
    """The sentence that says which estimate moved the judge on ``probe`` (``rows``: metric -> stored row)."""
    net, added, raw = (rows.get(m) for m in ESTIMATES)
    code = attribution(net, raw)
    if code == "no_net":
        if not raw or math.isnan(_num(raw.get("estimate"))):
            return f"{probe}: no estimate."
        return (f"{probe} has no neutral control in this run: the raw effect {_ci(raw)} mixes the cue's content "
                f"with the text it adds.")
    net = net or {}
    if code == "cue":
        way = "toward" if _num(net["estimate"]) > 0 else "away from"
        return (f"The cue's content moved the judge {way} the cued response beyond the text it adds: "
                f"{_ci(net)} against a neutral insertion of the same length.")
    if code == "added_text":
        text = f"; the added text alone moves it {_ci(added)}" if added else ""
        return (f"The effect is explained by the added text: the raw effect {_ci(raw)} is matched by a neutral "
                f"insertion of the same length in the same place{text}; net of it the cue moves the judge "
                f"{_ci(net)}.")
    return f"Neither the cue nor the text it adds moved the judge detectably (net {_ci(net)}, raw {_ci(raw or {})})."


def probe_rows(metrics: pd.DataFrame, probe: str) -> dict[str, dict[str, Any]]:
    """metric -> the stored row (subset "all") of ``probe``'s three estimates that are present."""
    m = metrics[(metrics["probe"] == probe) & (metrics["subset"] == "all") & metrics["metric"].isin(ESTIMATES)]
    return {str(r["metric"]): r for r in m.to_dict("records")}


def estimate_table(metrics: pd.DataFrame, probe: str) -> list[dict[str, Any]]:
    """The three estimates side by side: estimate with interval, n, p and adjusted p, headline first."""
    rows = probe_rows(metrics, probe)
    head = headline_metric(probe)
    out = []
    for metric in sorted(rows, key=lambda m: (m != head, ESTIMATES.index(m))):
        r = rows[metric]
        p, p_adj = _num(r.get("p_value")), _num(r.get("p_adjusted"))
        n = _num(r.get("n"))
        out.append({"metric": metric, "what": WHAT[metric], "headline": metric == head, "estimate": _ci(r),
                    "n": "—" if math.isnan(n) else f"{int(n):,}", "p": format_p(p),
                    "p_adjusted": "—" if math.isnan(p_adj) else f"{format_p(p_adj)} ({_text(r.get('family'))})"})
    return out
