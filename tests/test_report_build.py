"""build_report / build_comparison from the store: sections, escaping, bounded pages, extra sections."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
from plotly.offline import get_plotlyjs

from judgekit import api
from judgekit.report import queries as q
from judgekit.report.build import build_comparison, build_report
from judgekit.report.sections import segments

PAYLOAD = ('<script>document.title="pwned";window.__pwned=1</script>'
           '<img src=x onerror="window.__pwned=2;document.title=\'pwned\'">')


def payload_items(path, n=24):
    """Fact items whose responses and prompts carry script payloads."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            label = "AB"[i % 2]
            right, wrong = f"It is {i * 3}. {PAYLOAD}", f"It is {i * 3 + 1}. {PAYLOAD}"
            a, b = (right, wrong) if label == "A" else (wrong, right)
            fh.write(json.dumps({"id": f"x{i}", "prompt": f"What is {i} x 3? {PAYLOAD}", "response_a": a,
                                 "response_b": b, "label": label, "kind": "fact",
                                 "category": "<b onmouseover=alert(1)>cat</b>"}) + "\n")
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rb")
    db = tmp / "r.duckdb"
    data = payload_items(tmp / "d.jsonl")
    ids = [api.evaluate("bias", judge=j, data=str(data), db=db, make_report=False, progress=False,
                        probes=["position", "bandwagon", "authority", "verbosity"]).run_id
           for j in ("scripted/bandwagon=0.6,longer=0.3,first=0.4", "scripted/first=0.0")]
    return db, ids, tmp


def test_report_sections_figures_and_plotly_once(store):
    db, ids, tmp = store
    page = build_report(db, ids[0], tmp / "out").read_text(encoding="utf-8")
    assert page.count(get_plotlyjs()[:300]) == 1 and "<script src" not in page
    for sec in ("card", "profile", "probe-position", "probe-bandwagon", "probe-authority", "probe-verbosity",
                "methods", "details"):
        assert f'id="{sec}"' in page
    n_figs = len(re.findall(r'class="plotly-graph-div"', page))
    assert n_figs == 1 + 3 + 3 * 3  # profile, position x3, three figures per cue probe
    assert page.count("<b>How to read this:</b>") >= n_figs
    assert "judgekit.bias-card/1" in page and "Package versions" in page and "cue_other" in page
    assert '<table class="sortable' in page and "<mark>" in page


def test_dataset_text_is_escaped_everywhere(store):
    db, ids, tmp = store
    page = build_report(db, ids[0], tmp / "out").read_text(encoding="utf-8")
    assert "<script>document.title" not in page and "<img src=x" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;document.title" in page and "&lt;img src=x onerror=" in page
    assert "&lt;b onmouseover=alert(1)&gt;cat&lt;/b&gt;" in page
    cmp = build_comparison(db, ids, tmp / "cmp.html", n_boot=200).read_text(encoding="utf-8")
    assert "<script>document.title" not in cmp and "<img src=x" not in cmp


def test_examples_are_bounded_and_extra_sections_inserted(store):
    db, ids, tmp = store
    extra = [("PROFILE analysis", '<p id="extra-marker">factor table</p>')]
    page = build_report(db, ids[0], tmp / "out2", extra_sections=extra, examples_per_probe=2)\
        .read_text(encoding="utf-8")
    assert page.count('class="example"') <= 3 * 2 + 8
    assert '<p id="extra-marker">factor table</p>' in page and ">PROFILE analysis</h2>" in page


def test_queries_match_stored_metrics(store):
    db, ids, _ = store
    m = api.metrics(ids[0], db=db)
    with duckdb.connect(str(db), read_only=True) as con:
        ib = q.item_bias(con, ids[0])
        hist = q.p_first_hist(con, ids[0])
        counts = q.counts(con, ids[0])
        flips = q.flip_counts(con, ids[0])
    for probe, g in ib.groupby("probe"):
        be = m[(m.probe == probe) & (m.metric == "bias_effect") & (m.subset == "all")].estimate.iloc[0]
        assert g["diff"].sum() / g["n"].sum() == pytest.approx(be)
        fr = m[(m.probe == probe) & (m.metric == "flip_rate") & (m.subset == "all")].estimate.iloc[0]
        f = flips[flips.probe == probe].iloc[0]
        assert f.n_flipped / f.n_pairs == pytest.approx(fr)
    pos = api.verdicts(ids[0], db=db)
    pos = pos[(pos.probe == "position") & pos.p_a.notna()]
    assert hist["n"].sum() == len(pos) and hist["bin"].between(0, 19).all()
    assert counts["n_verdicts"] == len(api.verdicts(ids[0], db=db))


def test_segments_mark_the_cue_and_cut_around_it():
    s = segments("x" * 2000 + " CUE HERE " + "y" * 100, "CUE HERE", limit=300)
    assert [p for p in s["parts"] if p[1]] == [("CUE HERE", True)] and s["cut_before"] and s["omitted"] == 1810
    assert "".join(t for t, _ in s["parts"]).count("x") < 300
    assert segments("no cue", "absent")["parts"] == [("no cue", False)]


def test_report_of_run_without_metrics_computes_them(store, tmp_path):
    db, ids, _ = store
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE metrics_backup AS SELECT * FROM metrics WHERE run_id = ?", [ids[1]])
        con.execute("DELETE FROM metrics WHERE run_id = ?", [ids[1]])
    try:
        page = build_report(db, ids[1], tmp_path).read_text(encoding="utf-8")
        assert 'id="probe-bandwagon"' in page and "bias_effect" in page
    finally:
        with duckdb.connect(str(db)) as con:
            con.execute("INSERT INTO metrics SELECT * FROM metrics_backup")
            con.execute("DROP TABLE metrics_backup")


def test_every_embedded_figure_wears_the_theme_plotly_would_give_it():
    """Figures are built on the empty template and embedded with the theme's JSON read from plotly's own file:
    the same JSON as asking plotly for the theme by name."""
    import json
    import re

    import plotly.graph_objects as go
    import plotly.io as pio

    from judgekit.report.figures import THEME, embed_figure, new_figure, theme_json

    assert theme_json() == pio.templates[THEME].to_plotly_json()
    fig = new_figure(go.Bar(x=["a", "b"], y=[1, 2]))
    fig.update_layout(height=300)
    html = embed_figure(fig, 300, "jk-test")
    payload = json.loads(re.search(r"var f=(\{.*\});Plotly", html).group(1))
    named = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    named.update_layout(template=THEME, height=300)
    assert payload["layout"] == named.to_plotly_json()["layout"]
    assert payload["data"] == named.to_plotly_json()["data"]
