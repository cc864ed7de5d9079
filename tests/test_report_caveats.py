"""Caveats in words (degenerate intervals, unidentified coefficients, few units, values that hold by
construction) and n beside every interval of the run report's tables and charts."""

from __future__ import annotations

import json
import re

import pytest

from judgekit import api
from judgekit.report.build import build_report
from judgekit.report.caveats import caveat, frame_caveats, is_pointwise
from judgekit.report.html import metric_groups
from tests.test_compare import _items


def test_degenerate_interval_is_flagged_and_a_real_one_is_not():
    assert caveat("accuracy", 0.5, 0.5, 0.5, 40).startswith("Degenerate interval: every resample gives 0.500")
    assert caveat("accuracy", 0.6, 0.45, 0.75, 40) == ""
    assert caveat("error_count", 3, 3, 3, 3) == ""  # a count has no interval to speak of
    assert caveat("accuracy", float("nan"), float("nan"), float("nan"), 0) == ""


def test_separated_or_unidentified_model_coefficients_are_flagged():
    sep = "separation: an arm always or never picks the target; left out of the model"
    assert caveat("model_cue_log_odds", float("nan"), float("nan"), float("nan"), 40, sep).startswith("Not identified")
    assert caveat("model_cue_log_odds", 7.2, 3.0, 11.0, 40).startswith("Not identified")  # quasi-separation
    assert caveat("model_cue_log_odds", 0.8, 0.2, 1.4, 40) == ""


def test_few_units_and_by_construction():
    assert "Only n = 4" in caveat("flip_rate", 0.25, 0.05, 0.7, 4)
    rm = {"judge_identity": {"backend": "rm", "model": "m"}}
    assert is_pointwise(rm) and not is_pointwise({"judge_identity": {"backend": "hf"}}) and not is_pointwise(None)
    text = caveat("first_position_rate", 0.5, 0.5, 0.5, 80, pointwise=True)
    assert text.startswith("By construction: a reward model scores each response on its own")
    assert "first_position_rate is 0.5" in text
    assert caveat("first_position_rate", 0.5, 0.4, 0.6, 80) == ""  # an LLM judge's rate near 0.5 is a finding
    assert "By construction" not in caveat("accuracy", 0.7, 0.6, 0.8, 80, pointwise=True)


@pytest.fixture(scope="module")
def always_first(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cav")
    db = tmp / "a.duckdb"
    rid = api.evaluate("bias", judge="scripted/first=1.0", data=str(_items(tmp / "d.jsonl")), db=db,
                       probes=["position", "bandwagon"], make_report=False, progress=False).run_id
    return db, rid, tmp


def test_always_first_judge_accuracy_flagged_in_the_report(always_first):
    db, rid, tmp = always_first
    m = api.metrics(rid, db=db)
    acc = m[(m.probe == "position") & (m.metric == "accuracy") & (m.subset == "all")].iloc[0]
    assert acc.estimate == acc.ci_low == acc.ci_high == 0.5  # one right answer per item, in every resample
    rows = [r for g in metric_groups(m) for r in g["rows"]]
    row = next(r for r in rows if r["metric"] == "accuracy" and r["subset"] == "all" and r["n"] == "80")
    assert row["caveat"] == "Degenerate interval"
    html = build_report(db, rid, tmp / "out").read_text(encoding="utf-8")
    box = re.search(r'<div class="caveats" id="caveats">(.*?)</div>', html).group(1)
    lines = frame_caveats(m)
    assert len(lines) == box.count("<li>") and len({line.split(" (", 1)[0] for line in lines}) == len(lines)
    degenerate = next(line for line in lines if line.startswith("Degenerate interval (every resample"))
    assert "position · accuracy (0.500)" in degenerate and degenerate in box


def test_reward_model_run_says_position_metrics_hold_by_construction(always_first):
    db, rid, _ = always_first
    m = api.metrics(rid, db=db)
    lines = frame_caveats(m[m.probe == "position"], pointwise=True)
    by = next(line for line in lines if line.startswith("By construction (a reward model scores each response"))
    for metric in ("first_position_rate", "position_consistency", "preference_fairness", "accuracy_order_gap"):
        assert f"position · {metric}" in by, metric
    assert "position · accuracy (" not in by


def test_every_chart_interval_carries_its_n(always_first):
    db, rid, tmp = always_first
    html = build_report(db, rid, tmp / "out2").read_text(encoding="utf-8")
    card = html[html.index('<section id="card">'):html.index("</section>", html.index('<section id="card">'))]
    net = api.metrics(rid, db=db).query("probe == 'bandwagon' and metric == 'flip_rate_net' and subset == 'all'")
    assert f'<span class="small">n={int(net.n.iloc[0])}</span>' in card  # the card's net flip rate has its n
    for fig_id in ("jk-fig-forest", "jk-fig-profile", "jk-fig-order"):
        payload = re.search(rf'Plotly.newPlot\("{fig_id}",f.data', html)
        assert payload, fig_id
        start = html.rfind("var f=", 0, payload.start())
        spec = json.loads(html[start + 6:html.index(";Plotly.newPlot", start)])
        for tr in spec["data"]:
            errs = tr.get("error_x") or tr.get("error_y")
            if errs:
                assert len(tr["text"]) == len(tr.get("x") or []) and all(re.fullmatch(r"n=[\d,]+", t)
                                                                         for t in tr["text"]), (fig_id, tr["name"])


def test_mitigation_table_and_chart_carry_n_and_name_degenerate_intervals(tmp_path):
    from judgekit.report.mitigation import mitigation_section_html

    db = tmp_path / "m.duckdb"
    rid = api.evaluate("bias", judge="scripted/first=0.4", data=str(_items(tmp_path / "d.jsonl", 30)), db=db,
                       probes=["position"], mitigations="swap,calibrate", make_report=False, progress=False).run_id
    m = api.metrics(rid, db=db)
    html = mitigation_section_html(m)
    row = re.search(r"<tr><td>position</td><td>calibrate</td>(.*?)</tr>", html).group(1)
    n = int(m[(m.metric == "mitigation_bias_change") & (m.subset == "mitigation:calibrate")].n.iloc[0])
    assert f"<td class='num'>{n}</td>" in row
    # the scripted judge gives no probabilities: calibrate changes nothing, in every resample
    assert "bias change: degenerate interval" in row
    assert f"calibrate n={n} (" in html  # the chart's label carries n
