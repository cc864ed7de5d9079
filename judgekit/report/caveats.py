"""Caveats in words for a metric row: degenerate intervals, unidentified coefficients, few units,
and values that hold by construction for the judge type.

One function, :func:`caveat`, decides; the run report's tables and caveat list, the comparison
page and its charts all call it, so a row is flagged the same way everywhere.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from judgekit.report.figures import _num, _text

#: below this many units an interval is flagged as resting on few units
FEW_UNITS = 10
#: a log-odds coefficient this large means near-perfect prediction (quasi-separation)
LARGE_LOG_ODDS = 5.0
#: judge backends that score each response on its own (the order of the pair cannot reach them)
POINTWISE_BACKENDS = ("rm",)
#: metric -> the value it takes by construction for a pointwise judge
BY_CONSTRUCTION = {
    "first_position_rate": "0.5",
    "position_consistency": "1",
    "preference_fairness": "0",
    "accuracy_order_gap": "0",
    "accuracy_gold_position_gap": "0",
}


def is_pointwise(config: dict[str, Any] | None) -> bool | str:
    """Whether a run's judge scores each response alone: True for a reward model (from its recorded identity),
    ``"protocol"`` for a run of the pointwise protocol, False otherwise."""
    identity = (config or {}).get("judge_identity") or {}
    if (config or {}).get("protocol") == "pointwise":
        return "protocol"
    return isinstance(identity, dict) and identity.get("backend") in POINTWISE_BACKENDS


def caveat(metric: Any, estimate: Any, ci_low: Any, ci_high: Any, n: Any, note: Any = "", *,
           pointwise: bool | str = False) -> str:
    """The caveats of one metric row in words ("" when there is none)."""
    return " ".join(caveat_list(metric, estimate, ci_low, ci_high, n, note, pointwise=pointwise))


def names(items: list[str]) -> str:
    """The caveats' names only ("Degenerate interval; Only n = 4"), for a table cell."""
    return "; ".join(x.split(":", 1)[0] for x in items)


def caveat_list(metric: Any, estimate: Any, ci_low: Any, ci_high: Any, n: Any, note: Any = "", *,
                pointwise: bool | str = False) -> list[str]:
    """Each caveat of one metric row, a name then a colon then the explanation."""
    metric, note = _text(metric), _text(note).lower()
    est, lo, hi, units = _num(estimate), _num(ci_low), _num(ci_high), _num(n)
    out = []
    if pointwise == "protocol" and metric in BY_CONSTRUCTION:
        out.append(f"By design: the pointwise protocol scores each response alone, in the same request whichever "
                   f"order the pair is shown in, so {metric} is {BY_CONSTRUCTION[metric]} for a judge that answers "
                   "the same request the same way; position bias cannot reach the scores.")
    elif pointwise and metric in BY_CONSTRUCTION:
        out.append(f"By construction: a reward model scores each response on its own, so the order of the pair "
                   f"cannot change its choice and {metric} is {BY_CONSTRUCTION[metric]} whatever the model; it "
                   "measures nothing about this judge.")
    if metric.startswith("model_") and ("separat" in note or "converge" in note
                                        or (math.isfinite(est) and abs(est) >= LARGE_LOG_ODDS)):
        out.append("Not identified: the data are (quasi-)separated (an arm always or never picks the target), so "
                   "the coefficient and its interval are not usable estimates.")
    elif (math.isfinite(est) and math.isfinite(lo) and math.isfinite(hi) and hi - lo < 1e-12
          and not metric.endswith("_count")):
        out.append(f"Degenerate interval: every resample gives {est:.3f} (each unit contributes the same value, "
                   "for example a judge that always answers the same letter), so the interval shows no "
                   "uncertainty; it does not make the estimate exact.")
    if math.isfinite(est) and math.isfinite(units) and 0 < units < FEW_UNITS and not metric.endswith("_count"):
        out.append(f"Only n = {int(units)}: the interval rests on few units and is approximate.")
    return out


#: caveat name -> what it means, for the grouped list under a page's headline
MEANING = {
    "By construction": "a reward model scores each response on its own, so the order of the pair cannot change "
                       "its choice; these position metrics take a fixed value whatever the model and measure "
                       "nothing about it",
    "By design": "the pointwise protocol scores each response alone, in the same request whichever order the "
                 "pair is shown in, so these position metrics take a fixed value for a judge that answers the "
                 "same request the same way",
    "Not identified": "the data are (quasi-)separated (an arm always or never picks the target), so the "
                      "coefficient and its interval are not usable estimates",
    "Degenerate interval": "every resample gives the same value (each unit contributes the same value, for example "
                           "a judge that always answers the same letter), so the interval shows no uncertainty; it "
                           "does not make the estimate exact",
    "Only n": "the interval rests on fewer than 10 units and is approximate",
}


def grouped(entries: list[tuple[str, Any, list[str]]]) -> list[str]:
    """One line per kind of caveat: ``Name (meaning): where (estimate), where (estimate), ...``.

    ``entries`` are ``(where, estimate, caveat_list(...))`` triples, in page order.
    """
    groups: dict[str, list[str]] = {}
    for where, est, items in entries:
        for text in items:
            name = text.split(":", 1)[0]
            key = "Only n" if name.startswith("Only n") else name
            value = _num(est)
            detail = name.removeprefix("Only ") if key == "Only n" else (f"{value:.3f}" if math.isfinite(value)
                                                                          else "no estimate")
            groups.setdefault(key, []).append(f"{where} ({detail})")
    return [f"{name} ({MEANING.get(name, '')}): {', '.join(places)}" for name, places in groups.items()]


def frame_caveats(metrics: pd.DataFrame, *, pointwise: bool | str = False) -> list[str]:
    """The caveats of every row of ``metrics``, grouped by kind (see :func:`grouped`)."""
    entries: list[tuple[str, Any, list[str]]] = []
    if metrics.empty:
        return []
    for rec in metrics.to_dict("records"):
        items = caveat_list(rec.get("metric"), rec.get("estimate"), rec.get("ci_low"), rec.get("ci_high"),
                            rec.get("n"), rec.get("note"), pointwise=pointwise)
        if items:
            subset = _text(rec.get("subset"))
            where = f"{_text(rec.get('probe'))} · {_text(rec.get('metric'))}"
            entries.append((f"{where}{f' [{subset}]' if subset and subset != 'all' else ''}", rec.get("estimate"),
                            items))
    return grouped(entries)
