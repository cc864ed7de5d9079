"""Multiple-choice items: a question, its options and the gold option (the ``mcq`` protocol).

A record holds ``question`` (or ``prompt``), ``options`` (a list, or a JSON string holding one) and
``answer``: the gold option's letter ("A" is ``options[0]``) or its 0-based index. ``id``, ``kind``,
``category``, ``source`` and ``metadata`` are optional as for pairwise items; other fields go to
``metadata``. ``--map question=COL,options=COL,answer=COL`` names the columns of other files (the
MMLU-Pro files of the seed paper load with their own column names: question, options, answer).

Every problem is a :class:`~judgekit.datasets.schema.DatasetError` naming file, row and field:
fewer than 2 or more than 26 options, an empty option, an option that repeats the gold one, an answer
that is not a letter or index of one of the options. A repeated *wrong* option (MMLU-Pro pads some
questions with "N/A" twice) leaves one correct slot: it is kept and listed in the item's metadata
(``duplicate_options``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from judgekit.datasets.schema import DatasetError, _is_missing, _plain, _python_scalar, _text, _type_name, make_item
from judgekit.types import OPTION_LETTERS, Item

#: the fields of an mcq record (``--map`` targets under ``--protocol mcq``)
MCQ_FIELDS = ("question", "options", "answer", "id", "kind", "category", "source", "metadata", "prompt")
MIN_OPTIONS, MAX_OPTIONS = 2, len(OPTION_LETTERS)


def _options(value: Any, file: str, row: int) -> tuple[str, ...]:
    value = _python_scalar(value)
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # a Parquet list column
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise DatasetError(file, row, "options", "expected a list of options or a JSON string holding "
                                                     "one") from None
    if not isinstance(value, (list, tuple)):
        raise DatasetError(file, row, "options", f"expected a list of options, got {_type_name(value)}")
    if not MIN_OPTIONS <= len(value) <= MAX_OPTIONS:
        raise DatasetError(file, row, "options", f"{len(value)} options; an item needs {MIN_OPTIONS} to "
                                                 f"{MAX_OPTIONS}")
    out: list[str] = []
    for i, opt in enumerate(value):
        opt = _python_scalar(opt)
        if isinstance(opt, (int, float)) and not isinstance(opt, bool) and math.isfinite(opt):
            opt = str(opt)  # numeric options ("12", "3.5") read as the text they show
        if not isinstance(opt, str):
            raise DatasetError(file, row, "options", f"option {OPTION_LETTERS[i]} is {_type_name(opt)}, not text")
        if not opt.strip():
            raise DatasetError(file, row, "options", f"option {OPTION_LETTERS[i]} is empty")
        out.append(opt)
    return tuple(out)


def _duplicates(options: tuple[str, ...], label: str, file: str, row: int) -> list[str]:
    """Letters of options that repeat an earlier one. Repeating the gold option is an error (two slots would
    be correct); a repeated wrong option ("N/A" padding in MMLU-Pro) leaves one correct slot and is kept."""
    seen: dict[str, int] = {}
    dups: list[str] = []
    gold = OPTION_LETTERS.index(label)
    for i, opt in enumerate(options):
        key = opt.strip()
        if key in seen:
            if gold in (i, seen[key]):
                raise DatasetError(file, row, "options", f"option {OPTION_LETTERS[i]} repeats option "
                                                         f"{OPTION_LETTERS[seen[key]]} ({key[:40]!r}), the gold "
                                                         "option: the answer would be two slots")
            dups.append(OPTION_LETTERS[i])
        seen.setdefault(key, i)
    return dups


def _answer(value: Any, n: int, file: str, row: int) -> str:
    """The gold option's letter from a letter ("B", "(b)") or a 0-based index (1, "1")."""
    value = _python_scalar(value)
    if _is_missing(value) or (isinstance(value, str) and not value.strip()):
        raise DatasetError(file, row, "answer", "missing value (the gold option's letter or 0-based index)")
    valid = f"A-{OPTION_LETTERS[n - 1]} or 0-{n - 1}"
    if isinstance(value, bool):
        raise DatasetError(file, row, "answer", f"{value!r} is not an option letter or index ({valid})")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        index = value
    elif isinstance(value, str):
        text = value.strip().strip("()[]. ").upper()
        if text.isdigit():
            index = int(text)
        elif len(text) == 1 and text in OPTION_LETTERS:
            index = OPTION_LETTERS.index(text)
        else:
            raise DatasetError(file, row, "answer", f"{value[:40]!r} is not an option letter or index ({valid})")
    else:
        raise DatasetError(file, row, "answer", f"expected a letter or an index, got {_type_name(value)}")
    if not 0 <= index < n:
        raise DatasetError(file, row, "answer", f"{value!r} is out of range: the item has {n} options ({valid})")
    return OPTION_LETTERS[index]


def make_mcq_item(record: dict[str, Any], *, file: str, row: int, default_id: str,
                  default_kind: str = "fact", default_source: str | None = None) -> Item:
    """Validate one mcq record (already column-mapped) and build an :class:`Item` with ``options``."""
    record = dict(record)
    for f in ("question", "options", "answer"):
        if f not in record and not (f == "question" and "prompt" in record):
            raise DatasetError(file, row, f, "missing field")
    question = record.pop("question") if "question" in record else record.pop("prompt")
    _text({"question": _python_scalar(question)}, "question", file, row)
    extra = {f"{k}_column": record.pop(k) for k in ("prompt", "label", "response_a", "response_b") if k in record}
    options = _options(record.pop("options"), file, row)
    label = _answer(record.pop("answer"), len(options), file, row)
    base = make_item({**record, **extra, "prompt": question, "response_a": "-", "response_b": "-"},
                     file=file, row=row, default_id=default_id, default_kind=default_kind,
                     default_source=default_source)
    meta = {k: _plain(v, file, row, k) for k, v in base.metadata.items()}
    dups = _duplicates(options, label, file, row)
    if dups:
        meta["duplicate_options"] = dups
    return Item(id=base.id, prompt=base.prompt, response_a="", response_b="", label=label,  # type: ignore[arg-type]
                kind=base.kind, category=base.category, source=base.source, metadata=meta, options=options)


def load_mcq_items(data: str, *, mapping: str | dict[str, str] | None = None, split: str = "train",
                   limit: int | None = None, kind: str | None = None) -> list[Item]:
    """Load and validate a multiple-choice dataset (JSONL, JSON array, CSV, Parquet, hf://)."""
    from judgekit.datasets.loaders import check_limit, parse_mapping, read_items, resolve_path, source_names

    data = resolve_path(data)
    check_limit(limit)
    cols = parse_mapping(mapping, fields=MCQ_FIELDS)
    label, stem = source_names(data)

    def build(row: int, rec: dict[str, Any], mapped: dict[str, Any]) -> Item:
        if "question" not in mapped and "prompt" not in mapped:
            raise DatasetError(data, row, "question", f"missing field; fields are {', '.join(sorted(rec))}; "
                                                      "map one with --map question=COLUMN")
        return make_mcq_item(mapped, file=data, row=row, default_id=f"{stem}-{row}", default_kind=kind or "fact",
                             default_source=label)

    return read_items(data, split=split, cols=cols, limit=limit, build=build)
