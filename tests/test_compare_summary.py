"""compare for position-only runs, warnings, the headline against the tables, the console summary, --last."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from judgekit import api
from judgekit.cli import main
from judgekit.compare import compare_runs, differences
from judgekit.compare_summary import headline, interval, page_name, summary_text
from judgekit.report.build import build_comparison
from judgekit.report.charts import judges_profile_figure
from tests.test_compare import _items, three_runs  # noqa: F401 (a fixture)


@pytest.fixture(scope="module")
def position_runs(tmp_path_factory):
    """Position-only runs: a judge with a planted primacy (first=0.6 -> rate 0.8), a gold judge (rate 0.5),
    and a recency judge run on only the first 30 of the 40 items."""
    tmp = tmp_path_factory.mktemp("cmp_pos")
    data, small, db = _items(tmp / "d.jsonl"), _items(tmp / "s.jsonl", 30), tmp / "p.duckdb"
    ids = [api.evaluate("bias", judge=j, data=str(d), db=db, probes=["position"], make_report=False,
                        progress=False).run_id
           for j, d in (("scripted/first=0.6", data), ("scripted/gold", data), ("scripted/first=0.2", small))]
    return db, ids, tmp


def _stored(db, run_id, metric):
    m = api.metrics(run_id, db=db)
    return m[(m.probe == "position") & (m.metric == metric) & (m.subset == "all")].iloc[0]


def test_position_only_runs_are_ranked_and_tested_on_position_bias(position_runs):
    db, ids, _ = position_runs
    c = compare_runs(db, ids[:2], n_boot=1000)
    assert not c.notes and not c.warnings
    pb = c.ranking[c.ranking.criterion == "position_bias"].set_index("judge")
    for rid, label in zip(ids[:2], c.runs["label"], strict=True):
        s = _stored(db, rid, "first_position_rate")
        assert pb.loc[label, "estimate"] == pytest.approx(abs(s.estimate - 0.5))
        assert pb.loc[label, "n"] == s.n  # decisive verdicts, as stored
    assert pb.loc["scripted/gold", "estimate"] == pytest.approx(0.0)
    assert pb.loc["scripted/first=0.6", "estimate"] == pytest.approx(0.3, abs=0.1)  # planted: 0.6 * 0.5
    assert pb.loc["scripted/gold", "rank"] == 1 and pb.loc["scripted/gold", "p_best"] > 0.95
    t = c.tests[c.tests.criterion == "position_bias"].iloc[0]
    assert t.judge_1 == "scripted/first=0.6" and t.ci_low > 0 and t.p_holm < 0.05
    assert t.difference == pytest.approx(pb.loc["scripted/first=0.6", "estimate"])
    assert {"position_bias", "position_consistency", "accuracy"} <= set(c.ranking.criterion)


def test_side_by_side_chart_shows_position_metrics_with_legend_and_n(position_runs):
    db, ids, _ = position_runs
    c = compare_runs(db, ids[:2], n_boot=200)
    block = judges_profile_figure(c.profile)
    assert block.html and not block.missing
    spec = json.loads(re.search(r"var f=(\{.*\});Plotly", block.html).group(1))
    assert spec["layout"]["showlegend"] is True
    names = {tr["name"] for tr in spec["data"] if tr.get("showlegend", True)}
    assert names == {"scripted/first=0.6", "scripted/gold"}
    labels = [t for ax in ("yaxis", "yaxis2") for t in spec["layout"][ax]["ticktext"]]
    assert "position: first-position rate − 50%" in labels and "position consistency" in labels
    n = int(_stored(db, ids[0], "first_position_rate").n)
    assert f"n={n}" in [t for tr in spec["data"] for t in tr["text"]]
    shifted = next(tr for tr in spec["data"] if tr["name"] == "scripted/gold" and tr["xaxis"] == "x")
    assert shifted["x"][0] == pytest.approx(0.0)  # the gold judge's rate 0.5, drawn as a shift of 0


def test_headline_states_the_result_and_every_number_is_in_the_tables(position_runs):
    db, ids, _ = position_runs
    c = compare_runs(db, ids[:2], n_boot=1000)
    text = headline(c)
    assert text.startswith("On 40 common items, scripted/gold has the lowest position bias")
    assert "a difference these data support" in text
    r = c.ranking[c.ranking.criterion == "position_bias"]
    t = c.tests[c.tests.criterion == "position_bias"].iloc[0]
    allowed = {f"{v:.3f}" for v in [*r.estimate, *r.ci_low, *r.ci_high, -t.difference, -t.ci_low, -t.ci_high]}
    allowed |= {str(c.n_items), str(int(t.n)), f"{r.p_best.max():.0%}".rstrip("%")}
    allowed |= {f"{t.p_holm:.3f}" if t.p_holm >= 0.001 else "0.001"}
    for num in re.findall(r"(?<![\w.=])-?\d+(?:\.\d+)?", text):
        assert num in allowed or num.lstrip("-") in {"0.5", "1"}, (num, text)
    # the interval of each judge is stated
    for row in r.itertuples():
        assert interval(row.estimate, row.ci_low, row.ci_high) in text


def test_warns_when_items_suites_or_decoding_differ(position_runs):
    db, ids, _ = position_runs
    c = compare_runs(db, [ids[0], ids[2]], n_boot=200)
    assert c.n_items == 30
    assert any("judged different items" in w and "30 items are common" in w and "scripted/first=0.6: 40" in w
               for w in c.warnings)
    runs = pd.DataFrame({"label": ["a", "b"], "run_id": ["r1", "r2"], "suite": ["bias", "bias-lite"],
                         "config": [json.dumps({"decoding": {"temperature": 0}}), {"decoding": {"temperature": 1}}],
                         "n_items": [10, 10]})
    per = {"r1": {"metrics": pd.DataFrame({"probe": ["position"]})},
           "r2": {"metrics": pd.DataFrame({"probe": ["position", "bandwagon"]})}}
    w = differences(runs, per, 10)
    assert len(w) == 3
    assert "different suites (a: bias; b: bias-lite)" in w[0] and "different probes" in w[1]
    assert '"temperature": 0' in w[2] and '"temperature": 1' in w[2]


def test_compare_page_has_headline_warnings_n_and_a_short_name(position_runs, tmp_path):
    db, ids, _ = position_runs
    page = build_comparison(db, [ids[0], ids[2]], tmp_path / "c.html", n_boot=200).read_text(encoding="utf-8")
    assert 'id="warnings"' in page and "30 items are common" in page
    assert "has the lowest position bias" in page and "No cue probe" not in page
    assert "<th data-type=\"num\">n</th><th data-type=\"num\">Rank</th>" in page
    name = page_name(["scripted/first=0.6", "openai/gpt-4o-mini-2024-07-18", "hf/Qwen/Qwen2.5-0.5B-Instruct"],
                     [f"20260101-000000-{k:010d}" for k in range(3)])
    assert name.startswith("compare-first-0-6-vs-gpt-4o-mini-2024-vs-") and len(name) < 80
    assert name != page_name(["a", "b"], ["r1", "r3"]) and page_name(["a", "b"], ["r1", "r2"]).endswith(".html")


def test_cli_compare_last_prints_the_summary(position_runs, tmp_path, capsys):
    db, ids, _ = position_runs
    assert main(["compare", "--last", "2", "--db", str(db), "--out", str(tmp_path), "--n-boot", "200"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    c = compare_runs(db, ids[1:], n_boot=200)
    assert out == summary_text(c, out[-1]).splitlines()  # the newest two runs, and the summary of them
    assert out[0] == headline(c) and any(line.startswith("warning: The runs judged different items") for line in out)
    page = tmp_path / out[-1].rsplit("/", 1)[-1]
    assert page.exists() and len(page.name) < 60
    assert any(line.startswith("position_bias") and "scripted/gold" in line for line in out)


def test_cli_compare_last_needs_enough_runs(position_runs, tmp_path, capsys):
    db, _, _ = position_runs
    assert main(["compare", "--last", "9", "--db", str(db), "--out", str(tmp_path)]) != 0
    assert "--last 9 needs 9" in capsys.readouterr().err


def test_cue_probe_runs_headline_on_mean_cue_net_effect(three_runs):  # noqa: F811
    db, ids = three_runs
    c = compare_runs(db, ids, n_boot=2000)  # Holm over 14 tests needs the bootstrap p's resolution
    text = headline(c)
    m = c.ranking[c.ranking.criterion == "mean_abs_cue_net_effect"].set_index("judge")
    assert text.startswith("On 40 common items, scripted/first=0.0 has the lowest mean |cue_net_effect| over the "
                           "common cue probes: ")
    row = m.loc["scripted/first=0.0"]
    assert interval(row.estimate, row.ci_low, row.ci_high) in text
    assert "a difference these data support" in text  # the runner-up follows the bandwagon cue (planted 0.6)


def test_compare_without_runs_says_how_to_name_them(position_runs, tmp_path, capsys):
    db, _, _ = position_runs
    assert main(["compare", "--db", str(db), "--out", str(tmp_path)]) != 0
    assert "--last N" in capsys.readouterr().err
