"""What the command line prints about a run: the summary after ``eval``, ``judgekit metrics`` and ``judgekit runs``.

Everything here reads the stored ``metrics`` table; no number is computed here. The module
imports neither pandas nor the statistics stack, so ``judgekit runs`` starts fast: it takes
metric rows as plain dicts (``metric_rows`` reads them with DuckDB alone).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from judgekit.liveness import shown_status
from judgekit.stats.design import RATE_HEADLINES

Row = dict[str, Any]

CUE_HEADLINES = ("cue_net_effect", "bias_effect")
POSITION_HEADLINES = ("first_position_rate", "position_consistency")
#: headline rates read against a no-discrimination line (shown unsigned)
RATES = tuple(metric for metric, _ in RATE_HEADLINES.values())
MITIGATION_METRICS = ("mitigation_bias_change", "mitigation_accuracy_change", "mitigation_tie_rate",
                      "mitigation_extra_tokens")
_DECODING_NAMES = {"temperature": "temperature", "top_p": "top-p", "top_k": "top-k", "max_tokens": "max tokens",
                   "max_new_tokens": "max new tokens", "mode": "mode", "logprobs": "logprobs", "dtype": "dtype",
                   "device": "device", "batch_size": "batch size", "do_sample": "sampling", "n": "samples",
                   "stop": "stop", "seed": "seed"}


def headline_metric(probe: str, available: Iterable[str]) -> str | None:
    """The metric that answers "did this probe move the judge?" for ``probe``, among ``available`` names.

    Position: ``first_position_rate``, else ``position_consistency``. Cue probes: ``cue_net_effect``
    (the cue beyond the text it adds) when the run stored it, else ``bias_effect``. ``None`` when
    the run has none of them (e.g. the cross-probe ``all`` rows).
    """
    from judgekit.stats.design import headline_metric as preferred  # the one definition (stdlib only)
    from judgekit.stats.design import protocol_of

    have = set(available)
    first = preferred(probe, protocol_of(have))
    if first in have:
        return first
    # runs stored before the preferred metric existed: the next best they have
    order = POSITION_HEADLINES if probe == "position" else CUE_HEADLINES
    return next((m for m in order if m in have), None)


# -- reading --------------------------------------------------------------------------------------
def _connect(db: str | Path) -> Any:
    import duckdb

    from judgekit.store.sessions import session_cursor

    if not Path(db).is_file():
        raise ValueError(f"{db}: no such judgekit database")
    try:
        return session_cursor(db) or duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise ValueError(f"cannot open {db}: {' '.join(str(exc).split())}") from None


def _records(con: Any, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def metric_rows(db: str | Path, run_id: str) -> list[Row]:
    """The stored metrics of ``run_id`` as dicts (the ``metrics`` table; DuckDB only, no pandas)."""
    con = _connect(db)
    try:
        if not con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone():
            raise ValueError(f"{db}: no run with id {run_id!r}")
        return _records(con, "SELECT * FROM metrics WHERE run_id = ? ORDER BY probe, metric, subset", [run_id])
    finally:
        con.close()


def run_info(db: str | Path, run_id: str) -> Row:
    """The ``runs`` row of a run, its ``config`` parsed (DuckDB only)."""
    con = _connect(db)
    try:
        rows = _records(con, "SELECT run_id, suite, judge, dataset, status, config FROM runs WHERE run_id = ?",
                        [run_id])
    finally:
        con.close()
    if not rows:
        raise ValueError(f"{db}: no run with id {run_id!r}")
    rec = rows[0]
    try:
        rec["config"] = json.loads(rec["config"]) if isinstance(rec["config"], str) else (rec["config"] or {})
    except ValueError:
        rec["config"] = {}
    return rec


def items_per_probe(db: str | Path, run_id: str) -> dict[str, int]:
    """Distinct items judged by each probe of a run (unmitigated trials)."""
    con = _connect(db)
    try:
        rows = con.execute("SELECT probe, count(DISTINCT item_id) FROM trials WHERE run_id = ? "
                           "AND coalesce(mitigation, 'none') = 'none' GROUP BY probe", [run_id]).fetchall()
    finally:
        con.close()
    return {str(p): int(n) for p, n in rows}


def latest_run_id(db: str | Path) -> str:
    con = _connect(db)
    try:
        row = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    finally:
        con.close()
    if not row:
        raise ValueError(f"{db} holds no runs yet")
    return str(row[0])


# -- formatting -----------------------------------------------------------------------------------
def _missing(x: Any) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def num(x: Any, signed: bool = False) -> str:
    """Three decimals (``–`` for a missing value)."""
    return "–" if _missing(x) else (f"{float(x):+.3f}" if signed else f"{float(x):.3f}")


def pval(x: Any) -> str:
    if _missing(x):
        return "–"
    return "<0.001" if float(x) < 0.001 else f"{float(x):.3f}"


def interval(r: Row, signed: bool = False) -> str:
    if _missing(r.get("ci_low")) or _missing(r.get("ci_high")):
        return "[–, –]"
    return f"[{num(r['ci_low'], signed)}, {num(r['ci_high'], signed)}]"


def pp(x: Any) -> str:
    return "–" if _missing(x) else f"{100 * float(x):+.1f} pp"


def decoding_text(decoding: dict[str, Any] | None) -> str:
    """Decoding settings in words, e.g. ``temperature 0.7, top-p 0.9, max tokens 512``."""
    if not decoding:
        return "the backend's defaults"
    parts = []
    for k, v in decoding.items():
        if v is None:
            continue
        name = _DECODING_NAMES.get(k, k.replace("_", " "))
        parts.append(f"{name} {json.dumps(v) if isinstance(v, list | dict) else v}")
    return ", ".join(parts) or "the backend's defaults"


def table(rows: list[list[str]], header: list[str], indent: str = "  ") -> list[str]:
    """Left-aligned columns; numbers stay readable without a library."""
    cells = [header, *rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return [(indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))).rstrip() for r in cells]


# -- the summary ----------------------------------------------------------------------------------
def probe_rows(metrics: list[Row], order: Sequence[str] = ()) -> list[Row]:
    """One stored row per probe: its headline metric (subset ``all``), probes in ``order`` first."""
    overall = [r for r in metrics if (r.get("subset") or "all") == "all"]
    by_probe: dict[str, dict[str, Row]] = {}
    for r in overall:
        by_probe.setdefault(str(r["probe"]), {})[str(r["metric"])] = r
    out = []
    rank = {p: i for i, p in enumerate(order)}
    for probe, rows in sorted(by_probe.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])):
        m = headline_metric(probe, rows)
        if m is not None:
            out.append(rows[m])
    return out


def probe_lines(metrics: list[Row], items: dict[str, int] | None = None, order: Sequence[str] = ()) -> list[str]:
    rows = probe_rows(metrics, order)
    if not rows:
        return []
    body = []
    for r in rows:
        signed = r["metric"] not in (*RATES, "position_consistency")
        adj = r.get("p_adjusted")
        p = f"{pval(adj)}" if not _missing(adj) else (f"{pval(r.get('p_value'))} (unadjusted)"
                                                      if not _missing(r.get("p_value")) else "–")
        n_items = str(items.get(str(r["probe"]), "")) if items else ""
        body.append([str(r["probe"]), str(r["metric"]), num(r["estimate"], signed), interval(r, signed), p,
                     str(r.get("n") if r.get("n") is not None else "–"), n_items])
    header = ["probe", "headline", "estimate", "95% CI", "p (BH-adjusted)", "n", "items"]
    return ["per probe (headline estimate, 95% interval):", *table(body, header)]


def _mitigation_cells(metrics: list[Row], order: Sequence[str] = ()) -> list[tuple[str, str, dict[str, Row]]]:
    """(bias, mitigation, {metric: stored row}) for every mitigation cell, biases in ``order`` first."""
    cells: dict[tuple[str, str], dict[str, Row]] = {}
    for r in metrics:
        subset = str(r.get("subset") or "")
        if str(r["metric"]).startswith("mitigation_") and subset.startswith("mitigation:"):
            cells.setdefault((str(r["probe"]), subset.removeprefix("mitigation:")), {})[str(r["metric"])] = r
    rank = {p: i for i, p in enumerate(order)}
    return [(p, m, c) for (p, m), c in sorted(cells.items(), key=lambda kv: (rank.get(kv[0][0], len(rank)), kv[0]))]


def generation_lines(db: str, run_id: str) -> list[str]:
    """What a run generated before judging: the judge's own answers (self-preference) and the sentiment
    rewrites, with how many rewrites failed their fact check and fell back to the offline rewrite."""
    config = run_info(db, run_id)["config"]
    out = []
    own = config.get("self_preference_answers")
    if own:
        out.append(f"self-preference: {own['answered']}/{own['n_items']} own answers by {own['judge']} "
                   f"(paired with the {own.get('pair_with', 'gold')} response)")
    rw = config.get("sentiment_rewrites")
    if rw:
        out.append(f"sentiment: {rw['rewritten']}/{rw['responses']} responses rewritten by {rw['rewriter']}; "
                   f"{rw['fallback']} failed the fact check and got the template rewrite")
        out += [f"  {k}: {why}" for k, why in list(rw.get("fallback_reasons", {}).items())[:5]]
    return out


def _mode_label(name: str) -> str:
    """A mitigation as the console names it: ``judge mode cot`` for a judge mode."""
    from judgekit.mitigations import mitigation_label

    return mitigation_label(name)


def mitigation_lines(metrics: list[Row], order: Sequence[str] = ()) -> list[str]:
    body = []
    for probe, mit, c in _mitigation_cells(metrics, order):
        if not any(m in c for m in MITIGATION_METRICS):
            continue
        b, a = c.get("mitigation_bias_change", {}), c.get("mitigation_accuracy_change", {})
        t, x = c.get("mitigation_tie_rate", {}), c.get("mitigation_extra_tokens", {})
        ci = "" if _missing(b.get("ci_low")) else f" [{pp(b['ci_low'])[:-3]}, {pp(b['ci_high'])[:-3]}]"
        body.append([probe, _mode_label(mit), pp(b.get("estimate")) + ci, pp(a.get("estimate")),
                     "–" if _missing(t.get("estimate")) else f"{100 * float(t['estimate']):.1f}%",
                     "–" if _missing(x.get("estimate")) else f"{float(x['estimate']):.1f}"])
    if not body:
        return []
    header = ["bias", "mitigation", "change in bias (95% CI)", "change in accuracy", "tie rate",
              "extra tokens/verdict"]
    return ["per mitigation and bias:", *table(body, header)]


#: a fix whose tie rate reaches this share is flagged: it may look good by answering "tie"
TIE_WARNING = 0.25


def _points(x: Any, signed: bool = False) -> str:
    """A difference in proportions as percentage points, one decimal (the table's precision)."""
    return f"{100 * float(x):+.1f}" if signed else f"{100 * float(x):.1f}"


def _share(x: Any) -> str:
    return f"{100 * float(x):.1f}%"


def _has_ci(r: Row) -> bool:
    return not (_missing(r.get("estimate")) or _missing(r.get("ci_low")) or _missing(r.get("ci_high")))


def mitigation_advice(metrics: list[Row], order: Sequence[str] = ()) -> list[str]:
    """One recommendation sentence per bias that was measured under a mitigation, from the stored rows only.

    The recommended fix is the one with the largest reduction in the size of the bias
    (``mitigation_bias_change``) whose 95% interval lies below 0, stated with that interval, its
    change in gold accuracy and its tie rate. Then warnings, for every fix of that bias: one whose
    ``mitigation_overshoot`` interval lies above 0 (the bias reversed), one whose change interval
    lies above 0 (the bias grew), and one that answered tie in at least :data:`TIE_WARNING` of
    its verdicts. Every number is a stored estimate or interval bound, in percentage points
    (one decimal, as in the tables) or percent.
    """
    by_probe: dict[str, list[tuple[str, dict[str, Row]]]] = {}
    for probe, mit, c in _mitigation_cells(metrics, order):
        by_probe.setdefault(probe, []).append((mit, c))
    out = []
    for probe, fixes in by_probe.items():
        change = {m: c["mitigation_bias_change"] for m, c in fixes
                  if "mitigation_bias_change" in c and _has_ci(c["mitigation_bias_change"])}
        if not change:
            continue
        cut = {m: r for m, r in change.items() if float(r["ci_high"]) < 0}
        best = min(cut, key=lambda m: float(cut[m]["estimate"])) if cut else None
        if best is not None:
            r, c = cut[best], dict(fixes)[best]
            extra = []
            acc, tie = c.get("mitigation_accuracy_change", {}), c.get("mitigation_tie_rate", {})
            if _has_ci(acc):
                extra.append(f"accuracy {_points(acc['estimate'], True)} points "
                             f"[{_points(acc['ci_low'], True)}, {_points(acc['ci_high'], True)}]")
            if not _missing(tie.get("estimate")):
                share = _share(tie["estimate"])
                extra.append(f"answered tie {share} of the time" if float(tie["estimate"]) >= TIE_WARNING
                             else f"ties {share} of verdicts")
            text = (f"{_mode_label(best)} cut {probe} by {_points(-float(r['estimate']))} points "
                    f"[{_points(-float(r['ci_high']))}, {_points(-float(r['ci_low']))}]"
                    + (f" ({', '.join(extra)})" if extra else ""))
        else:
            text = f"no fix measurably cut {probe} (every interval of the change in its size reaches 0 or above)"
        warnings = []
        for m, c in fixes:
            over, grew, tie = (c.get("mitigation_overshoot", {}), change.get(m, {}),
                               c.get("mitigation_tie_rate", {}))
            if _has_ci(over) and float(over["ci_low"]) > 0:
                warnings.append(f"{m} overshot: it left {_points(over['estimate'])} points "
                                f"[{_points(over['ci_low'])}, {_points(over['ci_high'])}] of {probe} "
                                "in the opposite direction")
            if _has_ci(grew) and float(grew["ci_low"]) > 0:
                warnings.append(f"{m} made {probe} larger by {_points(grew['estimate'])} points "
                                f"[{_points(grew['ci_low'])}, {_points(grew['ci_high'])}]")
            if m != best and not _missing(tie.get("estimate")) and float(tie["estimate"]) >= TIE_WARNING:
                warnings.append(f"{m} answered tie {_share(tie['estimate'])} of the time")
        out.append("; ".join([text, *warnings]) + ".")
    return out


#: pointwise runs: the score shift shown per probe, the first one the run has
SCORE_HEADLINES = ("score_shift_net", "score_shift")


def score_lines(metrics: list[Row], order: Sequence[str] = ()) -> list[str]:
    """Pointwise runs: per cue probe, the cued response's score shift in points (net of the neutral insertion
    where the run has it), and the tie rate of the scores; nothing for other runs."""
    by_probe: dict[str, dict[str, Row]] = {}
    for r in metrics:
        if (r.get("subset") or "all") == "all" and r["metric"] in (*SCORE_HEADLINES, "score_tie_rate"):
            by_probe.setdefault(str(r["probe"]), {})[str(r["metric"])] = r
    rank = {p: i for i, p in enumerate(order)}
    body = []
    for probe, rows in sorted(by_probe.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])):
        m = next((x for x in SCORE_HEADLINES if x in rows), None)
        if m is None:
            continue
        r = rows[m]
        est = "–" if _missing(r.get("estimate")) else f"{float(r['estimate']):+.2f}"
        body.append([probe, m, est, _points_interval(r), pval(r.get("p_value")),
                     str(r.get("n") if r.get("n") is not None else "–")])
    ties = [r for rows in by_probe.values() for k, r in rows.items() if k == "score_tie_rate"]
    if not body and not ties:
        return []
    out = []
    if body:
        out = ["score shift of the cued response (points of the scale, 95% interval; each response scored alone):",
               *table(body, ["probe", "metric", "estimate", "95% CI", "p (sign test)", "n pairs"])]
    if ties and not _missing(ties[0].get("estimate")):
        out.append(f"tied scores (equal scores, a tie verdict): {_share(ties[0]['estimate'])} of "
                   f"{ties[0].get('n')} items")
    return out


def _points_interval(r: Row) -> str:
    if _missing(r.get("ci_low")) or _missing(r.get("ci_high")):
        return "–"
    return f"[{float(r['ci_low']):+.2f}, {float(r['ci_high']):+.2f}]"


def summary_lines(metrics: list[Row], items: dict[str, int] | None = None, order: Sequence[str] = ()) -> list[str]:
    """The console summary of a run: headline per probe (in ``order``), score shifts of a pointwise run, then
    mitigation x bias."""
    out = probe_lines(metrics, items, order) + score_lines(metrics, order)
    mit = mitigation_lines(metrics, order)
    if mit:
        out += mit
        advice = mitigation_advice(metrics, order)
        if advice:
            out += ["recommendation:", *(f"  {line}" for line in advice)]
    return out


def dump_lines(metrics: list[Row]) -> list[str]:
    """Every stored metric row, subsets included (``--verbose``, ``judgekit metrics``)."""
    body = [[str(r["probe"]), str(r["metric"]), str(r.get("subset") or "all"), num(r["estimate"]), interval(r),
             pval(r.get("p_value")), pval(r.get("p_adjusted")), str(r.get("n") if r.get("n") is not None else "–")]
            for r in metrics]
    return table(body, ["probe", "metric", "subset", "estimate", "95% CI", "p", "p adjusted", "n"])


# -- judgekit runs --------------------------------------------------------------------------------
def runs_lines(db: str | Path) -> list[str]:
    """One line per run: status, suite, judge, counts, mitigations and the strongest headline."""
    con = _connect(db)
    try:
        runs = _records(con, "SELECT run_id, suite, judge, dataset, status, started_at, n_trials, n_verdicts, "
                             "n_invalid, n_errors FROM run_summary ORDER BY started_at")
        mits = dict(con.execute("SELECT run_id, json_extract_string(config, '$.mitigations') FROM runs").fetchall())
        rows = _records(con, "SELECT run_id, probe, metric, estimate, ci_low, ci_high, p_value, p_adjusted "
                             "FROM metrics WHERE coalesce(subset, 'all') = 'all'")
    finally:
        con.close()
    if not runs:
        return ["no runs"]
    per_run: dict[str, list[Row]] = {}
    for r in rows:
        per_run.setdefault(str(r["run_id"]), []).append(r)
    body = []
    for r in runs:
        heads = probe_rows(per_run.get(str(r["run_id"]), []))
        body.append([str(r["run_id"]), shown_status(str(r["status"]), db), str(r["suite"]), str(r["judge"]),
                     f"{r['n_verdicts']}/{r['n_trials']}", str(r["n_errors"]), _mitigations(mits.get(r["run_id"])),
                     _strongest(heads), str(r["started_at"])[:16]])
    header = ["run_id", "status", "suite", "judge", "verdicts", "errors", "mitigations", "strongest headline",
              "started"]
    return table(body, header, indent="")


def _mitigations(raw: str | None) -> str:
    try:
        names = [m for m in json.loads(raw or "[]") if m != "none"]
    except (TypeError, ValueError):
        names = []
    return ",".join(names) or "–"


def _strongest(heads: list[Row]) -> str:
    """The headline with the smallest p (adjusted where stored), and how many probes the run has."""
    if not heads:
        return "–"

    def key(r: Row) -> float:
        p = r.get("p_adjusted") if not _missing(r.get("p_adjusted")) else r.get("p_value")
        return 2.0 if _missing(p) else float(p)

    best = min(heads, key=key)
    signed = best["metric"] not in POSITION_HEADLINES
    more = f" (+{len(heads) - 1} probes)" if len(heads) > 1 else ""
    return f"{best['probe']} {best['metric']} {num(best['estimate'], signed)} {interval(best, signed)}{more}"
