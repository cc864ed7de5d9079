"""Types are checked at the edge: wrong types, BOMs, numeric labels, --map, --limit and non-files.

Every wrong value is one DatasetError line that names the file, the row and the field; the
same data means the same thing in JSONL, CSV and Parquet.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from judgekit.cli import main
from judgekit.datasets import load_items
from judgekit.datasets.loaders import check_limit, parse_mapping
from judgekit.datasets.schema import DatasetError

BASE = {"prompt": "p", "response_a": "a", "response_b": "b"}


def _jsonl(tmp_path: Path, *records: dict, name: str = "x.jsonl") -> str:
    p = tmp_path / name
    p.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(p)


@pytest.mark.parametrize("field,value,says", [
    ("prompt", True, "expected text, got a boolean"), ("response_a", 3, "expected text, got a number"),
    ("response_b", ["x"], "expected text, got a list"), ("prompt", {"t": "x"}, "expected text, got an object"),
    ("id", True, "expected text or an integer, got a boolean"), ("id", [1], "got a list"),
    ("id", {"a": 1}, "got an object"), ("id", 1.5, "got a number"), ("category", ["x"], "expected text"),
    ("source", 3, "expected text, got a number"), ("kind", "   ", "blank"), ("kind", 1, "expected text"),
    ("label", [1], "expected a label"), ("label", True, "not a valid label"),
])
def test_wrong_types_are_one_error_naming_file_row_and_field(tmp_path: Path, field, value, says) -> None:
    path = _jsonl(tmp_path, BASE, {**BASE, field: value})
    with pytest.raises(DatasetError) as e:
        load_items(path)
    msg = str(e.value)
    assert msg.startswith(f"{path}, row 2, field '{field}'") and says in msg and "\n" not in msg


def test_integer_ids_and_integral_floats_are_accepted(tmp_path: Path) -> None:
    items = load_items(_jsonl(tmp_path, {**BASE, "id": 7}, {**BASE, "id": 8.0}, {**BASE, "id": " q9 "}))
    assert [it.id for it in items] == ["7", "8", "q9"]


def test_labels_and_bom_mean_the_same_in_every_format(tmp_path: Path) -> None:
    labels = ["1.0", "2.0", "0.0", "1.5", "A", "tie", ""]
    want = ["A", "B", "tie", "tie", "A", "tie", None]
    csv = tmp_path / "x.csv"
    csv.write_bytes(b"\xef\xbb\xbf" + ("prompt,response_a,response_b,label\n" +
                                       "".join(f"p,a,b,{lab}\n" for lab in labels)).encode())
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_bytes(b"\xef\xbb\xbf" + "".join(json.dumps({**BASE, "label": float(lab) if lab[:1].isdigit() else lab})
                                               + "\n" for lab in labels).encode())
    pq = tmp_path / "x.parquet"
    pd.DataFrame([{**BASE, "label": lab} for lab in labels]).to_parquet(pq)
    for path in (csv, jsonl, pq):
        assert [it.label for it in load_items(str(path))] == want, path


def test_parquet_lists_become_lists_and_binary_is_rejected(tmp_path: Path) -> None:
    pq = tmp_path / "x.parquet"
    pd.DataFrame({**{k: [v] for k, v in BASE.items()}, "id": [5], "tags": [["a", "b"]]}).to_parquet(pq)
    (it,) = load_items(str(pq))
    assert it.id == "5" and it.metadata == {"tags": ["a", "b"]}
    pd.DataFrame({"prompt": [b"\xff\xfe"], "response_a": ["a"], "response_b": ["b"]}).to_parquet(pq)
    with pytest.raises(DatasetError, match=r"row 1, field 'prompt': expected text, got binary data"):
        load_items(str(pq))
    pd.DataFrame({**{k: [v] for k, v in BASE.items()}, "blob": [b"\x00"]}).to_parquet(pq)
    with pytest.raises(DatasetError, match=r"field 'blob': binary data"):
        load_items(str(pq))


def test_paths_that_are_not_regular_files(tmp_path: Path) -> None:
    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    cases = {str(tmp_path): "is a directory", str(fifo): "not a regular file", "/dev/null": "not a regular file",
             str(tmp_path / "missing.jsonl"): "file not found"}
    for path, says in cases.items():
        with pytest.raises(DatasetError, match=says):
            load_items(path)


def test_repeated_map_target_and_non_positive_limit(tmp_path: Path, capsys) -> None:
    with pytest.raises(DatasetError, match=r"field 'prompt': given twice \(prompt=a and prompt=b\)"):
        parse_mapping("prompt=a,response_a=x,prompt=b")
    for bad in (0, -5):
        with pytest.raises(DatasetError, match=f"--limit: must be a positive number of items, got {bad}"):
            check_limit(bad)
    check_limit(None)
    check_limit(3)
    path = _jsonl(tmp_path, BASE)
    for extra in (["--limit", "0"], ["--limit", "-5"], ["--map", "prompt=prompt,prompt=response_a"]):
        rc = main(["eval", "--judge", "scripted", "--data", path, "--db", str(tmp_path / "j.duckdb"), "--no-report",
                   *extra])
        err = capsys.readouterr().err
        assert rc == 2 and err.startswith("judgekit: error: ") and err.count("\n") == 1, err
