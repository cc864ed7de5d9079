"""Load pairwise datasets from JSONL, CSV, Parquet or the Hugging Face hub.

Rows are numbered from 1: for JSONL the row is the line number, for a JSON array
the element number, for CSV, TSV (tab-separated) and Parquet the data row (the
header is not counted).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from judgekit.datasets.schema import OPTIONAL, REQUIRED, DatasetError, make_item
from judgekit.resources import data_dir
from judgekit.types import Item

BUILTIN = {"facts": "facts.jsonl", "preferences": "preferences.jsonl", "fallacies": "fallacies.jsonl",
           "mcq": "mcq.jsonl"}
# Built-in sets whose rows are not pairwise items: the name resolves to the file, but load_items does not read it.
NOT_PAIRWISE = {"mcq": "multiple-choice items (question, options, answer)"}
_FIELDS = REQUIRED + OPTIONAL


def parse_mapping(spec: str | dict[str, str] | None, *, fields: tuple[str, ...] = _FIELDS) -> dict[str, str]:
    """Parse ``prompt=instruction,response_a=output_1`` into {target: source column}; ``fields`` are the
    valid targets (pairwise items' fields unless given)."""
    if not spec:
        return {}
    if isinstance(spec, dict):
        pairs = list(spec.items())
    else:
        pairs = []
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            if "=" not in part:
                raise DatasetError("--map", None, part, "expected TARGET=COLUMN, e.g. prompt=instruction")
            target, source = (x.strip() for x in part.split("=", 1))
            pairs.append((target, source))
    mapping: dict[str, str] = {}
    for target, source in pairs:
        if target not in fields:
            raise DatasetError("--map", None, target, f"unknown item field; fields are {', '.join(fields)}")
        if not source:
            raise DatasetError("--map", None, target, "empty column name")
        if target in mapping:
            raise DatasetError("--map", None, target, f"given twice ({target}={mapping[target]} and "
                                                      f"{target}={source}); map each field once")
        mapping[target] = source
    return mapping


def check_limit(limit: int | None) -> None:
    """``--limit`` must be a positive whole number of items (None: no limit)."""
    if limit is None:
        return
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise DatasetError("--limit", None, None, f"must be a positive number of items, got {limit!r}")


def builtin_path(name: str) -> Path:
    """The bundled file behind a built-in dataset name (see ``BUILTIN``)."""
    if name not in BUILTIN:
        raise DatasetError(name, None, None, f"not a built-in data set; built-in data sets: "
                                             f"{', '.join(sorted(BUILTIN))}")
    return data_dir() / BUILTIN[name]


def resolve_path(data: str) -> str:
    """Built-in dataset names ("facts", "preferences", "fallacies", "mcq") resolve to files in data/."""
    if data in BUILTIN:
        return str(builtin_path(data))
    return data


def _iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")  # a BOM is accepted, as in CSV
            except UnicodeDecodeError as exc:
                raise DatasetError(str(path), lineno, None, f"not valid UTF-8 ({exc.reason})") from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(str(path), lineno, None, f"not valid JSON ({exc.msg})") from None
            except RecursionError:
                raise DatasetError(str(path), lineno, None, "JSON nested too deeply") from None
            if not isinstance(obj, dict):
                raise DatasetError(str(path), lineno, None, f"expected a JSON object, got {type(obj).__name__}")
            yield lineno, obj


def _starts_with_bracket(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4096).lstrip().startswith(b"[")


def _iter_json_array(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """A JSON array of objects; rows are the element numbers, from 1."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DatasetError(str(path), None, None, f"not valid UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(str(path), None, None, f"not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise DatasetError(str(path), None, None, "JSON nested too deeply") from None
    for i, obj in enumerate(data if isinstance(data, list) else [], start=1):
        if not isinstance(obj, dict):
            raise DatasetError(str(path), i, None, f"expected a JSON object, got {type(obj).__name__}")
        yield i, obj


def _iter_table(path: Path, fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    import pandas as pd

    try:
        if fmt in ("csv", "tsv"):
            df = pd.read_csv(path, sep="\t" if fmt == "tsv" else ",", dtype=str, keep_default_na=False,
                             na_values=[], encoding="utf-8")
        else:
            df = pd.read_parquet(path)
    except UnicodeDecodeError as exc:
        raise DatasetError(str(path), None, None, f"not valid UTF-8 ({exc.reason})") from None
    except Exception as exc:  # parser errors carry their own line numbers in the message
        raise DatasetError(str(path), None, None, f"cannot read {fmt.upper()}: {exc}") from None
    columns = [str(c) for c in df.columns]
    df.columns = columns
    yield from enumerate(df.to_dict(orient="records"), start=1)


def _iter_hf(spec: str, split: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import datasets  # type: ignore[import-not-found]
    except ImportError:
        raise DatasetError(spec, None, None, "loading hf:// datasets needs the 'datasets' package: "
                                             "pip install 'judgekit[hf]'") from None
    name = spec.removeprefix("hf://")
    config = None
    if ":" in name:
        name, config = name.split(":", 1)
    try:
        ds = datasets.load_dataset(name, config, split=split)
    except Exception as exc:
        raise DatasetError(spec, None, None, f"cannot load split '{split}': {exc}") from None
    for i, rec in enumerate(ds, start=1):
        yield i, dict(rec)


def _not_a_file(path: Path) -> str:
    """Why ``path`` cannot be read as a dataset (it is not a regular file)."""
    if not path.exists():
        return "file not found"
    if path.is_dir():
        return "is a directory, not a data file"
    return "not a regular file (a device, FIFO or socket); give a JSONL, CSV or Parquet file"


def _records(data: str, split: str) -> Iterator[tuple[int, dict[str, Any]]]:
    if data.startswith("hf://"):
        return _iter_hf(data, split)
    path = Path(data)
    if not path.is_file():
        builtin = not (path.suffix or "/" in data or path.exists())
        hint = f"; built-in data sets: {', '.join(sorted(BUILTIN))}" if builtin else ""
        raise DatasetError(data, None, None, _not_a_file(path) + hint)
    suffix = "".join(path.suffixes[-1:]).lower()
    if suffix == ".json" and _starts_with_bracket(path):
        return _iter_json_array(path)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _iter_jsonl(path)
    if suffix in (".csv", ".tsv"):
        return _iter_table(path, suffix[1:])
    if suffix in (".parquet", ".pq"):
        return _iter_table(path, "parquet")
    raise DatasetError(data, None, None, f"unknown format '{suffix}' (use .jsonl, .csv, .parquet or hf://org/name)")


def load_items(data: str, *, mapping: str | dict[str, str] | None = None, split: str = "train",
               limit: int | None = None, kind: str | None = None) -> list[Item]:
    """Load and validate a dataset. Raises :class:`DatasetError` naming file, row and field."""
    if data in NOT_PAIRWISE:
        raise DatasetError(str(builtin_path(data)), None, None, f"the built-in '{data}' set holds "
                                                                f"{NOT_PAIRWISE[data]}, not pairwise items")
    data = resolve_path(data)
    check_limit(limit)
    cols = parse_mapping(mapping)
    label, stem = source_names(data)

    def build(row: int, rec: dict[str, Any], mapped: dict[str, Any]) -> Item:
        for field in REQUIRED:
            if field not in mapped:
                raise DatasetError(data, row, field, "missing field")
        return make_item(mapped, file=data, row=row, default_id=f"{stem}-{row}",
                         default_kind=kind or "preference", default_source=label)

    return read_items(data, split=split, cols=cols, limit=limit, build=build,
                      check_first=lambda rec: _check_columns(data, rec, cols))


def source_names(data: str) -> tuple[str, str]:
    """(label, stem) of a resolved data source: the file name (or hf id) items record as their source, and the
    prefix of the ids given to rows without one."""
    if data.startswith("hf://"):
        return data, data.removeprefix("hf://").replace("/", "-")
    return Path(data).name, Path(data).stem


def read_items(data: str, *, split: str, cols: dict[str, str], limit: int | None,
               build: Callable[[int, dict[str, Any], dict[str, Any]], Item],
               check_first: Callable[[dict[str, Any]], None] | None = None) -> list[Item]:
    """The items of the resolved source ``data``: each record renamed by ``cols`` (target -> source column) and
    built by ``build(row, record, mapped)``; ids must be unique; at most ``limit`` items; at least one.
    ``check_first`` sees the first record (the column checks of a file). Errors name file, row and field."""
    items: list[Item] = []
    seen: dict[str, int] = {}
    for row, rec in _records(data, split):
        if check_first is not None and not items and not seen:
            check_first(rec)
        mapped = {k: v for k, v in rec.items() if k not in cols.values()}
        for target, source in cols.items():
            if source not in rec:
                raise DatasetError(data, row, source, f"column missing (mapped to '{target}')")
            mapped[target] = rec[source]
        item = build(row, rec, mapped)
        if item.id in seen:
            raise DatasetError(data, row, "id", f"duplicate id {item.id!r} (first seen in row {seen[item.id]})")
        seen[item.id] = row
        items.append(item)
        if limit is not None and len(items) >= limit:
            break
    if not items:
        raise DatasetError(data, None, None, "no items")
    return items


def _check_columns(data: str, first: dict[str, Any], cols: dict[str, str]) -> None:
    present = set(first)
    for target, source in cols.items():
        if source not in present:
            raise DatasetError(data, None, source, f"column not found (mapped to '{target}'); "
                                                   f"columns are: {', '.join(sorted(present))}")
    for field in REQUIRED:
        if field not in cols and field not in present:
            raise DatasetError(data, None, field, f"missing column; columns are: {', '.join(sorted(present))}; "
                                                  f"map one with --map {field}=COLUMN")


def dataset_fingerprint(items: list[Item]) -> str:
    """A short hash of the items' content, so a changed dataset never resumes an old run."""
    h = hashlib.sha256()
    for it in items:
        row: list[Any] = [it.id, it.prompt, it.response_a, it.response_b, it.label, it.kind]
        if it.options:  # mcq items; pairwise fingerprints stay what they were
            row.append(list(it.options))
        h.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()[:16]
