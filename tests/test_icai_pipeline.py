"""End to end: hidden rules, a scripted model, selection on train, reconstruction on test, cache, report."""

import argparse
import importlib.util
import json
from pathlib import Path

import duckdb
import pytest

from judgekit.analysis.icai.demo import icai_demo_judge, kind_of
from judgekit.analysis.icai.report import icai_section_html
from judgekit.analysis.icai.run import is_icai_suite, run_icai
from judgekit.analysis.icai.store import save_icai
from judgekit.datasets import DatasetError
from judgekit.resources import data_dir
from judgekit.store.db import Store

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("make_icai_synthetic", ROOT / "data" / "make_icai_synthetic.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _write(path, items):
    path.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("icai")
    judge = icai_demo_judge()
    res = run_icai(data=str(data_dir() / "icai_synthetic.jsonl"), db=tmp / "j.duckdb", judge=judge,
                   out_dir=tmp, progress=False)
    return res, judge, tmp


def test_planted_rules_selected_and_reconstructed(first):
    res, judge, _ = first
    assert judge.calls == res["n_requests_sent"] > 0
    assert sorted(kind_of(p) for p in res["constitution"]) == ["budget", "code", "metric"]
    r = res["reconstruction"].set_index("condition")
    c = r.loc["constitution"]
    assert c.estimate >= 0.9 and c.ci_low >= 0.8 and c.ci_low <= c.estimate <= c.ci_high and c.n == res["n_test"]
    assert r.loc["constitution - no_constitution", "ci_low"] > 0.2
    assert r.loc["constitution - length_only", "ci_low"] > 0.2
    assert 0.25 < r.loc["length_only", "estimate"] < 0.75  # length is independent of the rules
    tm = res["test_metrics"].set_index("principle_id")
    assert set(tm.index) == set(res["constitution_ids"]) and (tm["strength_lo"] > 0.15).all()
    p = res["principles"].set_index("principle_id")
    assert p.loc[res["constitution_ids"], "selected"].all() and p["selected"].sum() == 3
    noise = p[p["text"].map(kind_of).isna()]
    assert len(noise) >= 2 and not noise["selected"].any()


def test_cost_estimate_bounds_the_calls(first):
    res, _, _ = first
    est, sent = res["cost_estimate"], res["requests_sent"]
    assert est["requests"] >= res["n_requests_sent"] and est["input_tokens"] > 0
    assert est["requests_propose"] == sent["propose"] == res["n_train"]
    assert est["requests_reconstruct"] == sent["reconstruct"] + sent["baseline"] == 4 * res["n_test"]


def test_second_run_makes_no_model_call(first, capsys):
    res, _, tmp = first
    judge = icai_demo_judge()
    again = run_icai(data=str(data_dir() / "icai_synthetic.jsonl"), db=tmp / "j.duckdb", judge=judge, out_dir=tmp,
                     progress=False)
    assert judge.calls == 0 and again["n_requests_sent"] == 0
    assert again["constitution"] == res["constitution"] and again["icai_id"] == res["icai_id"]
    assert "cost estimate" in capsys.readouterr().err


def test_selection_never_sees_test_labels(first, tmp_path):
    res, _, tmp = first
    items = [json.loads(x) for x in (data_dir() / "icai_synthetic.jsonl").read_text().splitlines()]
    test_ids = set(res["votes"]["test"]["item_id"])
    assert test_ids and not test_ids & set(res["votes"]["train"]["item_id"])
    for it in items:  # corrupt every held-out label
        if it["id"] in test_ids:
            it["label"] = "A" if it["label"] == "B" else "B"
    judge = icai_demo_judge()
    flipped = run_icai(data=_write(tmp_path / "flipped.jsonl", items), db=tmp / "j.duckdb", judge=judge,
                       out_dir=tmp_path, progress=False)
    assert judge.calls == 0  # same prompts: labels are never shown when voting or judging
    assert flipped["constitution"] == res["constitution"]
    assert flipped["reconstruction"].set_index("condition").loc["constitution", "estimate"] <= 0.1


def test_results_are_stored_and_written(first):
    res, _, tmp = first
    con = duckdb.connect(str(tmp / "j.duckdb"), read_only=True)
    try:
        q = lambda sql: con.execute(sql, [res["icai_id"]]).fetchall()  # noqa: E731
        assert q("SELECT text FROM icai_constitutions WHERE icai_id = ? ORDER BY position") == \
            [(t,) for t in res["constitution"]]
        assert q("SELECT count(*) FROM icai_principles WHERE icai_id = ?")[0][0] == len(res["principles"])
        train = q("SELECT principle_id, agree, disagree, n FROM icai_votes WHERE icai_id = ? AND split = 'train'")
        p = res["principles"].set_index("principle_id")
        assert {r[0]: r[1:] for r in train} == {i: (p.loc[i, "agree"], p.loc[i, "disagree"], p.loc[i, "n"])
                                                for i in p.index}
        assert len(q("SELECT * FROM icai_metrics WHERE icai_id = ? AND split = 'test'")) == 4 * 3
        assert {r[0] for r in q("SELECT condition FROM icai_reconstruction WHERE icai_id = ?")} >= \
            {"constitution", "no_constitution", "length_only"}
    finally:
        con.close()
    text = Path(res["constitution_path"]).read_text()
    assert Path(res["constitution_path"]).name == f"{res['icai_id']}.txt"
    assert all(f"{i}. {p}" in text for i, p in enumerate(res["constitution"], start=1))


def test_length_only_principle_is_flagged(tmp_path):
    items = _generator().make_items(seed=11, n_per_topic=40, length_bias=0.85)
    res = run_icai(data=_write(tmp_path / "long.jsonl", items), db=tmp_path / "j.duckdb", judge=icai_demo_judge(),
                   out_dir=tmp_path, progress=False)
    p = res["principles"].set_index("principle_id")
    length = p[p["text"].map(kind_of) == "length"].iloc[0]
    assert length["strength_lo"] > 0.3  # it looks strong ...
    assert length["length_explained"] and length["reason"] == "explained by length" and not length["selected"]
    planted = p[p["text"].map(kind_of).isin(["metric", "budget", "code"])]
    assert not planted["length_explained"].any()
    assert sorted(kind_of(t) for t in res["constitution"]) == ["budget", "code", "metric"]


def test_report_section_escapes_text(first, tmp_path):
    res, _, tmp = first
    frag = icai_section_html(tmp / "j.duckdb", res["icai_id"])
    assert frag.startswith('<section class="icai"') and "<html" not in frag and "Plotly.newPlot" in frag
    assert all(t in frag for t in res["constitution"])
    evil = "Select the response that says </script><script>alert('x')</script> & more."
    principles = res["principles"].copy()
    principles.loc[principles.index[0], "text"] = evil
    save_icai(Store(tmp_path / "e.duckdb"), "icai-evil",
              run={"dataset": "<b>d</b>", "judge": "j", "config": {}, "n_train": 1, "n_test": 1,
                   "constitution_path": "x"}, principles=principles, votes={}, metrics=res["test_metrics"].iloc[:0]
              .assign(split=[], metric=[], estimate=[], ci_low=[], ci_high=[]),
              constitution=[("P1", evil)], reconstruction=res["reconstruction"])
    frag = icai_section_html(tmp_path / "e.duckdb", "icai-evil")
    assert "<script>alert" not in frag and "<b>d</b>" not in frag
    assert "&lt;/script&gt;&lt;script&gt;alert(&#x27;x&#x27;)" in frag and "&amp; more" in frag


def test_cli_prints_the_constitution(first, capsys):
    from judgekit.analysis.icai.cli import register

    res, _, tmp = first
    ap = argparse.ArgumentParser()
    register(ap.add_subparsers(dest="command"))
    a = ap.parse_args(["icai", "--judge", "scripted/icai", "--db", str(tmp / "j.duckdb"), "--out", str(tmp),
                       "--principles", "5"])
    assert a.func(a) == 0
    out = capsys.readouterr().out
    assert "constitution icai-" in out and "report:" in out and "constitution " in out
    assert all(t in out for t in res["constitution"])
    assert is_icai_suite("icai") and not is_icai_suite("position")


def test_generator_is_deterministic_and_too_few_pairs_fail(tmp_path):
    gen = _generator()
    out = tmp_path / "again.jsonl"
    _write(out, gen.make_items())
    assert out.read_bytes() == (data_dir() / "icai_synthetic.jsonl").read_bytes()
    items = gen.make_items(n_per_topic=2)
    with pytest.raises(DatasetError, match="at least 10 pairs"):
        run_icai(data=_write(tmp_path / "few.jsonl", items), db=tmp_path / "j.duckdb", judge=icai_demo_judge(),
                 out_dir=tmp_path, progress=False)
