"""The report page of an mcq run (protocol ``mcq``): the judge picks the correct option of a question.

The same store, card and metric tables as a pairwise report; the words, the profile and the examples
are the multiple-choice ones (options and slots, never "Response A"). Metric definitions:
docs/metrics.md ("Multiple choice"); the metrics are computed by :mod:`judgekit.stats.mcq`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from judgekit.report.figures import FigureBlock, _layout, _num, _text, embed_figure, format_p, new_figure
from judgekit.report.html import clip, metric_groups, pct
from judgekit.stats.design import headline_metric
from judgekit.types import OPTION_LETTERS

DESCRIPTIONS = {
    "mcq_accuracy": "Share of valid answers that pick the gold option.",
    "mcq_invalid_rate": "Share of answers that name no option of the question (parse failures).",
    "mcq_gold_position_gap": "Accuracy with the gold option in slot A minus accuracy with it in the last slot.",
    "mcq_first_slot_preference": "Share of answers at slot A minus 1/n, in seeded shuffles (0 = no preference).",
    "mcq_last_slot_preference": "Share of answers at the last slot minus 1/n, in seeded shuffles (0 = none).",
    "mcq_cue_pick_rate": "Share of answers that pick the option the cue names.",
    "mcq_cue_shift": "Pick rate of the cued option under the cue minus without it (control).",
    "mcq_cue_net_shift": "Pick rate of the cued option under the cue minus under a neutral text of its length.",
    "mcq_added_text_shift": "Pick rate of the option next to a neutral text minus without it (control).",
    "mcq_accuracy_change": "Accuracy under the cue minus accuracy without it (control).",
}
PROBE_WORDS = {
    "bandwagon": "a crowd opinion naming one option, before the question",
    "authority": "a fake citation or endorsement attached to one option",
    "distraction": "an irrelevant sentence attached to one option",
    "reflection": "a phrase imitating reasoning attached to one option",
}
TESTS = [
    ("accuracy and shares", "share of valid answers; percentile bootstrap resampling items (2,000 replicates)."),
    ("paired shifts and gaps", "per item and arrangement, the difference of two verdicts (cue vs control, cue vs "
                               "neutral control, gold first vs gold last); mean over pairs, items resampled; exact "
                               "sign test over items."),
    ("slot preferences", "share of answers at slot A (or the last slot) minus 1/n in seeded shuffles; a judge "
                         "without a slot preference gives 0 exactly; normal test of the Poisson-binomial count."),
    ("multiplicity", "Benjamini-Hochberg within families: the headline tests (mcq_gold_position_gap, each cue "
                     "probe's mcq_cue_net_shift), the components (mcq_cue_shift, mcq_added_text_shift), and each "
                     "probe's secondary tests."),
]


def _row(metrics: pd.DataFrame, probe: str, metric: str, subset: str = "all") -> dict[str, Any] | None:
    m = metrics[(metrics["probe"] == probe) & (metrics["metric"] == metric) & (metrics["subset"] == subset)]
    return m.iloc[0].to_dict() if len(m) else None


def _ci(r: dict[str, Any]) -> str:
    lo, hi = _num(r["ci_low"]), _num(r["ci_high"])
    return "" if math.isnan(lo) else f" (95% CI {lo * 100:.0f}% to {hi * 100:.0f}%)"


def _points(r: dict[str, Any]) -> str:
    lo, hi = _num(r["ci_low"]), _num(r["ci_high"])
    ci = "" if math.isnan(lo) else f", 95% CI {lo * 100:+.1f} to {hi * 100:+.1f}"
    return f"{_num(r['estimate']) * 100:+.1f} points{ci}"


def _p(r: dict[str, Any]) -> float:
    p = _num(r.get("p_adjusted"))
    return p if not math.isnan(p) else _num(r.get("p_value"))


def headline_text(metrics: pd.DataFrame) -> str:
    """One plain-words paragraph over the mcq metrics of a run."""
    parts: list[str] = []
    if acc := _row(metrics, "position", "mcq_accuracy"):
        parts.append(f"The judge picked the correct option in {pct(_num(acc['estimate']))} of its valid answers"
                     f"{_ci(acc)} over the position probe's presentations.")
    if gap := _row(metrics, "position", "mcq_gold_position_gap"):
        moved = "differs" if _p(gap) < 0.05 else "does not differ detectably"
        parts.append(f"Its accuracy with the gold option first minus last is {_points(gap)} (adjusted p "
                     f"{format_p(_p(gap))}): it {moved} with the gold option's slot.")
    for which, name in (("mcq_first_slot_preference", "slot A"), ("mcq_last_slot_preference", "the last slot")):
        if (r := _row(metrics, "position", which, "shuffle")) and _num(r["ci_low"]) > 0:
            parts.append(f"In shuffled options it picks {name} {_points(r)} more often than 1/n.")
    moved = []
    for probe in dict.fromkeys(metrics["probe"]):
        r = _row(metrics, str(probe), "mcq_cue_net_shift")
        if r and _p(r) < 0.05:
            moved.append(f"{probe} ({_points(r)})")
    cues = [p for p in dict.fromkeys(metrics["probe"]) if _row(metrics, str(p), "mcq_cue_net_shift")]
    if cues:
        named = ": " + ", ".join(moved) if moved else ""
        parts.append(f"Of {len(cues)} cue probes, {len(moved)} moved the judge toward the option the cue names "
                     f"beyond a neutral text of the cue's length (adjusted p < 0.05){named}.")
    if (inv := _row(metrics, "position", "mcq_invalid_rate")) and _num(inv["estimate"]) > 0:
        parts.append(f"{pct(_num(inv['estimate']))} of its answers named no option and were not scored.")
    return " ".join(parts) or "No mcq metric has an estimate for this run."


def profile_rows(metrics: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per probe: its headline metric (subset "all")."""
    out = []
    for probe in dict.fromkeys(metrics["probe"]):
        metric = headline_metric(str(probe), "mcq")
        r = _row(metrics, str(probe), metric)
        if r is None:
            continue
        p = _p(r)
        label = "position (accuracy, gold option first − last)" if probe == "position" else \
            f"{probe} (shift toward the cued option)"
        out.append({"probe": probe, "label": label, "metric": metric, "estimate": _num(r["estimate"]),
                    "ci_low": _num(r["ci_low"]), "ci_high": _num(r["ci_high"]), "n": r["n"], "p_num": p,
                    "p": f"BH-adjusted p {format_p(p)}"})
    return out


def profile_figure(rows: list[dict[str, Any]]) -> FigureBlock:
    block = FigureBlock("mcq-profile", "Bias profile: how far each probe moves the judge",
                        "Each dot is a probe's headline: for position, accuracy with the gold option first minus "
                        "last; for a cue probe, how much more often the judge picks the option the cue names than "
                        "with a neutral text of the cue's length. Bars are 95% intervals; 0 is no bias.")
    rows = [r for r in rows if not math.isnan(r["estimate"])]
    if not rows:
        block.missing = "No probe of this run has a headline estimate."
        return block
    rows = list(reversed(rows))
    fig = new_figure(go.Scatter(
        x=[r["estimate"] for r in rows], y=[r["label"] for r in rows], mode="markers",
        marker={"size": 10, "color": ["#d1495b" if r["p_num"] < 0.05 else "#1f5fa8" for r in rows]},
        error_x={"type": "data", "symmetric": False,
                 "array": [0 if math.isnan(r["ci_high"]) else r["ci_high"] - r["estimate"] for r in rows],
                 "arrayminus": [0 if math.isnan(r["ci_low"]) else r["estimate"] - r["ci_low"] for r in rows]}))
    fig.add_vline(x=0, line={"dash": "dash", "color": "#444"})
    height = 90 + 36 * len(rows)
    _layout(fig, height, showlegend=False)
    fig.update_xaxes(tickformat="+.0%", title_text="shift (95% CI)")
    block.html = embed_figure(fig, height, "jk-fig-mcq-profile")
    return block


def _groups(metrics: pd.DataFrame) -> list[dict[str, Any]]:
    groups = metric_groups(metrics)
    for g in groups:
        for r in g["rows"]:
            r["description"] = r["description"] or DESCRIPTIONS.get(r["metric"], "")
    return groups


def _options(options: list[str], cue_text: str | None) -> list[dict[str, Any]]:
    """The presented options as "A. text" lines, the cue (when attached to one) marked."""
    out = []
    for i, text in enumerate(options):
        cue = bool(cue_text) and text.endswith(" " + str(cue_text))
        body = text[: -len(str(cue_text)) - 1] if cue else text
        out.append({"letter": OPTION_LETTERS[i], "text": clip(body), "cue": cue_text if cue else ""})
    return out


def examples(con: Any, run_id: str, probe: str, limit: int = 4) -> tuple[list[dict[str, Any]], int]:
    """Cued verdicts that picked the cued option where the control of the same item and arrangement did not."""
    rows = con.execute("""
        WITH v AS (SELECT t.item_id, t.condition, t."order", t.cue, t.option_order,
                          vd.choice, vd.chosen, vd.raw, vd.correct, i.prompt, i.options, i.label, i.category
                   FROM trials t JOIN verdicts vd USING (run_id, trial_id)
                   JOIN items i ON i.run_id = t.run_id AND i.item_id = t.item_id
                   WHERE t.run_id = ? AND t.probe = ? AND t.repeat = 0 AND t.mitigation = 'none')
        SELECT c.*, k.choice AS choice_0, k.chosen AS chosen_0, k.raw AS raw_0
        FROM v c JOIN v k ON k.item_id = c.item_id AND k."order" = c."order" AND k.condition = 'control'
        WHERE c.condition LIKE 'cue_%' AND c.chosen = json_extract_string(c.cue, '$.target')
          AND k.chosen IS DISTINCT FROM c.chosen
        ORDER BY hash(c.item_id || c."order"), c.item_id""", [run_id, probe]).df()
    out = []
    for rec in rows.head(limit).to_dict("records"):
        cue = json.loads(rec["cue"]) if isinstance(rec["cue"], str) else {}
        order = json.loads(rec["option_order"])
        original = json.loads(rec["options"])
        shown = [original[i] for i in order]
        attached = cue.get("placement") == "option"
        if attached:
            slot = OPTION_LETTERS.index(cue["slot"])
            shown[slot] = f"{shown[slot]} {cue.get('text', '')}"
        out.append({"item_id": rec["item_id"], "condition": rec["condition"], "label": rec["label"],
                    "category": _text(rec["category"]), "prompt": clip(rec["prompt"]),
                    "cue_in_prompt": "" if attached else cue.get("text", ""), "slot": cue.get("slot", ""),
                    "target": cue.get("target", ""), "options": _options(shown, cue.get("text") if attached else None),
                    "before": f"{rec['choice_0']} (option {_text(rec['chosen_0']) or '—'})",
                    "raw_0": clip(rec["raw_0"]),
                    "after": f"{rec['choice']} (option {rec['chosen']})", "raw": clip(rec["raw"])})
    return out, len(rows)


def build(env: Any, d: dict[str, Any], card: dict[str, Any], *, db: str | Path, run_id: str,
          common: dict[str, Any]) -> str:
    """The HTML of an mcq run's report (``d``: :func:`judgekit.report.build.gather`)."""
    import duckdb

    from judgekit.store.sessions import session_cursor

    metrics = d["metrics"]
    profile = profile_rows(metrics)
    probes = []
    with session_cursor(db) or duckdb.connect(str(db), read_only=True) as con:
        for probe in [p for p in dict.fromkeys(metrics["probe"]) if p not in ("position", "all")]:
            m = metrics[metrics["probe"] == probe]
            ex, n = examples(con, run_id, str(probe))
            head = next((r for r in profile if r["probe"] == probe), None)
            probes.append({"probe": probe, "words": PROBE_WORDS.get(str(probe), "a cue naming one option"),
                           "sentence": f"Headline mcq_cue_net_shift: {_points(head)}; {head['p']}, n = {head['n']} "
                                       "pairs." if head else "", "rows": [r for g in _groups(m) for r in g["rows"]],
                           "examples": ex, "n_moved": n})
    pos = metrics[metrics["probe"] == "position"]
    return str(env.get_template("mcq.html.j2").render(
        headline=headline_text(metrics), profile=profile_figure(profile), profile_rows=profile, probes=probes,
        position={"rows": [r for g in _groups(pos) for r in g["rows"]]} if len(pos) else None,
        all_groups=_groups(metrics), card=card, card_json=json.dumps(card, indent=2, ensure_ascii=False),
        tests=TESTS, **common))
