"""The comparison in words: the headline sentence, the console summary, run selection and page names.

Every number here is read from a :class:`~judgekit.compare.Comparison` (its ranking and paired
tests tables); nothing is recomputed. The headline criterion is the first of
:data:`HEADLINE_ORDER` that the runs have in common.
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

import pandas as pd

from judgekit.compare import Comparison
from judgekit.report.caveats import caveat_list, names
from judgekit.store.db import Store

#: criterion -> what it measures, in the order the headline picks one
HEADLINE_ORDER = {
    "mean_abs_cue_net_effect": "mean |cue_net_effect| over the common cue probes",
    "mean_abs_mcq_cue_net_shift": "mean |mcq_cue_net_shift| over the common cue probes (multiple choice)",
    "mcq_gold_position_gap:position": "|accuracy with the gold option first − last| (multiple choice)",
    "mcq_accuracy": "accuracy against the gold options (multiple choice)",
    "position_bias": "position bias |first-position rate − 0.5|",
    "accuracy": "accuracy against the gold labels",
    "position_consistency": "position consistency",
}
LOWER_IS_BETTER = {"mean_abs_cue_net_effect", "position_bias", "mean_abs_mcq_cue_net_shift",
                   "mcq_gold_position_gap:position"}


def _num(x: object) -> float:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def interval(est: object, lo: object, hi: object) -> str:
    """``0.123 [0.050, 0.200]``; ``—`` for a missing estimate, no brackets for a missing interval."""
    e, a, b = _num(est), _num(lo), _num(hi)
    if math.isnan(e):
        return "—"
    return f"{e:.3f}" if math.isnan(a) or math.isnan(b) else f"{e:.3f} [{a:.3f}, {b:.3f}]"


def p_text(p: object) -> str:
    v = _num(p)
    return "p —" if math.isnan(v) else ("p < 0.001" if v < 0.001 else f"p = {v:.3f}")


def headline_criterion(c: Comparison) -> str | None:
    """The criterion the headline speaks about: the first of HEADLINE_ORDER with a finite estimate for every judge."""
    if c.ranking.empty:
        return None
    for name in HEADLINE_ORDER:
        rows = c.ranking[c.ranking["criterion"] == name]
        if len(rows) and rows["estimate"].notna().all():
            return name
    return None


def _test_row(c: Comparison, name: str, a: str, b: str) -> tuple[pd.Series | None, float]:
    """The paired test of judges a and b on ``name``, and the sign that turns its difference into a − b."""
    t = c.tests[c.tests["criterion"] == name]
    for j1, j2, sign in ((a, b, 1.0), (b, a, -1.0)):
        row = t[(t["judge_1"] == j1) & (t["judge_2"] == j2)]
        if len(row):
            return row.iloc[0], sign
    return None, 1.0


def _stated(name: str, row: pd.Series) -> str:
    """A ranking row's estimate with its interval, and its caveats named (e.g. a degenerate interval)."""
    flag = names(caveat_list(name, row["estimate"], row["ci_low"], row["ci_high"], row["n"])).lower()
    return interval(row["estimate"], row["ci_low"], row["ci_high"]) + (f" ({flag})" if flag else "")


def headline(c: Comparison) -> str:
    """One sentence with the result: the best judge on the headline criterion against the runner-up.

    Every number is an estimate with its 95% interval (ranking table) or a paired test (tests table).
    """
    name = headline_criterion(c)
    if name is None:
        return (f"On {c.n_items} common items no criterion could be estimated for every judge; see the tables "
                "below.")
    rows = c.ranking[c.ranking["criterion"] == name].sort_values(["rank", "judge"])
    best, second = rows.iloc[0], rows.iloc[1]
    word = "lowest" if name in LOWER_IS_BETTER else "highest"
    text = (f"On {c.n_items} common items, {best['judge']} has the {word} {HEADLINE_ORDER[name]}: "
            f"{_stated(name, best)}, against {_stated(name, second)} for {second['judge']}")
    test, sign = _test_row(c, name, str(best["judge"]), str(second["judge"]))
    if test is not None:
        d, lo, hi = (sign * _num(test[k]) for k in ("difference", "ci_low", "ci_high"))
        lo, hi = min(lo, hi), max(lo, hi)
        holm = _num(test["p_holm"])
        verdict = "a difference these data support" if holm < 0.05 else "not a difference these data can settle"
        text += (f"; difference {interval(d, lo, hi)} (n = {int(test['n'])}, {test['test']}, Holm-adjusted "
                 f"{p_text(holm)}): {verdict}")
    tied = (rows["rank"] == best["rank"]).sum()
    if tied > 1:
        text += f" ({tied} judges share rank 1)"
    return text + f". It ranked first in {_num(best['p_best']):.0%} of bootstrap replicates."


def summary_text(c: Comparison, path: str | Path | None = None) -> str:
    """The console summary: headline, warnings, one line per criterion and judge, and the page path."""
    lines = [headline(c)]
    lines += [f"warning: {w}" for w in c.warnings]
    lines += [f"note: {n}" for n in c.notes]
    if len(c.ranking):
        width = max(len(str(j)) for j in c.ranking["judge"])
        lines.append(f"{'criterion':<22} {'judge':<{width}}  estimate [95% CI]         {'n':>6}  rank (95%)  "
                     "P(best)  caveat")
        for r in c.ranking.itertuples():
            lo, hi = _num(r.rank_low), _num(r.rank_high)
            ranks = f"{r.rank} ({lo:.0f}-{hi:.0f})" if not (math.isnan(lo) or math.isnan(hi)) else f"{r.rank}"
            flag = names(caveat_list(r.criterion, r.estimate, r.ci_low, r.ci_high, r.n)).lower()
            lines.append(f"{r.criterion:<22} {r.judge!s:<{width}}  {interval(r.estimate, r.ci_low, r.ci_high):<25}"
                         f" {int(r.n):>6}  {ranks:<11} {_num(r.p_best):>7.0%}  {flag}".rstrip())
    sig = c.tests[c.tests["p_holm"] < 0.05] if len(c.tests) else c.tests
    lines.append(f"paired tests: {len(sig)} of {len(c.tests)} differ at Holm-adjusted p < 0.05")
    if path is not None:
        lines.append(str(path))
    return "\n".join(lines)


def newest_runs(db: str | Path, n: int) -> list[str]:
    """The ids of the ``n`` newest runs of ``db``, oldest first; a clear error when it holds fewer."""
    if n < 2:
        raise ValueError("--last needs at least 2 runs to compare")
    df = Store(db, create=False).runs()
    if len(df) < n:
        raise ValueError(f"{db} holds {len(df)} runs; --last {n} needs {n}")
    return [str(r) for r in df.sort_values("started_at")["run_id"].iloc[-n:]]


def page_name(labels: list[str], run_ids: list[str]) -> str:
    """A short file name: up to three judge names and a hash of the run ids (``compare-a-vs-b-1f3c9a.html``)."""
    slug = "-vs-".join(re.sub(r"[^A-Za-z0-9]+", "-", lab.split("/")[-1]).strip("-")[:16] or "judge"
                       for lab in labels[:3])
    more = f"-and-{len(labels) - 3}" if len(labels) > 3 else ""
    digest = hashlib.sha1("\0".join(run_ids).encode()).hexdigest()[:6]
    return f"compare-{slug}{more}-{digest}.html"
