"""run_profile end to end: planted truth, LLM extraction through the engine, storage, report, CLI."""

import argparse
import json
import math
import random
import re

import duckdb
import pytest

from judgekit import api
from judgekit.analysis.profile.cli import register
from judgekit.analysis.profile.importers import read_judgments_file
from judgekit.analysis.profile.report import profile_section_html
from judgekit.analysis.profile.run import run_profile
from judgekit.analysis.profile.store import write_judgments
from judgekit.judges.scripted import ScriptedJudge
from judgekit.store import Store
from judgekit.types import JudgeOutput

_FACT = re.compile(r"\bNotably\b")


def _text(rng, n_facts, n_filler, hedge):
    parts = [f"Notably the {rng.choice(['river', 'tower', 'bridge'])} spans {rng.choice(['north', 'south'])} lands."
             for _ in range(n_facts)]
    parts += ["This part just restates the question again."] * n_filler
    if hedge:
        parts.append("This might possibly help.")
    rng.shuffle(parts)
    return " ".join(parts)


def write_planted(path, n=400, seed=3):
    """Humans (gold labels) prefer more facts whatever the length; filler makes length only correlated."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fa, fb = rng.randint(1, 8), rng.randint(1, 8)
            a = _text(rng, fa, rng.randint(0, 8), rng.random() < 0.5)
            b = _text(rng, fb, rng.randint(0, 8), rng.random() < 0.5)
            p = 1 / (1 + math.exp(-1.2 * (fa - fb)))
            fh.write(json.dumps({"id": f"s{i}", "prompt": f"Tell me about place {i}.", "response_a": a,
                                 "response_b": b, "label": "A" if rng.random() < p else "B"}) + "\n")
    return path


def prefers_longer(req, gold, rng):
    d = len(req.first.split()) - len(req.second.split())
    return JudgeOutput(choice="A" if rng.random() < 1 / (1 + math.exp(-0.08 * d)) else "B", raw="")


def count_facts(req, gold, rng):
    response = req.prompt.split("[Response]", 1)[1]
    return JudgeOutput(choice="invalid", raw=f"I see several.\nScore: {len(_FACT.findall(response))}")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    d = tmp_path_factory.mktemp("profile")
    data, db = write_planted(d / "planted.jsonl"), d / "p.duckdb"
    res = api.evaluate("position", judge_obj=ScriptedJudge(spec="scripted/random", policy=prefers_longer),
                       data=str(data), db=db, make_report=False, progress=False)
    ext = ScriptedJudge(spec="scripted/gold", policy=count_facts)
    out = run_profile(data=str(data), db=db, judges=("scripted/random",), extractor=ext,
                      factors=("length", "hedging", "facts"), progress=False, n_boot=500)
    return {"data": data, "db": db, "run_id": res.run_id, "out": out, "ext": ext}


def test_planted_profiles_are_recovered(planted):
    out = planted["out"]
    assert out["run_ids"] == [planted["run_id"]] and out["annotators"] == ["human", "scripted/random"]
    t = out["influence"].set_index(["annotator", "factor"])
    assert t.loc[("human", "facts"), "estimate"] > 0.6 and t.loc[("scripted/random", "length"), "estimate"] > 0.6
    assert t.loc[("human", "facts"), "estimate"] > t.loc[("human", "length"), "estimate"] > 0
    assert t.loc[("scripted/random", "length"), "estimate"] > t.loc[("scripted/random", "facts"), "estimate"] > 0
    assert t.loc[("human", "length"), "ci_low"] > 0  # marginally, length "drives" humans too
    j = out["joint"]
    joint = j[j["metric"] == "joint_log_odds"].set_index(["annotator", "factor"])
    hl, jf = joint.loc[("human", "length")], joint.loc[("scripted/random", "facts")]
    assert hl["ci_low"] <= 0 <= hl["ci_high"] and bool(hl["flag"])
    assert jf["ci_low"] <= 0 <= jf["ci_high"] and bool(jf["flag"])
    assert joint.loc[("human", "facts"), "ci_low"] > 0 and joint.loc[("scripted/random", "length"), "ci_low"] > 0
    al = out["alignment"]
    mis = set(al[(al["metric"] == "tau_difference") & al["flag"].astype(bool)]["factor"])
    assert {"facts", "length"} <= mis
    sb = out["style_bt"].set_index(["annotator", "factor"])
    assert sb.loc[("scripted/random", "style:length"), "ci_low"] > 0
    # the extractor measured each distinct (prompt, response) once for its one LLM factor
    recs = [json.loads(x) for x in planted["data"].open(encoding="utf-8")]
    assert planted["ext"].calls == len({(r["prompt"], r[k]) for r in recs for k in ("response_a", "response_b")})


def test_results_and_values_are_stored(planted):
    con = duckdb.connect(str(planted["db"]), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM profile_results WHERE analysis_id = ?",
                        [planted["out"]["analysis_id"]]).fetchone()[0]
        facts = con.execute("SELECT count(*), count(value) FROM factor_values WHERE factor = 'facts'").fetchone()
    finally:
        con.close()
    assert n == len(planted["out"]["results"]) + 1  # plus the meta row
    assert facts[0] == facts[1] > 0


def test_report_section(planted):
    html_by_id = profile_section_html(planted["db"], planted["out"]["analysis_id"])
    html_by_run = profile_section_html(planted["db"], planted["run_id"])
    assert planted["out"]["analysis_id"] in html_by_id and planted["out"]["analysis_id"] in html_by_run
    assert "jk-misaligned" in html_by_id and "explained by correlates" in html_by_id
    assert "Plotly.newPlot" in html_by_id and "<script src" not in html_by_id  # the page provides plotly.js
    assert "No profile analysis" in profile_section_html(planted["db"], "no-such-run")


def test_extractor_cache_and_unparseable_answers_are_missing(tmp_path):
    data = write_planted(tmp_path / "small.jsonl", n=12, seed=9)
    db = tmp_path / "s.duckdb"

    def flaky(req, gold, rng):
        n = len(_FACT.findall(req.prompt.split("[Response]", 1)[1]))
        return JudgeOutput(choice="invalid", raw="Hard to say, between 2 and 5." if n % 2 else f"Score: {n}")

    ext = ScriptedJudge(spec="scripted/gold", policy=flaky)
    first = run_profile(data=str(data), db=db, extractor=ext, factors=("length", "facts"), progress=False,
                        n_boot=100)
    calls = ext.calls
    assert calls == 24
    second = run_profile(data=str(data), db=db, extractor=ext, factors=("length", "facts"), progress=False,
                         n_boot=100)
    assert ext.calls == calls  # served from the completions cache: zero new calls
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT value, raw FROM factor_values WHERE factor = 'facts'").fetchall()
    finally:
        con.close()
    missing = [r for r in rows if r[0] is None]
    assert missing and all("between" in r[1] for r in missing)
    assert all(r[0] == len(_FACT.findall(r[1])) or r[0] == float(r[1].split(": ")[1]) for r in rows if r[0] is not None)
    for res in (first, second):
        f = res["influence"].set_index("factor").loc["facts"]
        assert json.loads(f["note"])["n_missing"] > 0


def test_imported_judgments_and_cli(tmp_path, capsys):
    data = write_planted(tmp_path / "d.jsonl", n=60, seed=2)
    db = tmp_path / "c.duckdb"
    csv = tmp_path / "j.csv"
    rows = ["pair_id,annotator,choice,annotator_kind"]
    rows += [f"s{i},<img src=x>,{'A' if i % 3 else 'tie'},judge" for i in range(60)]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    write_judgments(Store(db), read_judgments_file(csv, "table").judgments)
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    a = parser.parse_args(["profile", "--data", str(data), "--db", str(db), "--n-boot", "100",
                           "--factors", "length,hedging,readability", "--out", str(tmp_path / "reports")])
    assert a.func(a) == 0
    out = capsys.readouterr().out
    assert "factor influence" in out and "<img src=x>" in out and "human" in out
    page = profile_section_html(db)
    assert "<img src=x>" not in page and "&lt;img src=x&gt;" in page


def test_length_controlled_win_rate_through_run_profile(tmp_path):
    """A judge that only likes length: high raw win rate for the verbose model, LC win rate near 0.5."""
    rng = random.Random(5)
    data, rows = tmp_path / "models.jsonl", ["pair_id,annotator,choice,annotator_kind"]
    with data.open("w", encoding="utf-8") as fh:
        for i in range(600):
            verbose = " ".join(["word"] * max(5, int(rng.gauss(120, 40))))
            base = " ".join(["word"] * max(5, int(rng.gauss(70, 40))))
            first_verbose = rng.random() < 0.5
            a, b = (verbose, base) if first_verbose else (base, verbose)
            fh.write(json.dumps({"id": f"m{i}", "prompt": f"q{i}", "response_a": a, "response_b": b,
                                 "metadata": {"model_a": "verbose" if first_verbose else "base",
                                              "model_b": "base" if first_verbose else "verbose"}}) + "\n")
            d = (len(a.split()) - len(b.split())) / 50
            choice = "A" if rng.random() < 1 / (1 + math.exp(-3 * math.tanh(d))) else "B"
            rows.append(f"m{i},lengthy-judge,{choice},judge")
    csv = tmp_path / "j.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = tmp_path / "m.duckdb"
    write_judgments(Store(db), read_judgments_file(csv, "table").judgments)
    out = run_profile(data=str(data), db=db, factors=("length",), progress=False, n_boot=100)
    lc = out["length_control"].set_index(["factor", "metric"])
    assert lc.loc[("verbose", "raw_win_rate"), "estimate"] > 0.7
    v = lc.loc[("verbose", "lc_win_rate")]
    assert v["ci_low"] <= 0.5 <= v["ci_high"] and abs(v["estimate"] - 0.5) < 0.08
    assert lc.loc[("base", "lc_win_rate"), "ci_low"] <= 0.5 <= lc.loc[("base", "lc_win_rate"), "ci_high"]


def test_eval_profile_suite_prints_factor_influence(tmp_path, capsys):
    from judgekit.cli import main

    rc = main(["eval", "--suite", "profile", "--judge", "scripted/longer=0.6", "--db", str(tmp_path / "p.duckdb"),
               "--no-report"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "factor influence tau(f)" in out
    length = next(line for line in out.splitlines() if line.strip().startswith("length "))
    assert "human:" in length and "scripted/longer=0.6:" in length
