"""Fuzzing the dataset loaders: any file gives either a usable dataset or a DatasetError naming where.

Random bytes, wrong encodings (latin-1, utf-16), huge fields, nested JSON and CSV quoting.
A loaded dataset must be usable downstream (hashable into a fingerprint, encodable as UTF-8);
an error must be a :class:`DatasetError` on one line that names the file, and the row and
field where it knows them. No other exception may escape.
"""

from __future__ import annotations

import csv
import io
import json
import string
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judgekit.datasets import DatasetError, dataset_fingerprint, load_items

FIELDS = ["prompt", "response_a", "response_b", "label", "kind", "id", "category", "source", "metadata"]
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"])


def _check(path: Path, n_rows: int | None = None) -> str:
    """Load ``path``; return "ok" or "error" after checking the outcome is one of the two allowed ones."""
    try:
        items = load_items(str(path))
    except DatasetError as exc:
        msg = str(exc)
        assert exc.file == str(path) and msg.startswith(str(path))
        assert "\n" not in msg and len(msg) < 2000, msg[:300]
        if exc.row is not None:
            assert exc.row >= 1 and (n_rows is None or exc.row <= n_rows + 1), (exc.row, n_rows)
            assert f"row {exc.row}" in msg
        if exc.field is not None:
            assert f"field '{exc.field}'" in msg
        return "error"
    assert items
    dataset_fingerprint(items)
    for it in items:
        blob = json.dumps([it.id, it.prompt, it.response_a, it.response_b, it.category, it.source, it.metadata],
                          ensure_ascii=False, default=str)
        blob.encode("utf-8")  # no lone surrogates: DuckDB, the journal and the report all need UTF-8
        assert it.label in ("A", "B", "tie", None) and it.kind in ("fact", "preference")
    return "ok"


def _file(tmp_path: Path, suffix: str, data: bytes) -> Path:
    path = tmp_path / f"{uuid.uuid4().hex}{suffix}"
    path.write_bytes(data)
    return path


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".jsonl", ".csv", ".parquet", ".tsv", ".json"]))
def test_random_bytes(tmp_path: Path, data: bytes, suffix: str) -> None:
    _check(_file(tmp_path, suffix, data))


texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", " ", "A", "b", "tie", "1", "2", "fact", "preference", "\"", "a,b", "x\ny", "\r\n", "\x00", "\ud800"])
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | texts,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                           max_leaves=12)
records = st.dictionaries(st.sampled_from(FIELDS) | texts, json_values, max_size=9)
good_records = st.fixed_dictionaries({"prompt": texts, "response_a": texts, "response_b": texts},
                                     optional={"label": json_values, "kind": json_values, "id": json_values,
                                               "metadata": json_values, "category": json_values})


@FUZZ
@given(rows=st.lists(records | good_records | json_values, min_size=1, max_size=6), encoding=ENCODINGS,
       ascii_only=st.booleans())
def test_jsonl_records(tmp_path: Path, rows: list, encoding: str, ascii_only: bool) -> None:
    text = "\n".join(json.dumps(r, ensure_ascii=ascii_only) for r in rows) + "\n"
    data = text.encode(encoding, errors="surrogatepass" if encoding.startswith("utf-") else "replace")
    _check(_file(tmp_path, ".jsonl", data), len(rows))


@FUZZ
@given(header=st.lists(st.sampled_from(FIELDS) | texts, min_size=1, max_size=6),
       rows=st.lists(st.lists(texts, max_size=7), max_size=6), encoding=ENCODINGS,
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
       quotechar=st.sampled_from(['"', "'"]), suffix=st.sampled_from([".csv", ".tsv"]))
def test_csv_quoting_and_encodings(tmp_path: Path, header: list, rows: list, encoding: str, quoting: int,
                                   quotechar: str, suffix: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=quoting, quotechar=quotechar)
    writer.writerow(header)
    writer.writerows(rows)
    data = buf.getvalue().encode(encoding, errors="surrogatepass" if encoding.startswith("utf-") else "replace")
    _check(_file(tmp_path, suffix, data), len(rows) + sum(r.count("\n") for row in rows for r in row))


@FUZZ
@given(cells=st.lists(st.tuples(texts, texts, texts, st.sampled_from(["A", "B", "tie", "", "C", "2"])),
                      min_size=1, max_size=5))
def test_parquet_columns(tmp_path: Path, cells: list) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    path = tmp_path / f"{uuid.uuid4().hex}.parquet"
    try:
        pd.DataFrame(cells, columns=["prompt", "response_a", "response_b", "label"]).to_parquet(path)
    except UnicodeEncodeError:  # text arrow itself cannot hold (lone surrogates)
        return
    _check(path, len(cells))


def test_valid_file_in_the_wrong_encoding_names_the_row(tmp_path: Path) -> None:
    rows = [{"prompt": "Quelle est la capitale ?", "response_a": "Paris", "response_b": "Lyon", "label": "A"},
            {"prompt": "Où est la tour Eiffel ?", "response_a": "À Paris", "response_b": "À Rome", "label": "A"}]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
    for enc, row in (("latin-1", 2), ("utf-16", 1)):  # latin-1 differs from UTF-8 only at "Où"
        with pytest.raises(DatasetError, match=r"row \d+: not valid UTF-8") as info:
            load_items(str(_file(tmp_path, ".jsonl", text.encode(enc))))
        assert info.value.row == row
    with pytest.raises(DatasetError, match="not valid UTF-8"):
        load_items(str(_file(tmp_path, ".csv", "prompt,response_a,response_b\nçà,é,ü\n".encode("latin-1"))))


def test_huge_fields(tmp_path: Path) -> None:
    big = "x" * 3_000_000
    ok = {"prompt": big, "response_a": big, "response_b": "short", "label": "A"}
    path = _file(tmp_path, ".jsonl", (json.dumps(ok) + "\n").encode())
    assert load_items(str(path))[0].prompt == big
    bad = dict(ok, kind=big)
    with pytest.raises(DatasetError) as info:
        load_items(str(_file(tmp_path, ".jsonl", (json.dumps(bad) + "\n").encode())))
    assert info.value.field == "kind" and len(str(info.value)) < 2000
    csv_path = _file(tmp_path, ".csv", f'prompt,response_a,response_b\n"{big}",b,"c ""quoted"""\n'.encode())
    assert load_items(str(csv_path))[0].response_b == 'c "quoted"'


def test_deeply_nested_json_is_an_error_not_a_crash(tmp_path: Path) -> None:
    deep = "[" * 200_000 + "]" * 200_000
    line = '{"prompt": "p", "response_a": "a", "response_b": "b", "metadata": ' + deep + "}\n"
    with pytest.raises(DatasetError) as info:
        load_items(str(_file(tmp_path, ".jsonl", line.encode())))
    assert info.value.row == 1


def test_lone_surrogates_are_rejected_with_the_field(tmp_path: Path) -> None:
    line = '{"prompt": "p", "response_a": "bad \\ud800 text", "response_b": "b"}\n'
    with pytest.raises(DatasetError) as info:
        load_items(str(_file(tmp_path, ".jsonl", line.encode())))
    assert (info.value.row, info.value.field) == (1, "response_a")


def test_cli_reports_bad_data_in_one_line_without_traceback(tmp_path: Path) -> None:
    path = _file(tmp_path, ".jsonl", b'{"prompt": "p", "response_a": "a", "response_b": "b", "label": "C"}\n\xff\n')
    res = subprocess.run([sys.executable, "-m", "judgekit", "eval", "--judge", "scripted/gold", "--data", str(path),
                          "--db", str(tmp_path / "j.duckdb"), "--no-report"], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip() == f"judgekit: error: {path}, row 1, field 'label': 'C' is not a valid label " \
                                 "(A, B, 1, 2, response_a, response_b, tie (or empty / unknown))"
    assert set(string.printable) >= set(res.stderr)
