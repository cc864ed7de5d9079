"""The HTML report: self-contained, escaped, and computed from the numbers it is given."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from judgekit.report.figures import embed_figure, p_first_values
from judgekit.report.html import MAX_CHARS, flipped_examples, headline, render_report

XSS_A = "Sure! <script>alert(1)</script> done"
XSS_B = "Look: <img src=x onerror=alert(1)> here"
XSS_RAW = "Verdict: A </script><script>alert(2)</script> <!-- end"
XSS_NOTE = "Wilson </script><script>alert(3)</script>"
LONG = "x" * (MAX_CHARS - 1) + "<b>&amp;" + "y" * 50


def make_run(**config) -> dict:
    cfg = {"decoding": {"temperature": 0.7, "max_tokens": 64}, "probes": ["position"], "n_items": 8,
           "repeats": 2, "template": "pairwise"}
    cfg.update(config)
    return {"run_id": "run-123", "suite": "position", "judge": "hf/./tiny-judge", "dataset": "synthetic",
            "seed": 7, "status": "completed", "started_at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
            "finished_at": "2025-01-02T03:14:05+00:00", "config": cfg,
            "versions": {"judgekit": "0.1.0", "plotly": "x"}, "n_trials": 32, "n_verdicts": 32}


def _m(metric, est, lo=math.nan, hi=math.nan, subset="all", p=math.nan, n=32, note="", probe="position"):
    return {"run_id": "run-123", "suite": "position", "probe": probe, "metric": metric, "subset": subset,
            "estimate": est, "ci_low": lo, "ci_high": hi, "p_value": p, "n": n, "note": note}


def make_metrics(fpr=(0.94, 0.921, 0.961)) -> pd.DataFrame:
    rows = [
        _m("accuracy", 0.62, 0.5, 0.72), _m("accuracy", 0.81, 0.64, 0.91, "AB"),
        _m("accuracy", 0.43, 0.27, 0.6, "BA"), _m("accuracy", 0.7, 0.5, 0.85, "fact"),
        _m("accuracy", math.nan, subset="preference", n=0), _m("accuracy_strict", 0.25, 0.1, 0.5, n=8),
        _m("accuracy_order_gap", 0.38, 0.1, 0.6, p=0.0004, n=8),
        _m("position_consistency", 0.12, 0.02, 0.4, n=8),
        _m("preference_fairness", 0.88, 0.7, 1.0), _m("first_position_rate", *fpr, note=XSS_NOTE),
        _m("mean_p_first", math.nan, note="no probabilities"), _m("repetition_stability", 0.9, 0.8, 0.97),
        _m("parse_failure_rate", 0.03, 0.01, 0.1), _m("tie_rate", 0.0, 0.0, 0.1), _m("error_count", 1, n=32),
        _m("flip_rate_toward_cue", 0.4, 0.3, 0.5, probe="bandwagon"),
    ]
    return pd.DataFrame(rows)


def make_verdicts(flips=True, probs=True, n_items=8, repeats=2) -> pd.DataFrame:
    rows = []
    for i in range(n_items):
        kind = "fact" if i < n_items // 2 else "preference"
        label = ("A" if i % 2 == 0 else "B") if kind == "fact" else None
        ra, rb = (XSS_A, XSS_B) if i == 0 else (f"answer a{i}", LONG if i == 1 else f"answer b{i}")
        for order in ("AB", "BA"):
            for rep in range(repeats):
                choice = "A" if flips else ("A" if order == "AB" else "B")  # presented position
                chosen = choice if order == "AB" else {"A": "B", "B": "A"}[choice]
                first, second = (ra, rb) if order == "AB" else (rb, ra)
                p_a = (0.9 if choice == "A" else 0.1) if probs and not (i == 2 and rep == 0) else None
                rows.append({
                    "run_id": "run-123", "trial_id": f"t{i}{order}{rep}", "item_id": f"item-{i}",
                    "probe": "position", "condition": "baseline", "order": order, "repeat": rep,
                    "label": label, "kind": kind, "category": "math", "prompt": f"Question {i}?",
                    "response_a": ra, "response_b": rb, "first": first, "second": second,
                    "choice": choice, "chosen": chosen, "correct": None if label is None else chosen == label,
                    "p_a": p_a, "p_b": None if p_a is None else 1 - p_a,
                    "raw": XSS_RAW if i == 0 else f"Answer: {choice}", "error": None,
                    "input_tokens": 100, "output_tokens": 5, "latency_s": 0.2, "cost_usd": None,
                    "cached": rep == 1,
                })
    return pd.DataFrame(rows)


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.headline = ""
        self._in_headline = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")
        self._in_headline = attrs.get("id") == "headline"

    def handle_endtag(self, tag):
        self._in_script = False
        self._in_headline = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        if self._in_headline:
            self.headline += data


def render(tmp_path, run=None, metrics=None, verdicts=None, name="r.html"):
    path = render_report(run or make_run(), make_metrics() if metrics is None else metrics,
                         make_verdicts() if verdicts is None else verdicts, tmp_path / name)
    text = path.read_text(encoding="utf-8")
    parser = _Parser()
    parser.feed(text)
    return path, text, parser


def test_writes_one_file_with_plotly_inlined_once(tmp_path):
    path, text, parser = render(tmp_path)
    assert path == tmp_path / "r.html" and path.exists()
    js = get_plotlyjs()
    assert text.count(js[:300]) == 1
    assert text.count("plotly.js v") == 1
    assert len([s for s in parser.scripts if len(s) > 1_000_000]) == 1
    assert text.count("Plotly.newPlot(") == 3


def test_no_external_resources(tmp_path):
    _, text, parser = render(tmp_path)
    for tag, attrs in parser.tags:
        for attr in ("src", "href", "data", "action", "poster"):
            value = (attrs.get(attr) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, attrs)
        assert not (tag == "script" and "src" in attrs)
        assert not (tag == "link" and attrs.get("rel") == "stylesheet")
    assert not re.search(r"<script[^>]*\bsrc\s*=", text, re.IGNORECASE)
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']?https?:", text, re.IGNORECASE)
    page = text.replace(get_plotlyjs(), "")  # plotly.js mentions URLs it only uses for maps
    assert "@import" not in page and "fonts.googleapis" not in page and "cdn.plot.ly" not in page
    assert "http://" not in page and "https://" not in page


def test_model_and_dataset_text_is_escaped(tmp_path):
    _, text, parser = render(tmp_path)
    assert all("onerror" not in attrs for _, attrs in parser.tags)
    # Model and dataset text never reaches a script; the planted metric note does (figure hover text),
    # but only inside a JSON string literal, with "<" and ">" escaped.
    assert all("alert(1)" not in body and "alert(2)" not in body for body in parser.scripts)
    outside_strings = [re.sub(r'"(?:[^"\\]|\\.)*"', '""', body) for body in parser.scripts[2:]]
    assert all("alert(" not in code and "<" not in code for code in outside_strings)
    assert all("<script" not in body.lower() for body in parser.scripts)
    # PlotlyConfig, plotly.js, three figures, table sorting
    assert sum(tag == "script" for tag, _ in parser.tags) == 2 + 3 + 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt; &lt;!-- end" in text
    assert "&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in text  # the note, in the table
    assert "\\u003c\\u002fscript\\u003e" in text or "\\u003c/script\\u003e" in text  # the note, in a figure
    lowered = text.lower()
    assert "<script>alert" not in lowered and "<img src=x" not in lowered


def test_figure_json_cannot_close_its_script():
    fig = go.Figure(go.Scatter(x=[1], y=[1], text=["</script><script>alert(9)</script><!-- & \u2028"],
                               name="</SCRIPT >"))
    fragment = embed_figure(fig, 300, "jk-test")
    parser = _Parser()
    parser.feed(fragment)
    assert [t for t, _ in parser.tags] == ["div", "script"]
    assert "<!--" not in fragment and len(re.findall("</script", fragment, re.IGNORECASE)) == 1
    with pytest.raises(ValueError):
        embed_figure(fig, 300, 'x" onload="alert(1)')
    node = shutil.which("node")
    if node:  # the emitted script is valid JavaScript
        body = parser.scripts[0]
        proc = subprocess.run([node, "-e", f"var Plotly={{newPlot:function(){{}}}};{body}"],
                              check=False, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr


def test_metrics_table_formats_estimates_and_intervals(tmp_path):
    _, text, _ = render(tmp_path)
    assert "[0.921, 0.961]" in text and "0.940" in text
    assert "[0.020, 0.400]" in text
    assert "&lt;0.001" in text  # McNemar p
    assert "flip_rate_toward_cue" in text and "Probe: bandwagon" in text
    assert "Share of items that get the same verdict in both orders." in text
    assert 'data-sort=""' in text  # NaN estimate sorts last, shown as a dash
    assert 'class="sortable metrics"' in text and "addEventListener(\"click\"" in text


def test_headline_follows_the_numbers(tmp_path):
    _, _, parser = render(tmp_path)
    line = parser.headline
    assert "picked the response shown first in 94% of verdicts (95% CI 92–96%)" in line
    assert "same answer in both orders for only 12% of items" in line
    assert "McNemar p < 0.001" in line and "1 call failed" in line
    _, _, p2 = render(tmp_path, metrics=make_metrics(fpr=(0.51, 0.45, 0.57)), name="r2.html")
    assert "51% of verdicts (95% CI 45–57%)" in p2.headline
    assert "consistent with no position preference" in p2.headline
    low = headline(make_metrics(fpr=(0.3, 0.25, 0.35)))
    assert "favoured the response shown second" in low and "only 30%" in low
    nan = headline(make_metrics(fpr=(math.nan, math.nan, math.nan)))
    assert "shown first" not in nan and "nan" not in nan.lower()
    no_ci = headline(make_metrics(fpr=(0.7, math.nan, math.nan)))
    assert "70%" in no_ci and "no interval" in no_ci


def test_headline_without_usable_metrics():
    empty = make_metrics().assign(estimate=math.nan)
    assert "No metric has an estimate" in headline(empty)
    assert "No metrics" in headline(pd.DataFrame())


def test_flipped_examples_show_both_orders(tmp_path):
    _, text, _ = render(tmp_path)
    examples, total = flipped_examples(make_verdicts())
    assert total == 8 and [e["kind"] for e in examples[:4]] == ["fact"] * 4
    ex = examples[0]
    assert ex["orders"]["AB"]["chosen"] == "A" and ex["orders"]["BA"]["chosen"] == "B"
    assert ex["orders"]["AB"]["p_orig_a"] == "0.900" and ex["orders"]["BA"]["p_orig_a"] == "0.100"
    assert ex["orders"]["AB"]["spread"] == "A×2"
    assert "8 items got a different verdict" in text


def test_flipped_examples_limit_and_fact_first():
    v = make_verdicts(n_items=40, repeats=1)
    v.loc[v["item_id"].isin([f"item-{i}" for i in range(5)]), "kind"] = "preference"
    examples, total = flipped_examples(v)
    assert total == 40 and len(examples) == 20
    assert all(e["kind"] == "fact" for e in examples[:15]) and examples[15]["kind"] == "preference"


def test_long_text_is_truncated_without_breaking_escaping(tmp_path):
    _, text, _ = render(tmp_path)
    assert "x" * (MAX_CHARS - 1) + "&lt;" + '<span class="trunc"> … [' in text
    assert f"[{len(LONG) - MAX_CHARS} more characters cut]" in text
    assert "y" * 50 not in text


def test_no_flips_and_no_probabilities(tmp_path):
    verdicts = make_verdicts(flips=False, probs=False)
    assert p_first_values(verdicts).empty
    _, text, parser = render(tmp_path, verdicts=verdicts)
    assert "No item changed its verdict" in text
    assert "returned no probabilities" in text
    assert text.count("Plotly.newPlot(") == 2
    assert all("alert(1)" not in body and "alert(2)" not in body for body in parser.scripts)


def test_partial_probabilities_are_skipped():
    values = p_first_values(make_verdicts())
    assert len(values) == len(make_verdicts()) - 2  # item 2, repeat 0, both orders
    assert values["p_first"].between(0, 1).all()


def test_empty_inputs_and_missing_columns(tmp_path):
    run = {"run_id": "r0", "suite": "position", "judge": "j", "dataset": "d", "status": "failed"}
    path, text, _ = render(tmp_path, run=run, metrics=pd.DataFrame(), verdicts=pd.DataFrame())
    assert path.exists()
    assert "No metrics were recorded" in text and "No metrics were computed" in text
    assert "Plotly.newPlot(" not in text


def test_run_details_and_methods(tmp_path):
    _, text, _ = render(tmp_path)
    assert "<dt>Duration</dt><dd>0:10:00</dd>" in text  # duration from mixed datetime / string timestamps
    assert "temperature" in text and "pairwise" in text and "judgekit" in text
    assert "Wilson" in text and "McNemar" in text and "bootstrap" in text
    assert "judged 2 times because decoding is stochastic (temperature 0.7)" in text
    assert re.search(r"<dt>Cached</dt><dd>16</dd>", text)
    assert re.search(r"<dt>Input tokens</dt><dd>3,200</dd>", text)
    assert "Cost (USD)" not in text  # unknown cost is not shown as zero
    greedy = make_run(decoding={"temperature": 0}, repeats=1)
    _, text2, _ = render(tmp_path, run=greedy, name="g.html")
    assert "Decoding is deterministic" in text2
