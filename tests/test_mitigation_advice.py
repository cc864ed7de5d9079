"""The mitigation recommendation (console and report) and the mitigation figure.

Every number in the recommendation is a stored metric; the rule (largest reduction whose interval
excludes 0, warnings for overshoot, growth and ties) is checked on hand-written rows; the figure is
in the table's units and, drawn by Chromium, none of its labels overlap.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from judgekit import api, console
from judgekit.cli import main
from judgekit.report.mitigation import figure_labels, mitigation_figure, mitigation_table
from tests.conftest import write_fact_items

JUDGE = "scripted/first=0.3,bandwagon=0.4"


def _row(probe, metric, mit, est, lo=None, hi=None):
    return {"probe": probe, "metric": metric, "subset": f"mitigation:{mit}", "estimate": est, "ci_low": lo,
            "ci_high": hi, "p_value": None, "p_adjusted": None, "n": 100}


def _fix(probe, mit, change, over=(0.0, -0.05, 0.05), acc=(0.0, -0.02, 0.02), tie=0.0, tokens=10.0):
    return [_row(probe, "mitigation_bias_change", mit, *change), _row(probe, "mitigation_overshoot", mit, *over),
            _row(probe, "mitigation_accuracy_change", mit, *acc), _row(probe, "mitigation_tie_rate", mit, tie),
            _row(probe, "mitigation_extra_tokens", mit, tokens)]


def test_the_largest_reduction_whose_interval_excludes_zero_with_accuracy_ties_and_warnings():
    rows = (_fix("bandwagon", "icl", (-0.294, -0.38, -0.19), acc=(0.01, -0.02, 0.04), tie=0.02)
            + _fix("bandwagon", "swap", (-0.20, -0.30, -0.10), tie=0.36)
            + _fix("bandwagon", "self-reflection", (-0.45, -0.90, 0.01))  # larger, but its interval reaches 0
            + _fix("bandwagon", "system-prompt", (0.08, 0.02, 0.15), over=(0.12, 0.05, 0.20)))
    assert console.mitigation_advice(rows) == [
        "icl cut bandwagon by 29.4 points [19.0, 38.0] (accuracy +1.0 points [-2.0, +4.0], ties 2.0% of verdicts); "
        "swap answered tie 36.0% of the time; system-prompt overshot: it left 12.0 points [5.0, 20.0] of bandwagon "
        "in the opposite direction; system-prompt made bandwagon larger by 8.0 points [2.0, 15.0]."]


def test_a_recommended_fix_that_mostly_answers_tie_says_so_once_and_no_cut_is_stated():
    rows = (_fix("position", "swap", (-0.175, -0.233, -0.117), tie=0.35)
            + _fix("bandwagon", "swap", (-0.02, -0.09, 0.05)))
    advice = console.mitigation_advice(rows, order=["position", "bandwagon"])
    assert advice[0].startswith("swap cut position by 17.5 points [11.7, 23.3]")
    assert advice[0].count("tie") == 1 and "answered tie 35.0% of the time" in advice[0]
    assert advice[1] == ("no fix measurably cut bandwagon (every interval of the change in its size reaches 0 or "
                         "above).")
    assert console.mitigation_advice([_row("position", "accuracy", "x", 0.5)]) == []


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("advice")
    data, db = write_fact_items(tmp / "facts.jsonl", 60), tmp / "a.duckdb"
    res = api.evaluate("bias", judge=JUDGE, data=str(data), db=db, probes=["position", "bandwagon"],
                       mitigations="swap,system-prompt", out=tmp / "out", progress=False)
    return res, db, data


def _stored_numbers(m):
    """Every way the recommendation may print a stored mitigation number: points of a difference, percent of a share."""
    rows = m[m.metric.str.startswith("mitigation_")]
    out = set()
    for r in rows.itertuples():
        for x in (r.estimate, r.ci_low, r.ci_high):
            if x == x and x is not None:
                out |= {f"{100 * x:.1f}", f"{-100 * x:.1f}", f"{100 * x:+.1f}", f"{100 * x:.1f}%"}
    return out


def test_every_number_in_the_recommendation_is_a_stored_metric(run):
    res = run[0]
    m = res.metrics
    rows = m.astype(object).where(m.notna(), None).to_dict("records")
    advice = console.mitigation_advice(rows, order=["position", "bandwagon"])
    assert len(advice) == 2 and advice[0].startswith("swap cut position by")  # the planted position bias
    stored = _stored_numbers(m)
    for sentence in advice:
        for number in re.findall(r"[+-]?\d+\.\d%?", sentence):
            assert number in stored, (sentence, number)
    change = m[(m.probe == "position") & (m.metric == "mitigation_bias_change") & (m.subset == "mitigation:swap")]
    c = change.iloc[0]
    assert f"by {-100 * c.estimate:.1f} points [{-100 * c.ci_high:.1f}, {-100 * c.ci_low:.1f}]" in advice[0]
    page = res.report_path.read_text(encoding="utf-8")
    for sentence in advice:
        assert f"<li>{html.escape(sentence)}</li>" in page


def test_the_console_summary_ends_its_mitigation_rows_with_the_recommendation(run, capsys):
    _, db, data = run
    rc = main(["eval", "--suite", "bias", "--probes", "position,bandwagon", "--judge", JUDGE, "--data", str(data),
               "--db", str(db), "--no-report", "--mitigations", "swap,system-prompt", "--progress", "off"])
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    i = out.index("recommendation:")
    assert out[i - 1].split()[:2] == ["bandwagon", "system-prompt"]  # right after the mitigation table
    assert out[i + 1].startswith("  swap cut position by") and out[i + 2].startswith("  ")


def test_the_figure_is_in_the_tables_units_one_labelled_row_per_cell(run):
    res, _, _ = run
    t = mitigation_table(res.metrics)
    fig = mitigation_figure(t)
    labels = figure_labels(t)
    assert len(set(labels)) == len(t) == 4
    assert all("text" not in tr.mode for tr in fig.data)  # no text drawn on the plot area
    assert "pp" in fig.layout.xaxis.title.text
    drawn = {(y, round(x, 9)) for tr in fig.data for x, y in zip(tr.x, tr.y, strict=True)}
    stored = {(lab, round(100 * float(e), 9)) for lab, e in zip(labels, t["mitigation_bias_change:estimate"],
                                                                strict=True)}
    assert drawn == stored
    swap = t[(t.probe == "position") & (t.mitigation == "swap")].iloc[0]
    assert f"({swap['mitigation_extra_tokens:estimate']:+,.1f} tokens/verdict)" in labels[list(t.index).index(
        swap.name)]


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BOXES = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var root = document.getElementById("mitigation-pareto"), boxes = [];
  root.querySelectorAll(".ytick text, .xtick text, .legendtext, .g-xtitle text").forEach(function (e) {
    var b = e.getBoundingClientRect();
    if (b.width > 0) boxes.push([e.textContent, b.left, b.top, b.right, b.bottom]);
  });
  document.documentElement.setAttribute("data-boxes", JSON.stringify(boxes));
}, 500); });
</script>"""


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (CI installs 'chromium')")
def test_no_label_of_the_drawn_figure_overlaps_another(run, tmp_path):
    res, _, _ = run
    site = tmp_path / "site"
    site.mkdir()
    page = res.report_path.read_text(encoding="utf-8")
    (site / "r.html").write_text(page.replace("</body>", BOXES + "</body>", 1), encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(site)))
    server.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                              f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,800",
                              "--virtual-time-budget=15000", "--dump-dom",
                              f"http://127.0.0.1:{server.server_address[1]}/r.html"],
                             capture_output=True, text=True, timeout=120).stdout
    finally:
        server.shutdown()
    m = re.search(r'data-boxes="([^"]*)"', dom)
    assert m, "the figure was not drawn"
    boxes = json.loads(html.unescape(m.group(1)))
    texts = [b[0] for b in boxes]
    assert sum("tokens/verdict" in x for x in texts) == 4 and "swap" in texts and "system-prompt" in texts
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, (a, b)
