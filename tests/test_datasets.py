import json
from pathlib import Path

import pandas as pd
import pytest

from judgekit.cli import main
from judgekit.datasets import DatasetError, load_items, parse_mapping


def _rows(n=3, **over):
    rows = [{"id": f"i{k}", "prompt": f"q{k}", "response_a": f"a{k}", "response_b": f"b{k}", "label": "A"}
            for k in range(n)]
    for k, v in over.items():
        rows[1][k] = v
    return rows


def _jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("raw,expected", [
    ("A", "A"), ("b", "B"), (1, "A"), ("2", "B"), (2.0, "B"), ("response_a", "A"), ("response_b", "B"),
    ("tie", "tie"), ("Tie", "tie"), ("", None), (None, None), ("unknown", None),
])
def test_label_spellings(tmp_path, raw, expected):
    items = load_items(str(_jsonl(tmp_path / "d.jsonl", _rows(label=raw))))
    assert items[1].label == expected


def test_csv_and_parquet_with_mapping(tmp_path):
    df = pd.DataFrame({"instruction": ["What?", "Why?"], "output_1": ["x", "y"], "output_2": ["z", "w"],
                       "preference": [1, 2], "extra": ["e1", "e2"]})
    mapping = "prompt=instruction,response_a=output_1,response_b=output_2,label=preference"
    df.to_csv(tmp_path / "d.csv", index=False)
    df.to_parquet(tmp_path / "d.parquet")
    for name in ("d.csv", "d.parquet"):
        items = load_items(str(tmp_path / name), mapping=mapping)
        assert [i.label for i in items] == ["A", "B"]
        assert items[0].prompt == "What?" and items[1].response_b == "w"
        assert items[0].metadata["extra"] == "e1"
        assert items[0].id == "d-1"


def test_parse_mapping_errors():
    assert parse_mapping("prompt=instruction, label=pref") == {"prompt": "instruction", "label": "pref"}
    with pytest.raises(DatasetError, match="unknown item field"):
        parse_mapping("question=instruction")
    with pytest.raises(DatasetError, match="TARGET=COLUMN"):
        parse_mapping("prompt")


@pytest.mark.parametrize("over,row,field,msg", [
    ({"response_a": ""}, 2, "response_a", "empty text"),
    ({"response_b": "   "}, 2, "response_b", "empty text"),
    ({"label": "C"}, 2, "label", "not a valid label"),
    ({"id": "i0"}, 2, "id", "duplicate id"),
    ({"kind": "opinion"}, 2, "kind", "not one of"),
    ({"prompt": None}, 2, "prompt", "missing value"),
])
def test_bad_rows_name_file_row_field(tmp_path, over, row, field, msg):
    path = _jsonl(tmp_path / "bad.jsonl", _rows(**over))
    with pytest.raises(DatasetError) as exc:
        load_items(str(path))
    e = exc.value
    assert (e.file, e.row, e.field) == (str(path), row, field)
    assert msg in str(e) and "bad.jsonl" in str(e) and f"row {row}" in str(e) and f"'{field}'" in str(e)


def test_missing_column_and_bad_json(tmp_path):
    path = _jsonl(tmp_path / "d.jsonl", [{"prompt": "q", "response_a": "a"}])
    with pytest.raises(DatasetError, match=r"field 'response_b': missing column"):
        load_items(str(path))
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"prompt": "q", "response_a": "a", "response_b": "b"}\n{"prompt": \n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"broken\.jsonl, row 2: not valid JSON"):
        load_items(str(bad))
    with pytest.raises(DatasetError, match="column not found"):
        load_items(str(path), mapping="response_b=output_2")
    with pytest.raises(DatasetError, match="file not found"):
        load_items(str(tmp_path / "nope.jsonl"))


def test_cli_reports_bad_data_without_traceback(tmp_path, capsys):
    path = _jsonl(tmp_path / "bad.jsonl", _rows(label="maybe"))
    rc = main(["eval", "--judge", "scripted/gold", "--data", str(path), "--db", str(tmp_path / "x.duckdb"),
               "--no-report"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "bad.jsonl, row 2, field 'label'" in err and "Traceback" not in err


def test_builtin_fact_set_loads():
    items = load_items("facts")
    assert len(items) >= 300
    assert {i.kind for i in items} == {"fact"} and all(i.label in ("A", "B") for i in items)
