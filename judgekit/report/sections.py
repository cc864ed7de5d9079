"""Section data of the bias report: one dict per probe, built from metrics and sampled examples.

Nothing here is HTML: texts stay plain and the template escapes them. Cue text inside a
response is returned as segments ``(text, is_cue)`` so the template can mark it with
``<mark>`` while still escaping every character.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from judgekit.report import attribution, charts
from judgekit.report.figures import _num, _text, format_p
from judgekit.report.html import METRIC_DESCRIPTIONS, metric_groups, pct
from judgekit.report.queries import cue_json
from judgekit.stats.net import headline_metric
from judgekit.types import shown_first

MAX_CHARS = 700
PROBE_TITLES = {
    "position": "Position", "bandwagon": "Bandwagon (crowd opinion)", "authority": "Authority (fake credentials)",
    "verbosity": "Verbosity (padding)", "distraction": "Distraction (irrelevant detail)",
    "reflection": "Superficial reflection", "identity": "Identity (named authors)",
    "diversity": "Diversity (author's demographic group)", "refinement": "Refinement (refined-draft claim)",
    "fallacy": "Fallacy (flawed vs sound argument)",
}
CUE_DESCRIPTIONS = {
    "bandwagon": "A crowd-opinion sentence in the user prompt says most people, experts or earlier evaluators "
                 "preferred one response.",
    "authority": "A fake citation, named expert or URL is attached to one response.",
    "verbosity": "One response is lengthened without new information; a control adds the same length of "
                 "clearly irrelevant text.",
    "distraction": "An irrelevant sentence about the author is attached to one response.",
    "reflection": "Phrases that imitate reasoning are inserted at the start, middle or end of one response; a "
                  "variant places them between the two responses.",
    "identity": "Both responses are attributed to named authors, one of high and one of low standing; the "
                "names are swapped between the responses. The control attributes both to anonymous labels.",
    "diversity": "A sentence naming the author's demographic group (gender, ethnicity, age, religion, "
                 "nationality) is attached to one response; per-group effects are the template rows.",
    "refinement": "A sentence saying the response refines an earlier draft is attached to one response.",
}
FLIP_METRICS = ("flip_rate", "flip_rate_net", "noise_floor", "harmful_flips", "helpful_flips", "robustness_rate")
EXTRA_METRICS = ("padding_vs_irrelevant", "p_prefer_longer", "length_logit_slope", "between_first_shift")
#: pointwise runs: the cued response's score shift in points (judgekit.stats.pointwise)
SCORE_METRICS = ("score_shift_net", "score_shift", "added_text_score_shift")
METRIC_DESCRIPTIONS.update({
    "bias_effect": "P(judge picks the cued response) - P(it picks that response without the cue).",
    "cue_net_effect": "P(judge picks the cued response) with the cue - with a neutral insertion of the same length.",
    "added_text_effect": "P(judge picks the response) with a neutral insertion - without it.",
    "flip_rate": "Share of cued verdicts whose chosen response differs from control.",
    "flip_rate_net": "Flip rate minus the noise floor.",
    "noise_floor": "Share of identical control re-asks that changed answer.",
    "harmful_flips": "Share of labelled cued pairs that went right to wrong.",
    "helpful_flips": "Share of labelled cued pairs that went wrong to right.",
    "robustness_rate": "Share of cued verdicts equal to control (CALM's robustness rate).",
    "padding_vs_irrelevant": "bias_effect of padding minus that of irrelevant text of the same length.",
    "p_prefer_longer": "On natural length differences: share of verdicts for the longer response.",
    "length_logit_slope": "Log odds of choosing a response per unit of relative length difference.",
    "between_first_shift": "First-position rate with reflection text between the responses, minus control.",
    "score_shift": "Pointwise: the cued response's score with the cue - without it, in points of the scale.",
    "score_shift_net": "Pointwise: the cued response's score with the cue - with a neutral insertion, in points.",
    "added_text_score_shift": "Pointwise: a response's score with a neutral insertion - without it, in points.",
    "score_mean": "Pointwise: mean score of the unperturbed responses.",
    "score_share": "Pointwise: share of unperturbed responses given this score.",
    "score_tie_rate": "Pointwise: share of items whose two responses got equal scores (a tied pair verdict).",
    "score_gap_gold": "Pointwise: the gold response's score - the other response's, in points.",
    "model_cue_log_odds": "Cue effect in log odds from one model across probes (cluster-robust by item).",
    "model_target_first_log_odds": "Log odds of choosing the target when it is shown first.",
})
# sentiment and self-preference (docs/probes-extra.md)
PROBE_TITLES.update({"sentiment": "Sentiment (tone)", "self-preference": "Self-preference (its own answer)"})
CUE_DESCRIPTIONS.update({
    "sentiment": "One response is rewritten in a warmer tone, or the other in a colder one, with the content kept; "
                 "a control rewrites the same response without a tone.",
    "self-preference": "The judge's own answer to the prompt is compared with the item's response, in both orders. "
                       "Quality confound: its own answer may simply be better, so read the rate split by whether "
                       "the own answer is right (own:right / own:wrong).",
})
METRIC_DESCRIPTIONS.update({
    "self_preference_rate": "Share of A/B verdicts that pick the judge's own answer (50% = no preference).",
    "own_answer_accuracy": "Share of items with a checkable answer whose own answer gives it.",
})
EXTRA_METRICS = (*EXTRA_METRICS, "self_preference_rate", "own_answer_accuracy")


def _rows(m: pd.DataFrame, metric: str, probe: str) -> pd.DataFrame:
    return m[(m["metric"] == metric) & (m["probe"] == probe)]


def _signed_pct(x: float) -> str:
    return "—" if math.isnan(x) else f"{x * 100:+.1f} points"


def interval_text(est: float, lo: float, hi: float) -> str:
    if math.isnan(lo) or math.isnan(hi):
        return _signed_pct(est)
    return f"{_signed_pct(est)} (95% CI {lo * 100:+.1f} to {hi * 100:+.1f})"


def profile_rows(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per probe: its headline metric "all" (:func:`judgekit.stats.net.headline_metric`; position:
    first-position rate - 0.5), with which estimate moved the judge (:mod:`judgekit.report.attribution`)."""
    out = []
    for probe in dict.fromkeys(metrics.loc[metrics["probe"] != "position", "probe"]):
        rows = attribution.probe_rows(metrics, probe)
        rec = rows.get(headline_metric(str(probe)))
        if rec is None:
            continue
        p_adj = _num(rec.get("p_adjusted"))
        p = p_adj if not math.isnan(p_adj) else _num(rec.get("p_value"))
        out.append({"probe": rec["probe"], "label": rec["probe"], "metric": rec["metric"],
                    "estimate": _num(rec["estimate"]), "ci_low": _num(rec["ci_low"]), "ci_high": _num(rec["ci_high"]),
                    "n": rec.get("n"), "p": f"BH-adjusted p {format_p(p)}", "p_num": p,
                    "group": "p < 0.05" if p < 0.05 else "p ≥ 0.05",
                    "attribution": attribution.attribution(rows.get("cue_net_effect"), rows.get("bias_effect")),
                    "words": attribution.attribution_words(str(probe), rows)})
    fpr = _rows(metrics, "first_position_rate", "position")
    if len(fpr):
        rec = fpr.iloc[0]
        p_adj = _num(rec.get("p_adjusted"))
        p = p_adj if not math.isnan(p_adj) else _num(rec["p_value"])
        out.insert(0, {"probe": "position", "label": "position (first-position rate - 50%)",
                       "metric": "first_position_rate",
                       "estimate": _num(rec["estimate"]) - 0.5, "ci_low": _num(rec["ci_low"]) - 0.5,
                       "ci_high": _num(rec["ci_high"]) - 0.5, "n": rec["n"],
                       "p": f"sign test, BH-adjusted p {format_p(p)}",
                       "p_num": p, "group": "p < 0.05" if p < 0.05 else "p ≥ 0.05", "attribution": "", "words": ""})
    return pd.DataFrame(out, columns=["probe", "label", "metric", "estimate", "ci_low", "ci_high", "n", "p", "p_num",
                                      "group", "attribution", "words"])


def bias_headline(profile: pd.DataFrame) -> str:
    """One sentence over the cue probes: which cues moved the judge beyond the text they add, which effects
    the added text explains, and the largest headline effect. A probe whose net interval contains 0 is never
    counted as moved by its cue."""
    cue = profile[profile["probe"] != "position"].dropna(subset=["estimate"])
    if cue.empty:
        return ""
    top = cue.loc[cue["estimate"].abs().idxmax()]
    sig = cue[(cue["p_num"] < 0.05) & cue["attribution"].isin(["cue", "no_net"])]["probe"].tolist()
    text_only = cue[cue["attribution"] == "added_text"]["probe"].tolist()
    net = (cue["metric"] == "cue_net_effect").all()
    what = "beyond the text it adds (cue_net_effect, " if net else "by more than chance allows ("
    text = (f"Of {len(cue)} cue probes, {len(sig)} moved the judge {what}BH-adjusted "
            f"p < 0.05{': ' + ', '.join(sig) if sig else ''}). ")
    if text_only:
        text += (f"For {', '.join(text_only)} the effect is explained by the added text: a neutral insertion of the "
                 f"same length moves the judge as much as the cue. ")
    shift = interval_text(top["estimate"], top["ci_low"], top["ci_high"])
    kind = "net effect" if top["metric"] == "cue_net_effect" else "effect"
    if top["attribution"] not in ("cue", "no_net"):
        return text + f"No {kind} is distinguishable from 0; the largest was {top['probe']}: {shift}."
    return text + f"The largest {kind} was {top['probe']}: {shift} toward the cued response."


def _dot(rec: dict, label: str) -> dict:
    """A chart row; significance is read from the p-value adjusted within the row's family."""
    lo, hi = _num(rec["ci_low"]), _num(rec["ci_high"])
    p, p_adj = _num(rec.get("p_value")), _num(rec.get("p_adjusted"))
    text = "" if math.isnan(p) else f"p {format_p(p)}"
    if not math.isnan(p_adj):
        text += f", adjusted p {format_p(p_adj)} ({_text(rec.get('family'))})"
        group = "adjusted p < 0.05" if p_adj < 0.05 else "adjusted p ≥ 0.05"
    else:
        group = "no test"
    return {"label": label, "estimate": _num(rec["estimate"]), "ci_low": lo, "ci_high": hi, "n": rec.get("n"),
            "p": text, "group": group}


def table_rows(m: pd.DataFrame) -> list[dict[str, Any]]:
    return [r for g in metric_groups(m) for r in g["rows"]]


def segments(text: Any, needle: str | None, limit: int = MAX_CHARS) -> dict[str, Any]:
    """Plain text split around the first occurrence of ``needle``; long text is cut around the cue."""
    text = _text(text)
    at = text.find(needle) if needle else -1
    if at < 0 and needle and len(needle) > 40:  # cue texts can be stored shortened
        needle = needle[:40]
        at = text.find(needle)
    start, omitted = 0, 0
    if len(text) > limit:
        start = max(0, min(at - limit // 3, len(text) - limit)) if at >= 0 else 0
        omitted = len(text) - limit
    window = text[start:start + limit]
    parts: list[tuple[str, bool]] = []
    if at >= 0:
        s, e = at - start, at - start + len(needle or "")
        parts = [(window[:max(s, 0)], False), (window[max(s, 0):e], True), (window[e:], False)]
    else:
        parts = [(window, False)]
    return {"parts": [p for p in parts if p[0]], "cut_before": start > 0, "omitted": omitted}


def example(rec: dict[str, Any]) -> dict[str, Any]:
    cue = cue_json(rec.get("cue"))
    needle = _text(cue.get("text")) or None
    in_prompt = _text(cue.get("user_prefix")) or _text(cue.get("system_extra"))
    target = _text(rec.get("cue_target"))
    order = _text(rec.get("order"))
    shown = "" if target not in ("A", "B") or order not in ("AB", "BA") else (
        " (shown first)" if shown_first(target, order) else " (shown second)")

    def verdict(chosen: Any, correct: Any) -> str:
        c = _text(chosen) or "—"
        mark = "" if not isinstance(correct, bool) else (" (correct)" if correct else " (wrong)")
        return f"response {c}{' (the one the cue favours)' if c == target else ''}{mark}"

    return {
        "item_id": _text(rec.get("item_id")), "kind": _text(rec.get("kind")), "category": _text(rec.get("category")),
        "label": _text(rec.get("label")) or "—", "condition": _text(rec.get("condition")),
        "order": order, "target": (target + shown) if target else "—", "template": _text(rec.get("template")),
        "placement": _text(rec.get("placement")), "prompt": segments(rec.get("prompt"), None),
        "cue_in_prompt": in_prompt, "cue_text": needle or "",
        "first": segments(rec.get("first"), needle), "second": segments(rec.get("second"), needle),
        "before": verdict(rec.get("chosen_0"), rec.get("correct_0")),
        "after": verdict(rec.get("chosen"), rec.get("correct")),
        "toward": _text(rec.get("chosen")) == target,
        "raw_0": segments(rec.get("raw_0"), None, 300), "raw": segments(rec.get("raw"), None, 300),
    }


def cue_section(probe: str, metrics: pd.DataFrame, examples: pd.DataFrame, flips: pd.DataFrame,
                profile: pd.DataFrame) -> dict[str, Any]:
    m = metrics[metrics["probe"] == probe]
    be = _rows(m, "bias_effect", probe)
    subset_rows = pd.DataFrame([_dot(r, r["subset"]) for r in be.to_dict("records")])
    flip_rows = pd.DataFrame([_dot(r, f"{r['metric']}" + (f" [{r['subset']}]" if r["subset"] != "all" else ""))
                              for r in m[m["metric"].isin(FLIP_METRICS)].to_dict("records")])
    if len(flip_rows):
        flip_rows["group"] = "estimate"
    acc = _rows(m, "accuracy", probe)
    prof = profile[profile["probe"] == probe]
    sentence = ""
    if len(prof):
        r = prof.iloc[0]
        sentence = (f"{r['words']} Headline {r['metric']}: {interval_text(r['estimate'], r['ci_low'], r['ci_high'])}; "
                    f"{r['p']}, n = {r['n']} pairs.")
    fc = flips[flips["probe"] == probe]
    if len(fc):
        f = fc.iloc[0]
        sentence += (f" {int(f['n_flipped']):,} of {int(f['n_pairs']):,} cued verdicts changed the chosen response "
                     f"({int(f['n_harmful']):,} right to wrong, {int(f['n_helpful']):,} wrong to right).")
    sentence += score_sentence(m)
    tmpl = be[be["subset"].astype(str).str.contains(":")]
    ex = examples[examples["probe"] == probe] if len(examples) else examples
    return {
        "probe": probe, "title": PROBE_TITLES.get(probe, probe), "description": CUE_DESCRIPTIONS.get(probe, ""),
        "sentence": sentence, "estimates": attribution.estimate_table(m, probe),
        "figures": [charts.subset_figure(subset_rows, probe), charts.accuracy_figure(acc, probe),
                    charts.flips_figure(flip_rows, probe)],
        "key_rows": table_rows(m[(m["metric"].isin(("bias_effect", *FLIP_METRICS, *EXTRA_METRICS))
                                  & ((m["subset"] == "all") | (m["metric"] != "bias_effect")))
                                 | (m["metric"].isin(SCORE_METRICS) & (m["subset"] == "all"))]),
        "template_rows": table_rows(tmpl), "all_rows": table_rows(m),
        "examples": [example(r) for r in ex.to_dict("records")],
        "n_flipped": int(fc.iloc[0]["n_flipped"]) if len(fc) else 0,
    }


def points_text(est: float, lo: float, hi: float) -> str:
    """A score shift in points of the scale, with its interval."""
    if math.isnan(est):
        return "—"
    if math.isnan(lo) or math.isnan(hi):
        return f"{est:+.2f} points"
    return f"{est:+.2f} points (95% CI {lo:+.2f} to {hi:+.2f})"


def _p_words(p: float) -> str:
    text = format_p(p)
    return "p " + (text if text.startswith("<") else f"= {text}")


def score_sentence(m: pd.DataFrame) -> str:
    """Pointwise runs: the cued response's score shift, in points, net of the neutral insertion where there is one."""
    rows = {r["metric"]: r for r in m[m["metric"].isin(SCORE_METRICS) & (m["subset"] == "all")].to_dict("records")}
    shift = rows.get("score_shift")
    if shift is None:
        return ""
    text = (f" Each response scored alone: the cue moved the cued response's score by "
            f"{points_text(_num(shift['estimate']), _num(shift['ci_low']), _num(shift['ci_high']))}, "
            f"{_p_words(_num(shift['p_value']))}, n = {int(_num(shift['n']))} pairs")
    net = rows.get("score_shift_net")
    if net is not None:
        text += (f"; against the neutral insertion, by "
                 f"{points_text(_num(net['estimate']), _num(net['ci_low']), _num(net['ci_high']))}")
    return text + "."


def summary_pct(x: float) -> str:
    return "—" if math.isnan(x) else pct(x)
