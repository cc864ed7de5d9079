"""Build the bias report of one run, and the comparison page of several, straight from the store.

The store is read with aggregate SQL (see :mod:`judgekit.report.queries`): metrics,
counts per design cell, a binned histogram and a bounded, seeded sample of example
verdicts. The page size does not grow with the number of verdicts.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from judgekit.atomic import atomic_write_pieces, atomic_write_text
from judgekit.redact import redact_text
from judgekit.report import charts, sections
from judgekit.report import queries as q
from judgekit.report.caveats import POINTWISE_BACKENDS, caveat_list, frame_caveats, grouped, is_pointwise, names
from judgekit.report.figures import _text, accuracy_by_order_figure, forest_figure
from judgekit.report.html import TEMPLATE_DIR, flipped_examples, headline, metric_groups
from judgekit.store.db import Store

EXAMPLES_PER_PROBE = 6
ORDER_EXAMPLES = 8
TESTS_USED = [
    ("cue_net_effect (headline) and added_text_effect", "cue vs a neutral insertion of the same length in the same "
                                                         "place, and that insertion vs control, over pairs of the "
                                                         "same item and order; percentile bootstrap resampling "
                                                         "items; exact sign test over items. When every verdict is "
                                                         "valid, bias_effect = added_text_effect + cue_net_effect."),
    ("bias_effect", "P(cued response chosen | cue) - P(same response chosen | control) over cued/control pairs "
                    "of the same item and order; percentile bootstrap resampling items (2,000 replicates); exact "
                    "sign test over items on each item's net shift (the pair-level McNemar test is shown as "
                    "bias_effect_mcnemar)."),
    ("multiplicity", "every p-value is adjusted (Benjamini-Hochberg) within its family: the headline tests "
                     "(one per probe: cue_net_effect, first_position_rate), the components beside them "
                     "(bias_effect, added_text_effect), each probe's subset rows, its secondary tests, its "
                     "mitigation rows; 'significant' always means adjusted p < 0.05."),
    ("flip and robustness rates", "shares over cued pairs; item-clustered bootstrap."),
    ("noise floor and net flip rate", "flip rate of identical control re-asks; net = flip rate - noise floor "
                                      "with items resampled jointly; bootstrap p-value."),
    ("accuracy", "share of valid verdicts choosing the gold response; item-clustered bootstrap."),
    ("position", "first-position rate with an exact sign test over items; position consistency with a Wilson "
                 "interval; accuracy by order with an exact McNemar test and Newcombe's hybrid score interval."),
    ("cross-probe model", "logistic GLM of choosing the cued response on probe x cue and target position, "
                          "cluster-robust (sandwich) standard errors by item; Wald intervals."),
    ("length", "observational P(prefer longer) on natural length differences and a logistic slope on the "
               "relative length difference (verbosity probe)."),
]


@functools.cache
def _env() -> Environment:
    # one per process: Jinja keeps the compiled templates (reloading a file whose mtime changed)
    return Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


@functools.cache
def _plotly() -> Markup:
    js = get_plotlyjs()
    if "</script" in js.lower():
        raise ValueError("the installed plotly.js cannot be inlined safely")
    return Markup(js)


def prepare() -> None:
    """Do the one-off work of a process's first report ahead of time: compile the page template, read
    plotly.js and load the figure theme. ``eval`` calls it in a background thread while the judge answers."""
    from judgekit.report.figures import new_figure, theme_json

    _env().get_template("run.html.j2")
    _plotly()
    theme_json()
    new_figure().to_plotly_json()


def _fig(block: Any) -> dict[str, Any]:
    return {"key": block.key, "title": block.title, "how_to_read": block.how_to_read, "missing": block.missing,
            "html": Markup(block.html) if block.html else None}


def _now() -> str:
    return datetime.now().astimezone().isoformat(sep=" ", timespec="seconds")


def _slim_metrics(store: Store, run: dict[str, Any]) -> pd.DataFrame:
    """Metrics computed from slim verdict columns, for a run whose metrics were never written."""
    from judgekit.suites import compute_metrics, load_suite

    v = store.metrics_frame(run["run_id"])
    if v.empty:
        return v
    config = run.get("config") or {}
    m = compute_metrics(load_suite(run["suite"], probes=config.get("probes")), v, seed=int(run.get("seed") or 0),
                        mitigations=config.get("mitigations"))
    m.insert(0, "run_id", run["run_id"])
    return m


def gather(db: str | Path, run_id: str, *, seed: int = 0, examples_per_probe: int = EXAMPLES_PER_PROBE
           ) -> dict[str, Any]:
    """Everything the run page shows, read with bounded queries."""
    store = Store(db, create=False)
    run = store.run(run_id)
    metrics = store.metrics(run_id)
    with store.connect(read_only=True) as con:
        try:
            con.execute("SET enable_progress_bar = false")
        except duckdb.Error:  # inside Jupyter without ipywidgets DuckDB refuses to touch the setting
            pass
        data = {"counts": q.counts(con, run_id), "design": q.design(con, run_id),
                "cue_design": q.cue_design(con, run_id), "provenance": q.provenance(con, run_id),
                "hist": q.p_first_hist(con, run_id), "flips": q.flip_counts(con, run_id),
                "examples": q.flip_examples(con, run_id, examples_per_probe, seed)}
        data["order_examples"], data["n_order_flips"] = q.order_flip_examples(con, run_id, ORDER_EXAMPLES, seed)
    if metrics.empty and data["counts"]["n_verdicts"]:
        metrics = _slim_metrics(store, run)
    data.update(run=run, metrics=metrics)
    return data


def _design_rows(design: pd.DataFrame, cue_design: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for (probe, cond), g in design.groupby(["probe", "condition"], sort=False):
        cd = cue_design[cue_design["probe"] == probe]
        rows.append({"probe": probe, "condition": cond, "orders": ", ".join(sorted(set(g["order"]))),
                     "repeats": ", ".join(str(r) for r in sorted(set(g["repeat"]))),
                     "trials": f"{int(g['n_trials'].sum()):,}", "verdicts": f"{int(g['n_verdicts'].sum()):,}",
                     "templates": ", ".join(sorted({_text(t) for t in cd["template"] if _text(t)})) if cond != "control"
                     else "", "placements": ", ".join(sorted({_text(p) for p in cd["placement"] if _text(p)}))
                     if cond != "control" else ""})
    return rows


def _details(run: dict[str, Any], counts: dict[str, Any]) -> dict[str, Any]:
    config = dict(run.get("config") or {})
    decoding = dict(config.pop("decoding", None) or {})
    identity = config.pop("judge_identity", None) or {}

    def fmt(v: Any, money: bool = False) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "—"
        return f"{v:.4f}" if money else (f"{v:,}" if isinstance(v, int) else f"{v:.2f}")

    def js(v: Any) -> str:
        return v if isinstance(v, str) else json.dumps(v, default=str, ensure_ascii=False)

    return {
        "summary": [("Run id", _text(run.get("run_id"))), ("Suite", _text(run.get("suite"))),
                    ("Judge", _text(run.get("judge"))), ("Dataset", _text(run.get("dataset"))),
                    ("Status", _text(run.get("status"))), ("Seed", _text(run.get("seed")) or "—"),
                    ("Started", _text(run.get("started_at")) or "—"),
                    ("Finished", _text(run.get("finished_at")) or "—")],
        "counts": [("Trials", _text(run.get("n_trials")) or "—"), ("Verdicts", fmt(counts["n_verdicts"])),
                   ("Parse failures", fmt(counts["n_invalid"])), ("Errors", fmt(counts["n_errors"])),
                   ("Ties", fmt(counts["n_ties"])), ("Cached", fmt(counts["n_cached"])),
                   ("Input tokens", fmt(counts["input_tokens"])), ("Output tokens", fmt(counts["output_tokens"])),
                   ("Cost (USD)", fmt(counts["cost_usd"], True) if counts["n_costed"] else "—"),
                   ("Latency median / p95 (s)", f"{fmt(counts['latency_median_s'])} / {fmt(counts['latency_p95_s'])}")],
        "decoding": [(k, js(v)) for k, v in decoding.items()],
        "identity": [(k, redact_text(js(v))) for k, v in identity.items()],
        "config": [(k, js(v)) for k, v in config.items()],
        "versions": sorted((str(k), _text(v)) for k, v in (run.get("versions") or {}).items()),
    }


def build_report(db: str | Path, run_id: str, out_dir: str | Path, *,
                 extra_sections: Sequence[tuple[str, str]] = (), seed: int = 0,
                 examples_per_probe: int = EXAMPLES_PER_PROBE) -> Path:
    """Write ``out_dir/RUN_ID.html`` for one run and return its path.

    ``extra_sections`` are ``(title, html)`` pairs appended before the methods; the
    HTML must already be escaped (it is inserted as is).
    """
    from judgekit.card import bias_card

    d = gather(db, run_id, seed=seed, examples_per_probe=examples_per_probe)
    run, metrics = d["run"], d["metrics"]
    if metrics.empty:
        metrics = pd.DataFrame(columns=["probe", "metric", "subset", "estimate", "ci_low", "ci_high", "p_value",
                                        "p_adjusted", "n", "note"])
    # mitigation rows have a section of their own (an extra section, see judgekit.report.mitigation)
    metrics = metrics[~metrics["metric"].astype(str).str.startswith("mitigation_")]
    if (run.get("config") or {}).get("protocol") == "mcq":  # a multiple-choice run: its own page
        from judgekit.card import bias_card
        from judgekit.report import mcq

        html = mcq.build(_env(), {**d, "metrics": metrics}, bias_card(db, run_id), db=db, run_id=run_id, common={
            "run": {k: _text(run.get(k)) for k in ("run_id", "suite", "judge", "dataset", "status")},
            "caveats": frame_caveats(metrics), "details": _details(run, d["counts"]),
            "design": _design_rows(d["design"], d["cue_design"]), "provenance": d["provenance"].to_dict("records"),
            "config": run.get("config") or {}, "plotly_js": _plotly(), "generated": _now()})
        out = Path(out_dir) / f"{run_id}.html"
        atomic_write_text(out, html)
        return out
    profile = sections.profile_rows(metrics)
    pointwise = is_pointwise(run.get("config"))
    cue_probes = [p for p in dict.fromkeys(metrics["probe"]) if p not in ("position", "all")]
    pos = metrics[metrics["probe"] == "position"]
    order_ex, n_order = flipped_examples(d["order_examples"].assign(probe="position", condition="control"),
                                         ORDER_EXAMPLES) if len(d["order_examples"]) else ([], 0)
    position = None
    if len(pos):
        position = {"headline": headline(pos), "rows": [r for g in metric_groups(pos, pointwise=pointwise)
                                                        for r in g["rows"]],
                    "figures": [_fig(forest_figure(pos)), _fig(accuracy_by_order_figure(pos)),
                                _fig(charts.p_first_hist_figure(d["hist"]))],
                    "examples": order_ex, "n_flipped": d["n_order_flips"] or n_order}
    probes = []
    for probe in cue_probes:
        s = sections.cue_section(probe, metrics, d["examples"], d["flips"], profile)
        s["figures"] = [_fig(f) for f in s["figures"]]
        probes.append(s)
    card = bias_card(db, run_id)
    pieces = _env().get_template("run.html.j2").generate(
        run={**{k: _text(run.get(k)) for k in ("run_id", "suite", "judge", "dataset", "status")},
             "protocol": "pointwise" if pointwise == "protocol" else ""},
        headline=" ".join(x for x in (headline(pos) if len(pos) else "", sections.bias_headline(profile)) if x)
        or headline(metrics),
        profile=_fig(charts.bias_profile_figure(profile)), profile_rows=profile.to_dict("records"),
        position=position, probes=probes,
        model_rows=sections.table_rows(metrics[metrics["probe"] == "all"]),
        all_groups=metric_groups(metrics, pointwise=pointwise), card=card,
        caveats=frame_caveats(metrics, pointwise=pointwise), card_json=json.dumps(card, indent=2, ensure_ascii=False),
        extra=[{"id": f"extra-{i}", "title": t, "html": Markup(h)} for i, (t, h) in enumerate(extra_sections)],
        details=_details(run, d["counts"]), design=_design_rows(d["design"], d["cue_design"]),
        provenance=d["provenance"].to_dict("records"), tests=TESTS_USED, config=run.get("config") or {},
        max_chars=sections.MAX_CHARS, plotly_js=_plotly(), generated=_now(), fmt_pct=sections.summary_pct,
        fmt_shift=sections.interval_text)
    return atomic_write_pieces(Path(out_dir) / f"{run_id}.html", pieces)


#: criterion -> axis title of the ranking chart
RANK_AXES = {"mean_abs_cue_net_effect": "mean |cue_net_effect| over the common cue probes (95% CI)",
             "position_bias": "|first-position rate − 0.5| (95% CI)", "accuracy": "accuracy (95% CI)",
             "position_consistency": "position consistency (95% CI)"}


def _rank_figure(c: Any) -> Any:
    from judgekit.compare_summary import LOWER_IS_BETTER, headline_criterion

    name = headline_criterion(c)
    agg = c.ranking[c.ranking["criterion"] == name] if name else c.ranking.iloc[:0]
    rows = agg.assign(label=agg["judge"], p=[f"rank {r} (95% {lo:.0f}-{hi:.0f}), P(best) {pb:.0%}" for r, lo, hi, pb
                                             in zip(agg["rank"], agg["rank_low"], agg["rank_high"], agg["p_best"],
                                                    strict=True)],
                      group="estimate").sort_values("rank") if len(agg) else pd.DataFrame()
    better = "Lower" if name in LOWER_IS_BETTER else "Higher"
    return charts.dot_rows(
        rows, key="ranking", zero=None, axis_title=RANK_AXES.get(name or "", "estimate (95% CI)"),
        title=f"Ranking: {name or 'no common criterion'}", missing="No criterion is measured in every run.",
        how=f"{better} is better: each judge's {name} on the common items with a 95% bootstrap interval and its n "
            "(units: cue pairs, verdicts or items); the hover gives the judge's rank, its 95% rank interval and "
            "the share of bootstrap replicates in which it ranked first. The headline criterion is the first of "
            "mean |cue_net_effect| (the cue net of the text it adds), position bias, accuracy and position "
            "consistency that every run has.")


def _profile_records(c: Any) -> list[dict[str, Any]]:
    pointwise = {lab: "protocol" if proto == "pointwise" else b in POINTWISE_BACKENDS
                 for lab, b, proto in zip(c.runs["label"], c.runs["backend"],
                                          c.runs.get("protocol", ["pairwise"] * len(c.runs)), strict=True)}
    out = []
    for r in c.profile.to_dict("records"):
        args = (r["metric"], r["estimate"], r["ci_low"], r["ci_high"], r["n"], "")
        items = caveat_list(*args, pointwise=pointwise.get(r["judge"], False))
        out.append({**r, "caveats": items, "caveat": " ".join(items),
                    "caveat_short": names(items)})
    return out


def build_comparison(db: str | Path, run_ids: Sequence[str], out_path: str | Path, *, n_boot: int = 2000,
                     seed: int = 0, comparison: Any = None) -> Path:
    """Write one HTML page comparing the judges of ``run_ids`` on their common items.

    ``comparison``: a :class:`~judgekit.compare.Comparison` already computed for these runs.
    """
    from judgekit.card import bias_card
    from judgekit.compare import compare_runs
    from judgekit.compare_summary import headline as compare_headline

    c = comparison if comparison is not None else compare_runs(db, list(run_ids), n_boot=n_boot, seed=seed)
    cards = [bias_card(db, r) for r in c.runs["run_id"]]
    profile = _profile_records(c)
    ranking = []
    for r in c.ranking.to_dict("records"):
        items = caveat_list(r["criterion"], r["estimate"], r["ci_low"], r["ci_high"], r["n"])
        ranking.append({**r, "caveats": items, "caveat": " ".join(items),
                        "caveat_short": names(items)})
    html = _env().get_template("compare.html.j2").render(
        comparison=c, runs=c.runs.to_dict("records"), cards=cards, headline=compare_headline(c),
        caveats=grouped([(f"{r['judge']} · {r['metric']}", r["estimate"], r["caveats"]) for r in profile]
                        + [(f"{r['judge']} · ranking {r['criterion']}", r["estimate"], r["caveats"])
                           for r in ranking]),
        profile_fig=_fig(charts.judges_profile_figure(c.profile)), rank_fig=_fig(_rank_figure(c)),
        agreement_fig=_fig(charts.agreement_figure(c.agreement)),
        ranking=ranking, tests=c.tests.sort_values(["criterion", "p_value"]).to_dict("records"),
        agreement=c.agreement.to_dict("records"), profile=profile, n_boot=n_boot,
        plotly_js=_plotly(), generated=_now())
    out = Path(out_path)
    atomic_write_text(out, html)
    return out


def compare_page(db: str | Path, run_ids: Sequence[str], out_dir: str | Path, *, n_boot: int = 2000,
                 seed: int = 0) -> tuple[Path, Any]:
    """Compare ``run_ids`` and write the page under ``out_dir`` with a short name; returns (path, comparison)."""
    from judgekit.compare import compare_runs
    from judgekit.compare_summary import page_name

    c = compare_runs(db, list(run_ids), n_boot=n_boot, seed=seed)
    path = Path(out_dir) / page_name(c.runs["label"].tolist(), c.runs["run_id"].tolist())
    return build_comparison(db, run_ids, path, n_boot=n_boot, seed=seed, comparison=c), c


def compare_console(db: str | Path, run_ids: Sequence[str] | None, out_dir: str | Path, *, last: int | None = None,
                    n_boot: int = 2000) -> str:
    """The ``judgekit compare`` command: write the page (``run_ids`` or the ``last`` newest runs) and return
    the console summary (headline, warnings, ranking, the page's path)."""
    from judgekit.compare_summary import newest_runs, summary_text

    ids = list(run_ids or []) + (newest_runs(db, last) if last else [])
    path, c = compare_page(db, ids, out_dir, n_boot=n_boot)
    return summary_text(c, path)
