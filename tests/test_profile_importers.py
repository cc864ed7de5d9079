"""Importers on small files written in each format: ties kept, bad rows named."""

import json

import pytest

from judgekit.analysis.profile.cli import register
from judgekit.analysis.profile.importers import read_judgments_file, write_pairs
from judgekit.analysis.profile.store import read_judgments, write_judgments
from judgekit.datasets import DatasetError, load_items
from judgekit.store import Store


def test_generic_table_csv(tmp_path):
    p = tmp_path / "j.csv"
    p.write_text("pair_id,annotator,choice\nq1,ann1,A\nq1,ann2,tie\nq2,ann1,2\nq3,gpt,response_a\n", encoding="utf-8")
    imp = read_judgments_file(p, "table")
    j = imp.judgments
    assert list(j["choice"]) == ["A", "tie", "B", "A"] and list(j["row"]) == [1, 2, 3, 4]
    assert set(j["annotator_kind"]) == {"human"} and j.iloc[1]["raw_choice"] == "tie"
    bad = tmp_path / "bad.csv"
    bad.write_text("pair_id,annotator,choice\nq1,ann1,A\nq2,ann1,maybe\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"bad\.csv, row 2, field 'choice'.*maybe"):
        read_judgments_file(bad, "table")
    missing = tmp_path / "m.jsonl"
    missing.write_text(json.dumps({"pair_id": "q1", "choice": "A"}) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"row 1, field 'annotator'"):
        read_judgments_file(missing, "table")


def test_generic_table_kind_column(tmp_path):
    p = tmp_path / "j.jsonl"
    rows = [{"item_id": "q1", "judge": "gpt-4o", "winner": "B", "label": "A", "annotator_kind": "judge"},
            {"item_id": "q1", "judge": "alice", "choice": "A", "label": "A"}]
    p.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    j = read_judgments_file(p, "table").judgments
    assert list(j["annotator_kind"]) == ["judge", "human"] and list(j["annotator"]) == ["gpt-4o", "alice"]
    assert list(j["choice"]) == ["B", "A"]  # the gold label column is never read as the choice
    p.write_text(json.dumps({"item_id": "q1", "judge": "x", "label": "A"}) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"row 1, field 'choice'"):
        read_judgments_file(p, "table")


def _alpaca(instr, o1, o2, pref, **kw):
    return {"instruction": instr, "output_1": o1, "output_2": o2, "generator_1": "gpt4_turbo",
            "generator_2": "my-model", "annotator": "weighted_alpaca_eval_gpt4_turbo", "preference": pref, **kw}


def test_alpaca_eval(tmp_path):
    p = tmp_path / "annotations.json"
    recs = [_alpaca("Say hi", "Hi.", "Hello there!", 2), _alpaca("Add 2+2", "4", "Four.", 1.0),
            _alpaca("Name a color", "Red", "Blue", 1.5), _alpaca("Pick", "x", "y", 0),
            _alpaca("Weighted", "a", "b", 1.73), _alpaca("Failed", "a", "b", None)]
    p.write_text(json.dumps(recs), encoding="utf-8")
    imp = read_judgments_file(p, "alpaca_eval")
    assert list(imp.judgments["choice"]) == ["B", "A", "tie", "tie", "B"] and imp.skipped == 1
    assert set(imp.judgments["annotator_kind"]) == {"judge"}
    assert imp.judgments.iloc[0]["model_b"] == "my-model" and len(imp.items) == 5
    out = write_pairs(imp.items, tmp_path / "pairs.jsonl")
    items = load_items(str(out))
    assert [it.id for it in items] == list(imp.judgments["pair_id"])
    assert items[0].metadata["model_a"] == "gpt4_turbo"
    p.write_text(json.dumps([_alpaca("ok", "a", "b", 1), _alpaca("bad", "a", "b", 3)]), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"annotations\.json, row 2, field 'preference'"):
        read_judgments_file(p, "alpaca_eval")
    p.write_text(json.dumps([{"instruction": "x", "output_1": "a", "preference": 1}]), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"row 1, field 'output_2'"):
        read_judgments_file(p, "alpaca_eval")


def test_arena_battles(tmp_path):
    conv = lambda q, a: [{"role": "user", "content": q}, {"role": "assistant", "content": a}]  # noqa: E731
    recs = [{"question_id": "b1", "model_a": "m1", "model_b": "m2", "winner": "model_a", "judge": "arena_user_1",
             "conversation_a": conv("Hi?", "Hello!"), "conversation_b": conv("Hi?", "Hey.")},
            {"question_id": "b2", "model_a": "m2", "model_b": "m3", "winner": "tie (bothbad)", "judge": "u2"},
            {"question_id": "b3", "model_a": "m1", "model_b": "m3", "winner": "model_b"},
            {"question_id": "b4", "model_a": "m1", "model_b": "m3", "winner": "tie"}]
    p = tmp_path / "battles.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in recs), encoding="utf-8")
    imp = read_judgments_file(p, "arena")
    j = imp.judgments
    assert list(j["choice"]) == ["A", "tie", "B", "tie"] and j.iloc[1]["raw_choice"] == "tie (bothbad)"
    assert set(j["annotator_kind"]) == {"human"} and list(j["model_a"]) == ["m1", "m2", "m1", "m1"]
    assert len(imp.items) == 1 and imp.items[0].response_b == "Hey." and imp.items[0].prompt == "Hi?"
    p2 = tmp_path / "battles.json"
    p2.write_text(json.dumps([recs[0], {"model_a": "m1", "model_b": "m2", "winner": "model_c"}]), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"battles\.json, row 2, field 'winner'.*model_c"):
        read_judgments_file(p2, "arena")


def test_annotated_pairs_v1_and_v2(tmp_path):
    data = {"metadata": {"version": "2.0", "default_annotator": "h1"},
            "annotators": {"h1": {"name": "Human", "type": "human"},
                           "p1": {"description": "Select the more concise response.", "type": "principle"}},
            "comparisons": [
                {"id": "c1", "prompt": "Write a haiku.", "response_a": {"text": "Leaves fall.", "model": "X"},
                 "response_b": {"text": "Snow on pines.", "model": "Y"},
                 "annotations": {"h1": {"pref": "a"}, "p1": {"pref": "tie"}}},
                {"id": "c2", "prompt": "Story?", "text_a": "Once.", "text_b": "Long ago.",
                 "annotations": {"h1": {"pref": "text_b"}, "p1": {"pref": None}}}]}
    p = tmp_path / "ap.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    imp = read_judgments_file(p, "annotated_pairs")
    j = imp.judgments
    assert list(zip(j["pair_id"], j["annotator"], j["annotator_kind"], j["choice"], strict=True)) == [
        ("c1", "Human", "human", "A"), ("c1", "Select the more concise response.", "judge", "tie"),
        ("c2", "Human", "human", "B")]
    assert imp.skipped == 1 and imp.items[0].metadata["model_a"] == "X" and imp.items[1].response_b == "Long ago."
    data["comparisons"][1]["annotations"]["h1"] = {"pref": "c"}
    p.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"row 2, field 'annotations\.h1\.pref'"):
        read_judgments_file(p, "annotated_pairs")


def test_store_roundtrip_and_cli(tmp_path, capsys):
    import argparse

    p = tmp_path / "j.csv"
    p.write_text("pair_id,annotator,choice\nq1,a,A\nq2,a,tie\n", encoding="utf-8")
    db = tmp_path / "x.duckdb"
    store = Store(db)
    write_judgments(store, read_judgments_file(p, "table").judgments)
    write_judgments(store, read_judgments_file(p, "table").judgments)  # re-import replaces, no duplicates
    got = read_judgments(store, ["q1", "q2", "zz"])
    assert list(got["choice"]) == ["A", "tie"]
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    ap = tmp_path / "ae.json"
    ap.write_text(json.dumps([_alpaca("Say hi", "Hi.", "Hello!", 2)]), encoding="utf-8")
    a = parser.parse_args(["import", str(ap), "--format", "alpaca_eval", "--db", str(db),
                           "--pairs-out", str(tmp_path / "pairs.jsonl")])
    assert a.func(a) == 0
    out = capsys.readouterr().out
    assert out.startswith("run ") and "1 verdicts on 1 items" in out and (tmp_path / "pairs.jsonl").is_file()
    assert list(read_judgments(store, [load_items(str(tmp_path / "pairs.jsonl"))[0].id])["choice"]) == ["B"]
