"""`judgekit import` on small files of each format: rows written as a run, detection, errors, round trip."""

import json

import pandas as pd
import pytest

from judgekit import api
from judgekit.cli import main
from judgekit.datasets import DatasetError, load_items
from judgekit.imports import detect_format, read_files
from judgekit.store.db import Store


def _write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _metric(db, run_id, metric, subset="all"):
    m = Store(db, create=False).metrics(run_id)
    return float(m[(m["metric"] == metric) & (m["subset"] == subset)]["estimate"].iloc[0])


def _run_ids(capsys):
    return [line.split()[1].rstrip(":") for line in capsys.readouterr().out.splitlines() if line.startswith("run ")]


def _judgebench_rows():
    def rec(pid, label, d1, d2):
        return {"pair_id": pid, "question": f"q{pid}", "response_A": f"a{pid}", "response_B": f"b{pid}",
                "label": label, "judge": "arena_hard/gpt-4o",
                "judgments": [{"judgment": {"response": f"... [[{d1}]]"}, "decision": d1},
                              {"judgment": {"response": "..."}, "decision": d2}]}
    # pair 3: A>B then (swapped) A=B: one decisive verdict plus a tie; pair 4: unparsed second order
    return [rec("1", "A>B", "A>B", "B>A"), rec("2", "B>A", "B>A", "A>B"), rec("3", "A>B", "A>B", "A=B"),
            rec("4", "B>A", "A>B", "garbage")]


def test_judgebench_import_is_a_run(tmp_path, capsys):
    db = tmp_path / "x.duckdb"
    f = _write_jsonl(tmp_path / "out.jsonl", _judgebench_rows())
    assert detect_format(f) == "judgebench"
    assert main(["import", str(f), "--db", str(db)]) == 0
    (rid,) = _run_ids(capsys)
    v = api.verdicts(rid, db=db)
    assert len(v) == 8 and set(v["order"]) == {"AB", "BA"} and v["raw"].notna().all()
    assert v[v["item_id"] == "4"]["choice"].tolist() == ["A", "invalid"]
    run = Store(db, create=False).run(rid)
    assert run["judge"] == "arena_hard/gpt-4o" and run["status"] == "finished" and run["config"]["imported"]
    # pairs 1, 2: both orders right; 3: decisive + tie counts as a win; 4: wrong
    assert _metric(db, rid, "accuracy_swap_vote") == pytest.approx(3 / 4)
    assert _metric(db, rid, "position_consistency") == pytest.approx(2 / 3)
    assert _metric(db, rid, "parse_failure_rate") == pytest.approx(1 / 8)
    # report, card, compare and the notebook API work unchanged on an imported run
    assert api.report(rid, db=db, out=tmp_path / "rep").is_file()
    card = api.card(rid, db=db)
    assert card["run"]["run_id"] == rid and card["judge"]["spec"] == "arena_hard/gpt-4o"
    assert main(["import", str(f), "--db", str(db), "--judge-name", "other"]) == 0
    (rid2,) = _run_ids(capsys)
    assert api.compare([rid, rid2], db=db, out=tmp_path / "cmp", n_boot=50).is_file()
    # importing the same judgments again reuses the run
    assert main(["import", str(f), "--db", str(db)]) == 0
    assert "already imported" in capsys.readouterr().out and len(api.runs(db)) == 2


def test_mtbench_pairwise_judgments(tmp_path, capsys):
    rows = [{"question_id": 81, "model_1": "gpt-4", "model_2": "vicuna", "g1_winner": "model_1",
             "g2_winner": "model_1", "judge": ["gpt-4", "pair-v2"], "g1_judgment": "[[A]]", "g2_judgment": "[[B]]",
             "turn": 1},
            {"question_id": 82, "model_1": "gpt-4", "model_2": "vicuna", "g1_winner": "model_1",
             "g2_winner": "model_2", "judge": ["gpt-4", "pair-v2"], "g1_judgment": "[[A]]", "g2_judgment": "[[A]]",
             "turn": 1}]
    f = _write_jsonl(tmp_path / "gpt-4_pair.jsonl", rows)
    db = tmp_path / "x.duckdb"
    assert main(["import", str(f), "--db", str(db)]) == 0
    (rid,) = _run_ids(capsys)
    v = api.verdicts(rid, db=db).set_index(["item_id", "order"])
    # g2 shows model_2 first and names the winner by model: model_1 winning there is presented position B
    assert v.loc[("81;gpt-4;vicuna;turn1", "BA"), "choice"] == "B"
    assert v.loc[("82;gpt-4;vicuna;turn1", "BA"), "choice"] == "A"
    assert Store(db, create=False).run(rid)["judge"] == "gpt-4/pair-v2"
    assert _metric(db, rid, "position_consistency") == 0.5
    assert _metric(db, rid, "preference_fairness_shi") == -0.5  # the inconsistent pair chose A both times


def test_pba_record_tsv_repetitions_make_one_run(tmp_path, capsys):
    base = {"question": "Q", "answer1": "first", "answer2": "second", "task": "t"}
    files = []
    for k, texts in enumerate((["Choice: A", "Choice: B"], ["Choice: A", "no choice here"]), start=1):
        df = pd.DataFrame([{"cmp_index": "q1;human;m1", "A": "human", "B": "m1", **base, "judgeX": texts[0]},
                           {"cmp_index": "q1;m1;human", "A": "m1", "B": "human", **base, "judgeX": texts[1]}])
        p = tmp_path / f"Repetition{k}-record_judgeX_2.tsv"
        df.to_csv(p, sep="\t", index=False)
        files.append(p)
    db = tmp_path / "x.duckdb"
    assert main(["import", *map(str, files), "--db", str(db)]) == 0
    (rid,) = _run_ids(capsys)
    v = api.verdicts(rid, db=db)
    assert sorted(v["repeat"].unique()) == [0, 1] and v["choice"].tolist().count("invalid") == 1
    assert set(v["item_id"]) == {"q1;human;m1"}
    assert _metric(db, rid, "repetition_stability_majority") == pytest.approx((1 + 0.5) / 2)
    assert _metric(db, rid, "preference_fairness_shi", "repeat=1") == 0.0  # the N pair counts in n_pairs
    assert _metric(db, rid, "n_pairs_with_invalid", "repeat=1") == 1


def test_llmbar_result(tmp_path, capsys):
    d = tmp_path / "Neighbor" / "GPT-4" / "Vanilla"
    d.mkdir(parents=True)
    rows = [{"input": "i1", "output_1": "o1", "output_2": "o2", "label": 1,
             "results": [{"swap = False": {"completion": ["x"], "winner": "1"},
                          "swap = True": {"completion": ["y"], "winner": "1"}}]},
            {"input": "i2", "output_1": "o1", "output_2": "o2", "label": 2,
             "results": [{"swap = False": {"completion": ["x"], "winner": "1"},
                          "swap = True": {"completion": ["y"], "winner": None}}]}]
    f = d / "result.json"
    f.write_text(json.dumps(rows), encoding="utf-8")
    db = tmp_path / "x.duckdb"
    assert main(["import", str(f), "--db", str(db)]) == 0
    (rid,) = _run_ids(capsys)
    assert Store(db, create=False).run(rid)["judge"] == "GPT-4/Vanilla"
    assert _metric(db, rid, "accuracy_strict") == 0.5  # 2 of 4 verdicts right; the unparsed one counts wrong
    assert _metric(db, rid, "positional_agreement_llmbar") == 0.5


def test_alpaca_soft_preferences_and_generator_in_pair_id(tmp_path, capsys):
    def rec(g2, pref, o2="Hello there, how are you?"):
        return {"instruction": "Say hi", "output_1": "Hi.", "output_2": o2, "generator_1": "base",
                "generator_2": g2, "annotator": "weighted_gpt4", "preference": pref}
    f1 = tmp_path / "m1.json"
    f1.write_text(json.dumps([rec("m1", 1.8), rec("m1", 1.2, "Yo"), rec("m1", None)]), encoding="utf-8")
    f2 = tmp_path / "m2.json"
    f2.write_text(json.dumps([rec("m2", 1.5)]), encoding="utf-8")
    db = tmp_path / "x.duckdb"
    assert main(["import", str(f1), "--db", str(db)]) == 0 and main(["import", str(f2), "--db", str(db)]) == 0
    r1, _ = _run_ids(capsys)
    assert _metric(db, r1, "win_rate") == pytest.approx(50.0) and _metric(db, r1, "win_rate_discrete") == 50.0
    v = api.verdicts(r1, db=db).sort_values("p_b")
    assert v["p_b"].tolist() == pytest.approx([0.2, 0.8]) and v["choice"].tolist() == ["A", "B"]
    items = Store(db, create=False).query("SELECT DISTINCT item_id FROM items")
    assert len(items) == 3  # the same texts judged for two generators are two pairs


def test_arena_battles(tmp_path, capsys):
    conv = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    rows = [{"question_id": "q1", "model_a": "m1", "model_b": "m2", "winner": "model_a",
             "conversation_a": conv, "conversation_b": conv},
            {"question_id": "q2", "model_a": "m2", "model_b": "m1", "winner": "tie (bothbad)"},
            {"question_id": "q3", "model_a": "m1", "model_b": "m2", "winner": "model_b", "judge": "gpt-4"}]
    f = tmp_path / "battles.json"  # one JSON object per line, under a .json name
    _write_jsonl(f, rows)
    assert detect_format(f) == "arena"
    db = tmp_path / "x.duckdb"
    assert main(["import", str(f), "--db", str(db)]) == 0
    ids = _run_ids(capsys)
    runs = Store(db, create=False).runs().set_index("judge")
    assert len(ids) == 2 and runs.loc["arena", "n_verdicts"] == 2 and runs.loc["gpt-4", "n_verdicts"] == 1
    v = api.verdicts(runs.loc["arena", "run_id"], db=db).set_index("item_id")
    assert v.loc["q1;m1;m2", "choice"] == "A" and v.loc["q1;m1;m2", "response_a"] == "hello"
    assert v.loc["q2;m2;m1", "choice"] == "tie"
    bad = _write_jsonl(tmp_path / "bad.jsonl", [{"model_a": "m1", "model_b": "m2", "winner": "nobody"}])
    with pytest.raises(DatasetError, match=r"bad\.jsonl, row 1, field 'winner'"):
        read_files([bad], "arena")


def test_table_order_repeat_and_label(tmp_path, capsys):
    p = tmp_path / "j.tsv"
    p.write_text("pair_id\tannotator\tchoice\torder\tlabel\nq1\tann\tA\tAB\tA\nq1\tann\tA\tBA\tA\n"
                 "q2\tann\tB\tAB\tA\nq2\tann\tA\tBA\tA\n", encoding="utf-8")
    db = tmp_path / "x.duckdb"
    assert main(["import", str(p), "--db", str(db)]) == 0
    (rid,) = _run_ids(capsys)
    v = api.verdicts(rid, db=db).set_index(["item_id", "order"])
    assert v.loc[("q1", "BA"), "choice"] == "B" and v.loc[("q1", "BA"), "chosen"] == "A"
    assert _metric(db, rid, "accuracy") == 0.75 and _metric(db, rid, "position_consistency") == 0.5


def test_judgekit_export_round_trip(tmp_path, capsys):
    db = tmp_path / "x.duckdb"
    f = _write_jsonl(tmp_path / "out.jsonl", _judgebench_rows())
    assert main(["import", str(f), "--db", str(db)]) == 0
    (rid,) = _run_ids(capsys)
    exported = tmp_path / "export.parquet"
    api.verdicts(rid, db=db).drop(columns=["created_at"]).to_parquet(exported)
    db2 = tmp_path / "y.duckdb"
    assert detect_format(exported) == "judgekit"
    assert main(["import", str(exported), "--db", str(db2)]) == 0
    (rid2,) = _run_ids(capsys)
    cols = ["item_id", "order", "repeat", "choice", "chosen", "correct", "raw", "label"]
    a = api.verdicts(rid, db=db)[cols].reset_index(drop=True)
    b = api.verdicts(rid2, db=db2)[cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    m1, m2 = (Store(d, create=False).metrics(r)[["metric", "subset", "estimate"]].reset_index(drop=True)
              for d, r in ((db, rid), (db2, rid2)))
    pd.testing.assert_frame_equal(m1, m2)


def test_annotated_pairs_principles_command(tmp_path, capsys):
    data = {"metadata": {"default_annotator": "ref", "dataset_name": "demo"},
            "annotators": {"ref": {"name": "human", "type": "unknown"}, "j": {"name": "gpt-4o", "type": "model"},
                           "p1": {"description": "Select the response that is shorter.", "type": "principle"},
                           "p2": {"description": "Select the response that rhymes", "type": "principle"}},
            "comparisons": [{"id": "c1", "prompt": "x", "response_a": {"text": "a"}, "response_b": {"text": "bb"},
                             "annotations": {"ref": {"pref": "a"}, "p1": {"pref": "a"}, "j": {"pref": "b"},
                                             "p2": {"pref": None, "no_pref_reason": "not_applicable"}}},
                            {"id": "c2", "prompt": "y", "response_a": {"text": "aa"}, "response_b": {"text": "b"},
                             "annotations": {"ref": {"pref": "a"}, "p1": {"pref": "b"},
                                             "p2": {"pref": None, "no_pref_reason": "not_applicable"}}}]}
    f = tmp_path / "ap.json"
    f.write_text(json.dumps(data), encoding="utf-8")
    db = tmp_path / "x.duckdb"
    assert main(["import", str(f), "--db", str(db)]) == 0
    rid, judge_rid = _run_ids(capsys)
    assert Store(db, create=False).run(judge_rid)["judge"] == "gpt-4o"  # the reference is the label, not a run
    assert _metric(db, judge_rid, "accuracy") == 0.0
    df = api.principles(rid, db=db).set_index("principle")
    assert df.loc["is shorter", "agreement"] == 0.5 and df.loc["is shorter", "strength"] == 0.0
    assert df.loc["rhymes", "not_applicable"] == 2 and df.loc["rhymes", "accuracy"] == 0.5  # kept, all n/a
    assert main(["profile", "--principles", rid, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "is shorter" in out and "rhymes" in out


def test_detection_and_errors(tmp_path):
    amb = tmp_path / "x.jsonl"
    _write_jsonl(amb, [{"model_a": "m", "model_b": "n", "winner": "tie", "pair_id": "p", "choice": "A"}])
    with pytest.raises(DatasetError, match="several formats fit"):
        detect_format(amb)
    unknown = _write_jsonl(tmp_path / "u.jsonl", [{"foo": 1}])
    with pytest.raises(DatasetError, match=r"no known format fits.*--format"):
        read_files([unknown])
    bad = _write_jsonl(tmp_path / "jb.jsonl", [{**_judgebench_rows()[0], "label": "A>>>B"}])
    with pytest.raises(DatasetError, match=r"jb\.jsonl, row 1, field 'label'"):
        read_files([bad], "judgebench")
    assert main(["import", str(unknown), "--db", str(tmp_path / "d.duckdb")]) == 2
    dup = tmp_path / "dup.csv"
    dup.write_text("pair_id,annotator,choice,repeat\nq1,a,A,0\nq1,a,B,0\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"two verdicts for item 'q1', order AB, repeat 0"):
        api.import_judgments([str(dup)], db=tmp_path / "d.duckdb")


def test_tsv_and_json_array_datasets(tmp_path):
    tsv = tmp_path / "d.tsv"
    tsv.write_text("prompt\tresponse_a\tresponse_b\tlabel\nQ, with comma\ta\tb\tA\n", encoding="utf-8")
    (it,) = load_items(str(tsv))
    assert it.prompt == "Q, with comma" and it.label == "A"
    arr = tmp_path / "d.json"
    arr.write_text(json.dumps([{"prompt": "Q", "response_a": "a", "response_b": "b"}]), encoding="utf-8")
    assert load_items(str(arr))[0].response_b == "b"
    arr.write_text(json.dumps([{"prompt": "Q", "response_a": "a", "response_b": "b"}, 3]), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"d\.json, row 2"):
        load_items(str(arr))
